//! Owners of relations (`crate::owners`): `OWNER TO`, the owners a snapshot sees, and the
//! owners that go or move with the relations they own.

use std::collections::BTreeMap;

use driftdb_projector::LedgerOp;
use sqlparser::ast;

use super::{Session, Snapshot, Write};
use crate::SqlState;
use crate::error::{Error, Result};
use crate::owners::{self, Owner};
use crate::schemas::ident_name;

impl Session {
    /// The owner of every relation `OWNER TO` gave one, as `snapshot` (and the open
    /// transaction's writes) has them: stored name to role.
    pub(super) fn owners_at(&self, snapshot: &Snapshot) -> BTreeMap<String, String> {
        self.internal_rows(owners::TABLE, snapshot, Owner::of_row)
            .into_iter()
            .map(|o| (o.relation, o.role))
            .collect()
    }

    /// `ALTER { TABLE | VIEW | SEQUENCE } relation OWNER TO role` of `relation`, which
    /// exists: the role must exist too (42704). A table's sequences (those its columns own)
    /// take its new owner with it, and take no other (0A000), as in PostgreSQL. A temporary
    /// table keeps its session's role (0A000).
    pub(super) fn owner_to(
        &self,
        relation: &str,
        owner: &ast::Owner,
        tag: &str,
        snapshot: &Snapshot,
    ) -> Result<Write> {
        let role = self.owner_role(owner)?;
        if crate::temporary::temporary_of(relation).is_some() {
            return Err(crate::error::unsupported(
                "OWNER TO of a temporary table: it belongs to its session",
            ));
        }
        let owners = self.owners_at(snapshot);
        let owner_of = |name: &str| {
            owners
                .get(name)
                .map_or(crate::catalog::OWNER, String::as_str)
        };
        // A sequence a column owns has its table's owner (the table's `OWNER TO` gives it).
        if let Some(sequence) = self.sequence_at(relation, snapshot)
            && let Some((table, _)) = &sequence.owner
            && owner_of(relation) != role
        {
            return Err(Error::Execution {
                message: format!(
                    "cannot change owner of sequence \"{relation}\": it is linked to table \"{table}\""
                ),
                sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
            });
        }
        let mut relations = vec![relation.to_string()];
        if self.schema_at(relation, snapshot).is_ok() {
            relations.extend(self.owned_sequences(relation, snapshot));
        }
        let mut ops = Vec::new();
        if self.schema_at(owners::TABLE, snapshot).is_err() {
            ops.push(owners::create_table()?);
        }
        for relation in relations {
            ops.push(
                Owner {
                    relation,
                    role: role.clone(),
                }
                .upsert(),
            );
        }
        Ok(Write {
            ops,
            tag: tag.into(),
            rows: None,
        })
    }

    /// The role an `OWNER TO` names, which must exist (42704).
    pub(super) fn owner_role(&self, owner: &ast::Owner) -> Result<String> {
        self.existing_role(match owner {
            ast::Owner::Ident(role) => ident_name(role),
            ast::Owner::CurrentRole | ast::Owner::CurrentUser | ast::Owner::SessionUser => {
                self.role().to_string()
            }
        })
    }

    /// `role`, if it exists (the bootstrap superuser and the session's own role always do);
    /// else 42704.
    pub(super) fn existing_role(&self, role: String) -> Result<String> {
        if role == crate::catalog::OWNER
            || role == self.role()
            || self.db.store().read().security().role(&role).is_some()
        {
            return Ok(role);
        }
        Err(Error::Execution {
            message: format!("role \"{role}\" does not exist"),
            sqlstate: SqlState::UNDEFINED_OBJECT,
        })
    }

    /// The op that deletes the owner of `relation` (dropped), if it has one of its own.
    pub(super) fn forget_owner(&self, relation: &str, snapshot: &Snapshot) -> Vec<LedgerOp> {
        match self.owners_at(snapshot).contains_key(relation) {
            true => vec![Owner::delete(relation)],
            false => Vec::new(),
        }
    }

    /// The ops that move the owner of each relation `renames` renames to its new name.
    pub(super) fn move_owners(
        &self,
        renames: &BTreeMap<String, String>,
        snapshot: &Snapshot,
    ) -> Vec<LedgerOp> {
        let mut ops = Vec::new();
        for (relation, role) in self.owners_at(snapshot) {
            if let Some(to) = renames.get(&relation) {
                ops.push(Owner::delete(&relation));
                ops.push(
                    Owner {
                        relation: to.clone(),
                        role,
                    }
                    .upsert(),
                );
            }
        }
        ops
    }

    /// What `role` owns at `snapshot`, for `DROP ROLE`: the first relation or schema, by name.
    pub(super) fn owned_by(&self, role: &str, snapshot: &Snapshot) -> Option<String> {
        if let Some((relation, _)) = self
            .owners_at(snapshot)
            .into_iter()
            .find(|(_, r)| r == role)
        {
            return Some(format!("relation {relation}"));
        }
        self.schemas_at(snapshot)
            .into_values()
            .find(|s| s.owner == role)
            .map(|s| format!("schema {}", s.name))
    }
}
