//! `GROUP BY` lists that mix plain expressions with `ROLLUP`, `CUBE` or `GROUPING SETS`,
//! spelled as the one `GROUPING SETS` they mean.
//!
//! In SQL, `GROUP BY a, ROLLUP (b)` groups by every combination of one set from each item:
//! `GROUPING SETS ((a, b), (a))`. DataFusion plans such a mixed list without the rolled-up
//! rows, so before planning the list is multiplied out here ([`expand`]); a list with one
//! construct alone, or none, is left to DataFusion, which handles it.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, GroupByExpr, Query, SetExpr, Statement, VisitMut, VisitorMut};

/// Rewrites every mixed `GROUP BY` of `statement`; see the module documentation.
pub(crate) fn expand(statement: &mut Statement) {
    let _ = statement.visit(&mut Expander);
}

struct Expander;

impl VisitorMut for Expander {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        expand_body(&mut query.body);
        ControlFlow::Continue(())
    }
}

fn expand_body(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            if let GroupByExpr::Expressions(items, _) = &mut select.group_by
                && let Some(sets) = grouping_sets(items)
            {
                *items = vec![Expr::GroupingSets(sets)];
            }
        }
        SetExpr::SetOperation { left, right, .. } => {
            expand_body(left);
            expand_body(right);
        }
        _ => {}
    }
}

/// The grouping sets `items` mean, when they mix constructs with other items (or hold
/// more than one construct); `None` when DataFusion plans them as written.
fn grouping_sets(items: &[Expr]) -> Option<Vec<Vec<Expr>>> {
    let constructs = items
        .iter()
        .filter(|e| matches!(e, Expr::Rollup(_) | Expr::Cube(_) | Expr::GroupingSets(_)))
        .count();
    if constructs == 0 || (constructs == 1 && items.len() == 1) {
        return None;
    }
    let mut product: Vec<Vec<Expr>> = vec![Vec::new()];
    for item in items {
        let choices = sets_of(item);
        product = product
            .iter()
            .flat_map(|prefix| {
                choices.iter().map(move |choice| {
                    let mut set = prefix.clone();
                    set.extend(choice.iter().cloned());
                    set
                })
            })
            .collect();
    }
    Some(product)
}

/// The sets one `GROUP BY` item stands for.
fn sets_of(item: &Expr) -> Vec<Vec<Expr>> {
    match item {
        // ROLLUP (e1, ..., en): (e1..en), (e1..en-1), ..., ().
        Expr::Rollup(elements) => (0..=elements.len())
            .rev()
            .map(|n| elements[..n].iter().flatten().cloned().collect())
            .collect(),
        // CUBE: every subset, in PostgreSQL's order (bigger sets first).
        Expr::Cube(elements) => {
            let n = elements.len();
            let mut subsets: Vec<u32> = (0..1u32 << n).collect();
            subsets.sort_by_key(|mask| std::cmp::Reverse((mask.count_ones(), *mask)));
            subsets
                .into_iter()
                .map(|mask| {
                    elements
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| mask & (1 << (n - 1 - i)) != 0)
                        .flat_map(|(_, e)| e.iter().cloned())
                        .collect()
                })
                .collect()
        }
        Expr::GroupingSets(sets) => sets.clone(),
        plain => vec![vec![plain.clone()]],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(sql: &str) -> Vec<Vec<String>> {
        let mut statement = crate::parse(sql).expect("parses").remove(0);
        let crate::Statement::Sql(sql) = &mut statement else {
            panic!("not SQL");
        };
        expand(&mut sql.statement);
        let Statement::Query(query) = &sql.statement else {
            panic!("not a query");
        };
        let SetExpr::Select(select) = query.body.as_ref() else {
            panic!("not a select");
        };
        let GroupByExpr::Expressions(items, _) = &select.group_by else {
            panic!("no GROUP BY");
        };
        match items.as_slice() {
            [Expr::GroupingSets(sets)] => sets
                .iter()
                .map(|s| s.iter().map(ToString::to_string).collect())
                .collect(),
            other => vec![other.iter().map(ToString::to_string).collect()],
        }
    }

    #[test]
    fn mixed_group_by_lists_multiply_out() {
        assert_eq!(
            sets("SELECT 1 FROM t GROUP BY a, ROLLUP (b, c)"),
            [vec!["a", "b", "c"], vec!["a", "b"], vec!["a"]]
        );
        assert_eq!(
            sets("SELECT 1 FROM t GROUP BY CUBE (a, b), c"),
            [
                vec!["a", "b", "c"],
                vec!["a", "c"],
                vec!["b", "c"],
                vec!["c"]
            ]
        );
        assert_eq!(
            sets("SELECT 1 FROM t GROUP BY a, GROUPING SETS ((b), (c))"),
            [vec!["a", "b"], vec!["a", "c"]]
        );
        // Alone, a construct is left as written.
        assert_eq!(sets("SELECT 1 FROM t GROUP BY a, b"), [vec!["a", "b"]]);
        assert_eq!(
            sets("SELECT 1 FROM t GROUP BY ROLLUP (a)"),
            [vec!["ROLLUP (a)"]]
        );
    }
}
