//! `upper` and `lower` as PostgreSQL's libc locales compute them: character by character,
//! each character to its one-character counterpart. DataFusion's (Rust's) full Unicode
//! mappings can change the length: `upper('Straße')` was `STRASSE` and `upper('ﬁ')` `FI`,
//! where PostgreSQL gives `STRAßE` and `ﬁ`. A character whose full mapping is more than one
//! character stays as it is, except that `İ` lowers to `i`, its simple mapping.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// `upper` and `lower`, replacing DataFusion's in a session.
pub(crate) fn functions() -> [ScalarUDF; 2] {
    [
        ScalarUDF::new_from_impl(Case::new(true)),
        ScalarUDF::new_from_impl(Case::new(false)),
    ]
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Case {
    upper: bool,
    signature: Signature,
}

impl Case {
    fn new(upper: bool) -> Case {
        Case {
            upper,
            signature: Signature::string(1, Volatility::Immutable),
        }
    }
}

/// `c` in upper case, or in lower case, by the one-character mapping.
fn map(c: char, upper: bool) -> char {
    fn alone(mut chars: impl Iterator<Item = char>) -> Option<char> {
        let first = chars.next()?;
        chars.next().is_none().then_some(first)
    }
    let mapped = if upper {
        alone(c.to_uppercase())
    } else {
        alone(c.to_lowercase())
    };
    match mapped {
        Some(mapped) => mapped,
        None if !upper && c == 'İ' => 'i',
        None => c,
    }
}

impl ScalarUDFImpl for Case {
    fn name(&self) -> &str {
        if self.upper { "upper" } else { "lower" }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [DataType::Null] => Ok(DataType::Utf8),
            [t] => Ok(t.clone()),
            _ => plan_err!("{} takes one argument", self.name()),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return plan_err!("{} takes one argument", self.name());
        };
        let scalar = matches!(value, ColumnarValue::Scalar(_));
        let array = value.to_array(args.number_rows)?;
        let text = cast(&array, &DataType::Utf8)?;
        let text = text.as_string::<i32>();
        let mut out = StringBuilder::with_capacity(text.len(), text.values().len());
        for value in text.iter() {
            match value {
                Some(value) if value.is_ascii() => out.append_value(if self.upper {
                    value.to_ascii_uppercase()
                } else {
                    value.to_ascii_lowercase()
                }),
                Some(value) => out.append_value(
                    value
                        .chars()
                        .map(|c| map(c, self.upper))
                        .collect::<String>(),
                ),
                None => out.append_null(),
            }
        }
        let out: ArrayRef = Arc::new(out.finish());
        let out = cast(&out, args.return_field.data_type())?;
        Ok(if scalar {
            ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&out, 0)?)
        } else {
            ColumnarValue::Array(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn characters_map_one_to_one_as_in_postgresql() {
        let upper = |s: &str| s.chars().map(|c| map(c, true)).collect::<String>();
        let lower = |s: &str| s.chars().map(|c| map(c, false)).collect::<String>();
        assert_eq!(upper("Straße ﬁ é ǆ"), "STRAßE ﬁ É Ǆ");
        assert_eq!(lower("İSTANBUL ÉCOLE Ǆ"), "istanbul école ǆ");
    }
}
