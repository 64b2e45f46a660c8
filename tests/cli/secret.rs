//! Secrets: generated, read from the environment or from files, never printed.

use assert_cmd::Command;
use predicates::prelude::*;

#[cfg(unix)]
use crate::json_failure;
use crate::{SECRET, TempDir, UNTIMED, cli, with_secret_file};

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
