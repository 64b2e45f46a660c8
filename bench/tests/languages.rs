//! `languages/values.json`, the values and tokens that the Python and Node benchmarks verify,
//! stays what sigcookie signs and what `jsonwebtoken` accepts: regenerating it or changing the
//! format breaks this test instead of the benchmarks.

#[path = "../languages/values.rs"]
mod values;

use values::{Claims, Values};

#[test]
fn the_values_are_what_sigcookie_signs_and_they_verify_now() {
    let data = Values::load();
    let (signer, timed) = data.signers();
    assert_eq!(data.values.len(), 2);
    for entry in &data.values {
        assert_eq!(
            signer.sign(&entry.id).expect("valid id").as_str(),
            entry.untimed
        );
        assert_eq!(signer.verify(&entry.untimed), Ok(entry.id.as_str()));
        assert_eq!(
            timed
                .sign_at(&entry.id, data.issued_at)
                .expect("valid id")
                .as_str(),
            entry.timed
        );
        // Against the system clock, as the benchmarks check it.
        let verified = timed
            .verify(&entry.timed)
            .expect("the timed value is still valid");
        assert_eq!(
            (verified.id(), verified.issued_at()),
            (entry.id.as_str(), data.issued_at)
        );
    }
}

#[test]
fn the_timed_values_expire_with_the_tokens() {
    let data = Values::load();
    let (_, timed) = data.signers();
    assert_eq!(data.max_age, data.expires_at - data.issued_at);
    for entry in &data.values {
        assert!(timed.verify_at(&entry.timed, data.expires_at).is_ok());
        assert!(timed.verify_at(&entry.timed, data.expires_at + 1).is_err());
    }
}

#[test]
fn jsonwebtoken_decodes_the_tokens() {
    let data = Values::load();
    let (key, validation) = data.jwt();
    for entry in &data.values {
        let token = jsonwebtoken::decode::<Claims>(&entry.jwt, &key, &validation)
            .expect("the token is valid now");
        let want = Claims {
            sub: entry.id.clone(),
            iat: data.issued_at,
            exp: data.expires_at,
        };
        assert_eq!(token.claims, want);
    }
}

#[test]
fn a_changed_value_or_token_is_refused() {
    let data = Values::load();
    let (signer, timed) = data.signers();
    let (key, validation) = data.jwt();
    // The signature's first character: it carries whole bits in hex and in base64url alike.
    let flip = |s: &str| {
        let at = s.rfind('.').expect("a dot") + 1;
        let other = if s[at..].starts_with('0') { "1" } else { "0" };
        format!("{}{other}{}", &s[..at], &s[at + 1..])
    };
    for entry in &data.values {
        assert!(signer.verify(&flip(&entry.untimed)).is_err());
        assert!(timed.verify(&flip(&entry.timed)).is_err());
        assert!(jsonwebtoken::decode::<Claims>(&flip(&entry.jwt), &key, &validation).is_err());
    }
}
