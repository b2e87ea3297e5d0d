//! The whole database as of the newest applied ledger record: every table, with every
//! incarnation it has had.
//!
//! A table name can mean different tables at different sequences: `DROP TABLE` ends one,
//! `CREATE TABLE` with the same name later starts another, and `ALTER TABLE` ends the current
//! one and starts a new one whose rows carry over, so that points before the alter keep their
//! old schema. Each such table is an [`Incarnation`]: a [`Table`] plus the sequence range in
//! which it was the table by that name.
//!
//! [`Database::apply`] takes ledger records in order. Row changes of one transaction are
//! grouped per table and applied with one [`Table::apply`] call (a table takes each sequence
//! once); a catalog change to a table first applies the row changes queued for it. The SQL
//! layer validates a transaction ([`Database::check`]) before writing it to the ledger, so a
//! record that fails here means the ledger and this state disagree: the caller treats it as
//! corruption.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::broker_grants::BrokerGrants;
use crate::constraints::Constraints;
use crate::error::{Error, Result};
use crate::ledger::{LedgerOp, Transaction};
use crate::projection::{ProjectionOp, Projections};
use crate::schema::{Row, TableSchema};
use crate::security::Security;
use crate::table::{Change, Table};
use crate::tokens::Tokens;
use crate::value::Value;
use driftdb_log::sync::Recover;

/// A table shared between the applier (which writes it under the write lock) and readers
/// such as query scans (which hold the read lock only while they copy rows out).
pub type SharedTable = Arc<RwLock<Table>>;

/// Read-locks a shared table. A poisoned lock means an apply panicked half-way: that commit
/// fenced the ledger and never becomes visible, and readers read visible sequences only, so
/// reads carry on (`driftdb_log::sync`, class 2; `crate::store`).
pub fn read(table: &SharedTable) -> RwLockReadGuard<'_, Table> {
    table.read().recover()
}

pub(crate) fn write(table: &SharedTable) -> RwLockWriteGuard<'_, Table> {
    table.write().recover()
}

/// One table under one name for a range of sequences: what a name meant from `created`
/// until `ended` (exclusive; `None` while it still means it). The SQL engine resolves a
/// `FOR SYSTEM_TIME` reference to the incarnations it reads.
#[derive(Debug, Clone)]
pub struct Incarnation {
    /// The sequence of the record that created it.
    pub created: u64,
    /// The sequence from which it no longer exists (dropped or replaced by an alter).
    pub ended: Option<u64>,
    /// History retention in microseconds, set by `ALTER TABLE .. SET (history_retention)`.
    pub history_retention: Option<i64>,
    pub table: SharedTable,
}

impl Incarnation {
    /// Whether this incarnation is the table by its name at `seq`.
    pub fn live_at(&self, seq: u64) -> bool {
        self.created <= seq && self.ended.is_none_or(|e| seq < e)
    }

    /// Whether it was the table at some sequence: not one that a later op of the record
    /// that made it replaced (two `ALTER TABLE`s, or a rename and an alter, in one
    /// transaction), whose rows no read ever saw.
    pub fn was_live(&self) -> bool {
        self.ended != Some(self.created)
    }

    /// Whether it was the table at some sequence from `from` to `to` (inclusive).
    pub fn overlaps(&self, from: u64, to: u64) -> bool {
        self.created <= to && self.ended.is_none_or(|e| e > from)
    }
}

#[derive(Debug, Default)]
pub struct Database {
    tables: BTreeMap<String, Vec<Incarnation>>,
    security: Security,
    tokens: Tokens,
    broker_grants: BrokerGrants,
    projections: Projections,
    constraints: Constraints,
    last: Option<(u64, i64)>,
}

/// Why a name does not resolve to a table at a sequence.
fn missing(name: &str, seq: Option<u64>) -> Error {
    Error::NotFound {
        what: "table",
        name: match seq {
            Some(seq) => format!("{name} (at @SEQ:{seq})"),
            None => name.to_string(),
        },
    }
}

impl Database {
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds a database from a checkpoint's parts.
    pub(crate) fn from_parts(
        tables: BTreeMap<String, Vec<Incarnation>>,
        security: Security,
        tokens: Tokens,
        broker_grants: BrokerGrants,
        projections: Projections,
        constraints: Constraints,
        last: (u64, i64),
    ) -> Self {
        Database {
            tables,
            security,
            tokens,
            broker_grants,
            projections,
            constraints,
            last: Some(last),
        }
    }

    /// Roles and table privileges now.
    pub fn security(&self) -> &Security {
        &self.security
    }

    /// Access tokens in force now.
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// Privileges on topics and consumer groups now.
    pub fn broker_grants(&self) -> &BrokerGrants {
        &self.broker_grants
    }

    /// Every constraint between tables there has been, with when it held.
    pub fn constraints(&self) -> &Constraints {
        &self.constraints
    }

    /// Every projection now, with its position in its topic.
    pub fn projections(&self) -> &Projections {
        &self.projections
    }

    /// Every incarnation of every table, by name, mutably (to restore what checkpoints
    /// do not store).
    pub(crate) fn incarnations_all_mut(&mut self) -> impl Iterator<Item = &mut Incarnation> {
        self.tables.values_mut().flat_map(|v| v.iter_mut())
    }

    /// Every incarnation of every table, by name.
    pub(crate) fn incarnations_all(&self) -> impl Iterator<Item = (&str, &Incarnation)> {
        self.tables
            .iter()
            .flat_map(|(name, v)| v.iter().map(move |i| (name.as_str(), i)))
    }

    /// The newest applied sequence and its commit time.
    pub fn last(&self) -> Option<(u64, i64)> {
        self.last
    }

    /// The table called `name` now.
    pub fn table(&self, name: &str) -> Result<&SharedTable> {
        self.tables
            .get(name)
            .and_then(|v| v.last())
            .filter(|i| i.ended.is_none())
            .map(|i| &i.table)
            .ok_or_else(|| missing(name, None))
    }

    /// The table called `name` at sequence `seq`.
    pub fn table_at(&self, name: &str, seq: u64) -> Result<&SharedTable> {
        self.incarnation_at(name, seq).map(|i| &i.table)
    }

    pub fn incarnation_at(&self, name: &str, seq: u64) -> Result<&Incarnation> {
        self.tables
            .get(name)
            .and_then(|v| v.iter().rev().find(|i| i.live_at(seq)))
            .ok_or_else(|| missing(name, Some(seq)))
    }

    /// Every incarnation a name has had, oldest first (for `FOR SYSTEM_TIME ALL` across
    /// schema changes).
    pub fn incarnations(&self, name: &str) -> &[Incarnation] {
        self.tables.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Names of the tables that exist at `seq`.
    pub fn table_names_at(&self, seq: u64) -> Vec<&str> {
        self.tables
            .iter()
            .filter(|(_, v)| v.iter().any(|i| i.live_at(seq)))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Names of every table that has ever existed, dropped ones included.
    pub fn table_names_ever(&self) -> Vec<&str> {
        self.tables.keys().map(String::as_str).collect()
    }

    /// Names of the tables that exist now.
    pub fn table_names(&self) -> Vec<&str> {
        self.tables
            .iter()
            .filter(|(_, v)| v.last().is_some_and(|i| i.ended.is_none()))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Checks that `txn` would apply on the current state: the tables it touches exist (or
    /// are created earlier in it), and its row changes pass each table's constraints.
    /// Constraint checks see each table's changes of the whole transaction at once.
    pub fn check(&self, txn: &Transaction) -> Result<()> {
        self.check_with(txn, &|_| true)
    }

    /// [`Database::check`] of a transaction not yet whole: only the foreign keys `now`
    /// picks are checked (the SQL layer leaves deferred ones to `COMMIT`).
    pub fn check_with(
        &self,
        txn: &Transaction,
        now: &dyn Fn(&crate::constraints::ForeignKey) -> bool,
    ) -> Result<()> {
        let mut created: Vec<&str> = Vec::new();
        let mut dropped: Vec<&str> = Vec::new();
        // Existing tables the transaction alters.
        let mut altered: Vec<&str> = Vec::new();
        // Existing tables the transaction renames: (old name, new name, the op's place).
        let mut renamed: Vec<(&str, &str, usize)> = Vec::new();
        let mut changes: BTreeMap<&str, Vec<Change>> = BTreeMap::new();
        // Role operations checked against the roles as the transaction leaves them.
        let mut security = self.security.clone();
        // Projection, token and topic grant operations likewise (copied only when there are
        // any).
        let mut projections: Option<Projections> = None;
        let mut tokens: Option<Tokens> = None;
        let mut broker_grants: Option<BrokerGrants> = None;
        for (at, op) in txn.ops.iter().enumerate() {
            match op {
                LedgerOp::CreateRole(role) => {
                    security.create(role.clone())?;
                    continue;
                }
                LedgerOp::AlterRole(role) => {
                    security.alter(role.clone())?;
                    continue;
                }
                LedgerOp::DropRole { name } => {
                    security.drop_role(name)?;
                    if let Some(tokens) = &mut tokens {
                        tokens.drop_role(name);
                    }
                    if let Some(grants) = &mut broker_grants {
                        grants.drop_role(name);
                    }
                    continue;
                }
                LedgerOp::Token(op) => {
                    tokens
                        .get_or_insert_with(|| self.tokens.clone())
                        .apply(op, &security, 0)?;
                    continue;
                }
                LedgerOp::BrokerGrant(op) => {
                    broker_grants
                        .get_or_insert_with(|| self.broker_grants.clone())
                        .apply(op, &security)?;
                    continue;
                }
                LedgerOp::Grant { role, .. } | LedgerOp::Revoke { role, .. } => {
                    security.check_grantee(role)?;
                }
                LedgerOp::Projection(p) => {
                    projections
                        .get_or_insert_with(|| self.projections.clone())
                        .apply(p)?;
                    if let ProjectionOp::Swap { shadow, .. } = p.as_ref() {
                        let shadow_exists = (self.table(shadow).is_ok()
                            || created.contains(&shadow.as_str()))
                            && !dropped.contains(&shadow.as_str());
                        if !shadow_exists {
                            return Err(missing(shadow, None));
                        }
                        dropped.push(shadow);
                    }
                }
                _ => {}
            }
            let name = op.table();
            let exists =
                (self.table(name).is_ok() || created.contains(&name)) && !dropped.contains(&name);
            match op {
                LedgerOp::CreateTable(_) => {
                    if exists {
                        return Err(Error::InvalidInput(format!(
                            "table {name:?} already exists"
                        )));
                    }
                    created.push(name);
                    dropped.retain(|d| *d != name);
                }
                _ if !exists => return Err(missing(name, None)),
                LedgerOp::DropTable { .. } => dropped.push(name),
                LedgerOp::RenameTable { to, .. } => {
                    if created.contains(&name) || created.contains(&to.as_str()) {
                        return Err(Error::InvalidInput(format!(
                            "renaming {name:?} in the transaction that creates it or {to:?}"
                        )));
                    }
                    if renamed.iter().any(|r| r.1 == name) {
                        return Err(Error::InvalidInput(format!(
                            "renaming {name:?} in the transaction that renamed it"
                        )));
                    }
                    self.check_rename(name, to)?;
                    dropped.push(name);
                    created.push(to);
                    renamed.push((name, to, at));
                }
                // Index DDL must not fail when applied: check it against the table now.
                LedgerOp::CreateIndex { index, .. } if !created.contains(&name) => {
                    let schema = read(self.table(name)?).schema().clone();
                    let mut indexes = schema.indexes().to_vec();
                    indexes.push(index.clone());
                    schema.with_indexes(indexes)?;
                }
                // So must a new schema (the carried rows must satisfy its constraints: a
                // unique index over duplicates, a UNIQUE column added with a default): the
                // table's part of the transaction, alters in order, is replayed below.
                LedgerOp::AlterTable { .. }
                    if !created.contains(&name) && !altered.contains(&name) =>
                {
                    altered.push(name);
                }
                LedgerOp::AddUnique { constraint, .. } if !created.contains(&name) => {
                    read(self.table(name)?).check_add_unique(constraint)?;
                }
                LedgerOp::DropUnique { name: unique, .. } if !created.contains(&name) => {
                    let table = read(self.table(name)?);
                    let names = table.schema().unique().iter().map(|u| &u.name);
                    require_named("unique constraint", unique, names)?;
                }
                LedgerOp::DropIndex { name: index, .. } if !created.contains(&name) => {
                    let table = read(self.table(name)?);
                    let names = table.schema().indexes().iter().map(|i| &i.name);
                    require_named("index", index, names)?;
                }
                _ => {}
            }
            if let Some(change) = op.row_change() {
                changes.entry(name).or_default().push(change);
            }
        }
        // A renamed table, with what the transaction writes and changes under its new name:
        // checked on a copy of the table as the rename carries it (its rows, with the
        // transaction's part before the rename replayed on them), with the part after the
        // rename replayed on it.
        for &(from, to, at) in &renamed {
            let before = scratch_apply(
                &txn.ops[..at],
                from,
                Some(copy_of(&read(self.table(from)?))?),
            )?;
            let Some(before) = before else {
                return Err(missing(from, None));
            };
            let mut base = Table::new(before.schema().renamed(to));
            base.apply(1, 1, current_rows(&before)?)?;
            scratch_apply(&txn.ops[at + 1..], to, Some(base))?;
        }
        for (name, changes) in changes {
            if renamed.iter().any(|r| r.1 == name) {
                continue;
            }
            let adds_unique = txn
                .ops
                .iter()
                .any(|op| matches!(op, LedgerOp::AddUnique { table, .. } if table == name));
            let alters = txn
                .ops
                .iter()
                .any(|op| matches!(op, LedgerOp::AlterTable { table, .. } if table == name));
            if created.contains(&name) && (adds_unique || alters) {
                // Constraints or schemas changed between its rows: replay the table's part
                // of the transaction on a scratch copy, as applying it will.
                scratch_apply(&txn.ops, name, None)?;
            } else if alters && !adds_unique {
                // The same, from a copy of the table's current rows (below).
                continue;
            } else if created.contains(&name) {
                // A table created in this transaction starts empty: its rows are checked
                // against its schema alone, so the record cannot fail to apply.
                let schema = txn.ops.iter().rev().find_map(|op| match op {
                    LedgerOp::CreateTable(schema) if schema.name() == name => Some(schema),
                    _ => None,
                });
                if let Some(schema) = schema {
                    Table::new(schema.clone()).check(&changes)?;
                }
            } else if adds_unique {
                // The SQL layer never writes rows in the transaction that adds a unique
                // constraint to a table it did not create.
                return Err(Error::InvalidInput(format!(
                    "rows of {name:?} written in the transaction that constrains it"
                )));
            } else if let Ok(table) = self.table(name) {
                read(table).check_owned(changes)?;
            }
        }
        for name in altered {
            let base = copy_of(&read(self.table(name)?))?;
            scratch_apply(&txn.ops, name, Some(base))?;
        }
        crate::constraints::check(self, &txn.ops, now)
    }

    /// Whether `table` may take the name `to`: no table has it, and `table` is not a
    /// projection's (its runner writes it by name).
    fn check_rename(&self, table: &str, to: &str) -> Result<()> {
        if self.table(to).is_ok() {
            return Err(Error::InvalidInput(format!("table {to:?} already exists")));
        }
        if self.projections.by_table.contains_key(table) {
            return Err(Error::InvalidInput(format!(
                "table {table:?} is a projection's; drop or rebuild the projection instead"
            )));
        }
        Ok(())
    }

    /// Applies ledger record `seq`, committed at `time`. Sequences and times must increase.
    pub fn apply(&mut self, seq: u64, time: i64, txn: &Transaction) -> Result<()> {
        self.apply_ops(seq, time, txn.ops.iter().map(Cow::Borrowed))
    }

    /// [`Database::apply`] taking the transaction, so its rows move into the tables
    /// uncopied (the commit path, which has just encoded it).
    pub fn apply_owned(&mut self, seq: u64, time: i64, txn: Transaction) -> Result<()> {
        self.apply_ops(seq, time, txn.ops.into_iter().map(Cow::Owned))
    }

    fn apply_ops<'a>(
        &mut self,
        seq: u64,
        time: i64,
        ops: impl Iterator<Item = Cow<'a, LedgerOp>>,
    ) -> Result<()> {
        if let Some((last_seq, last_time)) = self.last
            && (seq <= last_seq || time <= last_time)
        {
            return Err(Error::OutOfOrder {
                seq,
                time,
                current_seq: last_seq,
                current_time: last_time,
            });
        }
        // A transaction touches few tables: a list beats a map.
        let mut pending: Vec<(Cow<'a, str>, Vec<Change>)> = Vec::new();
        for op in ops {
            if op.is_role_change() {
                match &*op {
                    LedgerOp::Token(op) => self.tokens.apply(op, &self.security, time)?,
                    LedgerOp::BrokerGrant(op) => self.broker_grants.apply(op, &self.security)?,
                    LedgerOp::DropRole { name } => {
                        self.security.apply(&op)?;
                        self.tokens.drop_role(name);
                        self.broker_grants.drop_role(name);
                    }
                    _ => self.security.apply(&op)?,
                }
                continue;
            }
            let op = match split(op) {
                Split::Row(table, change) => {
                    match pending.iter_mut().find(|(t, _)| *t == table) {
                        Some((_, changes)) => changes.push(change),
                        None => pending.push((table, vec![change])),
                    }
                    continue;
                }
                Split::Other(op) => op,
            };
            // The table's rows so far go to the table they were written to before an op
            // that replaces or ends it. Other catalog ops (indexes, unique constraints,
            // grants) apply to the table in place, and its rows, written before and after
            // them, in one piece at the end: a table takes one change per sequence.
            let name = op.table();
            if op.replaces_table()
                && let Some(i) = pending.iter().position(|(t, _)| t == name)
            {
                let (_, changes) = pending.swap_remove(i);
                write(&self.current_mut(name)?.table).apply(seq, time, changes)?;
            }
            // A new schema's (or name's) carried rows join the rows written after it: one
            // change.
            let carried = self.apply_catalog(seq, time, &op)?;
            if !carried.is_empty() {
                let target = match op.as_ref() {
                    LedgerOp::RenameTable { to, .. } => to.as_str(),
                    _ => name,
                };
                pending.push((Cow::Owned(target.to_string()), carried));
            }
        }
        for (name, changes) in pending {
            write(&self.current_mut(&name)?.table).apply(seq, time, changes)?;
        }
        self.last = Some((seq, time));
        Ok(())
    }

    fn current_mut(&mut self, name: &str) -> Result<&mut Incarnation> {
        self.tables
            .get_mut(name)
            .and_then(|v| v.last_mut())
            .filter(|i| i.ended.is_none())
            .ok_or_else(|| missing(name, None))
    }

    /// Applies a catalog op; returns the rows an `AlterTable` or a `RenameTable` carries into
    /// the new incarnation, for the caller to apply with the rows written after it.
    fn apply_catalog(&mut self, seq: u64, time: i64, op: &LedgerOp) -> Result<Vec<Change>> {
        let old = match op {
            LedgerOp::AlterTable { table, .. } => {
                Some(read(&self.current_mut(table)?.table).schema().clone())
            }
            _ => None,
        };
        self.constraints.apply(seq, op, old.as_ref())?;
        match op {
            LedgerOp::CreateTable(schema) => {
                let name = schema.name().to_string();
                if self.table(&name).is_ok() {
                    return Err(Error::InvalidInput(format!(
                        "table {name:?} already exists"
                    )));
                }
                self.tables.entry(name).or_default().push(Incarnation {
                    created: seq,
                    ended: None,
                    history_retention: None,
                    table: Arc::new(RwLock::new(Table::new(schema.clone()))),
                });
            }
            LedgerOp::DropTable { table } => {
                let current = self.current_mut(table)?;
                current.ended = Some(seq);
                write(&current.table).end(seq, time);
                self.security.forget_table(table);
            }
            LedgerOp::RenameTable { table, to } => {
                self.check_rename(table, to)?;
                let old = self.current_mut(table)?;
                let (rows, schema) = {
                    let t = read(&old.table);
                    (current_rows(&t)?, t.schema().renamed(to))
                };
                self.succeed_as(seq, time, table, to, Table::new(schema), Vec::new())?;
                self.security.rename_table(table, to);
                return Ok(rows);
            }
            LedgerOp::Grant { table, .. } | LedgerOp::Revoke { table, .. } => {
                self.current_mut(table)?;
                self.security.apply(op)?;
            }
            LedgerOp::AlterTable {
                table,
                schema,
                carry,
                fill,
            } => {
                if carry.len() != schema.columns().len() || fill.len() != schema.columns().len() {
                    return Err(Error::InvalidInput(format!(
                        "alter of {table:?}: {} columns but {} carry and {} fill entries",
                        schema.columns().len(),
                        carry.len(),
                        fill.len()
                    )));
                }
                let old = self.current_mut(table)?;
                let rows = carried_rows(&read(&old.table), schema, carry, fill)?;
                self.succeed(seq, time, table, Table::new(schema.clone()), Vec::new())?;
                return Ok(rows);
            }
            LedgerOp::SetHistoryRetention { table, micros } => {
                self.current_mut(table)?.history_retention = *micros;
            }
            LedgerOp::Projection(p) => {
                self.projections.apply(p)?;
                if let ProjectionOp::Swap { table, shadow } = p.as_ref() {
                    self.swap(seq, time, table, shadow)?;
                }
            }
            LedgerOp::Vacuum { table, horizon } => {
                write(&self.current_mut(table)?.table).vacuum(*horizon)?;
            }
            LedgerOp::CreateIndex { table, index } => {
                write(&self.current_mut(table)?.table).create_index(index.clone())?;
            }
            LedgerOp::DropIndex { table, name } => {
                write(&self.current_mut(table)?.table).drop_index(name)?;
            }
            LedgerOp::AddUnique { table, constraint } => {
                write(&self.current_mut(table)?.table).add_unique(constraint.clone())?;
            }
            LedgerOp::DropUnique { table, name } => {
                write(&self.current_mut(table)?.table).drop_unique(name)?;
            }
            LedgerOp::AddConstraint { table, .. } | LedgerOp::DropConstraint { table, .. } => {
                self.current_mut(table)?;
            }
            LedgerOp::Upsert { .. }
            | LedgerOp::Delete { .. }
            | LedgerOp::Truncate { .. }
            | LedgerOp::CreateRole(_)
            | LedgerOp::AlterRole(_)
            | LedgerOp::DropRole { .. }
            | LedgerOp::Token(_)
            | LedgerOp::BrokerGrant(_) => {}
        }
        Ok(Vec::new())
    }

    /// A rebuilt projection takes its place: `table`'s current incarnation ends at `seq`, a
    /// new one starts holding the shadow's current rows, and the shadow table ends.
    fn swap(&mut self, seq: u64, time: i64, table: &str, shadow: &str) -> Result<()> {
        let rebuilt = self.current_mut(shadow)?;
        rebuilt.ended = Some(seq);
        let source = read(&rebuilt.table);
        let rows: Vec<Change> = match source.current_seq() {
            Some(at) => source
                .scan(at)?
                .map(|v| Change::Upsert(v.row.clone()))
                .collect(),
            None => Vec::new(),
        };
        let next = Table::new(source.schema().renamed(table));
        drop(source);
        write(&rebuilt.table).end(seq, time);
        self.succeed(seq, time, table, next, rows)
    }

    /// `table`'s current incarnation ends at `seq` and `next`, holding `rows` from `seq`
    /// on, succeeds it (keeping its history retention): an alter, or a swap.
    fn succeed(
        &mut self,
        seq: u64,
        time: i64,
        table: &str,
        next: Table,
        rows: Vec<Change>,
    ) -> Result<()> {
        self.succeed_as(seq, time, table, table, next, rows)
    }

    /// Ends `table`'s current incarnation at `seq` and starts one called `name` (the same
    /// name, or a rename's new one) holding `next` with `rows` applied, keeping the history
    /// retention.
    fn succeed_as(
        &mut self,
        seq: u64,
        time: i64,
        table: &str,
        name: &str,
        mut next: Table,
        rows: Vec<Change>,
    ) -> Result<()> {
        let old = self.current_mut(table)?;
        old.ended = Some(seq);
        write(&old.table).end(seq, time);
        let retention = old.history_retention;
        if !rows.is_empty() {
            next.apply(seq, time, rows)?;
        }
        self.tables
            .entry(name.to_string())
            .or_default()
            .push(Incarnation {
                created: seq,
                ended: None,
                history_retention: retention,
                table: Arc::new(RwLock::new(next)),
            });
        Ok(())
    }
}

/// An op split for applying: a row change (with its table), or anything else.
enum Split<'a> {
    Row(Cow<'a, str>, Change),
    Other(Cow<'a, LedgerOp>),
}

/// A row operation's table and change, moved out of an owned op.
fn split(op: Cow<'_, LedgerOp>) -> Split<'_> {
    match op {
        Cow::Borrowed(borrowed) => match borrowed.row_change() {
            Some(change) => Split::Row(Cow::Borrowed(borrowed.table()), change),
            None => Split::Other(op),
        },
        Cow::Owned(LedgerOp::Upsert { table, row }) => {
            Split::Row(Cow::Owned(table), Change::Upsert(row))
        }
        Cow::Owned(LedgerOp::Delete { table, key }) => {
            Split::Row(Cow::Owned(table), Change::Delete(key))
        }
        Cow::Owned(LedgerOp::Truncate { table }) => Split::Row(Cow::Owned(table), Change::Truncate),
        other => Split::Other(other),
    }
}

/// Applies what `ops` (a transaction, or part of one) do to `table`, which they create or
/// change (`base`: a copy of its rows before them), to a scratch table, in the order
/// [`Database::apply`] does: fails where applying them would. Returns the table they leave
/// (none if they drop it).
fn scratch_apply(ops: &[LedgerOp], table: &str, base: Option<Table>) -> Result<Option<Table>> {
    let mut scratch: Option<Table> = base;
    let mut rows = Vec::new();
    // Past the base's own sequence (1).
    let mut seq = 1;
    for op in ops.iter().filter(|op| op.table() == table) {
        if let Some(change) = op.row_change() {
            rows.push(change);
            continue;
        }
        if op.replaces_table()
            && let Some(t) = scratch.as_mut()
            && !rows.is_empty()
        {
            seq += 1;
            t.apply(seq, seq as i64, std::mem::take(&mut rows))?;
        }
        match op {
            LedgerOp::CreateTable(schema) => scratch = Some(Table::new(schema.clone())),
            LedgerOp::DropTable { .. } => scratch = None,
            LedgerOp::AlterTable {
                schema,
                carry,
                fill,
                ..
            } => {
                // The carried rows and those written after them apply as one change.
                if let Some(t) = scratch.take() {
                    rows = carried_rows(&t, schema, carry, fill)?;
                    scratch = Some(Table::new(schema.clone()));
                }
            }
            LedgerOp::AddUnique { constraint, .. } => {
                if let Some(t) = scratch.as_mut() {
                    t.add_unique(constraint.clone())?;
                }
            }
            LedgerOp::DropUnique { name, .. } => {
                if let Some(t) = scratch.as_mut() {
                    t.drop_unique(name)?;
                }
            }
            _ => {}
        }
    }
    if let Some(t) = scratch.as_mut()
        && !rows.is_empty()
    {
        t.apply(seq + 1, seq as i64 + 1, rows)?;
    }
    Ok(scratch)
}

/// A table of `table`'s schema holding its current rows, at sequence 1.
fn copy_of(table: &Table) -> Result<Table> {
    let mut copy = Table::new(table.schema().clone());
    copy.apply(1, 1, current_rows(table)?)?;
    Ok(copy)
}

/// NotFound unless `name` is one of `names` (the `what` of a table that a drop names).
fn require_named<'a>(
    what: &'static str,
    name: &str,
    mut names: impl Iterator<Item = &'a String>,
) -> Result<()> {
    if names.any(|n| n == name) {
        return Ok(());
    }
    Err(Error::NotFound {
        what,
        name: name.to_owned(),
    })
}

/// The current rows of `table`, as changes that recreate them.
fn current_rows(table: &Table) -> Result<Vec<Change>> {
    let Some(now) = table.current_seq() else {
        return Ok(Vec::new());
    };
    Ok(table
        .scan(now)?
        .map(|v| Change::Upsert(v.row.to_vec()))
        .collect())
}

/// The current rows of `table` as an `AlterTable` with `carry` and `fill` makes them for its
/// new schema.
/// A value a column whose type changed keeps is converted to the new type where that keeps
/// it exactly ([`Value::converted`]); the new schema's check refuses any other. Two rows
/// with one key under the new schema (a primary key given to a table that had a hidden row
/// identity) are a [`Error::UniqueViolation`] of its `<table>_pkey`, never one row.
pub(crate) fn carried_rows(
    table: &Table,
    schema: &TableSchema,
    carry: &[Option<u32>],
    fill: &[Value],
) -> Result<Vec<Change>> {
    let Some(now) = table.current_seq() else {
        return Ok(Vec::new());
    };
    let rows: Vec<Row> = table
        .scan(now)?
        .map(|v| carry_row(v.row, schema, carry, fill))
        .collect();
    let mut keys = std::collections::HashSet::with_capacity(rows.len());
    if !rows.iter().all(|row| keys.insert(schema.key_of(row))) {
        return Err(Error::UniqueViolation {
            constraint: format!("{}_pkey", schema.name()),
        });
    }
    Ok(rows.into_iter().map(Change::Upsert).collect())
}

/// `row` of a table as an `AlterTable` with `carry` and `fill` makes it for `schema`.
pub fn carry_row(
    row: &[Value],
    schema: &TableSchema,
    carry: &[Option<u32>],
    fill: &[Value],
) -> Row {
    carry
        .iter()
        .zip(fill)
        .zip(schema.columns())
        .map(
            |((c, f), column)| match c.and_then(|j| row.get(j as usize)) {
                Some(value) => value
                    .converted(&column.data_type)
                    .unwrap_or_else(|| value.clone()),
                None => f.clone(),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests;
