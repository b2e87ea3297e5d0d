//! `make_timestamp(year, month, day, hour, min, sec)`, `make_timestamptz(...)` (the same
//! wall-clock reading in the session's zone, UTC), `make_date(year, month, day)` and
//! `make_time(hour, min, sec)`, with
//! PostgreSQL's fractional seconds (rounded to the microsecond, so `59.9999999` carries
//! into the next minute) and its checks: a date that does not exist is 22008 "date field
//! value out of range", a time past 24:00:00 or with a field out of its range 22008 "time
//! field value out of range". DataFusion had no `make_timestamp`, its `make_time` took
//! whole seconds only and its `make_date` failed with an internal error.

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, Time64NanosecondBuilder,
    TimestampNanosecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{DataFusionError, Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::SqlState;
use crate::error::function_error;

/// `make_timestamp`, `make_timestamptz`, `make_date` and `make_time`, for registering in a
/// session.
pub(crate) fn functions() -> [ScalarUDF; 4] {
    [Made::Timestamp, Made::TimestampTz, Made::Date, Made::Time].map(|made| {
        ScalarUDF::new_from_impl(Make {
            made,
            signature: Signature::user_defined(Volatility::Immutable),
        })
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Made {
    Timestamp,
    TimestampTz,
    Date,
    Time,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Make {
    made: Made,
    signature: Signature,
}

fn out_of_range(message: String) -> DataFusionError {
    function_error(message, SqlState::DATETIME_FIELD_OVERFLOW)
}

/// Microseconds since midnight of `hour:min:sec`, as PostgreSQL checks and rounds them.
fn time_of_day(hour: i64, min: i64, sec: f64) -> Result<i64> {
    let micros = (((hour * 60) + min) * 60) as f64 * 1e6 + (sec * 1e6).round();
    let valid = (0..=24).contains(&hour)
        && (0..=59).contains(&min)
        && sec.is_finite()
        && (0.0..=60.0).contains(&sec)
        && micros <= 86_400e6;
    if !valid {
        let sec = if sec.fract() == 0.0 {
            format!("{:02}", sec as i64)
        } else {
            format!("{sec}")
        };
        return Err(out_of_range(format!(
            "time field value out of range: {hour:02}:{min:02}:{sec}"
        )));
    }
    Ok(micros as i64)
}

/// Days since 1970-01-01 of `year-month-day` (a negative year is BC: -1 is 1 BC).
fn date(year: i64, month: i64, day: i64) -> Result<i64> {
    let refused = || {
        out_of_range(format!(
            "date field value out of range: {year}-{month:02}-{day:02}"
        ))
    };
    if year == 0 {
        return Err(refused());
    }
    let astronomical = if year < 0 { year + 1 } else { year };
    let date = i32::try_from(astronomical)
        .ok()
        .zip(u32::try_from(month).ok())
        .zip(u32::try_from(day).ok())
        .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or_else(refused)?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).ok_or_else(refused)?;
    Ok((date - epoch).num_days())
}

impl ScalarUDFImpl for Make {
    fn name(&self) -> &str {
        match self.made {
            Made::Timestamp => "make_timestamp",
            Made::TimestampTz => "make_timestamptz",
            Made::Date => "make_date",
            Made::Time => "make_time",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    /// Integer fields, then (but for `make_date`) the seconds as a float.
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let (fields, seconds) = match self.made {
            Made::Time => (2, 1),
            Made::Date => (3, 0),
            Made::Timestamp | Made::TimestampTz => (5, 1),
        };
        if arg_types.len() != fields + seconds {
            return plan_err!(
                "function {}({}) does not exist",
                self.name(),
                arg_types
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for t in arg_types {
            if !(t.is_numeric() || t.is_null()) {
                return Err(function_error(
                    format!("function {}(... {t} ...) does not exist", self.name()),
                    SqlState::UNDEFINED_FUNCTION,
                ));
            }
        }
        let mut types = vec![DataType::Int64; fields];
        types.extend(vec![DataType::Float64; seconds]);
        Ok(types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.made {
            Made::Timestamp => DataType::Timestamp(TimeUnit::Nanosecond, None),
            Made::TimestampTz => {
                DataType::Timestamp(TimeUnit::Nanosecond, Some(crate::arrow::UTC.into()))
            }
            Made::Date => DataType::Date32,
            Made::Time => DataType::Time64(TimeUnit::Nanosecond),
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = crate::udf::all_scalar(&args.args);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let as_int = |a: &ArrayRef| cast(a, &DataType::Int64);
        let (seconds, fields) = match self.made {
            Made::Date => (None, &arrays[..]),
            _ => match arrays.split_last() {
                Some((seconds, fields)) => (Some(cast(seconds, &DataType::Float64)?), fields),
                None => return plan_err!("{} takes its fields", self.name()),
            },
        };
        let seconds: Option<&Float64Array> = seconds.as_ref().map(|s| s.as_primitive());
        let fields = fields.iter().map(as_int).collect::<Result<Vec<_>, _>>()?;
        let fields: Vec<&Int64Array> = fields.iter().map(|a| a.as_primitive()).collect();
        let rows = args.number_rows;
        let row_fields = |row: usize| -> Option<(Vec<i64>, f64)> {
            let values = fields
                .iter()
                .map(|f| (!f.is_null(row)).then(|| f.value(row)))
                .collect::<Option<Vec<_>>>()?;
            match seconds {
                Some(s) if s.is_null(row) => None,
                Some(s) => Some((values, s.value(row))),
                None => Some((values, 0.0)),
            }
        };
        let out: ArrayRef = match self.made {
            Made::Date => {
                let mut out = datafusion::arrow::array::Date32Builder::with_capacity(rows);
                for row in 0..rows {
                    match row_fields(row) {
                        Some((f, _)) => {
                            let days = date(f[0], f[1], f[2])?;
                            let days = i32::try_from(days)
                                .map_err(|_| out_of_range("date out of range".to_string()))?;
                            out.append_value(days);
                        }
                        None => out.append_null(),
                    }
                }
                Arc::new(out.finish())
            }
            Made::Time => {
                let mut out = Time64NanosecondBuilder::with_capacity(rows);
                for row in 0..rows {
                    match row_fields(row) {
                        Some((f, sec)) => out.append_value(time_of_day(f[0], f[1], sec)? * 1000),
                        None => out.append_null(),
                    }
                }
                Arc::new(out.finish())
            }
            Made::Timestamp | Made::TimestampTz => {
                let mut out = TimestampNanosecondBuilder::with_capacity(rows);
                for row in 0..rows {
                    let Some((f, sec)) = row_fields(row) else {
                        out.append_null();
                        continue;
                    };
                    let days = date(f[0], f[1], f[2])?;
                    let micros = time_of_day(f[3], f[4], sec)?;
                    let nanos = days
                        .checked_mul(86_400_000_000)
                        .and_then(|d| d.checked_add(micros))
                        .and_then(|m| m.checked_mul(1000))
                        .ok_or_else(|| out_of_range("timestamp out of range".to_string()))?;
                    out.append_value(nanos);
                }
                let out = out.finish();
                if self.made == Made::TimestampTz {
                    Arc::new(out.with_timezone(crate::arrow::UTC))
                } else {
                    Arc::new(out)
                }
            }
        };
        crate::udf::columnar(out, scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::{date, time_of_day};

    #[test]
    fn fields_are_checked_and_seconds_rounded_as_in_postgresql() {
        assert_eq!(time_of_day(10, 11, 12.5).ok(), Some(36_672_500_000));
        assert_eq!(time_of_day(10, 11, 59.9999999).ok(), Some(36_720_000_000));
        assert_eq!(time_of_day(24, 0, 0.0).ok(), Some(86_400_000_000));
        assert!(time_of_day(25, 0, 0.0).is_err());
        assert!(time_of_day(24, 0, 0.5).is_err());
        assert!(time_of_day(10, 60, 0.0).is_err());
        assert!(time_of_day(10, 0, -1.0).is_err());
        assert_eq!(date(1970, 1, 2).ok(), Some(1));
        assert!(date(2024, 2, 30).is_err());
        assert!(date(0, 1, 1).is_err());
    }
}
