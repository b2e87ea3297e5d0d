//! `json` and `jsonb` as PostgreSQL has them, over the text DriftDB stores them as.
//!
//! Both types are `Utf8` in Arrow (see [`crate::arrow`]). A `json` value keeps its text as
//! written. A `jsonb` value is stored in PostgreSQL's normal form ([`normalize_jsonb`]): object
//! keys sorted (shorter first, then bytewise) with the last of duplicate keys kept, numbers
//! as `numeric` prints them, strings re-escaped, and one space after each `:` and `,`. So a
//! `jsonb` column prints as PostgreSQL prints it, and equal documents have equal text.
//!
//! The operators `->`, `->>`, `#>`, `#>>`, `@>`, `<@`, `?`, `?|` and `?&` are planned by
//! [`JsonOperators`] into [`JsonFunction`] calls, which also serve as the functions
//! `json_extract_path[_text]`, `json_typeof` and `json_array_length` (each with its `jsonb_`
//! twin). Casts to `json` and `jsonb` are rewritten before planning into the internal
//! functions [`JSON_IN`] and [`JSONB_IN`], which check (and for `jsonb` normalize) the text.
//! `->` and `#>` give the sub-value's text as it stands in the document: as written in a
//! `json` value, in normal form in a `jsonb` one, as in PostgreSQL. [`build`] makes JSON of
//! SQL values (`to_json`, `json_build_object`, `json_build_array` and their `jsonb` twins).

mod build;
mod record;
mod set;
mod shape;

pub(crate) use record::{is_record_function, record_table};

pub(crate) use build::{JSON_AGG, JSON_OBJECT_AGG, JSONB_AGG, JSONB_OBJECT_AGG, write_value};

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int32Array, ListArray, ListBuilder, StringArray,
    StringBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{DFSchema, DataFusionError, Result, ScalarValue, plan_err};
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use serde_json::value::RawValue;
use sqlparser::ast::BinaryOperator;

use crate::Error;
use crate::SqlState;

/// The internal function a cast to `json` becomes: checks the text, returns it as written.
pub(crate) const JSON_IN: &str = "__driftdb_json";
/// The internal function a cast to `jsonb` becomes: checks the text, returns its normal form.
pub(crate) const JSONB_IN: &str = "__driftdb_jsonb";

/// Nesting deeper than this is refused (PostgreSQL refuses at its stack depth limit).
const MAX_DEPTH: usize = 512;

/// The most digits a number may have before and after its point, as PostgreSQL's `numeric`.
const MAX_INTEGER_DIGITS: i64 = 131_072;
const MAX_FRACTION_DIGITS: i64 = 16_383;

fn invalid(e: impl std::fmt::Display) -> Error {
    Error::InvalidValue {
        message: format!("invalid input syntax for type json: {e}"),
    }
}

fn parse(text: &str) -> std::result::Result<&RawValue, Error> {
    serde_json::from_str::<&RawValue>(text).map_err(invalid)
}

/// Checks that `text` is one JSON value (22P02 otherwise, as PostgreSQL's `json` input).
pub(crate) fn check_json(text: &str) -> std::result::Result<(), Error> {
    parse(text).map(|_| ())
}

/// `text` in `jsonb`'s normal form; see the module documentation. Invalid JSON is 22P02,
/// `\u0000` in a string 22P05, a number past `numeric`'s range 22003.
pub(crate) fn normalize_jsonb(text: &str) -> std::result::Result<String, Error> {
    let mut out = String::with_capacity(text.len());
    write_normal(parse(text)?, &mut out, 0)?;
    Ok(out)
}

/// A value's raw text, told apart by its first byte.
enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

fn kind(raw: &RawValue) -> Kind {
    match raw.get().as_bytes().first() {
        Some(b'{') => Kind::Object,
        Some(b'[') => Kind::Array,
        Some(b'"') => Kind::String,
        Some(b't' | b'f') => Kind::Bool,
        Some(b'n') => Kind::Null,
        _ => Kind::Number,
    }
}

fn entries(raw: &RawValue) -> std::result::Result<BTreeMap<String, &RawValue>, Error> {
    // A map keeps the last of duplicate keys, as PostgreSQL does.
    serde_json::from_str(raw.get()).map_err(invalid)
}

fn elements(raw: &RawValue) -> std::result::Result<Vec<&RawValue>, Error> {
    serde_json::from_str(raw.get()).map_err(invalid)
}

/// What `jsonb - x` takes out.
enum Removed {
    /// An array element by position (negative: from the end).
    Index(i64),
    /// Object keys, or the array elements that are those strings.
    Keys(Vec<String>),
}

/// `raw` without what `removed` names, in `jsonb`'s normal form; PostgreSQL's errors for a
/// scalar, and for an object with an index (22023).
fn delete(raw: &RawValue, removed: &Removed) -> std::result::Result<String, Error> {
    let refuse = |message: &str| Error::Execution {
        message: message.to_string(),
        sqlstate: SqlState::INVALID_PARAMETER_VALUE,
    };
    let text = match (kind(raw), removed) {
        (Kind::Object, Removed::Keys(keys)) => {
            let kept: Vec<String> = entries(raw)?
                .into_iter()
                .filter(|(key, _)| !keys.contains(key))
                .map(|(key, value)| {
                    let key = serde_json::to_string(&key).map_err(invalid)?;
                    Ok(format!("{key}:{}", value.get()))
                })
                .collect::<std::result::Result<_, Error>>()?;
            format!("{{{}}}", kept.join(","))
        }
        (Kind::Object, Removed::Index(_)) => {
            return Err(refuse("cannot delete from object using integer index"));
        }
        (Kind::Array, removed) => {
            let items = elements(raw)?;
            let gone = |i: usize, item: &RawValue| -> std::result::Result<bool, Error> {
                Ok(match removed {
                    Removed::Index(at) => {
                        let at = if *at < 0 {
                            i64::try_from(items.len()).unwrap_or(i64::MAX) + at
                        } else {
                            *at
                        };
                        i64::try_from(i).is_ok_and(|i| i == at)
                    }
                    Removed::Keys(keys) => {
                        matches!(kind(item), Kind::String)
                            && keys.contains(
                                &serde_json::from_str::<String>(item.get()).map_err(invalid)?,
                            )
                    }
                })
            };
            let mut kept = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                if !gone(i, item)? {
                    kept.push(item.get());
                }
            }
            format!("[{}]", kept.join(","))
        }
        _ => return Err(refuse("cannot delete from scalar")),
    };
    normalize_jsonb(&text)
}

fn string(raw: &RawValue) -> std::result::Result<String, Error> {
    serde_json::from_str(raw.get()).map_err(invalid)
}

fn write_normal(raw: &RawValue, out: &mut String, depth: usize) -> std::result::Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(Error::Execution {
            message: format!("JSON nested more than {MAX_DEPTH} levels deep"),
            sqlstate: SqlState::STATEMENT_TOO_COMPLEX,
        });
    }
    match kind(raw) {
        Kind::Object => {
            let mut fields: Vec<(String, &RawValue)> = entries(raw)?.into_iter().collect();
            fields.sort_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            out.push('{');
            for (i, (key, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(key, out)?;
                out.push_str(": ");
                write_normal(value, out, depth + 1)?;
            }
            out.push('}');
        }
        Kind::Array => {
            out.push('[');
            for (i, value) in elements(raw)?.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_normal(value, out, depth + 1)?;
            }
            out.push(']');
        }
        Kind::String => write_string(&string(raw)?, out)?,
        Kind::Number => out.push_str(&numeric_text(raw.get())?),
        Kind::Bool | Kind::Null => out.push_str(raw.get()),
    }
    Ok(())
}

/// A string as PostgreSQL's JSON output escapes it.
fn write_string(s: &str, out: &mut String) -> std::result::Result<(), Error> {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => {
                return Err(Error::Execution {
                    message: "unsupported Unicode escape sequence: \\u0000 cannot be \
                              converted to text"
                        .into(),
                    sqlstate: SqlState::UNTRANSLATABLE_CHARACTER,
                });
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(())
}

/// A JSON number as `numeric` prints it: `1e2` is `100`, `1.50e1` is `15.0`, `-0` is `0`.
fn numeric_text(raw: &str) -> std::result::Result<String, Error> {
    let (negative, unsigned) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], &unsigned[at + 1..]),
        None => (unsigned, "0"),
    };
    let overflow = || Error::Execution {
        message: format!("value overflows numeric format: {raw}"),
        sqlstate: SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
    };
    let exponent: i64 = exponent.parse().map_err(|_| overflow())?;
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits = format!("{integer}{fraction}");
    let mut scale = i64::try_from(fraction.len()).map_err(|_| overflow())? - exponent;
    let integer_digits = i64::try_from(digits.len()).map_err(|_| overflow())? - scale;
    if scale > MAX_FRACTION_DIGITS || integer_digits > MAX_INTEGER_DIGITS {
        return Err(overflow());
    }
    if scale < 0 {
        digits.extend(std::iter::repeat_n('0', scale.unsigned_abs() as usize));
        scale = 0;
    }
    let scale = scale as usize;
    if digits.len() <= scale {
        let pad = scale + 1 - digits.len();
        digits.insert_str(0, &"0".repeat(pad));
    }
    let (int_part, frac_part) = digits.split_at(digits.len() - scale);
    let int_part = match int_part.trim_start_matches('0') {
        "" => "0",
        trimmed => trimmed,
    };
    let zero = int_part == "0" && frac_part.bytes().all(|b| b == b'0');
    let mut out = String::with_capacity(int_part.len() + frac_part.len() + 2);
    if negative && !zero {
        out.push('-');
    }
    out.push_str(int_part);
    if !frac_part.is_empty() {
        out.push('.');
        out.push_str(frac_part);
    }
    Ok(out)
}

/// One step down a document: an object's field or an array's element.
enum Step<'a> {
    Key(&'a str),
    Index(i64),
}

/// The sub-value `step` names in `raw`, if there is one (PostgreSQL: NULL otherwise).
fn step<'a>(
    raw: &'a RawValue,
    step: &Step<'_>,
) -> std::result::Result<Option<&'a RawValue>, Error> {
    Ok(match (kind(raw), step) {
        (Kind::Object, Step::Key(key)) => entries(raw)?.remove(*key),
        (Kind::Array, Step::Index(i)) => {
            let elements = elements(raw)?;
            let len = elements.len() as i64;
            let at = if *i < 0 { len + i } else { *i };
            usize::try_from(at)
                .ok()
                .and_then(|at| elements.get(at).copied())
        }
        _ => None,
    })
}

/// A path step given as text (`#>`, `json_extract_path`): a key, or an index into an array.
fn path_step<'a>(
    raw: &'a RawValue,
    text: &str,
) -> std::result::Result<Option<&'a RawValue>, Error> {
    match kind(raw) {
        Kind::Array => match text.trim().parse::<i64>() {
            Ok(i) => step(raw, &Step::Index(i)),
            Err(_) => Ok(None),
        },
        _ => step(raw, &Step::Key(text)),
    }
}

/// `->>`'s text of a value: a string's contents, NULL for `null`, the JSON text otherwise.
fn as_text(raw: &RawValue) -> std::result::Result<Option<String>, Error> {
    Ok(match kind(raw) {
        Kind::String => Some(string(raw)?),
        Kind::Null => None,
        _ => Some(raw.get().to_string()),
    })
}

/// The elements of a PostgreSQL array literal of text (`'{a,b,"c d"}'`); `NULL` elements are
/// `None`.
pub(crate) fn text_array(literal: &str) -> std::result::Result<Vec<Option<String>>, Error> {
    let malformed = |why: &str| Error::InvalidValue {
        message: format!("malformed array literal: \"{literal}\": {why}"),
    };
    let inner = literal
        .trim()
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .ok_or_else(|| malformed("array value must start with \"{\" and end with \"}\""))?;
    let mut out = Vec::new();
    if inner.trim().is_empty() {
        return Ok(out);
    }
    let mut chars = inner.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut element = String::new();
        let mut quoted = false;
        if chars.next_if_eq(&'"').is_some() {
            quoted = true;
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => element.extend(chars.next()),
                    Some(c) => element.push(c),
                    None => return Err(malformed("unterminated quoted element")),
                }
            }
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',') {
                match c {
                    '\\' => element.extend(chars.next()),
                    '"' | '{' | '}' => return Err(malformed("unexpected character")),
                    c => element.push(c),
                }
            }
            element.truncate(element.trim_end().len());
            if element.is_empty() {
                return Err(malformed("empty element"));
            }
        }
        let null = !quoted && element.eq_ignore_ascii_case("null");
        out.push((!null).then_some(element));
        match chars.next() {
            None => return Ok(out),
            Some(',') => {}
            Some(_) => return Err(malformed("junk after a quoted element")),
        }
    }
}

/// Whether `a` contains `b`, by PostgreSQL's `jsonb @>` rules: an object contains the
/// fields it has (recursively), an array the elements some element of it contains, a
/// scalar only itself; at the top level an array also contains a scalar it holds.
fn contains(a: &serde_json::Value, b: &serde_json::Value, top: bool) -> bool {
    use serde_json::Value as V;
    match (a, b) {
        (V::Object(a), V::Object(b)) => b
            .iter()
            .all(|(k, bv)| a.get(k).is_some_and(|av| contains(av, bv, false))),
        (V::Array(a), V::Array(b)) => b.iter().all(|bv| {
            a.iter().any(|av| match (av, bv) {
                (V::Array(_) | V::Object(_), _) | (_, V::Array(_) | V::Object(_)) => {
                    contains(av, bv, false)
                }
                _ => scalar_eq(av, bv),
            })
        }),
        (V::Array(a), scalar) if top && !scalar.is_object() => {
            a.iter().any(|av| scalar_eq(av, scalar))
        }
        _ => scalar_eq(a, b),
    }
}

fn scalar_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as V;
    match (a, b) {
        (V::Number(x), V::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (V::Array(_) | V::Object(_), _) | (_, V::Array(_) | V::Object(_)) => false,
        _ => a == b,
    }
}

fn value(text: &str) -> std::result::Result<serde_json::Value, Error> {
    serde_json::from_str(text).map_err(invalid)
}

/// `a || b` of two `jsonb` values, as PostgreSQL joins them: two objects merge (the right
/// one's keys win), anything else joins as arrays, a value that is no array being an array
/// of itself (`'[1]' || '2'` is `[1, 2]`, `'{"a": 1}' || '1'` is `[{"a": 1}, 1]`).
fn concat<'a>(a: &'a RawValue, b: &'a RawValue) -> std::result::Result<String, Error> {
    let text = match (kind(a), kind(b)) {
        (Kind::Object, Kind::Object) => {
            let mut merged = entries(a)?;
            merged.extend(entries(b)?);
            let fields: Vec<String> = merged
                .into_iter()
                .map(|(key, value)| {
                    let key = serde_json::to_string(&key).map_err(invalid)?;
                    Ok(format!("{key}:{}", value.get()))
                })
                .collect::<std::result::Result<_, Error>>()?;
            format!("{{{}}}", fields.join(","))
        }
        _ => {
            let items = |raw: &'a RawValue| match kind(raw) {
                Kind::Array => elements(raw),
                _ => Ok(vec![raw]),
            };
            let joined: Vec<&str> = items(a)?
                .into_iter()
                .chain(items(b)?)
                .map(RawValue::get)
                .collect();
            format!("[{}]", joined.join(","))
        }
    };
    normalize_jsonb(&text)
}

/// Whether `key` is a top-level key of an object, a string element of an array, or the
/// string itself (`jsonb ?`).
fn exists(raw: &RawValue, key: &str) -> std::result::Result<bool, Error> {
    Ok(match kind(raw) {
        Kind::Object => entries(raw)?.contains_key(key),
        Kind::Array => elements(raw)?
            .into_iter()
            .filter(|e| matches!(kind(e), Kind::String))
            .map(string)
            .collect::<std::result::Result<Vec<_>, _>>()?
            .iter()
            .any(|s| s == key),
        Kind::String => string(raw)? == key,
        _ => false,
    })
}

/// What a [`JsonFunction`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    /// `->`: the field or element, as JSON.
    Get,
    /// `->>`: the field or element, as text.
    GetText,
    /// `#>` and `json_extract_path`: the value at a path, as JSON.
    Path { variadic: bool },
    /// `#>>` and `json_extract_path_text`: the value at a path, as text.
    PathText { variadic: bool },
    /// `@>`.
    Contains,
    /// `<@`.
    ContainedBy,
    /// `?`.
    Exists,
    /// `?|`.
    ExistsAny,
    /// `?&`.
    ExistsAll,
    /// `json_typeof`.
    TypeOf,
    /// `json_array_length`.
    ArrayLength,
    /// A cast to `json` (`normalize: false`) or `jsonb`.
    In { normalize: bool },
    /// `json_array_elements[_text]`'s elements, as JSON or text, in a list (for `unnest`).
    Elements { text: bool },
    /// `json_object_keys`'s keys, in a list (for `unnest`).
    Keys,
    /// `json_each[_text]`'s values, as JSON or text, in a list (its keys are [`Op::Keys`]').
    Values { text: bool },
    /// `jsonb - key`, `jsonb - index`, `jsonb - keys`: the value without them.
    Delete,
    /// `jsonb || jsonb`: two objects merged, anything else joined as arrays.
    Concat,
}

impl Op {
    fn symbol(self) -> Option<&'static str> {
        Some(match self {
            Op::Get => "->",
            Op::GetText => "->>",
            Op::Path { variadic: false } => "#>",
            Op::PathText { variadic: false } => "#>>",
            Op::Contains => "@>",
            Op::ContainedBy => "<@",
            Op::Exists => "?",
            Op::ExistsAny => "?|",
            Op::ExistsAll => "?&",
            Op::Delete => "-",
            Op::Concat => "||",
            _ => return None,
        })
    }

    fn output(self) -> DataType {
        match self {
            Op::Contains | Op::ContainedBy | Op::Exists | Op::ExistsAny | Op::ExistsAll => {
                DataType::Boolean
            }
            Op::ArrayLength => DataType::Int32,
            Op::Elements { .. } | Op::Keys | Op::Values { .. } => {
                DataType::new_list(DataType::Utf8, true)
            }
            _ => DataType::Utf8,
        }
    }

    /// How many arguments it takes: exactly, or at least (variadic).
    fn arity(self) -> (usize, bool) {
        match self {
            Op::TypeOf
            | Op::ArrayLength
            | Op::In { .. }
            | Op::Elements { .. }
            | Op::Keys
            | Op::Values { .. } => (1, false),
            Op::Path { variadic: true } | Op::PathText { variadic: true } => (1, true),
            _ => (2, false),
        }
    }
}

/// A JSON operator or function; see the module documentation.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct JsonFunction {
    name: String,
    op: Op,
    signature: Signature,
}

/// The function `name` computing `op`.
pub(crate) fn function(name: &str, op: Op) -> ScalarUDF {
    ScalarUDF::new_from_impl(JsonFunction {
        name: name.to_string(),
        op,
        signature: Signature::variadic_any(Volatility::Immutable),
    })
}

/// The function that checks text as `json` (`jsonb`: normalizes it) and types it so.
pub(crate) fn typing(pg_type: &str) -> Option<ScalarUDF> {
    match pg_type {
        "json" => Some(function(JSON_IN, Op::In { normalize: false })),
        "jsonb" => Some(function(JSONB_IN, Op::In { normalize: true })),
        _ => None,
    }
}

/// Every JSON function, for registering in a session.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    let mut out = vec![
        function(JSON_IN, Op::In { normalize: false }),
        function(JSONB_IN, Op::In { normalize: true }),
    ];
    for prefix in ["json", "jsonb"] {
        out.push(function(
            &format!("{prefix}_extract_path"),
            Op::Path { variadic: true },
        ));
        out.push(function(
            &format!("{prefix}_extract_path_text"),
            Op::PathText { variadic: true },
        ));
        out.push(function(&format!("{prefix}_typeof"), Op::TypeOf));
        out.push(function(&format!("{prefix}_array_length"), Op::ArrayLength));
        for (name, op) in [
            ("array_elements", Op::Elements { text: false }),
            ("array_elements_text", Op::Elements { text: true }),
            ("object_keys", Op::Keys),
            ("each_keys", Op::Keys),
            ("each_values", Op::Values { text: false }),
            ("each_text_keys", Op::Keys),
            ("each_text_values", Op::Values { text: true }),
        ] {
            out.push(function(&set_returning(&format!("{prefix}_{name}")), op));
        }
    }
    out.extend(build::functions());
    out.extend(set::functions());
    out.extend(shape::functions());
    out
}

/// Row `row` of a text array operand (a path, a set of keys): an array of text or a text
/// array literal (`'{a,0}'`); `None` for NULL.
fn text_list(
    array: &ArrayRef,
    row: usize,
) -> std::result::Result<Option<Vec<Option<String>>>, Error> {
    if array.is_null(row) {
        return Ok(None);
    }
    match array.data_type() {
        DataType::List(_) => {
            let items = array.as_list::<i32>().value(row);
            Ok(Some(
                (0..items.len())
                    .map(|i| crate::text::format_value(items.as_ref(), i))
                    .collect(),
            ))
        }
        _ => text_array(&crate::text::format_value(array.as_ref(), row).unwrap_or_default())
            .map(Some),
    }
}

/// JSON's set-returning functions (`jsonb_array_elements`, `json_object_keys`, ...), as the
/// front end rewrites them: `unnest` of the list [`set_returning`] gives, its elements typed
/// `json` or `jsonb` ([`JSON_IN`], [`JSONB_IN`]) where they are JSON.
pub(crate) fn set_returning_call(name: &str) -> Option<(String, Option<&'static str>)> {
    let (jsonb, rest) = match name.strip_prefix("jsonb_") {
        Some(rest) => (true, rest),
        None => (false, name.strip_prefix("json_")?),
    };
    let typed = match rest {
        "array_elements" if jsonb => Some(JSONB_IN),
        "array_elements" => Some(JSON_IN),
        "array_elements_text" | "object_keys" => None,
        _ => return None,
    };
    Some((set_returning(name), typed))
}

/// The internal function that lists what the set-returning function `name` returns.
fn set_returning(name: &str) -> String {
    format!("__driftdb_{name}")
}

/// `json_each[_text]` (and the `jsonb_` twins) in `FROM`, as the front end rewrites them:
/// two lists unnested side by side, the keys and the values (typed `json` or `jsonb` where
/// they are JSON, [`JSON_IN`], [`JSONB_IN`]).
pub(crate) fn each_call(name: &str) -> Option<(String, String, Option<&'static str>)> {
    let typed = match name {
        "json_each" => Some(JSON_IN),
        "jsonb_each" => Some(JSONB_IN),
        "json_each_text" | "jsonb_each_text" => None,
        _ => return None,
    };
    Some((
        set_returning(&format!("{name}_keys")),
        set_returning(&format!("{name}_values")),
        typed,
    ))
}

fn external(e: Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

fn is_integer(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

/// `array` as text (`Utf8`), cast if it is another type.
pub(crate) fn strings(array: &ArrayRef) -> Result<StringArray> {
    let utf8 = cast(array, &DataType::Utf8)?;
    Ok(utf8
        .as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .unwrap_or_else(|| StringArray::new_null(array.len())))
}

impl ScalarUDFImpl for JsonFunction {
    fn name(&self) -> &str {
        &self.name
    }

    fn display_name(&self, args: &[Expr]) -> Result<String> {
        Ok(match (self.op.symbol(), args) {
            (Some(symbol), [_, _]) => crate::udf::infix(&self.name, symbol, args)?,
            (_, [arg]) if matches!(self.op, Op::In { .. }) => {
                let to = if self.name == JSONB_IN {
                    "jsonb"
                } else {
                    "json"
                };
                format!("CAST({arg} AS {to})")
            }
            _ => {
                let args: Vec<String> = args.iter().map(ToString::to_string).collect();
                format!("{}({})", self.name, args.join(", "))
            }
        })
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let (n, variadic) = self.op.arity();
        let fits = if variadic {
            arg_types.len() >= n
        } else {
            arg_types.len() == n
        };
        if !fits {
            return plan_err!(
                "function {} takes {}{n} argument{}, not {}",
                self.name,
                if variadic { "at least " } else { "" },
                if n == 1 { "" } else { "s" },
                arg_types.len()
            );
        }
        if matches!(self.op, Op::Get | Op::GetText)
            && let Some(t) = arg_types.get(1)
            && !is_integer(t)
            && !matches!(
                t,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
            )
        {
            return plan_err!(
                "operator does not exist: json {} {t}: the right side is a key (text) or \
                 an array index (integer)",
                self.op.symbol().unwrap_or("->")
            );
        }
        Ok(self.op.output())
    }

    /// Results that are JSON say whether they are `json` or `jsonb` ([`crate::pg_types::PG_TYPE`]),
    /// so clients are sent the type PostgreSQL would send.
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let arg_types: Vec<DataType> = args
            .arg_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        let field = Field::new(self.name(), self.return_type(&arg_types)?, true);
        let input = || {
            args.arg_fields
                .first()
                .and_then(|f| crate::pg_types::pg_type_of(f))
                .filter(|t| matches!(*t, "json" | "jsonb"))
        };
        let pg_type = match self.op {
            Op::In { normalize: true } => Some("jsonb"),
            Op::In { normalize: false } => Some("json"),
            Op::Get | Op::Path { variadic: false } => Some(input().unwrap_or("json")),
            Op::Delete | Op::Concat => Some("jsonb"),
            Op::Path { variadic: true } if self.name.starts_with("jsonb") => Some("jsonb"),
            Op::Path { variadic: true } => Some("json"),
            _ => None,
        };
        Ok(Arc::new(match pg_type {
            Some(t) => crate::pg_types::with_pg_type(field, t),
            None => field,
        }))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = crate::udf::all_scalar(&args.args);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let Some(first) = arrays.first() else {
            return plan_err!("function {} takes arguments", self.name);
        };
        let docs = strings(first)?;
        let rows = docs.len();
        let result: ArrayRef = match self.op {
            Op::Get | Op::GetText => {
                let arg = &arrays[1];
                let text = self.op == Op::GetText;
                // The right side is an array index (an integer) or a key (text).
                let (indexes, keys) = if is_integer(arg.data_type()) {
                    let indexes = cast(arg, &DataType::Int64)?;
                    (Some(indexes.as_primitive::<Int64Type>().clone()), None)
                } else {
                    (None, Some(strings(arg)?))
                };
                let out = each(&docs, |row, raw| {
                    let at = match (&indexes, &keys) {
                        (Some(i), _) if !i.is_null(row) => Step::Index(i.value(row)),
                        (_, Some(k)) if !k.is_null(row) => Step::Key(k.value(row)),
                        _ => return Ok(None),
                    };
                    output(step(raw, &at)?, text)
                })?;
                Arc::new(out)
            }
            Op::Path { variadic } | Op::PathText { variadic } => {
                let text = matches!(self.op, Op::PathText { .. });
                let parts: Vec<StringArray> = if variadic {
                    arrays[1..].iter().map(strings).collect::<Result<_>>()?
                } else {
                    Vec::new()
                };
                let out: StringArray = each(&docs, |row, raw| {
                    let path: Vec<Option<String>> = if variadic {
                        parts
                            .iter()
                            .map(|p| (!p.is_null(row)).then(|| p.value(row).to_string()))
                            .collect()
                    } else {
                        match text_list(&arrays[1], row)? {
                            Some(path) => path,
                            None => return Ok(None),
                        }
                    };
                    let mut at = raw;
                    for part in &path {
                        let Some(part) = part else {
                            return Ok(None);
                        };
                        match path_step(at, part)? {
                            Some(next) => at = next,
                            None => return Ok(None),
                        }
                    }
                    output(Some(at), text)
                })?;
                Arc::new(out)
            }
            Op::Delete => {
                let arg = &arrays[1];
                let indexes = is_integer(arg.data_type())
                    .then(|| cast(arg, &DataType::Int64))
                    .transpose()?;
                let keys = match arg.data_type() {
                    DataType::List(_) | DataType::LargeList(_) => None,
                    _ if indexes.is_some() => None,
                    _ => Some(strings(arg)?),
                };
                let out = each(&docs, |row, raw| {
                    if arg.is_null(row) {
                        return Ok(None);
                    }
                    let removed = match (&indexes, &keys) {
                        (Some(i), _) => Removed::Index(i.as_primitive::<Int64Type>().value(row)),
                        (_, Some(k)) => Removed::Keys(vec![k.value(row).to_string()]),
                        _ => Removed::Keys(
                            text_list(arg, row)?
                                .unwrap_or_default()
                                .into_iter()
                                .flatten()
                                .collect(),
                        ),
                    };
                    delete(raw, &removed).map(Some)
                })?;
                Arc::new(out)
            }
            Op::Concat => {
                let other = strings(&arrays[1])?;
                let out = each(&docs, |row, raw| {
                    if other.is_null(row) {
                        return Ok(None);
                    }
                    concat(raw, parse(other.value(row))?).map(Some)
                })?;
                Arc::new(out)
            }
            Op::Contains | Op::ContainedBy => {
                let other = strings(&arrays[1])?;
                let out: BooleanArray = (0..rows)
                    .map(|row| {
                        if docs.is_null(row) || other.is_null(row) {
                            return Ok(None);
                        }
                        let (a, b) = (value(docs.value(row))?, value(other.value(row))?);
                        Ok(Some(if self.op == Op::Contains {
                            contains(&a, &b, true)
                        } else {
                            contains(&b, &a, true)
                        }))
                    })
                    .collect::<std::result::Result<_, Error>>()
                    .map_err(external)?;
                Arc::new(out)
            }
            Op::Exists | Op::ExistsAny | Op::ExistsAll => {
                let keys = if self.op == Op::Exists {
                    Some(strings(&arrays[1])?)
                } else {
                    None
                };
                let out: BooleanArray = (0..rows)
                    .map(|row| {
                        if docs.is_null(row) || arrays[1].is_null(row) {
                            return Ok(None);
                        }
                        let raw = parse(docs.value(row))?;
                        if let Some(keys) = &keys {
                            return exists(raw, keys.value(row)).map(Some);
                        }
                        let wanted: Vec<String> = text_list(&arrays[1], row)?
                            .unwrap_or_default()
                            .into_iter()
                            .flatten()
                            .collect();
                        let mut found = wanted.iter().map(|k| exists(raw, k));
                        Ok(Some(if self.op == Op::ExistsAny {
                            found.try_fold(false, |any, f| f.map(|f| any || f))?
                        } else {
                            found.try_fold(true, |all, f| f.map(|f| all && f))?
                        }))
                    })
                    .collect::<std::result::Result<_, Error>>()
                    .map_err(external)?;
                Arc::new(out)
            }
            Op::TypeOf => {
                let out: StringArray = each(&docs, |_, raw| {
                    Ok(Some(
                        match kind(raw) {
                            Kind::Object => "object",
                            Kind::Array => "array",
                            Kind::String => "string",
                            Kind::Number => "number",
                            Kind::Bool => "boolean",
                            Kind::Null => "null",
                        }
                        .to_string(),
                    ))
                })?;
                Arc::new(out)
            }
            Op::ArrayLength => {
                let out: Int32Array = (0..rows)
                    .map(|row| {
                        if docs.is_null(row) {
                            return Ok(None);
                        }
                        let raw = parse(docs.value(row))?;
                        match kind(raw) {
                            Kind::Array => Ok(Some(
                                i32::try_from(elements(raw)?.len()).unwrap_or(i32::MAX),
                            )),
                            Kind::Object => Err(Error::Execution {
                                message: "cannot get array length of a non-array".into(),
                                sqlstate: SqlState::INVALID_PARAMETER_VALUE,
                            }),
                            _ => Err(Error::Execution {
                                message: "cannot get array length of a scalar".into(),
                                sqlstate: SqlState::INVALID_PARAMETER_VALUE,
                            }),
                        }
                    })
                    .collect::<std::result::Result<_, Error>>()
                    .map_err(external)?;
                Arc::new(out)
            }
            Op::Elements { .. } | Op::Keys | Op::Values { .. } => Arc::new(self.set(&docs)?),
            Op::In { normalize } => {
                let out: StringArray = (0..rows)
                    .map(|row| {
                        if docs.is_null(row) {
                            return Ok(None);
                        }
                        let text = docs.value(row);
                        if normalize {
                            normalize_jsonb(text).map(Some)
                        } else {
                            check_json(text).map(|()| Some(text.to_string()))
                        }
                    })
                    .collect::<std::result::Result<_, Error>>()
                    .map_err(external)?;
                Arc::new(out)
            }
        };
        crate::udf::columnar(result, scalar)
    }
}

impl JsonFunction {
    /// The elements or keys of each document, as the set-returning function this one
    /// serves (its name after the internal prefix) returns them, one list a row.
    fn set(&self, docs: &StringArray) -> Result<ListArray> {
        let name = self.name.trim_start_matches("__driftdb_");
        let jsonb = name.starts_with("jsonb");
        // The name of the function the user called, for errors.
        let name = name
            .strip_suffix("_keys")
            .or_else(|| name.strip_suffix("_values"))
            .filter(|n| n.contains("_each"))
            .unwrap_or(name);
        let each = name.contains("_each");
        let mut out = ListBuilder::new(StringBuilder::new());
        for row in 0..docs.len() {
            if docs.is_null(row) {
                out.append_null();
                continue;
            }
            let raw = parse(docs.value(row)).map_err(external)?;
            let refuse = |what: &str| {
                external(Error::Execution {
                    message: what.to_string(),
                    sqlstate: SqlState::INVALID_PARAMETER_VALUE,
                })
            };
            match (self.op, kind(raw)) {
                (Op::Elements { text }, Kind::Array) => {
                    for element in elements(raw).map_err(external)? {
                        out.values()
                            .append_option(member_text(element, text, jsonb).map_err(external)?);
                    }
                }
                (Op::Elements { .. }, Kind::Object) if jsonb => {
                    return Err(refuse("cannot extract elements from an object"));
                }
                (Op::Elements { .. }, Kind::Object) => {
                    return Err(refuse(&format!("cannot call {name} on a non-array")));
                }
                (Op::Elements { .. }, _) if jsonb => {
                    return Err(refuse("cannot extract elements from a scalar"));
                }
                (Op::Keys | Op::Values { .. }, Kind::Object) => {
                    let mut entries = entries_in_order(raw).map_err(external)?;
                    if jsonb {
                        // jsonb's order (shorter keys first, then bytewise), the last of
                        // duplicate keys kept, whether or not the text was in normal form.
                        entries.reverse();
                        entries
                            .sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(&b.0)));
                        entries.dedup_by(|later, first| later.0 == first.0);
                    }
                    for (key, value) in entries {
                        match self.op {
                            Op::Values { text } => out
                                .values()
                                .append_option(member_text(value, text, jsonb).map_err(external)?),
                            _ => out.values().append_value(key),
                        }
                    }
                }
                (_, _) if each && jsonb => {
                    return Err(refuse(&format!("cannot call {name} on a non-object")));
                }
                (_, Kind::Array) if each => {
                    return Err(refuse("cannot deconstruct an array as an object"));
                }
                (_, _) if each => return Err(refuse("cannot deconstruct a scalar")),
                (_, Kind::Array) => {
                    return Err(refuse(&format!("cannot call {name} on an array")));
                }
                _ => return Err(refuse(&format!("cannot call {name} on a scalar"))),
            }
            out.append(true);
        }
        Ok(out.finish())
    }
}

/// The JSON (`text: false`) or text of an element or member a set-returning function
/// returns; of a `jsonb` document in normal form, whether or not its text was.
fn member_text(
    value: &RawValue,
    text: bool,
    jsonb: bool,
) -> std::result::Result<Option<String>, Error> {
    match kind(value) {
        Kind::Object | Kind::Array if jsonb => normalize_jsonb(value.get()).map(Some),
        _ => output(Some(value), text),
    }
}

/// An object's entries in the order its text has them, duplicate keys too (what
/// `json_object_keys` and `json_each` of a `json` value give; a `jsonb` value's text has
/// them sorted, each key once).
fn entries_in_order(raw: &RawValue) -> std::result::Result<Vec<(String, &RawValue)>, Error> {
    struct Entries;
    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = Vec<(String, &'de RawValue)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut entries = Vec::new();
            while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                entries.push(entry);
            }
            Ok(entries)
        }
    }
    let mut de = serde_json::Deserializer::from_str(raw.get());
    serde::Deserializer::deserialize_map(&mut de, Entries).map_err(invalid)
}

/// The JSON (`text: false`) or text of a found sub-value.
fn output(found: Option<&RawValue>, text: bool) -> std::result::Result<Option<String>, Error> {
    match found {
        None => Ok(None),
        Some(raw) if text => as_text(raw),
        Some(raw) => Ok(Some(raw.get().to_string())),
    }
}

/// `f` of each non-NULL document, parsed, with its row number.
fn each(
    docs: &StringArray,
    f: impl Fn(usize, &RawValue) -> std::result::Result<Option<String>, Error>,
) -> Result<StringArray> {
    (0..docs.len())
        .map(|row| {
            if docs.is_null(row) {
                return Ok(None);
            }
            f(row, parse(docs.value(row))?)
        })
        .collect::<std::result::Result<StringArray, Error>>()
        .map_err(external)
}

/// Plans PostgreSQL's JSON operators; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct JsonOperators;

impl ExprPlanner for JsonOperators {
    fn plan_binary_op(
        &self,
        expr: RawBinaryExpr,
        schema: &DFSchema,
    ) -> Result<PlannerResult<RawBinaryExpr>> {
        // `||` of a `jsonb` and a `jsonb` (or a quoted literal, read as one) joins them; of a
        // `jsonb` and text it stays text's concatenation, as in PostgreSQL.
        if expr.op == BinaryOperator::StringConcat {
            let jsonb = |e: &Expr| {
                e.to_field(schema)
                    .is_ok_and(|(_, f)| crate::pg_types::pg_type_of(&f) == Some("jsonb"))
            };
            let literal = |e: &Expr| matches!(e, Expr::Literal(ScalarValue::Utf8(_), _));
            let (left, right) = (&expr.left, &expr.right);
            if (jsonb(left) && (jsonb(right) || literal(right))) || (literal(left) && jsonb(right))
            {
                return Ok(PlannerResult::Planned(
                    Arc::new(function("jsonb_concat", Op::Concat))
                        .call(vec![expr.left, expr.right]),
                ));
            }
            return Ok(PlannerResult::Original(expr));
        }
        // `#-` takes the value at a path out of a `jsonb`.
        if expr.op == BinaryOperator::HashMinus {
            return Ok(PlannerResult::Planned(
                Arc::new(shape::delete_path()).call(vec![expr.left, expr.right]),
            ));
        }
        let op = match expr.op {
            BinaryOperator::Arrow => Op::Get,
            BinaryOperator::LongArrow => Op::GetText,
            BinaryOperator::HashArrow => Op::Path { variadic: false },
            BinaryOperator::HashLongArrow => Op::PathText { variadic: false },
            BinaryOperator::AtArrow => Op::Contains,
            BinaryOperator::ArrowAt => Op::ContainedBy,
            BinaryOperator::Question => Op::Exists,
            BinaryOperator::QuestionPipe => Op::ExistsAny,
            BinaryOperator::QuestionAnd => Op::ExistsAll,
            // `-` of a `jsonb` takes keys or elements out of it.
            BinaryOperator::Minus
                if expr
                    .left
                    .to_field(schema)
                    .is_ok_and(|(_, f)| crate::pg_types::pg_type_of(&f) == Some("jsonb")) =>
            {
                Op::Delete
            }
            _ => return Ok(PlannerResult::Original(expr)),
        };
        // `@>` and `<@` of arrays are array containment, not JSON's.
        let is_list = |e: &Expr| {
            e.get_type(schema).is_ok_and(|t| {
                matches!(
                    t,
                    DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)
                )
            })
        };
        // A path or a set of keys may be an array of text (`#> ARRAY['a', '0']`).
        let takes_text_array = matches!(
            op,
            Op::Path { .. } | Op::PathText { .. } | Op::ExistsAny | Op::ExistsAll | Op::Delete
        );
        if is_list(&expr.left) || (is_list(&expr.right) && !takes_text_array) {
            return Ok(PlannerResult::Original(expr));
        }
        let name = match op {
            Op::Get => "json_get",
            Op::GetText => "json_get_text",
            Op::Path { .. } => "json_get_path",
            Op::PathText { .. } => "json_get_path_text",
            Op::Contains => "jsonb_contains",
            Op::ContainedBy => "jsonb_contained",
            Op::Exists => "jsonb_exists",
            Op::ExistsAny => "jsonb_exists_any",
            Op::ExistsAll => "jsonb_exists_all",
            Op::Delete => "jsonb_delete",
            _ => return Ok(PlannerResult::Original(expr)),
        };
        Ok(PlannerResult::Planned(
            Arc::new(function(name, op)).call(vec![expr.left, expr.right]),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonb_normal_form_is_postgresqls() {
        for (input, normal) in [
            (r#"{"b":1,"a":[1,2]}"#, r#"{"a": [1, 2], "b": 1}"#),
            (r#"{"aa":1,"b":2,"a":3}"#, r#"{"a": 3, "b": 2, "aa": 1}"#),
            (r#"{"a":1,"a":2}"#, r#"{"a": 2}"#),
            (" [ ] ", "[]"),
            ("{}", "{}"),
            (r#""\u00e9\/\n\u0001""#, "\"é/\\n\\u0001\""),
            ("1e2", "100"),
            ("1.50e1", "15.0"),
            ("1.5e1", "15"),
            ("-0", "0"),
            ("-0.0", "0.0"),
            ("1e-3", "0.001"),
            ("-12.340", "-12.340"),
            ("0.5E+1", "5"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("true", "true"),
            ("null", "null"),
        ] {
            assert_eq!(normalize_jsonb(input).unwrap(), normal, "{input}");
        }
    }

    #[test]
    fn bad_documents_are_errors_with_postgresqls_states() {
        let state = |input: &str| normalize_jsonb(input).unwrap_err().sqlstate();
        assert_eq!(state("{not json"), "22P02");
        assert_eq!(state("[1,]"), "22P02");
        assert_eq!(state("1 2"), "22P02");
        assert_eq!(state(r#""\u0000""#), "22P05");
        assert_eq!(state("1e99999999999999999999"), "22003");
        assert_eq!(state("1e200000"), "22003");
        assert_eq!(state(&"[".repeat(MAX_DEPTH + 2)), "22P02");
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert_eq!(state(&deep), "54001");
        assert!(check_json(&deep).is_ok(), "json only checks the text");
    }

    #[test]
    fn text_arrays_read_as_postgresql_reads_them() {
        let some = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        assert_eq!(text_array("{a,b,1}").unwrap(), some(&["a", "b", "1"]));
        assert_eq!(
            text_array(r#"{ "c d" , e\,f ,"g\"h"}"#).unwrap(),
            some(&["c d", "e,f", "g\"h"])
        );
        assert_eq!(text_array("{}").unwrap(), Vec::<Option<String>>::new());
        assert_eq!(
            text_array("{a,NULL}").unwrap(),
            vec![Some("a".into()), None]
        );
        for bad in ["a,b", "{a,,b}", "{\"a}", "{a\"b}"] {
            assert!(text_array(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn containment_follows_jsonb_rules() {
        let c = |a: &str, b: &str| contains(&value(a).unwrap(), &value(b).unwrap(), true);
        assert!(c(r#"{"a":1,"b":{"c":2,"d":3}}"#, r#"{"b":{"c":2}}"#));
        assert!(!c(r#"{"a":1}"#, r#"{"a":2}"#));
        assert!(c("[1,2,3]", "[3,1]"));
        assert!(c("[1,2,3]", "[1,1]"));
        assert!(c(r#"["a","b"]"#, r#""a""#));
        assert!(!c("[[1,2]]", "[1]"));
        assert!(c("[[1,2]]", "[[1]]"));
        assert!(c("1", "1.0"));
        assert!(!c("{}", "[]"));
        assert!(c(r#"{"a":[1,2]}"#, r#"{"a":[2]}"#));
    }
}
