//! The status table: every SQLSTATE DriftDB sends, by PostgreSQL's condition name, each with
//! the [`ErrorKind`] that says who is at fault and what a client may do about it.
//!
//! Codes and names are PostgreSQL's (`src/backend/utils/errcodes.txt`), so a driver's
//! constants (`psycopg.errors.UniqueViolation`, JDBC's `PSQLState`) match what DriftDB sends.
//! Code never writes a SQLSTATE as a string literal: it names a constant here, and protocol
//! mappings (the PostgreSQL wire, gRPC) read the code and the kind from it.

/// Who is at fault, in the terms every protocol mapping needs (gRPC status codes, retries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The statement or a value in it is wrong; sending it again unchanged fails again.
    InvalidInput,
    /// The statement names something that does not exist.
    NotFound,
    /// The statement creates something that exists already.
    AlreadyExists,
    /// The database's state refuses the statement: a constraint, a dependent object, the
    /// transaction's state. The caller must change the data or the statement.
    Conflict,
    /// A concurrent transaction won; the whole transaction may be retried as it was.
    Aborted,
    /// Valid SQL that DriftDB does not implement.
    Unsupported,
    /// The role lacks a privilege.
    PermissionDenied,
    /// The client has not proved who it is.
    Unauthenticated,
    /// A limit was reached: memory, statement size, connections.
    ResourceExhausted,
    /// The statement was cancelled by the client or a timeout.
    Cancelled,
    /// The server cannot serve now (shutting down, storage fenced after an I/O error); the
    /// same statement may succeed later.
    Unavailable,
    /// Data on disk failed verification.
    Corruption,
    /// A bug in DriftDB: a state its invariants rule out.
    Internal,
}

impl ErrorKind {
    /// Whether the same statement (or transaction) may succeed when sent again unchanged.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Aborted | ErrorKind::Unavailable)
    }
}

/// A PostgreSQL SQLSTATE with its [`ErrorKind`]; the constants are the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SqlState {
    code: &'static str,
    kind: ErrorKind,
}

impl SqlState {
    const fn new(code: &'static str, kind: ErrorKind) -> SqlState {
        SqlState { code, kind }
    }

    /// The five-character code, as the wire protocol sends it.
    pub const fn code(self) -> &'static str {
        self.code
    }

    /// Who is at fault.
    pub const fn kind(self) -> ErrorKind {
        self.kind
    }

    /// Whether the same statement (or transaction) may succeed when sent again unchanged.
    pub fn is_retryable(self) -> bool {
        self.kind.is_retryable()
    }
}

impl std::fmt::Display for SqlState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

use ErrorKind::*;

/// The table, grouped by PostgreSQL's classes.
impl SqlState {
    // Class 00 — successful completion: the code of notices, never of an error (its kind
    // is never read).
    pub const SUCCESSFUL_COMPLETION: SqlState = SqlState::new("00000", InvalidInput);
    // Class 08 — connection exception.
    pub const PROTOCOL_VIOLATION: SqlState = SqlState::new("08P01", InvalidInput);
    // Class 0A — feature not supported.
    pub const FEATURE_NOT_SUPPORTED: SqlState = SqlState::new("0A000", Unsupported);
    // Class 0L — invalid grantor; 0LP01 is PostgreSQL's invalid_grant_operation.
    pub const INVALID_GRANT_OPERATION: SqlState = SqlState::new("0LP01", InvalidInput);
    // Class 21 — cardinality violation.
    pub const CARDINALITY_VIOLATION: SqlState = SqlState::new("21000", InvalidInput);
    // Class 22 — data exception.
    pub const STRING_DATA_RIGHT_TRUNCATION: SqlState = SqlState::new("22001", InvalidInput);
    pub const NUMERIC_VALUE_OUT_OF_RANGE: SqlState = SqlState::new("22003", InvalidInput);
    pub const NULL_VALUE_NOT_ALLOWED: SqlState = SqlState::new("22004", InvalidInput);
    pub const INVALID_DATETIME_FORMAT: SqlState = SqlState::new("22007", InvalidInput);
    pub const DATETIME_FIELD_OVERFLOW: SqlState = SqlState::new("22008", InvalidInput);
    pub const SEQUENCE_GENERATOR_LIMIT_EXCEEDED: SqlState = SqlState::new("2200H", InvalidInput);
    pub const DIVISION_BY_ZERO: SqlState = SqlState::new("22012", InvalidInput);
    pub const INVALID_ARGUMENT_FOR_NTH_VALUE: SqlState = SqlState::new("22016", InvalidInput);
    pub const INVALID_ESCAPE_CHARACTER: SqlState = SqlState::new("22019", InvalidInput);
    pub const INVALID_REGULAR_EXPRESSION: SqlState = SqlState::new("2201B", InvalidInput);
    pub const INVALID_ARGUMENT_FOR_LOGARITHM: SqlState = SqlState::new("2201E", InvalidInput);
    pub const INVALID_ARGUMENT_FOR_POWER_FUNCTION: SqlState = SqlState::new("2201F", InvalidInput);
    pub const INVALID_ARGUMENT_FOR_WIDTH_BUCKET_FUNCTION: SqlState =
        SqlState::new("2201G", InvalidInput);
    pub const CHARACTER_NOT_IN_REPERTOIRE: SqlState = SqlState::new("22021", InvalidInput);
    pub const INVALID_PARAMETER_VALUE: SqlState = SqlState::new("22023", InvalidInput);
    pub const INVALID_ESCAPE_SEQUENCE: SqlState = SqlState::new("22025", InvalidInput);
    pub const ARRAY_SUBSCRIPT_ERROR: SqlState = SqlState::new("2202E", InvalidInput);
    pub const INVALID_TEXT_REPRESENTATION: SqlState = SqlState::new("22P02", InvalidInput);
    pub const INVALID_BINARY_REPRESENTATION: SqlState = SqlState::new("22P03", InvalidInput);
    pub const BAD_COPY_FILE_FORMAT: SqlState = SqlState::new("22P04", InvalidInput);
    pub const UNTRANSLATABLE_CHARACTER: SqlState = SqlState::new("22P05", InvalidInput);
    // Class 23 — integrity constraint violation.
    pub const NOT_NULL_VIOLATION: SqlState = SqlState::new("23502", Conflict);
    pub const FOREIGN_KEY_VIOLATION: SqlState = SqlState::new("23503", Conflict);
    pub const UNIQUE_VIOLATION: SqlState = SqlState::new("23505", Conflict);
    pub const CHECK_VIOLATION: SqlState = SqlState::new("23514", Conflict);
    // Class 25 — invalid transaction state.
    pub const ACTIVE_SQL_TRANSACTION: SqlState = SqlState::new("25001", Conflict);
    pub const READ_ONLY_SQL_TRANSACTION: SqlState = SqlState::new("25006", Conflict);
    pub const NO_ACTIVE_SQL_TRANSACTION: SqlState = SqlState::new("25P01", Conflict);
    pub const IN_FAILED_SQL_TRANSACTION: SqlState = SqlState::new("25P02", Conflict);
    // Class 26 — invalid SQL statement name (prepared statements, portals).
    pub const INVALID_SQL_STATEMENT_NAME: SqlState = SqlState::new("26000", NotFound);
    // Class 28 — invalid authorization specification.
    pub const INVALID_AUTHORIZATION_SPECIFICATION: SqlState =
        SqlState::new("28000", Unauthenticated);
    pub const INVALID_PASSWORD: SqlState = SqlState::new("28P01", Unauthenticated);
    // Class 2B — dependent privilege descriptors still exist.
    pub const DEPENDENT_OBJECTS_STILL_EXIST: SqlState = SqlState::new("2BP01", Conflict);
    // Class 3B — savepoint exception.
    pub const INVALID_SAVEPOINT_SPECIFICATION: SqlState = SqlState::new("3B001", NotFound);
    // Class 3F — invalid schema name.
    pub const INVALID_SCHEMA_NAME: SqlState = SqlState::new("3F000", NotFound);
    // Class 40 — transaction rollback.
    pub const TRANSACTION_ROLLBACK: SqlState = SqlState::new("40000", Aborted);
    pub const SERIALIZATION_FAILURE: SqlState = SqlState::new("40001", Aborted);
    // Class 42 — syntax error or access rule violation.
    pub const INSUFFICIENT_PRIVILEGE: SqlState = SqlState::new("42501", PermissionDenied);
    pub const SYNTAX_ERROR: SqlState = SqlState::new("42601", InvalidInput);
    pub const DUPLICATE_COLUMN: SqlState = SqlState::new("42701", AlreadyExists);
    pub const AMBIGUOUS_COLUMN: SqlState = SqlState::new("42702", InvalidInput);
    pub const UNDEFINED_COLUMN: SqlState = SqlState::new("42703", NotFound);
    pub const UNDEFINED_OBJECT: SqlState = SqlState::new("42704", NotFound);
    pub const DUPLICATE_OBJECT: SqlState = SqlState::new("42710", AlreadyExists);
    pub const DATATYPE_MISMATCH: SqlState = SqlState::new("42804", InvalidInput);
    pub const WRONG_OBJECT_TYPE: SqlState = SqlState::new("42809", InvalidInput);
    pub const INVALID_FOREIGN_KEY: SqlState = SqlState::new("42830", InvalidInput);
    pub const UNDEFINED_FUNCTION: SqlState = SqlState::new("42883", NotFound);
    pub const GENERATED_ALWAYS: SqlState = SqlState::new("428C9", InvalidInput);
    pub const RESERVED_NAME: SqlState = SqlState::new("42939", InvalidInput);
    pub const UNDEFINED_TABLE: SqlState = SqlState::new("42P01", NotFound);
    pub const DUPLICATE_PREPARED_STATEMENT: SqlState = SqlState::new("42P05", AlreadyExists);
    pub const DUPLICATE_SCHEMA: SqlState = SqlState::new("42P06", AlreadyExists);
    pub const DUPLICATE_TABLE: SqlState = SqlState::new("42P07", AlreadyExists);
    pub const INVALID_COLUMN_REFERENCE: SqlState = SqlState::new("42P10", InvalidInput);
    pub const INVALID_TABLE_DEFINITION: SqlState = SqlState::new("42P16", InvalidInput);
    pub const INVALID_OBJECT_DEFINITION: SqlState = SqlState::new("42P17", InvalidInput);
    pub const INVALID_RECURSION: SqlState = SqlState::new("42P19", InvalidInput);
    // Class 53 — insufficient resources.
    pub const OUT_OF_MEMORY: SqlState = SqlState::new("53200", ResourceExhausted);
    pub const TOO_MANY_CONNECTIONS: SqlState = SqlState::new("53300", ResourceExhausted);
    // Class 54 — program limit exceeded.
    pub const PROGRAM_LIMIT_EXCEEDED: SqlState = SqlState::new("54000", ResourceExhausted);
    pub const STATEMENT_TOO_COMPLEX: SqlState = SqlState::new("54001", ResourceExhausted);
    // Class 55 — object not in prerequisite state.
    pub const OBJECT_NOT_IN_PREREQUISITE_STATE: SqlState = SqlState::new("55000", Conflict);
    pub const OBJECT_IN_USE: SqlState = SqlState::new("55006", Conflict);
    pub const CANT_CHANGE_RUNTIME_PARAM: SqlState = SqlState::new("55P02", Conflict);
    // Class 57 — operator intervention.
    pub const QUERY_CANCELED: SqlState = SqlState::new("57014", Cancelled);
    pub const CANNOT_CONNECT_NOW: SqlState = SqlState::new("57P03", Unavailable);
    // Class 58 — system error (errors external to DriftDB).
    pub const IO_ERROR: SqlState = SqlState::new("58030", Unavailable);
    // Class XX — internal error.
    pub const INTERNAL_ERROR: SqlState = SqlState::new("XX000", Internal);
    pub const DATA_CORRUPTED: SqlState = SqlState::new("XX001", Corruption);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every constant, for the checks below (kept in the table's order).
    const ALL: &[SqlState] = &[
        SqlState::SUCCESSFUL_COMPLETION,
        SqlState::PROTOCOL_VIOLATION,
        SqlState::FEATURE_NOT_SUPPORTED,
        SqlState::CARDINALITY_VIOLATION,
        SqlState::STRING_DATA_RIGHT_TRUNCATION,
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        SqlState::NULL_VALUE_NOT_ALLOWED,
        SqlState::INVALID_DATETIME_FORMAT,
        SqlState::DATETIME_FIELD_OVERFLOW,
        SqlState::SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
        SqlState::DIVISION_BY_ZERO,
        SqlState::INVALID_ARGUMENT_FOR_NTH_VALUE,
        SqlState::INVALID_ESCAPE_CHARACTER,
        SqlState::INVALID_REGULAR_EXPRESSION,
        SqlState::INVALID_ARGUMENT_FOR_LOGARITHM,
        SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
        SqlState::INVALID_ARGUMENT_FOR_WIDTH_BUCKET_FUNCTION,
        SqlState::CHARACTER_NOT_IN_REPERTOIRE,
        SqlState::INVALID_PARAMETER_VALUE,
        SqlState::INVALID_ESCAPE_SEQUENCE,
        SqlState::ARRAY_SUBSCRIPT_ERROR,
        SqlState::INVALID_TEXT_REPRESENTATION,
        SqlState::INVALID_BINARY_REPRESENTATION,
        SqlState::BAD_COPY_FILE_FORMAT,
        SqlState::UNTRANSLATABLE_CHARACTER,
        SqlState::NOT_NULL_VIOLATION,
        SqlState::FOREIGN_KEY_VIOLATION,
        SqlState::UNIQUE_VIOLATION,
        SqlState::CHECK_VIOLATION,
        SqlState::ACTIVE_SQL_TRANSACTION,
        SqlState::READ_ONLY_SQL_TRANSACTION,
        SqlState::NO_ACTIVE_SQL_TRANSACTION,
        SqlState::IN_FAILED_SQL_TRANSACTION,
        SqlState::INVALID_SQL_STATEMENT_NAME,
        SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
        SqlState::INVALID_PASSWORD,
        SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
        SqlState::INVALID_SAVEPOINT_SPECIFICATION,
        SqlState::INVALID_SCHEMA_NAME,
        SqlState::TRANSACTION_ROLLBACK,
        SqlState::SERIALIZATION_FAILURE,
        SqlState::INSUFFICIENT_PRIVILEGE,
        SqlState::SYNTAX_ERROR,
        SqlState::DUPLICATE_COLUMN,
        SqlState::AMBIGUOUS_COLUMN,
        SqlState::UNDEFINED_COLUMN,
        SqlState::UNDEFINED_OBJECT,
        SqlState::DUPLICATE_OBJECT,
        SqlState::DATATYPE_MISMATCH,
        SqlState::WRONG_OBJECT_TYPE,
        SqlState::INVALID_FOREIGN_KEY,
        SqlState::UNDEFINED_FUNCTION,
        SqlState::GENERATED_ALWAYS,
        SqlState::RESERVED_NAME,
        SqlState::UNDEFINED_TABLE,
        SqlState::DUPLICATE_PREPARED_STATEMENT,
        SqlState::DUPLICATE_SCHEMA,
        SqlState::DUPLICATE_TABLE,
        SqlState::INVALID_COLUMN_REFERENCE,
        SqlState::INVALID_TABLE_DEFINITION,
        SqlState::INVALID_OBJECT_DEFINITION,
        SqlState::INVALID_RECURSION,
        SqlState::OUT_OF_MEMORY,
        SqlState::TOO_MANY_CONNECTIONS,
        SqlState::PROGRAM_LIMIT_EXCEEDED,
        SqlState::STATEMENT_TOO_COMPLEX,
        SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
        SqlState::OBJECT_IN_USE,
        SqlState::CANT_CHANGE_RUNTIME_PARAM,
        SqlState::QUERY_CANCELED,
        SqlState::CANNOT_CONNECT_NOW,
        SqlState::IO_ERROR,
        SqlState::INTERNAL_ERROR,
        SqlState::DATA_CORRUPTED,
    ];

    #[test]
    fn codes_are_five_characters_unique_and_in_class_order() {
        let mut seen = std::collections::HashSet::new();
        for state in ALL {
            let code = state.code();
            assert_eq!(code.len(), 5, "{code}");
            assert!(
                code.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
                "{code}"
            );
            assert!(seen.insert(code), "{code} is in the table twice");
        }
        let classes: Vec<&str> = ALL.iter().map(|s| &s.code()[..2]).collect();
        assert!(
            classes.is_sorted(),
            "keep the table in PostgreSQL's class order"
        );
    }

    /// A class says most of who is at fault; the kinds must not contradict it.
    #[test]
    fn kinds_agree_with_classes() {
        for state in ALL {
            let expected: &[ErrorKind] = match &state.code()[..2] {
                "0A" => &[Unsupported],
                "22" | "21" => &[InvalidInput],
                "23" | "25" | "2B" | "55" => &[Conflict],
                "28" => &[Unauthenticated],
                "40" => &[Aborted],
                "53" | "54" => &[ResourceExhausted],
                "XX" => &[Internal, Corruption],
                _ => continue,
            };
            assert!(
                expected.contains(&state.kind()),
                "{state}: {:?}",
                state.kind()
            );
        }
    }

    #[test]
    fn only_races_and_outages_are_retryable() {
        let retryable: Vec<&str> = ALL
            .iter()
            .filter(|s| s.is_retryable())
            .map(|s| s.code())
            .collect();
        assert_eq!(retryable, ["40000", "40001", "57P03", "58030"]);
    }
}
