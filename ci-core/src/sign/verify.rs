//! The server side: verifying a signed request or a pre-signed URL.
//!
//! The verifier receives the request **decoded** (path and query `%XX`-decoded, `+` left
//! alone, header values as sent). It re-encodes each name and value with the signing
//! rules ([`super::encode_component`]); because decoding is the exact
//! inverse of the client's encoding, this reproduces the client's HttpString. Only the
//! headers and parameters named in `q-header-list` / `q-url-param-list` are used, in the
//! form listed; `host` is tried as received and, when it carries a port, without it.

use std::borrow::Cow;

use percent_encoding::utf8_percent_encode;
use sha1::{Digest, Sha1};
use thiserror::Error;

use super::encode::{
    canonical_name, ct_eq, decode_component, decode_query, has_canonical_name, DecodeError,
    SIGN_ENCODE_SET,
};
use super::{
    encode_component, list_entries, owned_entries, signature_of_digest, AuthFields, Credentials,
    KeyTime, SECURITY_TOKEN_HEADER,
};

/// Query parameters that carry a pre-signed URL's authorization (never signed themselves).
pub const AUTH_QUERY_PARAMS: &[&str] = &[
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
];

/// Why a request was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// No authorization, or one that cannot be parsed; the text says what is wrong.
    #[error("malformed authorization: {0}")]
    Malformed(String),
    /// `q-ak` names no known key.
    #[error("unknown access key {0:?}")]
    UnknownAccessKey(String),
    /// The recomputed signature differs.
    #[error("signature does not match")]
    SignatureMismatch,
    /// The validity window ended (beyond the allowed clock skew).
    #[error("signature expired at {end} (now {now})")]
    Expired {
        /// End of the window.
        end: u64,
        /// Server time.
        now: u64,
    },
    /// The validity window has not started (beyond the allowed clock skew).
    #[error("signature not valid before {start} (now {now})")]
    NotYetValid {
        /// Start of the window.
        start: u64,
        /// Server time.
        now: u64,
    },
    /// A header that must be signed is missing from `q-header-list`.
    #[error("header {0:?} must be signed")]
    HeaderNotSigned(String),
    /// A query parameter that must be signed is missing from `q-url-param-list`.
    #[error("query parameter {0:?} must be signed")]
    ParamNotSigned(String),
    /// A header named in `q-header-list` is absent from the request.
    #[error("signed header {0:?} is absent from the request")]
    SignedHeaderMissing(String),
    /// A parameter named in `q-url-param-list` is absent from the request.
    #[error("signed query parameter {0:?} is absent from the request")]
    SignedParamMissing(String),
    /// The `x-cos-security-token` does not match the key's session token (or one of them
    /// is missing).
    #[error("security token does not match the access key")]
    TokenMismatch,
}

impl From<DecodeError> for VerifyError {
    fn from(e: DecodeError) -> Self {
        VerifyError::Malformed(e.to_string())
    }
}

/// A request as the server received it, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// HTTP method.
    pub method: String,
    /// The decoded path the client signed: `/` + key.
    pub path: String,
    /// Decoded query parameters (`None` for a key without `=`).
    pub params: Vec<(String, Option<String>)>,
    /// Headers as received (values not decoded).
    pub headers: Vec<(String, String)>,
}

impl ReceivedRequest {
    /// Builds from the raw request line pieces: decodes the path and the query
    /// (`%XX` only, `+` stays `+`).
    ///
    /// ```
    /// use ci_core::sign::ReceivedRequest;
    /// let r = ReceivedRequest::from_raw("GET", "/photos/cat%201.jpg", Some("imageMogr2%2Fthumbnail%2F100x"), vec![]).unwrap();
    /// assert_eq!(r.path, "/photos/cat 1.jpg");
    /// assert_eq!(r.params, vec![("imageMogr2/thumbnail/100x".to_string(), None)]);
    /// ```
    pub fn from_raw(
        method: impl Into<String>,
        raw_path: &str,
        raw_query: Option<&str>,
        headers: Vec<(String, String)>,
    ) -> Result<Self, DecodeError> {
        Ok(ReceivedRequest {
            method: method.into(),
            path: decode_component(raw_path)?,
            params: match raw_query {
                Some(q) => decode_query(q)?,
                None => Vec::new(),
            },
            headers,
        })
    }

    /// The borrowed view [`verify_view`] takes.
    pub fn view(&self) -> RequestView<'_, String> {
        RequestView {
            method: &self.method,
            path: &self.path,
            params: &self.params,
            headers: &self.headers,
        }
    }
}

/// A received request, borrowed: what [`verify`] checks, without copying the request
/// into a [`ReceivedRequest`]. `H` is `String` or `&str`.
#[derive(Debug, Clone, Copy)]
pub struct RequestView<'a, H> {
    /// HTTP method.
    pub method: &'a str,
    /// The decoded path the client signed: `/` + key.
    pub path: &'a str,
    /// Decoded query parameters (`None` for a key without `=`).
    pub params: &'a [(String, Option<String>)],
    /// Headers as received (values not decoded).
    pub headers: &'a [(H, H)],
}

impl<'a, H: AsRef<str>> RequestView<'a, H> {
    fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    fn param(&self, name: &str) -> Option<&'a str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }
}

/// How strict the verifier is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Seconds of clock skew tolerated at both ends of the validity window.
    pub clock_skew: u64,
    /// Strict mode: `content-type` and `content-length`, when present on the request, must
    /// be signed. (`pic-operations`, when present, must always be signed.)
    pub strict: bool,
    /// Every query parameter (other than the pre-signed URL's own `q-*` fields and
    /// `x-cos-security-token`) must be signed. When false, only processing parameters
    /// (names containing `/`, `ci-process`, `image_process`) must be.
    pub require_all_params_signed: bool,
    /// Further header names that must be signed when present.
    pub required_headers: Vec<String>,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        VerifyPolicy {
            clock_skew: 60,
            strict: true,
            require_all_params_signed: true,
            required_headers: Vec::new(),
        }
    }
}

/// Who signed a verified request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    /// The SecretId (`q-ak`).
    pub secret_id: String,
    /// The session token, for temporary credentials.
    pub token: Option<String>,
    /// The `q-key-time` window.
    pub key_time: KeyTime,
    /// The signed header names, as listed.
    pub signed_headers: Vec<String>,
    /// The signed parameter names, as listed.
    pub signed_params: Vec<String>,
    /// Whether the authorization came from the query (a pre-signed URL).
    pub presigned: bool,
}

/// Normalizes a list entry to the canonical name form. Entries from the header are already
/// canonical; entries from a pre-signed URL's query were decoded once by the server, so
/// `%2f` may have become `/`. Decoding then re-encoding maps both to the canonical form.
fn normalize_list_entry(entry: &str) -> Cow<'_, str> {
    // Already canonical (what every SDK sends): decoding and encoding change nothing.
    let canonical = |b: u8| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b'~')
    };
    if entry.bytes().all(canonical) {
        return Cow::Borrowed(entry);
    }
    Cow::Owned(match decode_component(entry) {
        Ok(d) => canonical_name(&d),
        Err(_) => entry.to_ascii_lowercase(),
    })
}

/// A signed-name list, normalized, sorted and deduplicated (SDKs send it sorted: then
/// nothing moves).
fn canonical_list(list: &str) -> Vec<Cow<'_, str>> {
    let mut v: Vec<Cow<'_, str>> = list_entries(list).map(normalize_list_entry).collect();
    if !v.windows(2).all(|w| w[0] < w[1]) {
        v.sort();
        v.dedup();
    }
    v
}

/// `(canonical name, raw value)` pairs, grouped by name in sorted name order; the signer
/// sorts by encoded value within a name.
type Pairs<'a> = Vec<(&'a str, &'a str)>;

/// Whether some name has more than one value (only then can the order change).
fn has_repeats(pairs: &[(&str, &str)]) -> bool {
    pairs.windows(2).any(|w| w[0].0 == w[1].0)
}

/// Sorts pairs as the signer does: by name, then by encoded value.
fn sort_pairs(pairs: &mut Pairs<'_>) {
    if has_repeats(pairs) {
        pairs.sort_by_cached_key(|&(k, v)| (k, encode_component(v)));
    }
}

/// SHA-1 of the HttpString of sorted pairs, fed to the hasher piece by piece (values
/// encoded on the fly) instead of built in a String. (A stack buffer in front of the
/// hasher measured no faster.)
fn http_string_digest(
    method: &str,
    path: &str,
    params: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> [u8; 20] {
    let mut h = Sha1::new();
    let mut lower = [0u8; 16];
    for chunk in method.as_bytes().chunks(lower.len()) {
        let Some(buf) = lower.get_mut(..chunk.len()) else {
            break;
        };
        buf.copy_from_slice(chunk);
        buf.make_ascii_lowercase();
        h.update(&*buf);
    }
    h.update(b"\n");
    h.update(path.as_bytes());
    h.update(b"\n");
    for list in [params, headers] {
        for (i, (k, v)) in list.iter().enumerate() {
            if i > 0 {
                h.update(b"&");
            }
            h.update(k.as_bytes());
            h.update(b"=");
            for chunk in utf8_percent_encode(v, SIGN_ENCODE_SET) {
                h.update(chunk.as_bytes());
            }
        }
        h.update(b"\n");
    }
    h.finalize().into()
}

fn is_processing_param(canonical: &str) -> bool {
    canonical.contains("%2f") || canonical == "ci-process" || canonical == "image_process"
}

/// The host value without a `:port` suffix, if it has one (IPv6 literals handled).
fn strip_port(host: &str) -> Option<&str> {
    let (h, p) = host.rsplit_once(':')?;
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if h.contains(':') && !(h.starts_with('[') && h.ends_with(']')) {
        return None; // bare IPv6 without port
    }
    Some(h)
}

/// Verifies a signed request (Authorization header) or a pre-signed URL (`q-*` query
/// parameters, possibly with `x-cos-security-token`).
///
/// `lookup` maps a SecretId to its credentials; `now` is the server time in Unix seconds.
///
/// ```
/// use ci_core::sign::*;
///
/// let creds = Credentials::new("AKIDexample", "sk-example");
/// let host = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
/// let req = SignableRequest::for_key("GET", "photos/cat 1.jpg")
///     .flag("imageMogr2/thumbnail/200x")
///     .header("Host", host);
/// let auth = sign(&creds, &req, KeyTime::new(1000, 2000), &HeaderPolicy::Default);
///
/// // What the server sees: the encoded URL, decoded again.
/// let received = ReceivedRequest::from_raw(
///     "GET",
///     &format!("/{}", encode_key_for_url("photos/cat 1.jpg")),
///     Some("imageMogr2%2Fthumbnail%2F200x"),
///     vec![("Host".into(), host.into()), ("Authorization".into(), auth.to_header_value())],
/// )?;
/// let lookup = |ak: &str| (ak == "AKIDexample").then(|| creds.clone());
/// let who = verify(&received, lookup, 1500, &VerifyPolicy::default()).unwrap();
/// assert_eq!(who.secret_id, "AKIDexample");
///
/// assert_eq!(
///     verify(&received, lookup, 3000, &VerifyPolicy::default()),
///     Err(VerifyError::Expired { end: 2000, now: 3000 })
/// );
/// # Ok::<(), DecodeError>(())
/// ```
pub fn verify(
    req: &ReceivedRequest,
    lookup: impl Fn(&str) -> Option<Credentials>,
    now: u64,
    policy: &VerifyPolicy,
) -> Result<VerifiedIdentity, VerifyError> {
    verify_view(&req.view(), lookup, now, policy)
}

/// [`verify`] on a borrowed request: the server checks the request as received without
/// copying its headers.
///
/// ```
/// use ci_core::sign::*;
///
/// let creds = Credentials::new("AKIDexample", "sk-example");
/// let req = SignableRequest::for_key("GET", "a.jpg").header("Host", "h");
/// let auth = sign(&creds, &req, KeyTime::new(1000, 2000), &HeaderPolicy::Default).to_header_value();
/// let headers = [("host", "h"), ("authorization", auth.as_str())];
/// let view = RequestView { method: "GET", path: "/a.jpg", params: &[], headers: &headers };
/// let lookup = |ak: &str| (ak == "AKIDexample").then(|| creds.clone());
/// assert!(verify_view(&view, lookup, 1500, &VerifyPolicy::default()).is_ok());
/// ```
pub fn verify_view<H: AsRef<str>>(
    req: &RequestView<'_, H>,
    lookup: impl Fn(&str) -> Option<Credentials>,
    now: u64,
    policy: &VerifyPolicy,
) -> Result<VerifiedIdentity, VerifyError> {
    // 1. Find and parse the authorization (borrowed from the header or the query).
    let (auth, presigned) = match req.header("authorization") {
        Some(h) if !h.trim().is_empty() => (AuthFields::parse(h)?, false),
        _ => {
            if req.param("q-sign-algorithm").is_none() && req.param("q-signature").is_none() {
                return Err(VerifyError::Malformed(
                    "no Authorization header and no q-* query parameters".into(),
                ));
            }
            let fields = req
                .params
                .iter()
                .filter(|(k, _)| AUTH_QUERY_PARAMS.contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v.as_deref().unwrap_or("")));
            (AuthFields::from_fields(fields)?, true)
        }
    };
    let header_list = canonical_list(auth.header_list);
    let param_list = canonical_list(auth.param_list);

    // 2. The key.
    let creds = lookup(auth.access_key)
        .ok_or_else(|| VerifyError::UnknownAccessKey(auth.access_key.to_owned()))?;

    // 3. Recompute. Collect the listed params and headers from the request (borrowed;
    // values are encoded while hashing).
    let mut params: Pairs<'_> = Vec::new();
    for name in &param_list {
        let before = params.len();
        for (k, v) in req.params {
            if presigned && AUTH_QUERY_PARAMS.contains(&k.as_str()) {
                continue;
            }
            if has_canonical_name(k, name) {
                params.push((name, v.as_deref().unwrap_or("")));
            }
        }
        if params.len() == before {
            return Err(VerifyError::SignedParamMissing(name.to_string()));
        }
    }
    sort_pairs(&mut params);

    let mut headers: Pairs<'_> = Vec::with_capacity(header_list.len());
    let mut host_alternative: Option<(usize, &str)> = None;
    for name in &header_list {
        let before = headers.len();
        for (k, v) in req.headers {
            let (k, v) = (k.as_ref(), v.as_ref());
            if has_canonical_name(k, name) {
                if name == "host" {
                    if let Some(h) = strip_port(v) {
                        host_alternative = Some((headers.len(), h));
                    }
                }
                headers.push((name, v));
            }
        }
        if headers.len() == before {
            return Err(VerifyError::SignedHeaderMissing(name.to_string()));
        }
    }
    let matches = |headers: &[(&str, &str)]| {
        let digest = http_string_digest(req.method, req.path, &params, headers);
        let expected =
            signature_of_digest(&creds.secret_key, auth.key_time, auth.sign_time, &digest);
        ct_eq(&expected, &auth.signature)
    };
    let matched = match host_alternative {
        None => {
            sort_pairs(&mut headers);
            matches(&headers)
        }
        // Unsorted (each name once): the host entry stays where it is.
        Some((i, alt)) if !has_repeats(&headers) => {
            matches(&headers) || {
                headers[i].1 = alt;
                matches(&headers)
            }
        }
        Some((i, alt)) => {
            let mut without_port = headers.clone();
            without_port[i].1 = alt;
            sort_pairs(&mut headers);
            sort_pairs(&mut without_port);
            matches(&headers) || matches(&without_port)
        }
    };
    if !matched {
        return Err(VerifyError::SignatureMismatch);
    }

    // 4. Time: both windows must contain now (with skew).
    for w in [auth.sign_time, auth.key_time] {
        if now.saturating_add(policy.clock_skew) < w.start {
            return Err(VerifyError::NotYetValid {
                start: w.start,
                now,
            });
        }
        if now > w.end.saturating_add(policy.clock_skew) {
            return Err(VerifyError::Expired { end: w.end, now });
        }
    }

    // 5. Token: header, else query.
    let sent_token = req
        .header(SECURITY_TOKEN_HEADER)
        .or_else(|| req.param(SECURITY_TOKEN_HEADER));
    match (&creds.token, sent_token) {
        (None, None) => {}
        (Some(expected), Some(sent)) if ct_eq(expected.as_bytes(), sent.as_bytes()) => {}
        _ => return Err(VerifyError::TokenMismatch),
    }

    // 6. Coverage: what must be signed is signed (names compared in canonical form
    // without building it).
    let present = |n: &str| {
        req.headers
            .iter()
            .any(|(k, _)| k.as_ref().eq_ignore_ascii_case(n))
    };
    let strict: &[&str] = if policy.strict {
        &["content-type", "content-length"]
    } else {
        &[]
    };
    let required = ["pic-operations"]
        .iter()
        .chain(strict)
        .copied()
        .chain(policy.required_headers.iter().map(String::as_str));
    for n in required {
        if present(n) && !header_list.iter().any(|h| has_canonical_name(n, h)) {
            return Err(VerifyError::HeaderNotSigned(canonical_name(n)));
        }
    }
    for (k, _) in req.params {
        if presigned && (AUTH_QUERY_PARAMS.contains(&k.as_str()) || k == SECURITY_TOKEN_HEADER) {
            continue;
        }
        let must = policy.require_all_params_signed || is_processing_param(&canonical_name(k));
        if must && !param_list.iter().any(|p| has_canonical_name(k, p)) {
            return Err(VerifyError::ParamNotSigned(k.clone()));
        }
    }

    Ok(VerifiedIdentity {
        secret_id: creds.secret_id,
        token: creds.token,
        key_time: auth.key_time,
        signed_headers: owned_entries(auth.header_list),
        signed_params: owned_entries(auth.param_list),
        presigned,
    })
}
