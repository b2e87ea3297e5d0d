//! [`DriftTable`]: a DataFusion [`TableProvider`] serving one projector [`Table`] at one
//! read point.
//!
//! # Concurrency
//!
//! The table is shared as a [`SharedTable`] (`Arc<RwLock<Table>>`): the ledger applier takes
//! the write lock for each `Table::apply`, and a scan takes the read lock only while it
//! executes, converting the rows it needs into Arrow batches before letting go (planning and
//! `EXPLAIN` never lock for longer than reading the schema and current sequence). Holding the
//! lock across a whole query is unnecessary because a table is append-only: a read at
//! sequence `s` returns the same rows before and after later records are applied. The one
//! exception is `VACUUM` past `s`, which makes the read fail with the projector's
//! `BeforeHorizon` error rather than return a partial past. [`ReadPoint::Latest`] is bound to
//! the table's newest sequence when the scan is planned, so every batch of one scan agrees.
//!
//! # Pseudo-columns
//!
//! DataFusion has no hidden columns, so pseudo-columns appear in `SELECT *`. To keep that
//! small, an `AS OF` (or latest) read appends only `__sequence` (the sequence that created
//! the row's version; NULL for a row the transaction overlay wrote), which makes
//! `SELECT MAX(__sequence) FROM t` work. Version-range reads (`ALL`, `BETWEEN`, `FROM`,
//! `CONTAINED IN`) append all of [`PSEUDO_COLUMNS`]: there the version metadata is the point
//! of the query.
//!
//! # Transaction overlay
//!
//! [`DriftTable::with_overlay`] adds a transaction's uncommitted writes (primary key to new
//! row, or `None` for a deletion) on top of an `AS OF` read: overlay keys hide the table's
//! rows, overlay rows are added. Version-range reads show committed history only and refuse
//! an overlay.

mod access;
pub mod chunked;
mod exec;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::Session;
use datafusion::common::{Constraint, Constraints};
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use driftdb_projector::{DataType, Key, Row, Table, TableSchema, VersionFilter};

pub use exec::DriftScanExec;

/// A projector table shared between the ledger applier (writer) and queries (readers).
pub type SharedTable = Arc<RwLock<Table>>;

/// A transaction's own writes to one table: primary key to the row it wrote, or `None` if
/// it deleted the key.
pub type Overlay = BTreeMap<Key, Option<Row>>;

/// `__sequence`: the sequence number of the record that created the version.
pub const SEQUENCE: &str = "__sequence";
/// `__valid_from_seq`: the same as `__sequence`, named for symmetry with `__valid_to_seq`.
pub const VALID_FROM_SEQ: &str = "__valid_from_seq";
/// `__valid_to_seq`: the sequence that ended the version; NULL while it is current.
pub const VALID_TO_SEQ: &str = "__valid_to_seq";
/// `__valid_from`: commit time of `__valid_from_seq`, `TIMESTAMPTZ`.
pub const VALID_FROM: &str = "__valid_from";
/// `__valid_to`: commit time of `__valid_to_seq`, `TIMESTAMPTZ`; NULL while current.
pub const VALID_TO: &str = "__valid_to";
/// `__operation`: `'INSERT'`, `'UPDATE'` or `'DELETE'`.
pub const OPERATION: &str = "__operation";

/// The pseudo-columns of a version-range read, in the order they follow the table's columns.
pub const PSEUDO_COLUMNS: [&str; 6] = [
    SEQUENCE,
    VALID_FROM_SEQ,
    VALID_TO_SEQ,
    VALID_FROM,
    VALID_TO,
    OPERATION,
];

/// Which rows of a table a reference reads: `FOR SYSTEM_TIME …` with points as sequence
/// numbers (the SQL layer maps timestamps to sequences before building a provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadPoint {
    /// No `FOR SYSTEM_TIME`: the table's newest sequence when the scan is planned.
    Latest,
    /// `AS OF @SEQ:n`: the rows current at sequence `n`.
    AsOf(u64),
    /// `ALL`: every retained version, deletions included.
    All,
    /// `FROM a TO b`.
    FromTo(u64, u64),
    /// `BETWEEN a AND b`.
    Between(u64, u64),
    /// `CONTAINED IN (a, b)`.
    ContainedIn(u64, u64),
    /// A range that holds no moment of the history (one ending before the first commit, or
    /// a `CONTAINED IN` starting after the newest): no versions, and no horizon to check.
    Empty,
}

impl ReadPoint {
    /// The projector filter of a version-range read; `None` for point reads.
    pub fn version_filter(self) -> Option<VersionFilter> {
        match self {
            ReadPoint::Latest | ReadPoint::AsOf(_) => None,
            ReadPoint::All => Some(VersionFilter::All),
            ReadPoint::FromTo(a, b) => Some(VersionFilter::FromTo(a, b)),
            ReadPoint::Between(a, b) => Some(VersionFilter::Between(a, b)),
            ReadPoint::ContainedIn(a, b) => Some(VersionFilter::ContainedIn(a, b)),
            // No version starts at or after u64::MAX, and no horizon lies above it.
            ReadPoint::Empty => Some(VersionFilter::ContainedIn(u64::MAX, u64::MAX)),
        }
    }

    /// The newest sequence whose rows the read can see, where the point itself says: the
    /// sequence of `AS OF`, the end of a range. The widths of `numeric` values are read
    /// there ([`crate::arrow::read_schema`]), so a read of the past shows them as then.
    fn newest(self) -> Option<u64> {
        match self {
            ReadPoint::AsOf(seq)
            | ReadPoint::FromTo(_, seq)
            | ReadPoint::Between(_, seq)
            | ReadPoint::ContainedIn(_, seq) => Some(seq),
            ReadPoint::Latest | ReadPoint::All | ReadPoint::Empty => None,
        }
    }
}

impl fmt::Display for ReadPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadPoint::Latest => write!(f, "LATEST"),
            ReadPoint::AsOf(s) => write!(f, "@SEQ:{s}"),
            ReadPoint::All => write!(f, "ALL"),
            ReadPoint::FromTo(a, b) => write!(f, "FROM @SEQ:{a} TO @SEQ:{b}"),
            ReadPoint::Between(a, b) => write!(f, "BETWEEN @SEQ:{a} AND @SEQ:{b}"),
            ReadPoint::ContainedIn(a, b) => write!(f, "CONTAINED IN (@SEQ:{a}, @SEQ:{b})"),
            ReadPoint::Empty => write!(f, "an empty range"),
        }
    }
}

/// A [`TableProvider`] over one table at one [`ReadPoint`].
#[derive(Debug, Clone)]
pub struct DriftTable {
    table: SharedTable,
    point: ReadPoint,
    /// The newest sequence a version-range read sees (`None`: every applied version).
    through: Option<u64>,
    overlay: Option<Arc<Overlay>>,
    /// The table's schema when the provider was built (a schema change builds a new table),
    /// as read at `point` ([`crate::arrow::read_schema`]).
    table_schema: TableSchema,
    /// The table's newest sequence when the provider was built.
    planned: u64,
    /// Table columns, then the pseudo-columns of `point`.
    schema: SchemaRef,
    /// The primary key, declared to DataFusion on point reads only: a version range holds
    /// several versions per key.
    constraints: Option<Constraints>,
}

/// An error of the projector's (or of a value's conversion) carried through DataFusion as
/// `External`, which `crate::error::execution` maps back to its SQLSTATE.
pub(crate) fn external(e: impl std::error::Error + Send + Sync + 'static) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// The provider for `table` at `point`: what the SQL planner builds for each table
/// reference, resolving its `FOR SYSTEM_TIME` clause.
pub fn provider_for(table: SharedTable, point: ReadPoint) -> Result<DriftTable> {
    let (table_schema, planned) = {
        let table = driftdb_projector::database::read(&table);
        let planned = table.current_seq().unwrap_or(0);
        let seq = point.newest().unwrap_or(planned);
        (crate::arrow::read_schema(&table, seq), planned)
    };
    let mut fields: Vec<Field> = crate::arrow::schema(&table_schema)
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    let clashes = |name: &str| table_schema.column_index(name).is_some();
    let pseudo: &[&str] = if point.version_filter().is_some() {
        &PSEUDO_COLUMNS
    } else {
        &[SEQUENCE]
    };
    for name in pseudo {
        if clashes(name) {
            return Err(DataFusionError::Plan(format!(
                "table {:?} has a column named {name:?}, which is reserved for a pseudo-column",
                table_schema.name()
            )));
        }
        fields.push(pseudo_field(name));
    }
    // With the key known, DataFusion accepts `SELECT id, name … GROUP BY id` as PostgreSQL
    // does.
    let constraints = point.version_filter().is_none().then(|| {
        Constraints::new_unverified(vec![Constraint::PrimaryKey(
            table_schema.primary_key().to_vec(),
        )])
    });
    Ok(DriftTable {
        table,
        point,
        through: None,
        overlay: None,
        table_schema,
        planned,
        schema: Arc::new(Schema::new(fields)),
        constraints,
    })
}

fn pseudo_field(name: &str) -> Field {
    let utc = Some(crate::arrow::UTC.into());
    match name {
        VALID_FROM_SEQ => Field::new(name, ArrowType::Int64, false),
        VALID_TO_SEQ => Field::new(name, ArrowType::Int64, true),
        VALID_FROM => Field::new(
            name,
            ArrowType::Timestamp(TimeUnit::Microsecond, utc),
            false,
        ),
        VALID_TO => Field::new(name, ArrowType::Timestamp(TimeUnit::Microsecond, utc), true),
        OPERATION => Field::new(name, ArrowType::Utf8, false),
        // `__sequence`: NULL for rows of a transaction overlay.
        _ => Field::new(name, ArrowType::Int64, true),
    }
}

impl DriftTable {
    /// The read point this provider serves.
    pub fn point(&self) -> ReadPoint {
        self.point
    }

    /// Bounds a version-range read by the newest sequence its reader may see: versions
    /// committed later are left out, and ends recorded later are not yet ends.
    pub fn through(mut self, seq: Option<u64>) -> Result<Self> {
        self.through = seq;
        if let Some(seq) = seq
            && self.point.version_filter().is_some()
        {
            // Shown as they were then, however wide later values of a `numeric` are.
            let seq = self.point.newest().map_or(seq, |newest| newest.min(seq));
            let table = driftdb_projector::database::read(&self.table);
            let schema = crate::arrow::read_schema(&table, seq);
            drop(table);
            self.retype(schema);
        }
        Ok(self)
    }

    /// Reads the table's columns as `table_schema` types them.
    fn retype(&mut self, table_schema: TableSchema) {
        if table_schema == self.table_schema {
            return;
        }
        let mut fields: Vec<Field> = crate::arrow::schema(&table_schema)
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.extend(
            self.schema.fields()[table_schema.columns().len()..]
                .iter()
                .map(|f| f.as_ref().clone()),
        );
        self.schema = Arc::new(Schema::new(fields));
        self.table_schema = table_schema;
    }

    /// Shows a transaction's uncommitted writes on top of the table (see the module
    /// documentation). Only for `AS OF` and latest reads. Overlay rows are not validated
    /// here: the transaction checks them when written (`Table::check_upsert`); a value of
    /// the wrong type fails the scan with a conversion error.
    pub fn with_overlay(mut self, overlay: Arc<Overlay>) -> Result<Self> {
        if self.point.version_filter().is_some() {
            return Err(DataFusionError::Plan(format!(
                "FOR SYSTEM_TIME {} reads committed history only; it cannot include a transaction's writes",
                self.point
            )));
        }
        // The transaction's own values of a `numeric` may be wider than the table's.
        let declared = driftdb_projector::database::read(&self.table)
            .schema()
            .clone();
        let widened = self
            .table_schema
            .with_types(|i, column| match column.data_type {
                DataType::Decimal { precision, scale }
                    if declared.columns()[i].data_type == DataType::Numeric =>
                {
                    let overlay_scale = crate::arrow::width_of(i, overlay.values().flatten()).scale;
                    DataType::Decimal {
                        precision,
                        scale: scale.max(overlay_scale),
                    }
                }
                ref other => other.clone(),
            });
        self.retype(widened);
        self.overlay = Some(overlay);
        Ok(self)
    }
}

#[async_trait]
impl TableProvider for DriftTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn constraints(&self) -> Option<&Constraints> {
        self.constraints.as_ref()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| match access::parse(f, &self.table_schema) {
                Some(_) => TableProviderFilterPushDown::Exact,
                None => TableProviderFilterPushDown::Unsupported,
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let (current, chunks) = {
            let table = driftdb_projector::database::read(&self.table);
            let mut current = table.current_seq().unwrap_or(0);
            // A `numeric` column that widened since planning would not fit the planned
            // type: read as planned instead.
            if self.point == ReadPoint::Latest
                && current != self.planned
                && crate::arrow::read_schema(&table, current)
                    != crate::arrow::read_schema(&table, self.planned)
            {
                current = self.planned;
            }
            (current, table.chunk_count())
        };
        let point = match self.point {
            ReadPoint::Latest => ReadPoint::AsOf(current),
            other => other,
        };
        let mut predicates = Vec::new();
        let mut shown = Vec::new();
        for filter in filters {
            if let Some(mut parsed) = access::parse(filter, &self.table_schema) {
                predicates.append(&mut parsed);
                shown.push(filter.to_string());
            }
        }
        let access = access::choose(&self.table_schema, &predicates);
        let projection = match projection {
            Some(p) => p.clone(),
            None => (0..self.schema.fields().len()).collect(),
        };
        let schema = Arc::new(self.schema.project(&projection)?);
        // Tables past one chunk are scanned by chunk, in parallel and through the cache;
        // smaller ones keep the key-ordered walk, which costs less than the fan-out.
        let chunked = (matches!(access, access::Access::FullScan)
            && matches!(point, ReadPoint::AsOf(_))
            && self.overlay.is_none()
            && chunks > 1)
            .then(|| state.config().target_partitions().clamp(1, chunks));
        Ok(Arc::new(DriftScanExec::new(exec::ScanSpec {
            table: Arc::clone(&self.table),
            table_schema: self.table_schema.clone(),
            point,
            through: self.through,
            overlay: self.overlay.clone(),
            access,
            predicates,
            shown_filters: shown,
            projection,
            schema,
            limit,
            chunked,
        })))
    }
}
