//! Asynchronous image jobs (wire-ci.md §B), on the [`ci_jobs`] engine:
//!
//! | call | route |
//! |---|---|
//! | open pic bucket | `POST /picbucket` |
//! | describe pic buckets | `GET /picbucket` (no bucket needed) |
//! | close pic bucket | `DELETE /picbucket` |
//! | describe pic queues | `GET /picqueue` |
//! | update pic queue | `PUT /picqueue/<QueueId>` |
//! | create pic job | `POST /pic_jobs` |
//! | describe pic jobs | `GET /pic_jobs/<id>[,<id>...]` |
//! | list pic jobs | `GET /pic_jobs?tag=PicProcess&...` |
//!
//! A path is this API's by the rules of [`super::unsupported`]: any path under these roots
//! on the CI host (`<bucket>.ci.<region>.myqcloud.com`) or a host naming no bucket; on a
//! bucket's own host (the SDKs' with `IP=`), and after the bucket of a path-style request,
//! only the API's exact shape. The bucket is the host's, else the server's default bucket,
//! else the path's first segment (path style); `GET /picbucket` needs none.
//!
//! Answers are the cloud's documents with the request's id as `RequestId`; errors are COS
//! error XML with the engine's codes ([`ci_jobs::JobsError::code`]).

use std::sync::Arc;

use ci_core::result::{
    ClosePicBucketResponse, CreatePicJobsRequest, CreatePicJobsResponse, OpenPicBucketResponse,
    UpdatePicQueueRequest, UpdatePicQueueResponse,
};
use ci_core::rule::ProcessingRule;
use ci_jobs::{BucketQuery, Engine, JobQuery, JobsError, QueueQuery};
use hyper::body::Incoming;
use hyper::{Method, Response};
use md5::Digest as _;

use super::unsupported::{api_root, root, CiRoot, HostKind};
use crate::address::{check_key, Address, BucketSource};
use crate::body::read_small_body;
use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::http::{blocking, xml_response, Body};
use crate::job_runner::rule_text;
use crate::request::{check_content_md5, content_length, Ctx};
use crate::state::State;

/// The roots of the pic job API.
const JOB_ROOTS: &[CiRoot] = &[
    root("picbucket", "pic buckets (/picbucket)"),
    root("picqueue", "pic queues (/picqueue)"),
    root("pic_jobs", "asynchronous image jobs (/pic_jobs)"),
];

/// Largest request document (a create-job or update-queue body), bytes.
const MAX_JOB_DOCUMENT: u64 = 64 * 1024;

/// The address of a pic job API call, if the request is one: `decoded_path` is the
/// request's decoded path. The key of the address is the API path (`pic_jobs/<id>`).
#[cfg(test)]
pub(crate) fn recognise(
    host: &str,
    config: &ServerConfig,
    method: &Method,
    decoded_path: &str,
    params: &[(String, Option<String>)],
) -> Option<Address> {
    let vhost = crate::address::vhost_parts(host);
    let kind = super::unsupported::host_kind_with(host, vhost);
    recognise_with(host, vhost, kind, config, method, decoded_path, params)
}

/// Recognises as `recognise` does, with the host's
/// [`vhost_parts`](crate::address::vhost_parts) and kind already found (the router asks
/// them once a request).
pub(crate) fn recognise_with(
    host: &str,
    vhost: Option<(&str, Option<&str>)>,
    kind: HostKind,
    config: &ServerConfig,
    method: &Method,
    decoded_path: &str,
    params: &[(String, Option<String>)],
) -> Option<Address> {
    let key = decoded_path.strip_prefix('/').unwrap_or(decoded_path);
    if api_root(JOB_ROOTS, kind, method, decoded_path, params).is_some() {
        let (bucket, source) = match (vhost, &config.default_bucket) {
            (Some((b, _)), _) => (b.to_owned(), BucketSource::Host),
            (None, Some(b)) => (b.clone(), BucketSource::Default),
            // Nothing names a bucket: only the bucket listing can be served.
            (None, None) => (String::new(), BucketSource::Path),
        };
        return Some(Address {
            bucket,
            key: key.to_owned(),
            region: region_of_host(host).unwrap_or_else(|| config.region.clone()),
            source,
        });
    }
    // Path style: `/<bucket>/pic_jobs...` on a host naming no bucket.
    if kind != HostKind::NoBucket || config.default_bucket.is_some() {
        return None;
    }
    let (bucket, rest) = key.split_once('/')?;
    if ci_core::ops::check_bucket_name(bucket).is_err() {
        return None;
    }
    api_root(
        JOB_ROOTS,
        HostKind::Bucket,
        method,
        &format!("/{rest}"),
        params,
    )?;
    Some(Address {
        bucket: bucket.to_owned(),
        key: rest.to_owned(),
        region: config.region.clone(),
        source: BucketSource::Path,
    })
}

/// The region of `<bucket>.<cos|ci|pic>.<region>.myqcloud.com`.
fn region_of_host(host: &str) -> Option<String> {
    let host = host.split(':').next().unwrap_or(host);
    let mut labels = host.split('.');
    labels.next()?;
    match labels.next()? {
        "cos" | "ci" | "pic" => {}
        _ => return None,
    }
    let region = labels.next()?;
    (!region.is_empty() && host.ends_with(".myqcloud.com")).then(|| region.to_owned())
}

/// The engine's refusal as the COS error it names.
fn api_error(e: JobsError) -> ApiError {
    if e.http_status() >= 500 {
        tracing::error!(error = %e, "pic job engine");
    }
    ApiError::new(e.http_status(), e.code(), e.to_string())
}

fn needs_bucket(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.bucket.is_empty() {
        return Err(ApiError::invalid_argument(
            "the request names no bucket: send it to <bucket>.ci.<region>.myqcloud.com, or \
             give the server a default bucket (cos-ci serve --bucket)",
        ));
    }
    Ok(())
}

/// Runs `call` on the engine on a blocking thread.
async fn on_engine<T: Send + 'static>(
    state: &Arc<State>,
    call: impl FnOnce(&Engine) -> Result<T, JobsError> + Send + 'static,
) -> Result<T, ApiError> {
    let engine = state.jobs.engine()?;
    blocking(move || call(&engine).map_err(api_error)).await
}

/// The query as `(key, value)` pairs, a key without a value as empty.
fn pairs(ctx: &Ctx) -> Vec<(&str, &str)> {
    ctx.params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref().unwrap_or("")))
        .collect()
}

/// Serves one call of the API (`ctx.key` is its path).
pub(crate) async fn handle(
    state: &Arc<State>,
    ctx: Ctx,
    body: Incoming,
    rid: &str,
) -> Result<Response<Body>, ApiError> {
    let segments: Vec<&str> = ctx.key.split('/').collect();
    let rid = rid.to_owned();
    match (&ctx.method, segments.as_slice()) {
        (&Method::POST, ["picbucket"]) => {
            needs_bucket(&ctx)?;
            let (bucket, region) = (ctx.bucket.clone(), ctx.region.clone());
            let pic_bucket = on_engine(state, move |e| e.open_pic_bucket(&bucket, &region)).await?;
            let answer = OpenPicBucketResponse {
                request_id: rid,
                pic_bucket,
            };
            Ok(xml_response(answer.to_xml()))
        }
        (&Method::GET, ["picbucket"]) => {
            let query = BucketQuery::from_query_pairs(pairs(&ctx)).map_err(api_error)?;
            let mut answer = on_engine(state, move |e| e.describe_pic_buckets(&query)).await?;
            answer.request_id = rid;
            Ok(xml_response(answer.to_xml()))
        }
        (&Method::DELETE, ["picbucket"]) => {
            needs_bucket(&ctx)?;
            let bucket = ctx.bucket.clone();
            on_engine(state, move |e| e.close_pic_bucket(&bucket)).await?;
            let answer = ClosePicBucketResponse {
                request_id: rid,
                bucket_name: ctx.bucket.clone(),
            };
            Ok(xml_response(answer.to_xml()))
        }
        (&Method::GET, ["picqueue"]) => {
            needs_bucket(&ctx)?;
            let query = QueueQuery::from_query_pairs(pairs(&ctx)).map_err(api_error)?;
            let bucket = ctx.bucket.clone();
            let mut answer = on_engine(state, move |e| e.describe_queues(&bucket, &query)).await?;
            answer.request_id = rid;
            Ok(xml_response(answer.to_xml()))
        }
        (&Method::PUT, ["picqueue", queue_id]) => {
            needs_bucket(&ctx)?;
            let queue_id = (*queue_id).to_owned();
            let text = read_document(state, &ctx, body).await?;
            let update = UpdatePicQueueRequest::from_xml(&text).map_err(malformed)?;
            let bucket = ctx.bucket.clone();
            let queue =
                on_engine(state, move |e| e.update_queue(&bucket, &queue_id, &update)).await?;
            let answer = UpdatePicQueueResponse {
                request_id: rid,
                queue,
            };
            Ok(xml_response(answer.to_xml()))
        }
        (&Method::POST, ["pic_jobs"]) => {
            needs_bucket(&ctx)?;
            let text = read_document(state, &ctx, body).await?;
            let request = CreatePicJobsRequest::from_xml(&text).map_err(malformed)?;
            check_job(state, &ctx.bucket, &request).await?;
            let bucket = ctx.bucket.clone();
            let jobs_detail = on_engine(state, move |e| e.submit(&bucket, request)).await?;
            Ok(xml_response(CreatePicJobsResponse { jobs_detail }.to_xml()))
        }
        (&Method::GET, ["pic_jobs"]) => {
            needs_bucket(&ctx)?;
            let query = JobQuery::from_query_pairs(pairs(&ctx)).map_err(api_error)?;
            let bucket = ctx.bucket.clone();
            let answer = on_engine(state, move |e| e.list_jobs(&bucket, &query)).await?;
            Ok(xml_response(answer.to_xml()))
        }
        (&Method::GET, ["pic_jobs", ids]) => {
            needs_bucket(&ctx)?;
            let ids: Vec<String> = ids
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect();
            let bucket = ctx.bucket.clone();
            let answer = on_engine(state, move |e| {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                e.get_jobs(&bucket, &ids)
            })
            .await?;
            Ok(xml_response(answer.to_xml()))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// What the engine cannot judge, checked before a job is accepted (a refused job leaves
/// nothing behind): the rule parses, a `TemplateId` names one of the bucket's styles, the
/// output bucket is served and the output key is a valid key. The input object is read
/// when the job runs: a missing one fails the job (`NoSuchKey`), as in the cloud.
async fn check_job(
    state: &Arc<State>,
    bucket: &str,
    request: &CreatePicJobsRequest,
) -> Result<(), ApiError> {
    let op = &request.operation;
    let has_rule = op
        .pic_process
        .as_ref()
        .is_some_and(|p| !p.process_rule.is_empty());
    let template = op.template_id.as_deref().filter(|t| !t.is_empty());
    if has_rule || template.is_some() {
        ProcessingRule::parse(&rule_text(request)).map_err(|e| {
            ApiError::invalid_argument(format!("Operation.PicProcess.ProcessRule: {e}"))
        })?;
        if let Some(name) = template {
            let store = state.store.clone();
            let (owner, wanted) = (bucket.to_owned(), name.to_owned());
            let found = blocking(move || Ok(store.style(&owner, &wanted)?)).await?;
            if found.is_none() {
                return Err(ApiError::invalid_argument(format!(
                    "Operation.TemplateId {name:?}: cos-ci reads a template id as the name \
                     of one of the bucket's styles, and {bucket} has no such style"
                )));
            }
        }
    }
    let output = &op.output;
    if !output.bucket.is_empty() {
        if ci_core::ops::check_bucket_name(&output.bucket).is_err() {
            return Err(ApiError::invalid_argument(format!(
                "Operation.Output.Bucket {:?} is not of the form BucketName-APPID",
                output.bucket
            )));
        }
        if !state.config.bucket_exists(&output.bucket) {
            return Err(ApiError::no_such_bucket());
        }
    }
    if !output.object.is_empty() {
        check_key(&output.object)?;
    }
    Ok(())
}

/// The request's document, bounded, checked against `Content-MD5` (the Go SDK sends one).
async fn read_document(state: &Arc<State>, ctx: &Ctx, body: Incoming) -> Result<String, ApiError> {
    let max = MAX_JOB_DOCUMENT.min(state.config.limits.max_xml_body);
    let (raw, _reservation) = read_small_body(state, body, content_length(ctx)?, max, 4).await?;
    let md5: [u8; 16] = md5::Md5::digest(&raw).into();
    check_content_md5(ctx, &md5)?;
    String::from_utf8(raw.to_vec())
        .map_err(|_| ApiError::new(400, "MalformedXML", "the body is not UTF-8"))
}

fn malformed(e: ci_core::result::ResultError) -> ApiError {
    ApiError::new(400, "MalformedXML", e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(default_bucket: Option<&str>) -> ServerConfig {
        let mut c = ServerConfig::new("/nonexistent");
        c.default_bucket = default_bucket.map(str::to_owned);
        c
    }

    #[test]
    fn calls_are_recognised_by_host_and_shape() {
        let none: Vec<(String, Option<String>)> = Vec::new();
        let listing = vec![("tag".to_owned(), Some("PicProcess".to_owned()))];
        let id = "c0123456789abcdef0123456789abcdef";
        let c = config(None);
        // The CI host: any path under a root; bucket and region from the host.
        let a = recognise(
            "b-1250000000.ci.ap-chengdu.myqcloud.com",
            &c,
            &Method::GET,
            "/pic_jobs",
            &none,
        )
        .expect("ci host");
        assert_eq!(
            (a.bucket.as_str(), a.key.as_str(), a.region.as_str()),
            ("b-1250000000", "pic_jobs", "ap-chengdu")
        );
        assert_eq!(a.source, BucketSource::Host);
        // The bucket's own host: only the API's shape.
        let cos = "b-1250000000.cos.ap-guangzhou.myqcloud.com";
        assert!(recognise(cos, &c, &Method::GET, "/pic_jobs", &listing).is_some());
        assert!(recognise(cos, &c, &Method::GET, "/pic_jobs", &none).is_none());
        assert!(recognise(
            cos,
            &c,
            &Method::GET,
            &format!("/pic_jobs/{id},{id}"),
            &none
        )
        .is_some());
        assert!(recognise(cos, &c, &Method::PUT, "/pic_jobs/photo.jpg", &none).is_none());
        // No bucket in the host: the default bucket, else none (the listing of buckets).
        let a = recognise("127.0.0.1:9000", &c, &Method::GET, "/picbucket", &none).unwrap();
        assert_eq!((a.bucket.as_str(), a.key.as_str()), ("", "picbucket"));
        let d = config(Some("d-1250000000"));
        let a = recognise("127.0.0.1:9000", &d, &Method::POST, "/picbucket", &none).unwrap();
        assert_eq!(
            (a.bucket.as_str(), a.source),
            ("d-1250000000", BucketSource::Default)
        );
        // Path style.
        let a = recognise(
            "127.0.0.1:9000",
            &c,
            &Method::POST,
            "/b-1250000000/pic_jobs",
            &none,
        )
        .unwrap();
        assert_eq!(
            (a.bucket.as_str(), a.key.as_str(), a.source),
            ("b-1250000000", "pic_jobs", BucketSource::Path)
        );
        assert!(recognise(
            "127.0.0.1:9000",
            &c,
            &Method::PUT,
            "/b-1250000000/pic_jobs/a.jpg",
            &none
        )
        .is_none());
        assert!(recognise(
            "127.0.0.1:9000",
            &d,
            &Method::POST,
            "/b-1250000000/pic_jobs",
            &none
        )
        .is_none());
    }

    #[test]
    fn regions_of_hosts() {
        assert_eq!(
            region_of_host("b-1.ci.ap-beijing.myqcloud.com:80").as_deref(),
            Some("ap-beijing")
        );
        assert_eq!(
            region_of_host("b-1.pic.ap-beijing.myqcloud.com").as_deref(),
            Some("ap-beijing")
        );
        assert_eq!(region_of_host("b-1.localhost:9000"), None);
        assert_eq!(region_of_host("127.0.0.1:9000"), None);
    }
}
