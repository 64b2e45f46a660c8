//! `sign` and `verify`: the values, standard input, maximum ages and rejections.

use predicates::prelude::*;

use crate::{TIMED, UNBOUND, UNTIMED, VERIFY_TIMED, cli};

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
