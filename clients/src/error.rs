//! The client's error type.

use tonic::Code;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The broker answered with an error status.
    #[error("{:?}: {}", .0.code(), .0.message())]
    Status(tonic::Status),

    /// The first connection to the broker failed.
    #[error("cannot connect to {url}")]
    Connect {
        url: String,
        #[source]
        source: tonic::transport::Error,
    },

    /// The call was wrong before it reached the broker.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The producer was closed, or its task ended, before the record was acknowledged.
    #[error("the producer is closed")]
    ProducerClosed,
}

impl From<tonic::Status> for Error {
    fn from(status: tonic::Status) -> Self {
        Error::Status(status)
    }
}

impl Error {
    /// The gRPC status code, if the broker (or the transport) produced one.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Status(status) => Some(status.code()),
            _ => None,
        }
    }

    /// Whether the same request may succeed if sent again later: the broker was unreachable
    /// or unavailable, the connection broke during the call, or the call timed out. Conflicts
    /// (`FailedPrecondition`) are not: the caller must re-read and decide.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Status(status) => is_retryable(status),
            Error::Connect { .. } => true,
            Error::InvalidArgument(_) | Error::ProducerClosed => false,
        }
    }
}

/// Whether a failed call may succeed if sent again.
///
/// Besides the codes that say so, a call whose connection broke while it was in flight (the
/// broker crashed or restarted) is retryable: tonic reports it with a transport error as the
/// status's source and, depending on when the connection went, `Unknown`, `Cancelled` or
/// `Unavailable`. Whether the broker acted on the request is unknown, exactly as for
/// `Unavailable`, so an idempotent producer's retry is written at most once.
pub(crate) fn is_retryable(status: &tonic::Status) -> bool {
    match status.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::Aborted => true,
        _ => std::error::Error::source(status)
            .is_some_and(|source| source.is::<tonic::transport::Error>()),
    }
}
