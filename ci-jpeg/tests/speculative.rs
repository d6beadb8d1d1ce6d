//! Files without restart markers at 1/8 (`DecodePath::Speculative`): our own DC-only
//! decode, split speculatively, gives planes byte-identical to libjpeg-turbo's serial
//! `decompress_to_yuv` on files from two encoders (all qualities, the five samplings,
//! sizes with partial last MCU rows and columns, the second worker starting anywhere),
//! and the serial decode's result, planes or error, on corrupted and truncated files.

mod common;

use ci_jpeg::{DecodePath, Options};
use proptest::prelude::*;

use common::plain::*;

fn options(permille: u16) -> Options {
    Options {
        min_pixels: 0,
        strips: 2,
        split: false,
        split_permille: permille,
        speculative: true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Valid files: the same planes, byte for byte, padding included, and our path taken
    /// for every image of two MCU rows or more.
    #[test]
    fn speculative_equals_serial(
        spec in spec_strategy(160),
        denom in prop_oneof![Just(4usize), Just(8)],
        permille in prop_oneof![Just(0u16), 1u16..=1000],
    ) {
        let jpeg = encode(&spec);
        let (serial, _) = decode(&jpeg, denom, None).unwrap();
        prop_assert!(serial.is_ok(), "serial decode of a generated file: {:?}", serial);
        let (ours, path) = decode(&jpeg, denom, Some(&options(permille))).unwrap();
        if mcu_rows(&spec) >= 2 {
            prop_assert!(matches!(path, DecodePath::Speculative { .. }), "{:?}", path);
            prop_assert!(ours == serial, "planes differ: {:?}", path);
        } else {
            prop_assert_eq!(ours.is_ok(), serial.is_ok());
        }
    }

    /// A real photograph (the corpus's photo.jpg, 640x400 4:2:0, optimised Huffman tables)
    /// with bytes flipped anywhere in its scan, near its middle (where the second worker
    /// starts) or in its last bytes, and truncated: the serial decode's result.
    #[test]
    fn corrupted_photograph_gives_serial_result(
        denom in prop_oneof![Just(4usize), Just(8)],
        flips in proptest::collection::vec((0u8..3, any::<prop::sample::Index>(), 1u8..=255), 1..4),
        cut_at in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus/photo.jpg");
        let mut jpeg = std::fs::read(path).unwrap();
        let len = jpeg.len();
        let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let start = sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]));
        let data = len - 2 - start;
        for (region, at, xor) in &flips {
            let i = match region {
                0 => start + at.index(data),
                1 => start + data / 2 - 64 + at.index(128),
                _ => len - 2 - 1 - at.index(16),
            };
            jpeg[i] ^= xor;
        }
        if let Some(at) = cut_at {
            jpeg.truncate(start + at.index(data + 2));
        }
        let serial = decode(&jpeg, denom, None).map(|(r, _)| r);
        let ours = decode(&jpeg, denom, Some(&options(0))).map(|(r, _)| r);
        prop_assert_eq!(ours, serial);
    }

    /// Corrupted files: byte flips anywhere in the scan (and the headers), truncations:
    /// the serial decode's result, planes or error.
    #[test]
    fn corrupted_gives_serial_result(
        spec in spec_strategy(128),
        denom in prop_oneof![Just(4usize), Just(8)],
        permille in prop_oneof![Just(0u16), 1u16..=1000],
        flips in proptest::collection::vec((0u8..3, any::<prop::sample::Index>(), 1u8..=255), 0..4),
        cut_at in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut jpeg = encode(&spec);
        let len = jpeg.len();
        let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let start = sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]));
        let data = len - 2 - start;
        let mid = start + data / 2;
        for (region, at, xor) in &flips {
            let i = match region {
                0 => start + at.index(data.max(1)),
                1 => (mid + at.index(64)).saturating_sub(32),
                _ => at.index(len),
            };
            jpeg[i.min(len - 1)] ^= xor;
        }
        if let Some(at) = cut_at {
            jpeg.truncate(at.index(len));
        }
        let serial = decode(&jpeg, denom, None).map(|(r, _)| r);
        let ours = decode(&jpeg, denom, Some(&options(permille))).map(|(r, _)| r);
        if mcu_rows(&spec) >= 2 {
            prop_assert_eq!(ours, serial);
        } else {
            prop_assert_eq!(ours.map(|r| r.is_ok()), serial.map(|r| r.is_ok()));
        }
    }
}

/// Blocks in the scan of a 3-component file of `spec`'s sampling (grey: one a block).
fn total_blocks(spec: &Spec) -> u64 {
    let (mw, mh, nb) = match spec.sampling {
        Sampling::Grey => (8, 8, 1),
        Sampling::S444 => (8, 8, 3),
        Sampling::S422 => (16, 8, 4),
        Sampling::S420 => (16, 16, 6),
        Sampling::S440 => (8, 16, 4),
    };
    u64::from(spec.width).div_ceil(mw) * u64::from(spec.height).div_ceil(mh) * nb
}

fn spec(width: u16, height: u16, sampling: Sampling, coder: Coder, quality: u8) -> Spec {
    Spec {
        width,
        height,
        sampling,
        quality,
        coder,
        pattern: 2,
        seed: 7,
    }
}

/// The two workers meet (the first stops well before the end) on photo-like files of
/// every sampling, both encoders, low and high quality; planes identical.
#[test]
fn workers_meet_in_the_middle() {
    let samplings = [
        Sampling::Grey,
        Sampling::S444,
        Sampling::S422,
        Sampling::S420,
        Sampling::S440,
    ];
    for sampling in samplings {
        for coder in [Coder::Turbo, Coder::JpegEncoder] {
            for quality in [10, 75, 100] {
                let s = spec(600, 333, sampling, coder, quality);
                let jpeg = encode(&s);
                for denom in [4, 8] {
                    let (serial, _) = decode(&jpeg, denom, None).unwrap();
                    let (ours, path) = decode(&jpeg, denom, Some(&options(0))).unwrap();
                    assert!(ours == serial, "{s:?} 1/{denom}: planes differ");
                    let total = total_blocks(&s);
                    let DecodePath::Speculative { first_blocks } = path else {
                        panic!("{s:?}: {path:?}");
                    };
                    // Balanced: the first worker stops near the middle.
                    assert!(
                        first_blocks > total / 4 && first_blocks < total * 3 / 4,
                        "{s:?}: met at block {first_blocks} of {total}"
                    );
                }
            }
        }
    }
}

/// Real photographs of the project's corpus (no restart markers): the serial decode's
/// planes, the workers meeting; the grey one too.
#[test]
fn real_photographs() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus/");
    // (file, blocks: 640x400 4:2:0 is 40x25 MCUs of 6 blocks; grey 80x50 blocks)
    for (file, total) in [
        ("photo.jpg", 6000u64),
        ("gray.jpg", 4000),
        ("exif-camera.jpg", 0),
        ("orient-1.jpg", 0),
        ("subject-plain-bg.jpg", 0),
    ] {
        let jpeg = std::fs::read(format!("{dir}{file}")).unwrap();
        for (denom, permille) in [(8, 0), (8, 300), (8, 700), (4, 0), (4, 600)] {
            let (serial, _) = decode(&jpeg, denom, None).unwrap();
            assert!(serial.is_ok(), "{file}");
            let (ours, path) = decode(&jpeg, denom, Some(&options(permille))).unwrap();
            assert!(ours == serial, "{file} {permille}: planes differ");
            let DecodePath::Speculative { first_blocks } = path else {
                panic!("{file}: {path:?}");
            };
            if total > 0 {
                assert!(first_blocks < total, "{file} {permille}: never met");
                if permille == 0 {
                    assert!(
                        first_blocks > total / 4 && first_blocks < total * 3 / 4,
                        "{file}: met at {first_blocks} of {total}"
                    );
                }
            }
        }
    }
}

/// Streams that are no photograph: all-zero bits (every block 64 one-bit coefficients,
/// never an end of block), repeated patterns, data ending early: the serial decode's
/// result, in linear time.
#[test]
fn adversarial_streams_match_serial() {
    let base = encode(&spec(512, 512, Sampling::S420, Coder::Turbo, 85));
    let sos = base.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let start = sos + 14;
    for fill in [0x00u8, 0x55, 0xFE, 0x7F, 0xAA] {
        for len in [10usize, 1000, 300_000] {
            let mut jpeg = base[..start].to_vec();
            jpeg.extend(std::iter::repeat_n(fill, len));
            jpeg.extend([0xFF, 0xD9]);
            for (denom, permille) in [(8, 0), (8, 500), (8, 900), (4, 0), (4, 700)] {
                let (serial, _) = decode(&jpeg, denom, None).unwrap();
                let (ours, path) = decode(&jpeg, denom, Some(&options(permille))).unwrap();
                assert_eq!(ours, serial, "fill {fill:#x} × {len}: {path:?}");
            }
        }
    }
    // The valid file's scan cut short, or with its second half repeated.
    let end = base.len() - 2;
    for cut in [start + 100, (start + end) / 2, end - 1] {
        let mut jpeg = base[..cut].to_vec();
        jpeg.extend([0xFF, 0xD9]);
        let (serial, _) = decode(&jpeg, 4, None).unwrap();
        let (ours, path) = decode(&jpeg, 4, Some(&options(0))).unwrap();
        assert_eq!(ours, serial, "cut at {cut}: {path:?}");
        assert!(matches!(path, DecodePath::Serial(_)), "{path:?}");
    }
    let mut long = base[..end].to_vec();
    long.extend_from_slice(&base[(start + end) / 2..end]);
    long.extend([0xFF, 0xD9]);
    let (serial, _) = decode(&long, 8, None).unwrap();
    let (ours, path) = decode(&long, 8, Some(&options(0))).unwrap();
    assert_eq!(ours, serial);
    assert!(matches!(path, DecodePath::Serial(_)), "{path:?}");
}

/// Off by option, and at 1/1 and 1/2: not this path; at 1/4 and 1/8 it is.
#[test]
fn only_at_quarter_and_eighth_and_when_on() {
    let jpeg = encode(&spec(300, 300, Sampling::S420, Coder::Turbo, 85));
    let off = Options {
        speculative: false,
        ..options(0)
    };
    for denom in [4, 8] {
        let (_, path) = decode(&jpeg, denom, Some(&off)).unwrap();
        assert!(matches!(path, DecodePath::Serial(_)), "{path:?}");
        let (_, path) = decode(&jpeg, denom, Some(&options(0))).unwrap();
        assert!(matches!(path, DecodePath::Speculative { .. }), "{path:?}");
    }
    for denom in [1, 2] {
        let (_, path) = decode(&jpeg, denom, Some(&options(0))).unwrap();
        assert!(matches!(path, DecodePath::Serial(_)), "1/{denom}: {path:?}");
    }
    assert!(Options::default().speculative);
}
