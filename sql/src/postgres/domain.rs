//! Math functions that refuse arguments outside their domain, as PostgreSQL's do.
//!
//! DataFusion's `ln(0)` is `-Infinity`, `ln(-1)` and `sqrt(-1)` are `NaN`,
//! `power(-12.34, 1.2)` is `NaN`, `log(1, 8)` and `exp(1000)` are `Infinity`: values no
//! PostgreSQL user expects to find stored or summed without a word. PostgreSQL refuses each
//! with an error (SQLSTATE 2201E for logarithms, 2201F for powers and roots, 22012 for a
//! logarithm to base 1, 22003 for an overflow), and so do these wrappers: each checks its arguments, then
//! hands them to DataFusion's function of the same name, which it replaces in the session.
//! Arguments are checked as `float8`, the type DataFusion computes these functions in.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::Field;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};

use super::numeric_math::{self, Function};
use crate::SqlState;
use crate::error::Error;

/// `ln`, `log`, `log10`, `log2`, `sqrt`, `power` (and `pow`, `^`) and `exp`, refusing what
/// PostgreSQL refuses.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    use datafusion::functions::math;
    vec![
        checked(math::ln(), Domain::Logarithm),
        checked(math::log(), Domain::Logarithm),
        checked(math::log10(), Domain::Logarithm),
        checked(math::log2(), Domain::Logarithm),
        checked(math::sqrt(), Domain::SquareRoot),
        checked(math::power(), Domain::Power),
        checked(math::exp(), Domain::Exponential),
    ]
}

/// What a function's arguments must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Domain {
    /// Every argument (the value, and a base if given) is positive.
    Logarithm,
    /// The argument is not negative.
    SquareRoot,
    /// `power(x, y)`: not zero to a negative power, not a negative number to a fractional
    /// one.
    Power,
    /// `exp(x)`: not so large that the result overflows a float8.
    Exponential,
}

/// The largest `x` whose `exp(x)` is a finite float8.
const EXP_LIMIT: f64 = 709.782_712_893_384;

impl Domain {
    /// The error for one row's arguments, if they are outside the domain. NULLs pass (the
    /// result is NULL).
    fn check(self, args: &[Option<f64>]) -> Option<Error> {
        let refuse = |sqlstate: SqlState, message: &str| {
            Some(Error::Execution {
                message: message.to_string(),
                sqlstate,
            })
        };
        match self {
            Domain::Logarithm => {
                for x in args.iter().flatten() {
                    if *x == 0.0 {
                        return refuse(
                            SqlState::INVALID_ARGUMENT_FOR_LOGARITHM,
                            "cannot take logarithm of zero",
                        );
                    }
                    if *x < 0.0 {
                        return refuse(
                            SqlState::INVALID_ARGUMENT_FOR_LOGARITHM,
                            "cannot take logarithm of a negative number",
                        );
                    }
                }
                // `log(b, x)` divides by `ln(b)`.
                match args {
                    [Some(base), Some(_)] if *base == 1.0 => {
                        refuse(SqlState::DIVISION_BY_ZERO, "division by zero")
                    }
                    _ => None,
                }
            }
            Domain::Exponential => match args.first().copied().flatten() {
                Some(x) if x > EXP_LIMIT => refuse(
                    SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                    "value out of range: overflow",
                ),
                _ => None,
            },
            Domain::SquareRoot => match args.first().copied().flatten() {
                Some(x) if x < 0.0 => refuse(
                    SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "cannot take square root of a negative number",
                ),
                _ => None,
            },
            Domain::Power => match args {
                [Some(x), Some(y)] if *x == 0.0 && *y < 0.0 => refuse(
                    SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "zero raised to a negative power is undefined",
                ),
                [Some(x), Some(y)] if *x < 0.0 && y.fract() != 0.0 => refuse(
                    SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "a negative number raised to a non-integer power yields a complex result",
                ),
                _ => None,
            },
        }
    }
}

fn checked(inner: Arc<ScalarUDF>, domain: Domain) -> ScalarUDF {
    let exact = Function::of(inner.name());
    ScalarUDF::new_from_impl(DomainChecked {
        inner,
        domain,
        exact,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// DataFusion's function `inner`, after a check of its arguments; with `numeric`
/// arguments, the exact form ([`super::numeric_math`]) where there is one.
#[derive(Debug, PartialEq, Eq, Hash)]
struct DomainChecked {
    inner: Arc<ScalarUDF>,
    domain: Domain,
    exact: Option<Function>,
    /// Coerced here: `numeric` arguments stay `numeric` for the exact form, others are
    /// coerced as `inner` coerces them.
    signature: Signature,
}

impl DomainChecked {
    /// The exact form, if it takes arguments of `types`.
    fn exact_for(&self, types: &[DataType]) -> Option<Function> {
        self.exact.filter(|f| f.takes(types))
    }
}

impl ScalarUDFImpl for DomainChecked {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match self.exact_for(arg_types) {
            Some(function) => Ok(function.result_type(arg_types, &[])),
            None => self.inner.return_type(arg_types),
        }
    }

    fn return_field_from_args(
        &self,
        args: ReturnFieldArgs,
    ) -> Result<datafusion::arrow::datatypes::FieldRef> {
        let types: Vec<DataType> = args
            .arg_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        match self.exact_for(&types) {
            Some(function) => Ok(Arc::new(Field::new(
                self.name(),
                function.result_type(&types, args.scalar_arguments),
                true,
            ))),
            None => self.inner.return_field_from_args(args),
        }
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if self.exact_for(arg_types).is_some() {
            return Ok(arg_types.to_vec());
        }
        let fields: Vec<datafusion::arrow::datatypes::FieldRef> = arg_types
            .iter()
            .map(|t| Arc::new(Field::new("argument", t.clone(), true)))
            .collect();
        Ok(fields_with_udf(&fields, self.inner.as_ref())?
            .iter()
            .map(|f| f.data_type().clone())
            .collect())
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        // Each argument as float8, one value per row (a scalar stands for every row).
        let rows = args.number_rows;
        let mut columns = Vec::with_capacity(args.args.len());
        for arg in &args.args {
            let array = match arg {
                ColumnarValue::Array(a) => Arc::clone(a),
                ColumnarValue::Scalar(s) => s.to_array_of_size(1)?,
            };
            columns.push((
                cast(&array, &DataType::Float64)?,
                matches!(arg, ColumnarValue::Scalar(_)),
            ));
        }
        // Scalars alone are one row to check; an empty batch has none.
        let rows = if columns.iter().all(|(_, scalar)| *scalar) {
            1
        } else {
            rows
        };
        let mut values = Vec::with_capacity(columns.len());
        for row in 0..rows {
            values.clear();
            for (column, scalar) in &columns {
                let i = if *scalar { 0 } else { row };
                let floats = column.as_primitive::<Float64Type>();
                values.push((!floats.is_null(i)).then(|| floats.value(i)));
            }
            if let Some(error) = self.domain.check(&values) {
                return Err(DataFusionError::External(Box::new(error)));
            }
        }
        let types: Vec<DataType> = args
            .arg_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        if let (Some(function), DataType::Decimal128(_, scale)) =
            (self.exact_for(&types), args.return_field.data_type())
        {
            let (arrays, _, scalar) = super::argument_arrays(&args)?;
            return super::columnar(numeric_math::evaluate(function, &arrays, *scale)?, scalar);
        }
        self.inner.invoke_with_args(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlstate(domain: Domain, args: &[Option<f64>]) -> Option<&'static str> {
        domain.check(args).map(|e| e.sqlstate())
    }

    #[test]
    fn arguments_outside_the_domain_are_refused_as_postgresql_refuses_them() {
        assert_eq!(sqlstate(Domain::Logarithm, &[Some(0.0)]), Some("2201E"));
        assert_eq!(sqlstate(Domain::Logarithm, &[Some(-1.0)]), Some("2201E"));
        assert_eq!(
            sqlstate(Domain::Logarithm, &[Some(2.0), Some(-8.0)]),
            Some("2201E")
        );
        assert_eq!(sqlstate(Domain::Logarithm, &[Some(2.0), Some(8.0)]), None);
        assert_eq!(sqlstate(Domain::Logarithm, &[None]), None);
        assert_eq!(sqlstate(Domain::SquareRoot, &[Some(-0.5)]), Some("2201F"));
        assert_eq!(sqlstate(Domain::SquareRoot, &[Some(0.0)]), None);
        assert_eq!(
            sqlstate(Domain::Power, &[Some(-12.34), Some(1.2)]),
            Some("2201F")
        );
        assert_eq!(sqlstate(Domain::Power, &[Some(-2.0), Some(3.0)]), None);
        assert_eq!(
            sqlstate(Domain::Power, &[Some(0.0), Some(-1.0)]),
            Some("2201F")
        );
        assert_eq!(sqlstate(Domain::Power, &[Some(0.0), Some(0.0)]), None);
        assert_eq!(sqlstate(Domain::Power, &[None, Some(0.5)]), None);
        assert_eq!(
            sqlstate(Domain::Logarithm, &[Some(1.0), Some(8.0)]),
            Some("22012")
        );
        assert_eq!(sqlstate(Domain::Exponential, &[Some(710.0)]), Some("22003"));
        assert_eq!(sqlstate(Domain::Exponential, &[Some(709.0)]), None);
    }

    fn invoke(values: Vec<f64>) -> Result<ColumnarValue> {
        use datafusion::arrow::array::Float64Array;
        use datafusion::arrow::datatypes::Field;
        let rows = values.len();
        let ln = checked(datafusion::functions::math::ln(), Domain::Logarithm);
        ln.invoke_with_args(ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(Arc::new(Float64Array::from(values)))],
            arg_fields: vec![Arc::new(Field::new("x", DataType::Float64, true))],
            number_rows: rows,
            return_field: Arc::new(Field::new("ln", DataType::Float64, true)),
            config_options: Arc::default(),
        })
    }

    #[test]
    fn batches_are_checked_row_by_row_and_may_be_empty() {
        assert!(
            invoke(vec![]).is_ok(),
            "an empty batch has nothing to refuse"
        );
        assert!(invoke(vec![1.0, 2.0]).is_ok());
        assert!(invoke(vec![1.0, 0.0]).is_err(), "the second row is ln(0)");
    }
}
