//! `generate_series` over dates and times, resolved as PostgreSQL resolves it.
//!
//! PostgreSQL has `generate_series(timestamp, timestamp, interval)` and the same over
//! `timestamptz`. A `date` converts to either, and `timestamptz` is its category's preferred
//! type, so `generate_series('2024-01-01'::date, '2024-01-03'::date, interval '1 day')` yields
//! `timestamptz` values; a quoted step (`'1 day'`) is read as an `interval`. DataFusion's
//! function and table function instead yield `date` (in a `SELECT` list) or `timestamp` (in
//! `FROM`) for dates, and refuse a quoted step. These wrappers type the arguments as
//! PostgreSQL would and leave the series to DataFusion:
//!
//! - a start or stop of `timestamptz` makes both `timestamptz`; else one of `timestamp`
//!   makes both `timestamp`; else (dates, quoted text) both are `timestamptz`;
//! - a quoted step is an interval, read as PostgreSQL writes one (`'01:30:00'` too).
//!
//! Series of integers are DataFusion's, and a step of zero is refused as PostgreSQL refuses it
//! (22023) for both.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::compute::{CastOptions, cast, cast_with_options};
use datafusion::arrow::datatypes::{
    DataType, Field, Int64Type, IntervalMonthDayNano, IntervalMonthDayNanoType, IntervalUnit,
    TimeUnit,
};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::SqlState;
use crate::arrow::UTC;
use crate::error::function_error;

/// DataFusion's `generate_series` list function (also called [`super::SERIES`]), typed as
/// PostgreSQL types its arguments.
pub(crate) fn series() -> ScalarUDF {
    let inner = datafusion::functions_nested::range::gen_series_udf()
        .as_ref()
        .clone()
        .with_aliases([super::SERIES]);
    ScalarUDF::new_from_impl(Series {
        inner: Arc::new(inner),
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// DataFusion's `generate_series` table function, its arguments typed as PostgreSQL types them.
pub(crate) fn series_table() -> Arc<dyn TableFunctionImpl> {
    Arc::new(SeriesTable {
        inner: datafusion::functions_table::generate_series::GenerateSeriesFunc {},
    })
}

/// The type a start and stop of these types are both converted to; `None` for a series of
/// integers (no date or time among the bounds, and a step that is not an interval or text).
fn bounds_type(start: &DataType, stop: &DataType, step: &DataType) -> Option<DataType> {
    let bounds = [start, stop];
    let zone = |t: &&DataType| match t {
        DataType::Timestamp(_, Some(zone)) => Some(zone.clone()),
        _ => None,
    };
    if let Some(zone) = bounds.iter().find_map(zone) {
        return Some(DataType::Timestamp(TimeUnit::Nanosecond, Some(zone)));
    }
    if bounds
        .iter()
        .any(|t| matches!(t, DataType::Timestamp(_, None)))
    {
        return Some(DataType::Timestamp(TimeUnit::Nanosecond, None));
    }
    let dates = bounds
        .iter()
        .any(|t| matches!(t, DataType::Date32 | DataType::Date64));
    // Quoted bounds with an interval step: `timestamptz`, the preferred type.
    let quoted = bounds.iter().all(|t| is_text(t))
        && (is_text(step) || matches!(step, DataType::Interval(_)));
    (dates || quoted).then(|| DataType::Timestamp(TimeUnit::Nanosecond, Some(UTC.into())))
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

const INTERVAL: DataType = DataType::Interval(IntervalUnit::MonthDayNano);

/// Bounds or steps written as text, as PostgreSQL reads them into `target` (a timestamp or an
/// interval): a timestamp without seconds (`2024-01-01 01:00`) and an interval's clock part
/// (`01:30:00`), which Arrow's parsers refuse, are completed first.
fn read_text(text: &ArrayRef, target: &DataType) -> Result<ArrayRef> {
    let text = cast(text, &DataType::Utf8)?;
    let normal = if matches!(target, DataType::Interval(_)) {
        crate::interval::normalize
    } else {
        crate::interval::complete_timestamp
    };
    let text = crate::interval::normalize_array(&text, normal).unwrap_or(text);
    let strict = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    Ok(cast_with_options(&text, target, &strict)?)
}

/// The types of a temporal series' start, stop and step, or `None` for a series of integers.
fn argument_types(arg_types: &[DataType]) -> Option<[DataType; 3]> {
    let [start, stop, step] = arg_types else {
        return None;
    };
    let bounds = bounds_type(start, stop, step)?;
    Some([bounds.clone(), bounds, INTERVAL])
}

/// 22023 if any step is zero, which PostgreSQL refuses.
fn refuse_zero(steps: &ArrayRef) -> Result<()> {
    let zero = if let Some(steps) = steps.as_primitive_opt::<Int64Type>() {
        steps.iter().any(|s| s == Some(0))
    } else if let Some(steps) = steps.as_primitive_opt::<IntervalMonthDayNanoType>() {
        steps.iter().any(|s| s == Some(IntervalMonthDayNano::ZERO))
    } else {
        false
    };
    if zero {
        return Err(function_error(
            "step size cannot equal zero",
            SqlState::INVALID_PARAMETER_VALUE,
        ));
    }
    Ok(())
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Series {
    inner: Arc<ScalarUDF>,
    signature: Signature,
}

impl ScalarUDFImpl for Series {
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
        if let Some(targets) = argument_types(arg_types) {
            // Text stays text until invoked, where it is read as PostgreSQL reads it.
            let typed = arg_types.iter().zip(targets);
            return Ok(typed
                .map(|(given, target)| {
                    if is_text(given) {
                        DataType::Utf8
                    } else {
                        target
                    }
                })
                .collect());
        }
        let fields: Vec<_> = arg_types
            .iter()
            .map(|t| Arc::new(Field::new("", t.clone(), true)))
            .collect();
        let coerced = fields_with_udf(&fields, self.inner.as_ref())?;
        Ok(coerced.iter().map(|f| f.data_type().clone()).collect())
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match argument_types(arg_types) {
            Some([bounds, _, _]) => self.inner.return_type(&[bounds.clone(), bounds, INTERVAL]),
            None => self.inner.return_type(arg_types),
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let types: Vec<DataType> = args.args.iter().map(ColumnarValue::data_type).collect();
        if let Some(targets) = argument_types(&types) {
            let columns = args.args.iter_mut().zip(args.arg_fields.iter_mut());
            for ((arg, field), target) in columns.zip(targets) {
                if !is_text(&arg.data_type()) {
                    continue;
                }
                let read = read_text(&arg.to_array(1)?, &target)?;
                *arg = match arg {
                    ColumnarValue::Scalar(_) => {
                        ColumnarValue::Scalar(ScalarValue::try_from_array(&read, 0)?)
                    }
                    ColumnarValue::Array(_) => ColumnarValue::Array(read),
                };
                *field = Arc::new(field.as_ref().clone().with_data_type(target));
            }
        }
        if let Some(step) = args.args.get(2) {
            refuse_zero(&step.to_array(1)?)?;
        }
        self.inner.invoke_with_args(args)
    }
}

#[derive(Debug)]
struct SeriesTable {
    inner: datafusion::functions_table::generate_series::GenerateSeriesFunc,
}

impl TableFunctionImpl for SeriesTable {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let exprs = args.exprs();
        let literal = |e: &Expr| match e {
            Expr::Literal(value, _) => Some(value.clone()),
            _ => None,
        };
        let [Some(start), Some(stop), Some(step)] =
            [0, 1, 2].map(|i| exprs.get(i).and_then(literal))
        else {
            return self.inner.call_with_args(args);
        };
        let given = [start, stop, step];
        let Some(targets) = argument_types(&given.clone().map(|v| v.data_type())) else {
            refuse_zero(&given[2].to_array()?)?;
            return self.inner.call_with_args(args);
        };
        let mut typed = Vec::with_capacity(3);
        for (value, target) in given.into_iter().zip(targets) {
            typed.push(if is_text(&value.data_type()) {
                ScalarValue::try_from_array(&read_text(&value.to_array()?, &target)?, 0)?
            } else {
                value.cast_to(&target)?
            });
        }
        refuse_zero(&typed[2].to_array()?)?;
        let typed: Vec<Expr> = typed.into_iter().map(|v| Expr::Literal(v, None)).collect();
        self.inner
            .call_with_args(TableFunctionArgs::new(&typed, args.session()))
    }
}
