//! The server under a bounded adversarial load (issue 16's findings 1 to 5 at once, over
//! loopback): a plain GET keeps answering in under 0.5 s and the process's resident
//! memory grows by less than the configured budget.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::security::{
    half_sent, pic_put_head, presigned, put_alive, send_expecting, serves_a_get,
};

/// Resident memory of this process (the server runs in it), bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A PNG whose header says 15000x15000 (225 MP, under rules.md's 250 MP), with no pixel
/// data: decoding it would take 2.7 GB.
pub(crate) fn huge_png_header() -> Vec<u8> {
    let crc32 = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        let mut typed = kind.to_vec();
        typed.extend_from_slice(data);
        c.extend_from_slice(&typed);
        c.extend_from_slice(&crc32.checksum(&typed).to_be_bytes());
        c
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&15_000u32.to_be_bytes());
    ihdr.extend_from_slice(&15_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

#[test]
fn adversarial_load_keeps_serving_within_the_budget() {
    let mib = 1024 * 1024;
    let budget = 192 * mib;
    let dir = tempdir::Dir::new();
    let mut config = test_config(&dir);
    config.limits.memory_budget = budget;
    config.limits.admission_wait_ms = 200;
    config.limits.body_total_timeout_secs = 3;
    config.limits.max_connections = 64;
    let engine = ci_server::EngineProcessor::for_config(&config).expect("engine");
    let srv = ci_server::spawn_for_tests(config, Arc::new(engine)).expect("server");
    let a = srv.addr();
    put_alive(a);
    assert_eq!(
        Req::new("PUT", "huge.png")
            .body(huge_png_header())
            .send(a)
            .status,
        200
    );
    let id = initiate(a, "deep.bin");
    let etag = upload_part(a, "deep.bin", &id, 1, b"p");
    let baseline = rss();
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut peak = baseline;
    let mut slowest = Duration::ZERO;
    std::thread::scope(|s| {
        let running =
            |stop: &AtomicBool| !stop.load(Ordering::Relaxed) && Instant::now() < deadline;
        // 3: uploads with Pic-Operations declaring 32 MiB, sending 4, then stalling.
        for i in 0..16 {
            let stop = stop.clone();
            s.spawn(move || {
                while running(&stop) {
                    let head = pic_put_head(a, &format!("stall{i}.jpg"), 32 * mib);
                    let conn = half_sent(a, &head, &vec![1u8; 4 * mib as usize]);
                    std::thread::sleep(Duration::from_millis(500));
                    drop(conn);
                }
            });
        }
        // 3: an image whose decode would take 2.7 GB, thumbnailed.
        for _ in 0..2 {
            let stop = stop.clone();
            s.spawn(move || {
                while running(&stop) {
                    let r = Req::new("GET", "huge.png")
                        .flag("imageMogr2/thumbnail/100x")
                        .send(a);
                    assert!(r.status >= 400, "{}", r.text());
                }
            });
        }
        // 1: CompleteMultipartUpload nesting 40,000 elements.
        let deep = format!(
            "<CompleteMultipartUpload>{}{}<Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>",
            "<X>".repeat(40_000),
            "</X>".repeat(40_000)
        );
        for _ in 0..2 {
            let (stop, deep, id) = (stop.clone(), deep.clone(), id.clone());
            s.spawn(move || {
                while running(&stop) {
                    let r = Req::new("POST", "deep.bin")
                        .param("uploadId", &id)
                        .body(deep.clone())
                        .send(a);
                    assert!(matches!(r.status, 400 | 503), "{}", r.text());
                }
            });
        }
        // 2 and 4: v4 replays of a single-use signature for another file, and 4 MB form
        // bodies of '-'.
        {
            let stop = stop.clone();
            s.spawn(move || {
                let n = now();
                let single = ci_core::sign::v4_sign(
                    "1250000000",
                    "examplebucket",
                    AK,
                    SK,
                    0,
                    n,
                    1,
                    "/1250000000/examplebucket/harmless.jpg",
                );
                let multi = ci_core::sign::v4_sign(
                    "1250000000",
                    "examplebucket",
                    AK,
                    SK,
                    n + 600,
                    n,
                    2,
                    "",
                );
                let dashes = vec![b'-'; 4_000_000];
                while running(&stop) {
                    let (ct, body) = v4_form(&[("op", b"upload"), ("filecontent", b"X")]);
                    let h = vec![
                        ("Content-Type".to_owned(), ct),
                        ("Authorization".to_owned(), single.clone()),
                    ];
                    let r = send(
                        a,
                        "POST",
                        "/files/v2/1250000000/examplebucket/alive.txt",
                        &h,
                        &body,
                    );
                    assert_eq!(r.status, 403, "{}", r.text());
                    let h = vec![
                        (
                            "Content-Type".to_owned(),
                            format!("multipart/form-data; boundary={}", "-".repeat(70)),
                        ),
                        ("Authorization".to_owned(), multi.clone()),
                    ];
                    let r =
                        send_expecting(a, "/files/v2/1250000000/examplebucket/x.jpg", &h, &dashes);
                    assert!(
                        r.starts_with("HTTP/1.1 400") || r.starts_with("HTTP/1.1 503"),
                        "{r}"
                    );
                }
            });
        }
        // 5: a pre-signed PUT with an unsigned copy source.
        {
            let stop = stop.clone();
            s.spawn(move || {
                let url = presigned("PUT", "stolen.txt", &[]);
                while running(&stop) {
                    let h = vec![
                        ("Host".to_owned(), vhost()),
                        (
                            "x-cos-copy-source".to_owned(),
                            format!("{}/alive.txt", vhost()),
                        ),
                    ];
                    assert_eq!(send(a, "PUT", &url, &h, b"").status, 403);
                }
            });
        }
        // Meanwhile: a GET every 100 ms, and the memory.
        while Instant::now() < deadline {
            slowest = slowest.max(serves_a_get(a));
            peak = peak.max(rss());
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, Ordering::Relaxed);
    });
    let grown = peak.saturating_sub(baseline);
    assert!(
        slowest < Duration::from_millis(500),
        "a GET took {slowest:?}"
    );
    assert!(
        grown < budget,
        "RSS grew by {} MiB (budget {} MiB)",
        grown / mib,
        budget / mib
    );
    assert_error(&Req::new("GET", "stolen.txt").send(a), 404, "NoSuchKey");
    assert_eq!(Req::new("GET", "alive.txt").send(a).body, b"alive");
    eprintln!(
        "adversarial load: slowest GET {slowest:?}, RSS {} -> {} MiB (budget {} MiB)",
        baseline / mib,
        peak / mib,
        budget / mib
    );
}

#[test]
fn decoder_cap_follows_the_memory_budget() {
    let dir = tempdir::Dir::new();
    let mut config = test_config(&dir);
    config.limits.memory_budget = 64 * 1024 * 1024;
    let engine = ci_server::EngineProcessor::for_config(&config).expect("engine");
    assert_eq!(engine.limits.max_pixels, 64 * 1024 * 1024 / 12);
    assert_eq!(engine.limits.max_decoder_alloc, 32 * 1024 * 1024);
    let srv = ci_server::spawn_for_tests(config, Arc::new(engine)).expect("server");
    let a = srv.addr();
    assert_eq!(
        Req::new("PUT", "huge.png")
            .body(huge_png_header())
            .send(a)
            .status,
        200
    );
    // 225 MP would need 2.7 GB: refused from the header, before any pixel is decoded.
    let r = Req::new("GET", "huge.png")
        .flag("imageMogr2/thumbnail/100x")
        .send(a);
    let err = assert_error(&r, 400, "ImageResolutionExceed");
    assert!(err.message.contains("5592405 pixels"), "{}", err.message);
}
