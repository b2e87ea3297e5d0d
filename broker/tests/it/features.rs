//! The engine's features and error cases, one behaviour per test.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use driftdb_broker::log::{
    AppendOptions, Cleanup, Durability, Header, Log, LogOptions, NewRecord, ReadLimits, TopicConfig,
};
use driftdb_broker::{Error, ErrorKind, ManualClock};

use crate::support::{open_manual, read_all, rec, small_segments, values};

const T0: i64 = 1_700_000_000_000_000;

#[test]
fn records_round_trip_with_keys_headers_and_tombstones() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let topic = log
        .create_topic(
            "orders",
            TopicConfig {
                partitions: 2,
                ..TopicConfig::default()
            },
        )
        .unwrap();
    let p = topic.partition(1).unwrap();
    let headers = vec![Header {
        name: "type".into(),
        value: Bytes::from_static(b"OrderPlaced"),
    }];
    let result = p
        .append(
            vec![
                NewRecord {
                    key: Some("o1".into()),
                    headers: headers.clone(),
                    value: Some("{}".into()),
                    timestamp: None,
                },
                NewRecord {
                    key: Some("o1".into()),
                    value: None,
                    ..NewRecord::default()
                },
            ],
            AppendOptions::default(),
        )
        .unwrap();
    assert_eq!(
        (result.base_offset, result.last_offset, result.duplicate),
        (0, 1, false)
    );
    let got = p.read(0, ReadLimits::default()).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].headers, headers);
    assert_eq!(got[0].timestamp, T0);
    assert_eq!(got[1].value, None);
    assert!(
        topic
            .partition(0)
            .unwrap()
            .read(0, ReadLimits::default())
            .unwrap()
            .is_empty()
    );
    drop(log);
    let log = open_manual(dir.path(), &clock);
    assert_eq!(log.topics().len(), 1);
    assert_eq!(read_all(&log, "orders", 1).len(), 2);
}

#[test]
fn timestamps_never_go_backwards() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let p = log
        .create_topic("t", TopicConfig::default())
        .unwrap()
        .partition(0)
        .unwrap();
    let mut early = rec(None, "a");
    early.timestamp = Some(T0 + 50);
    let mut earlier = rec(None, "b");
    earlier.timestamp = Some(T0 - 1_000);
    p.append(vec![early, earlier], AppendOptions::default())
        .unwrap();
    clock.set(T0 - 5_000); // the host clock steps back
    p.append(vec![rec(None, "c")], AppendOptions::default())
        .unwrap();
    let ts: Vec<i64> = p
        .read(0, ReadLimits::default())
        .unwrap()
        .iter()
        .map(|r| r.timestamp)
        .collect();
    assert_eq!(ts, vec![T0 + 50, T0 + 50, T0 + 50]);
}

#[test]
fn read_limits_are_honoured_but_never_stall() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let p = log
        .create_topic("t", small_segments())
        .unwrap()
        .partition(0)
        .unwrap();
    for i in 0..100 {
        p.append(
            vec![rec(None, &format!("value-{i:03}"))],
            AppendOptions::default(),
        )
        .unwrap();
    }
    assert!(p.segment_count() > 1, "small segments should have rolled");
    let got = p
        .read(
            10,
            ReadLimits {
                max_bytes: usize::MAX,
                max_records: 7,
            },
        )
        .unwrap();
    assert_eq!(
        got.iter().map(|r| r.offset).collect::<Vec<_>>(),
        (10..17).collect::<Vec<_>>()
    );
    let one = p
        .read(
            42,
            ReadLimits {
                max_bytes: 1,
                max_records: 100,
            },
        )
        .unwrap();
    assert_eq!(values(&one), vec!["value-042"]);
    let across = p
        .read(
            0,
            ReadLimits {
                max_bytes: usize::MAX,
                max_records: 1000,
            },
        )
        .unwrap();
    assert_eq!(across.len(), 100);
    assert!(p.read(100, ReadLimits::default()).unwrap().is_empty());
    match p.read(101, ReadLimits::default()) {
        Err(Error::OffsetOutOfRange {
            requested: 101,
            start: 0,
            end: 100,
        }) => {}
        other => panic!("expected OffsetOutOfRange, got {other:?}"),
    }
}

#[test]
fn offset_for_timestamp_finds_first_record_at_or_after() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let p = log
        .create_topic("t", small_segments())
        .unwrap()
        .partition(0)
        .unwrap();
    for i in 0..60 {
        clock.set(T0 + i * 1_000);
        p.append(vec![rec(None, "x")], AppendOptions::default())
            .unwrap();
    }
    assert_eq!(p.offset_for_timestamp(0).unwrap(), 0);
    assert_eq!(p.offset_for_timestamp(T0 + 37_000).unwrap(), 37);
    assert_eq!(p.offset_for_timestamp(T0 + 36_500).unwrap(), 37);
    assert_eq!(p.offset_for_timestamp(T0 + 59_001).unwrap(), 60);
}

#[test]
fn records_for_key_across_segments_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let p = log
        .create_topic("t", small_segments())
        .unwrap()
        .partition(0)
        .unwrap();
    for i in 0..200 {
        p.append(
            vec![rec(Some(&format!("k{}", i % 7)), &i.to_string())],
            AppendOptions::default(),
        )
        .unwrap();
    }
    let expected: Vec<String> = (0..200)
        .filter(|i| i % 7 == 3)
        .map(|i| i.to_string())
        .collect();
    assert_eq!(
        values(&p.records_for_key(b"k3", 0, usize::MAX).unwrap()),
        expected
    );
    assert_eq!(
        values(&p.records_for_key(b"k3", 100, 2).unwrap()),
        vec!["101", "108"]
    );
    assert!(
        p.records_for_key(b"absent", 0, usize::MAX)
            .unwrap()
            .is_empty()
    );
    assert_eq!(p.last_offset_for_key(b"k3").unwrap(), Some(199));
    assert_eq!(p.last_offset_for_key(b"absent").unwrap(), None);
    drop(p);
    drop(log);
    let log = open_manual(dir.path(), &clock);
    let p = log.topic("t").unwrap().partition(0).unwrap();
    assert_eq!(
        values(&p.records_for_key(b"k3", 0, usize::MAX).unwrap()),
        expected
    );
}

#[test]
fn tailing_reader_wakes_on_append() {
    let dir = tempfile::tempdir().unwrap();
    let log = crate::support::open_with_retry(dir.path(), LogOptions::default).unwrap();
    let p = log
        .create_topic("t", TopicConfig::default())
        .unwrap()
        .partition(0)
        .unwrap();
    let mut end = p.watch_end();
    let writer = {
        let p = Arc::clone(&p);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            p.append(vec![rec(None, "wake")], AppendOptions::default())
                .unwrap();
        })
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let seen = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let next = *end.borrow_and_update();
                if next > 0 {
                    return next;
                }
                end.changed().await.unwrap();
            }
        })
        .await
        .expect("the reader was never woken")
    });
    writer.join().unwrap();
    assert_eq!(seen, 1);
    assert_eq!(
        values(&p.read(0, ReadLimits::default()).unwrap()),
        vec!["wake"]
    );
}

#[test]
fn concurrent_durable_appends_get_dense_unique_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let log = crate::support::open_with_retry(dir.path(), LogOptions::default).unwrap();
    let p = log
        .create_topic(
            "t",
            TopicConfig {
                durability: Durability::Always,
                segment_bytes: 64 << 10,
                ..TopicConfig::default()
            },
        )
        .unwrap()
        .partition(0)
        .unwrap();
    let threads: Vec<_> = (0..16)
        .map(|w| {
            let p = Arc::clone(&p);
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| {
                        let r = p
                            .append(
                                vec![rec(None, &format!("{w}-{i}")); 3],
                                AppendOptions::default(),
                            )
                            .unwrap();
                        // Acknowledged means visible to readers.
                        assert!(p.end_offset() > r.last_offset);
                        r.base_offset
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut bases: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    bases.sort_unstable();
    assert_eq!(bases, (0..800).map(|b| b * 3).collect::<Vec<_>>());
    assert_eq!(read_all(&log, "t", 0).len(), 2400);
}

#[test]
fn interval_durability_flushes_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let log = crate::support::open_with_retry(dir.path(), LogOptions::default).unwrap();
    let cfg = TopicConfig {
        durability: Durability::Interval { ms: 5 },
        ..TopicConfig::default()
    };
    let p = log.create_topic("t", cfg).unwrap().partition(0).unwrap();
    let r = p
        .append(vec![rec(None, "x")], AppendOptions::default())
        .unwrap();
    // Visible at once, before any fsync.
    assert_eq!(p.end_offset(), r.last_offset + 1);
    log.close().unwrap();
    assert!(matches!(
        p.append(vec![rec(None, "y")], AppendOptions::default()),
        Err(Error::Closed)
    ));
}

#[test]
fn idempotent_retries_are_written_once_even_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let p = log
        .create_topic("t", small_segments())
        .unwrap()
        .partition(0)
        .unwrap();
    let producer = |seq| AppendOptions {
        producer: Some((77, seq)),
        ..AppendOptions::default()
    };
    let first = p
        .append(vec![rec(None, "a"), rec(None, "b")], producer(0))
        .unwrap();
    let retry = p
        .append(vec![rec(None, "a"), rec(None, "b")], producer(0))
        .unwrap();
    assert!(retry.duplicate);
    assert_eq!(
        (retry.base_offset, retry.last_offset),
        (first.base_offset, first.last_offset)
    );
    match p.append(vec![rec(None, "gap")], producer(5)) {
        Err(
            e @ Error::OutOfOrderSequence {
                expected: 2,
                received: 5,
                ..
            },
        ) => assert_eq!(e.kind(), ErrorKind::Conflict),
        other => panic!("expected OutOfOrderSequence, got {other:?}"),
    }
    // Push the producer's batches into sealed segments, then reopen: the snapshot and the
    // active segment's headers restore the producer state.
    for seq in 2..40 {
        p.append(vec![rec(None, &"x".repeat(100))], producer(seq))
            .unwrap();
    }
    drop(p);
    drop(log);
    let log = open_manual(dir.path(), &clock);
    let p = log.topic("t").unwrap().partition(0).unwrap();
    assert!(
        p.append(vec![rec(None, &"x".repeat(100))], producer(39))
            .unwrap()
            .duplicate
    );
    assert!(
        !p.append(vec![rec(None, "next")], producer(40))
            .unwrap()
            .duplicate
    );
    assert_eq!(read_all(&log, "t", 0).len(), 41);
}

#[test]
fn expected_next_offset_guards_appends() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let p = log
        .create_topic("t", TopicConfig::default())
        .unwrap()
        .partition(0)
        .unwrap();
    let expect = |o| AppendOptions {
        expected_next_offset: Some(o),
        ..AppendOptions::default()
    };
    p.append(vec![rec(None, "a")], expect(0)).unwrap();
    match p.append(vec![rec(None, "b")], expect(0)) {
        Err(Error::OffsetMismatch {
            expected: 0,
            actual: 1,
        }) => {}
        other => panic!("expected OffsetMismatch, got {other:?}"),
    }
    p.append(vec![rec(None, "b")], expect(1)).unwrap();
    assert_eq!(p.end_offset(), 2);
}

#[test]
fn bad_input_gets_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let topic = log
        .create_topic(
            "t",
            TopicConfig {
                max_record_bytes: 100,
                ..TopicConfig::default()
            },
        )
        .unwrap();
    let p = topic.partition(0).unwrap();
    assert!(matches!(
        p.append(vec![rec(None, &"x".repeat(200))], AppendOptions::default()),
        Err(Error::RecordTooLarge { max: 100, .. })
    ));
    assert!(matches!(
        p.append(vec![], AppendOptions::default()),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        topic.partition(1),
        Err(Error::UnknownPartition { partition: 1, .. })
    ));
    assert!(matches!(log.topic("nope"), Err(Error::UnknownTopic(_))));
    assert!(matches!(
        log.create_topic("t", TopicConfig::default()),
        Err(Error::TopicExists(_))
    ));
    assert!(matches!(
        log.create_topic("../escape", TopicConfig::default()),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        log.create_topic(
            "z",
            TopicConfig {
                partitions: 0,
                ..TopicConfig::default()
            }
        ),
        Err(Error::InvalidArgument(_))
    ));
    let compacted = log
        .create_topic(
            "c",
            TopicConfig {
                cleanup: Cleanup::Compact,
                ..TopicConfig::default()
            },
        )
        .unwrap();
    assert!(matches!(
        compacted
            .partition(0)
            .unwrap()
            .append(vec![rec(None, "v")], AppendOptions::default()),
        Err(Error::InvalidArgument(_))
    ));
    // Nothing was written by any of the failures.
    assert_eq!(p.end_offset(), 0);
}

#[test]
fn a_second_process_cannot_open_the_same_directory() {
    let dir = tempfile::tempdir().unwrap();
    let _log = Log::open(dir.path(), LogOptions::default()).unwrap();
    assert!(matches!(
        Log::open(dir.path(), LogOptions::default()),
        Err(Error::Locked { .. })
    ));
}

#[test]
fn deleted_topics_stay_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    log.create_topic("a", TopicConfig::default()).unwrap();
    log.create_topic("b", TopicConfig::default())
        .unwrap()
        .partition(0)
        .unwrap()
        .append(vec![rec(None, "x")], AppendOptions::default())
        .unwrap();
    log.delete_topic("b").unwrap();
    assert!(matches!(log.delete_topic("b"), Err(Error::UnknownTopic(_))));
    drop(log);
    let log = open_manual(dir.path(), &clock);
    let names: Vec<_> = log.topics().iter().map(|t| t.name().to_string()).collect();
    assert_eq!(names, vec!["a"]);
    // The name can be reused, and starts empty.
    let b = log.create_topic("b", TopicConfig::default()).unwrap();
    assert_eq!(b.partition(0).unwrap().end_offset(), 0);
}

#[test]
fn retention_by_age_and_size_deletes_whole_closed_segments() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let cfg = TopicConfig {
        retention_ms: Some(60_000),
        segment_ms: Some(10_000),
        ..small_segments()
    };
    let p = log.create_topic("t", cfg).unwrap().partition(0).unwrap();
    for minute in 0..5 {
        clock.set(T0 + minute * 60_000_000);
        for _ in 0..10 {
            p.append(vec![rec(None, &"v".repeat(50))], AppendOptions::default())
                .unwrap();
        }
        log.maintain().unwrap();
    }
    // Records of minutes 0..=2 are older than a minute at minute 4; minute 3's are exactly
    // at the cutoff's edge and stay.
    let start = p.start_offset();
    assert!((30..=40).contains(&start), "start offset {start}");
    assert!(
        read_all(&log, "t", 0)
            .iter()
            .all(|r| r.timestamp >= T0 + 2 * 60_000_000)
    );
    assert_eq!(p.end_offset(), 50);

    let sized = TopicConfig {
        retention_bytes: Some(4096),
        ..small_segments()
    };
    let q = log.create_topic("s", sized).unwrap().partition(0).unwrap();
    for i in 0..400 {
        q.append(
            vec![rec(None, &format!("{i:0100}"))],
            AppendOptions::default(),
        )
        .unwrap();
    }
    let before = q.size_bytes();
    log.maintain().unwrap();
    assert!(q.size_bytes() < before);
    assert!(q.size_bytes() >= 4096, "retention keeps at least the limit");
    assert!(
        q.size_bytes() < 4096 + 2 * 2048 + 200,
        "size {} after retention",
        q.size_bytes()
    );
    let remaining = read_all(&log, "s", 0);
    assert_eq!(remaining.last().unwrap().offset, 399);
    assert_eq!(remaining.first().unwrap().offset, q.start_offset());
    assert!(matches!(
        q.read(0, ReadLimits::default()),
        Err(Error::OffsetOutOfRange { .. })
    ));
}

#[test]
fn compaction_keeps_the_latest_record_per_key() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let cfg = TopicConfig {
        cleanup: Cleanup::Compact,
        ..small_segments()
    };
    let p = log
        .create_topic("state", cfg)
        .unwrap()
        .partition(0)
        .unwrap();
    for i in 0..300 {
        let key = format!("k{}", i % 10);
        let record = if i == 295 {
            NewRecord {
                key: Some(key.into()),
                ..NewRecord::default()
            }
        } else {
            rec(Some(&key), &i.to_string())
        };
        p.append(vec![record], AppendOptions::default()).unwrap();
    }
    let before = read_all(&log, "state", 0).len();
    let report = log.maintain().unwrap();
    assert!(report.iter().any(|(_, _, r)| r.records_compacted > 0));
    let after = read_all(&log, "state", 0);
    assert!(after.len() < before);
    assert!(after.windows(2).all(|w| w[0].offset < w[1].offset));
    // Per key, the newest record survives, and is the last one read for that key.
    for k in 0..10 {
        let key = format!("k{k}");
        let last = after
            .iter()
            .rev()
            .find(|r| r.key.as_deref() == Some(key.as_bytes()))
            .unwrap();
        let expected_offset = 290 + k;
        assert_eq!(last.offset, expected_offset, "key {key}");
    }
    // The recent tombstone for k5 is kept so consumers can see the delete.
    assert!(after.iter().any(|r| r.offset == 295 && r.value.is_none()));
    drop(p);
    drop(log);
    let log = open_manual(dir.path(), &clock);
    assert_eq!(read_all(&log, "state", 0), after);
}

#[test]
fn expected_key_offset_guards_one_aggregate() {
    use driftdb_broker::log::KeyCondition;
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let p = log
        .create_topic("accounts", small_segments())
        .unwrap()
        .partition(0)
        .unwrap();
    let cond = |last_offset| KeyCondition {
        key: b"acct-1",
        last_offset,
    };
    // A new aggregate: the key must not exist yet.
    let opened = p
        .append_if_key(
            vec![rec(Some("acct-1"), "opened")],
            AppendOptions::default(),
            cond(None),
        )
        .unwrap();
    assert!(matches!(
        p.append_if_key(
            vec![rec(Some("acct-1"), "opened again")],
            AppendOptions::default(),
            cond(None)
        ),
        Err(Error::KeyOffsetMismatch {
            expected: None,
            actual: Some(0)
        })
    ));
    // Other keys in between do not matter; segments roll underneath.
    for i in 0..50 {
        p.append(
            vec![rec(Some(&format!("other-{i}")), &"x".repeat(60))],
            AppendOptions::default(),
        )
        .unwrap();
    }
    let deposit = p
        .append_if_key(
            vec![rec(Some("acct-1"), "deposit")],
            AppendOptions::default(),
            cond(Some(opened.last_offset)),
        )
        .unwrap();
    // A writer that read before the deposit loses.
    match p.append_if_key(
        vec![rec(Some("acct-1"), "stale")],
        AppendOptions::default(),
        cond(Some(opened.last_offset)),
    ) {
        Err(e @ Error::KeyOffsetMismatch { .. }) => assert_eq!(e.kind(), ErrorKind::Conflict),
        other => panic!("expected KeyOffsetMismatch, got {other:?}"),
    }
    assert_eq!(
        p.last_offset_for_key(b"acct-1").unwrap(),
        Some(deposit.last_offset)
    );
    assert_eq!(
        values(&p.records_for_key(b"acct-1", 0, 10).unwrap()),
        vec!["opened", "deposit"]
    );
}
