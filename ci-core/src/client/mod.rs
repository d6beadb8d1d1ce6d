//! The blocking HTTP client (feature `client`, on by default): the calls of the official
//! Python SDK that persistent image processing needs, signed with [`crate::sign`] and
//! answered with the typed documents of [`crate::result`].
//!
//! Calls block the calling thread and run the HTTP exchange on it (reqwest's async client
//! on a small runtime per calling thread), with no hand-off to another thread.
//!
//! | call | request |
//! |---|---|
//! | [`CosClient::ci_put_object`], [`CosClient::put_object`] | `PUT /<key>` (streamed body) |
//! | [`CosClient::ci_put_object_from_local_file`] | `PUT /<key>` from a file |
//! | [`CosClient::ci_image_process`] | `POST /<key>?image_process` |
//! | [`CosClient::get_object`], [`CosClient::get_object_to_file`], [`CosClient::get_object_stream`] | `GET /<key>[?<rule>]` (download processing) |
//! | [`CosClient::ai_pic_matting`], [`CosClient::ai_pic_matting_stream`] | `GET /<key>?ci-process=AIPicMatting` or `GET /?ci-process=AIPicMatting&detect-url=` |
//! | [`CosClient::create_multipart_upload`], [`CosClient::upload_part`], [`CosClient::complete_multipart_upload`], [`CosClient::abort_multipart_upload`], [`CosClient::multipart_upload_file`] | multipart upload, with `Pic-Operations` on completion |
//! | [`CosClient::head_object`], [`CosClient::delete_object`] | `HEAD` / `DELETE /<key>` |
//! | [`CosClient::v4_upload`], [`CosClient::v4_image_process`] | legacy `POST /files/v2/<appid>/<bucket>/<file>` |
//! | [`CosClient::get_presigned_url`], [`CosClient::get_presigned_download_url`] | pre-signed URLs |
//! | pic buckets, pic queues, pic jobs, [`CosClient::wait_for_job`], [`CosClient::list_objects`] | see [asynchronous jobs](#asynchronous-jobs) |
//! | styles, `imageInspect`, QR codes, `imageInfo`/`exif`/`imageAve`, `ci_process`, ... | see [the image API](#the-image-api) |
//!
//! # Asynchronous jobs
//!
//! The cloud's fourth processing mode, by the Python SDK's names:
//! [`CosClient::ci_open_pic_bucket`], [`CosClient::ci_get_pic_bucket`],
//! [`CosClient::ci_close_pic_bucket`], [`CosClient::ci_get_media_pic_queue`],
//! [`CosClient::ci_update_media_pic_queue`], [`CosClient::ci_create_media_pic_jobs`],
//! [`CosClient::ci_get_media_pic_jobs`], [`CosClient::ci_list_media_pic_jobs`] (and every
//! page: [`CosClient::ci_list_media_pic_jobs_pages`]); [`CosClient::wait_for_job`] polls a
//! job until it ends.
//!
//! # The image API
//!
//! The cloud's image calls beyond processing on upload, by the Python SDK's names:
//! [`CosClient::ci_put_image_style`], [`CosClient::ci_get_image_style`],
//! [`CosClient::ci_delete_image_style`], [`CosClient::ci_image_inspect`],
//! [`CosClient::ci_get_object_qrcode`], [`CosClient::ci_qrcode_generate`],
//! [`CosClient::ci_get_image_info`], [`CosClient::ci_get_image_exif_info`],
//! [`CosClient::ci_get_image_ave_info`], [`CosClient::ci_get_object`],
//! [`CosClient::ci_download_compress_image`], [`CosClient::ci_process`].
//!
//! ```no_run
//! use ci_core::client::{Body, CosClient, CosConfig, ObjectOptions};
//!
//! let client = CosClient::new(CosConfig::from_env()?)?;
//! let opts = ObjectOptions::from_kwargs(&[(
//!     "PicOperations",
//!     r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#,
//! )])?;
//! let (headers, result) = client.ci_put_object(
//!     "examplebucket-1250000000", "photos/cat.jpg", Body::open("cat.jpg")?, &opts)?;
//! println!("{} -> {:?}", headers.request_id.unwrap_or_default(), result);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod body;
mod ci_api;
mod config;
mod download;
mod error;
mod jobs;
mod multipart;
mod options;
mod pending;
mod transport;
mod v4;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;

use crate::ops::PicOperationsHeader;
use crate::result::{CosError, UploadResult};
use crate::sign::{
    encode_component, encode_key_for_url, presigned_url, sign, Credentials, HeaderPolicy, KeyTime,
    ProcessParam, SignableRequest, SECURITY_TOKEN_HEADER,
};

pub use body::{crc64, Body, CRC64};
pub use ci_api::CiProcessData;
pub use config::CosConfig;
pub use download::ObjectStream;
pub use error::{ClientError, CosClientError, Result, ServiceError};
pub use jobs::{
    JobOrder, ListPicJobsQuery, ObjectPages, PicBucketQuery, PicJobPages, PicQueueQuery,
    WaitPolicy, MAX_JOB_IDS_PER_CALL,
};
pub use multipart::{CompleteOutcome, UploadedPart};
pub use options::{content_md5, ObjectOptions, PicOperationsValue};
pub use pending::PendingCall;
pub use v4::V4_MAX_INPUT;

use transport::{Lane, Response, Transport};

/// Largest error body read into a [`ServiceError`].
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Response headers of a call, with the ones COS callers look at most pulled out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseHeaders {
    /// HTTP status.
    pub status: u16,
    /// `x-cos-request-id`.
    pub request_id: Option<String>,
    /// `ETag`, quotes included.
    pub etag: Option<String>,
    /// `x-cos-hash-crc64ecma`, parsed.
    pub crc64: Option<u64>,
    /// `Content-Length`.
    pub content_length: Option<u64>,
    /// Every header as received (lower-case names, in order).
    pub raw: Vec<(String, String)>,
}

impl ResponseHeaders {
    fn from_response(resp: &Response) -> Self {
        let raw: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut h = ResponseHeaders {
            status: resp.status().as_u16(),
            raw,
            ..Default::default()
        };
        h.request_id = h.get("x-cos-request-id").map(str::to_owned);
        h.etag = h.get("etag").map(str::to_owned);
        h.crc64 = h
            .get("x-cos-hash-crc64ecma")
            .and_then(|v| v.trim().parse().ok());
        h.content_length = h.get("content-length").and_then(|v| v.trim().parse().ok());
        h
    }

    /// The first header of that name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What an AIPicMatting download starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MattingSource<'a> {
    /// An object of the bucket: `GET /<key>?ci-process=AIPicMatting`.
    Key(&'a str),
    /// Any image URL: `GET /?ci-process=AIPicMatting&detect-url=<url>`.
    DetectUrl(&'a str),
}

/// One request, before signing.
pub(crate) struct Request<'b> {
    pub method: Method,
    pub host: String,
    /// Raw key; empty for the bucket root.
    pub key: String,
    /// Path override (v4 API): sent and signed as is.
    pub raw_path: Option<String>,
    pub params: Vec<(String, Option<String>)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<&'b mut Body>,
    /// Retry on 500/502/503/504 and connection errors (only taken when the body can be
    /// replayed).
    pub retry: bool,
    /// Verify `x-cos-hash-crc64ecma` against the bytes sent.
    pub check_crc: bool,
    /// Authorization value to send instead of a COS signature (v4 API).
    pub authorization: Option<String>,
}

impl<'b> Request<'b> {
    pub(crate) fn new(method: Method, host: String, key: &str) -> Self {
        let retry = matches!(
            method,
            Method::GET | Method::HEAD | Method::DELETE | Method::PUT
        );
        Request {
            method,
            host,
            key: key.to_owned(),
            raw_path: None,
            params: Vec::new(),
            headers: Vec::new(),
            body: None,
            retry,
            check_crc: false,
            authorization: None,
        }
    }

    fn path_for_signing(&self) -> String {
        match &self.raw_path {
            Some(p) => p.clone(),
            None if self.key.starts_with('/') => self.key.clone(),
            None => format!("/{}", self.key),
        }
    }

    fn path_for_url(&self) -> String {
        match &self.raw_path {
            Some(p) => p.clone(),
            None => format!(
                "/{}",
                encode_key_for_url(self.key.strip_prefix('/').unwrap_or(&self.key))
            ),
        }
    }

    fn query(&self) -> String {
        let mut q = String::new();
        for (k, v) in &self.params {
            q.push(if q.is_empty() { '?' } else { '&' });
            q.push_str(&encode_component(k));
            // The Python SDK writes `name=` for value-less keys.
            q.push('=');
            if let Some(v) = v {
                q.push_str(&encode_component(v));
            }
        }
        q
    }
}

/// A successful answer and what was sent.
pub(crate) struct Sent {
    pub resp: Response,
    pub headers: ResponseHeaders,
}

/// The blocking COS client.
///
/// Cheap to clone (clones share their connections); usable from several threads at once.
/// Each calling thread runs its requests itself, on connections of its own.
#[derive(Clone, Debug)]
pub struct CosClient {
    config: CosConfig,
    transport: Arc<Transport>,
    /// The `PicOperations` text last checked (empty: none; shared by clones).
    last_pic_operations: Arc<Mutex<String>>,
    /// The base URL (scheme, host, port) last parsed, by its text (shared by clones).
    last_base_url: Arc<Mutex<Option<(String, reqwest::Url)>>>,
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Statuses worth another attempt: a failure or overload that may pass. Other 5xx
/// (501 Not Implemented, 505, ...) answer the same every time.
fn is_retryable_status(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

fn is_retryable_transport(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_timeout() || e.is_request() || e.is_body()
}

impl CosClient {
    /// A client for this configuration.
    pub fn new(config: CosConfig) -> Result<Self> {
        config.check()?;
        let transport = Arc::new(Transport::new(&config)?);
        Ok(CosClient {
            config,
            transport,
            last_pic_operations: Arc::default(),
            last_base_url: Arc::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &CosConfig {
        &self.config
    }

    fn credentials(&self) -> Credentials {
        self.config.credentials()
    }

    /// Sends a request with signing, retries and error mapping.
    pub(crate) fn send(&self, req: Request<'_>) -> Result<Sent> {
        let lane = self.transport.lane(&self.config)?;
        lane.run(self.send_on(lane, req))?
    }

    /// [`CosClient::send`] on `lane`'s runtime (awaited inside [`Lane::run`] or
    /// [`Lane::poll_until_idle`]).
    async fn send_on(&self, lane: &Arc<Lane>, mut req: Request<'_>) -> Result<Sent> {
        let creds = self.credentials();
        let url = self.request_url(&req)?;
        let replayable = req.body.as_ref().is_none_or(|b| b.is_replayable());
        let max_attempts = if req.retry && replayable {
            self.config.retries.saturating_add(1)
        } else {
            1
        };
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut headers: Vec<(String, String)> = vec![("Host".into(), req.host.clone())];
            let (body, tracker) = match req.body.as_deref_mut() {
                Some(b) => {
                    let len = b.len();
                    let (rb, t) = b.attempt()?;
                    if let Some(n) = len {
                        headers.push(("Content-Length".into(), n.to_string()));
                    }
                    (Some(rb), Some(t))
                }
                None => {
                    if req.method != Method::GET && req.method != Method::HEAD {
                        headers.push(("Content-Length".into(), "0".into()));
                    }
                    (None, None)
                }
            };
            headers.extend(req.headers.iter().cloned());
            if let Some(t) = &creds.token {
                if req.authorization.is_none() {
                    headers.push((SECURITY_TOKEN_HEADER.into(), t.clone()));
                }
            }
            let authorization = match &req.authorization {
                Some(a) => a.clone(),
                None => {
                    let signable = SignableRequest {
                        method: req.method.as_str().to_owned(),
                        path: req.path_for_signing(),
                        params: req.params.clone(),
                        headers: headers.clone(),
                    };
                    let kt = KeyTime::python_style(now_unix(), self.config.sign_expire);
                    sign(&creds, &signable, kt, &HeaderPolicy::Default).to_header_value()
                }
            };
            let mut rb = lane.http.request(req.method.clone(), url.clone());
            for (k, v) in &headers {
                // From bytes: UTF-8 values (metadata, fileids) go out as the Python SDK
                // sends them; only control characters are refused.
                let name = HeaderName::from_bytes(k.as_bytes())
                    .map_err(|_| ClientError::invalid(k, "not a valid header name"))?;
                let value = HeaderValue::from_bytes(v.as_bytes()).map_err(|_| {
                    ClientError::invalid(k, "the header value contains a control character")
                })?;
                rb = rb.header(name, value);
            }
            rb = rb.header("Authorization", authorization);
            if let Some(b) = body {
                rb = rb.body(b);
            }
            match lane.send(rb).await {
                Err(e) => {
                    if attempt < max_attempts && is_retryable_transport(&e) {
                        tokio::time::sleep(self.backoff(attempt)).await;
                        continue;
                    }
                    return Err(e.into());
                }
                Ok(resp) => {
                    let status = resp.status();
                    if is_retryable_status(status.as_u16()) && attempt < max_attempts {
                        drop(resp);
                        tokio::time::sleep(self.backoff(attempt)).await;
                        continue;
                    }
                    if !status.is_success() {
                        return Err(service_error(req.method.as_str(), resp).await.into());
                    }
                    let headers = ResponseHeaders::from_response(&resp);
                    if req.check_crc {
                        if let (Some(remote), Some(t), Some(expected)) = (
                            headers.crc64,
                            tracker.as_ref(),
                            req.body.as_ref().and_then(|b| b.len()),
                        ) {
                            let (local, count) = t.result();
                            if count == expected && local != remote {
                                return Err(ClientError::Crc64Mismatch { local, remote }.into());
                            }
                        }
                    }
                    return Ok(Sent { resp, headers });
                }
            }
        }
    }

    /// The request's URL: the base (scheme, host, port) parsed once and reused while it
    /// stays the same, with the path and the query set on a copy. Why: parsing the whole
    /// URL for every request ran the host through IDNA processing every time (~1 % of a
    /// small upload's client CPU); `set_path`/`set_query` encode as the parser does.
    fn request_url(&self, req: &Request<'_>) -> Result<reqwest::Url> {
        let base = self.config.base_url_for_host(&req.host);
        let cached = self.last_base_url.lock().ok().and_then(|last| {
            last.as_ref()
                .filter(|(text, _)| *text == base)
                .map(|(_, url)| url.clone())
        });
        let mut url = match cached {
            Some(url) => url,
            None => {
                let url = reqwest::Url::parse(&base)
                    .map_err(|e| ClientError::Config(format!("the URL {base:?}: {e}")))?;
                if let Ok(mut last) = self.last_base_url.lock() {
                    *last = Some((base, url.clone()));
                }
                url
            }
        };
        url.set_path(&req.path_for_url());
        let query = req.query();
        url.set_query(query.strip_prefix('?'));
        Ok(url)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        backoff_duration(self.config.retry_backoff, attempt)
    }

    pub(crate) fn object_request<'b>(
        &self,
        method: Method,
        bucket: &str,
        key: &str,
    ) -> Result<Request<'b>> {
        check_key(key)?;
        Ok(Request::new(method, self.config.host(bucket), key))
    }

    /// Builds the headers of `opts`, validating Pic-Operations, for a request with `body`.
    fn option_headers(
        &self,
        opts: &ObjectOptions,
        body: Option<&mut Body>,
    ) -> Result<Vec<(String, String)>> {
        let mut headers = opts.headers();
        if let Some(p) = &opts.pic_operations {
            let value = match p {
                PicOperationsValue::Text(text) => self.checked_pic_operations(text)?,
                other => other.check()?.as_str().to_owned(),
            };
            // In the SDK's mapping order: after the other headers, before metadata.
            let at = headers.len() - opts.metadata.len();
            headers.insert(at, ("Pic-Operations".into(), value));
        }
        if let Some(b) = body {
            if let Some(n) = opts.content_length {
                b.set_len_hint(n);
            }
            if opts.enable_md5 && opts.content_md5.is_none() {
                headers.push(("Content-MD5".into(), b.md5_base64()?));
            }
        }
        Ok(headers)
    }

    /// A `PicOperations` text as the header value, checked (JSON, shape, every rule's
    /// grammar: ~5 % of a small upload's client CPU) unless it is the text this client
    /// last checked: uploads in a loop mostly send the same rules. (The value of a
    /// checked text is the text itself.)
    fn checked_pic_operations(&self, text: &str) -> Result<String> {
        if self
            .last_pic_operations
            .lock()
            .is_ok_and(|last| last.as_str() == text)
        {
            return Ok(text.to_owned());
        }
        let value = PicOperationsHeader::parse(text)?.as_str().to_owned();
        if let Ok(mut last) = self.last_pic_operations.lock() {
            last.clone_from(&value);
        }
        Ok(value)
    }

    fn read_text(resp: Response, what: &str) -> Result<String> {
        answer_text(resp.text(), what)
    }

    /// `PUT /<key>` with `Pic-Operations` (persistent processing on upload): the
    /// response headers and, when the request carried `PicOperations`, the parsed
    /// `UploadResult`.
    ///
    /// The body is streamed; `x-cos-hash-crc64ecma` is checked when the service sends it.
    pub fn ci_put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Body,
        opts: &ObjectOptions,
    ) -> Result<(ResponseHeaders, Option<UploadResult>)> {
        let (headers, text) = self.ci_put_object_raw(bucket, key, body, opts)?;
        Ok((headers, upload_result_of(&text)?))
    }

    /// [`CosClient::ci_put_object`] answering the body as received (the `<UploadResult>`
    /// XML, empty without `PicOperations`), for callers that convert it themselves
    /// (the Python wheel builds the SDK's `xml_to_dict` shape straight from it).
    ///
    /// ```no_run
    /// use ci_core::client::{Body, CosClient, CosConfig, ObjectOptions};
    /// let client = CosClient::new(CosConfig::from_env()?)?;
    /// let (_, xml) = client.ci_put_object_raw(
    ///     "examplebucket-1250000000", "a.jpg", Body::open("a.jpg")?, &ObjectOptions::default())?;
    /// assert!(xml.is_empty()); // no PicOperations: no UploadResult
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ci_put_object_raw(
        &self,
        bucket: &str,
        key: &str,
        mut body: Body,
        opts: &ObjectOptions,
    ) -> Result<(ResponseHeaders, String)> {
        let req = self.put_request(bucket, key, &mut body, opts)?;
        let lane = self.transport.lane(&self.config)?;
        lane.run(self.put_on(lane, req, &mut body))?
    }

    /// [`CosClient::ci_put_object`] made ready to run without blocking: the request is
    /// checked and built now (an invalid key or `PicOperations` fails here), and sent
    /// when the [`PendingCall`] is first polled. For event loops (the Go binding waits on
    /// [`PendingCall::wait_fd`] in Go's poller).
    ///
    /// ```no_run
    /// use ci_core::client::{Body, CosClient, CosConfig, ObjectOptions};
    /// let client = CosClient::new(CosConfig::from_env()?)?;
    /// let mut call = client.start_ci_put_object(
    ///     "examplebucket-1250000000", "a.jpg", Body::from_bytes(vec![0xff, 0xd8]),
    ///     ObjectOptions::default())?;
    /// let (headers, _result) = loop {
    ///     if let Some(outcome) = call.poll() {
    ///         break outcome?;
    ///     }
    ///     // ... wait until call.wait_fd() is readable, or 10 ms ...
    /// };
    /// assert_eq!(headers.status, 200);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_ci_put_object(
        &self,
        bucket: &str,
        key: &str,
        mut body: Body,
        opts: ObjectOptions,
    ) -> Result<PendingCall<(ResponseHeaders, Option<UploadResult>)>> {
        let req = self.put_request(bucket, key, &mut body, &opts)?;
        let lane = self.transport.lane(&self.config)?.clone();
        let client = self.clone();
        let on = lane.clone();
        Ok(PendingCall::new(lane, async move {
            let (headers, text) = client.put_on(&on, req, &mut body).await?;
            Ok((headers, upload_result_of(&text)?))
        }))
    }

    /// The `PUT` of an upload, without its body.
    fn put_request(
        &self,
        bucket: &str,
        key: &str,
        body: &mut Body,
        opts: &ObjectOptions,
    ) -> Result<Request<'static>> {
        let mut req = self.object_request(Method::PUT, bucket, key)?;
        req.headers = self.option_headers(opts, Some(body))?;
        req.check_crc = true;
        Ok(req)
    }

    async fn put_on<'b>(
        &self,
        lane: &Arc<Lane>,
        mut req: Request<'b>,
        body: &'b mut Body,
    ) -> Result<(ResponseHeaders, String)> {
        req.body = Some(body);
        let sent = self.send_on(lane, req).await?;
        let text = answer_text(sent.resp.text_async().await, "the upload answer")?;
        Ok((sent.headers, text))
    }

    /// [`CosClient::ci_put_object`] from a local file (streamed, never read whole).
    pub fn ci_put_object_from_local_file(
        &self,
        bucket: &str,
        local_file_path: impl AsRef<Path>,
        key: &str,
        opts: &ObjectOptions,
    ) -> Result<(ResponseHeaders, Option<UploadResult>)> {
        self.ci_put_object(bucket, key, Body::open(local_file_path)?, opts)
    }

    /// `PUT /<key>`: a plain upload (a `PicOperations` option is still sent and
    /// validated; the answer body, if any, is ignored).
    pub fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Body,
        opts: &ObjectOptions,
    ) -> Result<ResponseHeaders> {
        Ok(self.ci_put_object_raw(bucket, key, body, opts)?.0)
    }

    /// `POST /<key>?image_process` with `Pic-Operations`: processes a stored image.
    /// `opts.pic_operations` is required.
    pub fn ci_image_process(
        &self,
        bucket: &str,
        key: &str,
        opts: &ObjectOptions,
    ) -> Result<(ResponseHeaders, UploadResult)> {
        if opts.pic_operations.is_none() {
            return Err(ClientError::invalid("PicOperations", "ci_image_process needs it").into());
        }
        let mut req = self.object_request(Method::POST, bucket, key)?;
        req.params.push(("image_process".into(), None));
        req.headers = self.option_headers(opts, None)?;
        // Processing the same object again gives the same result: safe to retry.
        req.retry = true;
        let sent = self.send(req)?;
        let headers = sent.headers;
        let text = Self::read_text(sent.resp, "the image_process answer")?;
        let result = UploadResult::from_xml(&text)
            .map_err(|e| ClientError::InvalidResponse(format!("UploadResult: {e}")))?;
        Ok((headers, result))
    }

    /// `GET /<key>`, with download processing when `process` is given
    /// (`?imageMogr2/...=`, `?style/NAME=`, `?ci-process=...`), streamed into `out`. The
    /// processing is checked before sending ([`ProcessParam::check`]): a malformed rule
    /// is a [`ClientError::Rule`].
    /// The end-of-stream checks of [`ObjectStream`] apply.
    pub fn get_object(
        &self,
        bucket: &str,
        key: &str,
        process: Option<&ProcessParam>,
        opts: &ObjectOptions,
        out: &mut dyn Write,
    ) -> Result<ResponseHeaders> {
        let mut stream = self.get_object_stream(bucket, key, process, opts)?;
        stream.copy_to(out)?;
        Ok(stream.headers().clone())
    }

    /// [`CosClient::get_object`] as an [`ObjectStream`] to read at the caller's pace:
    /// the object is never held whole. Reading to the end checks `Content-Length` and,
    /// for a whole unprocessed object, `x-cos-hash-crc64ecma`.
    pub fn get_object_stream(
        &self,
        bucket: &str,
        key: &str,
        process: Option<&ProcessParam>,
        opts: &ObjectOptions,
    ) -> Result<ObjectStream> {
        let mut req = self.object_request(Method::GET, bucket, key)?;
        if let Some(p) = process {
            p.check().map_err(ClientError::from)?;
            req.params.extend(p.to_params());
        }
        req.params
            .extend(opts.params().into_iter().map(|(k, v)| (k, Some(v))));
        req.headers = self.option_headers(opts, None)?;
        let sent = self.send(req)?;
        Ok(ObjectStream::new(
            sent.resp,
            sent.headers,
            process.is_some(),
        ))
    }

    /// [`CosClient::get_object`] into a file (created or truncated).
    pub fn get_object_to_file(
        &self,
        bucket: &str,
        key: &str,
        process: Option<&ProcessParam>,
        opts: &ObjectOptions,
        path: impl AsRef<Path>,
    ) -> Result<ResponseHeaders> {
        let path = path.as_ref();
        let mut f = std::fs::File::create(path)
            .map_err(|e| ClientError::io(format!("creating {}", path.display()), e))?;
        let h = self.get_object(bucket, key, process, opts, &mut f)?;
        f.flush()
            .map_err(|e| ClientError::io(format!("writing {}", path.display()), e))?;
        Ok(h)
    }

    /// AIPicMatting download: the matted image streamed into `out`. `args` are further
    /// parameters (`center-layout`, `padding-layout`).
    pub fn ai_pic_matting(
        &self,
        bucket: &str,
        source: MattingSource<'_>,
        args: &[(&str, &str)],
        out: &mut dyn Write,
    ) -> Result<ResponseHeaders> {
        let mut stream = self.ai_pic_matting_stream(bucket, source, args)?;
        stream.copy_to(out)?;
        Ok(stream.headers().clone())
    }

    /// [`CosClient::ai_pic_matting`] as an [`ObjectStream`].
    pub fn ai_pic_matting_stream(
        &self,
        bucket: &str,
        source: MattingSource<'_>,
        args: &[(&str, &str)],
    ) -> Result<ObjectStream> {
        let mut checked: Vec<(&str, &str)> = args.to_vec();
        if let MattingSource::DetectUrl(u) = source {
            checked.push(("detect-url", u));
        }
        ProcessParam::ci_process("AIPicMatting", &checked)
            .check()
            .map_err(ClientError::from)?;
        let mut req = match source {
            MattingSource::Key(k) => self.object_request(Method::GET, bucket, k)?,
            MattingSource::DetectUrl(_) => Request::new(Method::GET, self.config.host(bucket), ""),
        };
        req.params
            .push(("ci-process".into(), Some("AIPicMatting".into())));
        if let MattingSource::DetectUrl(u) = source {
            req.params.push(("detect-url".into(), Some(u.to_owned())));
        }
        req.params.extend(
            args.iter()
                .map(|(k, v)| (k.to_string(), Some(v.to_string()))),
        );
        let sent = self.send(req)?;
        Ok(ObjectStream::new(sent.resp, sent.headers, true))
    }

    /// `HEAD /<key>`: the object's headers. A missing object is a [`ServiceError`] built
    /// from the status and `x-cos-request-id` (a HEAD answer has no body).
    pub fn head_object(
        &self,
        bucket: &str,
        key: &str,
        opts: &ObjectOptions,
    ) -> Result<ResponseHeaders> {
        let mut req = self.object_request(Method::HEAD, bucket, key)?;
        req.params
            .extend(opts.params().into_iter().map(|(k, v)| (k, Some(v))));
        req.headers = self.option_headers(opts, None)?;
        Ok(self.send(req)?.headers)
    }

    /// `DELETE /<key>`.
    pub fn delete_object(&self, bucket: &str, key: &str) -> Result<ResponseHeaders> {
        let req = self.object_request(Method::DELETE, bucket, key)?;
        Ok(self.send(req)?.headers)
    }

    /// A pre-signed URL for any method: `scheme://host/<key>?<params>&<auth>`, valid for
    /// `expire` seconds (the Python SDK's `get_presigned_url`). `params` are signed;
    /// `headers` are the ones the URL's user will send besides `Host` (signed too).
    pub fn get_presigned_url(
        &self,
        bucket: &str,
        key: &str,
        method: &str,
        expire: u64,
        params: &[(String, Option<String>)],
        headers: &[(String, String)],
    ) -> Result<String> {
        check_key(key)?;
        let host = self.config.host(bucket);
        let mut h = vec![("Host".to_owned(), host.clone())];
        h.extend(headers.iter().cloned());
        let path = presigned_url(
            &self.credentials(),
            method,
            key,
            params,
            &h,
            KeyTime::python_style(now_unix(), expire),
            &HeaderPolicy::Default,
        );
        Ok(format!("{}{path}", self.config.base_url_for_host(&host)))
    }

    /// A pre-signed GET URL, with download processing (`?imageMogr2/...`, `?style/NAME`,
    /// `?ci-process=AIPicMatting&...`) signed into it. The processing is checked first
    /// ([`ProcessParam::check`]).
    pub fn get_presigned_download_url(
        &self,
        bucket: &str,
        key: &str,
        expire: u64,
        process: Option<&ProcessParam>,
    ) -> Result<String> {
        if let Some(p) = process {
            p.check().map_err(ClientError::from)?;
        }
        let params = process.map(ProcessParam::to_params).unwrap_or_default();
        self.get_presigned_url(bucket, key, "GET", expire, &params, &[])
    }
}

fn check_key(key: &str) -> Result<(), ClientError> {
    if key.is_empty() || key == "/" {
        return Err(ClientError::invalid("Key", "Key is required not empty"));
    }
    Ok(())
}

/// An answer's body as read, or the error of reading `what`.
fn answer_text(text: std::io::Result<String>, what: &str) -> Result<String> {
    text.map_err(|e| ClientError::InvalidResponse(format!("reading {what}: {e}")).into())
}

/// The `UploadResult` of an upload's answer (none when the body is empty: no
/// `PicOperations`).
fn upload_result_of(text: &str) -> Result<Option<UploadResult>, ClientError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    UploadResult::from_xml(text)
        .map(Some)
        .map_err(|e| ClientError::InvalidResponse(format!("UploadResult: {e}")))
}

/// Builds a [`ServiceError`] from an error answer.
pub(crate) async fn service_error(method: &str, resp: Response) -> ServiceError {
    let headers = ResponseHeaders::from_response(&resp);
    let status = headers.status;
    let body = if method == "HEAD" {
        String::new()
    } else {
        // Bounded read: an error body is small; never buffer an arbitrary answer.
        let data = resp.read_limited(MAX_ERROR_BODY).await;
        String::from_utf8_lossy(&data).into_owned()
    };
    let trimmed = body.trim();
    let parsed = if trimmed.is_empty() {
        None
    } else if trimmed.starts_with('{') {
        // The v4 API answers errors in JSON.
        crate::result::V4Response::from_json(trimmed)
            .ok()
            .map(|v| CosError {
                code: v.code.to_string(),
                message: v.message,
                request_id: v.request_id.unwrap_or_default(),
                ..Default::default()
            })
    } else {
        CosError::from_xml(trimmed).ok()
    };
    let header = |n: &str| headers.get(n).unwrap_or_default().to_owned();
    let or = |a: String, b: String| if a.is_empty() { b } else { a };
    let fallback_code = match status {
        400 => "BadRequest",
        403 => "AccessDenied",
        404 => "NoSuchResource",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        412 => "PreconditionFailed",
        _ => "",
    };
    let p = parsed.unwrap_or_default();
    ServiceError {
        method: method.to_owned(),
        status,
        code: or(p.code, fallback_code.to_owned()),
        message: or(
            p.message,
            if body.trim().is_empty() {
                String::new()
            } else {
                body.chars().take(200).collect()
            },
        ),
        resource: p.resource,
        request_id: or(p.request_id, header("x-cos-request-id")),
        trace_id: or(p.trace_id, header("x-cos-trace-id")),
        body,
    }
}

/// `base * 2^(attempt-1)`, capped at 1024 times `base`.
pub(crate) fn backoff_duration(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1u32 << attempt.saturating_sub(1).min(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL built from the cached base equals the whole URL parsed, for keys that
    /// need encoding, dot segments, slashes, queries with and without values, and
    /// hosts with and without a port.
    #[test]
    fn request_urls_equal_the_whole_url_parsed() {
        let keys = [
            "a.jpg",
            "photos/cat 1.jpg",
            "中文/图片.png",
            "a/./b/../c.jpg",
            "/leading/slash",
            "//two/leading",
            "q?mark#hash%percent",
            "trailing/",
            "",
        ];
        let params: [Vec<(String, Option<String>)>; 3] = [
            vec![],
            vec![("image_process".into(), None)],
            vec![
                ("imageMogr2/thumbnail/!50p".into(), None),
                ("x".into(), Some("a b&c=d".into())),
            ],
        ];
        let configs = [
            CosConfig::new("ap-guangzhou", "AKID", "sk"),
            CosConfig::new("ap-guangzhou", "AKID", "sk").with_ip_port("127.0.0.1", 8080),
        ];
        for config in configs {
            let client = CosClient::new(config).unwrap();
            for key in keys {
                for p in &params {
                    let mut req =
                        Request::new(Method::GET, client.config.host("b-1250000000"), key);
                    req.params = p.clone();
                    let whole = format!(
                        "{}{}{}",
                        client.config.base_url_for_host(&req.host),
                        req.path_for_url(),
                        req.query()
                    );
                    let expected = reqwest::Url::parse(&whole).unwrap();
                    // Twice: the second from the cached base.
                    assert_eq!(client.request_url(&req).unwrap(), expected, "{whole}");
                    assert_eq!(client.request_url(&req).unwrap(), expected, "{whole}");
                }
            }
        }
    }
}
