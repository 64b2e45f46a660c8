//! `--json`: one document on stdout for every outcome, errors included.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::{SECRET, TIMED, TempDir, UNTIMED, VERIFY_TIMED, cli, json_failure, with_secret_file};

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
