//! The local engine (`ci_core::process`), run with the GIL released.

use ci_core::process::ExecuteOptions;
use ci_core::rule::ProcessingRule;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyMemoryView};

use crate::errors;
use crate::results::ImageInfo;
use crate::rules::ParsedRule;

/// An encoded image given as bytes (shared), bytearray or memoryview (copied: they may
/// change while the GIL is released).
pub struct ImageBytes(PyBackedBytes);

impl<'py> FromPyObject<'py> for ImageBytes {
    fn extract_bound(ob: &Bound<'py, PyAny>) -> PyResult<Self> {
        if ob.is_instance_of::<PyMemoryView>() {
            return Ok(ImageBytes(ob.call_method0("tobytes")?.extract()?));
        }
        Ok(ImageBytes(ob.extract()?))
    }
}

/// A rule as text or already parsed.
pub enum RuleArg {
    Text(String),
    Parsed(ProcessingRule),
}

impl<'py> FromPyObject<'py> for RuleArg {
    fn extract_bound(ob: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(parsed) = ob.downcast::<ParsedRule>() {
            return Ok(RuleArg::Parsed(parsed.get().inner.clone()));
        }
        Ok(RuleArg::Text(ob.extract()?))
    }
}

/// ``ImageInfo`` of an encoded image (format, size, quality estimate, orientation, mean
/// colour), computed locally with the GIL released. Raises ``ProcessError`` for an
/// undecodable or oversized input.
#[pyfunction]
pub fn image_info(py: Python<'_>, data: ImageBytes) -> PyResult<ImageInfo> {
    py.detach(|| ci_core::process::image_info(&data.0))
        .map(ImageInfo::from)
        .map_err(|e| errors::process_error(&e))
}

/// A JPEG thumbnail ``width`` pixels wide (ratio kept), computed locally with the GIL
/// released (JPEG shrink-on-load, Lanczos3, libjpeg-turbo). Raises ``ProcessError``.
#[pyfunction]
#[pyo3(signature = (data, width, quality=85))]
pub fn thumbnail_jpeg(
    py: Python<'_>,
    data: ImageBytes,
    width: u32,
    quality: u8,
) -> PyResult<Bound<'_, PyBytes>> {
    let out = py
        .detach(|| ci_core::process::thumbnail_jpeg(&data.0, width, quality))
        .map_err(|e| errors::process_error(&e))?;
    Ok(PyBytes::new(py, &out))
}

/// Runs a processing rule locally (the engine behind ci-server), GIL released: the
/// output and its ``ImageInfo``. Raises ``RuleError`` for a bad rule, ``ProcessError``
/// for a refused image.
#[pyfunction]
pub fn process(
    py: Python<'_>,
    data: ImageBytes,
    rule: RuleArg,
) -> PyResult<(Bound<'_, PyBytes>, ImageInfo)> {
    let parsed = match rule {
        RuleArg::Parsed(p) => p,
        RuleArg::Text(t) => ProcessingRule::parse(&t).map_err(|e| errors::rule_error(&e, None))?,
    };
    let out = py
        .detach(|| ci_core::process::execute(&data.0, &parsed, &ExecuteOptions::default()))
        .map_err(|e| errors::process_error(&e))?;
    Ok((PyBytes::new(py, &out.bytes), ImageInfo::from(out.info)))
}

/// ``imageInspect`` of an encoded image, computed locally with the GIL released: the
/// dict the service's JSON answer reads as (``picSize``, ``picType``, ``suspicious`` and,
/// when true, ``suspiciousBeginByte``, ``suspiciousEndByte``, ``suspiciousSize``,
/// ``suspiciousType``). Raises ``ProcessError`` for input that is not an image.
#[pyfunction]
pub fn inspect(py: Python<'_>, data: ImageBytes) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let r = py
        .detach(|| ci_core::process::inspect(&data.0))
        .map_err(|e| errors::process_error(&e))?;
    let d = pyo3::types::PyDict::new(py);
    d.set_item("picSize", r.pic_size)?;
    d.set_item("picType", r.pic_type)?;
    d.set_item("suspicious", r.suspicious)?;
    if r.suspicious {
        d.set_item("suspiciousBeginByte", r.suspicious_begin_byte)?;
        d.set_item("suspiciousEndByte", r.suspicious_end_byte)?;
        d.set_item("suspiciousSize", r.suspicious_size)?;
        d.set_item("suspiciousType", r.suspicious_type)?;
    }
    Ok(d)
}

/// What this build contains (`ci_core::build_info`): `version`, `profile`,
/// `libjpeg_turbo`, `jpeg_simd` (the instruction sets whose libjpeg-turbo kernels are
/// linked; empty without them), `av1_asm`, `avif_encoder` (`libaom <version>`, `rav1e`
/// or empty), `crates` (codec crate -> version) and
/// `summary` (the lines `cos-ci --version --verbose` prints).
#[pyfunction]
pub fn build_info(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let info = ci_core::build_info();
    let d = pyo3::types::PyDict::new(py);
    d.set_item("version", info.version)?;
    d.set_item("profile", info.profile)?;
    d.set_item("libjpeg_turbo", info.libjpeg_turbo)?;
    d.set_item("jpeg_simd", info.jpeg_simd.clone())?;
    d.set_item("av1_asm", info.av1_asm)?;
    d.set_item("avif_encoder", &info.avif_encoder)?;
    let crates = pyo3::types::PyDict::new(py);
    for (name, version) in &info.crates {
        crates.set_item(*name, *version)?;
    }
    d.set_item("crates", crates)?;
    d.set_item("summary", info.to_string())?;
    Ok(d)
}
