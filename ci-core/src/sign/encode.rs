//! Percent-encoding rules shared by the signer, the verifier and the URL builders.
//!
//! Three encodings appear on the wire:
//!
//! * **signing encoding** ([`encode_component`]): every byte outside the unreserved set
//!   `A-Za-z0-9-_.~` becomes `%XX` (upper-case hex), so a space is `%20` and `/` is `%2F`.
//!   This is Python's `quote(s, '-_.~')` and the Go SDK's `safeURLEncode`.
//! * **key encoding** ([`encode_key_for_url`]): the same but `/` is kept, as the Python
//!   SDK puts an object key into the URL path.
//! * **decoding** ([`decode_key`], [`decode_component`]): `%XX` (any hex case, including
//!   `%2F`) becomes the byte; `+` stays `+`; a bad escape or invalid UTF-8 is an error.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use thiserror::Error;

/// Bytes escaped by the signing encoding: everything except `A-Za-z0-9-_.~`.
pub const SIGN_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Bytes escaped in an object key placed in a URL path: the signing set minus `/`.
pub const KEY_ENCODE_SET: &AsciiSet = &SIGN_ENCODE_SET.remove(b'/');

/// Bytes escaped in a query component we emit: the signing set minus `/` and `;`
/// (both are literal-safe inside a query and keep processing rules readable).
pub(crate) const QUERY_ENCODE_SET: &AsciiSet = &SIGN_ENCODE_SET.remove(b'/').remove(b';');

/// Why a percent-encoded string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// A `%` not followed by two hex digits, at this byte offset.
    #[error("invalid percent escape at byte {0}")]
    InvalidEscape(usize),
    /// The decoded bytes are not UTF-8.
    #[error("decoded bytes are not valid UTF-8")]
    InvalidUtf8,
}

/// Percent-encodes `s` with the signing rules (unreserved `A-Za-z0-9-_.~` kept).
///
/// ```
/// use ci_core::sign::encode_component;
/// assert_eq!(encode_component("image/jpeg"), "image%2Fjpeg");
/// assert_eq!(encode_component("Ann Lee"), "Ann%20Lee");
/// assert_eq!(encode_component("a+b~c"), "a%2Bb~c");
/// ```
pub fn encode_component(s: &str) -> String {
    // Through `Cow` rather than `Display`: one copy, no formatter (verification runs this
    // per signed header and parameter on every request).
    std::borrow::Cow::from(utf8_percent_encode(s, SIGN_ENCODE_SET)).into_owned()
}

/// The canonical form of a header or parameter *name* in the signature:
/// [`encode_component`] then ASCII lower-case (hex digits included: `%2f`).
///
/// ```
/// use ci_core::sign::canonical_name;
/// assert_eq!(canonical_name("imageMogr2/thumbnail/200x"), "imagemogr2%2fthumbnail%2f200x");
/// assert_eq!(canonical_name("Content-Type"), "content-type");
/// ```
pub fn canonical_name(name: &str) -> String {
    let mut canonical = encode_component(name);
    canonical.make_ascii_lowercase();
    canonical
}

/// Whether `canonical_name(name) == canonical`, without building the former.
pub(crate) fn has_canonical_name(name: &str, canonical: &str) -> bool {
    let mut rest = canonical.as_bytes();
    for chunk in utf8_percent_encode(name, SIGN_ENCODE_SET) {
        let chunk = chunk.as_bytes();
        let Some((head, tail)) = rest.split_at_checked(chunk.len()) else {
            return false;
        };
        if !head
            .iter()
            .zip(chunk)
            .all(|(c, n)| *c == n.to_ascii_lowercase())
        {
            return false;
        }
        rest = tail;
    }
    rest.is_empty()
}

/// Encodes an object key for the URL path as the Python SDK does: `quote(key, '/-_.~')`.
///
/// The result carries no leading `/`; the request path is `"/" + encode_key_for_url(key)`.
///
/// ```
/// use ci_core::sign::encode_key_for_url;
/// assert_eq!(encode_key_for_url("photos/cat 1.jpg"), "photos/cat%201.jpg");
/// assert_eq!(encode_key_for_url("a+b?c#d%e"), "a%2Bb%3Fc%23d%25e");
/// assert_eq!(encode_key_for_url("图片.png"), "%E5%9B%BE%E7%89%87.png");
/// ```
pub fn encode_key_for_url(key: &str) -> String {
    utf8_percent_encode(key, KEY_ENCODE_SET).to_string()
}

/// Encodes a query component we emit (rule keys such as `imageMogr2/thumbnail/200x`
/// stay readable; `=`, `&`, `+`, `#`, `%` and spaces are escaped).
pub(crate) fn encode_query_component(s: &str) -> String {
    utf8_percent_encode(s, QUERY_ENCODE_SET).to_string()
}

/// Decodes a URL path (or any percent-encoded text): `%XX` in either hex case becomes
/// the byte (`%2F` included), `+` is kept as `+`.
///
/// ```
/// use ci_core::sign::{decode_key, DecodeError};
/// assert_eq!(decode_key("/photos/cat%201.jpg").unwrap(), "/photos/cat 1.jpg");
/// assert_eq!(decode_key("a%2fb+c").unwrap(), "a/b+c");
/// assert_eq!(decode_key("bad%zz"), Err(DecodeError::InvalidEscape(3)));
/// assert_eq!(decode_key("%ff"), Err(DecodeError::InvalidUtf8));
/// ```
pub fn decode_key(path: &str) -> Result<String, DecodeError> {
    decode_component(path)
}

/// Decodes one percent-encoded component; same rules as [`decode_key`].
pub fn decode_component(s: &str) -> Result<String, DecodeError> {
    let bytes = s.as_bytes();
    if !bytes.contains(&b'%') {
        return Ok(s.to_owned());
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|b| hex_val(*b));
            let lo = bytes.get(i + 2).and_then(|b| hex_val(*b));
            match (hi, lo) {
                (Some(h), Some(l)) => out.push(h << 4 | l),
                _ => return Err(DecodeError::InvalidEscape(i)),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError::InvalidUtf8)
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits a raw query string (without `?`) into decoded `(name, value)` pairs.
///
/// `name` without `=` gives `None` (the Go SDK's `?imageMogr2%2Fthumbnail%2F100x`),
/// `name=` gives `Some("")` (the Python SDK's form); empty segments are skipped.
///
/// ```
/// use ci_core::sign::decode_query;
/// let q = decode_query("imageMogr2%2Fthumbnail%2F100x&a=1+2&b=").unwrap();
/// assert_eq!(q, vec![
///     ("imageMogr2/thumbnail/100x".to_string(), None),
///     ("a".to_string(), Some("1+2".to_string())),
///     ("b".to_string(), Some(String::new())),
/// ]);
/// ```
pub fn decode_query(query: &str) -> Result<Vec<(String, Option<String>)>, DecodeError> {
    query
        .split('&')
        .filter(|seg| !seg.is_empty())
        .map(|seg| match seg.split_once('=') {
            Some((k, v)) => Ok((decode_component(k)?, Some(decode_component(v)?))),
            None => Ok((decode_component(seg)?, None)),
        })
        .collect()
}

/// Constant-time equality of two byte strings (length is not hidden).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_canonical_name_agrees_with_canonical_name() {
        let names = [
            "host",
            "Host",
            "Content-Type",
            "imageMogr2/thumbnail/200x",
            "x-cos-meta-\u{56fe}",
            "a b",
            "",
            "%2F",
            "~._-",
        ];
        let canonical = [
            "host",
            "Host",
            "hos",
            "hostx",
            "content-type",
            "imagemogr2%2fthumbnail%2f200x",
            "imagemogr2%2Fthumbnail%2F200x",
            "x-cos-meta-%e5%9b%be",
            "a%20b",
            "",
            "%252f",
            "~._-",
        ];
        for n in names {
            for c in canonical {
                assert_eq!(
                    has_canonical_name(n, c),
                    canonical_name(n) == c,
                    "{n:?} {c:?}"
                );
            }
        }
        assert!(has_canonical_name(
            "X-Cos-Meta-\u{56fe}",
            "x-cos-meta-%e5%9b%be"
        ));
    }
}
