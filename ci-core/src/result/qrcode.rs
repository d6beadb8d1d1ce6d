//! QR-code recognition results (wire-ci.md §D): `<QRcodeInfo>` inside a ProcessResults
//! `<Object>` (upload or cloud processing) and the `<Response>` of a download
//! recognition (`GET <key>?ci-process=QRcode`).

use serde::{Deserialize, Serialize};

use super::{xml, ResultError};

/// One code found: its text and its corners.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QrCodeInfo {
    /// `<CodeUrl>`: the decoded text (a URL or any text).
    #[serde(rename = "CodeUrl", default)]
    pub code_url: String,
    /// `<CodeLocation>`: the corners, in pixels.
    #[serde(rename = "CodeLocation", default)]
    pub code_location: CodeLocation,
}

/// `<CodeLocation>`: one `<Point>x,y</Point>` per corner (four for a code this crate
/// finds: top-left, top-right, bottom-right, bottom-left in the code's own orientation).
/// Kept as the text the service wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CodeLocation {
    /// `<Point>` texts, `"x,y"`.
    #[serde(rename = "Point", default)]
    pub points: Vec<String>,
}

impl CodeLocation {
    /// The points as numbers; `None` for a point that is not `x,y` with integers.
    pub fn coordinates(&self) -> Vec<Option<(i64, i64)>> {
        self.points
            .iter()
            .map(|p| {
                let (x, y) = p.split_once(',')?;
                Some((x.trim().parse().ok()?, y.trim().parse().ok()?))
            })
            .collect()
    }
}

/// The answer of `GET <key>?ci-process=QRcode&cover=<0|1>`.
///
/// ```
/// use ci_core::result::{CodeLocation, QrCodeInfo, QrCodeResponse};
///
/// let answer = QrCodeResponse {
///     code_status: 1,
///     qr_code_info: vec![QrCodeInfo {
///         code_url: "https://www.example.com".into(),
///         code_location: CodeLocation {
///             points: vec!["10,10".into(), "90,10".into(), "90,90".into(), "10,90".into()],
///         },
///     }],
///     result_image: None,
/// };
/// let xml = answer.to_xml();
/// assert_eq!(
///     xml,
///     "<Response>\n<CodeStatus>1</CodeStatus>\n<QRcodeInfo>\n<CodeUrl>https://www.example.com</CodeUrl>\n\
///      <CodeLocation>\n<Point>10,10</Point>\n<Point>90,10</Point>\n<Point>90,90</Point>\n\
///      <Point>10,90</Point>\n</CodeLocation>\n</QRcodeInfo>\n</Response>"
/// );
/// assert_eq!(QrCodeResponse::from_xml(&xml)?, answer);
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Response")]
pub struct QrCodeResponse {
    /// `<CodeStatus>`: 1 when a code was found, 0 when none.
    #[serde(rename = "CodeStatus", default)]
    pub code_status: u32,
    /// One `<QRcodeInfo>` per code.
    #[serde(rename = "QRcodeInfo", default, skip_serializing_if = "Vec::is_empty")]
    pub qr_code_info: Vec<QrCodeInfo>,
    /// `<ResultImage>`: Base64 of the covered image, with `cover=1` only.
    #[serde(
        rename = "ResultImage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_image: Option<String>,
}

impl QrCodeResponse {
    /// Parses the `<Response>` document (unknown elements are ignored).
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// Serialises in the service's style (one element per line, no declaration).
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }
}
