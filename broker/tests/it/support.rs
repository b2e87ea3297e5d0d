//! Helpers shared by the log tests.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use driftdb_broker::log::{Log, LogOptions, NewRecord, Record, TopicConfig};
use driftdb_broker::{Clock, ManualClock};

/// Opens a log with no background threads and a manual clock.
pub fn open_manual(dir: &Path, clock: &Arc<ManualClock>) -> Arc<Log> {
    open_manual_result(dir, clock).expect("open log")
}

pub fn open_manual_result(
    dir: &Path,
    clock: &Arc<ManualClock>,
) -> driftdb_broker::Result<Arc<Log>> {
    open_with_retry(dir, || LogOptions {
        clock: Arc::clone(clock) as Arc<dyn Clock>,
        background: false,
        ..LogOptions::default()
    })
}

/// Opens a log, retrying briefly while the directory lock is held. The crash test spawns child
/// processes while other tests run; between fork and exec a child holds duplicates of the
/// parent's descriptors, the data-directory lock of whichever test is reopening included.
pub fn open_with_retry(
    dir: &Path,
    options: impl Fn() -> LogOptions,
) -> driftdb_broker::Result<Arc<Log>> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match Log::open(dir, options()) {
            Err(driftdb_broker::Error::Locked { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

pub fn small_segments() -> TopicConfig {
    TopicConfig {
        segment_bytes: 2048,
        index_interval_bytes: 256,
        ..TopicConfig::default()
    }
}

pub fn rec(key: Option<&str>, value: &str) -> NewRecord {
    NewRecord {
        key: key.map(|k| Bytes::copy_from_slice(k.as_bytes())),
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        ..NewRecord::default()
    }
}

pub fn values(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or(b"<tombstone>")).into_owned())
        .collect()
}

/// Reads a whole partition from its start.
pub fn read_all(log: &Log, topic: &str, partition: u32) -> Vec<Record> {
    let p = log.topic(topic).unwrap().partition(partition).unwrap();
    let mut out = Vec::new();
    let mut next = p.start_offset();
    loop {
        let batch = p
            .read(
                next,
                driftdb_broker::log::ReadLimits {
                    max_bytes: 64 << 10,
                    max_records: 1000,
                },
            )
            .unwrap();
        let Some(last) = batch.last() else { break };
        next = last.offset + 1;
        out.extend(batch);
    }
    out
}
