//! The one mapping from SQL errors to gRPC status codes, by the kind the status table gives
//! each SQLSTATE (`driftdb_sql::SqlState`). The broker's errors have their own mapping in
//! `driftdb_broker::service::status`; both follow gRPC's guide: `UNAVAILABLE` and `ABORTED`
//! mean "the same request may succeed later", every other code that retrying unchanged fails
//! again.

use driftdb_sql::{Error, ErrorKind};
use tonic::{Code, Status};

/// The gRPC code for a SQL error's kind.
pub(crate) fn code(kind: ErrorKind) -> Code {
    match kind {
        ErrorKind::InvalidInput => Code::InvalidArgument,
        ErrorKind::NotFound => Code::NotFound,
        ErrorKind::AlreadyExists => Code::AlreadyExists,
        ErrorKind::Conflict => Code::FailedPrecondition,
        ErrorKind::Aborted => Code::Aborted,
        ErrorKind::Unsupported => Code::Unimplemented,
        ErrorKind::PermissionDenied => Code::PermissionDenied,
        ErrorKind::Unauthenticated => Code::Unauthenticated,
        ErrorKind::ResourceExhausted => Code::ResourceExhausted,
        ErrorKind::Cancelled => Code::Cancelled,
        ErrorKind::Unavailable => Code::Unavailable,
        ErrorKind::Corruption => Code::DataLoss,
        ErrorKind::Internal => Code::Internal,
    }
}

/// A SQL error as a gRPC status: the kind's code, and the SQLSTATE before the message so a
/// client can tell a unique violation from a check violation without parsing prose.
pub(crate) fn status(error: &Error) -> Status {
    let code = code(error.kind());
    if matches!(code, Code::Internal | Code::DataLoss | Code::Unavailable) {
        tracing::error!(error = %error, sqlstate = error.sqlstate(), "table request failed");
    }
    Status::new(code, format!("{}: {error}", error.sqlstate()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_code() {
        let cases = [
            (
                Error::UndefinedTable { name: "t".into() },
                Code::NotFound,
                "42P01",
            ),
            (
                Error::PointOutOfRange {
                    message: "before the horizon".into(),
                },
                Code::InvalidArgument,
                "22008",
            ),
            (
                Error::SerializationFailure {
                    message: "t".into(),
                },
                Code::Aborted,
                "40001",
            ),
            (
                Error::UniqueViolation {
                    constraint: "t_pkey".into(),
                },
                Code::FailedPrecondition,
                "23505",
            ),
            (
                Error::Unsupported {
                    message: "x".into(),
                    position: None,
                },
                Code::Unimplemented,
                "0A000",
            ),
            (
                Error::Internal {
                    message: "a bug".into(),
                },
                Code::Internal,
                "XX000",
            ),
        ];
        for (error, expected, sqlstate) in cases {
            let status = status(&error);
            assert_eq!(status.code(), expected, "{}", status.message());
            assert!(
                status.message().starts_with(&format!("{sqlstate}: ")),
                "{}",
                status.message()
            );
        }
    }

    #[test]
    fn retryable_errors_get_retryable_codes() {
        for kind in [
            ErrorKind::InvalidInput,
            ErrorKind::NotFound,
            ErrorKind::AlreadyExists,
            ErrorKind::Conflict,
            ErrorKind::Aborted,
            ErrorKind::Unsupported,
            ErrorKind::PermissionDenied,
            ErrorKind::Unauthenticated,
            ErrorKind::ResourceExhausted,
            ErrorKind::Cancelled,
            ErrorKind::Unavailable,
            ErrorKind::Corruption,
            ErrorKind::Internal,
        ] {
            let retryable_code = matches!(code(kind), Code::Unavailable | Code::Aborted);
            assert_eq!(kind.is_retryable(), retryable_code, "{kind:?}");
        }
    }
}
