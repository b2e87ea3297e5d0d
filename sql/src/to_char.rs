//! `to_char(timestamp, pattern)` with PostgreSQL's template patterns (`YYYY-MM-DD HH24:MI:SS`),
//! and `to_char(number, pattern)` with its numeric ones ([`number`]).
//!
//! DataFusion's `to_char` reads a chrono `strftime` format, so PostgreSQL's `YYYY` came back
//! as the letters `YYYY`. This function translates the pattern ([`chrono_format`]) and lets
//! DataFusion's do the formatting. The patterns chrono cannot express (`Q`, `D`, `WW`, blank
//! padded `Month` and `Day`, upper-case month and day names, ...) are an error, never text
//! that is silently different from PostgreSQL's.

mod number;

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::Error;

/// The `to_char` that replaces DataFusion's in a session.
pub(crate) fn to_char() -> ScalarUDF {
    ScalarUDF::new_from_impl(ToChar {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ToChar {
    signature: Signature,
}

fn unsupported(what: String) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::External(Box::new(Error::Execution {
        message: what,
        sqlstate: "0A000",
    }))
}

impl ScalarUDFImpl for ToChar {
    fn name(&self) -> &str {
        "to_char"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [value, _] if value.is_temporal() || *value == DataType::Null => {
                Ok(vec![value.clone(), DataType::Utf8])
            }
            [value, _] if value.is_integer() => Ok(vec![DataType::Int64, DataType::Utf8]),
            [DataType::Float32, _] => Ok(vec![DataType::Float32, DataType::Utf8]),
            [value, _] if value.is_floating() => Ok(vec![DataType::Float64, DataType::Utf8]),
            [value @ DataType::Decimal128(..), _] => Ok(vec![value.clone(), DataType::Utf8]),
            [value, _] => Err(unsupported(format!(
                "to_char of {value} is not supported; to_char takes a number, date, time, timestamp or interval"
            ))),
            _ => datafusion::common::plan_err!("to_char takes a value and a pattern"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if matches!(
            args.args[0].data_type(),
            DataType::Int64 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(..)
        ) {
            return format_numbers(&args);
        }
        let translated = match &args.args[1] {
            ColumnarValue::Scalar(s) => ColumnarValue::Scalar(match s {
                ScalarValue::Utf8(Some(p)) => ScalarValue::Utf8(Some(chrono_format(p)?)),
                other => other.clone(),
            }),
            ColumnarValue::Array(a) => {
                let patterns = datafusion::arrow::compute::cast(a, &DataType::Utf8)?;
                let patterns = patterns
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .cloned()
                    .unwrap_or_else(|| StringArray::new_null(a.len()));
                let out: StringArray = patterns
                    .iter()
                    .map(|p| p.map(chrono_format).transpose())
                    .collect::<Result<_>>()?;
                ColumnarValue::Array(Arc::new(out))
            }
        };
        args.args[1] = translated;
        datafusion::functions::datetime::to_char().invoke_with_args(args)
    }
}

/// `to_char` of numbers (`Int64`, `Float32`, `Float64` or `Decimal128`), row by row.
fn format_numbers(args: &ScalarFunctionArgs) -> Result<ColumnarValue> {
    let rows = args.number_rows;
    let values = args.args[0].to_array(rows)?;
    let patterns =
        datafusion::arrow::compute::cast(&args.args[1].to_array(rows)?, &DataType::Utf8)?;
    let patterns = patterns.as_string::<i32>();
    let external = |e: Error| datafusion::error::DataFusionError::External(Box::new(e));
    // The pattern is read again only where it changes (once, for a constant one).
    let mut pattern: Option<number::Pattern> = None;
    let out: StringArray = (0..rows)
        .map(|i| {
            if values.is_null(i) || patterns.is_null(i) {
                return Ok(None);
            }
            let text = patterns.value(i);
            let read = match pattern.take() {
                Some(p) if p.text() == text => p,
                _ => number::Pattern::parse(text).map_err(external)?,
            };
            let value = number_at(&values, i, &read)?;
            let written = number::format(value, &read).map_err(external)?;
            pattern = Some(read);
            Ok(Some(written))
        })
        .collect::<Result<_>>()?;
    Ok(ColumnarValue::Array(Arc::new(out)))
}

/// The number at row `i` of `values`; a float as C's `printf` rounds it to the decimals
/// `pattern` writes.
fn number_at(values: &ArrayRef, i: usize, pattern: &number::Pattern) -> Result<number::Number> {
    Ok(match values.data_type() {
        DataType::Int64 => {
            let v = values
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .value(i);
            number::Number {
                negative: v < 0,
                digits: u128::from(v.unsigned_abs()),
                scale: 0,
                signed_zero: false,
                significant: None,
            }
        }
        DataType::Decimal128(_, scale) => {
            let v = values
                .as_primitive::<datafusion::arrow::datatypes::Decimal128Type>()
                .value(i);
            // A negative scale (`1e10` is 1 at scale -10) is that many zeros more.
            let zeros = u32::try_from(-i32::from(*scale)).unwrap_or(0);
            number::Number {
                negative: v < 0,
                digits: 10u128
                    .checked_pow(zeros)
                    .and_then(|p| v.unsigned_abs().checked_mul(p))
                    .ok_or_else(|| unsupported(format!("to_char of {v}e{zeros} is too large")))?,
                scale: u32::try_from(*scale).unwrap_or(0),
                signed_zero: false,
                significant: None,
            }
        }
        data_type => {
            // A `real` shows 6 significant digits, a `double precision` 15, as PostgreSQL's
            // (`FLT_DIG`, `DBL_DIG`).
            let (v, significant): (f64, usize) = match data_type {
                DataType::Float32 => (
                    f64::from(
                        values
                            .as_primitive::<datafusion::arrow::datatypes::Float32Type>()
                            .value(i),
                    ),
                    6,
                ),
                _ => (
                    values
                        .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
                        .value(i),
                    15,
                ),
            };
            if !v.is_finite() {
                return Err(unsupported(format!(
                    "to_char of the float {v} is not supported"
                )));
            }
            let whole_digits = format!("{:.0}", v.abs().trunc())
                .trim_start_matches('0')
                .len();
            let decimals = pattern
                .decimals()
                .min(significant.saturating_sub(whole_digits));
            let text = format!("{:.*}", decimals, v.abs());
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            number::Number {
                negative: v < 0.0,
                digits: digits
                    .parse()
                    .map_err(|_| unsupported(format!("to_char of the float {v} is too large")))?,
                scale: u32::try_from(decimals).unwrap_or(0),
                signed_zero: true,
                significant: Some(decimals),
            }
        }
    })
}

/// Whether `rest` starts with the template pattern `p`: exactly for the patterns whose case
/// means something (`Mon`, `am`), else in any case, as PostgreSQL reads `yyyy` as `YYYY`.
fn starts(rest: &str, p: &str, exact: bool) -> bool {
    match rest.get(..p.len()) {
        Some(head) if exact => head == p,
        Some(head) => head.eq_ignore_ascii_case(p),
        None => false,
    }
}

/// PostgreSQL's template `pattern` as a chrono format; see the module documentation.
pub(crate) fn chrono_format(pattern: &str) -> Result<String> {
    // (PostgreSQL, chrono, chrono in fill mode, case-sensitive)
    const PATTERNS: &[(&str, &str, &str, bool)] = &[
        ("HH24", "%H", "%-H", false),
        ("HH12", "%I", "%-I", false),
        ("IYYY", "%G", "%G", false),
        ("YYYY", "%Y", "%Y", false),
        ("DDD", "%j", "%-j", false),
        ("Mon", "%b", "%b", true),
        ("Dy", "%a", "%a", true),
        ("HH", "%I", "%-I", false),
        ("MI", "%M", "%-M", false),
        ("SS", "%S", "%-S", false),
        ("MS", "%3f", "%3f", false),
        ("US", "%6f", "%6f", false),
        ("AM", "%p", "%p", true),
        ("PM", "%p", "%p", true),
        ("am", "%P", "%P", true),
        ("pm", "%P", "%P", true),
        ("YY", "%y", "%y", false),
        ("MM", "%m", "%-m", false),
        ("DD", "%d", "%-d", false),
        ("IW", "%V", "%-V", false),
    ];
    // Patterns PostgreSQL has and chrono cannot write as PostgreSQL does (in any case).
    const REFUSED: &[&str] = &[
        "MONTH", "MON", "DAY", "DY", "Y,YYY", "YYY", "TZH", "TZM", "TZ", "OF", "SSSSS", "SSSS",
        "CC", "WW", "RM", "IDDD", "ID", "IY", "FF", "A.M.", "P.M.", "AD", "BC", "Q", "W", "J", "D",
        "Y", "I",
    ];
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut rest = pattern;
    let mut fill = false;
    while let Some(c) = rest.chars().next() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push_str(&quoted[..end].replace('%', "%%"));
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        if starts(rest, "FM", false) {
            fill = true;
            rest = &rest[2..];
            continue;
        }
        // `FMMonth` and `FMDay` are the names without PostgreSQL's blank padding.
        if fill
            && let Some((name, format)) = [("Month", "%B"), ("Day", "%A")]
                .into_iter()
                .find(|(name, _)| starts(rest, name, true))
        {
            out.push_str(format);
            rest = &rest[name.len()..];
            fill = false;
            continue;
        }
        // The longest pattern here wins, as in PostgreSQL (`SSSS` is not `SS` twice).
        let known = PATTERNS
            .iter()
            .filter(|(p, _, _, exact)| starts(rest, p, *exact))
            .max_by_key(|(p, ..)| p.len());
        let refused = REFUSED
            .iter()
            .filter(|p| starts(rest, p, false))
            .max_by_key(|p| p.len());
        match (known, refused) {
            (Some((p, ..)), Some(r)) if r.len() > p.len() => {
                return Err(refused_pattern(r, pattern));
            }
            (None, Some(r)) => return Err(refused_pattern(r, pattern)),
            (Some((p, plain, filled, _)), _) => {
                out.push_str(if fill { filled } else { plain });
                rest = &rest[p.len()..];
                fill = false;
                continue;
            }
            (None, None) => {}
        }
        match c {
            '%' => out.push_str("%%"),
            // PostgreSQL reads a backslash before a quote as the quote itself.
            '\\' if rest[1..].starts_with('"') => {
                out.push('"');
                rest = &rest[2..];
                continue;
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
        fill = false;
    }
    Ok(out)
}

fn refused_pattern(refused: &str, pattern: &str) -> datafusion::error::DataFusionError {
    unsupported(format!(
        "to_char pattern \"{refused}\" is not supported (in \"{pattern}\"); quote letters meant \
         as text, and write month and day names as FMMonth, FMDay, Mon or Dy"
    ))
}

#[cfg(test)]
mod tests {
    use super::chrono_format;

    #[test]
    fn patterns_translate_and_the_unwritable_are_refused() {
        for (pg, chrono) in [
            ("YYYY-MM-DD HH24:MI:SS", "%Y-%m-%d %H:%M:%S"),
            ("FMDD.FMMM.YY", "%-d.%-m.%y"),
            ("HH12:MI AM", "%I:%M %p"),
            ("YYYY-MM-DD\"T\"HH24:MI:SS.US", "%Y-%m-%dT%H:%M:%S.%6f"),
            ("FMDay, FMMonth DD", "%A, %B %d"),
            ("Dy Mon DD", "%a %b %d"),
            ("100% \"100%\"", "100%% 100%%"),
            ("IYYY-IW", "%G-%V"),
            ("DDD", "%j"),
            ("yyyy-mm-dd hh24:mi", "%Y-%m-%d %H:%M"),
        ] {
            assert_eq!(chrono_format(pg).unwrap(), chrono, "{pg}");
        }
        for pg in [
            "Month", "YYYY Q", "D", "TZ", "MONTH DD", "SSSS", "YYY", "Date",
        ] {
            assert!(chrono_format(pg).is_err(), "{pg}");
        }
    }
}
