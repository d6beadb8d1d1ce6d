//! Streaming: a large generated body goes out with bounded memory. The peak RSS
//! (`VmHWM` of `/proc/self/status`) of this process, which runs both the client and the
//! discarding test server, must not grow by anything near the body size.
//!
//! The peak RSS is the whole process's, and the other tests of this binary run on
//! threads of the same process (several upload megabytes at once), so the 64 MiB test
//! measures in a child process of its own: this test binary run again with only this test.
//!
//! The default test sends 64 MiB; `CLIENT_RSS_MB=1024 cargo test -p ci-core --test
//! client_stream -- --ignored --nocapture` measures a 1 GiB upload.

use std::io::Read;

use crate::support::*;
use ci_core::client::{Body, ObjectOptions};

/// Generates `left` bytes of a cheap pattern without holding them.
struct Generated {
    left: u64,
    state: u8,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        for b in &mut buf[..n] {
            self.state = self.state.wrapping_mul(31).wrapping_add(7);
            *b = self.state;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Uploads `mib` MiB from a generating reader; returns (peak RSS growth in KiB, bytes the
/// server counted).
fn upload_generated(mib: u64, sized: bool) -> (Option<u64>, u64) {
    let srv = TestServer::start(|r, _| {
        Reply::ok().header("x-cos-hash-crc64ecma", &r.body_crc64.to_string())
    });
    let client = srv.client();
    // Warm up the connection pool and runtime so their memory is in the baseline.
    client
        .put_object(
            BUCKET,
            "warm",
            Body::from_bytes(vec![0u8; 1 << 20]),
            &ObjectOptions::default(),
        )
        .unwrap();
    let before = vm_hwm_kib();
    let len = mib * 1024 * 1024;
    let gen = Generated {
        left: len,
        state: 1,
    };
    let body = if sized {
        Body::from_reader_sized(gen, len)
    } else {
        Body::from_reader(gen)
    };
    let h = client
        .put_object(BUCKET, "big.bin", body, &ObjectOptions::default())
        .unwrap();
    assert!(
        h.crc64.is_some(),
        "the server's CRC was checked against ours"
    );
    let after = vm_hwm_kib();
    let r = srv.last();
    assert!(r.verified.is_ok());
    (
        before.zip(after).map(|(b, a)| a.saturating_sub(b)),
        r.body_len,
    )
}

/// Set in the child process that runs one test alone.
const ALONE: &str = "CI_CORE_CLIENT_TEST_ALONE";

/// Runs the test `name` (its path in this binary) alone in a child process; true when
/// this already is that child, which then runs the test's body.
fn in_child_process(name: &str) -> bool {
    if std::env::var_os(ALONE).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = std::process::Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(ALONE, "1")
        .output()
        .expect("running the test binary again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{name} failed in its own process");
    // A filter that matched nothing would pass silently.
    assert!(
        stdout.contains("1 passed"),
        "{name} did not run in its own process"
    );
    false
}

#[test]
fn upload_64_mib_from_a_reader_with_bounded_memory() {
    if !in_child_process("stream::upload_64_mib_from_a_reader_with_bounded_memory") {
        return;
    }
    let (growth, received) = upload_generated(64, true);
    assert_eq!(received, 64 * 1024 * 1024);
    if let Some(kib) = growth {
        eprintln!("peak RSS growth for a 64 MiB upload: {kib} KiB");
        assert!(
            kib < 24 * 1024,
            "peak RSS grew by {kib} KiB for a 64 MiB body"
        );
    }
    // Chunked (unknown length) streams too.
    let (growth, received) = upload_generated(32, false);
    assert_eq!(received, 32 * 1024 * 1024);
    if let Some(kib) = growth {
        assert!(kib < 24 * 1024, "chunked: peak RSS grew by {kib} KiB");
    }
}

#[test]
#[ignore = "large: run with --ignored (CLIENT_RSS_MB, default 1024)"]
fn upload_1_gib_reports_peak_rss() {
    let mib = std::env::var("CLIENT_RSS_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024u64);
    let start = std::time::Instant::now();
    let (growth, received) = upload_generated(mib, true);
    assert_eq!(received, mib * 1024 * 1024);
    println!(
        "upload of {mib} MiB: peak RSS growth {:?} KiB, total VmHWM {:?} KiB, {:.1} s",
        growth,
        vm_hwm_kib(),
        start.elapsed().as_secs_f64()
    );
    if let Some(kib) = growth {
        assert!(kib < 64 * 1024);
    }
}

/// The SIMD CRC-64 of `crc64` (uploads, downloads) gives the 16-table `CRC64`'s values,
/// across the lengths where its folding loop starts, ends and leaves a tail, and a body
/// of a megabyte; and the catalogue's check value.
#[test]
fn crc64_equals_the_table_crc_at_every_length() {
    use ci_core::client::{crc64, CRC64};
    let mut gen = Generated {
        left: 1 << 20,
        state: 3,
    };
    let mut data = vec![0u8; 1 << 20];
    gen.read_exact(&mut data).unwrap();
    for len in (0..=1100).chain([4095, 4096, 4097, 55_000, 1 << 20]) {
        assert_eq!(
            crc64(&data[..len]),
            CRC64.checksum(&data[..len]),
            "{len} bytes"
        );
        // At an unaligned start too.
        let tail = &data[1..len.max(1)];
        assert_eq!(crc64(tail), CRC64.checksum(tail), "{len} bytes from 1");
    }
    assert_eq!(crc64(b"123456789"), 0x995d_c9bb_df19_39fa);
}
