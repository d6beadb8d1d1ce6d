//! Engine micro-benchmark, run by `bench/engine.sh` (`cargo bench -p ci-core --bench engine
//! -- <jpeg>`). Prints one JSON object of median timings in milliseconds.

use std::time::Instant;

use ci_core::process::{self, DecodeOptions, EncodeOptions, Filter, Format};

fn median_ms<T>(iters: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::with_capacity(iters);
    let mut last = f(); // warm-up
    for _ in 0..iters {
        let t = Instant::now();
        last = f();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| {
            "/usr/share/wallpapers/SafeLanding/contents/images/5120x2880.jpg".into()
        });
    let heavy: usize = std::env::var("BENCH_HEAVY_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let bytes = std::fs::read(&path)?;
    let p = process::probe(&bytes)?;
    let (tw, th) = process::fit_width(p.width, p.height, 800);

    let (thumb, out) = median_ms(15, || process::thumbnail_jpeg(&bytes, 800, 85));
    let thumb_size = out?.len();
    let (dec8, _) = median_ms(15, || {
        process::decode(&bytes, &DecodeOptions::at_least(1, 1))
    });
    let (dec_shrink, d) = median_ms(15, || {
        process::decode(&bytes, &DecodeOptions::at_least(tw, th))
    });
    let d = d?;
    let (resize, small) = median_ms(15, || process::resize(d.image(), tw, th, Filter::Lanczos3));
    let small = small?;
    let (enc, _) = median_ms(15, || {
        process::encode(&small, &EncodeOptions::new(Format::Jpeg).quality(85))
    });
    let (info, _) = median_ms(15, || process::image_info(&bytes));
    let (dec_full, full) = median_ms(3, || process::decode(&bytes, &DecodeOptions::default()));
    let full = full?;
    let (png, png_out) = median_ms(heavy, || {
        process::encode(full.image(), &EncodeOptions::new(Format::Png))
    });
    let (webp, webp_out) = median_ms(heavy, || {
        process::encode(full.image(), &EncodeOptions::new(Format::Webp).quality(75))
    });
    println!(
        "{{\"thumb_ms\":{thumb:.2},\"thumb_bytes\":{thumb_size},\"shrink\":{},\"decode_shrink_ms\":{dec_shrink:.2},\
\"resize_ms\":{resize:.2},\"encode_ms\":{enc:.2},\"decode_1_8_ms\":{dec8:.2},\"decode_full_ms\":{dec_full:.2},\
\"info_ms\":{info:.2},\"png_ms\":{png:.1},\"png_bytes\":{},\"webp_ms\":{webp:.1},\"webp_bytes\":{}}}",
        d.shrink,
        png_out?.len(),
        webp_out?.len()
    );
    Ok(())
}
