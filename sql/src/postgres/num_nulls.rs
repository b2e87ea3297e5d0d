//! `num_nulls(...)` and `num_nonnulls(...)`: how many of the arguments (of any types) are
//! NULL, or are not, as an `integer`; schemas write `CHECK (num_nonnulls(a, b) = 1)`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, Int32Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

pub(crate) fn functions() -> [ScalarUDF; 2] {
    [
        ScalarUDF::new_from_impl(NumNulls::new(true)),
        ScalarUDF::new_from_impl(NumNulls::new(false)),
    ]
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct NumNulls {
    /// Count the NULLs (else the values that are not).
    nulls: bool,
    signature: Signature,
}

impl NumNulls {
    fn new(nulls: bool) -> NumNulls {
        NumNulls {
            nulls,
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for NumNulls {
    fn name(&self) -> &str {
        if self.nulls {
            "num_nulls"
        } else {
            "num_nonnulls"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let counted = |nulls: usize| {
            let counted = if self.nulls {
                nulls
            } else {
                args.args.len() - nulls
            };
            i32::try_from(counted).unwrap_or(i32::MAX)
        };
        if args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)))
        {
            let nulls = args
                .args
                .iter()
                .filter(|a| matches!(a, ColumnarValue::Scalar(s) if s.is_null()))
                .count();
            return Ok(ColumnarValue::Scalar(ScalarValue::Int32(Some(counted(
                nulls,
            )))));
        }
        // Logical nulls: an untyped NULL column has no null buffer, every value is NULL.
        let nulls: Vec<_> = ColumnarValue::values_to_arrays(&args.args)?
            .iter()
            .map(|a| a.logical_nulls())
            .collect();
        let counts: Int32Array = (0..args.number_rows)
            .map(|row| {
                let n = nulls
                    .iter()
                    .filter(|n| n.as_ref().is_some_and(|n| n.is_null(row)))
                    .count();
                Some(counted(n))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(counts)))
    }
}
