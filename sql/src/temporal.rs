//! The typed system-time model: what a `FOR SYSTEM_TIME` clause asks for.
//!
//! A [`SystemTime`] is attached to one table reference. Its points are literals only
//! ([`Point::Seq`] for `@SEQ:n`, [`Point::Timestamp`] for a timestamp literal), already
//! validated: a `Point::Timestamp` always holds a real instant. Ranges keep their bounds as
//! written; SQL:2011 gives a range whose start is after its end no rows, it is not an error.
//! Comparing a sequence with a timestamp needs the ledger, so that is left to the planner.

pub mod timestamp;

pub use self::timestamp::Timestamp;

/// A point on the database's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Point {
    /// `@SEQ:n`: the state right after ledger record `n` committed.
    Seq(u64),
    /// A timestamp literal: the state as of the last commit whose time is at or before it.
    Timestamp(Timestamp),
}

/// The versions of a table a query reads, per SQL:2011 `FOR SYSTEM_TIME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SystemTime {
    /// `AS OF p`: the rows current at `p`.
    AsOf(Point),
    /// `ALL`: every version ever.
    All,
    /// `BETWEEN a AND b`: versions current at some moment in `[a, b]` (end inclusive).
    Between(Point, Point),
    /// `FROM a TO b`: versions current at some moment in `[a, b)` (end exclusive).
    FromTo(Point, Point),
    /// `CONTAINED IN (a, b)`: versions that began and ended within `[a, b]`.
    ContainedIn(Point, Point),
}

impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Point::Seq(seq) => write!(f, "@SEQ:{seq}"),
            Point::Timestamp(timestamp) => write!(f, "TIMESTAMP '{timestamp}'"),
        }
    }
}

/// Prints the clause as DriftDB SQL accepts it, e.g. `FOR SYSTEM_TIME BETWEEN @SEQ:1 AND @SEQ:5`.
impl std::fmt::Display for SystemTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SystemTime::AsOf(p) => write!(f, "FOR SYSTEM_TIME AS OF {p}"),
            SystemTime::All => write!(f, "FOR SYSTEM_TIME ALL"),
            SystemTime::Between(a, b) => write!(f, "FOR SYSTEM_TIME BETWEEN {a} AND {b}"),
            SystemTime::FromTo(a, b) => write!(f, "FOR SYSTEM_TIME FROM {a} TO {b}"),
            SystemTime::ContainedIn(a, b) => write!(f, "FOR SYSTEM_TIME CONTAINED IN ({a}, {b})"),
        }
    }
}
