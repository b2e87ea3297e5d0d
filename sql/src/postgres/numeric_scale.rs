//! `scale`, `min_scale` and `trim_scale` of a `numeric`, as PostgreSQL has them.
//!
//! `scale(x)` is the number of decimal digits `x` is shown with, `min_scale(x)` the fewest
//! that show it exactly (`min_scale(1.500)` is 1), and `trim_scale(x)` is `x` shown with
//! those (`1.5`). An Arrow decimal has one scale per column, so `trim_scale` gives
//! PostgreSQL's value and type for a constant and refuses a column (0A000): it could only
//! return the column's scale again, which is not what was asked for.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Decimal128Array, Int32Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::SqlState;
use crate::error::function_error;

/// `scale`, `min_scale` and `trim_scale`.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    [Kind::Scale, Kind::MinScale, Kind::TrimScale]
        .into_iter()
        .map(|kind| {
            ScalarUDF::new_from_impl(NumericScale {
                kind,
                signature: Signature::user_defined(Volatility::Immutable),
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Scale,
    MinScale,
    TrimScale,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct NumericScale {
    kind: Kind,
    signature: Signature,
}

/// The fewest decimals that show `digits` × 10^-`scale` exactly.
fn min_scale(digits: i128, scale: i8) -> i8 {
    let mut scale = scale.max(0);
    let mut digits = digits;
    while scale > 0 && digits % 10 == 0 {
        digits /= 10;
        scale -= 1;
    }
    scale
}

impl ScalarUDFImpl for NumericScale {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Scale => "scale",
            Kind::MinScale => "min_scale",
            Kind::TrimScale => "trim_scale",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Decimal128(..)] => Ok(arg_types.to_vec()),
            [t] if t.is_integer() || t.is_null() => Ok(vec![DataType::Decimal128(38, 0)]),
            _ => Err(super::no_such_function(self.name(), arg_types)),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match (self.kind, arg_types) {
            (Kind::Scale | Kind::MinScale, _) => Ok(DataType::Int32),
            (Kind::TrimScale, [t]) => Ok(t.clone()),
            _ => plan_err!("trim_scale takes one argument"),
        }
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let data_type = match (self.kind, args.scalar_arguments.first().copied().flatten()) {
            (Kind::Scale | Kind::MinScale, _) => DataType::Int32,
            (Kind::TrimScale, Some(ScalarValue::Decimal128(value, p, s))) => {
                let scale = value.map_or(*s, |v| min_scale(v, *s));
                DataType::Decimal128(*p, scale)
            }
            (Kind::TrimScale, Some(ScalarValue::Null)) => DataType::Decimal128(38, 0),
            (Kind::TrimScale, _) => {
                return Err(function_error(
                    "trim_scale of a value that is not a constant is not supported: \
                              DriftDB's numeric has one scale per column",
                    SqlState::FEATURE_NOT_SUPPORTED,
                ));
            }
        };
        Ok(Arc::new(Field::new(self.name(), data_type, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (arrays, _, scalar) = super::argument_arrays(&args)?;
        let [values] = arrays.as_slice() else {
            return plan_err!("{} takes one argument", self.name());
        };
        let scale = match values.data_type() {
            DataType::Decimal128(_, s) => *s,
            _ => return plan_err!("{} takes a numeric", self.name()),
        };
        let decimals = values.as_primitive::<Decimal128Type>();
        let out: ArrayRef = match self.kind {
            Kind::Scale => Arc::new(
                decimals
                    .iter()
                    .map(|v| v.map(|_| i32::from(scale.max(0))))
                    .collect::<Int32Array>(),
            ),
            Kind::MinScale => Arc::new(
                decimals
                    .iter()
                    .map(|v| v.map(|v| i32::from(min_scale(v, scale))))
                    .collect::<Int32Array>(),
            ),
            Kind::TrimScale => {
                let target = args.return_field.data_type();
                let exact: Decimal128Array = decimals.clone();
                cast(&(Arc::new(exact) as ArrayRef), target)?
            }
        };
        super::columnar(out, scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::min_scale;

    #[test]
    fn the_fewest_decimals_that_show_a_value() {
        assert_eq!(min_scale(150, 2), 1);
        assert_eq!(min_scale(1000, 3), 0);
        assert_eq!(min_scale(123_000, 7), 4);
        assert_eq!(min_scale(0, 3), 0);
        assert_eq!(min_scale(5, 0), 0);
    }
}
