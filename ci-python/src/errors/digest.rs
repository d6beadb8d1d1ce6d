//! The official SDK's digest of an error body (`qcloud_cos.cos_exception`'s
//! `digest_xml_or_json`), which `CosServiceError`'s getters read.
//!
//! `digest_xml` parses the body with `xml.dom.minidom` and takes, for each of `Code`,
//! `Message`, `Resource`, `RequestId` and `TraceId`, the first element of that name below
//! the root (document order) and the value of its first child node: the text (adjacent
//! text and references merged), a CDATA section's or a comment's data, `None` for an
//! element. A missing element, or one without children, makes the whole body unreadable,
//! except `TraceId`, which is then `"Unknown"`. An unreadable body is tried as JSON
//! (`json.loads`), and failing that is `"Response Error Msg Is INVALID"`.
//!
//! Hand-written on quick-xml because nothing else answers as minidom does. Where this
//! port can differ: a DOCTYPE is refused (expat would expand its entities) and JSON is
//! read by serde_json (Python also takes `NaN`, integers beyond 64 bits, lone surrogates).

use std::fmt;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use pyo3::IntoPyObjectExt;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// What the SDK answers for a body it cannot read.
const INVALID: &str = "Response Error Msg Is INVALID";

/// The digested elements: `(tag, key of the digest dict)`, in the SDK's order.
const FIELDS: [(&str, &str); 5] = [
    ("Code", "code"),
    ("Message", "message"),
    ("Resource", "resource"),
    ("RequestId", "requestid"),
    ("TraceId", "traceid"),
];
const TRACE_ID: usize = 4;

/// The first child node of a found element, as minidom's `nodeValue` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum FirstChild {
    /// No child node at all (`<Code/>`, `<Code></Code>`).
    #[default]
    Nothing,
    /// Text, CDATA, a comment or a processing instruction: its data.
    Data(String),
    /// An element (`nodeValue` is `None`).
    Element,
}

/// `digest_xml_or_json(message)` as a Python value.
pub(super) fn digest_xml_or_json<'py>(message: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = message.py();
    let text = if let Ok(s) = message.downcast::<PyString>() {
        Some(s.to_cow()?.into_owned())
    } else if let Ok(b) = message.downcast::<PyBytes>() {
        String::from_utf8(b.as_bytes().to_vec()).ok()
    } else {
        None
    };
    let Some(text) = text else {
        return Ok(PyString::new(py, INVALID).into_any());
    };
    if let Some(fields) = digest_xml(&text) {
        let digest = PyDict::new(py);
        for ((_, key), value) in FIELDS.iter().zip(fields) {
            match value {
                FirstChild::Data(s) => digest.set_item(key, s)?,
                FirstChild::Element => digest.set_item(key, py.None())?,
                FirstChild::Nothing => digest.set_item(key, "Unknown")?,
            }
        }
        return Ok(digest.into_any());
    }
    let mut json = serde_json::Deserializer::from_str(&text);
    match PyJson(py)
        .deserialize(&mut json)
        .and_then(|v| json.end().map(|()| v))
    {
        Ok(value) => Ok(value),
        Err(_) => Ok(PyString::new(py, INVALID).into_any()),
    }
}

/// The five first children, or `None` when the SDK's `digest_xml` fails (malformed XML,
/// or one of the four required elements missing or empty). `TraceId` may be `Nothing`.
fn digest_xml(xml: &str) -> Option<[FirstChild; 5]> {
    let mut found: [Option<FirstChild>; 5] = Default::default();
    // The field whose first child is the next node, and the text run read for it so far.
    let mut pending: Option<(usize, Option<String>)> = None;
    let mut depth = 0usize;
    let mut had_root = false;
    let mut reader = NsReader::from_str(xml);
    loop {
        let event = reader.read_event().ok()?;
        // Text and references continue a text run; any other node ends it.
        let text = match &event {
            Event::Text(t) => Some(t.xml10_content().ok()?.into_owned()),
            Event::GeneralRef(r) => Some(match r.resolve_char_ref().ok()? {
                Some(c) => c.to_string(),
                None => resolve_predefined_entity(&r.decode().ok()?)?.to_owned(),
            }),
            _ => None,
        };
        if let Some(text) = text {
            if text.is_empty() {
                continue;
            }
            if depth == 0 {
                // Only blanks may stand outside the root.
                if !text.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
                    return None;
                }
            } else if let Some((_, run)) = &mut pending {
                run.get_or_insert_with(String::new).push_str(&text);
            }
            continue;
        }
        if let Some((field, run)) = pending.take() {
            let child = match (run, &event) {
                (Some(text), _) => FirstChild::Data(text),
                (None, Event::Start(_) | Event::Empty(_)) => FirstChild::Element,
                (None, Event::CData(t)) => FirstChild::Data(t.xml10_content().ok()?.into_owned()),
                (None, Event::Comment(t)) => FirstChild::Data(t.xml10_content().ok()?.into_owned()),
                (None, Event::PI(p)) => {
                    FirstChild::Data(String::from_utf8_lossy(p.content()).trim_start().to_owned())
                }
                (None, _) => FirstChild::Nothing,
            };
            found[field] = Some(child);
        }
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if depth == 0 && had_root {
                    return None;
                }
                if let (ResolveResult::Unknown(_), _) = reader.resolve_element(e.name()) {
                    return None;
                }
                for attr in e.attributes().with_checks(true) {
                    attr.ok()?.unescape_value().ok()?;
                }
                if depth > 0 {
                    let name = e.name();
                    let field = FIELDS
                        .iter()
                        .position(|(tag, _)| tag.as_bytes() == name.as_ref());
                    if let Some(field) = field.filter(|&f| found[f].is_none()) {
                        if matches!(event, Event::Empty(_)) {
                            found[field] = Some(FirstChild::Nothing);
                        } else {
                            pending = Some((field, None));
                        }
                    }
                }
                had_root = true;
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => depth = depth.checked_sub(1)?,
            Event::CData(_) if depth == 0 => return None,
            Event::DocType(_) => return None,
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 || !had_root {
        return None;
    }
    let mut out: [FirstChild; 5] = Default::default();
    for (i, value) in found.into_iter().enumerate() {
        out[i] = match value {
            Some(FirstChild::Nothing) | None if i != TRACE_ID => return None,
            Some(v) => v,
            None => FirstChild::Nothing,
        };
    }
    Some(out)
}

/// Deserialises JSON straight into Python objects, as `json.loads` builds them (dict
/// keys in document order, a repeated key keeping its first place and last value).
struct PyJson<'py>(Python<'py>);

impl<'de, 'py> DeserializeSeed<'de> for PyJson<'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn py_err<E: de::Error>(e: PyErr) -> E {
    E::custom(e)
}

impl<'de, 'py> Visitor<'de> for PyJson<'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.None().into_bound(self.0))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        v.into_bound_py_any(self.0).map_err(py_err)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        v.into_bound_py_any(self.0).map_err(py_err)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        v.into_bound_py_any(self.0).map_err(py_err)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        v.into_bound_py_any(self.0).map_err(py_err)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.0, v).into_any())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.0);
        while let Some(item) = seq.next_element_seed(PyJson(self.0))? {
            list.append(item).map_err(py_err)?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.0);
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(PyJson(self.0))?;
            dict.set_item(key, value).map_err(py_err)?;
        }
        Ok(dict.into_any())
    }
}
