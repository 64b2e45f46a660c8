//! The web layer's two error types: a configuration the builder refuses, and a request whose
//! cookie is refused. They are apart because they go to different people: a [`ConfigError`] is
//! the developer's to fix at start; a [`Rejection`] is a client's, logged and answered with a
//! plain 401.

use std::fmt;

use crate::{Error, header};

/// Why [`SessionCookieBuilder::build`](super::SessionCookieBuilder::build) refused a
/// configuration.
///
/// ```
/// use sigcookie::Key;
/// use sigcookie::web::{ConfigError, SessionCookie};
///
/// let key = Key::from_bytes(&[7; 32])?;
/// assert_eq!(
///     SessionCookie::builder(&key, "__Host-s").domain("example.com").build().err(),
///     Some(ConfigError::HostPrefixDomain)
/// );
/// # Ok::<(), sigcookie::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigError {
    /// The core refused the signer settings: [`Error::TagLength`],
    /// [`Error::TooManyPreviousKeys`] or [`Error::EmptyPurpose`].
    Signer(Error),
    /// The cookie name is empty or has a byte an RFC 6265 cookie name cannot carry.
    InvalidName {
        /// Offset of the offending byte (0 for an empty name).
        position: usize,
    },
    /// The path does not start with `/`, ends with a space, or has a control character or `;`.
    InvalidPath,
    /// The domain is not labels of letters, digits and `-` separated by single dots (after a
    /// leading `.`, which browsers ignore).
    InvalidDomain,
    /// A `__Host-` cookie may not have a `Domain` attribute.
    HostPrefixDomain,
    /// A `__Host-` cookie must have `Path=/`.
    HostPrefixPath,
    /// A `__Host-` or `__Secure-` cookie, or `SameSite=None`, requires `Secure`, so it cannot be
    /// combined with
    /// [`insecure_plain_http`](super::SessionCookieBuilder::insecure_plain_http): browsers would
    /// drop it.
    RequiresSecure,
    /// A leeway, maximum age, lifetime or cookie `Max-Age` is shorter than one second: a
    /// `Max-Age` of zero makes the browser delete the cookie at once, and with no leeway a login
    /// right after a revocation (stamped with the next second) is refused.
    InvalidDuration,
    /// The lifetime is shorter than the maximum age: sessions would end before they go idle,
    /// which is almost certainly a mistake.
    LifetimeShorterThanMaxAge,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(rule) = self.attribute_rule() {
            // The core's words for its own rules: one message per rule.
            return rule.fmt(f);
        }
        match *self {
            ConfigError::Signer(error) => error.fmt(f),
            ConfigError::InvalidDuration => f.write_str(
                "a leeway, maximum age, lifetime or cookie Max-Age must be at least one second",
            ),
            ConfigError::LifetimeShorterThanMaxAge => {
                f.write_str("a session's lifetime cannot be shorter than its maximum idle age")
            }
            // Attribute rules were answered above.
            _ => Ok(()),
        }
    }
}

impl ConfigError {
    /// The core's attribute rule this error reports, if it reports one: the web layer's
    /// variants for them mirror [`header::ConfigError`], which says what each means.
    fn attribute_rule(&self) -> Option<header::ConfigError> {
        Some(match *self {
            ConfigError::InvalidName { position } => header::ConfigError::InvalidName { position },
            ConfigError::InvalidPath => header::ConfigError::InvalidPath,
            ConfigError::InvalidDomain => header::ConfigError::InvalidDomain,
            ConfigError::HostPrefixDomain => header::ConfigError::HostPrefixDomain,
            ConfigError::HostPrefixPath => header::ConfigError::HostPrefixPath,
            ConfigError::RequiresSecure => header::ConfigError::RequiresSecure,
            _ => return None,
        })
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Signer(error) => Some(error),
            _ => None,
        }
    }
}

impl From<Error> for ConfigError {
    fn from(error: Error) -> Self {
        ConfigError::Signer(error)
    }
}

/// The core's attribute rules ([`crate::header::CookieSpecBuilder::build`]), variant for
/// variant.
impl From<header::ConfigError> for ConfigError {
    fn from(error: header::ConfigError) -> Self {
        match error {
            header::ConfigError::InvalidName { position } => ConfigError::InvalidName { position },
            header::ConfigError::InvalidPath => ConfigError::InvalidPath,
            header::ConfigError::InvalidDomain => ConfigError::InvalidDomain,
            header::ConfigError::HostPrefixDomain => ConfigError::HostPrefixDomain,
            header::ConfigError::HostPrefixPath => ConfigError::HostPrefixPath,
            header::ConfigError::RequiresSecure => ConfigError::RequiresSecure,
        }
    }
}

/// Why a request's session cookie was refused. For logs: tell the client no more than
/// "unauthorized". No variant carries the cookie's value.
///
/// ```
/// use sigcookie::{Error, Key};
/// use sigcookie::web::{Rejection, SessionCookie};
///
/// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
/// assert_eq!(session.verify_header("theme=dark").err(), Some(Rejection::Missing));
/// assert_eq!(session.verify("7.00").err(), Some(Rejection::Invalid(Error::PartCount { expected: 4, found: 2 })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// The request carries no cookie of this name.
    Missing,
    /// The request carries more than one cookie of this name, so which one the server sees
    /// would depend on the browser's ordering. Two can arrive when a sibling subdomain sets a
    /// cookie of the same name for the parent domain; the `__Host-` prefix rules that out.
    Duplicate,
    /// A [`Cookie`](super::Cookie) given to
    /// [`SessionCookie::verify_cookie`](super::SessionCookie::verify_cookie) has another name.
    WrongName,
    /// The value is refused by the core: malformed, forged, expired, past its lifetime,
    /// revoked, ... (the core's [`Error`] says which).
    Invalid(Error),
}

impl Rejection {
    /// A stable, machine-readable name of the reason, for logs and metrics: the core error's
    /// [`name`](Error::name) for [`Rejection::Invalid`].
    ///
    /// ```
    /// use sigcookie::Error;
    /// use sigcookie::web::Rejection;
    /// assert_eq!(Rejection::Missing.name(), "Missing");
    /// assert_eq!(Rejection::Invalid(Error::BadSignature).name(), "BadSignature");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Rejection::Missing => "Missing",
            Rejection::Duplicate => "Duplicate",
            Rejection::WrongName => "WrongName",
            Rejection::Invalid(error) => error.name(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Missing => f.write_str("no session cookie in the request"),
            Rejection::Duplicate => {
                f.write_str("more than one cookie with the session cookie's name in the request")
            }
            Rejection::WrongName => f.write_str("the cookie has another name"),
            Rejection::Invalid(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Rejection::Invalid(error) => Some(error),
            _ => None,
        }
    }
}

impl From<Error> for Rejection {
    fn from(error: Error) -> Self {
        Rejection::Invalid(error)
    }
}

/// The core's rejections of a `Cookie:` header ([`crate::header::find_value`]), variant for
/// variant.
impl From<header::Rejection> for Rejection {
    fn from(rejection: header::Rejection) -> Self {
        match rejection {
            header::Rejection::Missing => Rejection::Missing,
            header::Rejection::Duplicate => Rejection::Duplicate,
            header::Rejection::Invalid(error) => Rejection::Invalid(error),
        }
    }
}
