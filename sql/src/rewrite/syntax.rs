//! PostgreSQL's syntax DataFusion reads otherwise or not at all: `~x`, `U&'...'`,
//! `= ANY (ARRAY[...])`, `ARRAY(subquery)`, open array slices, `substring(s from pattern)`,
//! `LIKE ... ESCAPE` and `SIMILAR TO`.

use sqlparser::ast::{self, BinaryOperator, Expr, Query, SelectItem, SetExpr, Statement, Value};

use super::{Context, call, call_with, unqualified};

/// PostgreSQL's syntax, as the module documentation lists it. An [`super::ExpressionPass`].
pub(super) fn syntax(expr: &mut Expr, _: &Context) -> crate::Result<bool> {
    match expr {
        // `~x`, which DataFusion does not plan; see `crate::postgres::bitwise_not`.
        Expr::UnaryOp {
            op: ast::UnaryOperator::BitwiseNot,
            expr: operand,
        } => {
            let operand = std::mem::replace(operand.as_mut(), Expr::value(Value::Null));
            *expr = call(crate::postgres::BITWISE_NOT, operand);
        }
        // `U&'d\0061t\+000061'`: sqlparser has read the escapes; the value is text.
        Expr::Value(v) if matches!(v.value, Value::UnicodeStringLiteral(_)) => {
            if let Value::UnicodeStringLiteral(text) = &v.value {
                v.value = Value::SingleQuotedString(text.clone());
            }
        }
        // `x = ANY (ARRAY[a, b])` is `x IN (a, b)`, and `x <> ALL (ARRAY[...])` is
        // `x NOT IN (...)`: DataFusion plans no array literals here.
        Expr::AnyOp {
            compare_op: BinaryOperator::Eq,
            right,
            ..
        }
        | Expr::AllOp {
            compare_op: BinaryOperator::NotEq,
            right,
            ..
        } if matches!(right.as_ref(), Expr::Array(_)) => {
            let negated = matches!(expr, Expr::AllOp { .. });
            let (Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. }) =
                std::mem::replace(expr, Expr::value(Value::Null))
            else {
                return Ok(true);
            };
            let Expr::Array(array) = *right else {
                return Ok(true);
            };
            *expr = Expr::InList {
                expr: left,
                list: array.elem,
                negated,
            };
        }
        Expr::Function(f)
            if unqualified(&f.name).as_deref() == Some("array")
                && matches!(f.args, ast::FunctionArguments::Subquery(_)) =>
        {
            if let ast::FunctionArguments::Subquery(query) = &f.args {
                *expr = array_text(query.as_ref().clone());
            }
        }
        // An array slice with a bound left out (`a[:2]`, `a[3:]`, `a[:]`) runs from the
        // array's first element or to its last, as in PostgreSQL (DataFusion wants both).
        Expr::CompoundFieldAccess { access_chain, .. }
            if access_chain.iter().any(|a| {
                matches!(a, ast::AccessExpr::Subscript(ast::Subscript::Slice { lower_bound, upper_bound, .. })
                    if lower_bound.is_none() || upper_bound.is_none())
            }) =>
        {
            open_slice_bounds(expr);
        }
        // `substring(s from 'pattern')`: the part of `s` the POSIX regular expression
        // matches, or its first parenthesized part (PostgreSQL's form for a pattern,
        // where an integer `from` is a position).
        Expr::Substring {
            expr: value,
            substring_from: Some(from),
            substring_for: None,
            ..
        } if matches!(
            from.as_ref(),
            Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_))
        ) =>
        {
            let value = std::mem::replace(value.as_mut(), Expr::value(Value::Null));
            let pattern = from.as_ref().clone();
            let matched = call_with("regexp_match", vec![value, pattern]);
            *expr = Expr::CompoundFieldAccess {
                root: Box::new(Expr::Nested(Box::new(matched))),
                access_chain: vec![ast::AccessExpr::Subscript(ast::Subscript::Index {
                    index: Expr::value(Value::Number("1".into(), false)),
                })],
            };
        }
        // `x LIKE p ESCAPE e` is `x LIKE like_escape(p, e)`, escaped by a backslash, the
        // only escape DataFusion takes.
        Expr::Like {
            pattern,
            escape_char: escape @ Some(_),
            ..
        }
        | Expr::ILike {
            pattern,
            escape_char: escape @ Some(_),
            ..
        } if escape.as_ref().is_some_and(|e| {
            !matches!(&e.value, Value::SingleQuotedString(s) if s == "\\")
        }) =>
        {
            let Some(escape) = escape.take() else {
                return Ok(true);
            };
            let written = std::mem::replace(pattern.as_mut(), Expr::value(Value::Null));
            **pattern = call_with(
                crate::postgres::LIKE_ESCAPE,
                vec![written, Expr::Value(escape)],
            );
        }
        // `x SIMILAR TO p` is `x ~ similar_to_escape(p)`, PostgreSQL's own reading.
        Expr::SimilarTo {
            negated,
            expr: value,
            pattern,
            escape_char,
        } => {
            let mut args = vec![std::mem::replace(
                pattern.as_mut(),
                Expr::value(Value::Null),
            )];
            if let Some(escape) = escape_char {
                args.push(Expr::Value(escape.clone()));
            }
            let value = std::mem::replace(value.as_mut(), Expr::value(Value::Null));
            *expr = Expr::BinaryOp {
                left: Box::new(value),
                op: if *negated {
                    ast::BinaryOperator::PGRegexNotMatch
                } else {
                    ast::BinaryOperator::PGRegexMatch
                },
                right: Box::new(call_with(crate::postgres::SIMILAR_TO_ESCAPE, args)),
            };
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Gives each slice of `expr`'s access chain with a bound left out its bound: 1 below, and
/// above the length of the array it slices (0 for an empty one, so the slice is empty).
fn open_slice_bounds(expr: &mut Expr) {
    let Expr::CompoundFieldAccess { root, access_chain } = expr else {
        return;
    };
    for i in 0..access_chain.len() {
        let sliced = match i {
            0 => root.as_ref().clone(),
            _ => Expr::CompoundFieldAccess {
                root: root.clone(),
                access_chain: access_chain[..i].to_vec(),
            },
        };
        if let ast::AccessExpr::Subscript(ast::Subscript::Slice {
            lower_bound,
            upper_bound,
            ..
        }) = &mut access_chain[i]
        {
            let one = || Expr::value(Value::Number("1".into(), false));
            if lower_bound.is_none() {
                *lower_bound = Some(one());
            }
            if upper_bound.is_none() {
                let length = Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(call_with("array_length", vec![sliced, one()])),
                    data_type: ast::DataType::BigInt(None),
                    array: false,
                    format: None,
                };
                let zero = Expr::value(Value::Number("0".into(), false));
                *upper_bound = Some(call_with("coalesce", vec![length, zero]));
            }
        }
    }
}

/// `ARRAY(subquery)` as PostgreSQL's text form of the array: `{a,b}`.
fn array_text(query: Query) -> Expr {
    let sql = format!(
        "(SELECT '{{' || coalesce(string_agg(CAST(__element AS TEXT), ','), '') || '}}' FROM ({query}) AS __array(__element))"
    );
    match crate::parse(&format!("SELECT {sql}"))
        .ok()
        .and_then(|mut s| s.pop())
    {
        Some(crate::Statement::Sql(parsed)) => match parsed.statement {
            Statement::Query(q) => match *q.body {
                SetExpr::Select(select) => match select.projection.into_iter().next() {
                    Some(SelectItem::UnnamedExpr(e)) => e,
                    _ => Expr::value(Value::SingleQuotedString("{}".into())),
                },
                _ => Expr::value(Value::SingleQuotedString("{}".into())),
            },
            _ => Expr::value(Value::SingleQuotedString("{}".into())),
        },
        _ => Expr::value(Value::SingleQuotedString("{}".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::rewritten;

    #[test]
    fn any_of_an_array_literal_is_in() {
        assert_eq!(
            rewritten(
                "SELECT x = ANY (ARRAY[1, 2]), x <> ALL (ARRAY[3]) FROM t",
                false
            ),
            "SELECT x IN (1, 2), x NOT IN (3) FROM t"
        );
    }

    #[test]
    fn bitwise_not_and_unicode_literals() {
        assert_eq!(
            rewritten("SELECT ~x, U&'d\\0061t' FROM t", false),
            "SELECT __driftdb_bitwise_not(x), 'dat' FROM t"
        );
    }

    #[test]
    fn open_slices_get_their_bounds() {
        assert_eq!(
            rewritten("SELECT a[:2], a[3:] FROM t", false),
            "SELECT a[1:2], a[3:coalesce(CAST(array_length(a, 1) AS BIGINT), 0)] FROM t"
        );
    }

    #[test]
    fn an_array_subquery_is_its_text() {
        assert_eq!(
            rewritten("SELECT ARRAY(SELECT 1)", false),
            "SELECT (SELECT '{' || coalesce(string_agg(CAST(__element AS TEXT), ','), '') || '}' \
             FROM (SELECT 1) AS __array (__element))"
        );
    }

    #[test]
    fn patterns_read_as_postgresql_reads_them() {
        assert_eq!(
            rewritten(
                "SELECT substring(s from 'a(b)'), s LIKE 'a!%' ESCAPE '!', s SIMILAR TO 'a%' FROM t",
                false
            ),
            "SELECT (regexp_match(s, 'a(b)'))[1], s LIKE like_escape('a!%', '!'), \
             s ~ similar_to_escape('a%') FROM t"
        );
        // A backslash is DataFusion's own escape.
        assert_eq!(
            rewritten("SELECT s LIKE 'a\\%' ESCAPE '\\' FROM t", false),
            "SELECT s LIKE 'a\\%' ESCAPE '\\' FROM t"
        );
    }
}
