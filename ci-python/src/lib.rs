//! Python bindings over `ci-core`: the native module `cos_ci._cos_ci` of the `cos-ci`
//! wheel.
//!
//! This module is deliberately thin: each function converts its arguments, calls
//! `ci-core` with the GIL released (`py.detach`), and converts the result or error. The
//! SDK-shaped surface (`CosS3Client`, `CosConfig`, keyword arguments, `StreamBody`, the
//! exception classes) lives in the pure-Python package `cos_ci` (`python/cos_ci`).

use std::io::Read;
use std::time::Duration;

use ci_core::client::{
    Body, ClientError, CompleteOutcome, CosClient, CosClientError, CosConfig, MattingSource,
    ObjectOptions, ObjectStream, ResponseHeaders, UploadedPart,
};
use ci_core::ops::PicOperationsError;
use ci_core::result::{ImageInfo as CoreImageInfo, SdkValue, UploadResult as CoreUploadResult};
use ci_core::rule::{ProcessingRule, RuleError};
use ci_core::sign::{Credentials, HeaderPolicy, KeyTime, ProcessParam, SignableRequest};
use pyo3::exceptions::{PyIOError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString};

/// Largest piece a streamed Python file object is asked for at once (`read(n)`).
pub const CHUNK: usize = 256 * 1024;

type Kwargs = Vec<(String, String)>;

// ---------------------------------------------------------------------------------------
// Errors

fn exceptions(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("cos_ci._exceptions")
}

fn make_err<'py, A: pyo3::call::PyCallArgs<'py>>(py: Python<'py>, class: &str, args: A) -> PyErr {
    match exceptions(py).and_then(|m| m.getattr(class)?.call1(args)) {
        Ok(v) => PyErr::from_value(v),
        Err(e) => e,
    }
}

/// `CosClientError` / `CosServiceError` (pure-Python classes, as in the official SDK).
fn cos_err(e: CosClientError) -> PyErr {
    Python::attach(|py| match e {
        CosClientError::Service(s) => {
            if !s.body.trim().is_empty() {
                // Parsed by the Python class exactly as the official SDK parses it.
                return make_err(
                    py,
                    "CosServiceError",
                    (s.method.clone(), s.body.clone(), s.status),
                );
            }
            // No body (HEAD): a digest from the status and headers, as the SDK builds it.
            let digest = PyDict::new(py);
            let head_404 = s.method == "HEAD" && s.status == 404;
            let message = if head_404 {
                "The Resource You Head Not Exist"
            } else {
                s.message.as_str()
            };
            let fields = [
                ("code", s.code.as_str()),
                ("message", message),
                ("resource", s.resource.as_str()),
                ("requestid", s.request_id.as_str()),
                ("traceid", s.trace_id.as_str()),
            ];
            for (k, v) in fields {
                if v.is_empty() && (k == "requestid" || k == "traceid") {
                    continue;
                }
                if let Err(e) = digest.set_item(k, v) {
                    return e;
                }
            }
            make_err(py, "CosServiceError", (s.method.clone(), digest, s.status))
        }
        CosClientError::Client(c) => client_err(py, &c),
    })
}

fn client_err(py: Python<'_>, c: &ClientError) -> PyErr {
    make_err(py, "CosClientError", (c.to_string(),))
}

fn rule_err(py: Python<'_>, e: &RuleError, rule_index: Option<usize>) -> PyErr {
    make_err(
        py,
        "RuleError",
        (
            e.to_string(),
            e.offset,
            e.token.clone(),
            e.kind.to_string(),
            rule_index,
        ),
    )
}

fn pic_ops_err(py: Python<'_>, e: &PicOperationsError) -> PyErr {
    if let PicOperationsError::InvalidRule { rule, source } = e {
        return rule_err(py, source, Some(*rule));
    }
    make_err(py, "PicOperationsError", (e.to_string(), e.cos_code()))
}

// ---------------------------------------------------------------------------------------
// Conversions

fn sdk_value_to_py(py: Python<'_>, v: &SdkValue) -> PyResult<Py<PyAny>> {
    Ok(match v {
        SdkValue::None => py.None(),
        SdkValue::Str(s) => PyString::new(py, s).into_any().unbind(),
        SdkValue::Dict(items) => {
            let d = PyDict::new(py);
            for (k, v) in items {
                d.set_item(k, sdk_value_to_py(py, v)?)?;
            }
            d.into_any().unbind()
        }
        SdkValue::List(items) => {
            let l = PyList::empty(py);
            for v in items {
                l.append(sdk_value_to_py(py, v)?)?;
            }
            l.into_any().unbind()
        }
    })
}

/// `content-length` → `Content-Length`, `etag` → `ETag`; `x-cos-*` and `x-ci-*` stay
/// lower-case (as COS sends them), so `response['ETag']` works as with the official SDK.
pub fn canonical_header_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("x-cos-") || lower.starts_with("x-ci-") {
        return lower;
    }
    match lower.as_str() {
        "etag" => return "ETag".into(),
        "www-authenticate" => return "WWW-Authenticate".into(),
        _ => {}
    }
    lower
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// What `ci_put_object*` return: the headers, the SDK-shaped dict (empty without an
/// UploadResult) and, when `typed`, the typed result.
///
/// The dict is the official `xml_to_dict` of the answer as received; the typed parse is
/// skipped unless asked for (it is most of the conversion cost of a call).
fn put_answer<'py>(
    py: Python<'py>,
    headers: &ResponseHeaders,
    xml: &str,
    typed: bool,
) -> PyResult<(Bound<'py, PyDict>, Py<PyAny>, Option<UploadResult>)> {
    let invalid = |e: &dyn std::fmt::Display| {
        client_err(
            py,
            &ClientError::InvalidResponse(format!("UploadResult: {e}")),
        )
    };
    let (data, result) = if xml.trim().is_empty() {
        (PyDict::new(py).into_any().unbind(), None)
    } else {
        let dict = ci_core::result::xml_to_dict(xml).map_err(|e| invalid(&e))?;
        let result = if typed {
            Some(UploadResult::from(
                CoreUploadResult::from_xml(xml).map_err(|e| invalid(&e))?,
            ))
        } else {
            None
        };
        (sdk_value_to_py(py, &dict)?, result)
    };
    Ok((headers_to_py(py, headers)?, data, result))
}

fn headers_to_py<'py>(py: Python<'py>, h: &ResponseHeaders) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in &h.raw {
        let name = canonical_header_name(k);
        // Repeated headers are joined as `requests` does.
        let value = match d.get_item(&name)? {
            Some(prev) => format!("{}, {v}", prev.extract::<String>()?),
            None => v.clone(),
        };
        d.set_item(name, value)?;
    }
    Ok(d)
}

fn options(py: Python<'_>, kwargs: &Kwargs) -> PyResult<ObjectOptions> {
    let pairs: Vec<(&str, &str)> = kwargs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    ObjectOptions::from_kwargs(&pairs).map_err(|e| client_err(py, &e))
}

/// A Python binary file object as a Rust [`Read`]: each `read` re-acquires the GIL, asks
/// the object for at most [`CHUNK`] bytes and releases the GIL again, so the upload is
/// streamed and other Python threads run in between.
struct PyReader {
    obj: Py<PyAny>,
    pending: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl PyReader {
    fn new(obj: Py<PyAny>) -> Self {
        PyReader {
            obj,
            pending: Vec::new(),
            pos: 0,
            eof: false,
        }
    }
}

impl Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pos >= self.pending.len() {
            if self.eof {
                return Ok(0);
            }
            let want = buf.len().clamp(8 * 1024, CHUNK);
            let chunk = Python::attach(|py| -> PyResult<Vec<u8>> {
                let got = self.obj.bind(py).call_method1("read", (want,))?;
                if let Ok(b) = got.downcast::<PyBytes>() {
                    Ok(b.as_bytes().to_vec())
                } else if let Ok(b) = got.downcast::<PyByteArray>() {
                    Ok(b.to_vec())
                } else if let Ok(s) = got.downcast::<PyString>() {
                    Ok(s.to_cow()?.as_bytes().to_vec())
                } else if got.is_none() {
                    Ok(Vec::new())
                } else {
                    Ok(got.call_method0("tobytes")?.extract()?)
                }
            })
            .map_err(|e| std::io::Error::other(format!("reading the Python file object: {e}")))?;
            if chunk.is_empty() {
                self.eof = true;
                return Ok(0);
            }
            self.pending = chunk;
            self.pos = 0;
        }
        let n = (self.pending.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// bytes / bytearray / memoryview / str are copied; anything else is a file object read
/// in chunks (`length`: its remaining size when known, sent as `Content-Length`).
fn body_from_py(body: &Bound<'_, PyAny>, length: Option<u64>) -> PyResult<Body> {
    if body.downcast::<PyBytes>().is_ok() {
        // Zero-copy: the body keeps the (immutable) bytes object alive until sent.
        let b: PyBackedBytes = body.extract()?;
        return Ok(Body::from_bytes(bytes::Bytes::from_owner(b)));
    }
    if let Ok(b) = body.downcast::<PyByteArray>() {
        // Copied: a bytearray may change while the GIL is released.
        return Ok(Body::from_bytes(b.to_vec()));
    }
    if body.downcast::<PyString>().is_ok() {
        let s: PyBackedStr = body.extract()?;
        return Ok(Body::from_bytes(bytes::Bytes::from_owner(s)));
    }
    if body.hasattr("read")? {
        let r = PyReader::new(body.clone().unbind());
        return Ok(match length {
            Some(n) => Body::from_reader_sized(r, n),
            None => Body::from_reader(r),
        });
    }
    // memoryview and other buffer objects
    let data: Vec<u8> = body.call_method0("tobytes")?.extract()?;
    Ok(Body::from_bytes(data))
}

fn process_param(rule: Option<String>) -> Option<ProcessParam> {
    rule.map(|r| match r.strip_prefix("style/") {
        Some(name) => ProcessParam::style(name),
        None => ProcessParam::rule(r),
    })
}

// ---------------------------------------------------------------------------------------
// Client

/// The native client; `cos_ci.CosS3Client` wraps it with the SDK's signatures.
#[pyclass(module = "cos_ci._cos_ci", frozen)]
struct NativeClient {
    inner: CosClient,
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (region, secret_id, secret_key, token=None, scheme=None, endpoint=None, domain=None, ip=None, port=None, timeout=None, retries=1))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        region: String,
        secret_id: String,
        secret_key: String,
        token: Option<String>,
        scheme: Option<String>,
        endpoint: Option<String>,
        domain: Option<String>,
        ip: Option<String>,
        port: Option<u16>,
        timeout: Option<f64>,
        retries: u32,
    ) -> PyResult<Self> {
        let mut cfg = CosConfig::new(region, secret_id, secret_key);
        cfg.token = token;
        cfg.endpoint = endpoint;
        cfg.domain = domain;
        if let Some(ip) = ip {
            cfg.ip = Some(ip);
            cfg.env_proxy = false;
        }
        cfg.port = port;
        if let Some(s) = scheme {
            cfg.scheme = s;
        }
        if let Some(t) = timeout {
            if !(t.is_finite() && t > 0.0) {
                return Err(PyValueError::new_err("Timeout must be a positive number"));
            }
            cfg.timeout = Some(Duration::from_secs_f64(t));
        }
        cfg.retries = retries;
        cfg.retry_backoff = Duration::from_millis(100);
        let inner = CosClient::new(cfg).map_err(|e| match e {
            CosClientError::Client(c) => client_err(py, &c),
            other => cos_err(other),
        })?;
        Ok(NativeClient { inner })
    }

    /// `(headers, data, UploadResult | None)`; the typed result only when `typed`.
    #[pyo3(signature = (bucket, key, body, kwargs, length=None, typed=false))]
    #[allow(clippy::too_many_arguments)]
    fn ci_put_object<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        body: &Bound<'py, PyAny>,
        kwargs: Kwargs,
        length: Option<u64>,
        typed: bool,
    ) -> PyResult<(Bound<'py, PyDict>, Py<PyAny>, Option<UploadResult>)> {
        let opts = options(py, &kwargs)?;
        let body = body_from_py(body, length)?;
        let (h, xml) = py
            .detach(|| self.inner.ci_put_object_raw(&bucket, &key, body, &opts))
            .map_err(cos_err)?;
        put_answer(py, &h, &xml, typed)
    }

    #[pyo3(signature = (bucket, path, key, kwargs, typed=false))]
    fn ci_put_object_from_local_file<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        path: std::path::PathBuf,
        key: String,
        kwargs: Kwargs,
        typed: bool,
    ) -> PyResult<(Bound<'py, PyDict>, Py<PyAny>, Option<UploadResult>)> {
        let opts = options(py, &kwargs)?;
        let (h, xml) = py
            .detach(|| {
                let body = Body::open(&path)?;
                self.inner.ci_put_object_raw(&bucket, &key, body, &opts)
            })
            .map_err(cos_err)?;
        put_answer(py, &h, &xml, typed)
    }

    fn ci_image_process<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        kwargs: Kwargs,
    ) -> PyResult<(Bound<'py, PyDict>, Py<PyAny>, UploadResult)> {
        let opts = options(py, &kwargs)?;
        let (h, r) = py
            .detach(|| self.inner.ci_image_process(&bucket, &key, &opts))
            .map_err(cos_err)?;
        let data = sdk_value_to_py(py, &r.to_sdk_dict())?;
        Ok((headers_to_py(py, &h)?, data, UploadResult::from(r)))
    }

    /// `GET` (with an optional processing rule or `style/NAME`): `(headers, stream)`;
    /// the body is read from the stream as the caller asks for it.
    #[pyo3(signature = (bucket, key, rule, kwargs))]
    fn get_object<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        rule: Option<String>,
        kwargs: Kwargs,
    ) -> PyResult<(Bound<'py, PyDict>, NativeStream)> {
        let opts = options(py, &kwargs)?;
        let process = process_param(rule);
        let stream = py
            .detach(|| {
                self.inner
                    .get_object_stream(&bucket, &key, process.as_ref(), &opts)
            })
            .map_err(cos_err)?;
        Ok((
            headers_to_py(py, stream.headers())?,
            NativeStream::new(stream),
        ))
    }

    #[pyo3(signature = (bucket, key, rule, kwargs, path))]
    fn get_object_to_file<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        rule: Option<String>,
        kwargs: Kwargs,
        path: std::path::PathBuf,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = options(py, &kwargs)?;
        let process = process_param(rule);
        let h = py
            .detach(|| {
                self.inner
                    .get_object_to_file(&bucket, &key, process.as_ref(), &opts, &path)
            })
            .map_err(cos_err)?;
        headers_to_py(py, &h)
    }

    #[pyo3(signature = (bucket, key, detect_url, args))]
    fn ai_pic_matting<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: Option<String>,
        detect_url: Option<String>,
        args: Kwargs,
    ) -> PyResult<(Bound<'py, PyDict>, NativeStream)> {
        let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let stream = py
            .detach(|| {
                let source = match (&key, &detect_url) {
                    (_, Some(u)) => MattingSource::DetectUrl(u),
                    (Some(k), None) => MattingSource::Key(k),
                    (None, None) => {
                        return Err(ClientError::InvalidParameter {
                            name: "Key".into(),
                            reason: "Key or DetectUrl is required".into(),
                        }
                        .into())
                    }
                };
                self.inner.ai_pic_matting_stream(&bucket, source, &pairs)
            })
            .map_err(cos_err)?;
        Ok((
            headers_to_py(py, stream.headers())?,
            NativeStream::new(stream),
        ))
    }

    #[pyo3(signature = (bucket, key, body, kwargs, length=None))]
    fn put_object<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        body: &Bound<'py, PyAny>,
        kwargs: Kwargs,
        length: Option<u64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = options(py, &kwargs)?;
        let body = body_from_py(body, length)?;
        let h = py
            .detach(|| self.inner.put_object(&bucket, &key, body, &opts))
            .map_err(cos_err)?;
        headers_to_py(py, &h)
    }

    fn head_object<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        kwargs: Kwargs,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = options(py, &kwargs)?;
        let h = py
            .detach(|| self.inner.head_object(&bucket, &key, &opts))
            .map_err(cos_err)?;
        headers_to_py(py, &h)
    }

    fn delete_object<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
    ) -> PyResult<Bound<'py, PyDict>> {
        let h = py
            .detach(|| self.inner.delete_object(&bucket, &key))
            .map_err(cos_err)?;
        headers_to_py(py, &h)
    }

    /// `(bucket, key, upload_id)`.
    fn create_multipart_upload(
        &self,
        py: Python<'_>,
        bucket: String,
        key: String,
        kwargs: Kwargs,
    ) -> PyResult<(String, String, String)> {
        let opts = options(py, &kwargs)?;
        let r = py
            .detach(|| self.inner.create_multipart_upload(&bucket, &key, &opts))
            .map_err(cos_err)?;
        Ok((r.bucket, r.key, r.upload_id))
    }

    #[pyo3(signature = (bucket, key, upload_id, part_number, body, enable_md5, length=None))]
    #[allow(clippy::too_many_arguments)]
    fn upload_part<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        upload_id: String,
        part_number: u32,
        body: &Bound<'py, PyAny>,
        enable_md5: bool,
        length: Option<u64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let body = body_from_py(body, length)?;
        let (_, h) = py
            .detach(|| {
                self.inner
                    .upload_part(&bucket, &key, &upload_id, part_number, body, enable_md5)
            })
            .map_err(cos_err)?;
        headers_to_py(py, &h)
    }

    /// `(headers, data, UploadResult | None)`; `parts` are `(part_number, etag)`. `data`
    /// is the answer's `xml_to_dict`; the `UploadResult` is its processing results.
    fn complete_multipart_upload<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        upload_id: String,
        parts: Vec<(u32, String)>,
        kwargs: Kwargs,
    ) -> PyResult<(Bound<'py, PyDict>, Py<PyAny>, Option<UploadResult>)> {
        let opts = options(py, &kwargs)?;
        let parts: Vec<UploadedPart> = parts
            .into_iter()
            .map(|(part_number, etag)| UploadedPart { part_number, etag })
            .collect();
        let (h, outcome) = py
            .detach(|| {
                self.inner
                    .complete_multipart_upload(&bucket, &key, &upload_id, &parts, &opts)
            })
            .map_err(cos_err)?;
        complete_to_py(py, &h, outcome)
    }

    fn abort_multipart_upload<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        upload_id: String,
    ) -> PyResult<Bound<'py, PyDict>> {
        let h = py
            .detach(|| self.inner.abort_multipart_upload(&bucket, &key, &upload_id))
            .map_err(cos_err)?;
        headers_to_py(py, &h)
    }

    fn multipart_upload_file<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        path: std::path::PathBuf,
        kwargs: Kwargs,
    ) -> PyResult<(Bound<'py, PyDict>, Py<PyAny>, Option<UploadResult>)> {
        let opts = options(py, &kwargs)?;
        let (h, outcome) = py
            .detach(|| {
                self.inner
                    .multipart_upload_file(&bucket, &key, &path, &opts)
            })
            .map_err(cos_err)?;
        complete_to_py(py, &h, outcome)
    }

    #[pyo3(signature = (bucket, key, method, expired, params, headers))]
    #[allow(clippy::too_many_arguments)]
    fn get_presigned_url(
        &self,
        py: Python<'_>,
        bucket: String,
        key: String,
        method: String,
        expired: u64,
        params: Vec<(String, Option<String>)>,
        headers: Kwargs,
    ) -> PyResult<String> {
        self.inner
            .get_presigned_url(&bucket, &key, &method, expired, &params, &headers)
            .map_err(|e| match e {
                CosClientError::Client(c) => client_err(py, &c),
                other => cos_err(other),
            })
    }
}

fn complete_to_py<'py>(
    py: Python<'py>,
    h: &ResponseHeaders,
    outcome: CompleteOutcome,
) -> PyResult<(Bound<'py, PyDict>, Py<PyAny>, Option<UploadResult>)> {
    match outcome {
        CompleteOutcome::Processed(u) => {
            // xml_to_dict of the answer: Location, Bucket, Key, ETag, OriginalInfo,
            // ProcessResults (only the last two from a bare `<UploadResult>`).
            let data = sdk_value_to_py(py, &u.to_sdk_dict())?;
            Ok((
                headers_to_py(py, h)?,
                data,
                Some(UploadResult::from(u.upload_result)),
            ))
        }
        CompleteOutcome::Completed(c) => {
            let d = PyDict::new(py);
            d.set_item("Location", c.location)?;
            d.set_item("Bucket", c.bucket)?;
            d.set_item("Key", c.key)?;
            d.set_item("ETag", c.etag)?;
            Ok((headers_to_py(py, h)?, d.into_any().unbind(), None))
        }
        #[allow(unreachable_patterns)]
        _ => Err(PyIOError::new_err("unknown multipart completion")),
    }
}

// ---------------------------------------------------------------------------------------
// Typed results

/// `<ImageInfo>`.
#[pyclass(module = "cos_ci._cos_ci", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
struct ImageInfo {
    format: String,
    width: u32,
    height: u32,
    quality: Option<u32>,
    ave: Option<String>,
    orientation: Option<u32>,
    frame_count: Option<u32>,
    md5: Option<String>,
}

impl From<CoreImageInfo> for ImageInfo {
    fn from(i: CoreImageInfo) -> Self {
        ImageInfo {
            format: i.format,
            width: i.width,
            height: i.height,
            quality: i.quality,
            ave: i.ave,
            orientation: i.orientation,
            frame_count: i.frame_count,
            md5: i.md5,
        }
    }
}

#[pymethods]
impl ImageInfo {
    fn __repr__(&self) -> String {
        format!(
            "ImageInfo(format={:?}, width={}, height={})",
            self.format, self.width, self.height
        )
    }
}

/// `<OriginalInfo>`.
#[pyclass(module = "cos_ci._cos_ci", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
struct OriginalInfo {
    key: String,
    location: String,
    etag: String,
    image_info: Option<ImageInfo>,
}

#[pymethods]
impl OriginalInfo {
    fn __repr__(&self) -> String {
        format!("OriginalInfo(key={:?}, etag={:?})", self.key, self.etag)
    }
}

/// One `<Object>` of `<ProcessResults>`.
#[pyclass(module = "cos_ci._cos_ci", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
struct ProcessResult {
    key: String,
    location: String,
    format: Option<String>,
    md5: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    size: Option<u64>,
    quality: Option<u32>,
    etag: String,
    frame_count: Option<u32>,
}

#[pymethods]
impl ProcessResult {
    fn __repr__(&self) -> String {
        format!(
            "ProcessResult(key={:?}, format={:?}, width={:?}, height={:?}, size={:?})",
            self.key, self.format, self.width, self.height, self.size
        )
    }
}

/// A typed `<UploadResult>`, alongside the SDK-shaped dict.
#[pyclass(module = "cos_ci._cos_ci", frozen, eq)]
#[derive(Clone, PartialEq)]
struct UploadResult {
    inner: CoreUploadResult,
}

impl From<CoreUploadResult> for UploadResult {
    fn from(inner: CoreUploadResult) -> Self {
        UploadResult { inner }
    }
}

#[pymethods]
impl UploadResult {
    /// Parses `<UploadResult>` XML.
    #[staticmethod]
    fn from_xml(py: Python<'_>, xml: &str) -> PyResult<Self> {
        CoreUploadResult::from_xml(xml)
            .map(UploadResult::from)
            .map_err(|e| make_err(py, "CosClientError", (e.to_string(),)))
    }

    fn to_xml(&self) -> String {
        self.inner.to_xml()
    }

    /// The official SDK's `xml_to_dict` shape.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        sdk_value_to_py(py, &self.inner.to_sdk_dict())
    }

    #[getter]
    fn original_info(&self) -> Option<OriginalInfo> {
        self.inner.original_info.clone().map(|o| OriginalInfo {
            key: o.key,
            location: o.location,
            etag: o.etag,
            image_info: o.image_info.map(ImageInfo::from),
        })
    }

    #[getter]
    fn process_results(&self) -> Vec<ProcessResult> {
        self.inner
            .process_results
            .iter()
            .cloned()
            .map(|p| ProcessResult {
                key: p.key,
                location: p.location,
                format: p.format,
                md5: p.md5,
                width: p.width,
                height: p.height,
                size: p.size,
                quality: p.quality,
                etag: p.etag,
                frame_count: p.frame_count,
            })
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "UploadResult(original_info={}, process_results={})",
            self.inner
                .original_info
                .as_ref()
                .map(|o| format!("{:?}", o.key))
                .unwrap_or_else(|| "None".into()),
            self.inner.process_results.len()
        )
    }
}

// ---------------------------------------------------------------------------------------
// Downloads

/// The body of a download, read as the caller asks (`cos_ci.StreamBody` wraps it). Every
/// read releases the GIL; the lock is taken with the GIL released too, so two threads
/// reading one stream cannot deadlock.
#[pyclass(module = "cos_ci._cos_ci", frozen)]
struct NativeStream {
    inner: std::sync::Mutex<Option<ObjectStream>>,
    content_length: Option<u64>,
}

impl NativeStream {
    fn new(stream: ObjectStream) -> Self {
        NativeStream {
            content_length: stream.headers().content_length,
            inner: std::sync::Mutex::new(Some(stream)),
        }
    }

    /// Runs `f` on the open stream with the GIL released; `None` once closed.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut ObjectStream) -> Result<T, ClientError> + Send,
    ) -> PyResult<Option<T>> {
        py.detach(|| {
            let mut guard = self
                .inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            guard.as_mut().map(f).transpose()
        })
        .map_err(|e| client_err(py, &e))
    }
}

#[pymethods]
impl NativeStream {
    /// Up to `size` bytes (fewer only at the end; `b""` at the end); `size < 0`: the rest.
    #[pyo3(signature = (size=-1))]
    fn read<'py>(&self, py: Python<'py>, size: i64) -> PyResult<Bound<'py, PyBytes>> {
        let Ok(size) = usize::try_from(size) else {
            let rest = self.with(py, |s| {
                let mut v = Vec::new();
                s.copy_to(&mut v)?;
                Ok(v)
            })?;
            return Ok(PyBytes::new(py, &rest.unwrap_or_default()));
        };
        // No bigger buffer than what is left to come.
        let left = self
            .content_length
            .map(|n| n.saturating_sub(self.bytes_read()));
        let want = match left {
            Some(l) => size.min(usize::try_from(l).unwrap_or(usize::MAX)),
            None => size,
        };
        if want == 0 {
            // Still reach the end (and its checks) when nothing is left.
            self.with(py, |s| s.read_full(&mut [0u8; 1]))?;
            return Ok(PyBytes::new(py, b""));
        }
        let mut filled = 0usize;
        // Read straight into the new bytes object (no copy); it is not shared yet, so the
        // GIL can be released while it is filled.
        let full = PyBytes::new_with(py, want, |buf| {
            filled = self
                .with(py, |s| {
                    let n = s.read_full(buf)?;
                    if want < size && n == want {
                        // All that Content-Length announced: reach the end now, so that
                        // its checks (CRC-64) report on this read, as a short read would.
                        s.read_full(&mut [0u8; 1])?;
                    }
                    Ok(n)
                })?
                .unwrap_or(0);
            Ok(())
        })?;
        if filled == want {
            Ok(full)
        } else {
            Ok(PyBytes::new(py, &full.as_bytes()[..filled]))
        }
    }

    /// Writes the rest of the body to `path` (created or truncated), never holding it
    /// whole: the number of bytes written.
    fn copy_to_file(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<u64> {
        let n = self.with(py, |s| {
            let io = |what: &str, source| ClientError::Io {
                context: format!("{what} {}", path.display()),
                source,
            };
            let mut f = std::fs::File::create(&path).map_err(|e| io("creating", e))?;
            let n = s.copy_to(&mut f)?;
            std::io::Write::flush(&mut f).map_err(|e| io("writing", e))?;
            Ok(n)
        })?;
        Ok(n.unwrap_or(0))
    }

    /// Closes the connection (the rest of the body is not read).
    fn close(&self, py: Python<'_>) {
        let stream = py.detach(|| {
            self.inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        });
        drop(stream);
    }

    /// `Content-Length`, when the answer had one.
    #[getter]
    fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// Bytes read so far.
    #[getter]
    fn bytes_read(&self) -> u64 {
        self.inner
            .try_lock()
            .ok()
            .and_then(|g| g.as_ref().map(ObjectStream::bytes_read))
            .unwrap_or(0)
    }

    /// Whether the end was reached, or the stream closed.
    #[getter]
    fn closed(&self) -> bool {
        self.inner
            .try_lock()
            .map(|g| g.as_ref().is_none_or(ObjectStream::is_finished))
            .unwrap_or(false)
    }

    /// Whether the end of the stream is checked against `x-cos-hash-crc64ecma`.
    #[getter]
    fn checks_crc64(&self) -> bool {
        self.inner
            .try_lock()
            .map(|g| g.as_ref().is_some_and(ObjectStream::checks_crc64))
            .unwrap_or(false)
    }
}

// ---------------------------------------------------------------------------------------
// Rules and Pic-Operations

/// A parsed processing rule.
#[pyclass(module = "cos_ci._cos_ci", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
struct ParsedRule {
    inner: ProcessingRule,
}

#[pymethods]
impl ParsedRule {
    /// The canonical form (what the printer writes; parsing it gives the same rule).
    #[getter]
    fn canonical(&self) -> String {
        self.inner.to_string()
    }

    /// The stage keywords in order (`imageMogr2`, `imageView2`, `watermark/1`, ...).
    #[getter]
    fn stages(&self) -> Vec<String> {
        self.inner
            .stages
            .iter()
            .map(|s| s.keyword().to_owned())
            .collect()
    }

    /// Each stage in canonical form.
    #[getter]
    fn stage_strings(&self) -> Vec<String> {
        self.inner.stages.iter().map(|s| s.to_string()).collect()
    }

    #[getter]
    fn is_ai_pic_matting(&self) -> bool {
        self.inner.is_ai_pic_matting()
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> String {
        format!("ParsedRule({:?})", self.inner.to_string())
    }
}

/// Parses a processing rule (`imageMogr2/thumbnail/200x|imageView2/...`); a bad rule
/// raises `cos_ci.RuleError` (a `ValueError`) with `offset` and `token`.
#[pyfunction]
fn parse_rule(py: Python<'_>, rule: &str) -> PyResult<ParsedRule> {
    ProcessingRule::parse(rule)
        .map(|inner| ParsedRule { inner })
        .map_err(|e| rule_err(py, &e, None))
}

/// One entry of `Pic-Operations` `rules`, validated on construction.
#[pyclass(module = "cos_ci._cos_ci", frozen, eq)]
#[derive(Clone, PartialEq)]
struct Rule {
    inner: ci_core::Rule,
}

#[pymethods]
impl Rule {
    #[new]
    #[pyo3(signature = (fileid, rule, bucket=None))]
    fn new(py: Python<'_>, fileid: String, rule: String, bucket: Option<String>) -> PyResult<Self> {
        let mut inner = ci_core::Rule::new(fileid, rule);
        inner.bucket = bucket;
        inner.parse_rule().map_err(|e| rule_err(py, &e, None))?;
        let check = ci_core::PicOperations {
            is_pic_info: false,
            rules: vec![inner.clone()],
        };
        check.validate().map_err(|e| pic_ops_err(py, &e))?;
        Ok(Rule { inner })
    }

    #[getter]
    fn fileid(&self) -> String {
        self.inner.fileid.clone()
    }

    #[getter]
    fn rule(&self) -> String {
        self.inner.rule.clone()
    }

    #[getter]
    fn bucket(&self) -> Option<String> {
        self.inner.bucket.clone()
    }

    /// The rule string parsed.
    fn parsed(&self, py: Python<'_>) -> PyResult<ParsedRule> {
        parse_rule(py, &self.inner.rule)
    }

    fn __repr__(&self) -> String {
        format!(
            "Rule(fileid={:?}, rule={:?}, bucket={:?})",
            self.inner.fileid, self.inner.rule, self.inner.bucket
        )
    }
}

/// The `Pic-Operations` header: built from `Rule`s (validated) or parsed from JSON.
#[pyclass(module = "cos_ci._cos_ci", frozen, eq)]
#[derive(Clone, PartialEq)]
struct PicOperations {
    inner: ci_core::PicOperations,
}

#[pymethods]
impl PicOperations {
    #[new]
    #[pyo3(signature = (rules, is_pic_info=false))]
    fn new(py: Python<'_>, rules: Vec<Rule>, is_pic_info: bool) -> PyResult<Self> {
        let mut b = ci_core::PicOperations::builder().is_pic_info(is_pic_info);
        for r in rules {
            b = b.rule(r.inner);
        }
        let inner = b.build().map_err(|e| pic_ops_err(py, &e))?;
        inner.parsed_rules().map_err(|e| pic_ops_err(py, &e))?;
        Ok(PicOperations { inner })
    }

    /// Parses and validates a header value.
    #[staticmethod]
    fn parse(py: Python<'_>, header: &str) -> PyResult<Self> {
        let inner = ci_core::PicOperations::parse(header).map_err(|e| pic_ops_err(py, &e))?;
        inner.parsed_rules().map_err(|e| pic_ops_err(py, &e))?;
        Ok(PicOperations { inner })
    }

    /// The header value (compact JSON), for `PicOperations=` of the client calls.
    fn to_header(&self) -> String {
        self.inner.to_header()
    }

    #[getter]
    fn is_pic_info(&self) -> bool {
        self.inner.is_pic_info
    }

    #[getter]
    fn rules(&self) -> Vec<Rule> {
        self.inner
            .rules
            .iter()
            .cloned()
            .map(|inner| Rule { inner })
            .collect()
    }

    fn __str__(&self) -> String {
        self.inner.to_header()
    }

    fn __repr__(&self) -> String {
        format!("PicOperations({:?})", self.inner.to_header())
    }
}

/// Where a `fileid` is stored for a source key (relative to its folder, or absolute).
#[pyfunction]
fn resolve_fileid(py: Python<'_>, source_key: &str, fileid: &str) -> PyResult<String> {
    ci_core::ops::resolve_fileid(source_key, fileid).map_err(|e| pic_ops_err(py, &e))
}

/// Checks keyword arguments as the calls do (the SDK's error for an unknown name).
#[pyfunction]
fn check_kwargs(py: Python<'_>, kwargs: Kwargs) -> PyResult<()> {
    options(py, &kwargs).map(|_| ())
}

/// The official SDK's `xml_to_dict` of an XML document.
#[pyfunction]
fn xml_to_dict(py: Python<'_>, xml: &str) -> PyResult<Py<PyAny>> {
    let v = ci_core::result::xml_to_dict(xml)
        .map_err(|e| make_err(py, "CosClientError", (e.to_string(),)))?;
    sdk_value_to_py(py, &v)
}

/// The `Authorization` value for a request (`q-sign-algorithm=sha1&...`), as the SDK's
/// `CosS3Auth` computes it. `key_time` is `"start;end"`.
#[pyfunction]
#[pyo3(signature = (secret_id, secret_key, method, path, key_time, params=Vec::new(), headers=Vec::new(), token=None))]
#[allow(clippy::too_many_arguments)]
fn sign(
    py: Python<'_>,
    secret_id: String,
    secret_key: String,
    method: String,
    path: String,
    key_time: &str,
    params: Vec<(String, Option<String>)>,
    headers: Kwargs,
    token: Option<String>,
) -> PyResult<String> {
    let kt: KeyTime = key_time
        .parse()
        .map_err(|e: ci_core::sign::KeyTimeParseError| PyValueError::new_err(e.0))?;
    let creds = Credentials {
        secret_id,
        secret_key,
        token,
    };
    let req = SignableRequest {
        method,
        path,
        params,
        headers,
    };
    Ok(py
        .detach(|| ci_core::sign::sign(&creds, &req, kt, &HeaderPolicy::Default).to_header_value()))
}

// ---------------------------------------------------------------------------------------
// Local engine

fn process_err(py: Python<'_>, e: &ci_core::process::ProcessError) -> PyErr {
    make_err(py, "ProcessError", (e.to_string(), e.code()))
}

/// `ImageInfo` of an encoded image (format, size, quality estimate, orientation, mean
/// colour), computed locally with the GIL released.
#[pyfunction]
fn image_info(py: Python<'_>, data: &[u8]) -> PyResult<ImageInfo> {
    py.detach(|| ci_core::process::image_info(data))
        .map(ImageInfo::from)
        .map_err(|e| process_err(py, &e))
}

/// A JPEG thumbnail `width` pixels wide (ratio kept), computed locally with the GIL
/// released (JPEG shrink-on-load, Lanczos3, libjpeg-turbo).
#[pyfunction]
#[pyo3(signature = (data, width, quality=85))]
fn thumbnail_jpeg<'py>(
    py: Python<'py>,
    data: &[u8],
    width: u32,
    quality: u8,
) -> PyResult<Bound<'py, PyBytes>> {
    let out = py
        .detach(|| ci_core::process::thumbnail_jpeg(data, width, quality))
        .map_err(|e| process_err(py, &e))?;
    Ok(PyBytes::new(py, &out))
}

/// Runs a processing rule locally (the engine behind ci-server): `(bytes, ImageInfo)`.
/// A bad rule raises `RuleError`; an image the engine refuses, `ProcessError`.
#[pyfunction]
fn process<'py>(
    py: Python<'py>,
    data: &[u8],
    rule: &str,
) -> PyResult<(Bound<'py, PyBytes>, ImageInfo)> {
    let parsed = ProcessingRule::parse(rule).map_err(|e| rule_err(py, &e, None))?;
    let out = py
        .detach(|| {
            ci_core::process::execute(data, &parsed, &ci_core::process::ExecuteOptions::default())
        })
        .map_err(|e| process_err(py, &e))?;
    Ok((PyBytes::new(py, &out.bytes), ImageInfo::from(out.info)))
}

// ---------------------------------------------------------------------------------------
// Local server

/// The local COS + CI server (`ci-server`) running on a background thread.
#[pyclass(module = "cos_ci._cos_ci", frozen)]
struct LocalServer {
    addr: std::net::SocketAddr,
    inner: std::sync::Mutex<Option<ci_server::TestServer>>,
}

#[pymethods]
impl LocalServer {
    #[getter]
    fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    #[getter]
    fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://host:port`.
    #[getter]
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    #[getter]
    fn running(&self) -> bool {
        self.inner.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    /// Stops the server (requests in flight finish first). Idempotent.
    fn close(&self, py: Python<'_>) {
        let server = self.inner.lock().ok().and_then(|mut g| g.take());
        py.detach(move || drop(server));
    }

    fn __repr__(&self) -> String {
        format!("LocalServer(url={:?})", self.url())
    }
}

/// Starts `ci-server` on `127.0.0.1:port` (0: a free port) storing into `root`.
#[pyfunction]
#[pyo3(signature = (root, port, credentials, region, anonymous, styles))]
fn start_server(
    py: Python<'_>,
    root: std::path::PathBuf,
    port: u16,
    credentials: Vec<(String, String)>,
    region: String,
    anonymous: bool,
    styles: Vec<(String, String, String)>,
) -> PyResult<LocalServer> {
    let mut config = ci_server::ServerConfig::new(root);
    config.bind = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    config.region = region;
    config.anonymous = anonymous;
    config.credentials = credentials
        .into_iter()
        .map(|(secret_id, secret_key)| ci_server::CredentialConfig {
            secret_id,
            secret_key,
            token: None,
        })
        .collect();
    for (bucket, name, rule) in styles {
        config.styles.entry(bucket).or_default().insert(name, rule);
    }
    let server = py
        .detach(|| {
            ci_server::spawn_for_tests(
                config,
                std::sync::Arc::new(ci_server::EngineProcessor::new()),
            )
        })
        .map_err(|e| PyIOError::new_err(format!("starting the local server: {e}")))?;
    Ok(LocalServer {
        addr: server.addr(),
        inner: std::sync::Mutex::new(Some(server)),
    })
}

#[pymodule]
fn _cos_ci(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeClient>()?;
    m.add_class::<NativeStream>()?;
    m.add_class::<UploadResult>()?;
    m.add_class::<OriginalInfo>()?;
    m.add_class::<ImageInfo>()?;
    m.add_class::<ProcessResult>()?;
    m.add_class::<ParsedRule>()?;
    m.add_class::<Rule>()?;
    m.add_class::<PicOperations>()?;
    m.add_function(wrap_pyfunction!(parse_rule, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_fileid, m)?)?;
    m.add_function(wrap_pyfunction!(xml_to_dict, m)?)?;
    m.add_function(wrap_pyfunction!(sign, m)?)?;
    m.add_function(wrap_pyfunction!(check_kwargs, m)?)?;
    m.add_class::<LocalServer>()?;
    m.add_function(wrap_pyfunction!(image_info, m)?)?;
    m.add_function(wrap_pyfunction!(thumbnail_jpeg, m)?)?;
    m.add_function(wrap_pyfunction!(process, m)?)?;
    m.add_function(wrap_pyfunction!(start_server, m)?)?;
    m.add("CHUNK", CHUNK)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
