//! Result column names as PostgreSQL gives them. DataFusion names an unaliased column by
//! its whole expression (`count(*)`, `t.a + Int64(1)`); PostgreSQL by what the expression
//! is (its `FigureColname`): a column reference by the column (`id`), a function call by
//! the function (`count`), a cast by what it casts, `CASE` as `case`, and anything else as
//! `?column?`. Clients see these names (psql's headers, drivers' row keys), so the names
//! of a query's top-level `SELECT` list are rewritten to PostgreSQL's after planning.
//! Aliased items and `*` keep their names.

use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use sqlparser::ast::{self, Expr, Ident, SelectItem, SetExpr, Statement};

use crate::database::Rows;

/// The names PostgreSQL gives the columns of `statement`, where they differ from
/// DataFusion's; see [`rename`].
pub(crate) struct PgNames(Option<Vec<Option<String>>>);

impl PgNames {
    /// The names of `statement`'s columns; and each unnamed expression of its top-level
    /// `SELECT` list gets a unique alias, so that DataFusion, which names an expression by
    /// its text with casts stripped, does not refuse `SELECT id, id::text` as two columns
    /// named `id`. The result is renamed to PostgreSQL's names afterwards.
    pub(crate) fn of(statement: &mut Statement) -> PgNames {
        let mut names = select_names(statement);
        if let Some(names) = names.as_mut()
            && let Statement::Query(query) = statement
            && let SetExpr::Select(select) = query.body.as_mut()
            // DataFusion matches a DISTINCT query's ORDER BY against the unaliased list.
            && select.distinct.is_none()
        {
            // PostgreSQL lets two columns share a name (`SELECT 1 AS c, 2 AS c`, `SELECT
            // a, a`); DataFusion does not, so a repeated name is aliased apart too.
            let mut seen = std::collections::HashSet::new();
            for (i, item) in select.projection.iter_mut().enumerate() {
                let repeated = match item {
                    SelectItem::UnnamedExpr(expr) => !seen.insert(expr_name(expr)),
                    SelectItem::ExprWithAlias { alias, .. } => !seen.insert(ident_text(alias)),
                    _ => false,
                };
                let (expr, name) = match item {
                    SelectItem::UnnamedExpr(expr)
                        if repeated
                            || !matches!(
                                expr,
                                Expr::Identifier(_) | Expr::CompoundIdentifier(_)
                            ) =>
                    {
                        (expr.clone(), expr_name(expr))
                    }
                    SelectItem::ExprWithAlias { expr, alias } if repeated => {
                        (expr.clone(), ident_text(alias))
                    }
                    _ => continue,
                };
                names[i] = Some(name);
                *item = SelectItem::ExprWithAlias {
                    expr,
                    alias: Ident::new(format!("__column{}", i + 1)),
                };
            }
        }
        PgNames(names)
    }
}

/// `schema` (the output of a statement) under PostgreSQL's names.
pub(crate) fn pg_schema(names: &PgNames, schema: &SchemaRef) -> SchemaRef {
    let Some(names) = &names.0 else {
        return Arc::clone(schema);
    };
    if names.len() != schema.fields().len() || names.iter().all(Option::is_none) {
        return Arc::clone(schema);
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .zip(names)
        .map(|(field, name)| match name {
            Some(name) => field.as_ref().clone().with_name(name.as_str()),
            None => field.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// `rows` under PostgreSQL's column names.
pub(crate) fn pg_rows(names: &PgNames, rows: Rows) -> Rows {
    let schema = pg_schema(names, &rows.schema);
    if Arc::ptr_eq(&schema, &rows.schema) {
        return rows;
    }
    // Each batch is renamed under its own schema, which may say a column is nullable where
    // the plan's does not (DataFusion calls a scalar subquery of a NOT NULL column NOT NULL,
    // though it is NULL where it finds no row).
    // Batches share their schema: each distinct one is renamed once.
    let mut renamed: Option<(SchemaRef, SchemaRef)> = None;
    let batches = rows
        .batches
        .into_iter()
        .map(|b| {
            let from = b.schema();
            let to = match &renamed {
                Some((seen, to)) if Arc::ptr_eq(seen, &from) => Arc::clone(to),
                _ => {
                    let to = pg_schema(names, &from);
                    renamed = Some((from, Arc::clone(&to)));
                    to
                }
            };
            RecordBatch::try_new(to, b.columns().to_vec())
                // The same columns under new names: it cannot fail, but if it did the
                // rows keep DataFusion's names rather than get lost.
                .unwrap_or(b)
        })
        .collect::<Vec<_>>();
    Rows { schema, batches }
}

/// The new name of each item of the top-level `SELECT` list (`None`: keep it), or `None`
/// when the list holds a `*` or the query is not a plain `SELECT`.
fn select_names(statement: &Statement) -> Option<Vec<Option<String>>> {
    let Statement::Query(query) = statement else {
        return None;
    };
    let mut body = query.body.as_ref();
    // A UNION takes its names from its first branch.
    while let SetExpr::SetOperation { left, .. } = body {
        body = left.as_ref();
    }
    let SetExpr::Select(select) = body else {
        return None;
    };
    select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::UnnamedExpr(expr) => Some(Some(expr_name(expr))),
            SelectItem::ExprWithAlias { .. } => Some(None),
            _ => None,
        })
        .collect()
}

fn expr_name(expr: &Expr) -> String {
    figure(expr).unwrap_or_else(|| "?column?".to_string())
}

/// The name PostgreSQL gives a select-list expression, if it gives one other than
/// `?column?`.
pub(crate) fn figure_name(expr: &Expr) -> Option<String> {
    figure(expr)
}

/// PostgreSQL's `FigureColname`, for the expressions DriftDB plans.
fn figure(expr: &Expr) -> Option<String> {
    figure_with_strength(expr).map(|(name, _)| name)
}

/// A name and how strongly it holds: a cast's type name (1) gives way to an outer cast's,
/// as in PostgreSQL's `FigureColnameInternal` (`1.5::float8::numeric` is `numeric`), a
/// column's or function's (2) does not.
fn figure_with_strength(expr: &Expr) -> Option<(String, u8)> {
    match expr {
        Expr::Cast {
            expr, data_type, ..
        } => Some(match figure_with_strength(expr) {
            Some((name, 2)) => (name, 2),
            _ => (type_name(data_type), 1),
        }),
        Expr::TypedString(typed) => Some((type_name(&typed.data_type), 1)),
        Expr::Nested(inner) => figure_with_strength(inner),
        // `tags[1]` and `t.tags[1]` are named as `tags`, `(r).f` as `f`: the last name
        // before the subscripts, else what they index.
        Expr::CompoundFieldAccess { root, access_chain } => {
            match access_chain.iter().rev().find_map(|a| match a {
                ast::AccessExpr::Dot(field) => Some(field),
                ast::AccessExpr::Subscript(_) => None,
            }) {
                Some(field) => figure_with_strength(field),
                None => figure_with_strength(root),
            }
        }
        other => figure_strong(other).map(|name| (name, 2)),
    }
}

fn figure_strong(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(ident_text(ident)),
        Expr::CompoundIdentifier(parts) => parts.last().map(ident_text),
        Expr::Function(f) => f
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(|i| i.value.to_lowercase()),
        Expr::Tuple(_) => Some("row".to_string()),
        Expr::Case { .. } => Some("case".to_string()),
        Expr::Exists { negated: false, .. } => Some("exists".to_string()),
        Expr::Array(_) => Some("array".to_string()),
        Expr::Extract { .. } => Some("extract".to_string()),
        Expr::Substring { .. } => Some("substring".to_string()),
        Expr::Trim { .. } => Some("btrim".to_string()),
        Expr::Position { .. } => Some("position".to_string()),
        Expr::Ceil { .. } => Some("ceil".to_string()),
        Expr::Floor { .. } => Some("floor".to_string()),
        Expr::Subquery(query) => match query.body.as_ref() {
            SetExpr::Select(select) => match select.projection.first() {
                Some(SelectItem::UnnamedExpr(expr)) => figure(expr),
                Some(SelectItem::ExprWithAlias { alias, .. }) => Some(ident_text(alias)),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// The name of a type in `pg_type` (`int4`, `bpchar`, `timestamptz`), as PostgreSQL names
/// a cast by the type it casts to.
fn type_name(data_type: &ast::DataType) -> String {
    use ast::DataType as T;
    use ast::TimezoneInfo as Tz;
    match data_type {
        T::SmallInt(_) | T::Int2(_) => "int2",
        T::Int(_) | T::Integer(_) | T::Int4(_) => "int4",
        T::BigInt(_) | T::Int8(_) => "int8",
        T::Real | T::Float4 => "float4",
        T::Double(_) | T::DoublePrecision | T::Float8 => "float8",
        T::Numeric(_) | T::Decimal(_) | T::Dec(_) => "numeric",
        T::Bool | T::Boolean => "bool",
        T::Char(_) | T::Character(_) => "bpchar",
        T::Varchar(_) | T::CharacterVarying(_) | T::CharVarying(_) => "varchar",
        T::Timestamp(_, Tz::WithTimeZone | Tz::Tz) => "timestamptz",
        T::Timestamp(..) => "timestamp",
        T::Time(_, Tz::WithTimeZone | Tz::Tz) => "timetz",
        T::Time(..) => "time",
        T::Interval { .. } => "interval",
        // An array type is named by its element type (`'{1}'::int[]` is `int4`).
        T::Array(
            ast::ArrayElemTypeDef::SquareBracket(element, _)
            | ast::ArrayElemTypeDef::AngleBracket(element),
        ) => return type_name(element),
        other => return other.to_string().to_lowercase(),
    }
    .to_string()
}

/// An identifier as PostgreSQL folds it: unquoted names in lower case.
fn ident_text(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<Option<String>> {
        let statement = crate::parse(sql).expect("parses").remove(0);
        let crate::parser::Statement::Sql(sql) = statement else {
            panic!("a SQL statement");
        };
        select_names(&sql.statement).expect("a plain SELECT")
    }

    #[test]
    fn subscripts_are_named_by_what_they_index() {
        let named = |s: &str| Some(s.to_string());
        assert_eq!(
            names("SELECT tags[1], t.tags[1:2], (ARRAY[1, 2])[1], ('{1,2}'::int[])[2] FROM t"),
            [named("tags"), named("tags"), named("array"), named("int4")]
        );
    }

    #[test]
    fn columns_are_named_as_postgresql_names_them() {
        let named = |s: &str| Some(s.to_string());
        assert_eq!(
            names(
                "SELECT x, t.y, count(*), 1, x::int, 1::int, 1.5::float8::numeric, \
                 x::int::text, NUMERIC '2.50', (1)::int2, ROW(1), CASE WHEN true THEN 1 END \
                 FROM t"
            ),
            [
                named("x"),
                named("y"),
                named("count"),
                named("?column?"),
                named("x"),
                named("int4"),
                named("numeric"),
                named("x"),
                named("numeric"),
                named("int2"),
                named("row"),
                named("case"),
            ]
        );
    }
}
