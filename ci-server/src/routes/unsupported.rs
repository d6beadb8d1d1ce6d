//! What this server does not implement, refused honestly: 501 `NotImplemented` with a
//! COS error XML naming the feature, never a 200, a stored object or a signature error.
//!
//! Sub-resources and `ci-process` values are refused by query. The CI API's paths
//! (`/jobs`, `/pic_jobs/<id>`, `/template`, ...) share the bucket's host with its objects
//! when an SDK is pointed at a local server (the SDKs then keep no `ci`/`pic` label in the
//! host: wire-ci.md §1.1), so a path is the CI API's ([`ci_call`]) only:
//! - on a host labelled `ci` or `pic` (`<bucket>.ci.<region>.myqcloud.com`,
//!   `ci.<region>.myqcloud.com`), or a host that names no bucket (an IP address,
//!   `localhost`, the service host): any path under a CI root;
//! - on a bucket's own host (`.cos.`, or any host naming a bucket), and for the key of a
//!   path-style request: only in the API's exact shape: the bare root (`/jobs`,
//!   `/image/auditing`) with POST or DELETE, or GET with a query of the API's; or
//!   `<root>/<id>[,<id>...]` where each id is a CI id (one or two lower-case letters and
//!   32 or 33 hex digits: `c0123...`, `p2242...`, `t1f16...`, `si1e2a...`).
//!
//! Everything else there is an object: `PUT /jobs/photo.jpg` stores `jobs/photo.jpg`, as
//! the cloud's `.cos.` host does.
//!
//! Implementing one of these is a new route module and one arm in the router; its entry
//! here goes.

use hyper::Method;

use crate::error::ApiError;

/// Sub-resources (query keys) of buckets and objects, with the feature they name.
pub(crate) const SUB_RESOURCES: &[(&str, &str)] = &[
    ("accelerate", "global acceleration (?accelerate)"),
    ("acl", "access control lists (?acl)"),
    ("append", "appendable objects (?append)"),
    ("cors", "cross-origin resource sharing rules (?cors)"),
    ("delete", "multi-object delete (POST ?delete)"),
    ("domain", "custom domains (?domain)"),
    (
        "domaincertificate",
        "custom domain certificates (?domaincertificate)",
    ),
    ("encryption", "bucket encryption (?encryption)"),
    ("guetzli", "Guetzli compression (?guetzli)"),
    (
        "intelligenttiering",
        "intelligent tiering (?intelligenttiering)",
    ),
    ("inventory", "inventories (?inventory)"),
    ("legal-hold", "object legal holds (?legal-hold)"),
    ("lifecycle", "lifecycle rules (?lifecycle)"),
    ("live", "live channels (?live)"),
    ("location", "bucket location (?location)"),
    ("logging", "access logging (?logging)"),
    ("notification", "event notifications (?notification)"),
    ("object-lock", "object lock (?object-lock)"),
    ("origin", "origin-pull rules (?origin)"),
    ("policy", "bucket policies (?policy)"),
    ("referer", "hotlink protection (?referer)"),
    ("rename", "object rename (?rename)"),
    ("replication", "cross-bucket replication (?replication)"),
    ("requestPayment", "requester pays (?requestPayment)"),
    ("response-control", "response control (?response-control)"),
    ("restore", "archive restore (?restore)"),
    ("retention", "object retention (?retention)"),
    ("select", "COS Select (?select)"),
    ("symlink", "symbolic links (?symlink)"),
    ("tagging", "object and bucket tags (?tagging)"),
    ("torrent", "torrents (?torrent)"),
    ("versionId", "object versions (?versionId)"),
    ("versioning", "versioning (?versioning)"),
    ("versions", "object versions (?versions)"),
    ("vod", "video on demand (?vod)"),
    ("website", "static websites (?website)"),
];

/// One root of the Cloud Infinite APIs (jobs, queues, templates, pic buckets,
/// auditing...).
pub(crate) struct CiRoot {
    /// The first path segment.
    pub(crate) root: &'static str,
    /// The fixed second segment of roots that have one (`image/auditing`).
    pub(crate) sub: Option<&'static str>,
    /// The feature, as the refusal names it.
    pub(crate) feature: &'static str,
}

pub(crate) const fn root(root: &'static str, feature: &'static str) -> CiRoot {
    CiRoot {
        root,
        sub: None,
        feature,
    }
}

const fn rooted(root: &'static str, sub: &'static str, feature: &'static str) -> CiRoot {
    CiRoot {
        root,
        sub: Some(sub),
        feature,
    }
}

/// The roots of the CI APIs this server does not build (the pic job API's,
/// `/picbucket`, `/picqueue`, `/pic_jobs`, are built: [`super::jobs`]).
pub(crate) const CI_ROOTS: &[CiRoot] = &[
    root("ai_bucket", "AI buckets (/ai_bucket)"),
    root("ai_queue", "AI queues (/ai_queue)"),
    root("asr_jobs", "speech recognition jobs (/asr_jobs)"),
    root("asrbucket", "speech recognition buckets (/asrbucket)"),
    root("asrqueue", "speech recognition queues (/asrqueue)"),
    rooted("audio", "auditing", "audio auditing (/audio/auditing)"),
    root("auditing", "content auditing (/auditing)"),
    root("doc_jobs", "document jobs (/doc_jobs)"),
    root("docbucket", "document buckets (/docbucket)"),
    root("docqueue", "document queues (/docqueue)"),
    rooted(
        "document",
        "auditing",
        "document auditing (/document/auditing)",
    ),
    root("file_jobs", "file processing jobs (/file_jobs)"),
    root("filebucket", "file processing buckets (/filebucket)"),
    rooted("image", "auditing", "image auditing (/image/auditing)"),
    root(
        "ImageSearchBucket",
        "image search buckets (/ImageSearchBucket)",
    ),
    root(
        "inventorytriggerjob",
        "batch (inventory-triggered) jobs (/inventorytriggerjob)",
    ),
    root("jobs", "media jobs (/jobs)"),
    rooted("live", "auditing", "live auditing (/live/auditing)"),
    root("mediabucket", "media buckets (/mediabucket)"),
    root("mediaqueue", "media queues (/mediaqueue)"),
    root("playKey", "play keys (/playKey)"),
    root("queue", "media queues (/queue)"),
    rooted("report", "badcase", "bad-case reports (/report/badcase)"),
    root("template", "media templates (/template)"),
    rooted("text", "auditing", "text auditing (/text/auditing)"),
    root("triggerworkflow", "workflow triggers (/triggerworkflow)"),
    rooted("video", "auditing", "video auditing (/video/auditing)"),
    rooted(
        "video",
        "cancel_auditing",
        "live video auditing cancellation (/video/cancel_auditing)",
    ),
    rooted("virus", "detect", "virus detection (/virus/detect)"),
    rooted(
        "webpage",
        "auditing",
        "web page auditing (/webpage/auditing)",
    ),
    root("workflow", "workflows (/workflow)"),
    root(
        "workflowexecution",
        "workflow executions (/workflowexecution)",
    ),
];

/// `ci-process` values the server runs, with the query parameters each reads.
pub(crate) const CI_PROCESSES: &[(&str, &[&str])] = &[
    (
        "AIPicMatting",
        &["center-layout", "padding-layout", "detect-url"],
    ),
    ("QRcode", &["cover", "bar-type"]),
    ("qrcode-generate", &["qrcode-content", "width", "mode"]),
    ("ImageInspect", &[]),
];

/// Query keys the server reads; any other names a feature it does not implement.
const KNOWN_PARAMS: &[&str] = &[
    "prefix",
    "marker",
    "delimiter",
    "max-keys",
    "encoding-type",
    "uploads",
    "uploadId",
    "partNumber",
    "key-marker",
    "upload-id-marker",
    "max-uploads",
    "part-number-marker",
    "max-parts",
    "image_process",
    "ci-process",
    "style",
    "imageInspect",
    "response-content-type",
    "response-content-language",
    "response-expires",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "x-cos-security-token",
];

fn not_implemented(feature: &str) -> ApiError {
    ApiError::new(
        501,
        "NotImplemented",
        format!("{feature} is not implemented by this local COS + CI server"),
    )
}

/// How a request's host relates to the CI API (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostKind {
    /// Labelled `ci` or `pic`: the CI API's own host.
    CiLabel,
    /// A bucket's host (`<bucket>.cos.<region>...`, or any host naming a bucket), or the
    /// key of a path-style request.
    Bucket,
    /// A host that names no bucket (an IP address, `localhost`, the service host).
    NoBucket,
}

/// The kind of `host` (a `Host` header, with or without its port): a host naming a
/// bucket is the CI API's when its next label is `ci` or `pic`.
#[cfg(test)]
pub(crate) fn host_kind(host: &str) -> HostKind {
    host_kind_with(host, crate::address::vhost_parts(host))
}

/// The kind of `host` with its [`vhost_parts`](crate::address::vhost_parts) already found
/// (the router asks them once a request).
pub(crate) fn host_kind_with(host: &str, vhost: Option<(&str, Option<&str>)>) -> HostKind {
    if vhost.is_none() {
        return HostKind::NoBucket;
    }
    match host.split('.').nth(1) {
        Some("ci" | "pic") => HostKind::CiLabel,
        _ => HostKind::Bucket,
    }
}

/// A CI id: one or two lower-case letters, then 32 or 33 hex digits.
fn is_ci_id(id: &str) -> bool {
    (1..=2).any(|letters| {
        id.len() >= letters
            && (32..=33).contains(&(id.len() - letters))
            && id.as_bytes()[..letters].iter().all(u8::is_ascii_lowercase)
            && id.as_bytes()[letters..].iter().all(u8::is_ascii_hexdigit)
    })
}

/// The CI API a request belongs to, if any (see the module docs): `path` is the decoded
/// path (or the key of a path-style request, with a leading `/`).
pub(crate) fn ci_call(
    kind: HostKind,
    method: &Method,
    path: &str,
    params: &[(String, Option<String>)],
) -> Option<ApiError> {
    api_root(CI_ROOTS, kind, method, path, params).map(|entry| not_implemented(entry.feature))
}

/// The root of `roots` whose API a request calls, if any (the rules of the module docs):
/// `path` is the decoded path (or the key of a path-style request, with a leading `/`).
pub(crate) fn api_root<'r>(
    roots: &'r [CiRoot],
    kind: HostKind,
    method: &Method,
    path: &str,
    params: &[(String, Option<String>)],
) -> Option<&'r CiRoot> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let mut segments = path.split('/');
    let first = segments.next()?;
    let rest: Vec<&str> = segments.collect();
    // Roots may share a first segment (`video/auditing`, `video/cancel_auditing`): the
    // entry whose second segment matches, else (off a bucket's host) the first one.
    let mut candidates = roots.iter().filter(|r| r.root == first).peekable();
    let fallback = *candidates.peek()?;
    let matched = candidates.find_map(|entry| {
        let tail = match entry.sub {
            Some(sub) => match rest.split_first() {
                Some((s, tail)) if *s == sub => tail,
                _ => return None,
            },
            None => &rest[..],
        };
        Some((entry, tail))
    });
    if kind != HostKind::Bucket {
        return Some(matched.map_or(fallback, |(entry, _)| entry));
    }
    let (entry, tail) = matched?;
    match tail {
        [] => {
            // An object GET carries no query but its signature and `response-*`.
            let api_query = params.iter().any(|(k, _)| {
                !k.starts_with("q-") && !k.starts_with("response-") && k != "x-cos-security-token"
            });
            let api = *method == Method::POST
                || *method == Method::DELETE
                || (*method == Method::GET && api_query);
            api.then_some(entry)
        }
        [ids] if ids.split(',').all(is_ci_id) => Some(entry),
        _ => None,
    }
}

/// The first query key that names a feature the server does not implement: a known
/// sub-resource, a `ci-process` the engine cannot run, or a key the server does not read
/// (which is not a processing rule: `is_rule` says; a `ci-process`'s own parameters are
/// read with it).
pub(crate) fn query(
    params: &[(String, Option<String>)],
    is_rule: impl Fn(&str) -> bool,
) -> Option<ApiError> {
    let mut process_params: &[&str] = &[];
    for (key, value) in params {
        if key == "ci-process" {
            let process = value.as_deref().unwrap_or("");
            match CI_PROCESSES.iter().find(|(name, _)| *name == process) {
                Some((_, read)) => process_params = read,
                None => return Some(not_implemented(&format!("ci-process={process}"))),
            }
        }
    }
    for (key, _) in params {
        if let Some((_, feature)) = SUB_RESOURCES.iter().find(|(k, _)| k == key) {
            return Some(not_implemented(feature));
        }
        let known = key == "ci-process"
            || key.starts_with("q-")
            || KNOWN_PARAMS.contains(&key.as_str())
            || process_params.contains(&key.as_str())
            || is_rule(key);
        if !known {
            return Some(not_implemented(&format!("the query parameter {key:?}")));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_owned)))
            .collect()
    }

    #[test]
    fn refusals_name_the_feature() {
        let none = |_: &str| false;
        let e = query(&p(&[("acl", Some(""))]), none).expect("acl");
        assert_eq!((e.status, e.code), (501, "NotImplemented"));
        assert!(e.message.contains("?acl"));
        let e = query(&p(&[("ci-process", Some("DetectCar"))]), none).expect("DetectCar");
        assert!(e.message.contains("ci-process=DetectCar"), "{}", e.message);
        assert!(query(&p(&[("ci-process", Some("AIPicMatting"))]), none).is_none());
        let qr = p(&[("ci-process", Some("QRcode")), ("cover", Some("1"))]);
        assert!(query(&qr, none).is_none());
        // A process's parameters are read with it only.
        assert!(query(&p(&[("cover", Some("1"))]), none).is_some());
        let e = query(
            &p(&[("ci-process", Some("QRcode")), ("width", Some("1"))]),
            none,
        )
        .expect("width is qrcode-generate's");
        assert!(e.message.contains("\"width\""), "{}", e.message);
        assert!(query(&p(&[("prefix", Some("a")), ("q-ak", Some("x"))]), none).is_none());
        assert!(query(&p(&[("imageSlim", None)]), none).is_some());
        assert!(query(&p(&[("imageMogr2/thumbnail/1x", None)]), |k| k
            .contains('/'))
        .is_none());
    }

    #[test]
    fn roots_sharing_a_first_segment_name_their_own_feature() {
        use HostKind::{Bucket, CiLabel};
        let none = p(&[]);
        let cancel = "/video/cancel_auditing/av0123456789abcdef0123456789abcdef";
        for kind in [Bucket, CiLabel] {
            let entry = api_root(CI_ROOTS, kind, &Method::POST, cancel, &none).expect(cancel);
            assert_eq!(entry.sub, Some("cancel_auditing"));
            let entry = api_root(CI_ROOTS, kind, &Method::POST, "/video/auditing", &none)
                .expect("video auditing");
            assert_eq!(entry.sub, Some("auditing"));
        }
        // Off a bucket's host any path under the root is the API's.
        let entry = api_root(CI_ROOTS, CiLabel, &Method::GET, "/video/other", &none)
            .expect("a video path on the CI host");
        assert_eq!(entry.root, "video");
        // On a bucket's host a path of no API's shape stays an object.
        assert!(api_root(CI_ROOTS, Bucket, &Method::PUT, "/video/clip.mp4", &none).is_none());
        let search = api_root(CI_ROOTS, Bucket, &Method::POST, "/ImageSearchBucket", &none)
            .expect("ImageSearchBucket");
        assert!(search.feature.contains("image search"));
    }

    #[test]
    fn ci_paths_by_host_and_shape() {
        use HostKind::{Bucket, CiLabel, NoBucket};
        let none = p(&[]);
        let listing = p(&[("queueIds", Some("")), ("state", Some("All"))]);
        let id = "c0123456789abcdef0123456789abcdef";
        let is_ci = |kind, method: Method, path: &str, params: &[(String, Option<String>)]| {
            ci_call(kind, &method, path, params).is_some()
        };
        // The API's shape, on any host.
        for kind in [Bucket, CiLabel, NoBucket] {
            assert!(is_ci(kind, Method::GET, &format!("/doc_jobs/{id}"), &none));
            assert!(is_ci(
                kind,
                Method::GET,
                &format!("/doc_jobs/{id},{id}"),
                &none
            ));
            assert!(is_ci(kind, Method::POST, "/doc_jobs", &none));
            assert!(is_ci(kind, Method::GET, "/docqueue", &listing));
            assert!(is_ci(kind, Method::POST, "/image/auditing", &none));
            assert!(is_ci(
                kind,
                Method::PUT,
                "/template/t1f16e1dfbdc994105b31292d45710642a",
                &none
            ));
            assert!(is_ci(
                kind,
                Method::GET,
                "/video/auditing/sv1e2a8b4bbd2b11ec9f4c525400f0a0b5",
                &none
            ));
        }
        // Objects on a bucket's host; the CI API on its own host or one naming no bucket.
        for (method, path, params) in [
            (Method::PUT, "/jobs/photo.jpg", &none),
            (Method::GET, "/template/a.png", &none),
            (Method::PUT, "/jobs", &none),
            (
                Method::GET,
                "/jobs",
                &p(&[("q-sign-algorithm", Some("sha1"))]),
            ),
            (Method::GET, "/docqueue/p0123", &none),
            (Method::GET, "/image/cat.jpg", &none),
            (Method::POST, "/image", &none),
            (Method::DELETE, "/jobs/a/b", &none),
        ] {
            assert!(
                !is_ci(Bucket, method.clone(), path, params),
                "{method} {path}"
            );
            assert!(
                is_ci(CiLabel, method.clone(), path, params),
                "{method} {path}"
            );
            assert!(
                is_ci(NoBucket, method.clone(), path, params),
                "{method} {path}"
            );
        }
        assert!(!is_ci(NoBucket, Method::GET, "/photos/doc_jobs", &none));
        assert!(!is_ci(
            Bucket,
            Method::GET,
            &format!("/doc_jobs/{id}x"),
            &none
        ));
        assert!(!is_ci(
            Bucket,
            Method::GET,
            "/doc_jobs/C0123456789ABCDEF0123456789ABCDEF",
            &none
        ));
    }

    #[test]
    fn host_kinds() {
        assert_eq!(
            host_kind("b-1250000000.cos.ap-guangzhou.myqcloud.com"),
            HostKind::Bucket
        );
        assert_eq!(
            host_kind("b-1250000000.ci.ap-guangzhou.myqcloud.com"),
            HostKind::CiLabel
        );
        assert_eq!(
            host_kind("b-1250000000.pic.ap-guangzhou.myqcloud.com:8080"),
            HostKind::CiLabel
        );
        assert_eq!(
            host_kind("ci.ap-guangzhou.myqcloud.com"),
            HostKind::NoBucket
        );
        assert_eq!(host_kind("b-1250000000.localhost:9000"), HostKind::Bucket);
        assert_eq!(host_kind("127.0.0.1:9000"), HostKind::NoBucket);
        assert_eq!(host_kind("ci.example.com"), HostKind::NoBucket);
        assert_eq!(host_kind("service.cos.myqcloud.com"), HostKind::NoBucket);
    }
}
