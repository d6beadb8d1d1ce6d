use serde::{Deserialize, Serialize};

/// Facts about one image, as `<ImageInfo>` of an `UploadResult` carries them and as the
/// local engine computes them. Field order is the XML element order.
///
/// Only `Format`, `Width` and `Height` are always present on the wire; the public
/// reference pages list Quality, Ave and Orientation too, and seed 002 adds the rest, so
/// everything else is optional when parsing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageInfo {
    /// Hex MD5 of the file bytes.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub md5: Option<String>,
    /// Format name: upper case in `OriginalInfo` (`JPEG`); parsers accept any case.
    pub format: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// JPEG quality estimated from the quantisation tables; 100 for other inputs.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub quality: Option<u32>,
    /// Mean colour, `0xrrggbb`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ave: Option<String>,
    /// EXIF orientation; 0 when the image has none.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub orientation: Option<u32>,
    /// Number of frames; 1 for still images.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub frame_count: Option<u32>,
    /// Bits per channel.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bit_depth: Option<u32>,
    /// Vertical resolution in DPI (72 if the file has none).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vertical_dpi: Option<u32>,
    /// Horizontal resolution in DPI (72 if the file has none).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub horizontal_dpi: Option<u32>,
}
