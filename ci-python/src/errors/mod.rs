//! The exception classes, created here, and the conversions of `ci-core`'s errors into
//! them.
//!
//! One hierarchy, rooted as the official SDK's `qcloud_cos.cos_exception`:
//!
//! ```text
//! Exception
//! └── CosException            (message; str() is the message)
//!     ├── CosClientError      (a local problem: argument, connection, timeout, checks)
//!     └── CosServiceError     (an error answer: the SDK's get_* getters)
//! ValueError
//! ├── PicOperationsError      (cos_code)
//! │   └── RuleError           (offset, token, kind, rule_index)
//! └── ProcessError            (code)
//! ```
//!
//! Every class is a Rust type (`create_exception!`), so raising one that does not exist
//! does not compile. Their methods (`__init__`, `__str__`, the getters) are Rust
//! functions too, installed by [`register`] when the module loads (see [`methods`]).

mod digest;
mod methods;

use ci_core::client::{ClientError, CosClientError as CoreError, ServiceError};
use ci_core::ops::PicOperationsError as CorePicOperationsError;
use ci_core::process::ProcessError as CoreProcessError;
use ci_core::rule::RuleError as CoreRuleError;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

create_exception!(
    cos_ci,
    CosException,
    PyException,
    "Base class of the client's errors (as ``qcloud_cos.cos_exception.CosException``)."
);
create_exception!(
    cos_ci,
    CosClientError,
    CosException,
    "A local problem: bad argument, connection failure, timeout, a failed check."
);
create_exception!(
    cos_ci,
    CosServiceError,
    CosException,
    "An error answer of the service, with the official SDK's getters.\n\n\
     ``message`` is the error body (digested as the SDK digests it) or, for an answer \
     without a body (HEAD), a dict built from the status and headers."
);
create_exception!(
    cos_ci,
    PicOperationsError,
    PyValueError,
    "A ``Pic-Operations`` header that would be refused (``cos_code``: the COS code)."
);
create_exception!(
    cos_ci,
    RuleError,
    PicOperationsError,
    "A processing rule that does not parse: ``offset`` (bytes) and ``token`` say where.\n\n\
     ``rule_index`` is the index into ``rules`` when the rule came from a header."
);
create_exception!(
    cos_ci,
    ProcessError,
    PyValueError,
    "The local engine refused an image (``code``: the COS error code it would answer \
     with, e.g. ``InvalidImageFormat``, ``ImageTooLarge``)."
);

/// Creates the classes, gives them their methods and adds them to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    methods::install(py)?;
    m.add("CosException", py.get_type::<CosException>())?;
    m.add("CosClientError", py.get_type::<CosClientError>())?;
    m.add("CosServiceError", py.get_type::<CosServiceError>())?;
    m.add("PicOperationsError", py.get_type::<PicOperationsError>())?;
    m.add("RuleError", py.get_type::<RuleError>())?;
    m.add("ProcessError", py.get_type::<ProcessError>())?;
    Ok(())
}

/// `CosClientError(message)`.
pub fn client_error(message: impl Into<String>) -> PyErr {
    CosClientError::new_err((message.into(),))
}

/// A local `ci-core` error as `CosClientError`.
pub fn from_client(e: &ClientError) -> PyErr {
    client_error(e.to_string())
}

/// A `ci-core` client error as `CosServiceError` or `CosClientError`.
pub fn from_core(e: CoreError) -> PyErr {
    match e {
        CoreError::Service(s) => service_error(&s),
        CoreError::Client(c) => from_client(&c),
    }
}

/// `CosServiceError(method, message, status)`: the body when there is one (digested by
/// the class as the SDK does), else the SDK's dict built from the status and headers.
fn service_error(s: &ServiceError) -> PyErr {
    if !s.body.trim().is_empty() {
        return CosServiceError::new_err((s.method.clone(), s.body.clone(), s.status));
    }
    Python::attach(|py| match bodiless_digest(py, s) {
        Ok(digest) => CosServiceError::new_err((s.method.clone(), digest.unbind(), s.status)),
        Err(e) => e,
    })
}

/// The dict the SDK builds for an error answer without a body (a HEAD).
fn bodiless_digest<'py>(py: Python<'py>, s: &ServiceError) -> PyResult<Bound<'py, PyDict>> {
    let digest = PyDict::new(py);
    let message = if s.method == "HEAD" && s.status == 404 {
        "The Resource You Head Not Exist"
    } else {
        s.message.as_str()
    };
    digest.set_item("code", &s.code)?;
    digest.set_item("message", message)?;
    digest.set_item("resource", &s.resource)?;
    if !s.request_id.is_empty() {
        digest.set_item("requestid", &s.request_id)?;
    }
    if !s.trace_id.is_empty() {
        digest.set_item("traceid", &s.trace_id)?;
    }
    Ok(digest)
}

/// `RuleError(message, offset, token, kind, rule_index)`.
pub fn rule_error(e: &CoreRuleError, rule_index: Option<usize>) -> PyErr {
    RuleError::new_err((
        e.to_string(),
        e.offset,
        e.token.clone(),
        e.kind.to_string(),
        rule_index,
    ))
}

/// `RuleError` for a rule of the header, else `PicOperationsError(message, cos_code)`.
pub fn pic_operations_error(e: &CorePicOperationsError) -> PyErr {
    if let CorePicOperationsError::InvalidRule { rule, source } = e {
        return rule_error(source, Some(*rule));
    }
    PicOperationsError::new_err((e.to_string(), e.cos_code()))
}

/// `ProcessError(message, code)`.
pub fn process_error(e: &CoreProcessError) -> PyErr {
    ProcessError::new_err((e.to_string(), e.code()))
}
