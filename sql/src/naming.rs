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

use crate::outcome::Rows;

/// The names PostgreSQL gives the columns of `statement`, where they differ from
/// DataFusion's; see [`rename`]. `None` where the statement is not a plain `SELECT`.
pub(crate) struct PgNames(Option<Names>);

/// The new name of each item of a `SELECT` list (`None`: keep it): of the items before its
/// first `*` (all of them, without one), and of those after its last `*`, which are the
/// last columns whatever the `*` gives.
struct Names {
    head: Vec<Option<String>>,
    tail: Option<Vec<Option<String>>>,
}

impl Names {
    /// The slot of item `i` of the list, if it has one.
    fn slot(&mut self, i: usize, items: usize) -> Option<&mut Option<String>> {
        if i < self.head.len() {
            return self.head.get_mut(i);
        }
        let tail = self.tail.as_mut()?;
        let from = items.checked_sub(tail.len())?;
        tail.get_mut(i.checked_sub(from)?)
    }
}

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
            let items = select.projection.len();
            // A `*`'s columns are not known here: a column named beside one may repeat one
            // of them (`SELECT t.*, name`).
            let beside_wildcard = names.tail.is_some();
            for (i, item) in select.projection.iter_mut().enumerate() {
                let repeated = match item {
                    SelectItem::UnnamedExpr(expr) => {
                        !seen.insert(expr_name(expr))
                            || (beside_wildcard
                                && matches!(
                                    expr,
                                    Expr::Identifier(_) | Expr::CompoundIdentifier(_)
                                ))
                    }
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
                let Some(slot) = names.slot(i, items) else {
                    continue;
                };
                *slot = Some(name);
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
    let columns = schema.fields().len();
    // Each column's new name: the head's from the first column on, the tail's up to the last
    // (a `*` between them gives the columns in the middle).
    let mut renamed: Vec<Option<&String>> = vec![None; columns];
    match &names.tail {
        None if names.head.len() != columns => return Arc::clone(schema),
        Some(tail) if names.head.len() + tail.len() > columns => return Arc::clone(schema),
        _ => {}
    }
    for (i, name) in names.head.iter().enumerate() {
        renamed[i] = name.as_ref();
    }
    if let Some(tail) = &names.tail {
        for (i, name) in tail.iter().enumerate() {
            renamed[columns - tail.len() + i] = name.as_ref();
        }
    }
    if renamed.iter().all(Option::is_none) {
        return Arc::clone(schema);
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .zip(renamed)
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

/// The new names of the items of the top-level `SELECT` list, or `None` when the query is
/// not a plain `SELECT`.
fn select_names(statement: &Statement) -> Option<Names> {
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
    let name = |item: &SelectItem| match item {
        SelectItem::UnnamedExpr(expr) => Some(expr_name(expr)),
        _ => None,
    };
    let wildcard = |item: &SelectItem| {
        matches!(
            item,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    };
    let items = &select.projection;
    Some(match items.iter().position(wildcard) {
        None => Names {
            head: items.iter().map(name).collect(),
            tail: None,
        },
        Some(first) => {
            let last = items.iter().rposition(wildcard).unwrap_or(first);
            Names {
                head: items[..first].iter().map(name).collect(),
                tail: Some(items[last + 1..].iter().map(name).collect()),
            }
        }
    })
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
        // A window function over a frame that excludes rows is called by its excluding
        // form (`crate::parser::window_exclude`), and named by the function written.
        Expr::Function(f) => f.name.0.last().and_then(|p| p.as_ident()).map(|i| {
            let name = i.value.to_lowercase();
            match name.strip_prefix(crate::postgres::excluding::EXCLUDING) {
                Some(written) => written.to_string(),
                None => name,
            }
        }),
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
        select_names(&sql.statement).expect("a plain SELECT").head
    }

    #[test]
    fn items_beside_a_wildcard_are_named_from_their_end_of_the_list() {
        let mut names = {
            let statement = crate::parse("SELECT upper(a), t.*, 1 + 1, b FROM t")
                .expect("parses")
                .remove(0);
            let crate::parser::Statement::Sql(sql) = statement else {
                panic!("a SQL statement");
            };
            select_names(&sql.statement).expect("a plain SELECT")
        };
        let named = |s: &str| Some(s.to_string());
        assert_eq!(names.head, [named("upper")]);
        assert_eq!(names.tail, Some(vec![named("?column?"), named("b")]));
        // Item 2 of 4 is the first of the two after the `*`.
        assert_eq!(names.slot(2, 4).cloned(), Some(named("?column?")));
        assert_eq!(names.slot(1, 4), None);
        let fields = ["upper(t.a)", "x", "y", "Int32(1) + Int32(1)", "b"]
            .map(|n| Field::new(n, datafusion::arrow::datatypes::DataType::Int32, true));
        let schema = Arc::new(Schema::new(fields.to_vec()));
        let renamed = pg_schema(&PgNames(Some(names)), &schema);
        let got: Vec<&str> = renamed.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(got, ["upper", "x", "y", "?column?", "b"]);
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

    #[test]
    fn a_window_function_excluding_rows_is_named_as_written() {
        let named = |s: &str| Some(s.to_string());
        assert_eq!(
            names(
                "SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING \
                 EXCLUDE CURRENT ROW), avg(x) OVER w FROM t \
                 WINDOW w AS (ORDER BY x ROWS UNBOUNDED PRECEDING EXCLUDE TIES)"
            ),
            [named("sum"), named("avg")]
        );
    }
}
