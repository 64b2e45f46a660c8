//! The core's cookie handling (`sigcookie::header`, `no_std`, no heap) and the web layer built on
//! it: one reader of `Cookie:` headers, one writer of `Set-Cookie`, the same answers.
#![cfg(feature = "cookie")]

mod common;

use proptest::prelude::*;
use sigcookie::header::{CookieSpec, SameSite};
use sigcookie::web::{Duration, SessionCookie};
use sigcookie::{
    ConfigError, Cutoffs, Ed25519Signer, Ed25519SigningKey, Error, Key, MAX_VALUE_LEN,
    SessionSigner, Signer,
};

/// Unix seconds the cookies are issued at.
const T0: u64 = 1_764_000_000;

fn key() -> Key {
    Key::from_bytes(&[9; 32]).expect("a 32-byte key")
}

/// The core's spec of the cookie `name`, set up through its own `with_*` methods as the web
/// builder is through its own: the same settings must give the same header.
fn core_spec<'a>(
    name: &'a str,
    path: &'a str,
    domain: Option<&'a str>,
    same_site: SameSite,
    secure: bool,
) -> Result<CookieSpec<'a>, ConfigError> {
    let mut spec = CookieSpec::new(name)?
        .with_path(path)?
        .with_same_site(same_site)?;
    if let Some(domain) = domain {
        spec = spec.with_domain(domain)?;
    }
    if !secure {
        spec = spec.insecure_plain_http()?;
    }
    Ok(spec)
}

/// Every cookie the web layer returns re-serialises to exactly the header the core writes: the
/// core is the one writer of the attributes, and the `cookie` crate keeps its text.
#[test]
fn the_web_layers_cookies_are_the_cores_headers() {
    let key = key();
    let builder = |name| SessionCookie::builder(&key, name).clock(|| T0);
    let configs = [
        (
            builder("__Host-s").build(),
            core_spec("__Host-s", "/", None, SameSite::Lax, true),
        ),
        (
            builder("panel").insecure_plain_http().build(),
            core_spec("panel", "/", None, SameSite::Lax, false),
        ),
        (
            builder("__Secure-s")
                .domain("example.com")
                .path("/admin")
                .same_site(SameSite::Strict)
                .build(),
            core_spec(
                "__Secure-s",
                "/admin",
                Some("example.com"),
                SameSite::Strict,
                true,
            ),
        ),
        (
            builder("s")
                .same_site(SameSite::None)
                .cookie_max_age(None)
                .build(),
            core_spec("s", "/", None, SameSite::None, true),
        ),
        (
            builder("s").cookie_max_age(Some(Duration::days(7))).build(),
            core_spec("s", "/", None, SameSite::Lax, true),
        ),
    ];
    for (session, spec) in configs {
        let (session, spec) = (session.expect("valid"), spec.expect("valid"));
        let cookie = session.issue("42").expect("issued");
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
        if let Some(domain) = domain {
            web = web.domain(domain);
        }
        if !secure {
            web = web.insecure_plain_http();
        }
        let core = core_spec(name, path, domain, SameSite::Lax, secure);
        assert_eq!(web.build().err(), Some(expected), "{name}");
        assert_eq!(core.err(), Some(expected), "{name}");
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
    let through_header = session
        .verify_headers([format!("s={quoted}").as_str()])
        .err();
    assert!(session.verify(&quoted).is_err());
    assert_eq!(
        through_header,
        Some(Error::InvalidIdByte {
            byte: b'"',
            position: 0
        })
    );
}

/// The largest header: the longest value with the longest `Max-Age`, in `MAX_HEADER_LEN`.
#[test]
fn the_largest_header_fits_the_documented_bound() {
    let hmac = SessionSigner::new(
        Signer::new(&key(), "__Host-session").expect("signer"),
        60,
        600,
    );
    let key = Ed25519SigningKey::from_bytes(&[9; 32]).expect("key");
    let signer = SessionSigner::new(
        Ed25519Signer::new(&key, "__Host-session").expect("signer"),
        60,
        600,
    );
    let id = "a".repeat(255);
    // The longest value a signer makes: an Ed25519 session value with the longest id and
    // 20-digit times (a login is never stamped with the last second); an HMAC one is shorter.
    let value = signer
        .login_at(&id, u64::MAX - 1, &Cutoffs::NONE)
        .expect("login");
    assert_eq!(value.len(), MAX_VALUE_LEN);
    assert_eq!(value.len(), signer.max_value_len());
    assert!(hmac.max_value_len() < MAX_VALUE_LEN);
    assert!(
        signer
            .verify_at(&value, u64::MAX - 1, &Cutoffs::NONE)
            .is_ok(),
        "a value the signer accepts"
    );
    let spec = CookieSpec::new("__Host-session").expect("valid");
    let mut buf = [0u8; CookieSpec::MAX_HEADER_LEN];
    let len = spec
        .write(&value, Some(u64::MAX), &mut buf)
        .expect("fits")
        .len();
    assert_eq!(len, spec.max_header_len());
    assert_eq!(
        spec.write(&value, Some(u64::MAX), &mut buf[..len - 1]),
        Err(Error::BufferTooSmall { needed: len })
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
            .clock(|| T0)
            .path(&path)
            .same_site(same_site)
            .cookie_max_age(max_age.map(Duration::seconds));
        if let Some(domain) = &domain {
            builder = builder.domain(domain);
        }
        if !secure {
            builder = builder.insecure_plain_http();
        }
        let core = core_spec(&name, &path, domain.as_deref(), same_site, secure);
        // The web builder accepts exactly what the core accepts, refusing it the same way.
        let session = match (builder.build(), core) {
            (Ok(session), Ok(spec)) => (session, spec),
            (web, core) => {
                prop_assert_eq!(web.err(), core.err());
                return Ok(());
            }
        };
        let (session, spec) = session;
        let cookie = session.issue("7").expect("issued");
        let mut buf = vec![0u8; spec.max_header_len()];
        let header = spec
            .write(cookie.value(), max_age.map(|s| s as u64), &mut buf)
            .expect("fits");
        prop_assert_eq!(cookie.to_string(), header);
        prop_assert_eq!(cookie.path(), Some(path.as_str()));
        prop_assert_eq!(cookie.secure(), Some(secure));
        prop_assert_eq!(cookie.same_site().map(|s| s.to_string()), Some(same_site.as_str().to_owned()));
        prop_assert_eq!(cookie.http_only(), Some(true));
        prop_assert_eq!(session.removal().to_string(), spec.write_removal(&mut buf).expect("fits"));
    }

    /// The core and the web layer answer the same for any header bytes.
    #[test]
    fn the_core_and_the_web_layer_agree(headers in proptest::collection::vec(any::<Vec<u8>>(), 0..4), with in any::<bool>()) {
        let session = SessionCookie::builder(&key(), "s").clock(|| T0).build().expect("valid");
        let mut headers = headers;
        if with {
            headers.push(format!("s={}", session.issue("7").expect("issued").value()).into_bytes());
        }
        let web = session.verify_headers(headers.iter().map(Vec::as_slice)).map(|v| v.id().to_owned());
        let core = CookieSpec::new("s")
            .expect("valid")
            .verify(session.signer(), headers.iter().map(Vec::as_slice), T0, &Cutoffs::NONE)
            .map(|v| v.id().to_owned());
        prop_assert_eq!(web, core);
    }
}
