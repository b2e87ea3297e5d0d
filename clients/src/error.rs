//! The client's error type.

use tonic::Code;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The broker answered with an error status.
    #[error("{:?}: {}", .0.code(), .0.message())]
    Status(tonic::Status),

    /// The first connection to the broker failed.
    #[error("cannot connect to {url}: {source}")]
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
/// A connection that breaks while a call is in flight (the broker crashed or restarted)
/// surfaces from tonic as `Unknown` with the transport error as its source; whether the broker
/// acted on the request is unknown, exactly as for `Unavailable`, so both are retryable (an
/// idempotent producer's retry is then written at most once).
pub(crate) fn is_retryable(status: &tonic::Status) -> bool {
    match status.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::Aborted => true,
        Code::Unknown => std::error::Error::source(status)
            .is_some_and(|source| source.is::<tonic::transport::Error>()),
        _ => false,
    }
}
