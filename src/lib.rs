//! The `driftdb` package: the binaries that wire DriftDB's crates together, and the pieces of
//! them worth testing as a library.
//!
//! - [`server`]: `driftdb-server`, the node. It opens the data directory as a
//!   [`driftdb_broker::log::Log`], serves the broker's gRPC services
//!   ([`driftdb_broker::service`]), the PostgreSQL port ([`driftdb_pg`]) and an HTTP endpoint
//!   for metrics and health.
//! - [`bench`]: `driftdb bench`, benchmarks that print Markdown reports: the log engine beside
//!   the disk's own figures, produce and consume over gRPC, and Redis Streams as the peer.
//! - [`cli`]: `driftdb`, the command-line tool for topics, producing and consuming, built on the
//!   `driftdb-client` crate.

pub mod bench;
pub mod cli;
pub mod server;

/// The stack of each runtime thread of the binaries. SQL is planned by recursive passes
/// over the statement (DataFusion's own cloning among them, which does not grow its stack
/// as it goes), so a statement as deep as the parser lets through
/// ([`driftdb_sql::parser::MAX_DEPTH`]) needs more than a thread's default 2 MiB in a debug
/// build. Only the pages touched are memory; the rest is address space.
pub const THREAD_STACK_BYTES: usize = 64 << 20;
