//! The methods of the exception classes, written in Rust.
//!
//! The wheel is built for the stable ABI (abi3), where pyo3 cannot make a `#[pyclass]`
//! extend `Exception`; the classes are therefore `create_exception!` types, and their
//! methods are added to them here. A builtin function stored on a class is not bound to
//! the instance (it has no `__get__`), so each is wrapped in [`ExceptionMethod`], a small
//! descriptor that binds it as `types.MethodType` would bind a Python function, and
//! shows its `__text_signature__` to `inspect` (and so to `stubtest`).
//!
//! The state lives in the instance's `__dict__` under the official SDK's attribute names
//! (`_message`, `_origin_msg`, `_digest_msg`, `_status_code`), with `args` `(message,)`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyString, PyTuple, PyType};
use pyo3::wrap_pyfunction;

use super::digest::digest_xml_or_json;
use super::{CosException, CosServiceError, PicOperationsError, ProcessError, RuleError};

// A Rust function installed as a method: bound to the instance on attribute access.
// (No doc comment: the class docstring would hide the function's, see `__doc__`.)
#[pyclass(module = "cos_ci._cos_ci", frozen)]
struct ExceptionMethod {
    function: Py<PyCFunction>,
}

#[pymethods]
impl ExceptionMethod {
    fn __get__(
        slf: &Bound<'_, Self>,
        instance: Option<&Bound<'_, PyAny>>,
        _owner: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match instance {
            None => Ok(slf.clone().into_any().unbind()),
            Some(obj) => {
                static METHOD_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
                let method_type = METHOD_TYPE.import(py, "types", "MethodType")?;
                Ok(method_type
                    .call1((slf.get().function.bind(py), obj))?
                    .unbind())
            }
        }
    }

    /// Called through the class (`CosException.__init__(self, message)`).
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        Ok(self.function.bind(py).call(args, kwargs)?.unbind())
    }

    #[getter]
    fn __text_signature__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self
            .function
            .bind(py)
            .getattr(intern!(py, "__text_signature__"))?
            .unbind())
    }

    #[getter]
    fn __name__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self
            .function
            .bind(py)
            .getattr(intern!(py, "__name__"))?
            .unbind())
    }

    #[getter]
    fn __doc__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self
            .function
            .bind(py)
            .getattr(intern!(py, "__doc__"))?
            .unbind())
    }
}

/// Gives every exception class its methods (once, when the module loads).
pub(super) fn install(py: Python<'_>) -> PyResult<()> {
    let base = py.get_type::<CosException>();
    set(&base, wrap_pyfunction!(cos_exception_init, py)?)?;
    set(&base, wrap_pyfunction!(cos_exception_str, py)?)?;

    let service = py.get_type::<CosServiceError>();
    set(&service, wrap_pyfunction!(service_error_init, py)?)?;
    set(&service, wrap_pyfunction!(service_error_str, py)?)?;
    set(&service, wrap_pyfunction!(get_origin_msg, py)?)?;
    set(&service, wrap_pyfunction!(get_digest_msg, py)?)?;
    set(&service, wrap_pyfunction!(get_status_code, py)?)?;
    set(&service, wrap_pyfunction!(get_error_code, py)?)?;
    set(&service, wrap_pyfunction!(get_error_msg, py)?)?;
    set(&service, wrap_pyfunction!(get_resource_location, py)?)?;
    set(&service, wrap_pyfunction!(get_trace_id, py)?)?;
    set(&service, wrap_pyfunction!(get_request_id, py)?)?;

    set(
        &py.get_type::<PicOperationsError>(),
        wrap_pyfunction!(pic_operations_error_init, py)?,
    )?;
    set(
        &py.get_type::<RuleError>(),
        wrap_pyfunction!(rule_error_init, py)?,
    )?;
    set(
        &py.get_type::<ProcessError>(),
        wrap_pyfunction!(process_error_init, py)?,
    )?;
    Ok(())
}

/// `class.<function.__name__> = ExceptionMethod(function)`.
fn set(class: &Bound<'_, PyType>, function: Bound<'_, PyCFunction>) -> PyResult<()> {
    let name = function.getattr(intern!(class.py(), "__name__"))?;
    let method = ExceptionMethod {
        function: function.unbind(),
    };
    class.setattr(name.downcast_into::<PyString>()?, method)
}

/// `args` as the classes have always set them: `(message,)` (what `str()` of a
/// `ValueError` shows).
fn set_args(slf: &Bound<'_, PyAny>, message: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = slf.py();
    slf.setattr(intern!(py, "args"), PyTuple::new(py, [message])?)
}

/// `CosException.__init__`: `args` and, as the SDK keeps it, `_message`.
fn set_message(slf: &Bound<'_, PyAny>, message: &Bound<'_, PyAny>) -> PyResult<()> {
    set_args(slf, message)?;
    slf.setattr(intern!(slf.py(), "_message"), message)
}

// ---------------------------------------------------------------------------------------
// CosException

/// The error message (any object; ``str()`` shows it).
#[pyfunction(name = "__init__")]
#[pyo3(text_signature = "($self, message)")]
fn cos_exception_init(slf: &Bound<'_, PyAny>, message: &Bound<'_, PyAny>) -> PyResult<()> {
    set_message(slf, message)
}

#[pyfunction(name = "__str__")]
#[pyo3(text_signature = "($self, /)")]
fn cos_exception_str<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    slf.getattr(intern!(slf.py(), "_message"))?.str()
}

// ---------------------------------------------------------------------------------------
// CosServiceError

/// ``message`` is the error body, digested as the SDK does (a dict of code, message,
/// resource, requestid, traceid; else the JSON body; else
/// ``"Response Error Msg Is INVALID"``), or an already digested dict.
#[pyfunction(name = "__init__")]
#[pyo3(text_signature = "($self, method, message, status_code)")]
fn service_error_init(
    slf: &Bound<'_, PyAny>,
    method: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    status_code: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let py = slf.py();
    set_message(slf, message)?;
    slf.setattr(intern!(py, "_method"), method)?;
    let (origin, digest) = if message.is_instance_of::<PyDict>() {
        (PyString::new(py, "").into_any(), message.clone())
    } else {
        (message.clone(), digest_xml_or_json(message)?)
    };
    slf.setattr(intern!(py, "_origin_msg"), origin)?;
    slf.setattr(intern!(py, "_digest_msg"), digest)?;
    slf.setattr(intern!(py, "_status_code"), status_code)
}

#[pyfunction(name = "__str__")]
#[pyo3(text_signature = "($self, /)")]
fn service_error_str<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    slf.getattr(intern!(slf.py(), "_digest_msg"))?.str()
}

/// The raw error body.
#[pyfunction]
#[pyo3(text_signature = "($self, /)")]
fn get_origin_msg<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    slf.getattr(intern!(slf.py(), "_origin_msg"))
}

/// The error as a dict (code, message, resource, requestid, traceid).
#[pyfunction]
#[pyo3(text_signature = "($self, /)")]
fn get_digest_msg<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    slf.getattr(intern!(slf.py(), "_digest_msg"))
}

/// The HTTP status.
#[pyfunction]
#[pyo3(text_signature = "($self, /)")]
fn get_status_code<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    slf.getattr(intern!(slf.py(), "_status_code"))
}

/// `digest[name]`, or ``"Unknown"`` when the body was not a readable error.
fn digest_field<'py>(slf: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let digest = slf.getattr(intern!(py, "_digest_msg"))?;
    if digest.is_instance_of::<PyDict>() {
        digest.get_item(name)
    } else {
        Ok(PyString::new(py, "Unknown").into_any())
    }
}

/// The COS error code (``"Unknown"`` for an unreadable body).
#[pyfunction]
#[pyo3(text_signature = "($self, /)")]
fn get_error_code<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    digest_field(slf, "code")
}

/// The error message of the body.
#[pyfunction]
#[pyo3(text_signature = "($self, /)")]
fn get_error_msg<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    digest_field(slf, "message")
}

/// The resource the error is about.
#[pyfunction]
#[pyo3(text_signature = "($self, /)")]
fn get_resource_location<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    digest_field(slf, "resource")
}

/// The trace id.
#[pyfunction]
#[pyo3(text_signature = "($self, /)")]
fn get_trace_id<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    digest_field(slf, "traceid")
}

/// The request id.
#[pyfunction]
#[pyo3(text_signature = "($self, /)")]
fn get_request_id<'py>(slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    digest_field(slf, "requestid")
}

// ---------------------------------------------------------------------------------------
// PicOperationsError, RuleError, ProcessError (ValueError)

/// ``cos_code``: the error code COS would answer with.
#[pyfunction(name = "__init__")]
#[pyo3(
    signature = (slf, message, cos_code=None),
    text_signature = "($self, message, cos_code='InvalidPicOperations')"
)]
fn pic_operations_error_init(
    slf: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    cos_code: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let py = slf.py();
    set_args(slf, message)?;
    match cos_code {
        Some(code) => slf.setattr(intern!(py, "cos_code"), code),
        None => slf.setattr(intern!(py, "cos_code"), "InvalidPicOperations"),
    }
}

/// ``offset`` (bytes) and ``token``: where the rule went wrong; ``kind``: what;
/// ``rule_index``: which rule of a header.
#[pyfunction(name = "__init__")]
#[pyo3(
    signature = (slf, message, offset, token, kind, rule_index=None),
    text_signature = "($self, message, offset, token, kind, rule_index=None)"
)]
fn rule_error_init(
    slf: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    offset: &Bound<'_, PyAny>,
    token: &Bound<'_, PyAny>,
    kind: &Bound<'_, PyAny>,
    rule_index: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let py = slf.py();
    set_args(slf, message)?;
    slf.setattr(intern!(py, "cos_code"), "InvalidArgument")?;
    slf.setattr(intern!(py, "offset"), offset)?;
    slf.setattr(intern!(py, "token"), token)?;
    slf.setattr(intern!(py, "kind"), kind)?;
    slf.setattr(intern!(py, "rule_index"), rule_index)
}

/// ``code``: the COS error code the service would answer with.
#[pyfunction(name = "__init__")]
#[pyo3(text_signature = "($self, message, code)")]
fn process_error_init(
    slf: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    code: &Bound<'_, PyAny>,
) -> PyResult<()> {
    set_args(slf, message)?;
    slf.setattr(intern!(slf.py(), "code"), code)
}
