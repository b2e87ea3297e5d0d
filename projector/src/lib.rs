//! `driftdb-projector`: DriftDB's materialized tables.
//!
//! The SQL database is a log (the `__ledger` topic); each ledger record, at sequence number
//! `n`, is one committed transaction. This crate holds the tables that log projects to:
//!
//! - [`value`]: SQL types ([`DataType`]) and values ([`Value`]) with the total order that
//!   B-tree keys need;
//! - [`schema`]: a table's columns, primary key, unique constraints and indexes
//!   ([`TableSchema`]);
//! - [`table`]: [`Table`], the versioned rows of one table. The ledger applier calls
//!   [`Table::apply`] once per record in ledger order; readers call [`Table::get`],
//!   [`Table::scan`], [`Table::index_eq`] and friends at any retained sequence, and
//!   [`Table::versions`] for `FOR SYSTEM_TIME` ranges; [`Table::vacuum`] drops old history;
//! - [`snapshot`]: [`snapshot::write`] and [`snapshot::load`] save and restore a table's
//!   whole retained state in a checksummed rkyv file, so a restart replays only the ledger
//!   after the snapshot's sequence;
//! - [`ledger`]: the `__ledger` record format: a [`Transaction`] is the ordered list of
//!   [`LedgerOp`]s (DDL and row changes) one commit made;
//! - [`database`]: [`Database`], every table with every incarnation it has had (drop and
//!   re-create, alter), applying ledger records in order and resolving a name at a sequence;
//! - [`store`]: [`Store`], the commit path (conflict check, constraint check, one fsynced
//!   `__ledger` record per transaction, apply) and recovery (newest [`checkpoint`] plus the
//!   ledger after it);
//! - [`error`]: the crate's [`Error`] and [`Result`].
//!
//! Life of a change: the applier decodes ledger record `n` into [`Change`]s per table and
//! calls `table.apply(n, commit_time, changes)`; the table validates them, checks unique
//! constraints on the resulting state, then appends one version per touched key to that
//! key's chain and moves index entries. A query at `@SEQ:m` calls `table.scan(m)`, which
//! picks from each chain the version in force at `m`.
//!
//! Only [`snapshot`], [`checkpoint`] and [`store`] do I/O; the tables and the database are
//! pure state fed from the ledger.

pub mod broker_grants;
pub mod checkpoint;
pub mod constraints;
pub mod database;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
pub mod ledger;
pub mod projection;
pub mod schema;
pub mod security;
pub mod snapshot;
pub mod store;
pub mod table;
pub mod tokens;
pub mod value;

pub use constraints::{Check, Constraint, Constraints, ForeignKey, RefAction};
pub use database::{Database, Incarnation, SharedTable};
pub use error::{Error, Result};
pub use ledger::{LedgerOp, Transaction};
pub use schema::{Column, ColumnDefault, IndexDef, Key, Row, TableSchema, UniqueConstraint};
pub use store::{Commit, LEDGER_TOPIC, Store, StoreOptions};
pub use table::{
    Change, MemoryUsage, NumericWidth, Op, Table, VacuumStats, VersionFilter, VersionRef,
};
pub use value::{DataType, MAX_NUMERIC_DIGITS, Value};
