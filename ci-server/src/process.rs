//! The seam to the image engine.
//!
//! The server never decodes images itself: every processing route calls a [`Processor`]
//! ([`EngineProcessor`](crate::engine::EngineProcessor) runs `ci_core::process`; tests use
//! fakes). [`UnavailableProcessor`] refuses every job with 501 `NotImplemented` "image
//! processing engine not built". Styles (`style/NAME`)
//! are expanded by the server before a rule reaches the processor, so a processor never
//! sees a [`Stage::Style`](ci_core::rule::Stage::Style).

use ci_core::result::{ImageInfo, ImageInspectResult, QrCodeInfo};
use ci_core::rule::ProcessingRule;

/// Reads objects of this server for the engine (image watermarks, `detect-url`).
pub trait ObjectSource: Send + Sync {
    /// The bytes of `bucket`/`key`, if it exists and is at most `max` bytes.
    fn fetch(&self, bucket: &str, key: &str, max: u64) -> Option<Vec<u8>>;

    /// The bytes behind a URL naming an object of this server
    /// (`http://<bucket>.cos.<region>.myqcloud.com/<key>`), if it does.
    fn fetch_url(&self, url: &str, max: u64) -> Option<Vec<u8>>;
}

/// What a processing job may need besides its input.
pub struct ProcessContext<'a> {
    /// Bucket of the input object.
    pub bucket: &'a str,
    /// Key of the input object.
    pub key: &'a str,
    /// Region the request addressed.
    pub region: &'a str,
    /// Objects of this server (watermark images).
    pub source: &'a dyn ObjectSource,
}

/// A processing result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// The encoded output (an image, or JSON for `imageInfo`/`imageAve`/`exif`).
    pub bytes: Vec<u8>,
    /// Output format as the rule names it, lower case (`png`); empty for AIPicMatting
    /// answers, as the cloud writes `<Format/>`.
    pub format: String,
    /// MIME type of `bytes` (`image/png`, `application/json`).
    pub content_type: String,
    /// Facts about the output (for `UploadResult`'s `<Object>`).
    pub info: ImageInfo,
    /// The codes a `QRcode` stage found (its `CodeStatus` and `QRcodeInfo`); `None` when
    /// the rule has no such stage.
    pub qr_codes: Option<Vec<QrCodeInfo>>,
}

/// Why a job failed: the engine's own error, which names its COS code and HTTP status
/// ([`code`](ci_core::process::ProcessError::code),
/// [`http_status`](ci_core::process::ProcessError::http_status)), or no engine at all.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// No engine in this build (501 `NotImplemented`).
    #[error("image processing engine not built")]
    NotImplemented,
    /// The engine refused or failed the job.
    #[error(transparent)]
    Engine(#[from] ci_core::process::ProcessError),
}

impl ProcessError {
    /// The COS error code (`InvalidImageFormat`, `NotImplemented`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            ProcessError::NotImplemented => "NotImplemented",
            ProcessError::Engine(e) => e.code(),
        }
    }

    /// The HTTP status the server answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            ProcessError::NotImplemented => 501,
            ProcessError::Engine(e) => e.http_status(),
        }
    }
}

/// An image engine. Implementations must be deterministic for a given input and rule and
/// must enforce the pixel limits of rules.md before allocating.
pub trait Processor: Send + Sync {
    /// Applies `rule` (styles already expanded) to `input`.
    fn process(
        &self,
        input: &[u8],
        rule: &ProcessingRule,
        ctx: &ProcessContext<'_>,
    ) -> Result<Processed, ProcessError>;

    /// Facts about `input` for `OriginalInfo` (`Format` upper case, `Md5` filled by the
    /// server when left empty).
    fn image_info(&self, input: &[u8]) -> Result<ImageInfo, ProcessError>;

    /// Where `input`'s image data ends and what is hidden after it (`imageInspect`).
    /// The default: [`ProcessError::NotImplemented`].
    fn inspect(&self, input: &[u8]) -> Result<ImageInspectResult, ProcessError> {
        let _ = input;
        Err(ProcessError::NotImplemented)
    }

    /// Makes a QR code (`mode` 0) or a barcode (`mode` 1) of `text` as a PNG `width`
    /// pixels wide (`ci-process=qrcode-generate`). The default:
    /// [`ProcessError::NotImplemented`].
    fn generate_code(&self, text: &str, width: u32, mode: u32) -> Result<Vec<u8>, ProcessError> {
        let _ = (text, width, mode);
        Err(ProcessError::NotImplemented)
    }

    /// Applies several rules to one input (a multi-rule Pic-Operations); results in the
    /// order of `rules`. The default runs [`Processor::process`] for each rule in turn;
    /// an engine may decode once and run the rules in parallel.
    fn process_many(
        &self,
        input: &[u8],
        rules: &[ProcessingRule],
        ctx: &ProcessContext<'_>,
    ) -> Vec<Result<Processed, ProcessError>> {
        rules.iter().map(|r| self.process(input, r, ctx)).collect()
    }
}

/// The processor of a build without an engine: every job fails with
/// [`ProcessError::NotImplemented`] (501 `NotImplemented`).
#[derive(Debug, Clone, Copy, Default)]
pub struct UnavailableProcessor;

impl Processor for UnavailableProcessor {
    fn process(
        &self,
        _input: &[u8],
        _rule: &ProcessingRule,
        _ctx: &ProcessContext<'_>,
    ) -> Result<Processed, ProcessError> {
        Err(ProcessError::NotImplemented)
    }

    fn image_info(&self, _input: &[u8]) -> Result<ImageInfo, ProcessError> {
        Err(ProcessError::NotImplemented)
    }
}
