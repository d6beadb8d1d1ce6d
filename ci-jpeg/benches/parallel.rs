//! Serial against parallel decode to YCbCr planes, driven by `bench/jpeg.sh`:
//! `cargo bench -p ci-jpeg --bench parallel -- FILE.jpg... [--scales 4,8] [--rounds 5]
//! [--iters 5] [--strips N] [--min-pixels P] [--split-permille M] [--no-split]
//! [--no-speculative] [--scan] [--parts] [--speculative] [--part N]` (`Options`; by default one strip
//! per thread, 1 MP, the two-strip split of files without restart markers on, its share
//! by `split_permille`, and at 1/8 the speculative decode of such files). Serial and parallel
//! alternate in rounds (the machine is shared); per file and scale it prints one JSON
//! object: median and best of each in ms, their ratios, the path the parallel call took,
//! the time of one copy of the output planes (what the strips' row copies add up to), the
//! mean CPU time of one decode of each (all threads: the parallel path's extra work), and
//! the load average before and after. `--scan` and `--parts` time the split's pieces
//! apart (see their functions); `--part N` runs one piece of `--speculative` only.

use std::time::Instant;

use ci_jpeg::Options;
use turbojpeg::{Decompressor, ScalingFactor, YuvImage};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// CPU time of all this process's threads so far, in ms (scheduler statistics, ns).
fn cpu_ms() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    let ns: u64 = tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    ns as f64 / 1e6
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// One decode as ci-core's thumbnail does it: a fresh decompressor and output buffer.
fn decode(jpeg: &[u8], denom: usize, parallel: Option<&Options>) -> Res<(Vec<u8>, String)> {
    let scale = ScalingFactor::new(1, denom);
    let mut d = Decompressor::new()?;
    let header = d.read_header(jpeg)?;
    d.set_scaling_factor(scale)?;
    let s = header.scaled(scale);
    let mut px = vec![0u8; turbojpeg::yuv_pixels_len(s.width, 1, s.height, header.subsamp)?];
    let yuv = YuvImage {
        pixels: px.as_mut_slice(),
        width: s.width,
        align: 1,
        height: s.height,
        subsamp: header.subsamp,
    };
    let path = if let Some(options) = parallel {
        format!(
            "{:?}",
            ci_jpeg::decompress_to_yuv_with(&mut d, jpeg, yuv, options)?
        )
    } else {
        d.decompress_to_yuv(jpeg, yuv)?;
        "serial".into()
    };
    Ok((px, path))
}

fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0])
}

/// `--scan`: the split path's Huffman scanner over the whole scan against the serial
/// decode at each scale, alternating, on this thread: median ms and CPU ms of each, and the
/// scanner's speed `s` as a share of each decode.
fn scan_speed(jpeg: &[u8], file: &str, scales: &[usize], runs: usize) -> Res<()> {
    let load_before = load_average();
    let mut scan = Vec::new();
    let mut serial: Vec<Vec<f64>> = vec![Vec::new(); scales.len()];
    let mut cpu = vec![0.0f64; scales.len() + 1];
    for _ in 0..runs {
        let c = cpu_ms();
        let t = Instant::now();
        let reached = ci_jpeg::scan_for_bench(std::hint::black_box(jpeg), u64::MAX)?;
        scan.push(t.elapsed().as_secs_f64() * 1000.0);
        cpu[0] += cpu_ms() - c;
        std::hint::black_box(reached);
        for (i, &denom) in scales.iter().enumerate() {
            let c = cpu_ms();
            let t = Instant::now();
            std::hint::black_box(decode(jpeg, denom, None)?);
            serial[i].push(t.elapsed().as_secs_f64() * 1000.0);
            cpu[i + 1] += cpu_ms() - c;
        }
    }
    let (scan_ms, _) = stats(scan);
    let mut line = format!(
        "{{\"file\":\"{file}\",\"scan_median_ms\":{scan_ms:.2},\"scan_cpu_ms\":{:.2}",
        cpu[0] / runs as f64
    );
    for (i, denom) in scales.iter().enumerate() {
        let (m, _) = stats(std::mem::take(&mut serial[i]));
        line += &format!(
            ",\"serial_1/{denom}_median_ms\":{m:.2},\"serial_1/{denom}_cpu_ms\":{:.2},\"s_1/{denom}\":{:.3}",
            cpu[i + 1] / runs as f64,
            scan_ms / m
        );
    }
    println!(
        "{line},\"load_before\":\"{load_before}\",\"load_after\":\"{}\"}}",
        load_average()
    );
    Ok(())
}

/// Decodes a strip JPEG of `height` rows at 1/`denom`; Ok also on libjpeg-turbo's
/// warning (the first strip's unread tail).
fn decode_strip(bytes: &[u8], width: usize, height: usize, denom: usize) -> Res<String> {
    let scale = ScalingFactor::new(1, denom);
    let mut d = Decompressor::new()?;
    let header = d.read_header(bytes)?;
    d.set_scaling_factor(scale)?;
    let (w, h) = (scale.scale(width), scale.scale(height));
    let mut px = vec![0u8; turbojpeg::yuv_pixels_len(w, 1, h, header.subsamp)?];
    let yuv = YuvImage {
        pixels: px.as_mut_slice(),
        width: w,
        align: 1,
        height: h,
        subsamp: header.subsamp,
    };
    Ok(match d.decompress_to_yuv(bytes, yuv) {
        Ok(()) => "ok".into(),
        Err(e) => e.to_string(),
    })
}

/// `--parts`: the two workers of the split path timed apart, each on this thread (CPU
/// time; the machine may be busy): A decodes strip 1 (the whole scan under a shorter
/// frame) and, for the cost of skipping the rest, the same JPEG cut at row a, then scans
/// the rest of the scan; B scans to row a − 1, builds strip 2's JPEG and decodes it.
/// max(A, B) is the split's time on two idle cores.
fn split_parts(jpeg: &[u8], file: &str, denom: usize, runs: usize) -> Res<()> {
    let load_before = load_average();
    let header = Decompressor::new()?.read_header(jpeg)?;
    let (_, rows) = ci_jpeg::scan_for_bench(jpeg, 0)?;
    let a = (rows * u64::from(ci_jpeg::SPLIT_PERMILLE) + 500) / 1000;
    let (row_a_byte, _) = ci_jpeg::scan_for_bench(jpeg, a)?;
    let [(one, h1), (two, h2)] = ci_jpeg::split_jpegs_for_bench(jpeg, a)?;
    // Strip 1 cut just past row a's first byte: the scan without the tail to skip.
    let cut_at = find_scan_start(&one).ok_or("no SOS")? + row_a_byte + 1;
    let mut cut = one.get(..cut_at).ok_or("cut")?.to_vec();
    cut.extend_from_slice(&[0xFF, 0xD9]);
    let mut t = [0.0f64; 6];
    let mut serial = 0.0;
    for _ in 0..runs {
        let c = cpu_ms();
        std::hint::black_box(decode(jpeg, denom, None)?);
        serial += cpu_ms() - c;
        let c = cpu_ms();
        std::hint::black_box(decode_strip(&one, header.width, h1, denom)?);
        t[0] += cpu_ms() - c;
        let c = cpu_ms();
        std::hint::black_box(decode_strip(&cut, header.width, h1, denom)?);
        t[1] += cpu_ms() - c;
        let c = cpu_ms();
        std::hint::black_box(ci_jpeg::scan_for_bench(jpeg, a - 1)?);
        t[2] += cpu_ms() - c;
        let c = cpu_ms();
        std::hint::black_box(ci_jpeg::split_jpegs_for_bench(jpeg, a)?);
        t[3] += cpu_ms() - c;
        let c = cpu_ms();
        std::hint::black_box(decode_strip(&two, header.width, h2, denom)?);
        t[4] += cpu_ms() - c;
        let c = cpu_ms();
        std::hint::black_box(ci_jpeg::scan_for_bench(jpeg, u64::MAX)?);
        t[5] += cpu_ms() - c;
    }
    let n = runs as f64;
    let [a_full, a_cut, scan, both_jpegs, b_decode, full_scan] = t.map(|v| v / n);
    // split_jpegs_for_bench builds both JPEGs (one scan): what it costs beyond the scan,
    // strip 1's copy of the file included, is counted to B (an upper bound).
    let b_build = (both_jpegs - scan).max(0.0);
    // A scans the second strip's rows once its strip is done.
    let tail_scan = (full_scan - scan).max(0.0);
    let worker_a = a_full + tail_scan;
    let worker_b = scan + b_build + b_decode;
    println!(
        "{{\"file\":\"{file}\",\"scale\":\"1/{denom}\",\"rows\":{rows},\"a\":{a},\"row_a_byte\":{row_a_byte},\"serial_cpu_ms\":{:.2},\"a_strip1_cpu_ms\":{a_full:.2},\"a_strip1_cut_at_row_a_cpu_ms\":{a_cut:.2},\"a_tail_scan_cpu_ms\":{tail_scan:.2},\"b_scan_cpu_ms\":{scan:.2},\"build_both_jpegs_cpu_ms\":{b_build:.2},\"b_strip2_cpu_ms\":{b_decode:.2},\"max_a_b_over_serial\":{:.3},\"load_before\":\"{load_before}\",\"load_after\":\"{}\"}}",
        serial / n,
        worker_a.max(worker_b) / (serial / n),
        load_average()
    );
    Ok(())
}

/// Offset just past the SOS segment.
/// `--speculative`: the pieces of the speculative decode timed apart on this thread
/// against the serial decode at each scale, alternating (CPU ms, mean): the first worker
/// up to the second's start (it writes its samples as it goes), the second worker to the
/// end, then the samples of the second's blocks (after the two meet) and the planes
/// copied out: `two_idle_cores_ms` = max(first, second) + those two, the path's time on
/// two idle cores.
fn speculative_parts(jpeg: &[u8], file: &str, denom: usize, runs: usize) -> Res<()> {
    let load_before = load_average();
    let mut out = vec![0u8; 16 << 20];
    // Parts of `speculative_part_for_bench`, and the serial decode last.
    let names = [
        "first",
        "second",
        "whole_with_planes",
        "whole",
        "second_with_samples",
        "serial",
    ];
    let mut cpu = [0.0f64; 6];
    // The planes pass and the second worker's samples, timed inside (ms).
    let (mut planes, mut samples) = (0.0f64, 0.0f64);
    for _ in 0..runs {
        for (part, slot) in cpu.iter_mut().enumerate() {
            let c = cpu_ms();
            if part == 5 {
                std::hint::black_box(decode(jpeg, denom, None)?);
            } else {
                let r = ci_jpeg::speculative_part_for_bench(jpeg, denom, part as u8, &mut out)?;
                match part {
                    2 => planes += r as f64 / 1e6,
                    4 => samples += r as f64 / 1e6,
                    _ => {}
                }
            }
            *slot += cpu_ms() - c;
        }
    }
    let cpu = cpu.map(|c| c / runs as f64);
    let (planes, samples) = (planes / runs as f64, samples / runs as f64);
    let mut line = format!("{{\"file\":\"{file}\",\"scale\":\"1/{denom}\"");
    for (name, c) in names.iter().zip(cpu) {
        line += &format!(",\"{name}_cpu_ms\":{c:.2}");
    }
    let two = cpu[0].max(cpu[1]) + samples + planes;
    println!(
        "{line},\"second_samples_cpu_ms\":{samples:.2},\"planes_cpu_ms\":{planes:.2},\
         \"two_idle_cores_ms\":{two:.2},\"two_idle_cores_over_serial\":{:.3},\
         \"load_before\":\"{load_before}\",\"load_after\":\"{}\"}}",
        two / cpu[5],
        load_average()
    );
    Ok(())
}

fn find_scan_start(jpeg: &[u8]) -> Option<usize> {
    let mut pos = 2;
    loop {
        let marker = *jpeg.get(pos + 1)?;
        let len = usize::from(u16::from_be_bytes([
            *jpeg.get(pos + 2)?,
            *jpeg.get(pos + 3)?,
        ]));
        if marker == 0xDA {
            return Some(pos + 2 + len);
        }
        pos += 2 + len;
    }
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let files: Vec<&String> = args
        .iter()
        .filter(|a| a.ends_with(".jpg") || a.ends_with(".jpeg"))
        .collect();
    let scales: Vec<usize> = flag("--scales")
        .unwrap_or_else(|| "4,8".into())
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let rounds: usize = flag("--rounds").and_then(|v| v.parse().ok()).unwrap_or(5);
    let iters: usize = flag("--iters").and_then(|v| v.parse().ok()).unwrap_or(5);
    let options = Options {
        strips: flag("--strips").and_then(|v| v.parse().ok()).unwrap_or(0),
        min_pixels: flag("--min-pixels")
            .and_then(|v| v.parse().ok())
            .unwrap_or(Options::default().min_pixels),
        split: !args.iter().any(|a| a == "--no-split"),
        split_permille: flag("--split-permille")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        speculative: !args.iter().any(|a| a == "--no-speculative"),
    };
    if args.iter().any(|a| a == "--parts") {
        for file in &files {
            for &denom in &scales {
                split_parts(&std::fs::read(file)?, file, denom, rounds * iters)?;
            }
        }
        return Ok(());
    }
    // `--part N`: only that piece of `--speculative`, `rounds × iters` times (for
    // callgrind's instruction counts).
    if let Some(part) = flag("--part").and_then(|v| v.parse::<u8>().ok()) {
        let mut out = vec![0u8; 16 << 20];
        for file in &files {
            let jpeg = std::fs::read(file)?;
            for &denom in &scales {
                for _ in 0..rounds * iters {
                    ci_jpeg::speculative_part_for_bench(&jpeg, denom, part, &mut out)?;
                }
            }
        }
        return Ok(());
    }
    if args.iter().any(|a| a == "--speculative") {
        for file in &files {
            for &denom in &scales {
                speculative_parts(&std::fs::read(file)?, file, denom, rounds * iters)?;
            }
        }
        return Ok(());
    }
    if args.iter().any(|a| a == "--scan") {
        for file in &files {
            scan_speed(&std::fs::read(file)?, file, &scales, rounds * iters)?;
        }
        return Ok(());
    }
    for file in files {
        let jpeg = std::fs::read(file)?;
        for &denom in &scales {
            let load_before = load_average();
            let (reference, _) = decode(&jpeg, denom, None)?;
            let (planes, path) = decode(&jpeg, denom, Some(&options))?;
            if planes != reference {
                return Err(format!("{file} at 1/{denom}: parallel planes differ").into());
            }
            let (mut serial, mut parallel) = (Vec::new(), Vec::new());
            let mut cpu = [0.0f64; 2];
            for _ in 0..rounds {
                for (k, (times, par)) in [(&mut serial, None), (&mut parallel, Some(&options))]
                    .into_iter()
                    .enumerate()
                {
                    let c = cpu_ms();
                    for _ in 0..iters {
                        let t = Instant::now();
                        let out = decode(&jpeg, denom, par)?;
                        times.push(t.elapsed().as_secs_f64() * 1000.0);
                        std::hint::black_box(out);
                    }
                    cpu[k] += cpu_ms() - c;
                }
            }
            let runs = (rounds * iters) as f64;
            let (serial_cpu, parallel_cpu) = (cpu[0] / runs, cpu[1] / runs);
            let mut copy = vec![0u8; planes.len()];
            let t = Instant::now();
            copy.copy_from_slice(std::hint::black_box(&planes));
            let copy_ms = t.elapsed().as_secs_f64() * 1000.0;
            std::hint::black_box(copy);
            let ((sm, sb), (pm, pb)) = (stats(serial), stats(parallel));
            println!(
                "{{\"file\":\"{file}\",\"scale\":\"1/{denom}\",\"path\":\"{path}\",\
                 \"serial_median_ms\":{sm:.2},\"serial_best_ms\":{sb:.2},\
                 \"parallel_median_ms\":{pm:.2},\"parallel_best_ms\":{pb:.2},\
                 \"ratio_median\":{:.3},\"ratio_best\":{:.3},\"copy_ms\":{copy_ms:.3},\
                 \"serial_cpu_ms\":{serial_cpu:.2},\"parallel_cpu_ms\":{parallel_cpu:.2},\
                 \"load_before\":\"{load_before}\",\"load_after\":\"{}\"}}",
                pm / sm,
                pb / sb,
                load_average()
            );
        }
    }
    Ok(())
}
