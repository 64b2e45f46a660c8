//! The one rule for the caching headers of a response that carries the session cookie or was
//! computed from a session, and its glue to the header maps of `http` (axum, tower) and of
//! actix-web.
//!
//! A shared cache (a CDN, a reverse proxy such as nginx's `proxy_cache`) keys a page by its URL,
//! not by who asked. A response that carries a session's `Set-Cookie` and that such a cache
//! stores is handed to the next visitor with the cookie in it: one user's session given to
//! another, the pattern of Flask's CVE-2023-30861. So:
//!
//! - a response that carries the session cookie's `Set-Cookie` (a login, a renewal, a removal)
//!   gets `Cache-Control: private` (RFC 9111, 5.2.2.7: a shared cache must not store it), unless
//!   it already says `no-store`, which is stricter and is kept as it is. What would let a shared
//!   cache store it anyway goes: `public`, `s-maxage`, and a `private` qualified with field
//!   names (which allows the rest of the response to be stored). The application's other
//!   directives (`max-age`, `no-cache`, `must-revalidate`, ...) stay, for the browser's cache;
//! - a response computed from the request's cookie gets `Cookie` in its `Vary` (RFC 9110,
//!   12.5.5), added to the application's members, once: a cache that stores it serves it only
//!   to requests with the same `Cookie:` header. `Vary: *` already says more and is kept.
//!
//! Several field lines of one header are read as one list and written back as one line (some
//! caches read only the first `Vary` line).
//!
//! Headers that tell one kind of cache to ignore `Cache-Control` go from a response that
//! carries the session cookie: [`OVERRIDES`].

use std::iter;

/// Headers some shared caches obey instead of `Cache-Control`: `CDN-Cache-Control` (RFC 9213),
/// `Surrogate-Control` (Varnish, Fastly, Akamai) and nginx's `X-Accel-Expires`. Removed from a
/// response that carries the session cookie, so that such a cache falls back to its private
/// `Cache-Control`.
pub(crate) const OVERRIDES: [&str; 3] =
    ["cdn-cache-control", "surrogate-control", "x-accel-expires"];

/// The `Cache-Control` value for a response that carries the session cookie's `Set-Cookie`,
/// given the response's `Cache-Control` field values, or `None` when they already keep it out
/// of shared caches as they are.
pub(crate) fn private<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<Vec<u8>> {
    let directives: Vec<&[u8]> = values.into_iter().flat_map(list).collect();
    let name = |directive: &[u8]| directive_name(directive).to_ascii_lowercase();
    if directives.iter().any(|d| name(d) == b"no-store") {
        return None;
    }
    let unqualified_private = |d: &&[u8]| d.eq_ignore_ascii_case(b"private");
    let weakening = |d: &&[u8]| {
        let name = name(d);
        // A `private` with field names lets a shared cache store the rest of the response.
        name == b"public" || name == b"s-maxage" || (name == b"private" && !unqualified_private(d))
    };
    if directives.iter().any(unqualified_private) && !directives.iter().any(weakening) {
        return None;
    }
    let kept = directives
        .into_iter()
        .filter(|d| !weakening(d) && !unqualified_private(d));
    Some(join(iter::once(&b"private"[..]).chain(kept)))
}

/// The member a response computed from the request's cookie varies on; alone, the `Vary` of a
/// response that had none, which [`apply`] and [`apply_actix`] set without building a value.
const VARY_ON: &str = "Cookie";

/// The `Vary` value for a response computed from the request's cookie, given the response's
/// `Vary` field values, or `None` when they already name `Cookie` (in any case) or are `*`.
pub(crate) fn vary_cookie<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<Vec<u8>> {
    let members: Vec<&[u8]> = values.into_iter().flat_map(list).collect();
    if members
        .iter()
        .any(|m| *m == b"*" || m.eq_ignore_ascii_case(b"cookie"))
    {
        return None;
    }
    Some(join(
        members.into_iter().chain(iter::once(VARY_ON.as_bytes())),
    ))
}

/// The elements of a comma-separated field value (RFC 9110, 5.6.1), without the whitespace
/// around them and without empty ones; a comma inside a quoted string (`private="a, b"`)
/// separates nothing.
fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = value;
    iter::from_fn(move || {
        loop {
            if rest.is_empty() {
                return None;
            }
            let (mut quoted, mut escaped, mut end) = (false, false, rest.len());
            for (i, &byte) in rest.iter().enumerate() {
                match byte {
                    _ if escaped => escaped = false,
                    b'\\' if quoted => escaped = true,
                    b'"' => quoted = !quoted,
                    b',' if !quoted => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
            }
            let element = rest[..end].trim_ascii();
            rest = rest.get(end + 1..).unwrap_or_default();
            if !element.is_empty() {
                return Some(element);
            }
        }
    })
}

/// The name of a directive `name` or `name=value`.
fn directive_name(directive: &[u8]) -> &[u8] {
    let end = directive
        .iter()
        .position(|&b| b == b'=')
        .unwrap_or(directive.len());
    directive[..end].trim_ascii()
}

/// Elements as one field value, `a, b, c`.
fn join<'a>(elements: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for element in elements {
        if !out.is_empty() {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(element);
    }
    out
}

/// Whether `set_cookies` (the `Set-Cookie` field values of a response) set or remove the cookie
/// `name`: the core writes `name=` first.
#[cfg(any(feature = "tower", feature = "actix"))]
pub(crate) fn sets_cookie<'a>(name: &str, set_cookies: impl IntoIterator<Item = &'a [u8]>) -> bool {
    set_cookies.into_iter().any(|value| {
        value
            .strip_prefix(name.as_bytes())
            .is_some_and(|rest| rest.first() == Some(&b'='))
    })
}

/// Applies the rule to a response's headers (`http` 1, for axum and tower): `Vary` always, and
/// `Cache-Control` when the response carries the session cookie's `Set-Cookie`.
#[cfg(any(feature = "axum", feature = "tower"))]
pub(crate) fn apply(headers: &mut http::HeaderMap, sets_cookie: bool) {
    use http::HeaderValue;
    use http::header::{CACHE_CONTROL, Entry, VARY};
    // The values are the response's own, valid already, joined with `, `: valid too. Were one
    // refused, the strictest value stands in for it.
    if sets_cookie {
        for name in OVERRIDES {
            headers.remove(name);
        }
        let values = headers
            .get_all(CACHE_CONTROL)
            .iter()
            .map(HeaderValue::as_bytes);
        if let Some(value) = private(values) {
            let value = HeaderValue::from_bytes(&value)
                .unwrap_or_else(|_| HeaderValue::from_static("no-store"));
            headers.insert(CACHE_CONTROL, value);
        }
    }
    match headers.entry(VARY) {
        // Most responses: `vary_cookie` of no values, as a constant, allocating nothing.
        Entry::Vacant(vary) => {
            vary.insert(HeaderValue::from_static(VARY_ON));
        }
        Entry::Occupied(mut vary) => {
            if let Some(value) = vary_cookie(vary.iter().map(HeaderValue::as_bytes)) {
                let value = HeaderValue::from_bytes(&value)
                    .unwrap_or_else(|_| HeaderValue::from_static("*"));
                vary.insert(value);
            }
        }
    }
}

/// [`apply`] for actix-web's header map.
#[cfg(feature = "actix")]
pub(crate) fn apply_actix(headers: &mut actix_web::http::header::HeaderMap, sets_cookie: bool) {
    use actix_web::http::header::{CACHE_CONTROL, HeaderValue, VARY};
    if sets_cookie {
        for name in OVERRIDES {
            headers.remove(name);
        }
        let values = headers.get_all(CACHE_CONTROL).map(HeaderValue::as_bytes);
        if let Some(value) = private(values) {
            let value = HeaderValue::from_bytes(&value)
                .unwrap_or_else(|_| HeaderValue::from_static("no-store"));
            headers.insert(CACHE_CONTROL, value);
        }
    }
    if !headers.contains_key(VARY) {
        // As in `apply`: a constant, allocating nothing.
        headers.insert(VARY, HeaderValue::from_static(VARY_ON));
    } else if let Some(value) = vary_cookie(headers.get_all(VARY).map(HeaderValue::as_bytes)) {
        let value =
            HeaderValue::from_bytes(&value).unwrap_or_else(|_| HeaderValue::from_static("*"));
        headers.insert(VARY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_control(values: &[&str]) -> Option<String> {
        private(values.iter().map(|v| v.as_bytes())).map(|v| String::from_utf8(v).unwrap())
    }

    fn vary(values: &[&str]) -> Option<String> {
        vary_cookie(values.iter().map(|v| v.as_bytes())).map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn nothing_set_becomes_private() {
        assert_eq!(cache_control(&[]).as_deref(), Some("private"));
        assert_eq!(cache_control(&[""]).as_deref(), Some("private"));
        assert_eq!(cache_control(&[" , "]).as_deref(), Some("private"));
    }

    #[test]
    fn no_store_is_kept_as_it_is() {
        for values in [
            &["no-store"][..],
            &["No-Store"],
            &["private, no-store"],
            &["public, max-age=60, no-store"],
            &["max-age=0", "no-store"],
        ] {
            assert_eq!(cache_control(values), None, "{values:?}");
        }
    }

    #[test]
    fn private_alone_is_kept() {
        for values in [
            &["private"][..],
            &["PRIVATE"],
            &["private, max-age=60"],
            &["no-cache", "private"],
        ] {
            assert_eq!(cache_control(values), None, "{values:?}");
        }
    }

    #[test]
    fn shared_caching_is_taken_away_and_the_rest_kept() {
        for (values, merged) in [
            (&["public, max-age=60"][..], "private, max-age=60"),
            (&["max-age=60"], "private, max-age=60"),
            (&["public, s-maxage=600, max-age=60"], "private, max-age=60"),
            (&["s-maxage = 600"], "private"),
            (&["Public"], "private"),
            (&["no-cache"], "private, no-cache"),
            (
                &["must-revalidate, proxy-revalidate"],
                "private, must-revalidate, proxy-revalidate",
            ),
            // Already private, but also public: the unqualified `private` is kept, once.
            (&["private, public"], "private"),
        ] {
            assert_eq!(cache_control(values).as_deref(), Some(merged), "{values:?}");
        }
    }

    #[test]
    fn several_cache_control_lines_are_one_list() {
        assert_eq!(
            cache_control(&["public", "max-age=60", "no-transform"]).as_deref(),
            Some("private, max-age=60, no-transform")
        );
        assert_eq!(cache_control(&["public", "no-store"]), None);
    }

    #[test]
    fn a_private_with_field_names_lets_the_rest_be_stored_so_it_is_replaced() {
        assert_eq!(
            cache_control(&[r#"private="Set-Cookie, X-Id", max-age=60"#]).as_deref(),
            Some("private, max-age=60")
        );
        // A quoted comma separates nothing, and `no-store` inside a quoted string is no
        // directive.
        assert_eq!(
            cache_control(&[r#"community="no-store, x", max-age=5"#]).as_deref(),
            Some(r#"private, community="no-store, x", max-age=5"#)
        );
        assert_eq!(
            cache_control(&[r#"x="a\", b", public"#]).as_deref(),
            Some(r#"private, x="a\", b""#)
        );
    }

    #[test]
    fn vary_gains_cookie_once() {
        assert_eq!(vary(&[]).as_deref(), Some("Cookie"));
        assert_eq!(vary(&[""]).as_deref(), Some("Cookie"));
        assert_eq!(
            vary(&["Accept-Encoding"]).as_deref(),
            Some("Accept-Encoding, Cookie")
        );
        assert_eq!(
            vary(&["Accept-Encoding", "accept-language , Origin"]).as_deref(),
            Some("Accept-Encoding, accept-language, Origin, Cookie")
        );
        for values in [
            &["Cookie"][..],
            &["cookie"],
            &["COOKIE"],
            &["Accept-Encoding, cookie"],
            &["Accept-Encoding", "Cookie"],
        ] {
            assert_eq!(vary(values), None, "{values:?}");
        }
    }

    /// What `apply` sets without building a value is what the rule gives.
    #[test]
    fn no_vary_is_the_constant() {
        assert_eq!(vary(&[]).as_deref(), Some(VARY_ON));
    }

    #[test]
    fn vary_star_stays() {
        assert_eq!(vary(&["*"]), None);
        assert_eq!(vary(&["Accept-Encoding, *"]), None);
        assert_eq!(vary(&["Origin", " * "]), None);
    }

    #[cfg(feature = "tower")]
    #[test]
    fn which_set_cookie_is_the_sessions() {
        let sets = |values: &[&str]| sets_cookie("s", values.iter().map(|v| v.as_bytes()));
        assert!(sets(&["s=7.1.1.ab; HttpOnly"]));
        assert!(sets(&["theme=dark", "s=; Max-Age=0"]));
        assert!(!sets(&["session=7; HttpOnly", "S=7", "theme=s=1"]));
        assert!(!sets(&[]));
    }

    #[cfg(any(feature = "axum", feature = "tower"))]
    #[test]
    fn applied_to_an_http_header_map() {
        use http::header::{CACHE_CONTROL, HeaderMap, VARY};
        let mut headers = HeaderMap::new();
        headers.append(CACHE_CONTROL, "public".parse().unwrap());
        headers.append(CACHE_CONTROL, "max-age=60".parse().unwrap());
        headers.append(VARY, "Accept-Encoding".parse().unwrap());
        apply(&mut headers, false);
        assert_eq!(
            headers.get_all(CACHE_CONTROL).iter().count(),
            2,
            "no cookie, no change"
        );
        let all = |headers: &HeaderMap, name| -> Vec<_> {
            headers.get_all(name).iter().cloned().collect()
        };
        headers.append("cdn-cache-control", "max-age=600".parse().unwrap());
        headers.append("Surrogate-Control", "max-age=600".parse().unwrap());
        headers.append("x-accel-expires", "600".parse().unwrap());
        apply(&mut headers, false);
        assert!(
            headers.contains_key("cdn-cache-control"),
            "no cookie, no change"
        );
        apply(&mut headers, true);
        assert_eq!(all(&headers, CACHE_CONTROL), ["private, max-age=60"]);
        assert_eq!(all(&headers, VARY), ["Accept-Encoding, Cookie"]);
        for name in OVERRIDES {
            assert!(
                !headers.contains_key(name),
                "{name} overrides Cache-Control"
            );
        }
        apply(&mut headers, true);
        assert_eq!(
            all(&headers, CACHE_CONTROL),
            ["private, max-age=60"],
            "idempotent"
        );
        assert_eq!(
            all(&headers, VARY),
            ["Accept-Encoding, Cookie"],
            "idempotent"
        );
    }
}
