//! COS errors as the server answers them.

use ci_core::ops::PicOperationsError;
use ci_core::sign::VerifyError;

use crate::process::ProcessError;
use crate::store::StoreError;

/// An error answer: HTTP status, COS code and message. The request id and resource are
/// added when the response is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// COS error code (`NoSuchKey`, ...).
    pub code: &'static str,
    /// Human-readable message (never empty).
    pub message: String,
}

impl ApiError {
    /// A new error.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        let mut message = message.into();
        if message.is_empty() {
            message = code.to_owned();
        }
        ApiError {
            status,
            code,
            message,
        }
    }

    /// 400 `InvalidArgument`.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidArgument", message)
    }

    /// 404 `NoSuchKey`.
    pub fn no_such_key() -> Self {
        Self::new(404, "NoSuchKey", "The specified key does not exist.")
    }

    /// 404 `NoSuchBucket`.
    pub fn no_such_bucket() -> Self {
        Self::new(404, "NoSuchBucket", "The specified bucket does not exist.")
    }

    /// 404 `NoSuchUpload`.
    pub fn no_such_upload() -> Self {
        Self::new(
            404,
            "NoSuchUpload",
            "The specified multipart upload does not exist.",
        )
    }

    /// 405 `MethodNotAllowed`.
    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        )
    }

    /// 500 `InternalError`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    /// 503 `SlowDown`: the server is at a limit (memory budget, connections); retry.
    pub fn slow_down(message: impl Into<String>) -> Self {
        Self::new(503, "SlowDown", message)
    }

    /// 400 `ImageTooLarge`.
    pub fn image_too_large(limit: u64) -> Self {
        Self::new(
            400,
            "ImageTooLarge",
            format!("the image exceeds the processing limit of {limit} bytes"),
        )
    }

    /// 400 `EntityTooLarge`.
    pub fn entity_too_large(limit: u64) -> Self {
        Self::new(
            400,
            "EntityTooLarge",
            format!("the body exceeds the limit of {limit} bytes"),
        )
    }
}

impl From<PicOperationsError> for ApiError {
    fn from(e: PicOperationsError) -> Self {
        ApiError::new(400, e.cos_code(), e.to_string())
    }
}

impl From<VerifyError> for ApiError {
    fn from(e: VerifyError) -> Self {
        match &e {
            VerifyError::Expired { .. } => {
                ApiError::new(403, "AccessDenied", format!("Request has expired: {e}"))
            }
            VerifyError::NotYetValid { .. } => {
                ApiError::new(403, "RequestTimeTooSkewed", e.to_string())
            }
            VerifyError::UnknownAccessKey(_) => {
                ApiError::new(403, "InvalidAccessKeyId", e.to_string())
            }
            VerifyError::Malformed(_) => ApiError::new(403, "AccessDenied", e.to_string()),
            _ => ApiError::new(403, "SignatureDoesNotMatch", e.to_string()),
        }
    }
}

impl From<ProcessError> for ApiError {
    fn from(e: ProcessError) -> Self {
        ApiError::new(e.http_status(), e.code(), e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NoSuchUpload => ApiError::no_such_upload(),
            StoreError::InvalidPart(m) => ApiError::new(400, "InvalidPart", m),
            StoreError::InvalidPartOrder => ApiError::new(
                400,
                "InvalidPartOrder",
                "The list of parts was not in ascending order.",
            ),
            StoreError::TooLarge(limit) => ApiError::entity_too_large(limit),
            StoreError::TooManyStyles(max) => ApiError::invalid_argument(format!(
                "a bucket holds at most {max} styles; delete one before adding another"
            )),
            other => {
                tracing::error!(error = %other, "storage failure");
                ApiError::internal(format!("storage failure: {other}"))
            }
        }
    }
}
