//! Known-answer tests against `tests/vectors/v1.json`, produced by an independent implementation
//! (Python's `hmac`, cross-checked with Node's `crypto`; see `tests/vectors/generate.py`).

mod common;

use common::{Accepted, Case, uint, variant, vectors};

#[test]
fn every_valid_vector_is_reproduced_and_verifies() {
    let data = vectors();
    let valid = data["valid"].as_array().expect("valid vectors");
    assert!(valid.len() >= 40, "vector file looks truncated");
    for v in valid {
        let case = Case::from_json(v);
        let id = v["id"].as_str().expect("id");
        let ts = uint(&v["ts"]);
        let auth = uint(&v["auth"]);
        assert_eq!(
            case.verify(),
            Ok(Accepted {
                id: id.to_owned(),
                issued_at: ts,
                logged_in_at: auth
            }),
            "vector {} should verify",
            case.name
        );
        // Signing reproduces the value with exactly one of the case's keys: the current one, or
        // for rotation vectors the previous key that made it.
        let sign_with = |key: &Vec<u8>| {
            let single = Case {
                secret: key.clone(),
                previous: Vec::new(),
                ..Case::from_json(v)
            };
            single.sign(id, auth, ts).expect("sign")
        };
        let signed_by: Vec<bool> = std::iter::once(&case.secret)
            .chain(&case.previous)
            .map(|key| sign_with(key) == case.value)
            .collect();
        assert_eq!(
            signed_by.iter().filter(|&&b| b).count(),
            1,
            "vector {}: reproduced by keys {signed_by:?}",
            case.name
        );
    }
}

#[test]
fn every_invalid_vector_is_rejected_with_its_error() {
    let data = vectors();
    let invalid = data["invalid"].as_array().expect("invalid vectors");
    assert!(invalid.len() >= 60, "vector file looks truncated");
    for v in invalid {
        let case = Case::from_json(v);
        let expected = v["error"].as_str().expect("error name");
        match case.verify() {
            Ok(got) => panic!("vector {} was accepted as {got:?}", case.name),
            Err(e) => {
                assert_eq!(variant(&e), expected, "vector {}: {e}", case.name);
                assert_eq!(e.name(), expected, "vector {}: Error::name", case.name);
            }
        }
    }
}

#[test]
fn the_readme_examples_are_in_the_vectors() {
    let data = vectors();
    let names: Vec<&str> = data["valid"]
        .as_array()
        .expect("valid")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    for name in [
        "readme-untimed",
        "readme-timed",
        "readme-unbound",
        "readme-session",
    ] {
        assert!(names.contains(&name), "missing {name}");
    }
}

/// The session of a CSRF vector (`id` logged in at `auth`, verified under the vector's keys),
/// and its signer.
fn csrf_case(v: &serde_json::Value) -> Case {
    let mut case = Case::from_json(&serde_json::json!({
        "name": v["name"],
        "secret_hex": v["secret_hex"],
        "previous_secret_hex": v["previous_secret_hex"],
        "purpose": v["purpose"],
        "tag_bytes": 32,
    }));
    case.lifetime = u64::MAX;
    case
}

/// `f` applied to the verified session of a CSRF vector under `case`'s signer.
fn with_session<T>(
    case: &Case,
    v: &serde_json::Value,
    f: impl FnOnce(&sigcookie::SessionSigner, &sigcookie::Verified<'_>) -> T,
) -> T {
    let id = v["id"].as_str().expect("id");
    let auth = uint(&v["auth"]).expect("auth");
    // Signed by the current key: the session verifies; the token may be a previous key's.
    let value = case.session_value(id, auth, auth);
    let signer = case.session_signer();
    let session = signer
        .verify_at(&value, auth, &sigcookie::Cutoffs::NONE)
        .unwrap_or_else(|e| panic!("vector {}: the session: {e}", case.name));
    f(&signer, &session)
}

#[test]
fn every_csrf_vector_is_reproduced_and_checked() {
    let data = vectors();
    let csrf = data["csrf"].as_array().expect("csrf vectors");
    assert!(csrf.len() >= 40, "vector file looks truncated");
    assert!(
        csrf.iter()
            .any(|v| v["name"] == "readme-csrf" && v["token"] == "85b53540e107925269167fe77d059098"),
        "the format's worked example"
    );
    for v in csrf {
        let case = csrf_case(v);
        let token = v["token"].as_str().expect("token");
        let checked = with_session(&case, v, |signer, session| {
            signer.verify_csrf(session, token)
        });
        match v["error"].as_str() {
            None => {
                assert_eq!(checked, Ok(()), "vector {}", case.name);
                // Made by exactly one of the case's keys: the current one, or for rotation
                // vectors the previous key of the form's page.
                let made_by: Vec<bool> = std::iter::once(&case.secret)
                    .chain(&case.previous)
                    .map(|key| {
                        let single = Case {
                            secret: key.clone(),
                            previous: Vec::new(),
                            ..csrf_case(v)
                        };
                        with_session(&single, v, |signer, session| {
                            signer.csrf_token(session).expect("token").to_string()
                        }) == token
                    })
                    .collect();
                assert_eq!(
                    made_by.iter().filter(|&&b| b).count(),
                    1,
                    "vector {}: made by keys {made_by:?}",
                    case.name
                );
            }
            Some(expected) => {
                let e = checked.expect_err(&case.name);
                assert_eq!(variant(&e), expected, "vector {}: {e}", case.name);
                assert_eq!(e.name(), expected, "vector {}: Error::name", case.name);
            }
        }
    }
}
