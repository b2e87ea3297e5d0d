//! Owners of relations: `ALTER { TABLE | VIEW | SEQUENCE } name OWNER TO role`.
//!
//! A relation no row names is owned by the bootstrap superuser ([`crate::catalog::OWNER`]);
//! `OWNER TO` gives it another owner, a row of the internal table [`TABLE`] keyed by the
//! relation's stored name. So owners are versioned, replayed and snapshotted like rows, and
//! the catalogs read at a past point show the owners of that point. Dropping a relation
//! deletes its row and renaming one moves it, in the same transaction. The table is made by
//! the first `OWNER TO`.
//!
//! An owner has every privilege on what it owns, as in PostgreSQL; a role that owns anything
//! cannot be dropped (2BP01).

use driftdb_projector::{Column, DataType, Key, LedgerOp, Row, TableSchema, Value};

use crate::error::Result;

/// The internal table of owners.
pub(crate) const TABLE: &str = "__driftdb_owners";

/// The owner of `relation` (a stored name).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Owner {
    pub(crate) relation: String,
    pub(crate) role: String,
}

impl Owner {
    pub(crate) fn key(relation: &str) -> Key {
        vec![Value::Text(relation.to_string())]
    }

    pub(crate) fn of_row(row: &Row) -> Option<Owner> {
        let text = |i: usize| match row.get(i) {
            Some(Value::Text(s)) => Some(s.clone()),
            _ => None,
        };
        Some(Owner {
            relation: text(0)?,
            role: text(1)?,
        })
    }

    pub(crate) fn upsert(&self) -> LedgerOp {
        LedgerOp::Upsert {
            table: TABLE.to_string(),
            row: vec![
                Value::Text(self.relation.clone()),
                Value::Text(self.role.clone()),
            ],
        }
    }

    pub(crate) fn delete(relation: &str) -> LedgerOp {
        LedgerOp::Delete {
            table: TABLE.to_string(),
            key: Owner::key(relation),
        }
    }
}

/// The operation that makes [`TABLE`], for the first `OWNER TO`.
pub(crate) fn create_table() -> Result<LedgerOp> {
    let column = |name: &str| Column::new(name, DataType::Text, false);
    TableSchema::new(
        TABLE,
        vec![column("relation"), column("owner")],
        vec![0],
        Vec::new(),
        Vec::new(),
    )
    .map(LedgerOp::CreateTable)
    .map_err(crate::database::projector_error)
}
