//! Renaming relations. `ALTER { TABLE | VIEW | SEQUENCE } ... RENAME TO`, `... SET SCHEMA` and
//! `ALTER SCHEMA ... RENAME TO` all come to [`Session::rename_relations`] as one map from
//! stored names to new stored names (a move to another schema is a rename of the stored
//! name, `t` to `s.t`).
//!
//! A table's rename is the ledger's `RenameTable`: its incarnation under the old name ends
//! and one under the new name starts with its rows, keys, indexes, grants and foreign keys
//! (the projector moves the last two). A sequence or a view is a row of an internal table, so
//! renaming one deletes its row and writes it under the new name. What names a renamed
//! relation follows it in the same transaction, as PostgreSQL's references follow an OID:
//! column defaults calling `nextval` of a renamed sequence, a sequence's owning table, the
//! views reading a renamed table or view, comments and owners. The sequences a table's columns own
//! go with it into another schema, as in PostgreSQL.

use std::collections::BTreeMap;

use driftdb_projector::LedgerOp;

use super::{Session, Snapshot};
use crate::SqlState;
use crate::error::unsupported;
use crate::error::{Error, Result};
use crate::schemas;
use crate::views::{self, View};

impl Session {
    /// Renames each relation `renames` names (by stored name) to the stored name beside it,
    /// with everything that names them (see the module documentation). A new name another
    /// relation has, and that is not renamed too, is 42P07.
    pub(super) fn rename_relations(
        &self,
        renames: &BTreeMap<String, String>,
        snapshot: &Snapshot,
    ) -> Result<Vec<LedgerOp>> {
        for (from, to) in renames {
            if from == to || self.relation_exists(to, snapshot) && !renames.contains_key(to) {
                return Err(Error::Execution {
                    message: format!("relation \"{to}\" already exists"),
                    sqlstate: SqlState::DUPLICATE_TABLE,
                });
            }
        }
        let mut renames = renames.clone();
        let tables: Vec<(String, String)> = renames
            .iter()
            .filter(|(from, _)| self.schema_at(from, snapshot).is_ok())
            .map(|(from, to)| (from.clone(), to.clone()))
            .collect();
        let mut owned = Vec::new();
        for (table, to) in &tables {
            self.check_table_rename(table, to, snapshot)?;
            let schema = schemas::split(to).0;
            for name in self.owned_sequences(table, snapshot) {
                if schema != schemas::split(&name).0 && !renames.contains_key(&name) {
                    let moved = schemas::stored(schema, schemas::own(&name));
                    renames.insert(name.clone(), moved);
                }
                owned.push(name);
            }
        }
        let owner_of = |(table, column): (String, String)| match renames.get(&table) {
            Some(to) => (to.clone(), column),
            None => (table, column),
        };
        let mut ops = Vec::new();
        // Sequences: those renamed under their new names, the others a renamed table owns
        // under its new name.
        let mut sequences = Vec::new();
        for (from, to) in &renames {
            if let Some(mut sequence) = self.sequence_at(from, snapshot) {
                sequence.owner = sequence.owner.map(owner_of);
                sequences.push((sequence, to.clone()));
            }
        }
        for name in owned.iter().filter(|n| !renames.contains_key(*n)) {
            if let Some(mut sequence) = self.sequence_at(name, snapshot) {
                sequence.owner = sequence.owner.map(owner_of);
                ops.push(sequence.upsert());
            }
        }
        ops.extend(self.rename_sequences(sequences, snapshot)?);
        // Views: each renamed one under its new name, each reading a renamed relation
        // rewritten to read the new name.
        for view in self.views_at(snapshot).into_values() {
            let reads_renamed = view.reads.iter().any(|r| renames.contains_key(r));
            let new_name = renames.get(&view.name);
            if !reads_renamed && new_name.is_none() {
                continue;
            }
            let mut renamed = match reads_renamed {
                true => views::renamed_in(&view, &renames)?,
                false => view.clone(),
            };
            if let Some(to) = new_name {
                ops.push(View::delete(&view.name));
                renamed.name.clone_from(to);
            }
            ops.push(renamed.upsert()?);
        }
        for (from, to) in &renames {
            if self.sequence_at(from, snapshot).is_none() {
                ops.extend(self.move_comments(from, to, None, snapshot));
            }
        }
        ops.extend(self.move_owners(&renames, snapshot));
        // The tables last: the column defaults above change them under their old names.
        ops.extend(
            tables
                .into_iter()
                .map(|(table, to)| LedgerOp::RenameTable { table, to }),
        );
        Ok(ops)
    }

    /// Refuses renaming `table` to `to` where the ledger cannot: the table of a projection
    /// (42809, as for SQL writes to one), and, in one transaction, a table it made or
    /// renamed, or a name it freed, which are for the next one (0A000).
    fn check_table_rename(&self, table: &str, to: &str, snapshot: &Snapshot) -> Result<()> {
        let projection = self
            .db
            .store()
            .read()
            .projections()
            .by_table
            .contains_key(table);
        if projection {
            return Err(Error::Execution {
                message: format!(
                    "\"{table}\" is the table of a projection and cannot be renamed; drop or rebuild the projection instead"
                ),
                sqlstate: SqlState::WRONG_OBJECT_TYPE,
            });
        }
        let made = self.txn.as_ref().is_some_and(|txn| {
            txn.ops.iter().any(|op| match op {
                LedgerOp::CreateTable(schema) => schema.name() == table,
                LedgerOp::RenameTable { to, .. } => to == table,
                _ => false,
            })
        });
        if made || snapshot.dropped.contains(to) {
            return Err(unsupported(&format!(
                "renaming a table made or renamed in this transaction, or to a name it freed; commit first (\"{table}\" to \"{to}\")"
            )));
        }
        Ok(())
    }
}
