//! Resizing with fast_image_resize (SIMD convolution).

use fast_image_resize as fr;
use image::DynamicImage;

use super::error::{ProcessError, Result};

/// Resampling filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// Nearest neighbour.
    Nearest,
    /// Bilinear.
    Bilinear,
    /// Catmull-Rom bicubic.
    CatmullRom,
    /// Lanczos with a 3-lobe window (the default, as libvips's thumbnail uses).
    #[default]
    Lanczos3,
}

/// Resizes to exactly `width` × `height` (ratio not kept; compute it before).
///
/// Images with alpha are resized premultiplied. Sizes of 0 are `InvalidArgument`.
pub fn resize(img: &DynamicImage, width: u32, height: u32, filter: Filter) -> Result<DynamicImage> {
    if width == 0 || height == 0 {
        return Err(ProcessError::InvalidArgument(format!(
            "resize to {width}x{height}"
        )));
    }
    if width == img.width() && height == img.height() {
        return Ok(img.clone());
    }
    let alg = match filter {
        Filter::Nearest => fr::ResizeAlg::Nearest,
        Filter::Bilinear => fr::ResizeAlg::Convolution(fr::FilterType::Bilinear),
        Filter::CatmullRom => fr::ResizeAlg::Convolution(fr::FilterType::CatmullRom),
        Filter::Lanczos3 => fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3),
    };
    // fast_image_resize covers 8/16-bit and f32 layouts; anything else goes through RGBA8.
    let converted;
    let src = match img {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_)
        | DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_)
        | DynamicImage::ImageRgb16(_)
        | DynamicImage::ImageRgba16(_)
        | DynamicImage::ImageRgb32F(_)
        | DynamicImage::ImageRgba32F(_) => img,
        other => {
            converted = DynamicImage::ImageRgba8(other.to_rgba8());
            &converted
        }
    };
    let mut dst = DynamicImage::new(width, height, src.color());
    let mut resizer = fr::Resizer::new();
    resizer
        .resize(src, &mut dst, &fr::ResizeOptions::new().resize_alg(alg))
        .map_err(|e| ProcessError::InvalidArgument(format!("resize: {e}")))?;
    Ok(dst)
}

/// The size that keeps the ratio at `width` wide (height rounds half up, at least 1).
pub fn fit_width(src_w: u32, src_h: u32, width: u32) -> (u32, u32) {
    let h = (u64::from(src_h) * u64::from(width) * 2 + u64::from(src_w))
        / (2 * u64::from(src_w.max(1)));
    (width, (h.max(1)).min(u64::from(u32::MAX)) as u32)
}
