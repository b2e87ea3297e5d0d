//! Integration tests of the DataFusion execution layer: projector tables built through the
//! projector's API, served by `DriftTable`, queried with real SQL.

mod access;
mod common;
mod history;
mod overlay;
mod queries;
mod types;
