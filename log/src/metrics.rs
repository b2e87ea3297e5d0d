//! The log's own metrics (recorded through the `metrics` facade; the broker describes them
//! with the rest of its metrics and the server exports them).

use std::time::Duration;

use metrics::histogram;

/// Seconds one group-commit fsync of a partition took, per topic.
pub const FSYNC_LATENCY: &str = "driftdb_fsync_duration_seconds";
/// Records made durable by one group-commit fsync, per topic.
pub const FSYNC_BATCH: &str = "driftdb_fsync_batch_records";

/// Records one group-commit fsync: how long it took and how many records it made durable.
pub fn record_fsync(topic: &str, took: Duration, records: u64) {
    histogram!(FSYNC_LATENCY, "topic" => topic.to_string()).record(took.as_secs_f64());
    histogram!(FSYNC_BATCH, "topic" => topic.to_string()).record(records as f64);
}
