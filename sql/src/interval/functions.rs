//! `age` and `make_interval`, PostgreSQL's ways of making an interval from timestamps and
//! from parts.
//!
//! `age(a, b)` is PostgreSQL's "symbolic" difference: field by field (years, months, days,
//! then the clock), borrowing from the next larger field where one goes negative, a month
//! borrowed counting the days of the month it is borrowed from. So `age('2025-03-01',
//! '2025-01-31')` is `1 mon 1 day`, where `a - b` is `29 days`. `age(b)` is
//! `age(current_date, b)`; the front end adds the `current_date` ([`AGE`] of two arguments is
//! the function). `make_interval(years, months, weeks, days, hours, mins, secs)` takes its
//! parts by position or by name (`make_interval(days => 10)`); the front end turns names into
//! positions ([`make_interval_arguments`]).

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, IntervalMonthDayNanoArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Float64Type, Int64Type, IntervalMonthDayNano, IntervalUnit, TimeUnit,
};
use datafusion::common::{DataFusionError, Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::SqlState;
use crate::calendar::{civil_from_days, days_in_month};
use crate::error::function_error;

/// The name of `age`.
pub(crate) const AGE: &str = "age";
/// What both functions return.
const INTERVAL: DataType = DataType::Interval(IntervalUnit::MonthDayNano);
/// `make_interval`'s parameters, in order.
pub(crate) const MAKE_INTERVAL_PARAMETERS: [&str; 7] =
    ["years", "months", "weeks", "days", "hours", "mins", "secs"];

/// `age` and `make_interval`, for registering in a session.
pub(crate) fn functions() -> [ScalarUDF; 2] {
    [
        ScalarUDF::new_from_impl(Age {
            signature: Signature::user_defined(Volatility::Immutable),
        }),
        ScalarUDF::new_from_impl(MakeInterval {
            signature: Signature::user_defined(Volatility::Immutable),
        }),
    ]
}

pub(super) fn out_of_range() -> DataFusionError {
    function_error("interval out of range", SqlState::DATETIME_FIELD_OVERFLOW)
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Age {
    signature: Signature,
}

impl ScalarUDFImpl for Age {
    fn name(&self) -> &str {
        AGE
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != 2 {
            return plan_err!("age takes one or two timestamps");
        }
        arg_types
            .iter()
            .map(|t| match t {
                DataType::Timestamp(_, tz) => {
                    Ok(DataType::Timestamp(TimeUnit::Microsecond, tz.clone()))
                }
                DataType::Date32 | DataType::Date64 | DataType::Null | DataType::Utf8 => {
                    Ok(DataType::Timestamp(TimeUnit::Microsecond, None))
                }
                other => Err(function_error(
                    format!("function age({other}) does not exist: age takes timestamps"),
                    SqlState::UNDEFINED_FUNCTION,
                )),
            })
            .collect()
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(INTERVAL)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = crate::udf::all_scalar(&args.args);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let micros = |i: usize| {
            cast(
                &arrays[i],
                &DataType::Timestamp(TimeUnit::Microsecond, None),
            )
        };
        let (a, b) = (micros(0)?, micros(1)?);
        let (a, b) = (
            a.as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>(),
            b.as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>(),
        );
        let out: IntervalMonthDayNanoArray = (0..a.len())
            .map(|row| {
                if a.is_null(row) || b.is_null(row) {
                    return Ok(None);
                }
                age(a.value(row), b.value(row)).map(Some)
            })
            .collect::<Result<_>>()?;
        crate::udf::columnar(Arc::new(out), scalar)
    }
}

/// A timestamp's fields: year, month, day, hour, minute, second, microsecond.
fn fields(micros: i64) -> [i64; 7] {
    const DAY: i64 = 86_400_000_000;
    let (y, m, d) = civil_from_days(micros.div_euclid(DAY));
    let clock = micros.rem_euclid(DAY);
    let seconds = clock / 1_000_000;
    [
        y,
        m,
        d,
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        clock % 1_000_000,
    ]
}

/// Makes `low` non-negative by borrowing units of `base` from `high`.
fn borrow(low: &mut i64, high: &mut i64, base: i64) {
    while *low < 0 {
        *low += base;
        *high -= 1;
    }
}

/// PostgreSQL's `age(a, b)` of two timestamps in microseconds; see the module documentation.
fn age(a: i64, b: i64) -> Result<IntervalMonthDayNano> {
    let (f1, f2) = (fields(a), fields(b));
    // Worked with a >= b, the sign put back at the end.
    let sign = if a < b { -1 } else { 1 };
    let [
        mut year,
        mut mon,
        mut mday,
        mut hour,
        mut min,
        mut sec,
        mut usec,
    ]: [i64; 7] = std::array::from_fn(|i| (f1[i] - f2[i]) * sign);
    borrow(&mut usec, &mut sec, 1_000_000);
    borrow(&mut sec, &mut min, 60);
    borrow(&mut min, &mut hour, 60);
    borrow(&mut hour, &mut mday, 24);
    // A month borrowed has the days of the earlier timestamp's month.
    let (from_year, from_month) = if a < b {
        (f1[0], f1[1])
    } else {
        (f2[0], f2[1])
    };
    borrow(&mut mday, &mut mon, days_in_month(from_year, from_month));
    borrow(&mut mon, &mut year, 12);
    let months = i32::try_from(sign * (year * 12 + mon)).map_err(|_| out_of_range())?;
    let days = i32::try_from(sign * mday).map_err(|_| out_of_range())?;
    let nanos = sign * ((((hour * 60 + min) * 60 + sec) * 1_000_000 + usec) * 1_000);
    Ok(IntervalMonthDayNano::new(months, days, nanos))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct MakeInterval {
    signature: Signature,
}

impl ScalarUDFImpl for MakeInterval {
    fn name(&self) -> &str {
        "make_interval"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() > MAKE_INTERVAL_PARAMETERS.len() {
            return plan_err!("make_interval takes at most 7 arguments");
        }
        Ok((0..arg_types.len())
            .map(|i| {
                if i == 6 {
                    DataType::Float64
                } else {
                    DataType::Int64
                }
            })
            .collect())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(INTERVAL)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = crate::udf::all_scalar(&args.args);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let rows = args.number_rows;
        let part = |i: usize, row: usize| -> Option<i64> {
            match arrays.get(i) {
                None => Some(0),
                Some(a) if a.is_null(row) => None,
                Some(a) => Some(a.as_primitive::<Int64Type>().value(row)),
            }
        };
        let out: IntervalMonthDayNanoArray = (0..rows)
            .map(|row| {
                let parts: Option<Vec<i64>> = (0..6).map(|i| part(i, row)).collect();
                let secs = match arrays.get(6) {
                    None => Some(0.0),
                    Some(a) if a.is_null(row) => None,
                    Some(a) => Some(a.as_primitive::<Float64Type>().value(row)),
                };
                let (Some(p), Some(secs)) = (parts, secs) else {
                    return Ok(None);
                };
                let months = p[0].checked_mul(12).and_then(|m| m.checked_add(p[1]));
                let days = p[2].checked_mul(7).and_then(|d| d.checked_add(p[3]));
                // Seconds at PostgreSQL's precision, the microsecond.
                let micros = (secs * 1e6).round();
                let nanos = p[4]
                    .checked_mul(3_600)
                    .and_then(|h| p[5].checked_mul(60).and_then(|m| h.checked_add(m)))
                    .and_then(|s| s.checked_mul(1_000_000))
                    .filter(|_| micros.is_finite() && micros.abs() < 9.2e15)
                    .and_then(|us| us.checked_add(micros as i64))
                    .and_then(|us| us.checked_mul(1_000));
                match (
                    months.and_then(|m| i32::try_from(m).ok()),
                    days.and_then(|d| i32::try_from(d).ok()),
                    nanos,
                ) {
                    (Some(m), Some(d), Some(n)) => Ok(Some(IntervalMonthDayNano::new(m, d, n))),
                    _ => Err(out_of_range()),
                }
            })
            .collect::<Result<_>>()?;
        crate::udf::columnar(Arc::new(out), scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i64, m: i64, d: i64, h: i64) -> i64 {
        let days = crate::calendar::days_from_civil(y, m, d);
        (days * 24 + h) * 3_600_000_000
    }

    #[test]
    fn age_borrows_months_and_days_as_postgres_does() {
        let age = |a, b| {
            let v = age(a, b).expect("in range");
            (v.months, v.days, v.nanoseconds / 3_600_000_000_000)
        };
        assert_eq!(age(at(2025, 3, 1, 0), at(2025, 1, 31, 0)), (1, 1, 0));
        assert_eq!(age(at(2025, 1, 31, 0), at(2025, 3, 1, 0)), (-1, -1, 0));
        assert_eq!(age(at(2025, 1, 1, 0), at(2024, 12, 31, 23)), (0, 0, 1));
        assert_eq!(
            age(at(2026, 12, 3, 0), at(1990, 6, 15, 12)),
            (36 * 12 + 5, 17, 12)
        );
    }
}
