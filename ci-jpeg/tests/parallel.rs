//! The parallel decode against libjpeg-turbo's serial `decompress_to_yuv`: byte-identical
//! planes on generated JPEGs (sizes, qualities, subsamplings, restart intervals in rows
//! and in MCUs, all four scales), the same result or error on corrupted ones, and the
//! documented fall-backs.

mod common;

use ci_jpeg::{
    decompress_to_yuv, decompress_to_yuv_with, parse_layout, DecodePath, LayoutError, Options,
    SerialReason,
};
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use proptest::prelude::*;
use turbojpeg::{Decompressor, ScalingFactor, Subsamp, YuvImage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sampling {
    Grey,
    S444,
    S422,
    S420,
    S440,
}

impl Sampling {
    /// MCU size in pixels.
    fn mcu(self) -> (u16, u16) {
        match self {
            Sampling::Grey | Sampling::S444 => (8, 8),
            Sampling::S422 => (16, 8),
            Sampling::S420 => (16, 16),
            Sampling::S440 => (8, 16),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Restart {
    /// Every this many MCU rows (libjpeg's `-restart N`).
    Rows(u16),
    /// Every this many MCUs (`-restart NB`).
    Mcus(u16),
}

#[derive(Debug, Clone, Copy)]
enum Pattern {
    Gradient,
    Noise,
    /// Noise over a gradient: long and short codes mixed.
    Mixed,
}

#[derive(Debug, Clone)]
struct Spec {
    width: u16,
    height: u16,
    sampling: Sampling,
    quality: u8,
    restart: Restart,
    pattern: Pattern,
    seed: u64,
}

fn pixels(spec: &Spec, channels: usize) -> Vec<u8> {
    let (w, h) = (usize::from(spec.width), usize::from(spec.height));
    let mut state = spec.seed | 1;
    let mut noise = move || {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as u8
    };
    let mut out = Vec::with_capacity(w * h * channels);
    for y in 0..h {
        for x in 0..w {
            for c in 0..channels {
                let gradient = ((x * 255 / w.max(1)) + (y * 255 / h.max(1)) * (c + 1)) as u8;
                out.push(match spec.pattern {
                    Pattern::Gradient => gradient,
                    Pattern::Noise => noise(),
                    Pattern::Mixed => gradient.wrapping_add(noise() >> 3),
                });
            }
        }
    }
    out
}

fn restart_interval(spec: &Spec) -> u16 {
    let mcus_per_row = spec.width.div_ceil(spec.sampling.mcu().0);
    match spec.restart {
        Restart::Rows(n) => (u32::from(n) * u32::from(mcus_per_row)).min(65535) as u16,
        Restart::Mcus(n) => n,
    }
}

fn encode(spec: &Spec) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, spec.quality);
    enc.set_restart_interval(restart_interval(spec));
    let (color, channels) = match spec.sampling {
        Sampling::Grey => (ColorType::Luma, 1),
        s => {
            enc.set_sampling_factor(match s {
                Sampling::S444 => SamplingFactor::R_4_4_4,
                Sampling::S422 => SamplingFactor::R_4_2_2,
                Sampling::S420 => SamplingFactor::R_4_2_0,
                _ => SamplingFactor::R_4_4_0,
            });
            (ColorType::Rgb, 3)
        }
    };
    enc.encode(&pixels(spec, channels), spec.width, spec.height, color)
        .expect("encodes");
    out
}

/// Decoded planes. libjpeg-turbo pads the Y plane of a scaled image whose last MCU row is
/// partial with rows of its reused row buffer; in an image of one MCU row (never split)
/// they are uninitialised memory, different from one serial decode to the next. Such
/// planes compare on the image's own rows and columns only; all others byte for byte.
#[derive(Debug, Clone)]
struct Planes {
    all: Vec<u8>,
    image_area: Vec<u8>,
    one_mcu_row: bool,
}

impl PartialEq for Planes {
    fn eq(&self, other: &Planes) -> bool {
        self.image_area == other.image_area
            && (self.one_mcu_row || other.one_mcu_row || self.all == other.all)
    }
}

/// What a decode gave: the planes, or the error's text.
type Decoded = Result<Planes, String>;

/// The image's own samples, without the planes' padding rows and columns.
fn image_area(px: &[u8], yuv: &YuvImage<()>) -> Vec<u8> {
    let (yw, yh) = yuv.y_size();
    let mut out = Vec::new();
    let mut take = |plane: &[u8], stride: usize, w: usize, h: usize| {
        for row in plane.chunks_exact(stride.max(1)).take(h) {
            out.extend_from_slice(&row[..w]);
        }
    };
    take(&px[..yw * yh], yw, yuv.width, yuv.height);
    if yuv.subsamp != Subsamp::Gray {
        let (cw, ch) = yuv.uv_size();
        let (sw, sh) = yuv.subsamp.size();
        let (w, h) = (yuv.width.div_ceil(sw), yuv.height.div_ceil(sh));
        take(&px[yw * yh..yw * yh + cw * ch], cw, w, h);
        take(&px[yw * yh + cw * ch..], cw, w, h);
    }
    out
}

/// [`common::decode_planes`], with the planes compared as [`Planes`] does.
fn decode(jpeg: &[u8], denom: usize, options: Option<&Options>) -> Option<(Decoded, DecodePath)> {
    let d = common::decode_planes(jpeg, denom, options)?;
    let one_mcu_row = d.header.height <= d.header.subsamp.mcu_height();
    let planes = d.result.map(|px| Planes {
        image_area: image_area(&px, &d.shape),
        one_mcu_row,
        all: px,
    });
    Some((planes, d.path))
}

/// Whether the file has a restart interval that starts an MCU row before the last row.
fn has_cut(jpeg: &[u8]) -> bool {
    let Ok(l) = parse_layout(jpeg) else {
        return false;
    };
    let (mpr, ri) = (l.mcus_per_row(), u64::from(l.restart_interval));
    let (mut a, mut b) = (mpr, ri);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    ri / a < l.mcu_rows()
}

fn options(strips: usize) -> Options {
    Options {
        min_pixels: 0,
        strips,
        split: true,
        split_permille: 0,
        speculative: false,
    }
}

fn spec_strategy(max_side: u16) -> impl Strategy<Value = Spec> {
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
        prop_oneof![
            3 => (1u16..=3).prop_map(Restart::Rows),
            2 => (1u16..=40).prop_map(Restart::Mcus),
        ],
        prop_oneof![
            Just(Pattern::Gradient),
            Just(Pattern::Noise),
            Just(Pattern::Mixed)
        ],
        any::<u64>(),
    )
        .prop_map(
            |((width, height), sampling, quality, restart, pattern, seed)| Spec {
                width,
                height,
                sampling,
                quality,
                restart,
                pattern,
                seed,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Valid files: the same planes, byte for byte, and the parallel path taken wherever
    /// the file has a cut.
    #[test]
    fn parallel_equals_serial(
        spec in spec_strategy(160),
        denom in prop_oneof![Just(1usize), Just(2), Just(4), Just(8)],
        strips in 2usize..=5,
    ) {
        let jpeg = encode(&spec);
        let (serial, _) = decode(&jpeg, denom, None).unwrap();
        let (parallel, path) = decode(&jpeg, denom, Some(&options(strips))).unwrap();
        prop_assert!(serial.is_ok(), "serial decode of a generated file: {:?}", serial);
        prop_assert_eq!(&parallel, &serial);
        if has_cut(&jpeg) {
            prop_assert!(matches!(path, DecodePath::Parallel { strips: 2.. }), "{:?}", path);
        } else {
            prop_assert_eq!(path, DecodePath::Serial(SerialReason::NoCut));
        }
    }

    /// Corrupted files (byte flips, mostly in the entropy-coded data, and truncations):
    /// the serial decode's result, planes or error; never a panic.
    #[test]
    fn corrupted_gives_serial_result(
        spec in spec_strategy(96),
        denom in prop_oneof![Just(1usize), Just(2), Just(4), Just(8)],
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 0..4),
        cut_at in proptest::option::of(any::<prop::sample::Index>()),
        tail_bias in any::<bool>(),
    ) {
        let mut jpeg = encode(&spec);
        let len = jpeg.len();
        for (at, xor) in &flips {
            // Half of the flips land in the last third, where the entropy-coded data is.
            let i = if tail_bias { len - 1 - at.index(len / 3) } else { at.index(len) };
            jpeg[i] ^= xor;
        }
        if let Some(at) = cut_at {
            jpeg.truncate(at.index(len));
        }
        let serial = decode(&jpeg, denom, None).map(|(r, _)| r);
        let parallel = decode(&jpeg, denom, Some(&options(3))).map(|(r, _)| r);
        prop_assert_eq!(parallel, serial);
    }
}

fn spec(width: u16, height: u16, sampling: Sampling, restart: Restart) -> Spec {
    Spec {
        width,
        height,
        sampling,
        quality: 85,
        restart,
        pattern: Pattern::Mixed,
        seed: 7,
    }
}

#[test]
fn splits_a_420_photo_sized_file_in_two() {
    let jpeg = encode(&spec(1000, 700, Sampling::S420, Restart::Rows(1)));
    for denom in [1, 2, 4, 8] {
        let (serial, _) = decode(&jpeg, denom, None).unwrap();
        let (parallel, path) = decode(&jpeg, denom, Some(&options(2))).unwrap();
        assert_eq!(path, DecodePath::Parallel { strips: 2 }, "1/{denom}");
        assert!(serial.is_ok());
        assert_eq!(parallel, serial, "1/{denom}");
    }
    // 1000x700 = 700,000 pixels: under the default threshold.
    let mut d = Decompressor::new().unwrap();
    let h = d.read_header(&jpeg).unwrap();
    let mut px = vec![0u8; turbojpeg::yuv_pixels_len(h.width, 1, h.height, h.subsamp).unwrap()];
    let yuv = YuvImage {
        pixels: px.as_mut_slice(),
        width: h.width,
        align: 1,
        height: h.height,
        subsamp: h.subsamp,
    };
    assert_eq!(
        decompress_to_yuv(&mut d, &jpeg, yuv).unwrap(),
        DecodePath::Serial(SerialReason::Small {
            pixels: 700_000,
            min: 1 << 20
        })
    );
}

/// The reason a file goes serial, with the output still the serial decode's.
fn serial_reason(jpeg: &[u8], denom: usize) -> SerialReason {
    let (serial, _) = decode(jpeg, denom, None).expect("header readable");
    let (parallel, path) = decode(jpeg, denom, Some(&options(2))).unwrap();
    assert_eq!(parallel, serial);
    match path {
        DecodePath::Serial(reason) => reason,
        other => panic!("expected the serial path, got {other:?}"),
    }
}

#[test]
fn falls_back_where_it_cannot_split() {
    // No restart markers (libjpeg-turbo's encoder writes none by default).
    let rgb = pixels(&spec(64, 64, Sampling::S420, Restart::Rows(1)), 3);
    let image = turbojpeg::Image {
        pixels: rgb.as_slice(),
        width: 64,
        pitch: 64 * 3,
        height: 64,
        format: turbojpeg::PixelFormat::RGB,
    };
    let plain = turbojpeg::compress(image, 80, Subsamp::Sub2x2).unwrap();
    assert_eq!(parse_layout(&plain), Err(LayoutError::NoRestartInterval));
    // Serial unless the split is asked for.
    let off = Options {
        split: false,
        ..options(2)
    };
    let (_, path) = decode(&plain, 2, Some(&off)).unwrap();
    assert_eq!(
        path,
        DecodePath::Serial(SerialReason::Layout(LayoutError::NoRestartInterval))
    );
    assert!(!Options::default().split);
    // With it, such files are split in two (tests/split.rs), given four MCU rows or more.
    let (_, path) = decode(&plain, 2, Some(&options(2))).unwrap();
    assert_eq!(path, DecodePath::Split { first_rows: 2 });
    let short = turbojpeg::Image {
        height: 48,
        ..image
    };
    let plain = turbojpeg::compress(short, 80, Subsamp::Sub2x2).unwrap();
    assert_eq!(serial_reason(&plain, 2), SerialReason::FewRows(3));
    // Progressive with restart markers.
    let mut progressive = Vec::new();
    let mut enc = Encoder::new(&mut progressive, 80);
    enc.set_progressive(true);
    enc.set_restart_interval(4);
    enc.encode(&rgb, 64, 64, ColorType::Rgb).unwrap();
    assert_eq!(serial_reason(&progressive, 4), SerialReason::NotBaseline);
    // One interval holds several rows, and there are not more than that: no cut.
    let one = encode(&spec(64, 40, Sampling::S444, Restart::Rows(5)));
    assert_eq!(serial_reason(&one, 1), SerialReason::NoCut);
    // Intervals of 3 MCUs on 8-MCU rows: rows start an interval every 3 rows only.
    let odd = encode(&spec(64, 24, Sampling::S444, Restart::Mcus(3)));
    assert_eq!(serial_reason(&odd, 8), SerialReason::NoCut);
    let odd = encode(&spec(64, 32, Sampling::S444, Restart::Mcus(3)));
    let (_, path) = decode(&odd, 8, Some(&options(2))).unwrap();
    assert_eq!(path, DecodePath::Parallel { strips: 2 });
    // CMYK: libjpeg-turbo has no YCbCr planes for it; the parser refuses it too.
    let mut cmyk = Vec::new();
    let mut enc = Encoder::new(&mut cmyk, 80);
    enc.set_restart_interval(8);
    enc.encode(&[90u8; 64 * 64 * 4], 64, 64, ColorType::Cmyk)
        .unwrap();
    assert!(matches!(
        parse_layout(&cmyk),
        Err(LayoutError::Unsupported { marker: 0xC0, .. })
    ));
}

#[test]
fn padded_rows_and_odd_scales_go_serial() {
    let jpeg = encode(&spec(100, 64, Sampling::S420, Restart::Rows(1)));
    let mut d = Decompressor::new().unwrap();
    let h = d.read_header(&jpeg).unwrap();
    let mut px = vec![0u8; turbojpeg::yuv_pixels_len(h.width, 4, h.height, h.subsamp).unwrap()];
    let mut serial = px.clone();
    let yuv = |pixels| YuvImage {
        pixels,
        width: h.width,
        align: 4,
        height: h.height,
        subsamp: h.subsamp,
    };
    let path = decompress_to_yuv_with(&mut d, &jpeg, yuv(px.as_mut_slice()), &options(2));
    assert_eq!(path.unwrap(), DecodePath::Serial(SerialReason::Align(4)));
    d.decompress_to_yuv(&jpeg, yuv(serial.as_mut_slice()))
        .unwrap();
    assert_eq!(px, serial);

    let three_quarters = ScalingFactor::new(3, 4);
    d.set_scaling_factor(three_quarters).unwrap();
    let s = h.scaled(three_quarters);
    let mut px = vec![0u8; turbojpeg::yuv_pixels_len(s.width, 1, s.height, h.subsamp).unwrap()];
    let yuv = YuvImage {
        pixels: px.as_mut_slice(),
        width: s.width,
        align: 1,
        height: s.height,
        subsamp: h.subsamp,
    };
    let path = decompress_to_yuv_with(&mut d, &jpeg, yuv, &options(2)).unwrap();
    assert_eq!(
        path,
        DecodePath::Serial(SerialReason::Scale { num: 3, denom: 4 })
    );
}

/// A strip that fails sends the image to the serial decode, which reports its error.
#[test]
fn a_corrupt_strip_gives_the_serial_error() {
    let mut jpeg = encode(&spec(256, 256, Sampling::S420, Restart::Rows(1)));
    let l = parse_layout(&jpeg).unwrap();
    assert_eq!(l.intervals(), 16);
    // Garbage bytes in the middle of the data: the decoders hit them and warn.
    let at = jpeg.len() - jpeg.len() / 4;
    for b in &mut jpeg[at..at + 8] {
        *b = 0x5A;
    }
    let (serial, _) = decode(&jpeg, 1, None).unwrap();
    let (parallel, _) = decode(&jpeg, 1, Some(&options(4))).unwrap();
    let err = serial.clone().unwrap_err();
    assert!(err.contains("Corrupt JPEG data"), "{err}");
    assert_eq!(parallel, serial);
}

/// libjpeg-turbo counts an interval's unused bytes when it processes the next RST but
/// reports them only at the next marker it has to search for, possibly intervals later:
/// here a flip in the fourth of eight intervals surfaces as a warning at the EOI. The
/// strip holding that interval must report it too (it ends with RST + EOI for that).
#[test]
fn unused_bytes_reported_later_still_fall_back() {
    let mut s = spec(80, 61, Sampling::Grey, Restart::Rows(1));
    (s.quality, s.pattern) = (51, Pattern::Gradient);
    let mut jpeg = encode(&s);
    let l = parse_layout(&jpeg).unwrap();
    assert_eq!((jpeg.len(), l.intervals()), (1002, 8));
    // In the fourth interval (bytes 629..696) and in the last (943..1000).
    jpeg[683] ^= 185;
    jpeg[963] ^= 210;
    let (serial, _) = decode(&jpeg, 1, None).unwrap();
    let (parallel, _) = decode(&jpeg, 1, Some(&options(3))).unwrap();
    assert_eq!(
        serial.clone().unwrap_err(),
        "TurboJPEG error: Corrupt JPEG data: 3 extraneous bytes before marker 0xd9"
    );
    assert_eq!(parallel, serial);
}

/// Files written by libjpeg-turbo's own encoder (jpegtran, see `tests/fixtures/README.md`),
/// as cameras write them: split at every scale and strip count, and the serial decode's
/// result for a byte flipped anywhere in the entropy-coded data.
#[test]
fn libjpeg_turbo_restart_files() {
    let files: [(&str, &[u8]); 3] = [
        (
            "photo-restart-1row",
            include_bytes!("fixtures/photo-restart-1row.jpg"),
        ),
        (
            "photo-restart-5mcu",
            include_bytes!("fixtures/photo-restart-5mcu.jpg"),
        ),
        (
            "gray-restart-2rows",
            include_bytes!("fixtures/gray-restart-2rows.jpg"),
        ),
    ];
    for (name, jpeg) in files {
        let l = parse_layout(jpeg).unwrap();
        assert_eq!((l.width, l.height), (640, 400), "{name}");
        for denom in [1, 2, 4, 8] {
            let (serial, _) = decode(jpeg, denom, None).unwrap();
            assert!(serial.is_ok(), "{name}");
            for strips in [2, 3, 4] {
                let (parallel, path) = decode(jpeg, denom, Some(&options(strips))).unwrap();
                assert_eq!(path, DecodePath::Parallel { strips }, "{name} 1/{denom}");
                assert_eq!(parallel, serial, "{name} 1/{denom} {strips} strips");
            }
        }
        let data = jpeg.len() - 2; // before the EOI
        let start = jpeg.len() / 20; // past the headers (DQT, DHT: about 600 bytes)
        let mut errors = 0;
        for k in 0..100 {
            let mut bad = jpeg.to_vec();
            let at = start + k * (data - start) / 100;
            bad[at] ^= 0x24;
            let (serial, _) = decode(&bad, 4, None).unwrap();
            let (parallel, _) = decode(&bad, 4, Some(&options(3))).unwrap();
            errors += usize::from(serial.is_err());
            assert_eq!(parallel, serial, "{name}: byte {at} flipped");
        }
        // Both outcomes exercised: flips that make libjpeg-turbo warn, and flips it decodes
        // silently into other samples.
        assert!(
            (10..90).contains(&errors),
            "{name}: {errors} of 100 flips warned"
        );
    }
}
