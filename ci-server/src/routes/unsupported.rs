//! What this server does not implement, refused honestly: 501 `NotImplemented` with a
//! COS error XML naming the feature, never a 200, a stored object or a signature error.
//! Routed by method, path and query (never by the host's `cos`/`pic`/`ci` label, which
//! the SDKs do not keep when pointed at a local server: wire-ci.md §1.1).
//!
//! Implementing one of these is a new route module and one arm in the router; its entry
//! here goes.

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
    ("imageInspect", "abnormal image detection (?imageInspect)"),
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
    (
        "style",
        "image styles (?style; configure styles in the server's configuration)",
    ),
    ("symlink", "symbolic links (?symlink)"),
    ("tagging", "object and bucket tags (?tagging)"),
    ("torrent", "torrents (?torrent)"),
    ("versionId", "object versions (?versionId)"),
    ("versioning", "versioning (?versioning)"),
    ("versions", "object versions (?versions)"),
    ("vod", "video on demand (?vod)"),
    ("website", "static websites (?website)"),
];

/// Paths of the Cloud Infinite APIs (jobs, queues, templates, pic buckets, auditing...):
/// the SDKs send them to the bucket's host, so these first path segments are the CI API's
/// here, never object keys.
pub(crate) const CI_PATHS: &[(&str, &str)] = &[
    ("ai_bucket", "AI buckets (/ai_bucket)"),
    ("ai_queue", "AI queues (/ai_queue)"),
    ("asr_jobs", "speech recognition jobs (/asr_jobs)"),
    ("asrbucket", "speech recognition buckets (/asrbucket)"),
    ("asrqueue", "speech recognition queues (/asrqueue)"),
    ("audio", "audio auditing (/audio/auditing)"),
    ("auditing", "content auditing (/auditing)"),
    ("doc_jobs", "document jobs (/doc_jobs)"),
    ("docbucket", "document buckets (/docbucket)"),
    ("docqueue", "document queues (/docqueue)"),
    ("document", "document auditing (/document/auditing)"),
    ("file_jobs", "file processing jobs (/file_jobs)"),
    ("filebucket", "file processing buckets (/filebucket)"),
    ("image", "image auditing (/image/auditing)"),
    (
        "inventorytriggerjob",
        "batch (inventory-triggered) jobs (/inventorytriggerjob)",
    ),
    ("jobs", "media jobs (/jobs)"),
    ("live", "live auditing (/live/auditing)"),
    ("mediabucket", "media buckets (/mediabucket)"),
    ("mediaqueue", "media queues (/mediaqueue)"),
    ("pic_jobs", "asynchronous image jobs (/pic_jobs)"),
    ("picbucket", "pic buckets (/picbucket)"),
    ("picqueue", "pic queues (/picqueue)"),
    ("playKey", "play keys (/playKey)"),
    ("queue", "media queues (/queue)"),
    ("report", "bad-case reports (/report/badcase)"),
    ("template", "media templates (/template)"),
    ("text", "text auditing (/text/auditing)"),
    ("triggerworkflow", "workflow triggers (/triggerworkflow)"),
    ("video", "video auditing (/video/auditing)"),
    ("virus", "virus detection (/virus/detect)"),
    ("webpage", "web page auditing (/webpage/auditing)"),
    ("workflow", "workflows (/workflow)"),
    (
        "workflowexecution",
        "workflow executions (/workflowexecution)",
    ),
];

/// `ci-process` values the server runs (the local engine's).
pub(crate) const CI_PROCESSES: &[&str] = &["AIPicMatting"];

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
    "center-layout",
    "padding-layout",
    "detect-url",
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

/// The CI API a path (`/<segment>...`, decoded) belongs to, if any.
pub(crate) fn ci_path(path: &str) -> Option<ApiError> {
    let first = path.trim_start_matches('/').split('/').next()?;
    CI_PATHS
        .iter()
        .find(|(root, _)| *root == first)
        .map(|(_, feature)| not_implemented(feature))
}

/// The first query key that names a feature the server does not implement: a known
/// sub-resource, a `ci-process` the engine cannot run, or a key the server does not read
/// (which is not a processing rule: `is_rule` says).
pub(crate) fn query(
    params: &[(String, Option<String>)],
    is_rule: impl Fn(&str) -> bool,
) -> Option<ApiError> {
    for (key, value) in params {
        if let Some((_, feature)) = SUB_RESOURCES.iter().find(|(k, _)| k == key) {
            return Some(not_implemented(feature));
        }
        if key == "ci-process" {
            let process = value.as_deref().unwrap_or("");
            if !CI_PROCESSES.contains(&process) {
                return Some(not_implemented(&format!("ci-process={process}")));
            }
            continue;
        }
        let pre_signed = key.starts_with("q-");
        if !pre_signed && !KNOWN_PARAMS.contains(&key.as_str()) && !is_rule(key) {
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
        let e = query(&p(&[("ci-process", Some("QRcode"))]), none).expect("QRcode");
        assert!(e.message.contains("ci-process=QRcode"), "{}", e.message);
        assert!(query(&p(&[("ci-process", Some("AIPicMatting"))]), none).is_none());
        assert!(query(&p(&[("prefix", Some("a")), ("q-ak", Some("x"))]), none).is_none());
        assert!(query(&p(&[("imageSlim", None)]), none).is_some());
        assert!(query(&p(&[("imageMogr2/thumbnail/1x", None)]), |k| k
            .contains('/'))
        .is_none());
        assert!(ci_path("/picqueue/p123").is_some());
        assert!(ci_path("/pic_jobs").is_some());
        assert!(ci_path("/photos/pic_jobs").is_none());
    }
}
