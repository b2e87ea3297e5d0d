//! The projection statements: `CREATE`, `ALTER`, `REFRESH` and `DROP PROJECTION` (syntax in
//! `parser/projection.rs`, semantics in `docs/projections.md`). Each is one ledger
//! transaction; the runners pick it up when it commits.
//!
//! A projection's table is an ordinary table named after it, with the projection's columns
//! and then the source pseudo-columns `__topic`, `__partition`, `__offset`. Only its runner
//! writes it: SQL writes, `ALTER TABLE` and `DROP TABLE` on it are refused (42809).
//! `ALTER PROJECTION ... FROM TOPIC` and `REFRESH` build the new version into a shadow table
//! `<name>__v<version>` from the start of the topic while the old version keeps serving;
//! the runner swaps it in when it has caught up.

use std::collections::BTreeMap;

use driftdb_projector::projection::{
    ProjectionDef, ProjectionOp, ProjectionState, SOURCE_COLUMNS, Source, Start,
};
use driftdb_projector::{Column, DataType, IndexDef, LedgerOp, TableSchema};
use sqlparser::ast::{self, ObjectName, Statement as Ast};

use super::{Session, Write};
use crate::SqlState;
use crate::column_type::data_type;
use crate::error::projector_error;
use crate::error::{Error, Result};
use crate::outcome::Outcome;
use crate::parser::projection::{ProjectionSpec, ProjectionStatement};
use crate::schemas::ident_name;

impl Session {
    pub(super) fn projection_statement(
        &mut self,
        statement: ProjectionStatement,
    ) -> Result<Outcome> {
        self.outside_block("a projection statement")?;
        self.require_superuser("a projection statement")?;
        let (write, restart) = match statement {
            ProjectionStatement::Create {
                or_replace,
                if_not_exists,
                spec,
            } => {
                let name = ident_name(&spec.name);
                if self.projection(&name).is_some() {
                    if or_replace {
                        self.rebuild(&name, Some(&spec), "CREATE PROJECTION")?
                    } else if if_not_exists {
                        return Ok(Outcome::command("CREATE PROJECTION", None).with_notice(
                            "NOTICE",
                            SqlState::DUPLICATE_TABLE,
                            format!("projection \"{name}\" already exists, skipping"),
                        ));
                    } else {
                        return Err(Error::Execution {
                            message: format!("projection \"{name}\" already exists"),
                            sqlstate: SqlState::DUPLICATE_TABLE,
                        });
                    }
                } else {
                    let write = self.create(&name, &spec)?;
                    self.db.projections().forget(&name);
                    (write, name)
                }
            }
            ProjectionStatement::Alter(spec) => {
                let name = ident_name(&spec.name);
                self.rebuild(&name, Some(&spec), "ALTER PROJECTION")?
            }
            ProjectionStatement::Refresh { name } => {
                let name = ident_name(&name);
                self.rebuild(&name, None, "REFRESH PROJECTION")?
            }
            ProjectionStatement::Pause { name, paused } => {
                let name = ident_name(&name);
                self.existing(&name)?;
                let op = ProjectionOp::Pause {
                    table: name.clone(),
                    paused,
                };
                (
                    Write {
                        ops: vec![LedgerOp::Projection(Box::new(op))],
                        tag: "ALTER PROJECTION".into(),
                        rows: None,
                    },
                    name,
                )
            }
            ProjectionStatement::Drop { name, if_exists } => {
                let name = ident_name(&name);
                if self.projection(&name).is_none() {
                    if if_exists {
                        return Ok(Outcome::command("DROP PROJECTION", None).with_notice(
                            "NOTICE",
                            SqlState::SUCCESSFUL_COMPLETION,
                            format!("projection \"{name}\" does not exist, skipping"),
                        ));
                    }
                    self.existing(&name)?;
                }
                let mut ops = Vec::new();
                for shadow in self.rebuilds_of(&name) {
                    ops.extend(drop_ops(&shadow));
                    self.db.projections().forget(&shadow);
                }
                ops.extend(drop_ops(&name));
                self.db.projections().forget(&name);
                (
                    Write {
                        ops,
                        tag: "DROP PROJECTION".into(),
                        rows: None,
                    },
                    name,
                )
            }
        };
        let outcome = self.finish_write(write, None)?;
        // Start what now should run, failed ones included for the statement's projection
        // (`RESUME`, a new definition) and its rebuild in progress.
        let mut restart = vec![restart];
        restart.extend(self.rebuilds_of(&restart[0]));
        self.db.projections().reconcile(&restart);
        Ok(outcome)
    }

    fn projection(&self, table: &str) -> Option<ProjectionState> {
        self.db.store().read().projections().get(table).cloned()
    }

    fn existing(&self, name: &str) -> Result<ProjectionState> {
        self.projection(name)
            .filter(|p| p.replaces.is_none())
            .ok_or_else(|| Error::Execution {
                message: format!("projection \"{name}\" does not exist"),
                sqlstate: SqlState::UNDEFINED_OBJECT,
            })
    }

    /// Shadow tables rebuilding projection `name`.
    fn rebuilds_of(&self, name: &str) -> Vec<String> {
        let db = self.db.store().read();
        db.projections()
            .by_table
            .iter()
            .filter(|(_, p)| p.replaces.as_deref() == Some(name))
            .map(|(t, _)| t.clone())
            .collect()
    }

    fn create(&self, name: &str, spec: &ProjectionSpec) -> Result<Write> {
        let snapshot = self.snapshot();
        if self.schema_at(name, &snapshot).is_ok() {
            return Err(Error::Execution {
                message: format!("relation \"{name}\" already exists"),
                sqlstate: SqlState::DUPLICATE_TABLE,
            });
        }
        let (schema, def) = definition(name, name, spec, 1)?;
        let offsets = match def.start {
            Start::Beginning => BTreeMap::new(),
            Start::Now => self.end_offsets(&def.topic),
        };
        let create = ProjectionOp::Create {
            table: name.to_string(),
            def: Box::new(def),
            offsets,
            replaces: None,
        };
        Ok(Write {
            ops: vec![
                LedgerOp::CreateTable(schema),
                LedgerOp::Projection(Box::new(create)),
            ],
            tag: "CREATE PROJECTION".into(),
            rows: None,
        })
    }

    /// A new version of projection `name` (under `spec`, or its current definition), built
    /// from the start of its topic into a shadow table. A rebuild already running is
    /// replaced.
    fn rebuild(
        &self,
        name: &str,
        spec: Option<&ProjectionSpec>,
        tag: &str,
    ) -> Result<(Write, String)> {
        let current = self.existing(name)?;
        let mut ops = Vec::new();
        let mut version = current.def.version;
        for shadow in self.rebuilds_of(name) {
            if let Some(p) = self.projection(&shadow) {
                version = version.max(p.def.version);
            }
            ops.extend(drop_ops(&shadow));
        }
        version += 1;
        let snapshot = self.snapshot();
        let mut shadow = format!("{name}__v{version}");
        while self.schema_at(&shadow, &snapshot).is_ok() {
            version += 1;
            shadow = format!("{name}__v{version}");
        }
        let (schema, def) = match spec {
            Some(spec) => definition(name, &shadow, spec, version)?,
            None => {
                let old = self.schema_at(name, &snapshot)?;
                let def = ProjectionDef {
                    version,
                    ..current.def.clone()
                };
                (old.renamed(&shadow), def)
            }
        };
        // Indexes of the serving version carry over where their columns still exist.
        let old = self.schema_at(name, &snapshot)?;
        let indexes: Vec<IndexDef> = old
            .indexes()
            .iter()
            .filter_map(|index| {
                let columns = index
                    .columns
                    .iter()
                    .map(|&c| schema.column_index(&old.columns()[c].name))
                    .collect::<Option<Vec<_>>>()?;
                Some(IndexDef {
                    name: index.name.clone(),
                    columns,
                })
            })
            .collect();
        let schema = schema.with_indexes(indexes).map_err(projector_error)?;
        ops.push(LedgerOp::CreateTable(schema));
        ops.push(LedgerOp::Projection(Box::new(ProjectionOp::Create {
            table: shadow.clone(),
            def: Box::new(def),
            offsets: BTreeMap::new(),
            replaces: Some(name.to_string()),
        })));
        Ok((
            Write {
                ops,
                tag: tag.into(),
                rows: None,
            },
            shadow,
        ))
    }

    /// The end offset of each partition of `topic` now (none if it does not exist yet).
    fn end_offsets(&self, topic: &str) -> BTreeMap<u32, u64> {
        match self.db.projections().log().topic(topic) {
            Ok(t) => t
                .partitions()
                .iter()
                .map(|p| (p.id(), p.end_offset()))
                .collect(),
            Err(_) => BTreeMap::new(),
        }
    }

    /// Refuses a statement that would write a projected table, before it is planned.
    pub(super) fn refuse_projection_target(&self, statement: &Ast) -> Result<()> {
        if self.db.store().read().projections().by_table.is_empty() {
            return Ok(());
        }
        let mut targets: Vec<(&ObjectName, &str)> = Vec::new();
        match statement {
            Ast::Insert(insert) => {
                if let ast::TableObject::TableName(name) = &insert.table {
                    targets.push((name, "change rows of"));
                }
            }
            Ast::Update(update) => {
                if let ast::TableFactor::Table { name, .. } = &update.table.relation {
                    targets.push((name, "change rows of"));
                }
            }
            Ast::Delete(delete) => {
                let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
                    &delete.from;
                for t in from {
                    if let ast::TableFactor::Table { name, .. } = &t.relation {
                        targets.push((name, "change rows of"));
                    }
                }
            }
            Ast::Truncate(truncate) => {
                targets.extend(
                    truncate
                        .table_names
                        .iter()
                        .map(|t| (&t.name, "change rows of")),
                );
            }
            Ast::Copy {
                source: ast::CopySource::Table { table_name, .. },
                to: false,
                ..
            } => targets.push((table_name, "change rows of")),
            Ast::AlterTable(alter) => targets.push((&alter.name, "alter")),
            Ast::Drop {
                object_type: ast::ObjectType::Table,
                names,
                ..
            } => targets.extend(names.iter().map(|n| (n, "drop"))),
            _ => {}
        }
        let db = self.db.store().read();
        for (name, what) in targets {
            let Ok(table) = crate::schemas::table_name(name) else {
                continue;
            };
            if let Some(p) = db.projections().get(&table) {
                return Err(refused(what, &table, p));
            }
        }
        Ok(())
    }

    /// Refuses writes to projected tables from SQL (42809): only their runner writes them.
    pub(super) fn refuse_projection_writes(&self, ops: &[LedgerOp]) -> Result<()> {
        if ops.iter().any(|op| matches!(op, LedgerOp::Projection(_))) {
            return Ok(());
        }
        let db = self.db.store().read();
        let projections = db.projections();
        if projections.by_table.is_empty() {
            return Ok(());
        }
        for op in ops {
            let what = match op {
                LedgerOp::Upsert { .. } | LedgerOp::Delete { .. } | LedgerOp::Truncate { .. } => {
                    "change rows of"
                }
                LedgerOp::AlterTable { .. } => "alter",
                LedgerOp::DropTable { .. } => "drop",
                _ => continue,
            };
            let table = op.table();
            if let Some(p) = projections.get(table) {
                return Err(refused(what, table, p));
            }
        }
        Ok(())
    }
}

fn refused(what: &str, table: &str, p: &ProjectionState) -> Error {
    Error::Execution {
        message: format!(
            "cannot {what} table \"{table}\": projection \"{}\" maintains it from topic \"{}\" (use ALTER PROJECTION or DROP PROJECTION)",
            p.def.name, p.def.topic
        ),
        sqlstate: SqlState::WRONG_OBJECT_TYPE,
    }
}

fn drop_ops(table: &str) -> [LedgerOp; 2] {
    [
        LedgerOp::Projection(Box::new(ProjectionOp::Drop {
            table: table.to_string(),
        })),
        LedgerOp::DropTable {
            table: table.to_string(),
        },
    ]
}

/// The table and the definition `spec` declares, for projection `name` writing `table`.
fn definition(
    name: &str,
    table: &str,
    spec: &ProjectionSpec,
    version: u32,
) -> Result<(TableSchema, ProjectionDef)> {
    let invalid = |message: String| Error::Execution {
        message,
        sqlstate: SqlState::INVALID_TABLE_DEFINITION,
    };
    let mut columns = Vec::new();
    let mut sources = Vec::new();
    let mut key = Vec::new();
    for (i, c) in spec.columns.iter().enumerate() {
        let column_name = ident_name(&c.name);
        if SOURCE_COLUMNS.contains(&column_name.as_str()) {
            return Err(invalid(format!(
                "column name \"{column_name}\" is reserved for the source pseudo-columns"
            )));
        }
        let data_type = data_type(&c.data_type)?;
        if matches!(c.source, Source::Timestamp)
            && !matches!(
                data_type,
                DataType::Timestamp | DataType::TimestampTz | DataType::Text | DataType::BigInt
            )
        {
            return Err(invalid(format!(
                "column \"{column_name}\" FROM TIMESTAMP must be TIMESTAMPTZ, TIMESTAMP, BIGINT or TEXT"
            )));
        }
        columns.push(Column::new(
            column_name,
            data_type,
            !c.not_null && !c.primary_key,
        ));
        if c.primary_key {
            key.push(i);
        }
        sources.push(c.source.clone());
    }
    if !spec.primary_key.is_empty() {
        if !key.is_empty() {
            return Err(invalid(
                "the primary key is declared twice (on a column and as PRIMARY KEY (..))".into(),
            ));
        }
        for ident in &spec.primary_key {
            let column = ident_name(ident);
            let i = columns
                .iter()
                .position(|c| c.name == column)
                .ok_or_else(|| Error::UndefinedColumn {
                    column: column.clone(),
                    context: "PRIMARY KEY".to_string(),
                    position: None,
                })?;
            columns[i].nullable = false;
            key.push(i);
        }
    }
    if key.is_empty() {
        return Err(invalid(format!(
            "projection \"{name}\" needs a PRIMARY KEY: it says which row an event changes"
        )));
    }
    columns.push(Column::new(SOURCE_COLUMNS[0], DataType::Text, false));
    columns.push(Column::new(SOURCE_COLUMNS[1], DataType::Int, false));
    columns.push(Column::new(SOURCE_COLUMNS[2], DataType::BigInt, false));
    let schema =
        TableSchema::new(table, columns, key, Vec::new(), Vec::new()).map_err(projector_error)?;
    let def = ProjectionDef {
        name: name.to_string(),
        topic: spec.topic.clone(),
        version,
        columns: sources,
        event_type: spec.event_type.clone(),
        rules: spec.rules.clone(),
        start: spec.start,
        on_error: spec.on_error.clone(),
        text: spec.text.clone(),
    };
    Ok((schema, def))
}

/// The fuzz target `projection_event` (`fuzz/`, `docs/design/fuzzing.md`): `data` as the
/// value (and key) of a record read by a projection of many column types, JSON paths and
/// event-type rules, mapped to the rows it would write. Must never panic.
#[doc(hidden)]
pub fn fuzz_projection_event(data: &[u8]) {
    use std::sync::OnceLock;
    static MAPPING: OnceLock<(TableSchema, ProjectionDef)> = OnceLock::new();
    let (schema, def) = MAPPING.get_or_init(|| {
        let statement = "CREATE PROJECTION fuzz FROM TOPIC fuzz (
            id TEXT PRIMARY KEY FROM KEY,
            n INT,
            big BIGINT FROM '$.a.b',
            f DOUBLE PRECISION FROM '$.list[1]',
            d NUMERIC(12,2),
            t TEXT,
            b BOOLEAN,
            ts TIMESTAMPTZ,
            day DATE,
            u UUID,
            j JSONB FROM '$.obj',
            tags TEXT[],
            whole JSONB FROM VALUE,
            at TIMESTAMPTZ FROM TIMESTAMP,
            region TEXT FROM HEADER 'region',
            o BIGINT FROM OFFSET
        ) EVENT TYPE FROM '$.type' ON 'Put' UPSERT ON 'Patch' MERGE ON 'Gone' DELETE";
        let parsed = crate::parser::parse(statement)
            .ok()
            .and_then(|mut s| s.pop());
        let Some(crate::parser::Statement::Projection(p)) = parsed else {
            unreachable!("the fuzz projection parses");
        };
        let ProjectionStatement::Create { spec, .. } = *p else {
            unreachable!("the fuzz projection is a CREATE");
        };
        definition("fuzz", "fuzz", &spec, 1).unwrap_or_else(|e| unreachable!("{e}"))
    });
    let bytes = bytes::Bytes::copy_from_slice(data);
    let record = driftdb_log::Record {
        offset: 7,
        timestamp: 1_700_000_000_000_000,
        key: Some(bytes.clone()),
        headers: vec![driftdb_log::Header {
            name: "region".to_string(),
            value: bytes.clone(),
        }],
        value: Some(bytes),
    };
    for stop_on_error in [false, true] {
        let _ = crate::projection::mapping::Batch::build(
            def,
            schema,
            &[(0, record.clone())],
            stop_on_error,
            |_| None,
        );
    }
}
