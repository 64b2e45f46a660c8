//! `sigcookie inspect`: unverified parts, dates and ages, and its reasons for refusing.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::{SESSION, TIMED, cli};

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
