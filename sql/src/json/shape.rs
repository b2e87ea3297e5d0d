//! `jsonb_strip_nulls(doc)` (every object field whose value is `null` taken out, at any
//! depth; array elements stay), `jsonb_pretty(doc)` (PostgreSQL's indented text: four
//! blanks a level, one field or element a line) and `doc #- path` (`jsonb_delete_path`: the
//! document without the field or element at the end of the text-array path; a path that
//! leads nowhere leaves it as it was). They work on the text, so numbers keep their digits.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use serde_json::value::RawValue;

use super::{Kind, elements, entries_in_order, external, kind, normalize_jsonb, parse, strings};
use super::{text_list, write_string};
use crate::Error;
use crate::SqlState;

/// The name `#-` is planned as.
pub(crate) const DELETE_PATH: &str = "jsonb_delete_path";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shape {
    StripNulls,
    Pretty,
    DeletePath,
}

/// The three functions, for registering in a session.
pub(crate) fn functions() -> [ScalarUDF; 3] {
    [
        (Shape::StripNulls, 1),
        (Shape::Pretty, 1),
        (Shape::DeletePath, 2),
    ]
    .map(|(shape, arity)| {
        ScalarUDF::new_from_impl(JsonbShape {
            shape,
            signature: Signature::any(arity, Volatility::Immutable),
        })
    })
}

/// The function planned for `doc #- path`.
pub(crate) fn delete_path() -> ScalarUDF {
    ScalarUDF::new_from_impl(JsonbShape {
        shape: Shape::DeletePath,
        signature: Signature::any(2, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonbShape {
    shape: Shape,
    signature: Signature,
}

impl ScalarUDFImpl for JsonbShape {
    fn name(&self) -> &str {
        match self.shape {
            Shape::StripNulls => "jsonb_strip_nulls",
            Shape::Pretty => "jsonb_pretty",
            Shape::DeletePath => DELETE_PATH,
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    /// `jsonb`, but `jsonb_pretty`'s `text`.
    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        let field = Field::new(self.name(), DataType::Utf8, true);
        Ok(Arc::new(match self.shape {
            Shape::Pretty => field,
            _ => crate::pg_types::with_pg_type(field, "jsonb"),
        }))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = crate::udf::all_scalar(&args.args);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let docs = strings(&arrays[0])?;
        let out: StringArray = (0..docs.len())
            .map(|row| {
                if docs.is_null(row) {
                    return Ok(None);
                }
                let doc = normalize_jsonb(docs.value(row))?;
                let raw = parse(&doc)?;
                match self.shape {
                    Shape::StripNulls => {
                        let mut out = String::with_capacity(doc.len());
                        strip_nulls(raw, &mut out)?;
                        normalize_jsonb(&out).map(Some)
                    }
                    Shape::Pretty => {
                        let mut out = String::with_capacity(doc.len() * 2);
                        pretty(raw, 0, &mut out)?;
                        Ok(Some(out))
                    }
                    Shape::DeletePath => {
                        let Some(path) = text_list(&arrays[1], row)? else {
                            return Ok(None);
                        };
                        delete_at(raw, &path, &doc)
                    }
                }
            })
            .collect::<std::result::Result<_, Error>>()
            .map_err(external)?;
        crate::udf::columnar(Arc::new(out) as ArrayRef, scalar)
    }
}

/// `raw` without its objects' `null` fields, written to `out`.
fn strip_nulls(raw: &RawValue, out: &mut String) -> std::result::Result<(), Error> {
    match kind(raw) {
        Kind::Object => {
            out.push('{');
            let mut first = true;
            for (key, value) in entries_in_order(raw)? {
                if matches!(kind(value), Kind::Null) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                write_string(&key, out)?;
                out.push(':');
                strip_nulls(value, out)?;
            }
            out.push('}');
        }
        Kind::Array => {
            out.push('[');
            for (i, element) in elements(raw)?.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                strip_nulls(element, out)?;
            }
            out.push(']');
        }
        _ => out.push_str(raw.get()),
    }
    Ok(())
}

/// `raw` (in `jsonb`'s normal form) as `jsonb_pretty` writes it, `depth` levels in (an
/// empty object or array too takes two lines, as in PostgreSQL).
fn pretty(raw: &RawValue, depth: usize, out: &mut String) -> std::result::Result<(), Error> {
    let indent = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"    ".repeat(depth));
    };
    match kind(raw) {
        Kind::Object => {
            let entries = entries_in_order(raw)?;
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, depth + 1);
                write_string(&key, out)?;
                out.push_str(": ");
                pretty(value, depth + 1, out)?;
            }
            indent(out, depth);
            out.push('}');
        }
        Kind::Array => {
            let items = elements(raw)?;
            out.push('[');
            for (i, item) in items.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, depth + 1);
                pretty(item, depth + 1, out)?;
            }
            indent(out, depth);
            out.push(']');
        }
        _ => out.push_str(raw.get()),
    }
    Ok(())
}

/// `doc` (whose parsed value is `raw`) without what `path` names; `None` for a NULL step.
fn delete_at(
    raw: &RawValue,
    path: &[Option<String>],
    doc: &str,
) -> std::result::Result<Option<String>, Error> {
    if !matches!(kind(raw), Kind::Object | Kind::Array) {
        return Err(Error::Execution {
            message: "cannot delete path in scalar".to_string(),
            sqlstate: SqlState::INVALID_PARAMETER_VALUE,
        });
    }
    let mut steps = Vec::with_capacity(path.len());
    for (i, step) in path.iter().enumerate() {
        match step {
            Some(step) => steps.push(step.as_str()),
            None => {
                return Err(Error::Execution {
                    message: format!("path element at position {} is null", i + 1),
                    sqlstate: SqlState::NULL_VALUE_NOT_ALLOWED,
                });
            }
        }
    }
    if steps.is_empty() {
        return Ok(Some(doc.to_string()));
    }
    let changed = without(raw, &steps, 1)?;
    normalize_jsonb(changed.as_deref().unwrap_or(doc)).map(Some)
}

/// The text of `raw` without the value at `steps`; `None` where they lead nowhere. `at` is
/// the 1-based position of `steps[0]` in the whole path, for errors.
fn without(
    raw: &RawValue,
    steps: &[&str],
    at: usize,
) -> std::result::Result<Option<String>, Error> {
    let Some((step, rest)) = steps.split_first() else {
        return Ok(None);
    };
    match kind(raw) {
        Kind::Object => {
            let entries = entries_in_order(raw)?;
            let mut changed = false;
            let mut out = String::from("{");
            for (key, value) in entries {
                let text = if key == *step {
                    if rest.is_empty() {
                        changed = true;
                        continue;
                    }
                    match without(value, rest, at + 1)? {
                        Some(inner) => {
                            changed = true;
                            inner
                        }
                        None => value.get().to_string(),
                    }
                } else {
                    value.get().to_string()
                };
                if out.len() > 1 {
                    out.push(',');
                }
                write_string(&key, &mut out)?;
                out.push(':');
                out.push_str(&text);
            }
            out.push('}');
            Ok(changed.then_some(out))
        }
        Kind::Array => {
            let items = elements(raw)?;
            let index: i64 = step.trim().parse().map_err(|_| Error::Execution {
                message: format!("path element at position {at} is not an integer: \"{step}\""),
                sqlstate: SqlState::INVALID_TEXT_REPRESENTATION,
            })?;
            let length = i64::try_from(items.len()).unwrap_or(i64::MAX);
            let index = if index < 0 { length + index } else { index };
            let Some(target) = usize::try_from(index).ok().filter(|&i| i < items.len()) else {
                return Ok(None);
            };
            let mut parts = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                if i != target {
                    parts.push(item.get().to_string());
                } else if !rest.is_empty() {
                    match without(item, rest, at + 1)? {
                        Some(inner) => parts.push(inner),
                        None => return Ok(None),
                    }
                }
            }
            Ok(Some(format!("[{}]", parts.join(","))))
        }
        _ => Ok(None),
    }
}
