//! `SELECT *` shows a table's own columns, not its `__sequence` pseudo-column (nor a
//! projected table's source pseudo-columns `__topic`, `__partition`, `__offset`).
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

use driftdb_projector::projection::SOURCE_COLUMNS;

use crate::provider::SEQUENCE;
use crate::temporal::SystemTime;

/// Rewrites every `*` of `statement` (see the module documentation). `projected` names the
/// projected tables.
pub(crate) fn hide_pseudo_columns(statement: &mut Statement, projected: &[String]) {
    let mut rewriter = Rewriter {
        ctes: HashSet::new(),
        projected,
    };
    let _ = statement.visit(&mut rewriter);
}

struct Rewriter<'a> {
    /// CTE names seen so far: references to them are not tables.
    ctes: HashSet<String>,
    projected: &'a [String],
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(normalise(&cte.alias.name));
            }
        }
        rewrite_set_expr(&mut query.body, &self.ctes, self.projected);
        ControlFlow::Continue(())
    }
}

fn rewrite_set_expr(body: &mut SetExpr, ctes: &HashSet<String>, projected: &[String]) {
    match body {
        SetExpr::Select(select) => rewrite_select(select, ctes, projected),
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_set_expr(left, ctes, projected);
            rewrite_set_expr(right, ctes, projected);
        }
        _ => {}
    }
}

/// A relation of a `FROM` clause, by the name its columns are qualified with.
struct Relation {
    qualifier: Ident,
    /// A DriftDB table read at a point: its `*` leaves out `__sequence`.
    hides_sequence: bool,
    /// A projected table read at a point: its `*` also leaves out the source columns.
    hides_source: bool,
}

impl Relation {
    fn exclude(&self) -> ExcludeSelectItem {
        let mut names = vec![SEQUENCE];
        if self.hides_source {
            names.extend(SOURCE_COLUMNS);
        }
        let idents: Vec<Ident> = names
            .into_iter()
            .map(|n| Ident::with_quote('"', n))
            .collect();
        match <[Ident; 1]>::try_from(idents) {
            Ok([one]) => {
                ExcludeSelectItem::Single(ObjectName(vec![ObjectNamePart::Identifier(one)]))
            }
            Err(many) => ExcludeSelectItem::Multiple(
                many.into_iter()
                    .map(|i| ObjectName(vec![ObjectNamePart::Identifier(i)]))
                    .collect(),
            ),
        }
    }
}

fn rewrite_select(select: &mut Select, ctes: &HashSet<String>, projected: &[String]) {
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
            match relation(factor, ctes, projected) {
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
                        options.opt_exclude = Some(r.exclude());
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
                let hiding = match name.0.as_slice() {
                    [ObjectNamePart::Identifier(q)] => relations
                        .iter()
                        .find(|r| r.hides_sequence && normalise(&r.qualifier) == normalise(q)),
                    _ => None,
                };
                if let Some(r) = hiding
                    && plain(&options)
                {
                    options.opt_exclude = Some(r.exclude());
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

fn relation(
    factor: &TableFactor,
    ctes: &HashSet<String>,
    projected: &[String],
) -> Option<Relation> {
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
                hides_source: point_read
                    && !is_cte
                    && projected.iter().any(|p| *p == normalise(table)),
            })
        }
        TableFactor::Derived {
            alias: Some(alias), ..
        } => Some(Relation {
            qualifier: alias.name.clone(),
            hides_sequence: false,
            hides_source: false,
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

/// An identifier as DataFusion resolves it: unquoted ones fold to lower case.
fn normalise(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}
