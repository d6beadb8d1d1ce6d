//! Decoding (with limits and JPEG / still WebP shrink-on-load) and encoding.

use std::io::Cursor;

use image::{AnimationDecoder, DynamicImage, ImageDecoder, ImageReader};

use super::error::{ProcessError, Result};
use super::jpeg;
use super::limits::{Format, Limits, Probe};
use super::meta::{self, Metadata};
use super::png_interlace;

/// One decoded frame and how long it shows (0 for still images).
#[derive(Debug, Clone)]
pub struct Frame {
    /// Pixels of the whole canvas.
    pub image: DynamicImage,
    /// Display time in milliseconds.
    pub delay_ms: u32,
}

/// A decoded image: frames plus what the file said about itself.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Header facts (format, full-size dimensions, frame count) read before decoding.
    pub probe: Probe,
    /// Shrink-on-load denominator applied by the decoder (1, 2, 4 or 8; JPEG and still
    /// WebP); the frames are `probe.width.div_ceil(shrink)` wide.
    pub shrink: u32,
    /// Decoded frames; never empty. Only the first unless [`DecodeOptions::all_frames`].
    pub frames: Vec<Frame>,
    /// EXIF, ICC, orientation, DPI, JPEG quality, bit depth.
    pub meta: Metadata,
}

impl Decoded {
    /// The first (or only) frame.
    ///
    /// # Panics
    /// If `frames` was emptied by the caller; [`decode`] never returns it empty.
    pub fn image(&self) -> &DynamicImage {
        // `frames` is never empty: decode() returns an error instead.
        &self.frames[0].image
    }

    /// Takes the first frame out.
    pub fn into_image(self) -> DynamicImage {
        self.frames
            .into_iter()
            .next()
            .map(|f| f.image)
            .unwrap_or_default()
    }

    /// Whether more than one frame was decoded.
    pub fn is_animated(&self) -> bool {
        self.frames.len() > 1
    }
}

/// How to decode.
#[derive(Debug, Clone, Default)]
pub struct DecodeOptions {
    /// Limits checked from the header before decoding.
    pub limits: Limits,
    /// Shrink-on-load hint: the JPEG and still-WebP decoders may scale by 1/2, 1/4 or 1/8
    /// (chosen by [`jpeg_shrink_for`]) as long as the result stays at least this wide and
    /// high. `None` decodes at full size.
    pub min_size: Option<(u32, u32)>,
    /// Decode every frame of an animated GIF/WebP (otherwise only the first).
    pub all_frames: bool,
}

impl DecodeOptions {
    /// Full-size decode of all frames with the default limits.
    pub fn full() -> Self {
        DecodeOptions {
            all_frames: true,
            ..DecodeOptions::default()
        }
    }

    /// First frame only, shrink-on-load allowed down to `min_width` × `min_height`.
    pub fn at_least(min_width: u32, min_height: u32) -> Self {
        DecodeOptions {
            min_size: Some((min_width, min_height)),
            ..DecodeOptions::default()
        }
    }
}

/// Decodes `bytes`: probe and limit checks first, then the format's decoder.
///
/// Errors: [`ProcessError::ImageTooLarge`], [`ProcessError::ImageResolutionExceed`] (from
/// the header, before any pixel allocation), [`ProcessError::InvalidImageFormat`] for broken
/// data, [`ProcessError::UnsupportedFormat`] for AVIF in a build without the `avif`
/// feature.
pub fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded> {
    let probe = opts.limits.probe_checked(bytes)?;
    let mut meta = meta::read(bytes, probe.format);
    let (frames, shrink) = match probe.format {
        Format::Jpeg => {
            let (img, shrink) = decode_jpeg(bytes, &probe, opts.min_size)?;
            (
                vec![Frame {
                    image: img,
                    delay_ms: 0,
                }],
                shrink,
            )
        }
        Format::Avif => (vec![decode_avif(bytes, opts)?], 1),
        Format::Webp if probe.frames <= 1 => {
            match decode_webp_still(bytes, &probe, opts, &mut meta)? {
                Some((frame, shrink)) => (vec![frame], shrink),
                None => (decode_animated(bytes, &probe, opts, &mut meta)?, 1),
            }
        }
        Format::Gif | Format::Webp => (decode_animated(bytes, &probe, opts, &mut meta)?, 1),
        _ => (vec![decode_still(bytes, &probe, opts, &mut meta)?], 1),
    };
    if frames.is_empty() {
        return Err(ProcessError::InvalidImageFormat("no frames".into()));
    }
    if probe.format != Format::Jpeg {
        meta.bit_depth = bit_depth(&frames[0].image);
    }
    Ok(Decoded {
        probe,
        shrink,
        frames,
        meta,
    })
}

#[cfg(feature = "avif")]
fn decode_avif(bytes: &[u8], opts: &DecodeOptions) -> Result<Frame> {
    Ok(Frame {
        image: super::avif::decode(bytes, &opts.limits)?,
        delay_ms: 0,
    })
}

#[cfg(not(feature = "avif"))]
fn decode_avif(_bytes: &[u8], _opts: &DecodeOptions) -> Result<Frame> {
    Err(ProcessError::UnsupportedFormat(
        "AVIF decoding needs the `avif` feature of ci-core".into(),
    ))
}

/// Bits per channel of a decoded image.
pub(crate) fn bit_depth(img: &DynamicImage) -> u32 {
    let c = img.color();
    u32::from(c.bits_per_pixel()) / u32::from(c.channel_count().max(1))
}

/// Picks the shrink-on-load denominator: the largest of 8, 4, 2 whose result is still at
/// least `min` in both directions. Used for JPEG (libjpeg-turbo's 1/d scaling) and still
/// WebP (libwebp's scaler, to `width.div_ceil(d)` x `height.div_ceil(d)`).
pub fn jpeg_shrink_for(width: u32, height: u32, min: Option<(u32, u32)>) -> u32 {
    let Some((mw, mh)) = min else {
        return 1;
    };
    for d in [8u32, 4, 2] {
        if width.div_ceil(d) >= mw && height.div_ceil(d) >= mh {
            return d;
        }
    }
    1
}

fn tj_err(e: turbojpeg::Error) -> ProcessError {
    ProcessError::InvalidImageFormat(format!("JPEG: {e}"))
}

fn decode_jpeg(
    bytes: &[u8],
    probe: &Probe,
    min: Option<(u32, u32)>,
) -> Result<(DynamicImage, u32)> {
    use turbojpeg::{Colorspace, PixelFormat, ScalingFactor};
    let shrink = jpeg_shrink_for(probe.width, probe.height, min);
    let mut d = turbojpeg::Decompressor::new().map_err(tj_err)?;
    let header = d.read_header(bytes).map_err(tj_err)?;
    // guard against scan-bombs in progressive files
    d.set_scan_limit(500).map_err(tj_err)?;
    let factor = ScalingFactor::new(1, shrink as usize);
    d.set_scaling_factor(factor).map_err(tj_err)?;
    let scaled = header.scaled(factor);
    let (w, h) = (scaled.width, scaled.height);
    let (format, channels) = match header.colorspace {
        Colorspace::Gray => (PixelFormat::GRAY, 1),
        Colorspace::CMYK | Colorspace::YCCK => (PixelFormat::CMYK, 4),
        _ => (PixelFormat::RGB, 3),
    };
    let mut pixels = vec![0u8; w * h * channels];
    d.decompress(
        bytes,
        turbojpeg::Image {
            pixels: pixels.as_mut_slice(),
            width: w,
            pitch: w * channels,
            height: h,
            format,
        },
    )
    .map_err(tj_err)?;
    let (w32, h32) = (w as u32, h as u32);
    let bad_buf = || ProcessError::InvalidImageFormat("JPEG: buffer size".into());
    let img = match channels {
        1 => DynamicImage::ImageLuma8(
            image::GrayImage::from_raw(w32, h32, pixels).ok_or_else(bad_buf)?,
        ),
        3 => DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(w32, h32, pixels).ok_or_else(bad_buf)?,
        ),
        _ => {
            // libjpeg hands back Adobe-style (inverted) CMYK: 255 means no ink.
            let inverted = jpeg::parse_header(bytes)
                .map(|h| h.adobe_transform.is_some())
                .unwrap_or(true);
            let mut rgb = Vec::with_capacity(w * h * 3);
            for px in pixels.chunks_exact(4) {
                let (c, m, y, k) = if inverted {
                    (px[0], px[1], px[2], px[3])
                } else {
                    (255 - px[0], 255 - px[1], 255 - px[2], 255 - px[3])
                };
                let k = u32::from(k);
                for v in [c, m, y] {
                    rgb.push(((u32::from(v) * k + 127) / 255) as u8);
                }
            }
            DynamicImage::ImageRgb8(image::RgbImage::from_raw(w32, h32, rgb).ok_or_else(bad_buf)?)
        }
    };
    Ok((img, shrink))
}

/// A still WebP through libwebp (`None` for an animation, which takes the frame path):
/// at full size, or scaled on load to `ceil(w / d)` x `ceil(h / d)` with `d` from
/// [`jpeg_shrink_for`]. libwebp is faster than image-webp at full size too, and its
/// scaler works while decoding (no full-size RGB buffer). The chunk headers are read by
/// image-webp as before (same header errors; the ICC profile); EXIF comes from
/// [`meta::read`].
fn decode_webp_still(
    bytes: &[u8],
    probe: &Probe,
    opts: &DecodeOptions,
    meta: &mut Metadata,
) -> Result<Option<(Frame, u32)>> {
    let mut header = image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))?;
    if header.has_animation() {
        return Ok(None);
    }
    header.set_limits(opts.limits.image_limits())?;
    if let Ok(Some(icc)) = header.icc_profile() {
        meta.icc = Some(icc);
    }
    let shrink = jpeg_shrink_for(probe.width, probe.height, opts.min_size);
    let (w, h) = (probe.width.div_ceil(shrink), probe.height.div_ceil(shrink));
    let channels: u64 = if header.color_type().has_alpha() {
        4
    } else {
        3
    };
    // The image crate's allocation cap, as the image-webp path had it.
    if u64::from(w) * u64::from(h) * channels > opts.limits.max_decoder_alloc {
        return Err(ProcessError::ImageResolutionExceed(format!(
            "WebP {w}x{h} needs more than {} bytes",
            opts.limits.max_decoder_alloc
        )));
    }
    let px = match webp::Decoder::new(bytes).decode_scaled(w, h) {
        Ok(px) => px,
        Err(webp::DecodeError::Animated) => return Ok(None),
        Err(e) => return Err(ProcessError::InvalidImageFormat(e.to_string())),
    };
    let bad_buf = || ProcessError::InvalidImageFormat("WebP: buffer size".into());
    let image = match px.layout {
        webp::PixelLayout::Rgba => DynamicImage::ImageRgba8(
            image::RgbaImage::from_raw(px.width, px.height, px.pixels).ok_or_else(bad_buf)?,
        ),
        webp::PixelLayout::Rgb => DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(px.width, px.height, px.pixels).ok_or_else(bad_buf)?,
        ),
    };
    Ok(Some((Frame { image, delay_ms: 0 }, shrink)))
}

fn reader<'a>(
    bytes: &'a [u8],
    probe: &Probe,
    limits: &Limits,
) -> Result<ImageReader<Cursor<&'a [u8]>>> {
    let fmt = probe
        .format
        .image_format()
        .ok_or_else(|| ProcessError::UnsupportedFormat(probe.format.name().into()))?;
    let mut r = ImageReader::with_format(Cursor::new(bytes), fmt);
    r.limits(limits.image_limits());
    Ok(r)
}

fn decode_still(
    bytes: &[u8],
    probe: &Probe,
    opts: &DecodeOptions,
    meta: &mut Metadata,
) -> Result<Frame> {
    let mut dec = reader(bytes, probe, &opts.limits)?.into_decoder()?;
    if let Ok(Some(icc)) = dec.icc_profile() {
        meta.icc = Some(icc);
    }
    let image = DynamicImage::from_decoder(dec)?;
    Ok(Frame { image, delay_ms: 0 })
}

fn decode_animated(
    bytes: &[u8],
    probe: &Probe,
    opts: &DecodeOptions,
    meta: &mut Metadata,
) -> Result<Vec<Frame>> {
    let limits = opts.limits.image_limits();
    let frames: Box<dyn Iterator<Item = image::ImageResult<image::Frame>>> = match probe.format {
        Format::Gif => {
            let mut d = image::codecs::gif::GifDecoder::new(Cursor::new(bytes))?;
            d.set_limits(limits)?;
            Box::new(d.into_frames())
        }
        _ => {
            let mut d = image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))?;
            if !d.has_animation() {
                return Ok(vec![decode_still(bytes, probe, opts, meta)?]);
            }
            d.set_limits(limits)?;
            Box::new(d.into_frames())
        }
    };
    let take = if opts.all_frames {
        probe.frames.max(1) as usize
    } else {
        1
    };
    let mut out = Vec::with_capacity(take.min(300));
    for f in frames.take(take) {
        let f = f?;
        let (num, den) = f.delay().numer_denom_ms();
        out.push(Frame {
            delay_ms: num.checked_div(den).unwrap_or(0),
            image: DynamicImage::ImageRgba8(f.into_buffer()),
        });
    }
    Ok(out)
}

/// Encoder settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Output format.
    pub format: Format,
    /// Quality 1..=100 for JPEG, lossy WebP and AVIF (others ignore it).
    pub quality: u8,
    /// `interlace/1`: progressive JPEG, Adam7-interlaced PNG; ignored for other outputs.
    pub progressive: bool,
    /// Lossless WebP instead of lossy.
    pub lossless: bool,
    /// EXIF to embed (raw TIFF structure, as [`Metadata::exif`]); JPEG and PNG outputs.
    /// `None` strips it.
    pub exif: Option<Vec<u8>>,
    /// ICC profile to embed; JPEG and PNG outputs. `None` strips it.
    pub icc: Option<Vec<u8>>,
}

impl EncodeOptions {
    /// Defaults for `format`: quality 85, baseline, lossy.
    pub fn new(format: Format) -> Self {
        EncodeOptions {
            format,
            quality: 85,
            progressive: false,
            lossless: false,
            exif: None,
            icc: None,
        }
    }

    /// Carries the EXIF and ICC of a decoded input over to the output.
    pub fn keep_metadata(mut self, meta: &Metadata) -> Self {
        self.exif = meta.exif.clone();
        self.icc = meta.icc.clone();
        self
    }

    /// Sets the quality (clamped to 1..=100).
    pub fn quality(mut self, q: u8) -> Self {
        self.quality = q.clamp(1, 100);
        self
    }

    /// Sets progressive JPEG / interlaced PNG output.
    pub fn progressive(mut self, on: bool) -> Self {
        self.progressive = on;
        self
    }

    /// Sets lossless WebP output.
    pub fn lossless(mut self, on: bool) -> Self {
        self.lossless = on;
        self
    }
}

/// Encodes one image.
///
/// JPEG goes through libjpeg-turbo (exact quality, 4:2:0, optional progressive); alpha is
/// flattened onto white. PNG uses zlib level 1 with adaptive filtering
/// (Pillow's size at a quarter of its time), Adam7-interlaced with `progressive`. WebP uses
/// libwebp. AVIF uses rav1e with the `avif` feature, else `UnsupportedFormat`.
pub fn encode(img: &DynamicImage, opts: &EncodeOptions) -> Result<Vec<u8>> {
    match opts.format {
        Format::Jpeg => {
            let out = encode_jpeg(img, opts.quality, opts.progressive)?;
            if opts.exif.is_none() && opts.icc.is_none() {
                return Ok(out);
            }
            Ok(jpeg::insert_metadata(
                &out,
                opts.exif.as_deref(),
                opts.icc.as_deref(),
            ))
        }
        Format::Png if opts.progressive => {
            png_interlace::encode(img, opts.icc.as_deref(), opts.exif.as_deref())
        }
        Format::Png => {
            use image::ImageEncoder as _;
            let mut out = Vec::new();
            let mut enc = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                // zlib level 1 with adaptive filters: on the 5120x2880 photo 683 ms → 32.6 MB,
                // Pillow's size (32.7 MB, 2.6 s); fdeflate `Fast` is 225 ms but 39.2 MB.
                image::codecs::png::CompressionType::Level(1),
                image::codecs::png::FilterType::Adaptive,
            );
            if let Some(icc) = &opts.icc {
                enc.set_icc_profile(icc.clone())
                    .map_err(|e| ProcessError::Encode(e.to_string()))?;
            }
            if let Some(exif) = &opts.exif {
                enc.set_exif_metadata(exif.clone())
                    .map_err(|e| ProcessError::Encode(e.to_string()))?;
            }
            img.write_with_encoder(enc)?;
            Ok(out)
        }
        Format::Webp => encode_webp(img, opts.quality, opts.lossless),
        Format::Gif => encode_frames(
            &[Frame {
                image: img.clone(),
                delay_ms: 0,
            }],
            opts,
        ),
        Format::Bmp | Format::Tiff => {
            let mut out = Cursor::new(Vec::new());
            let fmt = opts
                .format
                .image_format()
                .ok_or_else(|| ProcessError::UnsupportedFormat(opts.format.name().into()))?;
            // BMP holds 8-bit RGB(A) only; TIFF takes the rest as is.
            let img = match (opts.format, img) {
                (Format::Bmp, DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_)) => {
                    img.clone()
                }
                (Format::Bmp, i) if i.color().has_alpha() => DynamicImage::ImageRgba8(i.to_rgba8()),
                (Format::Bmp, i) => DynamicImage::ImageRgb8(i.to_rgb8()),
                (_, i) => i.clone(),
            };
            img.write_to(&mut out, fmt)?;
            Ok(out.into_inner())
        }
        #[cfg(feature = "avif")]
        Format::Avif => super::avif::encode(img, opts.quality),
        #[cfg(not(feature = "avif"))]
        Format::Avif => Err(ProcessError::UnsupportedFormat(
            "AVIF encoding needs the `avif` feature of ci-core".into(),
        )),
    }
}

/// Encodes an animation (GIF or WebP); other formats get the first frame.
pub fn encode_frames(frames: &[Frame], opts: &EncodeOptions) -> Result<Vec<u8>> {
    let first = frames
        .first()
        .ok_or_else(|| ProcessError::InvalidArgument("no frames to encode".into()))?;
    match opts.format {
        Format::Gif => {
            use image::codecs::gif::{GifEncoder, Repeat};
            let mut out = Vec::new();
            {
                let mut enc = GifEncoder::new_with_speed(&mut out, 10);
                enc.set_repeat(Repeat::Infinite)?;
                for f in frames {
                    let delay = image::Delay::from_numer_denom_ms(f.delay_ms, 1);
                    enc.encode_frame(image::Frame::from_parts(f.image.to_rgba8(), 0, 0, delay))?;
                }
            }
            Ok(out)
        }
        Format::Webp if frames.len() > 1 => {
            let mut config =
                webp::WebPConfig::new().map_err(|()| ProcessError::Encode("WebPConfig".into()))?;
            config.quality = f32::from(opts.quality);
            config.lossless = i32::from(opts.lossless);
            let (w, h) = (first.image.width(), first.image.height());
            let rgba: Vec<image::RgbaImage> = frames.iter().map(|f| f.image.to_rgba8()).collect();
            let mut enc = webp::AnimEncoder::new(w, h, &config);
            let mut t = 0i32;
            for (f, px) in frames.iter().zip(rgba.iter()) {
                if px.width() != w || px.height() != h {
                    return Err(ProcessError::InvalidArgument(
                        "animation frames differ in size".into(),
                    ));
                }
                enc.add_frame(webp::AnimFrame::from_rgba(px.as_raw(), w, h, t));
                t = t.saturating_add(i32::try_from(f.delay_ms).unwrap_or(i32::MAX));
            }
            let mem = enc
                .try_encode()
                .map_err(|e| ProcessError::Encode(format!("WebP animation: {e:?}")))?;
            Ok(mem.to_vec())
        }
        _ => encode(&first.image, opts),
    }
}

/// Flattens alpha onto white and returns 8-bit RGB.
pub fn flatten_to_rgb8(img: &DynamicImage) -> image::RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    let mut out = image::RgbImage::new(rgba.width(), rgba.height());
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(p[3]);
        for c in 0..3 {
            o[c] = ((u32::from(p[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

/// Chroma subsampling of our colour JPEGs: full-resolution chroma (4:4:4) from quality 90
/// up, 4:2:0 below, as ImageMagick and libvips's `jpegsave` choose. At high quality the
/// halved chroma would be the largest loss left.
pub(crate) fn jpeg_subsampling(quality: u8) -> turbojpeg::Subsamp {
    if quality >= 90 {
        turbojpeg::Subsamp::None
    } else {
        turbojpeg::Subsamp::Sub2x2
    }
}

fn encode_jpeg(img: &DynamicImage, quality: u8, progressive: bool) -> Result<Vec<u8>> {
    use turbojpeg::{PixelFormat, Subsamp};
    let enc_err = |e: turbojpeg::Error| ProcessError::Encode(format!("JPEG: {e}"));
    let mut c = turbojpeg::Compressor::new().map_err(enc_err)?;
    c.set_quality(i32::from(quality.clamp(1, 100)))
        .map_err(enc_err)?;
    c.set_progressive(progressive).map_err(enc_err)?;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let gray_owned;
    let rgb_owned;
    let (pixels, format, channels): (&[u8], PixelFormat, usize) = match img {
        DynamicImage::ImageLuma8(g) => (g.as_raw(), PixelFormat::GRAY, 1),
        DynamicImage::ImageRgb8(rgb) => (rgb.as_raw(), PixelFormat::RGB, 3),
        i if !i.color().has_color() && !i.color().has_alpha() => {
            gray_owned = i.to_luma8();
            (gray_owned.as_raw(), PixelFormat::GRAY, 1)
        }
        i => {
            rgb_owned = flatten_to_rgb8(i);
            (rgb_owned.as_raw(), PixelFormat::RGB, 3)
        }
    };
    c.set_subsamp(if channels == 1 {
        Subsamp::Gray
    } else {
        jpeg_subsampling(quality)
    })
    .map_err(enc_err)?;
    c.compress_to_vec(turbojpeg::Image {
        pixels,
        width: w,
        pitch: w * channels,
        height: h,
        format,
    })
    .map_err(enc_err)
}

fn encode_webp(img: &DynamicImage, quality: u8, lossless: bool) -> Result<Vec<u8>> {
    let (w, h) = (img.width(), img.height());
    let owned;
    let enc = match img {
        DynamicImage::ImageRgb8(p) => webp::Encoder::from_rgb(p.as_raw(), w, h),
        DynamicImage::ImageRgba8(p) => webp::Encoder::from_rgba(p.as_raw(), w, h),
        i if i.color().has_alpha() => {
            owned = DynamicImage::ImageRgba8(i.to_rgba8());
            match &owned {
                DynamicImage::ImageRgba8(p) => webp::Encoder::from_rgba(p.as_raw(), w, h),
                _ => return Err(ProcessError::Encode("WebP conversion".into())),
            }
        }
        i => {
            owned = DynamicImage::ImageRgb8(i.to_rgb8());
            match &owned {
                DynamicImage::ImageRgb8(p) => webp::Encoder::from_rgb(p.as_raw(), w, h),
                _ => return Err(ProcessError::Encode("WebP conversion".into())),
            }
        }
    };
    let mem = enc
        .encode_simple(lossless, f32::from(quality))
        .map_err(|e| ProcessError::Encode(format!("WebP: {e:?}")))?;
    Ok(mem.to_vec())
}
