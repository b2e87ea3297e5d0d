//! The broker's metrics, reported through the `metrics` facade under `driftdb_` names.
//!
//! Counters and the latency histogram are updated where the work happens (the gRPC handlers);
//! storage gauges (segments and bytes per partition) are sampled from the log by
//! [`record_storage`], which the server calls when `/metrics` is scraped, so they are exact at
//! scrape time without a background task. Every gauge is set at least that often (the
//! consumer-group lag by the coordinator's tick), so the server's recorder drops a gauge
//! nobody set for a while: the series of a deleted topic or group disappear instead of
//! reporting their last value forever. Without an installed recorder every call is a no-op.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};

use crate::log::Log;

pub const RECORDS_APPENDED: &str = "driftdb_records_appended_total";
pub const BYTES_APPENDED: &str = "driftdb_bytes_appended_total";
pub const RECORDS_FETCHED: &str = "driftdb_records_fetched_total";
pub const BYTES_FETCHED: &str = "driftdb_bytes_fetched_total";
pub const PRODUCE_LATENCY: &str = "driftdb_produce_duration_seconds";
pub const ACTIVE_SUBSCRIBERS: &str = "driftdb_active_subscribers";
pub const REQUEST_ERRORS: &str = "driftdb_request_errors_total";
pub const SEGMENTS: &str = "driftdb_partition_segments";
pub const PARTITION_BYTES: &str = "driftdb_partition_bytes";
pub const PARTITION_END_OFFSET: &str = "driftdb_partition_end_offset";
pub const CONSUMER_LAG: &str = "driftdb_consumer_group_lag";
pub use driftdb_log::metrics::{FSYNC_BATCH, FSYNC_LATENCY, record_fsync};

/// Registers help texts and units; call once after installing a recorder.
pub fn describe() {
    describe_counter!(
        RECORDS_APPENDED,
        Unit::Count,
        "Records appended, per topic (retried duplicates not counted)."
    );
    describe_counter!(
        BYTES_APPENDED,
        Unit::Bytes,
        "Encoded record bytes appended, per topic."
    );
    describe_counter!(
        RECORDS_FETCHED,
        Unit::Count,
        "Records sent to consumers (fetch, key reads, subscriptions), per topic."
    );
    describe_counter!(
        BYTES_FETCHED,
        Unit::Bytes,
        "Encoded record bytes sent to consumers, per topic."
    );
    describe_histogram!(
        FSYNC_LATENCY,
        Unit::Seconds,
        "Time one group-commit fsync of a partition took, per topic."
    );
    describe_histogram!(
        FSYNC_BATCH,
        Unit::Count,
        "Records made durable by one group-commit fsync (how many appends shared it), per topic."
    );
    describe_histogram!(
        PRODUCE_LATENCY,
        Unit::Seconds,
        "Time from receiving a produce request to acknowledging it."
    );
    describe_gauge!(ACTIVE_SUBSCRIBERS, Unit::Count, "Open Subscribe streams.");
    describe_counter!(
        REQUEST_ERRORS,
        Unit::Count,
        "Requests the broker failed, by gRPC status code."
    );
    // Exported from the start, so a scrape before the first subscription reads 0, not nothing.
    gauge!(ACTIVE_SUBSCRIBERS).set(0.0);
    describe_gauge!(SEGMENTS, Unit::Count, "Segment files per partition.");
    describe_gauge!(PARTITION_BYTES, Unit::Bytes, "Bytes on disk per partition.");
    describe_gauge!(
        CONSUMER_LAG,
        Unit::Count,
        "Records between a consumer group's committed offset and the partition's end."
    );
    describe_gauge!(
        PARTITION_END_OFFSET,
        Unit::Count,
        "The offset the next record of a partition gets."
    );
}

pub(crate) fn appended(topic: &str, records: u64, bytes: u64) {
    counter!(RECORDS_APPENDED, "topic" => topic.to_string()).increment(records);
    counter!(BYTES_APPENDED, "topic" => topic.to_string()).increment(bytes);
}

pub(crate) fn fetched(topic: &str, records: u64, bytes: u64) {
    if records == 0 {
        return;
    }
    counter!(RECORDS_FETCHED, "topic" => topic.to_string()).increment(records);
    counter!(BYTES_FETCHED, "topic" => topic.to_string()).increment(bytes);
}

pub(crate) fn request_error(code: tonic::Code) {
    counter!(REQUEST_ERRORS, "code" => format!("{code:?}")).increment(1);
}

pub(crate) fn produce_latency(elapsed: Duration) {
    histogram!(PRODUCE_LATENCY).record(elapsed.as_secs_f64());
}

/// Open Subscribe streams, for [`ACTIVE_SUBSCRIBERS`] (kept here so that every scrape can
/// set the gauge; see [`record_storage`]).
static SUBSCRIBERS: AtomicI64 = AtomicI64::new(0);

/// Counts one open subscription for as long as it lives.
#[derive(Debug)]
pub(crate) struct Subscriber(());

impl Subscriber {
    pub(crate) fn start() -> Self {
        let open = SUBSCRIBERS.fetch_add(1, Ordering::Relaxed) + 1;
        gauge!(ACTIVE_SUBSCRIBERS).set(open as f64);
        Subscriber(())
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        let open = SUBSCRIBERS.fetch_sub(1, Ordering::Relaxed) - 1;
        gauge!(ACTIVE_SUBSCRIBERS).set(open as f64);
    }
}

/// Samples segment counts, bytes on disk and end offsets of every partition into gauges,
/// and sets the subscriber gauge. The server calls it at each scrape and lets gauges not
/// set for a while expire, so the partitions of a deleted topic leave `/metrics`.
pub fn record_storage(log: &Log) {
    gauge!(ACTIVE_SUBSCRIBERS).set(SUBSCRIBERS.load(Ordering::Relaxed) as f64);
    for topic in log.topics() {
        for partition in topic.partitions() {
            let labels = [
                ("topic", topic.name().to_string()),
                ("partition", partition.id().to_string()),
            ];
            gauge!(SEGMENTS, &labels).set(partition.segment_count() as f64);
            gauge!(PARTITION_BYTES, &labels).set(partition.size_bytes() as f64);
            gauge!(PARTITION_END_OFFSET, &labels).set(partition.end_offset() as f64);
        }
    }
}
