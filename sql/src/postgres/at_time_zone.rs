//! `x AT TIME ZONE zone`, PostgreSQL's `timezone(zone, x)`.
//!
//! It converts between the two kinds of timestamp, and which way depends on `x`'s type:
//! - a `timestamptz` (an instant) becomes the `timestamp` a wall clock in `zone` showed then;
//! - a `timestamp` (a wall-clock reading) becomes the `timestamptz` instant it was in `zone`.
//!
//! DataFusion plans `AT TIME ZONE` as a cast to a timestamp type with that zone, which gives the
//! second meaning to both kinds (a `timestamptz` came back unchanged). The front end turns
//! `x AT TIME ZONE z` into `timezone(z, x)` ([`rewrite`]), this function.
//!
//! Zones are read as PostgreSQL reads them: a name from the IANA database in any case
//! (`'America/New_York'`, `'utc'`), `UTC`/`GMT`/`Z`, or a numeric offset in the POSIX sense,
//! positive *west* of Greenwich (`'+02:00'` and `'UTC+2'` are two hours behind UTC); an
//! `interval` zone is an offset east (`INTERVAL '-08:00'` is eight hours behind) and may not
//! have months or days. A wall-clock time a daylight-saving change skips or repeats is read at
//! the offset of standard time, as PostgreSQL does.

use crate::SqlState;
use crate::error::function_error;
use std::ops::ControlFlow;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Offset, TimeZone};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, TimestampMicrosecondArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, IntervalMonthDayNanoType, IntervalUnit, TimeUnit, TimestampMicrosecondType,
};
use datafusion::common::{DataFusionError, Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use sqlparser::ast::{self, Expr, Statement, visit_expressions_mut};

/// The function's name, PostgreSQL's.
pub(crate) const TIMEZONE: &str = "timezone";

/// The function, for registering in a session.
pub(crate) fn timezone() -> ScalarUDF {
    ScalarUDF::new_from_impl(Timezone {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// Turns every `x AT TIME ZONE z` of `statement` into `timezone(z, x)`. (The parser calls
/// it only for a text with the word `ZONE` in it.)
pub(crate) fn rewrite(statement: &mut Statement) {
    let _ = visit_expressions_mut(statement, |e| {
        if let Expr::AtTimeZone {
            timestamp,
            time_zone,
        } = e
        {
            let args = [time_zone.as_ref().clone(), timestamp.as_ref().clone()]
                .into_iter()
                .map(|arg| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg)))
                .collect();
            *e = Expr::Function(ast::Function {
                name: ast::ObjectName::from(vec![ast::Ident::new(TIMEZONE)]),
                uses_odbc_syntax: false,
                parameters: ast::FunctionArguments::None,
                args: ast::FunctionArguments::List(ast::FunctionArgumentList {
                    duplicate_treatment: None,
                    args,
                    clauses: vec![],
                }),
                filter: None,
                null_treatment: None,
                over: None,
                within_group: vec![],
            });
        }
        ControlFlow::<()>::Continue(())
    });
}

fn stamp(zone: Option<&str>) -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, zone.map(Into::into))
}

const INTERVAL: DataType = DataType::Interval(IntervalUnit::MonthDayNano);

#[derive(Debug, PartialEq, Eq, Hash)]
struct Timezone {
    signature: Signature,
}

impl ScalarUDFImpl for Timezone {
    fn name(&self) -> &str {
        TIMEZONE
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [zone, value] = arg_types else {
            return Err(super::no_such_function(TIMEZONE, arg_types));
        };
        let zone = match zone {
            DataType::Interval(_) => INTERVAL,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                DataType::Utf8
            }
            _ => return Err(super::no_such_function(TIMEZONE, arg_types)),
        };
        // A timestamp stays what it is; anything else (a date, a quoted literal) is read as
        // a `timestamptz`, PostgreSQL's preferred type of the kind.
        let value = match value {
            DataType::Timestamp(_, None) => stamp(None),
            DataType::Timestamp(_, Some(_))
            | DataType::Date32
            | DataType::Date64
            | DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Null => stamp(Some(crate::arrow::UTC)),
            _ => return Err(super::no_such_function(TIMEZONE, arg_types)),
        };
        Ok(vec![zone, value])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [_, DataType::Timestamp(_, None)] => Ok(stamp(Some(crate::arrow::UTC))),
            [_, DataType::Timestamp(_, Some(_))] => Ok(stamp(None)),
            _ => plan_err!("{TIMEZONE} takes a zone and a timestamp"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (arrays, _, scalar) = super::argument_arrays(&args)?;
        let [zones, values] = arrays.as_slice() else {
            return plan_err!("{TIMEZONE} takes a zone and a timestamp");
        };
        let to_wall_clock = matches!(values.data_type(), DataType::Timestamp(_, Some(_)));
        let values = cast(values, &stamp(None))?;
        let values = values.as_primitive::<TimestampMicrosecondType>();
        let mut last: Option<(usize, Zone)> = None;
        let mut out = Vec::with_capacity(values.len());
        for row in 0..values.len() {
            if values.is_null(row) || zones.is_null(row) {
                out.push(None);
                continue;
            }
            // A column of zones usually repeats one: read it again only when it changes.
            let zone = match &last {
                Some((at, zone)) if same_zone(zones, *at, row) => zone.clone(),
                _ => {
                    let zone = Zone::of(zones, row)?;
                    last = Some((row, zone.clone()));
                    zone
                }
            };
            let micros = values.value(row);
            out.push(Some(if to_wall_clock {
                zone.wall_clock(micros)?
            } else {
                zone.instant(micros)?
            }));
        }
        let result = TimestampMicrosecondArray::from(out);
        let result: ArrayRef = if to_wall_clock {
            Arc::new(result)
        } else {
            Arc::new(result.with_timezone(crate::arrow::UTC))
        };
        super::columnar(result, scalar)
    }
}

fn same_zone(zones: &ArrayRef, a: usize, b: usize) -> bool {
    match zones.data_type() {
        DataType::Utf8 => {
            let zones = zones.as_string::<i32>();
            zones.value(a) == zones.value(b)
        }
        _ => {
            let zones = zones.as_primitive::<IntervalMonthDayNanoType>();
            zones.value(a) == zones.value(b)
        }
    }
}

/// A zone, read.
#[derive(Debug, Clone)]
enum Zone {
    /// Seconds east of UTC.
    Fixed(i32),
    Named(chrono_tz::Tz),
}

const MICROS_PER_SECOND: i64 = 1_000_000;

impl Zone {
    fn of(zones: &ArrayRef, row: usize) -> Result<Zone> {
        if let DataType::Interval(_) = zones.data_type() {
            let interval = zones.as_primitive::<IntervalMonthDayNanoType>().value(row);
            if interval.months != 0 || interval.days != 0 {
                return Err(function_error(
                    format!(
                        "interval time zone \"{}\" must not include months or days",
                        crate::text::format_value(zones.as_ref(), row).unwrap_or_default()
                    ),
                    SqlState::INVALID_PARAMETER_VALUE,
                ));
            }
            let seconds = interval.nanoseconds / 1_000_000_000;
            return i32::try_from(seconds)
                .ok()
                .filter(|s| s.abs() < 24 * 3600)
                .map(Zone::Fixed)
                .ok_or_else(|| {
                    function_error(
                        "time zone displacement out of range",
                        SqlState::INVALID_PARAMETER_VALUE,
                    )
                });
        }
        let name = zones.as_string::<i32>().value(row);
        Zone::named(name).ok_or_else(|| {
            function_error(
                format!("time zone \"{name}\" not recognized"),
                SqlState::INVALID_PARAMETER_VALUE,
            )
        })
    }

    fn named(name: &str) -> Option<Zone> {
        let name = name.trim();
        if ["UTC", "GMT", "Z", "UCT", "Zulu"]
            .iter()
            .any(|utc| name.eq_ignore_ascii_case(utc))
        {
            return Some(Zone::Fixed(0));
        }
        // A POSIX offset, alone or after UTC/GMT: positive is west of Greenwich.
        let offset = ["UTC", "GMT"]
            .iter()
            .find_map(|prefix| {
                name.get(..prefix.len())
                    .filter(|p| p.eq_ignore_ascii_case(prefix))
                    .map(|_| &name[prefix.len()..])
            })
            .unwrap_or(name);
        if let Some(west) = posix_offset(offset) {
            return Some(Zone::Fixed(-west));
        }
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
            .map(|tz| Zone::Named(*tz))
    }

    /// The wall-clock reading in this zone at the instant `micros` after the epoch.
    fn wall_clock(&self, micros: i64) -> Result<i64> {
        let offset = match self {
            Zone::Fixed(seconds) => *seconds,
            Zone::Named(tz) => {
                let utc = DateTime::from_timestamp_micros(micros)
                    .ok_or_else(out_of_range)?
                    .naive_utc();
                tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()
            }
        };
        micros
            .checked_add(i64::from(offset) * MICROS_PER_SECOND)
            .ok_or_else(out_of_range)
    }

    /// The instant at which a wall clock in this zone read `micros` after midnight of
    /// 1970-01-01. A reading a change skips or repeats is taken at standard time's offset.
    fn instant(&self, micros: i64) -> Result<i64> {
        let offset = match self {
            Zone::Fixed(seconds) => *seconds,
            Zone::Named(tz) => {
                let local: NaiveDateTime = DateTime::from_timestamp_micros(micros)
                    .ok_or_else(out_of_range)?
                    .naive_utc();
                use chrono::LocalResult;
                match tz.offset_from_local_datetime(&local) {
                    LocalResult::Single(offset) => offset.fix().local_minus_utc(),
                    // Repeated (clocks went back): standard time is the smaller offset.
                    LocalResult::Ambiguous(a, b) => {
                        a.fix().local_minus_utc().min(b.fix().local_minus_utc())
                    }
                    // Skipped (clocks went forward): the offset in force before the change.
                    LocalResult::None => {
                        let before = local - chrono::Duration::days(1);
                        tz.offset_from_utc_datetime(&before).fix().local_minus_utc()
                    }
                }
            }
        };
        micros
            .checked_sub(i64::from(offset) * MICROS_PER_SECOND)
            .ok_or_else(out_of_range)
    }
}

fn out_of_range() -> DataFusionError {
    function_error("timestamp out of range", SqlState::DATETIME_FIELD_OVERFLOW)
}

/// A numeric POSIX offset, `[+|-]h[h][:mm[:ss]]`, in seconds (positive west).
fn posix_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        b'0'..=b'9' => (1, text),
        _ => return None,
    };
    let mut parts = rest.split(':');
    let mut field = |max: i32| -> Option<i32> {
        match parts.next() {
            None => Some(0),
            Some(p) if (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().ok().filter(|v| *v <= max)
            }
            Some(_) => None,
        }
    };
    let (hours, minutes, seconds) = (field(168)?, field(59)?, field(59)?);
    if parts.next().is_some() {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

#[cfg(test)]
mod tests {
    use super::{Zone, posix_offset};

    #[test]
    fn zones_read_as_postgresql_reads_them() {
        assert_eq!(posix_offset("+02:00"), Some(7200));
        assert_eq!(posix_offset("-5"), Some(-18000));
        assert_eq!(posix_offset("5:30"), Some(19800));
        assert_eq!(posix_offset("America/New_York"), None);
        assert_eq!(posix_offset("+1:2:3:4"), None);
        assert!(matches!(Zone::named("utc"), Some(Zone::Fixed(0))));
        assert!(matches!(Zone::named("UTC+5"), Some(Zone::Fixed(-18000))));
        assert!(matches!(Zone::named("+02:00"), Some(Zone::Fixed(-7200))));
        assert!(matches!(
            Zone::named("america/new_york"),
            Some(Zone::Named(_))
        ));
        assert!(Zone::named("nowhere").is_none());
    }

    #[test]
    fn daylight_saving_gaps_and_repeats_read_at_standard_time() -> datafusion::common::Result<()> {
        let Some(new_york) = Zone::named("America/New_York") else {
            panic!("America/New_York is in the zone database");
        };
        let hour = 3_600_000_000_i64;
        // 2025-11-02 01:30 happened twice; 2025-03-09 02:30 never: both read at EST (-5).
        let repeated = 1_762_047_000_000_000; // 2025-11-02 01:30 as a wall-clock reading
        assert_eq!(new_york.instant(repeated)?, repeated + 5 * hour);
        let skipped = 1_741_487_400_000_000; // 2025-03-09 02:30
        assert_eq!(new_york.instant(skipped)?, skipped + 5 * hour);
        // Summer: EDT (-4) both ways.
        let july = 1_751_371_200_000_000; // 2025-07-01 12:00
        assert_eq!(new_york.instant(july)?, july + 4 * hour);
        assert_eq!(new_york.wall_clock(july + 4 * hour)?, july);
        Ok(())
    }
}
