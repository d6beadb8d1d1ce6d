//! Engine micro-benchmark, driven by `bench/engine.sh`:
//! `cargo bench -p ci-core --bench engine -- <jpeg> --task <name> --iters <n>`.
//! Prints one JSON object per task: the median and the best time in milliseconds, and the
//! output size. Tasks: thumb (`--out FILE` also writes it for the SSIM check, `--quality Q`
//! instead of 85),
//! decode8, info, png, webp, avif and webp800 (the 800 px thumbnail as AVIF or WebP;
//! `--png FILE` to encode that image, `--quality Q`,
//! `--out FILE`), pieces (the RGB path's steps), and rss: one thumbnail,
//! then the process's peak RSS (VmHWM), `{"task":"rss","peak_rss_kb":N}`.

use std::time::Instant;

use ci_core::process::{self, DecodeOptions, EncodeOptions, Filter, Format};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// (median ms, best ms, last result)
fn time<T>(iters: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut times = Vec::with_capacity(iters);
    let mut last = f(); // warm-up
    for _ in 0..iters.max(1) {
        let t = Instant::now();
        last = f();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[0], last)
}

fn print(task: &str, (median, best): (f64, f64), bytes: usize) {
    println!(
        "{{\"task\":\"{task}\",\"median_ms\":{median:.2},\"best_ms\":{best:.2},\"bytes\":{bytes}}}"
    );
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let path = args
        .iter()
        .find(|a| a.ends_with(".jpg") || a.ends_with(".jpeg"))
        .cloned()
        .unwrap_or_else(|| {
            "/usr/share/wallpapers/SafeLanding/contents/images/5120x2880.jpg".into()
        });
    let iters: usize = flag("--iters").and_then(|v| v.parse().ok()).unwrap_or(9);
    let tasks: Vec<String> = match flag("--task") {
        Some(t) => vec![t],
        None => ["thumb", "decode8", "info", "pieces", "png", "webp"]
            .map(String::from)
            .to_vec(),
    };
    let bytes = std::fs::read(&path)?;
    let p = process::probe(&bytes)?;
    let (tw, th) = process::fit_width(p.width, p.height, 800);
    let full = || process::decode(&bytes, &DecodeOptions::default());
    for task in tasks {
        match task.as_str() {
            "thumb" => {
                let q: u8 = flag("--quality").and_then(|v| v.parse().ok()).unwrap_or(85);
                let (m, b, out) = time(iters, || process::thumbnail_jpeg(&bytes, 800, q));
                let out = out?;
                if let Some(path) = flag("--out") {
                    std::fs::write(path, &out)?;
                }
                print("thumb", (m, b), out.len());
            }
            "rss" => {
                let out = process::thumbnail_jpeg(&bytes, 800, 85)?;
                let status = std::fs::read_to_string("/proc/self/status")?;
                let kb = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                    .ok_or("no VmHWM in /proc/self/status")?;
                println!(
                    "{{\"task\":\"rss\",\"peak_rss_kb\":{kb},\"bytes\":{}}}",
                    out.len()
                );
            }
            "decode8" => {
                let (m, b, out) = time(iters, || {
                    process::decode(&bytes, &DecodeOptions::at_least(1, 1))
                });
                print("decode8", (m, b), out?.image().as_bytes().len());
            }
            "info" => {
                let (m, b, out) = time(iters, || process::image_info(&bytes));
                print("info", (m, b), out?.ave.map_or(0, |a| a.len()));
            }
            "pieces" => {
                let (m, b, d) = time(iters, || {
                    process::decode(&bytes, &DecodeOptions::at_least(tw, th))
                });
                let d = d?;
                print(&format!("decode_1_{}", d.shrink), (m, b), 0);
                let (m, b, small) = time(iters, || {
                    process::resize(d.image(), tw, th, Filter::Lanczos3)
                });
                let small = small?;
                print("resize_rgb", (m, b), 0);
                let (m, b, out) = time(iters, || {
                    process::encode(&small, &EncodeOptions::new(Format::Jpeg).quality(85))
                });
                print("encode_jpeg", (m, b), out?.len());
                let (m, b, _) = time(3, full);
                print("decode_full", (m, b), 0);
            }
            "png" => {
                let d = full()?;
                let (m, b, out) = time(iters, || {
                    process::encode(d.image(), &EncodeOptions::new(Format::Png))
                });
                print("png", (m, b), out?.len());
            }
            "webp" => {
                let d = full()?;
                let (m, b, out) = time(iters, || {
                    process::encode(d.image(), &EncodeOptions::new(Format::Webp).quality(75))
                });
                print("webp", (m, b), out?.len());
            }
            "avif" | "webp800" => {
                // AVIF (or WebP) of the 800 px thumbnail (a full 5120x2880 AV1 encode takes
                // minutes); `--png FILE` encodes that image instead (bench/avif.py gives
                // every contestant the same pixels), `--out FILE` keeps the last output.
                let format = if task == "avif" {
                    Format::Avif
                } else {
                    Format::Webp
                };
                let small = match flag("--png") {
                    Some(png) => process::decode(&std::fs::read(png)?, &DecodeOptions::default())?
                        .image()
                        .clone(),
                    None => {
                        let d = process::decode(&bytes, &DecodeOptions::at_least(tw, th))?;
                        process::resize(d.image(), tw, th, Filter::Lanczos3)?
                    }
                };
                let q: u8 = flag("--quality").and_then(|v| v.parse().ok()).unwrap_or(75);
                let (m, b, out) = time(iters, || {
                    process::encode(&small, &EncodeOptions::new(format).quality(q))
                });
                let out = out?;
                if let Some(path) = flag("--out") {
                    std::fs::write(path, &out)?;
                }
                print(&task, (m, b), out.len());
            }
            other => return Err(format!("unknown task {other}").into()),
        }
    }
    Ok(())
}
