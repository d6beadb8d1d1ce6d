//! Processing rules and the `Pic-Operations` header, parsed and validated by `ci-core`.

use ci_core::rule::ProcessingRule;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::errors;

/// A parsed processing rule.
#[pyclass(module = "cos_ci._cos_ci", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ParsedRule {
    pub(crate) inner: ProcessingRule,
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

    /// Pickles as `parse_rule(canonical)`.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let parse = py.import("cos_ci._cos_ci")?.getattr("parse_rule")?;
        Ok((parse, (self.inner.to_string(),)))
    }
}

/// Parses a processing rule (`imageMogr2/thumbnail/200x|imageView2/...`); a bad rule
/// raises `cos_ci.RuleError` (a `ValueError`) with `offset` and `token`.
#[pyfunction]
pub fn parse_rule(rule: &str) -> PyResult<ParsedRule> {
    ProcessingRule::parse(rule)
        .map(|inner| ParsedRule { inner })
        .map_err(|e| errors::rule_error(&e, None))
}

/// One entry of `Pic-Operations` `rules`, validated on construction.
#[pyclass(module = "cos_ci._cos_ci", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Rule {
    inner: ci_core::Rule,
}

#[pymethods]
impl Rule {
    #[new]
    #[pyo3(signature = (fileid, rule, bucket=None))]
    fn new(fileid: String, rule: String, bucket: Option<String>) -> PyResult<Self> {
        let mut inner = ci_core::Rule::new(fileid, rule);
        inner.bucket = bucket;
        inner
            .parse_rule()
            .map_err(|e| errors::rule_error(&e, None))?;
        let check = ci_core::PicOperations {
            is_pic_info: false,
            rules: vec![inner.clone()],
        };
        check
            .validate()
            .map_err(|e| errors::pic_operations_error(&e))?;
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
    fn parsed(&self) -> PyResult<ParsedRule> {
        parse_rule(&self.inner.rule)
    }

    /// Pickles as its constructor's arguments.
    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> (Bound<'py, PyType>, (String, String, Option<String>)) {
        (
            py.get_type::<Rule>(),
            (
                self.inner.fileid.clone(),
                self.inner.rule.clone(),
                self.inner.bucket.clone(),
            ),
        )
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
pub struct PicOperations {
    inner: ci_core::PicOperations,
}

#[pymethods]
impl PicOperations {
    #[new]
    #[pyo3(signature = (rules, is_pic_info=false))]
    fn new(rules: Vec<Rule>, is_pic_info: bool) -> PyResult<Self> {
        let mut b = ci_core::PicOperations::builder().is_pic_info(is_pic_info);
        for r in rules {
            b = b.rule(r.inner);
        }
        let inner = b.build().map_err(|e| errors::pic_operations_error(&e))?;
        inner
            .parsed_rules()
            .map_err(|e| errors::pic_operations_error(&e))?;
        Ok(PicOperations { inner })
    }

    /// Parses and validates a header value.
    #[staticmethod]
    fn parse(header: &str) -> PyResult<Self> {
        let inner =
            ci_core::PicOperations::parse(header).map_err(|e| errors::pic_operations_error(&e))?;
        inner
            .parsed_rules()
            .map_err(|e| errors::pic_operations_error(&e))?;
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

    /// Pickles as its constructor's arguments.
    fn __reduce__<'py>(&self, py: Python<'py>) -> (Bound<'py, PyType>, (Vec<Rule>, bool)) {
        (
            py.get_type::<PicOperations>(),
            (self.rules(), self.inner.is_pic_info),
        )
    }
}

/// Where a `fileid` is stored for a source key (relative to its folder, or absolute).
#[pyfunction]
pub fn resolve_fileid(source_key: &str, fileid: &str) -> PyResult<String> {
    ci_core::ops::resolve_fileid(source_key, fileid).map_err(|e| errors::pic_operations_error(&e))
}
