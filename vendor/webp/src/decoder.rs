use std::fmt::{Debug, Error, Formatter};

use libwebp_sys::*;

use crate::shared::{PixelLayout, WebPImage, WebPMemory};

/// A decoder for WebP images. It uses the default configuration of libwebp.
/// Currently, animated images are not supported.
pub struct Decoder<'a> {
    data: &'a [u8],
}

impl<'a> Decoder<'a> {
    /// Creates a new decoder from the given image data.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// Decodes the image data. If the image contains a valid WebP image, a [WebPImage](../shared/struct.WebPImage.html) is returned.
    pub fn decode(&self) -> Option<WebPImage> {
        let features = BitstreamFeatures::new(self.data)?;

        if features.has_animation() {
            return None;
        }

        let width = features.width();
        let height = features.height();
        let pixel_count = width * height;

        let image_ptr = unsafe {
            let mut width = width as i32;
            let mut height = height as i32;

            if features.has_alpha() {
                WebPDecodeRGBA(
                    self.data.as_ptr(),
                    self.data.len(),
                    &mut width as *mut _,
                    &mut height as *mut _,
                )
            } else {
                WebPDecodeRGB(
                    self.data.as_ptr(),
                    self.data.len(),
                    &mut width as *mut _,
                    &mut height as *mut _,
                )
            }
        };

        if image_ptr.is_null() {
            return None;
        }

        let image = if features.has_alpha() {
            let len = 4 * pixel_count as usize;

            WebPImage::new(WebPMemory(image_ptr, len), PixelLayout::Rgba, width, height)
        } else {
            let len = 3 * pixel_count as usize;

            WebPImage::new(WebPMemory(image_ptr, len), PixelLayout::Rgb, width, height)
        };

        Some(image)
    }
}

// ---- cos-ci patch: scaled decoding into Rust-owned memory (see PATCHED.md) ----

/// Pixels decoded by [`Decoder::decode_scaled`], in memory owned by Rust: `width * height`
/// pixels of 3 (RGB) or 4 (RGBA, not premultiplied) bytes, rows without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedPixels {
    /// The pixels, `width * height * layout bytes` long.
    pub pixels: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGB, or RGBA when the file has alpha.
    pub layout: PixelLayout,
}

/// Why [`Decoder::decode_scaled`] gave no pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The header could not be read (libwebp's status).
    Header(VP8StatusCode),
    /// The file is an animation: use [`AnimDecoder`](crate::AnimDecoder).
    Animated,
    /// The requested size is 0, or its buffer does not fit in memory.
    Size,
    /// libwebp's decoder configuration did not initialise (ABI mismatch).
    Config,
    /// The bitstream is broken or truncated (libwebp's status).
    Decode(VP8StatusCode),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Header(s) => write!(f, "WebP header: {s:?}"),
            DecodeError::Animated => f.write_str("animated WebP"),
            DecodeError::Size => f.write_str("WebP: output size 0 or too large"),
            DecodeError::Config => f.write_str("WebP: decoder configuration failed"),
            DecodeError::Decode(s) => write!(f, "WebP: {s:?}"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl Decoder<'_> {
    /// Decodes a still image scaled to `width` x `height` with libwebp's advanced API
    /// (`WebPDecode` with `use_scaling`; the scaler works row by row while decoding, so no
    /// full-size RGB(A) buffer is made). The original size decodes without scaling. RGB,
    /// or RGBA (not premultiplied) when the file has alpha.
    ///
    /// The output buffer is allocated here (checked size, fallible allocation) and handed
    /// to libwebp as external memory; libwebp's own allocations are freed with
    /// `WebPFreeDecBuffer` whatever the outcome.
    pub fn decode_scaled(&self, width: u32, height: u32) -> Result<DecodedPixels, DecodeError> {
        let features = features_status(self.data).map_err(DecodeError::Header)?;
        if features.has_animation() {
            return Err(DecodeError::Animated);
        }
        let (layout, colorspace, channels) = if features.has_alpha() {
            (PixelLayout::Rgba, WEBP_CSP_MODE::MODE_RGBA, 4usize)
        } else {
            (PixelLayout::Rgb, WEBP_CSP_MODE::MODE_RGB, 3usize)
        };
        let (Ok(w), Ok(h)) = (i32::try_from(width), i32::try_from(height)) else {
            return Err(DecodeError::Size);
        };
        if w <= 0 || h <= 0 {
            return Err(DecodeError::Size);
        }
        let stride = (width as usize)
            .checked_mul(channels)
            .filter(|s| i32::try_from(*s).is_ok())
            .ok_or(DecodeError::Size)?;
        let len = stride
            .checked_mul(height as usize)
            .ok_or(DecodeError::Size)?;
        let mut pixels: Vec<u8> = Vec::new();
        pixels
            .try_reserve_exact(len)
            .map_err(|_| DecodeError::Size)?;
        pixels.resize(len, 0);

        let mut config = WebPDecoderConfig::new().map_err(|()| DecodeError::Config)?;
        if (width, height) != (features.width(), features.height()) {
            config.options.use_scaling = 1;
            config.options.scaled_width = w;
            config.options.scaled_height = h;
        }
        config.output.colorspace = colorspace;
        config.output.is_external_memory = 1;
        config.output.u.RGBA = WebPRGBABuffer {
            rgba: pixels.as_mut_ptr(),
            stride: stride as i32,
            size: len,
        };
        // SAFETY: `data` is a live slice; `config` was initialised by
        // WebPInitDecoderConfig; the output points at `pixels` (`len` bytes, `stride` per
        // row, `height` rows), which outlives the call and is not touched meanwhile;
        // libwebp checks stride * height <= size before writing.
        let status = unsafe { WebPDecode(self.data.as_ptr(), self.data.len(), &mut config) };
        // SAFETY: frees what libwebp allocated for the output (nothing for external
        // memory, but its documented contract is to call it after every WebPDecode).
        unsafe { WebPFreeDecBuffer(&mut config.output) };
        if status != VP8StatusCode::VP8_STATUS_OK {
            return Err(DecodeError::Decode(status));
        }
        if (config.output.width, config.output.height) != (w, h) {
            return Err(DecodeError::Size);
        }
        Ok(DecodedPixels {
            pixels,
            width,
            height,
            layout,
        })
    }
}

fn features_status(data: &[u8]) -> Result<BitstreamFeatures, VP8StatusCode> {
    // SAFETY: WebPGetFeatures reads at most `data.len()` bytes and writes the struct.
    unsafe {
        let mut features: WebPBitstreamFeatures = std::mem::zeroed();
        let status = WebPGetFeatures(data.as_ptr(), data.len(), &mut features as *mut _);
        if status == VP8StatusCode::VP8_STATUS_OK {
            Ok(BitstreamFeatures(features))
        } else {
            Err(status)
        }
    }
}

// ---- end of cos-ci patch ----

/// A wrapper around libwebp-sys::WebPBitstreamFeatures which allows to get information about the image.
pub struct BitstreamFeatures(WebPBitstreamFeatures);

impl BitstreamFeatures {
    pub fn new(data: &[u8]) -> Option<Self> {
        unsafe {
            let mut features: WebPBitstreamFeatures = std::mem::zeroed();

            let result = WebPGetFeatures(data.as_ptr(), data.len(), &mut features as *mut _);

            if result == VP8StatusCode::VP8_STATUS_OK {
                return Some(Self(features));
            }
        }

        None
    }

    /// Returns the width of the image as described by the bitstream in pixels.
    pub fn width(&self) -> u32 {
        self.0.width as u32
    }

    /// Returns the height of the image as described by the bitstream in pixels.
    pub fn height(&self) -> u32 {
        self.0.height as u32
    }

    /// Returns true if the image as described by the bitstream has an alpha channel.
    pub fn has_alpha(&self) -> bool {
        self.0.has_alpha == 1
    }

    /// Returns true if the image as described by the bitstream is animated.
    pub fn has_animation(&self) -> bool {
        self.0.has_animation == 1
    }

    /// Returns the format of the image as described by image bitstream.
    pub fn format(&self) -> Option<BitstreamFormat> {
        match self.0.format {
            0 => Some(BitstreamFormat::Undefined),
            1 => Some(BitstreamFormat::Lossy),
            2 => Some(BitstreamFormat::Lossless),
            _ => None,
        }
    }
}

impl Debug for BitstreamFeatures {
    fn fmt(&self, f: &mut Formatter<'_>) -> Result<(), Error> {
        let mut debug_struct = f.debug_struct("BitstreamFeatures");

        debug_struct
            .field("width", &self.width())
            .field("height", &self.height())
            .field("has_alpha", &self.has_alpha())
            .field("has_animation", &self.has_animation());

        match self.format() {
            Some(BitstreamFormat::Undefined) => debug_struct.field("format", &"Undefined"),
            Some(BitstreamFormat::Lossy) => debug_struct.field("format", &"Lossy"),
            Some(BitstreamFormat::Lossless) => debug_struct.field("format", &"Lossless"),
            None => debug_struct.field("format", &"Error"),
        };

        debug_struct.finish()
    }
}

#[derive(Debug)]
/// The format of the image bitstream which is either lossy, lossless or something else.
pub enum BitstreamFormat {
    Undefined = 0,
    Lossy = 1,
    Lossless = 2,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal_webp_rgb() -> Vec<u8> {
        vec![
            0x52, 0x49, 0x46, 0x46, 0x24, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50,
            0x38, 0x20, 0x18, 0x00, 0x00, 0x00, 0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x01, 0x00,
            0x01, 0x00, 0x02, 0x00, 0x34, 0x25, 0xa4, 0x00, 0x03, 0x70, 0x00, 0xfe, 0xfb, 0x94,
            0x00, 0x00,
        ]
    }

    #[test]
    fn test_bitstream_features_basic() {
        let data = minimal_webp_rgb();
        let features = BitstreamFeatures::new(&data).expect("Should parse features");
        assert_eq!(features.width(), 1);
        assert_eq!(features.height(), 1);
        assert!(!features.has_alpha());
        assert!(!features.has_animation());
        assert!(matches!(
            features.format(),
            Some(BitstreamFormat::Lossy)
                | Some(BitstreamFormat::Lossless)
                | Some(BitstreamFormat::Undefined)
        ));
    }

    #[test]
    fn test_decoder_decode_success() {
        let mut data = minimal_webp_rgb();
        data.extend_from_slice(&[0u8; 32]); // Add padding
        let decoder = Decoder::new(&data);
        let image = decoder.decode();
        assert!(image.is_some(), "Should decode minimal WebP");
        let image = image.unwrap();
        assert_eq!(image.width(), 1);
        assert_eq!(image.height(), 1);
        assert_eq!(image.layout(), PixelLayout::Rgb);
    }

    #[test]
    fn test_decoder_rejects_animation() {
        let data = minimal_webp_rgb();
        let decoder = Decoder::new(&data);
        let image = decoder.decode();
        assert!(image.is_some());
    }

    // cos-ci patch: decode_scaled.
    #[test]
    fn decode_scaled_checks_sizes_and_data() {
        let mut data = minimal_webp_rgb();
        data.extend_from_slice(&[0u8; 32]);
        let px = Decoder::new(&data).decode_scaled(1, 1).expect("1x1");
        assert_eq!((px.width, px.height, px.layout), (1, 1, PixelLayout::Rgb));
        assert_eq!(px.pixels.len(), 3);
        let up = Decoder::new(&data).decode_scaled(3, 2).expect("scaled up");
        assert_eq!(up.pixels.len(), 18);
        assert_eq!(up.pixels[..3], px.pixels[..]);
        assert_eq!(
            Decoder::new(&data).decode_scaled(0, 1),
            Err(DecodeError::Size)
        );
        assert!(matches!(
            Decoder::new(&[0u8; 8]).decode_scaled(1, 1),
            Err(DecodeError::Header(_))
        ));
    }

    #[test]
    fn test_bitstream_features_invalid_data() {
        let data = vec![0u8; 8];
        let features = BitstreamFeatures::new(&data);
        assert!(features.is_none(), "Should not parse invalid WebP");
    }

    #[test]
    fn test_decoder_invalid_data() {
        let data = vec![0u8; 8];
        let decoder = Decoder::new(&data);
        assert!(decoder.decode().is_none(), "Should not decode invalid WebP");
    }

    #[test]
    fn test_bitstreamfeatures_debug_output() {
        fn make_features(
            width: i32,
            height: i32,
            has_alpha: i32,
            has_animation: i32,
            format: i32,
        ) -> BitstreamFeatures {
            BitstreamFeatures(WebPBitstreamFeatures {
                width,
                height,
                has_alpha,
                has_animation,
                format,
                pad: [0; 5],
            })
        }

        let cases = [
            (make_features(1, 2, 1, 0, 1), "format: \"Lossy\""),
            (make_features(3, 4, 0, 1, 2), "format: \"Lossless\""),
            (make_features(5, 6, 0, 0, 0), "format: \"Undefined\""),
            (make_features(7, 8, 1, 1, 42), "format: \"Error\""),
        ];

        for (features, format_str) in &cases {
            let dbg = format!("{features:?}");
            assert!(dbg.contains("BitstreamFeatures"));
            assert!(dbg.contains(&format!("width: {}", features.width())));
            assert!(dbg.contains(&format!("height: {}", features.height())));
            assert!(dbg.contains(&format!("has_alpha: {}", features.has_alpha())));
            assert!(dbg.contains(&format!("has_animation: {}", features.has_animation())));
            assert!(
                dbg.contains(format_str),
                "Debug output missing expected format string: {}",
                format_str
            );
        }
    }
}
