//! The Python SDK's dict shape: a faithful port of cos-python-sdk-v5's `xml_to_dict`
//! (`qcloud_cos/cos_comm.py`) and `Xml2Dict` (`qcloud_cos/xml2dict.py`).
//!
//! What that code does, and what [`xml_to_dict`] therefore does:
//! * The XML is parsed with `xml.etree.ElementTree`; the root element is dropped, but its
//!   attributes become entries of the top-level dict.
//! * Each child element becomes an entry keyed by its tag:
//!   - an element with child elements becomes a dict (built the same way; its own
//!     attributes become entries, its text is ignored);
//!   - else, an element with attributes becomes `dict(attributes)`, plus
//!     `tag: text` appended when the text is non-empty (a plain `dict()`: an attribute
//!     named like the tag is overwritten, keeping its position);
//!   - else the element's text: a string, or `None` when there is no text at all
//!     (`<Format/>`, `<Format></Format>`, an empty `<ProcessResults/>`). Whitespace-only
//!     text is kept as a string.
//! * A tag seen again turns the entry into a list (`[first, second, ...]`). The SDK pops
//!   the key and re-inserts it on every repetition, so the list's key moves to the end of
//!   the dict order at each repeat; this port keeps that order.
//! * The dict is then `str()`-ed, five namespace URIs in braces are removed from that text
//!   (`{http://www.qcloud.com/document/product/436/7751}`,
//!   `{https://cloud.tencent.com/document/product/436}`,
//!   `{http://doc.s3.amazonaws.com/2006-03-01}`, `{http://s3.amazonaws.com/doc/2006-03-01/}`,
//!   `{http://www.w3.org/2001/XMLSchema-instance}`) and the text is `eval`-ed back. So the
//!   URIs vanish from keys *and* string values, and keys that become equal collapse as in
//!   a Python dict literal: the first position, the last value. Other namespaces stay as
//!   ElementTree writes them, `{uri}local`.
//!
//! Differences: this port refuses DOCTYPE declarations (expat would expand internal
//! entities) and, for malformed input, reports errors where expat might word or place them
//! differently.

use super::xml::{parse_tree, Element};
use super::ResultError;

/// A value of the Python SDK's response dict: `None`, `str`, `dict` (insertion-ordered)
/// or `list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkValue {
    /// Python `None`: an element without text.
    None,
    /// Python `str`: an element's text.
    Str(String),
    /// Python `dict`, in insertion order.
    Dict(Vec<(String, SdkValue)>),
    /// Python `list`: repeated sibling elements, in document order.
    List(Vec<SdkValue>),
}

impl SdkValue {
    /// The entry `key` of a dict (`None` for other values or a missing key).
    pub fn get(&self, key: &str) -> Option<&SdkValue> {
        match self {
            SdkValue::Dict(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string of a [`SdkValue::Str`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            SdkValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Renders the value as Python's `repr()` would (`{'Key': 'a.png', 'Format': None}`).
    /// Strings follow Python's quoting rules; control characters are escaped, other
    /// non-printable Unicode characters are written as they are.
    pub fn to_python_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            SdkValue::None => out.push_str("None"),
            SdkValue::Str(s) => py_str_repr(s, out),
            SdkValue::Dict(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    py_str_repr(k, out);
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push('}');
            }
            SdkValue::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out);
                }
                out.push(']');
            }
        }
    }
}

fn py_str_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let n = u32::from(c);
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{n:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// The namespace URIs `xml_to_dict` removes, in the SDK's order.
const STRIPPED_NAMESPACES: [&str; 5] = [
    "{http://www.qcloud.com/document/product/436/7751}",
    "{https://cloud.tencent.com/document/product/436}",
    "{http://doc.s3.amazonaws.com/2006-03-01}",
    "{http://s3.amazonaws.com/doc/2006-03-01/}",
    "{http://www.w3.org/2001/XMLSchema-instance}",
];

/// Converts an XML response body to the dict cos-python-sdk-v5's `xml_to_dict` returns.
/// The result is always a [`SdkValue::Dict`]: the root element is dropped, an element
/// with children becomes a dict, a leaf its text (`None` when empty), repeated tags a
/// list, and the SDK's known namespace URIs are stripped.
///
/// ```
/// use ci_core::result::{xml_to_dict, SdkValue};
///
/// let dict = xml_to_dict(
///     "<UploadResult><ProcessResults><Object><Key>a.png</Key><Format/></Object>\
///      <Object><Key>b.png</Key><Format>png</Format></Object></ProcessResults></UploadResult>",
/// )?;
/// assert_eq!(
///     dict.to_python_repr(),
///     "{'ProcessResults': {'Object': [{'Key': 'a.png', 'Format': None}, \
///      {'Key': 'b.png', 'Format': 'png'}]}}"
/// );
/// assert_eq!(xml_to_dict("<UploadResult><ProcessResults/></UploadResult>")?,
///            SdkValue::Dict(vec![("ProcessResults".into(), SdkValue::None)]));
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
pub fn xml_to_dict(xml: &str) -> Result<SdkValue, ResultError> {
    let root = parse_tree(xml)?;
    Ok(strip_namespaces(SdkValue::Dict(xml2dict(&root))))
}

/// `Xml2Dict(node)`.
fn xml2dict(node: &Element) -> Vec<(String, SdkValue)> {
    let mut dict = Vec::new();
    for (name, value) in &node.attrs {
        update_dict(&mut dict, name.clone(), SdkValue::Str(value.clone()));
    }
    // A node without children (only ever the root: children are converted here only
    // when they have some) is `{tag: text}`: `<StyleList/>` is `{'StyleList': None}`.
    if node.children.is_empty() {
        let text = node.text.clone().map_or(SdkValue::None, SdkValue::Str);
        update_dict(&mut dict, node.name.clone(), text);
    }
    for child in &node.children {
        let value = if !child.children.is_empty() {
            SdkValue::Dict(xml2dict(child))
        } else if !child.attrs.is_empty() {
            let mut pairs: Vec<(String, SdkValue)> = child
                .attrs
                .iter()
                .map(|(k, v)| (k.clone(), SdkValue::Str(v.clone())))
                .collect();
            if let Some(text) = &child.text {
                pairs.push((child.name.clone(), SdkValue::Str(text.clone())));
            }
            SdkValue::Dict(plain_dict(pairs))
        } else {
            child.text.clone().map_or(SdkValue::None, SdkValue::Str)
        };
        update_dict(&mut dict, child.name.clone(), value);
    }
    dict
}

/// `Xml2Dict.updateDict` for one key: a repeated key is popped and re-inserted at the end
/// holding a list.
fn update_dict(dict: &mut Vec<(String, SdkValue)>, key: String, value: SdkValue) {
    match dict.iter().position(|(k, _)| *k == key) {
        Some(i) => {
            let (key, old) = dict.remove(i);
            let list = match old {
                SdkValue::List(mut items) => {
                    items.push(value);
                    items
                }
                other => vec![other, value],
            };
            dict.push((key, SdkValue::List(list)));
        }
        None => dict.push((key, value)),
    }
}

/// Python `dict(pairs)` (or a dict literal): a repeated key keeps its first position and
/// takes the last value.
fn plain_dict(pairs: Vec<(String, SdkValue)>) -> Vec<(String, SdkValue)> {
    let mut dict: Vec<(String, SdkValue)> = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        match dict.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => dict.push((key, value)),
        }
    }
    dict
}

fn strip_str(s: &str) -> String {
    let mut s = s.to_owned();
    for ns in STRIPPED_NAMESPACES {
        if s.contains(ns) {
            s = s.replace(ns, "");
        }
    }
    s
}

/// The `str()` / `replace` / `eval` round trip: namespace URIs go from every key and
/// string, and dicts whose keys now collide behave as Python dict literals.
fn strip_namespaces(value: SdkValue) -> SdkValue {
    match value {
        SdkValue::None => SdkValue::None,
        SdkValue::Str(s) => SdkValue::Str(strip_str(&s)),
        SdkValue::List(items) => SdkValue::List(items.into_iter().map(strip_namespaces).collect()),
        SdkValue::Dict(entries) => SdkValue::Dict(plain_dict(
            entries
                .into_iter()
                .map(|(k, v)| (strip_str(&k), strip_namespaces(v)))
                .collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(xml: &str) -> String {
        xml_to_dict(xml).expect("well-formed").to_python_repr()
    }

    #[test]
    fn repeated_keys_move_to_the_end() {
        assert_eq!(
            repr("<r><A>1</A><B/><A>2</A><C>3</C><A>4</A></r>"),
            "{'B': None, 'C': '3', 'A': ['1', '2', '4']}"
        );
    }

    #[test]
    fn attributes() {
        assert_eq!(
            repr(r#"<r k="v"><s u="b">5</s><t a="1"/></r>"#),
            "{'k': 'v', 's': {'u': 'b', 's': '5'}, 't': {'a': '1'}}"
        );
        assert_eq!(repr(r#"<r><A A="x">y</A></r>"#), "{'A': {'A': 'y'}}");
        assert_eq!(repr(r#"<r k="v"><k>w</k></r>"#), "{'k': ['v', 'w']}");
    }

    #[test]
    fn namespaces() {
        assert_eq!(
            repr(
                r#"<r xmlns="http://www.qcloud.com/document/product/436/7751" xmlns:x="urn:x"><A>1</A><x:B>2</x:B></r>"#
            ),
            "{'A': '1', '{urn:x}B': '2'}"
        );
        assert_eq!(
            repr(
                r#"<r xmlns:s="http://s3.amazonaws.com/doc/2006-03-01/"><s:A>1</s:A><B/><A>2</A></r>"#
            ),
            "{'A': '2', 'B': None}"
        );
    }

    #[test]
    fn text_rules() {
        assert_eq!(
            repr("<r><A> </A><B><!--c--></B><C>x<D/>y</C></r>"),
            "{'A': ' ', 'B': None, 'C': {'D': None}}"
        );
        assert_eq!(
            repr("<r><A>a<!--c-->b</A><B><![CDATA[<&>]]></B></r>"),
            "{'A': 'ab', 'B': '<&>'}"
        );
        assert_eq!(
            repr("<r><A>it's</A><B>\"'\\\n</B></r>"),
            "{'A': \"it's\", 'B': '\"\\'\\\\\\n'}"
        );
    }
}
