//! Functions by PostgreSQL's names and forms: `CURRENT_USER` and its kin, `array_lower`,
//! `mod`, the synonyms, `row_to_json`, `array_fill`; and, last of the passes that look at
//! calls, any other `pg_catalog.`-qualified function by its own name.

use sqlparser::ast::{self, Expr, Value};

use super::{CURRENT_USER, Context, SESSION_USER, call_with, object_name, refusal, unqualified};

/// Functions by PostgreSQL's names and forms; last, any `pg_catalog.`-qualified call. An [`super::ExpressionPass`].
pub(super) fn functions(expr: &mut Expr, _: &Context) -> crate::Result<bool> {
    match expr {
        // SQL's `CURRENT_USER`, `CURRENT_ROLE`, `USER` and `SESSION_USER` are functions
        // without parentheses (reserved words: a column of that name must be quoted).
        Expr::Identifier(_) | Expr::Function(_) if session_user_function(expr).is_some() => {
            if let Some(function) = session_user_function(expr) {
                *expr = call_with(function, vec![]);
            }
        }
        // `array_lower(a, d)` is 1, DriftDB's arrays starting there, or NULL where the
        // array has no dimension `d` (an empty one has none).
        Expr::Function(f)
            if unqualified(&f.name).as_deref() == Some("array_lower")
                && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
        {
            let mut length = Expr::Function(f.clone());
            if let Expr::Function(g) = &mut length {
                g.name = object_name("array_length");
            }
            *expr = Expr::Case {
                case_token: ast::helpers::attached_token::AttachedToken::empty(),
                end_token: ast::helpers::attached_token::AttachedToken::empty(),
                operand: None,
                conditions: vec![ast::CaseWhen {
                    condition: Expr::IsNotNull(Box::new(length)),
                    result: Expr::value(Value::Number("1".into(), false)),
                }],
                else_result: None,
            };
        }
        // `mod(a, b)` is `a % b`.
        Expr::Function(f)
            if unqualified(&f.name).as_deref() == Some("mod")
                && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
        {
            let ast::FunctionArguments::List(list) = &f.args else {
                return Ok(true);
            };
            if let [
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a)),
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(b)),
            ] = list.args.as_slice()
            {
                *expr = Expr::Nested(Box::new(Expr::BinaryOp {
                    left: Box::new(Expr::Nested(Box::new(a.clone()))),
                    op: ast::BinaryOperator::Modulo,
                    right: Box::new(Expr::Nested(Box::new(b.clone()))),
                }));
            }
        }
        // PostgreSQL's names of functions DataFusion has under others.
        Expr::Function(f)
            if unqualified(&f.name)
                .is_some_and(|n| SYNONYMS.iter().any(|(name, _)| *name == n)) =>
        {
            if let Some((_, theirs)) =
                unqualified(&f.name).and_then(|n| SYNONYMS.iter().find(|(name, _)| *name == n))
            {
                f.name = object_name(theirs);
            }
        }
        // `row_to_json(r)` is `to_json(r)`; `row_to_json(r, false)` too (`true` asks for
        // line breaks DriftDB does not write).
        Expr::Function(f)
            if unqualified(&f.name).as_deref() == Some("row_to_json")
                && matches!(&f.args, ast::FunctionArguments::List(l)
                    if l.args.len() == 1
                        || l.args.len() == 2 && matches!(l.args.get(1),
                            Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(v))))
                                if matches!(v.value, Value::Boolean(false)))) =>
        {
            if let ast::FunctionArguments::List(list) = &mut f.args {
                list.args.truncate(1);
            }
            f.name = object_name("to_json");
        }
        // `array_fill(v, ARRAY[a, b])` nests as many lists as the ARRAY has elements;
        // see `crate::postgres::array_fill`.
        Expr::Function(f)
            if unqualified(&f.name).as_deref() == Some("array_fill")
                && matches!(&f.args, ast::FunctionArguments::List(l)
                    if matches!(l.args.len(), 2 | 3)
                        && matches!(l.args.get(1),
                            Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Array(_)))))) =>
        {
            if let ast::FunctionArguments::List(list) = &mut f.args
                && let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Array(
                    dims,
                )))) = list.args.get(1)
            {
                let count = Expr::value(Value::Number(dims.elem.len().to_string(), false));
                list.args
                    .push(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(count)));
                f.name = object_name(crate::postgres::ARRAY_FILL);
            }
        }
        // Dimensions given another way cannot be counted before planning.
        Expr::Function(f) if unqualified(&f.name).as_deref() == Some("array_fill") => {
            return Err(refusal(
                "array_fill's dimensions must be written as ARRAY[...]".to_string(),
            ));
        }
        Expr::Function(f) => {
            if let [schema, _] = f.name.0.as_slice()
                && schema
                    .as_ident()
                    .is_some_and(|s| s.value.eq_ignore_ascii_case("pg_catalog"))
            {
                f.name.0.remove(0);
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// What `CURRENT_USER`, `CURRENT_ROLE`, `USER` or `SESSION_USER` (unquoted, without
/// parentheses: sqlparser reads some as identifiers, some as calls without arguments)
/// stands for.
fn session_user_function(expr: &Expr) -> Option<&'static str> {
    let name = match expr {
        Expr::Identifier(ident) if ident.quote_style.is_none() => ident.value.to_lowercase(),
        Expr::Function(f) if matches!(f.args, ast::FunctionArguments::None) => {
            unqualified(&f.name)?
        }
        _ => return None,
    };
    match name.as_str() {
        "current_user" | "current_role" | "user" => Some(CURRENT_USER),
        "session_user" => Some(SESSION_USER),
        _ => None,
    }
}

/// PostgreSQL's functions DataFusion has under another name, with that name.
const SYNONYMS: [(&str, &str); 5] = [
    // DriftDB's arrays start at 1: the upper bound is the length.
    ("array_upper", "array_length"),
    ("sign", "signum"),
    ("ceiling", "ceil"),
    ("variance", "var_samp"),
    ("every", "bool_and"),
];

#[cfg(test)]
mod tests {
    use super::super::testing::{refused, rewritten};
    use crate::SqlState;

    #[test]
    fn session_users_and_renamed_functions() {
        assert_eq!(
            rewritten(
                "SELECT CURRENT_USER, session_user, mod(a, b), ceiling(a), pg_catalog.upper(s) \
                 FROM t",
                false
            ),
            "SELECT current_user(), session_user(), ((a) % (b)), ceil(a), upper(s) FROM t"
        );
    }

    #[test]
    fn array_functions_take_postgresql_forms() {
        assert_eq!(
            rewritten(
                "SELECT array_lower(a, 1), row_to_json(r), array_fill(0, ARRAY[2, 3]) FROM t",
                false
            ),
            "SELECT CASE WHEN array_length(a, 1) IS NOT NULL THEN 1 END, to_json(r), \
             __driftdb_array_fill(0, ARRAY[2, 3], 2) FROM t"
        );
    }

    #[test]
    fn array_fill_without_literal_dimensions_is_refused() {
        let error = refused("SELECT array_fill(0, d) FROM t");
        assert_eq!(error.state(), SqlState::FEATURE_NOT_SUPPORTED);
    }
}
