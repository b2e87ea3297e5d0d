//! `div(a, b)` and `width_bucket(operand, low, high, count)`, as PostgreSQL has them.
//!
//! `div` is the integer quotient of two numerics, truncated toward zero (`div(-9, 4)` is
//! -2), computed exactly on their digits; `width_bucket` numbers the bucket `operand` falls
//! in among `count` equal buckets from `low` to `high` (0 below, `count + 1` from `high`
//! on), in `double precision`.

use crate::SqlState;
use crate::error::function_error;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Decimal128Array, Int32Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Float64Type};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// `div` and `width_bucket`.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    [Kind::Div, Kind::WidthBucket]
        .into_iter()
        .map(|kind| {
            ScalarUDF::new_from_impl(Math {
                kind,
                signature: Signature::user_defined(Volatility::Immutable),
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Div,
    WidthBucket,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Math {
    kind: Kind,
    signature: Signature,
}

/// The scale a number of type `t` has as a numeric (`None`: not a number).
fn numeric_scale(t: &DataType) -> Option<i8> {
    match t {
        t if t.is_integer() => Some(0),
        DataType::Decimal128(_, s) => Some(*s),
        DataType::Float16 | DataType::Float32 | DataType::Float64 => Some(10),
        DataType::Null => Some(0),
        _ => None,
    }
}

impl ScalarUDFImpl for Math {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Div => "div",
            Kind::WidthBucket => "width_bucket",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let arity = match self.kind {
            Kind::Div => 2,
            Kind::WidthBucket => 4,
        };
        let scales = arg_types
            .iter()
            .map(numeric_scale)
            .collect::<Option<Vec<_>>>();
        match scales {
            Some(scales) if arg_types.len() == arity => Ok(match self.kind {
                // Both at the larger scale, so the quotient of their digits is exact.
                Kind::Div => {
                    let scale = scales.iter().copied().max().unwrap_or(0).max(0);
                    vec![DataType::Decimal128(38, scale); 2]
                }
                Kind::WidthBucket => vec![
                    DataType::Float64,
                    DataType::Float64,
                    DataType::Float64,
                    DataType::Int32,
                ],
            }),
            _ => Err(super::no_such_function(self.name(), arg_types)),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::Div => DataType::Decimal128(38, 0),
            Kind::WidthBucket => DataType::Int32,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (arrays, _, scalar) = super::argument_arrays(&args)?;
        let result: ArrayRef = match self.kind {
            Kind::Div => Arc::new(div(&arrays)?),
            Kind::WidthBucket => Arc::new(width_bucket(&arrays)?),
        };
        super::columnar(result, scalar)
    }
}

fn div(arrays: &[ArrayRef]) -> Result<Decimal128Array> {
    let [a, b] = arrays else {
        return plan_err!("div takes two arguments");
    };
    let (a, b) = (
        a.as_primitive::<Decimal128Type>(),
        b.as_primitive::<Decimal128Type>(),
    );
    let mut out = Vec::with_capacity(a.len());
    for i in 0..a.len() {
        if a.is_null(i) || b.is_null(i) {
            out.push(None);
            continue;
        }
        let divisor = b.value(i);
        if divisor == 0 {
            return Err(function_error(
                "division by zero",
                SqlState::DIVISION_BY_ZERO,
            ));
        }
        // Same scale on both sides: the quotient of the digits is the quotient.
        out.push(Some(a.value(i) / divisor));
    }
    Ok(Decimal128Array::from(out).with_precision_and_scale(38, 0)?)
}

fn width_bucket(arrays: &[ArrayRef]) -> Result<Int32Array> {
    let [operand, low, high, count] = arrays else {
        return plan_err!("width_bucket takes four arguments");
    };
    let floats = |a: &ArrayRef| -> Result<_> { Ok(cast(a, &DataType::Float64)?) };
    let (operand, low, high) = (floats(operand)?, floats(low)?, floats(high)?);
    let (operand, low, high) = (
        operand.as_primitive::<Float64Type>(),
        low.as_primitive::<Float64Type>(),
        high.as_primitive::<Float64Type>(),
    );
    let count = count.as_primitive::<datafusion::arrow::datatypes::Int32Type>();
    let mut out = Vec::with_capacity(operand.len());
    for i in 0..operand.len() {
        if operand.is_null(i) || low.is_null(i) || high.is_null(i) || count.is_null(i) {
            out.push(None);
            continue;
        }
        let (x, lo, hi, n) = (
            operand.value(i),
            low.value(i),
            high.value(i),
            count.value(i),
        );
        if n <= 0 {
            return Err(function_error(
                "count must be greater than zero",
                SqlState::INVALID_ARGUMENT_FOR_WIDTH_BUCKET_FUNCTION,
            ));
        }
        if x.is_nan() || lo.is_nan() || hi.is_nan() {
            return Err(function_error(
                "operand, lower bound, and upper bound cannot be NaN",
                SqlState::INVALID_ARGUMENT_FOR_WIDTH_BUCKET_FUNCTION,
            ));
        }
        if !lo.is_finite() || !hi.is_finite() {
            return Err(function_error(
                "lower and upper bounds must be finite",
                SqlState::INVALID_ARGUMENT_FOR_WIDTH_BUCKET_FUNCTION,
            ));
        }
        if lo == hi {
            return Err(function_error(
                "lower bound cannot equal upper bound",
                SqlState::INVALID_ARGUMENT_FOR_WIDTH_BUCKET_FUNCTION,
            ));
        }
        let bucket = if lo < hi {
            if x < lo {
                0
            } else if x >= hi {
                i64::from(n) + 1
            } else {
                ((x - lo) / (hi - lo) * f64::from(n)).floor() as i64 + 1
            }
        } else if x > lo {
            0
        } else if x <= hi {
            i64::from(n) + 1
        } else {
            ((lo - x) / (lo - hi) * f64::from(n)).floor() as i64 + 1
        };
        let bucket = i32::try_from(bucket.min(i64::from(n) + 1)).map_err(|_| {
            function_error("integer out of range", SqlState::NUMERIC_VALUE_OUT_OF_RANGE)
        })?;
        out.push(Some(bucket));
    }
    Ok(Int32Array::from(out))
}
