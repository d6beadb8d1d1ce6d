//! ImageInfo and the `imageInfo`, `imageAve` and `exif` answers.

use image::DynamicImage;
use md5::{Digest, Md5};

use super::codec::{self, DecodeOptions};
use super::error::Result;
use super::limits::{Format, Limits, Probe};
use super::meta::{self, Metadata};
use crate::result::ImageInfo;

/// DPI reported when the file states none (**ours**).
pub const DEFAULT_DPI: u32 = 72;

/// Mean colour of an image as `0xrrggbb` (alpha ignored; rounded to nearest).
pub fn average_color(img: &DynamicImage) -> String {
    let (mut r, mut g, mut b, mut n) = (0u64, 0u64, 0u64, 0u64);
    let mut add = |p: &[u8]| {
        r += u64::from(p[0]);
        g += u64::from(p[1]);
        b += u64::from(p[2]);
        n += 1;
    };
    match img {
        DynamicImage::ImageRgb8(i) => i.as_raw().chunks_exact(3).for_each(&mut add),
        DynamicImage::ImageRgba8(i) => i.as_raw().chunks_exact(4).for_each(&mut add),
        DynamicImage::ImageLuma8(i) => i.as_raw().iter().for_each(|v| add(&[*v, *v, *v])),
        other => other.to_rgb8().as_raw().chunks_exact(3).for_each(&mut add),
    }
    let n = n.max(1);
    let avg = |s: u64| (s + n / 2) / n;
    format!("0x{:02x}{:02x}{:02x}", avg(r), avg(g), avg(b))
}

/// Everything [`image_info`] computes, plus what the JSON answers need.
#[derive(Debug, Clone)]
pub struct InfoReport {
    /// The `ImageInfo` of the input.
    pub info: ImageInfo,
    /// Input size in bytes.
    pub size: u64,
    /// Header facts.
    pub probe: Probe,
    /// File metadata (EXIF bytes etc.).
    pub meta: Metadata,
}

/// ImageInfo of `bytes` with the default limits. See [`image_info_with`].
pub fn image_info(bytes: &[u8]) -> Result<ImageInfo> {
    Ok(image_info_with(bytes, &Limits::default())?.info)
}

/// ImageInfo of an input file: header facts, MD5, quality estimate, EXIF orientation and
/// DPI, and the mean colour — computed on a 1/8 shrink-on-load decode for JPEG and still
/// WebP (libwebp's scaler weights colour by alpha), on the first frame otherwise. AVIF in a build without the `avif` feature gets everything but
/// `Ave`.
pub fn image_info_with(bytes: &[u8], limits: &Limits) -> Result<InfoReport> {
    let probe = limits.probe_checked(bytes)?;
    let ave_and_meta = || -> Result<(Option<String>, Metadata)> {
        if probe.format == Format::Avif && !cfg!(feature = "avif") {
            return Ok((None, meta::read(bytes, probe.format)));
        }
        let opts = DecodeOptions {
            limits: limits.clone(),
            min_size: Some((1, 1)),
            all_frames: false,
        };
        let d = codec::decode(bytes, &opts)?;
        Ok((Some(average_color(d.image())), d.meta))
    };
    // The file's MD5 and the decode are independent: on two cores the MD5 (about 15 % of
    // the time for a large JPEG) is free.
    let (md5, ave_and_meta) = rayon::join(|| hex::encode(Md5::digest(bytes)), ave_and_meta);
    let (ave, meta) = ave_and_meta?;
    let (hdpi, vdpi) = meta.dpi.unwrap_or((DEFAULT_DPI, DEFAULT_DPI));
    let info = ImageInfo {
        md5: Some(md5),
        format: probe.format.name().to_string(),
        width: probe.width,
        height: probe.height,
        quality: Some(if probe.format == Format::Jpeg {
            meta.jpeg_quality.unwrap_or(100)
        } else {
            100
        }),
        ave,
        orientation: Some(meta.orientation),
        frame_count: Some(probe.frames),
        bit_depth: Some(meta.bit_depth),
        vertical_dpi: Some(vdpi),
        horizontal_dpi: Some(hdpi),
    };
    Ok(InfoReport {
        info,
        size: bytes.len() as u64,
        probe,
        meta,
    })
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The `imageInfo` answer for `bytes`. See [`InfoReport::to_json`].
pub fn image_info_json(bytes: &[u8], limits: &Limits) -> Result<String> {
    Ok(image_info_with(bytes, limits)?.to_json())
}

impl InfoReport {
    /// The `imageInfo` answer: a JSON object whose values are strings, keys in this
    /// order: `format` (lower case, `jpeg` for JPEG as the cloud answers, else the rule name:
    /// `png`, `gif`, `webp`, ...), `width height size md5
    /// frame_count`, and (**ours**) `bit_depth vertical_dpi horizontal_dpi orientation`.
    ///
    /// ```
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus");
    /// let photo = std::fs::read(format!("{dir}/photo.jpg"))?;
    /// let report = ci_core::process::image_info_with(&photo, &Default::default())?;
    /// let json = report.to_json();
    /// assert!(json.starts_with(r#"{"format":"jpeg","width":"640","height":"400""#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> String {
        let i = &self.info;
        let fields: [(&str, String); 10] = [
            ("format", info_format_name(self.probe.format).to_string()),
            ("width", i.width.to_string()),
            ("height", i.height.to_string()),
            ("size", self.size.to_string()),
            ("md5", i.md5.clone().unwrap_or_default()),
            ("frame_count", i.frame_count.unwrap_or(1).to_string()),
            ("bit_depth", i.bit_depth.unwrap_or(8).to_string()),
            (
                "vertical_dpi",
                i.vertical_dpi.unwrap_or(DEFAULT_DPI).to_string(),
            ),
            (
                "horizontal_dpi",
                i.horizontal_dpi.unwrap_or(DEFAULT_DPI).to_string(),
            ),
            ("orientation", i.orientation.unwrap_or(0).to_string()),
        ];
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}:{}", json_str(k), json_str(v)))
            .collect();
        format!("{{{}}}", body.join(","))
    }
}

/// The `imageInfo` answer's name of a format: the cloud writes `jpeg` where rules and
/// ProcessResults write `jpg` (its documented answer:
/// `{"format": "jpeg", "width": "960", ...}`).
fn info_format_name(format: Format) -> &'static str {
    match format {
        Format::Jpeg => "jpeg",
        other => other.rule_name(),
    }
}

/// The `imageAve` answer: `{"RGB":"0xrrggbb"}`.
pub fn image_ave_json(bytes: &[u8], limits: &Limits) -> Result<String> {
    let opts = DecodeOptions {
        limits: limits.clone(),
        min_size: Some((1, 1)),
        all_frames: false,
    };
    let d = codec::decode(bytes, &opts)?;
    Ok(format!(
        "{{\"RGB\":{}}}",
        json_str(&average_color(d.image()))
    ))
}

/// What the cloud answers for an image without EXIF.
pub const NO_EXIF_JSON: &str = r#"{"error" : "no exif data"}"#;

/// The `exif` answer: one entry per primary-IFD tag (IFD0, Exif and GPS IFDs),
/// `{"Make":{"val":"Canon","type":2}, ...}` with the TIFF type code, keys sorted; or
/// [`NO_EXIF_JSON`]. Checks the limits from the header first; decodes no pixels.
pub fn exif_json(bytes: &[u8], limits: &Limits) -> Result<String> {
    let probe = limits.probe_checked(bytes)?;
    let m = meta::read(bytes, probe.format);
    let Some(parsed) = m
        .exif
        .and_then(|raw| exif::Reader::new().read_raw(raw).ok())
    else {
        return Ok(NO_EXIF_JSON.to_string());
    };
    let mut map = serde_json::Map::new();
    for f in parsed.fields().filter(|f| f.ifd_num == exif::In::PRIMARY) {
        let name = f.tag.to_string();
        if map.contains_key(&name) {
            continue;
        }
        let (val, ty) = exif_value(&f.value);
        map.insert(name, serde_json::json!({ "val": val, "type": ty }));
    }
    if map.is_empty() {
        return Ok(NO_EXIF_JSON.to_string());
    }
    Ok(serde_json::Value::Object(map).to_string())
}

/// A value as text and its TIFF type code.
fn exif_value(v: &exif::Value) -> (String, u16) {
    use exif::Value as V;
    let join = |xs: Vec<String>| xs.join(" ");
    match v {
        V::Byte(x) => (join(x.iter().map(|v| v.to_string()).collect()), 1),
        V::Ascii(x) => (
            x.iter()
                .map(|s| {
                    String::from_utf8_lossy(s)
                        .trim_end_matches('\0')
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join(" "),
            2,
        ),
        V::Short(x) => (join(x.iter().map(|v| v.to_string()).collect()), 3),
        V::Long(x) => (join(x.iter().map(|v| v.to_string()).collect()), 4),
        V::Rational(x) => (
            join(x.iter().map(|r| format!("{}/{}", r.num, r.denom)).collect()),
            5,
        ),
        V::SByte(x) => (join(x.iter().map(|v| v.to_string()).collect()), 6),
        V::Undefined(..) => (v.display_as(exif::Tag::ExifVersion).to_string(), 7),
        V::SShort(x) => (join(x.iter().map(|v| v.to_string()).collect()), 8),
        V::SLong(x) => (join(x.iter().map(|v| v.to_string()).collect()), 9),
        V::SRational(x) => (
            join(x.iter().map(|r| format!("{}/{}", r.num, r.denom)).collect()),
            10,
        ),
        V::Float(x) => (join(x.iter().map(|v| v.to_string()).collect()), 11),
        V::Double(x) => (join(x.iter().map(|v| v.to_string()).collect()), 12),
        V::Unknown(t, _, _) => (String::new(), *t),
    }
}
