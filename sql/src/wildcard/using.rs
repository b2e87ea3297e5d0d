//! Chains of `JOIN ... USING`: `a JOIN b USING (x) JOIN c USING (x)`.
//!
//! PostgreSQL merges each `USING` column into one (the left side's, the right's for a
//! `RIGHT JOIN`, `COALESCE` of both for a `FULL JOIN`), so the next join's `USING (x)` and
//! every bare `x` of the select read the merged column. DataFusion resolves a bare `x` among
//! the tables of one `USING` pair only: with three tables `SELECT x` was "Ambiguous reference
//! to unqualified field x", and with four even `count(*)` failed; and DataFusion read a bare
//! `k` of `a FULL JOIN b USING (k)` as `a.k`, NULL for the rows only `b` has. Where a `FROM`
//! item joins two or more times by `USING`, or by a `FULL JOIN ... USING`, and every table's
//! columns are known, each of its `USING`
//! joins becomes `ON` of the merged column with the right side's, and each bare reference to
//! a merged column in the select's list, `WHERE`, `GROUP BY` and `HAVING` (and the query's
//! `ORDER BY`, where the list has no column of that name) becomes the merged column (named as
//! it was, in the list). `*` was spelled out before this, PostgreSQL's way.

use std::collections::HashMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, ObjectNamePart, Query,
    Select, SelectItem, TableFactor, TableWithJoins, VisitMut, VisitorMut,
};

use super::{Kind, Output, Tables, join_parts, merge, normalise};

/// Whether a `FROM` item of `select` joins by `USING` (or `NATURAL`) twice or more, or
/// has a `FULL JOIN ... USING` (whose merged column DataFusion reads as the left side's).
pub(super) fn chained(select: &Select) -> bool {
    select.from.iter().any(|from| {
        let merging = from.joins.iter().filter_map(|j| {
            join_parts(&j.join_operator)
                .filter(|(_, c)| matches!(c, JoinConstraint::Using(_) | JoinConstraint::Natural))
                .map(|(kind, _)| kind)
        });
        let (mut count, mut full) = (0, false);
        for kind in merging {
            count += 1;
            full |= kind == Kind::Full;
        }
        count >= 2 || full
    })
}

/// Rewrites `select`'s chained `USING` joins and its bare references to their merged
/// columns; see the module documentation. Leaves the select as it is where a table's
/// columns are not known. Returns the merged columns, by name, for the query's `ORDER BY`.
pub(super) fn rewrite(select: &mut Select, tables: &Tables<'_, '_>) -> HashMap<String, Expr> {
    let mut merged: HashMap<String, Expr> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut plans = Vec::new();
    for from in &mut select.from {
        let Some((outputs, constraints)) = plan(from, tables) else {
            return HashMap::new();
        };
        for output in &outputs {
            *seen.entry(output.name.clone()).or_default() += 1;
        }
        plans.push(constraints);
        for (name, expr) in merged_columns(from, &outputs) {
            merged.insert(name, expr);
        }
    }
    // A merged name another `FROM` item also has is ambiguous, as in PostgreSQL: left as
    // written.
    merged.retain(|name, _| seen.get(name) == Some(&1));
    for (from, constraints) in select.from.iter_mut().zip(plans) {
        for (join, on) in from.joins.iter_mut().zip(constraints) {
            if let Some(on) = on {
                set_on(&mut join.join_operator, on);
            }
        }
    }
    if merged.is_empty() {
        return merged;
    }
    let mut bare = Bare {
        merged: &merged,
        depth: 0,
    };
    for item in &mut select.projection {
        match item {
            SelectItem::UnnamedExpr(Expr::Identifier(ident))
                if merged.contains_key(&normalise(ident)) =>
            {
                let alias = ident.clone();
                let expr = merged[&normalise(ident)].clone();
                *item = SelectItem::ExprWithAlias { expr, alias };
            }
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                let _ = expr.visit(&mut bare);
            }
            _ => {}
        }
    }
    if let Some(selection) = &mut select.selection {
        let _ = selection.visit(&mut bare);
    }
    if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
        for expr in exprs {
            let _ = expr.visit(&mut bare);
        }
    }
    if let Some(having) = &mut select.having {
        let _ = having.visit(&mut bare);
    }
    merged
}

/// The columns `from` gives, and for each of its joins the `ON` that replaces its `USING`
/// (`None`: left as it is); `None` if some table's columns are not known.
fn plan(
    from: &mut TableWithJoins,
    tables: &Tables<'_, '_>,
) -> Option<(Vec<Output>, Vec<Option<Expr>>)> {
    let mut keys = Vec::new();
    let mut left = outputs(&mut from.relation, tables, &mut keys)?;
    let mut constraints = Vec::new();
    for join in &mut from.joins {
        let right = outputs(&mut join.relation, tables, &mut keys)?;
        let (kind, constraint) = join_parts(&join.join_operator)?;
        match constraint {
            JoinConstraint::Using(names) => {
                let mut on: Option<Expr> = None;
                for name in names {
                    let [ObjectNamePart::Identifier(ident)] = name.0.as_slice() else {
                        return None;
                    };
                    let name = normalise(ident);
                    let l = left.iter().find(|o| o.name == name)?;
                    let r = right.iter().find(|o| o.name == name)?;
                    let equal = Expr::BinaryOp {
                        left: Box::new(l.expr.clone()),
                        op: BinaryOperator::Eq,
                        right: Box::new(r.expr.clone()),
                    };
                    on = Some(match on {
                        None => equal,
                        Some(so_far) => Expr::BinaryOp {
                            left: Box::new(so_far),
                            op: BinaryOperator::And,
                            right: Box::new(equal),
                        },
                    });
                }
                let names = names.clone();
                left = merge(&left, &right, &names, kind)?;
                constraints.push(on);
            }
            // `NATURAL` was made `USING` before this.
            JoinConstraint::Natural => return None,
            _ => {
                left = match kind {
                    Kind::LeftOnly => left,
                    Kind::RightOnly => right,
                    _ => left.into_iter().chain(right).collect(),
                };
                constraints.push(None);
            }
        }
    }
    Some((left, constraints))
}

/// The columns `factor` gives: a table's, or a subquery's, `VALUES` list's or function's
/// that their aliases or plain items name.
fn outputs(
    factor: &mut TableFactor,
    tables: &Tables<'_, '_>,
    keys: &mut Vec<(String, Vec<String>)>,
) -> Option<Vec<Output>> {
    if let Some(outputs) = tables.factor_outputs(factor, keys) {
        return Some(outputs);
    }
    let rewriter = tables.rewriter;
    let (qualifier, names) = super::whole_row::item(factor, &rewriter.ctes, rewriter.columns)?;
    Some(
        names
            .into_iter()
            .map(|name| Output {
                expr: Expr::CompoundIdentifier(vec![
                    qualifier.clone(),
                    Ident::with_quote('"', name.as_str()),
                ]),
                name,
            })
            .collect(),
    )
}

/// The merged columns among `outputs` (those of the `USING` lists of `from`), by name.
fn merged_columns(from: &TableWithJoins, outputs: &[Output]) -> Vec<(String, Expr)> {
    let mut names = Vec::new();
    for join in &from.joins {
        if let Some((_, JoinConstraint::Using(list))) = join_parts(&join.join_operator) {
            for name in list {
                if let [ObjectNamePart::Identifier(ident)] = name.0.as_slice() {
                    names.push(normalise(ident));
                }
            }
        }
    }
    outputs
        .iter()
        .filter(|o| names.contains(&o.name))
        .map(|o| (o.name.clone(), o.expr.clone()))
        .collect()
}

/// Puts `on` in place of a join's `USING`.
fn set_on(operator: &mut JoinOperator, on: Expr) {
    match operator {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c) => *c = JoinConstraint::On(on),
        _ => {}
    }
}

/// Replaces bare references to merged columns, outside subqueries.
struct Bare<'a> {
    merged: &'a HashMap<String, Expr>,
    depth: usize,
}

impl VisitorMut for Bare<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if self.depth == 0
            && let Expr::Identifier(ident) = expr
            && let Some(merged) = self.merged.get(&normalise(ident))
        {
            *expr = merged.clone();
        }
        ControlFlow::Continue(())
    }
}
