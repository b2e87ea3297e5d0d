//! `SELECT *` shows a table's own columns, not its `__sequence` pseudo-column.
//!
//! DataFusion has no hidden columns: a provider's schema is what `*` expands to. A point
//! read (`AS OF`, or no clause) carries `__sequence` so that `SELECT MAX(__sequence) FROM t`
//! works, so before planning, each `*` over DriftDB tables is rewritten to
//! `t.* EXCLUDE (__sequence)` per table reference (and `t.*` likewise). Version-range reads
//! (`ALL`, `BETWEEN` ...) keep their pseudo-columns in `*`: there they are the point.
//!
//! The rewrite is conservative: a `SELECT` whose `FROM` holds anything but tables and
//! aliased subqueries, or joins with `USING`/`NATURAL` (where `*` merges columns), keeps its
//! unqualified `*` as written.

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    ExcludeSelectItem, Ident, JoinConstraint, JoinOperator, ObjectName, ObjectNamePart, Query,
    Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Statement, TableFactor, VisitMut,
    VisitorMut, WildcardAdditionalOptions,
};

use crate::provider::SEQUENCE;
use crate::temporal::SystemTime;

/// Rewrites every `*` of `statement` (see the module documentation).
pub(crate) fn hide_pseudo_columns(statement: &mut Statement) {
    let mut rewriter = Rewriter::default();
    let _ = statement.visit(&mut rewriter);
}

#[derive(Default)]
struct Rewriter {
    /// CTE names seen so far: references to them are not tables.
    ctes: HashSet<String>,
}

impl VisitorMut for Rewriter {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(normalise(&cte.alias.name));
            }
        }
        rewrite_set_expr(&mut query.body, &self.ctes);
        ControlFlow::Continue(())
    }
}

fn rewrite_set_expr(body: &mut SetExpr, ctes: &HashSet<String>) {
    match body {
        SetExpr::Select(select) => rewrite_select(select, ctes),
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_set_expr(left, ctes);
            rewrite_set_expr(right, ctes);
        }
        _ => {}
    }
}

/// A relation of a `FROM` clause, by the name its columns are qualified with.
struct Relation {
    qualifier: Ident,
    /// A DriftDB table read at a point: its `*` leaves out `__sequence`.
    hides_sequence: bool,
}

fn rewrite_select(select: &mut Select, ctes: &HashSet<String>) {
    let has_wildcard = select.projection.iter().any(|i| {
        matches!(
            i,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(_, _)
        )
    });
    if !has_wildcard {
        return;
    }
    let mut relations = Vec::new();
    let mut complete = true;
    let mut merging_join = false;
    for from in &select.from {
        let factors = std::iter::once(&from.relation).chain(from.joins.iter().map(|j| &j.relation));
        for factor in factors {
            match relation(factor, ctes) {
                Some(r) => relations.push(r),
                None => complete = false,
            }
        }
        merging_join |= from.joins.iter().any(|j| merges_columns(&j.join_operator));
    }
    let items = std::mem::take(&mut select.projection);
    for item in items {
        match item {
            SelectItem::Wildcard(options)
                if complete && !merging_join && !relations.is_empty() && plain(&options) =>
            {
                for r in &relations {
                    let mut options = options.clone();
                    if r.hides_sequence {
                        options.opt_exclude = Some(exclude_sequence());
                    }
                    select.projection.push(SelectItem::QualifiedWildcard(
                        SelectItemQualifiedWildcardKind::ObjectName(ObjectName(vec![
                            ObjectNamePart::Identifier(r.qualifier.clone()),
                        ])),
                        options,
                    ));
                }
            }
            SelectItem::QualifiedWildcard(
                SelectItemQualifiedWildcardKind::ObjectName(name),
                mut options,
            ) => {
                let hides = match name.0.as_slice() {
                    [ObjectNamePart::Identifier(q)] => relations
                        .iter()
                        .any(|r| r.hides_sequence && normalise(&r.qualifier) == normalise(q)),
                    _ => false,
                };
                if hides && plain(&options) {
                    options.opt_exclude = Some(exclude_sequence());
                }
                select.projection.push(SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(name),
                    options,
                ));
            }
            other => select.projection.push(other),
        }
    }
}

fn relation(factor: &TableFactor, ctes: &HashSet<String>) -> Option<Relation> {
    match factor {
        TableFactor::Table {
            name,
            alias,
            version,
            args: None,
            ..
        } => {
            let [ObjectNamePart::Identifier(table)] = name.0.as_slice() else {
                return None;
            };
            let is_cte = version.is_none() && ctes.contains(&normalise(table));
            let point_read = match version {
                None => true,
                Some(v) => matches!(SystemTime::of_version(v), Ok(SystemTime::AsOf(_))),
            };
            Some(Relation {
                qualifier: alias
                    .as_ref()
                    .map_or_else(|| table.clone(), |a| a.name.clone()),
                hides_sequence: point_read && !is_cte,
            })
        }
        TableFactor::Derived {
            alias: Some(alias), ..
        } => Some(Relation {
            qualifier: alias.name.clone(),
            hides_sequence: false,
        }),
        _ => None,
    }
}

fn merges_columns(op: &JoinOperator) -> bool {
    let constraint = match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::LeftSemi(c)
        | JoinOperator::RightSemi(c)
        | JoinOperator::LeftAnti(c)
        | JoinOperator::RightAnti(c)
        | JoinOperator::Semi(c)
        | JoinOperator::Anti(c) => c,
        JoinOperator::CrossJoin(_) => return false,
        _ => return true,
    };
    matches!(
        constraint,
        JoinConstraint::Using(_) | JoinConstraint::Natural
    )
}

/// A wildcard with no `EXCLUDE`/`EXCEPT`/`REPLACE`/`RENAME` of its own.
fn plain(options: &WildcardAdditionalOptions) -> bool {
    options.opt_exclude.is_none()
        && options.opt_except.is_none()
        && options.opt_replace.is_none()
        && options.opt_rename.is_none()
        && options.opt_ilike.is_none()
}

fn exclude_sequence() -> ExcludeSelectItem {
    ExcludeSelectItem::Single(ObjectName(vec![ObjectNamePart::Identifier(
        Ident::with_quote('"', SEQUENCE),
    )]))
}

/// An identifier as DataFusion resolves it: unquoted ones fold to lower case.
fn normalise(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}
