//! What a request asks, parsed: its query (listing parameters, a processing rule), its
//! headers (range, copy source, metadata, digests) and the v4 API's path. Pure functions:
//! they read the request and never the store.

use base64::Engine as _;
use ci_core::rule::ProcessingRule;
use ci_core::sign::decode_key;
use hyper::header::HeaderMap;
use hyper::Method;

use crate::address::{check_key, check_text, vhost_bucket};
use crate::error::ApiError;
use crate::store::{ListQuery, NewObject};

/// A request to a bucket or an object, addressed and authenticated.
pub(crate) struct Ctx {
    pub(crate) method: Method,
    pub(crate) bucket: String,
    /// Empty for the bucket itself.
    pub(crate) key: String,
    pub(crate) region: String,
    /// The decoded query; `None` for a key without `=`.
    pub(crate) params: Vec<(String, Option<String>)>,
    pub(crate) headers: HeaderMap,
}

impl Ctx {
    /// A query parameter's value (`""` for a key without `=`).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    /// Whether the query names `name` (`?uploads`, `?uploadId=...`).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.params.iter().any(|(k, _)| k == name)
    }

    /// A header's value, if it is text. Prefer a `HeaderName` constant for `name`: a
    /// `&str` is parsed (lower-cased into a scratch buffer) on every lookup.
    pub(crate) fn header(&self, name: impl hyper::header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `encoding-type=url`: keys in the answer are URL-encoded.
    pub(crate) fn url_encoded(&self) -> bool {
        self.param("encoding-type") == Some("url")
    }
}

/// `Content-Length`, if sent.
pub(crate) fn content_length(ctx: &Ctx) -> Result<Option<u64>, ApiError> {
    content_length_of(&ctx.headers)
}

/// `Content-Length` of `headers`, if sent.
pub(crate) fn content_length_of(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| ApiError::invalid_argument("Content-Length is not a number"))
        })
        .transpose()
}

/// Checks `Content-MD5`, if sent, against the MD5 of the body received.
pub(crate) fn check_content_md5(ctx: &Ctx, md5: &[u8; 16]) -> Result<(), ApiError> {
    if let Some(v) = ctx.header("content-md5") {
        let sent = base64::engine::general_purpose::STANDARD
            .decode(v.trim())
            .map_err(|_| ApiError::new(400, "InvalidDigest", "Content-MD5 is not base64"))?;
        if sent.as_slice() != md5 {
            return Err(ApiError::new(
                400,
                "BadDigest",
                "The Content-MD5 you specified did not match what we received.",
            ));
        }
    }
    Ok(())
}

/// Headers kept with an object.
pub(crate) fn new_object(headers: &HeaderMap) -> NewObject {
    const KEPT: &[&str] = &[
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-language",
        "expires",
    ];
    let content_type = headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let kept = headers
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("x-cos-meta-") || KEPT.contains(&k.as_str()))
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_owned(), v.to_owned()))
        })
        .collect();
    NewObject {
        content_type,
        headers: kept,
    }
}

/// Parses `Range: bytes=a-b` against `size`: `Ok(None)` for no range, the inclusive bounds
/// otherwise.
pub(crate) fn parse_range(value: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, ApiError> {
    let Some(v) = value else { return Ok(None) };
    let invalid = || {
        ApiError::new(
            416,
            "InvalidRange",
            "The requested range is not satisfiable",
        )
    };
    let spec = v.trim().strip_prefix("bytes=").ok_or_else(invalid)?;
    if spec.contains(',') {
        return Ok(None); // multiple ranges: answer the whole object, as HTTP allows
    }
    let (a, b) = spec.split_once('-').ok_or_else(invalid)?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().map_err(|_| invalid())?;
            if n == 0 || size == 0 {
                return Err(invalid());
            }
            (size.saturating_sub(n), size - 1)
        }
        (s, "") => (s.parse().map_err(|_| invalid())?, size.saturating_sub(1)),
        (s, e) => {
            let s: u64 = s.parse().map_err(|_| invalid())?;
            let e: u64 = e.parse().map_err(|_| invalid())?;
            if e < s {
                return Err(invalid());
            }
            (s, e.min(size.saturating_sub(1)))
        }
    };
    if start >= size {
        return Err(invalid());
    }
    Ok(Some((start, end)))
}

/// Bucket and key named by `x-cos-copy-source`:
/// `<bucket>.cos.<region>.myqcloud.com/<url-encoded key>[?versionId=..]`.
pub(crate) fn copy_source(value: &str) -> Result<(String, String), ApiError> {
    let bad = |why: &str| ApiError::invalid_argument(format!("x-cos-copy-source {value:?}: {why}"));
    let v = value.trim();
    let v = v
        .strip_prefix("http://")
        .or_else(|| v.strip_prefix("https://"))
        .unwrap_or(v);
    let v = v.split_once('?').map_or(v, |(path, _)| path);
    let (host, raw_key) = v
        .split_once('/')
        .ok_or_else(|| bad("expected <bucket>.cos.<region>.myqcloud.com/<key>"))?;
    let (bucket, _) = vhost_bucket(host).ok_or_else(|| bad("the host names no bucket"))?;
    let key = decode_key(raw_key).map_err(|e| bad(&e.to_string()))?;
    if key.is_empty() {
        return Err(bad("no object key"));
    }
    check_key(&key)?;
    Ok((bucket, key))
}

/// `x-cos-metadata-directive`: `true` for `Replaced` (metadata from this request),
/// `false` for `Copy` (the default: metadata of the source).
pub(crate) fn replaces_metadata(ctx: &Ctx) -> Result<bool, ApiError> {
    match ctx.header("x-cos-metadata-directive").map(str::trim) {
        None | Some("Copy") => Ok(false),
        Some("Replaced") => Ok(true),
        Some(other) => Err(ApiError::invalid_argument(format!(
            "x-cos-metadata-directive must be Copy or Replaced, not {other:?}"
        ))),
    }
}

/// `?partNumber=` of an upload, 1 to 10000.
pub(crate) fn part_number(ctx: &Ctx) -> Result<u32, ApiError> {
    ctx.param("partNumber")
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=10_000).contains(n))
        .ok_or_else(|| ApiError::invalid_argument("partNumber must be 1 to 10000"))
}

/// A `max-*` parameter: 1000 when absent or empty, else a number.
fn max_param(ctx: &Ctx, name: &str) -> Result<usize, ApiError> {
    match ctx.param(name) {
        Some(v) if !v.is_empty() => v
            .parse::<usize>()
            .map_err(|_| ApiError::invalid_argument(format!("{name} is not a number"))),
        _ => Ok(1000),
    }
}

/// GET Bucket (ListObjects): prefix, marker, delimiter, `max-keys` (at most 1000; 0
/// lists nothing).
pub(crate) fn object_list_query(ctx: &Ctx) -> Result<ListQuery, ApiError> {
    for name in ["prefix", "marker", "delimiter"] {
        check_text(name, ctx.param(name).unwrap_or(""))?;
    }
    Ok(ListQuery {
        prefix: ctx.param("prefix").unwrap_or("").to_owned(),
        marker: ctx.param("marker").unwrap_or("").to_owned(),
        delimiter: ctx
            .param("delimiter")
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        max_keys: max_param(ctx, "max-keys")?.min(1000),
    })
}

/// `GET /?uploads` (ListMultipartUploads).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UploadListQuery<'a> {
    pub(crate) prefix: &'a str,
    pub(crate) delimiter: Option<&'a str>,
    pub(crate) key_marker: &'a str,
    pub(crate) upload_id_marker: &'a str,
    /// 1 to 1000.
    pub(crate) max_uploads: usize,
}

/// Parses the query of `GET /?uploads`.
pub(crate) fn upload_list_query(ctx: &Ctx) -> Result<UploadListQuery<'_>, ApiError> {
    for name in ["prefix", "delimiter", "key-marker", "upload-id-marker"] {
        check_text(name, ctx.param(name).unwrap_or(""))?;
    }
    Ok(UploadListQuery {
        max_uploads: max_param(ctx, "max-uploads")?.clamp(1, 1000),
        prefix: ctx.param("prefix").unwrap_or(""),
        delimiter: ctx.param("delimiter").filter(|d| !d.is_empty()),
        key_marker: ctx.param("key-marker").unwrap_or(""),
        upload_id_marker: ctx.param("upload-id-marker").unwrap_or(""),
    })
}

/// `GET /<key>?uploadId` (ListParts): the parts after `part-number-marker` (default 0),
/// `max-parts` of them (1 to 1000, default 1000; a value that is no number counts as
/// absent).
pub(crate) fn part_list_query(ctx: &Ctx) -> (u32, usize) {
    let marker = ctx
        .param("part-number-marker")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let max = ctx
        .param("max-parts")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1000)
        .clamp(1, 1000);
    (marker, max)
}

const INFO_RULES: &[&str] = &["imageInfo", "imageAve", "exif"];
const RULE_PREFIXES: &[&str] = &["imageMogr2/", "imageView2/", "watermark/", "style/"];
const AI_PARAMS: &[&str] = &["center-layout", "padding-layout", "detect-url"];

/// A query key that is (part of) a processing rule.
pub(crate) fn is_rule_key(k: &str) -> bool {
    INFO_RULES.contains(&k) || RULE_PREFIXES.iter().any(|p| k.starts_with(p)) || k.contains('|')
}

/// Whether a download's query carries a processing rule (one that
/// [`rule_from_params`] then parses or refuses).
pub(crate) fn names_a_rule(params: &[(String, Option<String>)]) -> bool {
    params
        .iter()
        .any(|(k, _)| is_rule_key(k) || k == "ci-process")
}

/// The processing rule a download request carries in its query, if any: rule keys with or
/// without `=` (several are joined with `|`), or `ci-process=...` with its parameters.
pub(crate) fn rule_from_params(
    params: &[(String, Option<String>)],
) -> Result<Option<ProcessingRule>, ApiError> {
    let mut text = String::new();
    for (k, v) in params {
        if !is_rule_key(k) {
            continue;
        }
        if !text.is_empty() {
            text.push('|');
        }
        text.push_str(k);
        // A literal `=` inside the rule (Base64 padding) splits the pair: rejoin it.
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            text.push('=');
            text.push_str(v);
        }
    }
    if let Some(process) = params
        .iter()
        .find(|(k, _)| k == "ci-process")
        .map(|(_, v)| v.as_deref().unwrap_or(""))
    {
        if !text.is_empty() {
            text.push('|');
        }
        text.push_str("ci-process=");
        text.push_str(process);
        for (k, v) in params {
            if AI_PARAMS.contains(&k.as_str()) {
                text.push('&');
                text.push_str(k);
                text.push('=');
                text.push_str(&ci_core::sign::encode_component(v.as_deref().unwrap_or("")));
            }
        }
    }
    if text.is_empty() {
        return Ok(None);
    }
    ProcessingRule::parse(&text)
        .map(Some)
        .map_err(|e| ApiError::invalid_argument(e.to_string()))
}

/// The v4 API's path: `/files/v2/<appid>/<bucket name>/<file>`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct V4Path<'a> {
    pub(crate) appid: &'a str,
    pub(crate) name: &'a str,
    /// Decoded.
    pub(crate) file: String,
}

impl V4Path<'_> {
    /// `<name>-<appid>`.
    pub(crate) fn bucket(&self) -> String {
        format!("{}-{}", self.name, self.appid)
    }
}

/// Parses a v4 path.
pub(crate) fn v4_path(path: &str) -> Result<V4Path<'_>, ApiError> {
    let bad_path = || ApiError::invalid_argument("path must be /files/v2/<appid>/<bucket>/<file>");
    let rest = path.strip_prefix("/files/v2/").ok_or_else(bad_path)?;
    let mut it = rest.splitn(3, '/');
    let (appid, name, raw_file) = match (it.next(), it.next(), it.next()) {
        (Some(a), Some(b), Some(f)) if !a.is_empty() && !b.is_empty() && !f.is_empty() => (a, b, f),
        _ => return Err(bad_path()),
    };
    let file = decode_key(raw_file).map_err(|e| {
        ApiError::new(
            400,
            "InvalidURI",
            format!("cannot decode the file name: {e}"),
        )
    })?;
    check_key(&file)?;
    Ok(V4Path { appid, name, file })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(query: &[(&str, Option<&str>)], headers: &[(&'static str, &str)]) -> Ctx {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Ctx {
            method: Method::GET,
            bucket: "b-1250000000".into(),
            key: "k".into(),
            region: "ap-guangzhou".into(),
            params: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_owned)))
                .collect(),
            headers: map,
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10).unwrap(), None);
        assert_eq!(parse_range(Some("bytes=0-3"), 10).unwrap(), Some((0, 3)));
        assert_eq!(parse_range(Some("bytes=5-"), 10).unwrap(), Some((5, 9)));
        assert_eq!(parse_range(Some("bytes=-3"), 10).unwrap(), Some((7, 9)));
        assert_eq!(parse_range(Some("bytes=2-100"), 10).unwrap(), Some((2, 9)));
        assert!(parse_range(Some("bytes=10-"), 10).is_err());
        assert!(parse_range(Some("bytes=5-2"), 10).is_err());
    }

    #[test]
    fn copy_sources() {
        assert_eq!(
            copy_source("b-1250000000.cos.ap-guangzhou.myqcloud.com/a%2Fb.jpg?versionId=1")
                .unwrap(),
            ("b-1250000000".into(), "a/b.jpg".into())
        );
        assert_eq!(
            copy_source("http://b-1250000000.cos.r.myqcloud.com/k").unwrap(),
            ("b-1250000000".into(), "k".into())
        );
        let err = copy_source("b-1250000000.cos.r.myqcloud.com/").unwrap_err();
        assert_eq!(
            err.message,
            "x-cos-copy-source \"b-1250000000.cos.r.myqcloud.com/\": no object key"
        );
        assert!(copy_source("127.0.0.1/k").is_err());
        assert!(copy_source("no-slash").is_err());
    }

    #[test]
    fn listing_queries() {
        let c = ctx(
            &[
                ("prefix", Some("a/")),
                ("delimiter", Some("")),
                ("max-keys", Some("5000")),
            ],
            &[],
        );
        assert_eq!(
            object_list_query(&c).unwrap(),
            ListQuery {
                prefix: "a/".into(),
                marker: String::new(),
                delimiter: None,
                max_keys: 1000,
            }
        );
        let c = ctx(&[("max-keys", Some("x"))], &[]);
        assert_eq!(
            object_list_query(&c).unwrap_err().message,
            "max-keys is not a number"
        );
        let c = ctx(
            &[("max-uploads", Some("0")), ("key-marker", Some("k"))],
            &[],
        );
        let q = upload_list_query(&c).unwrap();
        assert_eq!(
            (q.max_uploads, q.key_marker, q.upload_id_marker),
            (1, "k", "")
        );
        let c = ctx(
            &[("part-number-marker", Some("3")), ("max-parts", Some("x"))],
            &[],
        );
        assert_eq!(part_list_query(&c), (3, 1000));
    }

    #[test]
    fn rules_in_the_query() {
        let q = |pairs: &[(&str, Option<&str>)]| -> Vec<(String, Option<String>)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_owned)))
                .collect()
        };
        let plain = q(&[("response-content-type", Some("text/plain"))]);
        assert!(!names_a_rule(&plain));
        assert_eq!(rule_from_params(&plain).unwrap(), None);
        let thumb = q(&[("imageMogr2/thumbnail/10x", None)]);
        assert!(names_a_rule(&thumb));
        assert_eq!(
            rule_from_params(&thumb).unwrap().unwrap().to_string(),
            "imageMogr2/thumbnail/10x"
        );
        let broken = q(&[("imageMogr2/rotate/400", None)]);
        assert!(names_a_rule(&broken));
        assert!(rule_from_params(&broken).is_err());
    }

    #[test]
    fn metadata_directive_and_part_number() {
        assert!(!replaces_metadata(&ctx(&[], &[])).unwrap());
        let c = ctx(&[], &[("x-cos-metadata-directive", "Replaced")]);
        assert!(replaces_metadata(&c).unwrap());
        let c = ctx(&[], &[("x-cos-metadata-directive", "copy")]);
        assert!(replaces_metadata(&c).is_err());
        assert_eq!(
            part_number(&ctx(&[("partNumber", Some("7"))], &[])).unwrap(),
            7
        );
        assert!(part_number(&ctx(&[("partNumber", Some("10001"))], &[])).is_err());
    }

    #[test]
    fn v4_paths() {
        let p = v4_path("/files/v2/1250000000/b/dir/a%20b.jpg").unwrap();
        assert_eq!(
            (p.appid, p.name, p.file.as_str()),
            ("1250000000", "b", "dir/a b.jpg")
        );
        assert_eq!(p.bucket(), "b-1250000000");
        assert_eq!(
            v4_path("/files/v2/1250000000/b").unwrap_err().code,
            "InvalidArgument"
        );
        assert_eq!(v4_path("/files/v2/1/b/%zz").unwrap_err().code, "InvalidURI");
    }
}
