//! A quoted literal in a `UNION` takes the type of the other branches, as in PostgreSQL.
//!
//! PostgreSQL gives `'foo'` the type `unknown` until its context decides one: in
//! `SELECT '3.4'::numeric UNION SELECT 'foo'` the column is `numeric`, so `'foo'` is read as
//! a number and refused (22P02). DataFusion types the literal `text` from the start and
//! resolves the column to `text`, returning both rows as text. This rule runs before
//! DataFusion's type coercion: where a `UNION` column is a bare string literal in some
//! branches and of one other type in all the rest, the literals are cast to that type.
//!
//! And branches whose types are of different kinds cannot be matched: PostgreSQL refuses
//! `SELECT 'a'::text UNION SELECT 1` (42804) where DataFusion's coercion would turn the number
//! into text. Types match when their `pg_type` categories do (numbers with numbers, text with
//! text, dates and timestamps with each other); quoted literals and `NULL`s match anything.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::expr::{Alias, Cast};
use datafusion::logical_expr::{Expr, LogicalPlan, Projection, Union, cast};
use datafusion::optimizer::AnalyzerRule;

use crate::SqlState;
use crate::pg_types::{self, Typed};

/// The rule; see the module documentation. It must run before type coercion.
#[derive(Debug, Default)]
pub(crate) struct UnknownLiterals;

impl AnalyzerRule for UnknownLiterals {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| match plan {
            LogicalPlan::Union(union) => resolve(union),
            other => Ok(Transformed::no(other)),
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "postgres_unknown_literals"
    }
}

/// Whether column `i` of `input` is a quoted literal (`'foo'`, `'foo' AS x`).
fn is_unknown(input: &LogicalPlan, i: usize) -> bool {
    let LogicalPlan::Projection(projection) = input else {
        return false;
    };
    let expr = match projection.expr.get(i) {
        Some(Expr::Alias(alias)) => alias.expr.as_ref(),
        Some(expr) => expr,
        None => return false,
    };
    matches!(expr, Expr::Literal(ScalarValue::Utf8(Some(_)), _))
}

/// Whether column `i` of `input` is a `NULL`, typed or not: it matches any branch. (The
/// rows of catalogs DriftDB keeps empty are `NULL`s cast to `text`, whatever PostgreSQL's
/// columns' types.)
fn is_null(input: &LogicalPlan, i: usize) -> bool {
    if input
        .schema()
        .fields()
        .get(i)
        .is_some_and(|f| f.data_type() == &DataType::Null)
    {
        return true;
    }
    let LogicalPlan::Projection(projection) = input else {
        return false;
    };
    let mut expr = projection.expr.get(i);
    while let Some(Expr::Alias(Alias { expr: inner, .. }) | Expr::Cast(Cast { expr: inner, .. })) =
        expr
    {
        expr = Some(inner.as_ref());
    }
    matches!(expr, Some(Expr::Literal(value, _)) if value.is_null())
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Refuses a column whose typed branches are of different kinds, in PostgreSQL's words
/// (`UNION types text and bigint cannot be matched`).
fn check_kinds(union: &Union) -> Result<()> {
    for i in 0..union.schema.fields().len() {
        let mut first: Option<(&'static str, Typed)> = None;
        for input in &union.inputs {
            let Some(field) = input.schema().fields().get(i) else {
                continue;
            };
            if is_unknown(input, i) || is_null(input, i) {
                continue;
            }
            let typed = pg_types::of_field(field);
            let Some(category) = typed.pg_type().map(|t| t.category) else {
                continue;
            };
            match first {
                None => first = Some((category, typed)),
                Some((seen, seen_type)) if seen != category => {
                    let name = |t: Typed| {
                        pg_types::format_type(t.oid, None).unwrap_or_else(|| t.oid.to_string())
                    };
                    return Err(crate::Error::Execution {
                        message: format!(
                            "UNION types {} and {} cannot be matched",
                            name(seen_type),
                            name(typed)
                        ),
                        sqlstate: SqlState::DATATYPE_MISMATCH,
                    }
                    .into());
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

fn resolve(union: Union) -> Result<Transformed<LogicalPlan>> {
    check_kinds(&union)?;
    let columns = union.schema.fields().len();
    // Most unions have no quoted literal to type: they are left as they are, not copied.
    let any_unknown = (0..columns).any(|i| union.inputs.iter().any(|input| is_unknown(input, i)));
    if !any_unknown {
        return Ok(Transformed::no(LogicalPlan::Union(union)));
    }
    let mut inputs: Vec<LogicalPlan> = union.inputs.iter().map(|i| i.as_ref().clone()).collect();
    let mut changed = false;
    for i in 0..columns {
        let unknown: Vec<bool> = inputs.iter().map(|input| is_unknown(input, i)).collect();
        if !unknown.contains(&true) {
            continue;
        }
        // The one type of the branches where the column is not a literal.
        let mut typed = inputs
            .iter()
            .zip(&unknown)
            .filter(|(_, unknown)| !**unknown)
            .map(|(input, _)| input.schema().field(i).data_type().clone())
            .filter(|t| *t != DataType::Null);
        let Some(target) = typed.next() else {
            continue;
        };
        if is_text(&target) || typed.any(|t| t != target) {
            continue;
        }
        for (input, unknown) in inputs.iter_mut().zip(&unknown) {
            if !*unknown {
                continue;
            }
            let LogicalPlan::Projection(projection) = input else {
                continue;
            };
            let mut exprs = projection.expr.clone();
            let (name, literal) = match &exprs[i] {
                Expr::Alias(alias) => (alias.name.clone(), alias.expr.as_ref().clone()),
                other => (other.schema_name().to_string(), other.clone()),
            };
            exprs[i] = cast(literal, target.clone()).alias(name);
            *input =
                LogicalPlan::Projection(Projection::try_new(exprs, Arc::clone(&projection.input))?);
            changed = true;
        }
    }
    if !changed {
        return Ok(Transformed::no(LogicalPlan::Union(union)));
    }
    let inputs = inputs.into_iter().map(Arc::new).collect();
    Ok(Transformed::yes(LogicalPlan::Union(
        Union::try_new_with_loose_types(inputs)?,
    )))
}
