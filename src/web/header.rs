//! Reading one cookie out of `Cookie:` request headers.

use super::Rejection;

/// The value of the one cookie called `name` in `Cookie:` header values.
///
/// Pairs are split at `;` and trimmed of spaces and tabs; pairs without `=` and cookies of other
/// names are skipped whatever they hold, so another application's malformed cookie does not log
/// anyone out. A second cookie of the name is [`Rejection::Duplicate`].
pub(super) fn find_cookie<'h>(
    name: &[u8],
    headers: impl IntoIterator<Item = &'h [u8]>,
) -> Result<&'h [u8], Rejection> {
    let mut found = None;
    for pair in headers
        .into_iter()
        .flat_map(|header| header.split(|&b| b == b';'))
    {
        // A pair without `=` is a nameless cookie to browsers (RFC 6265bis): never ours.
        let Some(eq) = pair.iter().position(|&b| b == b'=') else {
            continue;
        };
        if trim_ows(&pair[..eq]) == name && found.replace(trim_ows(&pair[eq + 1..])).is_some() {
            return Err(Rejection::Duplicate);
        }
    }
    found.ok_or(Rejection::Missing)
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
    fn finds_trims_skips_and_refuses_duplicates() {
        fn find<'h>(headers: &[&'h str]) -> Result<&'h [u8], Rejection> {
            find_cookie(b"s", headers.iter().map(|h| h.as_bytes()))
        }
        assert_eq!(find(&[" junk ;x=1;\t s = v ; y"]), Ok(&b"v"[..]));
        assert_eq!(find(&["a=1", "s=v"]), Ok(&b"v"[..]));
        assert_eq!(find(&["s=v", "s=w"]), Err(Rejection::Duplicate));
        assert_eq!(find(&["ss=v; s"]), Err(Rejection::Missing));
        assert_eq!(find(&[]), Err(Rejection::Missing));
    }
}
