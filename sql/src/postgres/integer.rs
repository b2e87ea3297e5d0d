//! `gcd` and `lcm` of `integer`s are `integer`s, as in PostgreSQL.
//!
//! DataFusion computes both in `bigint` whatever their arguments, so
//! `gcd((-2147483648)::int4, 0)` answers 2147483648, a value no `integer` holds. PostgreSQL
//! has `gcd(integer, integer) → integer` and refuses that call with 22003 ("integer out of
//! range"). These wrappers keep DataFusion's arithmetic (in `bigint`) and narrow the result
//! back to `integer` when both arguments are `smallint` or `integer`, refusing what does not
//! fit.

use std::sync::Arc;

use datafusion::arrow::array::{AsArray, Int32Array};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type};
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
};

use crate::SqlState;
use crate::error::function_error;

/// `gcd` and `lcm`, replacing DataFusion's.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    use datafusion::functions::math;
    [math::gcd(), math::lcm()]
        .into_iter()
        .map(|inner| ScalarUDF::new_from_impl(IntegerResult { inner }))
        .collect()
}

/// DataFusion's `inner`, typed `integer` for `integer` arguments.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IntegerResult {
    inner: Arc<ScalarUDF>,
}

fn narrow(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16
    )
}

impl ScalarUDFImpl for IntegerResult {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if !arg_types.is_empty() && arg_types.iter().all(narrow) {
            return Ok(vec![DataType::Int32; arg_types.len()]);
        }
        self.inner.coerce_types(arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        if arg_types.first() == Some(&DataType::Int32) {
            return Ok(DataType::Int32);
        }
        self.inner.return_type(arg_types)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if args.return_field.data_type() != &DataType::Int32 {
            // On integers, the only way DataFusion's gcd and lcm fail is a result past
            // bigint's range (`gcd(-9223372036854775808, 0)`).
            return self
                .inner
                .invoke_with_args(args)
                .map_err(|_| out_of_range("bigint out of range"));
        }
        let scalar = super::all_scalar(&args.args);
        for (arg, field) in args.args.iter_mut().zip(args.arg_fields.iter_mut()) {
            *arg = arg.cast_to(&DataType::Int64, None)?;
            *field = Arc::new(field.as_ref().clone().with_data_type(DataType::Int64));
        }
        args.return_field = Arc::new(Field::new(self.name(), DataType::Int64, true));
        let rows = args.number_rows;
        let wide = self.inner.invoke_with_args(args)?.to_array(rows)?;
        let wide = wide.as_primitive::<Int64Type>();
        let narrowed = wide
            .iter()
            .map(|v| v.map(i32::try_from).transpose())
            .collect::<std::result::Result<Int32Array, _>>()
            .map_err(|_| out_of_range("integer out of range"))?;
        super::columnar(Arc::new(narrowed), scalar)
    }
}

fn out_of_range(message: &str) -> DataFusionError {
    function_error(message, SqlState::NUMERIC_VALUE_OUT_OF_RANGE)
}
