//! A JPEG marker walker: dimensions, quantisation tables, JFIF density, Adobe transform
//! and the EXIF payload, read from the header segments without entropy decoding.

use super::error::{ProcessError, Result};

/// Natural (row-major) index of the k-th coefficient in zigzag order.
const ZIGZAG_TO_NATURAL: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// What the header segments of a JPEG say.
#[derive(Debug, Clone, Default)]
pub(crate) struct JpegHeader<'a> {
    pub width: u32,
    pub height: u32,
    pub components: u8,
    pub precision: u8,
    pub progressive: bool,
    /// Quantisation tables by slot (0..4), natural order.
    pub qtables: [Option<[u16; 64]>; 4],
    /// JFIF density: (units, x, y); units 0 = aspect only, 1 = dpi, 2 = dots per cm.
    pub jfif_density: Option<(u8, u16, u16)>,
    /// Adobe APP14 transform flag, when the segment is present.
    pub adobe_transform: Option<u8>,
    /// The EXIF payload (TIFF header onwards) of the first `Exif\0\0` APP1 segment.
    pub exif: Option<&'a [u8]>,
}

fn bad(msg: &str) -> ProcessError {
    ProcessError::InvalidImageFormat(format!("JPEG: {msg}"))
}

/// Walks the markers up to the first SOS. Errors when no frame header precedes it.
pub(crate) fn parse_header(b: &[u8]) -> Result<JpegHeader<'_>> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(bad("no SOI marker"));
    }
    let mut h = JpegHeader::default();
    let mut seen_sof = false;
    let mut i = 2usize;
    loop {
        // find the next marker: 0xFF, fill bytes, then a non-0xFF code
        while i < b.len() && b[i] != 0xFF {
            i += 1;
        }
        while i < b.len() && b[i] == 0xFF {
            i += 1;
        }
        let Some(&m) = b.get(i) else {
            break;
        };
        i += 1;
        match m {
            0x00 | 0x01 | 0xD0..=0xD8 => continue,
            0xD9 => break,
            _ => {}
        }
        let len = match (b.get(i), b.get(i + 1)) {
            (Some(&hi), Some(&lo)) => usize::from(u16::from_be_bytes([hi, lo])),
            _ => break,
        };
        if len < 2 {
            return Err(bad("segment length below 2"));
        }
        let Some(seg) = b.get(i + 2..i + len) else {
            if seen_sof {
                break;
            }
            return Err(bad("truncated header segment"));
        };
        i += len;
        match m {
            0xC0..=0xCF if m != 0xC4 && m != 0xC8 && m != 0xCC => {
                if seg.len() < 6 {
                    return Err(bad("short SOF"));
                }
                h.precision = seg[0];
                h.height = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
                h.width = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
                h.components = seg[5];
                h.progressive = matches!(m, 0xC2 | 0xC6 | 0xCA | 0xCE);
                seen_sof = true;
            }
            0xDB => {
                let mut j = 0usize;
                while j < seg.len() {
                    let pq = seg[j] >> 4;
                    let tq = usize::from(seg[j] & 0x0F);
                    j += 1;
                    let step = if pq == 0 { 1 } else { 2 };
                    let Some(vals) = seg.get(j..j + 64 * step) else {
                        return Err(bad("short DQT"));
                    };
                    let mut t = [0u16; 64];
                    for (k, nat) in ZIGZAG_TO_NATURAL.iter().enumerate() {
                        t[*nat] = if step == 1 {
                            u16::from(vals[k])
                        } else {
                            u16::from_be_bytes([vals[2 * k], vals[2 * k + 1]])
                        };
                    }
                    if tq < 4 {
                        h.qtables[tq] = Some(t);
                    }
                    j += 64 * step;
                }
            }
            0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 12 => {
                h.jfif_density = Some((
                    seg[7],
                    u16::from_be_bytes([seg[8], seg[9]]),
                    u16::from_be_bytes([seg[10], seg[11]]),
                ));
            }
            0xE1 if seg.starts_with(b"Exif\0\0") && h.exif.is_none() => {
                h.exif = Some(&seg[6..]);
            }
            0xEE if seg.starts_with(b"Adobe") && seg.len() >= 12 => {
                h.adobe_transform = Some(seg[11]);
            }
            0xDA => break,
            _ => {}
        }
    }
    if !seen_sof {
        return Err(bad("no frame header (SOF) before the scan"));
    }
    if h.width == 0 || h.height == 0 {
        return Err(bad("zero dimension in SOF"));
    }
    Ok(h)
}

/// Inserts EXIF (APP1) and ICC (APP2, split into chunks) segments into an encoded JPEG,
/// right after SOI and a leading JFIF APP0. EXIF over 65 527 bytes is dropped (it cannot
/// fit one segment).
pub(crate) fn insert_metadata(jpeg: &[u8], exif: Option<&[u8]>, icc: Option<&[u8]>) -> Vec<u8> {
    let mut pos = 2usize.min(jpeg.len());
    if jpeg.get(2..4) == Some(&[0xFF, 0xE0]) {
        if let Some(&[hi, lo]) = jpeg.get(4..6) {
            pos = (4 + usize::from(u16::from_be_bytes([hi, lo]))).min(jpeg.len());
        }
    }
    let mut out = Vec::with_capacity(jpeg.len() + exif.map_or(0, <[u8]>::len) + 1024);
    out.extend_from_slice(&jpeg[..pos]);
    let mut segment = |marker: u8, parts: &[&[u8]]| {
        let len: usize = 2 + parts.iter().map(|p| p.len()).sum::<usize>();
        if let Ok(len16) = u16::try_from(len) {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&len16.to_be_bytes());
            for p in parts {
                out.extend_from_slice(p);
            }
        }
    };
    if let Some(e) = exif.filter(|e| !e.is_empty()) {
        segment(0xE1, &[b"Exif\0\0", e]);
    }
    if let Some(icc) = icc.filter(|i| !i.is_empty()) {
        const CHUNK: usize = 65_519; // 65535 - 2 (length) - 12 (tag) - 2 (seq, count)
        let count = icc.len().div_ceil(CHUNK);
        if let Ok(count) = u8::try_from(count) {
            for (i, c) in icc.chunks(CHUNK).enumerate() {
                let seq = (i + 1) as u8;
                segment(0xE2, &[b"ICC_PROFILE\0", &[seq, count], c]);
            }
        }
    }
    out.extend_from_slice(&jpeg[pos..]);
    out
}
