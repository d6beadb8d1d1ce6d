//! The `imageInspect` answer (wire-ci.md §C): JSON, numbers as numbers, `suspicious` a
//! boolean, the four `suspicious*` fields only when it is true.

use serde::{Deserialize, Serialize};

use super::ResultError;

/// What `GET <key>?imageInspect` (or `ci-process=ImageInspect`) answers.
///
/// ```
/// use ci_core::result::ImageInspectResult;
///
/// let clean = ImageInspectResult::clean(158421, "jpeg");
/// assert_eq!(clean.to_json(), r#"{"picSize":158421,"picType":"jpeg","suspicious":false}"#);
///
/// let json = r#"{"picSize":1097476,"picType":"png","suspicious":true,"suspiciousBeginByte":120,"suspiciousEndByte":1097475,"suspiciousSize":1097356,"suspiciousType":"MPEG-TS"}"#;
/// let parsed = ImageInspectResult::from_json(json)?;
/// assert_eq!(parsed.suspicious_size, Some(1097356));
/// assert_eq!(parsed.to_json(), json);
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageInspectResult {
    /// Size of the whole file in bytes.
    pub pic_size: u64,
    /// The image format found, lower case (`jpeg`, `png`, `gif`, `bmp`, `webp`, ...).
    pub pic_type: String,
    /// Whether something other than the image was found.
    pub suspicious: bool,
    /// First byte of what is not the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspicious_begin_byte: Option<u64>,
    /// Last byte of it (inclusive; the file's last byte in every documented example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspicious_end_byte: Option<u64>,
    /// `suspiciousEndByte - suspiciousBeginByte + 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspicious_size: Option<u64>,
    /// What it looks like (`MPEG-TS`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspicious_type: Option<String>,
}

impl ImageInspectResult {
    /// A clean image: no `suspicious*` fields.
    pub fn clean(pic_size: u64, pic_type: impl Into<String>) -> Self {
        ImageInspectResult {
            pic_size,
            pic_type: pic_type.into(),
            ..Default::default()
        }
    }

    /// Parses the JSON answer (unknown fields are ignored).
    pub fn from_json(input: &str) -> Result<Self, ResultError> {
        serde_json::from_str(input).map_err(|e| ResultError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })
    }

    /// Compact JSON in the documented key order.
    pub fn to_json(&self) -> String {
        // Integers, strings, a bool and options: serde_json cannot fail on these.
        serde_json::to_string(self).unwrap_or_default()
    }
}
