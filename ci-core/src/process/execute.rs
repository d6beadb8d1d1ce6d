//! The rule executor: runs a parsed [`ProcessingRule`] on image bytes.
//!
//! One decode (with JPEG / still-WebP shrink-on-load when the rule starts with a
//! shrinking `thumbnail`/`imageView2`), the stages in order on the pixels (a `|` pipeline hands the
//! pixels of one stage to the next without re-encoding), one encode. The output settings
//! (`format`, quality, `interlace`, `strip`, `size-limit`) of the last stage that sets
//! them win. A rule made of a single `imageMogr2/thumbnail/...` on a YCbCr JPEG into a
//! JPEG takes the YCbCr fast path of [`thumbnail_jpeg`](super::thumbnail_jpeg).
//!
//! **(ours)** choices made here:
//! - the input's EXIF and ICC are kept (JPEG/PNG outputs) unless `strip`; after
//!   `auto-orient` the kept EXIF says Orientation 1;
//! - `imageInfo` / `imageAve` / `exif` must be the last stage; after other stages they
//!   describe the encoded result of those stages;
//! - `ignore-error/1` anywhere in the rule: a limit error (`ImageTooLarge`,
//!   `ImageResolutionExceed`) returns the input unchanged;
//! - `scrop` returns its input unchanged (no face detector in this build, which is what
//!   the cloud does when it finds no face);
//! - `blur`, `iradius`, `rradius` on a GIF input are `InvalidArgument` (spec: "not for GIF");
//! - without a quality setting a JPEG input keeps its estimated quality, other inputs
//!   encode lossy outputs at 85;
//! - `QRcode` reads the codes of the pixels it receives (after earlier stages) and
//!   covers them on every frame with `cover/1`; a rule made only of `QRcode` stages
//!   without `cover/1` answers the input bytes unchanged, with the codes;
//! - stages the engine does not run (opaque ones, `watermark/3`/`4`, `QRcode/bar-type/2`)
//!   fail with `UnsupportedStage` before anything is decoded.

use std::sync::Arc;

use image::DynamicImage;
use md5::{Digest, Md5};
use rayon::prelude::*;

use super::codec::{self, DecodeOptions, Decoded, EncodeOptions, Frame};
use super::error::{ProcessError, Result};
use super::font::FontResolver;
use super::info;
use super::jpeg;
use super::limits::{Format, Limits, Probe};
use super::meta::{self, Metadata};
use super::ops::output::{self, QualitySetting};
use super::ops::{animation, effects, geometry, matting, watermark};
use super::qr::{self, FoundCode};
use crate::result::ImageInfo;
use crate::rule::{
    BarType, Flip, Gravity, ImageView2, MogrOp, ProcessingRule, SizeLimit, Stage, Thumbnail,
    Watermark,
};

/// Turns a watermark URL (`http://<bucket>.cos.<region>.myqcloud.com/<key>`) into bytes.
pub type ImageResolver<'a> = dyn Fn(&str) -> Result<Vec<u8>> + Send + Sync + 'a;

/// Turns a style name into its rule (the bucket's styles).
pub type StyleResolver<'a> = dyn Fn(&str) -> Result<ProcessingRule> + Send + Sync + 'a;

/// How to execute a rule.
#[derive(Clone, Default)]
pub struct ExecuteOptions<'a> {
    /// Limits checked before decoding (input) and before allocating (outputs).
    pub limits: Limits,
    /// Fetches `watermark/1` images; without it, image watermarks are `InvalidArgument`.
    pub image_resolver: Option<&'a ImageResolver<'a>>,
    /// Expands `style/NAME` stages; without it, they are `InvalidArgument`
    /// ("style needs a bucket").
    pub style_resolver: Option<&'a StyleResolver<'a>>,
    /// Supplies the fonts of `watermark/2` (e.g. a [`FontDir`](super::FontDir)); without
    /// it, or for the characters its fonts lack, text is drawn in the bundled DejaVu
    /// Sans, which has no CJK glyphs. See the [`font`](super::font) module.
    pub font_resolver: Option<&'a FontResolver<'a>>,
}

impl std::fmt::Debug for ExecuteOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecuteOptions")
            .field("limits", &self.limits)
            .field("image_resolver", &self.image_resolver.is_some())
            .field("style_resolver", &self.style_resolver.is_some())
            .field("font_resolver", &self.font_resolver.is_some())
            .finish()
    }
}

/// The result of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Encoded image, or JSON for `imageInfo` / `imageAve` / `exif`.
    pub bytes: Vec<u8>,
    /// Format of an image output; `None` for JSON answers.
    pub format: Option<Format>,
    /// MIME type of `bytes`.
    pub content_type: &'static str,
    /// Facts about the output: `Format` is the engine's upper-case name (callers pick the
    /// case they need: `Format::rule_name` for ProcessResults), `Quality` the resolved
    /// quality (for lossless outputs the input's), `Md5`, `Size`-free (use `bytes.len()`),
    /// `Ave`, `FrameCount`, `BitDepth`, DPI, `Orientation` read back from the output. For
    /// JSON answers only `Md5` is set.
    pub info: ImageInfo,
    /// The codes a `QRcode` stage found (the last such stage's), in the pixels of the
    /// output; `None` when the rule has no `QRcode` stage. Feeds `CodeStatus` and
    /// `QRcodeInfo` ([`FoundCode::to_info`]).
    pub qr_codes: Option<Vec<FoundCode>>,
}

/// Runs `rule` on `input`.
///
/// Errors: the limit errors before decoding (`ImageTooLarge`, `ImageResolutionExceed`),
/// `InvalidImageFormat` for undecodable input, `UnsupportedFormat` for outputs without an
/// encoder (`tpg`, `heif`, `yjpeg`; `avif` without the `avif` feature), `InvalidArgument` when
/// the rule cannot apply
/// (a crop outside the image, a style without resolver, ...).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use ci_core::process::{execute, ExecuteOptions, Format};
/// let photo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus/photo.jpg"))?;
/// let rule = ci_core::rule::ProcessingRule::parse("imageMogr2/thumbnail/200x/format/webp/quality/80")?;
/// let out = execute(&photo, &rule, &ExecuteOptions::default())?;
/// assert_eq!(out.format, Some(Format::Webp));
/// assert_eq!((out.info.width, out.info.height), (200, 125));
/// assert_eq!(out.info.quality, Some(80));
/// # Ok(()) }
/// ```
pub fn execute(input: &[u8], rule: &ProcessingRule, opts: &ExecuteOptions<'_>) -> Result<Output> {
    let rule = expand_styles(rule, opts)?;
    let ignore = has_ignore_error(&rule);
    match execute_inner(input, &rule, opts, None) {
        Err(e) if ignore && is_limit_error(&e) => passthrough(input, &opts.limits),
        other => other,
    }
}

/// Runs several rules on one input: the input is decoded once (full size, all frames)
/// and the rules run in parallel (rayon). Results come in the order of `rules`.
pub fn execute_many(
    input: &[u8],
    rules: &[ProcessingRule],
    opts: &ExecuteOptions<'_>,
) -> Vec<Result<Output>> {
    let expanded: Vec<Result<ProcessingRule>> = rules
        .iter()
        .map(|r| {
            let r = expand_styles(r, opts)?;
            validate(&r)?;
            Ok(r)
        })
        .collect();
    let needs_pixels = expanded
        .iter()
        .flatten()
        .any(|r| !is_json_only(r) && !r.stages.is_empty());
    let decoded: Option<Result<Arc<Decoded>>> = needs_pixels.then(|| {
        let d = DecodeOptions {
            limits: opts.limits.clone(),
            min_size: None,
            all_frames: true,
        };
        codec::decode(input, &d).map(Arc::new)
    });
    expanded
        .into_par_iter()
        .map(|rule| {
            let rule = rule?;
            let ignore = has_ignore_error(&rule);
            let result = match (&decoded, is_json_only(&rule)) {
                (Some(Ok(d)), false) => execute_inner(input, &rule, opts, Some(d.clone())),
                (Some(Err(e)), false) => Err(clone_error(e)),
                _ => execute_inner(input, &rule, opts, None),
            };
            match result {
                Err(e) if ignore && is_limit_error(&e) => passthrough(input, &opts.limits),
                other => other,
            }
        })
        .collect()
}

fn clone_error(e: &ProcessError) -> ProcessError {
    match e {
        ProcessError::InvalidImageFormat(s) => ProcessError::InvalidImageFormat(s.clone()),
        ProcessError::ImageTooLarge { size, limit } => ProcessError::ImageTooLarge {
            size: *size,
            limit: *limit,
        },
        ProcessError::ImageResolutionExceed(s) => ProcessError::ImageResolutionExceed(s.clone()),
        ProcessError::UnsupportedFormat(s) => ProcessError::UnsupportedFormat(s.clone()),
        ProcessError::InvalidArgument(s) => ProcessError::InvalidArgument(s.clone()),
        ProcessError::UnsupportedStage { stage } => ProcessError::UnsupportedStage {
            stage: stage.clone(),
        },
        other => ProcessError::Encode(other.to_string()),
    }
}

fn is_limit_error(e: &ProcessError) -> bool {
    matches!(
        e,
        ProcessError::ImageTooLarge { .. } | ProcessError::ImageResolutionExceed(_)
    )
}

fn has_ignore_error(rule: &ProcessingRule) -> bool {
    rule.stages.iter().any(|s| match s {
        Stage::ImageMogr2(ops) => ops.iter().any(|o| matches!(o, MogrOp::IgnoreError)),
        Stage::ImageView2(v) => v.ignore_error,
        _ => false,
    })
}

/// What this engine cannot run in a stage (see [`ProcessError::UnsupportedStage`]).
fn unsupported(stage: &Stage) -> Option<String> {
    match stage {
        Stage::Opaque(o) => Some(if o.as_str().len() <= 80 {
            o.as_str().to_owned()
        } else {
            format!("{} (a parameter this build does not model)", o.keyword())
        }),
        Stage::ImageMogr2(ops) => ops.iter().find_map(|op| match op {
            MogrOp::Opaque(o) => Some(format!("imageMogr2/{}", o.name())),
            _ => None,
        }),
        Stage::Watermark(w @ (Watermark::Blind(_) | Watermark::ExtractBlind(_))) => {
            Some(format!("watermark/{}", w.kind()))
        }
        Stage::QrCode(q) if q.bar_type == Some(BarType::Barcode) => {
            Some("QRcode/bar-type/2 (barcodes)".to_owned())
        }
        _ => None,
    }
}

fn is_json_stage(s: &Stage) -> bool {
    matches!(s, Stage::ImageInfo | Stage::ImageAve | Stage::Exif)
}

fn is_json_only(rule: &ProcessingRule) -> bool {
    rule.stages.len() == 1 && is_json_stage(&rule.stages[0])
}

/// Replaces `style/NAME` stages by the stages of the style (one level deep).
fn expand_styles(rule: &ProcessingRule, opts: &ExecuteOptions<'_>) -> Result<ProcessingRule> {
    if rule.style_names().next().is_none() {
        return Ok(rule.clone());
    }
    let resolver = opts
        .style_resolver
        .ok_or_else(|| ProcessError::InvalidArgument("style needs a bucket".into()))?;
    let mut stages = Vec::with_capacity(rule.stages.len());
    for s in &rule.stages {
        match s {
            Stage::Style(name) => {
                let r = resolver(name)?;
                if r.style_names().next().is_some() {
                    return Err(ProcessError::InvalidArgument(format!(
                        "style {name} refers to another style"
                    )));
                }
                stages.extend(r.stages);
            }
            other => stages.push(other.clone()),
        }
    }
    Ok(ProcessingRule { stages })
}

/// The input unchanged (ignore-error), with what can be said about it.
fn passthrough(input: &[u8], limits: &Limits) -> Result<Output> {
    let format = Format::sniff(input);
    let info = match info::image_info_with(input, limits) {
        Ok(r) => r.info,
        Err(_) => {
            let p = super::limits::probe(input).ok();
            ImageInfo {
                md5: Some(hex::encode(Md5::digest(input))),
                format: format.map(|f| f.name().to_string()).unwrap_or_default(),
                width: p.as_ref().map_or(0, |p| p.width),
                height: p.as_ref().map_or(0, |p| p.height),
                frame_count: p.as_ref().map(|p| p.frames),
                ..ImageInfo::default()
            }
        }
    };
    Ok(Output {
        bytes: input.to_vec(),
        format,
        content_type: format.map_or("application/octet-stream", output::content_type),
        info,
        qr_codes: None,
    })
}

/// Output settings collected over the stages (the last one that sets a value wins).
#[derive(Debug, Clone, Default)]
struct Settings {
    format: Option<Format>,
    quality: Option<QualitySetting>,
    progressive: bool,
    strip: bool,
    size_limit: Option<SizeLimit>,
    oriented: bool,
    matting: bool,
    qr_codes: Option<Vec<FoundCode>>,
}

/// The pixels between stages.
struct Canvas {
    frames: Vec<Frame>,
    meta: Metadata,
    /// The size to compute the next geometry from, when the decoder shrank on load.
    logical: Option<(u32, u32)>,
}

impl Canvas {
    fn size(&self) -> (u32, u32) {
        self.logical.unwrap_or_else(|| {
            let i = &self.frames[0].image;
            (i.width(), i.height())
        })
    }

    fn map(&mut self, f: impl Fn(&DynamicImage) -> DynamicImage + Sync) {
        self.logical = None;
        if self.frames.len() > 1 {
            self.frames
                .par_iter_mut()
                .for_each(|fr| fr.image = f(&fr.image));
        } else {
            for fr in &mut self.frames {
                fr.image = f(&fr.image);
            }
        }
    }

    fn try_map(&mut self, f: impl Fn(&DynamicImage) -> Result<DynamicImage> + Sync) -> Result<()> {
        self.logical = None;
        let imgs: Result<Vec<DynamicImage>> = if self.frames.len() > 1 {
            self.frames.par_iter().map(|fr| f(&fr.image)).collect()
        } else {
            self.frames.iter().map(|fr| f(&fr.image)).collect()
        };
        for (fr, img) in self.frames.iter_mut().zip(imgs?) {
            fr.image = img;
        }
        Ok(())
    }
}

/// What the whole rule knows about its input.
struct Source {
    probe: Probe,
    /// Estimated JPEG quality, 100 for other inputs.
    quality: u32,
}

fn execute_inner(
    input: &[u8],
    rule: &ProcessingRule,
    opts: &ExecuteOptions<'_>,
    shared: Option<Arc<Decoded>>,
) -> Result<Output> {
    let limits = &opts.limits;
    validate(rule)?;
    if is_json_only(rule) {
        return json_output(input, &rule.stages[0], limits);
    }
    let probe = limits.probe_checked(input)?;
    if rule
        .stages
        .iter()
        .all(|s| matches!(s, Stage::QrCode(q) if !q.covers()))
    {
        // Recognition only: the stored result is the input itself, not a re-encoding.
        let codes = match shared {
            Some(d) => qr::recognise_image(d.image()),
            None => qr::recognise_image(
                codec::decode(
                    input,
                    &DecodeOptions {
                        limits: limits.clone(),
                        min_size: None,
                        all_frames: false,
                    },
                )?
                .image(),
            ),
        };
        let mut out = passthrough(input, limits)?;
        out.qr_codes = Some(codes);
        return Ok(out);
    }
    let target = final_format(rule)?;
    if shared.is_none() {
        if let Some(out) = jpeg_fast_path(input, &probe, rule, limits)? {
            return Ok(out);
        }
    }
    let decoded = match shared {
        Some(d) => {
            let mut d = (*d).clone();
            if !keeps_animation(&probe, target) {
                d.frames.truncate(1);
            }
            d
        }
        None => {
            let min_size = shrink_target(rule, &probe);
            let d = DecodeOptions {
                limits: limits.clone(),
                min_size,
                all_frames: keeps_animation(&probe, target),
            };
            codec::decode(input, &d)?
        }
    };
    let src_quality = if probe.format == Format::Jpeg {
        decoded.meta.jpeg_quality.unwrap_or(100)
    } else {
        100
    };
    let logical = (decoded.shrink > 1).then_some((probe.width, probe.height));
    let src = Source {
        probe,
        quality: src_quality,
    };
    let mut canvas = Canvas {
        frames: decoded.frames,
        meta: decoded.meta,
        logical,
    };
    let mut settings = Settings::default();
    for stage in &rule.stages {
        if is_json_stage(stage) {
            // validate() put it last: describe the result of the stages before.
            let (bytes, _, _) = encode_canvas(&canvas, &settings, &src, limits)?;
            return json_output(&bytes, stage, limits);
        }
        run_stage(&mut canvas, stage, &mut settings, &src, opts)?;
    }
    let (bytes, format, quality) = encode_canvas(&canvas, &settings, &src, limits)?;
    if let Some(sl) = settings.size_limit {
        if sl.keep_smaller && bytes.len() >= input.len() {
            return passthrough(input, limits);
        }
    }
    let mut info = info::image_info_with(&bytes, &Limits::default())?.info;
    info.quality = Some(quality);
    Ok(Output {
        bytes,
        format: Some(format),
        content_type: output::content_type(format),
        info,
        qr_codes: settings.qr_codes,
    })
}

/// Structural checks the parser leaves to the engine.
fn validate(rule: &ProcessingRule) -> Result<()> {
    if rule.stages.is_empty() {
        return Err(ProcessError::InvalidArgument("empty rule".into()));
    }
    // First what the engine cannot run at all: that is the answer, whatever else is wrong.
    if let Some(stage) = rule.stages.iter().find_map(unsupported) {
        return Err(ProcessError::UnsupportedStage { stage });
    }
    let last = rule.stages.len() - 1;
    for (i, s) in rule.stages.iter().enumerate() {
        if is_json_stage(s) && i != last {
            return Err(ProcessError::InvalidArgument(format!(
                "{} must be the last stage",
                s.keyword()
            )));
        }
        if let Stage::Style(name) = s {
            return Err(ProcessError::InvalidArgument(format!(
                "style/{name} needs a bucket"
            )));
        }
    }
    Ok(())
}

/// The output format the rule asks for (last `format` wins; matting is PNG), checked for
/// an encoder before any decoding.
fn final_format(rule: &ProcessingRule) -> Result<Option<Format>> {
    let mut f = None;
    for s in &rule.stages {
        match s {
            Stage::ImageMogr2(ops) => {
                for op in ops {
                    if let MogrOp::Format(x) = op {
                        f = Some(output::engine_format(*x)?);
                    }
                }
            }
            Stage::ImageView2(v) => {
                if let Some(x) = v.format {
                    f = Some(output::engine_format(x)?);
                }
            }
            Stage::AiPicMatting(_) => f = Some(Format::Png),
            _ => {}
        }
    }
    Ok(f)
}

fn keeps_animation(probe: &Probe, target: Option<Format>) -> bool {
    probe.frames > 1 && matches!(target.unwrap_or(probe.format), Format::Gif | Format::Webp)
}

/// The first operation of the rule when it is a resize that only shrinks: its result
/// size is the shrink-on-load bound.
fn first_resize_target(rule: &ProcessingRule, w: u32, h: u32) -> Option<(u32, u32)> {
    match rule.stages.first()? {
        Stage::ImageMogr2(ops) => match ops.first()? {
            MogrOp::Thumbnail(t) if geometry::thumbnail_shrinks(t, w, h) => {
                Some(geometry::thumbnail_size(t, w, h))
            }
            _ => None,
        },
        Stage::ImageView2(ImageView2 {
            mode: Some(m),
            w: bw,
            h: bh,
            ..
        }) => Some(geometry::view2_size(*m, *bw, *bh, w, h).0),
        _ => None,
    }
}

/// The shrink-on-load bound of the decode: for JPEG and still WebP (the decoders that
/// scale on load), when the rule starts with a shrinking resize.
fn shrink_target(rule: &ProcessingRule, probe: &Probe) -> Option<(u32, u32)> {
    let scales_on_load = match probe.format {
        Format::Jpeg => true,
        Format::Webp => probe.frames <= 1,
        _ => false,
    };
    if !scales_on_load {
        return None;
    }
    let (w, h) = (probe.width, probe.height);
    let t = first_resize_target(rule, w, h)?;
    // Lanczos3 wants some margin over the target: ask for at least the target size.
    (t.0 < w && t.1 < h).then_some(t)
}

/// `imageMogr2/thumbnail/<shrinking>` [+ quality/format jpg/strip] on a YCbCr JPEG into a
/// JPEG: the YCbCr thumbnail path of `thumb.rs`.
fn jpeg_fast_path(
    input: &[u8],
    probe: &Probe,
    rule: &ProcessingRule,
    limits: &Limits,
) -> Result<Option<Output>> {
    if probe.format != Format::Jpeg || rule.stages.len() != 1 {
        return Ok(None);
    }
    let Stage::ImageMogr2(ops) = &rule.stages[0] else {
        return Ok(None);
    };
    let Some(MogrOp::Thumbnail(t)) = ops.first() else {
        return Ok(None);
    };
    let mut settings = Settings::default();
    for op in &ops[1..] {
        match op {
            MogrOp::Format(f) if output::engine_format(*f)? == Format::Jpeg => {}
            MogrOp::Quality(q) => settings.quality = Some(QualitySetting::Absolute(*q)),
            MogrOp::RQuality(r) => settings.quality = Some(QualitySetting::Relative(*r)),
            MogrOp::LQuality(l) => settings.quality = Some(QualitySetting::Lower(*l)),
            MogrOp::Strip => settings.strip = true,
            MogrOp::Interlace(false) | MogrOp::IgnoreError => {}
            _ => return Ok(None),
        }
    }
    let (w, h) = (probe.width, probe.height);
    if !geometry::thumbnail_shrinks(t, w, h) {
        return Ok(None);
    }
    let (tw, th) = geometry::thumbnail_size(t, w, h);
    limits.check_output(tw, th)?;
    let m = meta::read(input, Format::Jpeg);
    let src_q = m.jpeg_quality.unwrap_or(100);
    let q = output::resolve_quality(src_q, true, settings.quality);
    let Some(mut bytes) =
        super::thumb::jpeg_thumbnail_yuv(input, probe, (tw, th), q.clamp(1, 100) as u8)?
    else {
        return Ok(None);
    };
    if !settings.strip && (m.exif.is_some() || m.icc.is_some()) {
        bytes = jpeg::insert_metadata(&bytes, m.exif.as_deref(), m.icc.as_deref());
    }
    let mut info = info::image_info_with(&bytes, &Limits::default())?.info;
    info.quality = Some(q);
    Ok(Some(Output {
        bytes,
        format: Some(Format::Jpeg),
        content_type: output::content_type(Format::Jpeg),
        info,
        qr_codes: None,
    }))
}

fn json_output(bytes: &[u8], stage: &Stage, limits: &Limits) -> Result<Output> {
    let json = match stage {
        Stage::ImageInfo => info::image_info_json(bytes, limits)?,
        Stage::ImageAve => info::image_ave_json(bytes, limits)?,
        _ => info::exif_json(bytes, limits)?,
    };
    let bytes = json.into_bytes();
    Ok(Output {
        info: ImageInfo {
            md5: Some(hex::encode(Md5::digest(&bytes))),
            ..ImageInfo::default()
        },
        bytes,
        format: None,
        content_type: "application/json",
        qr_codes: None,
    })
}

fn no_gif(src: &Source, op: &str) -> Result<()> {
    if src.probe.format == Format::Gif {
        return Err(ProcessError::InvalidArgument(format!(
            "{op} does not apply to GIF"
        )));
    }
    Ok(())
}

fn run_stage(
    canvas: &mut Canvas,
    stage: &Stage,
    settings: &mut Settings,
    src: &Source,
    opts: &ExecuteOptions<'_>,
) -> Result<()> {
    let limits = &opts.limits;
    match stage {
        Stage::ImageMogr2(ops) => run_mogr(canvas, ops, settings, src, limits),
        Stage::ImageView2(v) => {
            if let Some(mode) = v.mode {
                let (w, h) = canvas.size();
                let ((rw, rh), crop) = geometry::view2_size(mode, v.w, v.h, w, h);
                limits.check_output(rw, rh)?;
                canvas.try_map(|img| geometry::resize_to(img, rw, rh))?;
                if let Some((cw, ch)) = crop {
                    if (cw, ch) != (rw, rh) {
                        let region = geometry::crop_region(
                            &crate::rule::Crop::Size { w: cw, h: ch },
                            Some(Gravity::Center),
                            rw,
                            rh,
                        )?;
                        canvas.map(|img| geometry::crop(img, region));
                    }
                }
            }
            if let Some(f) = v.format {
                settings.format = Some(output::engine_format(f)?);
            }
            if let Some(q) = v.quality {
                settings.quality = Some(QualitySetting::Absolute(q));
            }
            if let Some(r) = v.rquality {
                settings.quality = Some(QualitySetting::Relative(r));
            }
            if let Some(l) = v.lquality {
                settings.quality = Some(QualitySetting::Lower(l));
            }
            Ok(())
        }
        Stage::Watermark(wm) => {
            let (mark, placement) = match wm {
                Watermark::Image(iw) => {
                    let resolver = opts.image_resolver.ok_or_else(|| {
                        ProcessError::InvalidArgument("watermark/1 needs an image resolver".into())
                    })?;
                    let bytes = resolver(&iw.image)?;
                    let d = codec::decode(
                        &bytes,
                        &DecodeOptions {
                            limits: limits.clone(),
                            min_size: None,
                            all_frames: false,
                        },
                    )?;
                    if d.probe.frames > 1 {
                        return Err(ProcessError::InvalidArgument(
                            "an animated image cannot be a watermark".into(),
                        ));
                    }
                    (d.into_image().to_rgba8(), watermark::Placement::image(iw))
                }
                Watermark::Blind(_) | Watermark::ExtractBlind(_) => {
                    return Err(ProcessError::UnsupportedStage {
                        stage: format!("watermark/{}", wm.kind()),
                    })
                }
                Watermark::Text(tw) => (
                    watermark::render_text(
                        &tw.text,
                        tw.font.as_deref(),
                        opts.font_resolver,
                        f32::from(tw.fontsize.unwrap_or(13)),
                        tw.fill.unwrap_or([0x3D, 0x3D, 0x3D]),
                        tw.shadow.unwrap_or(0),
                    )?,
                    watermark::Placement::text(tw),
                ),
            };
            canvas.try_map(|img| watermark::composite(img, mark.clone(), &placement))
        }
        Stage::AiPicMatting(m) => {
            canvas.frames.truncate(1);
            canvas.map(|img| matting::matting(img, m));
            settings.format = Some(Format::Png);
            settings.matting = true;
            Ok(())
        }
        Stage::ImageInfo | Stage::ImageAve | Stage::Exif | Stage::Style(_) => Err(
            ProcessError::InvalidArgument(format!("{} cannot run here", stage.keyword())),
        ),
        Stage::QrCode(q) => {
            let codes = canvas
                .frames
                .first()
                .map(|f| qr::recognise_image(&f.image))
                .unwrap_or_default();
            if q.covers() && !codes.is_empty() {
                canvas.map(|img| {
                    let mut covered = img.clone();
                    qr::cover(&mut covered, &codes);
                    covered
                });
            }
            settings.qr_codes = Some(codes);
            Ok(())
        }
        Stage::Opaque(_) => Err(ProcessError::UnsupportedStage {
            stage: unsupported(stage).unwrap_or_else(|| stage.keyword().to_owned()),
        }),
    }
}

fn run_mogr(
    canvas: &mut Canvas,
    ops: &[MogrOp],
    settings: &mut Settings,
    src: &Source,
    limits: &Limits,
) -> Result<()> {
    let mut gravity: Option<Gravity> = None;
    let mut fit_box: Option<(u32, u32)> = None;
    for op in ops {
        let prev_fit = fit_box.take();
        match op {
            MogrOp::Thumbnail(t) => {
                let (w, h) = canvas.size();
                let (tw, th) = geometry::thumbnail_size(t, w, h);
                limits.check_output(tw, th)?;
                canvas.try_map(|img| geometry::resize_to(img, tw, th))?;
                fit_box = match *t {
                    Thumbnail::Fit { w, h }
                    | Thumbnail::Shrink { w, h }
                    | Thumbnail::Enlarge { w, h } => Some((w, h)),
                    _ => None,
                };
            }
            MogrOp::Pad(color) => {
                let (bw, bh) = prev_fit.ok_or_else(|| {
                    ProcessError::InvalidArgument("pad needs a preceding WxH thumbnail".into())
                })?;
                limits.check_output(bw, bh)?;
                let c = color.unwrap_or([255, 255, 255]);
                canvas.map(|img| geometry::pad(img, bw, bh, c));
            }
            MogrOp::Cut { w, h, dx, dy } => {
                let (iw, ih) = canvas.size();
                let r = geometry::cut_region(*w, *h, *dx, *dy, iw, ih)?;
                canvas.map(|img| geometry::crop(img, r));
            }
            MogrOp::Crop(c) => {
                let (iw, ih) = canvas.size();
                let r = geometry::crop_region(c, gravity, iw, ih)?;
                canvas.map(|img| geometry::crop(img, r));
            }
            MogrOp::Gravity(g) => gravity = Some(*g),
            MogrOp::IRadius(r) => {
                no_gif(src, "iradius")?;
                canvas.map(|img| effects::iradius(img, *r));
            }
            MogrOp::RRadius(r) => {
                no_gif(src, "rradius")?;
                canvas.map(|img| effects::rradius(img, *r));
            }
            MogrOp::SCrop { .. } => {}
            MogrOp::Rotate(d) => {
                let (w, h) = canvas.size();
                let (rw, rh) = geometry::rotated_size(w, h, *d);
                if rw > limits.max_side
                    || rh > limits.max_side
                    || u64::from(rw) * u64::from(rh) > limits.max_pixels
                {
                    return Err(ProcessError::ImageResolutionExceed(format!(
                        "rotated size {rw}x{rh}"
                    )));
                }
                canvas.map(|img| geometry::rotate(img, *d));
            }
            MogrOp::AutoOrient => {
                let o = canvas.meta.orientation;
                if (2..=8).contains(&o) {
                    canvas.map(|img| {
                        let mut i = img.clone();
                        super::auto_orient(&mut i, o);
                        i
                    });
                }
                if o != 0 {
                    canvas.meta.orientation = 1;
                    settings.oriented = true;
                }
            }
            MogrOp::Flip(Flip::Horizontal) => canvas.map(DynamicImage::fliph),
            MogrOp::Flip(Flip::Vertical) => canvas.map(DynamicImage::flipv),
            MogrOp::Format(f) => settings.format = Some(output::engine_format(*f)?),
            MogrOp::Interlace(on) => settings.progressive = *on,
            MogrOp::Quality(q) => settings.quality = Some(QualitySetting::Absolute(*q)),
            MogrOp::RQuality(r) => settings.quality = Some(QualitySetting::Relative(*r)),
            MogrOp::LQuality(l) => settings.quality = Some(QualitySetting::Lower(*l)),
            MogrOp::Blur { radius, sigma } => {
                no_gif(src, "blur")?;
                canvas.map(|img| effects::blur(img, *radius, *sigma));
            }
            MogrOp::Sharpen(v) => canvas.map(|img| effects::sharpen(img, *v)),
            MogrOp::Bright(v) => canvas.map(|img| effects::bright(img, *v)),
            MogrOp::Contrast(v) => canvas.map(|img| effects::contrast(img, *v)),
            MogrOp::Grayscale(true) => canvas.map(effects::grayscale),
            MogrOp::Grayscale(false) => {}
            MogrOp::Strip => settings.strip = true,
            MogrOp::SizeLimit(s) => settings.size_limit = Some(*s),
            MogrOp::Cgif(n) => {
                if src.probe.format == Format::Gif && canvas.frames.len() > 1 {
                    let frames = std::mem::take(&mut canvas.frames);
                    canvas.frames = animation::cgif(frames, *n);
                }
            }
            MogrOp::IgnoreError => {}
            MogrOp::Opaque(o) => {
                return Err(ProcessError::UnsupportedStage {
                    stage: format!("imageMogr2/{}", o.name()),
                })
            }
        }
    }
    Ok(())
}

/// Encodes the canvas: returns the bytes, the format and the reported quality.
fn encode_canvas(
    canvas: &Canvas,
    settings: &Settings,
    src: &Source,
    limits: &Limits,
) -> Result<(Vec<u8>, Format, u32)> {
    let format = settings.format.unwrap_or(src.probe.format);
    let (w, h) = canvas.size();
    if w > limits.max_side || h > limits.max_side {
        return Err(ProcessError::ImageResolutionExceed(format!(
            "output {w}x{h} has a side over {} px",
            limits.max_side
        )));
    }
    let is_jpeg = src.probe.format == Format::Jpeg;
    let q = output::resolve_quality(src.quality, is_jpeg, settings.quality);
    let mut eo = EncodeOptions::new(format)
        .quality(q as u8)
        .progressive(settings.progressive);
    if !settings.strip {
        eo = eo.keep_metadata(&canvas.meta);
        if settings.oriented {
            if let Some(exif) = eo.exif.as_mut() {
                set_exif_orientation(exif, 1);
            }
        }
    }
    let reported = if output::is_lossy(format) {
        q
    } else {
        src.quality
    };
    let bytes = match settings.size_limit {
        Some(sl) if format == Format::Jpeg => {
            let (bytes, used) = fit_size(&canvas.frames[0].image, &eo, sl.bytes())?;
            return Ok((bytes, format, used));
        }
        _ => codec::encode_frames(&canvas.frames, &eo)?,
    };
    Ok((bytes, format, reported))
}

/// The highest JPEG quality (≤ the resolved one) whose output is at most `max` bytes;
/// quality 1 when none is (**ours**).
fn fit_size(img: &DynamicImage, eo: &EncodeOptions, max: u64) -> Result<(Vec<u8>, u32)> {
    let first = codec::encode(img, eo)?;
    if first.len() as u64 <= max {
        return Ok((first, u32::from(eo.quality)));
    }
    let (mut lo, mut hi) = (1u8, eo.quality.saturating_sub(1).max(1));
    let mut best: Option<(Vec<u8>, u8)> = None;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let b = codec::encode(img, &eo.clone().quality(mid))?;
        if b.len() as u64 <= max {
            best = Some((b, mid));
            lo = mid + 1;
        } else {
            if mid == 1 {
                break;
            }
            hi = mid - 1;
        }
    }
    match best {
        Some((b, q)) => Ok((b, u32::from(q))),
        None => Ok((codec::encode(img, &eo.clone().quality(1))?, 1)),
    }
}

/// Sets the Orientation tag (0x0112) of IFD0 in a raw EXIF (TIFF) block, if present.
fn set_exif_orientation(exif: &mut [u8], value: u16) {
    let le = match exif.get(0..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return,
    };
    let rd16 = |b: &[u8], i: usize| -> Option<u16> {
        let s = b.get(i..i + 2)?;
        Some(if le {
            u16::from_le_bytes([s[0], s[1]])
        } else {
            u16::from_be_bytes([s[0], s[1]])
        })
    };
    let Some(off) = exif.get(4..8).map(|s| {
        let a = [s[0], s[1], s[2], s[3]];
        (if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }) as usize
    }) else {
        return;
    };
    let Some(n) = rd16(exif, off) else { return };
    for k in 0..usize::from(n) {
        let e = off + 2 + 12 * k;
        if rd16(exif, e) == Some(0x0112) && rd16(exif, e + 2) == Some(3) {
            let v = if le {
                value.to_le_bytes()
            } else {
                value.to_be_bytes()
            };
            if let Some(slot) = exif.get_mut(e + 8..e + 10) {
                slot.copy_from_slice(&v);
            }
            return;
        }
    }
}
