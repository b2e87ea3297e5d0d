//! The shape shared by DriftDB's small internal tables of text columns
//! (`__driftdb_schemas`, `__driftdb_owners`, `__driftdb_comments`): rows of non-null text
//! keyed by their first columns, written as ledger ops so they are versioned, replayed and
//! snapshotted like any table's rows. Each table's module keeps its own row type and says
//! what its columns mean; this says how they are stored.

use driftdb_projector::{Column, DataType, LedgerOp, Row, TableSchema, Value};

use crate::error::Result;

/// An internal table: its name, its text columns, and how many of the first form the key.
pub(crate) struct TextTable {
    pub(crate) name: &'static str,
    columns: &'static [&'static str],
    key_columns: usize,
}

impl TextTable {
    pub(crate) const fn new(
        name: &'static str,
        columns: &'static [&'static str],
        key_columns: usize,
    ) -> TextTable {
        TextTable {
            name,
            columns,
            key_columns,
        }
    }

    /// A row's columns, or `None` if it is not a row of text of this table's width.
    pub(crate) fn values(&self, row: &Row) -> Option<Vec<String>> {
        (0..self.columns.len())
            .map(|i| match row.get(i) {
                Some(Value::Text(s)) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    /// Writes the row of `values` (one per column), replacing the row of its key.
    pub(crate) fn upsert(&self, values: &[&str]) -> LedgerOp {
        LedgerOp::Upsert {
            table: self.name.to_string(),
            row: texts(values),
        }
    }

    /// Deletes the row whose key columns hold `key`.
    pub(crate) fn delete(&self, key: &[&str]) -> LedgerOp {
        LedgerOp::Delete {
            table: self.name.to_string(),
            key: texts(key),
        }
    }

    /// The operation that makes the table, for the first row written to it.
    pub(crate) fn create(&self) -> Result<LedgerOp> {
        TableSchema::new(
            self.name,
            self.columns
                .iter()
                .map(|name| Column::new(*name, DataType::Text, false))
                .collect(),
            (0..self.key_columns).collect(),
            Vec::new(),
            Vec::new(),
        )
        .map(LedgerOp::CreateTable)
        .map_err(crate::error::projector_error)
    }
}

fn texts(values: &[&str]) -> Vec<Value> {
    values.iter().map(|v| Value::Text(v.to_string())).collect()
}
