//! Baseline JPEGs without restart markers from two encoders (libjpeg-turbo's and the
//! jpeg-encoder crate's), for the split and the speculative decode's property tests.
#![allow(dead_code)] // each test file uses the part it needs

use ci_jpeg::{DecodePath, Options};
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use proptest::prelude::*;
use turbojpeg::Subsamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampling {
    Grey,
    S444,
    S422,
    S420,
    S440,
}

#[derive(Debug, Clone, Copy)]
pub enum Coder {
    /// libjpeg-turbo's encoder (`tj3Compress8`).
    Turbo,
    /// The jpeg-encoder crate.
    JpegEncoder,
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub width: u16,
    pub height: u16,
    pub sampling: Sampling,
    pub quality: u8,
    pub coder: Coder,
    /// 0: smooth gradient; 1: noise; 2: noise over a gradient.
    pub pattern: u8,
    pub seed: u64,
}

pub fn pixels(spec: &Spec) -> Vec<u8> {
    let (w, h) = (usize::from(spec.width), usize::from(spec.height));
    let mut state = spec.seed | 1;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as u8
    };
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let gradient = ((x * 255 / w) + (y * 255 / h) * (c + 1)) as u8;
                out.push(match spec.pattern {
                    0 => gradient,
                    1 => noise(),
                    _ => gradient.wrapping_add(noise() >> 3),
                });
            }
        }
    }
    out
}

/// A baseline JPEG without restart markers.
pub fn encode(spec: &Spec) -> Vec<u8> {
    let rgb = pixels(spec);
    match spec.coder {
        Coder::Turbo => {
            let image = turbojpeg::Image {
                pixels: rgb.as_slice(),
                width: usize::from(spec.width),
                pitch: usize::from(spec.width) * 3,
                height: usize::from(spec.height),
                format: turbojpeg::PixelFormat::RGB,
            };
            let subsamp = match spec.sampling {
                Sampling::Grey => Subsamp::Gray,
                Sampling::S444 => Subsamp::None,
                Sampling::S422 => Subsamp::Sub2x1,
                Sampling::S420 => Subsamp::Sub2x2,
                Sampling::S440 => Subsamp::Sub1x2,
            };
            turbojpeg::compress(image, i32::from(spec.quality), subsamp)
                .expect("encodes")
                .to_vec()
        }
        Coder::JpegEncoder => {
            let mut out = Vec::new();
            let mut enc = Encoder::new(&mut out, spec.quality);
            let (data, color) = match spec.sampling {
                Sampling::Grey => (rgb.iter().step_by(3).copied().collect(), ColorType::Luma),
                s => {
                    enc.set_sampling_factor(match s {
                        Sampling::S444 => SamplingFactor::R_4_4_4,
                        Sampling::S422 => SamplingFactor::R_4_2_2,
                        Sampling::S420 => SamplingFactor::R_4_2_0,
                        _ => SamplingFactor::R_4_4_0,
                    });
                    (rgb, ColorType::Rgb)
                }
            };
            enc.encode(&data, spec.width, spec.height, color)
                .expect("encodes");
            out
        }
    }
}

/// MCU rows of the file's frame.
pub fn mcu_rows(spec: &Spec) -> u64 {
    let mcu_height = match spec.sampling {
        Sampling::S420 | Sampling::S440 => 16,
        _ => 8,
    };
    u64::from(spec.height).div_ceil(mcu_height)
}

/// Decoded planes (all bytes), or the error's text.
pub type Decoded = Result<Vec<u8>, String>;

/// [`super::decode_planes`]: the planes or the error's text, and the path.
pub fn decode(
    jpeg: &[u8],
    denom: usize,
    options: Option<&Options>,
) -> Option<(Decoded, DecodePath)> {
    let d = super::decode_planes(jpeg, denom, options)?;
    Some((d.result, d.path))
}

pub fn spec_strategy(max_side: u16) -> impl Strategy<Value = Spec> {
    (
        (1..=max_side, 1..=max_side),
        prop_oneof![
            Just(Sampling::Grey),
            Just(Sampling::S444),
            Just(Sampling::S422),
            Just(Sampling::S420),
            Just(Sampling::S440)
        ],
        1u8..=100,
        prop_oneof![Just(Coder::Turbo), Just(Coder::JpegEncoder)],
        0u8..3,
        any::<u64>(),
    )
        .prop_map(
            |((width, height), sampling, quality, coder, pattern, seed)| Spec {
                width,
                height,
                sampling,
                quality,
                coder,
                pattern,
                seed,
            },
        )
}
