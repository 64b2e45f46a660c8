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
