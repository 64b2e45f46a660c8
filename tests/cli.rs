//! The real `sigcookie` binary: exit codes, output and secret handling.
#![cfg(feature = "cli")]

use assert_cmd::Command;
use predicates::prelude::*;

const SECRET: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const UNTIMED: &str = "12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba";
const TIMED: &str = "12345.1764000000.2df5b78a1191cc09a4c9c9243ba5287d";
/// `sigcookie verify` of `TIMED` with the signer that made it.
const VERIFY_TIMED: [&str; 7] = [
    "verify",
    TIMED,
    "--purpose",
    "session",
    "--timestamp",
    "--tag-bytes",
    "16",
];
const UNBOUND: &str = "12345.36e295174c2947fbba5ff2d280b635a4b2eaa3106e07c7f1f3d2b72cba861447";

fn cli() -> Command {
    let mut cmd = Command::cargo_bin("sigcookie").expect("binary built with --features cli");
    cmd.env("SIGCOOKIE_SECRET", SECRET);
    cmd
}

#[test]
fn signs_the_readme_examples() {
    cli()
        .args(["sign", "12345", "--purpose", "session"])
        .assert()
        .success()
        .stdout(format!("{UNTIMED}\n"));
    cli()
        .args([
            "sign",
            "12345",
            "--purpose",
            "session",
            "--timestamp",
            "--at",
            "1764000000",
            "--tag-bytes",
            "16",
        ])
        .assert()
        .success()
        .stdout(format!("{TIMED}\n"));
    cli()
        .args(["sign", "12345", "--unbound"])
        .assert()
        .success()
        .stdout(format!("{UNBOUND}\n"));
}

#[test]
fn verifies_and_prints_the_id() {
    cli()
        .args(["verify", UNTIMED, "--purpose", "session"])
        .assert()
        .success()
        .stdout("12345\n");
    cli()
        .args(["verify", UNBOUND, "--unbound"])
        .assert()
        .success()
        .stdout("12345\n");
    cli()
        .args(VERIFY_TIMED)
        .args(["--max-age", "3600", "--now", "1764000100"])
        .assert()
        .success()
        .stdout("12345\nissued_at=1764000000\n");
}

#[test]
fn values_can_come_from_stdin() {
    cli()
        .args(["verify", "-", "--purpose", "session"])
        .write_stdin(format!("{UNTIMED}\n"))
        .assert()
        .success()
        .stdout("12345\n");
    cli()
        .args(["inspect", "-"])
        .write_stdin(format!("{TIMED}\r\n"))
        .assert()
        .success()
        .stdout(predicate::str::contains("issued_at:    1764000000"));
    // A value that is not even UTF-8 is rejected like any non-ASCII value (exit 1), and an
    // endless line is cut off and refused by the length cap rather than read whole.
    cli()
        .args(["verify", "-", "--purpose", "session"])
        .write_stdin(b"12345.\xff\n".to_vec())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NonAscii"));
    cli()
        .args(["verify", "-", "--purpose", "session"])
        .write_stdin(vec![b'a'; 10 << 20])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("TooLong"));
    // Only the line ending is dropped: other whitespace is part of the value, and refused.
    cli()
        .args(["verify", "-", "--purpose", "session"])
        .write_stdin(format!("{UNTIMED} \n"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("SignatureLength"));
}

#[test]
fn ids_and_values_that_start_with_a_hyphen_go_after_double_dash() {
    let out = cli()
        .args(["sign", "--purpose", "session", "--", "-42"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value = String::from_utf8(out.stdout).expect("utf8");
    let value = value.trim_end();
    assert!(value.starts_with("-42."));
    cli()
        .args(["verify", "--purpose", "session", "--", value])
        .assert()
        .success()
        .stdout("-42\n");
    cli()
        .args(["inspect", "--", value])
        .assert()
        .success()
        .stdout(predicate::str::contains("id:           -42\n"));
}

#[test]
fn a_negative_number_id_needs_no_double_dash_and_other_hyphen_args_say_how_to_pass_them() {
    // A number cannot be a flag, so it is the id wherever it stands.
    let signed = cli()
        .args(["sign", "--purpose", "session", "--", "-42"])
        .output()
        .expect("runs")
        .stdout;
    for args in [
        ["sign", "-42", "--purpose", "session"],
        ["sign", "--purpose", "session", "-42"],
    ] {
        cli()
            .args(args)
            .assert()
            .success()
            .stdout(String::from_utf8(signed.clone()).expect("utf8"));
    }
    // Anything else that starts with '-' may be a mistyped flag: refused, with the exact
    // command that passes it as the id or value.
    cli()
        .args(["sign", "-4x2", "--purpose", "session"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("sigcookie sign --purpose session -- -4x2")
                .and(predicate::str::contains("'-- -4'").not()),
        );
    let value = String::from_utf8(signed).expect("utf8");
    let value = value.trim_end();
    cli()
        .args(["verify", value, "--purpose", "session"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "sigcookie verify --purpose session -- {value}"
        )));
    let mut json = cli();
    json.args(["inspect", value, "--json"]);
    let (code, doc) = json_failure(&mut json);
    assert_eq!((code, doc["error"].as_str()), (Some(2), Some("Usage")));
    assert!(
        doc["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("sigcookie inspect --json -- {value}"))),
        "{doc}"
    );
    // Help and version flags still work, and a mistyped long flag is still a typo.
    for args in [
        vec!["sign", "-42", "-h"],
        vec!["sign", "-h", "-42"],
        vec!["verify", "--help"],
    ] {
        cli()
            .args(&args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
    cli().args(["-V"]).assert().success();
    cli()
        .args(["sign", "-42", "--purpose", "session", "--timestmp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'--timestamp'"));
}

#[test]
fn a_mistyped_flag_is_refused_not_signed_as_the_id() {
    for args in [
        vec!["sign", "--timestmp", "--purpose", "s"],
        vec!["sign", "12345", "--purpose", "s", "--timestmp"],
        vec!["verify", "--purpose", "s", "--max-agee", "5", UNTIMED],
        vec!["inspect", "--jsno", TIMED],
    ] {
        cli()
            .args(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("unexpected argument"));
    }
    cli()
        .args(["sign", "--timestmp", "--purpose", "s"])
        .assert()
        .stderr(predicate::str::contains("'--timestamp'"));
    // `-` alone is still standard input, not a flag.
    cli()
        .args(["verify", "--purpose", "session", "-"])
        .write_stdin(UNTIMED)
        .assert()
        .success()
        .stdout("12345\n");
}

#[test]
fn max_age_defaults_to_one_day() {
    let at = |now: &str| {
        let mut cmd = cli();
        cmd.args(VERIFY_TIMED).args(["--now", now]);
        cmd
    };
    at("1764086400").assert().success();
    at("1764086401")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("maximum age of 86400 s"));
}

#[test]
fn rejections_exit_1_with_the_reason_on_stderr() {
    let timed = VERIFY_TIMED.join(" ");
    let upper = UNTIMED.to_uppercase();
    let cases = [
        (format!("{timed} --max-age 60 --now 1764000061"), "Expired"),
        (
            format!("{timed} --max-age 60 --now 1764000000 --not-before 1764000001"),
            "IssuedBeforeNotBefore",
        ),
        (
            format!("{timed} --max-age 60 --now 1763999000"),
            "IssuedInFuture",
        ),
        (format!("verify {UNTIMED} --purpose csrf"), "BadSignature"),
        (format!("verify {UNTIMED} --unbound"), "BadSignature"),
        (format!("verify {TIMED} --purpose session"), "PartCount"),
        (
            format!("verify {upper} --purpose session"),
            "SignatureUppercase",
        ),
    ];
    for (args, reason) in cases {
        cli()
            .args(args.split(' '))
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains("rejected").and(predicate::str::contains(reason)));
    }
}

#[test]
fn json_output() {
    cli()
        .args(["sign", "12345", "--purpose", "session", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(r#""value":"{UNTIMED}""#)));
    let out = cli()
        .args(VERIFY_TIMED)
        .args(["--max-age", "60", "--now", "1764000000", "--json"])
        .output()
        .expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        doc,
        serde_json::json!({"valid": true, "id": "12345", "issued_at": 1764000000u64})
    );
    let out = cli()
        .args(["verify", "nope", "--purpose", "session", "--json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        (doc["valid"].as_bool(), doc["error"].as_str()),
        (Some(false), Some("PartCount"))
    );
    let out = cli()
        .args(["inspect", TIMED, "--json"])
        .output()
        .expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        doc,
        serde_json::json!({"verified": false, "id": "12345", "issued_at": 1764000000u64,
                           "issued_at_utc": "2025-11-24T16:00:00Z", "tag_bytes": 16,
                           "signature": "2df5b78a1191cc09a4c9c9243ba5287d"})
    );
}

/// Runs `args` with `--json` and returns the exit status and the JSON document on stdout.
fn json_failure(cmd: &mut Command) -> (Option<i32>, serde_json::Value) {
    let out = cmd.output().expect("runs");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code(), doc)
}

#[test]
fn under_json_configuration_and_usage_errors_are_json_too() {
    // No secret: exit 2, and a document naming the error, for every command that takes --json.
    let mut no_secret = Command::cargo_bin("sigcookie").expect("binary");
    no_secret
        .env_remove("SIGCOOKIE_SECRET")
        .args(["sign", "1", "--purpose", "s", "--json"]);
    let (code, doc) = json_failure(&mut no_secret);
    assert_eq!(code, Some(2));
    assert_eq!(doc["error"], "KeyEnvMissing");
    assert!(
        doc["message"]
            .as_str()
            .is_some_and(|m| m.contains("SIGCOOKIE_SECRET")),
        "{doc}"
    );
    assert_eq!(doc.get("valid"), None, "sign has no verdict: {doc}");
    // verify's documents always carry `valid`.
    let mut bad_secret = cli();
    bad_secret.env("SIGCOOKIE_SECRET", "abcd").args([
        "verify",
        UNTIMED,
        "--purpose",
        "session",
        "--json",
    ]);
    let (code, doc) = json_failure(&mut bad_secret);
    assert_eq!(code, Some(2));
    assert_eq!(
        (doc["valid"].as_bool(), doc["error"].as_str()),
        (Some(false), Some("KeyTooShort"))
    );
    let mut tag = cli();
    tag.args(["sign", "1", "--purpose", "s", "--tag-bytes", "8", "--json"]);
    assert_eq!(json_failure(&mut tag).1["error"], "TagLength");
    // Usage errors too, which clap finds before anything else.
    let mut usage = cli();
    usage.args([
        "verify",
        UNTIMED,
        "--purpose",
        "session",
        "--timestamp",
        "--max-age",
        "0",
        "--json",
    ]);
    let (code, doc) = json_failure(&mut usage);
    assert_eq!(code, Some(2));
    assert_eq!(
        (doc["valid"].as_bool(), doc["error"].as_str()),
        (Some(false), Some("Usage"))
    );
    assert!(
        doc["message"]
            .as_str()
            .is_some_and(|m| m.contains("--max-age")),
        "{doc}"
    );
    let mut typo = cli();
    typo.args(["sign", "--timestmp", "--purpose", "s", "--json"]);
    let (code, doc) = json_failure(&mut typo);
    assert_eq!((code, doc["error"].as_str()), (Some(2), Some("Usage")));
    // inspect's rejections are JSON as well.
    let mut inspect = cli();
    inspect.args(["inspect", "12345.beef", "--json"]);
    let (code, doc) = json_failure(&mut inspect);
    assert_eq!(
        (code, doc["error"].as_str()),
        (Some(1), Some("SignatureLength"))
    );
    // An id after `--` that reads "--json" is an id, not the flag.
    cli()
        .args(["sign", "--purpose", "s", "--", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("--json."));
    // Help is still help.
    cli()
        .args(["verify", "--help", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Usage"));
}

#[test]
fn max_age_and_lifetime_must_be_positive() {
    for args in [
        vec!["--timestamp", "--max-age", "0"],
        vec!["--session", "--max-age", "0"],
        vec!["--session", "--lifetime", "0"],
    ] {
        cli()
            .args(["verify", TIMED, "--purpose", "session"])
            .args(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("at least 1 second"));
    }
    cli()
        .args(VERIFY_TIMED)
        .args(["--max-age", "1", "--now", "1764000001"])
        .assert()
        .success();
}

#[test]
fn an_empty_value_is_called_empty() {
    for args in [
        vec!["verify", "", "--purpose", "session"],
        vec!["verify", "", "--purpose", "session", "--timestamp"],
        vec!["verify", "", "--purpose", "session", "--session"],
        vec!["inspect", ""],
    ] {
        cli().args(&args).assert().code(1).stderr(
            predicate::str::contains("the value is empty")
                .and(predicate::str::contains("dot-separated").not()),
        );
    }
    cli()
        .args(["verify", "-", "--purpose", "session"])
        .write_stdin("\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the value is empty"));
    // A value that is not empty keeps the core's reason.
    cli()
        .args(["verify", "12345", "--purpose", "session"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "value has 1 dot-separated part; expected 2",
        ));
}

#[test]
fn inspect_speaks_of_any_signer_not_this_one() {
    let cases = [
        ("12345.beef", "a signature has an even number from 32 to 64"),
        (
            "12345",
            "a value has 2 (id.sig), 3 (id.ts.sig) or 4 (id.auth.ts.sig)",
        ),
        (
            "a.b.c.d.e",
            "a value has 2 (id.sig), 3 (id.ts.sig) or 4 (id.auth.ts.sig)",
        ),
    ];
    for (value, message) in cases {
        cli().args(["inspect", value]).assert().code(1).stderr(
            predicate::str::contains(message).and(predicate::str::contains("this signer").not()),
        );
    }
    let long = format!("{}.{}", "a".repeat(600), "0".repeat(64));
    cli().args(["inspect", &long]).assert().code(1).stderr(
        predicate::str::contains("no sigcookie value is longer than")
            .and(predicate::str::contains("this signer").not()),
    );
}

#[test]
fn inspect_shows_dates_and_ages() {
    cli()
        .args(["inspect", SESSION, "--now", "1764015120"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains(
                "logged_in_at: 1764000000 (2025-11-24T16:00:00Z, 4 h 12 min ago)\n",
            )
            .and(predicate::str::contains(
                "issued_at:    1764003600 (2025-11-24T17:00:00Z, 3 h 12 min ago)\n",
            )),
        );
    cli()
        .args(["inspect", TIMED, "--now", "1763999995"])
        .assert()
        .success()
        .stdout(predicate::str::contains("(2025-11-24T16:00:00Z, in 5 s)"));
    for (now, age) in [
        ("1764000000", "now"),
        ("1764000061", "1 min 1 s ago"),
        ("1764003600", "1 h ago"),
        ("1764180000", "2 d 2 h ago"),
    ] {
        cli()
            .args(["inspect", TIMED, "--now", now])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("Z, {age})")));
    }
    // A time no calendar date can show is still printed as a number.
    let far = format!("1.99999999999999.{}", "0".repeat(32));
    cli()
        .args(["inspect", &far, "--now", "0"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "issued_at:    99999999999999 (after the year 9999)",
        ));
    // Without --now the clock is used.
    cli()
        .args(["inspect", TIMED])
        .assert()
        .success()
        .stdout(predicate::str::contains("ago)"));
}

#[test]
fn help_states_each_default_once_and_only_relevant_flags() {
    let help = |args: &[&str]| {
        let out = cli().args(args).output().expect("runs");
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("utf8")
    };
    let verify = help(&["verify", "--help"]);
    for default in ["86400", "43200"] {
        assert_eq!(verify.matches(default).count(), 1, "{verify}");
    }
    assert!(!verify.contains("(default: one day)"), "{verify}");
    assert!(verify.contains("--previous-secret-file"), "{verify}");
    let sign = help(&["sign", "--help"]);
    assert!(!sign.contains("--previous-secret-file"), "{sign}");
    assert!(help(&["--help"]).contains("goes after '--'"));
}

#[test]
fn inspect_is_labelled_unverified_and_needs_no_secret() {
    Command::cargo_bin("sigcookie")
        .expect("binary")
        .env_remove("SIGCOOKIE_SECRET")
        .args(["inspect", TIMED])
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("UNVERIFIED")
                .and(predicate::str::contains("issued_at:    1764000000")),
        );
    cli().args(["inspect", "a.b.c.d"]).assert().code(1);
}

#[test]
fn keygen_prints_a_fresh_64_hex_secret() {
    let first = cli().arg("keygen").output().expect("runs");
    let second = cli().arg("keygen").output().expect("runs");
    let key = String::from_utf8(first.stdout.clone()).expect("utf8");
    let key = key.trim_end();
    assert_eq!(key.len(), 64);
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_ne!(first.stdout, second.stdout);
}

/// A fresh folder for one test's secret files, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("sigcookie-cli-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    /// Writes `contents` to `name` with permission bits `mode`, whatever the umask.
    fn file(&self, name: &str, contents: impl AsRef<[u8]>, mode: u32) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write");
        set_mode(&path, mode);
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

#[cfg(unix)]
fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(not(unix))]
fn set_mode(_: &std::path::Path, _: u32) {}

/// `sigcookie ARGS --secret-file PATH` without `SIGCOOKIE_SECRET`.
fn with_secret_file(path: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = cli();
    cmd.env_remove("SIGCOOKIE_SECRET")
        .args(args)
        .arg("--secret-file")
        .arg(path);
    cmd
}

#[test]
fn secret_from_file_and_rotation() {
    let dir = TempDir::new("rotation");
    let current = dir.file("current.hex", format!("{}\n", "ab".repeat(32)), 0o600);
    let old = dir.file("old.hex", format!("{SECRET}\n"), 0o600);
    // The old secret's value verifies only while the old secret is listed as previous.
    with_secret_file(&current, &["verify", UNTIMED, "--purpose", "session"])
        .arg("--previous-secret-file")
        .arg(&old)
        .assert()
        .success()
        .stdout("12345\n")
        .stderr("");
    with_secret_file(&current, &["verify", UNTIMED, "--purpose", "session"])
        .assert()
        .code(1);
    // Previous secrets are for verifying only: `sign` does not take or list them.
    with_secret_file(&current, &["sign", "12345", "--purpose", "session"])
        .arg("--previous-secret-file")
        .arg(&old)
        .assert()
        .code(2);
}

#[cfg(unix)]
#[test]
fn secret_files_others_can_write_are_refused_and_readable_ones_warned_about() {
    let dir = TempDir::new("modes");
    let sign =
        |path: &std::path::Path| with_secret_file(path, &["sign", "12345", "--purpose", "session"]);
    for mode in [0o620, 0o602, 0o666, 0o660, 0o622] {
        let path = dir.file(&format!("w{mode:o}.hex"), SECRET, mode);
        sign(&path).assert().code(2).stdout("").stderr(
            predicate::str::contains("can be written by other users")
                .and(predicate::str::contains(format!(
                    "chmod 600 {}",
                    path.display()
                )))
                .and(predicate::str::contains(format!("{mode:03o}"))),
        );
    }
    for mode in [0o640, 0o604, 0o644] {
        let path = dir.file(&format!("r{mode:o}.hex"), SECRET, mode);
        sign(&path)
            .assert()
            .success()
            .stdout(format!("{UNTIMED}\n"))
            .stderr(
                predicate::str::contains("warning")
                    .and(predicate::str::contains("can be read by other users"))
                    .and(predicate::str::contains("chmod 600")),
            );
    }
    for mode in [0o600, 0o400] {
        let path = dir.file(&format!("ok{mode:o}.hex"), SECRET, mode);
        sign(&path)
            .assert()
            .success()
            .stdout(format!("{UNTIMED}\n"))
            .stderr("");
    }
    // The same rules for previous secrets.
    let current = dir.file("current.hex", SECRET, 0o600);
    let writable = dir.file("previous.hex", "ab".repeat(32), 0o666);
    with_secret_file(&current, &["verify", UNTIMED, "--purpose", "session"])
        .arg("--previous-secret-file")
        .arg(&writable)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("previous.hex"));
    // `/dev/zero` (writable by everyone) is refused before a byte of it is read.
    sign(std::path::Path::new("/dev/zero"))
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("chmod 600"));
}

#[test]
fn secret_files_are_read_up_to_a_few_kib() {
    let dir = TempDir::new("size");
    // A long secret in hex, within the limit, is fine (and hashed, as HMAC does).
    let long = dir.file("long.hex", "ab".repeat(1024), 0o600);
    with_secret_file(&long, &["sign", "12345", "--purpose", "session"])
        .assert()
        .success();
    for (name, len) in [("big.hex", 4097), ("huge.hex", 8 << 20)] {
        let path = dir.file(name, vec![b'a'; len], 0o600);
        with_secret_file(&path, &["sign", "12345", "--purpose", "session"])
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("larger than 4096 bytes"));
    }
    let missing = dir.0.join("missing.hex");
    with_secret_file(&missing, &["sign", "12345", "--purpose", "session"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read secret file"));
}

#[test]
fn secret_whitespace_is_trimmed_alike_from_the_variable_and_the_file() {
    let dir = TempDir::new("trim");
    for padded in [
        format!("{SECRET}\n"),
        format!("{SECRET} "),
        format!(" \t{SECRET}\r\n"),
    ] {
        let path = dir.file("padded.hex", &padded, 0o600);
        with_secret_file(&path, &["sign", "12345", "--purpose", "session"])
            .assert()
            .success()
            .stdout(format!("{UNTIMED}\n"));
        cli()
            .env("SIGCOOKIE_SECRET", &padded)
            .args(["sign", "12345", "--purpose", "session"])
            .assert()
            .success()
            .stdout(format!("{UNTIMED}\n"));
    }
    // Whitespace inside the hex is not trimmed: it is a broken secret, in both places.
    let broken = format!("{} {}", &SECRET[..32], &SECRET[32..]);
    let path = dir.file("broken.hex", &broken, 0o600);
    with_secret_file(&path, &["sign", "12345", "--purpose", "session"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not valid hex"));
    cli()
        .env("SIGCOOKIE_SECRET", &broken)
        .args(["sign", "12345", "--purpose", "session"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("not valid hex")
                .and(predicate::str::contains("SIGCOOKIE_SECRET")),
        );
}

#[test]
fn secrets_are_never_taken_from_arguments_or_printed() {
    cli()
        .args(["sign", "1", "--purpose", "s", "--secret", SECRET])
        .assert()
        .code(2);
    Command::cargo_bin("sigcookie")
        .expect("binary")
        .env_remove("SIGCOOKIE_SECRET")
        .args(["sign", "1", "--purpose", "s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SIGCOOKIE_SECRET"));
    let short = "0123456789abcdef";
    Command::cargo_bin("sigcookie")
        .expect("binary")
        .env("SIGCOOKIE_SECRET", short)
        .args(["sign", "1", "--purpose", "s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least 32").and(predicate::str::contains(short).not()));
    for args in [
        vec!["sign", "12345", "--purpose", "session", "--json"],
        vec!["verify", UNTIMED, "--purpose", "session"],
    ] {
        let out = cli().args(&args).output().expect("runs");
        let all = [out.stdout, out.stderr].concat();
        assert!(
            !String::from_utf8_lossy(&all).contains("0102030405"),
            "{args:?} printed the secret"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    cli().args(["sign", "1"]).assert().code(2);
    cli()
        .args(["sign", "1", "--purpose", "s", "--unbound"])
        .assert()
        .code(2);
    cli()
        .args(["verify", UNTIMED, "--purpose", "session", "--now", "1"])
        .assert()
        .code(2);
    cli()
        .args(["sign", "1", "--purpose", "s", "--tag-bytes", "8"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tag length"));
    cli()
        .args(["sign", "a b", "--purpose", "s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("user ID"));
    cli().args(["frobnicate"]).assert().code(2);
}

/// The README's session example: logged in at 1764000000, issued an hour later.
const SESSION: &str =
    "12345.1764000000.1764003600.5ac44e3ba810958131ea64f38fe75147b87cda201e8b17e4bfc05ca4da9921d1";

#[test]
fn session_values_sign_verify_and_end() {
    cli()
        .args(["sign", "12345", "--purpose", "session", "--session"])
        .args(["--logged-in-at", "1764000000", "--at", "1764003600"])
        .assert()
        .success()
        .stdout(format!("{SESSION}\n"));
    let verify = |extra: &[&str]| {
        let mut command = cli();
        command
            .args(["verify", SESSION, "--purpose", "session", "--session"])
            .args(extra);
        command.assert()
    };
    verify(&["--now", "1764003700"])
        .success()
        .stdout("12345\nlogged_in_at=1764000000\nissued_at=1764003600\n");
    // The lifetime defaults to 12 hours, or to a longer maximum age: a login 13 hours ago
    // whose value was issued an hour ago passes with a day's maximum age, not with two hours'.
    verify(&["--now", "1764046800", "--max-age", "86400"])
        .success()
        .stdout("12345\nlogged_in_at=1764000000\nissued_at=1764003600\n");
    verify(&["--now", "1764046800", "--max-age", "43300"])
        .code(1)
        .stderr(predicate::str::contains("LifetimeExceeded"));
    verify(&[
        "--now",
        "1764003700",
        "--max-age",
        "3600",
        "--lifetime",
        "3699",
    ])
    .code(1)
    .stderr(predicate::str::contains("LifetimeExceeded"));
    // The cut-off is compared with the login time, not the (later) issue time.
    verify(&["--now", "1764003700", "--not-before", "1764000001"])
        .code(1)
        .stderr(predicate::str::contains("LoggedInBeforeNotBefore"));
    verify(&["--now", "1764003700", "--not-before", "1764000000"]).success();
    let out = verify(&["--now", "1764003700", "--json"])
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(
        doc,
        serde_json::json!({"valid": true, "id": "12345", "issued_at": 1764003600u64, "logged_in_at": 1764000000u64})
    );
    // A session value is not a timestamped one, and --auth needs --session.
    cli()
        .args(["verify", SESSION, "--purpose", "session", "--timestamp"])
        .args(["--now", "1764003700"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("PartCount"));
    cli()
        .args([
            "sign",
            "12345",
            "--purpose",
            "session",
            "--timestamp",
            "--logged-in-at",
            "5",
        ])
        .assert()
        .code(2);
    cli()
        .args([
            "sign",
            "12345",
            "--purpose",
            "session",
            "--timestamp",
            "--session",
        ])
        .assert()
        .code(2);
    cli()
        .args(["inspect", SESSION])
        .assert()
        .success()
        .stdout(predicate::str::contains("logged_in_at: 1764000000"));
}

#[test]
fn a_lifetime_shorter_than_the_max_age_is_refused() {
    let verify = |extra: &[&str]| {
        let mut command = cli();
        command
            .args(["verify", SESSION, "--purpose", "session", "--session"])
            .args(["--now", "1764003601"])
            .args(extra);
        command
    };
    verify(&["--max-age", "60", "--lifetime", "30"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("--lifetime 30").and(predicate::str::contains("--max-age 60")),
        );
    let (code, doc) = json_failure(&mut verify(&[
        "--max-age",
        "60",
        "--lifetime",
        "30",
        "--json",
    ]));
    assert_eq!(
        (code, doc["error"].as_str(), doc["valid"].as_bool()),
        (Some(2), Some("LifetimeShorterThanMaxAge"), Some(false))
    );
    // Equal is fine (the value is then rejected or accepted on its times).
    verify(&["--max-age", "7200", "--lifetime", "7200"])
        .assert()
        .success();
    // The default lifetime follows a longer maximum age, so it is never shorter.
    verify(&["--max-age", "90000"]).assert().success();
}

#[test]
fn under_json_every_outcome_is_one_document_on_stdout_and_nothing_on_stderr() {
    let dir = TempDir::new("json-quiet");
    let readable = dir.file("readable.hex", SECRET, 0o644);
    let writable = dir.file("writable.hex", SECRET, 0o666);
    let mut cases: Vec<(Command, i32)> = Vec::new();
    let mut add = |args: &[&str], code| {
        let mut cmd = cli();
        cmd.args(args).arg("--json");
        cases.push((cmd, code));
    };
    add(&["sign", "12345", "--purpose", "session"], 0);
    add(&["verify", UNTIMED, "--purpose", "session"], 0);
    add(&["inspect", TIMED], 0);
    add(&["verify", "nope", "--purpose", "session"], 1);
    add(&["inspect", "12345.beef"], 1);
    add(&["sign", "1", "--purpose", "s", "--tag-bytes", "8"], 2);
    add(&["sign", "--timestmp", "--purpose", "s"], 2);
    add(&["verify", UNTIMED, "--purpose", "s", "--max-age", "0"], 2);
    let mut no_secret = cli();
    no_secret
        .env_remove("SIGCOOKIE_SECRET")
        .args(["sign", "1", "--purpose", "s", "--json"]);
    cases.push((no_secret, 2));
    let mut warned = with_secret_file(&readable, &["sign", "12345", "--purpose", "session"]);
    warned.arg("--json");
    cases.push((warned, 0));
    let mut refused = with_secret_file(&writable, &["sign", "12345", "--purpose", "session"]);
    refused.arg("--json");
    cases.push((refused, 2));
    for (mut cmd, code) in cases {
        let out = cmd.output().expect("runs");
        let shown = format!("{cmd:?}");
        assert_eq!(out.status.code(), Some(code), "{shown}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{shown}");
        let text = String::from_utf8(out.stdout).expect("utf8");
        assert_eq!(text.lines().count(), 1, "{shown}: {text}");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(doc.get("error").is_none(), code == 0, "{shown}: {doc}");
    }
    // The warning a text run prints goes into the document instead.
    let mut warned = with_secret_file(&readable, &["sign", "12345", "--purpose", "session"]);
    warned.arg("--json");
    let (_, doc) = json_failure(&mut warned);
    assert!(
        doc["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("can be read by other users")),
        "{doc}"
    );
}

/// The uid of the user running the tests, from the owner of a file they just created.
#[cfg(unix)]
fn test_uid(dir: &TempDir) -> u32 {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.file("probe", "", 0o600);
    std::fs::metadata(probe).expect("stat").uid()
}

#[cfg(unix)]
#[test]
fn secret_files_owned_by_another_user_are_refused() {
    let dir = TempDir::new("owner");
    let other = 65_534;
    let theirs = dir.file("theirs.hex", SECRET, 0o600);
    if test_uid(&dir) != 0 || std::os::unix::fs::chown(&theirs, Some(other), None).is_err() {
        eprintln!("skipped: giving a file to another user needs root");
        return;
    }
    let sign =
        |path: &std::path::Path| with_secret_file(path, &["sign", "12345", "--purpose", "session"]);
    sign(&theirs).assert().code(2).stdout("").stderr(
        predicate::str::contains(format!("owned by uid {other}")).and(predicate::str::contains(
            format!("chown 0 {}", theirs.display()),
        )),
    );
    let mut json = sign(&theirs);
    json.arg("--json");
    assert_eq!(
        json_failure(&mut json).1["error"],
        "SecretFileOwnedByOthers"
    );
    // A previous secret is held to the same rule.
    let mine = dir.file("mine.hex", SECRET, 0o600);
    with_secret_file(&mine, &["verify", UNTIMED, "--purpose", "session"])
        .arg("--previous-secret-file")
        .arg(&theirs)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("theirs.hex"));
    // The caller's own files and root's are fine.
    sign(&mine)
        .assert()
        .success()
        .stdout(format!("{UNTIMED}\n"));
}

#[test]
fn the_readme_shows_what_verify_prints() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let block = readme
        .split_once("What `verify` prints")
        .and_then(|(_, rest)| rest.split_once("```text\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("the README's sample output of verify");
    let mut shown = block.split("\n\n");
    let (text, json, refused) = (
        shown.next().expect("text"),
        shown.next().expect("json"),
        shown.next().expect("refusal"),
    );
    let issued_at = text
        .lines()
        .find_map(|line| line.strip_prefix("issued_at="))
        .expect("an issue time");
    let value = cli()
        .args(["sign", "12345", "--purpose", "session", "--timestamp"])
        .args(["--at", issued_at])
        .output()
        .expect("runs")
        .stdout;
    let value = String::from_utf8(value).expect("utf8");
    let value = value.trim_end();
    let verify = |value: &str, json: bool| {
        let mut command = cli();
        command
            .args(["verify", value, "--purpose", "session", "--timestamp"])
            .args(["--max-age", "3600", "--now", issued_at]);
        if json {
            command.arg("--json");
        }
        command.assert()
    };
    verify(value, false).success().stdout(format!("{text}\n"));
    verify(value, true).success().stdout(format!("{json}\n"));
    let tampered = format!("{}0", &value[..value.len() - 1]);
    let tampered = if tampered == value {
        format!("{}1", &value[..value.len() - 1])
    } else {
        tampered
    };
    verify(&tampered, false)
        .code(1)
        .stdout("")
        .stderr(format!("{}\n", refused.trim_end()));
}
