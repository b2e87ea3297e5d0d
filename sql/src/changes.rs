//! Table change streams: every insert, update and delete of one table, in ledger order, with
//! the row before and after, read back from the ledger.
//!
//! The ledger already is the change log: each transaction lists its row operations. A change
//! is one operation on the followed table; its `before` row is the table's row at the
//! previous sequence, updated by the transaction's earlier operations on the same key, so a
//! transaction that inserts then updates a key yields an insert and then an update. A
//! `TRUNCATE` yields a delete per row, and a rebuilt projection swapped in yields the
//! difference between the old and the new version, row by row. Schema changes (`ALTER
//! TABLE`, `DROP TABLE`) are not row changes and yield none. Rows are JSON objects (column name to value): numbers
//! and booleans as JSON numbers and booleans, `json` columns as JSON, everything else as
//! the PostgreSQL text of the value.

use std::collections::HashMap;
use std::sync::Arc;

use driftdb_projector::projection::ProjectionOp;
use driftdb_projector::{DataType, Key, LedgerOp, Row, TableSchema, Value};

use crate::database::Database;
use crate::error::Result;
use crate::error::projector_error;

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Insert,
    Update,
    Delete,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Insert => "insert",
            ChangeKind::Update => "update",
            ChangeKind::Delete => "delete",
        }
    }
}

/// One row change of a followed table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableChange {
    pub seq: u64,
    /// Commit time, microseconds since the Unix epoch.
    pub time: i64,
    pub kind: ChangeKind,
    /// The row before, as a JSON object (None for an insert).
    pub before: Option<String>,
    /// The row after, as a JSON object (None for a delete).
    pub after: Option<String>,
}

/// Most ledger bytes one call of [`Database::changes`] reads.
const READ_BYTES: usize = 4 << 20;

impl Database {
    /// The changes of `table` in the transactions from sequence `from` on (as many as one
    /// read of the ledger returns), and the sequence to continue from.
    pub fn changes(&self, table: &str, from: u64) -> Result<(Vec<TableChange>, u64)> {
        let txns = self
            .store()
            .transactions(from, READ_BYTES)
            .map_err(projector_error)?;
        let next = txns.last().map_or(from, |(seq, _, _)| seq + 1);
        let mut out = Vec::new();
        for (seq, time, txn) in txns {
            if txn.ops.iter().any(|op| is_swap_of(op, table)) {
                out.extend(self.swap_changes(table, seq, time)?);
                continue;
            }
            if !txn
                .ops
                .iter()
                .any(|op| op.is_row_change() && op.table() == table)
            {
                continue;
            }
            let db = self.store().read();
            let Ok(incarnation) = db.incarnation_at(table, seq) else {
                continue;
            };
            let t = driftdb_projector::database::read(&incarnation.table);
            let schema = t.schema().clone();
            let previous = seq.checked_sub(1).filter(|p| *p >= incarnation.created);
            // Rows as the transaction's earlier operations left them.
            let mut seen: HashMap<Key, Option<Row>> = HashMap::new();
            let before_of = |key: &Key, seen: &HashMap<Key, Option<Row>>| -> Option<Row> {
                if let Some(row) = seen.get(key) {
                    return row.clone();
                }
                let p = previous?;
                t.get(key, p)
                    .ok()
                    .flatten()
                    .filter(|v| v.op.is_live())
                    .map(|v| v.row.clone())
            };
            let mut rows: Vec<(ChangeKind, Option<Row>, Option<Row>)> = Vec::new();
            for op in txn.ops.iter().filter(|op| op.table() == table) {
                match op {
                    LedgerOp::Upsert { row, .. } => {
                        let key = schema.key_of(row);
                        let before = before_of(&key, &seen);
                        let kind = if before.is_some() {
                            ChangeKind::Update
                        } else {
                            ChangeKind::Insert
                        };
                        rows.push((kind, before, Some(row.clone())));
                        seen.insert(key, Some(row.clone()));
                    }
                    LedgerOp::Delete { key, .. } => {
                        if let Some(before) = before_of(key, &seen) {
                            rows.push((ChangeKind::Delete, Some(before), None));
                        }
                        seen.insert(key.clone(), None);
                    }
                    LedgerOp::Truncate { .. } => {
                        let mut live: Vec<(Key, Row)> = match previous {
                            Some(p) => t
                                .scan(p)
                                .map_err(projector_error)?
                                .map(|v| (schema.key_of(v.row), v.row.clone()))
                                .filter(|(k, _)| !seen.contains_key(k))
                                .collect(),
                            None => Vec::new(),
                        };
                        live.extend(
                            seen.iter()
                                .filter_map(|(k, r)| r.clone().map(|r| (k.clone(), r))),
                        );
                        for (key, row) in live {
                            rows.push((ChangeKind::Delete, Some(row), None));
                            seen.insert(key, None);
                        }
                    }
                    _ => {}
                }
            }
            drop(t);
            drop(db);
            for (kind, before, after) in rows {
                out.push(TableChange {
                    seq,
                    time,
                    kind,
                    before: before.map(|r| row_json(&schema, &r)),
                    after: after.map(|r| row_json(&schema, &r)),
                });
            }
        }
        Ok((out, next))
    }

    /// A rebuilt projection swapped in at `seq`: the difference between the version that
    /// served before and the one that serves from `seq`, row by row.
    fn swap_changes(&self, table: &str, seq: u64, time: i64) -> Result<Vec<TableChange>> {
        let db = self.store().read();
        let json_rows = |at: u64| -> Result<HashMap<Key, String>> {
            let Ok(incarnation) = db.incarnation_at(table, at) else {
                return Ok(HashMap::new());
            };
            let t = driftdb_projector::database::read(&incarnation.table);
            let schema = t.schema().clone();
            let rows = t
                .scan(at)
                .map_err(projector_error)?
                .map(|v| (schema.key_of(v.row), row_json(&schema, v.row)))
                .collect();
            Ok(rows)
        };
        let mut old = match seq.checked_sub(1) {
            Some(previous) => json_rows(previous)?,
            None => HashMap::new(),
        };
        let new = json_rows(seq)?;
        let mut out = Vec::new();
        let change = |kind, before: Option<String>, after: Option<String>| TableChange {
            seq,
            time,
            kind,
            before,
            after,
        };
        let mut keys: Vec<(&Key, &String)> = new.iter().collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        for (key, row) in keys {
            match old.remove(key) {
                None => out.push(change(ChangeKind::Insert, None, Some(row.clone()))),
                Some(before) if before != *row => {
                    out.push(change(ChangeKind::Update, Some(before), Some(row.clone())));
                }
                Some(_) => {}
            }
        }
        let mut gone: Vec<(Key, String)> = old.into_iter().collect();
        gone.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, before) in gone {
            out.push(change(ChangeKind::Delete, Some(before), None));
        }
        Ok(out)
    }

    /// The sequence a change stream starting at `time` (microseconds) starts from: the first
    /// commit after it.
    pub fn first_sequence_after(&self, time: i64) -> u64 {
        match self.store().seq_at_time(time) {
            Ok(seq) => seq + 1,
            // Before the first commit: from the start; in the future: from the end.
            Err(_) => match self.store().last() {
                Some((last, last_time)) if time >= last_time => last + 1,
                _ => 0,
            },
        }
    }

    /// Whether a table called `name` exists or ever existed.
    pub fn table_has_history(&self, name: &str) -> bool {
        !self.store().read().incarnations(name).is_empty()
    }

    /// A channel that changes on every commit.
    pub fn watch_commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.store().watch_commits()
    }
}

fn is_swap_of(op: &LedgerOp, table: &str) -> bool {
    matches!(op, LedgerOp::Projection(p) if matches!(p.as_ref(), ProjectionOp::Swap { table: t, .. } if t == table))
}

/// `row` as a JSON object of `schema`'s columns.
pub fn row_json(schema: &TableSchema, row: &Row) -> String {
    // Each `numeric` value with its own scale.
    let schema = &schema.with_types(|i, column| {
        let width = row
            .get(i)
            .map_or_else(Default::default, driftdb_projector::NumericWidth::of);
        crate::arrow::read_type(&column.data_type, width)
    });
    let types: Vec<DataType> = schema
        .columns()
        .iter()
        .map(|c| c.data_type.clone())
        .collect();
    let arrow_schema = Arc::new(crate::arrow::schema(schema));
    let batch = crate::arrow::rows_to_batch(arrow_schema, &types, std::slice::from_ref(row));
    let mut out = serde_json::Map::new();
    for (i, column) in schema.columns().iter().enumerate() {
        let value = match (&batch, row.get(i)) {
            (_, None | Some(Value::Null)) => serde_json::Value::Null,
            (_, Some(Value::Bool(b))) => serde_json::Value::Bool(*b),
            (_, Some(Value::Int16(v))) => (*v).into(),
            (_, Some(Value::Int32(v))) => (*v).into(),
            (_, Some(Value::Int64(v))) => (*v).into(),
            (_, Some(Value::Json(text))) => serde_json::from_str(text)
                .unwrap_or_else(|_| serde_json::Value::String(text.clone())),
            // An array is a JSON array, as `to_json` writes it.
            (Ok(batch), Some(Value::Array(_))) => {
                let mut json = String::new();
                let field = batch.schema_ref().field(i).clone();
                match crate::json::write_value(batch.column(i), &field, 0, &mut json) {
                    Ok(()) => {
                        serde_json::from_str(&json).unwrap_or(serde_json::Value::String(json))
                    }
                    Err(e) => serde_json::Value::String(e.to_string()),
                }
            }
            (Ok(batch), Some(v)) => {
                let text =
                    crate::text::format_value(batch.column(i).as_ref(), 0).unwrap_or_default();
                let numeric = matches!(
                    v,
                    Value::Float32(_) | Value::Float64(_) | Value::Decimal { .. }
                );
                match numeric.then(|| serde_json::from_str::<serde_json::Number>(&text)) {
                    Some(Ok(n)) => serde_json::Value::Number(n),
                    _ => serde_json::Value::String(text),
                }
            }
            (Err(_), Some(v)) => serde_json::Value::String(format!("{v:?}")),
        };
        out.insert(column.name.clone(), value);
    }
    serde_json::Value::Object(out).to_string()
}

#[cfg(test)]
mod tests {
    use driftdb_projector::{Column, DataType, TableSchema, Value};

    use super::row_json;

    #[test]
    fn arrays_in_a_change_are_json_arrays() -> Result<(), driftdb_projector::Error> {
        let schema = TableSchema::new(
            "posts",
            vec![
                Column::new("id", DataType::Int, false),
                Column::new("tags", DataType::Array(Box::new(DataType::Text)), true),
                Column::new("n", DataType::Array(Box::new(DataType::BigInt)), true),
            ],
            vec![0],
            vec![],
            vec![],
        )?;
        let row = vec![
            Value::Int32(1),
            Value::Array(vec![Value::Text("a \"b\"".into()), Value::Null]),
            Value::Array(vec![Value::Int64(7)]),
        ];
        let json: serde_json::Value = serde_json::from_str(&row_json(&schema, &row))
            .map_err(|e| driftdb_projector::Error::InvalidInput(e.to_string()))?;
        assert_eq!(
            json,
            serde_json::json!({"id": 1, "tags": ["a \"b\"", null], "n": [7]})
        );
        Ok(())
    }
}
