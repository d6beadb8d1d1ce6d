//! Format sniffing, header-only probing and the limits checked before any decoding.

use std::io::Cursor;

use super::error::{ProcessError, Result};
use super::jpeg;

/// Image formats the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JPEG / JFIF.
    Jpeg,
    /// PNG.
    Png,
    /// GIF (possibly animated).
    Gif,
    /// WebP (lossy, lossless, possibly animated).
    Webp,
    /// Windows bitmap.
    Bmp,
    /// TIFF.
    Tiff,
    /// AVIF (an AV1 image in a HEIF container).
    Avif,
}

impl Format {
    /// Upper-case name, as `OriginalInfo`'s `Format` carries it (`JPEG`, `PNG`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::Webp => "WEBP",
            Format::Bmp => "BMP",
            Format::Tiff => "TIFF",
            Format::Avif => "AVIF",
        }
    }

    /// Lower-case rule name (`jpg`, `png`, `gif`, `webp`, `bmp`, `tiff`, `avif`), as a
    /// ProcessResults `Format` and the `imageInfo` answer carry it.
    pub fn rule_name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
            Format::Avif => "avif",
        }
    }

    /// Parses a rule's `format/<f>` value (any case; `jpeg` and `jpg` both mean JPEG).
    ///
    /// `heif`, `tpg` and `yjpeg` are recognised names without an encoder here:
    /// they give [`ProcessError::UnsupportedFormat`], as does anything unknown.
    pub fn from_rule_name(name: &str) -> Result<Format> {
        match name.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Ok(Format::Jpeg),
            "png" => Ok(Format::Png),
            "gif" => Ok(Format::Gif),
            "webp" => Ok(Format::Webp),
            "bmp" => Ok(Format::Bmp),
            "tif" | "tiff" => Ok(Format::Tiff),
            "avif" => Ok(Format::Avif),
            other => Err(ProcessError::UnsupportedFormat(other.to_string())),
        }
    }

    /// Sniffs the format from the first bytes; `None` when no known magic matches.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        let b = bytes;
        if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
            Some(Format::Webp)
        } else if b.starts_with(b"BM") && b.len() >= 26 {
            Some(Format::Bmp)
        } else if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
            Some(Format::Tiff)
        } else if is_avif(b) {
            Some(Format::Avif)
        } else {
            None
        }
    }

    pub(crate) fn image_format(self) -> Option<image::ImageFormat> {
        match self {
            Format::Png => Some(image::ImageFormat::Png),
            Format::Gif => Some(image::ImageFormat::Gif),
            Format::Webp => Some(image::ImageFormat::WebP),
            Format::Bmp => Some(image::ImageFormat::Bmp),
            Format::Tiff => Some(image::ImageFormat::Tiff),
            Format::Jpeg | Format::Avif => None,
        }
    }
}

fn is_avif(b: &[u8]) -> bool {
    if b.len() < 16 || &b[4..8] != b"ftyp" {
        return false;
    }
    let box_len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let end = box_len.min(b.len());
    // major brand, minor version, then compatible brands
    let mut brands = vec![&b[8..12]];
    let mut i = 16;
    while i + 4 <= end {
        brands.push(&b[i..i + 4]);
        i += 4;
    }
    brands.iter().any(|br| *br == b"avif" || *br == b"avis")
}

/// What a header says about an image, read without decoding any pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Sniffed format.
    pub format: Format,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Number of frames (1 for still images; counted from the block structure for GIF and
    /// animated WebP, which reads no pixel data).
    pub frames: u32,
}

impl Probe {
    /// Pixels to decode: width × height × frames.
    pub fn total_pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height) * u64::from(self.frames.max(1))
    }
}

/// Sniffs the format and reads dimensions and frame count from the header only.
///
/// Allocates nothing proportional to the pixel count. Errors: empty or unknown input →
/// `InvalidImageFormat`; a broken header → `InvalidImageFormat`.
pub fn probe(bytes: &[u8]) -> Result<Probe> {
    if bytes.is_empty() {
        return Err(ProcessError::InvalidImageFormat("empty input".into()));
    }
    let format = Format::sniff(bytes)
        .ok_or_else(|| ProcessError::InvalidImageFormat("unknown image signature".into()))?;
    let (width, height, frames) = match format {
        Format::Jpeg => {
            let h = jpeg::parse_header(bytes)?;
            (h.width, h.height, 1)
        }
        Format::Avif => {
            let (w, h) = avif_dimensions(bytes).ok_or_else(|| {
                ProcessError::InvalidImageFormat("AVIF without an ispe box".into())
            })?;
            (w, h, 1)
        }
        other => {
            let fmt = other
                .image_format()
                .ok_or_else(|| ProcessError::UnsupportedFormat(other.name().into()))?;
            let (w, h) = image::ImageReader::with_format(Cursor::new(bytes), fmt)
                .into_dimensions()
                .map_err(|e| ProcessError::InvalidImageFormat(e.to_string()))?;
            let frames = match other {
                Format::Gif => gif_frame_count(bytes)?,
                Format::Webp => webp_frame_count(bytes),
                _ => 1,
            };
            (w, h, frames)
        }
    };
    if width == 0 || height == 0 {
        return Err(ProcessError::InvalidImageFormat(
            "zero width or height".into(),
        ));
    }
    Ok(Probe {
        format,
        width,
        height,
        frames,
    })
}

/// Counts GIF frames by walking the block structure (skipping sub-blocks); no LZW decoding.
fn gif_frame_count(b: &[u8]) -> Result<u32> {
    let bad = || ProcessError::InvalidImageFormat("truncated GIF".into());
    let mut i = 13usize;
    let flags = *b.get(10).ok_or_else(bad)?;
    if flags & 0x80 != 0 {
        i += 3 * (1usize << ((flags & 7) + 1));
    }
    let mut frames = 0u32;
    // Skips data sub-blocks starting at `j`; returns the index after the terminator.
    let skip_sub_blocks = |mut j: usize| -> Option<usize> {
        loop {
            let n = *b.get(j)? as usize;
            j += 1;
            if n == 0 {
                return Some(j);
            }
            j += n;
        }
    };
    loop {
        match b.get(i) {
            Some(0x2C) => {
                frames += 1;
                let f = *b.get(i + 9).ok_or_else(bad)?;
                i += 10;
                if f & 0x80 != 0 {
                    i += 3 * (1usize << ((f & 7) + 1));
                }
                i += 1; // LZW minimum code size
                match skip_sub_blocks(i) {
                    Some(j) => i = j,
                    None => break,
                }
            }
            Some(0x21) => match skip_sub_blocks(i + 2) {
                Some(j) => i = j,
                None => break,
            },
            // trailer, garbage or end of data: what we counted is what a decoder will see
            _ => break,
        }
    }
    if frames == 0 {
        // A GIF signature with no image descriptor is text or a stub, not an image: its
        // "screen size" is whatever bytes follow the signature.
        return Err(ProcessError::InvalidImageFormat(
            "GIF without an image descriptor".into(),
        ));
    }
    Ok(frames)
}

/// Counts `ANMF` chunks of an animated WebP (1 for a still one).
fn webp_frame_count(b: &[u8]) -> u32 {
    let mut i = 12usize;
    let mut frames = 0u32;
    while i + 8 <= b.len() {
        let tag = &b[i..i + 4];
        let len = u32::from_le_bytes([b[i + 4], b[i + 5], b[i + 6], b[i + 7]]) as usize;
        if tag == b"ANMF" {
            frames += 1;
        }
        i = i
            .saturating_add(8)
            .saturating_add(len)
            .saturating_add(len & 1);
    }
    frames.max(1)
}

/// Reads the first `ispe` (image spatial extents) property of an AVIF.
fn avif_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let pos = b.windows(4).position(|w| w == b"ispe")?;
    let p = pos + 8; // tag, version + flags
    let g = |k: usize| -> Option<u32> {
        Some(u32::from_be_bytes([
            *b.get(k)?,
            *b.get(k + 1)?,
            *b.get(k + 2)?,
            *b.get(k + 3)?,
        ]))
    };
    Some((g(p)?, g(p + 4)?))
}

/// The limits every input is checked against before decoding (spec: "Limits and errors").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest input in bytes (32 MB; the v4 API uses 20 MB).
    pub max_input_bytes: u64,
    /// Largest width or height of an input.
    pub max_side: u32,
    /// Largest width × height × frames of an input.
    pub max_pixels: u64,
    /// Most frames of a GIF.
    pub max_gif_frames: u32,
    /// Largest width or height of an output (thumbnail).
    pub max_output_side: u32,
    /// Memory cap handed to the decoders (`image::Limits::max_alloc`).
    pub max_decoder_alloc: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 32 * 1024 * 1024,
            max_side: 30_000,
            max_pixels: 250_000_000,
            max_gif_frames: 300,
            max_output_side: 9_999,
            max_decoder_alloc: 1536 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// The v4 API's limits: as the default, with 20 MB of input.
    pub fn v4() -> Self {
        Limits {
            max_input_bytes: 20 * 1024 * 1024,
            ..Limits::default()
        }
    }

    /// Checks the input size alone (before even probing).
    pub fn check_input_size(&self, len: usize) -> Result<()> {
        let size = len as u64;
        if size > self.max_input_bytes {
            return Err(ProcessError::ImageTooLarge {
                size,
                limit: self.max_input_bytes,
            });
        }
        Ok(())
    }

    /// Checks what a probe found against the side, pixel and frame limits.
    pub fn check_probe(&self, p: &Probe) -> Result<()> {
        if p.width > self.max_side || p.height > self.max_side {
            return Err(ProcessError::ImageResolutionExceed(format!(
                "{}x{} has a side over {} px",
                p.width, p.height, self.max_side
            )));
        }
        if p.total_pixels() > self.max_pixels {
            return Err(ProcessError::ImageResolutionExceed(format!(
                "{}x{}x{} frames is over {} pixels",
                p.width, p.height, p.frames, self.max_pixels
            )));
        }
        if p.format == Format::Gif && p.frames > self.max_gif_frames {
            return Err(ProcessError::ImageResolutionExceed(format!(
                "{} GIF frames, over {}",
                p.frames, self.max_gif_frames
            )));
        }
        Ok(())
    }

    /// Checks an output size (`max_output_side`); also refuses 0.
    pub fn check_output(&self, width: u32, height: u32) -> Result<()> {
        if width == 0 || height == 0 {
            return Err(ProcessError::InvalidArgument(format!(
                "output size {width}x{height}"
            )));
        }
        if width > self.max_output_side || height > self.max_output_side {
            return Err(ProcessError::ImageResolutionExceed(format!(
                "output {width}x{height} has a side over {} px",
                self.max_output_side
            )));
        }
        Ok(())
    }

    /// Probes `bytes` and checks size, sides, pixels and frames: the gate before decoding.
    pub fn probe_checked(&self, bytes: &[u8]) -> Result<Probe> {
        self.check_input_size(bytes.len())?;
        let p = probe(bytes)?;
        self.check_probe(&p)?;
        Ok(p)
    }

    pub(crate) fn image_limits(&self) -> image::Limits {
        let mut l = image::Limits::default();
        l.max_image_width = Some(self.max_side);
        l.max_image_height = Some(self.max_side);
        l.max_alloc = Some(self.max_decoder_alloc);
        l
    }
}
