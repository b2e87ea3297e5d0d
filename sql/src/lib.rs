//! `driftdb-sql`: DriftDB's SQL layer. This part executes queries with Apache DataFusion
//! over the projector's versioned tables.
//!
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

pub mod arrow;
pub mod engine;
pub mod provider;

pub use engine::{QueryEngine, TableSet, TimeTravelPlanner, read_point_of};
pub use provider::{
    DriftScanExec, DriftTable, Overlay, PSEUDO_COLUMNS, ReadPoint, SharedTable, provider_for,
};
