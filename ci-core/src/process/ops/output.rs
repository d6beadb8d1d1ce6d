//! Output settings: format names and the quality rules.

use crate::process::error::{ProcessError, Result};
use crate::process::limits::Format;
use crate::rule::{ImageFormat, Quality};

/// A quality setting of a rule, before it is resolved against the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QualitySetting {
    /// `quality/Q` (min(original, Q)) or `quality/Q!` (Q).
    Absolute(Quality),
    /// `rquality/R`: original × R / 100.
    Relative(u8),
    /// `lquality/Q`: max(original, Q).
    Lower(u8),
}

/// **(ours)** The quality of a lossy output when the rule sets none: the input's estimate
/// for a JPEG input, this for other inputs.
pub(crate) const DEFAULT_QUALITY: u32 = 85;

/// Resolves the output quality from the input's estimated quality `original` (100 for
/// non-JPEG inputs) and the rule's setting (spec: quality / `!` / rquality / lquality).
/// **(ours)** Without a setting, a JPEG input keeps its own quality and other inputs get
/// [`DEFAULT_QUALITY`]. The result is clamped to 1..=100.
pub(crate) fn resolve_quality(
    original: u32,
    input_is_jpeg: bool,
    setting: Option<QualitySetting>,
) -> u32 {
    let q = match setting {
        None if input_is_jpeg => original,
        None => DEFAULT_QUALITY,
        Some(QualitySetting::Absolute(Quality {
            value,
            forced: true,
        })) => u32::from(value),
        Some(QualitySetting::Absolute(Quality { value, .. })) => original.min(u32::from(value)),
        // round half up
        Some(QualitySetting::Relative(r)) => (original * u32::from(r) + 50) / 100,
        Some(QualitySetting::Lower(v)) => original.max(u32::from(v)),
    };
    q.clamp(1, 100)
}

/// The engine format for a rule's `format/<f>`. `yjpeg`, `tpg`, `heif`, `heic`, `apng`,
/// `psd` (no encoder) and `avif` without the `avif` feature are
/// [`ProcessError::UnsupportedFormat`].
pub(crate) fn engine_format(f: ImageFormat) -> Result<Format> {
    match f {
        ImageFormat::Jpg | ImageFormat::Jpeg => Ok(Format::Jpeg),
        ImageFormat::Png => Ok(Format::Png),
        ImageFormat::Gif => Ok(Format::Gif),
        ImageFormat::Webp => Ok(Format::Webp),
        ImageFormat::Bmp => Ok(Format::Bmp),
        ImageFormat::Tiff => Ok(Format::Tiff),
        #[cfg(feature = "avif")]
        ImageFormat::Avif => Ok(Format::Avif),
        #[cfg(not(feature = "avif"))]
        ImageFormat::Avif => Err(ProcessError::UnsupportedFormat(
            "no avif encoder in this build (feature `avif`)".into(),
        )),
        ImageFormat::Yjpeg
        | ImageFormat::Tpg
        | ImageFormat::Heif
        | ImageFormat::Heic
        | ImageFormat::Apng
        | ImageFormat::Psd => Err(ProcessError::UnsupportedFormat(format!(
            "no {} encoder in this build",
            f.name()
        ))),
    }
}

/// Whether the format's encoder uses the quality (JPEG, lossy WebP, AVIF).
pub(crate) fn is_lossy(f: Format) -> bool {
    matches!(f, Format::Jpeg | Format::Webp | Format::Avif)
}

/// The MIME type of an output format.
pub fn content_type(f: Format) -> &'static str {
    match f {
        Format::Jpeg => "image/jpeg",
        Format::Png => "image/png",
        Format::Gif => "image/gif",
        Format::Webp => "image/webp",
        Format::Bmp => "image/bmp",
        Format::Tiff => "image/tiff",
        Format::Avif => "image/avif",
    }
}
