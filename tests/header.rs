//! The core's cookie handling (`sigcookie::header`, `no_std`, no heap) and the web layer built on
//! it: one reader of `Cookie:` headers, one writer of `Set-Cookie`, the same answers.
#![cfg(feature = "cookie")]

use proptest::prelude::*;
use sigcookie::header::{self, CookieSpec, WriteError};
use sigcookie::web::{ConfigError, Duration, OffsetDateTime, SameSite, SessionCookie};
use sigcookie::{Cutoffs, Error, Key, MAX_VALUE_LEN, SessionSigner, Signer};

fn key() -> Key {
    Key::from_bytes(&[9; 32]).expect("a 32-byte key")
}

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).expect("a valid time")
}

/// Every cookie the web layer returns re-serialises to exactly the header the core writes: the
/// core is the one writer of the attributes, and the `cookie` crate keeps its text.
#[test]
fn the_web_layers_cookies_are_the_cores_headers() {
    let key = key();
    let configs = [
        SessionCookie::builder(&key, "__Host-s").build(),
        SessionCookie::builder(&key, "panel")
            .insecure_plain_http()
            .build(),
        SessionCookie::builder(&key, "__Secure-s")
            .domain("example.com")
            .path("/admin")
            .same_site(SameSite::Strict)
            .build(),
        SessionCookie::builder(&key, "s")
            .same_site(SameSite::None)
            .cookie_max_age(None)
            .build(),
        SessionCookie::builder(&key, "s")
            .cookie_max_age(Some(Duration::days(7)))
            .build(),
    ];
    let now = at(1_764_000_000);
    for session in configs {
        let session = session.expect("valid");
        let spec = session.spec();
        let cookie = session.issue_at("42", now).expect("issued");
        let mut buf = [0u8; CookieSpec::MAX_HEADER_LEN];
        let max_age = cookie
            .max_age()
            .map(|d| u64::try_from(d.whole_seconds()).expect("positive"));
        let header = spec.write(cookie.value(), max_age, &mut buf).expect("fits");
        assert_eq!(cookie.to_string(), header);
        assert_eq!(
            session.removal().to_string(),
            spec.write_removal(&mut buf).expect("fits")
        );
        // The typed view of the cookie is what the builder said.
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.secure(), Some(spec.secure()));
        assert_eq!(cookie.path(), Some(spec.path()));
        assert_eq!(cookie.domain(), spec.domain());
    }
}

/// The web layer's configuration errors are the core's, variant for variant.
#[test]
fn the_web_layer_refuses_what_the_core_refuses() {
    let key = key();
    let cases: [(&str, &str, Option<&str>, bool, ConfigError); 6] = [
        (
            "a;b",
            "/",
            None,
            true,
            ConfigError::InvalidName { position: 1 },
        ),
        ("s", "x", None, true, ConfigError::InvalidPath),
        ("s", "/", Some("a b"), true, ConfigError::InvalidDomain),
        (
            "__Host-s",
            "/",
            Some("a.b"),
            true,
            ConfigError::HostPrefixDomain,
        ),
        ("__HOST-s", "/a", None, true, ConfigError::HostPrefixPath),
        ("__secure-s", "/", None, false, ConfigError::RequiresSecure),
    ];
    for (name, path, domain, secure, expected) in cases {
        let mut web = SessionCookie::builder(&key, name).path(path);
        let mut core = CookieSpec::builder(name).path(path);
        if let Some(domain) = domain {
            web = web.domain(domain);
            core = core.domain(domain);
        }
        if !secure {
            web = web.insecure_plain_http();
            core = core.insecure_plain_http();
        }
        assert_eq!(web.build().err(), Some(expected), "{name}");
        assert_eq!(
            core.build().err().map(ConfigError::from),
            Some(expected),
            "{name}"
        );
    }
}

/// A quoted value is refused by the header reader before the verifier sees it, as the error the
/// core gives an id that starts with `"` (the verifier refuses it too, as whatever part of the
/// grammar it breaks first).
#[test]
fn a_quoted_cookie_is_refused_as_before() {
    let session = SessionCookie::builder(&key(), "s").build().expect("valid");
    let value = session.issue("7").expect("issued").value().to_owned();
    let quoted = format!("\"{value}\"");
    let through_header = session.verify_header(&format!("s={quoted}")).err();
    assert!(session.verify(&quoted).is_err());
    assert_eq!(
        through_header,
        Some(sigcookie::web::Rejection::Invalid(Error::InvalidIdByte {
            byte: b'"',
            position: 0
        }))
    );
}

/// The largest header: the longest value with the longest `Max-Age`, in `MAX_HEADER_LEN`.
#[test]
fn the_largest_header_fits_the_documented_bound() {
    let signer = SessionSigner::new(
        Signer::new(&key(), "__Host-session").expect("signer"),
        60,
        600,
    );
    let id = "a".repeat(255);
    let value = signer
        .sign_value_at(&id, u64::MAX, u64::MAX)
        .expect("signed");
    assert_eq!(value.len(), MAX_VALUE_LEN);
    let spec = CookieSpec::builder("__Host-session")
        .build()
        .expect("valid");
    let mut buf = [0u8; CookieSpec::MAX_HEADER_LEN];
    let len = spec
        .write(&value, Some(u64::MAX), &mut buf)
        .expect("fits")
        .len();
    assert_eq!(len, spec.max_header_len());
    assert_eq!(
        spec.write(&value, Some(u64::MAX), &mut buf[..len - 1]),
        Err(WriteError::BufferTooSmall { needed: len })
    );
}

proptest! {
    /// For any configuration the builder accepts, the web layer's cookie writes back exactly
    /// the core's header, and the `cookie` crate reads the core's header as the builder said.
    #[test]
    fn any_accepted_configuration_has_one_writer(
        name in "(__Host-|__Secure-)?[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}",
        path in "/[ !-:<-~]{0,12}",
        domain in proptest::option::of("[a-z0-9.-]{1,12}"),
        same_site in 0..3u8,
        secure in any::<bool>(),
        max_age in proptest::option::of(1i64..100_000_000),
    ) {
        let key = key();
        let same_site = [SameSite::Strict, SameSite::Lax, SameSite::None][usize::from(same_site)];
        let mut builder = SessionCookie::builder(&key, &name)
            .path(&path)
            .same_site(same_site)
            .cookie_max_age(max_age.map(Duration::seconds));
        if let Some(domain) = &domain {
            builder = builder.domain(domain);
        }
        if !secure {
            builder = builder.insecure_plain_http();
        }
        let Ok(session) = builder.build() else {
            return Ok(());
        };
        let cookie = session.issue_at("7", at(1_764_000_000)).expect("issued");
        let mut buf = vec![0u8; session.spec().max_header_len()];
        let header = session
            .spec()
            .write(cookie.value(), max_age.map(|s| s as u64), &mut buf)
            .expect("fits");
        prop_assert_eq!(cookie.to_string(), header);
        prop_assert_eq!(cookie.path(), Some(path.as_str()));
        prop_assert_eq!(cookie.secure(), Some(secure));
        prop_assert_eq!(cookie.same_site(), Some(same_site));
        prop_assert_eq!(cookie.http_only(), Some(true));
        prop_assert_eq!(session.removal().to_string(), session.spec().write_removal(&mut buf).expect("fits"));
    }

    /// The core and the web layer answer the same for any header bytes.
    #[test]
    fn the_core_and_the_web_layer_agree(headers in proptest::collection::vec(any::<Vec<u8>>(), 0..4), with in any::<bool>()) {
        let session = SessionCookie::builder(&key(), "s").clock(|| 1_764_000_000).build().expect("valid");
        let mut headers = headers;
        if with {
            headers.push(format!("s={}", session.issue("7").expect("issued").value()).into_bytes());
        }
        let web = session.verify_headers(headers.iter().map(Vec::as_slice)).map(|v| v.id().to_owned());
        let core = header::verify_session(session.signer(), "s", headers.iter().map(Vec::as_slice), 1_764_000_000, &Cutoffs::NONE)
            .map(|v| v.id().to_owned())
            .map_err(sigcookie::web::Rejection::from);
        prop_assert_eq!(web, core);
    }
}
