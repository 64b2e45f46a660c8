//! Reading the session cookie from `Cookie:` request headers.

use super::CookieSpec;
use crate::format::check_ascii;
use crate::revocation::Revocations;
use crate::scheme::Scheme;
use crate::{Error, SessionSigner, Verified};

impl CookieSpec<'_> {
    /// Finds this cookie in one or more `Cookie:` header values and verifies it at `now` (unix
    /// seconds) with `signer`: the signature, the idle limit, the lifetime, then the cut-offs of
    /// `revocations`. Allocates nothing.
    ///
    /// The rules of finding it, in order:
    /// - Pairs are split at `;` and trimmed of spaces and tabs. Pairs without `=` and cookies of
    ///   other names are skipped whatever they hold, so another application's malformed or
    ///   non-UTF-8 cookie does not log anyone out.
    /// - No cookie of the name is [`Error::Missing`]; a second one, in the same header or
    ///   another (HTTP/2 clients send one header per cookie), is [`Error::Duplicate`].
    /// - The length, first, on the bytes: longer than `signer`'s values is [`Error::TooLong`].
    /// - Then the core's grammar, as for any value: a non-ASCII byte is [`Error::NonAscii`] at
    ///   its offset, and a value in double quotes, which RFC 6265 allows in general, is refused
    ///   ([`Error::InvalidIdByte`] for the `"`), since this crate never issues one.
    ///
    /// # Errors
    /// The errors above, then those of [`SessionSigner::verify_at`].
    ///
    /// ```
    /// use sigcookie::header::CookieSpec;
    /// use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};
    ///
    /// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[7; 32])?, "s")?, 600, 3_600);
    /// let spec = CookieSpec::new("s")?;
    /// let value = signer.login_at("7", 1_000, &Cutoffs::NONE)?;
    /// let header = format!(" junk ;x=1;\t s={} ; y", value.as_str());
    /// assert_eq!(spec.verify(&signer, [header.as_bytes()], 1_100, &Cutoffs::NONE)?.id(), "7");
    /// let verify = |headers: &[&[u8]]| spec.verify(&signer, headers.iter().copied(), 1_100, &Cutoffs::NONE).err();
    /// assert_eq!(verify(&[b"lang=\xff", b"theme=dark"]), Some(Error::Missing));
    /// assert_eq!(verify(&[header.as_bytes(), header.as_bytes()]), Some(Error::Duplicate));
    /// assert_eq!(verify(&[b"s=7.\xff"]), Some(Error::NonAscii { position: 2 }));
    /// assert_eq!(verify(&[b"s=\"v\""]), Some(Error::InvalidIdByte { byte: b'"', position: 0 }));
    /// assert_eq!(
    ///     spec.verify(&signer, [header.as_bytes()], 1_601, &Cutoffs::NONE).err(),
    ///     Some(Error::Expired { issued_at: 1_000, max_age: 600 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify<'h, I, S: Scheme>(
        &self,
        signer: &SessionSigner<S>,
        headers: I,
        now: u64,
        revocations: &(impl Revocations + ?Sized),
    ) -> Result<Verified<'h>, Error>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        let value = find_value(self.name(), headers, signer.max_value_len())?;
        signer.verify_at(value, now, revocations)
    }
}

/// The value of the one cookie called `name` in `Cookie:` header values, by the rules of
/// [`CookieSpec::verify`], refused before it is looked at when longer than `max_len` bytes.
pub(crate) fn find_value<'h, I>(name: &str, headers: I, max_len: usize) -> Result<&'h str, Error>
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let name = name.as_bytes();
    let mut found = None;
    for pair in headers.into_iter().flat_map(pairs) {
        // A pair without `=` is a nameless cookie to browsers (RFC 6265bis): never ours.
        let Some(eq) = memchr::memchr(b'=', pair) else {
            continue;
        };
        if trim_ows(&pair[..eq]) == name && found.replace(trim_ows(&pair[eq + 1..])).is_some() {
            return Err(Error::Duplicate);
        }
    }
    let value: &[u8] = found.ok_or(Error::Missing)?;
    // The length first, on the bytes, as the core does for a `str`: an oversized value is
    // refused as such, whatever bytes it holds, before any other work.
    if value.len() > max_len {
        return Err(Error::TooLong {
            len: value.len(),
            max: max_len,
        });
    }
    // The core's one ASCII rule, so the offset is the first non-ASCII byte here too.
    let value = check_ascii(value)?;
    if value.starts_with('"') {
        // What `check_id` says of an id that starts with `"`, whatever else the value holds.
        return Err(Error::InvalidIdByte {
            byte: b'"',
            position: 0,
        });
    }
    Ok(value)
}

/// The pairs of one header value: `header.split(|&b| b == b';')`, with the `;` found by
/// `memchr` many bytes at a time, since a request's `Cookie:` header is mostly other cookies'
/// bytes that only need skipping.
fn pairs(header: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b';', header).chain(core::iter::once(header.len()));
    core::iter::from_fn(move || {
        let end = ends.next()?;
        // `start` is just past the last `;`, so never beyond `end`: `get` cannot fail.
        let pair = header.get(start..end)?;
        start = end + 1;
        Some(pair)
    })
}

fn trim_ows(bytes: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |end| end + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_split_as_split_does() {
        let mut header = Vec::new();
        // A `;` at every position around memchr's word and vector boundaries, among bytes
        // that differ from `;` by one bit (`:`, `<`, `;` ^ 0x80) or are extremes.
        for len in 0..70 {
            for at in 0..=len {
                for filler in [b'a', b':', b'<', 0xbb, 0x00, 0xff] {
                    header.clear();
                    header.resize(len, filler);
                    if at < len {
                        header[at] = b';';
                    }
                    let ours: Vec<&[u8]> = pairs(&header).collect();
                    let split: Vec<&[u8]> = header.split(|&b| b == b';').collect();
                    assert_eq!(ours, split, "{header:?}");
                }
            }
        }
        let many = b"a=1;;b=2; c=3;x;;;;;;;;;;;;;;;;;y=\xff;";
        let ours: Vec<&[u8]> = pairs(many).collect();
        assert_eq!(ours, many.split(|&b| b == b';').collect::<Vec<_>>());
    }

    #[test]
    fn finds_trims_skips_and_refuses_duplicates() {
        fn find<'h>(headers: &[&'h str]) -> Result<&'h str, Error> {
            find_value("s", headers.iter().map(|h| h.as_bytes()), 64)
        }
        assert_eq!(find(&[" junk ;x=1;\t s = v ; y"]), Ok("v"));
        assert_eq!(find(&["a=1", "s=v"]), Ok("v"));
        assert_eq!(find(&["s=v", "s=w"]), Err(Error::Duplicate));
        assert_eq!(find(&["s=v; s=v"]), Err(Error::Duplicate));
        assert_eq!(find(&["ss=v; s"]), Err(Error::Missing));
        assert_eq!(find(&["S=v"]), Err(Error::Missing));
        assert_eq!(find(&[]), Err(Error::Missing));
        assert_eq!(find(&["s="]), Ok(""));
    }

    #[test]
    fn the_length_is_checked_before_the_bytes() {
        let long = [0xffu8; 65];
        let mut header = [0u8; 67];
        header[..2].copy_from_slice(b"s=");
        header[2..].copy_from_slice(&long);
        assert_eq!(
            find_value("s", [&header[..]], 64),
            Err(Error::TooLong { len: 65, max: 64 })
        );
        assert_eq!(
            find_value("s", [&header[..66]], 64),
            Err(Error::NonAscii { position: 0 })
        );
    }

    #[test]
    fn non_ascii_names_the_first_non_ascii_byte_as_the_core_does() {
        let header = "s=a\u{e9}\u{ff}x".as_bytes();
        assert_eq!(
            find_value("s", [header], 64),
            Err(Error::NonAscii { position: 1 })
        );
        let mut invalid = b"s=a\xc3\xa9\xffx".to_vec();
        invalid.truncate(7);
        assert_eq!(
            find_value("s", [&invalid[..]], 64),
            Err(Error::NonAscii { position: 1 })
        );
    }
}
