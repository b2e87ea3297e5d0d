//! `INTERSECT ALL` and `EXCEPT ALL` with SQL's multiset rules: a row that is `m` times on
//! the left and `n` times on the right is `min(m, n)` times in the intersection and
//! `max(m - n, 0)` times in the difference.
//!
//! DataFusion plans both as a semi or anti join of the two sides on every column (NULLs
//! equal), which keeps every left copy of a row that is on the right at all (`INTERSECT ALL`)
//! and drops every copy that is (`EXCEPT ALL`): `{1,2,2,2} EXCEPT ALL {2}` was `{1}`, where it
//! is `{1,2,2}`. This rule numbers the copies of each row on both sides
//! (`row_number() OVER (PARTITION BY every column)`) and joins on the number too, so the
//! k-th copy on the left meets only the k-th on the right. The distinct forms, whose left side
//! DataFusion makes distinct first, are unchanged by it (every number is 1).

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, NullEquality, Result};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, Join, JoinType, LogicalPlan, LogicalPlanBuilder,
};
use datafusion::optimizer::AnalyzerRule;

/// The rule; see the module documentation.
#[derive(Debug)]
pub(crate) struct MultisetSetOperations;

const LEFT_COPY: &str = "__driftdb_left_copy";
const RIGHT_COPY: &str = "__driftdb_right_copy";

impl AnalyzerRule for MultisetSetOperations {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| match &plan {
            LogicalPlan::Join(join) if is_set_operation(join) => {
                rewrite(join).map(Transformed::yes)
            }
            _ => Ok(Transformed::no(plan)),
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "multiset_set_operations"
    }
}

/// Whether `join` is how DataFusion plans `INTERSECT` or `EXCEPT`: a semi or anti join on
/// every left column, in order (cast where the sides' types differ), NULLs equal, with no
/// other condition. (Joins written in SQL are not: their NULLs are never equal, and `EXISTS`
/// and `IN` become joins only later, in the optimizer.)
fn is_set_operation(join: &Join) -> bool {
    let left = join.left.schema().columns();
    let column_of = |e: &Expr| match e {
        Expr::Column(c) => Some(c.clone()),
        Expr::Cast(cast) => match cast.expr.as_ref() {
            Expr::Column(c) => Some(c.clone()),
            _ => None,
        },
        _ => None,
    };
    matches!(join.join_type, JoinType::LeftSemi | JoinType::LeftAnti)
        && join.null_equality == NullEquality::NullEqualsNull
        && join.filter.is_none()
        && !left.is_empty()
        && join.on.len() == left.len()
        && join
            .on
            .iter()
            .zip(&left)
            .all(|((l, _), column)| column_of(l).as_ref() == Some(column))
        && !left.iter().any(|c| c.name == LEFT_COPY)
}

/// `plan` with a column `name` numbering the copies of each of its rows from 1.
fn numbered(plan: &LogicalPlan, name: &str) -> Result<LogicalPlan> {
    let columns = plan
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    let copy = row_number().partition_by(columns).build()?.alias(name);
    LogicalPlanBuilder::from(plan.clone())
        .window(vec![copy])?
        .build()
}

fn rewrite(join: &Join) -> Result<LogicalPlan> {
    let mut on = join.on.clone();
    on.push((
        Expr::Column(Column::from_name(LEFT_COPY)),
        Expr::Column(Column::from_name(RIGHT_COPY)),
    ));
    let output = join
        .left
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect::<Vec<_>>();
    let numbered_join = Join::try_new(
        Arc::new(numbered(&join.left, LEFT_COPY)?),
        Arc::new(numbered(&join.right, RIGHT_COPY)?),
        on,
        None,
        join.join_type,
        join.join_constraint,
        NullEquality::NullEqualsNull,
        join.null_aware,
    )?;
    LogicalPlanBuilder::from(LogicalPlan::Join(numbered_join))
        .project(output)?
        .build()
}

/// The rule, for the session's analyzer.
pub(crate) fn rule() -> Arc<dyn AnalyzerRule + Send + Sync> {
    Arc::new(MultisetSetOperations)
}
