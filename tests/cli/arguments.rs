//! Arguments: ids and values that start with '-', mistyped flags, help and usage errors.

use predicates::prelude::*;

use crate::{TIMED, UNTIMED, cli, json_failure};

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
