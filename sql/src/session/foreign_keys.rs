//! Foreign keys: their definitions (`REFERENCES`, `FOREIGN KEY`, `ALTER TABLE ... ADD/DROP
//! CONSTRAINT`), the referential actions `DELETE` and `UPDATE` take (`CASCADE`, `SET NULL`,
//! `SET DEFAULT`), and what `DROP TABLE` and `TRUNCATE` do about them.
//!
//! Whether a key holds is the ledger's to check (`driftdb_projector::constraints`): as a
//! statement ends, against the database as it is then with the transaction's writes laid
//! over it (deferred keys wait for `COMMIT`), and once more at `COMMIT`, under the commit
//! lock, so two transactions racing (one deleting a referenced row, the other inserting a
//! reference to it) cannot both commit. The actions here are planned on the statement's
//! snapshot and written into its transaction as ordinary row changes, so they time-travel
//! like any other.

use std::collections::{BTreeMap, HashSet, VecDeque};

use driftdb_projector::constraints::coerce_key;
use driftdb_projector::{
    Constraint, Constraints, DataType, ForeignKey, Key, LedgerOp, RefAction, Row, TableSchema,
    Value,
};
use sqlparser::ast::{self, ConstraintReferenceMatchKind, ReferentialAction};

use super::{Session, Snapshot};
use crate::SqlState;
use crate::error::{Error, Result};
use crate::error::{projector_error, unsupported};
use crate::outcome::{Notice, Outcome};
use crate::schemas::{ident_name, table_name};

/// What `SET CONSTRAINTS` set in a transaction: whether deferrable keys are deferred, for
/// `ALL` and by name (a name wins over `ALL`, the later statement over the earlier).
#[derive(Debug, Clone, Default)]
pub(super) struct Deferral {
    all: Option<bool>,
    named: BTreeMap<String, bool>,
}

/// A row a statement changed: as it was, and as it is (`None`: deleted).
pub(super) type RowChange = (Row, Option<Row>);

/// PostgreSQL's longest identifier, in bytes.
const NAME_MAX: usize = 63;

/// A `REFERENCES` or `FOREIGN KEY` clause as written, its names folded.
#[derive(Debug, Clone)]
pub(super) struct Spec {
    name: Option<String>,
    columns: Vec<String>,
    parent: String,
    parent_columns: Vec<String>,
    on_delete: RefAction,
    on_update: RefAction,
    match_full: bool,
    deferrable: bool,
    initially_deferred: bool,
}

impl Spec {
    /// The clause `fk`; `column` is the column an inline `REFERENCES` follows (whose
    /// `CONSTRAINT name`, if any, is `name`).
    pub(super) fn of(
        fk: &ast::ForeignKeyConstraint,
        column: Option<&str>,
        name: Option<&ast::Ident>,
    ) -> Result<Spec> {
        let action = |a: Option<ReferentialAction>| match a {
            None | Some(ReferentialAction::NoAction) => RefAction::NoAction,
            Some(ReferentialAction::Restrict) => RefAction::Restrict,
            Some(ReferentialAction::Cascade) => RefAction::Cascade,
            Some(ReferentialAction::SetNull) => RefAction::SetNull,
            Some(ReferentialAction::SetDefault) => RefAction::SetDefault,
        };
        let match_full = match fk.match_kind {
            None | Some(ConstraintReferenceMatchKind::Simple) => false,
            Some(ConstraintReferenceMatchKind::Full) => true,
            Some(ConstraintReferenceMatchKind::Partial) => {
                return Err(unsupported("MATCH PARTIAL"));
            }
        };
        let characteristics = fk.characteristics.unwrap_or_default();
        if characteristics.enforced == Some(false) {
            return Err(unsupported("NOT ENFORCED foreign keys"));
        }
        let initially_deferred =
            characteristics.initially == Some(ast::DeferrableInitial::Deferred);
        let deferrable = characteristics.deferrable.unwrap_or(initially_deferred);
        if initially_deferred && !deferrable {
            return Err(Error::Execution {
                message: "constraint declared INITIALLY DEFERRED must be DEFERRABLE".into(),
                sqlstate: SqlState::SYNTAX_ERROR,
            });
        }
        let on_delete = action(fk.on_delete);
        let on_update = action(fk.on_update);
        if deferrable && (on_delete == RefAction::Restrict || on_update == RefAction::Restrict) {
            // PostgreSQL checks RESTRICT at once, whatever the deferral; so does DriftDB.
            return Err(unsupported(
                "a DEFERRABLE foreign key with a RESTRICT action",
            ));
        }
        Ok(Spec {
            name: fk.name.as_ref().or(name).map(ident_name),
            columns: match column {
                Some(column) => vec![column.to_string()],
                None => fk.columns.iter().map(ident_name).collect(),
            },
            parent: table_name(&fk.foreign_table)?,
            parent_columns: fk.referred_columns.iter().map(ident_name).collect(),
            on_delete,
            on_update,
            match_full,
            deferrable,
            initially_deferred,
        })
    }
}

/// Whether a key column of type `a` may reference one of type `b`: the same type, up to
/// integer width, text length and numeric precision.
fn comparable(a: &DataType, b: &DataType) -> bool {
    use DataType as T;
    let family = |t: &DataType| match t {
        T::SmallInt | T::Int | T::BigInt => 1,
        T::Text | T::Varchar(_) | T::Char(_) => 2,
        T::Decimal { .. } => 3,
        _ => 0,
    };
    match (family(a), family(b)) {
        (0, 0) => a == b,
        (x, y) => x == y,
    }
}

impl Session {
    /// Whether `fk` waits for `COMMIT` in the open transaction.
    pub(super) fn is_deferred(&self, fk: &ForeignKey) -> bool {
        let set = self
            .txn
            .as_ref()
            .and_then(|t| t.deferral.named.get(&fk.name).copied().or(t.deferral.all));
        fk.deferrable && set.unwrap_or(fk.initially_deferred)
    }

    /// `SET CONSTRAINTS { ALL | names } { DEFERRED | IMMEDIATE }`: for the rest of the
    /// transaction. `IMMEDIATE` checks the keys it names at once.
    pub(super) fn set_constraints(
        &mut self,
        names: Option<&[String]>,
        deferred: bool,
    ) -> Result<Outcome> {
        if self.txn.as_ref().is_none_or(|t| t.implicit) {
            return Ok(Outcome::command("SET CONSTRAINTS", None).with_notice(
                "WARNING",
                SqlState::NO_ACTIVE_SQL_TRANSACTION,
                "SET CONSTRAINTS can only be used in transaction blocks".to_string(),
            ));
        }
        let snapshot = self.snapshot();
        let constraints = self.constraints_at(&snapshot);
        for name in names.unwrap_or_default() {
            let keys: Vec<&ForeignKey> = constraints
                .foreign_keys()
                .map(|(_, fk)| fk)
                .filter(|fk| fk.name == *name)
                .collect();
            let is_check = constraints.checks().any(|(_, c)| c.name == *name);
            if keys.is_empty() && !is_check {
                return Err(Error::Execution {
                    message: format!("constraint \"{name}\" does not exist"),
                    sqlstate: SqlState::UNDEFINED_OBJECT,
                });
            }
            if is_check || keys.iter().any(|fk| !fk.deferrable) {
                return Err(Error::Execution {
                    message: format!("constraint \"{name}\" is not deferrable"),
                    sqlstate: SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                });
            }
        }
        if let Some(txn) = self.txn.as_mut() {
            match names {
                None => {
                    txn.deferral.all = Some(deferred);
                    txn.deferral.named.clear();
                }
                Some(names) => {
                    for name in names {
                        txn.deferral.named.insert(name.clone(), deferred);
                    }
                }
            }
        }
        if !deferred && let Some(txn) = self.txn.as_ref() {
            let db = self.db.store().read();
            driftdb_projector::constraints::check(&db, &txn.ops, &|fk| !self.is_deferred(fk))
                .map_err(projector_error)?;
        }
        Ok(Outcome::command("SET CONSTRAINTS", None))
    }

    /// The foreign keys as `snapshot` sees them: those that held at its sequence, with the
    /// open transaction's additions and drops.
    pub(super) fn constraints_at(&self, snapshot: &Snapshot) -> Constraints {
        let db = self.db.store().read();
        let mut constraints = match snapshot.seq {
            Some(seq) => db.constraints().as_of(seq),
            None => Constraints::default(),
        };
        drop(db);
        if let Some(txn) = self.txn.as_ref().filter(|t| t.catalog_ops) {
            let next = snapshot.seq.map_or(0, |s| s + 1);
            for op in &txn.ops {
                // Operations the ledger has accepted so far; one that no longer applies
                // here changes nothing the caller could use.
                let _ = constraints.apply(next, op, None);
            }
        }
        constraints
    }

    /// The foreign key `spec` declares on `table` (whose schema is `schema`, perhaps not
    /// created yet), checked against the referenced table; `taken`: the names of the
    /// table's constraints so far, which its name must not repeat.
    pub(super) fn foreign_key(
        &self,
        table: &str,
        schema: &TableSchema,
        spec: Spec,
        snapshot: &Snapshot,
        taken: &mut Vec<String>,
    ) -> Result<ForeignKey> {
        // A hidden row identity is no column a key may name.
        let named = |schema: &TableSchema, column: &str| {
            schema
                .column_index(column)
                .filter(|&c| !schema.columns()[c].is_hidden())
        };
        for column in &spec.columns {
            if named(schema, column).is_none() {
                return Err(Error::Execution {
                    message: format!(
                        "column \"{column}\" referenced in foreign key constraint does not exist"
                    ),
                    sqlstate: SqlState::UNDEFINED_COLUMN,
                });
            }
        }
        let parent = if spec.parent == table {
            schema.clone()
        } else {
            self.schema_at(&spec.parent, snapshot)?
        };
        if spec.parent_columns.is_empty() && parent.row_id().is_some() {
            return Err(Error::Execution {
                message: format!(
                    "there is no primary key for referenced table \"{}\"",
                    spec.parent
                ),
                sqlstate: SqlState::INVALID_FOREIGN_KEY,
            });
        }
        let parent_columns: Vec<String> = if spec.parent_columns.is_empty() {
            parent
                .primary_key()
                .iter()
                .map(|&c| parent.columns()[c].name.clone())
                .collect()
        } else {
            spec.parent_columns.clone()
        };
        let mut referenced = Vec::new();
        for column in &parent_columns {
            referenced.push(named(&parent, column).ok_or_else(|| Error::Execution {
                message: format!(
                    "column \"{column}\" referenced in foreign key constraint does not exist"
                ),
                sqlstate: SqlState::UNDEFINED_COLUMN,
            })?);
        }
        if referenced.len() != spec.columns.len() {
            return Err(Error::Execution {
                message: "number of referencing and referenced columns for foreign key disagree"
                    .into(),
                sqlstate: SqlState::INVALID_FOREIGN_KEY,
            });
        }
        let sorted = |cols: &[usize]| {
            let mut cols = cols.to_vec();
            cols.sort_unstable();
            cols
        };
        let wanted = sorted(&referenced);
        let unique = sorted(parent.primary_key()) == wanted
            || parent.unique().iter().any(|u| sorted(&u.columns) == wanted);
        if !unique {
            return Err(Error::Execution {
                message: format!(
                    "there is no unique constraint matching given keys for referenced table \"{}\"",
                    spec.parent
                ),
                sqlstate: SqlState::INVALID_FOREIGN_KEY,
            });
        }
        let mut base = format!(
            "{}_{}_fkey",
            crate::schemas::own(table),
            spec.columns.join("_")
        );
        base.truncate(NAME_MAX);
        let name = constraint_name(table, spec.name, &base, taken)?;
        for ((column, &p), referenced_name) in
            spec.columns.iter().zip(&referenced).zip(&parent_columns)
        {
            let own = schema
                .column_index(column)
                .map(|c| &schema.columns()[c].data_type);
            if own.is_some_and(|own| !comparable(own, &parent.columns()[p].data_type)) {
                return Err(Error::Execution {
                    message: format!(
                        "foreign key constraint \"{name}\" cannot be implemented: key columns \"{column}\" and \"{referenced_name}\" are of incompatible types"
                    ),
                    sqlstate: SqlState::DATATYPE_MISMATCH,
                });
            }
        }
        Ok(ForeignKey {
            name,
            columns: spec.columns,
            parent: spec.parent,
            parent_columns,
            on_delete: spec.on_delete,
            on_update: spec.on_update,
            match_full: spec.match_full,
            deferrable: spec.deferrable,
            initially_deferred: spec.initially_deferred,
        })
    }

    /// The names a new constraint of `table` may not take: its unique constraints' and
    /// foreign keys'.
    pub(super) fn constraint_names(
        &self,
        table: &str,
        schema: &TableSchema,
        snapshot: &Snapshot,
    ) -> Vec<String> {
        let mut names = vec![format!("{}_pkey", crate::schemas::own(table))];
        names.extend(schema.unique().iter().map(|u| u.name.clone()));
        names.extend(
            self.constraints_at(snapshot)
                .foreign_keys_of(table)
                .map(|fk| fk.name.clone()),
        );
        names.extend(
            self.constraints_at(snapshot)
                .checks_of(table)
                .map(|c| c.name.clone()),
        );
        names
    }

    /// Checks, as a statement of an open transaction ends, the foreign keys that are not
    /// deferred, against the database now with all of the transaction's writes.
    pub(super) fn check_foreign_keys(&self, done: &[LedgerOp], ops: &[LedgerOp]) -> Result<()> {
        // The keys held after the transaction's earlier statements (checked then): only
        // this statement's changes to their tables, or to the keys, can break one.
        let last = self.db.last_sequence();
        let constraints = self.constraints_at(&Snapshot {
            seq: last,
            ..Snapshot::default()
        });
        let keyed = |table: &str| {
            constraints
                .foreign_keys()
                .any(|(child, fk)| child == table || fk.parent == table)
        };
        let matters = |op: &LedgerOp| !op.is_row_change() || keyed(op.table());
        if !ops.iter().any(matters) {
            return Ok(());
        }
        let db = self.db.store().read();
        let all: Vec<LedgerOp> = done.iter().chain(ops).cloned().collect();
        driftdb_projector::constraints::check(&db, &all, &|fk| !self.is_deferred(fk))
            .map_err(projector_error)
    }

    /// `DROP TABLE`: the foreign keys of other tables that reference the `dropping` tables
    /// stop the drop (2BP01), or with `cascade` go first, each with a notice.
    pub(super) fn drop_referencing(
        &self,
        dropping: &[String],
        cascade: bool,
        snapshot: &Snapshot,
        notices: &mut Vec<Notice>,
    ) -> Result<Vec<LedgerOp>> {
        let constraints = self.constraints_at(snapshot);
        let mut ops = Vec::new();
        for table in dropping {
            for (child, fk) in constraints.referencing(table) {
                if dropping.iter().any(|d| d == child) {
                    continue;
                }
                if !cascade {
                    return Err(Error::Execution {
                        message: format!(
                            "cannot drop table {table} because other objects depend on it"
                        ),
                        sqlstate: SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                    });
                }
                notices.push(Notice {
                    severity: "NOTICE",
                    sqlstate: SqlState::SUCCESSFUL_COMPLETION,
                    message: format!("drop cascades to constraint {} on table {child}", fk.name),
                });
                ops.push(LedgerOp::DropConstraint {
                    table: child.to_string(),
                    name: fk.name.clone(),
                });
            }
        }
        Ok(ops)
    }

    /// `TRUNCATE`: a table that other tables reference is truncated only with them (0A000),
    /// or with `cascade` together with every table that references it, transitively; the
    /// tables to truncate, with a notice for each one `cascade` added.
    pub(super) fn truncated_with_references(
        &self,
        tables: Vec<String>,
        cascade: bool,
        snapshot: &Snapshot,
        notices: &mut Vec<Notice>,
    ) -> Result<Vec<String>> {
        let constraints = self.constraints_at(snapshot);
        let mut all = tables;
        let mut i = 0;
        while i < all.len() {
            let referencing: Vec<String> = constraints
                .referencing(&all[i])
                .map(|(child, _)| child.to_string())
                .collect();
            for child in referencing {
                if all.contains(&child) {
                    continue;
                }
                if !cascade {
                    return Err(Error::Execution {
                        message: format!(
                            "cannot truncate a table referenced in a foreign key constraint: table \"{child}\" references \"{}\"; truncate it at the same time, or use TRUNCATE ... CASCADE",
                            all[i]
                        ),
                        sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
                    });
                }
                notices.push(Notice {
                    severity: "NOTICE",
                    sqlstate: SqlState::SUCCESSFUL_COMPLETION,
                    message: format!("truncate cascades to table \"{child}\""),
                });
                all.push(child);
            }
            i += 1;
        }
        Ok(all)
    }

    /// Whether a foreign key with a referential action references `table`: whether a
    /// change to its rows may change others.
    pub(super) fn has_referential_actions(&self, table: &str, snapshot: &Snapshot) -> bool {
        self.constraints_at(snapshot)
            .referencing(table)
            .any(|(_, fk)| acts(fk))
    }

    /// The rows the referential actions of the foreign keys that reference `table` change
    /// when a statement changes `changes` (each row before, and after or `None` if
    /// deleted): `CASCADE` deletes or updates, `SET NULL` and `SET DEFAULT`, followed through
    /// the tables they change in turn. `NO ACTION` and `RESTRICT` keys are left to the
    /// ledger's check.
    pub(super) async fn referential_actions(
        &self,
        table: &str,
        changes: Vec<RowChange>,
        snapshot: &Snapshot,
    ) -> Result<Vec<LedgerOp>> {
        let constraints = self.constraints_at(snapshot);
        if !constraints.foreign_keys().any(|(_, fk)| acts(fk)) || changes.is_empty() {
            return Ok(Vec::new());
        }
        // Rows this statement has changed so far, by table and key: what later rounds see.
        let mut changed: BTreeMap<String, BTreeMap<Key, Option<Row>>> = BTreeMap::new();
        let schema = self.schema_at(table, snapshot)?;
        for (old, new) in &changes {
            let entry = changed.entry(table.to_string()).or_default();
            entry.insert(schema.key_of(old), None);
            if let Some(new) = new {
                entry.insert(schema.key_of(new), Some(new.clone()));
            }
        }
        let mut rounds: VecDeque<(String, Vec<RowChange>)> =
            VecDeque::from([(table.to_string(), changes)]);
        let mut ops = Vec::new();
        while let Some((parent, changes)) = rounds.pop_front() {
            let parent_schema = self.schema_at(&parent, snapshot)?;
            let referencing: Vec<(String, ForeignKey)> = constraints
                .referencing(&parent)
                .filter(|(_, fk)| acts(fk))
                .map(|(child, fk)| (child.to_string(), fk.clone()))
                .collect();
            for (child, fk) in referencing {
                let parent_columns = columns_of(&parent_schema, &fk.parent_columns)?;
                // Old referenced key -> its new value (`None`: the row went).
                let mut gone: BTreeMap<Vec<Value>, Option<Vec<Value>>> = BTreeMap::new();
                for (old, new) in &changes {
                    let key = project(old, &parent_columns);
                    if key.iter().any(Value::is_null) {
                        continue;
                    }
                    let after = new.as_ref().map(|n| project(n, &parent_columns));
                    if after.as_ref() == Some(&key) {
                        continue;
                    }
                    gone.insert(key, after);
                }
                if gone.is_empty() {
                    continue;
                }
                let child_schema = self.schema_at(&child, snapshot)?;
                let columns = columns_of(&child_schema, &fk.columns)?;
                // The keys as the referencing columns hold them (an `int` may reference a
                // `bigint`): a value they cannot hold references nothing, and a new value
                // they cannot hold cannot cascade.
                let child_types: Vec<&DataType> = columns
                    .iter()
                    .map(|&c| &child_schema.columns()[c].data_type)
                    .collect();
                let mut coerced = BTreeMap::new();
                for (old, new) in gone {
                    let Some(old) = coerce_key(&old, &child_types) else {
                        continue;
                    };
                    let new = match new {
                        Some(new) => Some(coerce_key(&new, &child_types).ok_or_else(|| {
                            Error::Execution {
                                message: format!(
                                    "integer out of range for the referencing columns of \"{}\"",
                                    fk.name
                                ),
                                sqlstate: SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                            }
                        })?),
                        None => None,
                    };
                    coerced.insert(old, new);
                }
                let gone = coerced;
                let keys: HashSet<Vec<Value>> = gone.keys().cloned().collect();
                let rows = self.rows_referencing(
                    &child,
                    &child_schema,
                    &columns,
                    &keys,
                    &changed,
                    snapshot,
                )?;
                let mut next = Vec::new();
                for row in rows {
                    let old_key = project(&row, &columns);
                    let Some(after) = gone.get(&old_key) else {
                        continue;
                    };
                    let action = if after.is_some() {
                        fk.on_update
                    } else {
                        fk.on_delete
                    };
                    let new = match (action, after) {
                        (RefAction::NoAction | RefAction::Restrict, _) => continue,
                        (RefAction::Cascade, None) => None,
                        (RefAction::Cascade, Some(values)) => {
                            Some(with_values(&row, &columns, values))
                        }
                        (RefAction::SetNull, _) => {
                            let nulls = vec![Value::Null; columns.len()];
                            Some(with_values(&row, &columns, &nulls))
                        }
                        (RefAction::SetDefault, _) => {
                            let mut defaults = Vec::with_capacity(columns.len());
                            for &c in &columns {
                                defaults
                                    .push(self.default_value(&child_schema.columns()[c]).await?);
                            }
                            Some(with_values(&row, &columns, &defaults))
                        }
                    };
                    let key = child_schema.key_of(&row);
                    let entry = changed.entry(child.clone()).or_default();
                    if entry.get(&key) == Some(&new) {
                        continue;
                    }
                    entry.insert(key.clone(), None);
                    match &new {
                        None => ops.push(LedgerOp::Delete {
                            table: child.clone(),
                            key,
                        }),
                        Some(new_row) => {
                            let new_key = child_schema.key_of(new_row);
                            if new_key != key {
                                ops.push(LedgerOp::Delete {
                                    table: child.clone(),
                                    key,
                                });
                            }
                            entry.insert(new_key, Some(new_row.clone()));
                            ops.push(LedgerOp::Upsert {
                                table: child.clone(),
                                row: new_row.clone(),
                            });
                        }
                    }
                    next.push((row, new));
                }
                if !next.is_empty() {
                    rounds.push_back((child, next));
                }
            }
        }
        Ok(ops)
    }

    /// The rows of `table` as the statement sees them (its snapshot, the transaction's
    /// writes, then the statement's own `changed` rows) that hold one of `keys` in
    /// `columns`.
    fn rows_referencing(
        &self,
        table: &str,
        schema: &TableSchema,
        columns: &[usize],
        keys: &HashSet<Vec<Value>>,
        changed: &BTreeMap<String, BTreeMap<Key, Option<Row>>>,
        snapshot: &Snapshot,
    ) -> Result<Vec<Row>> {
        let own = changed.get(table);
        let overlay = snapshot.overlay.get(table);
        let hidden = |key: &Key| {
            own.is_some_and(|o| o.contains_key(key)) || overlay.is_some_and(|o| o.contains_key(key))
        };
        let holds = |row: &Row| keys.contains(&project(row, columns));
        let mut rows: Vec<Row> = own
            .into_iter()
            .flat_map(|o| o.values().flatten())
            .filter(|row| holds(row))
            .cloned()
            .collect();
        if let Some(overlay) = overlay {
            rows.extend(
                overlay
                    .iter()
                    .filter(|(key, _)| !own.is_some_and(|o| o.contains_key(*key)))
                    .filter_map(|(_, row)| row.as_ref())
                    .filter(|row| holds(row))
                    .cloned(),
            );
        }
        if snapshot.created.contains_key(table) {
            return Ok(rows);
        }
        let Some(seq) = snapshot.seq else {
            return Ok(rows);
        };
        let db = self.db.store().read();
        let shared = db.table_at(table, seq).map_err(projector_error)?;
        let t = driftdb_projector::database::read(shared);
        let index = schema.indexes().iter().find(|i| i.columns == columns);
        match index {
            Some(index) => {
                for key in keys {
                    for v in t.index_eq(&index.name, key, seq).map_err(projector_error)? {
                        if !hidden(&schema.key_of(v.row)) {
                            rows.push(v.row.clone());
                        }
                    }
                }
            }
            None => {
                for v in t.scan(seq).map_err(projector_error)? {
                    if holds(v.row) && !hidden(&schema.key_of(v.row)) {
                        rows.push(v.row.clone());
                    }
                }
            }
        }
        Ok(rows)
    }
}

/// The name of a new constraint of `table`: `given`, or PostgreSQL's `base` numbered past
/// the names in `taken` (the table's constraints so far), which it joins; a given name
/// already there is 42710.
pub(super) fn constraint_name(
    table: &str,
    given: Option<String>,
    base: &str,
    taken: &mut Vec<String>,
) -> Result<String> {
    let name = match given {
        Some(name) if taken.contains(&name) => {
            return Err(Error::Execution {
                message: format!("constraint \"{name}\" for relation \"{table}\" already exists"),
                sqlstate: SqlState::DUPLICATE_OBJECT,
            });
        }
        Some(name) => name,
        None => {
            let mut name = base.to_string();
            let mut n = 1;
            while taken.contains(&name) {
                name = format!("{base}{n}");
                n += 1;
            }
            name
        }
    };
    taken.push(name.clone());
    Ok(name)
}

/// Whether `fk` changes referencing rows itself (rather than leaving them to the check).
fn acts(fk: &ForeignKey) -> bool {
    !matches!(fk.on_delete, RefAction::NoAction | RefAction::Restrict)
        || !matches!(fk.on_update, RefAction::NoAction | RefAction::Restrict)
}

/// The positions of `names` in `schema`.
fn columns_of(schema: &TableSchema, names: &[String]) -> Result<Vec<usize>> {
    names
        .iter()
        .map(|n| {
            schema
                .column_index(n)
                .ok_or_else(|| Error::UndefinedColumn {
                    column: n.clone(),
                    context: format!("a foreign key of {}", schema.name()),
                    position: None,
                })
        })
        .collect()
}

fn project(row: &[Value], columns: &[usize]) -> Vec<Value> {
    columns
        .iter()
        .map(|&c| row.get(c).cloned().unwrap_or(Value::Null))
        .collect()
}

/// `row` with `values` in `columns`.
fn with_values(row: &Row, columns: &[usize], values: &[Value]) -> Row {
    let mut row = row.clone();
    for (&c, v) in columns.iter().zip(values) {
        row[c] = v.clone();
    }
    row
}

/// The constraint op that adds `fk` to `table`.
pub(super) fn add(table: &str, fk: ForeignKey) -> LedgerOp {
    LedgerOp::AddConstraint {
        table: table.to_string(),
        constraint: Constraint::ForeignKey(fk),
    }
}
