//! The typed asynchronous image job (`<JobsDetail>`): what the `_typed` job calls and
//! `wait_for_pic_job` answer, beside the SDK-shaped dicts.

use ci_core::result::{CreatePicJobsResponse, JobsDetail};
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::convert::sdk_value_to_py;
use crate::errors;

/// One asynchronous image job (`<JobsDetail>`), immutable; pickles as its XML.
#[pyclass(module = "cos_ci._cos_ci", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PicJob {
    inner: JobsDetail,
}

impl From<JobsDetail> for PicJob {
    fn from(inner: JobsDetail) -> Self {
        PicJob { inner }
    }
}

impl PicJob {
    /// The job as `<Response><JobsDetail>..</JobsDetail></Response>`.
    fn response_xml(&self) -> String {
        CreatePicJobsResponse {
            jobs_detail: self.inner.clone(),
        }
        .to_xml()
    }
}

#[pymethods]
impl PicJob {
    /// Reads `<Response><JobsDetail>..</JobsDetail></Response>` (a create-job answer,
    /// what [`PicJob::to_xml`] writes).
    #[classmethod]
    fn from_xml(_cls: &Bound<'_, PyType>, xml: &str) -> PyResult<Self> {
        CreatePicJobsResponse::from_xml(xml)
            .map(|r| PicJob::from(r.jobs_detail))
            .map_err(|e| errors::client_error(format!("JobsDetail: {e}")))
    }

    /// `<Response><JobsDetail>..</JobsDetail></Response>`.
    fn to_xml(&self) -> String {
        self.response_xml()
    }

    /// The official SDK's dict of this job (one `JobsDetail` entry of its answers).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let doc = ci_core::result::xml_to_dict(&self.response_xml())
            .map_err(|e| errors::client_error(e.to_string()))?;
        match doc.get("JobsDetail") {
            Some(v) => sdk_value_to_py(py, v),
            None => Err(errors::client_error("JobsDetail: missing")),
        }
    }

    #[getter]
    fn job_id(&self) -> &str {
        &self.inner.job_id
    }

    /// `Submitted`, `Running`, `Success`, `Failed`, `Pause` or `Cancel`.
    #[getter]
    fn state(&self) -> String {
        self.inner.state.to_string()
    }

    /// Whether the job has ended (`Success`, `Failed`, `Cancel`).
    #[getter]
    fn is_final(&self) -> bool {
        self.inner.state.is_final()
    }

    #[getter]
    fn code(&self) -> &str {
        &self.inner.code
    }

    #[getter]
    fn message(&self) -> &str {
        &self.inner.message
    }

    #[getter]
    fn queue_id(&self) -> &str {
        &self.inner.queue_id
    }

    #[getter]
    fn tag(&self) -> &str {
        &self.inner.tag
    }

    #[getter]
    fn creation_time(&self) -> &str {
        &self.inner.creation_time
    }

    #[getter]
    fn start_time(&self) -> &str {
        &self.inner.start_time
    }

    #[getter]
    fn end_time(&self) -> &str {
        &self.inner.end_time
    }

    /// The source key.
    #[getter]
    fn input_object(&self) -> &str {
        &self.inner.input.object
    }

    /// The result's key (`Operation.Output.Object`).
    #[getter]
    fn output_object(&self) -> &str {
        &self.inner.operation.output.object
    }

    /// The rule (`Operation.PicProcess.ProcessRule`), when the job named one.
    #[getter]
    fn process_rule(&self) -> Option<&str> {
        self.inner
            .operation
            .pic_process
            .as_ref()
            .map(|p| p.process_rule.as_str())
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_xml = py.get_type::<PicJob>().getattr("from_xml")?;
        Ok((from_xml, (self.response_xml(),)))
    }

    fn __repr__(&self) -> String {
        format!(
            "PicJob(job_id={:?}, state={:?})",
            self.inner.job_id,
            self.inner.state.to_string()
        )
    }
}
