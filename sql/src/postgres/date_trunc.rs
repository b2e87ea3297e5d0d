//! `date_trunc(unit, date)` as PostgreSQL types it: its only `date_trunc` over a calendar
//! value takes a `timestamptz`, so a date is cast to the `timestamptz` of its midnight (in
//! the session's zone, UTC) and the result is a `timestamptz`. DataFusion's casts the date
//! to a `timestamp`. This is DataFusion's function with that one coercion changed, so the
//! type is right from the start (a prepared statement is described with it).

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, TimeUnit};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

/// The `date_trunc` that replaces DataFusion's in a session.
pub(crate) fn date_trunc() -> ScalarUDF {
    ScalarUDF::new_from_impl(DateTrunc {
        inner: datafusion::functions::datetime::date_trunc(),
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct DateTrunc {
    inner: Arc<ScalarUDF>,
    signature: Signature,
}

impl ScalarUDFImpl for DateTrunc {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [unit, DataType::Date32 | DataType::Date64] => {
                let unit = match unit {
                    DataType::Utf8View | DataType::LargeUtf8 => unit.clone(),
                    _ => DataType::Utf8,
                };
                let zoned = Some(crate::arrow::UTC.into());
                Ok(vec![unit, DataType::Timestamp(TimeUnit::Nanosecond, zoned)])
            }
            _ => {
                let fields: Vec<_> = arg_types
                    .iter()
                    .map(|t| Arc::new(Field::new("", t.clone(), true)))
                    .collect();
                match fields_with_udf(&fields, self.inner.as_ref()) {
                    Ok(fields) => Ok(fields.iter().map(|f| f.data_type().clone()).collect()),
                    Err(_) => {
                        let types: Vec<String> = arg_types.iter().map(|t| t.to_string()).collect();
                        plan_err!("function date_trunc({}) does not exist", types.join(", "))
                    }
                }
            }
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        plan_err!("date_trunc's type comes from its arguments' fields")
    }

    fn return_field_from_args(
        &self,
        args: ReturnFieldArgs,
    ) -> Result<datafusion::arrow::datatypes::FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        self.inner.invoke_with_args(args)
    }
}
