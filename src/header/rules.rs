//! The rules a session cookie's name and attributes follow, checked once when a
//! [`CookieSpec`](super::CookieSpec) is made: what browsers would silently drop or rewrite is
//! refused instead.

use super::SameSite;
use crate::ConfigError;

/// Every rule on a whole spec: each attribute, then the `__Host-`/`__Secure-` prefix rules that
/// tie them together (RFC 6265bis, section 4.1.3).
pub(super) fn check(
    name: &str,
    path: &str,
    domain: Option<&str>,
    same_site: SameSite,
    secure: bool,
) -> Result<(), ConfigError> {
    check_name(name)?;
    check_path(path)?;
    if let Some(domain) = domain {
        check_domain(domain)?;
    }
    // Browsers match the prefixes case-insensitively (RFC 6265bis, section 4.1.3).
    let has_prefix = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    let host = has_prefix("__Host-");
    if host && domain.is_some() {
        return Err(ConfigError::HostPrefixDomain);
    }
    if host && path != "/" {
        return Err(ConfigError::HostPrefixPath);
    }
    let needs_secure = host || has_prefix("__Secure-") || same_site == SameSite::None;
    if needs_secure && !secure {
        return Err(ConfigError::RequiresSecure);
    }
    Ok(())
}

/// An RFC 6265 cookie-name: an HTTP token (visible ASCII other than separators).
fn check_name(name: &str) -> Result<(), ConfigError> {
    let is_token = |b: &u8| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(b);
    match name.bytes().position(|b| !is_token(&b)) {
        _ if name.is_empty() => Err(ConfigError::InvalidName { position: 0 }),
        Some(position) => Err(ConfigError::InvalidName { position }),
        None => Ok(()),
    }
}

fn check_path(path: &str) -> Result<(), ConfigError> {
    // A trailing space would be trimmed by browsers (and by the `cookie` crate) when read.
    let ok = path.starts_with('/')
        && !path.ends_with(' ')
        && path.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::InvalidPath)
    }
}

/// Labels of letters, digits and `-`, separated by single dots, after an optional leading dot.
pub(super) fn check_domain(domain: &str) -> Result<(), ConfigError> {
    let ok = without_leading_dot(domain).split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if ok {
        Ok(())
    } else {
        Err(ConfigError::InvalidDomain)
    }
}

/// A leading `.` is ignored by browsers (RFC 6265, section 5.2.3), and not written.
pub(super) const fn without_leading_dot(domain: &str) -> &str {
    match domain.as_bytes() {
        [b'.', ..] => domain.split_at(1).1,
        _ => domain,
    }
}
