//! Dates and times: `EXTRACT` and `date_part` with PostgreSQL's types, `LOCALTIMESTAMP` and
//! `LOCALTIME`, `to_timestamp` and `to_date` with PostgreSQL's templates, one-argument `age`,
//! `make_interval` with named arguments.

use sqlparser::ast::{self, BinaryOperator, Expr, Value};

use super::{Context, call_with, object_name, unqualified};

/// The date and time functions the module documentation lists. An [`super::ExpressionPass`].
pub(super) fn dates_and_times(expr: &mut Expr, _: &Context) -> crate::Result<bool> {
    match expr {
        // `EXTRACT(f FROM x)`, a `numeric` of the field's scale (`crate::postgres::extract`).
        Expr::Extract {
            field, expr: value, ..
        } => {
            let field = Expr::value(Value::SingleQuotedString(field.to_string()));
            let value = std::mem::replace(value.as_mut(), Expr::value(Value::Null));
            *expr = call_with(crate::postgres::EXTRACT, vec![field, value]);
        }
        // `date_part('f', x)`: `EXTRACT`'s value as a `double precision`, PostgreSQL's
        // type for it (DataFusion's `date_part` dropped the fraction of seconds).
        Expr::Function(f)
            if unqualified(&f.name).as_deref() == Some("date_part")
                && constant_field(f).is_some() =>
        {
            if let ast::FunctionArguments::List(list) = &f.args
                && let [
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(field)),
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(value)),
                ] = list.args.as_slice()
            {
                let extracted = call_with(
                    crate::postgres::DATE_PART,
                    vec![field.clone(), value.clone()],
                );
                *expr = Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(extracted),
                    data_type: ast::DataType::DoublePrecision,
                    array: false,
                    format: None,
                };
            }
        }
        // `LOCALTIMESTAMP` and `LOCALTIME` [ (precision) ]: the transaction's start in the
        // session's zone (UTC) as a `timestamp` or `time`.
        Expr::Function(f)
            if matches!(
                unqualified(&f.name).as_deref(),
                Some("localtimestamp" | "localtime")
            ) && match &f.args {
                ast::FunctionArguments::None => true,
                ast::FunctionArguments::List(l) => l.args.len() == 1,
                _ => false,
            } =>
        {
            let precision = match &f.args {
                ast::FunctionArguments::List(l) => match l.args.first() {
                    Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(v)))) => {
                        match &v.value {
                            Value::Number(n, _) => n.parse::<u64>().ok(),
                            _ => None,
                        }
                    }
                    _ => None,
                },
                _ => None,
            };
            let cast = |expr: Expr, data_type: ast::DataType| Expr::Cast {
                kind: ast::CastKind::Cast,
                expr: Box::new(expr),
                data_type,
                array: false,
                format: None,
            };
            let mut now = cast(
                call_with("now", vec![]),
                ast::DataType::Timestamp(None, ast::TimezoneInfo::None),
            );
            // Rounded to `precision` fractional digits, as PostgreSQL rounds it.
            if let Some(digits) = precision.filter(|p| *p < 6) {
                let unit = 10u64.pow(6 - digits as u32);
                let interval = |micros: u64| {
                    Expr::Interval(ast::Interval {
                        value: Box::new(Expr::value(Value::SingleQuotedString(format!(
                            "{micros} microseconds"
                        )))),
                        leading_field: None,
                        leading_precision: None,
                        last_field: None,
                        fractional_seconds_precision: None,
                    })
                };
                let shifted = Expr::BinaryOp {
                    left: Box::new(now),
                    op: BinaryOperator::Plus,
                    right: Box::new(interval(unit / 2)),
                };
                let epoch = cast(
                    Expr::value(Value::SingleQuotedString("1970-01-01".into())),
                    ast::DataType::Timestamp(None, ast::TimezoneInfo::None),
                );
                now = call_with("date_bin", vec![interval(unit), shifted, epoch]);
            }
            *expr = if unqualified(&f.name).as_deref() == Some("localtime") {
                cast(now, ast::DataType::Time(None, ast::TimezoneInfo::None))
            } else {
                now
            };
        }
        // `to_timestamp(text, template)` and `to_date(text, template)` read PostgreSQL's
        // templates (DataFusion's read chrono's; their one-argument forms stay).
        Expr::Function(f)
            if matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2)
                && matches!(
                    unqualified(&f.name).as_deref(),
                    Some("to_timestamp" | "to_date")
                ) =>
        {
            let ours = match unqualified(&f.name).as_deref() {
                Some("to_date") => crate::postgres::TO_DATE,
                _ => crate::postgres::TO_TIMESTAMP,
            };
            f.name = object_name(ours);
        }
        // `age(t)` is `age(current_date, t)`.
        Expr::Function(f)
            if unqualified(&f.name).as_deref() == Some(crate::interval::functions::AGE)
                && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 1) =>
        {
            if let ast::FunctionArguments::List(list) = &mut f.args {
                let today = Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(call_with("current_date", vec![])),
                    data_type: ast::DataType::Timestamp(None, ast::TimezoneInfo::None),
                    array: false,
                    format: None,
                };
                list.args.insert(
                    0,
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(today)),
                );
            }
        }
        // `make_interval(days => 10)`: its parts by position, the missing ones 0.
        Expr::Function(f)
            if unqualified(&f.name).as_deref() == Some("make_interval")
                && matches!(&f.args, ast::FunctionArguments::List(l)
                    if l.args.iter().any(|a| argument_name(a).is_some())) =>
        {
            if let ast::FunctionArguments::List(list) = &mut f.args {
                make_interval_arguments(&mut list.args);
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `make_interval`'s arguments by position: the named ones moved to their places, the ones
/// left out 0. A name that is not a parameter stays, for the planner to refuse.
fn make_interval_arguments(args: &mut Vec<ast::FunctionArg>) {
    use crate::interval::functions::MAKE_INTERVAL_PARAMETERS as NAMES;
    let zero = || {
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::value(Value::Number(
            "0".into(),
            false,
        ))))
    };
    let mut positional: Vec<ast::FunctionArg> = Vec::new();
    for arg in std::mem::take(args) {
        match argument_name(&arg) {
            Some((name, value)) => match NAMES.iter().position(|n| name.eq_ignore_ascii_case(n)) {
                Some(at) => {
                    while positional.len() <= at {
                        positional.push(zero());
                    }
                    positional[at] = ast::FunctionArg::Unnamed(value.clone());
                }
                None => args.push(arg),
            },
            None => positional.push(arg),
        }
    }
    positional.append(args);
    *args = positional;
}

/// The field of `date_part('f', x)` when it is a constant, as `EXTRACT` takes one.
fn constant_field(f: &ast::Function) -> Option<&str> {
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let [
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(part))),
        _,
    ] = list.args.as_slice()
    else {
        return None;
    };
    match &part.value {
        Value::SingleQuotedString(part) => Some(part),
        _ => None,
    }
}

/// A named argument's name and value (`days => 10`).
fn argument_name(arg: &ast::FunctionArg) -> Option<(&str, &ast::FunctionArgExpr)> {
    match arg {
        ast::FunctionArg::Named { name, arg, .. } => Some((name.value.as_str(), arg)),
        ast::FunctionArg::ExprNamed {
            name: Expr::Identifier(name),
            arg,
            ..
        } => Some((name.value.as_str(), arg)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::rewritten;

    #[test]
    fn fields_are_extracted_with_postgresql_types() {
        assert_eq!(
            rewritten(
                "SELECT EXTRACT(YEAR FROM d), date_part('day', d) FROM t",
                false
            ),
            "SELECT __driftdb_extract('YEAR', d), \
             CAST(__driftdb_date_part('day', d) AS DOUBLE PRECISION) FROM t"
        );
    }

    #[test]
    fn localtimestamp_is_rounded_to_its_precision() {
        assert_eq!(
            rewritten("SELECT LOCALTIMESTAMP(2)", false),
            "SELECT date_bin(INTERVAL '10000 microseconds', \
             CAST(now() AS TIMESTAMP) + INTERVAL '5000 microseconds', \
             CAST('1970-01-01' AS TIMESTAMP))"
        );
    }

    #[test]
    fn postgresql_forms_of_date_functions() {
        assert_eq!(
            rewritten(
                "SELECT to_date(s, 'YYYY'), to_timestamp(1), age(d), make_interval(days => 10) \
                 FROM t",
                false
            ),
            "SELECT __driftdb_to_date(s, 'YYYY'), to_timestamp(1), \
             age(CAST(current_date() AS TIMESTAMP), d), make_interval(0, 0, 0, 10) FROM t"
        );
    }
}
