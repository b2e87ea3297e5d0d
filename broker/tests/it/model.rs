//! Property test: random appends, reads, key and time lookups, rolls (by size and age),
//! retention and reopens against a plain in-memory model. Every record read back must equal
//! what was written, offsets stay dense, nothing is reordered.

use std::sync::Arc;

use bytes::Bytes;
use driftdb_broker::ManualClock;
use driftdb_broker::log::{AppendOptions, Log, NewRecord, ReadLimits, TopicConfig};
use proptest::prelude::*;

use crate::support::open_manual;

#[derive(Debug, Clone)]
enum Op {
    Append(Vec<(Option<u8>, usize)>),
    Read {
        at: usize,
        max_records: usize,
        max_bytes: usize,
    },
    ByKey(u8),
    ByTime(usize),
    Tick(u32),
    Maintain,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => prop::collection::vec((prop::option::of(0u8..6), 0usize..300), 1..12).prop_map(Op::Append),
        3 => (any::<usize>(), 1usize..40, 1usize..3000).prop_map(|(at, max_records, max_bytes)| Op::Read { at, max_records, max_bytes }),
        1 => (0u8..6).prop_map(Op::ByKey),
        1 => any::<usize>().prop_map(Op::ByTime),
        1 => (0u32..20_000).prop_map(Op::Tick),
        1 => Just(Op::Maintain),
        1 => Just(Op::Reopen),
    ]
}

#[derive(Debug, Clone, PartialEq)]
struct Stored {
    offset: u64,
    timestamp: i64,
    key: Option<Bytes>,
    value: Bytes,
}

fn value_for(offset_hint: usize, len: usize) -> Bytes {
    Bytes::from(
        (0..len)
            .map(|i| (offset_hint * 31 + i) as u8)
            .collect::<Vec<_>>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn log_matches_model(ops in prop::collection::vec(op(), 1..80)) {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(1_000_000));
        let cfg = TopicConfig {
            segment_bytes: 1500,
            segment_ms: Some(5),
            retention_bytes: Some(6000),
            index_interval_bytes: 200,
            durability: driftdb_broker::log::Durability::Never,
            ..TopicConfig::default()
        };
        let mut log: Arc<Log> = open_manual(dir.path(), &clock);
        log.create_topic("m", cfg).unwrap();
        let mut model: Vec<Stored> = Vec::new();
        let mut start = 0u64;
        let mut written = 0usize;

        for op in ops {
            let p = log.topic("m").unwrap().partition(0).unwrap();
            match op {
                Op::Append(spec) => {
                    let now = clock.now();
                    let records: Vec<NewRecord> = spec.iter().enumerate().map(|(i, (k, len))| NewRecord {
                        key: k.map(|k| Bytes::from(vec![b'k', k])),
                        value: Some(value_for(written + i, *len)),
                        ..NewRecord::default()
                    }).collect();
                    let r = p.append(records.clone(), AppendOptions::default()).unwrap();
                    prop_assert_eq!(r.base_offset, model.last().map_or(start, |s| s.offset + 1));
                    for (i, nr) in records.into_iter().enumerate() {
                        model.push(Stored { offset: r.base_offset + i as u64, timestamp: now, key: nr.key, value: nr.value.unwrap() });
                    }
                    written += spec.len();
                }
                Op::Read { at, max_records, max_bytes } => {
                    let end = model.last().map_or(start, |s| s.offset + 1);
                    let offset = start + (at as u64) % (end - start + 1);
                    let got = p.read(offset, ReadLimits { max_bytes, max_records }).unwrap();
                    let want: Vec<&Stored> = model.iter().filter(|s| s.offset >= offset).collect();
                    prop_assert!(got.len() <= max_records);
                    prop_assert!(!want.is_empty() || got.is_empty());
                    if !want.is_empty() {
                        prop_assert!(!got.is_empty(), "a read with records available returned none");
                    }
                    for (g, w) in got.iter().zip(want.iter()) {
                        prop_assert_eq!(g.offset, w.offset);
                        prop_assert_eq!(g.timestamp, w.timestamp);
                        prop_assert_eq!(&g.key, &w.key);
                        prop_assert_eq!(g.value.as_ref(), Some(&w.value));
                    }
                }
                Op::ByKey(k) => {
                    let key = [b'k', k];
                    let got: Vec<u64> = p.records_for_key(&key, start, usize::MAX).unwrap().iter().map(|r| r.offset).collect();
                    let want: Vec<u64> = model.iter().filter(|s| s.key.as_deref() == Some(&key[..])).map(|s| s.offset).collect();
                    prop_assert_eq!(got, want);
                }
                Op::ByTime(pick) => {
                    let end = model.last().map_or(start, |s| s.offset + 1);
                    let ts = if model.is_empty() { 0 } else { model[pick % model.len()].timestamp + (pick % 3) as i64 - 1 };
                    let want = model.iter().find(|s| s.timestamp >= ts).map_or(end, |s| s.offset);
                    prop_assert_eq!(p.offset_for_timestamp(ts).unwrap(), want);
                }
                Op::Tick(micros) => clock.advance(i64::from(micros)),
                Op::Maintain => {
                    log.maintain().unwrap();
                    let new_start = p.start_offset();
                    prop_assert!(new_start >= start);
                    if new_start > start {
                        // Retention by size deletes only while the rest still meets the limit.
                        prop_assert!(p.size_bytes() >= 6000, "retention left {} bytes", p.size_bytes());
                    }
                    start = new_start;
                    model.retain(|s| s.offset >= start);
                }
                Op::Reopen => {
                    drop(p);
                    drop(log);
                    log = open_manual(dir.path(), &clock);
                    prop_assert_eq!(log.topic("m").unwrap().partition(0).unwrap().start_offset(), start);
                }
            }
            let p = log.topic("m").unwrap().partition(0).unwrap();
            prop_assert_eq!(p.end_offset(), model.last().map_or(start, |s| s.offset + 1));
        }

        // Finally, everything reads back in order, dense from the start offset.
        let p = log.topic("m").unwrap().partition(0).unwrap();
        let all = p.read(start, ReadLimits { max_bytes: usize::MAX, max_records: usize::MAX }).unwrap();
        prop_assert_eq!(all.len(), model.len());
        for (g, w) in all.iter().zip(model.iter()) {
            prop_assert_eq!(g.offset, w.offset);
            prop_assert_eq!(g.value.as_ref(), Some(&w.value));
        }
    }
}
