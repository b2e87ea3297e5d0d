//! `COMMENT ON TABLE | VIEW | SEQUENCE | COLUMN ... IS '...'`.
//!
//! Every comment is a row of the internal table [`TABLE`], keyed by the relation and the
//! column (empty for the relation itself), so comments are versioned, replayed and
//! snapshotted like rows, and the catalogs read at a past point show the comments of that
//! point. `COMMENT ... IS NULL` deletes the row; dropping a relation or a column deletes its
//! comments, and renaming one moves them, in the same transaction. The table is made by the
//! first comment.

use driftdb_projector::{Column, DataType, Key, LedgerOp, Row, TableSchema, Value};

use crate::error::Result;

/// The internal table of comments.
pub(crate) const TABLE: &str = "__driftdb_comments";

/// One comment: on `relation`, or on its column `column`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comment {
    pub(crate) relation: String,
    /// The column; empty for the relation itself.
    pub(crate) column: String,
    pub(crate) text: String,
}

impl Comment {
    pub(crate) fn key(relation: &str, column: &str) -> Key {
        vec![
            Value::Text(relation.to_string()),
            Value::Text(column.to_string()),
        ]
    }

    pub(crate) fn of_row(row: &Row) -> Option<Comment> {
        let text = |i: usize| match row.get(i) {
            Some(Value::Text(s)) => Some(s.clone()),
            _ => None,
        };
        Some(Comment {
            relation: text(0)?,
            column: text(1)?,
            text: text(2)?,
        })
    }

    pub(crate) fn upsert(&self) -> LedgerOp {
        LedgerOp::Upsert {
            table: TABLE.to_string(),
            row: vec![
                Value::Text(self.relation.clone()),
                Value::Text(self.column.clone()),
                Value::Text(self.text.clone()),
            ],
        }
    }

    pub(crate) fn delete(relation: &str, column: &str) -> LedgerOp {
        LedgerOp::Delete {
            table: TABLE.to_string(),
            key: Comment::key(relation, column),
        }
    }
}

/// The operation that makes [`TABLE`], for the first comment.
pub(crate) fn create_table() -> Result<LedgerOp> {
    let column = |name: &str| Column::new(name, DataType::Text, false);
    TableSchema::new(
        TABLE,
        vec![column("relation"), column("column"), column("comment")],
        vec![0, 1],
        Vec::new(),
        Vec::new(),
    )
    .map(LedgerOp::CreateTable)
    .map_err(crate::database::projector_error)
}
