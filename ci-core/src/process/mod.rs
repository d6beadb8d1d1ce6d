//! The local processing engine: probe and limits, decode, encode, resize, ImageInfo.
//!
//! Bytes in, bytes out; every function is pure and `Send`. The rule executor builds on:
//! - [`probe`] / [`Limits::probe_checked`]: format, dimensions and frame count from the
//!   header, checked against the limits before any pixel allocation;
//! - [`decode`] with [`DecodeOptions::min_size`] for JPEG and still-WebP shrink-on-load
//!   (1/2, 1/4, 1/8);
//! - [`resize()`] (fast_image_resize, SIMD) and [`encode`] / [`encode_frames`];
//! - [`image_info`] and the `imageInfo` / `imageAve` / `exif` answers;
//! - [`execute`] / [`execute_many`]: the rule executor (every imageMogr2 operation,
//!   imageView2 modes, watermarks, AIPicMatting, `|` pipelines), see its module docs for
//!   the choices marked **(ours)**;
//! - [`inspect`]: where an image's data ends and what is hidden after it (`imageInspect`);
//! - [`recognise`], [`cover`], [`generate_code`]: QR codes (the `QRcode` rule stage);
//! - [`font`]: the fonts of text watermarks ([`FontDir`], [`ExecuteOptions::font_resolver`]);
//!   CJK text needs fonts the caller supplies (only DejaVu Sans is bundled).
//!
//! ```
//! # fn main() -> Result<(), ci_core::process::ProcessError> {
//! let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus/photo.jpg"))
//!     .map_err(|e| ci_core::process::ProcessError::InvalidArgument(e.to_string()))?;
//! let thumb = ci_core::process::thumbnail_jpeg(&bytes, 200, 85)?;
//! let info = ci_core::process::image_info(&thumb)?;
//! assert_eq!((info.width, info.height), (200, 125));
//! # Ok(()) }
//! ```

#[cfg(feature = "avif")]
mod avif;
mod codec;
mod error;
mod execute;
pub mod font;
mod info;
mod inspect;
mod jpeg;
mod limits;
mod meta;
mod ops;
mod png_interlace;
mod qr;
mod quality;
mod resize;
mod thumb;

pub use codec::{
    decode, encode, encode_frames, flatten_to_rgb8, jpeg_shrink_for, DecodeOptions, Decoded,
    EncodeOptions, Frame,
};
pub use error::{ProcessError, Result};
pub use execute::{execute, execute_many, ExecuteOptions, ImageResolver, Output, StyleResolver};
pub use font::{Font, FontDir, FontError, FontResolver};
pub use info::{
    average_color, exif_json, image_ave_json, image_info, image_info_json, image_info_with,
    InfoReport, DEFAULT_DPI, NO_EXIF_JSON,
};
pub use inspect::{inspect, inspect_with};
pub use limits::{probe, Format, Limits, Probe};
pub use meta::Metadata;
pub use ops::output::content_type;
pub use qr::{cover, generate_code, recognise, recognise_image, CodeKind, FoundCode};
pub use quality::estimate_quality;
pub use resize::{fit_width, resize, Filter};

/// Re-export of the `image` crate the engine's pixel types come from.
pub use image;

/// Applies an EXIF orientation (1..=8) to the pixels; other values leave them as they are.
pub fn auto_orient(img: &mut image::DynamicImage, orientation: u32) {
    if let Some(o) = u8::try_from(orientation)
        .ok()
        .and_then(image::metadata::Orientation::from_exif)
    {
        img.apply_orientation(o);
    }
}

/// Thumbnail to `width` pixels wide (ratio kept) as a JPEG of `quality` (4:2:0): decode
/// with shrink-on-load, Lanczos3 resize, libjpeg-turbo encode. A YCbCr JPEG input stays in
/// YCbCr planes the whole way (no colour conversion); other inputs go through RGB. Any
/// decodable input works; the first frame of an animation is used. EXIF orientation is not
/// applied and metadata is not copied (the rule executor's job).
///
/// Errors: the limit errors of [`decode`]; `width` 0 → `InvalidArgument`; an output side
/// over 9 999 → `ImageResolutionExceed`.
pub fn thumbnail_jpeg(bytes: &[u8], width: u32, quality: u8) -> Result<Vec<u8>> {
    let limits = Limits::default();
    let p = limits.probe_checked(bytes)?;
    if width == 0 {
        return Err(ProcessError::InvalidArgument("thumbnail width 0".into()));
    }
    let (tw, th) = fit_width(p.width, p.height, width);
    limits.check_output(tw, th)?;
    if p.format == Format::Jpeg {
        if let Some(out) = thumb::jpeg_thumbnail_yuv(bytes, &p, (tw, th), quality)? {
            return Ok(out);
        }
    }
    let d = decode(bytes, &DecodeOptions::at_least(tw, th))?;
    let img = resize(d.image(), tw, th, Filter::Lanczos3)?;
    encode(&img, &EncodeOptions::new(Format::Jpeg).quality(quality))
}
