//! Damage on disk: a flipped byte in a closed segment is corruption naming the file and
//! position; damage at the tail of the active segment is a torn write and is truncated;
//! damaged or missing index files are rebuilt.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use driftdb_broker::log::{AppendOptions, ReadLimits, TopicConfig};
use driftdb_broker::{Error, ErrorKind, ManualClock};

use crate::support::{open_manual, open_manual_result, read_all, rec};

const T0: i64 = 1_700_000_000_000_000;

/// Writes 120 records of about 100 bytes into 2 KiB segments and returns the partition dir.
fn populated(dir: &Path, clock: &Arc<ManualClock>) -> PathBuf {
    let log = open_manual(dir, clock);
    let cfg = TopicConfig {
        segment_bytes: 2048,
        index_interval_bytes: 256,
        ..TopicConfig::default()
    };
    let p = log.create_topic("t", cfg).unwrap().partition(0).unwrap();
    for i in 0..120 {
        p.append(
            vec![rec(Some(&format!("k{i}")), &format!("{i:0>80}"))],
            AppendOptions::default(),
        )
        .unwrap();
    }
    assert!(p.segment_count() >= 4);
    dir.join("topics/t/0")
}

fn segment_files(pdir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(pdir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
        .collect();
    files.sort();
    files
}

fn flip(path: &Path, at: u64) {
    let mut bytes = fs::read(path).unwrap();
    bytes[at as usize] ^= 0x55;
    fs::write(path, bytes).unwrap();
}

#[test]
fn flipped_byte_in_a_closed_segment_is_reported_with_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let pdir = populated(dir.path(), &clock);
    let first = segment_files(&pdir, "log")[0].clone();
    let len = fs::metadata(&first).unwrap().len();
    flip(&first, len / 2);

    // Opening trusts the intact index files, so the damage is found by the read that meets it.
    let log = open_manual(dir.path(), &clock);
    let p = log.topic("t").unwrap().partition(0).unwrap();
    match p.read(
        0,
        ReadLimits {
            max_bytes: usize::MAX,
            max_records: usize::MAX,
        },
    ) {
        Err(e @ Error::Corruption { .. }) => {
            assert_eq!(e.kind(), ErrorKind::Corruption);
            let Error::Corruption { path, position, .. } = &e else {
                unreachable!()
            };
            assert_eq!(path, &first);
            assert!(
                *position <= len / 2,
                "position {position} must be the damaged batch's start"
            );
        }
        other => panic!("expected corruption, got {other:?}"),
    }
    // Records after the damaged segment are still readable.
    let second_base: u64 = segment_files(&pdir, "log")[1]
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        !p.read(second_base, ReadLimits::default())
            .unwrap()
            .is_empty()
    );
    drop(p);
    drop(log);

    // Without index files the segment is scanned at open, and the open fails closed.
    fs::remove_file(first.with_extension("index")).unwrap();
    match open_manual_result(dir.path(), &clock) {
        Err(Error::Corruption { path, .. }) => assert_eq!(path, first),
        other => panic!("expected corruption at open, got {other:?}"),
    }
}

#[test]
fn damage_at_the_tail_of_the_active_segment_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let pdir = populated(dir.path(), &clock);
    let before = {
        let log = open_manual(dir.path(), &clock);
        read_all(&log, "t", 0)
    };
    let active = segment_files(&pdir, "log").pop().unwrap();
    let len = fs::metadata(&active).unwrap().len();
    flip(&active, len - 3); // inside the last batch

    let log = open_manual(dir.path(), &clock);
    let after = read_all(&log, "t", 0);
    assert_eq!(
        after.len(),
        before.len() - 1,
        "exactly the damaged last batch is dropped"
    );
    assert_eq!(after[..], before[..before.len() - 1]);
    assert!(fs::metadata(&active).unwrap().len() < len);
    let p = log.topic("t").unwrap().partition(0).unwrap();
    let r = p
        .append(vec![rec(None, "new")], AppendOptions::default())
        .unwrap();
    assert_eq!(r.base_offset, after.len() as u64);
}

#[test]
fn a_torn_write_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let pdir = populated(dir.path(), &clock);
    let active = segment_files(&pdir, "log").pop().unwrap();
    let len = fs::metadata(&active).unwrap().len();
    // Half a batch header, then a batch cut short, then zeros the file system left behind.
    for cut in [len - 1, len - 40, len - 70] {
        let file = fs::OpenOptions::new().write(true).open(&active).unwrap();
        file.set_len(cut).unwrap();
        drop(file);
        let log = open_manual(dir.path(), &clock);
        let p = log.topic("t").unwrap().partition(0).unwrap();
        assert!(p.end_offset() < 120);
        assert_eq!(read_all(&log, "t", 0).len() as u64, p.end_offset());
    }
    let file = fs::OpenOptions::new().append(true).open(&active).unwrap();
    file.set_len(fs::metadata(&active).unwrap().len() + 4096)
        .unwrap();
    let log = open_manual(dir.path(), &clock);
    let end = log.topic("t").unwrap().partition(0).unwrap().end_offset();
    assert_eq!(read_all(&log, "t", 0).len() as u64, end);
}

/// `always` partitions fill the active segment with zeros ahead of the writes; recovery
/// drops them, also after a batch torn in the middle of that space, and still reports
/// damage that has data after it.
#[test]
fn preallocated_space_is_dropped_and_a_torn_write_into_it_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let log = open_manual(dir.path(), &clock);
    let p = log
        .create_topic("t", TopicConfig::default())
        .unwrap()
        .partition(0)
        .unwrap();
    for i in 0..10 {
        p.append(
            vec![rec(None, &format!("{i:0>80}"))],
            AppendOptions::default(),
        )
        .unwrap();
    }
    let size = p.size_bytes();
    let active = segment_files(&dir.path().join("topics/t/0"), "log")
        .pop()
        .unwrap();
    let len = fs::metadata(&active).unwrap().len();
    assert!(
        len > size,
        "{len} bytes on disk for {size} bytes of batches"
    );
    // A clean close cuts them off.
    drop((p, log));
    assert_eq!(fs::metadata(&active).unwrap().len(), size);

    // What a crash leaves: zeros after the last batch, and an interrupted write into them
    // (the start of a batch frame).
    let bytes = fs::read(&active).unwrap();
    let file = fs::OpenOptions::new().write(true).open(&active).unwrap();
    file.set_len(size + (1 << 20)).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&file, &bytes[..40], size).unwrap();
    drop(file);
    let log = open_manual(dir.path(), &clock);
    let records = read_all(&log, "t", 0);
    assert_eq!(records.len(), 10);
    assert_eq!(fs::metadata(&active).unwrap().len(), size);
    let p = log.topic("t").unwrap().partition(0).unwrap();
    p.append(vec![rec(None, "after")], AppendOptions::default())
        .unwrap();
    drop((p, log));
    let log = open_manual(dir.path(), &clock);
    assert_eq!(read_all(&log, "t", 0).len(), 11);
    drop(log);

    // Damage in the first batch with data after it is corruption, zeros or not.
    let file = fs::OpenOptions::new().write(true).open(&active).unwrap();
    file.set_len(size + (1 << 20)).unwrap();
    drop(file);
    flip(&active, 70);
    assert!(matches!(
        open_manual_result(dir.path(), &clock),
        Err(Error::Corruption { .. })
    ));
}

#[test]
fn corruption_before_the_tail_of_the_active_segment_fails_the_open() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let pdir = populated(dir.path(), &clock);
    let active = segment_files(&pdir, "log").pop().unwrap();
    assert!(
        fs::metadata(&active).unwrap().len() > 400,
        "the active segment needs several batches"
    );
    flip(&active, 70); // inside the first batch, with more batches after it
    match open_manual_result(dir.path(), &clock) {
        Err(Error::Corruption { path, position, .. }) => {
            assert_eq!(path, active);
            assert_eq!(position, 0);
        }
        other => panic!("expected corruption, got {other:?}"),
    }
}

#[test]
fn truncated_or_garbage_index_files_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let pdir = populated(dir.path(), &clock);
    let before = {
        let log = open_manual(dir.path(), &clock);
        read_all(&log, "t", 0)
    };
    let indexes = segment_files(&pdir, "index");
    let good = fs::read(&indexes[0]).unwrap();
    fs::write(&indexes[0], &good[..good.len() / 2]).unwrap();
    fs::write(&indexes[1], b"definitely not an index").unwrap();
    fs::remove_file(segment_files(&pdir, "timeindex")[2].clone()).unwrap();
    fs::write(segment_files(&pdir, "bloom")[0].clone(), b"junk").unwrap();

    let log = open_manual(dir.path(), &clock);
    assert_eq!(read_all(&log, "t", 0), before);
    let p = log.topic("t").unwrap().partition(0).unwrap();
    assert_eq!(p.records_for_key(b"k3", 0, 10).unwrap().len(), 1);
    assert_eq!(p.offset_for_timestamp(T0).unwrap(), 0);
    // The rebuilt index was written back in full.
    assert_eq!(fs::read(&indexes[0]).unwrap(), good);
}
