//! DriftDB's SQL layer. For now: the front end that turns SQL text into statements.
//!
//! [`parse`] reads PostgreSQL SQL plus DriftDB's extensions:
//! - SQL:2011 system time on every table reference: `FOR SYSTEM_TIME AS OF p`, `ALL`,
//!   `BETWEEN a AND b`, `FROM a TO b`, `CONTAINED IN (a, b)`, where a point is `@SEQ:n` or a
//!   timestamp literal. Each versioned table reference keeps
//!   `version: Some(ForSystemTimeAsOf(<marker>))` in the sqlparser AST; the marker encodes
//!   the clause, and [`SystemTime::of_table_factor`] turns it back into a typed
//!   [`SystemTime`] / [`Point`]. [`SqlStatement::temporal`] lists a statement's clauses in
//!   source order with their positions.
//! - `@SEQ:n` inside ordinary expressions, as the call `__driftdb_seq(n)`
//!   ([`dialect::seq::seq_literal`] recognises it).
//! - `CHECKPOINT TABLE t`, `VACUUM [t]`, `ALTER TABLE t SET (history_retention = '..')` and
//!   the legacy `CREATE TABLE t (pk=id, INDEX(name), id BIGINT, ...)`.
//!
//! Errors are one [`Error`] type whose [`Error::sqlstate`] and [`Error::position`] fill a
//! PostgreSQL ErrorResponse. The catalog, DataFusion planning and the wire server will live
//! in this crate too; they consume [`Statement`] and ask each `TableFactor` for its
//! [`SystemTime`] with [`SystemTime::of_table_factor`].

pub mod dialect;
pub mod error;
pub mod parser;
pub mod temporal;

pub use crate::dialect::DriftDialect;
pub use crate::error::{Error, Result};
pub use crate::parser::drift::parse_retention;
pub use crate::parser::system_time::{TemporalClause, TemporalClauses};
pub use crate::parser::{SqlStatement, Statement, parse};
pub use crate::temporal::{Point, SystemTime, Timestamp};
