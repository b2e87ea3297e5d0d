//! Interval and timestamp input as PostgreSQL reads it, where Arrow's parsers read less.
//!
//! An interval may have a clock part (`[-]hh:mm[:ss[.f]]`, as in
//! `'1 year 2 mons 3 days 04:05:06'`, which is also how intervals are written out) besides
//! the unit words (`'90 minutes'`); Arrow's interval parser reads unit words only.
//! [`normalize`] turns a clock part into them (`04:05:06` is `4 hours 5 minutes 6 seconds`,
//! its sign applying to all three), so every interval the server prints reads back. A
//! timestamp may leave out its seconds (`2025-01-02 05:06`); [`complete_timestamp`] adds them.
//! Both are applied to literals when a statement is parsed ([`normalize_literals`]), to
//! parameters bound with those types ([`normalizer_of`]) and to text stored into such
//! columns (`INSERT`, `COPY`, `UPDATE`: [`normalize_array`]).

pub(crate) mod functions;
pub(crate) mod justify;

use std::ops::ControlFlow;

use datafusion::arrow::array::{Array, ArrayRef, StringArray};
use sqlparser::ast::{DataType, Expr, Statement, Value, visit_expressions_mut};

/// `text` with each clock part spelled in units, and without the `+` PostgreSQL writes
/// before a positive part that follows a negative one (`-1 years +2 days`); `None` if it
/// has neither.
pub(crate) fn normalize(text: &str) -> Option<String> {
    let mut changed = false;
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| match clock(word) {
            Some(units) => {
                changed = true;
                units
            }
            None => match word.strip_prefix('+') {
                Some(number) if number.starts_with(|c: char| c.is_ascii_digit()) => {
                    changed = true;
                    number.to_string()
                }
                _ => word.to_string(),
            },
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// `[+-]hh:mm[:ss[.f]]` in units.
fn clock(word: &str) -> Option<String> {
    let (sign, rest) = match word.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", word.strip_prefix('+').unwrap_or(word)),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut parts = rest.split(':');
    let hours = parts.next().filter(|h| digits(h))?;
    let minutes = parts.next().filter(|m| digits(m))?;
    let seconds = match parts.next() {
        None => None,
        Some(s) => {
            let (whole, fraction) = s.split_once('.').unwrap_or((s, "0"));
            if !(digits(whole) && digits(fraction)) {
                return None;
            }
            Some(s)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    let mut units = format!("{sign}{hours} hours {sign}{minutes} minutes");
    if let Some(seconds) = seconds {
        units.push_str(&format!(" {sign}{seconds} seconds"));
    }
    Some(units)
}

/// The text of a string array bound for an interval or timestamp column, each value through
/// `normal`; `None` if no value needs it.
pub(crate) fn normalize_array(array: &ArrayRef, normal: Normalizer) -> Option<ArrayRef> {
    let strings = array.as_any().downcast_ref::<StringArray>()?;
    if !strings.iter().flatten().any(|s| s.contains(':')) {
        return None;
    }
    let normalized: StringArray = strings
        .iter()
        .map(|s| s.map(|s| normal(s).unwrap_or_else(|| s.to_string())))
        .collect();
    Some(std::sync::Arc::new(normalized))
}

/// A timestamp whose time has no seconds (`2025-01-02 05:06`, `2025-01-02 05:06+02`), which
/// PostgreSQL reads and Arrow's parser refuses, with `:00` seconds; `None` for any other text.
pub(crate) fn complete_timestamp(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    // `YYYY-MM-DD` then ` ` or `T`, then `H:MM` or `HH:MM`.
    let date = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b' ' | b'T'));
    if !date {
        return None;
    }
    let hour_digits = if digits(11..13) {
        2
    } else if digits(11..12) {
        1
    } else {
        return None;
    };
    let colon = 11 + hour_digits;
    if b.get(colon) != Some(&b':') || !digits(colon + 1..colon + 3) {
        return None;
    }
    let end = colon + 3;
    // Seconds present: nothing to do. A zone or the end may follow the minutes.
    match b.get(end) {
        None | Some(b'+' | b'-' | b'Z' | b'z' | b' ') => {
            Some(format!("{}:00{}", &text[..end], &text[end..]))
        }
        _ => None,
    }
}

/// Normalizes `INTERVAL '…'`, `'…'::interval` and `CAST('…' AS INTERVAL)` in `statement`,
/// and completes timestamps without seconds in casts to `timestamp[tz]`
/// ([`complete_timestamp`]). Only statements whose text has a `:` can hold a clock part:
/// `has_colon` says whether the text they came from has one.
pub(crate) fn normalize_literals(statement: &mut Statement, has_colon: bool) {
    if !has_colon {
        return;
    }
    let rewrite = |v: &mut Value, normal: Normalizer| {
        if let Value::SingleQuotedString(s) = v
            && let Some(n) = normal(s)
        {
            *s = n;
        }
    };
    let _ = visit_expressions_mut(statement, |e| {
        match e {
            Expr::Interval(interval) => {
                if let Expr::Value(v) = interval.value.as_mut() {
                    rewrite(&mut v.value, normalize);
                }
            }
            Expr::Cast {
                data_type, expr, ..
            } => {
                if let (Some(normal), Expr::Value(v)) = (normalizer(data_type), expr.as_mut()) {
                    rewrite(&mut v.value, normal);
                }
            }
            Expr::TypedString(typed) => {
                if let Some(normal) = normalizer(&typed.data_type) {
                    rewrite(&mut typed.value.value, normal);
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

/// A rewrite of input text into what Arrow's parsers read; `None` if the text needs none.
pub(crate) type Normalizer = fn(&str) -> Option<String>;

/// The rewrite text bound for `data_type` needs: [`normalize`] for an interval,
/// [`complete_timestamp`] for a timestamp.
fn normalizer(data_type: &DataType) -> Option<Normalizer> {
    match data_type {
        DataType::Interval { .. } => Some(normalize),
        DataType::Timestamp(..) => Some(complete_timestamp),
        _ => None,
    }
}

/// The rewrite a parameter bound as `sql_type` (as the wire protocol names it) needs.
pub(crate) fn normalizer_of(sql_type: &str) -> Option<Normalizer> {
    if sql_type.eq_ignore_ascii_case("interval") {
        Some(normalize)
    } else if sql_type.eq_ignore_ascii_case("timestamp")
        || sql_type.eq_ignore_ascii_case("timestamptz")
    {
        Some(complete_timestamp)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn clock_parts_become_units() {
        assert_eq!(
            normalize("1 year 2 mons 3 days 04:05:06").as_deref(),
            Some("1 year 2 mons 3 days 04 hours 05 minutes 06 seconds")
        );
        assert_eq!(
            normalize("-1 days -02:30").as_deref(),
            Some("-1 days -02 hours -30 minutes")
        );
        assert_eq!(
            normalize("00:00:01.5").as_deref(),
            Some("00 hours 00 minutes 01.5 seconds")
        );
        assert_eq!(
            normalize("-1 years +2 days 01:30:00").as_deref(),
            Some("-1 years 2 days 01 hours 30 minutes 00 seconds")
        );
        assert_eq!(normalize("90 minutes"), None);
        assert_eq!(normalize("1:2:3:4"), None);
        assert_eq!(normalize("a:b"), None);
    }

    #[test]
    fn timestamps_without_seconds_get_them() {
        use super::complete_timestamp as c;
        assert_eq!(
            c("2025-01-02 05:06").as_deref(),
            Some("2025-01-02 05:06:00")
        );
        assert_eq!(
            c("2025-01-02T5:06+02").as_deref(),
            Some("2025-01-02T5:06:00+02")
        );
        assert_eq!(
            c("2025-01-02 05:06 BC").as_deref(),
            Some("2025-01-02 05:06:00 BC")
        );
        assert_eq!(c("2025-01-02 05:06:07"), None);
        assert_eq!(c("2025-01-02"), None);
        assert_eq!(c("soon"), None);
    }
}
