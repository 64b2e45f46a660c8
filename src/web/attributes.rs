//! The rules for a cookie's name and attributes, and the `__Host-`/`__Secure-` prefix rules
//! (RFC 6265bis, section 4.1.3): what browsers would silently drop is refused at build time.

use super::{ConfigError, SameSite};

/// The attributes the builder was given, to be checked together.
pub(super) struct Attributes<'a> {
    pub(super) name: &'a str,
    pub(super) path: &'a str,
    pub(super) domain: Option<&'a str>,
    pub(super) same_site: SameSite,
    pub(super) secure: bool,
}

impl Attributes<'_> {
    /// Checks each attribute, then the prefix rules that tie them together.
    pub(super) fn check(&self) -> Result<(), ConfigError> {
        check_name(self.name)?;
        check_path(self.path)?;
        if let Some(domain) = self.domain {
            check_domain(domain)?;
        }
        // Browsers match the prefixes case-insensitively (RFC 6265bis, section 4.1.3).
        let has_prefix = |prefix: &str| {
            self.name
                .get(..prefix.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
        };
        let host = has_prefix("__Host-");
        if host && self.domain.is_some() {
            return Err(ConfigError::HostPrefixDomain);
        }
        if host && self.path != "/" {
            return Err(ConfigError::HostPrefixPath);
        }
        let needs_secure = host || has_prefix("__Secure-") || self.same_site == SameSite::None;
        if needs_secure && !self.secure {
            return Err(ConfigError::RequiresSecure);
        }
        Ok(())
    }
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
    let ok = path.starts_with('/') && path.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::InvalidPath)
    }
}

fn check_domain(domain: &str) -> Result<(), ConfigError> {
    let ok = !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::InvalidDomain)
    }
}
