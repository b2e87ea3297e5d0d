//! Compaction: under `cleanup = compact`, sealed segments keep only the newest record of each
//! key.
//!
//! The newest offset of every key is learned from the whole partition (sealed segments and the
//! active one), then each sealed segment holding older records is rewritten without them into
//! `<base>.cleaned`, fsynced, and renamed over the original while the partition lock is held.
//! Offsets and timestamps are kept, so a compacted partition has gaps in its offsets, as in
//! Kafka. Readers already holding the old file keep reading it until they finish. A tombstone
//! (a record with no value) that is the newest for its key is kept for
//! [`TOMBSTONE_RETENTION_MICROS`] after its segment's newest record, so consumers have time to
//! see the delete, then removed. A crash at any point leaves either the old segment or the new
//! one; a leftover `.cleaned` file is deleted on open.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;

use super::partition::{Partition, sync_dir, visit_records};
use super::record::{self, Record, Stamped};
use super::segment::{self, SCAN_CHUNK, Segment, SegmentFile};
use super::sidecar;
use crate::error::{Error, Result};

/// How long a tombstone outlives the newest record of its segment before compaction drops it.
pub const TOMBSTONE_RETENTION_MICROS: i64 = 24 * 3600 * 1_000_000;

/// Compacts the sealed segments of `partition`; returns (segments rewritten, records removed).
pub(crate) fn compact(partition: &Partition, now: i64) -> Result<(usize, u64)> {
    // (file, size, newest timestamp) of each sealed segment, and (file, size) of every segment.
    let (sealed, all) = {
        let inner = partition.inner();
        let n = inner.segments.len();
        let sealed: Vec<(Arc<SegmentFile>, u64, i64)> = inner
            .segments
            .values()
            .take(n - 1)
            .map(|s| (Arc::clone(&s.file), s.size, s.max_timestamp))
            .collect();
        let all: Vec<(Arc<SegmentFile>, u64)> = inner
            .segments
            .values()
            .map(|s| (Arc::clone(&s.file), s.size))
            .collect();
        (sealed, all)
    };
    if sealed.is_empty() {
        return Ok((0, 0));
    }

    let mut newest: HashMap<Bytes, u64> = HashMap::new();
    for (file, size) in &all {
        visit_records(file, 0, *size, SCAN_CHUNK, |r| {
            if let Some(k) = r.key {
                newest.insert(k, r.offset);
            }
            true
        })?;
    }

    let dir = partition.dir().to_path_buf();
    let mut rewritten = 0;
    let mut removed = 0u64;
    for (file, size, max_timestamp) in sealed {
        let drop_tombstones = max_timestamp < now.saturating_sub(TOMBSTONE_RETENTION_MICROS);
        let keep = |r: &Record| {
            let latest = r.key.as_ref().and_then(|k| newest.get(k)) == Some(&r.offset);
            latest && !(drop_tombstones && r.value.is_none())
        };
        let (out, dropped) = rewrite(&file, size, keep)?;
        if dropped == 0 {
            continue;
        }
        let base = file.base_offset;
        let cleaned = dir.join(segment::file_name(base, "cleaned"));
        if !out.is_empty() {
            let mut f = fs::File::create(&cleaned).map_err(|e| Error::io(&cleaned, e))?;
            f.write_all(&out)
                .and_then(|()| f.sync_all())
                .map_err(|e| Error::io(&cleaned, e))?;
        }

        let mut inner = partition.inner();
        let still_there = inner
            .segments
            .get(&base)
            .is_some_and(|s| Arc::ptr_eq(&s.file, &file));
        let is_sealed = inner.segments.keys().next_back() != Some(&base);
        if !still_there || !is_sealed {
            // Retention removed it meanwhile; nothing to swap.
            let _ = fs::remove_file(&cleaned);
            continue;
        }
        let old = inner.segments.remove(&base).map(|s| s.summary());
        if out.is_empty() {
            Segment::delete_files(&dir, base)?;
        } else {
            fs::rename(&cleaned, &file.path).map_err(|e| Error::io(&file.path, e))?;
            let segment = Segment::reopen_sealed(
                &dir,
                base,
                partition.clock_now(),
                partition.index_interval(),
            )?;
            carry_producer_snapshot(&dir, base, old.as_ref(), &segment)?;
            inner.segments.insert(base, segment);
        }
        sync_dir(&dir)?;
        drop(inner);
        rewritten += 1;
        removed += dropped;
        tracing::info!(topic = %partition.topic(), partition = partition.id(), base_offset = base, removed = dropped, "compacted segment");
    }
    Ok((rewritten, removed))
}

/// Re-encodes the kept records of a segment, batch by batch, preserving offsets, timestamps
/// Returns the new file contents and how many records were dropped.
fn rewrite(
    file: &SegmentFile,
    size: u64,
    mut keep: impl FnMut(&Record) -> bool,
) -> Result<(Vec<u8>, u64)> {
    let mut out = Vec::new();
    let mut dropped = 0u64;
    let end = segment::scan(file, 0, size, SCAN_CHUNK, |_, _, batch| {
        let mut kept = Vec::new();
        record::decode_batch(batch, |r| {
            if keep(&r) {
                kept.push(r);
            } else {
                dropped += 1;
            }
            true
        })?;
        if let Some(first) = kept.first() {
            let base = first.offset;
            // Producer fields are dropped: the batch no longer holds the sequence run they
            // describe. Producer state survives through the segment's snapshot instead.
            record::encode_batch(
                &mut out,
                base,
                None,
                kept.iter().map(|r| Stamped {
                    offset_delta: (r.offset - base) as u32,
                    timestamp: r.timestamp,
                    key: r.key.as_deref(),
                    headers: &r.headers,
                    value: r.value.as_deref(),
                }),
            );
        }
        Ok(true)
    })?;
    if let Some((position, err)) = end.failure {
        return Err(file.corruption(position, &err));
    }
    Ok((out, dropped))
}

/// Keeps a compacted segment's producer snapshot readable by re-stamping it with the
/// segment's new summary.
fn carry_producer_snapshot(
    dir: &std::path::Path,
    base: u64,
    old: Option<&sidecar::SegmentSummary>,
    segment: &Segment,
) -> Result<()> {
    let path = dir.join(segment::file_name(base, "producers"));
    let Some(old) = old else { return Ok(()) };
    if let Some(payload) = sidecar::read(&path, sidecar::PRODUCERS_MAGIC, old)? {
        sidecar::write(
            &path,
            sidecar::PRODUCERS_MAGIC,
            &segment.summary(),
            &payload,
        )?;
    }
    Ok(())
}
