//! Views: `CREATE [OR REPLACE] VIEW`, `DROP VIEW`, and reading them, time travel included.
//!
//! # Storage
//! Every view is a row of the internal table [`TABLE`], keyed by its name: its query as SQL
//! text, the names of its columns, their PostgreSQL types (for the catalogs), and the
//! relations it reads (for `DROP ... CASCADE`). Creating, replacing or dropping a view
//! writes or deletes its row in the statement's transaction, so views are versioned,
//! replayed and snapshotted like rows, and the catalogs read at a past point show the views
//! of that point. The table is made by the first statement that makes a view.
//!
//! # Reading
//! A query that names a view reads its definition in place of the name ([`expand`]): the
//! view becomes a subquery under the view's name (or the alias given), its column names
//! as the view declared them. `FOR SYSTEM_TIME AS OF p` on a view applies to every table the
//! view reads (and to the views it reads, in turn) that names no point of its own; the
//! definition itself is the one the statement's snapshot holds. Ranges (`ALL`, `BETWEEN`
//! ...) over a view are refused: a view's rows have no versions of their own.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use driftdb_projector::{Column, DataType, Key, LedgerOp, Row, TableSchema, Value};
use sqlparser::ast::{
    self, Query, Statement as Ast, TableAlias, TableFactor, TableVersion, VisitMut, VisitorMut,
};

use crate::SqlState;
use crate::error::{Error, Result};
use crate::temporal::SystemTime;

/// The internal table of views.
pub(crate) const TABLE: &str = "__driftdb_views";

/// How deep views may read views.
const MAX_DEPTH: usize = 32;

/// One view.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct View {
    pub(crate) name: String,
    /// The query, as SQL text.
    pub(crate) query: String,
    /// Its column names.
    pub(crate) columns: Vec<String>,
    /// Each column's PostgreSQL type id and modifier (-1: none), [`crate::pg_types::of_field`]
    /// of the query's output.
    pub(crate) types: Vec<(crate::pg_types::Oid, i32)>,
    /// The tables and views its query names.
    pub(crate) reads: Vec<String>,
}

impl View {
    pub(crate) fn key(name: &str) -> Key {
        vec![Value::Text(name.to_string())]
    }

    fn row(&self) -> Result<Row> {
        Ok(vec![
            Value::Text(self.name.clone()),
            Value::Text(self.query.clone()),
            Value::Text(json(&self.columns)?),
            Value::Text(json(&self.types)?),
            Value::Text(json(&self.reads)?),
        ])
    }

    pub(crate) fn of_row(row: &Row) -> Option<View> {
        let text = |i: usize| match row.get(i) {
            Some(Value::Text(s)) => Some(s.as_str()),
            _ => None,
        };
        Some(View {
            name: text(0)?.to_string(),
            query: text(1)?.to_string(),
            columns: serde_json::from_str(text(2)?).ok()?,
            types: serde_json::from_str(text(3)?).ok()?,
            reads: serde_json::from_str(text(4)?).ok()?,
        })
    }

    pub(crate) fn upsert(&self) -> Result<LedgerOp> {
        Ok(LedgerOp::Upsert {
            table: TABLE.to_string(),
            row: self.row()?,
        })
    }

    pub(crate) fn delete(name: &str) -> LedgerOp {
        LedgerOp::Delete {
            table: TABLE.to_string(),
            key: View::key(name),
        }
    }

    /// The view's query, parsed, each relation it reads named by its stored name (see
    /// [`query_text`]).
    pub(crate) fn parsed(&self) -> Result<Box<Query>> {
        let mut query = match crate::parse(&self.query)?.pop() {
            Some(crate::parser::Statement::Sql(sql)) => match sql.statement {
                Ast::Query(query) => query,
                _ => return Err(internal(&self.name)),
            },
            _ => return Err(internal(&self.name)),
        };
        stored_names(&mut *query);
        Ok(query)
    }
}

/// `view` reading each relation `renames` renames (stored names, a table or view renamed or
/// moved to another schema) by its new name, as PostgreSQL's views follow a relation by its
/// OID: each reference takes the new stored name and keeps the old own name as its alias, so
/// the columns it qualifies (`t.a`) still resolve.
pub(crate) fn renamed_in(view: &View, renames: &BTreeMap<String, String>) -> Result<View> {
    let mut query = view.parsed()?;
    let ctes = crate::schemas::cte_names(&Ast::Query(query.clone()));
    let mut renaming = Renaming { renames, ctes };
    let _ = query.visit(&mut renaming);
    let reads = view
        .reads
        .iter()
        .map(|name| renames.get(name).unwrap_or(name).clone())
        .collect();
    Ok(View {
        query: query_text(&query)?,
        reads,
        ..view.clone()
    })
}

/// The visitor of [`renamed_in`].
struct Renaming<'a> {
    renames: &'a BTreeMap<String, String>,
    /// The names of the query's CTEs, which hide a relation of the same name.
    ctes: std::collections::BTreeSet<String>,
}

impl VisitorMut for Renaming<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, alias, .. } = factor
            && let Some(from) = plain_name(name).filter(|n| !self.ctes.contains(n))
            && let Some(to) = self.renames.get(&from)
        {
            // Printed as PostgreSQL prints it (see `query_text`).
            *name = match to.contains('.') {
                true => crate::schemas::object_name(to.clone()),
                false => ast::ObjectName(vec![ast::ObjectNamePart::Identifier(identifier(to))]),
            };
            if alias.is_none() {
                *alias = Some(TableAlias {
                    explicit: true,
                    name: identifier(crate::schemas::own(&from)),
                    columns: Vec::new(),
                    at: None,
                });
            }
        }
        ControlFlow::Continue(())
    }
}

/// Names each relation `query` reads outside `public` by its stored name: `s.t` (two
/// identifiers, as [`query_text`] prints it) becomes `"s.t"`.
pub(crate) fn stored_names<T: VisitMut>(query: &mut T) {
    let _ = ast::visit_relations_mut(query, |name| {
        if let [schema, table] = name.0.as_slice()
            && let (Some(schema), Some(table)) = (schema.as_ident(), table.as_ident())
        {
            let schema = crate::schemas::ident_name(schema);
            if !crate::schemas::SYSTEM.contains(&schema.as_str()) {
                let stored = crate::schemas::stored(&schema, &crate::schemas::ident_name(table));
                *name = crate::schemas::object_name(stored);
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// JSON text of a list a view row holds.
fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal {
        message: format!("encoding a view: {e}"),
    })
}

fn internal(name: &str) -> Error {
    Error::Internal {
        message: format!("the stored definition of view \"{name}\" does not read back"),
    }
}

/// The schema of [`TABLE`].
fn schema() -> Result<TableSchema> {
    let column = |name: &str| Column::new(name, DataType::Text, false);
    TableSchema::new(
        TABLE,
        vec![
            column("name"),
            column("query"),
            column("columns"),
            column("types"),
            column("reads"),
        ],
        vec![0],
        Vec::new(),
        Vec::new(),
    )
    .map_err(crate::error::projector_error)
}

/// The operation that makes [`TABLE`], for the first statement that makes a view.
pub(crate) fn create_table() -> Result<LedgerOp> {
    Ok(LedgerOp::CreateTable(schema()?))
}

/// Every view in the shared table `table` at `seq`.
pub(crate) fn all_at(table: &driftdb_projector::Table, seq: u64) -> Vec<View> {
    table
        .scan(seq)
        .map(|rows| rows.filter_map(|v| View::of_row(v.row)).collect())
        .unwrap_or_default()
}

/// The one-part name a table factor names, if it is a plain name (or `public.name`).
fn plain_name(name: &ast::ObjectName) -> Option<String> {
    let ident = |p: &ast::ObjectNamePart| p.as_ident().map(crate::schemas::ident_name);
    match name.0.as_slice() {
        [part] => ident(part),
        [schema, part] if ident(schema).as_deref() == Some("public") => ident(part),
        _ => None,
    }
}

/// A view's query as SQL text that [`crate::parse`] reads back as the same query. sqlparser
/// prints a table reference's `FOR SYSTEM_TIME` clause (a marker, see
/// [`crate::parser::system_time`]) after its alias, which no parser reads; so each versioned
/// reference is printed as its name followed by the clause as written (`orders FOR
/// SYSTEM_TIME AS OF @SEQ:5 AS o`). A relation outside `public` is printed by its qualified
/// name (`s.t`, as PostgreSQL prints it), which [`View::parsed`] reads back.
pub(crate) fn query_text(query: &Query) -> Result<String> {
    struct Clauses(Option<Error>);
    impl VisitorMut for Clauses {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { name, .. } = factor
                && let [ast::ObjectNamePart::Identifier(ident)] = name.0.as_slice()
                && ident.quote_style.is_some()
                && let Some((schema, table)) = ident.value.split_once('.')
            {
                *name = ast::ObjectName(vec![
                    ast::ObjectNamePart::Identifier(identifier(schema)),
                    ast::ObjectNamePart::Identifier(identifier(table)),
                ]);
            }
            if let TableFactor::Table { name, version, .. } = factor
                && let Some(marker) = version.take()
            {
                match SystemTime::of_version(&marker) {
                    Ok(clause) => {
                        let text = format!("{name} {clause}");
                        *name = ast::ObjectName(vec![ast::ObjectNamePart::Identifier(
                            ast::Ident::new(text),
                        )]);
                    }
                    Err(e) => {
                        self.0 = Some(e);
                        return ControlFlow::Break(());
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut printed = query.clone();
    let mut clauses = Clauses(None);
    let _ = printed.visit(&mut clauses);
    match clauses.0 {
        Some(error) => Err(error),
        None => Ok(printed.to_string()),
    }
}

/// Name `name` as an identifier, quoted only where PostgreSQL would quote it.
fn identifier(name: &str) -> ast::Ident {
    match crate::schemas::quote_ident(name) == name {
        true => ast::Ident::new(name),
        false => ast::Ident::with_quote('"', name),
    }
}

/// The relations `query` names (to record what a view reads).
pub(crate) fn relations_of(query: &Query) -> Vec<String> {
    let mut names = Vec::new();
    let _ = ast::visit_relations(query, |name| {
        if let Some(name) = plain_name(name)
            && !names.contains(&name)
        {
            names.push(name);
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    names
}

/// Replaces each reference to a view in `statement` by the view's query; `views`: the views
/// by name as the statement's snapshot has them. Returns whether it replaced any.
pub(crate) fn expand(statement: &mut Ast, views: &BTreeMap<String, View>) -> Result<bool> {
    if views.is_empty() {
        return Ok(false);
    }
    let mut ctes = Vec::new();
    let _ = ast::visit_statements(&*statement, |s| {
        if let Ast::Query(q) = s {
            collect_ctes(q, &mut ctes);
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    let mut expander = Expander {
        views,
        ctes,
        error: None,
        expanded: false,
    };
    let _ = statement.visit(&mut expander);
    match expander.error {
        Some(e) => Err(e),
        None => Ok(expander.expanded),
    }
}

fn collect_ctes(query: &Query, names: &mut Vec<String>) {
    if let Some(with) = &query.with {
        for cte in &with.cte_tables {
            names.push(crate::schemas::ident_name(&cte.alias.name));
        }
    }
}

struct Expander<'a> {
    views: &'a BTreeMap<String, View>,
    /// Names of common table expressions, which hide views of their names.
    ctes: Vec<String>,
    error: Option<Error>,
    expanded: bool,
}

impl VisitorMut for Expander<'_> {
    type Break = ();

    fn pre_visit_table_factor(
        &mut self,
        factor: &mut TableFactor,
    ) -> std::ops::ControlFlow<Self::Break> {
        match self.replace(factor, 0) {
            Ok(()) => std::ops::ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                std::ops::ControlFlow::Break(())
            }
        }
    }
}

impl Expander<'_> {
    /// Replaces `factor` by the query of the view it names, if it names one; the views that
    /// query reads are replaced in it too (`depth`: how many views deep this is).
    fn replace(&mut self, factor: &mut TableFactor, depth: usize) -> Result<()> {
        let TableFactor::Table {
            name,
            alias,
            version,
            args: None,
            ..
        } = factor
        else {
            return Ok(());
        };
        let Some(view) = plain_name(name)
            .filter(|n| !self.ctes.contains(n))
            .and_then(|n| self.views.get(&n))
        else {
            return Ok(());
        };
        if depth >= MAX_DEPTH {
            return Err(Error::Execution {
                message: format!(
                    "infinite recursion detected in rules for relation \"{}\"",
                    view.name
                ),
                sqlstate: SqlState::INVALID_OBJECT_DEFINITION,
            });
        }
        if let Some(version) = version
            && !matches!(SystemTime::of_version(version)?, SystemTime::AsOf(_))
        {
            return Err(Error::Unsupported {
                message: format!(
                    "FOR SYSTEM_TIME ranges over view \"{}\": a view's rows have no versions of their own; read its tables",
                    view.name
                ),
                position: None,
            });
        }
        let mut query = view.parsed()?;
        // The view's own tables (and views) read at the point asked of the view.
        let mut nested = Nested {
            outer: self,
            point: version.clone(),
            depth: depth + 1,
            error: None,
        };
        let _ = query.visit(&mut nested);
        if let Some(e) = nested.error {
            return Err(e);
        }
        let columns: Vec<ast::TableAliasColumnDef> = view
            .columns
            .iter()
            .map(|c| ast::TableAliasColumnDef {
                name: ast::Ident::with_quote('"', c),
                data_type: None,
            })
            .collect();
        let alias = match alias.take() {
            Some(alias) if !alias.columns.is_empty() => alias,
            Some(alias) => TableAlias { columns, ..alias },
            None => TableAlias {
                explicit: false,
                name: ast::Ident::with_quote('"', &view.name),
                columns,
                at: None,
            },
        };
        *factor = TableFactor::Derived {
            lateral: false,
            subquery: query,
            alias: Some(alias),
            sample: None,
        };
        self.expanded = true;
        Ok(())
    }
}

/// Replaces the views a view's query reads, and gives its tables the point asked of the
/// view.
struct Nested<'a, 'b> {
    outer: &'a mut Expander<'b>,
    point: Option<TableVersion>,
    depth: usize,
    error: Option<Error>,
}

impl VisitorMut for Nested<'_, '_> {
    type Break = ();

    fn pre_visit_table_factor(
        &mut self,
        factor: &mut TableFactor,
    ) -> std::ops::ControlFlow<Self::Break> {
        if let (TableFactor::Table { version, .. }, Some(point)) = (&mut *factor, &self.point)
            && version.is_none()
        {
            *version = Some(point.clone());
        }
        match self.outer.replace(factor, self.depth) {
            Ok(()) => std::ops::ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                std::ops::ControlFlow::Break(())
            }
        }
    }
}
