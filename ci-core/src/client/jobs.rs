//! Asynchronous image processing (wire-ci.md §B): pic buckets, pic queues and pic jobs,
//! by the official Python SDK's names, answering the typed documents of
//! [`crate::result`]; plus [`CosClient::wait_for_job`] (polls until a job ends) and the
//! bucket listing a batch needs ([`CosClient::list_objects`]).
//!
//! | call | request |
//! |---|---|
//! | [`CosClient::ci_open_pic_bucket`] | `POST /picbucket` |
//! | [`CosClient::ci_get_pic_bucket`] | `GET /picbucket?regions=&bucketNames=&bucketName=&pageNumber=&pageSize=` (no bucket) |
//! | [`CosClient::ci_close_pic_bucket`] | `DELETE /picbucket` |
//! | [`CosClient::ci_get_media_pic_queue`] | `GET /picqueue?queueIds=&state=All&pageNumber=&pageSize=` |
//! | [`CosClient::ci_update_media_pic_queue`] | `PUT /picqueue/<QueueId>` with `<Request>` |
//! | [`CosClient::ci_create_media_pic_jobs`] | `POST /pic_jobs` with `<Request>` |
//! | [`CosClient::ci_get_media_pic_jobs`] | `GET /pic_jobs/<id>%2C<id>...` |
//! | [`CosClient::ci_list_media_pic_jobs`], [`CosClient::ci_list_media_pic_jobs_pages`] | `GET /pic_jobs?tag=PicProcess&orderByTime=..&states=..&size=..&nextToken=..` |
//! | [`CosClient::list_objects`], [`CosClient::list_objects_pages`] | `GET /?prefix=..&delimiter=..&marker=..&max-keys=..&encoding-type=url` |
//!
//! Requests are those cos-python-sdk-v5 1.9.44 sends (query keys, their order, bodies as
//! `xmltodict` writes them: declaration, newline, no whitespace between elements, no
//! `Content-Type`). Two deliberate differences: the host is the CI host
//! `<bucket>.ci.<region>.myqcloud.com` even with `--ip` (Python then sends the COS host,
//! or none for open/close), and a session token goes in `x-cos-security-token` (as the
//! Go SDK sends it; Python uses `x-ci-security-token` for these calls).

use std::collections::HashSet;
use std::io::Read;
use std::time::{Duration, Instant};

use reqwest::Method;

use super::{ClientError, CosClient, Request, ResponseHeaders, Result, Sent};
use crate::client::Body;
use crate::result::{
    ClosePicBucketResponse, CreatePicJobsRequest, CreatePicJobsResponse,
    DescribePicBucketsResponse, DescribePicJobsResponse, DescribePicQueuesResponse, JobState,
    JobsDetail, ListBucketResult, ListPicJobsResponse, OpenPicBucketResponse,
    UpdatePicQueueRequest, UpdatePicQueueResponse, PIC_PROCESS_TAG,
};
use crate::sign::decode_component;

/// Largest answer read (a page of 100 job details is well under this), bytes.
const MAX_DOCUMENT: u64 = 8 * 1024 * 1024;

/// Most job ids one get-jobs call carries (the service's limit).
pub const MAX_JOB_IDS_PER_CALL: usize = 100;

/// The XML declaration the Python SDK's `xmltodict.unparse` writes before a body.
const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

/// Filters of [`CosClient::ci_get_pic_bucket`] (all optional; empty = not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PicBucketQuery {
    /// Comma list of regions.
    pub regions: String,
    /// Bucket name prefix.
    pub bucket_name: String,
    /// Comma list of exact bucket names.
    pub bucket_names: String,
    /// Page, from 1.
    pub page_number: Option<u32>,
    /// Page size, 1..=100.
    pub page_size: Option<u32>,
}

/// Filters of [`CosClient::ci_get_media_pic_queue`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PicQueueQuery {
    /// Only these queues (none: all).
    pub queue_ids: Vec<String>,
    /// `Active` or `Paused`; `None` sends the SDK's `All`.
    pub state: Option<String>,
    /// Page, from 1.
    pub page_number: Option<u32>,
    /// Page size.
    pub page_size: Option<u32>,
}

/// Order of [`ListPicJobsQuery`], by creation time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum JobOrder {
    /// Newest first (the SDK's default).
    #[default]
    Desc,
    /// Oldest first.
    Asc,
}

impl JobOrder {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            JobOrder::Desc => "Desc",
            JobOrder::Asc => "Asc",
        }
    }
}

/// Filters of [`CosClient::ci_list_media_pic_jobs`] (the Python SDK's keyword arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPicJobsQuery {
    /// `PicProcess`.
    pub tag: String,
    /// Only this queue.
    pub queue_id: Option<String>,
    /// Created at or after, `%Y-%m-%dT%H:%M:%S%z`.
    pub start_creation_time: Option<String>,
    /// Created at or before, `%Y-%m-%dT%H:%M:%S%z`.
    pub end_creation_time: Option<String>,
    /// By creation time.
    pub order_by_time: JobOrder,
    /// Only these states (empty: `All`).
    pub states: Vec<JobState>,
    /// Page size, 1..=100 (default 10).
    pub size: u32,
    /// The page to read (empty: the first).
    pub next_token: String,
}

impl Default for ListPicJobsQuery {
    fn default() -> Self {
        ListPicJobsQuery {
            tag: PIC_PROCESS_TAG.to_owned(),
            queue_id: None,
            start_creation_time: None,
            end_creation_time: None,
            order_by_time: JobOrder::Desc,
            states: Vec::new(),
            size: 10,
            next_token: String::new(),
        }
    }
}

impl ListPicJobsQuery {
    fn params(&self) -> Vec<(String, Option<String>)> {
        let states = if self.states.is_empty() {
            "All".to_owned()
        } else {
            self.states
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(",")
        };
        // The Python SDK's order: always these five, then the optional ones.
        let mut p: Vec<(String, Option<String>)> = vec![
            ("tag".into(), Some(self.tag.clone())),
            (
                "orderByTime".into(),
                Some(self.order_by_time.as_str().into()),
            ),
            ("states".into(), Some(states)),
            ("size".into(), Some(self.size.to_string())),
            ("nextToken".into(), Some(self.next_token.clone())),
        ];
        for (name, value) in [
            ("queueId", &self.queue_id),
            ("startCreationTime", &self.start_creation_time),
            ("endCreationTime", &self.end_creation_time),
        ] {
            if let Some(v) = value {
                p.push((name.into(), Some(v.clone())));
            }
        }
        p
    }
}

/// How [`CosClient::wait_for_job_with`] polls: exponential back-off from `initial` to
/// `max`, never past the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    /// How long to wait in all.
    pub timeout: Duration,
    /// First pause between polls.
    pub initial: Duration,
    /// Longest pause between polls.
    pub max: Duration,
}

impl WaitPolicy {
    /// Polls from 100 ms, doubling up to 5 s, for at most `timeout`.
    pub fn new(timeout: Duration) -> Self {
        WaitPolicy {
            timeout,
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
        }
    }

    /// The pause after `polls` polls (1-based): `initial * 2^(polls-1)`, at most `max`.
    pub fn pause(&self, polls: u32) -> Duration {
        self.initial
            .saturating_mul(1u32 << polls.saturating_sub(1).min(16))
            .min(self.max)
    }
}

/// Reads at most `limit` bytes of an answer as text; more is an error naming `what`.
fn read_document(sent: Sent, what: &str) -> Result<(ResponseHeaders, String)> {
    let mut data = Vec::new();
    sent.resp
        .take(MAX_DOCUMENT + 1)
        .read_to_end(&mut data)
        .map_err(|e| ClientError::io(format!("reading {what}"), e))?;
    if data.len() as u64 > MAX_DOCUMENT {
        return Err(ClientError::InvalidResponse(format!(
            "{what} is larger than {MAX_DOCUMENT} bytes"
        ))
        .into());
    }
    let text = String::from_utf8(data)
        .map_err(|_| ClientError::InvalidResponse(format!("{what} is not UTF-8")))?;
    Ok((sent.headers, text))
}

fn unreadable(what: &str, e: impl std::fmt::Display) -> super::CosClientError {
    ClientError::InvalidResponse(format!("{what}: {e}")).into()
}

/// A body as the Python SDK's `format_xml` writes it: the declaration, a newline, then
/// the elements with no whitespace between them. `to_xml` puts each element on its own
/// line; a `>\n<` can only sit between elements because text escapes `<` and `>`.
fn python_xml_body(one_per_line: &str) -> String {
    let mut body = String::with_capacity(XML_DECLARATION.len() + one_per_line.len());
    body.push_str(XML_DECLARATION);
    body.push_str(&one_per_line.replace(">\n<", "><"));
    body
}

fn check_bucket(bucket: &str) -> Result<(), ClientError> {
    if bucket.is_empty() {
        return Err(ClientError::invalid("Bucket", "a bucket is required"));
    }
    Ok(())
}

/// A job id as the service makes them: letters and digits only (it becomes a path
/// segment, and ids are comma-joined).
fn check_job_id(id: &str) -> Result<(), ClientError> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ClientError::invalid(
            "JobIDs",
            format!("{id:?} is not a job id (letters and digits)"),
        ));
    }
    Ok(())
}

impl CosClient {
    /// The host of a bucket's CI API (pic buckets, queues, jobs):
    /// `<bucket>.ci.<region>.myqcloud.com`, or, with a custom domain or endpoint, the
    /// bucket's host (a local server takes them on it).
    pub fn ci_host(&self, bucket: &str) -> String {
        let c = self.config();
        if c.domain.is_some() || c.endpoint.is_some() {
            return c.host(bucket);
        }
        format!("{bucket}.ci.{}.myqcloud.com", c.region)
    }

    /// The CI host with no bucket (`GET /picbucket`): `ci.<region>.myqcloud.com`, the
    /// custom domain, or the custom endpoint.
    fn ci_service_host(&self) -> String {
        let c = self.config();
        if let Some(d) = &c.domain {
            return d.clone();
        }
        match &c.endpoint {
            Some(e) => e.clone(),
            None => format!("ci.{}.myqcloud.com", c.region),
        }
    }

    fn ci_request<'b>(&self, method: Method, bucket: &str, path: &str) -> Result<Request<'b>> {
        check_bucket(bucket)?;
        Ok(Request::new(method, self.ci_host(bucket), path))
    }

    /// Sends `req` and reads its answer as `what` with `parse`.
    fn ci_call<T, E: std::fmt::Display>(
        &self,
        req: Request<'_>,
        what: &str,
        parse: impl FnOnce(&str) -> std::result::Result<T, E>,
    ) -> Result<(ResponseHeaders, T)> {
        let (headers, text) = read_document(self.send(req)?, what)?;
        let doc = parse(&text).map_err(|e| unreadable(what, e))?;
        Ok((headers, doc))
    }

    /// Sends `method /path` to the bucket's CI host with `xml` as a Python-SDK body.
    #[allow(clippy::too_many_arguments)]
    fn ci_call_with_body<T, E: std::fmt::Display>(
        &self,
        method: Method,
        bucket: &str,
        path: &str,
        retry: bool,
        xml: &str,
        what: &str,
        parse: impl FnOnce(&str) -> std::result::Result<T, E>,
    ) -> Result<(ResponseHeaders, T)> {
        let mut body = Body::from_bytes(python_xml_body(xml).into_bytes());
        let mut req = self.ci_request(method, bucket, path)?;
        req.retry = retry;
        req.body = Some(&mut body);
        self.ci_call(req, what, parse)
    }

    /// `POST /picbucket`: opens asynchronous processing for the bucket (creating its pic
    /// queue). Opening an open bucket is harmless, so the call is retried.
    ///
    /// ```no_run
    /// use ci_core::client::{CosClient, CosConfig};
    /// let client = CosClient::new(CosConfig::from_env()?)?;
    /// let (_, opened) = client.ci_open_pic_bucket("examplebucket-1250000000")?;
    /// println!("opened {} in {}", opened.pic_bucket.bucket_id, opened.pic_bucket.region);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ci_open_pic_bucket(
        &self,
        bucket: &str,
    ) -> Result<(ResponseHeaders, OpenPicBucketResponse)> {
        let mut req = self.ci_request(Method::POST, bucket, "picbucket")?;
        req.retry = true;
        self.ci_call(
            req,
            "the open-pic-bucket answer",
            OpenPicBucketResponse::from_xml,
        )
    }

    /// `GET /picbucket` on the region's CI host: the buckets with asynchronous
    /// processing open.
    pub fn ci_get_pic_bucket(
        &self,
        query: &PicBucketQuery,
    ) -> Result<(ResponseHeaders, DescribePicBucketsResponse)> {
        let mut req = Request::new(Method::GET, self.ci_service_host(), "picbucket");
        let num = |n: Option<u32>| Some(n.map(|n| n.to_string()).unwrap_or_default());
        req.params = vec![
            ("regions".into(), Some(query.regions.clone())),
            ("bucketNames".into(), Some(query.bucket_names.clone())),
            ("bucketName".into(), Some(query.bucket_name.clone())),
            ("pageNumber".into(), num(query.page_number)),
            ("pageSize".into(), num(query.page_size)),
        ];
        self.ci_call(
            req,
            "the pic-bucket list",
            DescribePicBucketsResponse::from_xml,
        )
    }

    /// `DELETE /picbucket`: closes asynchronous processing for the bucket.
    pub fn ci_close_pic_bucket(
        &self,
        bucket: &str,
    ) -> Result<(ResponseHeaders, ClosePicBucketResponse)> {
        let req = self.ci_request(Method::DELETE, bucket, "picbucket")?;
        self.ci_call(
            req,
            "the close-pic-bucket answer",
            ClosePicBucketResponse::from_xml,
        )
    }

    /// `GET /picqueue`: the bucket's pic queues.
    ///
    /// ```no_run
    /// use ci_core::client::{CosClient, CosConfig, PicQueueQuery};
    /// let client = CosClient::new(CosConfig::from_env()?)?;
    /// let (_, queues) = client.ci_get_media_pic_queue(
    ///     "examplebucket-1250000000", &PicQueueQuery::default())?;
    /// for q in &queues.queue_list {
    ///     println!("{} {} ({} running at most)", q.queue_id, q.state, q.max_concurrent);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ci_get_media_pic_queue(
        &self,
        bucket: &str,
        query: &PicQueueQuery,
    ) -> Result<(ResponseHeaders, DescribePicQueuesResponse)> {
        let mut req = self.ci_request(Method::GET, bucket, "picqueue")?;
        let num = |n: Option<u32>| Some(n.map(|n| n.to_string()).unwrap_or_default());
        req.params = vec![
            ("queueIds".into(), Some(query.queue_ids.join(","))),
            (
                "state".into(),
                Some(query.state.clone().unwrap_or_else(|| "All".into())),
            ),
            ("pageNumber".into(), num(query.page_number)),
            ("pageSize".into(), num(query.page_size)),
        ];
        self.ci_call(
            req,
            "the pic-queue list",
            DescribePicQueuesResponse::from_xml,
        )
    }

    /// `PUT /picqueue/<queue_id>`: renames a queue, pauses or resumes it
    /// (`State` `Paused` / `Active`), sets its callback.
    pub fn ci_update_media_pic_queue(
        &self,
        bucket: &str,
        queue_id: &str,
        request: &UpdatePicQueueRequest,
    ) -> Result<(ResponseHeaders, UpdatePicQueueResponse)> {
        check_job_id(queue_id).map_err(|_| {
            ClientError::invalid("QueueId", format!("{queue_id:?} is not a queue id"))
        })?;
        // Setting the same name, state and callback again gives the same queue.
        self.ci_call_with_body(
            Method::PUT,
            bucket,
            &format!("picqueue/{queue_id}"),
            true,
            &request.to_xml(),
            "the update-queue answer",
            UpdatePicQueueResponse::from_xml,
        )
    }

    /// `POST /pic_jobs`: submits one job. Not retried: a retry after a lost answer could
    /// submit the job twice (a batch keeps its own journal, see `cos-ci jobs submit`).
    ///
    /// ```no_run
    /// use ci_core::client::{CosClient, CosConfig};
    /// use ci_core::result::{CreatePicJobsRequest, JobInput, JobOutput, PicJobRequestOperation, PicProcess};
    /// let client = CosClient::new(CosConfig::from_env()?)?;
    /// let bucket = "examplebucket-1250000000";
    /// let (_, opened) = client.ci_open_pic_bucket(bucket)?;
    /// # let queue_id = String::new();
    /// let request = CreatePicJobsRequest {
    ///     tag: "PicProcess".into(),
    ///     input: JobInput { object: "photos/cat.jpg".into(), ..Default::default() },
    ///     operation: PicJobRequestOperation {
    ///         pic_process: Some(PicProcess {
    ///             is_pic_info: None,
    ///             process_rule: "imageMogr2/thumbnail/200x/format/webp".into(),
    ///         }),
    ///         output: JobOutput {
    ///             region: opened.pic_bucket.region.clone(),
    ///             bucket: bucket.into(),
    ///             object: "thumbs/cat.webp".into(),
    ///         },
    ///         ..Default::default()
    ///     },
    ///     queue_id,
    ///     ..Default::default()
    /// };
    /// let (_, created) = client.ci_create_media_pic_jobs(bucket, &request)?;
    /// let job = client.wait_for_job(bucket, &created.jobs_detail.job_id,
    ///     std::time::Duration::from_secs(60))?;
    /// println!("{} {}", job.job_id, job.state);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ci_create_media_pic_jobs(
        &self,
        bucket: &str,
        request: &CreatePicJobsRequest,
    ) -> Result<(ResponseHeaders, CreatePicJobsResponse)> {
        if request.input.object.is_empty() {
            return Err(ClientError::invalid("Input.Object", "a source key is required").into());
        }
        self.ci_call_with_body(
            Method::POST,
            bucket,
            "pic_jobs",
            false,
            &request.to_xml(),
            "the create-job answer",
            CreatePicJobsResponse::from_xml,
        )
    }

    /// `GET /pic_jobs/<id>,<id>...` (the commas sent as `%2C`): 1 to
    /// [`MAX_JOB_IDS_PER_CALL`] jobs; unknown ids come back in `non_exist_job_ids`.
    pub fn ci_get_media_pic_jobs(
        &self,
        bucket: &str,
        job_ids: &[&str],
    ) -> Result<(ResponseHeaders, DescribePicJobsResponse)> {
        if job_ids.is_empty() || job_ids.len() > MAX_JOB_IDS_PER_CALL {
            return Err(ClientError::invalid(
                "JobIDs",
                format!("1 to {MAX_JOB_IDS_PER_CALL} job ids, got {}", job_ids.len()),
            )
            .into());
        }
        for id in job_ids {
            check_job_id(id)?;
        }
        let path = format!("pic_jobs/{}", job_ids.join(","));
        let req = self.ci_request(Method::GET, bucket, &path)?;
        self.ci_call(req, "the job details", DescribePicJobsResponse::from_xml)
    }

    /// `GET /pic_jobs?...`: one page of the bucket's jobs; its `next_token` (empty on
    /// the last page) reads the next one.
    pub fn ci_list_media_pic_jobs(
        &self,
        bucket: &str,
        query: &ListPicJobsQuery,
    ) -> Result<(ResponseHeaders, ListPicJobsResponse)> {
        if !(1..=100).contains(&query.size) {
            return Err(ClientError::invalid("Size", "1 to 100").into());
        }
        let mut req = self.ci_request(Method::GET, bucket, "pic_jobs")?;
        req.params = query.params();
        self.ci_call(req, "the job list", ListPicJobsResponse::from_xml)
    }

    /// Every page of [`CosClient::ci_list_media_pic_jobs`] from `query`'s page on, read
    /// as the iterator is advanced.
    ///
    /// ```no_run
    /// use ci_core::client::{CosClient, CosConfig, ListPicJobsQuery};
    /// use ci_core::result::JobState;
    /// let client = CosClient::new(CosConfig::from_env()?)?;
    /// let query = ListPicJobsQuery { states: vec![JobState::Failed], size: 100, ..Default::default() };
    /// for job in client.ci_list_media_pic_jobs_pages("examplebucket-1250000000", query).jobs() {
    ///     let job = job?;
    ///     println!("{} {}: {}", job.job_id, job.input.object, job.message);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ci_list_media_pic_jobs_pages(
        &self,
        bucket: &str,
        query: ListPicJobsQuery,
    ) -> PicJobPages<'_> {
        PicJobPages {
            client: self,
            bucket: bucket.to_owned(),
            query,
            seen: HashSet::new(),
            done: false,
        }
    }

    /// Polls `GET /pic_jobs/<job_id>` until the job ends (`Success`, `Failed` or
    /// `Cancel`) or `timeout` passes, pausing 100 ms, 200 ms, ... up to 5 s between
    /// polls; answers the final [`JobsDetail`] (a `Failed` job is an answer, not an
    /// error). An unknown id is [`ClientError::JobNotFound`], running out of time
    /// [`ClientError::JobWaitTimeout`] with the last state seen.
    pub fn wait_for_job(
        &self,
        bucket: &str,
        job_id: &str,
        timeout: Duration,
    ) -> Result<JobsDetail> {
        self.wait_for_job_with(bucket, job_id, &WaitPolicy::new(timeout))
    }

    /// [`CosClient::wait_for_job`] with its back-off spelled out.
    pub fn wait_for_job_with(
        &self,
        bucket: &str,
        job_id: &str,
        policy: &WaitPolicy,
    ) -> Result<JobsDetail> {
        let start = Instant::now();
        let deadline = start + policy.timeout;
        let mut polls = 0u32;
        loop {
            polls += 1;
            let (_, found) = self.ci_get_media_pic_jobs(bucket, &[job_id])?;
            let job = found
                .jobs_detail
                .into_iter()
                .find(|j| j.job_id == job_id)
                .ok_or_else(|| ClientError::JobNotFound {
                    job_id: job_id.to_owned(),
                })?;
            if job.state.is_final() {
                return Ok(job);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(ClientError::JobWaitTimeout {
                    job_id: job_id.to_owned(),
                    state: job.state,
                    waited: now - start,
                }
                .into());
            }
            std::thread::sleep(policy.pause(polls).min(deadline - now));
        }
    }

    /// `GET /?prefix=..&delimiter=..&marker=..&max-keys=..&encoding-type=url` (GET
    /// Bucket, as the Python SDK's `list_objects` sends it): one page of keys, decoded.
    /// `max_keys` is 1 to 1000.
    pub fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        marker: &str,
        max_keys: u32,
    ) -> Result<(ResponseHeaders, ListBucketResult)> {
        check_bucket(bucket)?;
        if !(1..=1000).contains(&max_keys) {
            return Err(ClientError::invalid("MaxKeys", "1 to 1000").into());
        }
        let mut req = Request::new(Method::GET, self.config().host(bucket), "");
        req.params = vec![
            ("prefix".into(), Some(prefix.to_owned())),
            ("delimiter".into(), Some(delimiter.to_owned())),
            ("marker".into(), Some(marker.to_owned())),
            ("max-keys".into(), Some(max_keys.to_string())),
            ("encoding-type".into(), Some("url".into())),
        ];
        let (headers, mut list) =
            self.ci_call(req, "the object list", ListBucketResult::from_xml)?;
        if list.encoding_type.as_deref() == Some("url") {
            decode_listing(&mut list)?;
        }
        Ok((headers, list))
    }

    /// Every key under `prefix` (no delimiter), page by page of `page_size`.
    pub fn list_objects_pages(
        &self,
        bucket: &str,
        prefix: &str,
        page_size: u32,
    ) -> ObjectPages<'_> {
        ObjectPages {
            client: self,
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            page_size,
            marker: Some(String::new()),
        }
    }
}

/// Decodes a listing asked with `encoding-type=url` (keys, prefix, markers).
fn decode_listing(list: &mut ListBucketResult) -> Result<(), ClientError> {
    let decode = |s: &mut String| -> Result<(), ClientError> {
        *s = decode_component(s)
            .map_err(|e| ClientError::InvalidResponse(format!("listing key {s:?}: {e}")))?;
        Ok(())
    };
    decode(&mut list.prefix)?;
    decode(&mut list.marker)?;
    if let Some(m) = list.next_marker.as_mut() {
        decode(m)?;
    }
    for p in &mut list.common_prefixes {
        decode(&mut p.prefix)?;
    }
    for o in &mut list.contents {
        decode(&mut o.key)?;
    }
    list.encoding_type = None;
    Ok(())
}

/// The pages of a job listing ([`CosClient::ci_list_media_pic_jobs_pages`]). Ends after
/// the page with an empty `NextToken`, or after an error; a token seen twice is an error
/// (a server that loops would otherwise never end).
pub struct PicJobPages<'c> {
    client: &'c CosClient,
    bucket: String,
    query: ListPicJobsQuery,
    seen: HashSet<String>,
    done: bool,
}

impl<'c> PicJobPages<'c> {
    /// The jobs of every page, one by one.
    pub fn jobs(self) -> impl Iterator<Item = Result<JobsDetail>> + 'c {
        self.flat_map(|page| {
            let items: Vec<Result<JobsDetail>> = match page {
                Ok(p) => p.jobs_detail.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            items
        })
    }
}

impl Iterator for PicJobPages<'_> {
    type Item = Result<ListPicJobsResponse>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let page = match self
            .client
            .ci_list_media_pic_jobs(&self.bucket, &self.query)
        {
            Ok((_, page)) => page,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        if page.next_token.is_empty() {
            self.done = true;
        } else if !self.seen.insert(page.next_token.clone()) {
            self.done = true;
            return Some(Err(ClientError::InvalidResponse(format!(
                "the job list repeats NextToken {:?}",
                page.next_token
            ))
            .into()));
        } else {
            self.query.next_token = page.next_token.clone();
        }
        Some(Ok(page))
    }
}

/// The pages of a bucket listing ([`CosClient::list_objects_pages`]). Ends after the
/// page that is not truncated, or after an error; a truncated page with no way forward
/// (no `NextMarker`, no key) is an error.
pub struct ObjectPages<'c> {
    client: &'c CosClient,
    bucket: String,
    prefix: String,
    page_size: u32,
    /// The next page's marker; `None` once done.
    marker: Option<String>,
}

impl Iterator for ObjectPages<'_> {
    type Item = Result<ListBucketResult>;

    fn next(&mut self) -> Option<Self::Item> {
        let marker = self.marker.take()?;
        let page =
            match self
                .client
                .list_objects(&self.bucket, &self.prefix, "", &marker, self.page_size)
            {
                Ok((_, page)) => page,
                Err(e) => return Some(Err(e)),
            };
        if page.is_truncated {
            let next = page
                .next_marker
                .clone()
                .filter(|m| !m.is_empty())
                .or_else(|| page.contents.last().map(|o| o.key.clone()));
            match next {
                Some(m) if m > marker => self.marker = Some(m),
                _ => {
                    return Some(Err(ClientError::InvalidResponse(format!(
                        "the object list is truncated after marker {marker:?} but does not move on"
                    ))
                    .into()))
                }
            }
        }
        Some(Ok(page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_written_as_xmltodict_writes_them() {
        assert_eq!(
            python_xml_body("<Request>\n<Name>a&gt;\nb</Name>\n</Request>"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Request><Name>a&gt;\nb</Name></Request>"
        );
    }

    #[test]
    fn the_wait_back_off_doubles_up_to_its_bound() {
        let p = WaitPolicy::new(Duration::from_secs(60));
        let pauses: Vec<u128> = (1..=8).map(|n| p.pause(n).as_millis()).collect();
        assert_eq!(pauses, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(p.pause(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn job_ids_are_letters_and_digits() {
        assert!(check_job_id("c0123abc").is_ok());
        for bad in ["", "c1,c2", "../x", "c 1"] {
            assert!(check_job_id(bad).is_err(), "{bad:?}");
        }
    }
}
