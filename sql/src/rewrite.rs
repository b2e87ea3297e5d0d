//! PostgreSQL's idioms rewritten, in every statement, into what DataFusion plans.
//!
//! One walk over the statement ([`rewrite`]) does the work, in three places:
//!
//! - each query, on the way down: `FETCH FIRST` becomes `LIMIT`, and a `SELECT` that
//!   inner-joins one of the always-empty catalogs is folded to an empty result (it has no
//!   rows whatever its other clauses say, and clauses such as psql's array subscripts over
//!   `pg_publication_rel` are beyond DataFusion); on the way up, a `VALUES` column typed
//!   `json`, `uuid`, `inet` ... in one row is typed so in all;
//! - each `FROM` item, through the [`TABLE_PASSES`] in their order (module `tables`):
//!   set-returning functions, `pg_options_to_table`, the column names of `unnest` and
//!   `generate_series`, and the catalogs qualified with `pg_catalog`;
//! - each expression, innermost first, through the [`EXPRESSION_PASSES`] in their order. A
//!   pass that rewrites an expression claims it: the passes after it leave that expression
//!   alone (so a pass for one kind of expression can rely on the passes before it having
//!   left it as written). Each pass is a module of its own, with its tests.

mod casts;
mod catalogs;
mod dates;
mod functions;
mod sets;
mod syntax;
mod tables;

use std::ops::ControlFlow;

use sqlparser::ast::{
    self, Expr, Ident, Query, SelectItem, SetExpr, Statement, TableFactor, Value, ValueWithSpan,
    VisitMut, VisitorMut,
};

use crate::SqlState;
use crate::calls::call_with;
use crate::calls::object_name;
use crate::catalog::always_empty;
use crate::catalog::{REGCLASS_NAME, REGCLASS_OID, REGNAMESPACE_NAME, REGTYPE_NAME, REGTYPE_OID};
use crate::schemas::unqualified;

/// What the passes know of the statement they rewrite.
struct Context {
    /// Whether the statement reads the system catalogs (see [`crate::catalog::reads_catalogs`]).
    catalogs: bool,
}

/// A rewrite of expressions of some kinds, in place: `Ok(true)` when the expression was of
/// its kinds (rewritten, or deliberately left as is), `Ok(false)` when it was not, an error
/// when the statement cannot be planned.
type ExpressionPass = fn(&mut Expr, &Context) -> crate::Result<bool>;

/// The expression passes, each named as its module, in the order each expression meets
/// them. The order matters only between passes that look at the same kind of expression:
/// `functions` ends with the rewrite of any `pg_catalog.`-qualified call, so it follows the
/// other passes over calls; `casts` ends with the casts to any other named type, so it
/// follows `catalogs`' cast to `regclass`.
const EXPRESSION_PASSES: [ExpressionPass; 6] = [
    catalogs::catalog_idioms,
    syntax::syntax,
    sets::aggregates_and_sets,
    dates::dates_and_times,
    functions::functions,
    casts::casts,
];

/// The passes over `FROM` items, in order; each rewrites the items of its kinds in place
/// and leaves the others.
const TABLE_PASSES: [fn(&mut TableFactor) -> crate::Result<()>; 4] = [
    tables::set_returning_functions,
    tables::options_to_table,
    tables::function_columns,
    tables::catalogs_qualified,
];

/// Rewrites PostgreSQL's idioms in `statement` into what DataFusion plans (see the module
/// documentation).
///
/// In a statement that reads the catalogs (`catalogs`), a correlated scalar subquery
/// that is not aggregated has its value wrapped in `max()`: DataFusion plans only
/// aggregated ones, and a catalog lookup by key (a column's default, say) returns at most
/// one row, where `max` changes nothing.
///
/// A JSON set-returning function in `FROM` over another `FROM` item's columns (an implicit
/// `LATERAL`) is refused (0A000): DataFusion plans no correlated table functions.
pub fn rewrite(statement: &mut Statement, catalogs: bool) -> crate::Result<()> {
    let mut idioms = Idioms {
        context: Context { catalogs },
        refused: None,
    };
    let _ = statement.visit(&mut idioms);
    match idioms.refused {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// A statement the rewrite cannot plan (0A000).
fn refusal(message: String) -> crate::Error {
    crate::Error::Execution {
        message,
        sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
    }
}

struct Idioms {
    context: Context,
    /// Why the statement cannot be planned, found while rewriting it.
    refused: Option<crate::Error>,
}

/// `jsonb_array_elements(x) AS e` in `FROM`: the function in the `SELECT` list of a derived
/// table, where it is rewritten like any call of it, its column named as in PostgreSQL
/// (`value`, or for `json_object_keys` the alias, else the function's name). `None` for any
/// other table factor; an error for arguments that read columns (`LATERAL`), unless
/// `columns` allows them (`crate::lateral` builds the derived table over them).
pub(crate) fn set_returning_table(
    factor: &TableFactor,
    columns: bool,
) -> Option<crate::Result<TableFactor>> {
    let (name, args, alias) = match factor {
        TableFactor::Table {
            name,
            args: Some(args),
            alias,
            ..
        } => (name, args.args.clone(), alias),
        TableFactor::Function {
            name, args, alias, ..
        } => (name, args.clone(), alias),
        _ => return None,
    };
    let function = unqualified(name)?;
    // DataFusion's table function serves `generate_series` in `FROM`.
    if function == "generate_series" {
        return None;
    }
    let record = crate::json::is_record_function(&function);
    let each = crate::json::each_call(&function);
    if each.is_none() && !record {
        list_of_rows(&function)?;
    }
    if args.iter().any(names_a_column) && !columns {
        return Some(Err(refusal(format!(
            "{function}() in FROM over the columns of another FROM item (LATERAL) is not \
             supported; call it in the SELECT list instead: SELECT {function}(t.x) FROM t"
        ))));
    }
    if record {
        return Some(crate::json::record_table(&function, &args, alias.as_ref()));
    }
    // The column of a function of scalar rows is named after its alias, or the function.
    let scalar_rows =
        function.ends_with("object_keys") || TEXT_ROWS.iter().any(|(f, _)| *f == function);
    let column = match alias {
        Some(alias) if scalar_rows && alias.columns.is_empty() => alias.name.value.clone(),
        _ if scalar_rows => function.clone(),
        _ => "value".to_string(),
    };
    let called = |function: &str| {
        let mut call = call_with(function, vec![]);
        if let Expr::Function(f) = &mut call
            && let ast::FunctionArguments::List(list) = &mut f.args
        {
            list.args = args.clone();
        }
        call
    };
    let projection = match each {
        // The keys and the values, unnested side by side.
        Some((keys, values, typed)) => {
            let values = call("unnest", called(&values));
            vec![
                SelectItem::ExprWithAlias {
                    expr: call("unnest", called(&keys)),
                    alias: Ident::new("key"),
                },
                SelectItem::ExprWithAlias {
                    expr: match typed {
                        Some(json_in) => call(json_in, values),
                        None => values,
                    },
                    alias: Ident::new("value"),
                },
            ]
        }
        None => vec![SelectItem::ExprWithAlias {
            expr: called(&function),
            alias: Ident::new(column),
        }],
    };
    let mut subquery = match sqlparser::parser::Parser::parse_sql(
        &sqlparser::dialect::PostgreSqlDialect {},
        "SELECT NULL AS value",
    )
    .ok()?
    .pop()?
    {
        Statement::Query(query) => query,
        _ => return None,
    };
    if let SetExpr::Select(select) = subquery.body.as_mut() {
        select.projection = projection;
    }
    Some(Ok(TableFactor::Derived {
        lateral: false,
        subquery,
        alias: alias.clone(),
        sample: None,
    }))
}

/// Whether `node` (an expression, a function argument) names a column anywhere in it.
pub(crate) fn names_a_column<V: ast::Visit>(node: &V) -> bool {
    ast::visit_expressions(node, |e| match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

fn call(name: &str, arg: Expr) -> Expr {
    call_with(name, vec![arg])
}

/// The functions `CURRENT_USER` (and `CURRENT_ROLE`, `USER`) and `SESSION_USER` become;
/// the session registers them with its role.
pub(crate) const CURRENT_USER: &str = "current_user";
pub(crate) const SESSION_USER: &str = "session_user";

/// The set-returning functions of text and of numbers, each `unnest` of the array function
/// beside it. (`generate_series` in `FROM` is DataFusion's table function; in a `SELECT`
/// list its rows, where DataFusion's function of that name gives one list.)
const TEXT_ROWS: [(&str, &str); 4] = [
    ("string_to_table", "string_to_array"),
    ("regexp_split_to_table", "regexp_split_to_array"),
    ("regexp_matches", crate::postgres::REGEXP_MATCHES),
    ("generate_series", crate::postgres::SERIES),
];

/// The set-returning functions planned as `unnest` of a list: the function that lists the
/// rows, and the conversion each row goes through (JSON's typed ones). JSON's
/// ([`crate::json::set_returning_call`]) and those of [`TEXT_ROWS`].
fn list_of_rows(name: &str) -> Option<(String, Option<&'static str>)> {
    match TEXT_ROWS.iter().find(|(f, _)| *f == name) {
        Some((_, lister)) => Some((lister.to_string(), None)),
        None => crate::json::set_returning_call(name),
    }
}

/// The function a cast to `json` or `jsonb` becomes.
fn json_in(data_type: &ast::DataType) -> &'static str {
    if matches!(data_type, ast::DataType::JSONB) {
        crate::json::JSONB_IN
    } else {
        crate::json::JSON_IN
    }
}

/// Whether `expr` is text (a literal, or a function that gives a relation's name), not an
/// object id, where `::regclass` casts it.
fn is_text_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(_),
            ..
        }) => true,
        // The functions that give a relation's name as text (SQLAlchemy reflects identity
        // columns with `pg_get_serial_sequence(...)::regclass`).
        Expr::Function(f) => unqualified(&f.name).is_some_and(|n| {
            matches!(
                n.as_str(),
                "pg_get_serial_sequence" | "quote_ident" | "format" | "concat" | "lower"
            )
        }),
        Expr::Nested(inner) => is_text_literal(inner),
        _ => false,
    }
}

impl VisitorMut for Idioms {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Err(error) = fetch_as_limit(query) {
            self.refused = Some(error);
            return ControlFlow::Break(());
        }
        distinct_order_by_position(query);
        fold_empty_selects(query.body.as_mut());
        // Nothing to order, and the names ORDER BY used are gone.
        if all_folded(&query.body) {
            query.order_by = None;
        }
        ControlFlow::Continue(())
    }

    /// A `VALUES` column with a `json`, `jsonb`, `uuid`, `inet` or `cidr` value in one row
    /// has that type in every row, as PostgreSQL resolves it: the others go through the same
    /// conversion (DataFusion refuses rows whose types differ in the metadata that marks
    /// these types).
    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let SetExpr::Values(values) = query.body.as_mut() else {
            return ControlFlow::Continue(());
        };
        let typed = [
            crate::json::JSON_IN,
            crate::json::JSONB_IN,
            crate::postgres::UUID_IN,
            crate::network::functions::INET_IN,
            crate::network::functions::CIDR_IN,
        ];
        let conversion = |e: &Expr| match e {
            Expr::Function(f) => unqualified(&f.name).filter(|n| typed.contains(&n.as_str())),
            _ => None,
        };
        let width = values.rows.first().map_or(0, |row| row.content.len());
        for column in 0..width {
            let Some(function) = values
                .rows
                .iter()
                .find_map(|row| row.get(column).and_then(conversion))
            else {
                continue;
            };
            for row in &mut values.rows {
                if let Some(value) = row.get_mut(column)
                    && conversion(value).is_none()
                {
                    let plain = std::mem::replace(value, Expr::value(Value::Null));
                    *value = call(&function, plain);
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        for pass in TABLE_PASSES {
            if let Err(error) = pass(factor) {
                self.refused = Some(error);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        for pass in EXPRESSION_PASSES {
            match pass(expr, &self.context) {
                Ok(false) => {}
                Ok(true) => break,
                Err(error) => {
                    self.refused = Some(error);
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Whether every `SELECT` of `body` is one [`fold_empty_selects`] emptied.
fn all_folded(body: &SetExpr) -> bool {
    match body {
        SetExpr::Select(select) => {
            select.from.is_empty()
                && matches!(
                    select.selection,
                    Some(Expr::Value(ValueWithSpan {
                        value: Value::Boolean(false),
                        ..
                    }))
                )
        }
        SetExpr::SetOperation { left, right, .. } => all_folded(left) && all_folded(right),
        _ => false,
    }
}

/// `FETCH { FIRST | NEXT } [n] { ROW | ROWS } ONLY` (the standard's `LIMIT`, which
/// Hibernate 6 writes for PostgreSQL) as `LIMIT n`, `n` 1 if left out; beside an `OFFSET`,
/// as PostgreSQL allows. `WITH TIES` and `PERCENT` are refused (0A000).
fn fetch_as_limit(query: &mut Query) -> crate::Result<()> {
    let Some(fetch) = query.fetch.take() else {
        return Ok(());
    };
    if fetch.with_ties || fetch.percent {
        return Err(refusal(format!("{fetch} is not supported")));
    }
    let count = fetch
        .quantity
        .unwrap_or_else(|| Expr::value(Value::Number("1".into(), false)));
    match &mut query.limit_clause {
        None => {
            query.limit_clause = Some(ast::LimitClause::LimitOffset {
                limit: Some(count),
                offset: None,
                limit_by: Vec::new(),
            });
        }
        Some(ast::LimitClause::LimitOffset {
            limit: limit @ None,
            ..
        }) => *limit = Some(count),
        Some(_) => {
            return Err(crate::Error::Execution {
                message: "syntax error: LIMIT and FETCH in one query".to_string(),
                sqlstate: SqlState::SYNTAX_ERROR,
            });
        }
    }
    Ok(())
}

/// `SELECT DISTINCT a + 1 ... ORDER BY a + 1`: each `ORDER BY` expression of a `SELECT
/// DISTINCT` that is one of its items becomes that item's position (`ORDER BY 1`).
/// PostgreSQL requires the expression to be in the list and sorts by that column;
/// DataFusion finds only columns and aliases there, and refuses any other expression as not
/// in the list. Plain names are left as written, as are expressions in no item (refused, as
/// in PostgreSQL).
fn distinct_order_by_position(query: &mut Query) {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return;
    };
    if !matches!(select.distinct, Some(ast::Distinct::Distinct)) {
        return;
    }
    let Some(ast::OrderBy {
        kind: ast::OrderByKind::Expressions(order),
        ..
    }) = query.order_by.as_mut()
    else {
        return;
    };
    for sort in order {
        if matches!(
            sort.expr,
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_)
        ) {
            continue;
        }
        let position = select.projection.iter().position(|item| match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                *expr == sort.expr
            }
            _ => false,
        });
        if let Some(i) = position {
            sort.expr = Expr::value(Value::Number((i + 1).to_string(), false));
        }
    }
}

/// Replaces each `SELECT` of `body` that inner-joins an always-empty catalog with one of
/// no rows and the same column names.
fn fold_empty_selects(body: &mut SetExpr) {
    match body {
        SetExpr::SetOperation { left, right, .. } => {
            fold_empty_selects(left);
            fold_empty_selects(right);
        }
        SetExpr::Select(select) => {
            let empty_join = select.from.iter().any(|from| {
                is_empty_catalog(&from.relation)
                    || from.joins.iter().any(|join| {
                        matches!(
                            join.join_operator,
                            ast::JoinOperator::Join(_)
                                | ast::JoinOperator::Inner(_)
                                | ast::JoinOperator::CrossJoin(_)
                        ) && is_empty_catalog(&join.relation)
                    })
            });
            if !empty_join || !select.group_by_is_empty() || has_aggregate(select) {
                return;
            }
            // The names the items had, for a query that reads them (a CTE's anchor names its
            // columns); unique, as DataFusion insists, with `columnN` for the rest.
            // PostgreSQL's are put back on the result (`crate::naming`).
            let mut used = std::collections::HashSet::new();
            let projection = select
                .projection
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let named = match item {
                        SelectItem::ExprWithAlias { alias, .. } => Some(alias.clone()),
                        SelectItem::UnnamedExpr(Expr::Identifier(ident)) => Some(ident.clone()),
                        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                            parts.last().cloned()
                        }
                        _ => None,
                    };
                    let alias = named
                        .filter(|ident| used.insert(crate::schemas::ident_name(ident)))
                        .unwrap_or_else(|| Ident::new(format!("column{}", i + 1)));
                    SelectItem::ExprWithAlias {
                        expr: Expr::Cast {
                            kind: ast::CastKind::Cast,
                            expr: Box::new(Expr::value(Value::Null)),
                            data_type: ast::DataType::Text,
                            array: false,
                            format: None,
                        },
                        alias,
                    }
                })
                .collect();
            select.projection = projection;
            select.from.clear();
            select.selection = Some(Expr::value(Value::Boolean(false)));
            select.having = None;
            select.distinct = None;
        }
        _ => {}
    }
}

fn is_empty_catalog(factor: &TableFactor) -> bool {
    match factor {
        TableFactor::Table { name, .. } => unqualified(name).is_some_and(|n| always_empty(&n)),
        _ => false,
    }
}

trait GroupBy {
    fn group_by_is_empty(&self) -> bool;
}

impl GroupBy for ast::Select {
    fn group_by_is_empty(&self) -> bool {
        match &self.group_by {
            ast::GroupByExpr::Expressions(exprs, _) => exprs.is_empty(),
            ast::GroupByExpr::All(_) => false,
        }
    }
}

/// Whether the select list calls an aggregate (a `SELECT count(*)` of nothing still has
/// one row).
fn has_aggregate(select: &ast::Select) -> bool {
    const AGGREGATES: [&str; 9] = [
        "count",
        "sum",
        "min",
        "max",
        "avg",
        "array_agg",
        "string_agg",
        "bool_and",
        "bool_or",
    ];
    crate::recursive::calls_aggregate(select, &|name| {
        unqualified(name).is_some_and(|n| AGGREGATES.contains(&n.as_str()))
    })
}

#[cfg(test)]
mod testing {
    /// `sql` (one statement) as [`super::rewrite`] leaves it, printed; `catalogs`: whether
    /// it is taken as reading the system catalogs.
    pub(super) fn rewritten(sql: &str, catalogs: bool) -> String {
        let mut statement = parsed(sql);
        super::rewrite(&mut statement, catalogs).expect("the rewrite plans it");
        statement.to_string()
    }

    /// Why [`super::rewrite`] refuses `sql`.
    pub(super) fn refused(sql: &str) -> crate::Error {
        let mut statement = parsed(sql);
        super::rewrite(&mut statement, false).expect_err("the rewrite refuses it")
    }

    fn parsed(sql: &str) -> sqlparser::ast::Statement {
        let dialect = sqlparser::dialect::PostgreSqlDialect {};
        let mut statements =
            sqlparser::parser::Parser::parse_sql(&dialect, sql).expect("test SQL parses");
        assert_eq!(statements.len(), 1, "one statement: {sql}");
        statements.remove(0)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::rewritten;

    #[test]
    fn a_pass_that_claims_an_expression_keeps_it_from_the_later_passes() {
        // `functions` rewrites `pg_catalog.mod` as `mod`, not only unqualified.
        assert_eq!(
            rewritten(
                "SELECT pg_catalog.mod(a, b), pg_catalog.upper(s) FROM t",
                false
            ),
            "SELECT ((a) % (b)), upper(s) FROM t"
        );
        // `catalogs` takes `::regclass`; `casts` takes the other named types.
        assert_eq!(
            rewritten("SELECT 'items'::regclass, 'int4'::regtype", false),
            "SELECT __pg_regclass_oid('items'), __pg_regtype_name(__pg_regtype_oid('int4'))"
        );
    }

    #[test]
    fn expressions_are_rewritten_innermost_first() {
        assert_eq!(
            rewritten("SELECT mod(x::numeric, 2) FROM t", false),
            "SELECT ((__driftdb_numeric(x)) % (2)) FROM t"
        );
    }

    #[test]
    fn the_catalogs_are_qualified_and_a_fetch_is_a_limit() {
        assert_eq!(
            rewritten("SELECT relname FROM pg_class FETCH FIRST 2 ROWS ONLY", true),
            "SELECT relname FROM pg_catalog.pg_class AS pg_class LIMIT 2"
        );
    }
}
