//! The projector's one error type.
//!
//! Each variant says who is at fault, so that callers (the SQL layer, the ledger applier) can
//! map it once to a SQLSTATE or gRPC status without reading messages:
//!
//! - the caller: [`Error::InvalidInput`], [`Error::NotFound`], [`Error::OutOfOrder`],
//!   [`Error::BeforeHorizon`];
//! - the data (a constraint the change would break): [`Error::UniqueViolation`],
//!   [`Error::NotNullViolation`];
//! - the disk: [`Error::Corruption`], [`Error::Io`];
//! - the projector itself: [`Error::Internal`].
//!
//! Nothing here is retryable as is: a constraint violation needs different data, and
//! corruption or I/O needs an operator.

use std::path::PathBuf;

/// The projector's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the projector.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed something malformed: a row of the wrong width or type, a bad schema,
    /// an index key of the wrong width. SQLSTATE class 22 or 42.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The caller named something that does not exist (an index, a column).
    #[error("{what} {name:?} does not exist")]
    NotFound {
        /// The kind of thing looked up, such as `"index"`.
        what: &'static str,
        /// The name that was asked for.
        name: String,
    },

    /// A change was applied at a sequence number not after the table's current one, or with a
    /// commit time not after the current one. Changes must arrive in ledger order.
    #[error(
        "change at sequence {seq} (time {time}) is not after the table's current sequence {current_seq} (time {current_time})"
    )]
    OutOfOrder {
        /// The sequence number of the rejected change.
        seq: u64,
        /// The commit time of the rejected change, microseconds since the Unix epoch.
        time: i64,
        /// The table's current sequence number.
        current_seq: u64,
        /// The table's current commit time.
        current_time: i64,
    },

    /// The change would give two live rows the same non-NULL values in the columns of a
    /// unique constraint (SQLSTATE 23505). Nothing of the change was applied.
    #[error("duplicate key value violates unique constraint {constraint:?}")]
    UniqueViolation {
        /// The name of the violated constraint.
        constraint: String,
    },

    /// A row has NULL in a column declared NOT NULL (SQLSTATE 23502). Nothing was applied.
    /// A foreign key does not hold (see [`crate::constraints::check`]).
    #[error("foreign key {:?} of table {:?} violated", .0.constraint, .0.table)]
    ForeignKeyViolation(Box<crate::constraints::ForeignKeyError>),
    #[error("null value in column {column:?} violates not-null constraint")]
    NotNullViolation {
        /// The name of the column.
        column: String,
    },

    /// A string longer than its `VARCHAR(n)` or `CHAR(n)` column allows (SQLSTATE 22001).
    #[error("value too long for type {data_type} in column {column:?}")]
    ValueTooLong {
        /// The name of the column.
        column: String,
        /// The column's type, as SQL writes it.
        data_type: String,
    },

    /// A value of an unconstrained `numeric` column would make the column's values need more
    /// than 38 digits in one decimal type: the most digits after the decimal point of any
    /// value plus the most before it (SQLSTATE 22003). Nothing was applied.
    #[error(
        "numeric field overflow: column {column:?} would hold values with {whole} digits before the decimal point and values with {scale} after it; an unconstrained numeric column holds 38 digits in all"
    )]
    NumericOverflow {
        /// The name of the column.
        column: String,
        /// The most digits after the decimal point.
        scale: u8,
        /// The most digits before it.
        whole: u8,
    },

    /// A read asked for a point in history that `vacuum` has already dropped.
    #[error("sequence {requested} is before the table's history horizon {horizon}")]
    BeforeHorizon {
        /// The sequence number that was asked for.
        requested: u64,
        /// The oldest sequence number the table can still be read at.
        horizon: u64,
    },

    /// A file's bytes are not what this code wrote: bad magic, unknown version, wrong length,
    /// checksum mismatch or an inconsistent payload.
    #[error("{path}: corrupt: {reason}")]
    Corruption {
        /// The file.
        path: PathBuf,
        /// What was found wrong.
        reason: String,
    },

    /// A bug in the projector: a state its own invariants rule out, or a failure of a
    /// library it relies on that no input should cause.
    /// Another transaction changed a row this one writes after this one began (SQLSTATE
    /// 40001). Nothing of this transaction was applied; it may be retried.
    #[error("could not serialize access due to concurrent update of {table:?}")]
    Conflict {
        /// The table whose row was changed concurrently.
        table: String,
    },

    /// A point in time outside the database's history: before its first transaction, or
    /// after its newest.
    #[error("{0}")]
    PointOutOfRange(String),

    /// The ledger log failed (I/O, corruption, closed).
    #[error("ledger: {0}")]
    Log(#[from] driftdb_log::Error),

    #[error("internal error: {0}")]
    Internal(String),

    /// The operating system refused an I/O operation on a file.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Builds an [`Error::Io`] for `path`; handy in `map_err`.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}
