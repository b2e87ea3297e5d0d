//! Whole-row references: `row_to_json(t)`, `to_json(t)`, `json_agg(t)`, `count(t)`.
//!
//! In PostgreSQL a `FROM` item's name used as a value, where no column has that name, is the
//! item's whole row: a record of its columns. DataFusion has no such reference, so a bare
//! name of a `FROM` item given to a function in the select list is rewritten into a record of
//! the item's columns, `__driftdb_row('a', t.a, 'b', t.b, ...)`, whose field names the JSON
//! functions write as keys. The columns must be known: a table's visible ones, a subquery's,
//! `VALUES` list's or function's column aliases, or a subquery's plainly named items. Where any `FROM`
//! item's columns are unknown the select is left as written (the name might be one of its
//! columns).

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    CaseWhen, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    ObjectNamePart, Select, SelectItem, SetExpr, TableFactor, TableWithJoins, Value,
    visit_expressions_mut,
};

use super::{Columns, normalise, table_reference};

/// Rewrites the whole-row references of `select`'s list; see the module documentation.
pub(super) fn rewrite(select: &mut Select, ctes: &HashSet<String>, columns: Columns<'_>) {
    if !has_bare_arguments(select) {
        return;
    }
    let mut items: HashMap<String, (Ident, Vec<String>)> = HashMap::new();
    for from in &select.from {
        if !collect(from, ctes, columns, &mut items) {
            return;
        }
    }
    let column_names: HashSet<String> = items
        .values()
        .flat_map(|(_, names)| names.iter().cloned())
        .collect();
    let presence = presence(select, ctes, columns, &items, &column_names);
    let _ = visit_expressions_mut(&mut select.projection, |expr| {
        if let Expr::Function(function) = expr
            && let FunctionArguments::List(list) = &mut function.args
        {
            // `count(t)` counts `t`'s whole rows that are not NULL: the rows of `t` an outer
            // join gives, as `count(t.*)` does (which the caller rewrites).
            let count = function.name.to_string().eq_ignore_ascii_case("count");
            for arg in &mut list.args {
                let FunctionArg::Unnamed(FunctionArgExpr::Expr(value)) = arg else {
                    continue;
                };
                let Expr::Identifier(name) = value else {
                    continue;
                };
                let key = normalise(name);
                if column_names.contains(&key) {
                    continue;
                }
                if let Some((qualifier, names)) = items.get(&key) {
                    if count {
                        *arg = FunctionArg::Unnamed(FunctionArgExpr::QualifiedWildcard(
                            ObjectName(vec![ObjectNamePart::Identifier(qualifier.clone())]),
                        ));
                    } else {
                        let row = record(qualifier, names);
                        // An outer join's NULL extension of the item is a NULL row, not a
                        // record of NULLs.
                        *value = match presence.get(&key) {
                            Some(present) => Expr::Case {
                                case_token: AttachedToken::empty(),
                                end_token: AttachedToken::empty(),
                                operand: None,
                                conditions: vec![CaseWhen {
                                    condition: Expr::IsNotNull(Box::new(present.clone())),
                                    result: row,
                                }],
                                else_result: None,
                            },
                            None => row,
                        };
                    }
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// For each `FROM` item used as a whole row (not counted), a column that is NULL exactly
/// where an outer join extends the item with NULLs: a table's first key column, or the mark
/// a derived table is given for it (not where the select has a `*`, which would show it).
fn presence(
    select: &mut Select,
    ctes: &HashSet<String>,
    columns: Columns<'_>,
    items: &HashMap<String, (Ident, Vec<String>)>,
    column_names: &HashSet<String>,
) -> HashMap<String, Expr> {
    let mut used: HashSet<String> = HashSet::new();
    let _ = sqlparser::ast::visit_expressions(&select.projection, |expr| {
        if let Expr::Function(function) = expr
            && !function.name.to_string().eq_ignore_ascii_case("count")
            && let FunctionArguments::List(list) = &function.args
        {
            for arg in &list.args {
                if let FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(name))) = arg {
                    let key = normalise(name);
                    if !column_names.contains(&key) && items.contains_key(&key) {
                        used.insert(key);
                    }
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    let wildcard = select.projection.iter().any(|i| {
        matches!(
            i,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(_, _)
        )
    });
    let mut presence = HashMap::new();
    for from in &mut select.from {
        let factors = std::iter::once(&mut from.relation)
            .chain(from.joins.iter_mut().map(|j| &mut j.relation));
        for factor in factors {
            if let Some((table, qualifier, version)) = table_reference(factor) {
                let key = normalise(qualifier);
                if !used.contains(&key) || (version.is_none() && ctes.contains(&normalise(table))) {
                    continue;
                }
                if let Some(first) = columns(&normalise(table), version)
                    .and_then(|visible| visible.key.first().cloned())
                {
                    let column = Expr::CompoundIdentifier(vec![
                        qualifier.clone(),
                        Ident::with_quote('"', first.as_str()),
                    ]);
                    presence.insert(key, column);
                }
                continue;
            }
            if let TableFactor::Derived {
                subquery,
                alias: Some(alias),
                ..
            } = factor
            {
                let key = normalise(&alias.name);
                let qualifier = alias.name.clone();
                if used.contains(&key)
                    && !wildcard
                    && let Some(mark) = super::mark_rows(subquery, alias)
                {
                    presence.insert(
                        key,
                        Expr::CompoundIdentifier(vec![qualifier, Ident::with_quote('"', mark)]),
                    );
                }
            }
        }
    }
    presence
}

/// Whether a function in the list takes a bare name.
fn has_bare_arguments(select: &Select) -> bool {
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions(&select.projection, |expr| {
        if let Expr::Function(function) = expr
            && let FunctionArguments::List(list) = &function.args
        {
            found |= list.args.iter().any(|a| {
                matches!(
                    a,
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(_)))
                )
            });
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

/// `__driftdb_row('a', q.a, ...)` ([`crate::postgres::ROW`]).
fn record(qualifier: &Ident, names: &[String]) -> Expr {
    let mut args = Vec::with_capacity(names.len() * 2);
    for name in names {
        args.push(Expr::value(Value::SingleQuotedString(name.clone())));
        args.push(Expr::CompoundIdentifier(vec![
            qualifier.clone(),
            Ident::with_quote('"', name.as_str()),
        ]));
    }
    crate::calls::call_with(crate::postgres::ROW, args)
}

/// Adds each item of `from` with its columns to `items`; `false` if some item's columns
/// are not known.
fn collect(
    from: &TableWithJoins,
    ctes: &HashSet<String>,
    columns: Columns<'_>,
    items: &mut HashMap<String, (Ident, Vec<String>)>,
) -> bool {
    std::iter::once(&from.relation)
        .chain(from.joins.iter().map(|j| &j.relation))
        .all(|factor| match item(factor, ctes, columns) {
            Some((qualifier, names)) => {
                items.insert(normalise(&qualifier), (qualifier, names));
                true
            }
            None => false,
        })
}

/// A `FROM` item's qualifier and columns, if known.
pub(super) fn item(
    factor: &TableFactor,
    ctes: &HashSet<String>,
    columns: Columns<'_>,
) -> Option<(Ident, Vec<String>)> {
    // A function with a column list (`json_to_record(j) AS r(a int, b text)`).
    if let TableFactor::Table {
        args: Some(_),
        alias: Some(alias),
        ..
    } = factor
        && !alias.columns.is_empty()
    {
        return Some((
            alias.name.clone(),
            alias.columns.iter().map(|c| normalise(&c.name)).collect(),
        ));
    }
    if let Some((table, qualifier, version)) = table_reference(factor) {
        if version.is_none() && ctes.contains(&normalise(table)) {
            return None;
        }
        let visible = columns(&normalise(table), version)?;
        return Some((qualifier.clone(), visible.columns));
    }
    let TableFactor::Derived {
        subquery,
        alias: Some(alias),
        ..
    } = factor
    else {
        return None;
    };
    if !alias.columns.is_empty() {
        return Some((
            alias.name.clone(),
            alias.columns.iter().map(|c| normalise(&c.name)).collect(),
        ));
    }
    let SetExpr::Select(inner) = subquery.body.as_ref() else {
        return None;
    };
    let names = inner
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(normalise(alias)),
            SelectItem::UnnamedExpr(Expr::Identifier(name)) => Some(normalise(name)),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => parts.last().map(normalise),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((alias.name.clone(), names))
}
