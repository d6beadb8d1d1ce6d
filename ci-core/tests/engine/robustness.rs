//! Broken inputs never panic: every corpus file cut short and with bytes flipped goes
//! through probe, decode, image_info, exif and thumbnail and comes back as Ok or a typed
//! error.

use crate::support::corpus_dir;
use ci_core::process::{self, DecodeOptions, Limits};

fn all_inputs() -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir();
    let mut out = Vec::new();
    for sub in ["", "bad"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = p.display().to_string();
            if p.is_file() && !name.ends_with(".md") && !name.ends_with(".py") {
                if let Ok(b) = std::fs::read(&p) {
                    out.push((name, b));
                }
            }
        }
    }
    out.sort();
    out
}

fn exercise(bytes: &[u8]) {
    let l = Limits::default();
    let _ = process::probe(bytes);
    let _ = process::decode(bytes, &DecodeOptions::full());
    let _ = process::decode(bytes, &DecodeOptions::at_least(16, 16));
    let _ = process::image_info(bytes);
    let _ = process::exif_json(bytes, &l);
    let _ = process::thumbnail_jpeg(bytes, 32, 80);
}

#[test]
fn truncated_and_corrupted_inputs_do_not_panic() {
    let inputs = all_inputs();
    assert!(inputs.len() > 20, "corpus not found");
    for (_name, bytes) in &inputs {
        if bytes.len() > 100_000 {
            continue; // big files add time (debug builds decode slowly), not coverage
        }
        for cut in [
            0,
            3,
            16,
            100,
            bytes.len() / 2,
            bytes.len().saturating_sub(1),
        ] {
            exercise(&bytes[..cut.min(bytes.len())]);
        }
        // flip bytes through the header region and the body (deterministic positions)
        let mut seed = 0x9E37_79B9_u32;
        for _ in 0..8 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            if bytes.is_empty() {
                break;
            }
            let mut b = bytes.clone();
            let span = if seed.is_multiple_of(2) {
                b.len().min(512)
            } else {
                b.len()
            };
            let at = (seed as usize / 2) % span;
            b[at] ^= (seed >> 24) as u8 | 1;
            exercise(&b);
        }
    }
}
