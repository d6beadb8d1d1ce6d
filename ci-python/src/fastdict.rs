//! `xml_to_dict` straight into Python objects, for the plain documents COS answers
//! (`<UploadResult>` and the like): one pass of quick-xml events builds the dicts, with
//! no element tree, no `SdkValue` and no namespace round trip in between. It was ~half
//! of `ci_put_object`'s client instructions (parse, tree, strip, copy to Python).
//!
//! Only documents where `ci_core::result::xml_to_dict` has nothing to do beyond the
//! shape are taken: no attributes, no prefixed names, no `\r` (line-end normalisation),
//! no `<!` (comments, CDATA, DOCTYPE), no character references and no processing
//! instruction inside the root (either could join text into a namespace URI), and none of
//! the namespace URIs it strips (so no text changes when they are stripped). Anything
//! else, and every malformed document, answers `None`, and the caller runs the full
//! conversion (which gives the same dict, or the error): the shape rules below are
//! `xml2dict`'s, the fall-back keeps the rest identical by construction.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// As `ci_core::result::xml::MAX_XML_DEPTH`: deeper documents go the full way (and are
/// refused there).
const MAX_DEPTH: usize = 64;

/// Every namespace URI `xml_to_dict` strips starts so (in braces): a document holding
/// this goes the full way.
const STRIPPED_START: &str = "{http";

/// An open element.
struct Frame<'a, 'py> {
    name: Bound<'py, PyString>,
    /// Character data before the first child (ElementTree's `.text`): borrowed from the
    /// document while it is one piece (as nearly always), copied when pieces join.
    text: Option<Cow<'a, str>>,
    /// Its children's dict, made when the first child closes.
    dict: Option<Bound<'py, PyDict>>,
}

/// The `xml_to_dict` dict of `xml`, or `None` when the document needs the full
/// conversion (see the module's notes).
pub fn xml_to_dict_plain<'py>(py: Python<'py>, xml: &str) -> PyResult<Option<Bound<'py, PyDict>>> {
    if xml.contains('\r') || xml.contains("<!") || xml.contains(STRIPPED_START) {
        return Ok(None);
    }
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Frame<'_, 'py>> = Vec::with_capacity(8);
    let mut root: Option<Bound<'py, PyDict>> = None;
    loop {
        let Ok(event) = reader.read_event() else {
            return Ok(None);
        };
        let (opened, end) = match event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(_) => (None, true),
            // After the first child, text is dropped (ElementTree's tails): not decoded.
            Event::Text(_) if stack.last().is_some_and(|top| top.dict.is_some()) => continue,
            // No `\r` (checked above): the text is the document's bytes as they are.
            Event::Text(t) => {
                let data = match t.into_inner() {
                    Cow::Borrowed(b) => std::str::from_utf8(b).ok().map(Cow::Borrowed),
                    Cow::Owned(b) => String::from_utf8(b).ok().map(Cow::Owned),
                };
                let Some(data) = data else {
                    return Ok(None);
                };
                match stack.last_mut() {
                    Some(top) => add_text(top, data),
                    None if data.trim_matches([' ', '\t', '\n']).is_empty() => {}
                    None => return Ok(None),
                }
                continue;
            }
            // `&quot;` in every ETag. Character references go the full way: one could
            // complete a namespace URI that the check above did not see.
            Event::GeneralRef(r) => {
                let (Some(top), Ok(name), Ok(None)) =
                    (stack.last_mut(), r.decode(), r.resolve_char_ref())
                else {
                    return Ok(None);
                };
                match resolve_predefined_entity(&name) {
                    Some(s) => add_text(top, Cow::Borrowed(s)),
                    None => return Ok(None),
                }
                continue;
            }
            // Inside an element, one would join two pieces of text (as above).
            Event::Decl(_) | Event::PI(_) if !stack.is_empty() => return Ok(None),
            Event::Decl(_) | Event::PI(_) => continue,
            Event::Eof => return Ok(if stack.is_empty() { root } else { None }),
            // Comments, CDATA, DOCTYPE: excluded above; never here.
            _ => return Ok(None),
        };
        if let Some(e) = opened {
            let plain = e.attributes_raw().iter().all(u8::is_ascii_whitespace);
            let name = e.name();
            if root.is_some() || stack.len() >= MAX_DEPTH || !plain || name.as_ref().contains(&b':')
            {
                return Ok(None);
            }
            let Ok(name) = std::str::from_utf8(name.as_ref()) else {
                return Ok(None);
            };
            stack.push(Frame {
                name: PyString::new(py, name),
                text: None,
                dict: None,
            });
        }
        if end {
            let Some(frame) = stack.pop() else {
                return Ok(None);
            };
            match stack.last_mut() {
                Some(parent) => {
                    let value = match frame.dict {
                        Some(d) => d.into_any(),
                        None => match frame.text {
                            Some(t) => PyString::new(py, &t).into_any(),
                            None => py.None().into_bound(py),
                        },
                    };
                    let dict = parent.dict.get_or_insert_with(|| PyDict::new(py));
                    update_dict(dict, frame.name, value)?;
                }
                None => {
                    root = Some(match frame.dict {
                        Some(d) => d,
                        // A root without children is `{tag: text}`.
                        None => {
                            let d = PyDict::new(py);
                            d.set_item(frame.name, frame.text)?;
                            d
                        }
                    });
                }
            }
        }
    }
}

/// Character data goes to ElementTree's `.text`: only before the first child.
fn add_text<'a>(top: &mut Frame<'a, '_>, data: Cow<'a, str>) {
    if top.dict.is_some() || data.is_empty() {
        return;
    }
    match &mut top.text {
        None => top.text = Some(data),
        Some(text) => text.to_mut().push_str(&data),
    }
}

/// `Xml2Dict.updateDict`: a repeated key is popped and put back at the end holding a
/// list (a child's own value is never a list, so a list there is the one made here).
fn update_dict<'py>(
    dict: &Bound<'py, PyDict>,
    key: Bound<'py, PyString>,
    value: Bound<'py, PyAny>,
) -> PyResult<()> {
    match dict.get_item(&key)? {
        None => dict.set_item(key, value),
        Some(old) => {
            dict.del_item(&key)?;
            let list = match old.downcast_into::<PyList>() {
                Ok(list) => {
                    list.append(value)?;
                    list
                }
                Err(e) => PyList::new(dict.py(), [e.into_inner(), value])?,
            };
            dict.set_item(key, list)
        }
    }
}
