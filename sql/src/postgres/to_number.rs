//! `to_number(text, format)`: a number read from text by a `to_char` pattern, as
//! PostgreSQL reads it (`to_number('12,454.8-', '99G999D9S')` is -12454.8).
//!
//! The format is walked left to right over the text: each digit position (`9`, `0`) takes
//! the next character if it is a digit and passes over it otherwise (so
//! `to_number('1 2', '999')` is 12, and digits past the format's positions are not read:
//! `to_number('12', '9')` is 1); the decimal point (`.`, `D`) and group separator (`,`, `G`)
//! match themselves where the text has them; `S`, `MI`, `PL` and `SG` read a sign there,
//! `PR` reads angle brackets as a minus, `L` passes over a currency symbol, and `FM` changes
//! nothing. Leading blanks and a leading minus are read wherever the format starts. Text
//! with no digit at all is 22P02, as in PostgreSQL.
//!
//! The result is a `numeric` with as many decimals as were read: exactly so for a constant
//! text; for other text the format's decimal positions (PostgreSQL drops the ones a value
//! did not fill: the same value, shown with more zeros here).

use crate::SqlState;
use crate::error::function_error;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Decimal128Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

pub(crate) fn to_number() -> ScalarUDF {
    ScalarUDF::new_from_impl(ToNumber {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ToNumber {
    signature: Signature,
}

/// One element of a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Digit,
    Decimal,
    Group,
    Sign,
    Brackets,
    Currency,
    Literal(char),
}

/// The tokens of `format`.
fn tokens(format: &str) -> Result<Vec<Token>> {
    let upper = format.to_ascii_uppercase();
    let chars: Vec<char> = upper.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut decimals = 0;
    while i < chars.len() {
        let rest: String = chars[i..].iter().take(2).collect();
        let (token, width) = match chars[i] {
            '9' | '0' => (Some(Token::Digit), 1),
            '.' | 'D' => (Some(Token::Decimal), 1),
            ',' | 'G' => (Some(Token::Group), 1),
            'S' => (Some(Token::Sign), 1),
            'L' => (Some(Token::Currency), 1),
            _ if rest == "MI" || rest == "PL" || rest == "SG" => (Some(Token::Sign), 2),
            _ if rest == "PR" => (Some(Token::Brackets), 2),
            _ if rest == "FM" => (None, 2),
            c => (Some(Token::Literal(c)), 1),
        };
        if token == Some(Token::Decimal) {
            decimals += 1;
            if decimals > 1 {
                return Err(function_error(
                    "multiple decimal points",
                    SqlState::SYNTAX_ERROR,
                ));
            }
        }
        out.extend(token);
        i += width;
    }
    Ok(out)
}

/// How many decimals a format reads at most.
fn format_scale(tokens: &[Token]) -> usize {
    match tokens.iter().position(|t| *t == Token::Decimal) {
        Some(at) => tokens[at..].iter().filter(|t| **t == Token::Digit).count(),
        None => 0,
    }
}

/// The number `text` holds by `tokens`: its digits and how many of them are decimals;
/// `None` for an empty format.
fn read(text: &str, tokens: &[Token]) -> Result<Option<(i128, usize)>> {
    if tokens.is_empty() {
        return Ok(None);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    while chars.get(at) == Some(&' ') {
        at += 1;
    }
    let mut negative = false;
    let brackets = tokens.contains(&Token::Brackets);
    match chars.get(at) {
        Some('-') => {
            negative = true;
            at += 1;
        }
        Some('<') if brackets => {
            negative = true;
            at += 1;
        }
        _ => {}
    }
    let (mut digits, mut scale, mut any, mut in_decimals) = (0i128, 0usize, false, false);
    let too_long = || {
        function_error(
            format!("value \"{text}\" has more than 38 digits"),
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        )
    };
    for token in tokens {
        let Some(&c) = chars.get(at) else {
            break;
        };
        match token {
            Token::Digit => {
                if let Some(d) = c.to_digit(10) {
                    digits = digits
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(i128::from(d)))
                        .filter(|v| v.unsigned_abs() < 10u128.pow(38))
                        .ok_or_else(too_long)?;
                    any = true;
                    if in_decimals {
                        scale += 1;
                    }
                } else if c == '.' && !in_decimals && tokens.contains(&Token::Decimal) {
                    in_decimals = true;
                }
                at += 1;
            }
            Token::Decimal => {
                in_decimals = true;
                if c == '.' {
                    at += 1;
                }
            }
            Token::Group => {
                if c == ',' {
                    at += 1;
                }
            }
            Token::Sign => match c {
                '-' => {
                    negative = true;
                    at += 1;
                }
                '+' => at += 1,
                _ => {}
            },
            Token::Brackets => {}
            Token::Currency | Token::Literal(_) => {
                if !c.is_ascii_digit() {
                    at += 1;
                }
            }
        }
    }
    if !any {
        return Err(function_error(
            "invalid input syntax for type numeric: \" \"",
            SqlState::INVALID_TEXT_REPRESENTATION,
        ));
    }
    Ok(Some((if negative { -digits } else { digits }, scale)))
}

/// The constant text of an argument.
fn constant_text(value: Option<&ScalarValue>) -> Option<&str> {
    match value? {
        ScalarValue::Utf8(Some(t))
        | ScalarValue::LargeUtf8(Some(t))
        | ScalarValue::Utf8View(Some(t)) => Some(t.as_str()),
        _ => None,
    }
}

/// The result's scale: the decimals read from a constant text, else the format's.
fn result_scale(text: Option<&str>, format: Option<&str>) -> Result<i8> {
    let scale = match format {
        Some(format) => {
            let tokens = tokens(format)?;
            match text.map(|t| read(t, &tokens)).transpose()?.flatten() {
                Some((_, scale)) => scale,
                None => format_scale(&tokens),
            }
        }
        None => 10,
    };
    Ok(i8::try_from(scale.min(38)).unwrap_or(38))
}

impl ScalarUDFImpl for ToNumber {
    fn name(&self) -> &str {
        "to_number"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_, _] => Ok(vec![DataType::Utf8, DataType::Utf8]),
            _ => Err(super::no_such_function("to_number", arg_types)),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Decimal128(38, 10))
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let constant = |i: usize| constant_text(args.scalar_arguments.get(i).copied().flatten());
        let scale = result_scale(constant(0), constant(1))?;
        Ok(Arc::new(Field::new(
            "to_number",
            DataType::Decimal128(38, scale),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let DataType::Decimal128(_, scale) = *args.return_field.data_type() else {
            return plan_err!("to_number returns a decimal");
        };
        let (arrays, _, scalar) = super::argument_arrays(&args)?;
        let texts = cast(&arrays[0], &DataType::Utf8)?;
        let formats = cast(&arrays[1], &DataType::Utf8)?;
        let (texts, formats) = (texts.as_string::<i32>(), formats.as_string::<i32>());
        let mut out = Vec::with_capacity(texts.len());
        for row in 0..texts.len() {
            if texts.is_null(row) || formats.is_null(row) {
                out.push(None);
                continue;
            }
            let tokens = tokens(formats.value(row))?;
            let Some((digits, read_scale)) = read(texts.value(row), &tokens)? else {
                out.push(None);
                continue;
            };
            // At the result's scale: decimals added (a column's result), or cut.
            let shift = i32::from(scale) - i32::try_from(read_scale).unwrap_or(38);
            let power = 10i128.checked_pow(shift.unsigned_abs()).ok_or_else(|| {
                function_error(
                    "value overflows numeric format",
                    SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                )
            })?;
            let value = if shift >= 0 {
                digits.checked_mul(power)
            } else {
                Some(digits / power)
            }
            .filter(|v| v.unsigned_abs() < 10u128.pow(38))
            .ok_or_else(|| {
                function_error(
                    "value overflows numeric format",
                    SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                )
            })?;
            out.push(Some(value));
        }
        let array = Decimal128Array::from(out).with_precision_and_scale(38, scale)?;
        super::columnar(Arc::new(array), scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str, format: &str) -> Option<String> {
        let tokens = tokens(format).expect("a format");
        let (digits, scale) = read(text, &tokens).expect("reads")?;
        let magnitude = digits.unsigned_abs().to_string();
        let padded = format!("{magnitude:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        let sign = if digits < 0 { "-" } else { "" };
        Some(match scale {
            0 => format!("{sign}{whole}"),
            _ => format!("{sign}{whole}.{fraction}"),
        })
    }

    #[test]
    fn numbers_are_read_as_postgresql_reads_them() {
        // Each expected value is PostgreSQL 15's.
        let cases = [
            ("12,454.8-", "99G999D9S", "-12454.8"),
            ("-34,338,492", "99G999G999", "-34338492"),
            ("5", "9", "5"),
            ("  12.345", "999.99", "12.34"),
            ("1,234.5", "9,999.99", "1234.5"),
            ("$1,234.56", "L9,999.99", "1234.56"),
            ("<123.45>", "999.99PR", "-123.45"),
            ("12", "9", "1"),
            ("1.5", "9.9", "1.5"),
            ("1e5", "9999", "15"),
            ("12.3456", "99.99", "12.34"),
            ("123", "9999.99", "123"),
            ("-1.5", "9.9", "-1.5"),
            ("1 2", "999", "12"),
            ("123.4", "FM999.9", "123.4"),
            ("1234", "9,999", "1234"),
            ("0012", "0000", "12"),
            ("12-", "99MI", "-12"),
        ];
        for (text, format, expected) in cases {
            assert_eq!(
                number(text, format).as_deref(),
                Some(expected),
                "{text} {format}"
            );
        }
        assert_eq!(number("12", ""), None);
        assert!(read("abc", &tokens("999").expect("format")).is_err());
        assert!(read("", &tokens("999").expect("format")).is_err());
        assert!(tokens("9.9.9").is_err());
    }
}
