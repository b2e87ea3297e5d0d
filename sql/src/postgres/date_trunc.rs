//! `date_trunc(unit, date)` as PostgreSQL types it: its only `date_trunc` over a calendar
//! value takes a `timestamptz`, so a date is cast to the `timestamptz` of its midnight (in
//! the session's zone, UTC) and the result is a `timestamptz`. DataFusion's casts the date
//! to a `timestamp`. This is DataFusion's function with that one coercion changed, so the
//! type is right from the start (a prepared statement is described with it).
//!
//! `date_trunc(unit, interval)`, which DataFusion lacks, is PostgreSQL's: the interval's
//! fields below the unit are zeroed, the interval read as years, months (0 to 11), days,
//! hours (any number), minutes, seconds and microseconds (`date_trunc('hour', interval '1
//! day 3 hours 25 minutes')` is `1 day 03:00:00`); `week` is refused, as there.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, IntervalMonthDayNanoArray};
use datafusion::arrow::datatypes::{DataType, Field, IntervalMonthDayNano, IntervalUnit, TimeUnit};
use datafusion::common::{DataFusionError, Result, plan_err};
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::SqlState;
use crate::error::function_error;

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
            [_, interval @ DataType::Interval(IntervalUnit::MonthDayNano)] => {
                Ok(vec![DataType::Utf8, interval.clone()])
            }
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
                        Err(function_error(
                            format!("function date_trunc({}) does not exist", types.join(", ")),
                            SqlState::UNDEFINED_FUNCTION,
                        ))
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
        match args.arg_fields {
            [_, interval] if matches!(interval.data_type(), DataType::Interval(_)) => Ok(Arc::new(
                Field::new(self.name(), interval.data_type().clone(), true),
            )),
            _ => self.inner.return_field_from_args(args),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match args.args.as_slice() {
            [_, interval] if matches!(interval.data_type(), DataType::Interval(_)) => {
                truncate_intervals(&args)
            }
            _ => self.inner.invoke_with_args(args),
        }
    }
}

/// `date_trunc(unit, interval)` row by row.
fn truncate_intervals(args: &ScalarFunctionArgs) -> Result<ColumnarValue> {
    let (arrays, rows, scalar) = super::argument_arrays(args)?;
    let (Some(units), Some(intervals)) = (
        arrays.first().and_then(|a| a.as_string_opt::<i32>()),
        arrays.get(1).and_then(|a| {
            a.as_primitive_opt::<datafusion::arrow::datatypes::IntervalMonthDayNanoType>()
        }),
    ) else {
        return plan_err!("date_trunc takes a unit and an interval");
    };
    let out: IntervalMonthDayNanoArray = (0..rows)
        .map(|row| {
            if units.is_null(row) || intervals.is_null(row) {
                return Ok(None);
            }
            truncate_interval(units.value(row), intervals.value(row)).map(Some)
        })
        .collect::<Result<_>>()?;
    super::columnar(Arc::new(out), scalar)
}

/// One interval cut to `unit`; see the module documentation.
fn truncate_interval(unit: &str, interval: IntervalMonthDayNano) -> Result<IntervalMonthDayNano> {
    const MICROS_PER_SECOND: i64 = 1_000_000;
    const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
    const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;
    let refuse = |message: String| function_error(message, SqlState::FEATURE_NOT_SUPPORTED);
    let micros = interval.nanoseconds / 1_000;
    let cut = |step: i64| micros / step * step;
    let (years, months) = (interval.months / 12, interval.months % 12);
    let whole_years = |step: i32| IntervalMonthDayNano::new(years / step * step * 12, 0, 0);
    let fields = |months: i32, days: i32, micros: i64| {
        IntervalMonthDayNano::new(months, days, micros * 1_000)
    };
    Ok(match unit.to_lowercase().as_str() {
        "millennium" | "millennia" => whole_years(1000),
        "century" | "centuries" => whole_years(100),
        "decade" | "decades" => whole_years(10),
        "year" | "years" => whole_years(1),
        "quarter" => fields(years * 12 + months / 3 * 3, 0, 0),
        "month" | "months" => fields(interval.months, 0, 0),
        "day" | "days" => fields(interval.months, interval.days, 0),
        "hour" | "hours" => fields(interval.months, interval.days, cut(MICROS_PER_HOUR)),
        "minute" | "minutes" => fields(interval.months, interval.days, cut(MICROS_PER_MINUTE)),
        "second" | "seconds" => fields(interval.months, interval.days, cut(MICROS_PER_SECOND)),
        "milliseconds" | "millisecond" => fields(interval.months, interval.days, cut(1_000)),
        "microseconds" | "microsecond" => fields(interval.months, interval.days, micros),
        "week" | "weeks" => {
            return Err(refuse(format!(
                "unit \"{unit}\" not supported for type interval"
            )));
        }
        _ => {
            return Err(DataFusionError::External(Box::new(
                crate::Error::Execution {
                    message: format!("unit \"{unit}\" not recognized for type interval"),
                    sqlstate: SqlState::INVALID_PARAMETER_VALUE,
                },
            )));
        }
    })
}
