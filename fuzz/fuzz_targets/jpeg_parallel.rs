#![no_main]
//! Any bytes as a JPEG (after a first byte choosing the scale, the strip count and, for
//! files without restart markers, the split row): the parallel decode to YCbCr planes
//! (restart strips, the two-strip split, or at 1/8 the speculative DC decode) gives the
//! serial decode's result, never a panic. The
//! planes compare byte for byte when the parallel path ran; otherwise on the image's own
//! rows and columns (libjpeg-turbo pads an image of one MCU row with uninitialised rows).
use ci_jpeg::{decompress_to_yuv_with, DecodePath, Options};
use libfuzzer_sys::fuzz_target;
use turbojpeg::{Decompressor, ScalingFactor, Subsamp, YuvImage};

fn image_area(px: &[u8], yuv: &YuvImage<()>) -> Vec<u8> {
    let (yw, yh) = yuv.y_size();
    let mut out = Vec::new();
    let mut take = |plane: &[u8], stride: usize, w: usize, h: usize| {
        for row in plane.chunks_exact(stride.max(1)).take(h) {
            out.extend_from_slice(&row[..w]);
        }
    };
    take(&px[..yw * yh], yw, yuv.width, yuv.height);
    if yuv.subsamp != Subsamp::Gray {
        let (cw, ch) = yuv.uv_size();
        let (sw, sh) = yuv.subsamp.size();
        let (w, h) = (yuv.width.div_ceil(sw), yuv.height.div_ceil(sh));
        take(&px[yw * yh..yw * yh + cw * ch], cw, w, h);
        take(&px[yw * yh + cw * ch..], cw, w, h);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, jpeg)) = data.split_first() else {
        return;
    };
    let scale = ScalingFactor::new(1, [1, 2, 4, 8][usize::from(knobs & 3)]);
    let options = Options {
        min_pixels: 0,
        strips: 2 + usize::from((knobs >> 2) & 3),
        // Files without restart markers: the split row by the scale, or at 1/8 … 7/8.
        split: true,
        split_permille: u16::from(knobs >> 5) * 125,
        speculative: true,
    };
    let mut d = Decompressor::new().unwrap();
    d.set_scaling_factor(scale).unwrap();
    let Ok(header) = d.read_header(jpeg) else {
        return;
    };
    // Bounded memory: libjpeg-turbo allocates for the declared size.
    if header.width * header.height > 1 << 22 {
        return;
    }
    let s = header.scaled(scale);
    let Ok(len) = turbojpeg::yuv_pixels_len(s.width, 1, s.height, header.subsamp) else {
        return;
    };
    let shape = YuvImage { pixels: (), width: s.width, align: 1, height: s.height, subsamp: header.subsamp };
    let yuv = |pixels| YuvImage { pixels, width: s.width, align: 1, height: s.height, subsamp: header.subsamp };
    let mut serial = vec![0u8; len];
    let serial_result = d.decompress_to_yuv(jpeg, yuv(serial.as_mut_slice())).map_err(|e| e.to_string());
    let mut d = Decompressor::new().unwrap();
    d.set_scaling_factor(scale).unwrap();
    let mut parallel = vec![0u8; len];
    let result = decompress_to_yuv_with(&mut d, jpeg, yuv(parallel.as_mut_slice()), &options);
    let (parallel_result, path) = match result {
        Ok(path) => (Ok(()), Some(path)),
        Err(e) => (Err(e.to_string()), None),
    };
    assert_eq!(parallel_result, serial_result);
    if serial_result.is_ok() {
        if let Some(
            DecodePath::Parallel { .. } | DecodePath::Split { .. } | DecodePath::Speculative { .. },
        ) = path
        {
            assert!(parallel == serial, "planes differ");
        } else {
            assert!(image_area(&parallel, &shape) == image_area(&serial, &shape), "image differs");
        }
    }
});
