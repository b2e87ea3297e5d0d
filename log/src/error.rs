//! The log's error type, which the broker's services map to gRPC statuses and the SQL side to
//! SQLSTATEs.
//!
//! Each variant says who is at fault ([`ErrorKind`]): the caller (bad input, unknown names,
//! offsets out of range), a race the caller may retry (conflicts), the disk (I/O, corruption)
//! or the log itself refusing to go on after a failed fsync. The gRPC layer maps kinds to
//! status codes in one place; clients decide to retry from [`Error::is_retryable`], never from
//! message text.

use std::io;
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who is at fault, in the terms every protocol mapping needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request itself is wrong; retrying it unchanged fails again.
    InvalidInput,
    /// A named topic, partition or offset does not exist.
    NotFound,
    /// Creating something that already exists.
    AlreadyExists,
    /// A precondition on the log's state did not hold (expected offset, producer sequence).
    Conflict,
    /// A size limit was exceeded.
    ResourceExhausted,
    /// The log cannot serve the request now (closed, fenced after a failed fsync).
    Unavailable,
    /// Data on disk failed verification.
    Corruption,
    /// An operating-system I/O failure.
    Io,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    #[error("unknown topic {0:?}")]
    UnknownTopic(String),

    #[error("topic {topic:?} has no partition {partition}")]
    UnknownPartition { topic: String, partition: u32 },

    #[error("topic {0:?} already exists")]
    TopicExists(String),

    #[error(
        "offset {requested} is out of range: the partition holds offsets {start} to {end} (exclusive)"
    )]
    OffsetOutOfRange {
        requested: u64,
        start: u64,
        end: u64,
    },

    #[error("record of {size} bytes exceeds the topic's limit of {max} bytes")]
    RecordTooLarge { size: usize, max: usize },

    #[error("expected next offset {expected} but the partition's next offset is {actual}")]
    OffsetMismatch { expected: u64, actual: u64 },

    #[error("expected the key's newest record at offset {expected:?} but it is at {actual:?}")]
    KeyOffsetMismatch {
        expected: Option<u64>,
        actual: Option<u64>,
    },

    #[error("producer {producer_id} sent sequence {received} but the partition expects {expected}")]
    OutOfOrderSequence {
        producer_id: u64,
        expected: u32,
        received: u32,
    },

    #[error("member {member:?} is not part of consumer group {group:?}; join again")]
    UnknownMember { group: String, member: String },

    #[error("consumer group {group:?} is in generation {current}, not {received}; join again")]
    StaleGeneration {
        group: String,
        current: u32,
        received: i64,
    },

    #[error("consumer group {group:?} is rebalancing; join again")]
    RebalanceInProgress { group: String },

    #[error("member {member:?} of group {group:?} is not assigned {topic}/{partition}")]
    NotAssigned {
        group: String,
        member: String,
        topic: String,
        partition: u32,
    },

    #[error("corrupt log data in {} at byte {position}: {reason}", path.display())]
    Corruption {
        path: PathBuf,
        position: u64,
        reason: String,
    },

    #[error(
        "partition {topic}/{partition} refuses writes after a failed fsync; reopen the log to recover"
    )]
    Fenced { topic: String, partition: u32 },

    #[error("data directory {} is in use by another process", path.display())]
    Locked { path: PathBuf },

    #[error("the log is closed")]
    Closed,

    #[error("I/O error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument(_) => ErrorKind::InvalidInput,
            Error::UnknownTopic(_) | Error::UnknownPartition { .. } => ErrorKind::NotFound,
            Error::OffsetOutOfRange { .. } => ErrorKind::NotFound,
            Error::TopicExists(_) => ErrorKind::AlreadyExists,
            Error::RecordTooLarge { .. } => ErrorKind::ResourceExhausted,
            Error::OffsetMismatch { .. }
            | Error::KeyOffsetMismatch { .. }
            | Error::OutOfOrderSequence { .. }
            | Error::UnknownMember { .. }
            | Error::StaleGeneration { .. }
            | Error::RebalanceInProgress { .. }
            | Error::NotAssigned { .. } => ErrorKind::Conflict,
            Error::Corruption { .. } => ErrorKind::Corruption,
            Error::Fenced { .. } | Error::Locked { .. } | Error::Closed => ErrorKind::Unavailable,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    /// Whether the same request may succeed if sent again later. Conflicts are not retryable
    /// as-is: the caller must re-read the state and decide.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Closed | Error::Io { .. })
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn corruption(
        path: impl Into<PathBuf>,
        position: u64,
        reason: impl Into<String>,
    ) -> Self {
        Error::Corruption {
            path: path.into(),
            position,
            reason: reason.into(),
        }
    }
}
