//! `ssim-bench A B...`: for each B, prints `SSIM DSSIM` of B against A as dssim-core computes
//! them (DSSIM = 1/SSIM - 1, so SSIM = 1/(1 + DSSIM)).
use rgb::FromSlice;

fn load(attr: &dssim_core::Dssim, path: &str) -> Result<dssim_core::DssimImage<f32>, String> {
    let img = image::open(path).map_err(|e| format!("{path}: {e}"))?.to_rgb8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    attr.create_image_rgb(img.as_raw().as_rgb(), w, h)
        .ok_or_else(|| format!("{path}: cannot build the image"))
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (reference, others) = args.split_first().ok_or("usage: ssim-bench REFERENCE IMAGE...")?;
    let attr = dssim_core::Dssim::new();
    let a = load(&attr, reference)?;
    for path in others {
        let b = load(&attr, path)?;
        let (dssim, _) = attr.compare(&a, b);
        let dssim = f64::from(dssim);
        println!("{path} {:.5} {dssim:.6}", 1.0 / (1.0 + dssim));
    }
    Ok(())
}
