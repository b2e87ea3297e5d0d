//! [`Timestamp`]: an instant with microsecond precision, read from a SQL literal.
//!
//! Accepted text (PostgreSQL's ISO 8601 subset): `YYYY-MM-DD`, optionally followed by a space
//! or `T` and `HH:MM`, `HH:MM:SS` or `HH:MM:SS.f` (1 to 6 fraction digits), optionally
//! followed (after optional spaces) by a zone: `Z`, `UTC`, `+HH`, `+HHMM` or `+HH:MM` (or `-`).
//! A timestamp without a zone is UTC: ledger commit times are UTC, and the session time zone
//! does not exist yet. Anything else (a leap second, Feb 30, 7 fraction digits, a year outside
//! 1..=9999) is rejected with a reason rather than rounded or guessed.

use crate::calendar::{days_from_civil, days_in_month};

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// An instant, as microseconds since 1970-01-01 00:00:00 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_micros: i64,
}

impl Timestamp {
    /// The instant `unix_micros` microseconds after the Unix epoch.
    pub fn from_unix_micros(unix_micros: i64) -> Self {
        Self { unix_micros }
    }

    /// Microseconds since the Unix epoch (negative before 1970).
    pub fn unix_micros(self) -> i64 {
        self.unix_micros
    }

    /// Reads a timestamp literal's text; the error is the reason it is not one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut cursor = Cursor { rest: text.trim() };
        let year = cursor.digits(4, "a four-digit year")?;
        cursor.expect('-')?;
        let month = cursor.digits(2, "a two-digit month")?;
        cursor.expect('-')?;
        let day = cursor.digits(2, "a two-digit day")?;
        if !(1..=12).contains(&month) {
            return Err(format!("month {month} is out of range"));
        }
        if year == 0 {
            return Err("year 0 does not exist".into());
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(format!(
                "day {day} is out of range for {year:04}-{month:02}"
            ));
        }
        let (mut hour, mut minute, mut second, mut micros) = (0, 0, 0, 0);
        if cursor.eat('T') || (cursor.eat(' ') && cursor.peek_digit()) {
            cursor.skip_spaces();
            hour = cursor.digits(2, "a two-digit hour")?;
            cursor.expect(':')?;
            minute = cursor.digits(2, "two-digit minutes")?;
            if cursor.eat(':') {
                second = cursor.digits(2, "two-digit seconds")?;
                if cursor.eat('.') {
                    micros = cursor.fraction()?;
                }
            }
            if hour > 23 || minute > 59 || second > 59 {
                return Err(format!(
                    "time {hour:02}:{minute:02}:{second:02} is out of range"
                ));
            }
        }
        cursor.skip_spaces();
        let offset_seconds = cursor.zone()?;
        if !cursor.rest.is_empty() {
            return Err(format!("unexpected {:?} at the end", cursor.rest));
        }
        let days = days_from_civil(year, month, day);
        let seconds = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset_seconds;
        Ok(Self {
            unix_micros: seconds * MICROS_PER_SECOND + micros,
        })
    }
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]+00`, PostgreSQL's output for a `timestamptz` in UTC.
impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::text::timestamptz(self.unix_micros))
    }
}

struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn digits(&mut self, count: usize, what: &str) -> Result<i64, String> {
        let digits = self
            .rest
            .get(..count)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
        let Some(digits) = digits else {
            return Err(format!("expected {what}"));
        };
        self.rest = &self.rest[count..];
        digits.parse().map_err(|_| format!("expected {what}"))
    }

    fn peek_digit(&self) -> bool {
        self.rest
            .trim_start_matches(' ')
            .starts_with(|c: char| c.is_ascii_digit())
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{c}'"))
        }
    }

    fn skip_spaces(&mut self) {
        self.rest = self.rest.trim_start_matches(' ');
    }

    /// Fraction digits after the decimal point, as microseconds.
    fn fraction(&mut self) -> Result<i64, String> {
        let len = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 || len > 6 {
            return Err("seconds need 1 to 6 fraction digits (microsecond precision)".into());
        }
        let mut micros = self.digits(len, "fraction digits")?;
        for _ in len..6 {
            micros *= 10;
        }
        Ok(micros)
    }

    /// The zone's offset east of UTC in seconds; no zone is UTC.
    fn zone(&mut self) -> Result<i64, String> {
        if self.rest.is_empty() {
            return Ok(0);
        }
        if self.eat('Z') || self.eat('z') {
            return Ok(0);
        }
        if self.rest.eq_ignore_ascii_case("UTC") {
            self.rest = "";
            return Ok(0);
        }
        let sign = if self.eat('+') {
            1
        } else if self.eat('-') {
            -1
        } else {
            return Err(format!(
                "unexpected {:?} where a time zone offset may be",
                self.rest
            ));
        };
        let hours = self.digits(2, "a two-digit zone hour")?;
        let minutes = if self.eat(':') || self.rest.len() == 2 {
            self.digits(2, "two-digit zone minutes")?
        } else {
            0
        };
        if hours > 15 || minutes > 59 {
            return Err(format!(
                "time zone offset {hours:02}:{minutes:02} is out of range"
            ));
        }
        Ok(sign * (hours * 3600 + minutes * 60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(text: &str) -> i64 {
        match Timestamp::parse(text) {
            Ok(t) => t.unix_micros(),
            Err(reason) => panic!("{text}: {reason}"),
        }
    }

    #[test]
    fn known_instants() {
        assert_eq!(micros("1970-01-01"), 0);
        assert_eq!(micros("1970-01-01 00:00:01"), 1_000_000);
        // date -u -d '2025-10-24 12:00:00' +%s => 1761307200
        assert_eq!(micros("2025-10-24 12:00:00"), 1_761_307_200_000_000);
        assert_eq!(micros("2025-10-24T12:00:00Z"), 1_761_307_200_000_000);
        assert_eq!(micros("2025-10-24 14:00:00+02"), 1_761_307_200_000_000);
        assert_eq!(micros("2025-10-24 14:30+02:30"), 1_761_307_200_000_000);
        assert_eq!(micros("2025-10-24 07:00:00 -0500"), 1_761_307_200_000_000);
        assert_eq!(micros("2025-10-24 12:00:00 UTC"), 1_761_307_200_000_000);
        assert_eq!(micros("2025-10-24 12:00:00.5"), 1_761_307_200_500_000);
        assert_eq!(micros("2025-10-24 12:00:00.000001"), 1_761_307_200_000_001);
        assert_eq!(micros("1969-12-31 23:59:59"), -1_000_000);
        assert_eq!(micros("2024-02-29"), 1_709_164_800_000_000);
    }

    #[test]
    fn rejects_what_is_not_an_instant() {
        for text in [
            "",
            "yesterday",
            "2025-13-01",
            "2025-02-29",
            "2025-04-31",
            "0000-01-01",
            "2025-1-1",
            "2025-10-24 24:00:00",
            "2025-10-24 12:60",
            "2025-10-24 12:00:60",
            "2025-10-24 12:00:00.1234567",
            "2025-10-24 12:00:00.",
            "2025-10-24 12:00:00+16",
            "2025-10-24 12:00:00 Europe/Paris",
            "2025-10-24 12",
            "2025-10-24x",
        ] {
            assert!(Timestamp::parse(text).is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "2025-10-24 12:00:00+00",
            "1969-12-31 23:59:59.25+00",
            "0001-01-01 00:00:00+00",
            "9999-12-31 23:59:59.999999+00",
            "2000-02-29 01:02:03.000004+00",
        ] {
            let t = Timestamp::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t.to_string(), text);
        }
    }
}
