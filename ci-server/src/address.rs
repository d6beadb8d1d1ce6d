//! COS addressing, both ways: which bucket, key and region a host and path (or a URL)
//! name, and the names the server writes back (`Location`, the owner of a listing).
//! Pure functions: no I/O, no state.

use std::net::SocketAddr;

use ci_core::result::Owner;
use ci_core::sign::{decode_key, DecodeError};

use crate::error::ApiError;

/// Where a request points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    /// The bucket; empty for the service (`GET /` on the service host).
    pub(crate) bucket: String,
    /// The object key, decoded; empty for the bucket itself.
    pub(crate) key: String,
    /// The host's region, else the server's.
    pub(crate) region: String,
    /// Where the bucket's name came from.
    pub(crate) source: BucketSource,
}

/// Where a request's bucket was named: what its signature must cover to be bound to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BucketSource {
    /// The `Host` (virtual host): the signature must cover `host`.
    Host,
    /// The path (`/<bucket>/<key>`): the signed path must name the bucket too.
    Path,
    /// The server's default bucket (a host naming no bucket): bound by configuration, as
    /// there is exactly one.
    Default,
}

impl Address {
    /// The path a signature must cover: `/<key>`, or with path style `/<bucket>/<key>`
    /// (a signature over `/<key>` alone would fit the same key in every bucket).
    pub(crate) fn signed_path(&self) -> String {
        match self.source {
            BucketSource::Path if !self.bucket.is_empty() => {
                ["/", &self.bucket, "/", &self.key].concat()
            }
            _ => ["/", &self.key].concat(),
        }
    }
}

/// Longest object key COS accepts, in bytes (UTF-8).
pub(crate) const MAX_KEY_BYTES: usize = 850;

/// A character no key may hold: C0 controls (NUL included), DEL, and U+FFFE / U+FFFF
/// (which XML 1.0 cannot carry, even escaped, so a listing holding one would be invalid).
fn forbidden_in_key(c: char) -> bool {
    c.is_ascii_control() || c == '\u{FFFE}' || c == '\u{FFFF}'
}

/// Checks an object key as COS does: at most [`MAX_KEY_BYTES`] bytes (400 `KeyTooLong`),
/// no control character (400 `InvalidURI`). Everything else is escaped where it is written.
pub(crate) fn check_key(key: &str) -> Result<(), ApiError> {
    if key.len() > MAX_KEY_BYTES {
        return Err(ApiError::new(
            400,
            "KeyTooLong",
            format!(
                "the object key is {} bytes long; at most {MAX_KEY_BYTES} are allowed",
                key.len()
            ),
        ));
    }
    check_text("the object key", key).map_err(|e| ApiError::new(400, "InvalidURI", e.message))
}

/// Refuses text that names keys (a key, a prefix, a marker) holding a control character.
pub(crate) fn check_text(what: &str, text: &str) -> Result<(), ApiError> {
    match text.chars().find(|&c| forbidden_in_key(c)) {
        Some(c) => Err(ApiError::invalid_argument(format!(
            "{what} contains the control character U+{:04X}, which object keys cannot hold",
            c as u32
        ))),
        None => Ok(()),
    }
}

/// 400 `InvalidURI` for a path or query that does not decode.
pub(crate) fn undecodable(e: DecodeError) -> ApiError {
    ApiError::new(400, "InvalidURI", format!("cannot decode the URI: {e}"))
}

/// Resolves a request's `Host` and raw (still encoded) path: a virtual host names the
/// bucket; else the server's default bucket, unless the host is the service endpoint;
/// else the path's first segment does (path style).
#[cfg(test)]
pub(crate) fn resolve(
    host: &str,
    raw_path: &str,
    region: &str,
    default_bucket: Option<&str>,
) -> Result<Address, ApiError> {
    resolve_with(host, vhost_parts(host), raw_path, region, default_bucket)
}

/// Resolves as `resolve` does, with the host's [`vhost_parts`] already found (the router
/// asks them once a request).
pub(crate) fn resolve_with(
    host: &str,
    vhost: Option<(&str, Option<&str>)>,
    raw_path: &str,
    region: &str,
    default_bucket: Option<&str>,
) -> Result<Address, ApiError> {
    let stripped = raw_path.strip_prefix('/').unwrap_or(raw_path);
    let (bucket, region, raw_key, source) = match (vhost, default_bucket) {
        (Some((b, r)), _) => (
            b.to_owned(),
            r.unwrap_or(region).to_owned(),
            stripped,
            BucketSource::Host,
        ),
        (None, Some(b)) if !is_service_host(host) => (
            b.to_owned(),
            region.to_owned(),
            stripped,
            BucketSource::Default,
        ),
        (None, _) => {
            let (b, k) = stripped.split_once('/').unwrap_or((stripped, ""));
            (
                decode_key(b).map_err(undecodable)?,
                region.to_owned(),
                k,
                BucketSource::Path,
            )
        }
    };
    let key = decode_key(raw_key).map_err(undecodable)?;
    check_key(&key)?;
    Ok(Address {
        bucket,
        key,
        region,
        source,
    })
}

/// Bucket and region from a virtual host name (`<bucket>.cos.<region>.myqcloud.com`, or
/// any host whose first label is a `BucketName-APPID`).
pub(crate) fn vhost_bucket(host: &str) -> Option<(String, Option<String>)> {
    vhost_parts(host).map(|(b, r)| (b.to_owned(), r.map(str::to_owned)))
}

/// [`vhost_bucket`] borrowed from `host` (no allocation: asked several times a request).
pub(crate) fn vhost_parts(host: &str) -> Option<(&str, Option<&str>)> {
    let host = match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    if host.starts_with('[') || host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let (first, rest) = host.split_once('.')?;
    if rest.is_empty() || ci_core::ops::check_bucket_name(first).is_err() {
        return None;
    }
    let region = rest
        .strip_prefix("cos.")
        .and_then(|r| r.split('.').next())
        .filter(|r| !r.is_empty());
    Some((first, region))
}

/// The service endpoint (`service.cos.myqcloud.com`, `cos.<region>.myqcloud.com`): GET
/// Service goes there, never to the default bucket.
fn is_service_host(host: &str) -> bool {
    let host = host.split(':').next().unwrap_or(host);
    host == "service.cos.myqcloud.com"
        || (host.starts_with("cos.") && host.ends_with(".myqcloud.com"))
}

/// `(bucket, key)` of a URL naming an object of this server (listening on `local`):
/// `http://<bucket>.cos.<region>.myqcloud.com/<key>`, or path style on the server's own
/// address (`http://127.0.0.1:<port>/<bucket>/<key>`).
pub(crate) fn object_of_url(url: &str, local: SocketAddr) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let path = path.split(['?', '#']).next().unwrap_or("");
    if let Some((bucket, _)) = vhost_bucket(host) {
        return Some((bucket, decode_key(path).ok()?));
    }
    let port = local.port().to_string();
    let (h, p) = host.rsplit_once(':')?;
    let local_host =
        matches!(h, "127.0.0.1" | "localhost" | "[::1]") || h == local.ip().to_string();
    if !local_host || p != port {
        return None;
    }
    let (bucket, key) = path.split_once('/')?;
    Some((decode_key(bucket).ok()?, decode_key(key).ok()?))
}

/// `<bucket>.cos.<region>.myqcloud.com/<key>`.
pub(crate) fn location(bucket: &str, region: &str, key: &str) -> String {
    // `concat`, not `format!`: one allocation of the exact size (every request).
    [bucket, ".cos.", region, ".myqcloud.com/", key].concat()
}

/// The account owner as listings name it: the bucket's APPID.
pub(crate) fn owner_of(bucket: &str) -> Owner {
    let appid = bucket.rsplit('-').next().unwrap_or("");
    Owner {
        id: appid.to_owned(),
        display_name: appid.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vhost() {
        assert_eq!(
            vhost_bucket("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"),
            Some((
                "examplebucket-1250000000".into(),
                Some("ap-guangzhou".into())
            ))
        );
        assert_eq!(
            vhost_bucket("b-1250000000.localhost:8080"),
            Some(("b-1250000000".into(), None))
        );
        assert_eq!(vhost_bucket("127.0.0.1:8080"), None);
        assert_eq!(vhost_bucket("cos.ap-guangzhou.myqcloud.com"), None);
        assert_eq!(vhost_bucket("localhost"), None);
    }

    fn addr(bucket: &str, key: &str, region: &str, source: BucketSource) -> Address {
        Address {
            bucket: bucket.into(),
            key: key.into(),
            region: region.into(),
            source,
        }
    }

    #[test]
    fn resolves_virtual_host_default_bucket_and_path_style() {
        let vhost = "b-1250000000.cos.ap-beijing.myqcloud.com";
        assert_eq!(
            resolve(vhost, "/a%20b/c.jpg", "ap-guangzhou", None).unwrap(),
            addr(
                "b-1250000000",
                "a b/c.jpg",
                "ap-beijing",
                BucketSource::Host
            )
        );
        assert_eq!(
            resolve(
                "127.0.0.1:9000",
                "/k.jpg",
                "ap-guangzhou",
                Some("d-1250000000")
            )
            .unwrap(),
            addr(
                "d-1250000000",
                "k.jpg",
                "ap-guangzhou",
                BucketSource::Default
            )
        );
        // The service host never means the default bucket.
        assert_eq!(
            resolve("service.cos.myqcloud.com", "/", "r", Some("d-1250000000")).unwrap(),
            addr("", "", "r", BucketSource::Path)
        );
        let path = resolve("127.0.0.1:9000", "/b-1250000000/x/y", "r", None).unwrap();
        assert_eq!(path, addr("b-1250000000", "x/y", "r", BucketSource::Path));
        assert_eq!(path.signed_path(), "/b-1250000000/x/y");
        let err = resolve("127.0.0.1:9000", "/b-1250000000/%zz", "r", None).unwrap_err();
        assert_eq!((err.status, err.code), (400, "InvalidURI"));
    }

    #[test]
    fn keys_as_cos_checks_them() {
        assert!(check_key(&"k".repeat(850)).is_ok());
        assert!(check_key("中文/图片 1.jpg").is_ok());
        assert_eq!(check_key(&"k".repeat(851)).unwrap_err().code, "KeyTooLong");
        for bad in ["a\0b", "a\nb", "\u{7f}", "x\u{FFFF}"] {
            assert_eq!(check_key(bad).unwrap_err().code, "InvalidURI", "{bad:?}");
        }
        let err = resolve("b-1250000000.cos.r.myqcloud.com", "/a%00b", "r", None).unwrap_err();
        assert_eq!((err.status, err.code), (400, "InvalidURI"));
    }

    #[test]
    fn urls_of_this_server() {
        let local: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        assert_eq!(
            object_of_url(
                "http://b-1250000000.cos.r.myqcloud.com/m%20k.png?x#y",
                local
            ),
            Some(("b-1250000000".into(), "m k.png".into()))
        );
        assert_eq!(
            object_of_url("http://localhost:9000/b-1250000000/m.png", local),
            Some(("b-1250000000".into(), "m.png".into()))
        );
        assert_eq!(
            object_of_url("http://localhost:9001/b-1250000000/m.png", local),
            None
        );
        assert_eq!(
            object_of_url("ftp://b-1250000000.cos.r.myqcloud.com/m", local),
            None
        );
    }
}
