//! Casts and typed literals to the types DataFusion lacks or types otherwise: `uuid`,
//! `json`/`jsonb`, `varchar(n)`, `character(n)`, unconstrained `numeric`, `inet`/`cidr`,
//! `oid` and the `reg*` lookups, `pg_catalog.int4` and the like.

use sqlparser::ast::{self, Expr, Value};

use super::{
    Context, REGCLASS_NAME, REGCLASS_OID, REGNAMESPACE_NAME, REGTYPE_NAME, REGTYPE_OID, call,
    call_with, is_text_literal, json_in, unqualified,
};

/// Casts and typed literals; last, casts to any other named type. An [`super::ExpressionPass`].
pub(super) fn casts(expr: &mut Expr, _: &Context) -> crate::Result<bool> {
    match expr {
        // Nor a UUID type: a cast to uuid checks the text and gives its normal form.
        Expr::Cast {
            expr: inner,
            data_type: ast::DataType::Uuid,
            ..
        } => {
            let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
            *expr = call(crate::postgres::UUID_IN, value);
        }
        // DataFusion has no JSON types: a cast to one checks the text (and for jsonb
        // normalizes it); see `crate::json`.
        Expr::Cast {
            expr: inner,
            data_type: data_type @ (ast::DataType::JSON | ast::DataType::JSONB),
            ..
        } => {
            let function = json_in(data_type);
            let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
            *expr = call(function, value);
        }
        // A cast to varchar(n) cuts the text to n characters (storing too long a text
        // is still 22001): `left(CAST(x AS TEXT), n)`.
        Expr::Cast {
            expr: inner,
            data_type:
                ast::DataType::Varchar(Some(ast::CharacterLength::IntegerLength { length, .. }))
                | ast::DataType::CharacterVarying(Some(ast::CharacterLength::IntegerLength {
                    length,
                    ..
                })),
            ..
        } => {
            let length = *length;
            *expr = text_with_length("left", inner, length);
        }
        // A cast to character(n) cuts the text to n characters and types it
        // character(n), which shows blank-padded; see `crate::postgres::bpchar`.
        Expr::Cast {
            expr: inner,
            data_type: ast::DataType::Char(length) | ast::DataType::Character(length),
            ..
        } => {
            let length = match length {
                Some(ast::CharacterLength::IntegerLength { length, .. }) => *length,
                None => 1,
                Some(ast::CharacterLength::Max) => return Ok(true),
            };
            *expr = text_with_length(crate::postgres::BPCHAR_IN, inner, length);
        }
        // A cast to an unconstrained numeric keeps its value's scale, as PostgreSQL's
        // does; see `crate::postgres::numeric`. A parameter's cast stays, typing it.
        Expr::Cast {
            kind: ast::CastKind::Cast | ast::CastKind::DoubleColon,
            expr: inner,
            data_type:
                ast::DataType::Numeric(ast::ExactNumberInfo::None)
                | ast::DataType::Decimal(ast::ExactNumberInfo::None)
                | ast::DataType::Dec(ast::ExactNumberInfo::None),
            format: None,
            ..
        } if !matches!(inner.as_ref(), Expr::Value(v) if matches!(v.value, Value::Placeholder(_))) =>
        {
            let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
            *expr = call(crate::postgres::NUMERIC_IN, value);
        }
        Expr::TypedString(typed)
            if matches!(
                typed.data_type,
                ast::DataType::Numeric(ast::ExactNumberInfo::None)
                    | ast::DataType::Decimal(ast::ExactNumberInfo::None)
            ) =>
        {
            *expr = call(
                crate::postgres::NUMERIC_IN,
                Expr::Value(typed.value.clone()),
            );
        }
        // `uuid '...'` is a cast of the text, which checks it.
        Expr::TypedString(typed) if matches!(typed.data_type, ast::DataType::Uuid) => {
            *expr = call(crate::postgres::UUID_IN, Expr::Value(typed.value.clone()));
        }
        // So are `inet '...'` and `cidr '...'`.
        Expr::TypedString(typed) if network_in(&typed.data_type).is_some() => {
            if let Some(function) = network_in(&typed.data_type) {
                *expr = call(function, Expr::Value(typed.value.clone()));
            }
        }
        Expr::TypedString(typed)
            if matches!(typed.data_type, ast::DataType::JSON | ast::DataType::JSONB) =>
        {
            let function = json_in(&typed.data_type);
            *expr = call(function, Expr::Value(typed.value.clone()));
        }
        Expr::Cast {
            expr: inner,
            data_type,
            ..
        } => {
            // `oid[]` is an array of numbers, as `oid` is a number.
            if let Some(element) = array_element(data_type)
                && let ast::DataType::Custom(name, modifiers) = element
                && modifiers.is_empty()
                && unqualified(name)
                    .is_some_and(|n| matches!(n.as_str(), "oid" | "regproc" | "xid"))
            {
                *element = ast::DataType::BigInt(None);
                return Ok(true);
            }
            let ast::DataType::Custom(name, modifiers) = data_type else {
                return Ok(true);
            };
            if !modifiers.is_empty() {
                return Ok(true);
            }
            let Some(type_name) = unqualified(name) else {
                return Ok(true);
            };
            let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
            *expr = match type_name.as_str() {
                "regclass" if is_text_literal(&value) => call(REGCLASS_OID, value),
                "regclass" => call(REGCLASS_NAME, value),
                "regtype" if is_text_literal(&value) => {
                    call(REGTYPE_NAME, call(REGTYPE_OID, value))
                }
                "regtype" => call(REGTYPE_NAME, value),
                "regnamespace" => call(REGNAMESPACE_NAME, value),
                // A cast to a network type reads (or converts) the value.
                "inet" | "cidr" => match network_in(data_type) {
                    Some(function) => call(function, value),
                    None => return Ok(true),
                },
                "oid" | "regproc" | "xid" => Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(value),
                    data_type: ast::DataType::BigInt(None),
                    array: false,
                    format: None,
                },
                "name" | "text" | "char" | "varchar" => Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(value),
                    data_type: ast::DataType::Text,
                    array: false,
                    format: None,
                },
                // `pg_catalog.int2` and the like: the built-in types by their own names.
                builtin @ ("int2" | "int4" | "int8" | "bool" | "float4" | "float8") => Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(value),
                    data_type: match builtin {
                        "int2" => ast::DataType::SmallInt(None),
                        "int4" => ast::DataType::Int(None),
                        "int8" => ast::DataType::BigInt(None),
                        "bool" => ast::DataType::Boolean,
                        "float4" => ast::DataType::Real,
                        _ => ast::DataType::DoublePrecision,
                    },
                    array: false,
                    format: None,
                },
                _ => {
                    **inner = value;
                    return Ok(true);
                }
            };
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `function(CAST(value AS TEXT), length)`, taking `value` out of its place.
fn text_with_length(function: &str, value: &mut Expr, length: u64) -> Expr {
    let value = std::mem::replace(value, Expr::value(Value::Null));
    let text = Expr::Cast {
        kind: ast::CastKind::Cast,
        expr: Box::new(value),
        data_type: ast::DataType::Text,
        array: false,
        format: None,
    };
    call_with(
        function,
        vec![text, Expr::value(Value::Number(length.to_string(), false))],
    )
}

/// The function a cast to `inet` or `cidr` becomes (DataFusion has no network types; see
/// `crate::network`), for those types.
fn network_in(data_type: &ast::DataType) -> Option<&'static str> {
    let ast::DataType::Custom(name, modifiers) = data_type else {
        return None;
    };
    match unqualified(name)?.as_str() {
        "inet" if modifiers.is_empty() => Some(crate::network::functions::INET_IN),
        "cidr" if modifiers.is_empty() => Some(crate::network::functions::CIDR_IN),
        _ => None,
    }
}

/// The element type of an array type (of its innermost arrays, for `t[][]`).
fn array_element(t: &mut ast::DataType) -> Option<&mut ast::DataType> {
    let ast::DataType::Array(
        ast::ArrayElemTypeDef::SquareBracket(element, _)
        | ast::ArrayElemTypeDef::AngleBracket(element)
        | ast::ArrayElemTypeDef::Parenthesis(element),
    ) = t
    else {
        return None;
    };
    if matches!(**element, ast::DataType::Array(_)) {
        array_element(element)
    } else {
        Some(element)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::rewritten;

    #[test]
    fn casts_to_types_datafusion_lacks_check_their_values() {
        assert_eq!(
            rewritten(
                "SELECT x::uuid, '{}'::jsonb, x::varchar(3), x::char(2), x::numeric, $1::numeric \
                 FROM t",
                false
            ),
            "SELECT __driftdb_uuid(x), __driftdb_jsonb('{}'), left(CAST(x AS TEXT), 3), \
             __driftdb_bpchar(CAST(x AS TEXT), 2), __driftdb_numeric(x), $1::NUMERIC FROM t"
        );
    }

    #[test]
    fn typed_literals_are_casts_of_their_text() {
        assert_eq!(
            rewritten("SELECT numeric '1.50', uuid 'a', json '{}'", false),
            "SELECT __driftdb_numeric('1.50'), __driftdb_uuid('a'), __driftdb_json('{}')"
        );
    }

    #[test]
    fn named_types_are_lookups_or_builtin_types() {
        assert_eq!(
            rewritten(
                "SELECT x::oid, x::oid[], n::regnamespace, x::pg_catalog.int4, x::name, x::inet \
                 FROM t",
                false
            ),
            "SELECT CAST(x AS BIGINT), x::BIGINT[], __pg_regnamespace_name(n), CAST(x AS INT), \
             CAST(x AS TEXT), __driftdb_inet(x) FROM t"
        );
    }
}
