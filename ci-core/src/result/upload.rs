//! `<UploadResult>`: the answer to an upload or cloud processing request that carries a
//! `Pic-Operations` header.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{xml, xml_to_dict, ImageInfo, QrCodeInfo, ResultError, SdkValue};

#[path = "upload_events.rs"]
mod events;

/// The `<UploadResult>` document.
///
/// Element order on the wire: `OriginalInfo`, then `ProcessResults` holding one
/// `<Object>` per rule. [`UploadResult::to_xml`] leaves out `OriginalInfo` when it is
/// `None` and `ProcessResults` when there are no results.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "UploadResult")]
pub struct UploadResult {
    /// The input object (present when `is_pic_info` was 1).
    #[serde(
        rename = "OriginalInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub original_info: Option<OriginalInfo>,
    /// One entry per processing rule, in rule order (`<ProcessResults><Object>...`).
    #[serde(
        rename = "ProcessResults",
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "ser_objects",
        deserialize_with = "de_objects"
    )]
    pub process_results: Vec<ProcessResult>,
}

/// `<OriginalInfo>`: the uploaded (or processed-in-place) input object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginalInfo {
    /// Object key.
    pub key: String,
    /// `<bucket>.cos.<region>.myqcloud.com/<key>`.
    pub location: String,
    /// ETag, quotes included (`"580c..."`), as the service and the Python SDK show it.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// Image facts (absent for some processes, e.g. AIPicMatting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_info: Option<ImageInfo>,
}

/// One `<Object>` under `<ProcessResults>`: a stored processing result.
///
/// Element order: Key, Location, Format, Md5, Width, Height, Size, Quality, Ave, ETag,
/// FrameCount, BitDepth, VerticalDpi, HorizontalDpi (consistent with both the seed 002
/// and the AIPicMatting examples), then CodeStatus and the QRcodeInfo elements of a
/// `QRcode` rule (wire-ci.md §D2). Absent optional fields are not written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", rename = "Object")]
pub struct ProcessResult {
    /// Key of the stored result.
    pub key: String,
    /// `<bucket>.cos.<region>.myqcloud.com/<key>`.
    pub location: String,
    /// Output format as the rule named it (`png`); `Some("")` is `<Format/>` (AIPicMatting
    /// answers so). Any case is accepted.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_some_string"
    )]
    pub format: Option<String>,
    /// Hex MD5 of the result bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Quality the rule resolved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u32>,
    /// Mean colour, `0xrrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ave: Option<String>,
    /// ETag, quotes included.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// Number of frames.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_count: Option<u32>,
    /// Bits per channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_depth: Option<u32>,
    /// Vertical resolution in DPI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical_dpi: Option<u32>,
    /// Horizontal resolution in DPI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizontal_dpi: Option<u32>,
    /// `QRcode` rules: 1 when codes were found, 0 when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_status: Option<u32>,
    /// `QRcode` rules: one `<QRcodeInfo>` per code found.
    #[serde(rename = "QRcodeInfo", default, skip_serializing_if = "Vec::is_empty")]
    pub qr_code_info: Vec<QrCodeInfo>,
}

/// `<ProcessResults>` as written.
#[derive(Serialize)]
struct ObjectsRef<'a> {
    #[serde(rename = "Object")]
    objects: &'a [ProcessResult],
}

/// `<ProcessResults>` as read: zero or more `<Object>`s, other elements ignored.
#[derive(Deserialize)]
struct ObjectsOwned {
    #[serde(rename = "Object", default)]
    objects: Vec<ProcessResult>,
}

pub(super) fn ser_objects<S: Serializer>(
    objects: &[ProcessResult],
    s: S,
) -> Result<S::Ok, S::Error> {
    ObjectsRef { objects }.serialize(s)
}

pub(super) fn de_objects<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ProcessResult>, D::Error> {
    Ok(Option::<ObjectsOwned>::deserialize(d)?
        .map(|o| o.objects)
        .unwrap_or_default())
}

/// A present element is `Some`, even when empty (`<Format/>` is `Some("")`).
fn de_some_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

impl UploadResult {
    /// Parses an `<UploadResult>` document. Unknown elements are ignored; an XML
    /// declaration, comments and namespace declarations are accepted.
    ///
    /// ```
    /// use ci_core::result::UploadResult;
    ///
    /// let xml = "<UploadResult>\n<ProcessResults>\n<Object>\n<Key>a.png</Key>\n\
    ///            <Location>b-1250000000.cos.ap-guangzhou.myqcloud.com/a.png</Location>\n\
    ///            <Format>png</Format>\n<Size>42</Size>\n<ETag>&quot;ab&quot;</ETag>\n\
    ///            </Object>\n</ProcessResults>\n</UploadResult>";
    /// let parsed = UploadResult::from_xml(xml)?;
    /// assert_eq!(parsed.process_results[0].etag, "\"ab\"");
    /// assert_eq!(parsed.process_results[0].size, Some(42));
    /// assert_eq!(parsed.to_xml(), xml);
    /// # Ok::<(), ci_core::result::ResultError>(())
    /// ```
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        // An upload's answer is read on every call: the usual shape in one pass over the
        // events (the checked tree and then serde were ~15 % of a Go client's CPU per
        // upload); anything else through the checked tree and serde, errors included.
        if let Some(r) = events::upload_result(input) {
            return Ok(r);
        }
        xml::from_xml(input, "UploadResult")
    }

    /// Serialises in the service's style: one element per line, no indentation, no XML
    /// declaration, quotes escaped as `&quot;`, no trailing newline.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "UploadResult")
    }

    /// The Python SDK's view of this result: `xml_to_dict(self.to_xml())`.
    pub fn to_sdk_dict(&self) -> SdkValue {
        // `to_xml` always produces well-formed XML, so the fallback is never taken.
        xml_to_dict(&self.to_xml()).unwrap_or(SdkValue::Dict(Vec::new()))
    }
}
