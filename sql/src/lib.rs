//! DriftDB's SQL layer. For now: the front end that turns SQL text into statements.
//!
//! [`parse`] reads PostgreSQL SQL plus DriftDB's extensions:
//! - SQL:2011 system time on every table reference: `FOR SYSTEM_TIME AS OF p`, `ALL`,
//!   `BETWEEN a AND b`, `FROM a TO b`, `CONTAINED IN (a, b)`, where a point is `@SEQ:n` or a
//!   timestamp literal. The clauses come back typed ([`SystemTime`], [`Point`]) in
//!   [`SqlStatement::temporal`], keyed by a marker left in each table's `TableVersion`.
//! - `@SEQ:n` inside ordinary expressions, as the call `__driftdb_seq(n)`
//!   ([`dialect::seq::seq_literal`] recognises it).
//! - `CHECKPOINT TABLE t`, `VACUUM [t]`, `ALTER TABLE t SET (history_retention = '..')` and
//!   the legacy `CREATE TABLE t (pk=id, INDEX(name), id BIGINT, ...)`.
//!
//! Errors are one [`Error`] type whose [`Error::sqlstate`] and [`Error::position`] fill a
//! PostgreSQL ErrorResponse. The catalog, DataFusion planning and the wire server will live
//! in this crate too; they consume [`Statement`] and look up each table reference's
//! [`SystemTime`] with [`TemporalClauses::system_time`].

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
