//! The native client: every call converts its arguments, runs `ci-core` with the GIL
//! released (`py.detach`) and converts the answer. `cos_ci.CosS3Client` gives it the
//! SDK's signatures.

use std::path::PathBuf;
use std::time::Duration;

use ci_core::client::{
    CiProcessData, ClientError, CosClient, CosConfig, JobOrder, ListPicJobsQuery, MattingSource,
    PicBucketQuery, PicQueueQuery, UploadedPart,
};
use ci_core::result::{AddStyle, CreatePicJobsRequest, JobState, UpdatePicQueueRequest};
use ci_core::sign::ProcessParam;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::body;
use crate::convert::{headers_to_py, sdk_value_to_py, Kwargs};
use crate::errors;
use crate::jobs::PicJob;
use crate::results::{completion_dict, upload_answer_dict, UploadResult};
use crate::stream::NativeStream;

/// Response headers, as the SDK's dict.
type Headers<'py> = Bound<'py, PyDict>;

/// The native client; `cos_ci.CosS3Client` wraps it with the SDK's signatures.
#[pyclass(module = "cos_ci._cos_ci", frozen)]
pub struct NativeClient {
    inner: CosClient,
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (region, secret_id, secret_key, token=None, scheme=None, endpoint=None, domain=None, ip=None, port=None, timeout=None, retries=1))]
    #[allow(clippy::too_many_arguments)]
    fn new(
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
        let inner = CosClient::new(cfg).map_err(errors::from_core)?;
        Ok(NativeClient { inner })
    }

    /// `PUT` with `PicOperations`: `(headers, data)`, `data` the answer's `xml_to_dict`.
    fn ci_put_object<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        body: &Bound<'py, PyAny>,
        enable_md5: bool,
        mut kwargs: Kwargs,
    ) -> PyResult<(Headers<'py>, Py<PyAny>)> {
        let body = body::prepare(body, enable_md5, &mut kwargs)?;
        let opts = kwargs.options()?;
        let (h, xml) = py
            .detach(|| self.inner.ci_put_object_raw(&bucket, &key, body, &opts))
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, upload_answer_dict(py, &xml)?))
    }

    /// [`Self::ci_put_object`] answering the typed `UploadResult` (`None` without
    /// `PicOperations`), the answer parsed once into it.
    fn ci_put_object_typed<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        body: &Bound<'py, PyAny>,
        enable_md5: bool,
        mut kwargs: Kwargs,
    ) -> PyResult<(Headers<'py>, Option<UploadResult>)> {
        let body = body::prepare(body, enable_md5, &mut kwargs)?;
        let opts = kwargs.options()?;
        let (h, result) = py
            .detach(|| self.inner.ci_put_object(&bucket, &key, body, &opts))
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, result.map(UploadResult::from)))
    }

    /// [`Self::ci_put_object`] of a local file, streamed from disk.
    fn ci_put_object_from_local_file<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        path: PathBuf,
        key: String,
        enable_md5: bool,
        mut kwargs: Kwargs,
    ) -> PyResult<(Headers<'py>, Py<PyAny>)> {
        if enable_md5 && !kwargs.contains("ContentMD5") {
            let md5 = py.detach(|| body::file_md5(&path))?;
            kwargs.set_default("ContentMD5", md5);
        }
        let opts = kwargs.options()?;
        let (h, xml) = py
            .detach(|| {
                let body = ci_core::client::Body::open(&path)?;
                self.inner.ci_put_object_raw(&bucket, &key, body, &opts)
            })
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, upload_answer_dict(py, &xml)?))
    }

    /// `POST ?image_process`: `(headers, data)`.
    fn ci_image_process<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        kwargs: Kwargs,
    ) -> PyResult<(Headers<'py>, Py<PyAny>)> {
        let opts = kwargs.options()?;
        let (h, r) = py
            .detach(|| self.inner.ci_image_process(&bucket, &key, &opts))
            .map_err(errors::from_core)?;
        Ok((
            headers_to_py(py, &h)?,
            sdk_value_to_py(py, &r.to_sdk_dict())?,
        ))
    }

    /// `POST ?image_process`: `(headers, UploadResult)`.
    fn ci_image_process_typed<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        kwargs: Kwargs,
    ) -> PyResult<(Headers<'py>, UploadResult)> {
        let opts = kwargs.options()?;
        let (h, r) = py
            .detach(|| self.inner.ci_image_process(&bucket, &key, &opts))
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, UploadResult::from(r)))
    }

    /// A plain `PUT`: the response headers.
    fn put_object<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        body: &Bound<'py, PyAny>,
        enable_md5: bool,
        mut kwargs: Kwargs,
    ) -> PyResult<Headers<'py>> {
        let body = body::prepare(body, enable_md5, &mut kwargs)?;
        let opts = kwargs.options()?;
        let h = py
            .detach(|| self.inner.put_object(&bucket, &key, body, &opts))
            .map_err(errors::from_core)?;
        headers_to_py(py, &h)
    }

    /// `GET`, processed with `ProcessRule` or `Style` when given: `(headers, stream)`;
    /// the body is read from the stream as the caller asks for it.
    fn get_object<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        key_simplify_check: bool,
        mut kwargs: Kwargs,
    ) -> PyResult<(Headers<'py>, NativeStream)> {
        let process = take_process(&mut kwargs)?;
        if key_simplify_check && names_the_root(&key) {
            return Err(errors::client_error("The Getobject Key is illegal"));
        }
        let opts = kwargs.options()?;
        let stream = py
            .detach(|| {
                self.inner
                    .get_object_stream(&bucket, &key, process.as_ref(), &opts)
            })
            .map_err(errors::from_core)?;
        Ok((
            headers_to_py(py, stream.headers())?,
            NativeStream::new(stream),
        ))
    }

    /// `GET` (processed as [`Self::get_object`]) straight into the file `path`.
    fn get_object_to_file<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        path: PathBuf,
        mut kwargs: Kwargs,
    ) -> PyResult<Headers<'py>> {
        let process = take_process(&mut kwargs)?;
        let opts = kwargs.options()?;
        let h = py
            .detach(|| {
                self.inner
                    .get_object_to_file(&bucket, &key, process.as_ref(), &opts, &path)
            })
            .map_err(errors::from_core)?;
        headers_to_py(py, &h)
    }

    /// AIPicMatting of `key` or of `detect_url`: `(headers, stream)`.
    #[pyo3(signature = (bucket, key, detect_url, center_layout, padding_layout))]
    fn ai_pic_matting<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: Option<String>,
        detect_url: Option<String>,
        center_layout: Option<Bound<'py, PyAny>>,
        padding_layout: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Headers<'py>, NativeStream)> {
        let mut args: Vec<(&str, String)> = Vec::new();
        if let Some(v) = center_layout {
            args.push(("center-layout", v.str()?.to_cow()?.into_owned()));
        }
        if let Some(v) = padding_layout {
            args.push(("padding-layout", v.str()?.to_cow()?.into_owned()));
        }
        let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
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
            .map_err(errors::from_core)?;
        Ok((
            headers_to_py(py, stream.headers())?,
            NativeStream::new(stream),
        ))
    }

    fn head_object<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        kwargs: Kwargs,
    ) -> PyResult<Headers<'py>> {
        let opts = kwargs.options()?;
        let h = py
            .detach(|| self.inner.head_object(&bucket, &key, &opts))
            .map_err(errors::from_core)?;
        headers_to_py(py, &h)
    }

    /// `kwargs` are checked (the SDK's error for an unknown name), not sent.
    fn delete_object<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        kwargs: Kwargs,
    ) -> PyResult<Headers<'py>> {
        kwargs.options()?;
        let h = py
            .detach(|| self.inner.delete_object(&bucket, &key))
            .map_err(errors::from_core)?;
        headers_to_py(py, &h)
    }

    /// `{"Bucket", "Key", "UploadId"}`.
    fn create_multipart_upload<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        kwargs: Kwargs,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = kwargs.options()?;
        let r = py
            .detach(|| self.inner.create_multipart_upload(&bucket, &key, &opts))
            .map_err(errors::from_core)?;
        let d = PyDict::new(py);
        d.set_item("Bucket", r.bucket)?;
        d.set_item("Key", r.key)?;
        d.set_item("UploadId", r.upload_id)?;
        Ok(d)
    }

    /// One part; `kwargs` are checked, not sent.
    #[allow(clippy::too_many_arguments)]
    fn upload_part<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        body: &Bound<'py, PyAny>,
        part_number: u32,
        upload_id: String,
        enable_md5: bool,
        kwargs: Kwargs,
    ) -> PyResult<Headers<'py>> {
        kwargs.options()?;
        let body = body::prepare_part(body, enable_md5)?;
        let (_, h) = py
            .detach(|| {
                self.inner
                    .upload_part(&bucket, &key, &upload_id, part_number, body, enable_md5)
            })
            .map_err(errors::from_core)?;
        headers_to_py(py, &h)
    }

    /// The headers with the answer's `xml_to_dict` merged in, as the SDK merges them;
    /// `parts` are `(part_number, etag)`.
    fn complete_multipart_upload<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        upload_id: String,
        parts: Vec<(u32, String)>,
        kwargs: Kwargs,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = kwargs.options()?;
        let parts: Vec<UploadedPart> = parts
            .into_iter()
            .map(|(part_number, etag)| UploadedPart { part_number, etag })
            .collect();
        let (h, outcome) = py
            .detach(|| {
                self.inner
                    .complete_multipart_upload(&bucket, &key, &upload_id, &parts, &opts)
            })
            .map_err(errors::from_core)?;
        let out = headers_to_py(py, &h)?;
        let data = completion_dict(py, outcome)?;
        if let Ok(data) = data.bind(py).downcast::<PyDict>() {
            out.update(data.as_mapping())?;
        }
        Ok(out)
    }

    /// `kwargs` are checked, not sent.
    fn abort_multipart_upload<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        upload_id: String,
        kwargs: Kwargs,
    ) -> PyResult<Headers<'py>> {
        kwargs.options()?;
        let h = py
            .detach(|| self.inner.abort_multipart_upload(&bucket, &key, &upload_id))
            .map_err(errors::from_core)?;
        headers_to_py(py, &h)
    }

    /// Parallel multipart upload of a local file: `(headers, data)`, `data` the
    /// completion's `xml_to_dict`.
    fn multipart_upload_file<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        path: PathBuf,
        kwargs: Kwargs,
    ) -> PyResult<(Headers<'py>, Py<PyAny>)> {
        let opts = kwargs.options()?;
        let (h, outcome) = py
            .detach(|| {
                self.inner
                    .multipart_upload_file(&bucket, &key, &path, &opts)
            })
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, completion_dict(py, outcome)?))
    }

    // -- the image API (styles, ci-process) ------------------------------------------

    /// `PUT /?style`: adds or replaces the style `name` (its rule checked first).
    fn ci_put_image_style<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        name: String,
        body: String,
    ) -> PyResult<Headers<'py>> {
        let style = AddStyle::new(name, body);
        let h = py
            .detach(|| self.inner.ci_put_image_style(&bucket, &style))
            .map_err(errors::from_core)?;
        headers_to_py(py, &h)
    }

    /// `GET /?style`: `(headers, xml)`, the `<StyleList>` document as `ci-core` reads
    /// and writes it (the caller applies `xml_to_dict`).
    #[pyo3(signature = (bucket, name=None))]
    fn ci_get_image_style<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        name: Option<String>,
    ) -> PyResult<(Headers<'py>, String)> {
        let (h, list) = py
            .detach(|| self.inner.ci_get_image_style(&bucket, name.as_deref()))
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, list.to_xml()))
    }

    /// `DELETE /?style`.
    fn ci_delete_image_style<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        name: String,
    ) -> PyResult<Headers<'py>> {
        let h = py
            .detach(|| self.inner.ci_delete_image_style(&bucket, &name))
            .map_err(errors::from_core)?;
        headers_to_py(py, &h)
    }

    /// `GET /<key>?ci-process=<name>&<params>` read whole: `(headers, kind, value)`,
    /// `kind` `"xml"` (value the `xml_to_dict`), `"json"` (value the JSON text) or
    /// `"bytes"`, decided by `Content-Type` as the SDK decides it.
    fn ci_process<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        name: String,
        params: Vec<(String, String)>,
    ) -> PyResult<(Headers<'py>, &'static str, Py<PyAny>)> {
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (h, data) = py
            .detach(|| self.inner.ci_process(&bucket, &key, &name, &pairs))
            .map_err(errors::from_core)?;
        let (kind, value) = match data {
            CiProcessData::Xml(v) => ("xml", sdk_value_to_py(py, &v)?),
            CiProcessData::Json(v) => (
                "json",
                pyo3::types::PyString::new(py, &v.to_string())
                    .into_any()
                    .unbind(),
            ),
            CiProcessData::Bytes(b) => ("bytes", PyBytes::new(py, &b).into_any().unbind()),
        };
        Ok((headers_to_py(py, &h)?, kind, value))
    }

    /// `GET /<key>?ci-process=<name>&<params>` as a stream: `(headers, stream)`.
    fn ci_process_stream<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        key: String,
        name: String,
        params: Vec<(String, String)>,
        kwargs: Kwargs,
    ) -> PyResult<(Headers<'py>, NativeStream)> {
        let opts = kwargs.options()?;
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let process = ProcessParam::ci_process(name, &pairs);
        let stream = py
            .detach(|| {
                self.inner
                    .get_object_stream(&bucket, &key, Some(&process), &opts)
            })
            .map_err(errors::from_core)?;
        Ok((
            headers_to_py(py, stream.headers())?,
            NativeStream::new(stream),
        ))
    }

    // -- asynchronous image jobs --------------------------------------------------------
    // Each answers `(headers, xml)`: the typed document `ci-core` read, written back as
    // XML; the caller applies the SDK's `xml_to_dict` and `format_dict`.

    fn ci_open_pic_bucket<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
    ) -> PyResult<(Headers<'py>, String)> {
        let (h, doc) = py
            .detach(|| self.inner.ci_open_pic_bucket(&bucket))
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, doc.to_xml()))
    }

    fn ci_close_pic_bucket<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
    ) -> PyResult<(Headers<'py>, String)> {
        let (h, doc) = py
            .detach(|| self.inner.ci_close_pic_bucket(&bucket))
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, doc.to_xml()))
    }

    fn ci_get_pic_bucket<'py>(
        &self,
        py: Python<'py>,
        regions: String,
        bucket_name: String,
        bucket_names: String,
        page_number: Option<u32>,
        page_size: Option<u32>,
    ) -> PyResult<(Headers<'py>, String)> {
        let query = PicBucketQuery {
            regions,
            bucket_name,
            bucket_names,
            page_number,
            page_size,
        };
        let (h, doc) = py
            .detach(|| self.inner.ci_get_pic_bucket(&query))
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, doc.to_xml()))
    }

    fn ci_get_media_pic_queue<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        state: Option<String>,
        queue_ids: Vec<String>,
        page_number: Option<u32>,
        page_size: Option<u32>,
    ) -> PyResult<(Headers<'py>, String)> {
        let query = PicQueueQuery {
            queue_ids,
            state,
            page_number,
            page_size,
        };
        let (h, doc) = py
            .detach(|| self.inner.ci_get_media_pic_queue(&bucket, &query))
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, doc.to_xml()))
    }

    /// `request_xml`: the `<Request>` document (the SDK's `format_xml` of `Request`).
    fn ci_update_media_pic_queue<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        queue_id: String,
        request_xml: String,
    ) -> PyResult<(Headers<'py>, String)> {
        let request = UpdatePicQueueRequest::from_xml(&request_xml)
            .map_err(|e| errors::client_error(format!("Request: {e}")))?;
        let (h, doc) = py
            .detach(|| {
                self.inner
                    .ci_update_media_pic_queue(&bucket, &queue_id, &request)
            })
            .map_err(errors::from_core)?;
        Ok((headers_to_py(py, &h)?, doc.to_xml()))
    }

    /// `jobs_xml`: the `<Request>` document (the SDK's `format_xml` of `Jobs`).
    fn ci_create_media_pic_jobs<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        jobs_xml: String,
    ) -> PyResult<(Headers<'py>, String, PicJob)> {
        let request = CreatePicJobsRequest::from_xml(&jobs_xml)
            .map_err(|e| errors::client_error(format!("Jobs: {e}")))?;
        let (h, doc) = py
            .detach(|| self.inner.ci_create_media_pic_jobs(&bucket, &request))
            .map_err(errors::from_core)?;
        let xml = doc.to_xml();
        Ok((headers_to_py(py, &h)?, xml, PicJob::from(doc.jobs_detail)))
    }

    /// `(headers, xml, jobs, unknown ids)`.
    fn ci_get_media_pic_jobs<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        job_ids: Vec<String>,
    ) -> PyResult<(Headers<'py>, String, Vec<PicJob>, Vec<String>)> {
        let ids: Vec<&str> = job_ids.iter().map(String::as_str).collect();
        let (h, doc) = py
            .detach(|| self.inner.ci_get_media_pic_jobs(&bucket, &ids))
            .map_err(errors::from_core)?;
        let xml = doc.to_xml();
        let jobs = doc.jobs_detail.into_iter().map(PicJob::from).collect();
        Ok((headers_to_py(py, &h)?, xml, jobs, doc.non_exist_job_ids))
    }

    /// `(headers, xml, jobs, next token)`.
    #[allow(clippy::too_many_arguments)]
    fn ci_list_media_pic_jobs<'py>(
        &self,
        py: Python<'py>,
        bucket: String,
        tag: String,
        queue_id: Option<String>,
        start_creation_time: Option<String>,
        end_creation_time: Option<String>,
        order_by_time: String,
        states: String,
        size: u32,
        next_token: String,
    ) -> PyResult<(Headers<'py>, String, Vec<PicJob>, String)> {
        let order_by_time = match order_by_time.as_str() {
            "Desc" => JobOrder::Desc,
            "Asc" => JobOrder::Asc,
            other => {
                return Err(errors::client_error(format!(
                    "OrderByTime must be Desc or Asc, not {other:?}"
                )))
            }
        };
        let mut parsed = Vec::new();
        for s in states.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if s == "All" {
                parsed.clear();
                break;
            }
            let state: JobState = s
                .parse()
                .map_err(|_| errors::client_error(format!("States: unknown state {s:?}")))?;
            parsed.push(state);
        }
        let query = ListPicJobsQuery {
            tag,
            queue_id,
            start_creation_time,
            end_creation_time,
            order_by_time,
            states: parsed,
            size,
            next_token,
        };
        let (h, doc) = py
            .detach(|| self.inner.ci_list_media_pic_jobs(&bucket, &query))
            .map_err(errors::from_core)?;
        let xml = doc.to_xml();
        let jobs = doc.jobs_detail.into_iter().map(PicJob::from).collect();
        Ok((headers_to_py(py, &h)?, xml, jobs, doc.next_token))
    }

    /// Polls the job until it ends or `timeout` seconds pass (GIL released).
    fn wait_for_pic_job(
        &self,
        py: Python<'_>,
        bucket: String,
        job_id: String,
        timeout: f64,
    ) -> PyResult<PicJob> {
        if !(timeout.is_finite() && timeout >= 0.0) {
            return Err(PyValueError::new_err("Timeout must be a number of seconds"));
        }
        let job = py
            .detach(|| {
                self.inner
                    .wait_for_job(&bucket, &job_id, Duration::from_secs_f64(timeout))
            })
            .map_err(errors::from_core)?;
        Ok(PicJob::from(job))
    }

    /// A pre-signed URL; `params` (e.g. `("imageMogr2/thumbnail/200x", None)`) are
    /// signed into it.
    #[pyo3(signature = (bucket, key, method, expired, params, headers))]
    fn get_presigned_url(
        &self,
        bucket: String,
        key: String,
        method: String,
        expired: u64,
        params: Vec<(String, Option<String>)>,
        headers: Vec<(String, String)>,
    ) -> PyResult<String> {
        self.inner
            .get_presigned_url(&bucket, &key, &method, expired, &params, &headers)
            .map_err(errors::from_core)
    }
}

/// `ProcessRule` (a rule, or `style/NAME`) or `Style` (a style name), exclusive.
fn take_process(kwargs: &mut Kwargs) -> PyResult<Option<ProcessParam>> {
    let rule = kwargs.take("ProcessRule");
    let style = kwargs.take("Style");
    Ok(match (rule, style) {
        (Some(_), Some(_)) => {
            return Err(errors::client_error("ProcessRule and Style are exclusive"))
        }
        (None, Some(name)) => Some(ProcessParam::style(name)),
        (Some(rule), None) => Some(match rule.strip_prefix("style/") {
            Some(name) => ProcessParam::style(name),
            None => ProcessParam::rule(rule),
        }),
        (None, None) => None,
    })
}

/// The SDK's `KeySimplifyCheck`: whether the key normalises to the bucket itself
/// (`""`, `/`, `.`, `a/..`), as `os.path.normpath("/" + key.lstrip("/")) == "/"`.
fn names_the_root(key: &str) -> bool {
    let mut depth = 0usize;
    for part in key.split('/') {
        match part {
            "" | "." => {}
            ".." => depth = depth.saturating_sub(1),
            _ => depth += 1,
        }
    }
    depth == 0
}
