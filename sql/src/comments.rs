//! `COMMENT ON TABLE | VIEW | SEQUENCE | COLUMN ... IS '...'`.
//!
//! Every comment is a row of the internal table [`TABLE`], keyed by the relation and the
//! column (empty for the relation itself), so comments are versioned, replayed and
//! snapshotted like rows, and the catalogs read at a past point show the comments of that
//! point. `COMMENT ... IS NULL` deletes the row; dropping a relation or a column deletes its
//! comments, and renaming one moves them, in the same transaction. The table is made by the
//! first comment.

use driftdb_projector::{LedgerOp, Row};

use crate::error::Result;
use crate::internal_table::TextTable;

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

/// How the comments are stored: relation, column, comment; keyed by the first two.
const ROWS: TextTable = TextTable::new(TABLE, &["relation", "column", "comment"], 2);

impl Comment {
    pub(crate) fn of_row(row: &Row) -> Option<Comment> {
        let [relation, column, text] = <[String; 3]>::try_from(ROWS.values(row)?).ok()?;
        Some(Comment {
            relation,
            column,
            text,
        })
    }

    pub(crate) fn upsert(&self) -> LedgerOp {
        ROWS.upsert(&[&self.relation, &self.column, &self.text])
    }

    pub(crate) fn delete(relation: &str, column: &str) -> LedgerOp {
        ROWS.delete(&[relation, column])
    }
}

/// The operation that makes [`TABLE`], for the first comment.
pub(crate) fn create_table() -> Result<LedgerOp> {
    ROWS.create()
}
