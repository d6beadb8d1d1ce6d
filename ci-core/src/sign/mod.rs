//! COS request signing (`q-sign-algorithm=sha1`), its server-side verifier, pre-signed
//! URLs, the key/URL encoding rules and the legacy v4 "multi-effect" signature.
//!
//! Everything here is a pure function: no network, no clock. Time is passed in as Unix
//! seconds (a [`KeyTime`] for signing, `now` for verifying).
//!
//! The algorithm (see `wire.md`):
//!
//! ```text
//! SignKey      = hex(HMAC-SHA1(SecretKey, q-key-time))
//! HttpString   = lower(method) \n path \n params \n headers \n
//! StringToSign = "sha1" \n q-sign-time \n hex(SHA1(HttpString)) \n
//! Signature    = hex(HMAC-SHA1(SignKey, StringToSign))
//! ```
//!
//! `path` is `/` + the raw, *unencoded* key (as the Python SDK signs it); params and
//! headers are `name=value` pairs with the name [`canonical_name`]d and the value
//! [`encode_component`]ed, sorted and joined with `&`.
//!
//! Modules: [`encode`] (encoding rules), [`verify`](mod@verify) (the server side),
//! [`presign`](mod@presign) (pre-signed URLs), [`v4`] (the legacy v4 signature).

pub mod encode;
pub mod presign;
pub mod v4;
pub mod verify;
#[cfg(test)]
mod verify_reference;

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};
use thiserror::Error;

pub use encode::{
    canonical_name, decode_component, decode_key, decode_query, encode_component,
    encode_key_for_url, DecodeError,
};
pub use presign::{presign, presigned_url, ProcessParam};
pub use v4::{v4_sign, v4_verify, V4Claims, V4Error};
pub use verify::{
    verify, verify_view, ReceivedRequest, RequestView, VerifiedIdentity, VerifyError, VerifyPolicy,
};

type HmacSha1 = Hmac<Sha1>;

/// The only signature algorithm COS uses for this scheme.
pub const SIGN_ALGORITHM: &str = "sha1";

/// Header carrying the session token of temporary credentials.
pub const SECURITY_TOKEN_HEADER: &str = "x-cos-security-token";

/// Headers the Python SDK signs (besides every `x-cos-*` / `x-ci-*`), plus `pic-operations`.
pub const DEFAULT_SIGNED_HEADERS: &[&str] = &[
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-type",
    "content-md5",
    "content-length",
    "expect",
    "expires",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "origin",
    "range",
    "transfer-encoding",
    "pic-operations",
];

/// A key pair, with a session token for temporary credentials.
///
/// `Debug` never prints the secret key or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The `SecretId` (sent as `q-ak`).
    pub secret_id: String,
    /// The `SecretKey` (never sent).
    pub secret_key: String,
    /// The session token of temporary credentials (sent as `x-cos-security-token`).
    pub token: Option<String>,
}

impl Credentials {
    /// Permanent credentials (no token).
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Credentials {
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            token: None,
        }
    }

    /// Temporary credentials with a session token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A validity window `start;end` in Unix seconds (`q-sign-time` / `q-key-time`).
///
/// ```
/// use ci_core::sign::KeyTime;
/// let t: KeyTime = "1795377299;1795387359".parse().unwrap();
/// assert_eq!(t, KeyTime::new(1795377299, 1795387359));
/// assert_eq!(t.to_string(), "1795377299;1795387359");
/// assert!("5;4".parse::<KeyTime>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyTime {
    /// First second of validity.
    pub start: u64,
    /// Last second of validity.
    pub end: u64,
}

impl KeyTime {
    /// A window from `start` to `end`.
    pub fn new(start: u64, end: u64) -> Self {
        KeyTime { start, end }
    }

    /// The Python SDK's window: `now - 60` to `now + expire`.
    pub fn python_style(now: u64, expire: u64) -> Self {
        KeyTime {
            start: now.saturating_sub(60),
            end: now.saturating_add(expire),
        }
    }
}

impl fmt::Display for KeyTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{};{}", self.start, self.end)
    }
}

/// Why a `start;end` string is not a [`KeyTime`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid key time {0:?}: expected `start;end` in Unix seconds with start <= end")]
pub struct KeyTimeParseError(pub String);

impl FromStr for KeyTime {
    type Err = KeyTimeParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || KeyTimeParseError(s.chars().take(64).collect());
        // One pass over the bytes (the verifier parses two of these per request).
        let mut start: Option<u64> = None;
        let mut acc: u64 = 0;
        let mut digits = 0usize;
        for &c in s.as_bytes() {
            match c {
                b'0'..=b'9' => {
                    acc = acc
                        .checked_mul(10)
                        .and_then(|a| a.checked_add(u64::from(c - b'0')))
                        .ok_or_else(err)?;
                    digits += 1;
                }
                b';' if start.is_none() && digits > 0 => {
                    start = Some(acc);
                    acc = 0;
                    digits = 0;
                }
                _ => return Err(err()),
            }
        }
        let start = start.ok_or_else(err)?;
        if digits == 0 || start > acc {
            return Err(err());
        }
        Ok(KeyTime { start, end: acc })
    }
}

/// Which request headers go into the signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HeaderPolicy {
    /// The Python SDK's list ([`DEFAULT_SIGNED_HEADERS`]) plus every `x-cos-*` and `x-ci-*`.
    #[default]
    Default,
    /// Every header given.
    All,
    /// The default set plus these extra names (case-insensitive).
    DefaultPlus(Vec<String>),
    /// Only these names (case-insensitive).
    Only(Vec<String>),
}

impl HeaderPolicy {
    /// Whether a header with this name is signed.
    pub fn signs(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        let default = || {
            DEFAULT_SIGNED_HEADERS.contains(&lower.as_str())
                || lower.starts_with("x-cos-")
                || lower.starts_with("x-ci-")
        };
        match self {
            HeaderPolicy::Default => default(),
            HeaderPolicy::All => true,
            HeaderPolicy::DefaultPlus(extra) => {
                default() || extra.iter().any(|e| e.eq_ignore_ascii_case(&lower))
            }
            HeaderPolicy::Only(names) => names.iter().any(|e| e.eq_ignore_ascii_case(&lower)),
        }
    }
}

/// A request as the client signs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignableRequest {
    /// HTTP method (any case; signed lower-cased).
    pub method: String,
    /// The raw, unencoded path: `/` + key (e.g. `/photos/cat 1.jpg`).
    pub path: String,
    /// Query parameters, unencoded; `None` for a value-less key such as a processing rule.
    pub params: Vec<(String, Option<String>)>,
    /// Headers, unencoded; the [`HeaderPolicy`] picks which are signed.
    pub headers: Vec<(String, String)>,
}

impl SignableRequest {
    /// A request with a raw path (`/` + key).
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> Self {
        SignableRequest {
            method: method.into(),
            path: path.into(),
            ..Default::default()
        }
    }

    /// A request for an object key: the path is `/` + key (a key already starting with
    /// `/` is kept, as the Python SDK does).
    pub fn for_key(method: impl Into<String>, key: &str) -> Self {
        Self::new(method, key_path(key))
    }

    /// Adds a query parameter `name=value`.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), Some(value.into())));
        self
    }

    /// Adds a value-less query key (`?image_process`, `?imageMogr2/thumbnail/200x`).
    pub fn flag(mut self, name: impl Into<String>) -> Self {
        self.params.push((name.into(), None));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// `/` + key, unless the key already starts with `/`.
pub(crate) fn key_path(key: &str) -> String {
    if key.starts_with('/') {
        key.to_owned()
    } else {
        format!("/{key}")
    }
}

/// The canonical request: the HttpString and the two name lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    /// `lower(method)\npath\nparams\nheaders\n`.
    pub http_string: String,
    /// Sorted canonical header names (`q-header-list`).
    pub header_list: Vec<String>,
    /// Sorted canonical parameter names (`q-url-param-list`).
    pub param_list: Vec<String>,
}

/// Canonicalizes `(name, value)` pairs: sorted `(canonical name, encoded value)`.
pub(crate) fn canonical_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, val)| (canonical_name(k), encode_component(val)))
        .collect();
    v.sort();
    v
}

pub(crate) fn http_string_from(
    method: &str,
    path: &str,
    params: &[(String, String)],
    headers: &[(String, String)],
) -> String {
    let pairs =
        |p: &[(String, String)]| p.iter().map(|(k, v)| k.len() + v.len() + 2).sum::<usize>();
    let mut s =
        String::with_capacity(method.len() + path.len() + pairs(params) + pairs(headers) + 4);
    s.extend(method.chars().map(|c| c.to_ascii_lowercase()));
    s.push('\n');
    s.push_str(path);
    s.push('\n');
    for (list, end) in [(params, '\n'), (headers, '\n')] {
        for (i, (k, v)) in list.iter().enumerate() {
            if i > 0 {
                s.push('&');
            }
            s.push_str(k);
            s.push('=');
            s.push_str(v);
        }
        s.push(end);
    }
    s
}

/// Builds the canonical request. With `token` (temporary credentials) an
/// `x-cos-security-token` header is signed unless the request already carries one.
pub fn canonicalize(
    req: &SignableRequest,
    policy: &HeaderPolicy,
    token: Option<&str>,
) -> CanonicalRequest {
    let params = canonical_pairs(
        req.params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref().unwrap_or(""))),
    );
    let has_token = req
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case(SECURITY_TOKEN_HEADER));
    let extra = token
        .filter(|_| !has_token)
        .map(|t| (SECURITY_TOKEN_HEADER, t));
    let headers = canonical_pairs(
        req.headers
            .iter()
            .filter(|(k, _)| policy.signs(k))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(extra),
    );
    CanonicalRequest {
        http_string: http_string_from(&req.method, &req.path, &params, &headers),
        header_list: headers.iter().map(|(k, _)| k.clone()).collect(),
        param_list: params.iter().map(|(k, _)| k.clone()).collect(),
    }
}

/// The HttpString of a request (no token header added).
///
/// ```
/// use ci_core::sign::{http_string, HeaderPolicy, SignableRequest};
/// let req = SignableRequest::for_key("POST", "photos/cat 1.jpg")
///     .flag("image_process")
///     .header("Host", "b-1250000000.cos.ap-guangzhou.myqcloud.com")
///     .header("Accept", "*/*");
/// assert_eq!(
///     http_string(&req, &HeaderPolicy::Default),
///     "post\n/photos/cat 1.jpg\nimage_process=\nhost=b-1250000000.cos.ap-guangzhou.myqcloud.com\n"
/// );
/// ```
pub fn http_string(req: &SignableRequest, policy: &HeaderPolicy) -> String {
    canonicalize(req, policy, None).http_string
}

/// `sha1\n<sign time>\n<hex sha1(HttpString)>\n`.
pub fn string_to_sign(sign_time: KeyTime, http_string: &str) -> String {
    let digest = Sha1::digest(http_string.as_bytes());
    format!("{SIGN_ALGORITHM}\n{sign_time}\n{}\n", hex::encode(digest))
}

fn hmac_sha1_hex(key: &[u8], msg: &[u8]) -> String {
    // HMAC accepts keys of any length; new_from_slice cannot fail here.
    let mut mac = match HmacSha1::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC-SHA1 accepts any key length"),
    };
    mac.update(msg);
    hex::encode(mac.finalize().into_bytes())
}

/// `hex(HMAC-SHA1(secret_key, key_time))`.
pub fn sign_key(secret_key: &str, key_time: KeyTime) -> String {
    hmac_sha1_hex(secret_key.as_bytes(), key_time.to_string().as_bytes())
}

/// `hex(HMAC-SHA1(sign_key, string_to_sign))`.
pub fn signature(sign_key: &str, string_to_sign: &str) -> String {
    hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes())
}

/// How many (SecretKey, KeyTime) pairs each thread keeps a keyed HMAC for.
const KEYED_PER_THREAD: usize = 8;

/// An HMAC-SHA1 already keyed with the SignKey of a (SecretKey, KeyTime) pair.
struct KeyedSigner {
    secret_key: String,
    key_time: KeyTime,
    mac: HmacSha1,
}

thread_local! {
    /// The last few keyed signers this thread used: a client signs many requests with the
    /// same key time (both SDKs reuse one for its validity), so the verifier would derive the
    /// same SignKey and key the same HMAC again for every request.
    static KEYED: std::cell::RefCell<Vec<KeyedSigner>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn keyed_mac(secret_key: &str, key_time: KeyTime) -> HmacSha1 {
    let sign_key = sign_key(secret_key, key_time);
    match HmacSha1::new_from_slice(sign_key.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC-SHA1 accepts any key length"),
    }
}

/// The HMAC keyed with `sign_key(secret_key, key_time)`, taken from (or added to) this
/// thread's small cache.
fn cached_mac(secret_key: &str, key_time: KeyTime) -> HmacSha1 {
    let cached = KEYED.try_with(|keyed| {
        let mut keyed = keyed.try_borrow_mut().ok()?;
        let found = keyed.iter().find(|k| {
            k.key_time == key_time && encode::ct_eq(k.secret_key.as_bytes(), secret_key.as_bytes())
        });
        if let Some(k) = found {
            return Some(k.mac.clone());
        }
        let mac = keyed_mac(secret_key, key_time);
        if keyed.len() == KEYED_PER_THREAD {
            keyed.remove(0);
        }
        keyed.push(KeyedSigner {
            secret_key: secret_key.to_owned(),
            key_time,
            mac: mac.clone(),
        });
        Some(mac)
    });
    cached
        .ok()
        .flatten()
        .unwrap_or_else(|| keyed_mac(secret_key, key_time))
}

/// `signature(&sign_key(secret_key, key_time), string_to_sign)`, with the keyed HMAC of
/// the pair taken from (or added to) this thread's small cache (the verifier's path before
/// [`signature_of_digest`]; the tests compare the two), used by [`sign`].
pub(crate) fn signature_for(secret_key: &str, key_time: KeyTime, string_to_sign: &str) -> String {
    let mut mac = cached_mac(secret_key, key_time);
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Lower-case hex of a SHA-1 digest, without allocating.
pub(crate) fn hex40(digest: &[u8; 20]) -> [u8; 40] {
    let mut out = [0u8; 40];
    // 20 bytes into 40: the lengths match, so this cannot fail.
    let _ = hex::encode_to_slice(digest, &mut out);
    out
}

fn put(buf: &mut [u8], at: &mut usize, bytes: &[u8]) {
    if let Some(dst) = buf.get_mut(*at..*at + bytes.len()) {
        dst.copy_from_slice(bytes);
        *at += bytes.len();
    }
}

/// The signature (lower-case hex) for the HttpString whose SHA-1 is `http_digest`:
/// [`string_to_sign`] built on the stack and fed to the cached keyed HMAC, no allocation.
pub(crate) fn signature_of_digest(
    secret_key: &str,
    key_time: KeyTime,
    sign_time: KeyTime,
    http_digest: &[u8; 20],
) -> [u8; 40] {
    // "sha1\n" + two u64 + ";\n" + 40 hex + "\n" fits in 96 bytes.
    let mut sts = [0u8; 96];
    let mut at = 0;
    put(&mut sts, &mut at, b"sha1\n");
    let mut number = itoa::Buffer::new();
    put(&mut sts, &mut at, number.format(sign_time.start).as_bytes());
    put(&mut sts, &mut at, b";");
    put(&mut sts, &mut at, number.format(sign_time.end).as_bytes());
    put(&mut sts, &mut at, b"\n");
    put(&mut sts, &mut at, &hex40(http_digest));
    put(&mut sts, &mut at, b"\n");
    let mut mac = cached_mac(secret_key, key_time);
    mac.update(sts.get(..at).unwrap_or_default());
    hex40(&mac.finalize().into_bytes().into())
}

/// A parsed or computed `Authorization` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// `q-sign-algorithm` (always `sha1`).
    pub sign_algorithm: String,
    /// `q-ak`: the SecretId.
    pub access_key: String,
    /// `q-sign-time`.
    pub sign_time: KeyTime,
    /// `q-key-time`.
    pub key_time: KeyTime,
    /// `q-header-list`, canonical names.
    pub header_list: Vec<String>,
    /// `q-url-param-list`, canonical names.
    pub param_list: Vec<String>,
    /// `q-signature`: 40 lower-case hex digits.
    pub signature: String,
}

impl Authorization {
    /// The value of the `Authorization` header.
    pub fn to_header_value(&self) -> String {
        format!(
            "q-sign-algorithm={}&q-ak={}&q-sign-time={}&q-key-time={}&q-header-list={}&q-url-param-list={}&q-signature={}",
            self.sign_algorithm,
            self.access_key,
            self.sign_time,
            self.key_time,
            self.header_list.join(";"),
            self.param_list.join(";"),
            self.signature
        )
    }

    /// Parses an `Authorization` header value.
    ///
    /// ```
    /// use ci_core::sign::Authorization;
    /// let a = Authorization::parse("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature=0123456789abcdef0123456789abcdef01234567").unwrap();
    /// assert_eq!(a.access_key, "AKID");
    /// assert!(a.param_list.is_empty());
    /// assert!(Authorization::parse("q-ak=AKID").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<Self, VerifyError> {
        AuthFields::parse(value).map(AuthFields::into_owned)
    }
}

/// An `Authorization` parsed without copies: what the verifier needs, borrowed from the
/// header (or the query).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuthFields<'a> {
    /// `q-ak`.
    pub(crate) access_key: &'a str,
    /// `q-sign-time`.
    pub(crate) sign_time: KeyTime,
    /// `q-key-time`.
    pub(crate) key_time: KeyTime,
    /// `q-header-list` as sent (entries split by [`list_entries`]).
    pub(crate) header_list: &'a str,
    /// `q-url-param-list` as sent.
    pub(crate) param_list: &'a str,
    /// `q-signature`, lower-cased.
    pub(crate) signature: [u8; 40],
}

/// The non-empty `;`-separated entries of a `q-header-list` / `q-url-param-list`.
pub(crate) fn list_entries(list: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(list);
    std::iter::from_fn(move || loop {
        let r = rest?;
        let (entry, next) = match find_byte(r.as_bytes(), 0, b';') {
            // `;` is ASCII: both sides are on char boundaries.
            Some(i) => (r.get(..i).unwrap_or_default(), r.get(i + 1..)),
            None => (r, None),
        };
        rest = next;
        if !entry.is_empty() {
            return Some(entry);
        }
    })
}

/// [`list_entries`], owned.
pub(crate) fn owned_entries(list: &str) -> Vec<String> {
    list_entries(list).map(str::to_owned).collect()
}

/// The index of the first `needle` in `bytes[from..]` (memchr: SIMD).
fn find_byte(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    memchr::memchr(needle, bytes.get(from..)?).map(|i| from + i)
}

/// `s.trim()`, skipping the Unicode scan when both ends are visible ASCII (never
/// whitespace).
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

fn trim_start(s: &str) -> &str {
    match s.as_bytes().first() {
        Some(a) if a.is_ascii_graphic() => s,
        _ => s.trim_start(),
    }
}

fn trim_end(s: &str) -> &str {
    match s.as_bytes().last() {
        Some(a) if a.is_ascii_graphic() => s,
        _ => s.trim_end(),
    }
}

impl<'a> AuthFields<'a> {
    /// Parses an `Authorization` header value: `&`-separated fields, each trimmed, then
    /// split at its first `=` (a field without one has an empty value).
    pub(crate) fn parse(value: &'a str) -> Result<Self, VerifyError> {
        // `&` and `=` are ASCII, so every split point is a char boundary.
        let bytes = value.as_bytes();
        let mut fields: [(&str, &str); 16] = [("", ""); 16];
        let mut n = 0;
        let mut overflow: Vec<(&str, &str)> = Vec::new();
        let mut start = 0;
        loop {
            let end = find_byte(bytes, start, b'&').unwrap_or(bytes.len());
            let raw = value.get(start..end).unwrap_or_default();
            let field = match raw.as_bytes().iter().position(|&b| b == b'=') {
                Some(e) => (
                    trim_start(raw.get(..e).unwrap_or_default()),
                    trim_end(raw.get(e + 1..).unwrap_or_default()),
                ),
                None => (trim(raw), ""),
            };
            match fields.get_mut(n) {
                Some(slot) => {
                    *slot = field;
                    n += 1;
                }
                None => overflow.push(field),
            }
            if end == bytes.len() {
                break;
            }
            start = end + 1;
        }
        let head = fields.get(..n).unwrap_or_default().iter().copied();
        Self::from_fields(head.chain(overflow))
    }

    /// Builds from `q-*` fields (unknown fields are ignored, duplicates are malformed).
    pub(crate) fn from_fields(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, VerifyError> {
        const NAMES: [&str; 7] = [
            "q-sign-algorithm",
            "q-ak",
            "q-sign-time",
            "q-key-time",
            "q-header-list",
            "q-url-param-list",
            "q-signature",
        ];
        let mut slots: [Option<&str>; 7] = [None; 7];
        for (k, v) in fields {
            // The names as every SDK sends them first, then in any case.
            let exact = match k {
                "q-sign-algorithm" => Some(0),
                "q-ak" => Some(1),
                "q-sign-time" => Some(2),
                "q-key-time" => Some(3),
                "q-header-list" => Some(4),
                "q-url-param-list" => Some(5),
                "q-signature" => Some(6),
                _ => None,
            };
            let found = exact.or_else(|| NAMES.iter().position(|n| n.eq_ignore_ascii_case(k)));
            if let Some(i) = found {
                if slots[i].replace(v).is_some() {
                    return Err(VerifyError::Malformed(format!("duplicate {}", NAMES[i])));
                }
            }
        }
        let get = |i: usize| {
            slots[i].ok_or_else(|| VerifyError::Malformed(format!("missing {}", NAMES[i])))
        };
        let algorithm = get(0)?;
        if algorithm != SIGN_ALGORITHM {
            return Err(VerifyError::Malformed(format!(
                "unsupported q-sign-algorithm {:?}",
                algorithm.chars().take(32).collect::<String>()
            )));
        }
        let access_key = get(1)?;
        if access_key.is_empty() {
            return Err(VerifyError::Malformed("empty q-ak".into()));
        }
        let time = |i: usize| -> Result<KeyTime, VerifyError> {
            get(i)?.parse().map_err(|e: KeyTimeParseError| {
                VerifyError::Malformed(format!("{}: {e}", NAMES[i]))
            })
        };
        let sign_time = time(2)?;
        let key_time = time(3)?;
        let header_list = get(4)?;
        let param_list = get(5)?;
        let signature = get(6)?;
        let mut lower = [0u8; 40];
        let mut hex = signature.len() == 40;
        for (d, s) in lower.iter_mut().zip(signature.bytes()) {
            hex &= s.is_ascii_hexdigit();
            // Lower-cases a hex digit (digits already have the 0x20 bit).
            *d = s | 0x20;
        }
        if !hex {
            return Err(VerifyError::Malformed(
                "q-signature is not 40 hex digits".into(),
            ));
        }
        Ok(AuthFields {
            access_key,
            sign_time,
            key_time,
            header_list,
            param_list,
            signature: lower,
        })
    }

    /// The owned [`Authorization`].
    pub(crate) fn into_owned(self) -> Authorization {
        Authorization {
            sign_algorithm: SIGN_ALGORITHM.to_owned(),
            access_key: self.access_key.to_owned(),
            sign_time: self.sign_time,
            key_time: self.key_time,
            header_list: owned_entries(self.header_list),
            param_list: owned_entries(self.param_list),
            // 40 hex digits: ASCII.
            signature: self.signature.iter().map(|&b| char::from(b)).collect(),
        }
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_header_value())
    }
}

/// Signs a request: the `Authorization` for `req` valid during `key_time`
/// (used for both `q-sign-time` and `q-key-time`, as both SDKs do).
///
/// With temporary credentials, `x-cos-security-token` is signed; the caller must also
/// send that header with the token.
///
/// ```
/// use ci_core::sign::{sign, Credentials, HeaderPolicy, KeyTime, SignableRequest};
///
/// let creds = Credentials::new("AKIDexample", "sk-example");
/// let req = SignableRequest::for_key("POST", "photos/cat 1.jpg")
///     .flag("image_process")
///     .header("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com")
///     .header("Content-Length", "0")
///     .header(
///         "Pic-Operations",
///         r#"{"is_pic_info":1,"rules":[{"fileid":"/out/a.webp","rule":"imageMogr2/format/webp/quality/80"}]}"#,
///     );
/// let auth = sign(&creds, &req, KeyTime::new(1795377299, 1795387359), &HeaderPolicy::Default);
/// assert_eq!(auth.signature, "11e550e7c777bb7eeb8296e6b67763004f28bd2b");
/// assert_eq!(auth.param_list, ["image_process"]);
/// assert!(auth.to_header_value().starts_with("q-sign-algorithm=sha1&q-ak=AKIDexample&"));
/// ```
pub fn sign(
    creds: &Credentials,
    req: &SignableRequest,
    key_time: KeyTime,
    policy: &HeaderPolicy,
) -> Authorization {
    let canon = canonicalize(req, policy, creds.token.as_deref());
    let sts = string_to_sign(key_time, &canon.http_string);
    Authorization {
        sign_algorithm: SIGN_ALGORITHM.to_owned(),
        access_key: creds.secret_id.clone(),
        sign_time: key_time,
        key_time,
        header_list: canon.header_list,
        param_list: canon.param_list,
        // A client signs every request of one second with the same key time: the keyed
        // HMAC comes from the thread's cache instead of being derived again.
        signature: signature_for(&creds.secret_key, key_time, &sts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_byte_finds_the_first_needle_at_every_offset() {
        let text = b"q-ak=A&&x=\x80\xa6&\xff=&a&bcdefghijklmnop&qrstuvwx&";
        for from in 0..=text.len() + 1 {
            for needle in [b'&', b'=', b'x', 0xa6, b'#'] {
                let naive = text
                    .get(from..)
                    .and_then(|r| r.iter().position(|&b| b == needle))
                    .map(|i| i + from);
                assert_eq!(find_byte(text, from, needle), naive, "{from} {needle}");
            }
        }
    }

    #[test]
    fn the_cached_keyed_signature_equals_the_derived_one() {
        let keys = ["sk-one", "sk-two", ""];
        // More pairs than a thread keeps, twice over: hits, misses and evictions.
        for round in 0..2 {
            for start in 0..(KEYED_PER_THREAD as u64 + 3) {
                for key in keys {
                    let key_time = KeyTime::new(1000 + start, 2000 + start);
                    let sts = format!("sha1\n{key_time}\nround {round}\n");
                    assert_eq!(
                        signature_for(key, key_time, &sts),
                        signature(&sign_key(key, key_time), &sts),
                        "{key:?} {key_time}"
                    );
                }
            }
        }
        assert!(KEYED.with(|k| k.borrow().len()) <= KEYED_PER_THREAD);
    }
}
