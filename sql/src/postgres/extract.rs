//! `EXTRACT(field FROM x)` as PostgreSQL 14 and later compute it: a `numeric`, exact, whose
//! scale is the field's (`second` and `epoch` 6, `milliseconds` 3, the others 0), so
//! `EXTRACT(SECOND FROM timestamp '... 10:00:12.5')` is `12.500000`. DataFusion's
//! `date_part`, which `EXTRACT` was planned as, gave an integer and dropped the fraction of
//! seconds (`12`), of intervals' seconds too. The front end writes `EXTRACT(f FROM x)` as
//! `__driftdb_extract('f', x)`; the field is a constant, so the result's type is known at
//! planning (a prepared statement is described with it).
//!
//! The fields of each type are PostgreSQL's: a `date` has no time of day (`hour` is
//! 0A000), a `time` no calendar, an `interval` no day of the week; `julian` is read from a
//! date. A `timestamptz` is read in the session's zone, UTC, so its `timezone` is 0. An
//! unknown field is 22023.
//!
//! `date_part('f', x)` is the same value as a `double precision` (`__driftdb_date_part`,
//! cast): PostgreSQL has no `date_part` of a date, so a date is read as the timestamp of
//! its midnight there (`date_part('hour', date ...)` is 0).

use crate::SqlState;
use crate::error::function_error;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Decimal128Builder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Field, FieldRef, IntervalMonthDayNanoType, IntervalUnit,
    Time64MicrosecondType, TimeUnit, TimestampMicrosecondType,
};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

/// The function `EXTRACT` is written as.
pub(crate) const EXTRACT: &str = "__driftdb_extract";
/// The function `date_part` is written as (cast to `double precision`).
pub(crate) const DATE_PART: &str = "__driftdb_date_part";

pub(crate) fn extract() -> ScalarUDF {
    ScalarUDF::new_from_impl(Extract {
        name: EXTRACT,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

pub(crate) fn date_part() -> ScalarUDF {
    ScalarUDF::new_from_impl(Extract {
        name: DATE_PART,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Extract {
    name: &'static str,
    signature: Signature,
}

/// A field, by PostgreSQL's name for it (and the plurals and abbreviations it takes).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Microseconds,
    Milliseconds,
    Second,
    Minute,
    Hour,
    Day,
    Month,
    Quarter,
    Year,
    Decade,
    Century,
    Millennium,
    Week,
    Dow,
    Isodow,
    Doy,
    Isoyear,
    Epoch,
    Julian,
    Timezone,
    TimezoneHour,
    TimezoneMinute,
}

impl Unit {
    fn of(name: &str) -> Option<Unit> {
        Some(match name.trim().to_lowercase().as_str() {
            "microsecond" | "microseconds" | "us" | "usec" | "usecs" => Unit::Microseconds,
            "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" => Unit::Milliseconds,
            "second" | "seconds" | "s" | "sec" | "secs" => Unit::Second,
            "minute" | "minutes" | "m" | "min" | "mins" => Unit::Minute,
            "hour" | "hours" | "h" | "hr" | "hrs" => Unit::Hour,
            "day" | "days" | "d" => Unit::Day,
            "month" | "months" | "mon" | "mons" => Unit::Month,
            "quarter" | "qtr" => Unit::Quarter,
            "year" | "years" | "y" | "yr" | "yrs" => Unit::Year,
            "decade" | "decades" | "dec" | "decs" => Unit::Decade,
            "century" | "centuries" | "c" | "cent" => Unit::Century,
            "millennium" | "millennia" | "millenium" | "mil" | "mils" => Unit::Millennium,
            "week" | "weeks" | "w" => Unit::Week,
            "dow" | "dayofweek" => Unit::Dow,
            "isodow" => Unit::Isodow,
            "doy" | "dayofyear" => Unit::Doy,
            "isoyear" => Unit::Isoyear,
            "epoch" => Unit::Epoch,
            "julian" | "j" => Unit::Julian,
            "timezone" => Unit::Timezone,
            "timezone_hour" => Unit::TimezoneHour,
            "timezone_minute" => Unit::TimezoneMinute,
            _ => return None,
        })
    }

    /// Whether the unit reads the time of day.
    fn of_time_of_day(self) -> bool {
        matches!(
            self,
            Unit::Microseconds | Unit::Milliseconds | Unit::Second | Unit::Minute | Unit::Hour
        )
    }

    /// Whether the unit reads the time zone.
    fn of_zone(self) -> bool {
        matches!(
            self,
            Unit::Timezone | Unit::TimezoneHour | Unit::TimezoneMinute
        )
    }

    /// Whether the unit reads a day's place in the calendar, which an interval has not.
    fn of_calendar_day(self) -> bool {
        matches!(
            self,
            Unit::Week | Unit::Dow | Unit::Isodow | Unit::Doy | Unit::Isoyear | Unit::Julian
        )
    }

    /// The result's scale, reading a value of `source` (a date's `epoch` is whole).
    fn scale(self, source: Source) -> i8 {
        match self {
            Unit::Epoch if source == Source::Date => 0,
            Unit::Second | Unit::Epoch => 6,
            // A moment's Julian day has its time of day as a fraction, to PostgreSQL's 20
            // digits.
            Unit::Julian if matches!(source, Source::Timestamp { .. }) => JULIAN_SCALE as i8,
            Unit::Milliseconds => 3,
            _ => 0,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Microseconds => "microseconds",
            Unit::Milliseconds => "milliseconds",
            Unit::Second => "second",
            Unit::Minute => "minute",
            Unit::Hour => "hour",
            Unit::Day => "day",
            Unit::Month => "month",
            Unit::Quarter => "quarter",
            Unit::Year => "year",
            Unit::Decade => "decade",
            Unit::Century => "century",
            Unit::Millennium => "millennium",
            Unit::Week => "week",
            Unit::Dow => "dow",
            Unit::Isodow => "isodow",
            Unit::Doy => "doy",
            Unit::Isoyear => "isoyear",
            Unit::Epoch => "epoch",
            Unit::Julian => "julian",
            Unit::Timezone => "timezone",
            Unit::TimezoneHour => "timezone_hour",
            Unit::TimezoneMinute => "timezone_minute",
        }
    }
}

/// The kinds of value a field is extracted from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Date,
    Timestamp { zoned: bool },
    Time,
    Interval,
}

impl Source {
    fn of(data_type: &DataType) -> Option<Source> {
        Some(match data_type {
            DataType::Date32 | DataType::Date64 => Source::Date,
            DataType::Timestamp(_, zone) => Source::Timestamp {
                zoned: zone.is_some(),
            },
            DataType::Time32(_) | DataType::Time64(_) => Source::Time,
            DataType::Interval(_) => Source::Interval,
            _ => return None,
        })
    }

    /// PostgreSQL's name of the type, for errors.
    fn type_name(self) -> &'static str {
        match self {
            Source::Date => "date",
            Source::Timestamp { zoned: true } => "timestamp with time zone",
            Source::Timestamp { zoned: false } => "timestamp without time zone",
            Source::Time => "time without time zone",
            Source::Interval => "interval",
        }
    }

    /// The type a value is read as.
    fn read_as(self, data_type: &DataType) -> DataType {
        match self {
            Source::Date => DataType::Date32,
            // An instant keeps its zone (its value is UTC's either way).
            Source::Timestamp { zoned } => DataType::Timestamp(
                TimeUnit::Microsecond,
                zoned.then(|| match data_type {
                    DataType::Timestamp(_, Some(zone)) => Arc::clone(zone),
                    _ => Arc::from(crate::arrow::UTC),
                }),
            ),
            Source::Time => DataType::Time64(TimeUnit::Microsecond),
            Source::Interval => match data_type {
                DataType::Interval(IntervalUnit::MonthDayNano) => data_type.clone(),
                _ => DataType::Interval(IntervalUnit::MonthDayNano),
            },
        }
    }
}

/// The unit a call names, checked against the type it reads.
fn unit_of(name: &str, source: Source) -> Result<Unit> {
    let unit = Unit::of(name).ok_or_else(|| {
        function_error(
            format!(
                "unit \"{}\" not recognized for type {}",
                name.trim().to_lowercase(),
                source.type_name()
            ),
            SqlState::INVALID_PARAMETER_VALUE,
        )
    })?;
    let supported = match source {
        Source::Date => !unit.of_time_of_day() && !unit.of_zone(),
        Source::Timestamp { zoned } => zoned || !unit.of_zone(),
        Source::Time => unit.of_time_of_day() || unit == Unit::Epoch,
        Source::Interval => !unit.of_calendar_day() && !unit.of_zone(),
    };
    match supported {
        true => Ok(unit),
        false => Err(function_error(
            format!(
                "unit \"{}\" not supported for type {}",
                unit.name(),
                source.type_name()
            ),
            SqlState::FEATURE_NOT_SUPPORTED,
        )),
    }
}

/// The result's type: a `numeric` of the unit's scale.
fn result_type(unit: Unit, source: Source) -> DataType {
    DataType::Decimal128(38, unit.scale(source))
}

/// Days from 4714-11-24 BC (the Julian day 0) to 0001-01-01, less one: chrono counts
/// 0001-01-01 as day 1.
const JULIAN_OF_COMMON_ERA: i64 = 1_721_425;

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// The fractional digits of a moment's Julian day (PostgreSQL's numeric division gives 20).
const JULIAN_SCALE: u32 = 20;

/// The decade, century or millennium of `year`, as PostgreSQL counts them (a century
/// begins with its year 1; years before 1 count back from -1).
fn year_period(unit: Unit, year: i64) -> i64 {
    match unit {
        Unit::Decade if year >= 0 => year / 10,
        Unit::Decade => -((8 - (year - 1)) / 10),
        Unit::Century if year > 0 => (year + 99) / 100,
        Unit::Century => -((99 - (year - 1)) / 100),
        _ if year > 0 => (year + 999) / 1000,
        _ => -((999 - (year - 1)) / 1000),
    }
}

/// The unit of a calendar moment (`micros` from 1970-01-01 00:00, in the session's zone),
/// in units of the unit's scale.
fn of_moment(unit: Unit, micros: i64) -> Option<i128> {
    let seconds = micros.div_euclid(MICROS_PER_SECOND);
    let fraction = micros.rem_euclid(MICROS_PER_SECOND);
    let moment: NaiveDateTime = DateTime::from_timestamp(seconds, 0)?.naive_utc();
    let within_minute = i64::from(moment.second()) * MICROS_PER_SECOND + fraction;
    Some(i128::from(match unit {
        Unit::Microseconds | Unit::Milliseconds | Unit::Second => within_minute,
        Unit::Minute => i64::from(moment.minute()),
        Unit::Hour => i64::from(moment.hour()),
        Unit::Epoch => micros,
        Unit::Timezone | Unit::TimezoneHour | Unit::TimezoneMinute => 0,
        // The day's number plus the fraction of it gone, rounded half up at the last digit.
        Unit::Julian => {
            let day_micros = i128::from(SECONDS_PER_DAY * MICROS_PER_SECOND);
            let into_day = i128::from(micros.rem_euclid(SECONDS_PER_DAY * MICROS_PER_SECOND));
            let one = 10_i128.pow(JULIAN_SCALE);
            let fraction = (2 * into_day * one + day_micros) / (2 * day_micros);
            return Some(of_date(unit, moment.date())? * one + fraction);
        }
        _ => return of_date(unit, moment.date()),
    }))
}

/// The unit of a date (every unit a date has but `epoch`, which is the moment's).
fn of_date(unit: Unit, date: NaiveDate) -> Option<i128> {
    let year = i64::from(date.year());
    Some(i128::from(match unit {
        Unit::Day => i64::from(date.day()),
        Unit::Month => i64::from(date.month()),
        Unit::Quarter => i64::from(date.month0() / 3 + 1),
        Unit::Year => year,
        Unit::Decade | Unit::Century | Unit::Millennium => year_period(unit, year),
        Unit::Week => i64::from(date.iso_week().week()),
        Unit::Isoyear => i64::from(date.iso_week().year()),
        Unit::Dow => i64::from(date.weekday().num_days_from_sunday()),
        Unit::Isodow => i64::from(date.weekday().number_from_monday()),
        Unit::Doy => i64::from(date.ordinal()),
        Unit::Julian => i64::from(date.num_days_from_ce()) + JULIAN_OF_COMMON_ERA,
        Unit::Epoch => {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
            (date - epoch).num_days() * SECONDS_PER_DAY
        }
        _ => return None,
    }))
}

/// The unit of a time of day (`micros` from midnight).
fn of_time(unit: Unit, micros: i64) -> Option<i128> {
    let micros_per_minute = 60 * MICROS_PER_SECOND;
    Some(i128::from(match unit {
        Unit::Microseconds | Unit::Milliseconds | Unit::Second => micros % micros_per_minute,
        Unit::Minute => micros / micros_per_minute % 60,
        Unit::Hour => micros / (60 * micros_per_minute),
        Unit::Epoch => micros,
        _ => return None,
    }))
}

/// The unit of an interval, as PostgreSQL reads one: years and months from its months,
/// its days, and hours (any number), minutes and seconds from its time; `epoch` counts a
/// year as 365.25 days and a month as 30.
fn of_interval(unit: Unit, months: i32, days: i32, nanos: i64) -> Option<i128> {
    let micros = nanos / 1_000;
    let micros_per_minute = 60 * MICROS_PER_SECOND;
    let (months, days) = (i64::from(months), i64::from(days));
    let year = months / 12;
    Some(match unit {
        Unit::Microseconds | Unit::Milliseconds | Unit::Second => {
            i128::from(micros % micros_per_minute)
        }
        Unit::Minute => i128::from(micros / micros_per_minute % 60),
        Unit::Hour => i128::from(micros / (60 * micros_per_minute)),
        Unit::Day => i128::from(days),
        Unit::Month => i128::from(months % 12),
        Unit::Quarter => i128::from(months % 12 / 3 + 1),
        Unit::Year => i128::from(year),
        Unit::Decade => i128::from(year / 10),
        Unit::Century => i128::from(year / 100),
        Unit::Millennium => i128::from(year / 1000),
        Unit::Epoch => {
            // PostgreSQL's arithmetic: four times every count of days, so a year's 365.25
            // days stay whole.
            let quarter_days = 1461 * year + 120 * (months % 12) + 4 * days;
            i128::from(quarter_days)
                * i128::from(SECONDS_PER_DAY / 4)
                * i128::from(MICROS_PER_SECOND)
                + i128::from(micros)
        }
        _ => return None,
    })
}

impl ScalarUDFImpl for Extract {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_, value] => {
                // A quoted literal is read as a timestamp, as DataFusion's `date_part` does;
                // so is a date by `date_part`.
                let value = match Source::of(value) {
                    Some(Source::Date) if self.name == DATE_PART => {
                        DataType::Timestamp(TimeUnit::Microsecond, None)
                    }
                    Some(source) => source.read_as(value),
                    None => DataType::Timestamp(TimeUnit::Microsecond, None),
                };
                Ok(vec![DataType::Utf8, value])
            }
            _ => Err(DataFusionError::Plan(
                "EXTRACT takes a field and a value".to_string(),
            )),
        }
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Err(DataFusionError::Internal(
            "EXTRACT's type is its field's".to_string(),
        ))
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let (Some(Some(ScalarValue::Utf8(Some(name)))), Some(value)) =
            (args.scalar_arguments.first(), args.arg_fields.get(1))
        else {
            return Err(DataFusionError::Plan(
                "EXTRACT takes a constant field".to_string(),
            ));
        };
        let source = Source::of(value.data_type()).unwrap_or(Source::Timestamp { zoned: false });
        let unit = unit_of(name, source)?;
        Ok(Arc::new(Field::new(
            self.name(),
            result_type(unit, source),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (arrays, rows, scalar) = super::argument_arrays(&args)?;
        let [names, values] = arrays.as_slice() else {
            return Err(DataFusionError::Plan(
                "EXTRACT takes a field and a value".to_string(),
            ));
        };
        let names = names.as_string::<i32>();
        let source = Source::of(values.data_type()).unwrap_or(Source::Timestamp { zoned: false });
        let values: ArrayRef = cast(values, &source.read_as(values.data_type()))?;
        let DataType::Decimal128(_, scale) = args.return_field.data_type() else {
            return Err(DataFusionError::Internal(
                "EXTRACT's result is a numeric".to_string(),
            ));
        };
        let mut out = Decimal128Builder::with_capacity(rows);
        for row in 0..rows {
            if names.is_null(row) || values.is_null(row) {
                out.append_null();
                continue;
            }
            let unit = unit_of(names.value(row), source)?;
            let value = match source {
                Source::Date => {
                    // Days from 1970-01-01, which is day 719163 of the common era.
                    let days = values.as_primitive::<Date32Type>().value(row);
                    days.checked_add(719_163)
                        .and_then(NaiveDate::from_num_days_from_ce_opt)
                        .and_then(|date| of_date(unit, date))
                }
                Source::Timestamp { .. } => of_moment(
                    unit,
                    values.as_primitive::<TimestampMicrosecondType>().value(row),
                ),
                Source::Time => of_time(
                    unit,
                    values.as_primitive::<Time64MicrosecondType>().value(row),
                ),
                Source::Interval => {
                    let interval = values.as_primitive::<IntervalMonthDayNanoType>().value(row);
                    of_interval(unit, interval.months, interval.days, interval.nanoseconds)
                }
            };
            match value {
                Some(value) => out.append_value(value),
                None => {
                    return Err(function_error(
                        format!("{} out of range for EXTRACT", source.type_name()),
                        SqlState::DATETIME_FIELD_OVERFLOW,
                    ));
                }
            }
        }
        let result = out.finish().with_precision_and_scale(38, *scale)?;
        super::columnar(Arc::new(result), scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moment(text: &str) -> i64 {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .expect(text)
            .and_utc()
            .timestamp_micros()
    }

    #[test]
    fn moments_give_postgresql_fields() {
        let at = moment("2024-03-01 10:07:12.5");
        assert_eq!(of_moment(Unit::Second, at), Some(12_500_000));
        assert_eq!(of_moment(Unit::Milliseconds, at), Some(12_500_000));
        assert_eq!(of_moment(Unit::Minute, at), Some(7));
        assert_eq!(of_moment(Unit::Dow, at), Some(5));
        assert_eq!(of_moment(Unit::Isodow, at), Some(5));
        assert_eq!(of_moment(Unit::Doy, at), Some(61));
        assert_eq!(of_moment(Unit::Quarter, at), Some(1));
        assert_eq!(of_moment(Unit::Epoch, at), Some(1_709_287_632_500_000));
        assert_eq!(of_moment(Unit::Century, at), Some(21));
        // PostgreSQL's 2451544.99999999998842592593 and 2458850.5, to 20 digits.
        let last = moment("1999-12-31 23:59:59.999999");
        assert_eq!(
            of_moment(Unit::Julian, last),
            Some(245_154_499_999_999_998_842_592_593)
        );
        let noon = moment("2020-01-01 12:00:00");
        assert_eq!(
            of_moment(Unit::Julian, noon),
            Some(245_885_050_000_000_000_000_000_000)
        );
        let before = moment("1969-12-31 23:59:59.25");
        assert_eq!(of_moment(Unit::Second, before), Some(59_250_000));
        assert_eq!(of_moment(Unit::Epoch, before), Some(-750_000));
    }

    #[test]
    fn dates_give_julian_days_and_periods() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 1).expect("date");
        assert_eq!(of_date(Unit::Julian, date), Some(2_460_371));
        assert_eq!(of_date(Unit::Epoch, date), Some(1_709_251_200));
        assert_eq!(year_period(Unit::Century, 2000), 20);
        assert_eq!(year_period(Unit::Century, 2001), 21);
        assert_eq!(year_period(Unit::Millennium, 2001), 3);
        assert_eq!(year_period(Unit::Decade, 2024), 202);
        // Astronomical years: 0 is 1 BC, -99 is 100 BC (the first century BC), -100 101 BC.
        assert_eq!(year_period(Unit::Century, 0), -1);
        assert_eq!(year_period(Unit::Century, -99), -1);
        assert_eq!(year_period(Unit::Century, -100), -2);
    }

    #[test]
    fn intervals_read_as_postgresql_reads_them() {
        // 1 year 2 months 3 days 04:05:06.5
        let nanos = ((4 * 3600 + 5 * 60 + 6) * MICROS_PER_SECOND + 500_000) * 1_000;
        assert_eq!(of_interval(Unit::Year, 14, 3, nanos), Some(1));
        assert_eq!(of_interval(Unit::Month, 14, 3, nanos), Some(2));
        assert_eq!(of_interval(Unit::Second, 14, 3, nanos), Some(6_500_000));
        assert_eq!(of_interval(Unit::Hour, 14, 3, nanos), Some(4));
        // (365.25 + 60 + 3) days + 04:05:06.5, in microseconds: PostgreSQL's 37015506.500000.
        assert_eq!(
            of_interval(Unit::Epoch, 14, 3, nanos),
            Some(37_000_800_000_000 + 14_706_500_000)
        );
        assert_eq!(
            of_interval(Unit::Minute, 0, 0, -90 * 60 * 1_000_000_000),
            Some(-30)
        );
    }

    #[test]
    fn units_are_checked_against_their_type() {
        assert!(unit_of("hour", Source::Date).is_err());
        assert!(unit_of("dow", Source::Interval).is_err());
        assert!(unit_of("fortnight", Source::Time).is_err());
        assert_eq!(unit_of("Seconds", Source::Time).ok(), Some(Unit::Second));
    }
}
