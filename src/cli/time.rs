//! Parsing `--since` values: microseconds since the epoch, a duration ago, or RFC 3339.

use anyhow::{Context, Result, anyhow};

/// The time `s` names, in microseconds since the Unix epoch. `now` is the current time in the
/// same unit, for relative values.
///
/// Accepted: `1732390000000000` (microseconds), `90s`, `15m`, `2h`, `7d` (that long before
/// `now`), and RFC 3339 date-times such as `2026-11-23T21:05:00Z` or
/// `2026-11-23T22:05:00.250+01:00`.
pub fn parse_since(s: &str, now: i64) -> Result<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().context("timestamp out of range");
    }
    if let Some(ago) = parse_ago(s) {
        return Ok(now.saturating_sub(ago?));
    }
    parse_rfc3339(s).with_context(|| {
        format!("{s:?} is not a time: use microseconds, a duration ago (15m) or RFC 3339")
    })
}

fn parse_ago(s: &str) -> Option<Result<i64>> {
    let unit = match s.as_bytes().last()? {
        b's' => 1_000_000i64,
        b'm' => 60_000_000,
        b'h' => 3_600_000_000,
        b'd' => 86_400_000_000,
        _ => return None,
    };
    let digits = &s[..s.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(unit))
            .ok_or_else(|| anyhow!("duration {s:?} is too long")),
    )
}

/// An RFC 3339 date-time (`T`, `t` or a space between date and time; `Z` or an offset), in
/// microseconds since the epoch; finer digits than microseconds are cut.
fn parse_rfc3339(s: &str) -> Result<i64> {
    Ok(chrono::DateTime::parse_from_rfc3339(s)?.timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_in_utc_and_with_offsets() {
        assert_eq!(parse_since("1970-01-01T00:00:00Z", 0).ok(), Some(0));
        // 2000-03-01 is day 11017 after the epoch.
        assert_eq!(
            parse_since("2000-03-01T00:00:01.5Z", 0).ok(),
            Some(11_017 * 86_400_000_000 + 1_500_000)
        );
        assert_eq!(
            parse_since("2000-03-01T01:00:00+01:00", 0).ok(),
            parse_since("2000-03-01T00:00:00Z", 0).ok()
        );
    }

    #[test]
    fn micros_and_durations_ago() {
        let now = 10_000_000_000;
        assert_eq!(parse_since("123", now).ok(), Some(123));
        assert_eq!(parse_since("90s", now).ok(), Some(now - 90_000_000));
        assert_eq!(parse_since("2h", now).ok(), Some(now - 7_200_000_000));
    }

    #[test]
    fn nonsense_is_an_error() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-23T21:00:00",
            "5x",
            "s",
        ] {
            assert!(parse_since(bad, 0).is_err(), "{bad:?} parsed");
        }
    }
}
