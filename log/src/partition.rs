//! One partition: an ordered run of segments with one writer at a time and any number of
//! readers.
//!
//! Invariants:
//! - Offsets are assigned densely in append order; a batch is written whole or not at all
//!   (a torn write is truncated on the next open).
//! - Timestamps never decrease: a record's timestamp is raised to the partition's last one.
//! - `end` (the watch channel) is the offset readers may see up to, exclusive. Under
//!   `always` durability it only covers fsynced batches, so a reader never sees a record that
//!   a crash could take back; otherwise it covers every written batch.
//! - Group commit: an `always` appender writes its batch under the partition lock, releases it,
//!   then waits until some fsync covers its last offset. One waiter at a time runs the fsync
//!   (capturing the end offset first), the others wait on a condition variable, so concurrent
//!   appends share fsyncs.
//! - A failed write or fsync fences the partition: it refuses writes until the log is
//!   reopened, because the page cache may no longer match what the disk holds.
//!
//! Lock order: `inner` before `sync`. The fsync itself runs with neither held.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use tokio::sync::watch;

use super::config::{Cleanup, Durability, TopicConfig};
use super::producer::{Admission, ProducerTable, WrittenBatch};
use super::record::{self, BatchHeader, HEADER_LEN, NewRecord, Record, Stamped};
use super::segment::{self, SCAN_CHUNK, Segment, SegmentFile};
use super::sidecar;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::sync::Recover;

/// Largest batch accepted in one append.
pub const MAX_BATCH_BYTES: usize = 1 << 30;
/// Producers idle for longer than this are forgotten when a segment seals.
const PRODUCER_EXPIRY_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;

/// Conditions an append must meet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppendOptions {
    /// Idempotent producer id and the sequence number of the batch's first record.
    pub producer: Option<(u64, u32)>,
    /// Append only if the partition's next offset is this (optimistic concurrency).
    pub expected_next_offset: Option<u64>,
    /// Under `always` durability, return once the batch is written, before its fsync: the
    /// caller does work of its own and then waits with [`Partition::wait_durable`] before it
    /// acknowledges anything. Readers still see the batch only once it is fsynced. Ignored by
    /// the other durability policies, which never wait.
    pub defer_sync: bool,
}

/// A condition on the newest record of one key, for [`Partition::append_if_key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCondition<'a> {
    pub key: &'a [u8],
    /// The offset the key's newest record must have; `None`: the key must have no record.
    pub last_offset: Option<u64>,
}

/// Where an appended batch landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendResult {
    pub base_offset: u64,
    pub last_offset: u64,
    /// The batch's largest record timestamp (microseconds).
    pub timestamp: i64,
    /// The batch was a producer retry of one already written; nothing new was appended.
    pub duplicate: bool,
}

/// Bounds on one read. At least one record is returned when any is available, even if it
/// alone exceeds `max_bytes`, so a large record can never stall a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    pub max_bytes: usize,
    pub max_records: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_bytes: 1 << 20,
            max_records: usize::MAX,
        }
    }
}

/// What one maintenance pass did to a partition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaintenanceReport {
    pub rolled: bool,
    pub segments_deleted: usize,
    pub segments_compacted: usize,
    pub records_compacted: u64,
}

#[derive(Debug)]
pub struct Partition {
    topic: String,
    id: u32,
    dir: PathBuf,
    config: Arc<RwLock<TopicConfig>>,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
    sync: Mutex<SyncState>,
    synced: Condvar,
    fenced: AtomicBool,
    end: watch::Sender<u64>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    /// By base offset; the last one is the active segment. Never empty.
    pub segments: BTreeMap<u64, Segment>,
    pub next_offset: u64,
    last_timestamp: i64,
    producers: ProducerTable,
    buf: Vec<u8>,
    closed: bool,
}

impl Inner {
    fn active(&self) -> &Segment {
        self.segments
            .values()
            .next_back()
            .expect("a partition always has an active segment")
    }
    fn active_mut(&mut self) -> &mut Segment {
        self.segments
            .values_mut()
            .next_back()
            .expect("a partition always has an active segment")
    }
}

#[derive(Debug)]
struct SyncState {
    /// Offsets below this are on stable storage.
    durable: u64,
    syncing: bool,
    last_sync: Instant,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a partition lock leaves state that was only ever updated after the
    // file write succeeded; taking over the lock is safe.
    m.lock().recover()
}

impl Partition {
    /// Opens (or creates, if `dir` is empty) a partition and recovers it.
    pub(crate) fn open(
        topic: &str,
        id: u32,
        dir: PathBuf,
        config: Arc<RwLock<TopicConfig>>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let cfg = *config.read().recover();
        let interval = u64::from(cfg.index_interval_bytes);
        let now = clock.now_micros();

        let mut bases = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.ends_with(".tmp") || name.ends_with(".cleaned") {
                // Leftovers of an interrupted sidecar write or compaction: never renamed into
                // place, so never part of the log.
                let path = entry.path();
                fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            } else if let Some(base) = segment::parse_base_offset(name) {
                bases.push(base);
            }
        }
        bases.sort_unstable();

        let mut segments = BTreeMap::new();
        let mut producers = None;
        let mut active_batches = Vec::new();
        match bases.split_last() {
            None => {
                segments.insert(0, Segment::create(&dir, 0, now, interval)?);
                sync_dir(&dir)?;
            }
            Some((&active, sealed)) => {
                let mut prev_next = None::<(u64, PathBuf)>;
                for &base in sealed {
                    let seg = Segment::open_sealed(&dir, base, now, interval)?;
                    check_order(&prev_next, &seg)?;
                    prev_next = Some((seg.next_offset, seg.file.path.clone()));
                    segments.insert(base, seg);
                }
                if let Some(newest) = segments.values().next_back() {
                    producers = load_producer_snapshot(&dir, newest)?;
                }
                let seg = Segment::recover_active(
                    &dir,
                    active,
                    now,
                    interval,
                    &mut |h: &BatchHeader| active_batches.push(*h),
                )?;
                check_order(&prev_next, &seg)?;
                segments.insert(active, seg);
            }
        }

        let producers = match producers {
            Some(p) => p,
            None => rebuild_producers(&segments)?,
        };
        let mut inner = Inner {
            next_offset: 0,
            last_timestamp: i64::MIN,
            segments,
            producers,
            buf: Vec::new(),
            closed: false,
        };
        for h in &active_batches {
            record_producer(&mut inner.producers, h);
        }
        inner.next_offset = inner.active().next_offset;
        inner.last_timestamp = inner
            .segments
            .values()
            .map(|s| s.max_timestamp)
            .max()
            .unwrap_or(i64::MIN);
        // Whatever recovery found is made durable before anything is served from it.
        let active = inner.active();
        active
            .file
            .file
            .sync_all()
            .map_err(|e| Error::io(&active.file.path, e))?;

        let end = inner.next_offset;
        Ok(Partition {
            topic: topic.to_string(),
            id,
            dir,
            config,
            clock,
            inner: Mutex::new(inner),
            sync: Mutex::new(SyncState {
                durable: end,
                syncing: false,
                last_sync: Instant::now(),
            }),
            synced: Condvar::new(),
            fenced: AtomicBool::new(false),
            end: watch::Sender::new(end),
        })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn config(&self) -> TopicConfig {
        *self.config.read().recover()
    }

    /// Appends a batch and returns once the topic's durability policy is met. Blocks on fsync
    /// under `always`: async callers run it on a blocking thread.
    pub fn append(&self, records: Vec<NewRecord>, opts: AppendOptions) -> Result<AppendResult> {
        self.append_checked(records, opts, None)
    }

    /// Appends only if the newest record with `condition.key` is at `condition.last_offset`
    /// (`None`: no record has that key): optimistic concurrency for one event-sourced
    /// aggregate among many sharing a partition. Fails with [`Error::KeyOffsetMismatch`].
    /// The check and the append happen under the partition's write lock.
    pub fn append_if_key(
        &self,
        records: Vec<NewRecord>,
        opts: AppendOptions,
        condition: KeyCondition<'_>,
    ) -> Result<AppendResult> {
        self.append_checked(records, opts, Some(condition))
    }

    fn append_checked(
        &self,
        records: Vec<NewRecord>,
        opts: AppendOptions,
        condition: Option<KeyCondition<'_>>,
    ) -> Result<AppendResult> {
        let cfg = self.config();
        let count = validate_batch(&records, &cfg)?;
        let now = self.clock.now_micros();

        let mut inner = lock(&self.inner);
        if inner.closed {
            return Err(Error::Closed);
        }
        self.check_not_fenced()?;
        if let Some(expected) = opts.expected_next_offset
            && expected != inner.next_offset
        {
            return Err(Error::OffsetMismatch {
                expected,
                actual: inner.next_offset,
            });
        }
        if let Some(condition) = condition {
            // Every written record counts, visible or not: writes are serialised here.
            let actual = last_offset_in(
                key_plan(&inner, condition.key),
                condition.key,
                inner.next_offset,
            )?;
            if actual != condition.last_offset {
                return Err(Error::KeyOffsetMismatch {
                    expected: condition.last_offset,
                    actual,
                });
            }
        }
        if let Some((producer_id, first_sequence)) = opts.producer {
            match inner.producers.admit(producer_id, first_sequence, count) {
                Admission::Append => {}
                Admission::Duplicate(b) => {
                    drop(inner);
                    if cfg.durability == Durability::Always {
                        self.sync_to(b.last_offset + 1)?;
                    }
                    return Ok(AppendResult {
                        base_offset: b.base_offset,
                        last_offset: b.last_offset,
                        timestamp: b.max_timestamp,
                        duplicate: true,
                    });
                }
                Admission::OutOfOrder { expected } => {
                    return Err(Error::OutOfOrderSequence {
                        producer_id,
                        expected,
                        received: first_sequence,
                    });
                }
            }
        }

        let base_offset = inner.next_offset;
        let mut last_ts = inner.last_timestamp;
        let mut buf = std::mem::take(&mut inner.buf);
        buf.clear();
        record::encode_batch(
            &mut buf,
            base_offset,
            opts.producer,
            records.iter().enumerate().map(|(i, r)| {
                last_ts = last_ts.max(r.timestamp.unwrap_or(now));
                Stamped {
                    offset_delta: i as u32,
                    timestamp: last_ts,
                    key: r.key.as_deref(),
                    headers: &r.headers,
                    value: r.value.as_deref(),
                }
            }),
        );
        let result = self.write_batch(&mut inner, &buf, &records, &cfg, now);
        if buf.capacity() <= 4 << 20 {
            inner.buf = buf;
        }
        let header = result?;
        let next = inner.next_offset;
        if cfg.durability != Durability::Always {
            self.end.send_replace(next);
        }
        drop(inner);

        if cfg.durability == Durability::Always && !opts.defer_sync {
            self.sync_to(next)?;
        }
        Ok(AppendResult {
            base_offset,
            last_offset: header.last_offset(),
            timestamp: header.max_timestamp,
            duplicate: false,
        })
    }

    /// Writes an encoded batch at the end of the active segment, rolling first if needed.
    fn write_batch(
        &self,
        inner: &mut Inner,
        buf: &[u8],
        records: &[NewRecord],
        cfg: &TopicConfig,
        now: i64,
    ) -> Result<BatchHeader> {
        let header = BatchHeader::parse(buf).map_err(|e| Error::InvalidArgument(e.reason()))?;
        let active = inner.active();
        let too_big = active.size + buf.len() as u64 > cfg.segment_bytes;
        let too_old = cfg
            .segment_ms
            .is_some_and(|ms| now.saturating_sub(active.created_at) >= ms as i64 * 1000);
        let offsets_full = header.next_offset() - active.base_offset() > u64::from(u32::MAX);
        if !active.is_empty() && (too_big || too_old || offsets_full) {
            self.roll(inner, now)?;
        }
        let active = inner.active_mut();
        let position = active.size;
        if cfg.durability == Durability::Always {
            // Nothing is written past the last batch but zeros: a failure here is an
            // error for this append only.
            active.preallocate(position + buf.len() as u64, cfg.segment_bytes)?;
        }
        if let Err(e) = active.file.file.write_all_at(buf, position) {
            self.fence("a write failed");
            return Err(Error::io(&active.file.path, e));
        }
        active.note_batch(position, &header);
        for r in records {
            if let Some(k) = &r.key {
                active.note_key(k);
            }
        }
        inner.next_offset = header.next_offset();
        inner.last_timestamp = inner.last_timestamp.max(header.max_timestamp);
        record_producer(&mut inner.producers, &header);
        Ok(header)
    }

    /// Seals the active segment (fsync, sidecars, producer snapshot) and starts a new one.
    fn roll(&self, inner: &mut Inner, now: i64) -> Result<()> {
        let next_offset = inner.next_offset;
        inner
            .producers
            .expire(now.saturating_sub(PRODUCER_EXPIRY_MICROS));
        let producers = inner.producers.encode();
        let active = inner.active_mut();
        if let Err(e) = active.trim() {
            self.fence("trimming a segment being sealed failed");
            return Err(e);
        }
        if let Err(e) = active.file.file.sync_all() {
            self.fence("syncing a sealed segment failed");
            return Err(Error::io(&active.file.path, e));
        }
        active.seal(&self.dir)?;
        let summary = active.summary();
        let base = active.base_offset();
        sidecar::write(
            &self.dir.join(segment::file_name(base, "producers")),
            sidecar::PRODUCERS_MAGIC,
            &summary,
            &producers,
        )?;
        let interval = u64::from(self.config().index_interval_bytes);
        let segment = Segment::create(&self.dir, next_offset, now, interval)?;
        inner.segments.insert(next_offset, segment);
        if let Err(e) = sync_dir(&self.dir) {
            self.fence("syncing the directory of a new segment failed");
            return Err(e);
        }
        tracing::debug!(topic = %self.topic, partition = self.id, base_offset = next_offset, "rolled segment");
        Ok(())
    }

    /// Refuses every append from now until the partition is reopened, and wakes those
    /// waiting for an fsync so they see the refusal. The partition fences itself when a
    /// write or an fsync fails; a caller whose own state, derived from this partition, fell
    /// out of step with it fences it too (the SQL store, when a commit does not finish
    /// applying: [`crate::sync`], class 2). `reason` goes to the log.
    pub fn fence(&self, reason: &str) {
        if !self.fenced.swap(true, Ordering::SeqCst) {
            tracing::error!(topic = %self.topic, partition = self.id, reason, "partition fenced until reopened");
        }
        // Wake waiters so they see the fence instead of waiting for an fsync that won't come.
        let _guard = lock(&self.sync);
        self.synced.notify_all();
    }

    fn check_not_fenced(&self) -> Result<()> {
        if self.fenced.load(Ordering::SeqCst) {
            return Err(Error::Fenced {
                topic: self.topic.clone(),
                partition: self.id,
            });
        }
        Ok(())
    }

    /// Waits until every offset below `end` is on stable storage (fsyncing if no other
    /// thread is), for appends made with [`AppendOptions::defer_sync`]. A failed fsync fences
    /// the partition and is returned to every waiter.
    pub fn wait_durable(&self, end: u64) -> Result<()> {
        self.sync_to(end)
    }

    /// Waits until every offset below `target` is fsynced, running the fsync itself if no
    /// other thread is (group commit).
    fn sync_to(&self, target: u64) -> Result<()> {
        let mut st = lock(&self.sync);
        loop {
            self.check_not_fenced()?;
            if st.durable >= target {
                return Ok(());
            }
            if st.syncing {
                st = self.synced.wait(st).recover();
                continue;
            }
            st.syncing = true;
            drop(st);
            // Writers woken by the previous fsync are appending right now; giving them a moment
            // to finish lets this fsync cover their batches too instead of leaving them for the
            // next one.
            std::thread::yield_now();
            let (file, end) = {
                let inner = lock(&self.inner);
                (Arc::clone(&inner.active().file), inner.next_offset)
            };
            let started = Instant::now();
            let outcome = sync_file(&file);
            let took = started.elapsed();
            st = lock(&self.sync);
            st.syncing = false;
            if let Err(e) = outcome {
                drop(st);
                self.fence("an fsync failed");
                return Err(e);
            }
            st.last_sync = Instant::now();
            crate::metrics::record_fsync(&self.topic, took, end.saturating_sub(st.durable));
            if end > st.durable {
                st.durable = end;
                self.end.send_if_modified(|e| {
                    let advance = end > *e;
                    if advance {
                        *e = end;
                    }
                    advance
                });
            }
            self.synced.notify_all();
        }
    }

    /// Fsyncs everything written so far.
    pub fn flush(&self) -> Result<()> {
        let target = lock(&self.inner).next_offset;
        self.sync_to(target)
    }

    /// Fsyncs if the topic's `interval` durability says it is time.
    pub(crate) fn flush_if_due(&self) -> Result<()> {
        let Durability::Interval { ms } = self.config().durability else {
            return Ok(());
        };
        let due = {
            let st = lock(&self.sync);
            st.last_sync.elapsed().as_millis() >= u128::from(ms)
        };
        if due && !self.fenced.load(Ordering::SeqCst) {
            let target = lock(&self.inner).next_offset;
            let durable = lock(&self.sync).durable;
            if target > durable {
                return self.sync_to(target);
            }
            lock(&self.sync).last_sync = Instant::now();
        }
        Ok(())
    }

    /// Stops accepting appends and fsyncs what was written.
    pub(crate) fn close(&self) -> Result<()> {
        let result = if self.fenced.load(Ordering::SeqCst) {
            Ok(())
        } else {
            self.flush()
        };
        let mut inner = lock(&self.inner);
        inner.closed = true;
        // A clean close leaves the active segment ending at its last batch. Sidecars of the
        // active segment let the next open skip rebuilding it only if sealed, so the active
        // segment is always rescanned; nothing else to write here.
        let trimmed = if self.fenced.load(Ordering::SeqCst) {
            Ok(())
        } else {
            inner.active_mut().trim()
        };
        drop(inner);
        result.and(trimmed)
    }

    /// The first offset still held.
    pub fn start_offset(&self) -> u64 {
        let inner = lock(&self.inner);
        inner
            .segments
            .keys()
            .next()
            .copied()
            .unwrap_or(inner.next_offset)
    }

    /// The offset after the last record readers can see.
    pub fn end_offset(&self) -> u64 {
        *self.end.borrow()
    }

    /// A receiver that changes whenever [`Partition::end_offset`] advances; tailing readers
    /// wait on it instead of polling.
    pub fn watch_end(&self) -> watch::Receiver<u64> {
        self.end.subscribe()
    }

    pub fn size_bytes(&self) -> u64 {
        lock(&self.inner).segments.values().map(|s| s.size).sum()
    }

    pub fn segment_count(&self) -> usize {
        lock(&self.inner).segments.len()
    }

    pub fn is_fenced(&self) -> bool {
        self.fenced.load(Ordering::SeqCst)
    }

    /// Reads records with offsets `>= offset`, in order, within `limits`. `offset` equal to the
    /// end gives an empty result; outside `[start, end]` is [`Error::OffsetOutOfRange`].
    pub fn read(&self, offset: u64, limits: ReadLimits) -> Result<Vec<Record>> {
        let end = self.end_offset();
        let plan = {
            let inner = lock(&self.inner);
            let start = inner.segments.keys().next().copied().unwrap_or(0);
            if offset < start || offset > end {
                return Err(Error::OffsetOutOfRange {
                    requested: offset,
                    start,
                    end,
                });
            }
            read_plan(&inner, offset, |s| s.position_for_offset(offset))
        };
        let mut out = Vec::new();
        if offset == end || limits.max_records == 0 {
            return Ok(out);
        }
        let chunk = limits
            .max_bytes
            .saturating_add(HEADER_LEN)
            .clamp(4096, SCAN_CHUNK);
        let mut bytes = 0usize;
        for (file, from, until) in plan {
            let mut done = false;
            visit_records(&file, from, until, chunk, |r| {
                if r.offset >= end {
                    done = true;
                    return false;
                }
                if r.offset < offset {
                    return true;
                }
                let len = r.encoded_len();
                if !out.is_empty() && bytes + len > limits.max_bytes {
                    done = true;
                    return false;
                }
                bytes += len;
                out.push(r);
                if out.len() >= limits.max_records {
                    done = true;
                }
                !done
            })?;
            if done {
                break;
            }
        }
        Ok(out)
    }

    /// The first offset whose timestamp is `>= ts` (microseconds), or the end offset if every
    /// visible record is older.
    pub fn offset_for_timestamp(&self, ts: i64) -> Result<u64> {
        let end = self.end_offset();
        let plan = {
            let inner = lock(&self.inner);
            let Some(first) = inner
                .segments
                .values()
                .find(|s| !s.is_empty() && s.max_timestamp >= ts)
            else {
                return Ok(end);
            };
            let from = first.base_offset();
            read_plan(&inner, from, |s| {
                if s.base_offset() == from {
                    s.position_for_timestamp(ts)
                } else {
                    0
                }
            })
        };
        let mut found = None;
        for (file, from, until) in plan {
            visit_records(&file, from, until, SCAN_CHUNK, |r| {
                if r.offset >= end {
                    found = Some(end);
                    return false;
                }
                if r.timestamp >= ts {
                    found = Some(r.offset);
                    return false;
                }
                true
            })?;
            if found.is_some() {
                break;
            }
        }
        Ok(found.unwrap_or(end).min(end))
    }

    /// Every record with key `key` at offsets `>= from`, oldest first, at most `max_records`.
    /// Segments whose key filter rules the key out are not read.
    pub fn records_for_key(
        &self,
        key: &[u8],
        from: u64,
        max_records: usize,
    ) -> Result<Vec<Record>> {
        let end = self.end_offset();
        let hash = segment::key_hash(key);
        let plan: Vec<_> = {
            let inner = lock(&self.inner);
            inner
                .segments
                .values()
                .filter(|s| s.next_offset > from && s.base_offset() < end && s.may_contain(hash))
                .map(|s| (Arc::clone(&s.file), s.position_for_offset(from), s.size))
                .collect()
        };
        let mut out = Vec::new();
        for (file, pos, until) in plan {
            if out.len() >= max_records {
                break;
            }
            visit_records(&file, pos, until, SCAN_CHUNK, |r| {
                if r.offset >= end {
                    return false;
                }
                if r.offset >= from && r.key.as_deref() == Some(key) {
                    out.push(r);
                }
                out.len() < max_records
            })?;
        }
        Ok(out)
    }

    /// The offset of the newest visible record with `key`, if any. Searches segments newest
    /// first, skipping those whose key filter rules the key out.
    pub fn last_offset_for_key(&self, key: &[u8]) -> Result<Option<u64>> {
        let end = self.end_offset();
        let plan = key_plan(&lock(&self.inner), key);
        last_offset_in(plan, key, end)
    }

    /// Rolls by age, applies retention, and compacts, as the topic's configuration says.
    pub fn maintain(&self) -> Result<MaintenanceReport> {
        let cfg = self.config();
        let now = self.clock.now_micros();
        let mut report = MaintenanceReport::default();
        {
            let mut inner = lock(&self.inner);
            if inner.closed {
                return Ok(report);
            }
            let active = inner.active();
            if let Some(ms) = cfg.segment_ms
                && !active.is_empty()
                && now.saturating_sub(active.created_at) >= ms as i64 * 1000
                && !self.fenced.load(Ordering::SeqCst)
            {
                self.roll(&mut inner, now)?;
                report.rolled = true;
            }
            report.segments_deleted = self.apply_retention(&mut inner, &cfg, now)?;
        }
        if cfg.cleanup == Cleanup::Compact {
            let (segments, records) = super::compact::compact(self, now)?;
            report.segments_compacted = segments;
            report.records_compacted = records;
        }
        Ok(report)
    }

    /// Deletes the oldest sealed segments past the age or size limit; never the active one.
    fn apply_retention(&self, inner: &mut Inner, cfg: &TopicConfig, now: i64) -> Result<usize> {
        let total: u64 = inner.segments.values().map(|s| s.size).sum();
        let mut excess = cfg
            .retention_bytes
            .map_or(0, |limit| total.saturating_sub(limit));
        let cutoff = cfg
            .retention_ms
            .map(|ms| now.saturating_sub(ms as i64 * 1000));
        let sealed: Vec<u64> = inner
            .segments
            .keys()
            .copied()
            .take(inner.segments.len() - 1)
            .collect();
        let mut deleted = 0;
        for base in sealed {
            let seg = &inner.segments[&base];
            let expired = cutoff.is_some_and(|c| seg.max_timestamp < c);
            let oversize = excess > 0 && excess >= seg.size;
            if !expired && !oversize {
                break;
            }
            excess = excess.saturating_sub(seg.size);
            inner.segments.remove(&base);
            Segment::delete_files(&self.dir, base)?;
            deleted += 1;
            tracing::info!(topic = %self.topic, partition = self.id, base_offset = base, expired, oversize, "retention deleted segment");
        }
        Ok(deleted)
    }

    pub(crate) fn inner(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    pub(crate) fn clock_now(&self) -> i64 {
        self.clock.now_micros()
    }

    pub(crate) fn index_interval(&self) -> u64 {
        u64::from(self.config().index_interval_bytes)
    }

    #[cfg(test)]
    pub(crate) fn fence_for_test(&self) {
        self.fence("test");
    }
}

fn validate_batch(records: &[NewRecord], cfg: &TopicConfig) -> Result<u32> {
    if records.is_empty() {
        return Err(Error::InvalidArgument(
            "a batch needs at least one record".to_string(),
        ));
    }
    let mut total = HEADER_LEN;
    for r in records {
        let len = r.encoded_len();
        if len > cfg.max_record_bytes as usize {
            return Err(Error::RecordTooLarge {
                size: len,
                max: cfg.max_record_bytes as usize,
            });
        }
        if cfg.cleanup == Cleanup::Compact && r.key.is_none() {
            return Err(Error::InvalidArgument(
                "every record of a compacted topic needs a key".to_string(),
            ));
        }
        if r.headers.len() > usize::from(u16::MAX) {
            return Err(Error::InvalidArgument(format!(
                "{} headers on one record; the limit is {}",
                r.headers.len(),
                u16::MAX
            )));
        }
        if let Some(h) = r
            .headers
            .iter()
            .find(|h| h.name.len() > usize::from(u16::MAX))
        {
            return Err(Error::InvalidArgument(format!(
                "header name of {} bytes; the limit is {}",
                h.name.len(),
                u16::MAX
            )));
        }
        total += len;
    }
    if total > MAX_BATCH_BYTES || records.len() > u32::MAX as usize {
        return Err(Error::RecordTooLarge {
            size: total,
            max: MAX_BATCH_BYTES,
        });
    }
    Ok(records.len() as u32)
}

/// The segments a read starting at `offset` visits: `(file, start position, end position)`.
fn read_plan(
    inner: &Inner,
    offset: u64,
    position: impl Fn(&Segment) -> u64,
) -> Vec<(Arc<SegmentFile>, u64, u64)> {
    inner
        .segments
        .values()
        .filter(|s| s.next_offset > offset)
        .enumerate()
        .map(|(i, s)| {
            (
                Arc::clone(&s.file),
                if i == 0 { position(s) } else { 0 },
                s.size,
            )
        })
        .collect()
}

/// The segments that may hold `key`, newest first: `(file, size)`.
fn key_plan(inner: &Inner, key: &[u8]) -> Vec<(Arc<SegmentFile>, u64)> {
    let hash = segment::key_hash(key);
    inner
        .segments
        .values()
        .rev()
        .filter(|s| s.may_contain(hash))
        .map(|s| (Arc::clone(&s.file), s.size))
        .collect()
}

/// The newest offset below `end` holding `key`, searching `plan` newest segment first.
fn last_offset_in(plan: Vec<(Arc<SegmentFile>, u64)>, key: &[u8], end: u64) -> Result<Option<u64>> {
    for (file, until) in plan {
        let mut last = None;
        visit_records(&file, 0, until, SCAN_CHUNK, |r| {
            if r.offset >= end {
                return false;
            }
            if r.key.as_deref() == Some(key) {
                last = Some(r.offset);
            }
            true
        })?;
        if last.is_some() {
            return Ok(last);
        }
    }
    Ok(None)
}

/// Decodes every record in `[from, until)` of a segment, stopping when `each` returns false.
/// Any invalid batch here is corruption: reads only cover whole batches already verified once.
pub(crate) fn visit_records(
    file: &SegmentFile,
    from: u64,
    until: u64,
    chunk: usize,
    mut each: impl FnMut(Record) -> bool,
) -> Result<()> {
    let mut stop = false;
    let end = segment::scan(file, from, until, chunk, |_, _, batch| {
        record::decode_batch(batch, |r| {
            stop = !each(r);
            !stop
        })?;
        Ok(!stop)
    })?;
    match end.failure {
        Some((position, err)) => Err(file.corruption(position, &err)),
        None => Ok(()),
    }
}

fn record_producer(producers: &mut ProducerTable, h: &BatchHeader) {
    if h.producer_id != 0 {
        producers.record(
            h.producer_id,
            WrittenBatch {
                first_sequence: h.base_sequence,
                last_sequence: h.base_sequence.wrapping_add(h.record_count - 1),
                base_offset: h.base_offset,
                last_offset: h.last_offset(),
                max_timestamp: h.max_timestamp,
            },
        );
    }
}

fn load_producer_snapshot(dir: &Path, newest_sealed: &Segment) -> Result<Option<ProducerTable>> {
    let path = dir.join(segment::file_name(newest_sealed.base_offset(), "producers"));
    Ok(
        sidecar::read(&path, sidecar::PRODUCERS_MAGIC, &newest_sealed.summary())?
            .and_then(|b| ProducerTable::decode(&b)),
    )
}

/// Rebuilds producer state from the batch headers of every sealed segment.
fn rebuild_producers(segments: &BTreeMap<u64, Segment>) -> Result<ProducerTable> {
    let mut producers = ProducerTable::default();
    let sealed = segments.len().saturating_sub(1);
    for seg in segments.values().take(sealed) {
        let end = segment::scan(&seg.file, 0, seg.size, SCAN_CHUNK, |_, h, _| {
            record_producer(&mut producers, &h);
            Ok(true)
        })?;
        if let Some((position, err)) = end.failure {
            return Err(seg.file.corruption(position, &err));
        }
    }
    Ok(producers)
}

fn check_order(prev: &Option<(u64, PathBuf)>, seg: &Segment) -> Result<()> {
    if let Some((prev_next, prev_path)) = prev
        && seg.base_offset() < *prev_next
    {
        return Err(Error::corruption(
            &seg.file.path,
            0,
            format!(
                "segment starts at offset {} but {} ends at {}",
                seg.base_offset(),
                prev_path.display(),
                prev_next
            ),
        ));
    }
    Ok(())
}

fn sync_file(file: &SegmentFile) -> Result<()> {
    file.file.sync_data().map_err(|e| Error::io(&file.path, e))
}

/// Fsyncs a directory so that files created or renamed in it survive a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn a_fenced_partition_refuses_writes_until_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let config = Arc::new(RwLock::new(TopicConfig::default()));
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(1));
        let open = || {
            Partition::open(
                "t",
                0,
                dir.path().join("0"),
                Arc::clone(&config),
                Arc::clone(&clock),
            )
            .unwrap()
        };
        let p = open();
        p.append(vec![NewRecord::value("kept")], AppendOptions::default())
            .unwrap();
        p.fence_for_test();
        assert!(matches!(
            p.append(vec![NewRecord::value("refused")], AppendOptions::default()),
            Err(Error::Fenced { .. })
        ));
        assert!(p.flush().is_err());
        // Reads still work while fenced.
        assert_eq!(p.read(0, ReadLimits::default()).unwrap().len(), 1);
        drop(p);
        let p = open();
        assert_eq!(
            p.append(vec![NewRecord::value("again")], AppendOptions::default())
                .unwrap()
                .base_offset,
            1
        );
    }
}
