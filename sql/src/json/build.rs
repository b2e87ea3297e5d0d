//! JSON built from SQL values: `to_json`, `json_build_object` and `json_build_array`, each
//! with its `jsonb` twin, as PostgreSQL has them.
//!
//! A value becomes JSON by its type: NULL is `null`, booleans and numbers are themselves
//! (a float that is not finite is a string, `"NaN"`), a `json` or `jsonb` value is embedded
//! as the document it is, a timestamp is an ISO 8601 string (`"2025-01-02T03:04:05"`), and
//! anything else is the string of its PostgreSQL text. The `json` functions lay the result
//! out as PostgreSQL's do (`{"a" : 1, "b" : [1, 2]}`); the `jsonb` ones return it in
//! `jsonb`'s normal form, keys sorted and the last of duplicate keys kept. `json_agg(x)` is
//! rewritten before planning into [`JSON_AGG`] of `array_agg(to_json(x))`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};

use super::{external, normalize_jsonb, write_string};
use crate::Error;
use crate::SqlState;

/// What a building function builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shape {
    /// `to_json(x)`: one value.
    Value,
    /// `json_build_object(k1, v1, ...)`.
    Object,
    /// `json_build_array(v1, ...)`.
    Array,
    /// A list of documents (`array_agg(to_json(x))`) as one array: `json_agg`.
    List,
    /// A list of pairs of a key and a document (`array_agg(make_array(k::text,
    /// to_json(v)))`) as one object: `json_object_agg`.
    Pairs,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Build {
    name: &'static str,
    shape: Shape,
    jsonb: bool,
    signature: Signature,
}

/// What `json_agg(x)` (`jsonb_agg`) becomes before planning: this function of
/// `array_agg(to_json(x))`, which lays the collected documents out as one array.
pub(crate) const JSON_AGG: &str = "__driftdb_json_agg";
/// The `jsonb` twin of [`JSON_AGG`].
pub(crate) const JSONB_AGG: &str = "__driftdb_jsonb_agg";
/// What `json_object_agg(k, v)` becomes before planning: this function of
/// `array_agg(make_array(CAST(k AS TEXT), to_json(v)))`, which lays the pairs out as one
/// object.
pub(crate) const JSON_OBJECT_AGG: &str = "__driftdb_json_object_agg";
/// The `jsonb` twin of [`JSON_OBJECT_AGG`].
pub(crate) const JSONB_OBJECT_AGG: &str = "__driftdb_jsonb_object_agg";

/// The building functions, for registering in a session.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    let lists = [
        (JSON_AGG, Shape::List, false),
        (JSONB_AGG, Shape::List, true),
        (JSON_OBJECT_AGG, Shape::Pairs, false),
        (JSONB_OBJECT_AGG, Shape::Pairs, true),
    ]
    .map(|(name, shape, jsonb)| {
        ScalarUDF::new_from_impl(Build {
            name,
            shape,
            jsonb,
            signature: Signature::any(1, Volatility::Immutable),
        })
    });
    lists
        .into_iter()
        .chain(
            [
                ("to_json", Shape::Value, false),
                ("to_jsonb", Shape::Value, true),
                ("json_build_object", Shape::Object, false),
                ("jsonb_build_object", Shape::Object, true),
                ("json_build_array", Shape::Array, false),
                ("jsonb_build_array", Shape::Array, true),
            ]
            .map(|(name, shape, jsonb)| {
                let signature = match shape {
                    Shape::Value => Signature::any(1, Volatility::Stable),
                    _ => Signature::one_of(
                        vec![TypeSignature::Nullary, TypeSignature::VariadicAny],
                        Volatility::Stable,
                    ),
                };
                ScalarUDF::new_from_impl(Build {
                    name,
                    shape,
                    jsonb,
                    signature,
                })
            }),
        )
        .collect()
}

impl ScalarUDFImpl for Build {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if self.shape == Shape::Object && !args.arg_fields.len().is_multiple_of(2) {
            return Err(external(Error::Execution {
                message: "argument list must have even number of elements".into(),
                sqlstate: SqlState::INVALID_PARAMETER_VALUE,
            }));
        }
        let pg_type = if self.jsonb { "jsonb" } else { "json" };
        Ok(Arc::new(crate::pg_types::with_pg_type(
            Field::new(self.name, DataType::Utf8, true),
            pg_type,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = crate::udf::all_scalar(&args.args);
        let arrays: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|a| a.to_array(args.number_rows))
            .collect::<Result<_>>()?;
        let fields = &args.arg_fields;
        let out: StringArray = (0..args.number_rows)
            .map(|row| self.build(&arrays, fields, row))
            .collect::<std::result::Result<_, Error>>()
            .map_err(external)?;
        crate::udf::columnar(Arc::new(out), scalar)
    }
}

impl Build {
    /// Row `row` of the list an aggregate's rewrite collected; `None` for NULL (no rows).
    fn list_row(
        &self,
        array: &ArrayRef,
        row: usize,
    ) -> std::result::Result<Option<ArrayRef>, Error> {
        let Some(list) = array.as_list_opt::<i32>() else {
            return Err(Error::Internal {
                message: format!("{}: not a list", self.name),
            });
        };
        Ok((!list.is_null(row)).then(|| list.value(row)))
    }

    /// The JSON of one row; `to_json(NULL)` is NULL, every other call a document.
    fn build(
        &self,
        arrays: &[ArrayRef],
        fields: &[FieldRef],
        row: usize,
    ) -> std::result::Result<Option<String>, Error> {
        let mut out = String::new();
        // The json functions' layout; jsonb normalizes whatever it is.
        let (colon, comma) = (" : ", ", ");
        match self.shape {
            Shape::Value => {
                if arrays[0].is_null(row) {
                    return Ok(None);
                }
                write_value(&arrays[0], &fields[0], row, &mut out)?;
            }
            Shape::Array => {
                out.push('[');
                for (i, (array, field)) in arrays.iter().zip(fields).enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    write_value(array, field, row, &mut out)?;
                }
                out.push(']');
            }
            Shape::List => {
                let Some(items) = self.list_row(&arrays[0], row)? else {
                    return Ok(None);
                };
                out.push('[');
                for i in 0..items.len() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    match crate::text::format_value(items.as_ref(), i) {
                        Some(doc) => out.push_str(&doc),
                        None => out.push_str("null"),
                    }
                }
                out.push(']');
            }
            Shape::Pairs => {
                let Some(pairs) = self.list_row(&arrays[0], row)? else {
                    return Ok(None);
                };
                let Some(pairs) = pairs.as_list_opt::<i32>() else {
                    return Err(Error::Internal {
                        message: format!("{}: not a list of pairs", self.name),
                    });
                };
                // PostgreSQL's json_object_agg lays out `{ "k" : v, ... }`.
                out.push_str("{ ");
                for i in 0..pairs.len() {
                    let pair = pairs.value(i);
                    let Some(key) = crate::text::format_value(pair.as_ref(), 0) else {
                        return Err(Error::Execution {
                            message: "field name must not be null".into(),
                            sqlstate: SqlState::INVALID_PARAMETER_VALUE,
                        });
                    };
                    if i > 0 {
                        out.push_str(comma);
                    }
                    write_string(&key, &mut out)?;
                    out.push_str(colon);
                    match crate::text::format_value(pair.as_ref(), 1) {
                        Some(doc) => out.push_str(&doc),
                        None => out.push_str("null"),
                    }
                }
                out.push_str(" }");
            }
            Shape::Object => {
                out.push('{');
                for (i, pair) in arrays.chunks(2).enumerate() {
                    let [key, value] = pair else { break };
                    let Some(key) = text_of(key, row) else {
                        return Err(Error::Execution {
                            message: format!("argument {} cannot be null", 2 * i + 1),
                            sqlstate: SqlState::NULL_VALUE_NOT_ALLOWED,
                        });
                    };
                    if i > 0 {
                        out.push_str(comma);
                    }
                    write_string(&key, &mut out)?;
                    out.push_str(colon);
                    write_value(value, &fields[2 * i + 1], row, &mut out)?;
                }
                out.push('}');
            }
        }
        if self.jsonb {
            out = normalize_jsonb(&out)?;
        }
        Ok(Some(out))
    }
}

/// One SQL value as JSON; see the module documentation.
pub(crate) fn write_value(
    array: &ArrayRef,
    field: &Field,
    row: usize,
    out: &mut String,
) -> std::result::Result<(), Error> {
    let Some(text) = text_of(array, row) else {
        out.push_str("null");
        return Ok(());
    };
    match array.data_type() {
        DataType::Boolean => out.push_str(if text == "t" { "true" } else { "false" }),
        t if t.is_integer() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) => {
            out.push_str(&text)
        }
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            if text.parse::<f64>().is_ok_and(f64::is_finite) {
                out.push_str(&text);
            } else {
                write_string(&text, out)?;
            }
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            if matches!(crate::pg_types::pg_type_of(field), Some("json" | "jsonb")) =>
        {
            out.push_str(&text)
        }
        DataType::Timestamp(..) => write_string(&iso_timestamp(&text), out)?,
        // An array is a JSON array of its elements, as `array_to_json` writes it.
        DataType::List(element) | DataType::LargeList(element) => {
            let elements = match array.data_type() {
                DataType::List(_) => array.as_list::<i32>().value(row),
                _ => array.as_list::<i64>().value(row),
            };
            out.push('[');
            for j in 0..elements.len() {
                if j > 0 {
                    out.push(',');
                }
                write_value(&elements, element, j, out)?;
            }
            out.push(']');
        }
        // A row value is an object of its fields, as `row_to_json` writes it; an anonymous
        // row's fields are `f1`, `f2`, ... (DataFusion names them `c0`, `c1`, ...).
        DataType::Struct(fields) => {
            let record = array.as_struct();
            out.push('{');
            for (i, (field, column)) in fields.iter().zip(record.columns()).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let anonymous = field
                    .name()
                    .strip_prefix('c')
                    .and_then(|n| n.parse::<usize>().ok())
                    == Some(i);
                let key = if anonymous {
                    format!("f{}", i + 1)
                } else {
                    field.name().clone()
                };
                write_string(&key, out)?;
                out.push(':');
                write_value(column, field, row, out)?;
            }
            out.push('}');
        }
        _ => write_string(&text, out)?,
    }
    Ok(())
}

/// A value's PostgreSQL text; None for NULL (the `NULL` literal too, whose array has no
/// null buffer).
fn text_of(array: &ArrayRef, row: usize) -> Option<String> {
    if *array.data_type() == DataType::Null {
        return None;
    }
    crate::text::format_value(array.as_ref(), row)
}

/// A timestamp's text as JSON has it: `T` between date and time, and a zone as `+00:00`.
fn iso_timestamp(text: &str) -> String {
    let mut iso = text.replacen(' ', "T", 1);
    // PostgreSQL's text ends a zone in whole hours as `+00`; ISO 8601 wants minutes too.
    let zone = iso.rfind(['+', '-']).filter(|&at| at > 10);
    if let Some(at) = zone
        && iso.len() - at == 3
    {
        iso.push_str(":00");
    }
    iso
}
