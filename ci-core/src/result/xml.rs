//! Shared XML plumbing: a small well-formedness-checking tree reader (used for error
//! positions, root checks and [`xml_to_dict`](super::xml_to_dict)) and the serialiser
//! settings every `to_xml` uses.

use std::borrow::Cow;

use quick_xml::escape::{resolve_predefined_entity, unescape};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use quick_xml::se::{QuoteLevel, Serializer};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::ResultError;

/// One element as Python's `xml.etree.ElementTree` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// `{namespace-uri}local` when the element is in a namespace, else the local name.
    pub name: String,
    /// The local name without prefix or namespace.
    pub local: String,
    /// Attributes in document order, names in the same `{uri}local` form; namespace
    /// declarations are not attributes.
    pub attrs: Vec<(String, String)>,
    /// Character data before the first child element (ElementTree's `.text`); `None` when
    /// there is none.
    pub text: Option<String>,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

fn qualified(ns: &ResolveResult<'_>, local: &[u8]) -> Result<String, String> {
    let local = std::str::from_utf8(local).map_err(|e| e.to_string())?;
    match ns {
        ResolveResult::Bound(ns) => {
            let uri = std::str::from_utf8(ns.as_ref()).map_err(|e| e.to_string())?;
            Ok(format!("{{{uri}}}{local}"))
        }
        ResolveResult::Unbound => Ok(local.to_owned()),
        ResolveResult::Unknown(prefix) => Err(format!(
            "unbound namespace prefix `{}`",
            String::from_utf8_lossy(prefix)
        )),
    }
}

/// Attribute-value normalisation as expat does it: line ends and literal tab / newline /
/// carriage return become spaces (character references are kept), then entities resolve.
fn attr_value(raw: &[u8]) -> Result<String, String> {
    let raw = std::str::from_utf8(raw).map_err(|e| e.to_string())?;
    let normalised: String = raw
        .replace("\r\n", " ")
        .chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect();
    unescape(&normalised)
        .map(Cow::into_owned)
        .map_err(|e| e.to_string())
}

fn open(reader: &NsReader<&[u8]>, e: &BytesStart<'_>) -> Result<Element, String> {
    let (ns, local) = reader.resolve_element(e.name());
    let name = qualified(&ns, local.as_ref())?;
    let local = String::from_utf8_lossy(local.as_ref()).into_owned();
    let mut attrs = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = attr.key.as_ref();
        if key == b"xmlns" || key.starts_with(b"xmlns:") {
            continue;
        }
        let (ns, attr_local) = reader.resolve_attribute(attr.key);
        attrs.push((
            qualified(&ns, attr_local.as_ref())?,
            attr_value(&attr.value)?,
        ));
    }
    Ok(Element {
        name,
        local,
        attrs,
        text: None,
        children: Vec::new(),
    })
}

/// Appends character data to the innermost open element (only before its first child, as
/// ElementTree's `.text`), or rejects non-blank data outside the root.
fn add_text(stack: &mut [Element], data: &str) -> Result<(), String> {
    match stack.last_mut() {
        Some(top) => {
            if top.children.is_empty() && !data.is_empty() {
                top.text.get_or_insert_with(String::new).push_str(data);
            }
            Ok(())
        }
        None if data.trim_matches([' ', '\t', '\r', '\n']).is_empty() => Ok(()),
        None => Err("text outside the root element".to_owned()),
    }
}

/// Deepest element nesting any parser of this module accepts. COS and CI documents are
/// at most five levels deep; the limit keeps the tree (whose drop recurses) and every
/// consumer of it far from the stack's end on any input (40,000 nested elements, about
/// 280 KB, overflowed a server worker's stack before the limit).
pub const MAX_XML_DEPTH: usize = 64;

/// Parses `input` into its root [`Element`], checking well-formedness as far as
/// quick-xml and a few extra checks allow (one root, no stray text, matching end tags,
/// known entities, bound prefixes) and the nesting against [`MAX_XML_DEPTH`]. DOCTYPE
/// declarations are refused: no entity expansion. Linear in the input: every event is
/// read once and the stack never exceeds the depth limit.
pub(crate) fn parse_tree(input: &str) -> Result<Element, ResultError> {
    let mut reader = NsReader::from_str(input);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                return Err(ResultError::syntax_at(
                    input,
                    reader.error_position(),
                    e.to_string(),
                ))
            }
        };
        let at = reader.buffer_position();
        let fail = |message: String| ResultError::syntax_at(input, at, message);
        let closed = match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() {
                    return Err(fail("junk after the root element".to_owned()));
                }
                if stack.len() >= MAX_XML_DEPTH {
                    return Err(fail(format!(
                        "elements nested deeper than {MAX_XML_DEPTH} levels"
                    )));
                }
                let element = open(&reader, e).map_err(fail)?;
                if matches!(event, Event::Empty(_)) {
                    Some(element)
                } else {
                    stack.push(element);
                    None
                }
            }
            Event::End(_) => match stack.pop() {
                Some(element) => Some(element),
                None => return Err(fail("end tag without a start tag".to_owned())),
            },
            Event::Text(t) => {
                let data = t.xml10_content().map_err(|e| fail(e.to_string()))?;
                add_text(&mut stack, &data).map_err(fail)?;
                None
            }
            Event::CData(t) => {
                let data = t.xml10_content().map_err(|e| fail(e.to_string()))?;
                if stack.is_empty() {
                    return Err(fail("CDATA outside the root element".to_owned()));
                }
                add_text(&mut stack, &data).map_err(fail)?;
                None
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| fail(e.to_string()))?;
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match resolve_predefined_entity(&name) {
                        Some(s) => s.to_owned(),
                        None => return Err(fail(format!("undefined entity `&{name};`"))),
                    },
                    Err(e) => return Err(fail(e.to_string())),
                };
                if stack.is_empty() {
                    return Err(fail("reference outside the root element".to_owned()));
                }
                add_text(&mut stack, &resolved).map_err(fail)?;
                None
            }
            Event::DocType(_) => {
                return Err(fail("DOCTYPE declarations are not accepted".to_owned()))
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => None,
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(fail(format!("unclosed element <{}>", open.local)));
                }
                return root.ok_or_else(|| fail("no element found".to_owned()));
            }
        };
        if let Some(element) = closed {
            match stack.last_mut() {
                Some(parent) => parent.children.push(element),
                None => root = Some(element),
            }
        }
    }
}

/// Checks syntax, depth and the root element, then deserialises `input` with quick-xml's
/// serde support (which therefore only ever sees documents within [`MAX_XML_DEPTH`]).
pub(crate) fn from_xml<T: DeserializeOwned>(
    input: &str,
    root: &'static str,
) -> Result<T, ResultError> {
    let tree = parse_tree(input)?;
    if tree.local != root {
        return Err(ResultError::UnexpectedRoot {
            expected: root,
            found: tree.local,
        });
    }
    quick_xml::de::from_str(input).map_err(|e| ResultError::XmlShape {
        document: root,
        message: e.to_string(),
    })
}

/// Serialises `value` as `<root>...</root>`: one element per line, no indentation, no XML
/// declaration, `"`, `'`, `<`, `>` and `&` escaped in text (the service's own style,
/// `&quot;` in ETags), CR as `&#13;`, empty strings as `<Name/>`.
pub(crate) fn to_xml<T: Serialize>(value: &T, root: &'static str) -> String {
    let mut out = String::new();
    let result = Serializer::with_root(&mut out, Some(root)).and_then(|mut ser| {
        ser.indent(' ', 0);
        ser.set_quote_level(QuoteLevel::Full);
        value.serialize(ser)
    });
    // The documents are fixed-shape structs of strings and integers with literal element
    // names: quick-xml has nothing to reject in them.
    result.expect("serialising a fixed-shape result document to XML cannot fail");
    // A literal CR would come back as LF (XML end-of-line normalisation); as a character
    // reference it survives. Only text content can hold one: names are fixed, there are
    // no attributes.
    if out.contains('\r') {
        out = out.replace('\r', "&#13;");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_basics() {
        let t =
            parse_tree("<?xml version='1.0'?>\n<a x=\"1\"><b>t&amp;&#65;</b><c/><!-- n --></a>\n")
                .expect("well-formed");
        assert_eq!(t.name, "a");
        assert_eq!(t.attrs, vec![("x".to_owned(), "1".to_owned())]);
        assert_eq!(t.children[0].text.as_deref(), Some("t&A"));
        assert_eq!(t.children[1].text, None);
    }

    #[test]
    fn tree_namespaces() {
        let t = parse_tree(r#"<a xmlns="urn:x" xmlns:p="urn:p"><p:b p:k="v">1</p:b></a>"#)
            .expect("well-formed");
        assert_eq!(t.name, "{urn:x}a");
        assert_eq!(t.children[0].name, "{urn:p}b");
        assert_eq!(t.children[0].attrs[0].0, "{urn:p}k");
    }

    #[test]
    fn tree_errors() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "x<a/>",
            "<a>&nope;</a>",
            "<p:a/>",
        ] {
            assert!(parse_tree(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn depth_is_limited_without_recursion() {
        let nest = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        assert!(parse_tree(&nest(MAX_XML_DEPTH)).is_ok());
        let err = parse_tree(&nest(MAX_XML_DEPTH + 1)).expect_err("too deep");
        assert!(err.to_string().contains("nested deeper than 64"), "{err}");
        // 40,000 levels (what overflowed a server worker) and a million: refused, no crash.
        for n in [40_000, 1_000_000] {
            let open_only = "<a>".repeat(n);
            assert!(parse_tree(&open_only).is_err());
            assert!(parse_tree(&nest(n)).is_err());
        }
    }
}
