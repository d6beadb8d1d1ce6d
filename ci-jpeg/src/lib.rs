//! Parallel decoding of baseline JPEGs to YCbCr planes, byte-identical to libjpeg-turbo's
//! serial decode: in strips cut at restart markers; for files without them at 1/4 and
//! 1/8, by our own decode split speculatively in two; otherwise (opt-in) in two strips
//! split where our own Huffman scanner finds an MCU row's start.
//!
//! A JPEG's entropy-coded data is one serial bit stream, except that at every restart
//! marker (RSTn) the decoder's state starts afresh: DC predictions reset to 0 and the bit
//! reader realigns to a byte. Where a restart interval starts an MCU row, everything below
//! is a JPEG of its own: [`decompress_to_yuv`] cuts the scan there into horizontal strips,
//! makes of each strip a small stand-alone JPEG (the original headers with the SOF's
//! height set to the strip's, the strip's entropy-coded data with its RST markers
//! renumbered from RST0, then RSTn and EOI), decodes the strips on rayon's pool with
//! libjpeg-turbo's own decoder, and copies their rows into the output planes. No Huffman
//! decoding of our own: every sample comes out of libjpeg-turbo, so the output is the
//! serial decode's, byte for byte, padding included.
//!
//! Where the serial decode warns (corrupt data), it returns an error; so must we. Three
//! details make every warning of the serial decode show up in some strip:
//! - each strip's JPEG also holds the restart interval(s) just past its end, decoded and
//!   thrown away, so that libjpeg-turbo checks the RST marker after the strip's last own
//!   interval as the serial decode does (unused bytes before it, its number);
//! - libjpeg-turbo counts an interval's unused bytes at the next RST but reports them only
//!   at the next marker it has to search for, possibly many intervals later: each strip's
//!   JPEG ends with an RST before its EOI, after which it searches for the EOI and reports
//!   any count left pending;
//! - libjpeg-turbo pads the Y plane of an image whose last MCU row is partial with rows of
//!   its reused row buffer that the last row leaves stale, holding the row before's: the
//!   last strip also decodes the rows before its own.
//!
//! **Files without restart markers at 1/4 and 1/8** (most photographs, at the scales
//! thumbnails use; [`Options::speculative`], on by default) are decoded by us
//! ([`DecodePath::Speculative`]): at these scales libjpeg-turbo's reduced IDCTs read few
//! coefficients (`jpeg_idct_1x1`: the DC; `jpeg_idct_2x2`: rows and columns 0, 1, 3, 5,
//! 7), so the Huffman pass is most of the decode, and we port the IDCT's integer
//! arithmetic exactly (and `tj3DecompressToYUV8`'s copy out of its scratch rows, padding
//! included). The pass is split speculatively: a second worker starts mid-data at a
//! guessed block start and records its block starts and DC *differences*; Huffman codes
//! resynchronise, and the first worker, decoding from the start, stops at the first block
//! start both had (same bit, same block of the MCU): from there the two decoders were in
//! the same state but for the DC predictors, which the planes pass supplies. The second
//! worker must end at the data's end with the last MCU; an invalid code, a run past 63, a
//! marker, trailing bytes, a value outside the range where libjpeg-turbo's C and SSE2
//! IDCTs agree, or no meeting point (then the first worker decodes the rest itself) send
//! the image elsewhere: every file accepted is one libjpeg-turbo decodes without any
//! warning, and its planes are computed as libjpeg-turbo computes them.
//!
//! **Files without restart markers** at the other scales (or with
//! [`Options::speculative`] off), with [`Options::split`] on, are
//! split in two at MCU row *a* ([`Options::split_permille`]) and decoded by two workers
//! at once:
//! - the first strip's JPEG is the whole file with the SOF's height cut to *a* rows:
//!   libjpeg-turbo decodes those rows, skips the rest of the scan (cheap: it searches for
//!   the EOI byte by byte) and warns "Corrupt JPEG data: N extraneous bytes before marker
//!   0xd9". libjpeg reports only its first warning, so the strip is accepted when that
//!   is its warning: any trouble in its own rows would have warned first;
//! - meanwhile our scanner (a baseline Huffman decoder that keeps no coefficients)
//!   walks the scan to the start of row *a* − 1, keeping the DC predictors. It refuses
//!   ([`ScanError`]) anything libjpeg-turbo would warn about or decode otherwise than
//!   plainly: an invalid code, a coefficient run past 63, a marker or the data's end.
//!   The second strip's JPEG holds rows *a* − 1 to the end: its first MCU re-encoded with
//!   the file's own Huffman tables (each component's first DC difference against
//!   predictor 0, the first block's AC coefficients replaced by a padding of the length
//!   that keeps the rest of the data on its bit alignment), then the original bytes from
//!   there on, verbatim. Row *a* − 1 is thrown away (its first block changed) and holds
//!   no stale rows for the padding: the second strip keeps at least two rows of its own.
//!
//! - once its strip is decoded, the first worker scans the second strip's rows too and
//!   checks that the scan ends with the last MCU (no whole byte after it): libjpeg-turbo
//!   reads ahead differently in a strip and in the serial decode, and whether it reports
//!   trailing bytes depends on that (found by fuzzing); a file that fails goes serial.
//!
//! Both decodes are libjpeg-turbo's on the original bits from the same decoder state, and
//! the whole scan is one that libjpeg-turbo decodes without a warning, so the planes are
//! the serial decode's. The extra work is one scan of the whole data (0.5–0.6 of a
//! decode's time at 1/4–1/8), shared by the two workers ([`SPLIT_PERMILLE`]).
//!
//! A strip that warns or fails sends the whole image to the serial decode, and so do files
//! the parallel path cannot reproduce exactly ([`SerialReason`]): the result, the planes
//! or the error, is always the serial decode's. Strips may warn where the serial decode
//! does not (a pending count it never reports): that costs a second decode, never a
//! different result.
//!
//! ```
//! use turbojpeg::{Decompressor, ScalingFactor, YuvImage};
//! # let pixels = vec![128u8; 64 * 48 * 3];
//! # let image = turbojpeg::Image { pixels: pixels.as_slice(), width: 64, pitch: 64 * 3, height: 48, format: turbojpeg::PixelFormat::RGB };
//! # let jpeg = turbojpeg::compress(image, 90, turbojpeg::Subsamp::Sub2x2)?;
//! let mut d = Decompressor::new()?;
//! d.set_scaling_factor(ScalingFactor::ONE_QUARTER)?;
//! let header = d.read_header(&jpeg)?;
//! let scaled = header.scaled(ScalingFactor::ONE_QUARTER);
//! let len = turbojpeg::yuv_pixels_len(scaled.width, 1, scaled.height, header.subsamp)?;
//! let mut planes = vec![0u8; len];
//! let yuv = YuvImage { pixels: planes.as_mut_slice(), width: scaled.width, align: 1, height: scaled.height, subsamp: header.subsamp };
//! // Where `d.decompress_to_yuv(&jpeg, yuv)?` was:
//! let path = ci_jpeg::decompress_to_yuv(&mut d, &jpeg, yuv)?;
//! // This small file is under the size where threads pay: decoded serially.
//! assert!(matches!(path, ci_jpeg::DecodePath::Serial(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dc;
mod layout;
mod scan;

pub use layout::{parse_layout, Layout, LayoutError};
pub use scan::ScanError;

use rayon::prelude::*;
use thiserror::Error;
use turbojpeg::{Decompressor, ScalingFactor, Subsamp, YuvImage};

/// Benchmark hook, not a stable API: scans the entropy-coded data of a baseline JPEG
/// without restart markers up to MCU row `rows` (or its end) with the split path's Huffman
/// scanner; returns the byte offset reached in the scan and the MCU rows of the image.
#[doc(hidden)]
pub fn scan_for_bench(jpeg: &[u8], rows: u64) -> Result<(usize, u64), String> {
    let layout = layout::parse(jpeg, true).map_err(|e| e.to_string())?;
    let spec = scan::ScanSpec::parse(jpeg, layout.scan_start).map_err(|e| e.to_string())?;
    let data = jpeg
        .get(layout.scan_start..layout.scan_end)
        .ok_or("scan bounds")?;
    let at = scan::scan_to_row(&spec, data, rows.min(spec.mcu_rows)).map_err(|e| e.to_string())?;
    Ok((at.byte, spec.mcu_rows))
}

/// Benchmark hook, not a stable API: the two strip JPEGs of the split of a file without
/// restart markers at MCU row `first_rows` (the first: the whole file under a shorter
/// frame; the second: rows `first_rows − 1` to the end, re-encoded), each with the pixel
/// height its frame declares.
#[doc(hidden)]
pub fn split_jpegs_for_bench(
    jpeg: &[u8],
    first_rows: u64,
) -> Result<[(Vec<u8>, usize); 2], String> {
    let layout = layout::parse(jpeg, true).map_err(|e| e.to_string())?;
    let spec = scan::ScanSpec::parse(jpeg, layout.scan_start).map_err(|e| e.to_string())?;
    let rows = layout.mcu_rows();
    let permille = u16::try_from(first_rows * 1000 / rows.max(1)).unwrap_or(1000);
    let strips = split_rows(&layout, permille).map_err(|e| e.to_string())?;
    let [first, second] = strips.as_slice() else {
        return Err("two strips".into());
    };
    let one = first_strip_jpeg(jpeg, &layout, first).map_err(|e| e.to_string())?;
    let (two, _) = second_strip_jpeg(jpeg, &layout, &spec, second).map_err(|e| e.to_string())?;
    Ok([(one, first.decode_height), (two, second.decode_height)])
}

/// Benchmark hook, not a stable API: the pieces of the speculative decode of a file
/// without restart markers at 1/`denom` (4 or 8), each on this thread (`part` 0: the
/// first worker, which writes its samples, up to the second's start; 1: the second
/// worker; 2: the whole decode on one thread with the planes written into `out`; 3: the
/// same without the planes; 4: the second worker and the samples of its blocks).
/// Returns the blocks decoded, but for 2 and 4 the ns the planes or the samples took.
#[doc(hidden)]
pub fn speculative_part_for_bench(
    jpeg: &[u8],
    denom: usize,
    part: u8,
    out: &mut [u8],
) -> Result<u64, String> {
    let ds = match denom {
        4 => 2,
        8 => 1,
        _ => return Err("1/4 or 1/8 only".into()),
    };
    let layout = layout::parse(jpeg, true).map_err(|e| e.to_string())?;
    let spec = if ds == 2 {
        scan::ScanSpec::parse_for_quarter(jpeg, layout.scan_start)
    } else {
        scan::ScanSpec::parse(jpeg, layout.scan_start)
    }
    .map_err(|e| e.to_string())?;
    let geom =
        dc::DcGeom::parse(jpeg, layout.scan_start, &spec, ds).map_err(|e| format!("{e:?}"))?;
    let data = jpeg
        .get(layout.scan_start..layout.scan_end)
        .ok_or("scan bounds")?;
    let subsamp = match (layout.components, layout.mcu_width, layout.mcu_height) {
        (1, _, _) => Subsamp::Gray,
        (_, 8, 8) => Subsamp::None,
        (_, 16, 8) => Subsamp::Sub2x1,
        (_, 16, 16) => Subsamp::Sub2x2,
        _ => Subsamp::Sub1x2,
    };
    let yuv = YuvImage {
        pixels: (),
        width: (usize::from(layout.width) * ds).div_ceil(8),
        align: 1,
        height: (usize::from(layout.height) * ds).div_ceil(8),
        subsamp,
    };
    let uv = if subsamp == Subsamp::Gray {
        (0, 0)
    } else {
        yuv.uv_size()
    };
    dc::part_for_bench(&spec, &geom, data, part, yuv.y_size(), uv, out)
        .map_err(|e| format!("{e:?}"))
}

/// Tuning of the parallel path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Images with fewer source pixels are decoded serially: below this the threads' and
    /// the strips' set-up costs more than it saves.
    pub min_pixels: u64,
    /// Strips to cut the image into; 0: one per thread of rayon's current pool. Files
    /// without restart markers are split in two whenever this allows two or more (and
    /// `split` is on).
    pub strips: usize,
    /// Split files without restart markers in two (off by default: on two idle cores it
    /// takes 0.85 of the serial decode's time for 1.6 times its CPU, see the README).
    pub split: bool,
    /// For files without restart markers: the first strip's share of the MCU rows, in
    /// thousandths; 0 picks [`SPLIT_PERMILLE`]. For the speculative decode of such files
    /// ([`DecodePath::Speculative`]): where the second worker starts, in thousandths of
    /// the entropy-coded data; 0: half way (balanced).
    pub split_permille: u16,
    /// Decode files without restart markers at 1/4 and 1/8 ourselves, split
    /// speculatively ([`DecodePath::Speculative`]; on by default: on two idle cores 0.50
    /// of the serial decode's time at 1/4 and 0.35 at 1/8, for 0.82 and 0.65 times its
    /// CPU, see the README).
    pub speculative: bool,
}

/// The first strip's share of the MCU rows (thousandths) when a file without restart
/// markers is split, so that both workers finish together. The second scans the first
/// strip's rows with our Huffman scanner before decoding its own, and the first, once its
/// strip is decoded, scans the second's rows (the check that the scan ends cleanly): with
/// the scanner at a share *s* of a decode's time, f + s(1 − f) against fs + (1 − f), equal
/// at f = 1/2 whatever *s* and the scale; measured a little above.
pub const SPLIT_PERMILLE: u16 = 520;

impl Default for Options {
    fn default() -> Self {
        Options {
            min_pixels: 1 << 20,
            strips: 0,
            split: false,
            split_permille: 0,
            speculative: true,
        }
    }
}

/// How an image was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodePath {
    /// In this many strips cut at restart markers, in parallel.
    Parallel {
        /// Number of strips.
        strips: usize,
    },
    /// A file without restart markers, in two strips decoded in parallel: the first
    /// from the whole scan, the second after our scanner found where it starts.
    Split {
        /// MCU rows of the first strip.
        first_rows: u64,
    },
    /// A file without restart markers at 1/4 or 1/8, decoded by us (the coefficients
    /// libjpeg-turbo's 2x2 or 1x1 IDCT reads, and that IDCT's arithmetic) in two parts at
    /// once: the second from a guessed block start in the middle of the data, the first
    /// until it meets one of the second's block starts.
    Speculative {
        /// Blocks the first worker decoded before the meeting point (all of them when
        /// the two never met and the first decoded the whole scan).
        first_blocks: u64,
    },
    /// Serially, for this reason.
    Serial(SerialReason),
}

/// Why an image went to the serial decode.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SerialReason {
    /// The decompressor's scaling factor is not 1/1, 1/2, 1/4 or 1/8.
    #[error("scaling factor {num}/{denom} is not 1/1, 1/2, 1/4 or 1/8")]
    Scale {
        /// Numerator.
        num: usize,
        /// Denominator.
        denom: usize,
    },
    /// The output's rows are padded (`align` is not 1).
    #[error("output row alignment {0} (the parallel path writes packed planes, align 1)")]
    Align(usize),
    /// libjpeg-turbo could not read the header (the serial decode reports why).
    #[error("header unreadable: {0}")]
    Header(String),
    /// Progressive, lossless or arithmetic-coded.
    #[error("not a baseline Huffman-coded JPEG")]
    NotBaseline,
    /// A subsampling other than 4:4:4, 4:2:2, 4:2:0, 4:4:0 or grey.
    #[error("subsampling {0:?}")]
    Subsampling(Subsamp),
    /// The markers do not allow a split.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// libjpeg-turbo and our parser disagree about the frame.
    #[error("libjpeg-turbo reads the frame otherwise than the marker parser")]
    HeaderMismatch,
    /// The output image is not the scaled JPEG's size and subsampling.
    #[error("output image is not the scaled JPEG's size and subsampling")]
    OutputShape,
    /// Too small for threads to pay.
    #[error("{pixels} pixels, fewer than {min}")]
    Small {
        /// Source pixels.
        pixels: u64,
        /// The threshold ([`Options::min_pixels`]).
        min: u64,
    },
    /// Fewer than two strips wanted (one thread).
    #[error("one strip wanted")]
    OneStrip,
    /// No restart interval ends at an MCU row's end before the last row.
    #[error("no restart marker at an MCU-row boundary to cut at")]
    NoCut,
    /// A strip's decode failed or warned (the serial decode reports the same).
    #[error("a strip decode failed or warned: {0}")]
    StripFailed(String),
    /// No restart markers, and too few MCU rows to split (the second strip needs two).
    #[error("{0} MCU rows, too few to split without restart markers")]
    FewRows(u64),
    /// Our Huffman scanner refused the rows before the split (or libjpeg-turbo would
    /// warn there, or we could not reproduce its decode exactly).
    #[error("scanner: {0}")]
    Scan(#[from] ScanError),
    /// The speculative decode of a file without restart markers does not model this
    /// file (its sampling, quantisers or geometry).
    #[error("speculative decode: {0}")]
    Speculative(&'static str),
}

/// One horizontal strip: MCU rows `[first_row, end_row)` of the image, and the restart
/// intervals its JPEG holds: its own, the ones just past its end (see the crate docs) and,
/// for the last strip, the ones just before its start. libjpeg-turbo's scaled YCbCr
/// output pads the Y plane of an image whose last MCU row is partial with rows of its
/// reused row buffer that the last MCU row leaves stale, holding the MCU row before's:
/// the last strip decodes that row too, so that the stale rows are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Strip {
    first_row: u64,
    end_row: u64,
    /// The first MCU row the strip's JPEG holds (`first_row` but for the last strip).
    decode_first_row: u64,
    decode_first_interval: usize,
    /// Exclusive.
    decode_end_interval: usize,
    /// Pixel rows the strip's JPEG declares.
    decode_height: usize,
}

/// Geometry shared by all strips.
struct Plan {
    strips: Vec<Strip>,
    scale: ScalingFactor,
    subsamp: Subsamp,
    /// Scaled output width.
    width: usize,
    /// Output luma rows per MCU row.
    luma_rows_per_mcu_row: usize,
    /// Output plane sizes (align 1): luma width × height, chroma width × height.
    y_size: (usize, usize),
    uv_size: (usize, usize),
    /// For a file without restart markers: what the scanner needs.
    split: Option<scan::ScanSpec>,
    /// For a file without restart markers at 1/4 or 1/8: the speculative decode's tables.
    dc: Option<(scan::ScanSpec, dc::DcGeom)>,
}

/// Decodes `jpeg` into packed YCbCr planes (`output.align` 1: Y, then Cb, then Cr) at the
/// decompressor's scaling factor, like `d.decompress_to_yuv(jpeg, output)` and with the
/// same bytes, in parallel strips where the file allows (see the crate docs). Uses
/// [`Options::default`].
///
/// The strips are decoded by fresh decompressors with `d`'s scaling factor: no other
/// setting the turbojpeg crate exposes changes the planes (the scan limit concerns
/// progressive files only, which go serial).
///
/// Returns how it decoded, or libjpeg-turbo's error from the serial decode. On `Err` the
/// output's contents are unspecified, as they are after a failed serial decode. Memory:
/// besides the output, the parallel path holds the strips' JPEGs (about the input's size)
/// and their planes (about the output's size) while it runs; the speculative path, for
/// the second half of the blocks, 4 bytes a block at 1/8 and 28 at 1/4 (0.7 and 4.8 MB
/// for a 14.7 MP 4:2:0 photograph), and samples about the output's size.
pub fn decompress_to_yuv(
    d: &mut Decompressor,
    jpeg: &[u8],
    output: YuvImage<&mut [u8]>,
) -> Result<DecodePath, turbojpeg::Error> {
    decompress_to_yuv_with(d, jpeg, output, &Options::default())
}

/// [`decompress_to_yuv`] with explicit [`Options`].
pub fn decompress_to_yuv_with(
    d: &mut Decompressor,
    jpeg: &[u8],
    mut output: YuvImage<&mut [u8]>,
    options: &Options,
) -> Result<DecodePath, turbojpeg::Error> {
    let reason = match plan(d, jpeg, &output, options) {
        Ok((plan, layout)) if plan.dc.is_some() => {
            match decode_dc(jpeg, &layout, &plan, options, output.pixels) {
                Ok(done) => {
                    return Ok(DecodePath::Speculative {
                        first_blocks: done.first_blocks,
                    })
                }
                Err(dc::DcError::Scan(e)) => SerialReason::Scan(e),
                Err(dc::DcError::Unsupported(what)) => SerialReason::Speculative(what),
            }
        }
        Ok((plan, layout)) => match decode_strips(jpeg, &layout, &plan, output.pixels) {
            Ok(()) if plan.split.is_some() => {
                return Ok(DecodePath::Split {
                    first_rows: plan.strips[0].end_row,
                })
            }
            Ok(()) => {
                return Ok(DecodePath::Parallel {
                    strips: plan.strips.len(),
                })
            }
            Err(StripError::Scan(e)) => SerialReason::Scan(e),
            Err(e) => SerialReason::StripFailed(e.to_string()),
        },
        Err(reason) => reason,
    };
    d.decompress_to_yuv(jpeg, output.as_deref_mut())?;
    Ok(DecodePath::Serial(reason))
}

fn decode_dc(
    jpeg: &[u8],
    layout: &Layout,
    plan: &Plan,
    options: &Options,
    pixels: &mut [u8],
) -> Result<dc::DcDone, dc::DcError> {
    let (spec, geom) = plan
        .dc
        .as_ref()
        .ok_or(dc::DcError::Unsupported("no plan"))?;
    let data = jpeg
        .get(layout.scan_start..layout.scan_end)
        .ok_or(dc::DcError::Unsupported("scan bounds"))?;
    dc::decode(
        spec,
        geom,
        data,
        options.split_permille,
        plan.y_size,
        plan.uv_size,
        pixels,
    )
}

fn plan(
    d: &mut Decompressor,
    jpeg: &[u8],
    output: &YuvImage<&mut [u8]>,
    options: &Options,
) -> Result<(Plan, Layout), SerialReason> {
    let scale = d.scaling_factor();
    let mcu_rows_divisor = match (scale.num(), scale.denom()) {
        (1, denom @ (1 | 2 | 4 | 8)) => denom,
        (num, denom) => return Err(SerialReason::Scale { num, denom }),
    };
    if output.align != 1 {
        return Err(SerialReason::Align(output.align));
    }
    let header = d
        .read_header(jpeg)
        .map_err(|e| SerialReason::Header(e.to_string()))?;
    if header.is_progressive || header.is_lossless || header.is_arithmetic {
        return Err(SerialReason::NotBaseline);
    }
    let subsamp = header.subsamp;
    if !matches!(
        subsamp,
        Subsamp::None | Subsamp::Sub2x1 | Subsamp::Sub2x2 | Subsamp::Sub1x2 | Subsamp::Gray
    ) {
        return Err(SerialReason::Subsampling(subsamp));
    }
    let pixels = header.width as u64 * header.height as u64;
    if pixels < options.min_pixels {
        return Err(SerialReason::Small {
            pixels,
            min: options.min_pixels,
        });
    }
    let speculative = options.speculative && matches!(mcu_rows_divisor, 4 | 8);
    let layout = layout::parse(jpeg, options.split || speculative)?;
    if (usize::from(layout.width), usize::from(layout.height)) != (header.width, header.height)
        || (layout.components == 1) != (subsamp == Subsamp::Gray)
    {
        return Err(SerialReason::HeaderMismatch);
    }
    let scaled = header.scaled(scale);
    let needed = turbojpeg::yuv_pixels_len(scaled.width, 1, scaled.height, subsamp)
        .map_err(|_| SerialReason::OutputShape)?;
    if (output.width, output.height, output.subsamp) != (scaled.width, scaled.height, subsamp)
        || output.pixels.len() < needed
    {
        return Err(SerialReason::OutputShape);
    }
    // Output luma rows per MCU row; a whole number of chroma rows too, so that no plane's
    // row straddles two strips.
    let mcu_height = usize::from(layout.mcu_height);
    let luma_rows_per_mcu_row = mcu_height / mcu_rows_divisor;
    if luma_rows_per_mcu_row * mcu_rows_divisor != mcu_height
        || luma_rows_per_mcu_row % subsamp.height() != 0
    {
        return Err(SerialReason::HeaderMismatch);
    }
    let wanted = match options.strips {
        0 => rayon::current_num_threads(),
        n => n,
    };
    if wanted < 2 {
        return Err(SerialReason::OneStrip);
    }
    let mut dc = None;
    let (strips, split) = if layout.restart_interval == 0 && speculative {
        let ds = 8 / mcu_rows_divisor;
        let spec = if ds == 2 {
            scan::ScanSpec::parse_for_quarter(jpeg, layout.scan_start)?
        } else {
            scan::ScanSpec::parse(jpeg, layout.scan_start)?
        };
        let geom = dc::DcGeom::parse(jpeg, layout.scan_start, &spec, ds).map_err(|e| match e {
            dc::DcError::Scan(e) => SerialReason::Scan(e),
            dc::DcError::Unsupported(what) => SerialReason::Speculative(what),
        })?;
        dc = Some((spec, geom));
        (Vec::new(), None)
    } else if layout.restart_interval == 0 {
        let spec = scan::ScanSpec::parse(jpeg, layout.scan_start)?;
        if (spec.mcus_per_row, spec.mcu_rows) != (layout.mcus_per_row(), layout.mcu_rows()) {
            return Err(SerialReason::HeaderMismatch);
        }
        let permille = match options.split_permille {
            0 => SPLIT_PERMILLE,
            p => p.min(1000),
        };
        (split_rows(&layout, permille)?, Some(spec))
    } else {
        (cut(&layout, wanted)?, None)
    };
    let yuv = YuvImage {
        pixels: (),
        width: scaled.width,
        align: 1,
        height: scaled.height,
        subsamp,
    };
    let uv_size = if subsamp == Subsamp::Gray {
        (0, 0)
    } else {
        yuv.uv_size()
    };
    let plan = Plan {
        strips,
        scale,
        subsamp,
        width: scaled.width,
        luma_rows_per_mcu_row,
        y_size: yuv.y_size(),
        uv_size,
        split,
        dc,
    };
    Ok((plan, layout))
}

/// The two strips of a file without restart markers: rows [0, a) and [a, rows), the
/// second also decoding row a − 1 (see [`Strip`]; its first MCU is re-encoded, so that
/// row is thrown away) and holding at least two rows of its own, so that the row before
/// the last, whose stale rows pad a partial last row, is one of them.
fn split_rows(layout: &Layout, permille: u16) -> Result<Vec<Strip>, SerialReason> {
    let rows = layout.mcu_rows();
    if rows < 4 {
        return Err(SerialReason::FewRows(rows));
    }
    let a = (rows * u64::from(permille) + 500) / 1000;
    let a = a.clamp(2, rows - 2);
    let mcu_height = u64::from(layout.mcu_height);
    let height = u64::from(layout.height);
    let to_usize = |v: u64| usize::try_from(v).map_err(|_| SerialReason::FewRows(rows));
    Ok(vec![
        Strip {
            first_row: 0,
            end_row: a,
            decode_first_row: 0,
            decode_first_interval: 0,
            decode_end_interval: 0,
            decode_height: to_usize(a * mcu_height)?,
        },
        Strip {
            first_row: a,
            end_row: rows,
            decode_first_row: a - 1,
            decode_first_interval: 0,
            decode_end_interval: 0,
            decode_height: to_usize(height - (a - 1) * mcu_height)?,
        },
    ])
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Cuts the image into up to `wanted` strips of about equal height, at restart
/// intervals that start an MCU row.
fn cut(layout: &Layout, wanted: usize) -> Result<Vec<Strip>, SerialReason> {
    let mcus_per_row = layout.mcus_per_row();
    let rows = layout.mcu_rows();
    let interval = u64::from(layout.restart_interval);
    let intervals = layout.intervals();
    // Intervals start a row every lcm(interval, mcus_per_row) MCUs.
    let lcm = interval / gcd(interval, mcus_per_row) * mcus_per_row;
    let row_step = lcm / mcus_per_row;
    let interval_step = lcm / interval;
    if row_step >= rows {
        return Err(SerialReason::NoCut);
    }
    // Equal shares of entropy-coded bytes rather than of rows: Huffman decoding is most of
    // a scaled decode's time, and a photograph's detail is rarely spread evenly (the
    // SafeLanding photograph's lower half holds 53 % of its bytes).
    let cuts = (rows - 1) / row_step; // candidate cuts: k · row_step for k in 1..=cuts
    let byte_at = |k: u64| -> usize {
        let interval_index = usize::try_from(k * row_step * mcus_per_row / interval);
        interval_index
            .ok()
            .and_then(|i| layout.interval_bytes(i))
            .map_or(layout.scan_end, |(start, _)| start)
    };
    let (first_byte, total) = (
        layout.scan_start,
        layout.scan_end.saturating_sub(layout.scan_start),
    );
    let mut bounds = vec![0u64];
    for j in 1..wanted {
        let target = first_byte + total / wanted * j + total % wanted * j / wanted;
        // The first candidate at or past the target, or the one before if nearer.
        let (mut lo, mut hi) = (1u64, cuts);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if byte_at(mid) < target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let k = if lo > 1
            && target - byte_at(lo - 1).min(target) < byte_at(lo).saturating_sub(target)
        {
            lo - 1
        } else {
            lo
        };
        let cut = k * row_step;
        if bounds.last().is_some_and(|&last| cut > last) {
            bounds.push(cut);
        }
    }
    bounds.push(rows);
    if bounds.len() < 3 {
        return Err(SerialReason::NoCut);
    }
    let mcu_height = u64::from(layout.mcu_height);
    let height = u64::from(layout.height);
    let to_usize = |v: u64| usize::try_from(v).map_err(|_| SerialReason::NoCut);
    let mut strips = Vec::with_capacity(bounds.len() - 1);
    for pair in bounds.windows(2) {
        let (first_row, end_row) = (pair[0], pair[1]);
        let last = end_row == rows;
        let (decode_first_row, decode_end_row, decode_end_interval) = if last {
            (first_row - row_step, rows, intervals)
        } else {
            let own_end = end_row * mcus_per_row / interval;
            (
                first_row,
                (end_row + row_step).min(rows),
                (own_end + interval_step).min(intervals),
            )
        };
        let decode_first_interval = decode_first_row * mcus_per_row / interval;
        let decode_height =
            (decode_end_row * mcu_height).min(height) - decode_first_row * mcu_height;
        strips.push(Strip {
            first_row,
            end_row,
            decode_first_row,
            decode_first_interval: to_usize(decode_first_interval)?,
            decode_end_interval: to_usize(decode_end_interval)?,
            decode_height: to_usize(decode_height)?,
        });
    }
    Ok(strips)
}

/// Why a strip could not be decoded.
#[derive(Debug, Error)]
enum StripError {
    #[error(transparent)]
    Decode(#[from] turbojpeg::Error),
    #[error("strip {0}: its bytes or planes are not where the plan put them")]
    Geometry(usize),
    #[error(transparent)]
    Scan(#[from] ScanError),
}

/// The stand-alone JPEG of one strip: the headers with the strip's height, its restart
/// intervals with their RST markers renumbered from RST0, then RSTn and EOI.
fn strip_jpeg(
    jpeg: &[u8],
    layout: &Layout,
    strip: &Strip,
    index: usize,
) -> Result<Vec<u8>, StripError> {
    let geometry = || StripError::Geometry(index);
    let (first, end) = (strip.decode_first_interval, strip.decode_end_interval);
    let prefix = jpeg.get(..layout.scan_start).ok_or_else(geometry)?;
    let (data_start, _) = layout.interval_bytes(first).ok_or_else(geometry)?;
    let (_, data_end) = layout
        .interval_bytes(end.checked_sub(1).ok_or_else(geometry)?)
        .ok_or_else(geometry)?;
    let data = jpeg.get(data_start..data_end).ok_or_else(geometry)?;
    let height = u16::try_from(strip.decode_height).map_err(|_| geometry())?;
    let mut out = Vec::with_capacity(prefix.len() + data.len() + 4);
    out.extend_from_slice(prefix);
    out.get_mut(layout.sof_height_at..layout.sof_height_at + 2)
        .ok_or_else(geometry)?
        .copy_from_slice(&height.to_be_bytes());
    if first % 8 == 0 {
        // The RST after interval i is RST(i mod 8) in the original and RST((i - first) mod
        // 8) in the strip: the same.
        out.extend_from_slice(data);
    } else {
        for i in first..end {
            if i > first {
                out.extend_from_slice(&[0xFF, 0xD0 + ((i - 1 - first) % 8) as u8]);
            }
            let (s, e) = layout.interval_bytes(i).ok_or_else(geometry)?;
            out.extend_from_slice(jpeg.get(s..e).ok_or_else(geometry)?);
        }
    }
    // An RST marker before the EOI: libjpeg-turbo counts the unused bytes of an interval
    // (`discarded_bytes`) and reports them only at the next marker it has to search for,
    // which the serial decode may reach past this strip's end; after this RST it searches
    // for the EOI, so every count left pending in the strip is reported here.
    out.extend_from_slice(&[0xFF, 0xD0 + ((end - first - 1) % 8) as u8, 0xFF, 0xD9]);
    Ok(out)
}

/// A strip's share of the output planes.
struct StripOut<'a> {
    y: &'a mut [u8],
    u: &'a mut [u8],
    v: &'a mut [u8],
}

fn decode_strips(
    jpeg: &[u8],
    layout: &Layout,
    plan: &Plan,
    pixels: &mut [u8],
) -> Result<(), StripError> {
    let (yw, yh) = plan.y_size;
    let (cw, ch) = plan.uv_size;
    let sub_h = plan.subsamp.height();
    let geometry = || StripError::Geometry(usize::MAX);
    let (y_plane, rest) = pixels.split_at_mut_checked(yw * yh).ok_or_else(geometry)?;
    let (u_plane, rest) = rest.split_at_mut_checked(cw * ch).ok_or_else(geometry)?;
    let (v_plane, _) = rest.split_at_mut_checked(cw * ch).ok_or_else(geometry)?;
    let (mut y_rest, mut u_rest, mut v_rest) = (y_plane, u_plane, v_plane);
    let mut outs = Vec::with_capacity(plan.strips.len());
    let count = plan.strips.len();
    for (i, strip) in plan.strips.iter().enumerate() {
        let last = i + 1 == count;
        let y0 = strip.first_row as usize * plan.luma_rows_per_mcu_row;
        let y1 = if last {
            yh
        } else {
            strip.end_row as usize * plan.luma_rows_per_mcu_row
        };
        let (c0, c1) = if last {
            (y0 / sub_h, ch)
        } else {
            (y0 / sub_h, y1 / sub_h)
        };
        let c_rows = if cw == 0 {
            0
        } else {
            c1.checked_sub(c0).ok_or_else(geometry)?
        };
        let y_rows = y1.checked_sub(y0).ok_or_else(geometry)?;
        let (y, yr) = y_rest
            .split_at_mut_checked(y_rows * yw)
            .ok_or_else(geometry)?;
        let (u, ur) = u_rest
            .split_at_mut_checked(c_rows * cw)
            .ok_or_else(geometry)?;
        let (v, vr) = v_rest
            .split_at_mut_checked(c_rows * cw)
            .ok_or_else(geometry)?;
        (y_rest, u_rest, v_rest) = (yr, ur, vr);
        outs.push(StripOut { y, u, v });
    }
    if !(y_rest.is_empty() && u_rest.is_empty() && v_rest.is_empty()) {
        return Err(geometry());
    }
    if let Some(spec) = &plan.split {
        return decode_split(jpeg, layout, plan, spec, outs);
    }
    plan.strips
        .par_iter()
        .zip(outs.into_par_iter())
        .enumerate()
        .try_for_each(|(index, (strip, out))| {
            let bytes = strip_jpeg(jpeg, layout, strip, index)?;
            decode_strip(&bytes, plan, strip, index, out, false)
        })
}

/// The headers of `jpeg` up to its scan's data, with the SOF's height set to `height`.
fn headers_with_height(
    jpeg: &[u8],
    layout: &Layout,
    height: usize,
    extra: usize,
) -> Result<Vec<u8>, StripError> {
    let geometry = || StripError::Geometry(usize::MAX);
    let prefix = jpeg.get(..layout.scan_start).ok_or_else(geometry)?;
    let height = u16::try_from(height).map_err(|_| geometry())?;
    let mut out = Vec::with_capacity(prefix.len() + extra);
    out.extend_from_slice(prefix);
    out.get_mut(layout.sof_height_at..layout.sof_height_at + 2)
        .ok_or_else(geometry)?
        .copy_from_slice(&height.to_be_bytes());
    Ok(out)
}

/// The first strip's JPEG of a file without restart markers: the whole file under a frame
/// of the strip's height.
fn first_strip_jpeg(jpeg: &[u8], layout: &Layout, first: &Strip) -> Result<Vec<u8>, StripError> {
    let mut bytes = headers_with_height(jpeg, layout, first.decode_height, jpeg.len())?;
    let scan = jpeg
        .get(layout.scan_start..)
        .ok_or(StripError::Geometry(usize::MAX))?;
    bytes.extend_from_slice(scan);
    Ok(bytes)
}

/// The second strip's JPEG of a file without restart markers (our scanner finds where its
/// rows start; its first MCU re-encoded), and the scanner's position there.
fn second_strip_jpeg(
    jpeg: &[u8],
    layout: &Layout,
    spec: &scan::ScanSpec,
    second: &Strip,
) -> Result<(Vec<u8>, scan::RowStart), StripError> {
    let geometry = || StripError::Geometry(usize::MAX);
    let data = jpeg
        .get(layout.scan_start..layout.scan_end)
        .ok_or_else(geometry)?;
    let start = scan::scan_to_row(spec, data, second.decode_first_row)?;
    let rest = jpeg.get(layout.scan_start..).ok_or_else(geometry)?;
    let entropy = scan::reencode_from(spec, rest, &start)?;
    let mut bytes = headers_with_height(jpeg, layout, second.decode_height, entropy.len())?;
    bytes.extend_from_slice(&entropy);
    Ok((bytes, start))
}

/// Whether `e` is exactly libjpeg-turbo's warning about the bytes left unread before the
/// EOI: what the first strip's decode of a file without restart markers reports when its
/// own rows decoded without warning (libjpeg reports only the first warning).
fn only_unread_tail(e: &turbojpeg::Error) -> bool {
    let turbojpeg::Error::TurboJpegError(message) = e else {
        return false;
    };
    message
        .strip_prefix("Corrupt JPEG data: ")
        .and_then(|m| m.strip_suffix(" extraneous bytes before marker 0xd9"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The two strips of a file without restart markers. The first is the whole file with
/// the SOF's height cut to its rows: libjpeg-turbo decodes them and skips the rest of the
/// scan, warning about it (and only about it, if its rows are sound). Meanwhile our
/// scanner finds where the second strip's rows start, and its JPEG is decoded.
fn decode_split(
    jpeg: &[u8],
    layout: &Layout,
    plan: &Plan,
    spec: &scan::ScanSpec,
    outs: Vec<StripOut<'_>>,
) -> Result<(), StripError> {
    let geometry = || StripError::Geometry(usize::MAX);
    let [first, second] = plan.strips.as_slice() else {
        return Err(geometry());
    };
    let mut outs = outs.into_iter();
    let (Some(out0), Some(out1)) = (outs.next(), outs.next()) else {
        return Err(geometry());
    };
    let (a, b) = rayon::join(
        || -> Result<(), StripError> {
            let bytes = first_strip_jpeg(jpeg, layout, first)?;
            decode_strip(&bytes, plan, first, 0, out0, true)
        },
        || -> Result<(), StripError> {
            let (bytes, start) = second_strip_jpeg(jpeg, layout, spec, second)?;
            let data = jpeg
                .get(layout.scan_start..layout.scan_end)
                .ok_or_else(geometry)?;
            // The rest of the scan is checked too (by the first worker once its strip is
            // done): libjpeg-turbo reads ahead differently in a strip and in the serial
            // decode, and whether it reports bytes after the last MCU depends on that.
            let (decoded, tail) = rayon::join(
                || decode_strip(&bytes, plan, second, 1, out1, false),
                || scan::scan_to_end(spec, data, &start, second.decode_first_row),
            );
            tail?;
            decoded
        },
    );
    a.and(b)
}

/// Decodes the strip's JPEG `bytes` and copies its own rows into `out`. With
/// `unread_tail_ok`, the warning [`only_unread_tail`] is no error.
fn decode_strip(
    bytes: &[u8],
    plan: &Plan,
    strip: &Strip,
    index: usize,
    out: StripOut<'_>,
    unread_tail_ok: bool,
) -> Result<(), StripError> {
    let geometry = || StripError::Geometry(index);
    let mut d = Decompressor::new()?;
    d.set_scaling_factor(plan.scale)?;
    let height = plan.scale.scale(strip.decode_height);
    let len = turbojpeg::yuv_pixels_len(plan.width, 1, height, plan.subsamp)?;
    let mut buf = vec![0u8; len];
    let yuv = YuvImage {
        pixels: buf.as_mut_slice(),
        width: plan.width,
        align: 1,
        height,
        subsamp: plan.subsamp,
    };
    let (yw, yh) = yuv.y_size();
    let (cw, ch) = if plan.subsamp == Subsamp::Gray {
        (0, 0)
    } else {
        yuv.uv_size()
    };
    match d.decompress_to_yuv(bytes, yuv) {
        Ok(()) => {}
        Err(e) if unread_tail_ok && only_unread_tail(&e) => {}
        Err(e) => return Err(e.into()),
    }
    // The strip's own rows, after those of the rows decoded before them.
    let skip_rows =
        (strip.first_row - strip.decode_first_row) as usize * plan.luma_rows_per_mcu_row;
    let (y_skip, c_skip) = (skip_rows * yw, skip_rows / plan.subsamp.height() * cw);
    let (y, rest) = buf.split_at_checked(yw * yh).ok_or_else(geometry)?;
    let (u, v) = rest.split_at_checked(cw * ch).ok_or_else(geometry)?;
    out.y
        .copy_from_slice(y.get(y_skip..y_skip + out.y.len()).ok_or_else(geometry)?);
    out.u
        .copy_from_slice(u.get(c_skip..c_skip + out.u.len()).ok_or_else(geometry)?);
    out.v
        .copy_from_slice(v.get(c_skip..c_skip + out.v.len()).ok_or_else(geometry)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layout whose restart intervals hold 4 bytes an MCU (and their RST marker).
    fn layout(width: u16, height: u16, mcu: (u16, u16), restart_interval: u16) -> Layout {
        let mut l = Layout {
            width,
            height,
            components: 3,
            mcu_width: mcu.0,
            mcu_height: mcu.1,
            restart_interval,
            sof_height_at: 0,
            scan_start: 0,
            scan_end: 0,
            restarts: Vec::new(),
        };
        let (n, interval) = (l.intervals() as usize, usize::from(restart_interval));
        l.restarts = (1..n).map(|i| i * interval * 4 - 2).collect();
        l.scan_end = (l.mcus_per_row() * l.mcu_rows()) as usize * 4;
        l
    }

    #[test]
    fn cuts_at_row_starts_with_one_more_group_decoded() {
        // 5120x2880 4:2:0, one row per interval (jpegtran -restart 1): 320 MCUs a row,
        // 180 rows.
        let l = layout(5120, 2880, (16, 16), 320);
        let s = cut(&l, 2).unwrap();
        assert_eq!(
            s,
            vec![
                Strip {
                    first_row: 0,
                    end_row: 90,
                    decode_first_row: 0,
                    decode_first_interval: 0,
                    decode_end_interval: 91,
                    decode_height: 91 * 16,
                },
                Strip {
                    first_row: 90,
                    end_row: 180,
                    decode_first_row: 89,
                    decode_first_interval: 89,
                    decode_end_interval: 180,
                    decode_height: 91 * 16,
                },
            ]
        );
        // Intervals of 3 rows on 10 rows (last interval 1 row), height not a multiple of
        // the MCU: cuts on multiples of 3 rows.
        let l = layout(64, 150, (8, 16), 8 * 3);
        let s = cut(&l, 3).unwrap();
        let rows: Vec<_> = s.iter().map(|s| (s.first_row, s.end_row)).collect();
        assert_eq!(rows, vec![(0, 3), (3, 6), (6, 10)]);
        assert_eq!(s[0].decode_end_interval, 2);
        assert_eq!(s[0].decode_height, 6 * 16);
        assert_eq!((s[2].decode_first_row, s[2].decode_first_interval), (3, 1));
        assert_eq!(s[2].decode_end_interval, 4);
        assert_eq!(s[2].decode_height, 150 - 48);
        // Intervals of 5 MCUs, 4 MCUs a row: a row starts an interval every 5 rows.
        let l = layout(32, 80, (8, 8), 5);
        let s = cut(&l, 2).unwrap();
        let rows: Vec<_> = s.iter().map(|s| (s.first_row, s.end_row)).collect();
        assert_eq!(rows, vec![(0, 5), (5, 10)]);
        assert_eq!(
            (s[0].decode_end_interval, s[1].decode_first_interval),
            (8, 0)
        );
        // One row step covers the image: no cut.
        assert_eq!(cut(&layout(32, 40, (8, 8), 5), 2), Err(SerialReason::NoCut));
        // Cuts balance bytes, not rows: 5 rows of 10 bytes, then 5 of 100.
        let mut l = layout(8, 80, (8, 8), 1);
        let mut at = 0;
        l.restarts = (0..9)
            .map(|row| {
                at += if row < 5 { 10 } else { 100 };
                at += 2;
                at - 2
            })
            .collect();
        l.scan_end = at + 100;
        let rows: Vec<_> = cut(&l, 2)
            .unwrap()
            .iter()
            .map(|s| (s.first_row, s.end_row))
            .collect();
        assert_eq!(rows, vec![(0, 7), (7, 10)]);
        // More strips wanted than rows: one per row.
        assert_eq!(cut(&layout(8, 24, (8, 8), 1), 8).unwrap().len(), 3);
    }
}
