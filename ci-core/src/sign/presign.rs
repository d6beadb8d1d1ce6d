//! Pre-signed URLs: the authorization travels in the query string.

use percent_encoding::utf8_percent_encode;

use super::encode::{encode_key_for_url, encode_query_component};
use super::{
    key_path, sign, Credentials, HeaderPolicy, KeyTime, SignableRequest, SECURITY_TOKEN_HEADER,
};
use crate::rule::{ProcessingRule, RuleError, RuleErrorKind};

/// Download-processing query parameters.
///
/// ```
/// use ci_core::sign::ProcessParam;
/// assert_eq!(ProcessParam::rule("imageMogr2/thumbnail/200x").to_params(),
///            vec![("imageMogr2/thumbnail/200x".to_string(), None)]);
/// assert_eq!(ProcessParam::style("small").to_params(), vec![("style/small".to_string(), None)]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessParam {
    /// A processing rule as a value-less query key: `?imageMogr2/thumbnail/200x`.
    Rule(String),
    /// A named style: `?style/NAME`.
    Style(String),
    /// `?ci-process=NAME&k=v...` (e.g. `AIPicMatting` with `center-layout=1`).
    CiProcess(String, Vec<(String, String)>),
}

impl ProcessParam {
    /// A processing rule.
    pub fn rule(rule: impl Into<String>) -> Self {
        ProcessParam::Rule(rule.into())
    }

    /// A named style.
    pub fn style(name: impl Into<String>) -> Self {
        ProcessParam::Style(name.into())
    }

    /// A `ci-process` with its arguments.
    pub fn ci_process(name: impl Into<String>, args: &[(&str, &str)]) -> Self {
        ProcessParam::CiProcess(
            name.into(),
            args.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// Checks the processing as a `Pic-Operations` rule is checked
    /// ([`ProcessingRule::parse`]): a malformed rule is refused with the offending token and
    /// its byte offset; a well-formed one this crate does not model passes (the service
    /// decides). Offsets are into the rule text: the rule itself, `style/NAME` for a
    /// style, and `ci-process=NAME&k=v...` (values percent-encoded) for a `ci-process`,
    /// whose names and values must also be free of control characters.
    ///
    /// ```
    /// use ci_core::sign::ProcessParam;
    /// assert!(ProcessParam::rule("imageMogr2/thumbnail/200x").check().is_ok());
    /// assert!(ProcessParam::rule("imageMogr2/newop/1").check().is_ok());
    /// let e = ProcessParam::rule("imageMogr2/rotate/400").check().unwrap_err();
    /// assert_eq!((e.offset, e.token.as_str()), (18, "400"));
    /// assert!(ProcessParam::style("bad name").check().is_err());
    /// assert!(ProcessParam::ci_process("AIPicMatting", &[("center-layout", "2")]).check().is_err());
    /// assert!(ProcessParam::ci_process("QRcode", &[("cover", "1")]).check().is_ok());
    /// ```
    pub fn check(&self) -> Result<(), RuleError> {
        let text = match self {
            ProcessParam::Rule(r) => r.clone(),
            ProcessParam::Style(s) => format!("style/{s}"),
            ProcessParam::CiProcess(name, args) => {
                let mut text = format!("ci-process={name}");
                for (k, v) in args {
                    for (field, offset) in [(k, text.len() + 1), (v, text.len() + 2 + k.len())] {
                        if let Some((i, c)) = field.char_indices().find(|(_, c)| c.is_control()) {
                            return Err(RuleError {
                                offset: offset + i,
                                token: c.to_string(),
                                kind: RuleErrorKind::ControlCharacter { code: u32::from(c) },
                            });
                        }
                    }
                    text.push('&');
                    text.push_str(k);
                    text.push('=');
                    text.extend(utf8_percent_encode(v, crate::rule::URL_ENCODE_SET));
                }
                text
            }
        };
        ProcessingRule::parse(&text).map(drop)
    }

    /// The query parameters, unencoded.
    pub fn to_params(&self) -> Vec<(String, Option<String>)> {
        match self {
            ProcessParam::Rule(r) => vec![(r.clone(), None)],
            ProcessParam::Style(s) => vec![(format!("style/{s}"), None)],
            ProcessParam::CiProcess(name, args) => {
                let mut v = vec![("ci-process".to_string(), Some(name.clone()))];
                v.extend(args.iter().map(|(k, val)| (k.clone(), Some(val.clone()))));
                v
            }
        }
    }
}

/// The authorization as a query string (no leading `?`):
/// `q-sign-algorithm=sha1&q-ak=..&q-sign-time=..&q-key-time=..&q-header-list=..&q-url-param-list=..&q-signature=..`
/// followed by `&x-cos-security-token=..` for temporary credentials.
///
/// `params` are the request's own query parameters (signed; the caller adds them to the
/// URL, or uses [`presigned_url`]); `headers` are the headers the URL's user will send
/// (typically just `Host`). Values are percent-encoded so that a server decoding the query
/// once sees the canonical lists (`%2f` inside a list arrives as `%2f`).
///
/// ```
/// use ci_core::sign::{presign, Credentials, HeaderPolicy, KeyTime};
/// let q = presign(&Credentials::new("AKID", "sk"), "GET", "a.jpg", &[],
///                 &[("Host".into(), "b-1250000000.cos.ap-guangzhou.myqcloud.com".into())],
///                 KeyTime::new(1, 2), &HeaderPolicy::Default);
/// assert!(q.starts_with("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature="));
/// ```
pub fn presign(
    creds: &Credentials,
    method: &str,
    key: &str,
    params: &[(String, Option<String>)],
    headers: &[(String, String)],
    key_time: KeyTime,
    policy: &HeaderPolicy,
) -> String {
    let req = SignableRequest {
        method: method.to_owned(),
        path: key_path(key),
        params: params.to_vec(),
        headers: headers.to_vec(),
    };
    // The token travels in the query, not as a header: sign without it.
    let unsigned_token = Credentials {
        token: None,
        ..creds.clone()
    };
    let auth = sign(&unsigned_token, &req, key_time, policy);
    let mut q = format!(
        "q-sign-algorithm={}&q-ak={}&q-sign-time={}&q-key-time={}&q-header-list={}&q-url-param-list={}&q-signature={}",
        auth.sign_algorithm,
        encode_query_component(&auth.access_key),
        auth.sign_time,
        auth.key_time,
        encode_query_component(&auth.header_list.join(";")),
        encode_query_component(&auth.param_list.join(";")),
        auth.signature
    );
    if let Some(t) = &creds.token {
        q.push('&');
        q.push_str(SECURITY_TOKEN_HEADER);
        q.push('=');
        q.push_str(&encode_query_component(t));
    }
    q
}

/// The path and query of a pre-signed URL for `key`: `/<encoded key>?<params>&<auth>`.
///
/// Parameters appear in the given order; a `None` value is written as a bare key
/// (`?imageMogr2/thumbnail/200x`), and the rule key is signed (lower-cased, encoded).
///
/// ```
/// use ci_core::sign::{presigned_url, Credentials, HeaderPolicy, KeyTime, ProcessParam};
/// let url = presigned_url(&Credentials::new("AKID", "sk"), "GET", "photos/cat 1.jpg",
///     &ProcessParam::rule("imageMogr2/thumbnail/200x").to_params(),
///     &[("Host".into(), "b-1250000000.cos.ap-guangzhou.myqcloud.com".into())],
///     KeyTime::new(1, 2), &HeaderPolicy::Default);
/// assert!(url.starts_with("/photos/cat%201.jpg?imageMogr2/thumbnail/200x&q-sign-algorithm=sha1&"));
/// assert!(url.contains("&q-url-param-list=imagemogr2%252fthumbnail%252f200x&"));
/// ```
pub fn presigned_url(
    creds: &Credentials,
    method: &str,
    key: &str,
    params: &[(String, Option<String>)],
    headers: &[(String, String)],
    key_time: KeyTime,
    policy: &HeaderPolicy,
) -> String {
    let key = key.strip_prefix('/').unwrap_or(key);
    let mut url = format!("/{}?", encode_key_for_url(key));
    for (k, v) in params {
        url.push_str(&encode_query_component(k));
        if let Some(v) = v {
            url.push('=');
            url.push_str(&encode_query_component(v));
        }
        url.push('&');
    }
    url.push_str(&presign(
        creds, method, key, params, headers, key_time, policy,
    ));
    url
}
