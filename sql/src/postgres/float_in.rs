//! Text read as `double precision` or `real` by PostgreSQL's rules (`float8in`,
//! `float4in`): blanks around the number are allowed, `NaN`, `Infinity` and `inf` (any
//! case, signed) are the special values, and a number too large for the type or so small
//! that it would read as zero is out of range (22003), never `Infinity` or `0` as Rust's
//! and Arrow's parsers give it (`'1e-400'::float8` was 0, `'1e400'::float8` Infinity).
//! Casts of text to a float become [`float_in`] in the analyzer rule
//! ([`super::PostgresSemantics`]); values bound for float columns are read by
//! [`float_column`].

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float32Array, Float64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::ScalarUDF;

use crate::SqlState;
use crate::error::Error;

/// A float type's SQL name.
fn sql_name(single: bool) -> &'static str {
    if single { "real" } else { "double precision" }
}

/// `text` as a float, `single` for `real`; see the module documentation.
pub(crate) fn parse(text: &str, single: bool) -> std::result::Result<f64, Error> {
    let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let unsigned = trimmed.trim_start_matches(['+', '-']);
    let negative = trimmed.starts_with('-');
    let special = match unsigned.to_ascii_lowercase().as_str() {
        "nan" if unsigned.len() == trimmed.len() => Some(f64::NAN),
        "infinity" | "inf" if trimmed.len() - unsigned.len() <= 1 => Some(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
        _ => None,
    };
    if let Some(value) = special {
        return Ok(value);
    }
    let syntax = || Error::Execution {
        message: format!(
            "invalid input syntax for type {}: \"{text}\"",
            sql_name(single)
        ),
        sqlstate: SqlState::INVALID_TEXT_REPRESENTATION,
    };
    let out_of_range = || Error::Execution {
        message: format!("\"{text}\" is out of range for type {}", sql_name(single)),
        sqlstate: SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
    };
    // Rust reads words PostgreSQL does not ("infinity" aside), and no number has a letter
    // other than an exponent's.
    if trimmed.is_empty()
        || !trimmed
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
    {
        return Err(syntax());
    }
    let (value, zero) = if single {
        let v: f32 = trimmed.parse().map_err(|_| syntax())?;
        (f64::from(v), v == 0.0)
    } else {
        let v: f64 = trimmed.parse().map_err(|_| syntax())?;
        (v, v == 0.0)
    };
    let mantissa = trimmed.split(['e', 'E']).next().unwrap_or("");
    let nonzero_digits = mantissa.bytes().any(|b| matches!(b, b'1'..=b'9'));
    if value.is_infinite() || (zero && nonzero_digits) {
        return Err(out_of_range());
    }
    Ok(value)
}

/// Text `array` read as floats of `target` (`Float64` or `Float32`).
pub(crate) fn read(array: &ArrayRef, target: &DataType) -> Result<ArrayRef> {
    let texts = datafusion::arrow::compute::cast(array, &DataType::Utf8)?;
    let texts = texts.as_string::<i32>();
    let single = *target == DataType::Float32;
    let values = (0..texts.len())
        .map(|i| {
            (!texts.is_null(i))
                .then(|| parse(texts.value(i), single))
                .transpose()
        })
        .collect::<std::result::Result<Vec<Option<f64>>, Error>>()
        .map_err(|e| DataFusionError::External(Box::new(e)))?;
    Ok(if single {
        Arc::new(
            values
                .into_iter()
                .map(|v| v.map(|v| v as f32))
                .collect::<Float32Array>(),
        )
    } else {
        Arc::new(values.into_iter().collect::<Float64Array>())
    })
}

/// The cast of text to a float (`'1.5'::float8`, `real '2'`), as [`read`].
pub(crate) fn float_in() -> ScalarUDF {
    super::kernel(
        "float_in",
        |_| DataType::Float64,
        |array| read(array, &DataType::Float64),
    )
}

/// The cast of text to a `real`.
pub(crate) fn float4_in() -> ScalarUDF {
    super::kernel(
        "float4_in",
        |_| DataType::Float32,
        |array| read(array, &DataType::Float32),
    )
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_as_postgresql_does() {
        assert_eq!(parse(" 1.5 ", false).ok(), Some(1.5));
        assert_eq!(parse("-0", false).ok(), Some(-0.0));
        assert_eq!(parse("0e10", false).ok(), Some(0.0));
        assert_eq!(parse("-Infinity", false).ok(), Some(f64::NEG_INFINITY));
        assert_eq!(parse("inf", true).ok(), Some(f64::INFINITY));
        assert!(parse("NaN", false).is_ok_and(f64::is_nan));
        assert_eq!(parse("1e-40", true).ok(), Some(f64::from(1e-40_f32)));
        for (text, single, sqlstate) in [
            ("1e-400", false, "22003"),
            ("1e400", false, "22003"),
            ("-1e-400", false, "22003"),
            ("1e39", true, "22003"),
            ("1e-50", true, "22003"),
            ("x", false, "22P02"),
            ("", false, "22P02"),
            ("1.5x", false, "22P02"),
            ("infinityx", false, "22P02"),
            ("--1", false, "22P02"),
        ] {
            let e = parse(text, single).expect_err(text);
            assert_eq!(e.sqlstate(), sqlstate, "{text}");
        }
    }
}
