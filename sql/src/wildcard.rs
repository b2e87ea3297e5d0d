//! `SELECT *` shows a table's own columns, not its `__sequence` pseudo-column (nor a
//! projected table's source pseudo-columns `__topic`, `__partition`, `__offset`).
//!
//! DataFusion has no hidden columns: a provider's schema is what `*` expands to. A point
//! read (`AS OF`, or no clause) carries `__sequence` so that `SELECT MAX(__sequence) FROM t`
//! works, so before planning, each `*` over DriftDB tables is rewritten to
//! `t.* EXCLUDE (__sequence)` per table reference (and `t.*` likewise). Version-range reads
//! (`ALL`, `BETWEEN` ...) keep their pseudo-columns in `*`: there they are the point. The
//! hidden row identity of a table declared without a primary key (`rowid`) is left out of
//! every read's `*`; it is there when named. So is a system catalog's `tableoid`.
//!
//! Joins that merge columns need the tables' columns, which the session gives
//! ([`Columns`]): a `NATURAL` join becomes `USING` of the visible columns both sides have
//! (DataFusion's would also join on `__sequence`, which both sides carry, and find nothing),
//! and a `*` over a `USING` join or a parenthesized join is spelled out column by column as
//! PostgreSQL lays it out: each merged column once (the left side's, the right's for a
//! `RIGHT JOIN`, `COALESCE` of both for a `FULL JOIN`), then each side's other columns.
//! Two or more `USING` joins in a chain become `ON` joins of the merged columns, and bare
//! references to those columns the merged column ([`using`]).
//! `count(t.*)` counts `t`'s rows that are not NULL-extended, as `count` of its primary key,
//! or, for a derived table (`(SELECT ...) t`, `(VALUES ...) t`), of a column of `true` added
//! to it.
//!
//! A `FROM` item's bare name given to a function (`row_to_json(t)`) is PostgreSQL's
//! whole-row reference, spelled out as a record of its columns ([`whole_row`]).
//!
//! The rewrite is conservative: where a relation's columns are not known (a CTE, a
//! subquery, a table function), the statement keeps what it wrote.

use std::collections::HashSet;
use std::ops::ControlFlow;

mod using;
mod whole_row;

use sqlparser::ast::{
    ExcludeSelectItem, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, Ident, JoinConstraint, JoinOperator, ObjectName, ObjectNamePart,
    OrderByKind, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Statement,
    TableAlias, TableAliasColumnDef, TableFactor, TableVersion, TableWithJoins, Value, VisitMut,
    VisitorMut, WildcardAdditionalOptions, visit_expressions, visit_expressions_mut,
};

use driftdb_projector::projection::SOURCE_COLUMNS;

use crate::provider::SEQUENCE;
use crate::temporal::SystemTime;

/// A table's columns as `*` shows them (pseudo-columns left out), and its primary key.
#[derive(Debug, Clone)]
pub(crate) struct Visible {
    pub columns: Vec<String>,
    pub key: Vec<String>,
}

/// The visible columns of table `name` read at `version` (none: the statement's point), or
/// `None` where they are not known or the read shows its pseudo-columns (a version range).
pub(crate) type Columns<'a> = &'a dyn Fn(&str, Option<&TableVersion>) -> Option<Visible>;

/// The hidden row identity's name of table `name` read at `version`, if it has one.
pub(crate) type RowId<'a> = &'a dyn Fn(&str, Option<&TableVersion>) -> Option<String>;

/// Rewrites every `*` of `statement` (see the module documentation). `projected` names the
/// projected tables.
pub(crate) fn hide_pseudo_columns(
    statement: &mut Statement,
    projected: &[String],
    columns: Columns<'_>,
    row_id: RowId<'_>,
) {
    let mut rewriter = Rewriter {
        ctes: HashSet::new(),
        projected,
        columns,
        row_id,
    };
    let _ = statement.visit(&mut rewriter);
}

struct Rewriter<'a> {
    /// CTE names seen so far: references to them are not tables.
    ctes: HashSet<String>,
    projected: &'a [String],
    columns: Columns<'a>,
    row_id: RowId<'a>,
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(normalise(&cte.alias.name));
            }
        }
        let merged = rewrite_set_expr(&mut query.body, self);
        // `ORDER BY x` of a merged `USING` column the list does not name.
        if !merged.is_empty()
            && let SetExpr::Select(select) = query.body.as_ref()
            && let Some(order_by) = &mut query.order_by
            && let OrderByKind::Expressions(exprs) = &mut order_by.kind
        {
            let outputs: Vec<String> = select
                .projection
                .iter()
                .filter_map(|item| match item {
                    SelectItem::ExprWithAlias { alias, .. } => Some(normalise(alias)),
                    SelectItem::UnnamedExpr(Expr::Identifier(name)) => Some(normalise(name)),
                    SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                        parts.last().map(normalise)
                    }
                    _ => None,
                })
                .collect();
            for order in exprs {
                if let Expr::Identifier(name) = &order.expr
                    && !outputs.contains(&normalise(name))
                    && let Some(expr) = merged.get(&normalise(name))
                {
                    order.expr = expr.clone();
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Rewrites `body`'s selects; returns, for a select with chained `USING` joins, their
/// merged columns by name ([`using::rewrite`]).
fn rewrite_set_expr(
    body: &mut SetExpr,
    rewriter: &Rewriter<'_>,
) -> std::collections::HashMap<String, Expr> {
    match body {
        SetExpr::Select(select) => {
            whole_row::rewrite(select, &rewriter.ctes, rewriter.columns);
            // Tables' columns are looked up only for a select that needs them.
            let mut outputs = Vec::new();
            if needs_columns(select) {
                // Derived tables are marked for `count(t.*)` only where no `*` would show
                // the mark.
                let wildcard = select.projection.iter().any(|i| {
                    matches!(
                        i,
                        SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(_, _)
                    )
                });
                let counted = if wildcard {
                    Vec::new()
                } else {
                    counted_relations(select)
                };
                let tables = Tables { rewriter, counted };
                let mut keys = Vec::new();
                for from in &mut select.from {
                    outputs.push(tables.join_outputs(from, &mut keys));
                }
                count_rows_by_key(select, &keys);
            }
            rewrite_select(select, rewriter, &outputs);
            if using::chained(select) {
                let tables = Tables {
                    rewriter,
                    counted: Vec::new(),
                };
                return using::rewrite(select, &tables);
            }
            Default::default()
        }
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_set_expr(left, rewriter);
            rewrite_set_expr(right, rewriter);
            Default::default()
        }
        _ => Default::default(),
    }
}

/// One column a `FROM` item gives `*`: its name and the expression that reads it.
#[derive(Debug, Clone)]
struct Output {
    name: String,
    expr: Expr,
}

/// Column knowledge for one `SELECT`.
struct Tables<'a, 'b> {
    rewriter: &'a Rewriter<'b>,
    /// The relations of its `count(t.*)`s whose rows a derived table marks.
    counted: Vec<String>,
}

impl Tables<'_, '_> {
    /// The columns `*` shows for `from`, PostgreSQL's way, rewriting its `NATURAL` joins
    /// into `USING` on the way; `None` if some relation's columns are not known. Each table's
    /// qualifier and primary key go to `keys`.
    fn join_outputs(
        &self,
        from: &mut TableWithJoins,
        keys: &mut Vec<(String, Vec<String>)>,
    ) -> Option<Vec<Output>> {
        let mut left = self.factor_outputs(&mut from.relation, keys);
        for join in &mut from.joins {
            let right = self.factor_outputs(&mut join.relation, keys);
            let (Some(l), Some(r)) = (&left, &right) else {
                left = None;
                continue;
            };
            let Some((kind, constraint)) = join_parts(&join.join_operator) else {
                left = None;
                continue;
            };
            if matches!(constraint, JoinConstraint::Natural) {
                let common: Vec<String> = l
                    .iter()
                    .map(|o| o.name.clone())
                    .filter(|n| r.iter().any(|o| &o.name == n))
                    .fold(Vec::new(), |mut seen, n| {
                        if !seen.contains(&n) {
                            seen.push(n);
                        }
                        seen
                    });
                let constraint = if common.is_empty() {
                    JoinConstraint::On(Expr::Value(Value::Boolean(true).into()))
                } else {
                    JoinConstraint::Using(
                        common
                            .iter()
                            .map(|c| {
                                ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote(
                                    '"',
                                    c.as_str(),
                                ))])
                            })
                            .collect(),
                    )
                };
                join.join_operator = match kind {
                    Kind::Left => JoinOperator::LeftOuter(constraint),
                    Kind::Right => JoinOperator::RightOuter(constraint),
                    Kind::Full => JoinOperator::FullOuter(constraint),
                    _ => JoinOperator::Inner(constraint),
                };
            }
            let Some((kind, constraint)) = join_parts(&join.join_operator) else {
                left = None;
                continue;
            };
            left = match (constraint, kind) {
                (_, Kind::LeftOnly) => Some(l.clone()),
                (_, Kind::RightOnly) => Some(r.clone()),
                (JoinConstraint::Using(names), kind) => merge(l, r, names, kind),
                _ => Some(l.iter().chain(r).cloned().collect()),
            };
        }
        left
    }

    fn factor_outputs(
        &self,
        factor: &mut TableFactor,
        keys: &mut Vec<(String, Vec<String>)>,
    ) -> Option<Vec<Output>> {
        if let Some((table, qualifier, version)) = table_reference(factor) {
            if version.is_none() && self.rewriter.ctes.contains(&normalise(table)) {
                return None;
            }
            let qualifier = qualifier.clone();
            let visible = (self.rewriter.columns)(&normalise(table), version)?;
            keys.push((normalise(&qualifier), visible.key.clone()));
            return Some(
                visible
                    .columns
                    .iter()
                    .map(|c| Output {
                        name: c.clone(),
                        expr: Expr::CompoundIdentifier(vec![
                            qualifier.clone(),
                            Ident::with_quote('"', c.as_str()),
                        ]),
                    })
                    .collect(),
            );
        }
        match factor {
            TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => self.join_outputs(table_with_joins, keys),
            TableFactor::Derived {
                subquery,
                alias: Some(alias),
                ..
            } => {
                let qualifier = normalise(&alias.name);
                if self.counted.contains(&qualifier)
                    && let Some(mark) = mark_rows(subquery, alias)
                {
                    keys.push((qualifier, vec![mark]));
                }
                None
            }
            _ => None,
        }
    }
}

/// The column of `true` a derived table gets for `count(t.*)`.
const ROW_MARK: &str = "__driftdb_row";

/// Adds a column of `true` to derived table `subquery` named `alias`, and returns its name
/// as the table's columns call it; `None` (and nothing added) for a query of another shape,
/// or one whose alias names its columns but whose width is not plain to see.
fn mark_rows(subquery: &mut Query, alias: &mut TableAlias) -> Option<String> {
    let mark = || Expr::Value(Value::Boolean(true).into());
    let width = match subquery.body.as_ref() {
        SetExpr::Select(select) => select
            .projection
            .iter()
            .all(|i| {
                matches!(
                    i,
                    SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAlias { .. }
                )
            })
            .then_some(select.projection.len()),
        SetExpr::Values(values) => values.rows.first().map(|row| row.content.len()),
        _ => return None,
    };
    // The alias's column names go first to the subquery's columns: the mark needs a name of
    // its own there, after all of theirs.
    if !alias.columns.is_empty() && width != Some(alias.columns.len()) {
        return None;
    }
    let name = match subquery.body.as_mut() {
        SetExpr::Select(select) => {
            select.projection.push(SelectItem::ExprWithAlias {
                expr: mark(),
                alias: Ident::with_quote('"', ROW_MARK),
            });
            ROW_MARK.to_string()
        }
        SetExpr::Values(values) => {
            for row in &mut values.rows {
                row.content.push(mark());
            }
            // DataFusion's name for the column.
            format!("column{}", width? + 1)
        }
        _ => return None,
    };
    if alias.columns.is_empty() {
        return Some(name);
    }
    alias.columns.push(TableAliasColumnDef {
        name: Ident::with_quote('"', ROW_MARK),
        data_type: None,
    });
    Some(ROW_MARK.to_string())
}

/// The relations `t` of the `count(t.*)`s of `select`.
fn counted_relations(select: &Select) -> Vec<String> {
    let mut counted = Vec::new();
    let mut find = |expr: &Expr| {
        if let Expr::Function(f) = expr
            && let Some(q) = counted_rows(f)
        {
            counted.push(normalise(q));
        }
        ControlFlow::<()>::Continue(())
    };
    let _ = visit_expressions(&select.projection, &mut find);
    let _ = visit_expressions(&select.having, &mut find);
    counted
}

/// Which columns a join gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Inner,
    Left,
    Right,
    Full,
    /// A semi or anti join: the left side's columns only.
    LeftOnly,
    RightOnly,
}

/// Which columns a join gives, and its constraint; `None` for a join kind without one
/// (`APPLY`, ...).
fn join_parts(op: &JoinOperator) -> Option<(Kind, &JoinConstraint)> {
    Some(match op {
        JoinOperator::Join(c) | JoinOperator::Inner(c) | JoinOperator::CrossJoin(c) => {
            (Kind::Inner, c)
        }
        JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (Kind::Left, c),
        JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (Kind::Right, c),
        JoinOperator::FullOuter(c) => (Kind::Full, c),
        JoinOperator::LeftSemi(c)
        | JoinOperator::LeftAnti(c)
        | JoinOperator::Semi(c)
        | JoinOperator::Anti(c) => (Kind::LeftOnly, c),
        JoinOperator::RightSemi(c) | JoinOperator::RightAnti(c) => (Kind::RightOnly, c),
        _ => return None,
    })
}

/// `*` of `l JOIN r USING (names)`: each named column once, then the rest of each side.
fn merge(l: &[Output], r: &[Output], names: &[ObjectName], kind: Kind) -> Option<Vec<Output>> {
    let mut out = Vec::new();
    let mut merged = Vec::new();
    for name in names {
        let [ObjectNamePart::Identifier(ident)] = name.0.as_slice() else {
            return None;
        };
        let name = normalise(ident);
        let left = l.iter().find(|o| o.name == name)?;
        let right = r.iter().find(|o| o.name == name)?;
        let expr = match kind {
            Kind::Right => right.expr.clone(),
            Kind::Full => Expr::Function(Function {
                name: ObjectName(vec![ObjectNamePart::Identifier(Ident::new("coalesce"))]),
                uses_odbc_syntax: false,
                parameters: FunctionArguments::None,
                args: FunctionArguments::List(FunctionArgumentList {
                    duplicate_treatment: None,
                    args: vec![
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(left.expr.clone())),
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(right.expr.clone())),
                    ],
                    clauses: Vec::new(),
                }),
                filter: None,
                null_treatment: None,
                over: None,
                within_group: Vec::new(),
            }),
            _ => left.expr.clone(),
        };
        out.push(Output {
            name: name.clone(),
            expr,
        });
        merged.push(name);
    }
    let rest = |side: &[Output]| {
        side.iter()
            .filter(|o| !merged.contains(&o.name))
            .cloned()
            .collect::<Vec<_>>()
    };
    out.extend(rest(l));
    out.extend(rest(r));
    Some(out)
}

/// `count(t.*)`: PostgreSQL counts the rows where `t`'s row is not NULL (not the NULL
/// extension of an outer join); DataFusion counts every row. `t`'s primary key is never
/// NULL in a row of `t`, so `count(t.key)` counts the same.
/// Whether `select` has what needs its tables' columns: a `NATURAL` join, a `*` over a
/// `USING` or parenthesized join, or a `count(t.*)`.
fn needs_columns(select: &Select) -> bool {
    fn joins(from: &TableWithJoins, natural: &mut bool, merging: &mut bool) {
        for factor in std::iter::once(&from.relation).chain(from.joins.iter().map(|j| &j.relation))
        {
            if let TableFactor::NestedJoin {
                table_with_joins, ..
            } = factor
            {
                *merging = true;
                joins(table_with_joins, natural, merging);
            }
        }
        for join in &from.joins {
            *natural |= join_parts(&join.join_operator)
                .is_some_and(|(_, c)| matches!(c, JoinConstraint::Natural));
            *merging |= merges_columns(&join.join_operator);
        }
    }
    let (mut natural, mut merging) = (false, false);
    for from in &select.from {
        joins(from, &mut natural, &mut merging);
    }
    let wildcard = select
        .projection
        .iter()
        .any(|i| matches!(i, SelectItem::Wildcard(_)));
    let mut counts = false;
    let mut find = |expr: &Expr| {
        counts |= matches!(expr, Expr::Function(f) if counted_rows(f).is_some());
        ControlFlow::<()>::Continue(())
    };
    let _ = visit_expressions(&select.projection, &mut find);
    let _ = visit_expressions(&select.having, &mut find);
    natural || (wildcard && merging) || counts
}

/// The relation `t` of a `count(t.*)`.
fn counted_rows(function: &Function) -> Option<&Ident> {
    if !function.name.to_string().eq_ignore_ascii_case("count") {
        return None;
    }
    let FunctionArguments::List(list) = &function.args else {
        return None;
    };
    let [FunctionArg::Unnamed(FunctionArgExpr::QualifiedWildcard(name))] = list.args.as_slice()
    else {
        return None;
    };
    match name.0.as_slice() {
        [ObjectNamePart::Identifier(q)] => Some(q),
        _ => None,
    }
}

fn count_rows_by_key(select: &mut Select, keys: &[(String, Vec<String>)]) {
    let mut rewrite = |expr: &mut Expr| {
        if let Expr::Function(function) = expr
            && let Some(q) = counted_rows(function).cloned()
            && let Some((_, key)) = keys.iter().find(|(k, _)| *k == normalise(&q))
            && let Some(first) = key.first()
            && let FunctionArguments::List(list) = &mut function.args
        {
            list.args = vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(
                Expr::CompoundIdentifier(vec![q, Ident::with_quote('"', first.as_str())]),
            ))];
        }
        ControlFlow::<()>::Continue(())
    };
    let _ = visit_expressions_mut(&mut select.projection, &mut rewrite);
    let _ = visit_expressions_mut(&mut select.having, &mut rewrite);
}

/// A relation of a `FROM` clause, by the name its columns are qualified with.
struct Relation {
    qualifier: Ident,
    /// What its `*` is qualified with: the qualifier, or `public.t` for `FROM public.t`
    /// (DataFusion matches `t.*` only to a reference written `t`).
    wildcard: ObjectName,
    /// The columns its `*` leaves out: `__sequence` of a DriftDB table read at a point, the
    /// source columns of a projected table read at a point, a hidden row identity.
    hidden: Vec<String>,
}

impl Relation {
    fn exclude(&self) -> ExcludeSelectItem {
        let mut names: Vec<ObjectName> = self
            .hidden
            .iter()
            .map(|n| ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote('"', n))]))
            .collect();
        match names.len() {
            1 => ExcludeSelectItem::Single(names.remove(0)),
            _ => ExcludeSelectItem::Multiple(names),
        }
    }
}

fn rewrite_select(select: &mut Select, rewriter: &Rewriter<'_>, outputs: &[Option<Vec<Output>>]) {
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
    let mut nested = false;
    for from in &select.from {
        let factors = std::iter::once(&from.relation).chain(from.joins.iter().map(|j| &j.relation));
        for factor in factors {
            nested |= matches!(factor, TableFactor::NestedJoin { alias: None, .. });
            match relation(factor, rewriter) {
                Some(r) => relations.push(r),
                None => complete = false,
            }
        }
        merging_join |= from.joins.iter().any(|j| merges_columns(&j.join_operator));
    }
    // Where `*` merges columns or reaches into a parenthesized join, it is spelled out when
    // every relation's columns are known.
    let spelled: Option<Vec<Output>> = (merging_join || nested)
        .then(|| outputs.iter().cloned().collect::<Option<Vec<_>>>())
        .flatten()
        .map(|lists| lists.into_iter().flatten().collect());
    let items = std::mem::take(&mut select.projection);
    for item in items {
        match item {
            SelectItem::Wildcard(options) if spelled.is_some() && plain(&options) => {
                for output in spelled.iter().flatten() {
                    select.projection.push(SelectItem::ExprWithAlias {
                        expr: output.expr.clone(),
                        alias: Ident::with_quote('"', output.name.as_str()),
                    });
                }
            }
            SelectItem::Wildcard(options)
                if complete && !merging_join && !relations.is_empty() && plain(&options) =>
            {
                for r in &relations {
                    let mut options = options.clone();
                    if !r.hidden.is_empty() {
                        options.opt_exclude = Some(r.exclude());
                    }
                    select.projection.push(SelectItem::QualifiedWildcard(
                        SelectItemQualifiedWildcardKind::ObjectName(r.wildcard.clone()),
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
                        .find(|r| !r.hidden.is_empty() && normalise(&r.qualifier) == normalise(q)),
                    _ => None,
                };
                let name = match hiding {
                    Some(r) if plain(&options) => {
                        options.opt_exclude = Some(r.exclude());
                        r.wildcard.clone()
                    }
                    _ => name,
                };
                select.projection.push(SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(name),
                    options,
                ));
            }
            other => select.projection.push(other),
        }
    }
}

fn relation(factor: &TableFactor, rewriter: &Rewriter<'_>) -> Option<Relation> {
    if let Some((table, qualifier, version)) = table_reference(factor) {
        let name = normalise(table);
        let is_cte = version.is_none() && rewriter.ctes.contains(&name);
        let point_read = match version {
            None => true,
            Some(v) => matches!(SystemTime::of_version(v), Ok(SystemTime::AsOf(_))),
        };
        let wildcard = match factor {
            TableFactor::Table {
                name, alias: None, ..
            } => name.clone(),
            _ => ObjectName(vec![ObjectNamePart::Identifier(qualifier.clone())]),
        };
        let mut hidden = Vec::new();
        let catalog = crate::catalog::is_catalog_table(&name);
        if !is_cte && catalog && crate::catalog::catalog_oid(&name).is_some() {
            hidden.push(crate::catalog::TABLEOID.to_string());
        }
        // A name that is no table (a sequence read as a relation) has no pseudo-columns.
        let table =
            !is_cte && !catalog && (version.is_some() || (rewriter.columns)(&name, None).is_some());
        if table {
            if point_read {
                hidden.push(SEQUENCE.to_string());
                if rewriter.projected.contains(&name) {
                    hidden.extend(SOURCE_COLUMNS.iter().map(|c| c.to_string()));
                }
            }
            hidden.extend((rewriter.row_id)(&name, version));
        }
        return Some(Relation {
            qualifier: qualifier.clone(),
            wildcard,
            hidden,
        });
    }
    match factor {
        TableFactor::Derived {
            alias: Some(alias),
            subquery,
            ..
        } => Some(Relation {
            qualifier: alias.name.clone(),
            wildcard: ObjectName(vec![ObjectNamePart::Identifier(alias.name.clone())]),
            // The arguments a set-returning call over earlier items was matched on.
            hidden: match subquery.body.as_ref() {
                SetExpr::Select(select) => select
                    .projection
                    .iter()
                    .filter_map(|item| match item {
                        SelectItem::ExprWithAlias { alias, .. }
                            if alias.value.starts_with(crate::lateral::ARGUMENT) =>
                        {
                            Some(alias.value.clone())
                        }
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            },
        }),
        _ => None,
    }
}

/// A reference to a table (or a CTE) by a one-part name (or `public.` and one part, or a
/// system catalog as `pg_catalog.` and one part): the name, the name its columns
/// are qualified with (its alias, or the name), and its `FOR SYSTEM_TIME` version.
fn table_reference(factor: &TableFactor) -> Option<(&Ident, &Ident, Option<&TableVersion>)> {
    let TableFactor::Table {
        name,
        alias,
        version,
        args: None,
        ..
    } = factor
    else {
        return None;
    };
    let table = match name.0.as_slice() {
        [ObjectNamePart::Identifier(table)] => table,
        [
            ObjectNamePart::Identifier(schema),
            ObjectNamePart::Identifier(table),
        ] if normalise(schema) == "public"
            || normalise(schema) == "pg_catalog"
                && crate::catalog::is_catalog_table(&normalise(table)) =>
        {
            table
        }
        _ => return None,
    };
    Some((
        table,
        alias.as_ref().map_or(table, |a| &a.name),
        version.as_ref(),
    ))
}

/// Whether a join merges columns in `*` (`USING`, `NATURAL`), or might (a join kind
/// without a constraint, such as `APPLY`, is treated as one: its `*` stays as written).
fn merges_columns(op: &JoinOperator) -> bool {
    join_parts(op)
        .is_none_or(|(_, c)| matches!(c, JoinConstraint::Using(_) | JoinConstraint::Natural))
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
