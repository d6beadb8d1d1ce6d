//! One error type for the command line, and the exit code each kind maps to.

use std::fmt;
use std::process::ExitCode;

use ci_core::client::{ClientError, CosClientError};

/// What went wrong, sorted by what a script can do about it.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input is wrong: a rule, a header, an image. Exit code 3.
    #[error("{0}")]
    Invalid(String),
    /// The service answered with an error. Exit code 4.
    #[error("{0}")]
    Service(String),
    /// A local or network failure. Exit code 5.
    #[error("{0}")]
    Failure(String),
    /// Jobs ran and at least one failed, was cancelled or was refused. Exit code 6.
    #[error("{0}")]
    JobsFailed(String),
    /// Stopped by Ctrl-C (the work done so far is journaled). Exit code 130, as a shell
    /// reports a process ended by SIGINT.
    #[error("interrupted")]
    Interrupted,
}

impl CliError {
    pub fn invalid(message: impl fmt::Display) -> Self {
        CliError::Invalid(message.to_string())
    }

    pub fn failure(message: impl fmt::Display) -> Self {
        CliError::Failure(message.to_string())
    }

    pub fn io(context: String, err: std::io::Error) -> Self {
        CliError::Failure(format!("{context}: {err}"))
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            CliError::Invalid(_) => 3,
            CliError::Service(_) => 4,
            CliError::Failure(_) => 5,
            CliError::JobsFailed(_) => 6,
            CliError::Interrupted => 130,
        })
    }
}

impl From<CosClientError> for CliError {
    fn from(err: CosClientError) -> Self {
        match &err {
            CosClientError::Service(service) => CliError::Service(format!(
                "{} {} {}: {} (request id {}, resource {})",
                service.method,
                service.status,
                service.code,
                service.message,
                service.request_id,
                service.resource
            )),
            CosClientError::Client(
                ClientError::UnknownParameter(_)
                | ClientError::InvalidParameter { .. }
                | ClientError::PicOperations(_)
                | ClientError::Rule(_),
            ) => CliError::Invalid(err.to_string()),
            CosClientError::Client(_) => CliError::Failure(err.to_string()),
        }
    }
}
