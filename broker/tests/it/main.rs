//! Integration tests of the log engine, one binary with modules (see the workspace's build
//! notes): a model-based property test, crash (SIGKILL) rounds against a child process,
//! corruption and torn-tail recovery, and the engine's features and error cases.

mod corruption;
mod crash;
mod features;
mod format;
mod model;
mod support;
