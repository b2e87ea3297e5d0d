//! `jsonb_set(target, path, new_value [, create_if_missing])`, as PostgreSQL has it: the
//! document with the value at `path` (a text array, `'{items,0,qty}'`) replaced by
//! `new_value`, or added where the last step is missing and `create_if_missing` (the
//! default) holds: a key added to an object, an element before the first (an index below
//! `-length`) or after the last (at or past `length`) of an array. A path that leads
//! nowhere leaves the document as it was. It works on the text, so numbers keep their
//! digits; the result is in `jsonb`'s normal form.
//!
//! `jsonb_insert(target, path, new_value [, insert_after])` walks the same way but never
//! replaces: in an array `new_value` goes before the element the path names (after it with
//! `insert_after`; at the start or the end where the index is out of range), in an object it
//! is added under a key that is missing, and an existing key is an error (22023).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use serde_json::value::RawValue;

use super::{Kind, elements, entries_in_order, external, kind, normalize_jsonb, parse, strings};
use super::{text_list, write_string};
use crate::Error;
use crate::SqlState;

/// `jsonb_set` and `jsonb_insert`, for registering in a session.
pub(crate) fn functions() -> [ScalarUDF; 2] {
    [false, true].map(|insert| {
        ScalarUDF::new_from_impl(JsonbSet {
            insert,
            signature: Signature::one_of(
                vec![TypeSignature::Any(3), TypeSignature::Any(4)],
                Volatility::Immutable,
            ),
        })
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonbSet {
    /// `jsonb_insert`, not `jsonb_set`.
    insert: bool,
    signature: Signature,
}

/// What happens at the path's last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `jsonb_set`: replace, or add when `create_if_missing`.
    Set { create: bool },
    /// `jsonb_insert`: insert, before the element or after it.
    Insert { after: bool },
}

impl ScalarUDFImpl for JsonbSet {
    fn name(&self) -> &str {
        if self.insert {
            "jsonb_insert"
        } else {
            "jsonb_set"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        if let Some(t) = arg_types.get(3)
            && !matches!(t, DataType::Boolean | DataType::Null)
        {
            return plan_err!("{}'s fourth argument is a boolean, not {t}", self.name());
        }
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(crate::pg_types::with_pg_type(
            Field::new(self.name(), DataType::Utf8, true),
            "jsonb",
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = crate::udf::all_scalar(&args.args);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let docs = strings(&arrays[0])?;
        let news = strings(&arrays[2])?;
        let flag = arrays.get(3).map(|a| a.as_boolean());
        let out: StringArray = (0..docs.len())
            .map(|row| {
                let flag = match flag {
                    None => !self.insert,
                    Some(c) if c.is_null(row) => return Ok(None),
                    Some(c) => c.value(row),
                };
                let mode = match self.insert {
                    false => Mode::Set { create: flag },
                    true => Mode::Insert { after: flag },
                };
                if docs.is_null(row) || news.is_null(row) || arrays[1].is_null(row) {
                    return Ok(None);
                }
                let path = path_of(&arrays[1], row)?;
                let doc = parse(docs.value(row))?;
                let new = normalize_jsonb(news.value(row))?;
                if matches!(
                    kind(doc),
                    Kind::String | Kind::Number | Kind::Bool | Kind::Null
                ) {
                    return Err(Error::Execution {
                        message: "cannot set path in scalar".into(),
                        sqlstate: SqlState::INVALID_PARAMETER_VALUE,
                    });
                }
                let changed = set(doc, &path, 0, &new, mode)?;
                normalize_jsonb(changed.as_deref().unwrap_or(doc.get())).map(Some)
            })
            .collect::<std::result::Result<_, Error>>()
            .map_err(external)?;
        crate::udf::columnar(Arc::new(out), scalar)
    }
}

/// The path of row `row`, every step given.
fn path_of(paths: &ArrayRef, row: usize) -> std::result::Result<Vec<String>, Error> {
    text_list(paths, row)?
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, step)| {
            step.ok_or_else(|| Error::Execution {
                message: format!("path element at position {} is null", i + 1),
                sqlstate: SqlState::NULL_VALUE_NOT_ALLOWED,
            })
        })
        .collect()
}

/// The text of `raw` with `path[at..]` set to `new`; `None` where the path leads nowhere.
fn set(
    raw: &RawValue,
    path: &[String],
    at: usize,
    new: &str,
    mode: Mode,
) -> std::result::Result<Option<String>, Error> {
    let Some(step) = path.get(at) else {
        return Ok(None);
    };
    let last = at + 1 == path.len();
    match kind(raw) {
        Kind::Object => {
            let mut entries: Vec<(String, String)> = entries_in_order(raw)?
                .into_iter()
                .map(|(k, v)| (k, v.get().to_string()))
                .collect();
            match entries.iter().rposition(|(k, _)| k == step) {
                Some(_) if last && matches!(mode, Mode::Insert { .. }) => {
                    return Err(Error::Execution {
                        message: "cannot replace existing key".into(),
                        sqlstate: SqlState::INVALID_PARAMETER_VALUE,
                    });
                }
                Some(i) if last => entries[i].1 = new.to_string(),
                Some(i) => {
                    let child = parse(&entries[i].1)?;
                    match set(child, path, at + 1, new, mode)? {
                        Some(text) => entries[i].1 = text,
                        None => return Ok(None),
                    }
                }
                None if last
                    && matches!(mode, Mode::Set { create: true } | Mode::Insert { .. }) =>
                {
                    entries.push((step.clone(), new.to_string()))
                }
                None => return Ok(None),
            }
            let mut out = String::from("{");
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(k, &mut out)?;
                out.push_str(": ");
                out.push_str(v);
            }
            out.push('}');
            Ok(Some(out))
        }
        Kind::Array => {
            let mut items: Vec<String> = elements(raw)?
                .into_iter()
                .map(|v| v.get().to_string())
                .collect();
            let index: i64 = step.trim().parse().map_err(|_| Error::InvalidValue {
                message: format!(
                    "path element at position {} is not an integer: \"{step}\"",
                    at + 1
                ),
            })?;
            let len = items.len() as i64;
            let i = if index < 0 { len + index } else { index };
            let create = matches!(mode, Mode::Set { create: true } | Mode::Insert { .. });
            match usize::try_from(i).ok().filter(|&i| i < items.len()) {
                Some(i) if last => match mode {
                    Mode::Set { .. } => items[i] = new.to_string(),
                    Mode::Insert { after } => items.insert(i + usize::from(after), new.to_string()),
                },
                Some(i) => {
                    let child = parse(&items[i])?;
                    match set(child, path, at + 1, new, mode)? {
                        Some(text) => items[i] = text,
                        None => return Ok(None),
                    }
                }
                None if last && create && i < 0 => items.insert(0, new.to_string()),
                None if last && create => items.push(new.to_string()),
                None => return Ok(None),
            }
            Ok(Some(format!("[{}]", items.join(", "))))
        }
        _ => Ok(None),
    }
}
