//! The catalogs' idioms: a `name`'s characters by subscript, a lookup in an empty catalog
//! compared with `ANY`, `::regclass`, scalar subqueries (folded, or aggregated where a
//! statement reads the catalogs), `OPERATOR(pg_catalog.op)` and `COLLATE`. In a statement that
//! reads the catalogs, first drops the `CASE` branches taken only for domains.

use std::ops::ControlFlow;

use sqlparser::ast::{
    self, BinaryOperator, Expr, Ident, Query, SelectItem, SetExpr, TableFactor, Value,
    ValueWithSpan,
};

use super::{
    Context, GroupBy, REGCLASS_NAME, REGCLASS_OID, all_folded, call, call_with, has_aggregate,
    is_text_literal, unqualified,
};

/// The catalogs' idioms, as the module documentation lists them. An [`super::ExpressionPass`].
pub(super) fn catalog_idioms(expr: &mut Expr, context: &Context) -> crate::Result<bool> {
    if context.catalogs {
        drop_domain_branches(expr);
    }
    match expr {
        // `typname[0]`: a catalog name's character, 0-based (`name` is a fixed array of
        // characters in PostgreSQL).
        Expr::CompoundFieldAccess { root, access_chain }
            if context.catalogs
                && is_catalog_name(root)
                && matches!(
                    access_chain.as_slice(),
                    [ast::AccessExpr::Subscript(ast::Subscript::Index { .. })]
                ) =>
        {
            let root = std::mem::replace(root.as_mut(), Expr::value(Value::Null));
            if let Some(ast::AccessExpr::Subscript(ast::Subscript::Index { index })) =
                access_chain.pop()
            {
                let from = Expr::BinaryOp {
                    left: Box::new(Expr::Nested(Box::new(index))),
                    op: BinaryOperator::Plus,
                    right: Box::new(Expr::value(Value::Number("1".into(), false))),
                };
                let one = Expr::value(Value::Number("1".into(), false));
                *expr = call_with("substr", vec![root, from, one]);
            }
        }
        // `(a lookup in an empty catalog) = ANY (array)`: NULL compared with each element,
        // so false for an empty array and NULL otherwise, whatever the element type.
        Expr::AnyOp {
            left,
            compare_op: BinaryOperator::Eq,
            right,
            ..
        } if is_folded_null(left) && !matches!(right.as_ref(), Expr::Array(_)) => {
            let array = std::mem::replace(right.as_mut(), Expr::value(Value::Null));
            *expr = Expr::Case {
                case_token: ast::helpers::attached_token::AttachedToken::empty(),
                end_token: ast::helpers::attached_token::AttachedToken::empty(),
                operand: None,
                conditions: vec![ast::CaseWhen {
                    condition: Expr::BinaryOp {
                        left: Box::new(call("cardinality", array)),
                        op: BinaryOperator::Eq,
                        right: Box::new(Expr::value(Value::Number("0".into(), false))),
                    },
                    result: Expr::value(Value::Boolean(false)),
                }],
                else_result: None,
            };
        }
        Expr::Cast {
            expr: inner,
            data_type: ast::DataType::Regclass,
            ..
        } => {
            let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
            *expr = if is_text_literal(&value) {
                call(REGCLASS_OID, value)
            } else {
                call(REGCLASS_NAME, value)
            };
        }
        // A scalar subquery of no rows is NULL.
        Expr::Subquery(query) if is_folded(query) => {
            *expr = Expr::Cast {
                kind: ast::CastKind::Cast,
                expr: Box::new(Expr::value(Value::Null)),
                data_type: ast::DataType::Text,
                array: false,
                format: None,
            };
        }
        Expr::Subquery(query) if context.catalogs => {
            // One whose SELECT list reads the outer row (SQLAlchemy's identity options)
            // is left to the session's subquery planner: aggregated, DataFusion cannot
            // plan it.
            if !selects_outer_columns(query) {
                aggregate_scalar_subquery(query);
            }
            if let Some(guard) = take_outer_conditions(query) {
                let subquery = std::mem::replace(expr, Expr::value(Value::Null));
                *expr = Expr::Case {
                    case_token: ast::helpers::attached_token::AttachedToken::empty(),
                    end_token: ast::helpers::attached_token::AttachedToken::empty(),
                    operand: None,
                    conditions: vec![ast::CaseWhen {
                        condition: guard,
                        result: subquery,
                    }],
                    else_result: None,
                };
            }
        }
        Expr::BinaryOp { op, .. } => {
            if let BinaryOperator::PGCustomBinaryOperator(parts) = op
                && let Some(symbol) = parts.last()
            {
                let plain = match symbol.as_str() {
                    "~" => Some(BinaryOperator::PGRegexMatch),
                    "~*" => Some(BinaryOperator::PGRegexIMatch),
                    "!~" => Some(BinaryOperator::PGRegexNotMatch),
                    "!~*" => Some(BinaryOperator::PGRegexNotIMatch),
                    "=" => Some(BinaryOperator::Eq),
                    "<>" => Some(BinaryOperator::NotEq),
                    "<" => Some(BinaryOperator::Lt),
                    ">" => Some(BinaryOperator::Gt),
                    "<=" => Some(BinaryOperator::LtEq),
                    ">=" => Some(BinaryOperator::GtEq),
                    _ => None,
                };
                if let Some(plain) = plain {
                    *op = plain;
                }
            }
        }
        // DriftDB compares text bytewise, which is the default collation here and "C";
        // any other collation is left for the planner to refuse.
        Expr::Collate {
            expr: inner,
            collation,
        } if unqualified(collation)
            .is_some_and(|c| matches!(c.as_str(), "default" | "c" | "posix")) =>
        {
            *expr = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Whether `expr` is what a scalar subquery over an always-empty catalog became: a NULL.
fn is_folded_null(expr: &Expr) -> bool {
    matches!(expr, Expr::Cast { expr, data_type: ast::DataType::Text, .. }
        if matches!(expr.as_ref(), Expr::Value(v) if v.value == Value::Null))
}

/// Whether `expr` reads a catalog's `name` column (`typname`, `c.relname` ...).
fn is_catalog_name(expr: &Expr) -> bool {
    let last = match expr {
        Expr::Identifier(ident) => ident,
        Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(ident) => ident,
            None => return false,
        },
        _ => return false,
    };
    last.quote_style.is_none() && last.value.to_lowercase().ends_with("name")
}

/// `pg_type` has no domains (DriftDB has no `CREATE DOMAIN`), so a `CASE` branch taken
/// only for a domain type (`WHEN t.typtype = 'd'`) never runs; it is removed, which spares
/// DataFusion what such branches hold and it cannot plan: asyncpg's type introspection
/// looks a domain's base type up with a recursive CTE correlated to the outer row.
fn drop_domain_branches(expr: &mut Expr) {
    let Expr::Case {
        operand: None,
        conditions,
        else_result,
        ..
    } = expr
    else {
        return;
    };
    let is_domain_test = |e: &Expr| match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            let column = match left.as_ref() {
                Expr::Identifier(i) => Some(i),
                Expr::CompoundIdentifier(parts) => parts.last(),
                _ => None,
            };
            column.is_some_and(|c| c.value.eq_ignore_ascii_case("typtype"))
                && matches!(right.as_ref(), Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(d), ..
                }) if d == "d")
        }
        _ => false,
    };
    conditions.retain(|when| !is_domain_test(&when.condition));
    if conditions.is_empty() {
        *expr = match else_result.take() {
            Some(otherwise) => *otherwise,
            None => Expr::value(Value::Null),
        };
    }
}

/// Whether `query` is a `SELECT` [`fold_empty_selects`] emptied.
fn is_folded(query: &Query) -> bool {
    matches!(query.body.as_ref(), SetExpr::Select(_)) && all_folded(&query.body)
}

/// `(SELECT max(x) FROM ...)` for `(SELECT x FROM ...)`; see [`rewrite`].
fn aggregate_scalar_subquery(query: &mut Query) {
    // `... ORDER BY k LIMIT 1` is the value of the first row in that order: `first_value`
    // ordered by k.
    let first_in_order = match (&query.order_by, &query.limit_clause) {
        (
            Some(ast::OrderBy {
                kind: ast::OrderByKind::Expressions(order),
                ..
            }),
            Some(ast::LimitClause::LimitOffset {
                limit: Some(limit),
                offset: None,
                limit_by,
            }),
        ) if limit_by.is_empty() && limit.to_string() == "1" => Some(order.clone()),
        (None, None) => None,
        _ => return,
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    if !select.group_by_is_empty() || has_aggregate(select) || select.from.is_empty() {
        return;
    }
    if let [item] = select.projection.as_mut_slice() {
        let (expr, alias) = match item {
            SelectItem::UnnamedExpr(e) => (e.clone(), None),
            SelectItem::ExprWithAlias { expr, alias } => (expr.clone(), Some(alias.clone())),
            _ => return,
        };
        let name = alias.unwrap_or_else(|| {
            Ident::new(crate::naming::figure_name(&expr).unwrap_or_else(|| "?column?".into()))
        });
        let aggregate = match first_in_order {
            None => call("max", expr),
            Some(order) => {
                let mut first = call("first_value", expr);
                if let Expr::Function(f) = &mut first
                    && let ast::FunctionArguments::List(list) = &mut f.args
                {
                    list.clauses
                        .push(ast::FunctionArgumentClause::OrderBy(order));
                }
                query.order_by = None;
                query.limit_clause = None;
                first
            }
        };
        *item = SelectItem::ExprWithAlias {
            expr: aggregate,
            alias: name,
        };
    }
}

/// Whether a subquery's SELECT list names a column of an outer query.
fn selects_outer_columns(query: &Query) -> bool {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return false;
    };
    let local = local_names(select);
    let mut outer = false;
    let _ = ast::visit_expressions(&select.projection, |e| {
        if let Expr::CompoundIdentifier(parts) = e
            && parts.len() >= 2
            && !local.contains(&parts[parts.len() - 2].value.to_lowercase())
        {
            outer = true;
        }
        ControlFlow::<()>::Continue(())
    });
    outer
}

/// Takes out of a subquery's `WHERE` the conditions on outer columns only (psql's
/// `AND a.atthasdef`), which DataFusion cannot decorrelate, and returns them: the
/// subquery then runs only where they hold (`CASE WHEN ... THEN (subquery) END`).
fn take_outer_conditions(query: &mut Query) -> Option<Expr> {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let local = local_names(select);
    let selection = select.selection.take()?;
    let mut conjuncts = Vec::new();
    split_and(selection, &mut conjuncts);
    let (outer, inner): (Vec<Expr>, Vec<Expr>) = conjuncts
        .into_iter()
        .partition(|c| refers_only_outside(c, &local));
    select.selection = join_and(inner);
    join_and(outer)
}

fn split_and(expr: Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(*left, out);
            split_and(*right, out);
        }
        Expr::Nested(inner)
            if matches!(
                inner.as_ref(),
                Expr::BinaryOp {
                    op: BinaryOperator::And,
                    ..
                }
            ) =>
        {
            split_and(*inner, out);
        }
        other => out.push(other),
    }
}

fn join_and(exprs: Vec<Expr>) -> Option<Expr> {
    exprs.into_iter().reduce(|a, b| Expr::BinaryOp {
        left: Box::new(a),
        op: BinaryOperator::And,
        right: Box::new(b),
    })
}

/// Whether every column `expr` names is qualified by a name not in `local`, and it names
/// at least one.
fn refers_only_outside(expr: &Expr, local: &[String]) -> bool {
    let mut columns = 0;
    let mut outside = true;
    let _ = ast::visit_expressions(expr, |e| {
        match e {
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                columns += 1;
                // `t.c` or `schema.t.c`: the table is the part before the column.
                outside &= !local.contains(&parts[parts.len() - 2].value.to_lowercase());
            }
            Expr::Identifier(_) | Expr::Subquery(_) | Expr::Exists { .. } => outside = false,
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    outside && columns > 0
}

/// The names a subquery's `FROM` items go by.
fn local_names(select: &ast::Select) -> Vec<String> {
    select
        .from
        .iter()
        .flat_map(|f| std::iter::once(&f.relation).chain(f.joins.iter().map(|j| &j.relation)))
        .filter_map(|factor| match factor {
            TableFactor::Table { name, alias, .. } => Some(match alias {
                Some(a) => a.name.value.to_lowercase(),
                None => unqualified(name)?,
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::rewritten;

    #[test]
    fn a_catalog_name_subscript_is_its_character_from_zero() {
        assert_eq!(
            rewritten("SELECT typname[0] FROM pg_type", true),
            "SELECT substr(typname, (0) + 1, 1) FROM pg_catalog.pg_type AS pg_type"
        );
        // Outside the catalogs, a subscript is an array's.
        assert_eq!(rewritten("SELECT a[0] FROM t", false), "SELECT a[0] FROM t");
    }

    #[test]
    fn regclass_casts_look_relations_up() {
        assert_eq!(
            rewritten(
                "SELECT 'items'::regclass, attrelid::regclass FROM pg_attribute",
                true
            ),
            "SELECT __pg_regclass_oid('items'), __pg_regclass_name(attrelid) \
             FROM pg_catalog.pg_attribute AS pg_attribute"
        );
    }

    #[test]
    fn operator_syntax_and_bytewise_collations_are_plain() {
        assert_eq!(
            rewritten("SELECT 'a' OPERATOR(pg_catalog.~) 'b'", false),
            "SELECT 'a' ~ 'b'"
        );
        assert_eq!(
            rewritten(
                "SELECT x COLLATE pg_catalog.\"default\", y COLLATE \"de_DE\" FROM t",
                false
            ),
            "SELECT x, y COLLATE \"de_DE\" FROM t"
        );
    }

    #[test]
    fn domain_branches_go_only_where_the_catalogs_are_read() {
        let sql = "SELECT CASE WHEN t.typtype = 'd' THEN 1 ELSE 2 END FROM pg_type t";
        assert_eq!(rewritten(sql, true), "SELECT 2 FROM pg_catalog.pg_type t");
        assert_eq!(
            rewritten(sql, false),
            "SELECT CASE WHEN t.typtype = 'd' THEN 1 ELSE 2 END FROM pg_catalog.pg_type t"
        );
    }

    #[test]
    fn scalar_subqueries_over_the_catalogs_are_folded_or_aggregated() {
        assert_eq!(
            rewritten("SELECT (SELECT polname FROM pg_policy)", true),
            "SELECT CAST(NULL AS TEXT)"
        );
        assert_eq!(
            rewritten(
                "SELECT (SELECT d.adbin FROM pg_attrdef d WHERE d.adrelid = a.attrelid) \
                 FROM pg_attribute a",
                true
            ),
            "SELECT (SELECT max(d.adbin) AS adbin FROM pg_catalog.pg_attrdef d \
             WHERE d.adrelid = a.attrelid) FROM pg_catalog.pg_attribute a"
        );
    }
}
