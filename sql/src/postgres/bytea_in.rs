//! Text to `bytea` as PostgreSQL reads it: `CAST('\xdeadbeef' AS BYTEA)` is four bytes.
//!
//! Arrow's cast takes a string's UTF-8 bytes as they are, so `'\x0102'::bytea` was the six
//! bytes of its text. PostgreSQL reads two formats ([`parse`]): hex, `\x` then pairs of hex
//! digits (whitespace between pairs allowed), and escape, where `\\` is one backslash, `\`
//! and three octal digits one byte, and every other character its own bytes. A cast of
//! text to `bytea` becomes a call of [`bytea_in`], which a `bytea` column's input uses too.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, BinaryBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::SqlState;
use crate::error::Error;

/// Reads PostgreSQL's text form of a `bytea`; 22023 or 22P02 for text that is not one.
pub(crate) fn parse(text: &str) -> std::result::Result<Vec<u8>, Error> {
    // PostgreSQL's words and codes: 22023 for bad hex, 22P02 for a bad escape.
    let bad_hex = |why: String| Error::Execution {
        message: format!("invalid hexadecimal data: {why}"),
        sqlstate: SqlState::INVALID_PARAMETER_VALUE,
    };
    if let Some(hex) = text.strip_prefix("\\x") {
        let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        if !digits.len().is_multiple_of(2) {
            return Err(bad_hex("odd number of digits".to_string()));
        }
        return digits
            .chunks(2)
            .map(|pair| {
                let digit = |b: u8| {
                    (b as char).to_digit(16).ok_or_else(|| {
                        bad_hex(format!("invalid hexadecimal digit: \"{}\"", b as char))
                    })
                };
                Ok((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
            })
            .collect();
    }
    let invalid = || Error::Execution {
        message: "invalid input syntax for type bytea".to_string(),
        sqlstate: SqlState::INVALID_TEXT_REPRESENTATION,
    };
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes.get(i + 1..i + 4) {
            Some([b'\\', ..]) => {
                out.push(b'\\');
                i += 2;
            }
            Some(&[a, b, c])
                if (b'0'..=b'3').contains(&a)
                    && (b'0'..=b'7').contains(&b)
                    && (b'0'..=b'7').contains(&c) =>
            {
                out.push((a - b'0') * 64 + (b - b'0') * 8 + (c - b'0'));
                i += 4;
            }
            _ if bytes.get(i + 1) == Some(&b'\\') => {
                out.push(b'\\');
                i += 2;
            }
            _ => return Err(invalid()),
        }
    }
    Ok(out)
}

/// Each text of `array` read as a `bytea` (NULL stays NULL).
pub(crate) fn read(array: &ArrayRef) -> std::result::Result<ArrayRef, Error> {
    let text = cast(array, &DataType::Utf8).map_err(|e| crate::error::arrow_error(&e))?;
    let mut out = BinaryBuilder::new();
    for value in text.as_string::<i32>() {
        match value {
            None => out.append_null(),
            Some(s) => out.append_value(parse(s)?),
        }
    }
    Ok(Arc::new(out.finish()))
}

/// `bytea_in(text)`: what a cast of text to `bytea` becomes.
pub(crate) fn bytea_in() -> ScalarUDF {
    ScalarUDF::new_from_impl(ByteaIn {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ByteaIn {
    signature: Signature,
}

impl ScalarUDFImpl for ByteaIn {
    fn name(&self) -> &str {
        "bytea_in"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = args.args.as_slice() else {
            return datafusion::common::exec_err!("bytea_in takes one argument");
        };
        let scalar = matches!(arg, ColumnarValue::Scalar(_));
        let texts = arg.to_array(args.number_rows)?;
        let bytes = read(&texts).map_err(|e| DataFusionError::External(Box::new(e)))?;
        super::columnar(bytes, scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_both_of_postgresqls_formats() {
        assert_eq!(parse("\\xDeAdBeEf"), Ok(vec![0xde, 0xad, 0xbe, 0xef]));
        assert_eq!(parse("\\x01 02"), Ok(vec![1, 2]));
        assert_eq!(parse("\\x"), Ok(vec![]));
        assert_eq!(parse("abc"), Ok(b"abc".to_vec()));
        assert_eq!(parse("a\\\\b"), Ok(b"a\\b".to_vec()));
        assert_eq!(parse("\\001\\377"), Ok(vec![1, 255]));
        assert_eq!(parse("é"), Ok("é".as_bytes().to_vec()));
        for bad in ["\\x1", "\\xzz", "\\", "a\\b", "\\400", "\\01"] {
            assert!(parse(bad).is_err(), "{bad:?} is not a bytea");
        }
    }
}
