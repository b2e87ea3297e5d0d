//! Casts to an unconstrained `numeric`: `x::numeric`, `CAST(x AS DECIMAL)`.
//!
//! PostgreSQL's `numeric` keeps each value's own scale: `1::numeric` is `1`, `'1.50'::numeric`
//! is `1.50`. DriftDB's numbers are Arrow decimals, one scale per column, and DataFusion
//! casts to an unconstrained `numeric` as to `numeric(38,10)`, so those printed
//! `1.0000000000`. The front end writes such a cast as `__driftdb_numeric(x)`, whose type
//! follows its argument instead: an integer keeps scale 0, a decimal its own precision and
//! scale, a constant text or float the scale PostgreSQL would give that value. Only text and
//! floats that are not constants fall back to scale 10.
//!
//! Text is read as PostgreSQL reads `numeric` input (surrounding blanks, a sign, an exponent:
//! `' 1.5e3 '`), rounded half away from zero to the scale; text that is not a number is 22P02
//! with PostgreSQL's message, and `NaN` and `Infinity`, which Arrow decimals cannot hold, are
//! 0A000.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Decimal128Builder};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float32Type, Float64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::SqlState;
use crate::error::function_error;

/// What the front end makes of a cast to an unconstrained `numeric`.
pub(crate) const NUMERIC_IN: &str = "__driftdb_numeric";

/// The most digits an Arrow `Decimal128` holds.
const MAX_PRECISION: u8 = 38;
/// The scale of a value whose scale is not known when the statement is planned.
const DEFAULT_SCALE: i8 = 10;

pub(crate) fn numeric_in() -> ScalarUDF {
    ScalarUDF::new_from_impl(NumericIn {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct NumericIn {
    signature: Signature,
}

/// A number read from text: `digits` × 10^-`scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parsed {
    digits: i128,
    scale: i8,
}

impl Parsed {
    /// The smallest `numeric(p,s)` that holds it exactly.
    fn data_type(self) -> DataType {
        let width = self
            .digits
            .unsigned_abs()
            .checked_ilog10()
            .map_or(1, |n| n + 1);
        let precision = u8::try_from(width).unwrap_or(MAX_PRECISION);
        let scale = u8::try_from(self.scale).unwrap_or(0);
        DataType::Decimal128(precision.max(scale).max(1), self.scale)
    }

    /// The value at `scale`, rounded half away from zero; `None` past 38 digits.
    fn at_scale(self, scale: i8) -> Option<i128> {
        let shift = i32::from(scale) - i32::from(self.scale);
        let value = if shift >= 0 {
            self.digits
                .checked_mul(10i128.checked_pow(shift.unsigned_abs())?)?
        } else {
            let divisor = 10i128.checked_pow(shift.unsigned_abs())?;
            let (quotient, remainder) = (self.digits / divisor, self.digits % divisor);
            match remainder.unsigned_abs() * 2 >= divisor.unsigned_abs() {
                true => quotient + self.digits.signum(),
                false => quotient,
            }
        };
        (value.unsigned_abs() < 10u128.pow(u32::from(MAX_PRECISION))).then_some(value)
    }
}

/// Why text is not a `numeric` DriftDB can hold.
#[derive(Debug, PartialEq, Eq)]
enum Unreadable {
    Syntax,
    Special,
    TooLarge,
}

/// Reads PostgreSQL's `numeric` input syntax.
fn parse(text: &str) -> std::result::Result<Parsed, Unreadable> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if ["nan", "infinity", "inf"].contains(&unsigned) {
        return Err(Unreadable::Special);
    }
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => {
            let exponent: i32 = rest[at + 1..].parse().map_err(|_| Unreadable::Syntax)?;
            (&rest[..at], exponent)
        }
        None => (rest, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(Unreadable::Syntax);
    }
    let mut digits: i128 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        digits = digits
            .checked_mul(10)
            .and_then(|d| d.checked_add(i128::from(b - b'0')))
            .ok_or(Unreadable::TooLarge)?;
    }
    let fraction_digits = i32::try_from(fraction.len()).map_err(|_| Unreadable::TooLarge)?;
    let mut scale = fraction_digits - exponent;
    if scale < 0 {
        digits = 10i128
            .checked_pow(scale.unsigned_abs())
            .and_then(|p| digits.checked_mul(p))
            .ok_or(Unreadable::TooLarge)?;
        scale = 0;
    }
    let scale = i8::try_from(scale)
        .ok()
        .filter(|s| *s <= MAX_PRECISION as i8)
        .ok_or(Unreadable::TooLarge)?;
    let parsed = Parsed {
        digits: if negative { -digits } else { digits },
        scale,
    };
    // More than 38 digits do not fit, whatever the scale.
    parsed.at_scale(scale).ok_or(Unreadable::TooLarge)?;
    Ok(parsed)
}

fn unreadable(text: &str, why: Unreadable) -> DataFusionError {
    let (message, sqlstate) = match why {
        Unreadable::Syntax => (
            format!("invalid input syntax for type numeric: \"{text}\""),
            SqlState::INVALID_TEXT_REPRESENTATION,
        ),
        Unreadable::Special => (
            format!("numeric \"{text}\" (NaN and infinities) is not supported"),
            SqlState::FEATURE_NOT_SUPPORTED,
        ),
        Unreadable::TooLarge => (
            format!("numeric \"{text}\" has more than {MAX_PRECISION} digits"),
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        ),
    };
    function_error(message, sqlstate)
}

/// PostgreSQL's text for a float turned into `numeric`: 15 significant digits for a
/// `float8`, 6 for a `real`.
fn float_text(value: f64, significant: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let text = format!("{:.*e}", significant - 1, value);
    // Normalized by the parser: trailing zeros of the mantissa stay significant, so drop them.
    match text.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => {
            format!(
                "{}e{exponent}",
                mantissa.trim_end_matches('0').trim_end_matches('.')
            )
        }
        _ => text,
    }
}

/// The type a cast of `argument` (with its value, if a constant) gives.
fn result_type(argument: &DataType, constant: Option<&ScalarValue>) -> DataType {
    let whole = |digits: u8| DataType::Decimal128(digits, 0);
    let constant_text = match constant {
        Some(ScalarValue::Utf8(Some(t)) | ScalarValue::LargeUtf8(Some(t)))
        | Some(ScalarValue::Utf8View(Some(t))) => Some(t.clone()),
        Some(ScalarValue::Float64(Some(f))) => Some(float_text(*f, 15)),
        Some(ScalarValue::Float32(Some(f))) => Some(float_text(f64::from(*f), 6)),
        _ => None,
    };
    if let Some(parsed) = constant_text.and_then(|t| parse(&t).ok()) {
        return parsed.data_type();
    }
    match argument {
        DataType::Int8 | DataType::UInt8 => whole(3),
        DataType::Int16 | DataType::UInt16 => whole(5),
        DataType::Int32 | DataType::UInt32 => whole(10),
        DataType::Int64 => whole(19),
        DataType::UInt64 => whole(20),
        // A negative scale (`1e15` is one digit at scale -15), which PostgreSQL's numeric
        // never has, becomes scale 0 with the digits it stands for, where 38 digits hold
        // them (`12e37` keeps its scale: it is how a value past them is held at all).
        DataType::Decimal128(p, s)
            if *s < 0 && p.saturating_add(s.unsigned_abs()) <= MAX_PRECISION =>
        {
            DataType::Decimal128(p + s.unsigned_abs(), 0)
        }
        DataType::Decimal128(p, s) => DataType::Decimal128(*p, *s),
        _ => DataType::Decimal128(MAX_PRECISION, DEFAULT_SCALE),
    }
}

/// Texts read as `numeric` at `scale`.
fn texts_at(
    texts: impl Iterator<Item = Option<String>>,
    precision: u8,
    scale: i8,
) -> Result<ArrayRef> {
    let mut out = Decimal128Builder::new();
    for text in texts {
        match text {
            None => out.append_null(),
            Some(text) => {
                let value = parse(&text)
                    .map_err(|why| unreadable(&text, why))?
                    .at_scale(scale)
                    .filter(|v| v.unsigned_abs() < 10u128.pow(u32::from(precision)))
                    .ok_or_else(|| unreadable(&text, Unreadable::TooLarge))?;
                out.append_value(value);
            }
        }
    }
    Ok(Arc::new(
        out.finish().with_precision_and_scale(precision, scale)?,
    ))
}

/// The values of `values` as a column of an unconstrained `numeric` would store them (an
/// `INSERT`, `UPDATE` or `COPY` into one): decimals and integers as they are, text read as
/// `numeric` input and floats as PostgreSQL turns them into `numeric`, at the largest scale
/// among them, so that none is rounded.
pub(crate) fn numeric_column(values: &ArrayRef) -> Result<ArrayRef> {
    let texts: Vec<Option<String>> = match values.data_type() {
        DataType::Decimal128(..) => return Ok(Arc::clone(values)),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let texts = cast_with_options(values, &DataType::Utf8, &CastOptions::default())?;
            texts
                .as_string::<i32>()
                .iter()
                .map(|t| t.map(str::to_string))
                .collect()
        }
        DataType::Float64 => values
            .as_primitive::<Float64Type>()
            .iter()
            .map(|f| f.map(|f| float_text(f, 15)))
            .collect(),
        DataType::Float32 => values
            .as_primitive::<Float32Type>()
            .iter()
            .map(|f| f.map(|f| float_text(f64::from(f), 6)))
            .collect(),
        _ => {
            let options = CastOptions {
                safe: false,
                ..CastOptions::default()
            };
            let whole = DataType::Decimal128(MAX_PRECISION, 0);
            return Ok(cast_with_options(values, &whole, &options)?);
        }
    };
    let mut scale = 0;
    for text in texts.iter().flatten() {
        scale = scale.max(parse(text).map_err(|why| unreadable(text, why))?.scale);
    }
    texts_at(texts.into_iter(), MAX_PRECISION, scale)
}

impl ScalarUDFImpl for NumericIn {
    fn name(&self) -> &str {
        NUMERIC_IN
    }

    fn display_name(&self, args: &[datafusion::logical_expr::Expr]) -> Result<String> {
        match args {
            [value] => Ok(format!("CAST({value} AS numeric)")),
            _ => Ok("numeric".to_string()),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [argument] => Ok(result_type(argument, None)),
            _ => plan_err!("{NUMERIC_IN} takes one argument"),
        }
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let [argument] = args.arg_fields else {
            return plan_err!("{NUMERIC_IN} takes one argument");
        };
        let constant = args.scalar_arguments.first().copied().flatten();
        Ok(Arc::new(Field::new(
            "numeric",
            result_type(argument.data_type(), constant),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let DataType::Decimal128(precision, scale) = *args.return_field.data_type() else {
            return plan_err!("{NUMERIC_IN} returns a decimal");
        };
        let (arrays, _, scalar) = super::argument_arrays(&args)?;
        let [values] = arrays.as_slice() else {
            return plan_err!("{NUMERIC_IN} takes one argument");
        };
        let out = match values.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                let texts = cast_with_options(values, &DataType::Utf8, &CastOptions::default())?;
                let texts = texts.as_string::<i32>();
                texts_at(
                    texts.iter().map(|t| t.map(str::to_string)),
                    precision,
                    scale,
                )?
            }
            DataType::Float64 => texts_at(
                values
                    .as_primitive::<Float64Type>()
                    .iter()
                    .map(|f| f.map(|f| float_text(f, 15))),
                precision,
                scale,
            )?,
            DataType::Float32 => texts_at(
                values
                    .as_primitive::<Float32Type>()
                    .iter()
                    .map(|f| f.map(|f| float_text(f64::from(f), 6))),
                precision,
                scale,
            )?,
            _ => {
                let options = CastOptions {
                    safe: false,
                    ..CastOptions::default()
                };
                cast_with_options(values, args.return_field.data_type(), &options)?
            }
        };
        super::columnar(out, scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (i128, i8) {
        let p = parse(text).expect(text);
        (p.digits, p.scale)
    }

    #[test]
    fn text_is_read_as_postgresql_reads_numeric_input() {
        assert_eq!(read("1.50"), (150, 2));
        assert_eq!(read(" -2.5 "), (-25, 1));
        assert_eq!(read("+3"), (3, 0));
        assert_eq!(read(".5"), (5, 1));
        assert_eq!(read("5."), (5, 0));
        assert_eq!(read("1e3"), (1000, 0));
        assert_eq!(read("1.5e-3"), (15, 4));
        assert_eq!(read("1.50E1"), (150, 1));
        assert_eq!(read("-0.000"), (0, 3));
        for bad in ["", ".", "abc", "1.2.3", "1e", "--1", "1 2", "e5"] {
            assert_eq!(parse(bad), Err(Unreadable::Syntax), "{bad:?}");
        }
        for special in ["NaN", "-Infinity", "inf"] {
            assert_eq!(parse(special), Err(Unreadable::Special), "{special:?}");
        }
        assert_eq!(parse(&"9".repeat(39)), Err(Unreadable::TooLarge));
        assert_eq!(parse("1e40"), Err(Unreadable::TooLarge));
    }

    #[test]
    fn values_round_half_away_from_zero_to_a_scale() {
        let p = parse("2.345").expect("number");
        assert_eq!(p.at_scale(2), Some(235));
        assert_eq!(parse("-2.345").expect("number").at_scale(2), Some(-235));
        assert_eq!(parse("2.344").expect("number").at_scale(2), Some(234));
        assert_eq!(p.at_scale(5), Some(234_500));
        assert_eq!(p.data_type(), DataType::Decimal128(4, 3));
        assert_eq!(
            parse("0.05").expect("number").data_type(),
            DataType::Decimal128(2, 2)
        );
    }

    #[test]
    fn floats_become_their_shortest_postgresql_text() {
        assert_eq!(
            parse(&float_text(1.5, 15)).map(|p| (p.digits, p.scale)),
            Ok((15, 1))
        );
        assert_eq!(
            parse(&float_text(0.1, 15)).map(|p| (p.digits, p.scale)),
            Ok((1, 1))
        );
        assert_eq!(
            parse(&float_text(1.0 / 3.0, 15)).map(|p| (p.digits, p.scale)),
            Ok((333_333_333_333_333, 15))
        );
        assert_eq!(
            parse(&float_text(100.0, 15)).map(|p| (p.digits, p.scale)),
            Ok((100, 0))
        );
        assert_eq!(
            parse(&float_text(f64::from(0.1f32), 6)).map(|p| (p.digits, p.scale)),
            Ok((1, 1))
        );
    }
}
