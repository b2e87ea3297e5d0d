//! The `driftdb` package: the binaries `driftdb-server` (the node) and `driftdb` (the CLI),
//! and the pieces of them worth testing as a library.
//!
//! - [`bench`]: `driftdb bench log`, the log engine benchmark beside the disk's own figures.

pub mod bench;
