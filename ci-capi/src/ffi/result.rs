//! `cos_ci_result`: the code every function returns, with its number conversion and
//! message derived from the one list of variants below.

use macro_rules_attribute::derive;

use super::enums::{Messages, U32Enum};

/// The result of every `cos_ci_*` function. The values are fixed and will not change
/// meaning; new codes may be added at the end.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, U32Enum!, Messages!)]
pub enum cos_ci_result {
    /// Success.
    #[custom(message = "success")]
    Ok = 0,
    /// A required pointer argument was NULL.
    #[custom(message = "a required pointer argument was NULL")]
    NullParameter = 1,
    /// A text argument was not valid UTF-8.
    #[custom(message = "a text argument is not valid UTF-8")]
    InvalidUtf8 = 2,
    /// The output buffer is NULL or too small; `*out_len` holds the size needed.
    #[custom(message = "the output buffer is NULL or too small")]
    BufferTooSmall = 3,
    /// An index is past the end (see the matching `_count` function).
    #[custom(message = "index out of range")]
    IndexOutOfRange = 4,
    /// The requested optional value is absent (or the field does not apply).
    #[custom(message = "the value is not present")]
    NotPresent = 5,
    /// An argument is out of its domain (unknown field, bad key time, ...).
    #[custom(message = "invalid argument")]
    InvalidArgument = 6,
    /// Pic-Operations JSON is malformed or breaks a rule of the service (the handle's
    /// last error says which).
    #[custom(message = "invalid Pic-Operations")]
    InvalidPicOperations = 7,
    /// A processing rule does not parse (the rule handle has the byte offset).
    #[custom(message = "invalid processing rule")]
    InvalidRule = 8,
    /// An XML document (UploadResult, Error) does not parse.
    #[custom(message = "invalid XML document")]
    InvalidXml = 9,
    /// A JSON document (v4 answer) does not parse.
    #[custom(message = "invalid JSON document")]
    InvalidJson = 10,
    /// The Authorization is malformed.
    #[custom(message = "malformed authorization")]
    SignatureMalformed = 11,
    /// The signature does not match the request.
    #[custom(message = "signature does not match")]
    SignatureMismatch = 12,
    /// The signature is expired or not yet valid.
    #[custom(message = "signature expired or not yet valid")]
    SignatureExpired = 13,
    /// The signature is well-formed and current but refused (unknown key, unsigned
    /// header or parameter that must be signed, token mismatch).
    #[custom(message = "signature rejected")]
    SignatureRejected = 14,
    /// The service answered with an error (the response handle has status, code,
    /// message, request id).
    #[custom(message = "the service answered with an error")]
    ServiceError = 15,
    /// A local client problem (bad option, unreadable answer, CRC-64 mismatch).
    #[custom(message = "client error")]
    ClientError = 16,
    /// Client configuration is incomplete or invalid.
    #[custom(message = "invalid client configuration")]
    Config = 17,
    /// The connection failed, timed out or broke off.
    #[custom(message = "HTTP transport error")]
    Transport = 18,
    /// Reading or writing a local file failed.
    #[custom(message = "local I/O error")]
    Io = 19,
    /// A panic was caught at the boundary (a bug; please report it).
    #[custom(message = "internal panic caught at the C boundary")]
    Panic = 20,
    /// The operation needs a component this build lacks (in local processing: a format
    /// without a codec here, e.g. tpg, heif).
    #[custom(message = "not supported by this build")]
    Unsupported = 21,
    /// Local processing: the input is not a decodable image (unknown format, broken
    /// header, corrupt data); the service's `InvalidImageFormat`.
    #[custom(message = "not a decodable image")]
    InvalidImage = 22,
    /// Local processing: the input has more bytes than the limit (32 MB); the service's
    /// `ImageTooLarge`.
    #[custom(message = "image file too large")]
    ImageTooLarge = 23,
    /// Local processing: a side, the pixel count or the frame count of the input (or a
    /// requested output side) is over its limit; the service's `ImageResolutionExceed`.
    #[custom(message = "image resolution exceeds the limits")]
    ImageResolutionExceed = 24,
    /// Local processing: encoding a valid image failed (a bug or resource problem).
    #[custom(message = "image processing failed")]
    ProcessingFailed = 25,
    /// `cos_ci_client_wait_for_job`: the service does not know the job (the client's
    /// last error names it).
    #[custom(message = "no such job")]
    JobNotFound = 26,
    /// `cos_ci_client_wait_for_job`: the job had not ended when the time ran out (the
    /// client's last error names its last state).
    #[custom(message = "the job had not ended when the wait ran out")]
    JobWaitTimeout = 27,
    /// `cos_ci_call_poll`: the call has not finished; wait for its descriptor
    /// (`cos_ci_call_wait_fd`) or a few milliseconds, and poll again.
    #[custom(message = "the call has not finished yet")]
    Pending = 28,
}

/// What the body of an entry point returns: `Err(code)` becomes `code`.
pub(crate) type FfiResult<T> = Result<T, cos_ci_result>;

/// Selector arguments (`cos_ci_field`, `cos_ci_rule_part`, ...) read from the `u32` C
/// passes. Here, not in [`U32Enum`], so that `enums` does not import the result code
/// back (the result code is itself derived by `enums`).
pub(crate) trait SelectorArg: U32Enum {
    /// The variant numbered `value`, or `COS_CI_RESULT_INVALID_ARGUMENT`.
    fn from_arg(value: u32) -> Result<Self, cos_ci_result> {
        Self::from_u32(value).ok_or(cos_ci_result::InvalidArgument)
    }
}

impl<T: U32Enum> SelectorArg for T {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_have_messages() {
        for (i, r) in cos_ci_result::ALL.iter().enumerate() {
            assert_eq!(*r as u32, i as u32);
            assert_eq!(cos_ci_result::from_u32(i as u32), Some(*r));
            assert!(!r.message().is_empty());
        }
        assert_eq!(cos_ci_result::from_u32(9999), None);
    }
}
