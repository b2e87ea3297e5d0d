//! From events to row changes: what one batch of records does to a projected table.
//!
//! [`Batch::build`] runs in three steps:
//! 1. each record is read into cells, one per column (JSON fields, key, headers, partition,
//!    offset, timestamp), and its action (upsert, merge, delete, or ignored);
//! 2. the cells of the whole batch are cast to the column types at once, with the same
//!    strict casts as `INSERT` (`22P02` rather than a silent NULL); if that fails, each
//!    event is cast alone to find the ones that do not fit;
//! 3. the events are applied in order to the rows they touch (read from the table once), so
//!    a merge sees the row as the events before it in the batch left it.
//!
//! An event that does not fit at any step becomes a [`Rejection`] with its reason; the caller
//! applies the projection's error policy. The result is one op per applied event, in order:
//! a batch is one transaction, so a key changed twice in it has one version at that
//! sequence (its final state), while the ledger, and so the table's change stream, keeps
//! every change.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use driftdb_log::Record;
use driftdb_projector::projection::runner::Rejection;
use driftdb_projector::projection::{Action, PathStep, ProjectionDef, Source};
use driftdb_projector::{DataType, Key, LedgerOp, Row, TableSchema};

/// One column's value in one event, before casting.
#[derive(Debug, Clone)]
enum Cell {
    /// The event does not have it (a merge keeps the row's value).
    Absent,
    Null,
    Text(String),
    Int(i64),
    Micros(i64),
}

/// How a column's cells are typed before the cast to the column's type.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Int,
    Micros,
}

fn kind(source: &Source) -> Kind {
    match source {
        Source::Partition | Source::Offset => Kind::Int,
        Source::Timestamp => Kind::Micros,
        _ => Kind::Text,
    }
}

/// What a batch of events does.
#[derive(Debug, Default)]
pub struct Batch {
    /// One op per applied event (none for the delete of a missing row).
    pub ops: Vec<LedgerOp>,
    /// Events applied (each counted once, however many share a key).
    pub applied: u64,
    /// Events whose type has no rule.
    pub ignored: u64,
    /// Events that did not fit, in source order.
    pub rejected: Vec<Rejection>,
}

/// One read event.
struct Event {
    partition: u32,
    offset: u64,
    /// `None`: ignored or rejected while reading.
    action: Option<Action>,
    /// Its type has no rule.
    ignored: bool,
    cells: Vec<Cell>,
}

impl Batch {
    /// What `records` (each with its partition, ordered by partition then offset) do to the
    /// projection's table, of `schema`, whose current rows `current` looks up (only once
    /// the events are read and cast, so a caller can hold a lock just for that part). With
    /// `stop_on_error` (the `STOP` policy) the first event that does not fit ends the batch:
    /// events from it on are not applied (nor counted), and it is the only entry of
    /// `rejected`.
    pub fn build(
        def: &ProjectionDef,
        schema: &TableSchema,
        records: &[(u32, Record)],
        stop_on_error: bool,
        current: impl Fn(&Key) -> Option<Row>,
    ) -> Batch {
        let mut batch = Batch::default();
        let mut events: Vec<Event> = records
            .iter()
            .map(|(partition, record)| {
                let mut event = Event {
                    partition: *partition,
                    offset: record.offset,
                    action: None,
                    ignored: false,
                    cells: Vec::new(),
                };
                match read_event(def, schema, *partition, record) {
                    Ok(Some((action, cells))) => {
                        event.action = Some(action);
                        event.cells = cells;
                    }
                    Ok(None) => event.ignored = true,
                    Err(reason) => batch.rejected.push(Rejection {
                        partition: *partition,
                        offset: record.offset,
                        reason,
                    }),
                }
                event
            })
            .collect();
        let kinds: Vec<Kind> = def.columns.iter().map(kind).chain(source_kinds()).collect();
        let types: Vec<DataType> = schema
            .columns()
            .iter()
            .map(|c| c.data_type.clone())
            .collect();
        let typed = cast_all(&mut events, &kinds, &types, &mut batch.rejected);
        batch.rejected.sort_by_key(|r| (r.partition, r.offset));
        // Apply in source order; the first rejection stops a `STOP` projection.
        let stop = if stop_on_error {
            batch.rejected.first().map(|r| (r.partition, r.offset))
        } else {
            None
        };
        let mut touched: HashMap<Key, Option<Row>> = HashMap::new();
        for (event, row) in events.iter().zip(typed) {
            if stop.is_some_and(|(p, o)| (event.partition, event.offset) >= (p, o)) {
                break;
            }
            if event.ignored {
                batch.ignored += 1;
            }
            let (Some(action), Some(row)) = (event.action, row) else {
                continue;
            };
            match apply_event(schema, &current, action, &event.cells, row, &mut touched) {
                Ok(op) => {
                    batch.applied += 1;
                    batch.ops.extend(op);
                }
                Err(reason) => {
                    batch.rejected.push(Rejection {
                        partition: event.partition,
                        offset: event.offset,
                        reason,
                    });
                    if stop_on_error {
                        break;
                    }
                }
            }
        }
        batch.rejected.sort_by_key(|r| (r.partition, r.offset));
        if stop_on_error {
            batch.rejected.truncate(1);
        }
        batch
    }
}

/// The kinds of the three source pseudo-columns (`__topic`, `__partition`, `__offset`).
fn source_kinds() -> [Kind; 3] {
    [Kind::Text, Kind::Int, Kind::Int]
}

/// Reads one record: its action (None: ignored) and its cells, pseudo-columns included.
fn read_event(
    def: &ProjectionDef,
    schema: &TableSchema,
    partition: u32,
    record: &Record,
) -> Result<Option<(Action, Vec<Cell>)>, String> {
    let json = match &record.value {
        Some(value) if needs_json(def) => Some(
            serde_json::from_slice::<serde_json::Value>(value)
                .map_err(|e| format!("the value is not JSON: {e}"))?,
        ),
        _ => None,
    };
    let action = match (&record.value, &def.event_type) {
        (None, _) => Action::Delete,
        (Some(_), None) => Action::Upsert,
        (Some(_), Some(source)) => {
            let event_type = match cell(source, record, json.as_ref(), partition) {
                Cell::Text(t) => t,
                Cell::Int(i) | Cell::Micros(i) => i.to_string(),
                Cell::Absent | Cell::Null => {
                    return Err("the event has no type".to_string());
                }
            };
            match def.rules.iter().find(|r| r.event_type == event_type) {
                Some(rule) => rule.action,
                None => return Ok(None),
            }
        }
    };
    let mut cells: Vec<Cell> = def
        .columns
        .iter()
        .map(|source| cell(source, record, json.as_ref(), partition))
        .collect();
    for &k in schema.primary_key() {
        if matches!(cells.get(k), Some(Cell::Absent | Cell::Null)) {
            let column = &schema.columns()[k].name;
            return Err(if record.value.is_none() {
                format!("a tombstone carries no value, and key column {column:?} is not FROM KEY")
            } else {
                format!("key column {column:?} is missing or null")
            });
        }
    }
    cells.push(Cell::Text(def.topic.clone()));
    cells.push(Cell::Int(i64::from(partition)));
    cells.push(Cell::Int(record.offset as i64));
    Ok(Some((action, cells)))
}

fn needs_json(def: &ProjectionDef) -> bool {
    def.columns
        .iter()
        .chain(&def.event_type)
        .any(|s| matches!(s, Source::Field(_)))
}

fn cell(
    source: &Source,
    record: &Record,
    json: Option<&serde_json::Value>,
    partition: u32,
) -> Cell {
    let text = |bytes: Option<&[u8]>| match bytes {
        None => Cell::Null,
        Some(b) => Cell::Text(String::from_utf8_lossy(b).into_owned()),
    };
    match source {
        Source::Field(path) => {
            let Some(mut at) = json else {
                return Cell::Absent;
            };
            for step in path {
                let next = match step {
                    PathStep::Field(name) => at.get(name),
                    PathStep::Index(i) => at.get(*i as usize),
                };
                match next {
                    Some(v) => at = v,
                    None => return Cell::Absent,
                }
            }
            match at {
                serde_json::Value::Null => Cell::Null,
                serde_json::Value::String(s) => Cell::Text(s.clone()),
                other => Cell::Text(other.to_string()),
            }
        }
        Source::Value => text(record.value.as_deref()),
        Source::Key => text(record.key.as_deref()),
        Source::Header(name) => match record.headers.iter().find(|h| &h.name == name) {
            Some(h) => text(Some(&h.value)),
            None => Cell::Absent,
        },
        Source::Partition => Cell::Int(i64::from(partition)),
        Source::Offset => Cell::Int(record.offset as i64),
        Source::Timestamp => Cell::Micros(record.timestamp),
    }
}

/// Casts every event's cells to the column types: all at once, or, if some value does not
/// convert, event by event to reject just those. Returns one typed row per event (None for
/// events that are ignored or rejected).
fn cast_all(
    events: &mut [Event],
    kinds: &[Kind],
    types: &[DataType],
    rejected: &mut Vec<Rejection>,
) -> Vec<Option<Row>> {
    let live: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].action.is_some())
        .collect();
    let mut out: Vec<Option<Row>> = vec![None; events.len()];
    if live.is_empty() {
        return out;
    }
    if let Ok(rows) = cast(events, &live, kinds, types) {
        for (i, row) in live.into_iter().zip(rows) {
            out[i] = Some(row);
        }
        return out;
    }
    for i in live {
        match cast(events, &[i], kinds, types) {
            Ok(mut rows) => out[i] = rows.pop(),
            Err(e) => {
                rejected.push(Rejection {
                    partition: events[i].partition,
                    offset: events[i].offset,
                    reason: e.to_string(),
                });
                events[i].action = None;
            }
        }
    }
    out
}

fn cast(
    events: &[Event],
    which: &[usize],
    kinds: &[Kind],
    types: &[DataType],
) -> crate::Result<Vec<Row>> {
    let arrays: Vec<ArrayRef> = kinds
        .iter()
        .enumerate()
        .map(|(c, kind)| column_array(events, which, c, *kind))
        .collect();
    let fields: Vec<Field> = arrays
        .iter()
        .enumerate()
        .map(|(i, a)| Field::new(format!("c{i}"), a.data_type().clone(), true))
        .collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| {
        crate::Error::InvalidValue {
            message: e.to_string(),
        }
    })?;
    crate::strict_cast::rows_of(&batch, types)
}

fn column_array(events: &[Event], which: &[usize], c: usize, kind: Kind) -> ArrayRef {
    let cells = which.iter().map(|&i| &events[i].cells[c]);
    match kind {
        Kind::Text => {
            let mut b = StringBuilder::new();
            for cell in cells {
                match cell {
                    Cell::Text(t) => b.append_value(t),
                    Cell::Int(i) | Cell::Micros(i) => b.append_value(i.to_string()),
                    Cell::Absent | Cell::Null => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Int => {
            let mut b = Int64Builder::new();
            for cell in cells {
                match cell {
                    Cell::Int(i) | Cell::Micros(i) => b.append_value(*i),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Micros => {
            let mut b = TimestampMicrosecondBuilder::new();
            for cell in cells {
                match cell {
                    Cell::Int(i) | Cell::Micros(i) => b.append_value(*i),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish().with_data_type(ArrowType::Timestamp(
                TimeUnit::Microsecond,
                Some("UTC".into()),
            )))
        }
    }
}

/// Applies one typed event to the rows the batch touched so far; returns its op (none for
/// the delete of a row that does not exist).
fn apply_event(
    schema: &TableSchema,
    current: &impl Fn(&Key) -> Option<Row>,
    action: Action,
    cells: &[Cell],
    row: Row,
    touched: &mut HashMap<Key, Option<Row>>,
) -> Result<Option<LedgerOp>, String> {
    let entry = match touched.entry(schema.key_of(&row)) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(v) => {
            let row = current(v.key());
            v.insert(row)
        }
    };
    let name = schema.name().to_string();
    let next = match action {
        Action::Delete => {
            let Some(old) = entry.take() else {
                return Ok(None);
            };
            return Ok(Some(LedgerOp::Delete {
                table: name,
                key: schema.key_of(&old),
            }));
        }
        Action::Upsert => row,
        Action::Merge => match &*entry {
            None => row,
            Some(old) => row
                .into_iter()
                .zip(old)
                .zip(cells)
                .map(|((new, old), cell)| match cell {
                    Cell::Absent => old.clone(),
                    _ => new,
                })
                .collect(),
        },
    };
    schema.validate_row(&next).map_err(|e| e.to_string())?;
    *entry = Some(next.clone());
    Ok(Some(LedgerOp::Upsert {
        table: name,
        row: next,
    }))
}
