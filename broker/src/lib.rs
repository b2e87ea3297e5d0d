//! The DriftDB broker: the append-only segment log every other part stands on.
//!
//! [`log`] holds the storage engine: a [`log::Log`] is a data directory of topics, a topic is a
//! fixed set of partitions, and a partition is an ordered run of segment files, each named by
//! the offset of its first record and carrying a sparse offset index, a sparse time index and a
//! bloom filter of its keys. Records are appended in CRC-framed batches, acknowledged according
//! to the topic's durability policy (group-committed fsync for `always`), and read back by
//! offset, by timestamp or by key. Readers waiting at the end of a partition are woken by a
//! watch channel, never by polling.
//!
//! [`group`] holds the consumer-group coordinator (membership, generations, assignment) as a
//! state machine without I/O, and the durable store of committed offsets.
//!
//! [`service`] serves the log over gRPC (`driftdb.v1` Admin, Produce, Consume, plus health and
//! reflection); [`service::status`] is the one mapping from [`Error`] to gRPC codes, and
//! [`metrics`] names and records the broker's Prometheus metrics.
//!
//! The crate's single error type is [`Error`]; every fallible function returns [`Result`].

pub mod clock;
pub mod error;
pub mod group;
pub mod log;
pub mod metrics;
pub mod service;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, ErrorKind, Result};
