//! Temporary tables (`CREATE TEMP TABLE`): seen only by the session that made them, and
//! dropped when it ends.
//!
//! A temporary table is an ordinary ledger table under a name no client writes,
//! `pg_temp_<session>_<name>` ([`crate::temporary::stored_name`]), so everything a table can do (keys,
//! indexes, DML, `COPY`, transactions, time travel) it does too. Before a statement runs,
//! [`Session::resolve_temporary`] rewrites each reference to one of the session's temporary
//! tables into that stored name, keeping the name the statement used as its alias; a
//! temporary table hides a permanent one of the same name, as PostgreSQL's `pg_temp` schema
//! comes first in the search path (`pg_temp.t` names it explicitly). A name of another
//! session's temporary table is refused (0A000), and the catalogs show only the session's own,
//! under their own names in schema `pg_temp_<session>`.
//!
//! The session drops its temporary tables when it is dropped; those a crash left behind are
//! dropped when the database opens ([`crate::temporary::drop_leftovers`]). Their rows go into the ledger like
//! any table's (PostgreSQL does not WAL-log them), and stay in its history after the drop.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use driftdb_projector::Transaction;
use sqlparser::ast::{
    self, AlterTableOperation, CopySource, Ident, ObjectName, ObjectType, OnCommit,
    Statement as Ast, TableFactor, TableObject, VisitMut, VisitorMut,
};

use super::{Session, Snapshot};
use crate::SqlState;
use crate::error::{Error, Result};
use crate::parser::Statement;
use crate::schemas::ident_name;
use crate::temporary::{PREFIX, drops, schema_name, stored_name, temporary_of};

fn other_sessions() -> Error {
    Error::Execution {
        message: "cannot access temporary tables of other sessions".to_string(),
        sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
    }
}

impl Session {
    /// `statement` with its references to the session's temporary tables rewritten to their
    /// stored names, and a `CREATE TEMP TABLE` made an ordinary `CREATE TABLE` of a stored
    /// name; see the module documentation.
    pub(super) fn resolve_temporary(&mut self, statement: &mut Statement) -> Result<()> {
        // Only a session with temporary tables looks names up.
        let snapshot = match self.has_temporary {
            true => self.snapshot(),
            false => Snapshot::default(),
        };
        match statement {
            Statement::Sql(sql) => self.resolve_sql(&mut sql.statement, &snapshot),
            Statement::Checkpoint { table } | Statement::SetHistoryRetention { table, .. } => {
                self.resolve_name(table, &snapshot)?;
                self.resolve_schema_of(table)
            }
            Statement::Vacuum { table: Some(table) } => {
                self.resolve_name(table, &snapshot)?;
                self.resolve_schema_of(table)
            }
            Statement::AlterSequence(alter) => self.resolve_alter_sequence(alter),
            Statement::AlterRelation(alter) => {
                if self.resolve_name(&mut alter.name, &snapshot)?.is_some()
                    && matches!(alter.change, crate::parser::RelationChange::Schema(_))
                {
                    return Err(crate::error::unsupported(
                        "moving a relation into a system or temporary schema",
                    ));
                }
                self.resolve_alter_relation(alter)
            }
            Statement::Vacuum { table: None }
            | Statement::Projection(_)
            | Statement::SetConstraints { .. }
            | Statement::BrokerGrant(_) => Ok(()),
        }
    }

    pub(super) fn resolve_sql(&mut self, statement: &mut Ast, snapshot: &Snapshot) -> Result<()> {
        // The name a CREATE TABLE makes is not a reference: kept out of the walk below.
        let mut created = None;
        if let Ast::CreateTable(create) = statement {
            let name = std::mem::replace(&mut create.name, ObjectName(Vec::new()));
            created = Some(match create.temporary {
                true => {
                    if matches!(
                        create.on_commit,
                        Some(OnCommit::Drop | OnCommit::DeleteRows)
                    ) {
                        return Err(crate::error::unsupported(
                            "ON COMMIT DROP and ON COMMIT DELETE ROWS",
                        ));
                    }
                    create.temporary = false;
                    self.has_temporary = true;
                    self.temporary_name(&name)?
                }
                false => {
                    // The relation's own name (its schema is resolved later).
                    let table = name
                        .0
                        .last()
                        .and_then(|p| p.as_ident())
                        .map(ident_name)
                        .unwrap_or_default();
                    if temporary_of(&table).is_some() {
                        return Err(Error::Execution {
                            message: format!(
                                "table names starting with \"{PREFIX}\" are reserved for temporary tables"
                            ),
                            sqlstate: SqlState::RESERVED_NAME,
                        });
                    }
                    if crate::sequences::is_internal(&table) {
                        return Err(Error::Execution {
                            message: format!("\"{table}\" is the name of DriftDB's own table"),
                            sqlstate: SqlState::RESERVED_NAME,
                        });
                    }
                    name
                }
            });
        }
        if let Ast::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        } = statement
        {
            for name in names {
                self.resolve_name(name, snapshot)?;
            }
        }
        if let Ast::Copy {
            source: CopySource::Table { table_name, .. },
            ..
        } = statement
        {
            self.resolve_name(table_name, snapshot)?;
        }
        if let Ast::AlterTable(alter) = statement
            && self.resolve_name(&mut alter.name, snapshot)?.is_some()
        {
            for operation in &mut alter.operations {
                if let AlterTableOperation::RenameTable {
                    table_name: ast::RenameTableNameKind::To(to) | ast::RenameTableNameKind::As(to),
                } = operation
                {
                    *to = self.temporary_name(to)?;
                }
            }
        }
        if let Ast::Insert(insert) = statement
            && let TableObject::TableName(name) = &mut insert.table
            && let Some(user_name) = self.resolve_name(name, snapshot)?
            && insert.table_alias.is_none()
        {
            insert.table_alias = Some(ast::TableAliasWithoutColumns {
                explicit: true,
                alias: Ident::with_quote('"', user_name),
            });
        }
        let mut walk = Walk {
            session: self,
            snapshot,
            // Only a name that may be a temporary table's can be a WITH name's instead.
            ctes: match self.has_temporary {
                true => crate::schemas::cte_names(statement),
                false => BTreeSet::new(),
            },
            error: None,
        };
        let _ = VisitMut::visit(statement, &mut walk);
        if let Some(error) = walk.error {
            return Err(error);
        }
        if let (Ast::CreateTable(create), Some(name)) = (&mut *statement, created) {
            create.name = name;
        }
        self.resolve_schemas(statement, &self.snapshot_ref())
    }

    /// The stored name `CREATE TEMP TABLE name` makes: `name` or `pg_temp.name`.
    fn temporary_name(&self, name: &ObjectName) -> Result<ObjectName> {
        let part = match name.0.as_slice() {
            [part] => part,
            [schema, part]
                if schema
                    .as_ident()
                    .is_some_and(|s| self.is_temporary_schema(&ident_name(s))) =>
            {
                part
            }
            _ => {
                return Err(Error::Execution {
                    message: "cannot create temporary relation in non-temporary schema".to_string(),
                    sqlstate: SqlState::INVALID_TABLE_DEFINITION,
                });
            }
        };
        let ident = part
            .as_ident()
            .ok_or_else(|| crate::error::unsupported("this table name form"))?;
        Ok(crate::schemas::object_name(stored_name(
            self.id,
            &ident_name(ident),
        )))
    }

    fn is_temporary_schema(&self, schema: &str) -> bool {
        schema == "pg_temp" || schema == schema_name(self.id)
    }

    /// Rewrites `name` if it names one of the session's temporary tables; returns the name
    /// the statement used. Refuses another session's.
    fn resolve_name(&self, name: &mut ObjectName, snapshot: &Snapshot) -> Result<Option<String>> {
        let idents: Vec<String> = name
            .0
            .iter()
            .map(|p| p.as_ident().map(ident_name))
            .collect::<Option<_>>()
            .unwrap_or_default();
        let table = match idents.as_slice() {
            [table] => {
                if crate::sequences::is_internal(table) {
                    return Err(Error::Execution {
                        message: format!("permission denied: \"{table}\" is DriftDB's own"),
                        sqlstate: SqlState::INSUFFICIENT_PRIVILEGE,
                    });
                }
                if let Some((session, _)) = temporary_of(table) {
                    return match session == self.id {
                        true => Ok(None),
                        false => Err(other_sessions()),
                    };
                }
                if !self.has_temporary {
                    return Ok(None);
                }
                let stored = stored_name(self.id, table);
                if self.schema_at(&stored, snapshot).is_err() {
                    return Ok(None);
                }
                table
            }
            [schema, table] if self.is_temporary_schema(schema) => table,
            [schema, _] if schema.starts_with("pg_temp") => return Err(other_sessions()),
            _ => return Ok(None),
        };
        let user_name = table.clone();
        *name = crate::schemas::object_name(stored_name(self.id, table));
        Ok(Some(user_name))
    }
}

impl Session {
    /// Whether `table` is the stored name of one of the session's temporary tables.
    pub(super) fn owns_temporary(&self, table: &str) -> bool {
        temporary_of(table).is_some_and(|(session, _)| session == self.id)
    }

    /// Whether `statement` (resolved) creates, alters, indexes or drops only the session's
    /// own temporary tables, which any role may do, as PostgreSQL grants `TEMPORARY` to all.
    pub(super) fn only_own_temporary_ddl(&self, statement: &Ast) -> bool {
        let own = |name: &ObjectName| {
            crate::schemas::table_name(name).is_ok_and(|table| self.owns_temporary(&table))
        };
        match statement {
            Ast::CreateTable(create) => own(&create.name) && create.query.is_none(),
            Ast::AlterTable(alter) => own(&alter.name),
            Ast::CreateIndex(create) => own(&create.table_name),
            Ast::Drop {
                object_type: ObjectType::Table,
                names,
                ..
            } => !names.is_empty() && names.iter().all(own),
            _ => false,
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.has_temporary {
            return;
        }
        let store = self.db.store();
        let ops = drops(store, Some(self.id));
        if ops.is_empty() {
            return;
        }
        if let Err(e) = crate::blocking(|| store.commit(Transaction { ops }, None, &[])) {
            tracing::warn!(error = %e, "dropping a session's temporary tables failed; the next start drops them");
        }
    }
}

/// Rewrites the table references of a statement; see [`Session::resolve_temporary`].
struct Walk<'a> {
    session: &'a Session,
    snapshot: &'a Snapshot,
    ctes: BTreeSet<String>,
    error: Option<Error>,
}

impl Walk<'_> {
    fn resolve(&mut self, name: &mut ObjectName) -> ControlFlow<()> {
        if let [part] = name.0.as_slice()
            && part
                .as_ident()
                .is_some_and(|i| self.ctes.contains(&ident_name(i)))
        {
            return ControlFlow::Continue(());
        }
        match self.session.resolve_name(name, self.snapshot) {
            Ok(_) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

impl VisitorMut for Walk<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, alias, .. } = factor {
            let before = name.clone();
            self.resolve(name)?;
            // `FROM t` reads `FROM pg_temp_<n>_t AS t`, so `t.a` still resolves.
            if *name != before
                && alias.is_none()
                && let Some(last) = before.0.last().and_then(|p| p.as_ident())
            {
                *alias = Some(ast::TableAlias {
                    explicit: true,
                    name: last.clone(),
                    columns: Vec::new(),
                    at: None,
                });
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, name: &mut ObjectName) -> ControlFlow<()> {
        self.resolve(name)
    }
}
