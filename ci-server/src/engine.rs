//! The local image engine behind the server: [`EngineProcessor`] runs rules with
//! [`ci_core::process::execute`].

use std::sync::Arc;

use ci_core::process::{self, ExecuteOptions, FontDir, FontResolver, Limits};
use ci_core::result::{ImageInfo, ImageInspectResult};
use ci_core::rule::ProcessingRule;

use crate::process::{ProcessContext, ProcessError, Processed, Processor};

/// Largest watermark image fetched from the server's own buckets (the input limit).
const MAX_MARK_BYTES: u64 = 32 * 1024 * 1024;

/// The [`Processor`] of `ci_core::process`: the default engine of [`Server::bind`](crate::server::Server::bind).
///
/// Watermark image URLs (`http://<bucket>.cos.<region>.myqcloud.com/<key>`) are read
/// from this server's buckets through [`ProcessContext::source`].
#[derive(Debug, Clone, Default)]
pub struct EngineProcessor {
    /// Limits checked before decoding.
    pub limits: Limits,
    /// Fonts for text watermarks beyond the bundled DejaVu Sans.
    pub fonts: Option<Arc<FontDir>>,
}

impl EngineProcessor {
    /// An engine with the default limits of rules.md.
    pub fn new() -> Self {
        EngineProcessor::default()
    }

    /// Text watermarks draw with the fonts of `dir` (see [`FontDir`]).
    pub fn with_fonts(mut self, dir: FontDir) -> Self {
        self.fonts = Some(Arc::new(dir));
        self
    }

    /// The engine a server with `config` runs: its font directory, when it names one, and
    /// decode limits that fit its memory budget ([`limits_for_budget`]).
    pub fn for_config(config: &crate::config::ServerConfig) -> Result<Self, process::FontError> {
        let engine = EngineProcessor {
            limits: limits_for_budget(config.limits.memory_budget),
            fonts: None,
        };
        Ok(match &config.fonts {
            Some(dir) => engine.with_fonts(FontDir::new(dir)?),
            None => engine,
        })
    }

    fn font(&self, name: Option<&str>) -> Option<process::Font> {
        self.fonts.as_ref().and_then(|dir| dir.resolve(name))
    }
}

impl Processor for EngineProcessor {
    fn process(
        &self,
        input: &[u8],
        rule: &ProcessingRule,
        ctx: &ProcessContext<'_>,
    ) -> Result<Processed, ProcessError> {
        let source = ctx.source;
        let resolver = move |url: &str| resolve(source, url);
        let fonts = |name: Option<&str>| self.font(name);
        let opts = ExecuteOptions {
            limits: self.limits.clone(),
            image_resolver: Some(&resolver),
            style_resolver: None,
            font_resolver: self.fonts.is_some().then_some(&fonts as &FontResolver),
        };
        to_processed(process::execute(input, rule, &opts), rule)
    }

    fn process_many(
        &self,
        input: &[u8],
        rules: &[ProcessingRule],
        ctx: &ProcessContext<'_>,
    ) -> Vec<Result<Processed, ProcessError>> {
        let source = ctx.source;
        let resolver = move |url: &str| resolve(source, url);
        let fonts = |name: Option<&str>| self.font(name);
        let opts = ExecuteOptions {
            limits: self.limits.clone(),
            image_resolver: Some(&resolver),
            style_resolver: None,
            font_resolver: self.fonts.is_some().then_some(&fonts as &FontResolver),
        };
        process::execute_many(input, rules, &opts)
            .into_iter()
            .zip(rules)
            .map(|(out, rule)| to_processed(out, rule))
            .collect()
    }

    fn image_info(&self, input: &[u8]) -> Result<ImageInfo, ProcessError> {
        Ok(process::image_info_with(input, &self.limits)?.info)
    }

    fn inspect(&self, input: &[u8]) -> Result<ImageInspectResult, ProcessError> {
        Ok(process::inspect_with(input, &self.limits)?)
    }

    fn generate_code(&self, text: &str, width: u32, mode: u32) -> Result<Vec<u8>, ProcessError> {
        let kind = process::CodeKind::from_mode(mode).ok_or_else(|| {
            process::ProcessError::InvalidArgument(format!(
                "mode {mode}: expected 0 (QR code) or 1 (barcode)"
            ))
        })?;
        Ok(process::generate_code(text, width, kind)?)
    }
}

/// Bytes a decoded pixel costs at the peak of a job (RGBA, a conversion, the output and a
/// working copy; measured 12 on a 15000x15000 thumbnail).
pub const PEAK_BYTES_PER_PIXEL: u64 = 12;

/// The engine's limits under a memory budget of `budget` bytes: rules.md's defaults, with
/// the pixel limit lowered so that one job's peak fits the budget and the decoders'
/// allocation cap at half of it. The server admits each job against the budget by the
/// same measure before it runs, so a job the engine accepts can always be admitted.
pub fn limits_for_budget(budget: u64) -> Limits {
    let defaults = Limits::default();
    Limits {
        max_pixels: defaults.max_pixels.min(budget / PEAK_BYTES_PER_PIXEL),
        max_decoder_alloc: defaults.max_decoder_alloc.min(budget / 2),
        ..defaults
    }
}

/// Reads a watermark image URL from the server's buckets.
fn resolve(source: &dyn crate::process::ObjectSource, url: &str) -> process::Result<Vec<u8>> {
    source.fetch_url(url, MAX_MARK_BYTES).ok_or_else(|| {
        process::ProcessError::InvalidArgument(format!(
            "watermark image {url} is not an object of this server"
        ))
    })
}

/// An engine output as the server's [`Processed`]: format lower case (`png`), empty for
/// AIPicMatting, `json` for `imageInfo`/`imageAve`/`exif`.
fn to_processed(
    out: process::Result<process::Output>,
    rule: &ProcessingRule,
) -> Result<Processed, ProcessError> {
    let out = out?;
    let mut info = out.info;
    let format = match out.format {
        _ if rule.is_ai_pic_matting() => String::new(),
        Some(f) => f.rule_name().to_string(),
        None => "json".to_string(),
    };
    if out.format.is_some() {
        info.format = format.clone();
    }
    Ok(Processed {
        bytes: out.bytes,
        format,
        content_type: out.content_type.to_string(),
        info,
        qr_codes: out
            .qr_codes
            .map(|codes| codes.iter().map(process::FoundCode::to_info).collect()),
    })
}
