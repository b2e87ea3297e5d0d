//! Chunked full scans: a full scan of a large table at one sequence, split by storage chunk
//! ([`Table::chunk_count`]) across DataFusion partitions, with each chunk's Arrow columns
//! kept in a process-wide cache.
//!
//! A chunk's rows at sequence `s` are fixed by its *state* at `s`, the newest change to it at
//! or before `s` ([`Table::chunk_state`]). The cache keys converted columns by table, chunk,
//! state and column, so a column converted once serves every later read that finds the chunk
//! in the same state: repeated reads of the present, and of any one point in the past, cost
//! a lookup instead of a walk of the version chains. A commit that touches a chunk gives
//! later reads a new state; the old entries stay true for the sequences they cover and leave
//! by least-recent use once the cache passes its budget ([`set_budget`]).
//!
//! Pushed-down predicates are evaluated on the columns with Arrow kernels (a NULL never
//! matches, as in `Predicate::matches`). Rows come out in storage order, which for a
//! table without deletions or vacuums is the order keys were first written; tables within
//! one chunk keep the key-ordered scan (`exec.rs`), and SQL promises no order without
//! `ORDER BY` either way.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, RwLock, Weak};
use std::task::{Context, Poll};

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, Int64Array, Scalar};
use datafusion::arrow::compute::kernels::boolean::{and_kleene, or_kleene};
use datafusion::arrow::compute::kernels::cmp;
use datafusion::arrow::compute::{filter, prep_null_mask_filter};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::error::{DataFusionError, Result};
use datafusion::physical_plan::RecordBatchStream;
use driftdb_projector::{Table, Value};
use futures::Stream;

use super::access::{Cmp, Test};
use super::exec::ScanSpec;
use super::{SharedTable, external};

/// The cache's default budget: 512 MiB of Arrow columns.
pub const DEFAULT_BUDGET: usize = 512 << 20;

static CACHE: LazyLock<ChunkCache> = LazyLock::new(|| ChunkCache {
    budget: AtomicUsize::new(DEFAULT_BUDGET),
    inner: Mutex::new(Inner::default()),
});

/// Sets the most bytes of Arrow columns the scan cache keeps; 0 turns caching off (chunked
/// scans still run in parallel). Shrinking evicts at the next insertion.
pub fn set_budget(bytes: usize) {
    CACHE.budget.store(bytes, Ordering::Relaxed);
}

/// Bytes the scan cache holds now.
pub fn cached_bytes() -> usize {
    CACHE.inner.lock().map_or(0, |inner| inner.bytes)
}

/// One chunk in one state: its row count and the columns converted so far, by provider
/// position (table columns, then `__sequence`).
#[derive(Debug)]
struct Entry {
    rows: usize,
    columns: HashMap<usize, ArrayRef>,
    bytes: usize,
    used: u64,
}

#[derive(Debug)]
struct CachedTable {
    /// Keeps the table's allocation, so its address, the map's key, is not reused by
    /// another table while entries remain; a dead table's entries are dropped.
    table: Weak<RwLock<Table>>,
    chunks: HashMap<(usize, u64), Entry>,
}

#[derive(Debug, Default)]
struct Inner {
    tables: HashMap<usize, CachedTable>,
    bytes: usize,
    clock: u64,
}

#[derive(Debug)]
struct ChunkCache {
    budget: AtomicUsize,
    inner: Mutex<Inner>,
}

fn address(table: &SharedTable) -> usize {
    Arc::as_ptr(table) as usize
}

impl ChunkCache {
    /// The row count and whichever of `wanted` are cached for the chunk in `state`.
    fn lookup(
        &self,
        table: &SharedTable,
        chunk: usize,
        state: u64,
        wanted: &[usize],
    ) -> Option<(usize, Vec<Option<ArrayRef>>)> {
        // A panic while the cache was being updated may have left its accounting torn: a
        // poisoned cache is bypassed, as a miss is always answered from the table
        // (`driftdb_log::sync`, class 3).
        let mut inner = self.inner.lock().ok()?;
        inner.clock += 1;
        let clock = inner.clock;
        let entry = inner
            .tables
            .get_mut(&address(table))?
            .chunks
            .get_mut(&(chunk, state))?;
        entry.used = clock;
        Some((
            entry.rows,
            wanted
                .iter()
                .map(|c| entry.columns.get(c).cloned())
                .collect(),
        ))
    }

    /// Adds converted columns of the chunk in `state`, then evicts down to the budget.
    fn store(
        &self,
        table: &SharedTable,
        chunk: usize,
        state: u64,
        rows: usize,
        built: Vec<(usize, ArrayRef)>,
    ) {
        let budget = self.budget.load(Ordering::Relaxed);
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if budget == 0 {
            return;
        }
        let Inner {
            tables,
            bytes,
            clock,
        } = &mut *inner;
        *clock += 1;
        tables.retain(|_, t| {
            let alive = t.table.strong_count() > 0;
            if !alive {
                *bytes -= t.chunks.values().map(|e| e.bytes).sum::<usize>();
            }
            alive
        });
        let cached = tables.entry(address(table)).or_insert_with(|| CachedTable {
            table: Arc::downgrade(table),
            chunks: HashMap::new(),
        });
        let entry = cached.chunks.entry((chunk, state)).or_insert(Entry {
            rows,
            columns: HashMap::new(),
            bytes: 0,
            used: *clock,
        });
        entry.used = *clock;
        for (column, array) in built {
            let size = array.get_array_memory_size();
            if let Some(old) = entry.columns.insert(column, array) {
                let old = old.get_array_memory_size();
                entry.bytes -= old;
                *bytes -= old;
            }
            entry.bytes += size;
            *bytes += size;
        }
        if *bytes > budget {
            evict(tables, bytes, budget - budget / 10);
        }
        metrics::gauge!(CACHE_BYTES).set(*bytes as f64);
    }
}

/// Drops the least recently used chunks until at most `target` bytes remain.
fn evict(tables: &mut HashMap<usize, CachedTable>, bytes: &mut usize, target: usize) {
    let mut by_age: Vec<(u64, usize, (usize, u64))> = tables
        .iter()
        .flat_map(|(&t, cached)| cached.chunks.iter().map(move |(&k, e)| (e.used, t, k)))
        .collect();
    by_age.sort_unstable();
    for (_, t, key) in by_age {
        if *bytes <= target {
            break;
        }
        if let Some(cached) = tables.get_mut(&t)
            && let Some(entry) = cached.chunks.remove(&key)
        {
            *bytes -= entry.bytes;
        }
    }
    tables.retain(|_, t| !t.chunks.is_empty());
}

const CHUNKS_TOTAL: &str = "driftdb_scan_chunks_total";
const CACHE_BYTES: &str = "driftdb_scan_cache_bytes";

/// Sets the cache's gauge to what it holds now (at each scrape, so the gauge never goes
/// stale; see the server's metrics).
pub fn publish_metrics() {
    metrics::gauge!(CACHE_BYTES).set(cached_bytes() as f64);
}

/// Registers the scan cache's metrics with their help texts.
pub fn describe_metrics() {
    metrics::describe_counter!(
        CHUNKS_TOTAL,
        "Table chunks read by full scans, by source: cache (every column cached) or built (some converted from the version chains)"
    );
    metrics::describe_gauge!(CACHE_BYTES, "Bytes of Arrow columns in the scan cache");
}

/// The batches of `chunks` read at `seq`, one per chunk with matching rows, computed as
/// polled.
pub(crate) fn stream(scan: ScanSpec, seq: u64, chunks: Vec<usize>) -> ChunkStream {
    let mut needed: Vec<usize> = scan
        .projection
        .iter()
        .copied()
        .chain(scan.predicates.iter().map(|p| p.column))
        .collect();
    needed.sort_unstable();
    needed.dedup();
    ChunkStream {
        scan,
        seq,
        needed,
        chunks: chunks.into_iter(),
        emitted: 0,
    }
}

#[derive(Debug)]
pub(crate) struct ChunkStream {
    scan: ScanSpec,
    seq: u64,
    /// Provider positions read from each chunk: the output's and the predicates' columns.
    needed: Vec<usize>,
    chunks: std::vec::IntoIter<usize>,
    emitted: usize,
}

impl ChunkStream {
    /// The chunk's columns in `needed` order and its row count; `None` if it had no rows.
    fn columns(&self, chunk: usize) -> Result<Option<(usize, Vec<ArrayRef>)>> {
        let scan = &self.scan;
        let table = driftdb_projector::database::read(&scan.table);
        let Some(state) = table.chunk_state(chunk, self.seq).map_err(external)? else {
            return Ok(None);
        };
        let mut cached = CACHE.lookup(&scan.table, chunk, state, &self.needed);
        // A `numeric` column converted when the table's values were narrower has another
        // scale than this read's: convert it again.
        if let Some((_, found)) = &mut cached {
            for (&c, slot) in self.needed.iter().zip(found.iter_mut()) {
                if let (Some(array), Some(column)) =
                    (slot.as_ref(), scan.table_schema.columns().get(c))
                    && *array.data_type() != crate::arrow::arrow_type(&column.data_type)
                {
                    *slot = None;
                }
            }
        }
        if let Some((rows, found)) = &cached
            && found.iter().all(Option::is_some)
        {
            metrics::counter!(CHUNKS_TOTAL, "source" => "cache").increment(1);
            return Ok(Some((*rows, found.iter().flatten().cloned().collect())));
        }
        let mut found = cached.map_or_else(|| vec![None; self.needed.len()], |(_, f)| f);
        let hits: Vec<_> = table
            .scan_chunk(chunk, self.seq)
            .map_err(external)?
            .collect();
        let columns = scan.table_schema.columns();
        let mut built = Vec::new();
        for (&c, slot) in self.needed.iter().zip(&mut found) {
            if slot.is_some() {
                continue;
            }
            let array = match columns.get(c) {
                Some(column) => crate::arrow::to_array(
                    &column.data_type,
                    hits.iter().map(|h| h.row.get(c).unwrap_or(&Value::Null)),
                )
                .map_err(external)?,
                None => {
                    let seqs = hits
                        .iter()
                        .map(|h| super::exec::seq_value(h.start_seq))
                        .collect::<Result<Vec<i64>>>()?;
                    Arc::new(Int64Array::from(seqs)) as ArrayRef
                }
            };
            *slot = Some(Arc::clone(&array));
            built.push((c, array));
        }
        let rows = hits.len();
        CACHE.store(&scan.table, chunk, state, rows, built);
        metrics::counter!(CHUNKS_TOTAL, "source" => "built").increment(1);
        Ok(Some((rows, found.into_iter().flatten().collect())))
    }

    /// The output batch of one chunk: predicates applied, columns projected.
    fn batch(&self, chunk: usize) -> Result<Option<RecordBatch>> {
        let Some((rows, columns)) = self.columns(chunk)? else {
            return Ok(None);
        };
        let of = |position: usize| -> Result<&ArrayRef> {
            self.needed
                .iter()
                .position(|&n| n == position)
                .and_then(|i| columns.get(i))
                .ok_or_else(|| DataFusionError::Internal(format!("column {position} not read")))
        };
        let mut mask: Option<BooleanArray> = None;
        for p in &self.scan.predicates {
            let data_type = self
                .scan
                .table_schema
                .columns()
                .get(p.column)
                .map(|c| &c.data_type)
                .ok_or_else(|| DataFusionError::Internal("predicate on no column".into()))?;
            let matched = test(of(p.column)?, &p.test, data_type)?;
            mask = Some(match mask {
                Some(m) => and_kleene(&m, &matched)?,
                None => matched,
            });
        }
        let (rows, arrays) = match mask {
            None => (
                rows,
                self.scan
                    .projection
                    .iter()
                    .map(|&c| of(c).cloned())
                    .collect::<Result<Vec<_>>>()?,
            ),
            Some(mask) => {
                // NULL (a NULL value compared) never matches. The helper expects nulls.
                let mask = if mask.null_count() > 0 {
                    prep_null_mask_filter(&mask)
                } else {
                    mask
                };
                let arrays = self
                    .scan
                    .projection
                    .iter()
                    .map(|&c| Ok(filter(of(c)?.as_ref(), &mask)?))
                    .collect::<Result<Vec<_>>>()?;
                (mask.true_count(), arrays)
            }
        };
        if rows == 0 {
            return Ok(None);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        Ok(Some(RecordBatch::try_new_with_options(
            Arc::clone(&self.scan.schema),
            arrays,
            &options,
        )?))
    }
}

/// Which values of `array` pass `test`; NULL where the value is NULL.
fn test(
    array: &ArrayRef,
    test: &Test,
    data_type: &driftdb_projector::DataType,
) -> Result<BooleanArray> {
    let scalar = |v: &Value| -> Result<Scalar<ArrayRef>> {
        crate::arrow::to_array(data_type, [v])
            .map(Scalar::new)
            .map_err(external)
    };
    Ok(match test {
        Test::Cmp(op, value) => {
            let value = scalar(value)?;
            match op {
                Cmp::Eq => cmp::eq(array, &value)?,
                Cmp::Lt => cmp::lt(array, &value)?,
                Cmp::LtEq => cmp::lt_eq(array, &value)?,
                Cmp::Gt => cmp::gt(array, &value)?,
                Cmp::GtEq => cmp::gt_eq(array, &value)?,
            }
        }
        Test::In(values) => {
            let mut any: Option<BooleanArray> = None;
            for v in values {
                let hit = cmp::eq(array, &scalar(v)?)?;
                any = Some(match any {
                    Some(a) => or_kleene(&a, &hit)?,
                    None => hit,
                });
            }
            any.unwrap_or_else(|| BooleanArray::from(vec![false; array.len()]))
        }
    })
}

impl Stream for ChunkStream {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let limit = self.scan.limit.unwrap_or(usize::MAX);
        while self.emitted < limit {
            let Some(chunk) = self.chunks.next() else {
                break;
            };
            match self.batch(chunk) {
                Ok(None) => {}
                Ok(Some(batch)) => {
                    let batch = batch.slice(0, batch.num_rows().min(limit - self.emitted));
                    self.emitted += batch.num_rows();
                    return Poll::Ready(Some(Ok(batch)));
                }
                Err(e) => {
                    self.chunks = Vec::new().into_iter();
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
        Poll::Ready(None)
    }
}

impl RecordBatchStream for ChunkStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.scan.schema)
    }
}
