//! Parsing `--since` values: microseconds since the epoch, a duration ago, or RFC 3339.

use anyhow::{Context, Result, anyhow, bail};

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

fn parse_rfc3339(s: &str) -> Result<i64> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Result<i64> {
        let part = s.get(range).ok_or_else(|| anyhow!("too short"))?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            bail!("expected digits, got {part:?}");
        }
        Ok(part.parse()?)
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        bail!("expected YYYY-MM-DDTHH:MM:SS");
    }
    if b[13] != b':' || b[16] != b':' {
        bail!("expected HH:MM:SS");
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        bail!("field out of range");
    }
    let mut rest = &s[19..];
    let mut micros = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            bail!("empty fraction");
        }
        let mut scaled = frac[..digits.min(6)].to_string();
        while scaled.len() < 6 {
            scaled.push('0');
        }
        micros = scaled.parse()?;
        rest = &frac[digits..];
    }
    let offset_seconds = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && &rest[3..4] == ":" =>
        {
            let hours: i64 = rest[1..3].parse()?;
            let minutes: i64 = rest[4..6].parse()?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (hours * 3600 + minutes * 60)
        }
        _ => bail!("expected Z or an offset like +01:00"),
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Ok(seconds * 1_000_000 + micros)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
            "2026-11-23T21:00:00",
            "5x",
            "s",
        ] {
            assert!(parse_since(bad, 0).is_err(), "{bad:?} parsed");
        }
    }
}
