//! Set-returning functions in `FROM` over the columns of the `FROM` items before them, which
//! PostgreSQL reads as `LATERAL` whether or not the keyword is written:
//!
//! ```sql
//! SELECT t.id, g FROM t, generate_series(1, t.n) AS g;
//! SELECT t.id, e.value FROM t CROSS JOIN LATERAL jsonb_array_elements(t.doc) AS e;
//! SELECT t.id, u FROM t LEFT JOIN LATERAL unnest(t.tags) AS u ON true;
//! ```
//!
//! DataFusion plans no table function over another table's columns. Each such call becomes
//! a derived table that calls the function in its `SELECT` list (where it becomes `unnest`
//! of a list) once per distinct value of its arguments, read from the items before it, and
//! keeps those values as hidden columns (`__driftdb_lateral_1`, ..., which `*` leaves out,
//! see `crate::wildcard`); the join matches them to each row's own, `IS NOT DISTINCT FROM`
//! so that a NULL argument is matched too (its set is empty either way):
//!
//! ```sql
//! SELECT t.id, g FROM t, (
//!     SELECT generate_series(1, __driftdb_lateral.__driftdb_lateral_1) AS g,
//!            __driftdb_lateral.__driftdb_lateral_1 AS __driftdb_lateral_1
//!     FROM (SELECT DISTINCT t.n AS __driftdb_lateral_1 FROM t) AS __driftdb_lateral
//! ) AS g WHERE g.__driftdb_lateral_1 IS NOT DISTINCT FROM t.n
//! ```
//!
//! A call in a comma list has its condition added to `WHERE`; one joined with `CROSS JOIN`,
//! `JOIN ... ON` or `LEFT JOIN ... ON` to its `ON`. The inner `SELECT DISTINCT` reads the
//! comma items the arguments name (all before the call where a column is not qualified) and
//! the joins before the call in its own item. A call whose arguments read no item before it
//! (an outer query's column) is left alone; a `RIGHT` or `FULL` join of one is refused, as
//! PostgreSQL refuses it.

use std::ops::ControlFlow;

use sqlparser::ast::{
    self, Expr, FunctionArg, FunctionArgExpr, Ident, JoinConstraint, JoinOperator, ObjectName,
    Query, Select, SelectItem, SetExpr, Statement, TableAlias, TableFactor, TableWithJoins,
    VisitMut, VisitorMut,
};

use crate::SqlState;
use crate::error::{Error, Result};

/// The names of the hidden argument columns start with this.
pub(crate) const ARGUMENT: &str = "__driftdb_lateral_";

/// The alias of the inner `SELECT DISTINCT` of the arguments.
const ARGUMENTS: &str = "__driftdb_lateral";

/// Rewrites every set-returning call over earlier `FROM` items in `statement` (see the
/// module documentation).
pub(crate) fn rewrite(statement: &mut Statement) -> Result<()> {
    let mut visitor = Lateral { error: None };
    let _ = statement.visit(&mut visitor);
    visitor.error.map_or(Ok(()), Err)
}

struct Lateral {
    error: Option<Error>,
}

impl VisitorMut for Lateral {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        match rewrite_body(query.body.as_mut()) {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => {
                self.error = Some(error);
                ControlFlow::Break(())
            }
        }
    }
}

fn rewrite_body(body: &mut SetExpr) -> Result<()> {
    match body {
        SetExpr::Select(select) => rewrite_select(select),
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_body(left)?;
            rewrite_body(right)
        }
        // Nested queries are visited as queries of their own.
        _ => Ok(()),
    }
}

fn rewrite_select(select: &mut Select) -> Result<()> {
    let mut conditions = Vec::new();
    for i in 0..select.from.len() {
        if let Some(call) = Call::of(&select.from[i].relation) {
            let before = items_read(&select.from[..i], &call, None);
            if let Some((factor, condition)) = call.table(before)? {
                select.from[i].relation = factor;
                conditions.push(condition);
            }
        }
        for j in 0..select.from[i].joins.len() {
            let Some(call) = Call::of(&select.from[i].joins[j].relation) else {
                continue;
            };
            let own = TableWithJoins {
                relation: select.from[i].relation.clone(),
                joins: select.from[i].joins[..j].to_vec(),
            };
            let before = items_read(&select.from[..i], &call, Some(own));
            if let Some((factor, condition)) = call.table(before)? {
                let join = &mut select.from[i].joins[j];
                join.relation = factor;
                join.join_operator = joined_on(&join.join_operator, condition)?;
            }
        }
    }
    if let Some(condition) = conditions.into_iter().reduce(and) {
        select.selection = Some(match select.selection.take() {
            Some(selection) => and(Expr::Nested(Box::new(selection)), condition),
            None => condition,
        });
    }
    Ok(())
}

/// The items before a call that its arguments read: the comma items `earlier` whose
/// qualifiers they name (all of them if a column is not qualified), and `own`, the call's
/// own item up to it.
fn items_read(
    earlier: &[TableWithJoins],
    call: &Call,
    own: Option<TableWithJoins>,
) -> Vec<TableWithJoins> {
    let qualifiers = call.qualifiers();
    let mut items: Vec<TableWithJoins> = earlier
        .iter()
        .filter(|item| {
            qualifiers.as_ref().is_none_or(|names| {
                let mine = item_qualifiers(item);
                names.iter().any(|n| mine.contains(n))
            })
        })
        .cloned()
        .collect();
    items.extend(own);
    items
}

/// The names the columns of `item`'s factors are qualified with, lower case.
fn item_qualifiers(item: &TableWithJoins) -> Vec<String> {
    let mut names = Vec::new();
    for factor in std::iter::once(&item.relation).chain(item.joins.iter().map(|j| &j.relation)) {
        match factor {
            TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => names.extend(item_qualifiers(table_with_joins)),
            TableFactor::Table {
                name, alias: None, ..
            } => names.extend(last_part(name)),
            other => names.extend(factor_alias(other).map(|a| a.name.value.to_lowercase())),
        }
    }
    names
}

fn factor_alias(factor: &TableFactor) -> Option<&TableAlias> {
    match factor {
        TableFactor::Table { alias, .. }
        | TableFactor::Derived { alias, .. }
        | TableFactor::Function { alias, .. }
        | TableFactor::UNNEST { alias, .. }
        | TableFactor::NestedJoin { alias, .. } => alias.as_ref(),
        _ => None,
    }
}

fn last_part(name: &ObjectName) -> Option<String> {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.to_lowercase())
}

/// A set-returning call in `FROM` whose arguments read columns.
struct Call {
    /// The function, lower case.
    function: String,
    args: Vec<Expr>,
    alias: Option<TableAlias>,
}

impl Call {
    fn of(factor: &TableFactor) -> Option<Call> {
        let (function, args, alias) = match factor {
            TableFactor::Function {
                name,
                args,
                alias,
                with_ordinality: false,
                ..
            } => (last_part(name)?, unnamed(args)?, alias),
            TableFactor::Table {
                name,
                args: Some(args),
                alias,
                with_ordinality: false,
                ..
            } => (last_part(name)?, unnamed(&args.args)?, alias),
            TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset: false,
                with_ordinality: false,
                ..
            } => ("unnest".to_string(), array_exprs.clone(), alias),
            _ => return None,
        };
        args.iter()
            .any(crate::rewrite::names_a_column)
            .then(|| Call {
                function,
                args,
                alias: alias.clone(),
            })
    }

    /// The qualifiers the arguments' columns name, lower case; `None` if one is not
    /// qualified.
    fn qualifiers(&self) -> Option<Vec<String>> {
        let mut names = Vec::new();
        let mut unqualified = false;
        for arg in &self.args {
            let _ = ast::visit_expressions(arg, |e| {
                match e {
                    Expr::Identifier(_) => unqualified = true,
                    Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                        names.push(parts[parts.len() - 2].value.to_lowercase());
                    }
                    _ => {}
                }
                ControlFlow::<()>::Continue(())
            });
        }
        (!unqualified).then_some(names)
    }

    /// The derived table standing for the call over the items `before`, and the condition
    /// that joins it to them; `None` if the call is not one this rewrites or `before` is
    /// empty.
    fn table(self, before: Vec<TableWithJoins>) -> Result<Option<(TableFactor, Expr)>> {
        if before.is_empty() {
            return Ok(None);
        }
        let name = self
            .alias
            .as_ref()
            .map_or_else(|| Ident::new(&self.function), |a| a.name.clone());
        let arguments: Vec<Expr> = (1..=self.args.len())
            .map(|k| {
                Expr::CompoundIdentifier(vec![
                    Ident::new(ARGUMENTS),
                    Ident::with_quote('"', format!("{ARGUMENT}{k}")),
                ])
            })
            .collect();
        let Some(mut projection) = self.projection(&arguments)? else {
            return Ok(None);
        };
        if let Some(alias) = &self.alias {
            for (item, column) in projection.iter_mut().zip(&alias.columns) {
                if let SelectItem::ExprWithAlias { alias, .. } = item {
                    *alias = column.name.clone();
                }
            }
        }
        let hidden = |k: usize| Ident::with_quote('"', format!("{ARGUMENT}{k}"));
        for (k, argument) in arguments.iter().enumerate() {
            projection.push(SelectItem::ExprWithAlias {
                expr: argument.clone(),
                alias: hidden(k + 1),
            });
        }
        let mut distinct = select("SELECT DISTINCT 1")?;
        if let SetExpr::Select(inner) = distinct.body.as_mut() {
            inner.projection = self
                .args
                .iter()
                .enumerate()
                .map(|(k, arg)| SelectItem::ExprWithAlias {
                    expr: arg.clone(),
                    alias: hidden(k + 1),
                })
                .collect();
            inner.from = before;
        }
        let mut subquery = select("SELECT 1")?;
        if let SetExpr::Select(outer) = subquery.body.as_mut() {
            outer.projection = projection;
            outer.from = vec![TableWithJoins {
                relation: TableFactor::Derived {
                    lateral: false,
                    subquery: distinct,
                    alias: Some(plain_alias(Ident::new(ARGUMENTS))),
                    sample: None,
                },
                joins: Vec::new(),
            }];
        }
        let condition = self
            .args
            .iter()
            .enumerate()
            .map(|(k, arg)| {
                Expr::IsNotDistinctFrom(
                    Box::new(Expr::CompoundIdentifier(vec![name.clone(), hidden(k + 1)])),
                    Box::new(arg.clone()),
                )
            })
            .reduce(and)
            .ok_or_else(|| internal("a set-returning call without arguments"))?;
        let factor = TableFactor::Derived {
            lateral: false,
            subquery,
            alias: Some(plain_alias(name)),
            sample: None,
        };
        Ok(Some((factor, condition)))
    }

    /// The `SELECT` items that call the function over `arguments`, named as PostgreSQL
    /// names its columns; `None` for a function this does not rewrite.
    fn projection(&self, arguments: &[Expr]) -> Result<Option<Vec<SelectItem>>> {
        let call = |function: &str| crate::calls::call_with(function, arguments.to_vec());
        // Scalar rows: the column is named after the alias, else the function.
        let column = || match &self.alias {
            Some(alias) if alias.columns.is_empty() => alias.name.clone(),
            _ => Ident::new(&self.function),
        };
        if matches!(self.function.as_str(), "generate_series" | "unnest") {
            return Ok(Some(vec![SelectItem::ExprWithAlias {
                expr: call(&self.function),
                alias: column(),
            }]));
        }
        let factor = TableFactor::Function {
            lateral: false,
            name: ObjectName::from(vec![Ident::new(&self.function)]),
            args: arguments
                .iter()
                .map(|a| FunctionArg::Unnamed(FunctionArgExpr::Expr(a.clone())))
                .collect(),
            with_ordinality: false,
            alias: self.alias.clone(),
        };
        if crate::json::is_record_function(&self.function) {
            return Ok(None);
        }
        match crate::rewrite::set_returning_table(&factor, true) {
            Some(Ok(TableFactor::Derived { subquery, .. })) => match *subquery.body {
                SetExpr::Select(select) => Ok(Some(select.projection)),
                _ => Ok(None),
            },
            Some(Err(error)) => Err(error),
            _ => Ok(None),
        }
    }
}

/// The unnamed arguments of a call; `None` if one is named.
fn unnamed(args: &[FunctionArg]) -> Option<Vec<Expr>> {
    args.iter()
        .map(|arg| match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn plain_alias(name: Ident) -> TableAlias {
    TableAlias {
        explicit: true,
        name,
        columns: Vec::new(),
        at: None,
    }
}

fn and(left: Expr, right: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(left),
        op: ast::BinaryOperator::And,
        right: Box::new(right),
    }
}

/// A query parsed from `sql`, a template the caller fills in.
fn select(sql: &str) -> Result<Box<Query>> {
    match sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, sql)
        .ok()
        .and_then(|mut statements| statements.pop())
    {
        Some(Statement::Query(query)) => Ok(query),
        _ => Err(internal(&format!("the template {sql:?} did not parse"))),
    }
}

fn internal(what: &str) -> Error {
    Error::Internal {
        message: what.to_string(),
    }
}

/// `operator` joining on `condition` as well as its own.
fn joined_on(operator: &JoinOperator, condition: Expr) -> Result<JoinOperator> {
    let on = |constraint: &JoinConstraint| -> Result<JoinConstraint> {
        Ok(JoinConstraint::On(match constraint {
            JoinConstraint::None => condition.clone(),
            JoinConstraint::On(own) => and(Expr::Nested(Box::new(own.clone())), condition.clone()),
            _ => {
                return Err(Error::Execution {
                    message: "a set-returning function in FROM over earlier items joins with ON, or with CROSS JOIN".to_string(),
                    sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
                });
            }
        }))
    };
    Ok(match operator {
        JoinOperator::Join(c) | JoinOperator::Inner(c) | JoinOperator::CrossJoin(c) => {
            JoinOperator::Inner(on(c)?)
        }
        JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => JoinOperator::LeftOuter(on(c)?),
        JoinOperator::CrossApply => JoinOperator::Inner(on(&JoinConstraint::None)?),
        JoinOperator::OuterApply => JoinOperator::LeftOuter(on(&JoinConstraint::None)?),
        _ => {
            return Err(Error::Execution {
                message: "invalid reference to FROM-clause entry: a RIGHT or FULL join cannot call a set-returning function over the items before it".to_string(),
                sqlstate: SqlState::INVALID_COLUMN_REFERENCE,
            });
        }
    })
}
