//! Casts to `character(n)`: `CAST(x AS char(20))`, `x::character(3)`.
//!
//! PostgreSQL's `character(n)` is text blank-padded to `n` characters whose trailing blanks
//! mean nothing: they are dropped when it is compared, concatenated or measured. DriftDB
//! keeps such a value without its trailing blanks and pads it when it is shown
//! ([`crate::present`]); the cast cuts the text to `n` characters, as an explicit cast does
//! in PostgreSQL, and marks its result as `character(n)` ([`crate::pg_types::bpchar`]), so
//! clients are told the type and see the padding.

use std::sync::Arc;

use datafusion::arrow::array::{AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};

/// What the front end makes of a cast to `character(n)`: `__driftdb_bpchar(text, n)`.
pub(crate) const BPCHAR_IN: &str = "__driftdb_bpchar";

pub(crate) fn bpchar_in() -> ScalarUDF {
    ScalarUDF::new_from_impl(BpcharIn {
        // The length is a literal: an `integer` one, as the front end writes it, must reach
        // the function uncast to be read as a constant.
        signature: Signature::one_of(
            vec![
                TypeSignature::Exact(vec![DataType::Utf8, DataType::Int32]),
                TypeSignature::Exact(vec![DataType::Utf8, DataType::Int64]),
            ],
            Volatility::Immutable,
        ),
    })
}

/// `text` cut to `n` characters, without trailing blanks.
fn bpchar(text: &str, n: usize) -> &str {
    let cut = text.char_indices().nth(n).map_or(text, |(i, _)| &text[..i]);
    cut.trim_end_matches(' ')
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct BpcharIn {
    signature: Signature,
}

/// The length argument, a constant the front end wrote.
fn length(value: Option<&ScalarValue>) -> Result<usize> {
    match value.and_then(super::integer_literals::integer_value) {
        Some(n) if n >= 1 => Ok(usize::try_from(n).unwrap_or(1)),
        _ => plan_err!("length for type char must be a constant of at least 1"),
    }
}

impl ScalarUDFImpl for BpcharIn {
    fn name(&self) -> &str {
        BPCHAR_IN
    }

    fn display_name(&self, args: &[datafusion::logical_expr::Expr]) -> Result<String> {
        match args {
            [value, length] => Ok(format!("CAST({value} AS character({length}))")),
            _ => Ok("bpchar".to_string()),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let n = length(args.scalar_arguments.get(1).copied().flatten())?;
        Ok(Arc::new(crate::pg_types::bpchar(
            Field::new("bpchar", DataType::Utf8, true),
            n,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = match args.args.get(1) {
            Some(ColumnarValue::Scalar(n)) => length(Some(n))?,
            _ => return plan_err!("length for type char must be a constant"),
        };
        let scalar = super::all_scalar(&args.args);
        let texts = match args.args.first() {
            Some(value) => value.to_array(args.number_rows)?,
            None => return plan_err!("{BPCHAR_IN} takes a text and a length"),
        };
        let out: StringArray = texts
            .as_string::<i32>()
            .iter()
            .map(|t| t.map(|t| bpchar(t, n)))
            .collect();
        super::columnar(Arc::new(out), scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::bpchar;

    #[test]
    fn a_cast_cuts_to_n_characters_and_drops_trailing_blanks() {
        assert_eq!(bpchar("ab", 5), "ab");
        assert_eq!(bpchar("ab   ", 5), "ab");
        assert_eq!(bpchar("abcdef", 3), "abc");
        assert_eq!(bpchar("ab cd", 3), "ab");
        assert_eq!(bpchar("éèê", 2), "éè");
        assert_eq!(bpchar("  ", 1), "");
    }
}
