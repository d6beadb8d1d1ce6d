//! The answers of the CI calls: the SDK's dict shape (`xml_to_dict`) and the typed
//! `UploadResult` with its parts. Each answer is parsed once, into the form the call
//! returns.

use ci_core::client::{ClientError, CompleteOutcome};
use ci_core::result::{ImageInfo as CoreImageInfo, UploadResult as CoreUploadResult};
use pyo3::exceptions::PyIOError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::convert::sdk_value_to_py;
use crate::errors;
use crate::fastdict::xml_to_dict_plain;

/// The official SDK's ``xml_to_dict`` of an XML document.
#[pyfunction]
pub fn xml_to_dict(py: Python<'_>, xml: &str) -> PyResult<Py<PyAny>> {
    if let Some(d) = xml_to_dict_plain(py, xml)? {
        return Ok(d.into_any().unbind());
    }
    let v = ci_core::result::xml_to_dict(xml).map_err(|e| errors::client_error(e.to_string()))?;
    sdk_value_to_py(py, &v)
}

/// The data of `ci_put_object`: the answer's `xml_to_dict` as received (an empty dict
/// without `PicOperations`).
pub fn upload_answer_dict(py: Python<'_>, xml: &str) -> PyResult<Py<PyAny>> {
    if xml.trim().is_empty() {
        return Ok(PyDict::new(py).into_any().unbind());
    }
    if let Some(d) = xml_to_dict_plain(py, xml)? {
        return Ok(d.into_any().unbind());
    }
    let dict = ci_core::result::xml_to_dict(xml).map_err(|e| {
        errors::from_client(&ClientError::InvalidResponse(format!("UploadResult: {e}")))
    })?;
    sdk_value_to_py(py, &dict)
}

/// The data of a completed multipart upload: its `xml_to_dict` (`Location`, `Bucket`,
/// `Key`, `ETag`, then with `PicOperations` `OriginalInfo` and `ProcessResults`).
pub fn completion_dict(py: Python<'_>, outcome: CompleteOutcome) -> PyResult<Py<PyAny>> {
    match outcome {
        CompleteOutcome::Processed(u) => sdk_value_to_py(py, &u.to_sdk_dict()),
        CompleteOutcome::Completed(c) => {
            let d = PyDict::new(py);
            d.set_item("Location", c.location)?;
            d.set_item("Bucket", c.bucket)?;
            d.set_item("Key", c.key)?;
            d.set_item("ETag", c.etag)?;
            Ok(d.into_any().unbind())
        }
        #[allow(unreachable_patterns)]
        _ => Err(PyIOError::new_err("unknown multipart completion")),
    }
}

/// `<ImageInfo>`.
#[pyclass(module = "cos_ci._cos_ci", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub struct ImageInfo {
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
    #[new]
    #[pyo3(signature = (format, width, height, quality=None, ave=None, orientation=None, frame_count=None, md5=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        format: String,
        width: u32,
        height: u32,
        quality: Option<u32>,
        ave: Option<String>,
        orientation: Option<u32>,
        frame_count: Option<u32>,
        md5: Option<String>,
    ) -> Self {
        ImageInfo {
            format,
            width,
            height,
            quality,
            ave,
            orientation,
            frame_count,
            md5,
        }
    }

    /// Pickles as its constructor's arguments.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyType>, Py<PyAny>)> {
        let args = (
            self.format.clone(),
            self.width,
            self.height,
            self.quality,
            self.ave.clone(),
            self.orientation,
            self.frame_count,
            self.md5.clone(),
        )
            .into_pyobject(py)?
            .into_any()
            .unbind();
        Ok((py.get_type::<ImageInfo>(), args))
    }

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
pub struct OriginalInfo {
    key: String,
    location: String,
    etag: String,
    image_info: Option<ImageInfo>,
}

#[pymethods]
impl OriginalInfo {
    #[new]
    #[pyo3(signature = (key, location, etag, image_info=None))]
    fn new(key: String, location: String, etag: String, image_info: Option<ImageInfo>) -> Self {
        OriginalInfo {
            key,
            location,
            etag,
            image_info,
        }
    }

    /// Pickles as its constructor's arguments.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyType>, Py<PyAny>)> {
        let args = (
            self.key.clone(),
            self.location.clone(),
            self.etag.clone(),
            self.image_info.clone(),
        )
            .into_pyobject(py)?
            .into_any()
            .unbind();
        Ok((py.get_type::<OriginalInfo>(), args))
    }

    fn __repr__(&self) -> String {
        format!("OriginalInfo(key={:?}, etag={:?})", self.key, self.etag)
    }
}

/// One `<Object>` of `<ProcessResults>`.
#[pyclass(module = "cos_ci._cos_ci", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub struct ProcessResult {
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
    #[new]
    #[pyo3(signature = (key, location, etag, format=None, md5=None, width=None, height=None, size=None, quality=None, frame_count=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        key: String,
        location: String,
        etag: String,
        format: Option<String>,
        md5: Option<String>,
        width: Option<u32>,
        height: Option<u32>,
        size: Option<u64>,
        quality: Option<u32>,
        frame_count: Option<u32>,
    ) -> Self {
        ProcessResult {
            key,
            location,
            format,
            md5,
            width,
            height,
            size,
            quality,
            etag,
            frame_count,
        }
    }

    /// Pickles as its constructor's arguments.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyType>, Py<PyAny>)> {
        let args = (
            self.key.clone(),
            self.location.clone(),
            self.etag.clone(),
            self.format.clone(),
            self.md5.clone(),
            self.width,
            self.height,
            self.size,
            self.quality,
            self.frame_count,
        )
            .into_pyobject(py)?
            .into_any()
            .unbind();
        Ok((py.get_type::<ProcessResult>(), args))
    }

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
pub struct UploadResult {
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
    #[classmethod]
    fn from_xml(_cls: &Bound<'_, PyType>, xml: &str) -> PyResult<Self> {
        CoreUploadResult::from_xml(xml)
            .map(UploadResult::from)
            .map_err(|e| errors::client_error(e.to_string()))
    }

    fn to_xml(&self) -> String {
        self.inner.to_xml()
    }

    /// Pickles as its XML.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_xml = py.get_type::<UploadResult>().getattr("from_xml")?;
        Ok((from_xml, (self.inner.to_xml(),)))
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
