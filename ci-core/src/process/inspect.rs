//! Image inspection (`imageInspect`): where an image's own data ends, and what, if
//! anything, is hidden after it.
//!
//! The cloud detects an MPEG-TS stream appended to a PNG or BMP, or a bare TS stream
//! posing as an image. This goes further: it finds the logical end of JPEG, PNG, GIF,
//! BMP, WebP and AVIF files by walking their structure (no pixel is decoded) and names
//! what follows it. Linear in the input, no allocation proportional to it, bounded by
//! the input size limit.
//!
//! | format | logical end |
//! |---|---|
//! | JPEG | the EOI marker after walking every segment by its length (EXIF thumbnails inside APP1 are skipped whole) and the entropy-coded data of every scan (progressive files have many); with an MPF (APP2 `MPF\0`) segment, the JPEG images that follow (the multi-picture format's own) are walked too |
//! | PNG | the end of the `IEND` chunk |
//! | GIF | the trailer byte `0x3B` after walking every block and sub-block |
//! | BMP | the file-size field; when it is not plausible, the pixel-data offset plus the rows |
//! | WebP | the RIFF size (plus its pad byte) |
//! | AVIF | the end of the last well-formed top-level box (a type that may stand at the top level; a second `ftyp` starts another file) |
//! | TIFF | not inspected (**ours**): its data may lie anywhere, so the whole file counts |
//!
//! What follows the logical end (**ours**):
//!
//! | trailing bytes | suspicious | `suspiciousType` |
//! |---|---|---|
//! | none | no | |
//! | only `0x00` or only `0xFF` bytes, any length (encoder padding) | no | |
//! | an MPEG-TS stream (sync byte `0x47` every 188 bytes, or every 192 in M2TS), after optional padding | yes | `MPEG-TS` |
//! | a known signature in the first 64 KiB (or a ZIP end record in the last 64 KiB) | yes | `ZIP`, `RAR`, `7Z`, `GZIP`, `PDF`, `ELF`, `PE`, `MP4`, `PHP`, `HTML-SCRIPT` (`<script`), `SHELL-SCRIPT` (`#!` at the start) |
//! | anything else, at most 16 bytes (a newline, an editor's leftovers) | no | |
//! | anything else, longer (camera trailers such as Samsung's count) | yes | `UNKNOWN` |
//!
//! A file that is an MPEG-TS stream from its first byte is reported as `picType` `ts`,
//! wholly suspicious. `suspiciousBeginByte` is always the logical end (the first byte
//! after the image, padding included) and `suspiciousEndByte` the last byte of the file,
//! as in every documented example.

use super::error::{ProcessError, Result};
use super::limits::{Format, Limits};
use crate::result::ImageInspectResult;

/// Trailing bytes this short carry no payload worth naming, unless a signature says so.
const SHORT_TRAILER: usize = 16;
/// How far into the trailing bytes signatures are looked for.
const SIGNATURE_WINDOW: usize = 64 * 1024;
/// MPEG-TS packet sizes: plain TS and M2TS (a 4-byte timestamp before each packet).
const TS_PACKET: usize = 188;
const M2TS_PACKET: usize = 192;

/// Inspects `bytes` with the default limits (32 MB).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let photo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus/photo.png"))?;
/// let clean = ci_core::process::inspect(&photo)?;
/// assert!(!clean.suspicious);
///
/// let mut hidden = photo.clone();
/// hidden.extend_from_slice(b"PK\x03\x04 a zip archive follows ...");
/// let report = ci_core::process::inspect(&hidden)?;
/// assert_eq!(report.suspicious_type.as_deref(), Some("ZIP"));
/// assert_eq!(report.suspicious_begin_byte, Some(photo.len() as u64));
/// assert_eq!(report.to_json(), format!(
///     r#"{{"picSize":{},"picType":"png","suspicious":true,"suspiciousBeginByte":{},"suspiciousEndByte":{},"suspiciousSize":30,"suspiciousType":"ZIP"}}"#,
///     hidden.len(), photo.len(), hidden.len() - 1));
/// # Ok(()) }
/// ```
pub fn inspect(bytes: &[u8]) -> Result<ImageInspectResult> {
    inspect_with(bytes, &Limits::default())
}

/// [`inspect`] with explicit limits (only the input size applies: nothing is decoded).
///
/// Errors: `ImageTooLarge` over the input limit; `InvalidImageFormat` for empty input or
/// a file that is neither an image the engine knows nor an MPEG-TS stream.
pub fn inspect_with(bytes: &[u8], limits: &Limits) -> Result<ImageInspectResult> {
    limits.check_input_size(bytes.len())?;
    let size = bytes.len() as u64;
    let Some(format) = Format::sniff(bytes) else {
        if is_ts(bytes) {
            return Ok(suspicious(size, "ts", 0, "MPEG-TS"));
        }
        return Err(ProcessError::InvalidImageFormat(if bytes.is_empty() {
            "empty input".into()
        } else {
            "neither an image nor an MPEG-TS stream".into()
        }));
    };
    let end = logical_end(format, bytes).min(bytes.len());
    let pic_type = pic_type(format);
    Ok(match classify(&bytes[end..]) {
        Some(kind) => suspicious(size, pic_type, end as u64, kind),
        None => ImageInspectResult::clean(size, pic_type),
    })
}

fn suspicious(size: u64, pic_type: &str, begin: u64, kind: &str) -> ImageInspectResult {
    ImageInspectResult {
        pic_size: size,
        pic_type: pic_type.to_owned(),
        suspicious: true,
        suspicious_begin_byte: Some(begin),
        suspicious_end_byte: Some(size - 1),
        suspicious_size: Some(size - begin),
        suspicious_type: Some(kind.to_owned()),
    }
}

/// `picType` as the cloud writes it: lower case, `jpeg` for JPEG.
fn pic_type(format: Format) -> &'static str {
    match format {
        Format::Jpeg => "jpeg",
        Format::Png => "png",
        Format::Gif => "gif",
        Format::Webp => "webp",
        Format::Bmp => "bmp",
        Format::Tiff => "tiff",
        Format::Avif => "avif",
    }
}

/// Where the image's own data ends; the length when the structure runs to the end (or is
/// broken before any end is found, which then claims nothing about the rest).
fn logical_end(format: Format, b: &[u8]) -> usize {
    match format {
        Format::Jpeg => jpeg_end(b),
        Format::Png => png_end(b),
        Format::Gif => gif_end(b),
        Format::Bmp => bmp_end(b),
        Format::Webp => webp_end(b),
        Format::Avif => bmff_end(b),
        Format::Tiff => b.len(),
    }
}

fn be16(b: &[u8], i: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([
        *b.get(i)?,
        *b.get(i + 1)?,
    ])))
}

fn be32(b: &[u8], i: usize) -> Option<usize> {
    let s = b.get(i..i + 4)?;
    usize::try_from(u32::from_be_bytes([s[0], s[1], s[2], s[3]])).ok()
}

fn le32(b: &[u8], i: usize) -> Option<usize> {
    let s = b.get(i..i + 4)?;
    usize::try_from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])).ok()
}

/// JPEG: the marker walk of every image in the file (see the module table).
fn jpeg_end(b: &[u8]) -> usize {
    let mut start = 0;
    loop {
        let (end, has_mpf) = jpeg_image_end(b, start);
        // The multi-picture format stores its further images right after the first.
        if has_mpf && b.get(end..end + 3) == Some(&[0xFF, 0xD8, 0xFF][..]) {
            start = end;
            continue;
        }
        return end;
    }
}

/// One JPEG image from its SOI at `start`: (end after EOI, whether it has an MPF segment).
fn jpeg_image_end(b: &[u8], start: usize) -> (usize, bool) {
    let n = b.len();
    let mut has_mpf = false;
    let mut i = start + 2;
    loop {
        // A marker: 0xFF, any fill bytes, a code. Bytes before it are tolerated, as
        // libjpeg does ("extraneous bytes before marker").
        match b
            .get(i..)
            .and_then(|rest| rest.iter().position(|&x| x == 0xFF))
        {
            Some(p) => i += p,
            None => return (n, has_mpf),
        }
        while i < n && b[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = b.get(i) else {
            return (n, has_mpf);
        };
        i += 1;
        match marker {
            0xD9 => return (i, has_mpf),
            // Standalone markers (and a stray 0xFF00 outside entropy-coded data).
            0x00 | 0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let Some(len) = be16(b, i) else {
            return (n, has_mpf);
        };
        let Some(seg_end) = i.checked_add(len).filter(|&e| len >= 2 && e <= n) else {
            return (n, has_mpf);
        };
        if marker == 0xE2 && b.get(i + 2..i + 6) == Some(&b"MPF\0"[..]) {
            has_mpf = true;
        }
        i = seg_end;
        if marker == 0xDA {
            i = skip_entropy_coded(b, i);
        }
    }
}

/// After a scan header: the offset of the next marker (0xFF not followed by 0x00, a
/// restart marker or another 0xFF), or the length.
fn skip_entropy_coded(b: &[u8], mut i: usize) -> usize {
    let n = b.len();
    loop {
        match b
            .get(i..)
            .and_then(|rest| rest.iter().position(|&x| x == 0xFF))
        {
            None => return n,
            Some(p) => i += p,
        }
        match b.get(i + 1) {
            None => return n,
            Some(0x00 | 0xD0..=0xD7) => i += 2,
            Some(0xFF) => i += 1,
            Some(_) => return i,
        }
    }
}

/// PNG: chunk by chunk to the end of `IEND`.
fn png_end(b: &[u8]) -> usize {
    let n = b.len();
    let mut i = 8;
    loop {
        let (Some(len), Some(kind)) = (be32(b, i), b.get(i + 4..i + 8)) else {
            return n;
        };
        let Some(end) = len.checked_add(12).and_then(|l| l.checked_add(i)) else {
            return n;
        };
        if end > n {
            return n;
        }
        i = end;
        if kind == b"IEND" {
            return i;
        }
    }
}

/// GIF: block by block to the trailer; a byte that starts no block ends the image there.
fn gif_end(b: &[u8]) -> usize {
    let n = b.len();
    let Some(&flags) = b.get(10) else {
        return n;
    };
    let mut i = 13;
    if flags & 0x80 != 0 {
        i += 3 << ((flags & 7) + 1);
    }
    // The index after the sub-blocks starting at `j`, if they end inside the input.
    let sub_blocks = |mut j: usize| -> Option<usize> {
        loop {
            let size = usize::from(*b.get(j)?);
            j += 1;
            if size == 0 {
                return Some(j);
            }
            j += size;
        }
    };
    loop {
        let next = match b.get(i) {
            Some(0x3B) => return i + 1,
            Some(0x2C) => {
                let Some(&f) = b.get(i + 9) else {
                    return n;
                };
                let mut j = i + 10;
                if f & 0x80 != 0 {
                    j += 3 << ((f & 7) + 1);
                }
                sub_blocks(j + 1) // after the LZW minimum code size
            }
            Some(0x21) => sub_blocks(i + 2),
            Some(_) => return i,
            None => return n,
        };
        match next {
            Some(j) => i = j,
            None => return n,
        }
    }
}

/// BMP: `bfSize`, or the pixel rows after `bfOffBits` when `bfSize` is not plausible.
fn bmp_end(b: &[u8]) -> usize {
    let n = b.len();
    let file_size = le32(b, 2).unwrap_or(0);
    let pixels_at = le32(b, 10).unwrap_or(0);
    if (26..=n).contains(&file_size) && file_size > pixels_at {
        return file_size;
    }
    if file_size > n {
        return n;
    }
    // bfSize 0 or nonsense: BITMAPINFOHEADER and later headers give the rows.
    let computed = (|| {
        let offset = le32(b, 10)?;
        if le32(b, 14)? < 40 {
            return None;
        }
        let width = i32::from_le_bytes(b.get(18..22)?.try_into().ok()?).unsigned_abs();
        let height = i32::from_le_bytes(b.get(22..26)?.try_into().ok()?).unsigned_abs();
        let bpp = u32::from(u16::from_le_bytes(b.get(28..30)?.try_into().ok()?));
        let compression = le32(b, 30)?;
        let image_size = le32(b, 34)?;
        let pixels = if matches!(compression, 0 | 3 | 6) {
            let stride = (u64::from(width) * u64::from(bpp)).div_ceil(32) * 4;
            usize::try_from(stride.checked_mul(u64::from(height))?).ok()?
        } else {
            image_size
        };
        offset.checked_add(pixels)
    })();
    computed.filter(|&e| e > 0 && e <= n).unwrap_or(n)
}

/// WebP: the RIFF chunk's size, padded to even.
fn webp_end(b: &[u8]) -> usize {
    let n = b.len();
    le32(b, 4)
        .and_then(|size| size.checked_add(8 + (size & 1)))
        .filter(|&end| end <= n)
        .unwrap_or(n)
}

/// The box types that may stand at the top level of an ISO-BMFF file (ISO/IEC 14496-12
/// and the HEIF additions).
const TOP_LEVEL_BOXES: [&[u8]; 15] = [
    b"ftyp", b"meta", b"mdat", b"free", b"skip", b"moov", b"moof", b"mfra", b"uuid", b"styp",
    b"sidx", b"ssix", b"prft", b"emsg", b"pdin",
];

/// ISO-BMFF (AVIF): top-level boxes while they are well-formed (a top-level type, a
/// size of at least 8, no second `ftyp`).
fn bmff_end(b: &[u8]) -> usize {
    let n = b.len();
    let mut i = 0;
    while i < n {
        let (Some(size), Some(kind)) = (be32(b, i), b.get(i + 4..i + 8)) else {
            return i;
        };
        // Only the top-level boxes of ISO-BMFF files; a second `ftyp` starts another file.
        if !TOP_LEVEL_BOXES.contains(&kind) || (i > 0 && kind == b"ftyp") {
            return i;
        }
        let size = match size {
            0 => return n,
            1 => match b.get(i + 8..i + 16) {
                Some(s) => {
                    let large = u64::from_be_bytes(s.try_into().unwrap_or([0xFF; 8]));
                    match usize::try_from(large) {
                        Ok(l) if l >= 16 => l,
                        _ => return i,
                    }
                }
                None => return i,
            },
            s if s < 8 => return i,
            s => s,
        };
        match i.checked_add(size) {
            Some(end) if end <= n => i = end,
            _ => return n,
        }
    }
    n
}

/// Whether `b` starts an MPEG-TS stream: the sync byte `0x47` every 188 bytes (192 for
/// M2TS) for up to three packets, at least two of them, or exactly one whole packet.
fn is_ts(b: &[u8]) -> bool {
    let cadence = |first: usize, step: usize| {
        let syncs: Vec<usize> = (0..3)
            .map(|k| first + k * step)
            .take_while(|&p| p < b.len())
            .collect();
        let whole_packet = b.len() == first + TS_PACKET;
        (syncs.len() >= 2 || (syncs.len() == 1 && whole_packet))
            && syncs.iter().all(|&p| b[p] == 0x47)
    };
    cadence(0, TS_PACKET) || cadence(4, M2TS_PACKET)
}

/// What the bytes after the logical end are, if they are suspicious.
fn classify(trailer: &[u8]) -> Option<&'static str> {
    if trailer.is_empty() || trailer.iter().all(|&x| x == 0) || trailer.iter().all(|&x| x == 0xFF) {
        return None;
    }
    let padding = trailer.iter().take_while(|&&x| x == 0 || x == 0xFF).count();
    if is_ts(&trailer[padding..]) {
        return Some("MPEG-TS");
    }
    let start = trailer
        .iter()
        .take_while(|x| x.is_ascii_whitespace())
        .count();
    if trailer[start..].starts_with(b"#!") {
        return Some("SHELL-SCRIPT");
    }
    if let Some(kind) = first_signature(&trailer[..trailer.len().min(SIGNATURE_WINDOW)]) {
        return Some(kind);
    }
    // The end-of-central-directory record of a ZIP whose entries start further on.
    let tail = &trailer[trailer.len().saturating_sub(SIGNATURE_WINDOW + 22)..];
    if tail.windows(4).any(|w| w == b"PK\x05\x06") {
        return Some("ZIP");
    }
    (trailer.len() > SHORT_TRAILER).then_some("UNKNOWN")
}

/// The earliest known file signature in `w`, in one pass.
fn first_signature(w: &[u8]) -> Option<&'static str> {
    let at = |p: usize, sig: &[u8]| w.get(p..p + sig.len()) == Some(sig);
    let at_ci = |p: usize, sig: &[u8]| {
        w.get(p..p + sig.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(sig))
    };
    (0..w.len()).find_map(|p| match w[p] {
        b'P' if at(p, b"PK\x03\x04") || at(p, b"PK\x05\x06") => Some("ZIP"),
        b'R' if at(p, b"Rar!\x1a\x07") => Some("RAR"),
        b'7' if at(p, b"7z\xBC\xAF\x27\x1C") => Some("7Z"),
        0x1F if at(p, b"\x1F\x8B\x08") => Some("GZIP"),
        b'%' if at(p, b"%PDF-") => Some("PDF"),
        0x7F if at(p, b"\x7FELF") => Some("ELF"),
        b'M' if at(p, b"MZ") && is_pe(w, p) => Some("PE"),
        b'f' if p >= 4 && at(p, b"ftyp") => Some("MP4"),
        b'<' if at_ci(p, b"<?php") => Some("PHP"),
        b'<' if at_ci(p, b"<script") => Some("HTML-SCRIPT"),
        _ => None,
    })
}

/// A DOS header at `p` whose `e_lfanew` points at a `PE\0\0` signature.
fn is_pe(w: &[u8], p: usize) -> bool {
    le32(w, p + 0x3C)
        .and_then(|off| p.checked_add(off))
        .and_then(|q| w.get(q..q + 4))
        == Some(&b"PE\0\0"[..])
}
