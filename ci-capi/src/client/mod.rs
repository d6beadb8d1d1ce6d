//! The blocking COS client: uploads with Pic-Operations, `image_process`, downloads with
//! a processing rule, multipart upload.

use ci_core::client::{
    Body, ClientError, CosClient, CosClientError, CosConfig, ObjectOptions, ResponseHeaders,
    ServiceError,
};
use ci_core::result::UploadResult;
use ci_core::sign::ProcessParam;

use crate::answer::Answer;
use crate::ffi::*;
use crate::results::{cos_ci_field, cos_ci_upload_result};

mod call;
mod config;
mod packed;

pub use call::*;
use config::build_config;
pub use config::*;
pub use packed::*;

/// A COS client (connection pool, credentials, retries).
///
/// Thread safety: `Send` and `Sync`: every call takes `const cos_ci_client *` and may
/// run concurrently from several threads on one client. Each call returns its own
/// `cos_ci_response`; the client's last error is shared, so with concurrent failures
/// read errors from the response (or the result code) instead.
pub struct cos_ci_client {
    pub(crate) client: CosClient,
    pub(crate) last_error: LastError,
}

impl_handle!(cos_ci_client, last_error: last_error);

/// Creates a client from `config` in `*out`. `COS_CI_RESULT_CONFIG` when the
/// configuration is incomplete or invalid (the config's last error says why).
///
/// # Safety
///
/// `config` is a live handle; `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_new(
    config: *const cos_ci_config,
    out: *mut *mut cos_ci_client,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `config`.
        let h = unsafe { handle(config) }?;
        let cfg = build_config(h).map_err(|e| h.last_error.fail(cos_ci_result::Config, e))?;
        let client =
            CosClient::new(cfg).map_err(|e| h.last_error.fail(cos_ci_result::Config, e))?;
        h.last_error.clear();
        let c = cos_ci_client {
            client,
            last_error: LastError::default(),
        };
        // SAFETY: the caller guarantees `out`.
        unsafe { give(c, out) }
    })
}

/// Frees a client; NULL is ignored. Responses made by it stay valid.
///
/// # Safety
///
/// `client` is NULL or a handle from `cos_ci_client_new`, not used afterwards (and no
/// call on it still running).
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_free(client: *mut cos_ci_client) {
    // SAFETY: the caller guarantees `client`.
    unsafe { free_handle(client) }
}

/// Writes the last error text of `client`.
///
/// # Safety
///
/// `client` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_last_error(
    client: *const cos_ci_client,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(client, buf, len, out_len) }
}

/// The answer to a client call: HTTP status, response headers, the UploadResult (for
/// uploads and `image_process` with Pic-Operations), the downloaded body (for
/// `cos_ci_client_get_object`), or the service error (code, message, request id) when
/// the call returned `COS_CI_RESULT_SERVICE_ERROR`.
///
/// Thread safety: `Send` and `Sync`; immutable, readable from several threads at once.
pub struct cos_ci_response {
    status: u16,
    headers: Vec<(String, String)>,
    upload_result: Option<cos_ci_upload_result>,
    body: Vec<u8>,
    error: Option<ServiceError>,
    /// The typed answer of an image-API call (`image_client.rs`).
    pub(crate) answer: Answer,
}

impl_handle!(cos_ci_response);

impl cos_ci_response {
    pub(crate) fn ok(h: ResponseHeaders, result: Option<UploadResult>, body: Vec<u8>) -> Self {
        cos_ci_response {
            status: h.status,
            headers: h.raw,
            upload_result: result.map(cos_ci_upload_result::wrap),
            body,
            error: None,
            answer: Answer::None,
        }
    }

    /// The response with the typed answer of an image-API call.
    pub(crate) fn with_answer(mut self, answer: Answer) -> Self {
        self.answer = answer;
        self
    }
}

pub(crate) fn client_error_code(e: &ClientError) -> cos_ci_result {
    match e {
        ClientError::UnknownParameter(_) | ClientError::InvalidParameter { .. } => {
            cos_ci_result::InvalidArgument
        }
        ClientError::PicOperations(_) => cos_ci_result::InvalidPicOperations,
        ClientError::Config(_) => cos_ci_result::Config,
        ClientError::Io { .. } => cos_ci_result::Io,
        ClientError::Http(_) => cos_ci_result::Transport,
        ClientError::JobNotFound { .. } => cos_ci_result::JobNotFound,
        ClientError::JobWaitTimeout { .. } => cos_ci_result::JobWaitTimeout,
        _ => cos_ci_result::ClientError,
    }
}

/// Runs a client call and stores its response.
///
/// # Safety
///
/// `out` is NULL or points to a writable pointer.
pub(crate) unsafe fn respond(
    c: &cos_ci_client,
    out: *mut *mut cos_ci_response,
    call: impl FnOnce(&CosClient) -> Result<cos_ci_response, CosClientError>,
) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    unsafe { deliver(&c.last_error, out, call(&c.client)) }
}

/// Stores the outcome of a client call in `*out` (a response, also for a service error)
/// and `last_error`.
///
/// # Safety
///
/// `out` is NULL or points to a writable pointer.
pub(crate) unsafe fn deliver(
    last_error: &LastError,
    out: *mut *mut cos_ci_response,
    outcome: Result<cos_ci_response, CosClientError>,
) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    let slot = unsafe { crate::ffi::out(out) }?;
    *slot = std::ptr::null_mut();
    match outcome {
        Ok(resp) => {
            last_error.clear();
            *slot = Box::into_raw(Box::new(resp));
            Ok(())
        }
        Err(CosClientError::Service(e)) => {
            last_error.set(e.to_string());
            let resp = cos_ci_response {
                status: e.status,
                headers: Vec::new(),
                upload_result: None,
                body: Vec::new(),
                error: Some(*e),
                answer: Answer::None,
            };
            *slot = Box::into_raw(Box::new(resp));
            Err(cos_ci_result::ServiceError)
        }
        Err(CosClientError::Client(e)) => Err(last_error.fail(client_error_code(&e), e)),
    }
}

/// Options from key/value pairs with the Python SDK's names (`PicOperations`,
/// `ContentType`, `Metadata.x-cos-meta-owner`, `EnableMD5`, ...).
///
/// # Safety
///
/// As for `kv_pairs`.
pub(crate) unsafe fn options(
    c: &cos_ci_client,
    ptr: *const cos_ci_kv,
    n: usize,
) -> FfiResult<ObjectOptions> {
    // SAFETY: forwarded from the caller.
    let pairs = unsafe { kv_pairs(ptr, n) }?;
    let pairs = pairs
        .into_iter()
        .map(|(k, v)| Ok((k, v.ok_or(cos_ci_result::NullParameter)?)))
        .collect::<FfiResult<Vec<_>>>()?;
    ObjectOptions::from_kwargs(&pairs).map_err(|e| c.last_error.fail(client_error_code(&e), e))
}

/// `PUT /<key>` of `data` with options (`PicOperations` for persistent processing).
/// On success (and, with `COS_CI_RESULT_SERVICE_ERROR`, on a service error) `*out`
/// receives a response to free with `cos_ci_response_free`; otherwise `*out` is NULL.
/// Other codes: `COS_CI_RESULT_TRANSPORT` (connection refused, timeout),
/// `COS_CI_RESULT_INVALID_PIC_OPERATIONS` (refused before sending),
/// `COS_CI_RESULT_INVALID_ARGUMENT` (unknown option), `COS_CI_RESULT_CLIENT_ERROR`.
///
/// # Safety
///
/// `client` is a live handle; text and data pointers point to their lengths in bytes;
/// `options` holds `options_len` pairs (or is `(NULL, 0)`); `out` points to a writable
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_put_object(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    data: *const u8,
    data_len: usize,
    options: *const cos_ci_kv,
    options_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key, data) = unsafe {
            (
                handle(client)?,
                text(bucket, bucket_len)?,
                text(key, key_len)?,
                bytes(data, data_len)?,
            )
        };
        // SAFETY: as above.
        let opts = unsafe { self::options(c, options, options_len) }?;
        let body = Body::from_bytes(data.to_vec());
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, r) = cl.ci_put_object(bucket, key, body, &opts)?;
                Ok(cos_ci_response::ok(h, r, Vec::new()))
            })
        }
    })
}

/// As `cos_ci_client_put_object`, streaming the local file `path` as the body.
/// `COS_CI_RESULT_IO` when the file cannot be read.
///
/// # Safety
///
/// As for `cos_ci_client_put_object`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_put_object_from_file(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    path: *const u8,
    path_len: usize,
    options: *const cos_ci_kv,
    options_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key, path) = unsafe {
            (
                handle(client)?,
                text(bucket, bucket_len)?,
                text(key, key_len)?,
                text(path, path_len)?,
            )
        };
        // SAFETY: as above.
        let opts = unsafe { self::options(c, options, options_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, r) = cl.ci_put_object_from_local_file(bucket, path, key, &opts)?;
                Ok(cos_ci_response::ok(h, r, Vec::new()))
            })
        }
    })
}

/// `POST /<key>?image_process`: processes a stored image with the `PicOperations`
/// option (required: `COS_CI_RESULT_INVALID_ARGUMENT` without it). The response
/// carries the UploadResult.
///
/// # Safety
///
/// As for `cos_ci_client_put_object`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_image_process(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    options: *const cos_ci_kv,
    options_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key) = unsafe {
            (
                handle(client)?,
                text(bucket, bucket_len)?,
                text(key, key_len)?,
            )
        };
        // SAFETY: as above.
        let opts = unsafe { self::options(c, options, options_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, r) = cl.ci_image_process(bucket, key, &opts)?;
                Ok(cos_ci_response::ok(h, Some(r), Vec::new()))
            })
        }
    })
}

/// `GET /<key>`, processed on the fly by `rule` (e.g. `imageMogr2/thumbnail/100x`;
/// NULL for the stored bytes). The body is kept in the response: read it with
/// `cos_ci_response_body`.
///
/// # Safety
///
/// As for `cos_ci_client_put_object`; `rule` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_get_object(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    rule: *const u8,
    rule_len: usize,
    options: *const cos_ci_kv,
    options_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key, rule) = unsafe {
            (
                handle(client)?,
                text(bucket, bucket_len)?,
                text(key, key_len)?,
                opt_text(rule, rule_len)?,
            )
        };
        // SAFETY: as above.
        let opts = unsafe { self::options(c, options, options_len) }?;
        let process = rule.map(ProcessParam::rule);
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let mut body = Vec::new();
                let h = cl.get_object(bucket, key, process.as_ref(), &opts, &mut body)?;
                Ok(cos_ci_response::ok(h, None, body))
            })
        }
    })
}

/// As `cos_ci_client_get_object`, writing the body into the file `path` (created or
/// truncated) instead of the response.
///
/// # Safety
///
/// As for `cos_ci_client_get_object`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_get_object_to_file(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    rule: *const u8,
    rule_len: usize,
    path: *const u8,
    path_len: usize,
    options: *const cos_ci_kv,
    options_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key, rule, path) = unsafe {
            (
                handle(client)?,
                text(bucket, bucket_len)?,
                text(key, key_len)?,
                opt_text(rule, rule_len)?,
                text(path, path_len)?,
            )
        };
        // SAFETY: as above.
        let opts = unsafe { self::options(c, options, options_len) }?;
        let process = rule.map(ProcessParam::rule);
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let h = cl.get_object_to_file(bucket, key, process.as_ref(), &opts, path)?;
                Ok(cos_ci_response::ok(h, None, Vec::new()))
            })
        }
    })
}

/// Multipart upload of the local file `path` (parts of `COS_PART_SIZE` bytes, up to
/// `COS_UPLOAD_THREADS` at once), completed with the options (`PicOperations` there
/// gives an UploadResult in the response). Aborted on failure.
///
/// # Safety
///
/// As for `cos_ci_client_put_object`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_multipart_upload_file(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    path: *const u8,
    path_len: usize,
    options: *const cos_ci_kv,
    options_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key, path) = unsafe {
            (
                handle(client)?,
                text(bucket, bucket_len)?,
                text(key, key_len)?,
                text(path, path_len)?,
            )
        };
        // SAFETY: as above.
        let opts = unsafe { self::options(c, options, options_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, outcome) = cl.multipart_upload_file(bucket, key, path, &opts)?;
                let result = outcome.upload_result().cloned();
                Ok(cos_ci_response::ok(h, result, Vec::new()))
            })
        }
    })
}

/// Frees a response (and the UploadResult it carries); NULL is ignored.
///
/// # Safety
///
/// `resp` is NULL or a response from a client call, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_free(resp: *mut cos_ci_response) {
    // SAFETY: the caller guarantees `resp`.
    unsafe { free_handle(resp) }
}

/// The HTTP status into `*out`.
///
/// # Safety
///
/// `resp` is a live response; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_status(
    resp: *const cos_ci_response,
    out: *mut u16,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(resp, out, |h| Ok(h.status)) }
}

/// Number of response headers into `*out` (0 for a service error).
///
/// # Safety
///
/// `resp` is a live response; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_header_count(
    resp: *const cos_ci_response,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(resp, out, |h| Ok(h.headers.len())) }
}

/// The name (lower case) of header `index`.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_header_name(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let h = unsafe { handle(resp) }?;
        let (k, _) = h.headers.get(index).ok_or(cos_ci_result::IndexOutOfRange)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(k.as_bytes(), buf, len, out_len) }
    })
}

/// The value of header `index`.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_header_value(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let h = unsafe { handle(resp) }?;
        let (_, v) = h.headers.get(index).ok_or(cos_ci_result::IndexOutOfRange)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(v.as_bytes(), buf, len, out_len) }
    })
}

/// The value of the first header named `name` (case-insensitive);
/// `COS_CI_RESULT_NOT_PRESENT` when there is none.
///
/// # Safety
///
/// `resp` is a live response; `name` points to `name_len` bytes; `buf` is NULL or has
/// `len` writable bytes; `out_len` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_header_get(
    resp: *const cos_ci_response,
    name: *const u8,
    name_len: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp` and `name`.
        let (h, name) = unsafe { (handle(resp)?, text(name, name_len)?) };
        let v = h
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_opt(v, buf, len, out_len) }
    })
}

/// The UploadResult of the call into `*out`: borrowed, valid until the response is
/// freed; do not free it. `COS_CI_RESULT_NOT_PRESENT` when the answer had none.
///
/// # Safety
///
/// `resp` is a live response; `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_upload_result(
    resp: *const cos_ci_response,
    out: *mut *const cos_ci_upload_result,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        lend_into(resp, out, |h| {
            h.upload_result.as_ref().ok_or(cos_ci_result::NotPresent)
        })
    }
}

/// The downloaded body (`cos_ci_client_get_object`), with the buffer conventions.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_body(
    resp: *const cos_ci_response,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let h = unsafe { handle(resp) }?;
        // SAFETY: as above.
        unsafe { write_out(&h.body, buf, len, out_len) }
    })
}

/// The request id: `x-cos-request-id` of a success, or the error's RequestId.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_request_id(
    resp: *const cos_ci_response,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let h = unsafe { handle(resp) }?;
        let id = match &h.error {
            Some(e) => Some(e.request_id.as_str()).filter(|s| !s.is_empty()),
            None => h
                .headers
                .iter()
                .find(|(k, _)| k == "x-cos-request-id")
                .map(|(_, v)| v.as_str()),
        };
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_opt(id, buf, len, out_len) }
    })
}

/// A field of the service error (Code, Message, Resource, RequestId, TraceId) after
/// `COS_CI_RESULT_SERVICE_ERROR`; `COS_CI_RESULT_NOT_PRESENT` for a successful call.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_error_string(
    resp: *const cos_ci_response,
    field: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let h = unsafe { handle(resp) }?;
        let e = h.error.as_ref().ok_or(cos_ci_result::NotPresent)?;
        let v = match cos_ci_field::from_arg(field)? {
            cos_ci_field::Code => &e.code,
            cos_ci_field::Message => &e.message,
            cos_ci_field::Resource => &e.resource,
            cos_ci_field::RequestId => &e.request_id,
            cos_ci_field::TraceId => &e.trace_id,
            _ => return Err(cos_ci_result::InvalidArgument),
        };
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(v.as_bytes(), buf, len, out_len) }
    })
}
