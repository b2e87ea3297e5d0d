//! Values in PostgreSQL's text output format, as `psql` shows them and as the wire
//! protocol's text format sends them: booleans `t`/`f`, floats in shortest round-trip form
//! with PostgreSQL's exponent rules (`1e+20`), timestamps with a space and trimmed
//! fractions, `timestamptz` in UTC with `+00`, intervals as `1 year 2 mons 3 days 04:05:06`,
//! `bytea` as `\x0102`.

use datafusion::arrow::array::{
    Array, AsArray, BinaryArray, BooleanArray, Date32Array, Decimal128Array,
    IntervalMonthDayNanoArray, LargeBinaryArray, LargeStringArray, StringArray, StringViewArray,
};
use datafusion::arrow::datatypes::{
    DataType as ArrowType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    IntervalUnit, TimeUnit, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

/// Whether the value at `row` is NULL. Arrow's `is_null` reads the null buffer, which an
/// array of the `Null` type (an untyped `SELECT NULL`) does not have: every value of it is
/// NULL.
pub fn is_null(array: &dyn Array, row: usize) -> bool {
    matches!(array.data_type(), ArrowType::Null) || array.is_null(row)
}

/// The text of row `row` of `array`; `None` for NULL.
pub fn format_value(array: &dyn Array, row: usize) -> Option<String> {
    if is_null(array, row) {
        return None;
    }
    Some(match array.data_type() {
        ArrowType::Boolean => {
            let b = array.as_any().downcast_ref::<BooleanArray>()?.value(row);
            if b { "t" } else { "f" }.to_string()
        }
        ArrowType::Int8 => array.as_primitive::<Int8Type>().value(row).to_string(),
        ArrowType::Int16 => array.as_primitive::<Int16Type>().value(row).to_string(),
        ArrowType::Int32 => array.as_primitive::<Int32Type>().value(row).to_string(),
        ArrowType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        ArrowType::UInt8 => array.as_primitive::<UInt8Type>().value(row).to_string(),
        ArrowType::UInt16 => array.as_primitive::<UInt16Type>().value(row).to_string(),
        ArrowType::UInt32 => array.as_primitive::<UInt32Type>().value(row).to_string(),
        ArrowType::UInt64 => array.as_primitive::<UInt64Type>().value(row).to_string(),
        ArrowType::Float32 => float(
            f64::from(array.as_primitive::<Float32Type>().value(row)),
            6,
            true,
        ),
        ArrowType::Float64 => float(array.as_primitive::<Float64Type>().value(row), 15, false),
        ArrowType::Decimal128(_, scale) => {
            let v = array.as_any().downcast_ref::<Decimal128Array>()?.value(row);
            decimal(v, *scale)
        }
        ArrowType::Utf8 => array
            .as_any()
            .downcast_ref::<StringArray>()?
            .value(row)
            .to_string(),
        ArrowType::LargeUtf8 => array
            .as_any()
            .downcast_ref::<LargeStringArray>()?
            .value(row)
            .to_string(),
        ArrowType::Utf8View => array
            .as_any()
            .downcast_ref::<StringViewArray>()?
            .value(row)
            .to_string(),
        ArrowType::Binary => hex(array.as_any().downcast_ref::<BinaryArray>()?.value(row)),
        ArrowType::LargeBinary => hex(array
            .as_any()
            .downcast_ref::<LargeBinaryArray>()?
            .value(row)),
        ArrowType::Date32 => {
            let days = array.as_any().downcast_ref::<Date32Array>()?.value(row);
            date(i64::from(days))
        }
        ArrowType::Time32(_) | ArrowType::Time64(_) => time(micros(array, row)?),
        ArrowType::Timestamp(_, tz) => {
            let us = micros(array, row)?;
            match tz {
                Some(_) => timestamptz(us),
                None => timestamp(us),
            }
        }
        ArrowType::Interval(IntervalUnit::MonthDayNano) => {
            let v = array
                .as_any()
                .downcast_ref::<IntervalMonthDayNanoArray>()?
                .value(row);
            interval(v.months, v.days, v.nanoseconds / 1_000)
        }
        ArrowType::List(_) => pg_array(array.as_list::<i32>().value(row).as_ref()),
        ArrowType::LargeList(_) => pg_array(array.as_list::<i64>().value(row).as_ref()),
        ArrowType::Struct(_) => record(array.as_struct(), row),
        _ => {
            let options = FormatOptions::default();
            let formatter = ArrayFormatter::try_new(array, &options).ok()?;
            formatter.value(row).to_string()
        }
    })
}

/// An array as PostgreSQL writes one (`{1,2,NULL}`, `{"a b","x\\"y"}`, `{{1,2},{3,4}}`):
/// elements in their own text, quoted where they would not read back (empty, `NULL`,
/// spaces, or any of `{},"\\`), NULL elements as `NULL`.
fn pg_array(elements: &dyn Array) -> String {
    let nested = matches!(
        elements.data_type(),
        ArrowType::List(_) | ArrowType::LargeList(_)
    );
    let mut out = String::from("{");
    for i in 0..elements.len() {
        if i > 0 {
            out.push(',');
        }
        match format_value(elements, i) {
            None => out.push_str("NULL"),
            Some(text) if nested => out.push_str(&text),
            Some(text) => {
                let quote = text.is_empty()
                    || text.eq_ignore_ascii_case("null")
                    || text
                        .chars()
                        .any(|c| c.is_whitespace() || matches!(c, '{' | '}' | ',' | '"' | '\\'));
                if quote {
                    out.push('"');
                    for c in text.chars() {
                        if matches!(c, '"' | '\\') {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push('"');
                } else {
                    out.push_str(&text);
                }
            }
        }
    }
    out.push('}');
    out
}

/// A row value as PostgreSQL's `record_out` writes one (`(1,2)`, `(a,,"b c")`): fields in
/// their own text, NULL as nothing, quoted where they would not read back (empty, or
/// holding a blank or any of `(),"\`), with `"` and `\` doubled inside quotes.
fn record(fields: &datafusion::arrow::array::StructArray, row: usize) -> String {
    let mut out = String::from("(");
    for (i, column) in fields.columns().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let Some(text) = format_value(column.as_ref(), row) else {
            continue;
        };
        let quote = text.is_empty()
            || text
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | ',' | '"' | '\\'));
        if !quote {
            out.push_str(&text);
            continue;
        }
        out.push('"');
        for c in text.chars() {
            if matches!(c, '"' | '\\') {
                out.push(c);
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push(')');
    out
}

/// PostgreSQL's float output: the shortest text that reads back to the same value, in
/// exponent form when the decimal exponent is below -4 or at least `max_exponent` (15 for
/// `double precision`, 6 for `real`).
fn float(v: f64, max_exponent: i32, single: bool) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let scientific = if single {
        format!("{:e}", v as f32)
    } else {
        format!("{v:e}")
    };
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= max_exponent {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else if single {
        format!("{}", v as f32)
    } else {
        format!("{v}")
    }
}

fn decimal(v: i128, scale: i8) -> String {
    if scale <= 0 {
        // A negative scale is that many zeros after the digits (`1e40` is 1 at scale -40),
        // written out: the value may be past what an `i128` holds.
        let zeros = match v {
            0 => 0,
            _ => usize::from(scale.unsigned_abs()),
        };
        return format!("{v}{}", "0".repeat(zeros));
    }
    let digits = v.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{int}.{frac}")
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("\\x");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (proleptic Gregorian; years below 1 as BC).
fn date(days: i64) -> String {
    let (y, m, d) = crate::calendar::civil_from_days(days);
    if y <= 0 {
        format!("{:04}-{m:02}-{d:02} BC", 1 - y)
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    }
}

/// Microseconds since midnight to `HH:MM:SS[.ffffff]`, trailing zeros of the fraction cut.
/// A time or timestamp of any unit in microseconds, PostgreSQL's precision: finer units
/// round to the nearest microsecond, as PostgreSQL rounds its input.
pub fn micros(array: &dyn Array, row: usize) -> Option<i64> {
    use datafusion::arrow::datatypes::{
        Time32MillisecondType, Time32SecondType, Time64MicrosecondType, Time64NanosecondType,
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    let nanos = |n: i64| (n + 500).div_euclid(1_000);
    Some(match array.data_type() {
        ArrowType::Timestamp(TimeUnit::Second, _) => {
            array.as_primitive_opt::<TimestampSecondType>()?.value(row) * 1_000_000
        }
        ArrowType::Timestamp(TimeUnit::Millisecond, _) => {
            array
                .as_primitive_opt::<TimestampMillisecondType>()?
                .value(row)
                * 1_000
        }
        ArrowType::Timestamp(TimeUnit::Microsecond, _) => array
            .as_primitive_opt::<TimestampMicrosecondType>()?
            .value(row),
        ArrowType::Timestamp(TimeUnit::Nanosecond, _) => nanos(
            array
                .as_primitive_opt::<TimestampNanosecondType>()?
                .value(row),
        ),
        ArrowType::Time32(TimeUnit::Second) => {
            i64::from(array.as_primitive_opt::<Time32SecondType>()?.value(row)) * 1_000_000
        }
        ArrowType::Time32(_) => {
            i64::from(
                array
                    .as_primitive_opt::<Time32MillisecondType>()?
                    .value(row),
            ) * 1_000
        }
        ArrowType::Time64(TimeUnit::Microsecond) => array
            .as_primitive_opt::<Time64MicrosecondType>()?
            .value(row),
        ArrowType::Time64(_) => nanos(array.as_primitive_opt::<Time64NanosecondType>()?.value(row)),
        _ => return None,
    })
}

fn time(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    format!("{h:02}:{m:02}:{s:02}{}", fraction(frac))
}

fn fraction(us: i64) -> String {
    if us == 0 {
        return String::new();
    }
    let text = format!(".{us:06}");
    text.trim_end_matches('0').to_string()
}

fn timestamp(us: i64) -> String {
    let days = us.div_euclid(86_400_000_000);
    let rest = us.rem_euclid(86_400_000_000);
    let date = date(days);
    match date.strip_suffix(" BC") {
        Some(d) => format!("{d} {} BC", time(rest)),
        None => format!("{date} {}", time(rest)),
    }
}

/// A `timestamptz` in a UTC session: `YYYY-MM-DD HH:MM:SS[.ffffff]+00[ BC]`.
pub(crate) fn timestamptz(us: i64) -> String {
    let text = timestamp(us);
    match text.strip_suffix(" BC") {
        Some(ad) => format!("{ad}+00 BC"),
        None => format!("{text}+00"),
    }
}

/// PostgreSQL's `intervalstyle = postgres`: `1 year 2 mons 3 days 04:05:06`.
fn interval(months: i32, days: i32, us: i64) -> String {
    let mut parts = Vec::new();
    let (years, months) = (months / 12, months % 12);
    // As PostgreSQL's `postgres` style writes them: a unit is plural unless the count is 1,
    // and a positive part after a negative one has a `+`.
    let mut after_negative = false;
    let mut unit = |n: i64, one: &str, many: &str| {
        let plus = if after_negative && n > 0 { "+" } else { "" };
        after_negative = n < 0;
        format!("{plus}{n} {}", if n == 1 { one } else { many })
    };
    if years != 0 {
        parts.push(unit(i64::from(years), "year", "years"));
    }
    if months != 0 {
        parts.push(unit(i64::from(months), "mon", "mons"));
    }
    if days != 0 {
        parts.push(unit(i64::from(days), "day", "days"));
    }
    if us != 0 || parts.is_empty() {
        let sign = if us < 0 {
            "-"
        } else if after_negative {
            "+"
        } else {
            ""
        };
        let abs = us.unsigned_abs();
        let secs = abs / 1_000_000;
        let frac = fraction((abs % 1_000_000) as i64);
        parts.push(format!(
            "{sign}{:02}:{:02}:{:02}{frac}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_follow_postgres() {
        assert_eq!(float(0.1, 15, false), "0.1");
        assert_eq!(float(1e20, 15, false), "1e+20");
        assert_eq!(float(1e14, 15, false), "100000000000000");
        assert_eq!(float(2.5e-10, 15, false), "2.5e-10");
        assert_eq!(float(0.1 + 0.2, 15, false), "0.30000000000000004");
        assert_eq!(float(f64::from(3.4e38f32), 6, true), "3.4e+38");
        assert_eq!(float(f64::from(1_000_000f32), 6, true), "1e+06");
        assert_eq!(float(f64::from(100_000f32), 6, true), "100000");
        assert_eq!(float(f64::NAN, 15, false), "NaN");
        assert_eq!(float(f64::NEG_INFINITY, 15, false), "-Infinity");
    }

    #[test]
    fn dates_times_and_intervals_follow_postgres() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(19_782), "2024-02-29");
        assert_eq!(time(86_399_500_000), "23:59:59.5");
        assert_eq!(timestamp(1_735_787_045_000_000), "2025-01-02 03:04:05");
        assert_eq!(
            timestamptz(1_735_787_045_500_000),
            "2025-01-02 03:04:05.5+00"
        );
        // The day before 0001-01-01: the era comes after the zone, as PostgreSQL writes it.
        let before_ad = -62_135_596_800_000_000 - 86_400_000_000;
        assert_eq!(date(before_ad / 86_400_000_000), "0001-12-31 BC");
        assert_eq!(timestamp(before_ad), "0001-12-31 00:00:00 BC");
        assert_eq!(timestamptz(before_ad), "0001-12-31 00:00:00+00 BC");
        assert_eq!(
            interval(14, 3, 14_706_000_000),
            "1 year 2 mons 3 days 04:05:06"
        );
        assert_eq!(interval(0, 1, 7_200_000_000), "1 day 02:00:00");
        assert_eq!(interval(0, 0, 0), "00:00:00");
        assert_eq!(interval(0, 2, 0), "2 days");
        assert_eq!(interval(-1, -1, 0), "-1 mons -1 days");
        assert_eq!(interval(-12, 2, 5_400_000_000), "-1 years +2 days 01:30:00");
        assert_eq!(interval(-12, 0, 5_400_000_000), "-1 years +01:30:00");
        assert_eq!(interval(0, -1, -5_400_000_000), "-1 days -01:30:00");
    }

    #[test]
    fn decimals_keep_their_scale() {
        assert_eq!(decimal(999, 2), "9.99");
        assert_eq!(decimal(2450, 2), "24.50");
        assert_eq!(decimal(-5, 2), "-0.05");
        assert_eq!(decimal(7, 0), "7");
        // Negative scales, past what an i128 holds too.
        assert_eq!(decimal(15, -2), "1500");
        assert_eq!(
            decimal(-24, -37),
            "-240000000000000000000000000000000000000"
        );
        assert_eq!(decimal(1, -40), "10000000000000000000000000000000000000000");
        assert_eq!(decimal(0, -3), "0");
        assert_eq!(hex(&[1, 2, 255]), "\\x0102ff");
    }
}
