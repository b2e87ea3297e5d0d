//! `array_dims(array)`: an array's dimensions as text, `[1:2][1:3]`, as PostgreSQL writes
//! them; DataFusion's function of that name answers a list of lengths (`{2,3}`), which this
//! one replaces in the session. DriftDB's arrays are nested lists, one level per dimension,
//! that start at 1 (PostgreSQL's are rectangular, so the first element of each level has
//! the next level's length); an empty array has no dimensions, and gives NULL as there.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::SqlState;
use crate::error::function_error;

pub(crate) fn array_dims() -> ScalarUDF {
    ScalarUDF::new_from_impl(ArrayDims {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ArrayDims {
    signature: Signature,
}

/// The elements of list `array`'s row `row`, if it is a list with a value there.
fn elements(array: &dyn Array, row: usize) -> Option<ArrayRef> {
    let list = array.as_list_opt::<i32>()?;
    list.is_valid(row).then(|| list.value(row))
}

/// `[1:n]` for each dimension of the array at `row`; `None` for NULL or an empty array.
fn dims(array: &dyn Array, row: usize) -> Option<String> {
    let mut text = String::new();
    let mut level = elements(array, row)?;
    while !level.is_empty() {
        text.push_str(&format!("[1:{}]", level.len()));
        match elements(level.as_ref(), 0) {
            Some(next) => level = next,
            None => break,
        }
    }
    (!text.is_empty()).then_some(text)
}

impl ScalarUDFImpl for ArrayDims {
    fn name(&self) -> &str {
        "array_dims"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [DataType::List(_) | DataType::Null] => Ok(DataType::Utf8),
            [other] => Err(function_error(
                format!(
                    "function array_dims({}) does not exist",
                    crate::pg_types::name_of_arrow(other).unwrap_or_default()
                ),
                SqlState::UNDEFINED_FUNCTION,
            )),
            _ => Err(function_error(
                "array_dims takes one array",
                SqlState::UNDEFINED_FUNCTION,
            )),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = crate::udf::all_scalar(&args.args);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [array] = arrays.as_slice() else {
            return Err(function_error(
                "array_dims takes one array",
                SqlState::UNDEFINED_FUNCTION,
            ));
        };
        let out: StringArray = (0..array.len())
            .map(|row| dims(array.as_ref(), row))
            .collect();
        crate::udf::columnar(Arc::new(out), scalar)
    }
}
