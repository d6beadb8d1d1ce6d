//! JPEG quality estimated from the quantisation tables, the way ImageMagick does it.
//!
//! ImageMagick compares two numbers of the file's tables against the IJG reference tables
//! scaled to every quality 1..=100: `qvalue`, a few chosen coefficients, and `sum`, all
//! coefficients of all tables. Its reference arrays are exactly the IJG tables scaled with
//! `jpeg_quality_scaling` and clamped to 1..=255 (baseline), so we compute them instead of
//! storing them.

/// IJG (JPEG Annex K) luminance table, natural order.
const STD_LUMA: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// IJG (JPEG Annex K) chrominance table, natural order.
const STD_CHROMA: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/// An IJG reference table at `quality` (1..=100), clamped to baseline values.
fn scaled(std: &[u16; 64], quality: u32) -> [u32; 64] {
    let q = quality.clamp(1, 100);
    let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
    let mut out = [0u32; 64];
    for (o, s) in out.iter_mut().zip(std.iter()) {
        *o = ((u32::from(*s) * scale + 50) / 100).clamp(1, 255);
    }
    out
}

/// Estimates the quality (1..=100) of a JPEG from its quantisation tables (natural order,
/// table slots 0..4). `None` when table 0 is missing.
pub fn estimate_quality(tables: &[Option<[u16; 64]>; 4]) -> Option<u32> {
    let t0 = tables[0].as_ref()?;
    let sum: u32 = tables
        .iter()
        .flatten()
        .map(|t| t.iter().map(|v| u32::from(*v)).sum::<u32>())
        .sum();
    let two = tables[1].as_ref();
    let qvalue = match two {
        Some(t1) => u32::from(t0[2]) + u32::from(t0[53]) + u32::from(t1[0]) + u32::from(t1[63]),
        None => u32::from(t0[2]) + u32::from(t0[53]),
    };
    for i in 0..100u32 {
        let quality = i + 1;
        let l = scaled(&STD_LUMA, quality);
        let (hash, sums) = if two.is_some() {
            let c = scaled(&STD_CHROMA, quality);
            (
                l[2] + l[53] + c[0] + c[63],
                l.iter().sum::<u32>() + c.iter().sum::<u32>(),
            )
        } else {
            (l[2] + l[53], l.iter().sum::<u32>())
        };
        if qvalue < hash && sum < sums {
            continue;
        }
        if (qvalue <= hash && sum <= sums) || i >= 50 {
            return Some(quality);
        }
        // ImageMagick leaves the quality unset here (tables unlike IJG's at low quality);
        // we fall back to inverting the IJG scaling on the luminance table.
        return Some(ijg_inverse(t0));
    }
    Some(100)
}

/// Quality from the mean ratio of a table to the IJG luminance table.
fn ijg_inverse(t: &[u16; 64]) -> u32 {
    let ratio: f64 = t
        .iter()
        .zip(STD_LUMA.iter())
        .map(|(v, s)| f64::from(*v) / f64::from(*s))
        .sum::<f64>()
        / 64.0;
    let scale = ratio * 100.0;
    let q = if scale <= 100.0 {
        (200.0 - scale) / 2.0
    } else {
        5000.0 / scale
    };
    q.round().clamp(1.0, 100.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(q: u32) -> [Option<[u16; 64]>; 4] {
        let l = scaled(&STD_LUMA, q).map(|v| v as u16);
        let c = scaled(&STD_CHROMA, q).map(|v| v as u16);
        [Some(l), Some(c), None, None]
    }

    #[test]
    fn ijg_tables_give_their_quality() {
        for q in [10, 50, 75, 85, 90, 95, 100] {
            assert_eq!(estimate_quality(&tables(q)), Some(q), "quality {q}");
        }
    }

    #[test]
    fn reference_values_match_imagemagick() {
        // ImageMagick's hash_2 starts 1020, 1015, 932; sums_2 starts 32640.
        let h = |q| {
            let l = scaled(&STD_LUMA, q);
            let c = scaled(&STD_CHROMA, q);
            l[2] + l[53] + c[0] + c[63]
        };
        assert_eq!((h(1), h(2), h(3)), (1020, 1015, 932));
        let s1: u32 =
            scaled(&STD_LUMA, 1).iter().sum::<u32>() + scaled(&STD_CHROMA, 1).iter().sum::<u32>();
        assert_eq!(s1, 32640);
    }
}
