//! The typed system-time model: what a `FOR SYSTEM_TIME` clause asks for.
//!
//! A [`SystemTime`] is attached to one table reference. Its points are literals only
//! ([`Point::Seq`] for `@SEQ:n`, [`Point::Timestamp`] for a timestamp literal), already
//! validated: a `Point::Timestamp` always holds a real instant. Ranges keep their bounds as
//! written; SQL:2011 gives a range whose start is after its end no rows, it is not an error.
//! Comparing a sequence with a timestamp needs the ledger, so that is left to the planner.

pub(crate) mod marker;
pub mod timestamp;

use sqlparser::ast::{Expr, TableFactor, TableVersion};

pub use self::timestamp::Timestamp;
use crate::error::{Error, Result};

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

impl SystemTime {
    /// What a table reference of a statement from [`crate::parse`] reads: `Ok(None)` for
    /// no clause (the current state) and for factors that are not table names, and
    /// [`Error::Unsupported`] for version forms of other dialects (`AT(..)`,
    /// `VERSION AS OF ..`). Needs nothing but the factor, so a planner can call it from
    /// wherever it meets table references.
    pub fn of_table_factor(factor: &TableFactor) -> Result<Option<SystemTime>> {
        match factor {
            TableFactor::Table {
                version: Some(version),
                ..
            } => Self::of_version(version).map(Some),
            _ => Ok(None),
        }
    }

    /// The [`SystemTime`] a `TableVersion` left by [`crate::parse`] stands for.
    pub fn of_version(version: &TableVersion) -> Result<SystemTime> {
        if let TableVersion::ForSystemTimeAsOf(Expr::Identifier(ident)) = version
            && let Some(system_time) = marker::decode(&ident.value, ident.quote_style)
        {
            return Ok(system_time);
        }
        Err(Error::Unsupported {
            message: format!(
                "table version `{version}` is not supported; use FOR SYSTEM_TIME with \
                 AS OF, ALL, BETWEEN, FROM .. TO or CONTAINED IN"
            ),
            position: None,
        })
    }
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
