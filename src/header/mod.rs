//! The session cookie on the wire, without `std` or a heap: a [`CookieSpec`] is the cookie's
//! checked name and attributes; it finds and verifies the cookie in `Cookie:` request headers
//! ([`CookieSpec::verify`]) and writes the `Set-Cookie` response header into a caller's buffer
//! ([`CookieSpec::write`], [`CookieSpec::write_removal`]), to send with
//! [`CookieSpec::CACHE_HEADERS`] so that no shared cache hands it to someone else.
//!
//! This is the one implementation of these rules in the crate: the `std` web layer
//! (`sigcookie::web` and the axum, tower and actix-web integrations) reads and writes through it.
//! Files: `rules` (name, path, domain and the `__Host-`/`__Secure-` prefixes), `read`
//! (`Cookie:`), `write` (`Set-Cookie`).
//!
//! ```
//! use sigcookie::header::CookieSpec;
//! use sigcookie::{Cutoffs, Key, SessionSigner, Signer};
//!
//! let key = Key::from_bytes(&[7; 32])?;
//! let signer = SessionSigner::new(Signer::new(&key, "__Host-session")?, 1_800, 8 * 3_600);
//! let spec = CookieSpec::new("__Host-session")?;
//!
//! // Login: sign a value on the stack, write the header into a buffer.
//! let value = signer.login_at("12345", 1_764_000_000, &Cutoffs::NONE)?;
//! let mut buf = [0u8; CookieSpec::MAX_HEADER_LEN];
//! let set_cookie = spec.write(&value, Some(1_800), &mut buf)?;
//! assert!(set_cookie.starts_with("__Host-session=12345.1764000000.1764000000."));
//! assert!(set_cookie.ends_with("; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=1800"));
//!
//! // A later request: find and verify the cookie among the others.
//! let request = format!("theme=dark; __Host-session={}", value.as_str());
//! let session = spec.verify(&signer, [request.as_bytes()], 1_764_000_060, &Cutoffs::NONE)?;
//! assert_eq!(session.id(), "12345");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod read;
mod rules;
mod write;

#[cfg(feature = "cookie")]
pub(crate) use read::find_value;

use crate::ConfigError;

/// The `SameSite` attribute of the session cookie.
///
/// ```
/// use sigcookie::header::{CookieSpec, SameSite};
///
/// let spec = CookieSpec::new("s")?.with_same_site(SameSite::Strict)?;
/// assert_eq!(spec.same_site(), SameSite::Strict);
/// assert_eq!(SameSite::None.as_str(), "None");
/// # Ok::<(), sigcookie::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// Sent on same-site requests only.
    Strict,
    /// Also sent on top-level cross-site navigations by `GET` (links from other sites); the
    /// default.
    #[default]
    Lax,
    /// Sent on cross-site requests too; needs `Secure`.
    None,
}

impl SameSite {
    /// The attribute's value as written in `Set-Cookie`.
    ///
    /// ```
    /// assert_eq!(sigcookie::header::SameSite::Lax.as_str(), "Lax");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// A session cookie's checked name and attributes. Safe defaults (`Path=/`, no `Domain`,
/// `SameSite=Lax`, `Secure`, and always `HttpOnly`); every `with_*` checks every rule again, so
/// a spec that exists is one browsers keep. `Copy`, borrowing its strings.
///
/// The header is `name=value; HttpOnly; SameSite=Lax; Secure; Path=/` then `; Domain=...` if
/// set and `; Max-Age=...` if given: the attributes in the order the `cookie` crate writes them.
///
/// ```
/// use sigcookie::ConfigError;
/// use sigcookie::header::{CookieSpec, SameSite};
///
/// let spec = CookieSpec::new("panel")?.with_path("/admin")?.with_same_site(SameSite::Strict)?.insecure_plain_http()?;
/// assert_eq!((spec.path(), spec.secure()), ("/admin", false));
/// assert_eq!(CookieSpec::new("__Host-s")?.with_path("/x").err(), Some(ConfigError::HostPrefixPath));
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CookieSpec<'a> {
    name: &'a str,
    path: &'a str,
    domain: Option<&'a str>,
    same_site: SameSite,
    secure: bool,
}

impl<'a> CookieSpec<'a> {
    /// The cookie `name` with the defaults: `Path=/`, no `Domain`, `SameSite=Lax`, `Secure`, and
    /// always `HttpOnly`.
    ///
    /// # Errors
    /// [`ConfigError::InvalidName`].
    ///
    /// ```
    /// # use sigcookie::{ConfigError, header::{CookieSpec, SameSite}};
    /// let spec = CookieSpec::new("session")?;
    /// assert_eq!((spec.name(), spec.path(), spec.domain()), ("session", "/", None));
    /// assert_eq!((spec.same_site(), spec.secure()), (SameSite::Lax, true));
    /// assert_eq!(CookieSpec::new("a b").err(), Some(ConfigError::InvalidName { position: 1 }));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn new(name: &'a str) -> Result<CookieSpec<'a>, ConfigError> {
        CookieSpec {
            name,
            path: "/",
            domain: None,
            same_site: SameSite::Lax,
            secure: true,
        }
        .checked()
    }

    /// The same cookie with `Path=path`.
    ///
    /// # Errors
    /// [`ConfigError::InvalidPath`], or [`ConfigError::HostPrefixPath`] for a `__Host-` cookie.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, header::CookieSpec};
    /// assert_eq!(CookieSpec::new("s")?.with_path("/admin")?.path(), "/admin");
    /// assert_eq!(CookieSpec::new("s")?.with_path("admin").err(), Some(ConfigError::InvalidPath));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn with_path(self, path: &'a str) -> Result<CookieSpec<'a>, ConfigError> {
        CookieSpec { path, ..self }.checked()
    }

    /// The same cookie with `Domain=domain`, which also sends it to every subdomain (by default
    /// it goes to this host only). A leading `.`, which browsers ignore, is dropped.
    ///
    /// # Errors
    /// [`ConfigError::InvalidDomain`], or [`ConfigError::HostPrefixDomain`] for a `__Host-`
    /// cookie.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, header::CookieSpec};
    /// assert_eq!(CookieSpec::new("s")?.with_domain("example.com")?.domain(), Some("example.com"));
    /// assert_eq!(CookieSpec::new("s")?.with_domain(".example.com")?.domain(), Some("example.com"));
    /// assert_eq!(CookieSpec::new("s")?.with_domain("a..b").err(), Some(ConfigError::InvalidDomain));
    /// assert_eq!(CookieSpec::new("__Host-s")?.with_domain("example.com").err(), Some(ConfigError::HostPrefixDomain));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn with_domain(self, domain: &'a str) -> Result<CookieSpec<'a>, ConfigError> {
        rules::check_domain(domain)?;
        CookieSpec {
            domain: Some(rules::without_leading_dot(domain)),
            ..self
        }
        .checked()
    }

    /// The same cookie with `SameSite=same_site`.
    ///
    /// # Errors
    /// [`ConfigError::RequiresSecure`] for `SameSite=None` without `Secure`.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, header::{CookieSpec, SameSite}};
    /// let plain = CookieSpec::new("s")?.insecure_plain_http()?;
    /// assert_eq!(plain.with_same_site(SameSite::None).err(), Some(ConfigError::RequiresSecure));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn with_same_site(self, same_site: SameSite) -> Result<CookieSpec<'a>, ConfigError> {
        CookieSpec { same_site, ..self }.checked()
    }

    /// **Insecure**: the same cookie without `Secure`, so it also travels over plain HTTP. Only
    /// for devices reached by plain HTTP on a local network, where browsers drop `Secure`
    /// cookies; anyone who sees the traffic can copy the cookie.
    ///
    /// # Errors
    /// [`ConfigError::RequiresSecure`] with the `__Host-` and `__Secure-` prefixes and
    /// `SameSite=None`.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, header::CookieSpec};
    /// assert!(!CookieSpec::new("panel")?.insecure_plain_http()?.secure());
    /// assert_eq!(CookieSpec::new("__Host-panel")?.insecure_plain_http().err(), Some(ConfigError::RequiresSecure));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn insecure_plain_http(self) -> Result<CookieSpec<'a>, ConfigError> {
        CookieSpec {
            secure: false,
            ..self
        }
        .checked()
    }

    /// Every rule, on the whole spec: what browsers would silently drop is refused here.
    fn checked(self) -> Result<CookieSpec<'a>, ConfigError> {
        rules::check(
            self.name,
            self.path,
            self.domain,
            self.same_site,
            self.secure,
        )?;
        Ok(self)
    }

    /// For the web layer, which keeps the attributes as owned strings and checked them through
    /// [`CookieSpec::new`] and the `with_*` methods when it was built.
    #[cfg(feature = "cookie")]
    pub(crate) const fn from_checked(
        name: &'a str,
        path: &'a str,
        domain: Option<&'a str>,
        same_site: SameSite,
        secure: bool,
    ) -> Self {
        CookieSpec {
            name,
            path,
            domain,
            same_site,
            secure,
        }
    }

    /// The cookie's name.
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// assert_eq!(CookieSpec::new("__Host-s")?.name(), "__Host-s");
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub const fn name(&self) -> &'a str {
        self.name
    }

    /// The cookie's `Path`.
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// assert_eq!(CookieSpec::new("s")?.path(), "/");
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub const fn path(&self) -> &'a str {
        self.path
    }

    /// The cookie's `Domain`, if any.
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// assert_eq!(CookieSpec::new("s")?.domain(), None);
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub const fn domain(&self) -> Option<&'a str> {
        self.domain
    }

    /// The cookie's `SameSite`.
    ///
    /// ```
    /// # use sigcookie::header::{CookieSpec, SameSite};
    /// assert_eq!(CookieSpec::new("s")?.same_site(), SameSite::Lax);
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub const fn same_site(&self) -> SameSite {
        self.same_site
    }

    /// Whether the cookie has `Secure`: unless [`insecure_plain_http`](Self::insecure_plain_http).
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// assert!(CookieSpec::new("s")?.secure());
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub const fn secure(&self) -> bool {
        self.secure
    }
}
