//! The DriftDB broker: the append-only segment log every other part stands on, served.
//!
//! [`log`] is the storage engine, the `driftdb-log` crate re-exported (the projector and the
//! SQL database use that crate directly, without this one's gRPC): a [`log::Log`] is a data
//! directory of topics, a topic is a fixed set of partitions, and a partition is an ordered run of segment files, each named by
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
//! The crate's single error type is the log's [`Error`]; every fallible function returns
//! [`Result`]. [`service::status::status`] maps it to a gRPC status.

pub mod group;
pub mod metrics;
pub mod service;

/// The log engine, its errors and its clock: the `driftdb-log` crate, which the broker serves.
pub use driftdb_log as log;
pub use driftdb_log::{Clock, Error, ErrorKind, ManualClock, Result, SystemClock, clock, error};
