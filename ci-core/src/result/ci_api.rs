//! The other answers of the cloud's image API (wire-ci.md §D3, §F): the QR-code
//! generator's `<Response>`, and the JSON of `?imageInfo`, `?imageAve` and `?exif`.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::{xml, ResultError};

fn json_error(e: serde_json::Error) -> ResultError {
    ResultError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// The answer of `GET /?ci-process=qrcode-generate`: the image, Base64 (standard
/// alphabet, with padding, as the Go SDK decodes it).
///
/// ```
/// use ci_core::result::QrCodeGenerateResult;
///
/// let answer = QrCodeGenerateResult::from_image(b"\x89PNG");
/// assert_eq!(answer.to_xml(), "<Response>\n<ResultImage>iVBORw==</ResultImage>\n</Response>");
/// assert_eq!(QrCodeGenerateResult::from_xml(&answer.to_xml())?.image()?, b"\x89PNG");
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Response")]
pub struct QrCodeGenerateResult {
    /// `<ResultImage>`: Base64 of the image.
    #[serde(rename = "ResultImage", default)]
    pub result_image: String,
}

impl QrCodeGenerateResult {
    /// The answer carrying `image`.
    pub fn from_image(image: &[u8]) -> Self {
        QrCodeGenerateResult {
            result_image: base64::engine::general_purpose::STANDARD.encode(image),
        }
    }

    /// The image bytes (Base64 decoded; whitespace inside is ignored).
    pub fn image(&self) -> Result<Vec<u8>, ResultError> {
        decode_result_image(&self.result_image)
    }

    /// Parses the `<Response>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// Serialises in the service's style.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }
}

/// Decodes a `<ResultImage>` (of a QR-code generation or recognition with `cover=1`).
pub fn decode_result_image(text: &str) -> Result<Vec<u8>, ResultError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| ResultError::XmlShape {
            document: "Response",
            message: format!("<ResultImage> is not Base64: {e}"),
        })
}

/// The `imageInfo` answer: every value a string, as the cloud writes them
/// (`{"format":"jpeg","width":"960","height":"540","size":"158421","md5":"77a1...",...}`).
/// Keys the cloud adds in some answers are kept in [`BasicImageInfo::other`].
///
/// ```
/// use ci_core::result::BasicImageInfo;
///
/// let info = BasicImageInfo::from_json(r#"{"format":"jpeg","width":"960","height":"540","size":"158421","md5":"77a16fa70e2eba652fb42e8a639c52f2","photo_rgb":"0x736246"}"#)?;
/// assert_eq!(info.format, "jpeg");
/// assert_eq!((info.width_px(), info.height_px(), info.size_bytes()), (Some(960), Some(540), Some(158421)));
/// assert_eq!(info.other["photo_rgb"], "0x736246");
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BasicImageInfo {
    /// `format`: `jpeg`, `png`, `gif`, ...
    #[serde(default)]
    pub format: String,
    /// `width` in pixels.
    #[serde(default)]
    pub width: String,
    /// `height` in pixels.
    #[serde(default)]
    pub height: String,
    /// `size` in bytes.
    #[serde(default)]
    pub size: String,
    /// `md5`: hex MD5 of the object.
    #[serde(default)]
    pub md5: String,
    /// `frame_count` (1 for a still image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_count: Option<String>,
    /// `bit_depth`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_depth: Option<String>,
    /// `vertical_dpi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical_dpi: Option<String>,
    /// `horizontal_dpi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizontal_dpi: Option<String>,
    /// Every other key (`photo_rgb`, `dynamic_range`, `orientation`, ...), as text.
    #[serde(flatten)]
    pub other: BTreeMap<String, String>,
}

impl BasicImageInfo {
    /// `width` as a number.
    pub fn width_px(&self) -> Option<u32> {
        self.width.trim().parse().ok()
    }

    /// `height` as a number.
    pub fn height_px(&self) -> Option<u32> {
        self.height.trim().parse().ok()
    }

    /// `size` as a number.
    pub fn size_bytes(&self) -> Option<u64> {
        self.size.trim().parse().ok()
    }

    /// `frame_count` as a number.
    pub fn frames(&self) -> Option<u32> {
        self.frame_count.as_deref()?.trim().parse().ok()
    }

    /// Parses the JSON answer. Every value must be a string, as the cloud sends them.
    pub fn from_json(input: &str) -> Result<Self, ResultError> {
        serde_json::from_str(input).map_err(json_error)
    }
}

/// The `imageAve` answer: `{"RGB":"0x736246"}`.
///
/// ```
/// use ci_core::result::ImageAveResult;
///
/// let ave = ImageAveResult::from_json(r#"{"RGB":"0x736246"}"#)?;
/// assert_eq!(ave.rgb(), Some((0x73, 0x62, 0x46)));
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageAveResult {
    /// `RGB`: the mean colour, `0x` and six hex digits.
    #[serde(rename = "RGB")]
    pub rgb: String,
}

impl ImageAveResult {
    /// The colour as (red, green, blue).
    pub fn rgb(&self) -> Option<(u8, u8, u8)> {
        let hex = self.rgb.strip_prefix("0x")?;
        if hex.len() != 6 {
            return None;
        }
        let v = u32::from_str_radix(hex, 16).ok()?;
        Some(((v >> 16) as u8, (v >> 8) as u8, v as u8))
    }

    /// Parses the JSON answer.
    pub fn from_json(input: &str) -> Result<Self, ResultError> {
        serde_json::from_str(input).map_err(json_error)
    }
}

/// One tag of an `exif` answer: `{"val":"...", "type":2}` (`type`, the TIFF type code,
/// is this implementation's addition; the cloud documents `val` only).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExifEntry {
    /// The value as text.
    pub val: String,
    /// The TIFF type code, when the answer gives one.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_code: Option<u16>,
}

/// The `exif` answer: one entry per tag (`{"DateTime":{"val":"2018:09:03 17:37:06"}}`),
/// or, for an image without EXIF, the cloud's `{"error" : "no exif data"}`.
///
/// ```
/// use ci_core::result::ExifInfo;
///
/// let exif = ExifInfo::from_json(r#"{"DateTime":{"val":"2018:09:03 17:37:06"},"ExposureTime":{"val":"1/200","type":5}}"#)?;
/// assert_eq!(exif.tags["ExposureTime"].val, "1/200");
/// assert_eq!(exif.error, None);
/// let none = ExifInfo::from_json(r#"{"error" : "no exif data"}"#)?;
/// assert!(none.tags.is_empty());
/// assert_eq!(none.error.as_deref(), Some("no exif data"));
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExifInfo {
    /// The tags, by name.
    pub tags: BTreeMap<String, ExifEntry>,
    /// The answer's `error` text (`no exif data`), if it is one.
    pub error: Option<String>,
}

impl ExifInfo {
    /// Parses the JSON answer: an object of `{"val": ...}` entries, or `{"error": "..."}`.
    pub fn from_json(input: &str) -> Result<Self, ResultError> {
        let map: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(input).map_err(json_error)?;
        let mut out = ExifInfo::default();
        for (name, value) in map {
            match value {
                serde_json::Value::String(text) if name == "error" => out.error = Some(text),
                other => {
                    let entry: ExifEntry =
                        serde_json::from_value(other).map_err(|e| ResultError::Json {
                            line: 0,
                            column: 0,
                            message: format!("tag {name:?}: {e}"),
                        })?;
                    out.tags.insert(name, entry);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_and_malformed_answers_are_refused() {
        let n = 40_000;
        let deep = format!(
            "<Response>{}{}</Response>",
            "<X>".repeat(n),
            "</X>".repeat(n)
        );
        assert!(QrCodeGenerateResult::from_xml(&deep).is_err());
        let deep_json = format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(BasicImageInfo::from_json(&deep_json).is_err());
        assert!(ExifInfo::from_json(&deep_json).is_err());
        assert!(BasicImageInfo::from_json(r#"{"width":960}"#).is_err());
        assert!(ExifInfo::from_json(r#"{"Make":"Canon"}"#).is_err());
        let bad = QrCodeGenerateResult {
            result_image: "not base64!".into(),
        };
        assert!(bad.image().is_err());
        assert_eq!(ImageAveResult { rgb: "0x12".into() }.rgb(), None);
    }
}
