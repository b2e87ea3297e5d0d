//! The marker identifier that stands for a `FOR SYSTEM_TIME` clause in the AST.
//!
//! A marker is self-describing, so a planner can read a table reference's [`SystemTime`]
//! from the `TableFactor` alone, with no per-query state:
//!
//! ```text
//! driftdb_system_time_<n>:<kind>[:<point>[:<point>]]
//!   kind  = as_of | all | between | from_to | contained_in
//!   point = seq=<u64> | ts=<unix microseconds, i64>
//! ```
//!
//! `<n>` numbers the clauses of one `parse` call, so markers are unique within it. Markers
//! are quoted with a backtick ([`MARKER_QUOTE`]), which no PostgreSQL input tokenizes into,
//! so decoding only trusts identifiers with that quote style: users cannot forge one.

use super::{Point, SystemTime, Timestamp};
use crate::dialect::MARKER_QUOTE;

const PREFIX: &str = "driftdb_system_time_";

/// The marker text of the `index`-th clause of a parse.
pub(crate) fn encode(index: usize, system_time: &SystemTime) -> String {
    let point = |p: &Point| match p {
        Point::Seq(seq) => format!("seq={seq}"),
        Point::Timestamp(t) => format!("ts={}", t.unix_micros()),
    };
    let body = match system_time {
        SystemTime::AsOf(p) => format!("as_of:{}", point(p)),
        SystemTime::All => "all".to_owned(),
        SystemTime::Between(a, b) => format!("between:{}:{}", point(a), point(b)),
        SystemTime::FromTo(a, b) => format!("from_to:{}:{}", point(a), point(b)),
        SystemTime::ContainedIn(a, b) => format!("contained_in:{}:{}", point(a), point(b)),
    };
    format!("{PREFIX}{index}:{body}")
}

/// The [`SystemTime`] of a marker identifier, `None` if it is not one.
pub(crate) fn decode(value: &str, quote_style: Option<char>) -> Option<SystemTime> {
    if quote_style != Some(MARKER_QUOTE) {
        return None;
    }
    let mut parts = value.strip_prefix(PREFIX)?.split(':');
    parts.next()?.parse::<usize>().ok()?;
    let kind = parts.next()?;
    let mut point = || -> Option<Point> {
        let part = parts.next()?;
        if let Some(seq) = part.strip_prefix("seq=") {
            return seq.parse().ok().map(Point::Seq);
        }
        let micros = part.strip_prefix("ts=")?.parse().ok()?;
        Some(Point::Timestamp(Timestamp::from_unix_micros(micros)))
    };
    let system_time = match kind {
        "as_of" => SystemTime::AsOf(point()?),
        "all" => SystemTime::All,
        "between" => SystemTime::Between(point()?, point()?),
        "from_to" => SystemTime::FromTo(point()?, point()?),
        "contained_in" => SystemTime::ContainedIn(point()?, point()?),
        _ => return None,
    };
    parts.next().is_none().then_some(system_time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_form() {
        let t = Point::Timestamp(Timestamp::from_unix_micros(-5));
        let s = Point::Seq(u64::MAX);
        for (index, st) in [
            SystemTime::AsOf(s),
            SystemTime::All,
            SystemTime::Between(t, s),
            SystemTime::FromTo(s, t),
            SystemTime::ContainedIn(t, t),
        ]
        .iter()
        .enumerate()
        {
            let marker = encode(index, st);
            assert_eq!(decode(&marker, Some(MARKER_QUOTE)), Some(*st), "{marker}");
            assert_eq!(decode(&marker, Some('"')), None, "{marker}");
            assert_eq!(decode(&marker, None), None, "{marker}");
        }
    }

    #[test]
    fn rejects_anything_else() {
        for text in [
            "",
            "driftdb_system_time_",
            "driftdb_system_time_0",
            "driftdb_system_time_x:all",
            "driftdb_system_time_0:all:seq=1",
            "driftdb_system_time_0:as_of",
            "driftdb_system_time_0:as_of:seq=-1",
            "driftdb_system_time_0:as_of:ts=1.5",
            "driftdb_system_time_0:between:seq=1",
            "driftdb_system_time_0:sometime",
            "other_0:all",
        ] {
            assert_eq!(decode(text, Some(MARKER_QUOTE)), None, "{text:?}");
        }
    }
}
