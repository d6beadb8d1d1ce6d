//! Shared by the test files: one decode to packed planes, serially or through ci-jpeg;
//! generated files without restart markers (`plain`).

pub mod plain;

use ci_jpeg::{decompress_to_yuv_with, DecodePath, Options, SerialReason};
use turbojpeg::{DecompressHeader, Decompressor, ScalingFactor, YuvImage};

/// What [`decode_planes`] gave.
#[allow(dead_code)] // each test file reads the fields it needs
pub struct PlaneDecode {
    /// The planes (all bytes, padding included), or the error's text.
    pub result: Result<Vec<u8>, String>,
    /// The path taken (`Serial(OneStrip)` for the plain serial decode and for errors).
    pub path: DecodePath,
    /// The file's header (unscaled).
    pub header: DecompressHeader,
    /// The planes' shape at the scale.
    pub shape: YuvImage<()>,
}

/// Decodes `jpeg` at 1/`denom` into packed planes pre-filled with 0xA5, serially (`None`)
/// or with `options`; `None` when the header is unreadable or the image over 4 MP (both
/// paths read the header the same way first, as ci-core does).
pub fn decode_planes(jpeg: &[u8], denom: usize, options: Option<&Options>) -> Option<PlaneDecode> {
    let scale = ScalingFactor::new(1, denom);
    let mut d = Decompressor::new().unwrap();
    d.set_scaling_factor(scale).unwrap();
    let header = d.read_header(jpeg).ok()?;
    if header.width * header.height > 1 << 22 {
        return None;
    }
    let s = header.scaled(scale);
    let len = turbojpeg::yuv_pixels_len(s.width, 1, s.height, header.subsamp).ok()?;
    let mut px = vec![0xA5u8; len];
    let shape = YuvImage {
        pixels: (),
        width: s.width,
        align: 1,
        height: s.height,
        subsamp: header.subsamp,
    };
    let yuv = YuvImage {
        pixels: px.as_mut_slice(),
        width: s.width,
        align: 1,
        height: s.height,
        subsamp: header.subsamp,
    };
    let (res, path) = match options {
        None => (
            d.decompress_to_yuv(jpeg, yuv),
            DecodePath::Serial(SerialReason::OneStrip),
        ),
        Some(o) => match decompress_to_yuv_with(&mut d, jpeg, yuv, o) {
            Ok(path) => (Ok(()), path),
            Err(e) => (Err(e), DecodePath::Serial(SerialReason::OneStrip)),
        },
    };
    Some(PlaneDecode {
        result: res.map_err(|e| e.to_string()).map(|()| px),
        path,
        header,
        shape,
    })
}
