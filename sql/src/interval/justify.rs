//! `justify_days`, `justify_hours` and `justify_interval`, PostgreSQL's: 30 days become a
//! month, 24 hours a day, and the parts are made to share one sign where they can
//! (`justify_interval(interval '1 mon -1 hour')` is `29 days 23:00:00`). A result past the
//! 32-bit months or days is 22008.

use std::sync::Arc;

use datafusion::arrow::array::{AsArray, IntervalMonthDayNanoArray};
use datafusion::arrow::datatypes::{DataType, IntervalMonthDayNano, IntervalUnit};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::functions::out_of_range;

const DAY: i64 = 86_400_000_000_000;
const MONTH_DAYS: i32 = 30;

/// The three functions, for registering in a session.
pub(crate) fn functions() -> [ScalarUDF; 3] {
    [Justify::Days, Justify::Hours, Justify::Interval].map(|justify| {
        ScalarUDF::new_from_impl(JustifyFunction {
            justify,
            signature: Signature::exact(
                vec![DataType::Interval(IntervalUnit::MonthDayNano)],
                Volatility::Immutable,
            ),
        })
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Justify {
    Days,
    Hours,
    Interval,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JustifyFunction {
    justify: Justify,
    signature: Signature,
}

/// Moves whole months out of `days` into `months`.
fn days_to_months(months: i32, days: i32) -> Option<(i32, i32)> {
    let whole = days / MONTH_DAYS;
    Some((months.checked_add(whole)?, days - whole * MONTH_DAYS))
}

/// Moves whole days out of `nanos` into `days`.
fn nanos_to_days(days: i32, nanos: i64) -> Option<(i32, i64)> {
    let whole = nanos / DAY;
    Some((
        days.checked_add(i32::try_from(whole).ok()?)?,
        nanos - whole * DAY,
    ))
}

/// `months` and `days` given one sign: a month is lent to the days when `below` (the sign
/// of what lies under the months) is the other one.
fn months_and_days_agree(months: i32, days: i32, below: i64) -> (i32, i32) {
    match (months.signum(), below.signum()) {
        (1, -1) => (months - 1, days + MONTH_DAYS),
        (-1, 1) => (months + 1, days - MONTH_DAYS),
        _ => (months, days),
    }
}

/// `days` and `nanos` given one sign, a day lent the other way where they differ.
fn days_and_nanos_agree(days: i32, nanos: i64) -> (i32, i64) {
    match (days.signum(), nanos.signum()) {
        (1, -1) => (days - 1, nanos + DAY),
        (-1, 1) => (days + 1, nanos - DAY),
        _ => (days, nanos),
    }
}

/// `value` justified as PostgreSQL's `interval_justify_*` do; `None` on overflow.
fn justify(how: Justify, value: IntervalMonthDayNano) -> Option<IntervalMonthDayNano> {
    let IntervalMonthDayNano {
        mut months,
        mut days,
        mut nanoseconds,
    } = value;
    match how {
        Justify::Days => {
            (months, days) = days_to_months(months, days)?;
            (months, days) = months_and_days_agree(months, days, i64::from(days));
        }
        Justify::Hours => {
            (days, nanoseconds) = nanos_to_days(days, nanoseconds)?;
            (days, nanoseconds) = days_and_nanos_agree(days, nanoseconds);
        }
        Justify::Interval => {
            // Days first where it cannot change the sign, which keeps them from overflowing.
            if days.signum() != 0 && i64::from(days.signum()) == nanoseconds.signum() {
                (months, days) = days_to_months(months, days)?;
            }
            (days, nanoseconds) = nanos_to_days(days, nanoseconds)?;
            (months, days) = days_to_months(months, days)?;
            let below = if days != 0 {
                i64::from(days)
            } else {
                nanoseconds
            };
            (months, days) = months_and_days_agree(months, days, below);
            (days, nanoseconds) = days_and_nanos_agree(days, nanoseconds);
        }
    }
    Some(IntervalMonthDayNano::new(months, days, nanoseconds))
}

impl ScalarUDFImpl for JustifyFunction {
    fn name(&self) -> &str {
        match self.justify {
            Justify::Days => "justify_days",
            Justify::Hours => "justify_hours",
            Justify::Interval => "justify_interval",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Interval(IntervalUnit::MonthDayNano))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return plan_err!("{} takes one interval", self.name());
        };
        let scalar = matches!(value, ColumnarValue::Scalar(_));
        let values = value.to_array(args.number_rows)?;
        let values =
            values.as_primitive::<datafusion::arrow::datatypes::IntervalMonthDayNanoType>();
        let out = values
            .iter()
            .map(|v| {
                v.map(|v| justify(self.justify, v).ok_or_else(out_of_range))
                    .transpose()
            })
            .collect::<Result<IntervalMonthDayNanoArray>>()?;
        crate::udf::columnar(Arc::new(out), scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::{DAY, Justify, justify};
    use datafusion::arrow::datatypes::IntervalMonthDayNano;

    #[test]
    fn intervals_justify_as_in_postgresql() {
        let hour = DAY / 24;
        let i = IntervalMonthDayNano::new;
        assert_eq!(justify(Justify::Days, i(0, 35, 0)), Some(i(1, 5, 0)));
        assert_eq!(justify(Justify::Days, i(1, -35, 0)), Some(i(0, -5, 0)));
        assert_eq!(
            justify(Justify::Hours, i(0, 0, 27 * hour)),
            Some(i(0, 1, 3 * hour))
        );
        assert_eq!(
            justify(Justify::Hours, i(0, 1, -hour)),
            Some(i(0, 0, 23 * hour))
        );
        assert_eq!(
            justify(Justify::Interval, i(1, 0, -hour)),
            Some(i(0, 29, 23 * hour))
        );
        assert_eq!(justify(Justify::Interval, i(i32::MAX, 30, 0)), None);
    }
}
