//! What the scalar functions DriftDB defines share: a scalar result for scalar arguments,
//! and the name an operator's function shows under. It imports nothing of the crate, so
//! every module that defines functions (`postgres`, `json`, `network`, `interval`) can use it.

use datafusion::arrow::array::ArrayRef;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, Expr};

/// Whether every argument is a scalar (then so is the result: [`columnar`]).
pub(crate) fn all_scalar(args: &[ColumnarValue]) -> bool {
    args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)))
}

/// A function's result: a scalar if every argument was one ([`all_scalar`]), else the array.
pub(crate) fn columnar(result: ArrayRef, scalar: bool) -> Result<ColumnarValue> {
    Ok(if scalar && result.len() == 1 {
        ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?)
    } else {
        ColumnarValue::Array(result)
    })
}

/// How a function that stands for an operator shows in plans and column names: `l op r`.
pub(crate) fn infix(name: &str, op: &str, args: &[Expr]) -> Result<String> {
    match args {
        [l, r] => Ok(format!("{l} {op} {r}")),
        _ => datafusion::common::plan_err!("{name} takes two arguments"),
    }
}
