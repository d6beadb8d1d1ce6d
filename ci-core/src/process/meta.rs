//! Metadata read from the file itself: EXIF, orientation, DPI, JPEG quality, bit depth.

use std::io::Cursor;

use super::jpeg;
use super::limits::Format;
use super::quality;

/// What an image file says about itself besides pixels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Raw EXIF (TIFF structure, starting with `II*\0` or `MM\0*`), when present.
    pub exif: Option<Vec<u8>>,
    /// ICC profile, when the decoder exposes one.
    pub icc: Option<Vec<u8>>,
    /// EXIF Orientation 1..=8; 0 when the file has none.
    pub orientation: u32,
    /// (horizontal, vertical) resolution in DPI, when the file states one.
    pub dpi: Option<(u32, u32)>,
    /// Estimated JPEG quality (JPEG inputs only).
    pub jpeg_quality: Option<u32>,
    /// Bits per channel.
    pub bit_depth: u32,
    /// Progressive JPEG.
    pub progressive: bool,
}

/// Reads metadata without decoding pixels. Never fails: what cannot be read is absent.
pub fn read(bytes: &[u8], format: Format) -> Metadata {
    let mut m = Metadata {
        bit_depth: 8,
        ..Metadata::default()
    };
    let mut jfif_dpi = None;
    match format {
        Format::Jpeg => {
            if let Ok(h) = jpeg::parse_header(bytes) {
                m.exif = h.exif.map(<[u8]>::to_vec);
                m.jpeg_quality = quality::estimate_quality(&h.qtables);
                m.progressive = h.progressive;
                m.bit_depth = u32::from(h.precision.max(8));
                jfif_dpi = match h.jfif_density {
                    Some((1, x, y)) if x > 1 && y > 1 => Some((u32::from(x), u32::from(y))),
                    Some((2, x, y)) if x > 1 && y > 1 => {
                        Some((dpcm_to_dpi(f64::from(x)), dpcm_to_dpi(f64::from(y))))
                    }
                    _ => None,
                };
            }
        }
        Format::Png => {
            jfif_dpi = png_phys_dpi(bytes);
            m.exif = container_exif(bytes);
        }
        Format::Webp | Format::Tiff | Format::Avif => m.exif = container_exif(bytes),
        Format::Gif | Format::Bmp => {}
    }
    let parsed = m
        .exif
        .as_ref()
        .and_then(|raw| exif::Reader::new().read_raw(raw.clone()).ok());
    if let Some(ex) = &parsed {
        m.orientation = ex
            .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
            .and_then(|f| f.value.get_uint(0))
            .filter(|o| (1..=8).contains(o))
            .unwrap_or(0);
    }
    m.dpi = jfif_dpi.or_else(|| parsed.as_ref().and_then(exif_dpi));
    m
}

fn dpcm_to_dpi(v: f64) -> u32 {
    (v * 2.54).round() as u32
}

fn container_exif(bytes: &[u8]) -> Option<Vec<u8>> {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
        .map(|e| e.buf().to_vec())
}

fn exif_dpi(ex: &exif::Exif) -> Option<(u32, u32)> {
    let rational = |tag| -> Option<f64> {
        match &ex.get_field(tag, exif::In::PRIMARY)?.value {
            exif::Value::Rational(v) => v.first().map(|r| r.to_f64()),
            other => other.get_uint(0).map(f64::from),
        }
    };
    let x = rational(exif::Tag::XResolution)?;
    let y = rational(exif::Tag::YResolution).unwrap_or(x);
    let unit = ex
        .get_field(exif::Tag::ResolutionUnit, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .unwrap_or(2);
    let conv = |v: f64| {
        if unit == 3 {
            dpcm_to_dpi(v)
        } else {
            v.round() as u32
        }
    };
    if !(x.is_finite() && y.is_finite()) || x <= 0.0 || y <= 0.0 {
        return None;
    }
    Some((conv(x), conv(y)))
}

/// DPI from a PNG `pHYs` chunk (unit 1 = per metre).
fn png_phys_dpi(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 8usize;
    while i + 8 <= b.len() {
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let tag = &b[i + 4..i + 8];
        if tag == b"pHYs" {
            let d = b.get(i + 8..i + 17)?;
            if d[8] != 1 {
                return None;
            }
            let x = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
            let y = u32::from_be_bytes([d[4], d[5], d[6], d[7]]);
            let f = |v: u32| (f64::from(v) * 0.0254).round() as u32;
            return Some((f(x), f(y)));
        }
        if tag == b"IDAT" || tag == b"IEND" {
            return None;
        }
        i = i.saturating_add(12).saturating_add(len);
    }
    None
}
