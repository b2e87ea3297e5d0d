//! JSON's aggregates (`json_agg`, `json_object_agg` and the `jsonb_` twins) as `array_agg`
//! laid out as one document, and set-returning functions in a `SELECT` list (JSON's, text's,
//! `generate_series`, `generate_subscripts`) as `unnest` of a list of their rows.

use sqlparser::ast::{self, Expr, Value};

use super::{Context, call, call_with, list_of_rows, object_name, unqualified};

/// JSON's aggregates and the set-returning functions of a `SELECT` list. An [`super::ExpressionPass`].
pub(super) fn aggregates_and_sets(expr: &mut Expr, _: &Context) -> crate::Result<bool> {
    match expr {
        // `json_agg(x ...)` is `array_agg(to_json(x) ...)` laid out as one document; the
        // ORDER BY, DISTINCT, FILTER and OVER stay with the aggregate.
        Expr::Function(f)
            if unqualified(&f.name).is_some_and(|n| n == "json_agg" || n == "jsonb_agg")
                && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 1) =>
        {
            let jsonb = unqualified(&f.name).as_deref() == Some("jsonb_agg");
            let mut aggregate = as_array_agg(f);
            if let ast::FunctionArguments::List(list) = &mut aggregate.args
                && let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))) =
                    list.args.first_mut()
            {
                let value = std::mem::replace(arg, Expr::value(Value::Null));
                *arg = call(if jsonb { "to_jsonb" } else { "to_json" }, value);
            }
            let list = if jsonb {
                crate::json::JSONB_AGG
            } else {
                crate::json::JSON_AGG
            };
            *expr = call(list, Expr::Function(aggregate));
        }
        // `json_object_agg(k, v ...)` is `array_agg(make_array(k::text, to_json(v)) ...)`
        // laid out as one object; the ORDER BY, DISTINCT, FILTER and OVER stay with the
        // aggregate, and each pair stays whole.
        Expr::Function(f)
            if unqualified(&f.name)
                .is_some_and(|n| n == "json_object_agg" || n == "jsonb_object_agg")
                && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
        {
            let jsonb = unqualified(&f.name).as_deref() == Some("jsonb_object_agg");
            let mut aggregate = as_array_agg(f);
            if let ast::FunctionArguments::List(list) = &mut aggregate.args
                && let [
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(key)),
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(value)),
                ] = list.args.as_slice()
            {
                let key = Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(key.clone()),
                    data_type: ast::DataType::Text,
                    array: false,
                    format: None,
                };
                let value = call(if jsonb { "to_jsonb" } else { "to_json" }, value.clone());
                list.args = vec![ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(
                    call_with("make_array", vec![key, value]),
                ))];
                let pairs = if jsonb {
                    crate::json::JSONB_OBJECT_AGG
                } else {
                    crate::json::JSON_OBJECT_AGG
                };
                *expr = call(pairs, Expr::Function(aggregate));
            }
        }
        // JSON's and text's set-returning functions are `unnest` of a list of their rows.
        Expr::Function(f)
            if matches!(&f.args, ast::FunctionArguments::List(l) if !l.args.is_empty())
                && f.over.is_none()
                && unqualified(&f.name).is_some_and(|n| list_of_rows(&n).is_some()) =>
        {
            let Some((lister, typed)) = unqualified(&f.name).and_then(|n| list_of_rows(&n)) else {
                return Ok(true);
            };
            let mut list = f.clone();
            list.name = object_name(&lister);
            let rows = call("unnest", Expr::Function(list));
            *expr = match typed {
                Some(json_in) => call(json_in, rows),
                None => rows,
            };
        }
        // `generate_subscripts(a, d)` is the subscripts of dimension d, one row each:
        // `unnest(generate_series(1, array_length(a, d)))`.
        Expr::Function(f)
            if unqualified(&f.name).as_deref() == Some("generate_subscripts")
                && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
        {
            let ast::FunctionArguments::List(list) = &f.args else {
                return Ok(true);
            };
            let args: Vec<Expr> = list
                .args
                .iter()
                .filter_map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e.clone()),
                    _ => None,
                })
                .collect();
            if args.len() == 2 {
                let length = call_with("array_length", args);
                let one = Expr::value(Value::Number("1".into(), false));
                *expr = call(
                    "unnest",
                    call_with(crate::postgres::SERIES, vec![one, length]),
                );
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The aggregate call `f` (its arguments, ORDER BY, DISTINCT, FILTER and OVER) as an
/// `array_agg`.
fn as_array_agg(f: &ast::Function) -> ast::Function {
    ast::Function {
        name: object_name("array_agg"),
        ..f.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::rewritten;

    #[test]
    fn json_aggregates_are_array_aggregates_laid_out() {
        assert_eq!(
            rewritten(
                "SELECT json_agg(x ORDER BY y), jsonb_object_agg(k, v) FROM t",
                false
            ),
            "SELECT __driftdb_json_agg(array_agg(to_json(x) ORDER BY y)), \
             __driftdb_jsonb_object_agg(array_agg(make_array(CAST(k AS TEXT), to_jsonb(v)))) FROM t"
        );
    }

    #[test]
    fn set_returning_functions_unnest_a_list() {
        assert_eq!(
            rewritten(
                "SELECT generate_series(1, 3), jsonb_array_elements(j), generate_subscripts(a, 1) \
                 FROM t",
                false
            ),
            "SELECT unnest(__driftdb_generate_series(1, 3)), \
             __driftdb_jsonb(unnest(__driftdb_jsonb_array_elements(j))), \
             unnest(__driftdb_generate_series(1, array_length(a, 1))) FROM t"
        );
    }
}
