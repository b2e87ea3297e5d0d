//! What PostgreSQL refuses in a recursive query's recursive term, refused before planning.
//!
//! DataFusion runs `WITH RECURSIVE t AS (SELECT 1 UNION ALL SELECT count(*) FROM t)`: each
//! round's count of the previous round is one row, so the query never ends. PostgreSQL
//! refuses it (42P19, "aggregate functions are not allowed in a recursive query's recursive
//! term"), and so does [`check`]. Only the recursive term's own `SELECT` is looked at: an
//! aggregate inside a subquery of it is allowed. [`calls_aggregate`], which finds them, also
//! serves the statement rewrites (`rewrite.rs`).
//!
//! [`nullable_outputs`] works around a mismatch in DataFusion's planning of a recursive
//! query: its output schema is decided on the logical plan, where `x IS TRUE` (also what
//! the simplifier makes of `CASE WHEN x THEN true ELSE false END`) is never NULL, but the
//! physical plan computes `x IS TRUE` as `x IS NOT DISTINCT FROM true`, which it counts as
//! nullable when `x` is, and then refuses to fit the recursive term into the "non-null"
//! output ("field nullability differs"). Every column of a recursive query's output is made
//! nullable before physical planning, which is always safe.

use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::common::DFSchema;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::logical_expr::LogicalPlan;
use sqlparser::ast::{
    Expr, Function, ObjectName, Query, Select, SetExpr, SetOperator, Statement, Visit, Visitor,
};

use crate::SqlState;
use crate::error::{Error, Result};

/// Refuses aggregates in the recursive term of every `WITH RECURSIVE` of `statement`;
/// `is_aggregate` tells an aggregate function's name (as written, lower case).
pub(crate) fn check(statement: &Statement, is_aggregate: &dyn Fn(&str) -> bool) -> Result<()> {
    let mut checker = Checker {
        is_aggregate,
        error: None,
    };
    let _ = statement.visit(&mut checker);
    match checker.error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

struct Checker<'a> {
    is_aggregate: &'a dyn Fn(&str) -> bool,
    error: Option<Error>,
}

impl Visitor for Checker<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let Some(with) = query.with.as_ref().filter(|w| w.recursive) else {
            return ControlFlow::Continue(());
        };
        for cte in &with.cte_tables {
            let SetExpr::SetOperation {
                op: SetOperator::Union,
                right,
                ..
            } = cte.query.body.as_ref()
            else {
                continue;
            };
            let is_aggregate =
                |name: &ObjectName| (self.is_aggregate)(&name.to_string().to_lowercase());
            if let SetExpr::Select(select) = right.as_ref()
                && calls_aggregate(select, &is_aggregate)
            {
                self.error = Some(Error::Execution {
                    message: "aggregate functions are not allowed in a recursive query's \
                              recursive term"
                        .to_string(),
                    sqlstate: SqlState::INVALID_RECURSION,
                });
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// Whether `select`'s own list or `HAVING` calls a function `is_aggregate` names (not as a
/// window function, and not inside a subquery: a subquery's aggregates are its own).
pub(crate) fn calls_aggregate(select: &Select, is_aggregate: &dyn Fn(&ObjectName) -> bool) -> bool {
    let aggregate = |f: &Function| f.over.is_none() && is_aggregate(&f.name);
    calls(&select.projection, &aggregate) || calls(&select.having, &aggregate)
}

/// Whether `node` calls a function `found` accepts, outside the subqueries in it (whose
/// calls are their own).
pub(crate) fn calls(node: &impl Visit, found: &dyn Fn(&Function) -> bool) -> bool {
    let mut finder = Calls { found, depth: 0 };
    node.visit(&mut finder).is_break()
}

struct Calls<'a> {
    found: &'a dyn Fn(&Function) -> bool,
    /// How many subqueries deep the visit is.
    depth: usize,
}

impl Visitor for Calls<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.depth == 0
            && let Expr::Function(f) = expr
            && (self.found)(f)
        {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

/// `plan` with the output of each recursive query in it counted nullable in every column
/// (and the schemas of the plans above recomputed): see the module documentation.
pub(crate) fn nullable_outputs(plan: LogicalPlan) -> datafusion::common::Result<LogicalPlan> {
    plan.transform_up(|node| match node {
        LogicalPlan::RecursiveQuery(mut query) => {
            let schema = &query.schema;
            let fields = schema
                .iter()
                .map(|(qualifier, field)| {
                    (
                        qualifier.cloned(),
                        Arc::new(field.as_ref().clone().with_nullable(true)),
                    )
                })
                .collect();
            let nullable = DFSchema::new_with_metadata(fields, schema.metadata().clone())?
                .with_functional_dependencies(schema.functional_dependencies().clone())?;
            query.schema = Arc::new(nullable);
            Ok(Transformed::yes(LogicalPlan::RecursiveQuery(query)))
        }
        other => Ok(Transformed::yes(other.recompute_schema()?)),
    })
    .map(|transformed| transformed.data)
}
