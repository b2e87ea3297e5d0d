//! The crate's one error type.
//!
//! Each variant says who is at fault and maps to exactly one SQLSTATE through
//! [`Error::sqlstate`], so the wire server never decides a code from a message string.
//! Positions follow PostgreSQL's ErrorResponse `P` field: a 1-based *character* (not byte)
//! index into the SQL text the client sent, `None` when the failing spot is unknown.
//! Messages never repeat the position; sqlparser's ` at Line: l, Column: c` suffix is
//! stripped and turned into the position instead.
//!
//! SQLSTATEs and who is at fault live in one table, [`SqlState`] (`error/sqlstate.rs`); the
//! PostgreSQL wire server sends [`Error::sqlstate`], the gRPC services map [`Error::kind`],
//! and clients retry on [`Error::is_retryable`].

mod convert;
mod sqlstate;

use std::sync::Arc;

use sqlparser::parser::ParserError;
use sqlparser::tokenizer::{Location, TokenizerError};
pub use sqlstate::{ErrorKind, SqlState};

pub(crate) use self::convert::{
    arrow_error, execution, key_text, projector_error, storage, unsupported,
};

/// How many times an autocommit write is planned again after losing a write-write race (a
/// serialization failure, [`Error::is_retryable`]).
pub const AUTOCOMMIT_ATTEMPTS: usize = 5;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the SQL front end.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The text is not valid SQL (bad input). SQLSTATE 42601.
    #[error("syntax error: {message}")]
    Syntax {
        /// What was expected or found.
        message: String,
        /// 1-based character position in the SQL text.
        position: Option<usize>,
    },
    /// Recognised SQL that DriftDB does not support, such as an expression where
    /// `FOR SYSTEM_TIME` needs a literal point (bad input). SQLSTATE 0A000.
    #[error("not supported: {message}")]
    Unsupported {
        /// What is not supported, and what to write instead.
        message: String,
        /// 1-based character position in the SQL text.
        position: Option<usize>,
    },
    /// A timestamp or interval literal that cannot be read (bad input). SQLSTATE 22007.
    #[error("invalid datetime {value:?}: {reason}")]
    InvalidDatetime {
        /// The literal as written, without quotes.
        value: String,
        /// Why it was rejected.
        reason: String,
        /// 1-based character position in the SQL text.
        position: Option<usize>,
    },
    /// A table definition names a column it does not declare (bad input). SQLSTATE 42703.
    #[error("column {column:?} named in {context} is not declared")]
    UndefinedColumn {
        /// The column name.
        column: String,
        /// Where it was named, e.g. `pk=`.
        context: String,
        /// 1-based character position in the SQL text.
        position: Option<usize>,
    },
    /// A table definition that cannot describe a DriftDB table, such as one with two
    /// primary keys (bad input). SQLSTATE 42P16.
    #[error("invalid table definition: {message}")]
    InvalidTableDefinition {
        /// What is wrong.
        message: String,
        /// 1-based character position in the SQL text.
        position: Option<usize>,
    },
    /// The statement nests deeper than the parser's recursion limit (bad input).
    /// SQLSTATE 54001.
    #[error("stack depth limit exceeded: the statement nests too deeply")]
    TooComplex,
    /// A table that does not exist (at the point read). SQLSTATE 42P01.
    #[error("relation {name:?} does not exist")]
    UndefinedTable {
        /// The table name, with the point when the read was in the past.
        name: String,
    },
    /// A row with this primary key or unique value exists already. SQLSTATE 23505.
    #[error("duplicate key value violates unique constraint {constraint:?}")]
    UniqueViolation {
        /// The violated constraint.
        constraint: String,
    },
    /// Rows that hold one key twice, found making a unique index over them. SQLSTATE 23505.
    #[error("{message}")]
    DuplicateKeys {
        /// PostgreSQL's message, naming the index.
        message: String,
        /// The key held twice.
        detail: String,
    },
    /// A value given for a `GENERATED ALWAYS` identity column without `OVERRIDING SYSTEM
    /// VALUE`. SQLSTATE 428C9.
    #[error("{message}")]
    IdentityAlways {
        /// PostgreSQL's message, naming the column.
        message: String,
        /// Why the column takes no value.
        detail: String,
    },
    /// A foreign key that does not hold. SQLSTATE 23503.
    #[error("{message}")]
    ForeignKeyViolation {
        /// PostgreSQL's message, naming the table and the constraint.
        message: String,
        /// Which key is missing or still referenced.
        detail: String,
    },
    /// A row a check constraint rejects. SQLSTATE 23514.
    #[error("{message}")]
    CheckViolation {
        /// PostgreSQL's message, naming the table and the constraint.
        message: String,
        /// The failing row.
        detail: String,
    },
    /// NULL in a NOT NULL column. SQLSTATE 23502.
    #[error("null value in column {column:?} violates not-null constraint")]
    NotNullViolation {
        /// The column.
        column: String,
    },
    /// Another transaction wrote a row this one writes (retry). SQLSTATE 40001.
    #[error("could not serialize access: {message}")]
    SerializationFailure {
        /// Which table was written concurrently.
        message: String,
    },
    /// A `FOR SYSTEM_TIME` point outside the database's history. SQLSTATE 22008.
    #[error("{message}")]
    PointOutOfRange {
        /// Why the point is out of range.
        message: String,
    },
    /// A value that does not fit its column. SQLSTATE 22P02 (or 42804 for a type mismatch).
    #[error("{message}")]
    InvalidValue {
        /// What did not fit.
        message: String,
    },
    /// Planning or executing a query failed (unknown column, bad expression ...).
    #[error("{message}")]
    Execution {
        /// DataFusion's message.
        message: String,
        /// The SQLSTATE that fits the cause.
        sqlstate: SqlState,
    },
    /// A statement in a transaction that an earlier error aborted. SQLSTATE 25P02.
    #[error("current transaction is aborted, commands ignored until end of transaction block")]
    InFailedTransaction,
    /// The storage below SQL failed: I/O (58030), corruption (XX001), a log closed or
    /// fenced (57P03), anything else XX000.
    #[error("storage error: {source}")]
    Storage {
        /// The SQLSTATE of the cause.
        sqlstate: SqlState,
        /// The storage's own error.
        #[source]
        source: Cause,
    },
    /// A bug in DriftDB: a state its invariants rule out, or a library failing where no input
    /// should make it fail. SQLSTATE XX000.
    #[error("{message}")]
    Internal {
        /// What went wrong.
        message: String,
    },
}

impl From<Error> for datafusion::error::DataFusionError {
    /// Carries an error through DataFusion (from a function, a scan, a rewrite) as `External`;
    /// `database::execution` takes it back out whole.
    fn from(error: Error) -> Self {
        datafusion::error::DataFusionError::External(Box::new(error))
    }
}

/// The error a function or operator running inside DataFusion raises: an
/// [`Error::Execution`] with `sqlstate`, carried as `External`.
pub(crate) fn function_error(
    message: impl Into<String>,
    sqlstate: SqlState,
) -> datafusion::error::DataFusionError {
    Error::Execution {
        message: message.into(),
        sqlstate,
    }
    .into()
}

/// The error an [`Error::Storage`] came from, kept for `source()` chains and logs. Two are
/// equal only when they are the same error.
#[derive(Debug, Clone)]
pub struct Cause(Arc<dyn std::error::Error + Send + Sync>);

impl Cause {
    pub(crate) fn new(error: impl std::error::Error + Send + Sync + 'static) -> Cause {
        Cause(Arc::new(error))
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Cause) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Error {
    /// The PostgreSQL SQLSTATE code for this error, as the wire protocol sends it.
    pub fn sqlstate(&self) -> &'static str {
        self.state().code()
    }

    /// The error's row in the status table.
    pub fn state(&self) -> SqlState {
        match self {
            Error::Syntax { .. } => SqlState::SYNTAX_ERROR,
            Error::Unsupported { .. } => SqlState::FEATURE_NOT_SUPPORTED,
            Error::InvalidDatetime { .. } => SqlState::INVALID_DATETIME_FORMAT,
            Error::UndefinedColumn { .. } => SqlState::UNDEFINED_COLUMN,
            Error::InvalidTableDefinition { .. } => SqlState::INVALID_TABLE_DEFINITION,
            Error::TooComplex => SqlState::STATEMENT_TOO_COMPLEX,
            Error::UndefinedTable { .. } => SqlState::UNDEFINED_TABLE,
            Error::UniqueViolation { .. } | Error::DuplicateKeys { .. } => {
                SqlState::UNIQUE_VIOLATION
            }
            Error::NotNullViolation { .. } => SqlState::NOT_NULL_VIOLATION,
            Error::ForeignKeyViolation { .. } => SqlState::FOREIGN_KEY_VIOLATION,
            Error::IdentityAlways { .. } => SqlState::GENERATED_ALWAYS,
            Error::CheckViolation { .. } => SqlState::CHECK_VIOLATION,
            Error::SerializationFailure { .. } => SqlState::SERIALIZATION_FAILURE,
            Error::PointOutOfRange { .. } => SqlState::DATETIME_FIELD_OVERFLOW,
            Error::InvalidValue { .. } => SqlState::INVALID_TEXT_REPRESENTATION,
            Error::Execution { sqlstate, .. } | Error::Storage { sqlstate, .. } => *sqlstate,
            Error::InFailedTransaction => SqlState::IN_FAILED_SQL_TRANSACTION,
            Error::Internal { .. } => SqlState::INTERNAL_ERROR,
        }
    }

    /// Who is at fault, for protocol mappings (gRPC status codes).
    pub fn kind(&self) -> ErrorKind {
        self.state().kind()
    }

    /// Whether the same statement (or transaction) may succeed when sent again unchanged:
    /// a serialization failure, or a server that cannot serve now.
    pub fn is_retryable(&self) -> bool {
        self.state().is_retryable()
    }

    /// The 1-based character position of the error in the SQL text, when known.
    pub fn position(&self) -> Option<usize> {
        match self {
            Error::Syntax { position, .. }
            | Error::Unsupported { position, .. }
            | Error::InvalidDatetime { position, .. }
            | Error::UndefinedColumn { position, .. }
            | Error::InvalidTableDefinition { position, .. } => *position,
            _ => None,
        }
    }

    /// PostgreSQL's DETAIL line for the error, when it has one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::ForeignKeyViolation { detail, .. }
            | Error::CheckViolation { detail, .. }
            | Error::DuplicateKeys { detail, .. }
            | Error::IdentityAlways { detail, .. } => Some(detail),
            _ => None,
        }
    }

    /// Converts a sqlparser error, reading the location sqlparser appends to its messages.
    pub(crate) fn from_parser(error: ParserError, sql: &str) -> Self {
        let message = match error {
            ParserError::RecursionLimitExceeded => return Error::TooComplex,
            ParserError::TokenizerError(message) | ParserError::ParserError(message) => message,
        };
        let (message, position) = split_location(&message, sql);
        Error::Syntax { message, position }
    }

    /// Converts a tokenizer error, which carries its location as a field.
    pub(crate) fn from_tokenizer(error: TokenizerError, sql: &str) -> Self {
        Error::Syntax {
            position: char_position(sql, error.location),
            message: error.message,
        }
    }
}

/// Splits sqlparser's `"<message> at Line: l, Column: c"` into the message and a position.
fn split_location(message: &str, sql: &str) -> (String, Option<usize>) {
    let Some((text, location)) = message.rsplit_once(" at Line: ") else {
        return (message.to_owned(), None);
    };
    let parsed = location
        .split_once(", Column: ")
        .and_then(|(line, column)| Some(Location::new(line.parse().ok()?, column.parse().ok()?)));
    match parsed {
        Some(location) => (text.to_owned(), char_position(sql, location)),
        None => (message.to_owned(), None),
    }
}

/// The 1-based character index of a sqlparser [`Location`] (1-based line and column,
/// columns counted in characters, as the tokenizer counts them) in `sql`.
///
/// Returns `None` for the empty location (line 0) and for locations outside the text.
/// A location one past the last character (end of input) is allowed.
pub(crate) fn char_position(sql: &str, location: Location) -> Option<usize> {
    if location.line == 0 || location.column == 0 {
        return None;
    }
    let line_index = usize::try_from(location.line - 1).ok()?;
    let column = usize::try_from(location.column).ok()?;
    let mut before = 0usize;
    for (index, line) in sql.split('\n').enumerate() {
        let len = line.chars().count();
        if index == line_index {
            return (column <= len + 1).then_some(before + column);
        }
        before += len + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_across_lines() {
        let sql = "SELECT\n  é, x";
        assert_eq!(char_position(sql, Location::new(1, 1)), Some(1));
        assert_eq!(char_position(sql, Location::new(2, 3)), Some(10));
        // `x` is the 13th character although it is the 14th byte.
        assert_eq!(char_position(sql, Location::new(2, 6)), Some(13));
        assert_eq!(char_position(sql, Location::new(2, 7)), Some(14));
        assert_eq!(char_position(sql, Location::new(2, 8)), None);
        assert_eq!(char_position(sql, Location::new(3, 1)), None);
        assert_eq!(char_position(sql, Location::new(0, 0)), None);
    }

    #[test]
    fn parser_messages_lose_their_location_suffix() {
        let error = Error::from_parser(
            ParserError::ParserError(
                "Expected: an expression, found: EOF at Line: 1, Column: 8".into(),
            ),
            "SELECT ",
        );
        assert_eq!(
            error,
            Error::Syntax {
                message: "Expected: an expression, found: EOF".into(),
                position: Some(8),
            }
        );
        assert_eq!(error.sqlstate(), "42601");
    }

    #[test]
    fn messages_without_location_keep_their_text() {
        let error = Error::from_parser(ParserError::ParserError("odd".into()), "x");
        assert_eq!(error.position(), None);
        assert_eq!(error.to_string(), "syntax error: odd");
        assert_eq!(
            Error::from_parser(ParserError::RecursionLimitExceeded, "x").sqlstate(),
            "54001"
        );
    }

    #[test]
    fn each_variant_has_its_sqlstate() {
        let unsupported = Error::Unsupported {
            message: String::new(),
            position: Some(3),
        };
        assert_eq!(unsupported.sqlstate(), "0A000");
        assert_eq!(unsupported.position(), Some(3));
        let datetime = Error::InvalidDatetime {
            value: "x".into(),
            reason: String::new(),
            position: None,
        };
        assert_eq!(datetime.sqlstate(), "22007");
    }
}
