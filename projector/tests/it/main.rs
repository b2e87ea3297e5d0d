//! Integration tests of `driftdb-projector`, in one binary so they link once.
//!
//! - `model`: a deliberately simple reference model (a list of `BTreeMap` states, one per
//!   applied sequence) and the helpers that compare a `Table` with it;
//! - `table_vs_model`: property tests driving random ledger records through both;
//! - `runner_vs_model`: projection runners against a model log and ledger, crashed, failed
//!   and raced at random;
//! - `fixtures`: snapshot files of every released format version still load.

mod fixtures;
mod model;
mod runner_vs_model;
mod table_vs_model;
