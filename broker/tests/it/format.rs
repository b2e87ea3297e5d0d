//! The segment format is a contract: `tests/fixtures/log-v1` holds a partition written by
//! format version 1 (magic 1). These tests check that today's code still reads it record for
//! record, and that it still writes exactly those bytes, so a format change cannot slip in
//! unnoticed. A deliberate change adds a new fixture version beside the old one; set
//! `DRIFTDB_BLESS_FIXTURES=1` once to write a missing fixture.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use driftdb_broker::ManualClock;
use driftdb_broker::log::{AppendOptions, Header, NewRecord, TopicConfig};

use crate::support::{open_manual, read_all};

const T0: i64 = 1_761_307_200_000_000; // 2025-10-24 12:00:00 UTC

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/log-v1")
}

fn batches() -> Vec<(Vec<NewRecord>, AppendOptions)> {
    (0..12u32)
        .map(|i| {
            let records = (0..3u32)
                .map(|j| {
                    let n = i * 3 + j;
                    NewRecord {
                        timestamp: (n % 5 == 0).then_some(T0 + i64::from(n) * 10),
                        key: (n % 4 != 3).then(|| Bytes::from(format!("key-{}", n % 7))),
                        headers: if n % 3 == 0 {
                            vec![Header {
                                name: "type".into(),
                                value: Bytes::from(format!("Event{n}")),
                            }]
                        } else {
                            Vec::new()
                        },
                        value: (n != 20).then(|| {
                            Bytes::from(format!("value {n} {}", "x".repeat(n as usize * 3)))
                        }),
                    }
                })
                .collect();
            let opts = if i % 2 == 0 {
                AppendOptions {
                    producer: Some((9, i / 2 * 3)),
                    ..AppendOptions::default()
                }
            } else {
                AppendOptions::default()
            };
            (records, opts)
        })
        .collect()
}

/// Writes the fixture's content into a fresh data directory.
fn write_fixture(dir: &Path) {
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir, &clock);
    let cfg = TopicConfig {
        segment_bytes: 1024,
        index_interval_bytes: 128,
        ..TopicConfig::default()
    };
    let p = log
        .create_topic("fixture", cfg)
        .unwrap()
        .partition(0)
        .unwrap();
    for (records, opts) in batches() {
        clock.advance(1_000);
        p.append(records, opts).unwrap();
    }
}

fn segment_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn version_1_fixture_still_reads_and_writes_identically() {
    let fresh = tempfile::tempdir().unwrap();
    write_fixture(fresh.path());
    let fixture = fixture_dir();
    if !fixture.exists() && std::env::var_os("DRIFTDB_BLESS_FIXTURES").is_some() {
        copy_dir(fresh.path(), &fixture);
    }
    assert!(
        fixture.exists(),
        "missing fixture {}; run once with DRIFTDB_BLESS_FIXTURES=1",
        fixture.display()
    );

    // Same bytes as written by format version 1.
    let part = |root: &Path| root.join("topics/fixture/0");
    assert_eq!(
        segment_files(&part(fresh.path())),
        segment_files(&part(&fixture))
    );

    // And the committed files read back as the records they hold.
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&fixture, copy.path());
    let clock = Arc::new(ManualClock::new(T0 + 1_000_000));
    let log = open_manual(copy.path(), &clock);
    let records = read_all(&log, "fixture", 0);
    let written: Vec<NewRecord> = batches().into_iter().flat_map(|(r, _)| r).collect();
    assert_eq!(records.len(), written.len());
    for (i, (got, want)) in records.iter().zip(&written).enumerate() {
        assert_eq!(got.offset, i as u64);
        assert_eq!(
            (&got.key, &got.headers, &got.value),
            (&want.key, &want.headers, &want.value)
        );
    }
    let p = log.topic("fixture").unwrap().partition(0).unwrap();
    assert!(
        p.segment_count() > 2,
        "the fixture covers sealed segments and their sidecars"
    );
    assert_eq!(
        p.records_for_key(b"key-3", 0, 100).unwrap().len(),
        written
            .iter()
            .filter(|r| r.key.as_deref() == Some(b"key-3"))
            .count()
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".lock" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
