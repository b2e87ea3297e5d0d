//! DDL: tables, indexes, columns, `TRUNCATE`, `VACUUM`. Each statement is one ledger record.

use std::collections::BTreeMap;

use driftdb_projector::{
    Column, ColumnDefault, Constraint, DataType, IndexDef, LedgerOp, TableSchema, UniqueConstraint,
    Value,
};
use sqlparser::ast::{
    self, AlterTableOperation, ColumnOption, CreateTable, ObjectName, ObjectType, Statement as Ast,
    TableConstraint,
};

use super::checks::{self, CheckSpec};
use super::foreign_keys::{self, Spec};
use super::{Session, Snapshot, Write, not_supported};
use crate::SqlState;
use crate::column_type::data_type;
use crate::error::{Error, Result};
use crate::error::{projector_error, unsupported};
use crate::outcome::{Notice, Outcome};
use crate::schemas::{ident_name, table_name};
use crate::sequences::{Identity, Kind, Sequence};

impl Session {
    /// Runs a statement that is neither a query nor a row write.
    pub(super) async fn ddl(&mut self, statement: Ast) -> Result<Outcome> {
        let snapshot = self.snapshot();
        let mut notices = Vec::new();
        let write = match statement {
            Ast::CreateTable(create) => match self.create_table(&create, &snapshot).await? {
                Some(write) => write,
                None => {
                    let name = table_name(&create.name)?;
                    return Ok(Outcome::command("CREATE TABLE", None).with_notice(
                        "NOTICE",
                        SqlState::DUPLICATE_TABLE,
                        format!("relation \"{name}\" already exists, skipping"),
                    ));
                }
            },
            Ast::Drop {
                object_type: ObjectType::Table,
                names,
                if_exists,
                cascade,
                ..
            } => {
                let names = names.iter().map(table_name).collect::<Result<Vec<_>>>()?;
                let ops = self.drop_tables(&names, if_exists, cascade, &snapshot, &mut notices)?;
                write(ops, "DROP TABLE")
            }
            Ast::CreateView(create) => match self.create_view(&create, &snapshot).await? {
                Some(write) => write,
                None => {
                    let name = table_name(&create.name)?;
                    return Ok(Outcome::command("CREATE VIEW", None).with_notice(
                        "NOTICE",
                        SqlState::DUPLICATE_TABLE,
                        format!("relation \"{name}\" already exists, skipping"),
                    ));
                }
            },
            Ast::Drop {
                object_type: ObjectType::View,
                names,
                if_exists,
                cascade,
                ..
            } => {
                let names = names.iter().map(table_name).collect::<Result<Vec<_>>>()?;
                let ops = self.drop_views(&names, if_exists, cascade, &snapshot, &mut notices)?;
                write(ops, "DROP VIEW")
            }
            Ast::Comment {
                object_type,
                object_name,
                comment,
                if_exists,
            } => match self.comment_on(object_type, &object_name, comment, &snapshot) {
                Err(Error::UndefinedTable { .. }) if if_exists => write(Vec::new(), "COMMENT"),
                other => other?,
            },
            Ast::CreateSequence {
                temporary,
                if_not_exists,
                name,
                data_type,
                sequence_options,
                owned_by,
            } => {
                if temporary {
                    return Err(unsupported("CREATE TEMPORARY SEQUENCE"));
                }
                let kind = data_type.as_ref().map_or(Ok(Kind::BigInt), Kind::of)?;
                let name = table_name(&name)?;
                if self.relation_exists(&name, &snapshot) {
                    if if_not_exists {
                        return Ok(Outcome::command("CREATE SEQUENCE", None).with_notice(
                            "NOTICE",
                            SqlState::DUPLICATE_TABLE,
                            format!("relation \"{name}\" already exists, skipping"),
                        ));
                    }
                    return Err(Error::Execution {
                        message: format!("relation \"{name}\" already exists"),
                        sqlstate: SqlState::DUPLICATE_TABLE,
                    });
                }
                let mut sequence = Sequence::new(&name, kind, &sequence_options)?;
                sequence.owner = self.sequence_owner(owned_by.as_ref(), &snapshot)?;
                let mut ops = self.sequences_table(&snapshot)?;
                ops.push(sequence.upsert());
                write(ops, "CREATE SEQUENCE")
            }
            Ast::Drop {
                object_type: ObjectType::Sequence,
                names,
                if_exists,
                cascade,
                ..
            } => {
                let names = names.iter().map(table_name).collect::<Result<Vec<_>>>()?;
                let ops =
                    self.drop_sequences(&names, if_exists, cascade, &snapshot, &mut notices)?;
                write(ops, "DROP SEQUENCE")
            }
            // PL/pgSQL is always there in PostgreSQL, so tools ask for it; DriftDB has no
            // other extension.
            Ast::CreateExtension(create) => {
                let name = ident_name(&create.name);
                if name != "plpgsql" {
                    return Err(Error::Execution {
                        message: format!("extension \"{name}\" is not available in DriftDB"),
                        sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
                    });
                }
                if !create.if_not_exists {
                    return Err(Error::Execution {
                        message: format!("extension \"{name}\" already exists"),
                        sqlstate: SqlState::DUPLICATE_OBJECT,
                    });
                }
                return Ok(Outcome::command("CREATE EXTENSION", None).with_notice(
                    "NOTICE",
                    SqlState::DUPLICATE_OBJECT,
                    format!("extension \"{name}\" already exists, skipping"),
                ));
            }
            Ast::CreateIndex(create) => match self.create_index(&create, &snapshot)? {
                Some(write) => write,
                None => return Ok(Outcome::command("CREATE INDEX", None)),
            },
            Ast::Drop {
                object_type: ObjectType::Index,
                names,
                if_exists,
                ..
            } => {
                let mut ops = Vec::new();
                let mut skipped = Vec::new();
                for name in &names {
                    let index = table_name(name)?;
                    match self.table_of_index(&index, &snapshot) {
                        Some(table) => ops.extend(self.drop_index(table, index, &snapshot)?),
                        None if if_exists => skipped.push(index),
                        None => {
                            return Err(Error::Execution {
                                message: format!("index \"{index}\" does not exist"),
                                sqlstate: SqlState::UNDEFINED_OBJECT,
                            });
                        }
                    }
                }
                notices.extend(skipping("index", skipped));
                write(ops, "DROP INDEX")
            }
            Ast::AlterTable(alter) => self.alter_table(&alter, &snapshot, &mut notices).await?,
            Ast::CreateSchema {
                schema_name,
                if_not_exists,
                with: None,
                options: None,
                default_collate_spec: None,
                clone: None,
            } => match self.create_schema(&schema_name, if_not_exists, &snapshot)? {
                Some(write) => write,
                None => {
                    return Ok(Outcome::command("CREATE SCHEMA", None).with_notice(
                        "NOTICE",
                        SqlState::DUPLICATE_SCHEMA,
                        format!("schema \"{schema_name}\" already exists, skipping"),
                    ));
                }
            },
            Ast::AlterSchema(alter) => self.alter_schema(&alter, &snapshot)?,
            Ast::Drop {
                object_type: ObjectType::Schema,
                names,
                if_exists,
                cascade,
                ..
            } => self.drop_schemas(&names, if_exists, cascade, &snapshot, &mut notices)?,
            Ast::Truncate(truncate) => {
                let mut ops = Vec::new();
                let restart = matches!(
                    truncate.identity,
                    Some(ast::TruncateIdentityOption::Restart)
                );
                let mut tables = Vec::new();
                for target in &truncate.table_names {
                    let table = table_name(&target.name)?;
                    self.schema_at(&table, &snapshot)?;
                    tables.push(table);
                }
                let cascade = matches!(truncate.cascade, Some(ast::CascadeOption::Cascade));
                let tables =
                    self.truncated_with_references(tables, cascade, &snapshot, &mut notices)?;
                for table in tables {
                    // RESTART IDENTITY: the sequences its columns own start over, in the
                    // same transaction.
                    // (A hidden row identity's does not: its values name rows in history.)
                    if restart {
                        for name in self
                            .owned_sequences(&table, &snapshot)
                            .into_iter()
                            .filter(|name| !crate::sequences::is_internal(name))
                        {
                            if let Some(sequence) = self.sequence_at(&name, &snapshot) {
                                ops.push(
                                    Sequence {
                                        last_value: sequence.start,
                                        is_called: false,
                                        ..sequence
                                    }
                                    .upsert(),
                                );
                            }
                        }
                    }
                    ops.push(LedgerOp::Truncate { table });
                }
                write(ops, "TRUNCATE TABLE")
            }
            other => return Err(not_supported(&other)),
        };
        let read_seq = snapshot.seq;
        drop(snapshot);
        let mut outcome = self.finish_write(write, read_seq)?;
        outcome.notices.extend(notices);
        Ok(outcome)
    }

    /// The ledger operations of `DROP TABLE names` (stored names): with `cascade`, the
    /// views that read them and the foreign keys that reference them go too; the sequences
    /// their columns own and their comments always do.
    pub(super) fn drop_tables(
        &self,
        names: &[String],
        if_exists: bool,
        cascade: bool,
        snapshot: &Snapshot,
        notices: &mut Vec<Notice>,
    ) -> Result<Vec<LedgerOp>> {
        let mut dropping = Vec::new();
        let views = self.views_at(snapshot);
        for table in names {
            if views.contains_key(table) {
                return Err(Error::Execution {
                    message: format!("\"{table}\" is not a table"),
                    sqlstate: SqlState::WRONG_OBJECT_TYPE,
                });
            }
            if self.schema_at(table, snapshot).is_ok() {
                dropping.push(table.clone());
            }
        }
        let mut ops = self.drop_referencing(&dropping, cascade, snapshot, notices)?;
        // The views that read them go first, with CASCADE.
        let readers = self.with_dependent_views(dropping.clone(), cascade, &views, notices)?;
        ops.extend(
            readers
                .iter()
                .filter(|r| !dropping.contains(r))
                .map(|r| crate::views::View::delete(r)),
        );
        // Their comments (and those of the views going with them) go too.
        for relation in &readers {
            ops.extend(self.forget_comments(relation, None, snapshot));
            ops.extend(self.forget_owner(relation, snapshot));
        }
        let mut skipped = Vec::new();
        for table in names {
            match self.schema_at(table, snapshot) {
                Ok(_) => {
                    // Its SERIAL and identity columns' sequences go with it.
                    for sequence in self.owned_sequences(table, snapshot) {
                        ops.extend(self.forget_owner(&sequence, snapshot));
                        ops.push(Sequence::delete(&sequence));
                    }
                    ops.push(LedgerOp::DropTable {
                        table: table.clone(),
                    });
                }
                Err(_) if if_exists => skipped.push(table.clone()),
                Err(e) => return Err(e),
            }
        }
        notices.extend(skipping("table", skipped));
        Ok(ops)
    }

    /// The ledger operations of `DROP SEQUENCE names` (stored names); a sequence a column
    /// owns goes only with `cascade`.
    pub(super) fn drop_sequences(
        &self,
        names: &[String],
        if_exists: bool,
        cascade: bool,
        snapshot: &Snapshot,
        notices: &mut Vec<Notice>,
    ) -> Result<Vec<LedgerOp>> {
        let mut ops = Vec::new();
        let mut skipped = Vec::new();
        for name in names {
            match self.sequence_at(name, snapshot) {
                Some(sequence) => {
                    if let Some((table, _)) = &sequence.owner
                        && !cascade
                        && self.schema_at(table, snapshot).is_ok()
                    {
                        return Err(Error::Execution {
                            message: format!(
                                "cannot drop sequence {name} because other objects depend on it"
                            ),
                            sqlstate: SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                        });
                    }
                    ops.extend(self.forget_comments(name, None, snapshot));
                    ops.extend(self.forget_owner(name, snapshot));
                    ops.push(Sequence::delete(name));
                }
                None if if_exists => skipped.push(name.clone()),
                None => return Err(Error::UndefinedTable { name: name.clone() }),
            }
        }
        for op in &ops {
            if let LedgerOp::Delete { key, .. } = op
                && let Some(Value::Text(name)) = key.first()
            {
                self.db.sequences().forget(name);
            }
        }
        notices.extend(skipping("sequence", skipped));
        Ok(ops)
    }

    async fn create_table(
        &self,
        create: &CreateTable,
        snapshot: &Snapshot,
    ) -> Result<Option<Write>> {
        if create.query.is_some() {
            return self.create_table_as(create, snapshot).await;
        }
        let definition = table_schema(create, &|table| self.row_id_sequence(table, snapshot))?;
        Ok(self
            .create_defined(definition, create.if_not_exists, snapshot)
            .await?
            .map(|ops| write(ops, "CREATE TABLE")))
    }

    /// The ledger operations that create the table `definition` describes; `None` if a
    /// relation of its name exists and `if_not_exists` says to skip.
    pub(super) async fn create_defined(
        &self,
        definition: TableDefinition,
        if_not_exists: bool,
        snapshot: &Snapshot,
    ) -> Result<Option<Vec<LedgerOp>>> {
        let TableDefinition {
            schema,
            sequences,
            references,
            checks,
        } = definition;
        if self.relation_exists(schema.name(), snapshot) {
            if if_not_exists {
                return Ok(None);
            }
            return Err(Error::Execution {
                message: format!("relation \"{}\" already exists", schema.name()),
                sqlstate: SqlState::DUPLICATE_TABLE,
            });
        }
        let mut ops = Vec::new();
        if !sequences.is_empty() {
            ops.extend(self.sequences_table(snapshot)?);
        }
        for sequence in &sequences {
            if self.relation_exists(&sequence.name, snapshot) {
                return Err(Error::Execution {
                    message: format!("relation \"{}\" already exists", sequence.name),
                    sqlstate: SqlState::DUPLICATE_TABLE,
                });
            }
            ops.push(sequence.upsert());
        }
        // A default that cannot be evaluated is refused now, not at the first INSERT (one
        // that takes a sequence's values is not called: that would take one).
        for column in schema.columns() {
            let owns = sequences
                .iter()
                .any(|s| s.owner.as_ref().is_some_and(|(_, c)| *c == column.name));
            if !owns && !takes_sequence_value(column) {
                self.default_value(column).await?;
            }
        }
        let mut taken = self.constraint_names(schema.name(), &schema, &Snapshot::default());
        let mut keys = Vec::new();
        for spec in references {
            let fk = self.foreign_key(schema.name(), &schema, spec, snapshot, &mut taken)?;
            keys.push(foreign_keys::add(schema.name(), fk));
        }
        for spec in checks {
            let check = checks::check_of(schema.name(), &schema, spec, &mut taken)?;
            keys.push(checks::add(schema.name(), check));
        }
        ops.insert(0, LedgerOp::CreateTable(schema));
        ops.extend(keys);
        Ok(Some(ops))
    }

    fn create_index(
        &self,
        create: &ast::CreateIndex,
        snapshot: &Snapshot,
    ) -> Result<Option<Write>> {
        let table = table_name(&create.table_name)?;
        let schema = self.schema_at(&table, snapshot)?;
        let columns = create
            .columns
            .iter()
            .map(|c| column_position(&schema, &c.column.expr, "CREATE INDEX"))
            .collect::<Result<Vec<_>>>()?;
        let name = match &create.name {
            Some(name) => table_name(name)?,
            None => {
                let names: Vec<&str> = columns
                    .iter()
                    .map(|&c| schema.columns()[c].name.as_str())
                    .collect();
                format!("{}_{}_idx", crate::schemas::own(&table), names.join("_"))
            }
        };
        if self.table_of_index(&name, snapshot).is_some() {
            if create.if_not_exists {
                return Ok(None);
            }
            return Err(Error::Execution {
                message: format!("relation \"{name}\" already exists"),
                sqlstate: SqlState::DUPLICATE_TABLE,
            });
        }
        let index = IndexDef {
            name: name.clone(),
            columns: columns.clone(),
        };
        if !create.unique {
            return Ok(Some(write(
                vec![LedgerOp::CreateIndex { table, index }],
                "CREATE INDEX",
            )));
        }
        // A unique index is a unique constraint of its name (checked on every write, and
        // against the current rows as the ledger takes it) beside a B-tree index of that
        // name for lookups; both go with DROP INDEX.
        Ok(Some(write(
            vec![
                LedgerOp::AddUnique {
                    table: table.clone(),
                    constraint: UniqueConstraint { name, columns },
                },
                LedgerOp::CreateIndex { table, index },
            ],
            "CREATE INDEX",
        )))
    }

    /// `DROP INDEX` of one index: a unique one takes its constraint with it.
    fn drop_index(
        &self,
        table: String,
        index: String,
        snapshot: &Snapshot,
    ) -> Result<Vec<LedgerOp>> {
        let schema = self.schema_at(&table, snapshot)?;
        let mut ops = Vec::new();
        if schema.unique().iter().any(|u| u.name == index) {
            ops.push(LedgerOp::DropUnique {
                table: table.clone(),
                name: index.clone(),
            });
        }
        if schema.indexes().iter().any(|i| i.name == index) {
            ops.push(LedgerOp::DropIndex { table, name: index });
        }
        Ok(ops)
    }

    /// The table that has an index called `index` at the snapshot.
    fn table_of_index(&self, index: &str, snapshot: &Snapshot) -> Option<String> {
        let has = |t: &driftdb_projector::Table| {
            let schema = t.schema();
            schema.indexes().iter().any(|i| i.name == index)
                || schema.unique().iter().any(|u| u.name == index)
        };
        if let Some((name, _)) = snapshot
            .created
            .iter()
            .find(|(_, t)| has(&driftdb_projector::database::read(t)))
        {
            return Some(name.clone());
        }
        let seq = snapshot.seq?;
        let db = self.db.store().read();
        db.table_names_at(seq)
            .into_iter()
            .filter(|n| !snapshot.dropped.contains(*n) && !snapshot.created.contains_key(*n))
            .find_map(|name| {
                let shared = db.table_at(name, seq).ok()?;
                has(&driftdb_projector::database::read(shared)).then(|| name.to_string())
            })
    }

    /// `ALTER TABLE t ADD/DROP/RENAME COLUMN ...`: one new schema, the rows carried over.
    async fn alter_table(
        &self,
        alter: &ast::AlterTable,
        snapshot: &Snapshot,
        notices: &mut Vec<Notice>,
    ) -> Result<Write> {
        let table = table_name(&alter.name)?;
        // `RENAME TO` and `OWNER TO`, of a table, a sequence or a view (PostgreSQL takes
        // those with ALTER TABLE too, as Rails renames a table's key sequence).
        if let [
            operation @ (AlterTableOperation::RenameTable { .. }
            | AlterTableOperation::OwnerTo { .. }),
        ] = alter.operations.as_slice()
        {
            if !self.relation_exists(&table, snapshot) {
                return match alter.if_exists {
                    true => Ok(write(Vec::new(), "ALTER TABLE")),
                    false => Err(Error::UndefinedTable { name: table }),
                };
            }
            return match operation {
                AlterTableOperation::RenameTable {
                    table_name: ast::RenameTableNameKind::To(to) | ast::RenameTableNameKind::As(to),
                } => {
                    let renames = BTreeMap::from([(table, table_name(to)?)]);
                    Ok(write(
                        self.rename_relations(&renames, snapshot)?,
                        "ALTER TABLE",
                    ))
                }
                AlterTableOperation::OwnerTo { new_owner } => {
                    self.owner_to(&table, new_owner, "ALTER TABLE", snapshot)
                }
                _ => Err(unsupported("this ALTER TABLE")),
            };
        }
        let old = match self.schema_at(&table, snapshot) {
            Ok(schema) => schema,
            Err(_) if alter.if_exists => return Ok(write(Vec::new(), "ALTER TABLE")),
            Err(e) => return Err(e),
        };
        let mut columns: Vec<Column> = old.columns().to_vec();
        // For each new column: the old column it takes its values from, or its fill value.
        let mut carry: Vec<Option<u32>> = (0..columns.len()).map(|i| Some(i as u32)).collect();
        let mut fill: Vec<Value> = vec![Value::Null; columns.len()];
        let mut primary_key: Vec<usize> = old.primary_key().to_vec();
        let mut unique: Vec<UniqueConstraint> = old.unique().to_vec();
        let mut indexes: Vec<IndexDef> = old.indexes().to_vec();
        let live_rows = self.rows_in_view(&table, snapshot)?.len();
        // Whether the columns change (a new schema, so a new incarnation), and the
        // constraints added or dropped beside it.
        let mut reshaped = false;
        let mut references: Vec<Spec> = Vec::new();
        let mut check_specs: Vec<CheckSpec> = Vec::new();
        // Added `NOT VALID`: the rows there are not checked.
        let mut unchecked_references: Vec<Spec> = Vec::new();
        let mut unchecked_checks: Vec<CheckSpec> = Vec::new();
        // `VALIDATE CONSTRAINT`: each constraint, validated, added back after its drop.
        let mut validated: Vec<LedgerOp> = Vec::new();
        let mut added_unique: Vec<UniqueConstraint> = Vec::new();
        let mut constraint_ops: Vec<LedgerOp> = Vec::new();
        let mut taken = self.constraint_names(&table, &old, snapshot);
        // The columns of a primary key added to a table that had none, by name (another
        // operation of the statement may move them).
        let mut new_key: Option<Vec<String>> = None;
        for operation in &alter.operations {
            match operation {
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid: true,
                } => match constraint {
                    TableConstraint::ForeignKey(fk) => {
                        unchecked_references.push(Spec::of(fk, None, None)?);
                    }
                    TableConstraint::Check(check) => {
                        unchecked_checks.push(CheckSpec::of(check, None)?);
                    }
                    other => {
                        let kind = match other {
                            TableConstraint::PrimaryKey(_) => "PRIMARY KEY",
                            TableConstraint::Unique(_) => "UNIQUE",
                            _ => "such",
                        };
                        return Err(Error::Execution {
                            message: format!("{kind} constraints cannot be marked NOT VALID"),
                            sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
                        });
                    }
                },
                AlterTableOperation::ValidateConstraint { name } => {
                    let name = ident_name(name);
                    let constraints = self.constraints_at(snapshot);
                    match constraints.named(&table, &name) {
                        Some(constraint) if constraint.is_validated() => {}
                        Some(constraint) => {
                            if let Some(check) = constraint.check() {
                                self.rows_pass(&table, check, snapshot).await?;
                            }
                            // The foreign key's rows are checked as the ledger adds it.
                            constraint_ops.push(LedgerOp::DropConstraint {
                                table: table.clone(),
                                name,
                            });
                            validated.push(LedgerOp::AddConstraint {
                                table: table.clone(),
                                constraint: constraint.clone().validated(),
                            });
                        }
                        None if unique.iter().any(|u| u.name == name)
                            || name == format!("{}_pkey", crate::schemas::own(&table)) =>
                        {
                            return Err(Error::Execution {
                                message: format!(
                                    "constraint \"{name}\" of relation \"{table}\" is not a foreign key or check constraint"
                                ),
                                sqlstate: SqlState::WRONG_OBJECT_TYPE,
                            });
                        }
                        None => {
                            return Err(Error::Execution {
                                message: format!(
                                    "constraint \"{name}\" of relation \"{table}\" does not exist"
                                ),
                                sqlstate: SqlState::UNDEFINED_OBJECT,
                            });
                        }
                    }
                }
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid: false,
                } => {
                    match constraint {
                        TableConstraint::ForeignKey(fk) => {
                            references.push(Spec::of(fk, None, None)?);
                        }
                        TableConstraint::Check(check) => {
                            check_specs.push(CheckSpec::of(check, None)?);
                        }
                        TableConstraint::Unique(u) => {
                            let cols = u
                                .columns
                                .iter()
                                .map(|c| {
                                    let name = match &c.column.expr {
                                        ast::Expr::Identifier(ident) => ident_name(ident),
                                        other => other.to_string(),
                                    };
                                    columns.iter().position(|col| col.name == name).ok_or(
                                        Error::UndefinedColumn {
                                            column: name,
                                            context: format!("ALTER TABLE {table}"),
                                            position: None,
                                        },
                                    )
                                })
                                .collect::<Result<Vec<_>>>()?;
                            let names: Vec<&str> =
                                cols.iter().map(|&c| columns[c].name.as_str()).collect();
                            let name = u.name.as_ref().map_or_else(
                                || {
                                    format!(
                                        "{}_{}_key",
                                        crate::schemas::own(&table),
                                        names.join("_")
                                    )
                                },
                                ident_name,
                            );
                            if taken.contains(&name) {
                                return Err(Error::Execution {
                                    message: format!("relation \"{name}\" already exists"),
                                    sqlstate: SqlState::DUPLICATE_TABLE,
                                });
                            }
                            taken.push(name.clone());
                            added_unique.push(UniqueConstraint {
                                name,
                                columns: cols,
                            });
                        }
                        // A key for a table declared without one: it replaces the hidden row
                        // identity (below, once every operation has named its columns).
                        TableConstraint::PrimaryKey(pk) => {
                            if new_key.is_some() || old.row_id().is_none() {
                                return Err(multiple_primary_keys(&table));
                            }
                            let mut key = Vec::with_capacity(pk.columns.len());
                            for c in &pk.columns {
                                let at = column_position_in(&columns, &c.column.expr, &table)?;
                                if columns[at].is_hidden() {
                                    return Err(system_column("use", &columns[at].name));
                                }
                                key.push(at);
                            }
                            self.rows_can_be_keyed(
                                &table,
                                &columns,
                                &key,
                                (&carry, &fill),
                                snapshot,
                            )?;
                            new_key = Some(key.iter().map(|&k| columns[k].name.clone()).collect());
                        }
                        other => {
                            return Err(unsupported(&format!("ALTER TABLE ... ADD {other}")));
                        }
                    }
                }
                AlterTableOperation::DropConstraint {
                    if_exists,
                    name,
                    drop_behavior,
                } => {
                    let name = ident_name(name);
                    let cascade = matches!(drop_behavior, Some(ast::DropBehavior::Cascade));
                    let constraints = self.constraints_at(snapshot);
                    if constraints
                        .foreign_keys_of(&table)
                        .any(|fk| fk.name == name)
                        || constraints.checks_of(&table).any(|c| c.name == name)
                    {
                        constraint_ops.push(LedgerOp::DropConstraint {
                            table: table.clone(),
                            name,
                        });
                    } else if let Some(u) = unique.iter().position(|u| u.name == name) {
                        let mut held: Vec<String> = unique[u]
                            .columns
                            .iter()
                            .map(|&c| columns[c].name.clone())
                            .collect();
                        held.sort();
                        for (child, fk) in constraints.referencing(&table) {
                            let mut referenced = fk.parent_columns.clone();
                            referenced.sort();
                            if referenced != held {
                                continue;
                            }
                            if !cascade {
                                return Err(Error::Execution {
                                    message: format!(
                                        "cannot drop constraint {name} on table {table} because other objects depend on it"
                                    ),
                                    sqlstate: SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                                });
                            }
                            constraint_ops.push(LedgerOp::DropConstraint {
                                table: child.to_string(),
                                name: fk.name.clone(),
                            });
                        }
                        unique.remove(u);
                        constraint_ops.push(LedgerOp::DropUnique {
                            table: table.clone(),
                            name: name.clone(),
                        });
                        if let Some(i) = indexes.iter().position(|i| i.name == name) {
                            indexes.remove(i);
                            constraint_ops.push(LedgerOp::DropIndex {
                                table: table.clone(),
                                name,
                            });
                        }
                    } else if name == format!("{}_pkey", crate::schemas::own(&table)) {
                        return Err(unsupported(
                            "dropping a primary key: rows are versioned by their key",
                        ));
                    } else if *if_exists {
                        notices.push(Notice {
                            severity: "NOTICE",
                            sqlstate: SqlState::SUCCESSFUL_COMPLETION,
                            message: format!(
                                "constraint \"{name}\" of relation \"{table}\" does not exist, skipping"
                            ),
                        });
                    } else {
                        return Err(Error::Execution {
                            message: format!(
                                "constraint \"{name}\" of relation \"{table}\" does not exist"
                            ),
                            sqlstate: SqlState::UNDEFINED_OBJECT,
                        });
                    }
                }
                AlterTableOperation::AddColumn {
                    if_not_exists,
                    column_def,
                    ..
                } => {
                    let name = ident_name(&column_def.name);
                    if columns.iter().any(|c| c.name == name && c.is_hidden()) {
                        return Err(system_name(&name));
                    }
                    if columns.iter().any(|c| c.name == name) {
                        if *if_not_exists {
                            continue;
                        }
                        return Err(Error::Execution {
                            message: format!(
                                "column \"{name}\" of relation \"{table}\" already exists"
                            ),
                            sqlstate: SqlState::DUPLICATE_COLUMN,
                        });
                    }
                    let ColumnDefinition {
                        column,
                        key: is_key,
                        unique: is_unique,
                        owned,
                        references: column_references,
                        checks: column_checks,
                    } = column_of(column_def)?;
                    references.extend(column_references);
                    if !column_checks.is_empty() && column.default.is_some() && live_rows > 0 {
                        return Err(unsupported(
                            "adding a column with both a DEFAULT and a CHECK to a table with rows",
                        ));
                    }
                    check_specs.extend(column_checks);
                    reshaped = true;
                    if owned.is_some() {
                        return Err(unsupported(
                            "adding a SERIAL or identity column to an existing table",
                        ));
                    }
                    if is_key {
                        return Err(unsupported("adding a PRIMARY KEY column"));
                    }
                    let value = self.default_value(&column).await?;
                    if !column.nullable && value.is_null() && live_rows > 0 {
                        return Err(Error::NotNullViolation { column: name });
                    }
                    if is_unique {
                        unique.push(UniqueConstraint {
                            name: format!("{}_{name}_key", crate::schemas::own(&table)),
                            columns: vec![columns.len()],
                        });
                    }
                    columns.push(column);
                    carry.push(None);
                    fill.push(value);
                }
                AlterTableOperation::DropColumn {
                    column_names,
                    if_exists,
                    ..
                } => {
                    for ident in column_names {
                        let name = ident_name(ident);
                        let Some(at) = columns.iter().position(|c| c.name == name) else {
                            if *if_exists {
                                continue;
                            }
                            return Err(Error::UndefinedColumn {
                                column: name,
                                context: format!("ALTER TABLE {table}"),
                                position: None,
                            });
                        };
                        if columns[at].is_hidden() {
                            return Err(system_column("drop", &name));
                        }
                        if primary_key.contains(&at) {
                            return Err(unsupported(&format!(
                                "dropping primary-key column \"{name}\": rows are versioned by their key"
                            )));
                        }
                        // Foreign keys of this table over the column go with it; those of
                        // other tables that reference it only with CASCADE.
                        let cascade = matches!(
                            operation,
                            AlterTableOperation::DropColumn {
                                drop_behavior: Some(ast::DropBehavior::Cascade),
                                ..
                            }
                        );
                        let constraints = self.constraints_at(snapshot);
                        if let Some((child, fk)) =
                            constraints.referencing(&table).find(|(child, fk)| {
                                *child != table && fk.parent_columns.contains(&name)
                            })
                            && !cascade
                        {
                            return Err(Error::Execution {
                                message: format!(
                                    "cannot drop column {name} of table {table} because other objects depend on it (constraint {} on table {child})",
                                    fk.name
                                ),
                                sqlstate: SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                            });
                        }
                        reshaped = true;
                        constraint_ops.extend(self.forget_comments(&table, Some(&name), snapshot));
                        columns.remove(at);
                        carry.remove(at);
                        fill.remove(at);
                        // Indexes and constraints over the column go with it, as in
                        // PostgreSQL; the others shift.
                        let shift = |c: &usize| if *c > at { c - 1 } else { *c };
                        indexes.retain(|i| !i.columns.contains(&at));
                        for i in &mut indexes {
                            i.columns = i.columns.iter().map(shift).collect();
                        }
                        unique.retain(|u| !u.columns.contains(&at));
                        for u in &mut unique {
                            u.columns = u.columns.iter().map(shift).collect();
                        }
                        primary_key = primary_key
                            .iter()
                            .map(|&c| if c > at { c - 1 } else { c })
                            .collect();
                    }
                }
                AlterTableOperation::AlterColumn { column_name, op } => {
                    let name = ident_name(column_name);
                    let Some(at) = columns.iter().position(|c| c.name == name) else {
                        return Err(Error::Execution {
                            message: format!(
                                "column \"{name}\" of relation \"{table}\" does not exist"
                            ),
                            sqlstate: SqlState::UNDEFINED_COLUMN,
                        });
                    };
                    if columns[at].is_hidden() {
                        return Err(system_column("alter", &name));
                    }
                    reshaped = true;
                    match op {
                        ast::AlterColumnOperation::SetNotNull => {
                            if self.has_nulls(&table, &name, snapshot).await? {
                                return Err(Error::Execution {
                                    message: format!(
                                        "column \"{name}\" of relation \"{table}\" contains null values"
                                    ),
                                    sqlstate: SqlState::NOT_NULL_VIOLATION,
                                });
                            }
                            columns[at].nullable = false;
                        }
                        ast::AlterColumnOperation::DropNotNull => {
                            if primary_key.contains(&at) {
                                return Err(Error::Execution {
                                    message: format!("column \"{name}\" is in a primary key"),
                                    sqlstate: SqlState::INVALID_TABLE_DEFINITION,
                                });
                            }
                            columns[at].nullable = true;
                        }
                        ast::AlterColumnOperation::SetDefault { value } => {
                            let mut column = columns[at].clone();
                            column.default = Some(ColumnDefault::Expr(value.to_string()));
                            // A default that cannot be evaluated is refused now (one that
                            // takes a sequence's values is not called: that would take one).
                            if !takes_sequence_value(&column) {
                                self.default_value(&column).await?;
                            }
                            columns[at] = column;
                        }
                        ast::AlterColumnOperation::DropDefault => columns[at].default = None,
                        ast::AlterColumnOperation::SetDataType {
                            data_type: new_type,
                            using,
                            ..
                        } => {
                            let to = data_type(new_type)?;
                            let from = &columns[at].data_type;
                            let keeps_values = same_values(from, &to) || widens(from, &to);
                            let plain = using.as_ref().is_none_or(|u| reads_only(u, &name));
                            if !keeps_values || !plain {
                                return Err(unsupported(&format!(
                                    "ALTER COLUMN {name} TYPE {new_type}: only a change that keeps every value exactly (another length or precision; integers to wider integers or to numeric; real to double precision), with no USING but the column itself"
                                )));
                            }
                            // The rows there must fit (22001, 22003); the ledger converts
                            // them and checks them against the new schema.
                            // An identity column's sequence takes the new type too.
                            let kind = match to {
                                DataType::SmallInt => Some(Kind::SmallInt),
                                DataType::Int => Some(Kind::Int),
                                DataType::BigInt => Some(Kind::BigInt),
                                _ => None,
                            };
                            if let Some(kind) = kind {
                                for sequence in self
                                    .owned_sequences(&table, snapshot)
                                    .iter()
                                    .filter_map(|s| self.sequence_at(s, snapshot))
                                    .filter(|s| {
                                        s.identity.is_some()
                                            && s.owner.as_ref().is_some_and(|(_, c)| *c == name)
                                    })
                                {
                                    constraint_ops.push(sequence.retyped(kind).upsert());
                                }
                            }
                            columns[at].data_type = to;
                        }
                        ast::AlterColumnOperation::AddGenerated { .. } => {
                            return Err(unsupported(
                                "ALTER COLUMN ... ADD GENERATED on an existing column",
                            ));
                        }
                    }
                }
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    let from = ident_name(old_column_name);
                    let to = ident_name(new_column_name);
                    refuse_pseudo_column(&to)?;
                    reshaped = true;
                    for column in columns.iter().filter(|c| c.is_hidden()) {
                        if column.name == from {
                            return Err(system_column("rename", &from));
                        }
                        if column.name == to {
                            return Err(system_name(&to));
                        }
                    }
                    if columns.iter().any(|c| c.name == to) {
                        return Err(Error::Execution {
                            message: format!(
                                "column \"{to}\" of relation \"{table}\" already exists"
                            ),
                            sqlstate: SqlState::DUPLICATE_COLUMN,
                        });
                    }
                    let column = columns.iter_mut().find(|c| c.name == from).ok_or_else(|| {
                        Error::UndefinedColumn {
                            column: from.clone(),
                            context: format!("ALTER TABLE {table}"),
                            position: None,
                        }
                    })?;
                    constraint_ops.extend(self.move_comments(
                        &table,
                        &table,
                        Some((&from, &to)),
                        snapshot,
                    ));
                    column.name = to;
                }
                other => {
                    return Err(unsupported(&format!("ALTER TABLE ... {other}")));
                }
            }
        }
        let mut ops = Vec::new();
        if let Some(names) = new_key {
            // The key's columns become NOT NULL, and the hidden row identity goes, with the
            // sequence it drew from; positions after it move down one.
            let row_id = columns
                .iter()
                .position(Column::is_hidden)
                .ok_or_else(|| multiple_primary_keys(&table))?;
            let key = names
                .into_iter()
                .map(|name| {
                    columns.iter().position(|c| c.name == name).ok_or_else(|| {
                        Error::UndefinedColumn {
                            column: name,
                            context: format!("ALTER TABLE {table}"),
                            position: None,
                        }
                    })
                })
                .collect::<Result<Vec<usize>>>()?;
            if let Some(ColumnDefault::RowId(sequence)) = &columns[row_id].default {
                constraint_ops.push(Sequence::delete(sequence));
            }
            for &k in &key {
                columns[k].nullable = false;
            }
            columns.remove(row_id);
            carry.remove(row_id);
            fill.remove(row_id);
            let shift = |p: &mut usize| {
                if *p > row_id {
                    *p -= 1;
                }
            };
            primary_key = key;
            primary_key.iter_mut().for_each(shift);
            for u in unique.iter_mut().chain(added_unique.iter_mut()) {
                u.columns.iter_mut().for_each(shift);
            }
            for i in &mut indexes {
                i.columns.iter_mut().for_each(shift);
            }
            reshaped = true;
        }
        if reshaped {
            unique.extend(added_unique);
        } else {
            ops.extend(
                added_unique
                    .into_iter()
                    .map(|constraint| LedgerOp::AddUnique {
                        table: table.clone(),
                        constraint,
                    }),
            );
        }
        let schema =
            TableSchema::new(&table, columns, primary_key, unique, indexes).map_err(|e| {
                Error::InvalidTableDefinition {
                    message: e.to_string(),
                    position: None,
                }
            })?;
        let mut keys = Vec::new();
        for spec in references {
            let fk = self.foreign_key(&table, &schema, spec, snapshot, &mut taken)?;
            keys.push(foreign_keys::add(&table, fk));
        }
        for spec in check_specs {
            let check = checks::check_of(&table, &schema, spec, &mut taken)?;
            // The rows there must pass it (those of a new column hold NULL, which passes).
            if check.columns.iter().all(|c| old.column_index(c).is_some()) {
                self.rows_pass(&table, &check, snapshot).await?;
            }
            keys.push(checks::add(&table, check));
        }
        for spec in unchecked_references {
            let fk = self.foreign_key(&table, &schema, spec, snapshot, &mut taken)?;
            keys.push(LedgerOp::AddConstraint {
                table: table.clone(),
                constraint: Constraint::ForeignKeyNotValid(fk),
            });
        }
        for spec in unchecked_checks {
            let check = checks::check_of(&table, &schema, spec, &mut taken)?;
            keys.push(LedgerOp::AddConstraint {
                table: table.clone(),
                constraint: Constraint::CheckNotValid(check),
            });
        }
        keys.extend(validated);
        ops.extend(constraint_ops);
        if reshaped {
            ops.insert(
                0,
                LedgerOp::AlterTable {
                    table,
                    schema,
                    carry,
                    fill,
                },
            );
        }
        ops.extend(keys);
        Ok(write(ops, "ALTER TABLE"))
    }

    /// Whether the rows of `table` in the snapshot can take a primary key over `key`
    /// (positions in `columns`, which the rows become through `carry` and `fill`): no NULL
    /// in a key column (23502) and no key twice (23505), PostgreSQL's errors for each. The
    /// ledger checks the same when the change commits, against rows written meanwhile.
    fn rows_can_be_keyed(
        &self,
        table: &str,
        columns: &[Column],
        key: &[usize],
        (carry, fill): (&[Option<u32>], &[Value]),
        snapshot: &Snapshot,
    ) -> Result<()> {
        let keys: Vec<Vec<Value>> = self
            .rows_in_view(table, snapshot)?
            .into_iter()
            .map(|row| {
                key.iter()
                    .map(|&k| match carry[k] {
                        Some(j) => row.get(j as usize).cloned().unwrap_or(Value::Null),
                        None => fill[k].clone(),
                    })
                    .collect()
            })
            .collect();
        // PostgreSQL builds the index (NULLs never collide) before it checks for NULLs.
        let mut seen = std::collections::HashSet::new();
        for values in keys.iter().filter(|k| !k.iter().any(Value::is_null)) {
            if !seen.insert(values) {
                let names: Vec<&str> = key.iter().map(|&k| columns[k].name.as_str()).collect();
                let shown: Vec<String> = values.iter().map(crate::error::key_text).collect();
                return Err(Error::DuplicateKeys {
                    message: format!(
                        "could not create unique index \"{}_pkey\"",
                        crate::schemas::own(table)
                    ),
                    detail: format!(
                        "Key ({})=({}) is duplicated.",
                        names.join(", "),
                        shown.join(", ")
                    ),
                });
            }
        }
        for (i, &k) in key.iter().enumerate() {
            if keys.iter().any(|values| values[i].is_null()) {
                return Err(Error::Execution {
                    message: format!(
                        "column \"{}\" of relation \"{table}\" contains null values",
                        columns[k].name
                    ),
                    sqlstate: SqlState::NOT_NULL_VIOLATION,
                });
            }
        }
        Ok(())
    }

    /// `VACUUM [t]`: under a history retention, drops the history older than it (reads
    /// before the new horizon fail from then on); then writes a checkpoint, so a restart
    /// replays only what came after.
    pub(super) async fn vacuum(&mut self, table: Option<&ObjectName>) -> Result<Outcome> {
        let store = std::sync::Arc::clone(self.db.store());
        let names: Vec<String> = match table {
            Some(name) => {
                let name = table_name(name)?;
                self.schema_at(&name, &self.snapshot())?;
                vec![name]
            }
            None => store
                .read()
                .table_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        let now = driftdb_log::Clock::now_micros(&driftdb_log::SystemClock);
        let mut ops = Vec::new();
        for name in names {
            let (retention, current, horizon) = {
                let db = store.read();
                let incarnation = db
                    .incarnation_at(&name, u64::MAX)
                    .map_err(projector_error)?;
                let t = driftdb_projector::database::read(&incarnation.table);
                (incarnation.history_retention, t.current_seq(), t.horizon())
            };
            let (Some(retention), Some(current)) = (retention, current) else {
                continue;
            };
            // Every point at or after now - retention must stay readable: the horizon is
            // the sequence such a point resolves to.
            let Ok(oldest_kept) = store.seq_at_time(now.saturating_sub(retention)) else {
                continue;
            };
            let target = oldest_kept.min(current);
            if target > horizon {
                ops.push(LedgerOp::Vacuum {
                    table: name,
                    horizon: target,
                });
            }
        }
        let seq = if ops.is_empty() {
            None
        } else {
            Some(
                crate::blocking(|| store.commit(driftdb_projector::Transaction { ops }, None, &[]))
                    .map_err(projector_error)?
                    .seq,
            )
        };
        store.checkpoint().map_err(projector_error)?;
        Ok(Outcome::command("VACUUM", seq))
    }
}

/// `DROP ... IF EXISTS` of missing names: PostgreSQL's notice for each.
fn skipping(what: &str, names: Vec<String>) -> impl Iterator<Item = Notice> + '_ {
    names.into_iter().map(move |name| Notice {
        severity: "NOTICE",
        sqlstate: SqlState::SUCCESSFUL_COMPLETION,
        message: format!("{what} \"{name}\" does not exist, skipping"),
    })
}

fn write(ops: Vec<LedgerOp>, tag: &str) -> Write {
    Write {
        ops,
        tag: tag.into(),
        rows: None,
    }
}

/// The position of the column an index or key names.
fn column_position(schema: &TableSchema, expr: &ast::Expr, context: &str) -> Result<usize> {
    let name = match expr {
        ast::Expr::Identifier(ident) => ident_name(ident),
        other => return Err(unsupported(&format!("{context} on the expression {other}"))),
    };
    schema
        .column_index(&name)
        .ok_or_else(|| Error::UndefinedColumn {
            column: name,
            context: context.to_string(),
            position: None,
        })
}

/// The sequence a `SERIAL` or identity column takes its values from.
pub(crate) struct Owned {
    kind: Kind,
    identity: Option<Identity>,
    options: Vec<ast::SequenceOptions>,
}

/// A column definition as written.
struct ColumnDefinition {
    column: Column,
    /// Declared `PRIMARY KEY`.
    key: bool,
    /// Declared `UNIQUE`.
    unique: bool,
    /// The sequence it owns if it is `SERIAL` or an identity column.
    owned: Option<Owned>,
    /// Its `REFERENCES` clauses.
    references: Vec<Spec>,
    /// Its `CHECK` clauses.
    checks: Vec<CheckSpec>,
}

/// A `CREATE TABLE` as written: the schema, the sequences its `SERIAL` and identity
/// columns own (`<table>_<column>_seq`), and its foreign keys and checks, to resolve.
pub(super) struct TableDefinition {
    pub(super) schema: TableSchema,
    pub(super) sequences: Vec<Sequence>,
    references: Vec<Spec>,
    checks: Vec<CheckSpec>,
}

impl TableDefinition {
    /// A table of plain `columns` and no key of its own (`CREATE TABLE ... AS`): it gets a
    /// hidden row identity, whose sequence `row_ids` names.
    pub(super) fn of_columns(
        table: &str,
        mut columns: Vec<Column>,
        row_ids: String,
    ) -> Result<TableDefinition> {
        let (column, sequence) = row_identity(&columns, table, row_ids)?;
        columns.push(column);
        let key = vec![columns.len() - 1];
        let schema = TableSchema::new(table, columns, key, Vec::new(), Vec::new())
            .map_err(invalid_definition)?;
        Ok(TableDefinition {
            schema,
            sequences: vec![sequence],
            references: Vec::new(),
            checks: Vec::new(),
        })
    }
}

/// A column definition: the column, its keys, its sequence and its references.
fn column_of(def: &ast::ColumnDef) -> Result<ColumnDefinition> {
    refuse_pseudo_column(&ident_name(&def.name))?;
    let serial = Kind::of_serial(&def.data_type);
    let data_type = match serial {
        Some(kind) => kind.column_type(),
        None => data_type(&def.data_type)?,
    };
    let mut column = Column::new(ident_name(&def.name), data_type, serial.is_none());
    let mut owned = serial.map(|kind| Owned {
        kind,
        identity: None,
        options: Vec::new(),
    });
    let (mut key, mut unique) = (false, false);
    let mut references = Vec::new();
    let mut checks = Vec::new();
    for option in &def.options {
        match &option.option {
            ColumnOption::ForeignKey(fk) => {
                references.push(Spec::of(fk, Some(&column.name), option.name.as_ref())?);
            }
            ColumnOption::Check(check) => {
                let mut spec = CheckSpec::of(check, Some(&column.name))?;
                spec.name = spec.name.or_else(|| option.name.as_ref().map(ident_name));
                checks.push(spec);
            }
            ColumnOption::NotNull => column.nullable = false,
            ColumnOption::Null => {}
            ColumnOption::PrimaryKey(_) => key = true,
            ColumnOption::Unique(_) => unique = true,
            ColumnOption::Default(_) if owned.is_some() => {
                return Err(Error::Execution {
                    message: format!(
                        "multiple default values specified for column \"{}\"",
                        column.name
                    ),
                    sqlstate: SqlState::SYNTAX_ERROR,
                });
            }
            ColumnOption::Default(expr) => {
                column.default = Some(ColumnDefault::Expr(expr.to_string()));
            }
            ColumnOption::Generated {
                generated_as: generated @ (ast::GeneratedAs::Always | ast::GeneratedAs::ByDefault),
                sequence_options,
                generation_expr: None,
                ..
            } if serial.is_none() && column.default.is_none() => {
                owned = Some(Owned {
                    kind: Kind::of(&def.data_type)?,
                    identity: Some(match generated {
                        ast::GeneratedAs::Always => Identity::Always,
                        _ => Identity::ByDefault,
                    }),
                    options: sequence_options.clone().unwrap_or_default(),
                });
                column.nullable = false;
            }
            other => return Err(unsupported(&format!("column option {other}"))),
        }
    }
    Ok(ColumnDefinition {
        column,
        key,
        unique,
        owned,
        references,
        checks,
    })
}

/// Whether `column`'s default takes a sequence's value (`nextval(...)`): evaluating it to
/// check it would use one up.
fn takes_sequence_value(column: &Column) -> bool {
    matches!(&column.default, Some(ColumnDefault::Expr(text)) if text.to_lowercase().contains("nextval("))
}

/// The `DEFAULT` of a column that takes its values from sequence `name`, as PostgreSQL
/// writes it.
fn nextval_default(name: &str) -> ColumnDefault {
    let literal = crate::schemas::written(name).replace('\'', "''");
    ColumnDefault::Expr(format!("nextval('{literal}'::regclass)"))
}

/// The projector schema of a `CREATE TABLE` (standard or legacy form) and what it declares
/// beside it. A table declared without a primary key gets a hidden row identity, whose
/// sequence `row_ids` names.
fn table_schema(create: &CreateTable, row_ids: &dyn Fn(&str) -> String) -> Result<TableDefinition> {
    let name = table_name(&create.name)?;
    let mut columns = Vec::new();
    let mut primary_key: Vec<usize> = Vec::new();
    let mut unique = Vec::new();
    let mut indexes = Vec::new();
    let mut sequences = Vec::new();
    let mut references = Vec::new();
    let mut checks = Vec::new();
    for (i, def) in create.columns.iter().enumerate() {
        let ColumnDefinition {
            mut column,
            key,
            unique: is_unique,
            owned,
            references: column_references,
            checks: column_checks,
        } = column_of(def)?;
        references.extend(column_references);
        checks.extend(column_checks);
        if let Some(owned) = owned {
            let sequence_name = format!("{name}_{}_seq", column.name);
            let mut sequence = Sequence::new(&sequence_name, owned.kind, &owned.options)?;
            sequence.owner = Some((name.clone(), column.name.clone()));
            sequence.identity = owned.identity;
            column.default = Some(nextval_default(&sequence_name));
            sequences.push(sequence);
        }
        if key {
            if !primary_key.is_empty() {
                return Err(multiple_primary_keys(&name));
            }
            primary_key.push(i);
        }
        if is_unique {
            unique.push(UniqueConstraint {
                name: format!("{}_{}_key", crate::schemas::own(&name), column.name),
                columns: vec![i],
            });
        }
        columns.push(column);
    }
    let find = |expr: &ast::Expr| -> Result<usize> {
        let ident = match expr {
            ast::Expr::Identifier(ident) => ident_name(ident),
            other => other.to_string(),
        };
        columns
            .iter()
            .position(|c: &Column| c.name == ident)
            .ok_or_else(|| Error::UndefinedColumn {
                column: ident.clone(),
                context: format!("CREATE TABLE {name}"),
                position: None,
            })
    };
    for constraint in &create.constraints {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                if !primary_key.is_empty() {
                    return Err(multiple_primary_keys(&name));
                }
                primary_key = pk
                    .columns
                    .iter()
                    .map(|c| find(&c.column.expr))
                    .collect::<Result<_>>()?;
            }
            TableConstraint::Unique(u) => {
                let cols = u
                    .columns
                    .iter()
                    .map(|c| find(&c.column.expr))
                    .collect::<Result<Vec<_>>>()?;
                let names: Vec<&str> = cols.iter().map(|&c| columns[c].name.as_str()).collect();
                unique.push(UniqueConstraint {
                    name: u.name.as_ref().map_or_else(
                        || format!("{}_{}_key", crate::schemas::own(&name), names.join("_")),
                        ident_name,
                    ),
                    columns: cols,
                });
            }
            TableConstraint::Index(ix) => {
                let cols = ix
                    .columns
                    .iter()
                    .map(|c| find(&c.column.expr))
                    .collect::<Result<Vec<_>>>()?;
                let names: Vec<&str> = cols.iter().map(|&c| columns[c].name.as_str()).collect();
                let ix_name = ix.name.as_ref().map_or_else(
                    || format!("{}_{}_idx", crate::schemas::own(&name), names.join("_")),
                    ident_name,
                );
                indexes.push(IndexDef {
                    name: ix_name,
                    columns: cols,
                });
            }
            TableConstraint::ForeignKey(fk) => references.push(Spec::of(fk, None, None)?),
            TableConstraint::Check(check) => checks.push(CheckSpec::of(check, None)?),
            other => return Err(unsupported(&format!("table constraint {other}"))),
        }
    }
    if primary_key.is_empty() {
        let (column, sequence) = row_identity(&columns, &name, row_ids(&name))?;
        primary_key.push(columns.len());
        columns.push(column);
        sequences.push(sequence);
    }
    for &k in &primary_key {
        columns[k].nullable = false;
    }
    let schema = TableSchema::new(name, columns, primary_key, unique, indexes)
        .map_err(invalid_definition)?;
    Ok(TableDefinition {
        schema,
        sequences,
        references,
        checks,
    })
}

/// A schema the projector refuses, as the statement's error (42P16).
fn invalid_definition(error: driftdb_projector::Error) -> Error {
    Error::InvalidTableDefinition {
        message: error.to_string(),
        position: None,
    }
}

/// The position in `columns` of the column `expr` names, in `ALTER TABLE table`.
fn column_position_in(columns: &[Column], expr: &ast::Expr, table: &str) -> Result<usize> {
    let name = match expr {
        ast::Expr::Identifier(ident) => ident_name(ident),
        other => return Err(unsupported(&format!("a key on the expression {other}"))),
    };
    columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| Error::UndefinedColumn {
            column: name,
            context: format!("ALTER TABLE {table}"),
            position: None,
        })
}

/// PostgreSQL's error for a second `PRIMARY KEY` in one `CREATE TABLE`.
fn multiple_primary_keys(table: &str) -> Error {
    Error::Execution {
        message: format!("multiple primary keys for table \"{table}\" are not allowed"),
        sqlstate: SqlState::INVALID_TABLE_DEFINITION,
    }
}

/// The hidden row identity of table `table` (declared without a primary key) with columns
/// `columns`: a `BIGINT` after them named `rowid` (`rowid_1`, ... if one of them is called
/// that), and the sequence `sequence` it owns and takes its values from. Its values are
/// taken in blocks of [`ROW_ID_CACHE`], so a bulk load writes the sequence's row rarely; a
/// crash skips the rest of a block, as it does for any sequence.
fn row_identity(columns: &[Column], table: &str, sequence: String) -> Result<(Column, Sequence)> {
    let name = std::iter::once("rowid".to_string())
        .chain((1..=columns.len()).map(|n| format!("rowid_{n}")))
        .find(|n| columns.iter().all(|c| c.name != *n))
        .unwrap_or_default();
    let mut values = Sequence::new(&sequence, Kind::BigInt, &[])?;
    values.cache = ROW_ID_CACHE;
    values.owner = Some((table.to_string(), name.clone()));
    let column = Column {
        default: Some(ColumnDefault::RowId(sequence)),
        ..Column::new(name, DataType::BigInt, false)
    };
    Ok((column, values))
}

/// The error of DDL that would change hidden row identity `name` (PostgreSQL's for a
/// system column).
fn system_column(verb: &str, name: &str) -> Error {
    Error::Execution {
        message: format!("cannot {verb} system column \"{name}\""),
        sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
    }
}

/// Refuses a column name every read of a table has as a pseudo-column (`__sequence`, and
/// those of a version range), as PostgreSQL refuses its system columns' names.
pub(super) fn refuse_pseudo_column(name: &str) -> Result<()> {
    match crate::provider::PSEUDO_COLUMNS.contains(&name) {
        true => Err(system_name(name)),
        false => Ok(()),
    }
}

/// The error of a new column name that is a hidden row identity's.
fn system_name(name: &str) -> Error {
    Error::Execution {
        message: format!("column name \"{name}\" conflicts with a system column name"),
        sqlstate: SqlState::DUPLICATE_COLUMN,
    }
}

/// How many row identities a table takes from its sequence at a time.
const ROW_ID_CACHE: i64 = 1024;

/// Whether values of type `from` are values of type `to` as they are (so a column may
/// change between them without rewriting its rows): text of another length limit, numeric
/// of another precision and the same scale.
fn same_values(from: &DataType, to: &DataType) -> bool {
    match (from, to) {
        (DataType::Text | DataType::Varchar(_), DataType::Text | DataType::Varchar(_)) => true,
        (DataType::Decimal { scale: a, .. }, DataType::Decimal { scale: b, .. }) => a == b,
        (DataType::Decimal { .. }, DataType::Numeric) => true,
        (a, b) => a == b,
    }
}

/// Whether every value of type `from` is a value of type `to` after an exact conversion
/// ([`driftdb_projector::Value::converted`]): integers to wider integers or to a `numeric`
/// with room for all their digits, `real` to `double precision`.
fn widens(from: &DataType, to: &DataType) -> bool {
    let digits = match from {
        DataType::SmallInt => 5,
        DataType::Int => 10,
        DataType::BigInt => 19,
        _ => 0,
    };
    match (from, to) {
        (DataType::SmallInt, DataType::Int | DataType::BigInt)
        | (DataType::Int, DataType::BigInt)
        | (DataType::Real, DataType::Double) => true,
        (_, DataType::Numeric) => digits > 0,
        (_, DataType::Decimal { precision, scale }) => {
            digits > 0 && precision.saturating_sub(*scale) >= digits
        }
        _ => false,
    }
}

/// Whether a `USING` expression is column `column` itself, or a cast of it (which the
/// conversion makes anyway): `id`, `id::bigint`, `CAST(id AS bigint)`.
fn reads_only(using: &ast::Expr, column: &str) -> bool {
    match using {
        ast::Expr::Identifier(ident) => ident_name(ident) == column,
        ast::Expr::Cast { expr, .. } | ast::Expr::Nested(expr) => reads_only(expr, column),
        _ => false,
    }
}
