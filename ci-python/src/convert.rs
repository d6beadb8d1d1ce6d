//! Conversions between Python values and `ci-core`'s: the SDK's keyword arguments in,
//! response headers and the SDK's dict shape out.

use std::sync::Mutex;

use ci_core::client::{ObjectOptions, ResponseHeaders};
use ci_core::result::SdkValue;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyMapping, PyString};

use crate::errors;

/// The SDK's keyword arguments (`**kwargs` of a call) as `(name, text)` pairs, mapped
/// as the SDK sends them: `Metadata={header: value}` one `Metadata.<header>` each, a
/// bool `true` / `false`, bytes decoded as UTF-8, anything else `str()` (a
/// `PicOperations` or `ParsedRule` gives its header / canonical form). A `None` is kept
/// apart: [`Kwargs::take`] reads it as absent, [`Kwargs::options`] as `"None"`, as
/// `str(None)` always was.
#[derive(Debug, Default)]
pub struct Kwargs(Vec<(String, Option<String>)>);

impl<'py> FromPyObject<'py> for Kwargs {
    fn extract_bound(ob: &Bound<'py, PyAny>) -> PyResult<Self> {
        let mut out = Vec::new();
        let dict = ob.downcast::<PyDict>()?;
        for (name, value) in dict.iter() {
            let name: String = name.extract()?;
            if name == "Metadata" {
                if let Ok(map) = value.downcast::<PyMapping>() {
                    for item in map.items()?.iter() {
                        let (header, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item.extract()?;
                        out.push((format!("Metadata.{}", header.str()?), Some(text(&v)?)));
                    }
                    continue;
                }
            }
            let value = if value.is_none() {
                None
            } else {
                Some(text(&value)?)
            };
            out.push((name, value));
        }
        Ok(Kwargs(out))
    }
}

/// One keyword value as the SDK sends it.
fn text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(b) = value.downcast::<PyBool>() {
        return Ok(if b.is_true() { "true" } else { "false" }.to_owned());
    }
    if value.is_instance_of::<PyBytes>() {
        return value.call_method1("decode", ("utf-8",))?.extract();
    }
    Ok(value.str()?.to_cow()?.into_owned())
}

impl Kwargs {
    /// Whether `name` was given (even as `None`).
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The text of `name`, when given and not `None`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Removes `name` (ours, not the SDK's: `ProcessRule`, `Style`); `None` is absent.
    pub fn take(&mut self, name: &str) -> Option<String> {
        let i = self.0.iter().position(|(k, _)| k == name)?;
        self.0.remove(i).1
    }

    /// Adds `name` unless given (`ContentMD5` of `EnableMD5`).
    pub fn set_default(&mut self, name: &str, value: String) {
        if !self.contains(name) {
            self.0.push((name.to_owned(), Some(value)));
        }
    }

    /// The options of a call; an unknown name gives the SDK's
    /// `No Parameter Named X Please Check It`.
    pub fn options(&self) -> PyResult<ObjectOptions> {
        let pairs: Vec<(&str, &str)> = self
            .0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref().unwrap_or("None")))
            .collect();
        ObjectOptions::from_kwargs(&pairs).map_err(|e| errors::from_client(&e))
    }
}

/// A value of the SDK's dict shape as the Python object.
pub fn sdk_value_to_py(py: Python<'_>, v: &SdkValue) -> PyResult<Py<PyAny>> {
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
    let starts = |p: &str| {
        name.as_bytes()
            .get(..p.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(p.as_bytes()))
    };
    if starts("x-cos-") || starts("x-ci-") {
        return name.to_ascii_lowercase();
    }
    if name.eq_ignore_ascii_case("etag") {
        return "ETag".into();
    }
    if name.eq_ignore_ascii_case("www-authenticate") {
        return "WWW-Authenticate".into();
    }
    // One pass, one allocation (this runs for every header of every answer).
    let mut out = String::with_capacity(name.len());
    let mut word_start = true;
    for c in name.chars() {
        out.push(if word_start {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        });
        word_start = c == '-';
    }
    out
}

/// The canonical names made so far, by the name as received: every answer repeats the
/// same few (`Content-Type`, `ETag`, `x-cos-request-id`, ...), so each is made (case
/// pass, Python string, its hash) once. At most [`MAX_CACHED_NAMES`] (metadata headers
/// are any names): the rest are made each time.
static HEADER_NAMES: Mutex<Vec<(String, Py<PyString>)>> = Mutex::new(Vec::new());
const MAX_CACHED_NAMES: usize = 64;

/// [`canonical_header_name`] of `name` as a Python string.
fn header_name<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyString> {
    let Ok(mut names) = HEADER_NAMES.lock() else {
        return PyString::new(py, &canonical_header_name(name));
    };
    if let Some((_, s)) = names.iter().find(|(k, _)| k == name) {
        return s.bind(py).clone();
    }
    let s = PyString::new(py, &canonical_header_name(name));
    if names.len() < MAX_CACHED_NAMES {
        names.push((name.to_owned(), s.clone().unbind()));
    }
    s
}

/// The response headers as the SDK's dict (names in canonical case).
pub fn headers_to_py<'py>(py: Python<'py>, h: &ResponseHeaders) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in &h.raw {
        let name = header_name(py, k);
        // Repeated headers are joined as `requests` does.
        match d.get_item(&name)? {
            Some(prev) => d.set_item(name, format!("{}, {v}", prev.extract::<String>()?))?,
            None => d.set_item(name, v)?,
        }
    }
    Ok(d)
}
