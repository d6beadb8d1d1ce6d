//! Per-call time of the Rust call that `cos_ci_process` (and Go's `cosci.Process`) wraps:
//! parse the rule, run it on the bytes, copy the output out. The Go/cgo side of the
//! comparison is `BenchmarkProcessThumbnail` in ci-go; `bench/go.sh` runs both.
//!
//! Usage: process_timing IMAGE RULE ITERATIONS — prints `ns/op <value>` (one round).
//! A hand-written loop rather than criterion: bench/go.sh interleaves single rounds of
//! this and of the Go benchmark so both see the same machine load.

use std::time::Instant;

use ci_core::process::{execute, ExecuteOptions};
use ci_core::rule::ProcessingRule;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, rule, iters] = args.as_slice() else {
        return Err("usage: process_timing IMAGE RULE ITERATIONS".into());
    };
    let input = std::fs::read(path)?;
    let iters: u32 = iters.parse()?;
    let opts = ExecuteOptions::default();
    // Warm-up: page in the code and the allocator's arenas.
    execute(&input, &ProcessingRule::parse(rule)?, &opts)?;
    let start = Instant::now();
    let mut total = 0usize;
    for _ in 0..iters {
        let parsed = ProcessingRule::parse(rule)?;
        let out = execute(&input, &parsed, &opts)?;
        // The caller's copy, as cgo makes one out of the handle.
        let copy = out.bytes.clone();
        total += std::hint::black_box(copy).len();
    }
    let per_call = start.elapsed().as_nanos() / u128::from(iters.max(1));
    println!(
        "ns/op {per_call} (output {} bytes)",
        total / iters.max(1) as usize
    );
    Ok(())
}
