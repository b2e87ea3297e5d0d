//! `driftdb-sql`: DriftDB's SQL layer.
//!
//! Front end: [`parse`] reads PostgreSQL SQL plus DriftDB's extensions:
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
//! PostgreSQL ErrorResponse.
//!
//! Statements run in a [`Session`] (transactions, DDL, DML, `COPY`, roles), which sits on top:
//! no other module imports `session`. Below it, [`Database`] owns the store and the projection
//! runners, and what both need has a module of its own: `strict_cast` (values cast into a
//! column's type), `column_type`, `schemas` (names), `temporary`, `error/convert.rs`. No two
//! modules import each other, directly or through others (`tests/it/layering.rs`).
//!
//! Execution, with Apache DataFusion over the projector's versioned tables:
//! - [`arrow`]: projector types and values to Arrow types, arrays, batches and scalars, and
//!   back, with typed errors;
//! - [`provider`]: [`DriftTable`], a DataFusion `TableProvider` serving one projector table
//!   at one [`ReadPoint`] (`AS OF` a sequence, or a version range with pseudo-columns), with
//!   filter push-down to primary-key and index lookups, projection and limit push-down, and
//!   an overlay of a transaction's own writes;
//! - [`engine`]: [`QueryEngine`], a session that registers tables and plans
//!   `FOR SYSTEM_TIME` references through [`engine::TimeTravelPlanner`].
//!
//! Life of a query: the front end parses `SELECT … FROM orders FOR SYSTEM_TIME AS OF 42`
//! into a statement; DataFusion's SQL planner asks the relation planner for each table
//! reference, which calls [`provider_for`]`(orders, ReadPoint::AsOf(42))`; the optimizer
//! offers `WHERE` conjuncts to `DriftTable::supports_filters_pushdown`, and
//! `DriftTable::scan` picks an access path (`pk_point`, `pk_range`, `index_eq`,
//! `index_range` or `full_scan`) for a [`provider::DriftScanExec`], which reads the table
//! under its read lock when executed and yields Arrow batches.
//!
//! A query that only reads one row by its whole primary key (`SELECT a FROM t WHERE id = 42`,
//! at the snapshot or `AS OF` a point) skips DataFusion: `point` answers it from the table's
//! key lookup with the same result.

pub mod arrow;
pub mod audit;
mod calendar;
mod calls;
pub mod catalog;
pub mod changes;
mod column_type;
mod comments;
pub mod copy;
pub mod database;
pub mod dialect;
pub mod engine;
pub mod error;
mod grouping;
mod internal_table;
mod interval;
mod json;
mod lateral;
mod naming;
pub mod network;
pub mod outcome;
mod owners;
pub mod parser;
pub mod pg_types;
mod point;
mod postgres;
mod present;
pub mod projection;
pub mod provider;
mod recursive;
mod rewrite;
mod schemas;
mod sequences;
pub mod session;
mod strict_cast;
mod subquery;
pub mod temporal;
mod temporary;
pub mod text;
mod to_char;
mod udf;
mod views;
mod wildcard;

/// The PostgreSQL version DriftDB answers as (`server_version`, sent to every client at
/// start-up and shown by `SHOW`): the one whose catalogs and behaviour it follows, so that
/// clients that check it (`pg_dump` refuses a server newer than itself) take it as that.
pub const SERVER_VERSION: &str = "15.0";

pub use crate::dialect::DriftDialect;
pub use crate::error::{Error, ErrorKind, Result, SqlState};
pub use crate::parser::drift::parse_retention;
pub use crate::parser::system_time::{TemporalClause, TemporalClauses};
pub use crate::parser::{SqlStatement, Statement, forms_implicit_block, parse, split_statements};
pub use crate::temporal::{Point, SystemTime, Timestamp};
pub use database::Database;
pub use engine::{
    QueryEngine, TableSet, TimeBound, TimeResolver, TimeTravelPlanner, read_point_of,
};
pub use outcome::{
    CommandTag, Notice, Outcome, Rows, format_rows, format_table, format_text_table,
};
pub use provider::{
    DriftScanExec, DriftTable, Overlay, PSEUDO_COLUMNS, ReadPoint, SharedTable, provider_for,
};
pub use session::{Bootstrap, Description, Param, ParamValue, Session, TransactionStatus};

/// Runs `f`, which blocks its thread (an fsync, a wait), from async code: on a
/// multi-threaded runtime the worker hands its other tasks to another thread first, so
/// sessions waiting on a commit's fsync do not stall the rest and can share fsyncs. Runs
/// `f` in place elsewhere (a current-thread runtime, no runtime).
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}
