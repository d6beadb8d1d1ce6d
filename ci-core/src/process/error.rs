//! The engine's one error type; each kind maps to a COS error code.

/// Why the engine refused or failed to process an image.
///
/// [`ProcessError::code`] gives the COS error code the server answers with (see the
/// spec's "Limits and errors" table).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessError {
    /// The bytes are not a decodable image (unknown magic, broken header, corrupt data).
    #[error("not a decodable image: {0}")]
    InvalidImageFormat(String),
    /// The input is larger than the byte limit.
    #[error("input is {size} bytes, over the limit of {limit} bytes")]
    ImageTooLarge {
        /// Input size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A side, the pixel count or the frame count is over its limit.
    #[error("image resolution exceeds the limits: {0}")]
    ImageResolutionExceed(String),
    /// A recognised format this build cannot decode or encode.
    #[error("unsupported format: {0}")]
    UnsupportedFormat(String),
    /// A parameter given to the engine is out of range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An encoder failed on a valid image (should not happen; a bug or resource problem).
    #[error("encoding failed: {0}")]
    Encode(String),
    /// A well-formed rule with a stage or operation the cloud runs but this engine does
    /// not: an opaque stage (`imageSlim`), an opaque `imageMogr2` operation
    /// (`imageMogr2/indexcrop`), or a modelled one without an implementation
    /// (`watermark/3`, the blind watermark). Checked before decoding.
    ///
    /// Code `NotImplemented`, HTTP 501, as the local server answers for any feature it
    /// lacks: the request is valid for the cloud (a 400 would blame it), and this build
    /// cannot serve it.
    #[error("{stage} is not implemented by the local engine")]
    UnsupportedStage {
        /// The stage as far as it names what is missing: `imageSlim`,
        /// `imageMogr2/indexcrop`, `watermark/3`, `QRcode/bar-type/2`.
        stage: String,
    },
}

impl ProcessError {
    /// The COS error code for this error (`InvalidImageFormat`, `ImageTooLarge`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            ProcessError::InvalidImageFormat(_) => "InvalidImageFormat",
            ProcessError::ImageTooLarge { .. } => "ImageTooLarge",
            ProcessError::ImageResolutionExceed(_) => "ImageResolutionExceed",
            ProcessError::UnsupportedFormat(_) => "UnsupportedFormat",
            ProcessError::InvalidArgument(_) => "InvalidArgument",
            ProcessError::Encode(_) => "InternalError",
            ProcessError::UnsupportedStage { .. } => "NotImplemented",
        }
    }

    /// The HTTP status the server answers this error with.
    pub fn http_status(&self) -> u16 {
        match self {
            ProcessError::Encode(_) => 500,
            ProcessError::UnsupportedStage { .. } => 501,
            _ => 400,
        }
    }
}

impl From<image::ImageError> for ProcessError {
    fn from(e: image::ImageError) -> Self {
        use image::ImageError as E;
        match e {
            E::Limits(l) => ProcessError::ImageResolutionExceed(l.to_string()),
            E::Unsupported(u) => ProcessError::UnsupportedFormat(u.to_string()),
            E::Encoding(x) => ProcessError::Encode(x.to_string()),
            E::Parameter(x) => ProcessError::InvalidArgument(x.to_string()),
            other => ProcessError::InvalidImageFormat(other.to_string()),
        }
    }
}

/// Shorthand for results of the engine.
pub type Result<T, E = ProcessError> = std::result::Result<T, E>;
