//! End-to-end tests: each starts the real `driftdb-server` binary on ephemeral loopback
//! ports with a temporary data directory and drives it through `driftdb-client` (and the
//! `driftdb` CLI), as a user would.

mod acl;
mod audit;
mod auth;
mod cli;
mod consume;
mod deploy;
mod errors;
mod groups;
mod grpc;
mod helm;
mod hostile;
mod http;
mod jdbc;
mod lifecycle;
mod node;
mod pg;
mod pg_dump;
mod produce;
mod projections;
mod python;
mod quickstart;
mod repl;
mod server;
mod side_by_side;
mod slt_wire;
mod sql_crash;
mod tls;
