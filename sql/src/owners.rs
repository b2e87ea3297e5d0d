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

use driftdb_projector::{LedgerOp, Row};

use crate::error::Result;
use crate::internal_table::TextTable;

/// The internal table of owners.
pub(crate) const TABLE: &str = "__driftdb_owners";

/// The owner of `relation` (a stored name).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Owner {
    pub(crate) relation: String,
    pub(crate) role: String,
}

/// How the owners are stored: relation, owner.
const ROWS: TextTable = TextTable::new(TABLE, &["relation", "owner"], 1);

impl Owner {
    pub(crate) fn of_row(row: &Row) -> Option<Owner> {
        let [relation, role] = <[String; 2]>::try_from(ROWS.values(row)?).ok()?;
        Some(Owner { relation, role })
    }

    pub(crate) fn upsert(&self) -> LedgerOp {
        ROWS.upsert(&[&self.relation, &self.role])
    }

    pub(crate) fn delete(relation: &str) -> LedgerOp {
        ROWS.delete(&[relation])
    }
}

/// The operation that makes [`TABLE`], for the first `OWNER TO`.
pub(crate) fn create_table() -> Result<LedgerOp> {
    ROWS.create()
}
