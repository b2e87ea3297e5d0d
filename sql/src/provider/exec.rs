//! [`DriftScanExec`]: the physical scan of one table at one read point.
//!
//! `execute` takes the table's read lock, walks the chosen access path, keeps the rows that
//! satisfy every pushed-down predicate (merging the transaction overlay for `AS OF` reads),
//! stops at the limit, and converts the projected columns to Arrow batches of the session's
//! batch size before releasing the lock. `EXPLAIN` shows the read point and access path:
//! `DriftScan: orders @SEQ:42 access=pk_point(id) filters=[orders.id = Int64(7)]`.

use std::fmt;
use std::ops::Bound;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::memory::MemoryStream;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream,
};
use driftdb_projector::{Op, Table, TableSchema, Value, VersionRef};

use super::access::{Access, AccessDisplay, Predicate};
use super::chunked;
use super::{
    OPERATION, Overlay, ReadPoint, SEQUENCE, SharedTable, VALID_FROM, VALID_FROM_SEQ, VALID_TO,
    VALID_TO_SEQ, external,
};

/// Everything a scan needs, fixed at planning time.
#[derive(Debug, Clone)]
pub(crate) struct ScanSpec {
    pub(crate) table: SharedTable,
    pub(crate) table_schema: TableSchema,
    /// Never [`ReadPoint::Latest`]: resolved when planned.
    pub(crate) point: ReadPoint,
    /// The newest sequence a version-range read sees.
    pub(crate) through: Option<u64>,
    pub(crate) overlay: Option<Arc<Overlay>>,
    pub(crate) access: Access,
    pub(crate) predicates: Vec<Predicate>,
    /// The pushed-down filters as DataFusion prints them, for `EXPLAIN`.
    pub(crate) shown_filters: Vec<String>,
    /// Positions in the provider's full schema (table columns, then pseudo-columns).
    pub(crate) projection: Vec<usize>,
    /// The projected schema.
    pub(crate) schema: SchemaRef,
    pub(crate) limit: Option<usize>,
    /// Partitions of a chunked full scan (`chunked.rs`); `None` for the key-ordered walk.
    pub(crate) chunked: Option<usize>,
}

/// The scan node; see the module documentation.
#[derive(Debug)]
pub struct DriftScanExec {
    spec: ScanSpec,
    properties: Arc<PlanProperties>,
}

impl DriftScanExec {
    pub(crate) fn new(spec: ScanSpec) -> Self {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&spec.schema)),
            Partitioning::UnknownPartitioning(spec.chunked.unwrap_or(1)),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        DriftScanExec {
            spec,
            properties: Arc::new(properties),
        }
    }

    /// The read point this node reads at (never `Latest`: resolved when planned).
    pub fn point(&self) -> ReadPoint {
        self.spec.point
    }
}

impl DisplayAs for DriftScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spec = &self.spec;
        write!(
            f,
            "DriftScan: {} {} access={}",
            spec.table_schema.name(),
            spec.point,
            AccessDisplay {
                access: &spec.access,
                schema: &spec.table_schema
            }
        )?;
        if !spec.shown_filters.is_empty() {
            write!(f, " filters=[{}]", spec.shown_filters.join(", "))?;
        }
        if spec.overlay.is_some() {
            write!(f, " overlay")?;
        }
        if let Some(limit) = spec.limit {
            write!(f, " limit={limit}")?;
        }
        if let Some(partitions) = spec.chunked {
            write!(f, " chunked partitions={partitions}")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for DriftScanExec {
    fn name(&self) -> &str {
        "DriftScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            Err(DataFusionError::Internal(
                "DriftScanExec is a leaf and takes no children".into(),
            ))
        }
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let partitions = self.spec.chunked.unwrap_or(1);
        if partition >= partitions {
            return Err(DataFusionError::Internal(format!(
                "DriftScanExec has {partitions} partitions, asked for {partition}"
            )));
        }
        if let (Some(partitions), ReadPoint::AsOf(seq)) = (self.spec.chunked, self.spec.point) {
            let count = driftdb_projector::database::read(&self.spec.table).chunk_count();
            let mine = (partition..count).step_by(partitions).collect();
            return Ok(Box::pin(chunked::stream(self.spec.clone(), seq, mine)));
        }
        let batch_size = context.session_config().batch_size().max(1);
        let batches = {
            let table = driftdb_projector::database::read(&self.spec.table);
            let hits = collect(&self.spec, &table)?;
            hits.chunks(batch_size)
                .map(|chunk| to_batch(&self.spec, chunk))
                .collect::<Result<Vec<_>>>()?
        };
        Ok(Box::pin(MemoryStream::try_new(
            batches,
            Arc::clone(&self.spec.schema),
            None,
        )?))
    }
}

/// One output row: the row's values and, unless it came from the overlay, its version.
struct Hit<'a> {
    row: &'a [Value],
    version: Option<VersionRef<'a>>,
}

fn bound(b: &Bound<Vec<Value>>) -> Bound<&[Value]> {
    match b {
        Bound::Included(v) => Bound::Included(v.as_slice()),
        Bound::Excluded(v) => Bound::Excluded(v.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The matching rows, in access-path order, overlay rows last, at most `limit`.
fn collect<'a>(spec: &'a ScanSpec, table: &'a Table) -> Result<Vec<Hit<'a>>> {
    let keep = |row: &[Value]| spec.predicates.iter().all(|p| p.matches(row));
    let limit = spec.limit.unwrap_or(usize::MAX);
    let mut hits: Vec<Hit<'a>> = Vec::new();
    if limit == 0 {
        return Ok(hits);
    }
    let overlay = spec.overlay.as_deref();
    let shadowed =
        |row: &[Value]| overlay.is_some_and(|o| o.contains_key(&table.schema().key_of(row)));
    let push = |v: VersionRef<'a>, hits: &mut Vec<Hit<'a>>| {
        if keep(v.row) && !shadowed(v.row) {
            hits.push(Hit {
                row: v.row,
                version: Some(v),
            });
        }
        hits.len() >= limit
    };
    if let Some(filter) = spec.point.version_filter() {
        let versions: Box<dyn Iterator<Item = VersionRef<'a>>> = match &spec.access {
            Access::PkPoints(keys) => {
                let mut versions = Vec::new();
                for key in keys {
                    versions.extend(
                        table
                            .key_versions_through(key, filter, spec.through)
                            .map_err(external)?,
                    );
                }
                Box::new(versions.into_iter())
            }
            _ => Box::new(
                table
                    .versions_through(filter, spec.through)
                    .map_err(external)?,
            ),
        };
        for v in versions {
            if push(v, &mut hits) {
                break;
            }
        }
        return Ok(hits);
    }
    let ReadPoint::AsOf(seq) = spec.point else {
        return Err(DataFusionError::Internal(format!(
            "scan planned without resolving {}",
            spec.point
        )));
    };
    let rows: Box<dyn Iterator<Item = VersionRef<'a>>> = match &spec.access {
        Access::FullScan => Box::new(table.scan(seq).map_err(external)?),
        Access::PkPoints(keys) => {
            let mut rows = Vec::new();
            for key in keys {
                rows.extend(table.get(key, seq).map_err(external)?);
            }
            Box::new(rows.into_iter())
        }
        Access::PkRange(lower, upper) => Box::new(
            table
                .scan_range(bound(lower), bound(upper), seq)
                .map_err(external)?,
        ),
        Access::IndexEq { index, prefix } => {
            Box::new(table.index_eq(index, prefix, seq).map_err(external)?)
        }
        Access::IndexRange {
            index,
            lower,
            upper,
        } => Box::new(
            table
                .index_range(index, bound(lower), bound(upper), seq)
                .map_err(external)?,
        ),
    };
    for v in rows {
        if push(v, &mut hits) {
            return Ok(hits);
        }
    }
    for row in overlay.into_iter().flat_map(|o| o.values().flatten()) {
        if hits.len() >= limit {
            break;
        }
        if keep(row) {
            hits.push(Hit { row, version: None });
        }
    }
    Ok(hits)
}

pub(super) fn seq_value(seq: u64) -> Result<i64> {
    i64::try_from(seq)
        .map_err(|_| DataFusionError::Execution(format!("sequence {seq} does not fit in a BIGINT")))
}

/// Builds one pseudo-column over `hits`.
fn pseudo_array(name: &str, hits: &[Hit<'_>]) -> Result<ArrayRef> {
    let seqs = |pick: &dyn Fn(&VersionRef<'_>) -> Option<u64>| -> Result<ArrayRef> {
        let mut b = Int64Builder::with_capacity(hits.len());
        for h in hits {
            b.append_option(
                h.version
                    .as_ref()
                    .and_then(pick)
                    .map(seq_value)
                    .transpose()?,
            );
        }
        Ok(Arc::new(b.finish()))
    };
    let times = |pick: &dyn Fn(&VersionRef<'_>) -> Option<i64>| -> ArrayRef {
        let mut b =
            TimestampMicrosecondBuilder::with_capacity(hits.len()).with_timezone(crate::arrow::UTC);
        for h in hits {
            b.append_option(h.version.as_ref().and_then(pick));
        }
        Arc::new(b.finish())
    };
    Ok(match name {
        SEQUENCE | VALID_FROM_SEQ => seqs(&|v| Some(v.start_seq))?,
        VALID_TO_SEQ => seqs(&|v| v.end_seq)?,
        VALID_FROM => times(&|v| Some(v.start_time)),
        VALID_TO => times(&|v| v.end_time),
        OPERATION => {
            let mut b = StringBuilder::with_capacity(hits.len(), hits.len() * 6);
            for h in hits {
                b.append_option(h.version.map(|v| match v.op {
                    Op::Insert => "INSERT",
                    Op::Update => "UPDATE",
                    Op::Delete => "DELETE",
                }));
            }
            Arc::new(b.finish())
        }
        other => {
            return Err(DataFusionError::Internal(format!(
                "unknown pseudo-column {other:?}"
            )));
        }
    })
}

/// The projected columns of `hits` as one batch.
fn to_batch(spec: &ScanSpec, hits: &[Hit<'_>]) -> Result<RecordBatch> {
    let columns = spec.table_schema.columns();
    let arrays = spec
        .projection
        .iter()
        .zip(spec.schema.fields())
        .map(|(&c, field)| match columns.get(c) {
            Some(column) => crate::arrow::to_array(
                &column.data_type,
                hits.iter().map(|h| h.row.get(c).unwrap_or(&Value::Null)),
            )
            .map_err(external),
            None => pseudo_array(field.name(), hits),
        })
        .collect::<Result<Vec<_>>>()?;
    // An empty projection (`SELECT COUNT(*)`) still needs the row count.
    let options = RecordBatchOptions::new().with_row_count(Some(hits.len()));
    Ok(RecordBatch::try_new_with_options(
        Arc::clone(&spec.schema),
        arrays,
        &options,
    )?)
}
