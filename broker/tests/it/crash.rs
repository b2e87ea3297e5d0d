//! Crash test: a child process appends with `always` durability from several threads and
//! prints each acknowledged offset; the parent kills it with SIGKILL at random moments, reopens
//! the log, and checks that every acknowledged record is present and intact and that the log
//! still accepts appends. The child is this test binary itself, re-run with an environment
//! variable that turns [`child_writer`] into the writer.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use driftdb_broker::log::{
    AppendOptions, Durability, LogOptions, NewRecord, ReadLimits, TopicConfig,
};

const CHILD_ENV: &str = "DRIFTDB_CRASH_CHILD_DIR";
const TOPIC: &str = "crash";
const WRITERS: usize = 4;

/// The value a writer stores for its `seq`-th record: self-describing, so the parent can
/// check it byte for byte from the acknowledgement alone.
fn value(writer: usize, seq: u64) -> Bytes {
    let mut v = format!("{writer}:{seq}:").into_bytes();
    v.extend((0..(seq % 300) as usize).map(|i| b'a' + ((i + writer) % 26) as u8));
    Bytes::from(v)
}

fn config() -> TopicConfig {
    TopicConfig {
        durability: Durability::Always,
        segment_bytes: 64 << 10,
        ..TopicConfig::default()
    }
}

/// Appends from `WRITERS` threads until `stop` is set or `limit` records per writer are
/// acknowledged, calling `ack` with (writer, seq, offset) after each acknowledgement.
fn write_until(dir: &Path, stop: &AtomicBool, limit: u64, ack: &(dyn Fn(usize, u64, u64) + Sync)) {
    let log = crate::support::open_with_retry(dir, LogOptions::default).expect("open log");
    let topic = log
        .topic(TOPIC)
        .or_else(|_| log.create_topic(TOPIC, config()))
        .expect("topic");
    let partition = topic.partition(0).expect("partition");
    // Each run starts its writers at fresh sequence numbers so values stay unique.
    let first_seq = partition.end_offset();
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            let partition = &partition;
            s.spawn(move || {
                let mut seq = first_seq;
                while !stop.load(Ordering::Relaxed) && seq < first_seq.saturating_add(limit) {
                    let n = 1 + (seq % 3);
                    let batch: Vec<NewRecord> = (0..n)
                        .map(|i| NewRecord {
                            value: Some(value(w, seq + i)),
                            ..NewRecord::default()
                        })
                        .collect();
                    let r = partition
                        .append(batch, AppendOptions::default())
                        .expect("append");
                    for i in 0..n {
                        ack(w, seq + i, r.base_offset + i);
                    }
                    seq += n;
                }
            });
        }
    });
}

/// Checks that every acknowledged record is in the log with exactly the acknowledged value.
fn verify(dir: &Path, acked: &BTreeMap<u64, (usize, u64)>) {
    let log =
        crate::support::open_with_retry(dir, LogOptions::default).expect("reopen after crash");
    let p = log
        .topic(TOPIC)
        .expect("topic survives")
        .partition(0)
        .unwrap();
    let all = p
        .read(
            0,
            ReadLimits {
                max_bytes: usize::MAX,
                max_records: usize::MAX,
            },
        )
        .unwrap();
    for (i, r) in all.iter().enumerate() {
        assert_eq!(r.offset, i as u64, "offsets must stay dense");
    }
    for (&offset, &(w, seq)) in acked {
        let r = all.get(offset as usize).unwrap_or_else(|| {
            panic!(
                "acknowledged offset {offset} lost ({} records survive)",
                all.len()
            )
        });
        assert_eq!(
            r.value.as_ref(),
            Some(&value(w, seq)),
            "acknowledged record at {offset} damaged"
        );
    }
    // The log takes new appends after recovery.
    let r = p
        .append(
            vec![NewRecord::value("after-crash")],
            AppendOptions::default(),
        )
        .unwrap();
    assert_eq!(r.base_offset, all.len() as u64);
}

/// Child entry point when run under the crash test; on its own it is a clean-shutdown test of
/// the same writer: everything acknowledged before `close` is there after reopening.
#[test]
fn child_writer() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        let stdout = Mutex::new(std::io::stdout());
        write_until(
            Path::new(&dir),
            &AtomicBool::new(false),
            u64::MAX,
            &|w, seq, offset| {
                let mut out = stdout.lock().unwrap();
                // Printed only after the append returned: each line is an acknowledgement.
                writeln!(out, "ack {offset} {w} {seq}").unwrap();
                out.flush().unwrap();
            },
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let acked = Mutex::new(BTreeMap::new());
    write_until(
        dir.path(),
        &AtomicBool::new(false),
        60,
        &|w, seq, offset| {
            acked.lock().unwrap().insert(offset, (w, seq));
        },
    );
    let acked = acked.into_inner().unwrap();
    assert_eq!(acked.len(), WRITERS * 60);
    verify(dir.path(), &acked);
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut acked = BTreeMap::new();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let rounds = 30;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args([
                "crash::child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(rest) = line.strip_prefix("ack ") {
                        lines.lock().unwrap().push(rest.to_string());
                    }
                }
            })
        };
        // Wait for the child to get going, then kill it at a pseudo-random moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while lines.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "child wrote nothing");
            std::thread::sleep(Duration::from_millis(2));
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(5 + rng % 120));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let lines = lines.lock().unwrap();
        for line in lines.iter() {
            let mut parts = line.split(' ').map(|p| p.parse::<u64>().unwrap());
            let (offset, w, seq) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            acked.insert(offset, (w as usize, seq));
        }
        assert!(!lines.is_empty(), "round {round}: no acknowledgements");
        verify(dir.path(), &acked);
    }
}
