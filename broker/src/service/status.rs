//! The one mapping from the broker's [`Error`] to gRPC status codes.
//!
//! Clients decide whether to retry from the code alone: `UNAVAILABLE` means "the same request
//! may succeed later" (the log is closed or fenced, or an I/O error interrupted the call; an
//! idempotent producer's retry is then written at most once), every other code means retrying
//! unchanged fails again. Conflicts are `FAILED_PRECONDITION`: the caller must re-read the
//! partition and decide.

use tonic::{Code, Status};

use crate::error::{Error, ErrorKind};

/// The gRPC code for a broker error.
pub fn code(err: &Error) -> Code {
    // An offset outside the partition is the caller's position, not a missing object: gRPC
    // has a code for exactly that, and consumers react to it by re-resolving their position.
    if let Error::OffsetOutOfRange { .. } = err {
        return Code::OutOfRange;
    }
    match err.kind() {
        ErrorKind::InvalidInput => Code::InvalidArgument,
        ErrorKind::NotFound => Code::NotFound,
        ErrorKind::AlreadyExists => Code::AlreadyExists,
        ErrorKind::Conflict => Code::FailedPrecondition,
        ErrorKind::ResourceExhausted => Code::ResourceExhausted,
        ErrorKind::Unavailable => Code::Unavailable,
        ErrorKind::Corruption => Code::DataLoss,
        // The log treats an I/O failure as retryable (`Error::is_retryable`): after a failed
        // fsync the partition fences itself and answers `Unavailable` until reopened.
        ErrorKind::Io => Code::Unavailable,
    }
}

/// The gRPC status of a broker error, counted in the request-error metric and logged (an
/// error of the log itself at `error`, a rejected request at `debug`). A function, not a
/// `From` impl: both types are other crates' (`driftdb-log`'s and tonic's).
pub fn status(err: Error) -> Status {
    let code = code(&err);
    crate::metrics::request_error(code);
    match code {
        Code::DataLoss | Code::Unavailable => {
            tracing::error!(error = %err, "request failed on the log")
        }
        _ => tracing::debug!(error = %err, "request rejected"),
    }
    Status::new(code, err.to_string())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn each_kind_of_error_has_its_code() {
        let cases = [
            (Error::InvalidArgument("x".into()), Code::InvalidArgument),
            (Error::UnknownTopic("t".into()), Code::NotFound),
            (
                Error::UnknownPartition {
                    topic: "t".into(),
                    partition: 9,
                },
                Code::NotFound,
            ),
            (
                Error::OffsetOutOfRange {
                    requested: 9,
                    start: 0,
                    end: 3,
                },
                Code::OutOfRange,
            ),
            (Error::TopicExists("t".into()), Code::AlreadyExists),
            (
                Error::RecordTooLarge { size: 9, max: 1 },
                Code::ResourceExhausted,
            ),
            (
                Error::OffsetMismatch {
                    expected: 1,
                    actual: 2,
                },
                Code::FailedPrecondition,
            ),
            (
                Error::KeyOffsetMismatch {
                    expected: None,
                    actual: Some(4),
                },
                Code::FailedPrecondition,
            ),
            (
                Error::OutOfOrderSequence {
                    producer_id: 1,
                    expected: 2,
                    received: 5,
                },
                Code::FailedPrecondition,
            ),
            (
                Error::Corruption {
                    path: PathBuf::from("seg"),
                    position: 7,
                    reason: "bad crc".into(),
                },
                Code::DataLoss,
            ),
            (Error::Closed, Code::Unavailable),
        ];
        for (err, expected) in cases {
            let status = super::status(err);
            assert_eq!(status.code(), expected, "{}", status.message());
        }
    }

    #[test]
    fn the_message_carries_the_error_text() {
        let status = super::status(Error::UnknownTopic("orders".into()));
        assert!(status.message().contains("orders"), "{}", status.message());
    }
}
