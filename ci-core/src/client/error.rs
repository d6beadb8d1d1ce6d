//! The client's error type: [`CosClientError`], either a [`ServiceError`] (the service
//! answered with an error) or a [`ClientError`] (everything that went wrong locally).

use std::fmt;

use thiserror::Error;

use crate::ops::PicOperationsError;
use crate::rule::RuleError;

/// Any failure of a [`CosClient`](super::CosClient) call.
#[derive(Debug, Error)]
pub enum CosClientError {
    /// The service answered with an error status (the `<Error>` body, or for a `HEAD`, the
    /// status and `x-cos-request-id`).
    /// Boxed: it carries several strings and would make every `Result` large.
    #[error(transparent)]
    Service(Box<ServiceError>),
    /// A local problem: bad arguments, I/O, the connection, an unreadable answer.
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl CosClientError {
    /// The service error, if this is one.
    pub fn as_service(&self) -> Option<&ServiceError> {
        match self {
            CosClientError::Service(e) => Some(&**e),
            CosClientError::Client(_) => None,
        }
    }

    /// The client error, if this is one.
    pub fn as_client(&self) -> Option<&ClientError> {
        match self {
            CosClientError::Client(e) => Some(e),
            CosClientError::Service(_) => None,
        }
    }
}

/// An error answer from the service, with every field of the COS `<Error>` body.
///
/// Fields the answer did not carry are empty strings (a `HEAD` error has no body: `code`
/// is then derived from the status, e.g. `NoSuchResource` for 404).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceError {
    /// HTTP method of the failed request (`PUT`, `GET`, ...).
    pub method: String,
    /// HTTP status code.
    pub status: u16,
    /// `<Code>`, e.g. `NoSuchKey`, `InvalidPicOperations`, `SignatureDoesNotMatch`.
    pub code: String,
    /// `<Message>`.
    pub message: String,
    /// `<Resource>`.
    pub resource: String,
    /// `<RequestId>`, or the `x-cos-request-id` header when the body has none.
    pub request_id: String,
    /// `<TraceId>`, or the `x-cos-trace-id` header when the body has none.
    pub trace_id: String,
    /// The raw body as received (empty for `HEAD`), for diagnostics.
    pub body: String,
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "COS service error: {} {} ({}): {}",
            self.method, self.status, self.code, self.message
        )?;
        if !self.request_id.is_empty() {
            write!(f, " [request id {}]", self.request_id)?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}

/// A local problem, found before sending or while reading the answer.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ClientError {
    /// An option name the Python SDK does not know (its exact message).
    #[error("No Parameter Named {0} Please Check It")]
    UnknownParameter(String),
    /// An option value that cannot be used (the text says which and why).
    #[error("invalid value for {name}: {reason}")]
    InvalidParameter {
        /// The option name (`ContentLength`, `EnableMD5`, ...).
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The `Pic-Operations` header was refused by the protocol layer before sending.
    #[error("Pic-Operations refused before sending: {0}")]
    PicOperations(#[from] PicOperationsError),
    /// A download-processing rule ([`ProcessParam`](crate::sign::ProcessParam)) was refused
    /// before sending: malformed, with the offending token and its byte offset.
    #[error("processing rule refused before sending: {0}")]
    Rule(#[from] RuleError),
    /// A configuration problem (missing region, credentials, bad proxy, ...).
    #[error("configuration: {0}")]
    Config(String),
    /// Reading the body or writing the download failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The connection failed, timed out, or the HTTP exchange broke off.
    #[error("HTTP transport: {0}")]
    Http(#[from] reqwest::Error),
    /// The uploaded bytes' CRC-64/ECMA does not match `x-cos-hash-crc64ecma`.
    #[error("CRC-64 mismatch: local {local}, service {remote}")]
    Crc64Mismatch {
        /// CRC-64 of the bytes sent.
        local: u64,
        /// The service's `x-cos-hash-crc64ecma`.
        remote: u64,
    },
    /// A successful answer that cannot be read (malformed XML or JSON, missing header).
    #[error("unreadable answer: {0}")]
    InvalidResponse(String),
    /// [`wait_for_job`](super::CosClient::wait_for_job): the service does not know the job.
    #[error("no job {job_id} in this bucket")]
    JobNotFound {
        /// The id asked for.
        job_id: String,
    },
    /// [`wait_for_job`](super::CosClient::wait_for_job): the job had not ended when the
    /// time ran out.
    #[error("job {job_id} still {state} after {waited:?}")]
    JobWaitTimeout {
        /// The job.
        job_id: String,
        /// Its last state seen (`Submitted`, `Running`, ...).
        state: crate::result::JobState,
        /// How long was waited.
        waited: std::time::Duration,
    },
    /// A request that needs a replayable body (EnableMD5, multipart) got a one-shot reader.
    #[error("{0} needs a replayable body (bytes or a file), not a one-shot reader")]
    BodyNotReplayable(&'static str),
}

impl ClientError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ClientError::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn invalid(name: &str, reason: impl Into<String>) -> Self {
        ClientError::InvalidParameter {
            name: name.to_owned(),
            reason: reason.into(),
        }
    }
}

impl From<ServiceError> for CosClientError {
    fn from(e: ServiceError) -> Self {
        CosClientError::Service(Box::new(e))
    }
}

impl From<reqwest::Error> for CosClientError {
    fn from(e: reqwest::Error) -> Self {
        CosClientError::Client(ClientError::Http(e))
    }
}

impl From<PicOperationsError> for CosClientError {
    fn from(e: PicOperationsError) -> Self {
        CosClientError::Client(ClientError::PicOperations(e))
    }
}

/// The client's result type.
pub type Result<T, E = CosClientError> = std::result::Result<T, E>;
