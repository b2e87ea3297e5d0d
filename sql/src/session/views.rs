//! What the session does with views (`crate::views`): which exist in its snapshot, counting
//! its transaction's own `CREATE VIEW` and `DROP VIEW`; those statements; and the rules
//! views add to other statements (names, writes, `DROP TABLE`).

use std::collections::BTreeMap;

use driftdb_projector::{LedgerOp, Value};
use sqlparser::ast::{self, Statement as Ast};

use super::{Session, Snapshot, Write};
use crate::SqlState;
use crate::error::unsupported;
use crate::error::{Error, Result};
use crate::outcome::Notice;
use crate::schemas::{ident_name, table_name};
use crate::views::{self, View};

impl Session {
    /// The views as `snapshot` (and the open transaction's writes) has them, by name.
    pub(super) fn views_at(&self, snapshot: &Snapshot) -> BTreeMap<String, View> {
        let mut all: BTreeMap<String, View> = BTreeMap::new();
        if let Some(seq) = snapshot.seq {
            let db = self.db.store().read();
            if let Ok(shared) = db.table(views::TABLE) {
                for view in views::all_at(&driftdb_projector::database::read(shared), seq) {
                    all.insert(view.name.clone(), view);
                }
            }
        }
        if let Some(txn) = self.txn.as_ref().filter(|t| t.catalog_ops) {
            for op in &txn.ops {
                match op {
                    LedgerOp::Upsert { table, row } if table == views::TABLE => {
                        if let Some(view) = View::of_row(row) {
                            all.insert(view.name.clone(), view);
                        }
                    }
                    LedgerOp::Delete { table, key } if table == views::TABLE => {
                        if let Some(Value::Text(name)) = key.first() {
                            all.remove(name);
                        }
                    }
                    LedgerOp::DropTable { table } if table == views::TABLE => all.clear(),
                    _ => {}
                }
            }
        }
        all
    }

    /// Replaces the views `statement` reads by their queries (not a `CREATE VIEW`'s, which
    /// keeps naming them); a write to a view is refused.
    pub(super) fn expand_views(&self, statement: &mut Ast) -> Result<()> {
        if matches!(statement, Ast::CreateView(_)) {
            return Ok(());
        }
        let snapshot = self.snapshot();
        let views = self.views_at(&snapshot);
        if views.is_empty() {
            return Ok(());
        }
        let target = match &*statement {
            Ast::Insert(insert) => match &insert.table {
                ast::TableObject::TableName(name) => Some(name),
                _ => None,
            },
            Ast::Update(update) => match &update.table.relation {
                ast::TableFactor::Table { name, .. } => Some(name),
                _ => None,
            },
            Ast::Delete(delete) => match &delete.from {
                ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from) => {
                    match from.first().map(|t| &t.relation) {
                        Some(ast::TableFactor::Table { name, .. }) => Some(name),
                        _ => None,
                    }
                }
            },
            _ => None,
        };
        if let Some(name) = target
            && let Ok(name) = table_name(name)
            && views.contains_key(&name)
        {
            return Err(Error::Execution {
                message: format!(
                    "cannot change view \"{name}\": DriftDB's views are read-only; write to its tables"
                ),
                sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
            });
        }
        views::expand(statement, &views).map(drop)
    }

    /// `CREATE [OR REPLACE] VIEW name [(columns)] AS query`.
    pub(super) async fn create_view(
        &self,
        create: &ast::CreateView,
        snapshot: &Snapshot,
    ) -> Result<Option<Write>> {
        if create.materialized {
            return Err(unsupported(
                "CREATE MATERIALIZED VIEW (a projection keeps a table of a topic up to date)",
            ));
        }
        if create.temporary {
            return Err(unsupported("CREATE TEMPORARY VIEW"));
        }
        let name = table_name(&create.name)?;
        let views = self.views_at(snapshot);
        let existing = views.get(&name);
        if existing.is_none() && self.relation_exists(&name, snapshot) {
            return Err(Error::Execution {
                message: format!("relation \"{name}\" already exists"),
                sqlstate: SqlState::DUPLICATE_TABLE,
            });
        }
        if existing.is_some() && !create.or_replace {
            if create.if_not_exists {
                return Ok(None);
            }
            return Err(Error::Execution {
                message: format!("relation \"{name}\" already exists"),
                sqlstate: SqlState::DUPLICATE_TABLE,
            });
        }
        // What it reads, as it reads it: planned (with no rows) for its columns' names and
        // types, its own views expanded, which also finds a cycle through a replaced view.
        let query = views::query_text(&create.query)?;
        let mut probe = crate::parse(&format!("SELECT * FROM ({query}) AS q LIMIT 0"))?
            .pop()
            .and_then(|s| match s {
                crate::parser::Statement::Sql(sql) => Some(sql.statement),
                _ => None,
            })
            .ok_or_else(|| unsupported("this view's query"))?;
        views::stored_names(&mut probe);
        let mut reading = views.clone();
        reading.insert(
            name.clone(),
            View {
                name: name.clone(),
                query: query.clone(),
                columns: Vec::new(),
                types: Vec::new(),
                reads: Vec::new(),
            },
        );
        // The view may not read itself (through others).
        let mut cycle = crate::parse(&format!("SELECT * FROM \"{name}\""))?
            .pop()
            .and_then(|s| match s {
                crate::parser::Statement::Sql(sql) => Some(sql.statement),
                _ => None,
            })
            .ok_or_else(|| unsupported("this view's query"))?;
        views::expand(&mut cycle, &reading)?;
        views::expand(&mut probe, &views)?;
        let rows = self.query_at(probe, snapshot).await?;
        let fields = rows.schema.fields();
        let mut columns: Vec<String> = fields.iter().map(|f| f.name().clone()).collect();
        if create.columns.len() > columns.len() {
            return Err(Error::Execution {
                message: "CREATE VIEW specifies more column names than columns".into(),
                sqlstate: SqlState::SYNTAX_ERROR,
            });
        }
        for (i, column) in create.columns.iter().enumerate() {
            columns[i] = ident_name(&column.name);
        }
        for (i, column) in columns.iter().enumerate() {
            if columns[..i].contains(column) {
                return Err(Error::Execution {
                    message: format!("column \"{column}\" specified more than once"),
                    sqlstate: SqlState::DUPLICATE_COLUMN,
                });
            }
        }
        let view = View {
            name,
            query,
            columns,
            types: fields
                .iter()
                .map(|f| crate::pg_types::of_field(f))
                .map(|t| (t.oid, t.modifier))
                .collect(),
            reads: views::relations_of(&create.query),
        };
        let mut ops = Vec::new();
        if self.schema_at(views::TABLE, snapshot).is_err() {
            ops.push(views::create_table()?);
        }
        ops.push(view.upsert()?);
        Ok(Some(Write {
            ops,
            tag: "CREATE VIEW".into(),
            rows: None,
        }))
    }

    /// `DROP VIEW [IF EXISTS] names [CASCADE]`: the views that read them go too only with
    /// `CASCADE` (2BP01).
    pub(super) fn drop_views(
        &self,
        names: &[String],
        if_exists: bool,
        cascade: bool,
        snapshot: &Snapshot,
        notices: &mut Vec<Notice>,
    ) -> Result<Vec<LedgerOp>> {
        let views = self.views_at(snapshot);
        let mut dropping = Vec::new();
        for name in names {
            if views.contains_key(name) {
                dropping.push(name.clone());
            } else if self.schema_at(name, snapshot).is_ok() {
                return Err(Error::Execution {
                    message: format!("\"{name}\" is not a view"),
                    sqlstate: SqlState::WRONG_OBJECT_TYPE,
                });
            } else if if_exists {
                notices.push(Notice {
                    severity: "NOTICE",
                    sqlstate: SqlState::SUCCESSFUL_COMPLETION,
                    message: format!("view \"{name}\" does not exist, skipping"),
                });
            } else {
                return Err(Error::Execution {
                    message: format!("view \"{name}\" does not exist"),
                    sqlstate: SqlState::UNDEFINED_TABLE,
                });
            }
        }
        let dropping = self.with_dependent_views(dropping, cascade, &views, notices)?;
        let mut ops = Vec::new();
        for name in &dropping {
            ops.extend(self.forget_comments(name, None, snapshot));
            ops.extend(self.forget_owner(name, snapshot));
            ops.push(View::delete(name));
        }
        Ok(ops)
    }

    /// `relations` and, with `cascade`, every view that reads one of them (transitively),
    /// each with a notice; without `cascade` a view that reads one is 2BP01.
    pub(super) fn with_dependent_views(
        &self,
        relations: Vec<String>,
        cascade: bool,
        views: &BTreeMap<String, View>,
        notices: &mut Vec<Notice>,
    ) -> Result<Vec<String>> {
        let mut all = relations;
        let mut i = 0;
        while i < all.len() {
            let readers: Vec<String> = views
                .values()
                .filter(|v| v.reads.contains(&all[i]) && !all.contains(&v.name))
                .map(|v| v.name.clone())
                .collect();
            for reader in readers {
                if !cascade {
                    return Err(Error::Execution {
                        message: format!(
                            "cannot drop {} because other objects depend on it (view {reader} depends on it)",
                            all[i]
                        ),
                        sqlstate: SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                    });
                }
                notices.push(Notice {
                    severity: "NOTICE",
                    sqlstate: SqlState::SUCCESSFUL_COMPLETION,
                    message: format!("drop cascades to view {reader}"),
                });
                all.push(reader);
            }
            i += 1;
        }
        Ok(all)
    }
}
