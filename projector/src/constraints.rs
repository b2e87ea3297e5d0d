//! Constraints beyond a table's keys: foreign keys (checked here) and check constraints
//! (kept here, evaluated by the SQL layer).
//!
//! A foreign key lives beside its table, not in its [`crate::TableSchema`]: adding or
//! dropping one leaves the table's incarnation (and so its history) whole, and the ledger and
//! snapshot formats stay as they were. [`Constraints`] keeps every constraint with the
//! sequence range in which it held, so the catalogs read at an old sequence show the
//! constraints of that time.
//!
//! Invariants, checked by [`crate::Database::check`] before a transaction is written:
//! - a constraint's name is unique among its table's current constraints;
//! - a foreign key's columns exist in its table, and its referenced columns in the
//!   referenced table, which exists;
//! - after every transaction, every current row of a referencing table whose key columns
//!   hold no NULL (`MATCH SIMPLE`), or hold no NULL or all NULL (`MATCH FULL`), matches a
//!   current row of the referenced table ([`check`]).
//!
//! Referential actions (`ON DELETE CASCADE`, `SET NULL` ...) are the SQL layer's: it writes
//! the rows they change into the same transaction, and the check above sees the result.

use std::collections::{BTreeMap, HashSet};

use crate::database::{Database, read};
use crate::error::{Error, Result};
use crate::ledger::LedgerOp;
use crate::schema::{Key, Row, TableSchema, project};
use crate::table::Table;
use crate::value::{DataType, Value};

/// What a foreign key does to the referencing rows when a referenced row is deleted or its
/// referenced columns change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum RefAction {
    /// Fail if a referencing row remains when the check runs (the default).
    NoAction,
    /// Fail if a referencing row remains; never deferred.
    Restrict,
    /// Delete the referencing rows, or carry the new values into them.
    Cascade,
    /// Set the referencing columns to NULL.
    SetNull,
    /// Set the referencing columns to their defaults.
    SetDefault,
}

/// `FOREIGN KEY (columns) REFERENCES parent (parent_columns)`.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct ForeignKey {
    pub name: String,
    /// The referencing columns of the constraint's table, by name.
    pub columns: Vec<String>,
    /// The referenced table.
    pub parent: String,
    /// The referenced columns, one per referencing column: the primary key or a unique
    /// constraint's columns of `parent`.
    pub parent_columns: Vec<String>,
    pub on_delete: RefAction,
    pub on_update: RefAction,
    /// `MATCH FULL`: the key columns are all NULL or none is. Otherwise `MATCH SIMPLE`: a
    /// row with a NULL in any key column references nothing.
    pub match_full: bool,
    pub deferrable: bool,
    pub initially_deferred: bool,
}

/// `CHECK (expr)`, kept for the SQL layer, which evaluates it on every row written; the
/// projector never does.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Check {
    pub name: String,
    /// The expression, in SQL text, as written.
    pub expr: String,
    /// The columns it names, as `expr` names them.
    pub written: Vec<String>,
    /// The same columns as they are called now (a rename changes these, not `expr`).
    pub columns: Vec<String>,
}

/// A constraint of a table.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum Constraint {
    ForeignKey(ForeignKey),
    Check(Check),
    /// A foreign key added `NOT VALID`: enforced on every row written from then on, but the
    /// rows there when it was added were not checked. `VALIDATE CONSTRAINT` checks them
    /// and makes it a [`Constraint::ForeignKey`].
    ForeignKeyNotValid(ForeignKey),
    /// A check added `NOT VALID`, likewise.
    CheckNotValid(Check),
    // New variants go last: a variant's position is its tag in records already written.
}

impl Constraint {
    /// The constraint's name.
    pub fn name(&self) -> &str {
        match self {
            Constraint::ForeignKey(fk) | Constraint::ForeignKeyNotValid(fk) => &fk.name,
            Constraint::Check(check) | Constraint::CheckNotValid(check) => &check.name,
        }
    }

    /// The foreign key, validated or not.
    pub fn foreign_key(&self) -> Option<&ForeignKey> {
        match self {
            Constraint::ForeignKey(fk) | Constraint::ForeignKeyNotValid(fk) => Some(fk),
            _ => None,
        }
    }

    /// The check, validated or not.
    pub fn check(&self) -> Option<&Check> {
        match self {
            Constraint::Check(check) | Constraint::CheckNotValid(check) => Some(check),
            _ => None,
        }
    }

    /// Whether the rows there when it was added were checked (every constraint but one
    /// added `NOT VALID` and not validated since).
    pub fn is_validated(&self) -> bool {
        !matches!(
            self,
            Constraint::ForeignKeyNotValid(_) | Constraint::CheckNotValid(_)
        )
    }

    /// The same constraint, validated.
    pub fn validated(self) -> Constraint {
        match self {
            Constraint::ForeignKeyNotValid(fk) => Constraint::ForeignKey(fk),
            Constraint::CheckNotValid(check) => Constraint::Check(check),
            other => other,
        }
    }
}

/// One constraint of one table, and the sequences in which it held.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Held {
    pub table: String,
    pub constraint: Constraint,
    /// The sequence of the record that added it.
    pub from: u64,
    /// The sequence from which it no longer holds (dropped, or its table dropped or
    /// changed under it).
    pub until: Option<u64>,
}

impl Held {
    /// Whether it held at `seq`.
    pub fn held_at(&self, seq: u64) -> bool {
        self.from <= seq && self.until.is_none_or(|u| seq < u)
    }
}

/// Every constraint there has been.
#[derive(Debug, Clone, Default, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Constraints {
    held: Vec<Held>,
}

impl Constraints {
    /// Every constraint, with when it held, oldest first.
    pub fn all(&self) -> &[Held] {
        &self.held
    }

    /// The constraints that held at `seq`, with their tables.
    pub fn at(&self, seq: u64) -> impl Iterator<Item = &Held> {
        self.held.iter().filter(move |h| h.held_at(seq))
    }

    /// The constraints that held at `seq`, as if nothing had happened since.
    pub fn as_of(&self, seq: u64) -> Constraints {
        Constraints {
            held: self
                .at(seq)
                .map(|h| Held {
                    until: None,
                    ..h.clone()
                })
                .collect(),
        }
    }

    /// The current foreign keys, with their (referencing) tables.
    pub fn foreign_keys(&self) -> impl Iterator<Item = (&str, &ForeignKey)> {
        self.current()
            .filter_map(|h| Some((h.table.as_str(), h.constraint.foreign_key()?)))
    }

    /// The current check constraints, with their tables.
    pub fn checks(&self) -> impl Iterator<Item = (&str, &Check)> {
        self.current()
            .filter_map(|h| Some((h.table.as_str(), h.constraint.check()?)))
    }

    /// The current constraint `name` of `table`.
    pub fn named(&self, table: &str, name: &str) -> Option<&Constraint> {
        self.current()
            .find(|h| h.table == table && h.constraint.name() == name)
            .map(|h| &h.constraint)
    }

    /// The current constraints added `NOT VALID` and not validated since, with their
    /// tables.
    pub fn not_validated(&self) -> impl Iterator<Item = (&str, &Constraint)> {
        self.current()
            .filter(|h| !h.constraint.is_validated())
            .map(|h| (h.table.as_str(), &h.constraint))
    }

    /// The current check constraints of `table`.
    pub fn checks_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a Check> {
        self.checks()
            .filter(move |(t, _)| *t == table)
            .map(|(_, check)| check)
    }

    /// When `table`'s newest current check constraint started to hold.
    pub fn newest_check(&self, table: &str) -> Option<u64> {
        self.current()
            .filter(|h| h.table == table && h.constraint.check().is_some())
            .map(|h| h.from)
            .max()
    }

    /// The current foreign keys of `table`.
    pub fn foreign_keys_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a ForeignKey> {
        self.foreign_keys()
            .filter(move |(t, _)| *t == table)
            .map(|(_, fk)| fk)
    }

    /// The current foreign keys that reference `parent`, with their tables.
    pub fn referencing<'a>(
        &'a self,
        parent: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a ForeignKey)> {
        self.foreign_keys()
            .filter(move |(_, fk)| fk.parent == parent)
    }

    fn current(&self) -> impl Iterator<Item = &Held> {
        self.held.iter().filter(|h| h.until.is_none())
    }

    /// Applies ledger operation `op` of record `seq`: a constraint operation, or a table
    /// operation that moves or ends constraints; others change nothing. `old` is the schema
    /// a table had before an `AlterTable` of it (without it, an alter changes nothing).
    pub fn apply(&mut self, seq: u64, op: &LedgerOp, old: Option<&TableSchema>) -> Result<()> {
        match op {
            LedgerOp::AddConstraint { table, constraint } => {
                if self
                    .current()
                    .any(|h| h.table == *table && h.constraint.name() == constraint.name())
                {
                    return Err(Error::InvalidInput(format!(
                        "constraint {:?} of table {table:?} already exists",
                        constraint.name()
                    )));
                }
                self.held.push(Held {
                    table: table.clone(),
                    constraint: constraint.clone(),
                    from: seq,
                    until: None,
                });
            }
            LedgerOp::DropConstraint { table, name } => {
                let found = self
                    .held
                    .iter()
                    .position(|h| {
                        h.until.is_none() && h.table == *table && h.constraint.name() == name
                    })
                    .ok_or_else(|| Error::NotFound {
                        what: "constraint",
                        name: name.clone(),
                    })?;
                self.end(seq, found);
            }
            LedgerOp::DropTable { table } => {
                self.replace(seq, |h| (h.table != *table).then(|| h.clone()));
            }
            LedgerOp::RenameTable { table, to } => self.replace(seq, |h| {
                let mut h = h.clone();
                if h.table == *table {
                    h.table = to.clone();
                }
                if let Constraint::ForeignKey(fk) | Constraint::ForeignKeyNotValid(fk) =
                    &mut h.constraint
                    && fk.parent == *table
                {
                    fk.parent = to.clone();
                }
                Some(h)
            }),
            LedgerOp::AlterTable {
                table,
                schema,
                carry,
                ..
            } => {
                let Some(old) = old else { return Ok(()) };
                // Old column names to new ones; a dropped column maps to nothing.
                let renamed: BTreeMap<&str, &str> = carry
                    .iter()
                    .zip(schema.columns())
                    .filter_map(|(from, column)| {
                        let from = old.columns().get(usize::try_from((*from)?).ok()?)?;
                        Some((from.name.as_str(), column.name.as_str()))
                    })
                    .collect();
                let map = |columns: &[String]| -> Option<Vec<String>> {
                    columns
                        .iter()
                        .map(|c| renamed.get(c.as_str()).map(|n| (*n).to_string()))
                        .collect()
                };
                self.replace(seq, |h| {
                    let mut h = h.clone();
                    let own = h.table == *table;
                    match &mut h.constraint {
                        Constraint::ForeignKey(fk) | Constraint::ForeignKeyNotValid(fk) => {
                            if own {
                                fk.columns = map(&fk.columns)?;
                            }
                            if fk.parent == *table {
                                fk.parent_columns = map(&fk.parent_columns)?;
                            }
                        }
                        Constraint::Check(check) | Constraint::CheckNotValid(check) if own => {
                            check.columns = map(&check.columns)?
                        }
                        Constraint::Check(_) | Constraint::CheckNotValid(_) => {}
                    }
                    Some(h)
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Replaces each current constraint by what `f` makes of it: the same (kept), another
    /// (the old one ends at `seq` and the new one holds from it), or none (it ends).
    fn replace(&mut self, seq: u64, f: impl Fn(&Held) -> Option<Held>) {
        let mut started = Vec::new();
        for i in 0..self.held.len() {
            if self.held[i].until.is_some() {
                continue;
            }
            match f(&self.held[i]) {
                Some(same) if same == self.held[i] => {}
                next => {
                    started.extend(next.map(|h| Held {
                        from: seq,
                        until: None,
                        ..h
                    }));
                    self.end(seq, i);
                }
            }
        }
        self.held.retain(|h| h.until.is_none_or(|u| u > h.from));
        self.held.extend(started);
    }

    /// Ends constraint `i` at `seq`; one that starts there too never held, and goes.
    fn end(&mut self, seq: u64, i: usize) {
        if self.held[i].from == seq {
            self.held.remove(i);
        } else {
            self.held[i].until = Some(seq);
        }
    }
}

/// Which way a foreign key is violated.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    /// A referencing row's key is not in the referenced table.
    NotPresent,
    /// A referenced key that went is still referenced.
    StillReferenced,
    /// `MATCH FULL` and a key with some NULL and some non-NULL columns.
    MixedNulls,
}

/// What [`Error::ForeignKeyViolation`] reports.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKeyError {
    pub violation: Violation,
    /// The constraint and its (referencing) table.
    pub constraint: String,
    pub table: String,
    /// The referenced table.
    pub parent: String,
    /// The columns the key is of (referencing ones for [`Violation::NotPresent`],
    /// referenced ones for [`Violation::StillReferenced`]) and the key's values.
    pub columns: Vec<String>,
    pub values: Vec<Value>,
}

/// A table as a transaction leaves it: its rows before the transaction (`base`, unless the
/// transaction created it or truncated it) under the rows the transaction wrote.
struct After<'a> {
    schema: TableSchema,
    base: Option<std::sync::RwLockReadGuard<'a, Table>>,
    /// Each key the transaction wrote: its final row, `None` for deleted.
    written: BTreeMap<Key, Option<Row>>,
    /// Rows of `base` the transaction truncated away (still there to find old keys).
    truncated: bool,
}

impl After<'_> {
    /// The live base rows, those the transaction wrote left out.
    fn base_rows(&self) -> Result<Vec<&Row>> {
        let (Some(base), false) = (&self.base, self.truncated) else {
            return Ok(Vec::new());
        };
        let Some(now) = base.current_seq() else {
            return Ok(Vec::new());
        };
        Ok(base
            .scan(now)?
            .filter(|v| !self.written.contains_key(&self.schema.key_of(v.row)))
            .map(|v| v.row)
            .collect())
    }

    /// Every row it holds after the transaction.
    fn rows(&self) -> Result<Vec<&Row>> {
        let mut rows = self.base_rows()?;
        rows.extend(self.written.values().flatten());
        Ok(rows)
    }

    /// Whether a row holds `values` in `columns`.
    fn holds(&self, columns: &[usize], values: &[Value]) -> Result<bool> {
        if self
            .written
            .values()
            .flatten()
            .any(|row| project(row, columns) == values)
        {
            return Ok(true);
        }
        let (Some(base), false) = (&self.base, self.truncated) else {
            return Ok(false);
        };
        let unwritten = |key: &Key| !self.written.contains_key(key);
        // By primary key, or by a unique constraint's holder, when the columns are one's.
        let as_set = |cols: &[usize]| {
            let mut cols = cols.to_vec();
            cols.sort_unstable();
            cols
        };
        let wanted = as_set(columns);
        let in_order = |order: &[usize]| -> Option<Vec<Value>> {
            order
                .iter()
                .map(|c| {
                    let i = columns.iter().position(|x| x == c)?;
                    Some(values[i].clone())
                })
                .collect()
        };
        if as_set(self.schema.primary_key()) == wanted {
            let Some(key) = in_order(self.schema.primary_key()) else {
                return Ok(false);
            };
            return Ok(unwritten(&key) && base.get_current(&key).is_some());
        }
        if let Some(unique) = self
            .schema
            .unique()
            .iter()
            .find(|u| as_set(&u.columns) == wanted)
        {
            let Some(ukey) = in_order(&unique.columns) else {
                return Ok(false);
            };
            return Ok(base
                .unique_holder(&unique.name, &ukey)
                .is_some_and(unwritten));
        }
        Ok(self
            .base_rows()?
            .iter()
            .any(|row| project(row, columns) == values))
    }

    /// A row that holds one of `values` in `columns`, if any: its values there.
    fn any_holding(
        &self,
        columns: &[usize],
        values: &HashSet<Vec<Value>>,
    ) -> Result<Option<Vec<Value>>> {
        for row in self.written.values().flatten() {
            let key = project(row, columns);
            if values.contains(&key) {
                return Ok(Some(key));
            }
        }
        // Through an index over exactly these columns when there is one.
        if let (Some(base), false) = (&self.base, self.truncated)
            && let Some(now) = base.current_seq()
            && let Some(index) = self.schema.indexes().iter().find(|i| i.columns == columns)
        {
            for value in values {
                for v in base.index_eq(&index.name, value, now)? {
                    if !self.written.contains_key(&self.schema.key_of(v.row)) {
                        return Ok(Some(value.clone()));
                    }
                }
            }
            return Ok(None);
        }
        Ok(self
            .base_rows()?
            .into_iter()
            .map(|row| project(row, columns))
            .find(|key| values.contains(key)))
    }

    /// The values in `columns` of the rows the transaction removed or changed, as they
    /// were before it.
    fn old_values(&self, columns: &[usize]) -> Result<Vec<Vec<Value>>> {
        let Some(base) = &self.base else {
            return Ok(Vec::new());
        };
        if self.truncated {
            let Some(now) = base.current_seq() else {
                return Ok(Vec::new());
            };
            return Ok(base.scan(now)?.map(|v| project(v.row, columns)).collect());
        }
        Ok(self
            .written
            .keys()
            .filter_map(|key| base.get_current(key))
            .map(|row| project(row, columns))
            .collect())
    }
}

/// Checks the foreign keys `txn` bears on, as it leaves the database `db` is now: those
/// it adds, and those of the tables whose rows it writes on either side. `now` picks the
/// keys to check (the SQL layer leaves deferred ones to `COMMIT`).
pub fn check(db: &Database, ops: &[LedgerOp], now: &dyn Fn(&ForeignKey) -> bool) -> Result<()> {
    let mut constraints = db.constraints().clone();
    let mut added: HashSet<(&str, &str)> = HashSet::new();
    // Any sequence after the last does: the copy only needs the order of events.
    let seq = db.last().map_or(0, |(s, _)| s + 1);
    for op in ops {
        let old = match op {
            LedgerOp::AlterTable { table, .. } => {
                db.table(table).ok().map(|t| read(t).schema().clone())
            }
            _ => None,
        };
        constraints.apply(seq, op, old.as_ref())?;
        // A key added `NOT VALID` leaves the rows there unchecked.
        if let LedgerOp::AddConstraint { table, constraint } = op
            && constraint.is_validated()
        {
            added.insert((table, constraint.name()));
        }
    }
    if constraints.foreign_keys().next().is_none() {
        return Ok(());
    }
    // Only the tables on either side of a key need reading.
    let keyed: HashSet<&str> = constraints
        .foreign_keys()
        .flat_map(|(table, fk)| [table, fk.parent.as_str()])
        .collect();
    let mut views = Views::new(db, ops, &keyed)?;
    if let Some((table, fk)) = constraints
        .foreign_keys()
        .find(|(_, fk)| views.dropped.contains(&fk.parent))
    {
        return Err(Error::InvalidInput(format!(
            "table {:?} is dropped while key {:?} of {table:?} references it",
            fk.parent, fk.name
        )));
    }
    // A key is checked whole when the transaction adds it or alters a table on either side
    // of it (the rows' old values are not at hand through a new schema), unless it was
    // added `NOT VALID` and not validated since.
    let due: Vec<(&str, &ForeignKey, bool)> = constraints
        .foreign_keys()
        .filter(|(_, fk)| now(fk))
        .map(|(table, fk)| {
            let validated = constraints
                .named(table, &fk.name)
                .is_some_and(Constraint::is_validated);
            let whole = added.contains(&(table, fk.name.as_str()))
                || (validated
                    && (views.altered.contains(table) || views.altered.contains(&fk.parent)));
            (table, fk, whole)
        })
        .filter(|(table, fk, whole)| *whole || views.wrote(table) || views.wrote(&fk.parent))
        .collect();
    for (table, fk, _) in &due {
        views.include(table)?;
        views.include(&fk.parent)?;
    }
    for (table, fk, whole) in due {
        check_one(&views, table, fk, whole)?;
    }
    Ok(())
}

/// Checks foreign key `fk` of `table`; `whole`: every referencing row, not only those the
/// transaction wrote (it adds the key, or alters a table on either side of it).
fn check_one(views: &Views<'_>, table: &str, fk: &ForeignKey, whole: bool) -> Result<()> {
    let (child, parent) = (views.get(table)?, views.get(&fk.parent)?);
    let columns = positions(&child.schema, &fk.columns)?;
    let parent_columns = positions(&parent.schema, &fk.parent_columns)?;
    let violation = |violation, columns: &[String], values: Vec<Value>| {
        Error::ForeignKeyViolation(Box::new(ForeignKeyError {
            violation,
            constraint: fk.name.clone(),
            table: table.to_string(),
            parent: fk.parent.clone(),
            columns: columns.to_vec(),
            values,
        }))
    };
    // Each referencing row the transaction wrote (every row, for a whole check) must find
    // its referenced row.
    let referencing: Vec<&Row> = if whole {
        child.rows()?
    } else {
        child.written.values().flatten().collect()
    };
    for row in referencing {
        let key = project(row, &columns);
        let nulls = key.iter().filter(|v| v.is_null()).count();
        if nulls == key.len() || (nulls > 0 && !fk.match_full) {
            continue;
        }
        if nulls > 0 {
            return Err(violation(Violation::MixedNulls, &fk.columns, Vec::new()));
        }
        // As the referenced columns hold it (an `int` may reference a `bigint`); a value
        // they cannot hold is not there.
        let present = match coerce_key(&key, &types_of(&parent.schema, &parent_columns)) {
            Some(wanted) => parent.holds(&parent_columns, &wanted)?,
            None => false,
        };
        if !present {
            return Err(violation(Violation::NotPresent, &fk.columns, key));
        }
    }
    // Each referenced key the transaction took away must no longer be referenced.
    if views.wrote(&fk.parent) && !whole {
        let mut gone = HashSet::new();
        let child_types = types_of(&child.schema, &columns);
        for key in parent.old_values(&parent_columns)? {
            if !key.iter().any(Value::is_null)
                && !parent.holds(&parent_columns, &key)?
                && let Some(as_child) = coerce_key(&key, &child_types)
            {
                gone.insert(as_child);
            }
        }
        if !gone.is_empty()
            && let Some(key) = child.any_holding(&columns, &gone)?
        {
            return Err(violation(
                Violation::StillReferenced,
                &fk.parent_columns,
                key,
            ));
        }
    }
    Ok(())
}

/// The tables a foreign-key check reads, as the transaction leaves them.
struct Views<'a> {
    db: &'a Database,
    tables: BTreeMap<String, After<'a>>,
    /// The tables whose rows the transaction writes.
    written: HashSet<String>,
    /// The tables it drops (and does not create again).
    dropped: HashSet<String>,
    /// The tables it alters.
    altered: HashSet<String>,
}

impl<'a> Views<'a> {
    /// The tables among `keyed` as `ops` leave them.
    fn new(db: &'a Database, ops: &[LedgerOp], keyed: &HashSet<&str>) -> Result<Self> {
        let mut views = Views {
            db,
            tables: BTreeMap::new(),
            written: HashSet::new(),
            dropped: HashSet::new(),
            altered: HashSet::new(),
        };
        for op in ops {
            // The constraints name a renamed table by its new name.
            if let LedgerOp::RenameTable { table, to } = op {
                if keyed.contains(to.as_str()) {
                    views.rename(table, to)?;
                }
                continue;
            }
            let name = op.table();
            if !keyed.contains(name) {
                continue;
            }
            match op {
                LedgerOp::CreateTable(schema) => {
                    views.dropped.remove(name);
                    views.tables.insert(
                        name.to_string(),
                        After {
                            schema: schema.clone(),
                            base: None,
                            written: BTreeMap::new(),
                            truncated: false,
                        },
                    );
                }
                // A new schema over the same rows: read through it from here on, the rows
                // the transaction wrote before it (and the keys it deleted) included.
                LedgerOp::AlterTable {
                    schema,
                    carry,
                    fill,
                    ..
                } => {
                    views.include(name)?;
                    views.altered.insert(name.to_string());
                    let Some(old) = views.tables.remove(name) else {
                        continue;
                    };
                    let mut written: BTreeMap<Key, Option<Row>> = old
                        .written
                        .iter()
                        .filter(|(_, row)| row.is_none())
                        .map(|(key, _)| (key.clone(), None))
                        .collect();
                    for row in old.rows()? {
                        let carried = crate::database::carry_row(row, schema, carry, fill);
                        written.insert(schema.key_of(&carried), Some(carried));
                    }
                    views.tables.insert(
                        name.to_string(),
                        After {
                            schema: schema.clone(),
                            base: None,
                            written,
                            truncated: false,
                        },
                    );
                }
                LedgerOp::DropTable { .. } => {
                    views.tables.remove(name);
                    views.written.remove(name);
                    views.dropped.insert(name.to_string());
                }
                LedgerOp::Upsert { row, .. } => {
                    let view = views.writing(name)?;
                    let key = view.schema.key_of(row);
                    view.written.insert(key, Some(row.clone()));
                }
                LedgerOp::Delete { key, .. } => {
                    views.writing(name)?.written.insert(key.clone(), None);
                }
                LedgerOp::Truncate { .. } => {
                    let view = views.writing(name)?;
                    view.written.clear();
                    view.truncated = true;
                }
                _ => {}
            }
        }
        Ok(views)
    }

    /// `table`, as the transaction has it so far, from here on under the name `to`.
    fn rename(&mut self, table: &str, to: &str) -> Result<()> {
        self.include(table)?;
        let Some(mut view) = self.tables.remove(table) else {
            return Err(Error::Internal(format!("no view of {table:?}")));
        };
        view.schema = view.schema.renamed(to);
        self.tables.insert(to.to_string(), view);
        for set in [&mut self.written, &mut self.altered] {
            if set.remove(table) {
                set.insert(to.to_string());
            }
        }
        self.dropped.insert(table.to_string());
        Ok(())
    }

    /// Whether the transaction writes rows of `table`.
    fn wrote(&self, table: &str) -> bool {
        self.written.contains(table)
    }

    /// `table`'s view, to write rows into.
    fn writing(&mut self, table: &str) -> Result<&mut After<'a>> {
        self.include(table)?;
        self.written.insert(table.to_string());
        self.tables
            .get_mut(table)
            .ok_or_else(|| Error::Internal(format!("no view of {table:?}")))
    }

    /// Makes sure `table` has a view: the table as it is, if the transaction has not
    /// touched it.
    fn include(&mut self, table: &str) -> Result<()> {
        if self.tables.contains_key(table) {
            return Ok(());
        }
        let missing = || Error::NotFound {
            what: "table",
            name: table.to_string(),
        };
        if self.dropped.contains(table) {
            return Err(missing());
        }
        let base = read(self.db.table(table).map_err(|_| missing())?);
        self.tables.insert(
            table.to_string(),
            After {
                schema: base.schema().clone(),
                base: Some(base),
                written: BTreeMap::new(),
                truncated: false,
            },
        );
        Ok(())
    }

    fn get(&self, table: &str) -> Result<&After<'a>> {
        self.tables
            .get(table)
            .ok_or_else(|| Error::Internal(format!("no view of {table:?}")))
    }
}

/// The types of the columns at `positions` of `schema`.
fn types_of<'a>(schema: &'a TableSchema, positions: &[usize]) -> Vec<&'a DataType> {
    positions
        .iter()
        .map(|&p| &schema.columns()[p].data_type)
        .collect()
}

/// `values` as columns of `types` hold them: integers take the column's width (a value the
/// width cannot hold gives `None`: no such row can exist); other values stay as they are.
pub fn coerce_key(values: &[Value], types: &[&DataType]) -> Option<Vec<Value>> {
    values
        .iter()
        .zip(types)
        .map(|(value, data_type)| {
            let wide = match value {
                Value::Int16(v) => i64::from(*v),
                Value::Int32(v) => i64::from(*v),
                Value::Int64(v) => *v,
                other => return Some(other.clone()),
            };
            match data_type {
                DataType::SmallInt => i16::try_from(wide).ok().map(Value::Int16),
                DataType::Int => i32::try_from(wide).ok().map(Value::Int32),
                DataType::BigInt => Some(Value::Int64(wide)),
                _ => Some(value.clone()),
            }
        })
        .collect()
}

/// The positions of `names` in `schema`.
fn positions(schema: &TableSchema, names: &[String]) -> Result<Vec<usize>> {
    names
        .iter()
        .map(|n| {
            schema.column_index(n).ok_or_else(|| {
                Error::InvalidInput(format!(
                    "table {:?} has no column {n:?} for a foreign key",
                    schema.name()
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
