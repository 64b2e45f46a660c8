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
        .stdout(predicate::str::contains("issued_at: 1764000000"));
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
fn ids_and_values_may_start_with_a_hyphen() {
    let out = cli()
        .args(["sign", "-42", "--purpose", "session"])
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
        .args(["verify", value, "--purpose", "session"])
        .assert()
        .success()
        .stdout("-42\n");
    cli()
        .args(["verify", "--purpose", "session", value])
        .assert()
        .success()
        .stdout("-42\n");
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
        serde_json::json!({"verified": false, "id": "12345", "issued_at": 1764000000u64, "tag_bytes": 16,
                           "signature": "2df5b78a1191cc09a4c9c9243ba5287d"})
    );
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
                .and(predicate::str::contains("issued_at: 1764000000")),
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

#[test]
fn secret_from_file_and_rotation() {
    let dir = std::env::temp_dir().join(format!("sigcookie-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (current, old) = (dir.join("current.hex"), dir.join("old.hex"));
    std::fs::write(&current, format!("{}\n", "ab".repeat(32))).expect("write");
    std::fs::write(&old, format!("{SECRET}\n")).expect("write");
    let with_files = |cmd: &mut Command| {
        cmd.env_remove("SIGCOOKIE_SECRET")
            .arg("--secret-file")
            .arg(&current);
    };
    // The old secret's value verifies only while the old secret is listed as previous.
    let mut rotated = cli();
    rotated
        .args([
            "verify",
            UNTIMED,
            "--purpose",
            "session",
            "--previous-secret-file",
        ])
        .arg(&old);
    with_files(&mut rotated);
    rotated.assert().success().stdout("12345\n");
    let mut removed = cli();
    removed.args(["verify", UNTIMED, "--purpose", "session"]);
    with_files(&mut removed);
    removed.assert().code(1);
    std::fs::remove_dir_all(&dir).ok();
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
        .args(["--auth", "1764000000", "--at", "1764003600"])
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
        .stdout("12345\nauth=1764000000\nissued_at=1764003600\n");
    verify(&["--now", "1764003700", "--lifetime", "3699"])
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
        serde_json::json!({"valid": true, "id": "12345", "issued_at": 1764003600u64, "auth": 1764000000u64})
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
            "--auth",
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
        .stdout(predicate::str::contains("auth:      1764000000"));
}
