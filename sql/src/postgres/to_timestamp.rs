//! `to_timestamp(text, template)` and `to_date(text, template)` with PostgreSQL's template
//! patterns (`to_timestamp('05 Mar 2024 3:07 pm', 'DD Mon YYYY HH:MI am')`). DataFusion's
//! functions of those names read chrono formats, so every PostgreSQL template failed; the
//! front end calls these instead when a call has two arguments (the one-argument forms,
//! seconds since the epoch and ISO text, stay DataFusion's).
//!
//! The input is read as PostgreSQL reads it (without `FX`): blanks before a field are
//! skipped; a separator in the template (a blank or any other character that is neither a
//! letter nor a digit) matches blanks, or one other non-alphanumeric character, or nothing;
//! quoted template text skips as many input characters as it has; a number is read up to
//! its field's width when another field follows at once (`YYYYMMDD`), else as far as its
//! digits go; `MS`, `US` and `FF1`-`FF6` are the digits after the decimal point. Names
//! (`Mon`, `Month`, `Dy`, `Day`, `AM`, `A.M.`) are read in any case; a day's name is read
//! and ignored, as in PostgreSQL. A two-digit year is the one nearest 2020 (`70`-`99` in
//! the 1900s), `DDD` is the day of the year, `J` the Julian day, `TZH:TZM` an offset east
//! of Greenwich. Without one the text is a time in the session's zone, UTC. A value that
//! cannot be read is 22007 (`invalid value "xx" for "MM"`), a date or time that does not
//! exist 22008; the patterns this does not read (`FX`, `TZ`, ISO weeks, `BC`, ...) are
//! 0A000, never a silently different answer.

use crate::SqlState;
use crate::error::function_error;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Builder, TimestampNanosecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The name the front end gives a two-argument `to_timestamp`.
pub(crate) const TO_TIMESTAMP: &str = "__driftdb_to_timestamp";
/// The name the front end gives a two-argument `to_date`.
pub(crate) const TO_DATE: &str = "__driftdb_to_date";

pub(crate) fn to_timestamp() -> ScalarUDF {
    ScalarUDF::new_from_impl(FromTemplate {
        date: false,
        signature: Signature::string(2, Volatility::Immutable),
    })
}

pub(crate) fn to_date() -> ScalarUDF {
    ScalarUDF::new_from_impl(FromTemplate {
        date: true,
        signature: Signature::string(2, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct FromTemplate {
    /// `to_date` (else `to_timestamp`).
    date: bool,
    signature: Signature,
}

impl ScalarUDFImpl for FromTemplate {
    fn name(&self) -> &str {
        if self.date { TO_DATE } else { TO_TIMESTAMP }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(if self.date {
            DataType::Date32
        } else {
            DataType::Timestamp(TimeUnit::Nanosecond, Some(crate::arrow::UTC.into()))
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [text, template] = arrays.as_slice() else {
            return Err(DataFusionError::Internal(format!(
                "{} takes two arguments",
                self.name()
            )));
        };
        let text = cast(text, &DataType::Utf8)?;
        let template = cast(template, &DataType::Utf8)?;
        let (text, template) = (text.as_string::<i32>(), template.as_string::<i32>());
        let mut parsed_template: Option<(String, Vec<Node>)> = None;
        let mut read = |i: usize| -> Result<Option<Reading>> {
            if text.is_null(i) || template.is_null(i) {
                return Ok(None);
            }
            let pattern = template.value(i);
            if parsed_template.as_ref().is_none_or(|(p, _)| p != pattern) {
                parsed_template = Some((pattern.to_string(), compile(pattern)?));
            }
            let nodes = parsed_template.as_ref().map_or(&[][..], |(_, n)| n);
            Ok(Some(read(text.value(i), nodes)?))
        };
        let out: ArrayRef = if self.date {
            let mut out = Date32Builder::with_capacity(rows);
            for i in 0..rows {
                out.append_option(read(i)?.map(|r| r.days()).transpose()?);
            }
            Arc::new(out.finish())
        } else {
            let mut out = TimestampNanosecondBuilder::with_capacity(rows);
            for i in 0..rows {
                out.append_option(read(i)?.map(|r| r.nanos()).transpose()?);
            }
            Arc::new(out.finish().with_timezone(crate::arrow::UTC))
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// A numeric field of the template.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Year,
    Year3,
    Year2,
    Year1,
    Month,
    Day,
    DayOfYear,
    Hour24,
    Hour12,
    Minute,
    Second,
    /// Digits after the decimal point, at most this many.
    Fraction(usize),
    Julian,
    OffsetHours,
    OffsetMinutes,
}

/// A field read as a name.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Name {
    ShortMonth,
    FullMonth,
    ShortDay,
    FullDay,
    Meridian,
    MeridianDots,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Number(Number, &'static str),
    Name(Name, &'static str),
    /// A blank or another character that is neither a letter nor a digit.
    Separator,
    /// Quoted text, or a character that is no pattern: skips that many input characters.
    Skip(usize),
}

/// The template's patterns, longest first where one starts another.
const NUMBERS: &[(&str, Number)] = &[
    ("YYYY", Number::Year),
    ("HH24", Number::Hour24),
    ("HH12", Number::Hour12),
    ("YYY", Number::Year3),
    ("DDD", Number::DayOfYear),
    ("FF1", Number::Fraction(1)),
    ("FF2", Number::Fraction(2)),
    ("FF3", Number::Fraction(3)),
    ("FF4", Number::Fraction(4)),
    ("FF5", Number::Fraction(5)),
    ("FF6", Number::Fraction(6)),
    ("TZH", Number::OffsetHours),
    ("TZM", Number::OffsetMinutes),
    ("YY", Number::Year2),
    ("MM", Number::Month),
    ("DD", Number::Day),
    ("HH", Number::Hour12),
    ("MI", Number::Minute),
    ("SS", Number::Second),
    ("MS", Number::Fraction(3)),
    ("US", Number::Fraction(6)),
    ("Y", Number::Year1),
    ("J", Number::Julian),
];

const NAMES: &[(&str, Name)] = &[
    ("MONTH", Name::FullMonth),
    ("A.M.", Name::MeridianDots),
    ("P.M.", Name::MeridianDots),
    ("MON", Name::ShortMonth),
    ("DAY", Name::FullDay),
    ("DY", Name::ShortDay),
    ("AM", Name::Meridian),
    ("PM", Name::Meridian),
];

/// Patterns PostgreSQL has that this does not read.
const REFUSED: &[&str] = &[
    "FX", "TZ", "OF", "IYYY", "IYY", "IY", "IDDD", "ID", "IW", "I", "SSSSS", "SSSS", "Y,YYY", "CC",
    "WW", "W", "Q", "RM", "BC", "AD", "B.C.", "A.D.", "D",
];

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const DAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

fn starts_with(rest: &str, pattern: &str) -> bool {
    rest.get(..pattern.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(pattern))
}

/// The template as nodes; a pattern this does not read is 0A000.
fn compile(template: &str) -> Result<Vec<Node>> {
    let mut nodes = Vec::new();
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            nodes.push(Node::Skip(quoted[..end].chars().count()));
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        // `FM` (fill mode) changes nothing in reading.
        if starts_with(rest, "FM") {
            rest = &rest[2..];
            continue;
        }
        let number = NUMBERS.iter().find(|(p, _)| starts_with(rest, p));
        let name = NAMES.iter().find(|(p, _)| starts_with(rest, p));
        let refused = REFUSED.iter().find(|p| starts_with(rest, p));
        let longest = [number.map(|(p, _)| p.len()), name.map(|(p, _)| p.len())]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0);
        if let Some(refused) = refused.filter(|r| r.len() > longest) {
            return Err(function_error(
                format!(
                    "template pattern \"{refused}\" is not supported in to_timestamp and \
                     to_date (in \"{template}\")"
                ),
                SqlState::FEATURE_NOT_SUPPORTED,
            ));
        }
        match (number, name) {
            (Some((p, n)), _) if p.len() == longest => {
                nodes.push(Node::Number(*n, p));
                rest = &rest[p.len()..];
            }
            (_, Some((p, n))) => {
                nodes.push(Node::Name(*n, p));
                rest = &rest[p.len()..];
            }
            _ => {
                nodes.push(if c.is_alphanumeric() {
                    Node::Skip(1)
                } else {
                    Node::Separator
                });
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    Ok(nodes)
}

/// What the text said.
#[derive(Debug, Default)]
struct Reading {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    day_of_year: Option<i64>,
    julian: Option<i64>,
    hour: i64,
    minute: i64,
    second: i64,
    nanos: i64,
    offset_hours: i64,
    offset_minutes: i64,
    /// The text, for errors.
    text: String,
}

/// Reads `text` by the template `nodes`.
fn read(text: &str, nodes: &[Node]) -> Result<Reading> {
    let mut reading = Reading {
        text: text.to_string(),
        ..Reading::default()
    };
    let mut pm = None;
    let mut hour12 = None;
    let mut rest = text;
    for (i, node) in nodes.iter().enumerate() {
        match node {
            Node::Separator => {
                let blanks = rest.trim_start();
                if blanks.len() < rest.len() {
                    rest = blanks;
                } else if let Some(c) = rest.chars().next().filter(|c| !c.is_alphanumeric()) {
                    rest = &rest[c.len_utf8()..];
                }
            }
            Node::Skip(n) => {
                let skipped = rest.char_indices().nth(*n).map_or(rest.len(), |(b, _)| b);
                rest = &rest[skipped..];
            }
            Node::Number(number, pattern) => {
                rest = rest.trim_start();
                let next_is_field =
                    matches!(nodes.get(i + 1), Some(Node::Number(..) | Node::Name(..)));
                let (value, digits, after) = read_number(rest, *number, next_is_field, pattern)?;
                rest = after;
                match number {
                    Number::Year => reading.year = Some(value),
                    Number::Year3 | Number::Year2 | Number::Year1 => {
                        reading.year = Some(nearest_2020(value));
                    }
                    Number::Month => reading.month = Some(value),
                    Number::Day => reading.day = Some(value),
                    Number::DayOfYear => reading.day_of_year = Some(value),
                    Number::Julian => reading.julian = Some(value),
                    Number::Hour24 => reading.hour = value,
                    Number::Hour12 => hour12 = Some(value),
                    Number::Minute => reading.minute = value,
                    Number::Second => reading.second = value,
                    Number::Fraction(_) => {
                        reading.nanos = value * 10i64.pow(9u32.saturating_sub(digits as u32));
                    }
                    Number::OffsetHours => reading.offset_hours = value,
                    Number::OffsetMinutes => reading.offset_minutes = value,
                }
            }
            Node::Name(name, pattern) => {
                rest = rest.trim_start();
                let (value, after) = read_name(rest, *name, pattern)?;
                rest = after;
                match name {
                    Name::ShortMonth | Name::FullMonth => reading.month = Some(value),
                    Name::Meridian | Name::MeridianDots => pm = Some(value == 1),
                    Name::ShortDay | Name::FullDay => {}
                }
            }
        }
    }
    if let Some(hour) = hour12 {
        if !(1..=12).contains(&hour) {
            return Err(function_error(
                format!("hour \"{hour}\" is invalid for the 12-hour clock"),
                SqlState::INVALID_DATETIME_FORMAT,
            ));
        }
        reading.hour = hour % 12;
        if pm == Some(true) {
            reading.hour += 12;
        }
    }
    Ok(reading)
}

/// A year of fewer than four digits as the year nearest 2020 that ends in them, as
/// PostgreSQL reads it (`69` is 2069, `70` 1970, `519` 2519, `520` 1520).
fn nearest_2020(year: i64) -> i64 {
    match year {
        0..70 => year + 2000,
        70..100 => year + 1900,
        100..520 => year + 2000,
        520..1000 => year + 1000,
        _ => year,
    }
}

/// A number of `number`'s field at the start of `text` (its sign only for an offset): its
/// value, its count of digits, and the text after it.
fn read_number<'a>(
    text: &'a str,
    number: Number,
    next_is_field: bool,
    pattern: &str,
) -> Result<(i64, usize, &'a str)> {
    let width = match number {
        Number::Year => 4,
        Number::Year3 | Number::DayOfYear => 3,
        Number::Year1 => 1,
        Number::Fraction(n) => n,
        Number::Julian => 10,
        _ => 2,
    };
    let (negative, digits) = match (number, text.as_bytes().first()) {
        (Number::OffsetHours, Some(b'-')) => (true, &text[1..]),
        (Number::OffsetHours, Some(b'+')) => (false, &text[1..]),
        _ => (false, text),
    };
    let limit = if next_is_field { width } else { 18 };
    let count = digits
        .bytes()
        .take(limit)
        .take_while(u8::is_ascii_digit)
        .count();
    let too_many = matches!(number, Number::Fraction(_))
        && digits[count..].starts_with(|c: char| c.is_ascii_digit());
    if count == 0 || too_many {
        let shown: String = text.chars().take(width.max(2)).collect();
        return Err(function_error(
            format!("invalid value \"{shown}\" for \"{pattern}\""),
            SqlState::INVALID_DATETIME_FORMAT,
        ));
    }
    let value: i64 = digits[..count].parse().map_err(|_| {
        function_error(
            format!("value for \"{pattern}\" in the source string is out of range"),
            SqlState::DATETIME_FIELD_OVERFLOW,
        )
    })?;
    Ok((
        if negative { -value } else { value },
        count,
        &digits[count..],
    ))
}

/// A name of `name`'s field at the start of `text`: its number (a month 1-12, a day 0-6,
/// 0 for AM and 1 for PM), and the text after it.
fn read_name<'a>(text: &'a str, name: Name, pattern: &str) -> Result<(i64, &'a str)> {
    let candidates: Vec<(String, i64)> = match name {
        Name::ShortMonth => (1..)
            .zip(MONTHS)
            .map(|(i, m)| (m[..3].to_string(), i))
            .collect(),
        Name::FullMonth => (1..).zip(MONTHS).map(|(i, m)| (m.to_string(), i)).collect(),
        Name::ShortDay => (0..)
            .zip(DAYS)
            .map(|(i, d)| (d[..3].to_string(), i))
            .collect(),
        Name::FullDay => (0..).zip(DAYS).map(|(i, d)| (d.to_string(), i)).collect(),
        Name::Meridian => vec![("am".to_string(), 0), ("pm".to_string(), 1)],
        Name::MeridianDots => vec![("a.m.".to_string(), 0), ("p.m.".to_string(), 1)],
    };
    candidates
        .iter()
        .find(|(word, _)| starts_with(text, word))
        .map(|(word, value)| (*value, &text[word.len()..]))
        .ok_or_else(|| {
            let shown: String = text
                .chars()
                .take_while(|c| c.is_alphabetic() || *c == '.')
                .collect();
            function_error(
                format!("invalid value \"{shown}\" for \"{pattern}\""),
                SqlState::INVALID_DATETIME_FORMAT,
            )
        })
}

impl Reading {
    fn out_of_range(&self) -> DataFusionError {
        function_error(
            format!("date/time field value out of range: \"{}\"", self.text),
            SqlState::DATETIME_FIELD_OVERFLOW,
        )
    }

    /// The date the text names (year 1 BC, January 1st, where it names none, as in
    /// PostgreSQL: a year DriftDB does not hold).
    fn date(&self) -> Result<NaiveDate> {
        if let Some(julian) = self.julian {
            // Julian day 2440588 is 1970-01-01.
            return NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|epoch| {
                    epoch.checked_add_signed(chrono::Duration::try_days(julian - 2_440_588)?)
                })
                .ok_or_else(|| self.out_of_range());
        }
        let year = i32::try_from(self.year.unwrap_or(0)).map_err(|_| self.out_of_range())?;
        if year == 0 {
            return Err(function_error(
                format!(
                    "date/time field value out of range: \"{}\" (a year before 1 AD)",
                    self.text
                ),
                SqlState::DATETIME_FIELD_OVERFLOW,
            ));
        }
        if let (Some(day), None, None) = (self.day_of_year, self.month, self.day) {
            return u32::try_from(day)
                .ok()
                .and_then(|day| NaiveDate::from_yo_opt(year, day))
                .ok_or_else(|| self.out_of_range());
        }
        let month = u32::try_from(self.month.unwrap_or(1)).map_err(|_| self.out_of_range())?;
        let day = u32::try_from(self.day.unwrap_or(1)).map_err(|_| self.out_of_range())?;
        NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| self.out_of_range())
    }

    /// `to_date`'s value: days since 1970-01-01.
    fn days(&self) -> Result<i32> {
        let date = self.date()?;
        Ok(date.num_days_from_ce() - 719_163)
    }

    /// `to_timestamp`'s value: nanoseconds since the epoch, in UTC.
    fn nanos(&self) -> Result<i64> {
        if !(0..24).contains(&self.hour)
            || !(0..60).contains(&self.minute)
            || !(0..60).contains(&self.second)
        {
            return Err(self.out_of_range());
        }
        let days = i64::from(self.days()?);
        let offset = self.offset_hours * 3600
            + self.offset_minutes * if self.offset_hours < 0 { -60 } else { 60 };
        let seconds = days * 86_400 + self.hour * 3600 + self.minute * 60 + self.second - offset;
        seconds
            .checked_mul(1_000_000_000)
            .and_then(|n| n.checked_add(self.nanos))
            .ok_or_else(|| {
                function_error("timestamp out of range", SqlState::DATETIME_FIELD_OVERFLOW)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::{compile, read};

    fn reads(text: &str, template: &str) -> Option<(i32, i64)> {
        let reading = read(text, &compile(template).ok()?).ok()?;
        Some((
            reading.days().ok()?,
            reading.nanos().ok()? % 86_400_000_000_000,
        ))
    }

    #[test]
    fn templates_read_as_postgresql_reads_them() {
        let day = |(y, m, d): (i32, u32, u32)| {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
            chrono::NaiveDate::from_ymd_opt(y, m, d).map(|date| (date - epoch).num_days() as i32)
        };
        let hms = |h: i64, m: i64, s: i64| (h * 3600 + m * 60 + s) * 1_000_000_000;
        for (text, template, date, nanos) in [
            ("2024-03-05", "YYYY-MM-DD", (2024, 3, 5), 0),
            ("20240305", "YYYYMMDD", (2024, 3, 5), 0),
            ("  2000    JUN", "YYYY MON", (2000, 6, 1), 0),
            ("2000JUN", "YYYY MON", (2000, 6, 1), 0),
            ("2000+JUN", "YYYY MON", (2000, 6, 1), 0),
            (
                "05 Mar 2024 3:07 pm",
                "DD Mon YYYY HH:MI am",
                (2024, 3, 5),
                hms(15, 7, 0),
            ),
            (
                "2024/3/5 14.7.9.5",
                "YYYY-MM-DD HH24:MI:SS.MS",
                (2024, 3, 5),
                hms(14, 7, 9) + 500_000_000,
            ),
            ("March 5, 99", "Month DD, YY", (1999, 3, 5), 0),
            ("2024 065", "YYYY DDD", (2024, 3, 5), 0),
            ("2451545", "J", (2000, 1, 1), 0),
            (
                "2024-03-05T10:11:12",
                "YYYY-MM-DD\"T\"HH24:MI:SS",
                (2024, 3, 5),
                hms(10, 11, 12),
            ),
            (
                "2024-03-05 12:00 +05:30",
                "YYYY-MM-DD HH24:MI TZH:TZM",
                (2024, 3, 5),
                hms(6, 30, 0),
            ),
        ] {
            assert_eq!(
                reads(text, template),
                day(date).map(|d| (d, nanos)),
                "{text} {template}"
            );
        }
        // Refused, or not a date or time.
        for (text, template) in [
            ("2024-13-01", "YYYY-MM-DD"),
            ("2024-02-30", "YYYY-MM-DD"),
            ("2024-xx-01", "YYYY-MM-DD"),
            ("2024-03-05 13:00 pm", "YYYY-MM-DD HH:MI pm"),
            ("2024-03-05 24:00", "YYYY-MM-DD HH24:MI"),
            ("2024-03-05", "FXYYYY-MM-DD"),
            ("10:00", "HH24:MI"),
        ] {
            assert_eq!(reads(text, template), None, "{text} {template}");
        }
    }
}
