//! Files without restart markers, split in two (`DecodePath::Split`): byte-identical
//! planes to libjpeg-turbo's serial `decompress_to_yuv` on files from two encoders (all
//! qualities, the five samplings, sizes with partial last MCU rows and columns, all four
//! scales, split rows anywhere), the serial decode's result on corrupted files, and
//! streams our scanner refuses.

mod common;

use ci_jpeg::{DecodePath, Options, ScanError, SerialReason};
use proptest::prelude::*;
use turbojpeg::{Decompressor, Subsamp, YuvImage};

use common::plain::*;

fn options(split_permille: u16) -> Options {
    Options {
        min_pixels: 0,
        strips: 2,
        split: true,
        split_permille,
        // The two-strip split at every scale (1/8 has its own path, tests/speculative.rs).
        speculative: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    /// Valid files: the same planes, byte for byte (padding rows included, the image
    /// having at least four MCU rows), and the split path taken.
    #[test]
    fn split_equals_serial(
        spec in spec_strategy(160),
        denom in prop_oneof![Just(1usize), Just(2), Just(4), Just(8)],
        permille in prop_oneof![Just(0u16), 1u16..=1000],
    ) {
        let jpeg = encode(&spec);
        let (serial, _) = decode(&jpeg, denom, None).unwrap();
        prop_assert!(serial.is_ok(), "serial decode of a generated file: {:?}", serial);
        let (split, path) = decode(&jpeg, denom, Some(&options(permille))).unwrap();
        let rows = mcu_rows(&spec);
        if rows >= 4 {
            prop_assert!(matches!(path, DecodePath::Split { first_rows } if (2..=rows - 2).contains(&first_rows)), "{:?}", path);
            prop_assert!(split == serial, "planes differ");
        } else {
            prop_assert_eq!(path, DecodePath::Serial(SerialReason::FewRows(rows)));
            // One MCU row pads with uninitialised memory: compare only where defined.
            prop_assert_eq!(split.is_ok(), serial.is_ok());
        }
    }

    /// Corrupted files: byte flips in the first strip's rows, around the split, in the
    /// second strip's rows, anywhere, and truncations: the serial decode's result, planes
    /// or error.
    #[test]
    fn corrupted_gives_serial_result(
        spec in spec_strategy(128),
        denom in prop_oneof![Just(1usize), Just(2), Just(4), Just(8)],
        permille in prop_oneof![Just(0u16), 1u16..=1000],
        flips in proptest::collection::vec((0u8..4, any::<prop::sample::Index>(), 1u8..=255), 0..3),
        cut_at in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut jpeg = encode(&spec);
        let len = jpeg.len();
        // The entropy-coded data: after the SOS segment, before the EOI.
        let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let start = sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]));
        let data = len - 2 - start;
        // Where the split falls, by rows (as the plan estimates it).
        let rows = mcu_rows(&spec).max(1);
        let p = u64::from(if permille == 0 { ci_jpeg::SPLIT_PERMILLE } else { permille });
        let split = start + (data as u64 * (rows * p / 1000).clamp(1, rows) / rows) as usize;
        for (region, at, xor) in &flips {
            let i = match region {
                0 => start + at.index((split - start).max(1)),
                1 => (split + at.index(64)).saturating_sub(32),
                2 => split + at.index((len - 2 - split).max(1)),
                _ => at.index(len),
            };
            jpeg[i.min(len - 1)] ^= xor;
        }
        if let Some(at) = cut_at {
            jpeg.truncate(at.index(len));
        }
        let serial = decode(&jpeg, denom, None).map(|(r, _)| r);
        let split = decode(&jpeg, denom, Some(&options(permille))).map(|(r, _)| r);
        if rows < 4 {
            prop_assert_eq!(split.map(|r| r.is_ok()), serial.map(|r| r.is_ok()));
        } else {
            prop_assert_eq!(split, serial);
        }
    }
}

fn spec(width: u16, height: u16, sampling: Sampling, coder: Coder) -> Spec {
    Spec {
        width,
        height,
        sampling,
        quality: 85,
        coder,
        pattern: 2,
        seed: 11,
    }
}

#[test]
fn splits_a_photo_sized_file_at_every_scale() {
    for coder in [Coder::Turbo, Coder::JpegEncoder] {
        let jpeg = encode(&spec(1000, 700, Sampling::S420, coder));
        for denom in [1, 2, 4, 8] {
            let (serial, _) = decode(&jpeg, denom, None).unwrap();
            let (split, path) = decode(&jpeg, denom, Some(&options(0))).unwrap();
            // 44 MCU rows; the share by the scale.
            let first_rows = (44 * u64::from(ci_jpeg::SPLIT_PERMILLE) + 500) / 1000;
            assert_eq!(path, DecodePath::Split { first_rows }, "1/{denom}");
            assert!(serial.is_ok());
            assert!(split == serial, "{coder:?} 1/{denom}: planes differ");
        }
    }
}

/// The first strip's JPEG (the whole scan under a shorter frame) warns about the bytes
/// it leaves unread; a flipped bit inside its rows makes its first warning another one,
/// and the result is the serial decode's, error or planes.
#[test]
fn corruption_in_the_first_strip_gives_the_serial_result() {
    let jpeg = encode(&spec(256, 256, Sampling::S420, Coder::Turbo));
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let start = sos + 14; // 3-component SOS: 12 bytes after the marker
    let (mut errors, mut same) = (0, 0);
    for offset in (0..(jpeg.len() - start) / 3).step_by(7) {
        let mut bad = jpeg.clone();
        bad[start + offset] ^= 0x5A;
        let (serial, _) = decode(&bad, 4, None).unwrap();
        let (split, path) = decode(&bad, 4, Some(&options(500))).unwrap();
        assert_eq!(split, serial, "flip at {offset}");
        match serial {
            Err(_) => errors += 1,
            Ok(_) => same += 1,
        }
        if serial_warns(&bad) {
            assert!(matches!(path, DecodePath::Serial(_)), "{path:?}");
        }
    }
    // Both kinds occur: libjpeg-turbo's fast Huffman path decodes an invalid code
    // without a warning (the scanner refuses it, and the decode goes serial).
    assert!(
        errors > 100 && same > 100,
        "{errors} errors, {same} decoded"
    );
}

fn serial_warns(jpeg: &[u8]) -> bool {
    decode(jpeg, 4, None).is_some_and(|(r, _)| r.is_err())
}

/// A scan of zero bits: with the standard tables every block is a DC of category 0 and
/// 63 coefficients of one bit, never an end of block, so the scanner walks the whole
/// data (linear time) and the result is libjpeg-turbo's.
#[test]
fn adversarial_streams_fall_back_or_match() {
    let base = encode(&spec(512, 512, Sampling::S420, Coder::Turbo));
    let sos = base.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let start = sos + 14;
    for fill in [0x00u8, 0x55, 0xFE, 0x7F] {
        for len in [10usize, 1000, 300_000] {
            let mut jpeg = base[..start].to_vec();
            jpeg.extend(std::iter::repeat_n(fill, len));
            jpeg.extend([0xFF, 0xD9]);
            let (serial, _) = decode(&jpeg, 8, None).unwrap();
            let (split, path) = decode(&jpeg, 8, Some(&options(600))).unwrap();
            assert_eq!(split, serial, "fill {fill:#x} × {len}: {path:?}");
        }
    }
    // Data that ends inside the first strip's rows: the scanner meets the EOI.
    let mut short = base[..start + 100].to_vec();
    short.extend([0xFF, 0xD9]);
    let (serial, _) = decode(&short, 2, None).unwrap();
    let (split, path) = decode(&short, 2, Some(&options(500))).unwrap();
    assert_eq!(split, serial);
    assert!(serial.is_err());
    assert!(matches!(path, DecodePath::Serial(_)), "{path:?}");
}

/// A coefficient run past 63: libjpeg-turbo decodes it without a warning, the scanner
/// refuses it and the image is decoded serially.
#[test]
fn refuses_runs_past_coefficient_63() {
    // 0xFE repeated, standard luminance tables: DC "11111110" is category 10 … then AC
    // codes of long runs; whatever the scanner meets first, it must not accept it as a
    // split and the planes are the serial decode's.
    let base = encode(&spec(128, 128, Sampling::Grey, Coder::Turbo));
    let sos = base.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let start = sos + 10; // 1-component SOS
    let mut jpeg = base[..start].to_vec();
    // DC category 0 ("00"), then ZRL ("11111111001") ×4: 64 coefficients past 63.
    let mut bits: Vec<bool> = Vec::new();
    let push = |bits: &mut Vec<bool>, code: &str| bits.extend(code.chars().map(|c| c == '1'));
    for _ in 0..256 {
        push(&mut bits, "00");
        for _ in 0..4 {
            push(&mut bits, "11111111001");
        }
    }
    while !bits.len().is_multiple_of(8) {
        bits.push(true);
    }
    for byte in bits.chunks(8) {
        let b = byte.iter().fold(0u8, |acc, &bit| acc << 1 | u8::from(bit));
        jpeg.push(b);
        if b == 0xFF {
            jpeg.push(0);
        }
    }
    jpeg.extend([0xFF, 0xD9]);
    let (serial, _) = decode(&jpeg, 1, None).unwrap();
    let (split, path) = decode(&jpeg, 1, Some(&options(500))).unwrap();
    assert_eq!(split, serial);
    assert_eq!(
        path,
        DecodePath::Serial(SerialReason::Scan(ScanError::Overflow))
    );
}

/// What the first strip's design relies on: libjpeg-turbo decodes a frame shorter than
/// its scan, writes the planes, and the turbojpeg crate returns libjpeg's first (here
/// only) warning, the unread rest of the scan, as `TurboJpegError`; the rows are the
/// serial decode's.
#[test]
fn a_short_frame_warns_only_about_the_unread_tail() {
    let jpeg = encode(&spec(320, 256, Sampling::S420, Coder::Turbo));
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    let mut short = jpeg.clone();
    // 5 MCU rows of 16 out of 16.
    short[sof + 5..sof + 7].copy_from_slice(&80u16.to_be_bytes());
    let mut d = Decompressor::new().unwrap();
    let len = turbojpeg::yuv_pixels_len(320, 1, 80, Subsamp::Sub2x2).unwrap();
    let mut px = vec![0u8; len];
    let yuv = YuvImage {
        pixels: px.as_mut_slice(),
        width: 320,
        align: 1,
        height: 80,
        subsamp: Subsamp::Sub2x2,
    };
    let err = d.decompress_to_yuv(&short, yuv).unwrap_err();
    let turbojpeg::Error::TurboJpegError(message) = &err else {
        panic!("{err:?}");
    };
    let n: usize = message
        .strip_prefix("Corrupt JPEG data: ")
        .and_then(|m| m.strip_suffix(" extraneous bytes before marker 0xd9"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{message}"));
    assert!(n > 0 && n < jpeg.len() - sof, "{n}");
    // The rows are the serial decode's: Y 320x80, then Cb and Cr 160x40 each.
    let (full, _) = decode(&jpeg, 1, None).unwrap();
    let full = full.unwrap();
    let (y, c) = (320 * 256, 160 * 128);
    assert_eq!(&px[..320 * 80], &full[..320 * 80]);
    assert_eq!(&px[320 * 80..320 * 80 + 160 * 40], &full[y..y + 160 * 40]);
    assert_eq!(&px[320 * 80 + 160 * 40..], &full[y + c..y + c + 160 * 40]);
}

/// Found by the fuzz target: the project's grey fixture with four bytes of its scan
/// changed decodes to the same planes in strips and serially, but the serial decode
/// reports 3 bytes left after the last MCU and the strips did not (libjpeg-turbo's
/// read-ahead differs). The scanner's check of the whole scan sends it serial.
#[test]
fn bytes_after_the_last_mcu_go_serial() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/gray.jpg"
    );
    let mut jpeg = std::fs::read(path).unwrap();
    assert_eq!(jpeg.len(), 35442);
    assert_eq!(&jpeg[16843..16847], &[0x56, 0xEB, 0xD2, 0xB4]);
    jpeg[16843..16847].copy_from_slice(&[0xAA, 0x14, 0x2D, 0x42]);
    let (serial, _) = decode(&jpeg, 1, None).unwrap();
    assert_eq!(
        serial.as_ref().map(|_| ()),
        Err(
            &"TurboJPEG error: Corrupt JPEG data: 3 extraneous bytes before marker 0xd9"
                .to_string()
        )
    );
    for permille in [0, 100, 500, 800] {
        let (split, path) = decode(&jpeg, 1, Some(&options(permille))).unwrap();
        assert_eq!(split, serial, "{permille}");
        // An error: the serial decode ran (its reason is not returned with an error).
        assert_eq!(
            path,
            DecodePath::Serial(SerialReason::OneStrip),
            "{permille}"
        );
    }
    // The fixture itself splits.
    let clean = std::fs::read(path).unwrap();
    let (serial, _) = decode(&clean, 2, None).unwrap();
    let (split, path) = decode(&clean, 2, Some(&options(0))).unwrap();
    assert!(matches!(path, DecodePath::Split { .. }), "{path:?}");
    assert!(split == serial);
}
