//! Session values: signing, verifying and their lifetime.

use predicates::prelude::*;

use crate::{SESSION, cli, json_failure};

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
