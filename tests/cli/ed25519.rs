//! Ed25519 values: a key pair from `keygen --ed25519`, signing with the key file, verifying
//! with the public key alone, and the HMAC flags that do not mix with them.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use sha2::{Digest, Sha256};

use crate::{SECRET, TempDir, UNTIMED, json_failure};

/// The format's worked example (`docs/format.md`, "Ed25519 values"): the seed `00 01 .. 1f`,
/// purpose `session`, id `12345`.
const SEED: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const PUBLIC: &str = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
const PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\n\
                          MCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n\
                          -----END PUBLIC KEY-----\n";
const KEY_ID: &str = "56475aa7";
const ED_UNTIMED: &str = "12345.56475aa7.342ccb20cec21273c4cc1aff06f27700678124b0b3b42a6c2331ced8fad2d604c0f2c800bce64e521e874f69d098fe0ad38f4981653e293e5618840a59a21900";
const ED_TIMED: &str = "12345.1764000000.56475aa7.793f85cfcc305f8ab9d13de68c9aea9597d6b868ec318c82a689271a2b42f278581fd91574a59935769f4adaf9f723163d0af5f76cd1aee99c8e4a1738f4210e";
const ED_SESSION: &str = "12345.1764000000.1764003600.56475aa7.05b7c225d81e2dacf52a5d7ed980eb598c436a7a22238f565045d3d0f940819a64a962468d547668c596dd594830c58739c78cd21ab8307b8dfd8050e5a3590a";

/// The binary with no secret in its environment, HMAC or Ed25519: verifying needs neither,
/// and signing here takes the key from its file unless a test sets the variable.
fn no_secret() -> Command {
    let mut cmd = Command::cargo_bin("sigcookie").expect("binary built with --features cli");
    cmd.env_remove("SIGCOOKIE_SECRET")
        .env_remove("SIGCOOKIE_ED25519_KEY");
    cmd
}

/// `keygen --ed25519 --out DIR/NAME`: the key file and the public key printed.
fn keygen(dir: &TempDir, name: &str) -> (PathBuf, String) {
    let path = dir.0.join(name);
    let out = no_secret()
        .args(["keygen", "--ed25519", "--out"])
        .arg(&path)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = String::from_utf8(out.stdout).expect("utf8");
    (path, public.trim_end().to_owned())
}

/// `sign ID --purpose session --ed25519-key-file KEY ARGS`, which must succeed: the value.
fn sign(key: &Path, args: &[&str]) -> String {
    let out = no_secret()
        .args([
            "sign",
            "12345",
            "--purpose",
            "session",
            "--ed25519-key-file",
        ])
        .arg(key)
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim_end()
        .to_owned()
}

/// `verify VALUE --purpose session --public-key PUBLIC ARGS`, without a secret.
fn verify(value: &str, public: &str, args: &[&str]) -> Command {
    let mut cmd = no_secret();
    cmd.args([
        "verify",
        value,
        "--purpose",
        "session",
        "--public-key",
        public,
    ])
    .args(args);
    cmd
}

/// The format's key id of a public key in hex: the first 4 bytes of its SHA-256.
fn key_id(public: &str) -> String {
    let bytes = hex::decode(public).expect("hex");
    hex::encode(&Sha256::digest(bytes)[..4])
}

fn is_lower_hex(text: &str, digits: usize) -> bool {
    text.len() == digits
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn keygen_writes_the_signing_key_to_a_new_file_and_prints_only_the_public_key() {
    let dir = TempDir::new("ed-keygen");
    let (path, public) = keygen(&dir, "signing.key");
    // A PKCS#8 PEM block, which no public key reader takes for a public key.
    let pem = std::fs::read_to_string(&path).expect("key file");
    assert!(
        pem.starts_with("-----BEGIN PRIVATE KEY-----\n")
            && pem.ends_with("-----END PRIVATE KEY-----\n"),
        "{pem:?}"
    );
    assert!(is_lower_hex(&public, 64), "{public:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    // The key file holds the key whose public key was printed: its values verify with it, and
    // carry its key id.
    let value = sign(&path, &[]);
    assert!(
        value.starts_with(&format!("12345.{}.", key_id(&public))),
        "{value}"
    );
    verify(&value, &public, &[])
        .assert()
        .success()
        .stdout("12345\n");
    // Another run makes another key.
    let (_, other) = keygen(&dir, "other.key");
    assert_ne!(public, other);
}

#[test]
fn keygen_json_gives_the_public_key_and_its_key_id() {
    let dir = TempDir::new("ed-keygen-json");
    let path = dir.0.join("signing.key");
    let mut cmd = no_secret();
    cmd.args(["keygen", "--ed25519", "--json", "--out"])
        .arg(&path);
    let (code, doc) = json_failure(&mut cmd);
    assert_eq!(code, Some(0), "{doc}");
    let public = doc["public_key"].as_str().expect("public_key").to_owned();
    assert!(is_lower_hex(&public, 64), "{doc}");
    assert_eq!(
        doc["key_id"].as_str(),
        Some(key_id(&public).as_str()),
        "{doc}"
    );
    assert_eq!(doc.as_object().map(|fields| fields.len()), Some(2), "{doc}");
    assert!(
        !doc.to_string()
            .contains(std::fs::read_to_string(&path).expect("key").trim_end()),
        "the document holds the signing key: {doc}"
    );
}

#[test]
fn keygen_never_overwrites_a_file_and_says_what_to_do_instead() {
    let dir = TempDir::new("ed-keygen-exists");
    let existing = dir.file("signing.key", "the key every session depends on\n", 0o600);
    no_secret()
        .args(["keygen", "--ed25519", "--out"])
        .arg(&existing)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("already exists")
                .and(predicate::str::contains("never overwrites"))
                .and(predicate::str::contains("another --out")),
        );
    assert_eq!(
        std::fs::read_to_string(&existing).expect("still there"),
        "the key every session depends on\n"
    );
    let mut json = no_secret();
    json.args(["keygen", "--ed25519", "--json", "--out"])
        .arg(&existing);
    let (code, doc) = json_failure(&mut json);
    assert_eq!(
        (code, doc["error"].as_str()),
        (Some(2), Some("KeyFileExists"))
    );
    // A link at the path is not followed: the key would land wherever it points.
    #[cfg(unix)]
    {
        let target = dir.0.join("elsewhere");
        let link = dir.0.join("link.key");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        no_secret()
            .args(["keygen", "--ed25519", "--out"])
            .arg(&link)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("already exists"));
        assert!(!target.exists(), "keygen wrote through a symbolic link");
    }
    // A folder that does not exist is a plain error, and leaves nothing behind.
    let nowhere = dir.0.join("missing").join("signing.key");
    no_secret()
        .args(["keygen", "--ed25519", "--out"])
        .arg(&nowhere)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot create key file"));
}

#[test]
fn keygen_prints_a_signing_key_nowhere_so_ed25519_needs_out() {
    let dir = TempDir::new("ed-keygen-out");
    let path = dir.0.join("signing.key");
    let path = path.to_str().expect("utf8");
    for args in [vec!["keygen", "--ed25519"], vec!["keygen", "--out", path]] {
        no_secret()
            .args(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("required"));
    }
    // --json is the public key's document: without --ed25519 it is a usage error, as JSON.
    let mut json = no_secret();
    json.args(["keygen", "--json"]);
    let (code, doc) = json_failure(&mut json);
    assert_eq!(
        (code, doc["error"].as_str()),
        (Some(2), Some("Usage")),
        "{doc}"
    );
    assert!(!dir.0.join("signing.key").exists());
    // The plain keygen still prints an HMAC secret, for `$(sigcookie keygen)`.
    let out = no_secret().arg("keygen").output().expect("runs");
    let secret = String::from_utf8(out.stdout).expect("utf8");
    assert!(is_lower_hex(secret.trim_end(), 64), "{secret:?}");
}

#[test]
fn signs_the_worked_example_of_the_format() {
    let dir = TempDir::new("ed-example");
    let key = dir.file("signing.key", format!("{SEED}\n"), 0o600);
    assert_eq!(sign(&key, &[]), ED_UNTIMED);
    assert_eq!(sign(&key, &["--timestamp", "--at", "1764000000"]), ED_TIMED);
    assert_eq!(
        sign(
            &key,
            &[
                "--session",
                "--logged-in-at",
                "1764000000",
                "--at",
                "1764003600"
            ]
        ),
        ED_SESSION
    );
    assert_eq!(key_id(PUBLIC), KEY_ID);
}

#[test]
fn the_signing_key_can_come_from_its_own_variable_and_a_file_replaces_it() {
    let sign_env = |key: &str| {
        let mut cmd = no_secret();
        cmd.env("SIGCOOKIE_ED25519_KEY", key).args([
            "sign",
            "12345",
            "--purpose",
            "session",
            "--ed25519",
        ]);
        cmd
    };
    sign_env(&format!("{SEED}\n"))
        .assert()
        .success()
        .stdout(format!("{ED_UNTIMED}\n"));
    // The file wins over the variable, as --secret-file does over SIGCOOKIE_SECRET.
    let dir = TempDir::new("ed-env");
    let (key, public) = keygen(&dir, "signing.key");
    let mut both = sign_env(SEED);
    let value = both
        .arg("--ed25519-key-file")
        .arg(&key)
        .output()
        .expect("runs");
    let value = String::from_utf8(value.stdout).expect("utf8");
    verify(value.trim_end(), &public, &[]).assert().success();
    // The HMAC secret is never taken for an Ed25519 key, nor the other way round.
    let mut hmac_only = no_secret();
    hmac_only.env("SIGCOOKIE_SECRET", SEED).args([
        "sign",
        "12345",
        "--purpose",
        "session",
        "--ed25519",
        "--json",
    ]);
    let (code, doc) = json_failure(&mut hmac_only);
    assert_eq!(
        (code, doc["error"].as_str()),
        (Some(2), Some("KeyEnvMissing"))
    );
    assert!(
        doc["message"].as_str().is_some_and(
            |m| m.contains("SIGCOOKIE_ED25519_KEY") && m.contains("--ed25519-key-file")
        ),
        "{doc}"
    );
    // A broken key says so, without repeating it.
    let broken = format!("{} {}", &SEED[..32], &SEED[32..]);
    sign_env(&broken).assert().code(2).stdout("").stderr(
        predicate::str::contains("SIGCOOKIE_ED25519_KEY")
            .and(predicate::str::contains("a signing key is 64 hex digits"))
            .and(predicate::str::contains(&SEED[..32]).not()),
    );
}

#[test]
fn every_shape_verifies_with_the_public_key_alone() {
    let dir = TempDir::new("ed-shapes");
    let pem = dir.file("public.pem", PUBLIC_PEM, 0o644);
    let hex = dir.file("public.hex", format!("{PUBLIC}\n"), 0o644);
    let cases = [
        (ED_UNTIMED, vec![], "12345\n"),
        (
            ED_TIMED,
            vec!["--timestamp", "--now", "1764000100"],
            "12345\nissued_at=1764000000\n",
        ),
        (
            ED_SESSION,
            vec!["--session", "--now", "1764003700"],
            "12345\nlogged_in_at=1764000000\nissued_at=1764003600\n",
        ),
    ];
    for (value, shape, printed) in cases {
        verify(value, PUBLIC, &shape)
            .assert()
            .success()
            .stdout(printed)
            .stderr("");
        for file in [&pem, &hex] {
            no_secret()
                .args(["verify", value, "--purpose", "session", "--public-key-file"])
                .arg(file)
                .args(&shape)
                .assert()
                .success()
                .stdout(printed)
                .stderr("");
        }
        // Standard input too.
        no_secret()
            .args([
                "verify",
                "-",
                "--purpose",
                "session",
                "--public-key",
                PUBLIC,
            ])
            .args(&shape)
            .write_stdin(format!("{value}\n"))
            .assert()
            .success()
            .stdout(printed);
    }
    // A fresh key pair, each shape at the current time.
    let (key, public) = keygen(&dir, "signing.key");
    for shape in [vec![], vec!["--timestamp"], vec!["--session"]] {
        let value = sign(&key, &shape);
        verify(&value, &public, &shape)
            .assert()
            .success()
            .stdout(predicate::str::starts_with("12345\n"));
    }
}

#[test]
fn verify_with_a_public_key_reads_no_secret() {
    // A variable that would break any HMAC run is not even looked at.
    for secret in ["not hex at all", "abcd"] {
        let mut cmd = verify(ED_UNTIMED, PUBLIC, &[]);
        cmd.env("SIGCOOKIE_SECRET", secret)
            .assert()
            .success()
            .stdout("12345\n")
            .stderr("");
    }
    verify(ED_UNTIMED, PUBLIC, &[])
        .assert()
        .success()
        .stdout("12345\n");
}

#[test]
fn the_time_rules_hold_for_ed25519_values_as_for_hmac_ones() {
    let timed = |now: &str, extra: &[&str]| {
        let mut cmd = verify(
            ED_TIMED,
            PUBLIC,
            &["--timestamp", "--max-age", "60", "--now", now],
        );
        cmd.args(extra);
        cmd.assert()
    };
    timed("1764000060", &[]).success();
    timed("1764000061", &[])
        .code(1)
        .stderr(predicate::str::contains("[Expired]"));
    timed("1764000000", &["--not-before", "1764000001"])
        .code(1)
        .stderr(predicate::str::contains("IssuedBeforeNotBefore"));
    verify(
        ED_SESSION,
        PUBLIC,
        &[
            "--session",
            "--now",
            "1764003700",
            "--not-before",
            "1764000001",
        ],
    )
    .assert()
    .code(1)
    .stderr(predicate::str::contains("LoggedInBeforeNotBefore"));
}

#[test]
fn a_value_of_a_key_not_held_is_refused_as_an_unknown_key_id() {
    let dir = TempDir::new("ed-unknown");
    let (_, other) = keygen(&dir, "other.key");
    verify(ED_UNTIMED, &other, &[])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("rejected")
                .and(predicate::str::contains(KEY_ID))
                .and(predicate::str::contains("[UnknownKeyId]")),
        );
    let mut json = verify(ED_UNTIMED, &other, &["--json"]);
    let (code, doc) = json_failure(&mut json);
    assert_eq!(code, Some(1));
    assert_eq!(
        (doc["valid"].as_bool(), doc["error"].as_str()),
        (Some(false), Some("UnknownKeyId")),
        "{doc}"
    );
    // The right key, but an altered value or another purpose: a bad signature, exit 1 too.
    let altered = ED_UNTIMED.replacen("12345", "12346", 1);
    verify(&altered, PUBLIC, &[])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("[BadSignature]"));
    no_secret()
        .args([
            "verify",
            ED_UNTIMED,
            "--purpose",
            "csrf",
            "--public-key",
            PUBLIC,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("[BadSignature]"));
}

#[test]
fn previous_public_keys_keep_the_old_keys_values_verifying() {
    let dir = TempDir::new("ed-rotation");
    let (_, new) = keygen(&dir, "new.key");
    let old_pem = dir.file("old.pem", PUBLIC_PEM, 0o644);
    verify(ED_UNTIMED, &new, &["--previous-public-key", PUBLIC])
        .assert()
        .success()
        .stdout("12345\n");
    verify(ED_UNTIMED, &new, &["--previous-public-key-file"])
        .arg(&old_pem)
        .assert()
        .success()
        .stdout("12345\n");
    verify(ED_UNTIMED, &new, &[])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("UnknownKeyId"));
    // The same key twice is a mistake: a key id must name one key.
    let mut twice = verify(
        ED_UNTIMED,
        PUBLIC,
        &["--previous-public-key", PUBLIC, "--json"],
    );
    let (code, doc) = json_failure(&mut twice);
    assert_eq!(
        (code, doc["error"].as_str()),
        (Some(2), Some("Ed25519DuplicateKeyId"))
    );
}

#[test]
fn ed25519_json_documents_have_the_fields_of_hmac_ones() {
    let dir = TempDir::new("ed-json");
    let key = dir.file("signing.key", SEED, 0o600);
    let mut signed = no_secret();
    signed
        .args([
            "sign",
            "12345",
            "--purpose",
            "session",
            "--session",
            "--json",
        ])
        .args([
            "--logged-in-at",
            "1764000000",
            "--at",
            "1764003600",
            "--ed25519-key-file",
        ])
        .arg(&key);
    let (code, doc) = json_failure(&mut signed);
    assert_eq!(code, Some(0));
    assert_eq!(
        doc,
        serde_json::json!({"value": ED_SESSION, "id": "12345",
                           "logged_in_at": 1764000000u64, "issued_at": 1764003600u64})
    );
    let mut verified = verify(
        ED_SESSION,
        PUBLIC,
        &["--session", "--now", "1764003700", "--json"],
    );
    let (code, doc) = json_failure(&mut verified);
    assert_eq!(code, Some(0));
    assert_eq!(
        doc,
        serde_json::json!({"valid": true, "id": "12345",
                           "logged_in_at": 1764000000u64, "issued_at": 1764003600u64})
    );
    let mut untimed = verify(ED_UNTIMED, PUBLIC, &["--json"]);
    assert_eq!(
        json_failure(&mut untimed),
        (
            Some(0),
            serde_json::json!({"valid": true, "id": "12345", "issued_at": null})
        )
    );
}

#[test]
fn inspect_shows_the_key_id_of_an_ed25519_value() {
    no_secret()
        .args(["inspect", ED_TIMED, "--now", "1764000000"])
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("UNVERIFIED")
                .and(predicate::str::contains(format!(
                    "key_id:       {KEY_ID} (Ed25519)\n"
                )))
                .and(predicate::str::contains("issued_at:    1764000000"))
                .and(predicate::str::contains("(64 bytes)")),
        );
    let mut json = no_secret();
    json.args(["inspect", ED_UNTIMED, "--json"]);
    let (code, doc) = json_failure(&mut json);
    assert_eq!(code, Some(0));
    assert_eq!(
        doc,
        serde_json::json!({"verified": false, "id": "12345", "issued_at": null,
                           "key_id": KEY_ID, "tag_bytes": 64,
                           "signature": ED_UNTIMED.rsplit('.').next()})
    );
    // An HMAC value has no key id.
    let mut hmac = no_secret();
    hmac.args(["inspect", UNTIMED, "--json"]);
    assert_eq!(json_failure(&mut hmac).1.get("key_id"), None);
    no_secret()
        .args(["inspect", UNTIMED])
        .assert()
        .success()
        .stdout(predicate::str::contains("key_id").not());
}

#[test]
fn hmac_flags_beside_ed25519_keys_are_usage_errors_that_say_why() {
    let dir = TempDir::new("ed-mixed");
    let key = dir.file("signing.key", SEED, 0o600);
    let secret = dir.file("secret.hex", SECRET, 0o600);
    let (key, secret) = (key.to_str().expect("utf8"), secret.to_str().expect("utf8"));
    let sign = ["sign", "12345", "--ed25519-key-file", key];
    let verify = ["verify", ED_UNTIMED, "--public-key", PUBLIC];
    let (both, tag, unbound) = (
        "an HMAC secret or with an Ed25519 key, never both",
        "always has 64 bytes",
        "always bound to a purpose",
    );
    let cases: [(&[&str], &[&str], &str); 8] = [
        (&sign, &["--purpose", "s", "--secret-file", secret], both),
        (&sign, &["--purpose", "s", "--tag-bytes", "32"], tag),
        (&sign, &["--unbound"], unbound),
        (
            &["sign", "1", "--ed25519"],
            &["--purpose", "s", "--secret-file", secret],
            both,
        ),
        (&verify, &["--purpose", "s", "--secret-file", secret], both),
        (
            &verify,
            &["--purpose", "s", "--previous-secret-file", secret],
            both,
        ),
        (&verify, &["--purpose", "s", "--tag-bytes", "16"], tag),
        (&verify, &["--unbound"], unbound),
    ];
    for (command, flags, tip) in cases {
        let args = [command, flags].concat();
        no_secret().args(&args).assert().code(2).stdout("").stderr(
            predicate::str::contains("cannot be used with").and(predicate::str::contains(tip)),
        );
        let mut json = no_secret();
        json.args(&args).arg("--json");
        let (code, doc) = json_failure(&mut json);
        assert_eq!(
            (code, doc["error"].as_str()),
            (Some(2), Some("Usage")),
            "{args:?}"
        );
        assert_eq!(doc.get("valid").is_some(), args[0] == "verify", "{doc}");
    }
    // One current public key, and previous ones only beside it.
    for args in [
        vec![
            "verify",
            ED_UNTIMED,
            "--purpose",
            "session",
            "--previous-public-key",
            PUBLIC,
        ],
        vec![
            "verify",
            ED_UNTIMED,
            "--purpose",
            "session",
            "--public-key",
            PUBLIC,
            "--public-key",
            PUBLIC,
        ],
    ] {
        no_secret().args(&args).assert().code(2).stdout("");
    }
    no_secret()
        .args([
            "verify",
            ED_UNTIMED,
            "--purpose",
            "session",
            "--public-key",
            PUBLIC,
        ])
        .arg("--public-key-file")
        .arg(key)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn a_value_of_the_other_scheme_is_refused_with_what_verifies_it() {
    verify(UNTIMED, PUBLIC, &[]).assert().code(1).stderr(
        predicate::str::contains("an HMAC value given to an Ed25519 public key")
            .and(predicate::str::contains("[PartCount]")),
    );
    crate::cli()
        .args(["verify", ED_TIMED, "--purpose", "session", "--timestamp"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains(format!("an Ed25519 value (key id {KEY_ID})"))
                .and(predicate::str::contains("--public-key")),
        );
}

#[test]
fn ed25519_key_files_follow_the_secret_file_rules_and_public_key_files_need_only_integrity() {
    let dir = TempDir::new("ed-files");
    let sign_with = |key: &Path| {
        let mut cmd = no_secret();
        cmd.args([
            "sign",
            "12345",
            "--purpose",
            "session",
            "--ed25519-key-file",
        ])
        .arg(key);
        cmd
    };
    #[cfg(unix)]
    {
        let writable = dir.file("writable.key", SEED, 0o666);
        sign_with(&writable).assert().code(2).stdout("").stderr(
            predicate::str::contains("can be written by other users").and(
                predicate::str::contains(format!("chmod 600 {}", writable.display())),
            ),
        );
        let readable = dir.file("readable.key", SEED, 0o644);
        sign_with(&readable)
            .assert()
            .success()
            .stdout(format!("{ED_UNTIMED}\n"))
            .stderr(predicate::str::contains("can be read by other users"));
        // A public key may be read by anyone, but whoever can write it picks what verifies.
        let public = dir.file("public.pem", PUBLIC_PEM, 0o666);
        let mut json = no_secret();
        json.args(["verify", ED_UNTIMED, "--purpose", "session", "--json"])
            .arg("--public-key-file")
            .arg(&public);
        let (code, doc) = json_failure(&mut json);
        assert_eq!(
            (code, doc["error"].as_str()),
            (Some(2), Some("PublicKeyFileWritableByOthers")),
            "{doc}"
        );
    }
    let missing = dir.0.join("missing.key");
    sign_with(&missing)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read secret file"));
    // Not a seed: too short, a public key's PEM, not even text.
    for (name, contents) in [
        ("short.key", SEED.as_bytes()[..62].to_vec()),
        ("pem.key", PUBLIC_PEM.as_bytes().to_vec()),
        ("binary.key", vec![0xff; 32]),
    ] {
        let path = dir.file(name, contents, 0o600);
        sign_with(&path).assert().code(2).stdout("").stderr(
            predicate::str::contains("Ed25519 key is malformed")
                .and(predicate::str::contains(name)),
        );
    }
    let huge = dir.file("huge.key", vec![b'a'; 8 << 10], 0o600);
    sign_with(&huge)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("larger than 4096 bytes"));
}

#[test]
fn malformed_and_weak_public_keys_are_configuration_errors() {
    // The neutral point: every signature would verify under it.
    let identity = format!("01{}", "00".repeat(31));
    let cases = [
        (PUBLIC.to_uppercase(), "Ed25519KeyMalformed"),
        (PUBLIC[..62].to_owned(), "Ed25519KeyMalformed"),
        (identity, "Ed25519WeakKey"),
    ];
    for (public, error) in cases {
        let mut cmd = verify(ED_UNTIMED, &public, &["--json"]);
        let (code, doc) = json_failure(&mut cmd);
        assert_eq!(
            (code, doc["error"].as_str()),
            (Some(2), Some(error)),
            "{public}"
        );
        assert!(
            doc["message"]
                .as_str()
                .is_some_and(|m| m.contains("--public-key")),
            "{doc}"
        );
    }
}

#[test]
fn the_signing_key_file_is_refused_where_a_public_key_belongs() {
    let dir = TempDir::new("ed-swapped");
    let (signing, public) = keygen(&dir, "signing.key");
    let value = sign(&signing, &[]);
    let mut cmd = no_secret();
    cmd.args(["verify", &value, "--purpose", "session", "--json"])
        .arg("--public-key-file")
        .arg(&signing);
    let (code, doc) = json_failure(&mut cmd);
    assert_eq!(
        (code, doc["error"].as_str()),
        (Some(2), Some("Ed25519SigningKeyAsPublic")),
        "{doc}"
    );
    let message = doc["message"].as_str().unwrap_or_default();
    assert!(message.contains("keep the private key"), "{doc}");
    // The public key it printed is the one that verifies.
    verify(&value, &public, &[]).assert().success();
}
