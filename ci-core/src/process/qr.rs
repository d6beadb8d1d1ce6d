//! QR codes: find and read them ([`recognise`], with rqrr), paint a mosaic over them
//! ([`cover`]), and make them ([`generate`], with qrcode; Code 128 barcodes with
//! barcoders). The `QRcode/cover/<0|1>` rule stage runs on these (see `execute`).
//!
//! Choices **(ours)**:
//! - only codes that decode are reported (a grid rqrr finds but cannot read is likely not
//!   a code at all in a photograph); barcodes are not recognised (`bar-type/2` is
//!   `UnsupportedStage`, and `bar-type/0` finds QR codes only);
//! - the mosaic covers the bounding box of each code's four corners grown by a tenth of
//!   its size on every side, in blocks of a tenth of the box's longer side (at least 4
//!   px): no module survives;
//! - generated codes are black on white PNGs (8-bit grey) with the standard quiet zone
//!   (4 modules for QR, 10 for barcodes), every module a whole number of pixels and the
//!   code centred (the rest of the width is more quiet zone); a QR code is `width` ×
//!   `width`, a barcode `width` × `width / 3`; `width` must give every module a pixel.

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, Luma};

use super::codec::{self, DecodeOptions, EncodeOptions};
use super::error::{ProcessError, Result};
use super::limits::{Format, Limits};
use crate::result::{CodeLocation, QrCodeInfo};

/// A code found in an image.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FoundCode {
    /// The decoded text.
    pub text: String,
    /// Corners in pixels of the image searched: top-left, top-right, bottom-right,
    /// bottom-left in the code's own orientation (a rotated code has rotated corners).
    pub corners: [(i32, i32); 4],
}

impl FoundCode {
    /// The `<QRcodeInfo>` of a ProcessResults object or a recognition answer.
    pub fn to_info(&self) -> QrCodeInfo {
        QrCodeInfo {
            code_url: self.text.clone(),
            code_location: CodeLocation {
                points: self
                    .corners
                    .iter()
                    .map(|(x, y)| format!("{x},{y}"))
                    .collect(),
            },
        }
    }

    /// The corners' bounding box `(x, y, width, height)`, clipped to a `w` × `h` image;
    /// `None` when nothing of it is inside.
    fn bounding_box(&self, w: u32, h: u32) -> Option<(u32, u32, u32, u32)> {
        let xs = self.corners.iter().map(|c| i64::from(c.0));
        let ys = self.corners.iter().map(|c| i64::from(c.1));
        let (x0, x1) = (xs.clone().min()?, xs.max()?);
        let (y0, y1) = (ys.clone().min()?, ys.max()?);
        let margin = ((x1 - x0).max(y1 - y0) / 10).max(2);
        let clamp = |v: i64, hi: u32| v.clamp(0, i64::from(hi)) as u32;
        let (left, top) = (clamp(x0 - margin, w), clamp(y0 - margin, h));
        let (right, bottom) = (clamp(x1 + margin + 1, w), clamp(y1 + margin + 1, h));
        (right > left && bottom > top).then(|| (left, top, right - left, bottom - top))
    }
}

/// Finds and reads the QR codes of an encoded image (decoded within the default limits;
/// the first frame of an animation).
///
/// ```
/// # fn main() -> Result<(), ci_core::process::ProcessError> {
/// use ci_core::process::{generate_code, recognise, CodeKind};
/// let png = generate_code("https://example.com/a?b=1", 200, CodeKind::QrCode)?;
/// let found = recognise(&png)?;
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].text, "https://example.com/a?b=1");
/// # Ok(()) }
/// ```
pub fn recognise(bytes: &[u8]) -> Result<Vec<FoundCode>> {
    let decoded = codec::decode(
        bytes,
        &DecodeOptions {
            limits: Limits::default(),
            min_size: None,
            all_frames: false,
        },
    )?;
    Ok(recognise_image(decoded.image()))
}

/// Finds and reads the QR codes of decoded pixels, in the order rqrr finds them.
pub fn recognise_image(img: &DynamicImage) -> Vec<FoundCode> {
    let grey = img.to_luma8();
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        grey.get_pixel(x as u32, y as u32).0[0]
    });
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| {
            let (_, text) = grid.decode().ok()?;
            let c = grid.bounds.map(|p| (p.x, p.y));
            Some(FoundCode { text, corners: c })
        })
        .collect()
}

/// Paints a mosaic over each code (see the module docs), keeping the image's colour type.
pub fn cover(img: &mut DynamicImage, codes: &[FoundCode]) {
    for code in codes {
        let Some((x, y, w, h)) = code.bounding_box(img.width(), img.height()) else {
            continue;
        };
        let block = (w.max(h) / 10).max(4);
        let (cols, rows) = (w.div_ceil(block).max(1), h.div_ceil(block).max(1));
        let mosaic = img
            .crop_imm(x, y, w, h)
            .resize_exact(cols, rows, FilterType::Triangle)
            .resize_exact(w, h, FilterType::Nearest);
        image::imageops::replace(img, &mosaic, i64::from(x), i64::from(y));
    }
}

/// What [`generate_code`] makes (the `mode` of `ci-process=qrcode-generate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeKind {
    /// `mode=0`: a QR code.
    QrCode = 0,
    /// `mode=1`: a Code 128 barcode (printable ASCII text only).
    Barcode = 1,
}

impl CodeKind {
    /// The kind of a `mode` value.
    pub fn from_mode(mode: u32) -> Option<CodeKind> {
        match mode {
            0 => Some(CodeKind::QrCode),
            1 => Some(CodeKind::Barcode),
            _ => None,
        }
    }
}

/// Makes a code as a PNG, `width` pixels wide (see the module docs).
///
/// Errors (`InvalidArgument`): empty text, text a QR code cannot hold, a barcode text
/// outside printable ASCII, a width below the code's modules or over 9 999 px.
pub fn generate_code(text: &str, width: u32, kind: CodeKind) -> Result<Vec<u8>> {
    if text.is_empty() {
        return Err(ProcessError::InvalidArgument(
            "code content is empty".into(),
        ));
    }
    let max = Limits::default().max_output_side;
    if width > max {
        return Err(ProcessError::InvalidArgument(format!(
            "width {width} is over {max} px"
        )));
    }
    let (modules, quiet, height) = match kind {
        CodeKind::QrCode => {
            let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| {
                ProcessError::InvalidArgument(format!("cannot make a QR code of this text: {e}"))
            })?;
            let side = code.width();
            let dark: Vec<bool> = code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            let rows: Vec<Vec<bool>> = dark.chunks(side).map(<[bool]>::to_vec).collect();
            (rows, 4, width)
        }
        CodeKind::Barcode => {
            if !text.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
                return Err(ProcessError::InvalidArgument(
                    "a barcode holds printable ASCII text only".into(),
                ));
            }
            // `Ɓ` selects Code 128 character set B (all printable ASCII).
            let bars = barcoders::sym::code128::Code128::new(format!("\u{0181}{text}"))
                .map_err(|e| ProcessError::InvalidArgument(format!("barcode: {e}")))?
                .encode();
            let row: Vec<bool> = bars.into_iter().map(|b| b == 1).collect();
            (vec![row], 10, (width / 3).max(1))
        }
    };
    let columns = modules.first().map_or(0, Vec::len) + 2 * quiet;
    let lines = if kind == CodeKind::QrCode {
        modules.len() + 2 * quiet
    } else {
        1
    };
    if (width as usize) < columns {
        return Err(ProcessError::InvalidArgument(format!(
            "width {width} is below the code's {columns} modules"
        )));
    }
    // Whole pixels per module (uneven modules defeat readers), the code centred.
    let px = width as usize / columns;
    let left = (width as usize - px * columns) / 2;
    let top = if kind == CodeKind::QrCode {
        (height as usize).saturating_sub(px * lines) / 2
    } else {
        0
    };
    let img = GrayImage::from_fn(width, height, |x, y| {
        let mx = (x as usize).checked_sub(left).map(|v| v / px);
        let my = if kind == CodeKind::QrCode {
            (y as usize).checked_sub(top).map(|v| v / px)
        } else {
            Some(quiet)
        };
        let dark = mx
            .zip(my)
            .and_then(|(mx, my)| Some((mx.checked_sub(quiet)?, my.checked_sub(quiet)?)))
            .and_then(|(cx, cy)| modules.get(cy)?.get(cx).copied())
            .unwrap_or(false);
        Luma([if dark { 0 } else { 255 }])
    });
    codec::encode(
        &DynamicImage::ImageLuma8(img),
        &EncodeOptions::new(Format::Png),
    )
}
