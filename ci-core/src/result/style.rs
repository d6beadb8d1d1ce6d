//! Image styles (wire-ci.md §A): the request documents of `PUT /?style` (`<AddStyle>`),
//! `GET /?style` (`<GetStyle>`, optional) and `DELETE /?style` (`<DeleteStyle>`), and the
//! answer of `GET /?style` (`<StyleList>`).
//!
//! Fields a request may leave out parse as empty strings, so that the receiver can say
//! which one is missing (the cloud answers 400) instead of failing on the document.

use serde::{Deserialize, Serialize};

use super::{xml, ResultError};

/// `<AddStyle>`: the body of `PUT /?style`.
///
/// ```
/// use ci_core::result::AddStyle;
///
/// let add = AddStyle::new("thumb", "imageMogr2/thumbnail/!50p");
/// let xml = add.to_xml();
/// assert_eq!(
///     xml,
///     "<AddStyle>\n<StyleName>thumb</StyleName>\n<StyleBody>imageMogr2/thumbnail/!50p</StyleBody>\n</AddStyle>"
/// );
/// // The Python SDK's body (xmltodict): a declaration, no line breaks.
/// let python = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<AddStyle><StyleName>thumb</StyleName>\
///               <StyleBody>imageMogr2/thumbnail/!50p</StyleBody></AddStyle>";
/// assert_eq!(AddStyle::from_xml(python)?, add);
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "AddStyle")]
pub struct AddStyle {
    /// `<StyleName>`.
    #[serde(rename = "StyleName", default)]
    pub style_name: String,
    /// `<StyleBody>`: a processing rule.
    #[serde(rename = "StyleBody", default)]
    pub style_body: String,
}

impl AddStyle {
    /// A style named `name` whose rule is `body`.
    pub fn new(name: impl Into<String>, body: impl Into<String>) -> Self {
        AddStyle {
            style_name: name.into(),
            style_body: body.into(),
        }
    }

    /// Parses an `<AddStyle>` document (unknown elements are ignored; missing ones are
    /// empty).
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "AddStyle")
    }

    /// Serialises in the service's style (one element per line, no declaration).
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "AddStyle")
    }
}

/// `<GetStyle>`: the optional body of `GET /?style`. Without a name (no body, an empty
/// `<GetStyle/>`, an empty `<StyleName/>`) every style is listed.
///
/// ```
/// use ci_core::result::GetStyle;
///
/// assert_eq!(GetStyle::all().to_xml(), "<GetStyle/>");
/// assert_eq!(GetStyle::named("thumb").to_xml(), "<GetStyle>\n<StyleName>thumb</StyleName>\n</GetStyle>");
/// // The Python SDK sends `<GetStyle></GetStyle>` for `Request={}`.
/// assert_eq!(GetStyle::from_xml("<GetStyle></GetStyle>")?.name(), None);
/// assert_eq!(GetStyle::from_xml("<GetStyle><StyleName/></GetStyle>")?.name(), None);
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetStyle")]
pub struct GetStyle {
    /// `<StyleName>`: the one style to list.
    #[serde(rename = "StyleName", default, skip_serializing_if = "Option::is_none")]
    pub style_name: Option<String>,
}

impl GetStyle {
    /// Every style.
    pub fn all() -> Self {
        GetStyle::default()
    }

    /// The style `name` only.
    pub fn named(name: impl Into<String>) -> Self {
        GetStyle {
            style_name: Some(name.into()),
        }
    }

    /// The name asked for; `None` (every style) when absent or empty.
    pub fn name(&self) -> Option<&str> {
        self.style_name.as_deref().filter(|n| !n.is_empty())
    }

    /// Parses a `<GetStyle>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "GetStyle")
    }

    /// Serialises in the service's style.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "GetStyle")
    }
}

/// `<DeleteStyle>`: the body of `DELETE /?style`.
///
/// ```
/// use ci_core::result::DeleteStyle;
///
/// let d = DeleteStyle::new("thumb");
/// assert_eq!(d.to_xml(), "<DeleteStyle>\n<StyleName>thumb</StyleName>\n</DeleteStyle>");
/// assert_eq!(DeleteStyle::from_xml(&d.to_xml())?, d);
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "DeleteStyle")]
pub struct DeleteStyle {
    /// `<StyleName>`.
    #[serde(rename = "StyleName", default)]
    pub style_name: String,
}

impl DeleteStyle {
    /// Deletes the style `name`.
    pub fn new(name: impl Into<String>) -> Self {
        DeleteStyle {
            style_name: name.into(),
        }
    }

    /// Parses a `<DeleteStyle>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "DeleteStyle")
    }

    /// Serialises in the service's style.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "DeleteStyle")
    }
}

/// One `<StyleRule>` of a [`StyleList`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StyleRule {
    /// `<StyleName>`.
    #[serde(rename = "StyleName", default)]
    pub style_name: String,
    /// `<StyleBody>`.
    #[serde(rename = "StyleBody", default)]
    pub style_body: String,
}

/// `<StyleList>`: the answer of `GET /?style`. No styles is `<StyleList/>` (nothing
/// inside: the Python SDK then reads `{'StyleList': None}`, where whitespace would give
/// `{'StyleList': '\n'}`).
///
/// ```
/// use ci_core::result::{StyleList, StyleRule};
///
/// assert_eq!(StyleList::default().to_xml(), "<StyleList/>");
/// let list = StyleList {
///     style_rule: vec![StyleRule { style_name: "s1".into(), style_body: "imageMogr2/grayscale/1".into() }],
/// };
/// let xml = list.to_xml();
/// assert_eq!(
///     xml,
///     "<StyleList>\n<StyleRule>\n<StyleName>s1</StyleName>\n<StyleBody>imageMogr2/grayscale/1</StyleBody>\n</StyleRule>\n</StyleList>"
/// );
/// assert_eq!(StyleList::from_xml(&xml)?, list);
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "StyleList")]
pub struct StyleList {
    /// One `<StyleRule>` per style.
    #[serde(rename = "StyleRule", default, skip_serializing_if = "Vec::is_empty")]
    pub style_rule: Vec<StyleRule>,
}

impl StyleList {
    /// The rule of style `name`, if listed.
    pub fn body_of(&self, name: &str) -> Option<&str> {
        self.style_rule
            .iter()
            .find(|r| r.style_name == name)
            .map(|r| r.style_body.as_str())
    }

    /// Parses a `<StyleList>` document (the root must be `StyleList`, as the Go SDK
    /// requires).
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "StyleList")
    }

    /// Serialises in the service's style; `<StyleList/>` when empty.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "StyleList")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_documents_are_refused() {
        let deep = |root: &str| {
            let n = 40_000;
            format!("<{root}>{}{}</{root}>", "<X>".repeat(n), "</X>".repeat(n))
        };
        assert!(AddStyle::from_xml(&deep("AddStyle")).is_err());
        assert!(GetStyle::from_xml(&deep("GetStyle")).is_err());
        assert!(DeleteStyle::from_xml(&deep("DeleteStyle")).is_err());
        assert!(StyleList::from_xml(&deep("StyleList")).is_err());
    }

    #[test]
    fn wrong_roots_and_missing_fields() {
        let err = AddStyle::from_xml("<DeleteStyle/>").unwrap_err();
        assert!(matches!(err, ResultError::UnexpectedRoot { .. }), "{err}");
        assert_eq!(
            AddStyle::from_xml("<AddStyle><StyleName>a</StyleName></AddStyle>").unwrap(),
            AddStyle::new("a", "")
        );
        assert_eq!(
            DeleteStyle::from_xml("<DeleteStyle/>").unwrap(),
            DeleteStyle::default()
        );
        assert!(StyleList::from_xml("<Response/>").is_err());
    }
}
