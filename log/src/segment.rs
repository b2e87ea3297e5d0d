//! One segment: a file of batches named by its base offset, plus what is known about it in
//! memory (size, next offset, timestamps, sparse indexes, key filter).
//!
//! Invariants:
//! - Batches in a segment have strictly increasing offsets, all `>= base_offset`, and the file
//!   holds only whole, CRC-valid batches up to `size` (recovery truncates anything after).
//! - Only the active (last) segment of a partition grows. A sealed segment was fsynced when it
//!   was sealed and never changes again, except by compaction, which replaces the whole file.
//! - `offset_index` and `time_index` are sparse: an entry at least every `index_interval` bytes,
//!   each pointing at the start of a batch. Timestamps never decrease within a partition, so the
//!   time index is sorted too.
//! - The key filter of a sealed segment may report false positives, never false negatives.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bloomfilter::Bloom;
use bytes::{Bytes, BytesMut};

use super::record::{self, BatchHeader, DecodeError, HEADER_LEN};
use super::sidecar::{self, SegmentSummary};
use crate::error::{Error, Result};

/// Bytes read per I/O while scanning a whole segment.
pub(crate) const SCAN_CHUNK: usize = 1 << 20;
/// Seed of the key filters: fixed so that filters written by one process are read by another.
const BLOOM_SEED: [u8; 32] = *b"driftdb segment key bloom seed\0\0";
const BLOOM_FP_RATE: f64 = 0.01;

/// The open file of a segment, shared by readers so a segment deleted by retention or
/// replaced by compaction stays readable for reads already under way.
#[derive(Debug)]
pub(crate) struct SegmentFile {
    pub base_offset: u64,
    pub path: PathBuf,
    pub file: File,
}

impl SegmentFile {
    pub fn read_at(&self, pos: u64, len: usize) -> Result<Bytes> {
        let mut buf = BytesMut::zeroed(len);
        self.file
            .read_exact_at(&mut buf, pos)
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(buf.freeze())
    }

    pub fn corruption(&self, position: u64, err: &DecodeError) -> Error {
        Error::corruption(&self.path, position, err.reason())
    }
}

/// A stable 64-bit hash of a key, the unit stored in key filters. Built from two CRC-32s with
/// different initial states so it does not depend on the standard library's unstable hasher.
pub(crate) fn key_hash(key: &[u8]) -> u64 {
    let mut second = crc32fast::Hasher::new_with_initial(0x9e37_79b9);
    second.update(key);
    (u64::from(crc32fast::hash(key)) << 32) | u64::from(second.finalize())
}

pub(crate) fn file_name(base_offset: u64, extension: &str) -> String {
    format!("{base_offset:020}.{extension}")
}

/// Parses `00000000000000001234.log` into 1234.
pub(crate) fn parse_base_offset(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".log")?;
    (stem.len() == 20 && stem.bytes().all(|b| b.is_ascii_digit())).then(|| stem.parse().ok())?
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IndexEntry {
    pub relative_offset: u32,
    pub position: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeEntry {
    pub timestamp: i64,
    pub relative_offset: u32,
    pub position: u32,
}

/// Key membership for a segment: exact hashes while it is active, a bloom filter once sealed.
#[derive(Debug)]
pub(crate) enum KeyFilter {
    Active(Vec<u64>),
    Sealed(Bloom<u64>),
}

#[derive(Debug)]
pub(crate) struct Segment {
    pub file: Arc<SegmentFile>,
    pub size: u64,
    pub next_offset: u64,
    /// `i64::MIN` while empty.
    pub first_timestamp: i64,
    pub max_timestamp: i64,
    /// When the segment was created (or recovered), for rolling by age.
    pub created_at: i64,
    pub offset_index: Vec<IndexEntry>,
    pub time_index: Vec<TimeEntry>,
    pub keys: KeyFilter,
    bytes_since_entry: u64,
    index_interval: u64,
    /// The file's length: `size` plus zeros written ahead of the writes (see
    /// [`Segment::preallocate`]).
    allocated: u64,
}

/// How far ahead of the writes an active segment's file is filled with zeros.
pub const PREALLOCATE_BYTES: u64 = 1 << 20;

/// What follows the last valid batch of an active segment.
enum Tail {
    /// Only zeros: nothing was lost.
    Zeros,
    /// A batch cut short by an interrupted write.
    Torn,
    /// An invalid batch with data after it: corruption.
    Data,
}

/// Where a scan stopped: `None` when it reached the end (or its visitor stopped it), else the
/// position of the first batch that failed to decode and why.
pub(crate) struct ScanEnd {
    pub failure: Option<(u64, DecodeError)>,
}

impl Segment {
    pub fn base_offset(&self) -> u64 {
        self.file.base_offset
    }

    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    pub fn summary(&self) -> SegmentSummary {
        SegmentSummary {
            base_offset: self.base_offset(),
            size: self.size,
            next_offset: self.next_offset,
            first_timestamp: self.first_timestamp,
            max_timestamp: self.max_timestamp,
        }
    }

    fn empty(file: SegmentFile, created_at: i64, index_interval: u64) -> Self {
        let next_offset = file.base_offset;
        Segment {
            file: Arc::new(file),
            size: 0,
            next_offset,
            first_timestamp: i64::MIN,
            max_timestamp: i64::MIN,
            created_at,
            offset_index: Vec::new(),
            time_index: Vec::new(),
            keys: KeyFilter::Active(Vec::new()),
            bytes_since_entry: 0,
            index_interval,
            allocated: 0,
        }
    }

    /// Makes the file at least `end` bytes long by writing zeros after its end, up to
    /// [`PREALLOCATE_BYTES`] ahead and never past `limit` (the segment size), so that the
    /// writes filling that space change neither the file's length nor its block map and an
    /// `fdatasync` after them flushes data only, not the inode (PostgreSQL fills its WAL
    /// segments the same way). Recovery drops the zeros after the last batch; sealing cuts
    /// them off.
    pub fn preallocate(&mut self, end: u64, limit: u64) -> Result<()> {
        if end <= self.allocated {
            return Ok(());
        }
        let target = end.max(limit.min(end.saturating_add(PREALLOCATE_BYTES)));
        static ZEROS: [u8; 64 << 10] = [0; 64 << 10];
        let mut at = self.allocated.max(self.size);
        while at < target {
            let n = (target - at).min(ZEROS.len() as u64) as usize;
            self.file
                .file
                .write_all_at(&ZEROS[..n], at)
                .map_err(|e| Error::io(&self.file.path, e))?;
            at += n as u64;
        }
        self.allocated = target;
        Ok(())
    }

    /// Cuts the zeros [`Segment::preallocate`] wrote after the last batch.
    pub fn trim(&mut self) -> Result<()> {
        if self.allocated > self.size {
            self.file
                .file
                .set_len(self.size)
                .map_err(|e| Error::io(&self.file.path, e))?;
            self.allocated = self.size;
        }
        Ok(())
    }

    /// Creates a new, empty segment file. The caller fsyncs the directory.
    pub fn create(dir: &Path, base_offset: u64, now: i64, index_interval: u64) -> Result<Self> {
        let path = dir.join(file_name(base_offset, "log"));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        Ok(Self::empty(
            SegmentFile {
                base_offset,
                path,
                file,
            },
            now,
            index_interval,
        ))
    }

    fn open_file(dir: &Path, base_offset: u64) -> Result<(SegmentFile, u64)> {
        let path = dir.join(file_name(base_offset, "log"));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        Ok((
            SegmentFile {
                base_offset,
                path,
                file,
            },
            len,
        ))
    }

    /// Opens a sealed segment, trusting its sidecars when they are intact and describe the file
    /// as it is; otherwise rebuilds them by scanning, where any invalid batch is corruption.
    pub fn open_sealed(
        dir: &Path,
        base_offset: u64,
        now: i64,
        index_interval: u64,
    ) -> Result<Self> {
        let (file, len) = Self::open_file(dir, base_offset)?;
        if let Some(summary) = sidecar::read_summary(
            &dir.join(file_name(base_offset, "index")),
            sidecar::OFFSET_INDEX_MAGIC,
            base_offset,
            len,
        )? {
            let offsets = sidecar::read(
                &dir.join(file_name(base_offset, "index")),
                sidecar::OFFSET_INDEX_MAGIC,
                &summary,
            )?;
            let times = sidecar::read(
                &dir.join(file_name(base_offset, "timeindex")),
                sidecar::TIME_INDEX_MAGIC,
                &summary,
            )?;
            let bloom = sidecar::read(
                &dir.join(file_name(base_offset, "bloom")),
                sidecar::BLOOM_MAGIC,
                &summary,
            )?
            .and_then(|b| Bloom::from_bytes(b).ok());
            if let (Some(offsets), Some(times), Some(bloom)) = (offsets, times, bloom)
                && let (Some(offset_index), Some(time_index)) =
                    (decode_offset_index(&offsets), decode_time_index(&times))
            {
                let mut segment = Self::empty(file, now, index_interval);
                segment.size = summary.size;
                segment.next_offset = summary.next_offset;
                segment.first_timestamp = summary.first_timestamp;
                segment.max_timestamp = summary.max_timestamp;
                segment.offset_index = offset_index;
                segment.time_index = time_index;
                segment.keys = KeyFilter::Sealed(bloom);
                return Ok(segment);
            }
        }
        tracing::warn!(segment = %file.path.display(), "index files missing or damaged; rebuilding from the segment");
        Self::rebuild_sealed(dir, file, len, now, index_interval)
    }

    /// Reopens a sealed segment file by scanning it, where any invalid batch is corruption,
    /// and writes fresh sidecars.
    pub fn reopen_sealed(
        dir: &Path,
        base_offset: u64,
        now: i64,
        index_interval: u64,
    ) -> Result<Self> {
        let (file, len) = Self::open_file(dir, base_offset)?;
        Self::rebuild_sealed(dir, file, len, now, index_interval)
    }

    fn rebuild_sealed(
        dir: &Path,
        file: SegmentFile,
        len: u64,
        now: i64,
        index_interval: u64,
    ) -> Result<Self> {
        let mut segment = Self::empty(file, now, index_interval);
        let end = segment.rebuild(len, &mut |_| {})?;
        if let Some((position, err)) = end.failure {
            return Err(segment.file.corruption(position, &err));
        }
        segment.seal(dir)?;
        Ok(segment)
    }

    /// Opens the active segment: scans every batch, truncates a torn tail, and reports
    /// corruption that is followed by further data.
    pub fn recover_active(
        dir: &Path,
        base_offset: u64,
        now: i64,
        index_interval: u64,
        on_batch: &mut dyn FnMut(&BatchHeader),
    ) -> Result<Self> {
        let (file, len) = Self::open_file(dir, base_offset)?;
        let mut segment = Self::empty(file, now, index_interval);
        segment.allocated = len;
        let end = segment.rebuild(len, on_batch)?;
        if let Some((position, err)) = end.failure {
            match segment.tail_after(position, len, &err)? {
                Tail::Data => return Err(segment.file.corruption(position, &err)),
                Tail::Zeros => tracing::debug!(
                    segment = %segment.file.path.display(),
                    position,
                    dropped_bytes = len - position,
                    "dropping zeros after the last batch"
                ),
                Tail::Torn => tracing::warn!(
                    segment = %segment.file.path.display(),
                    position,
                    dropped_bytes = len - position,
                    reason = %err.reason(),
                    "truncating a torn tail left by an interrupted write"
                ),
            }
            segment
                .file
                .file
                .set_len(position)
                .map_err(|e| Error::io(&segment.file.path, e))?;
            segment
                .file
                .file
                .sync_all()
                .map_err(|e| Error::io(&segment.file.path, e))?;
            segment.allocated = position;
        }
        if segment.first_timestamp != i64::MIN {
            segment.created_at = segment.first_timestamp.min(now);
        }
        Ok(segment)
    }

    /// What follows the last valid batch, which failed to decode at `position`. It is a torn
    /// tail when nothing valid could follow it: its frame reaches the end of the file, or
    /// everything after its frame is zeros (preallocated space, or space the file system
    /// allocated but the interrupted write never filled).
    fn tail_after(&self, position: u64, len: u64, err: &DecodeError) -> Result<Tail> {
        if *err == DecodeError::Truncated {
            return Ok(Tail::Torn);
        }
        let rest = self.file.read_at(position, (len - position) as usize)?;
        if rest.iter().all(|b| *b == 0) {
            return Ok(Tail::Zeros);
        }
        let Some(l) = rest.get(..record::LENGTH_PREFIX) else {
            return Ok(Tail::Torn);
        };
        let frame =
            u64::from(u32::from_le_bytes([l[0], l[1], l[2], l[3]])) + record::LENGTH_PREFIX as u64;
        let after = usize::try_from(frame).map_or(rest.len(), |f| f.min(rest.len()));
        if rest[after..].iter().all(|b| *b == 0) {
            Ok(Tail::Torn)
        } else {
            Ok(Tail::Data)
        }
    }

    /// Rebuilds everything in memory from the file's first `len` bytes; stops at the first
    /// invalid batch and says where.
    fn rebuild(&mut self, len: u64, on_batch: &mut dyn FnMut(&BatchHeader)) -> Result<ScanEnd> {
        let file = Arc::clone(&self.file);
        let mut hashes = Vec::new();
        let end = scan(&file, 0, len, SCAN_CHUNK, |position, header, batch| {
            if header.base_offset < self.next_offset {
                return Err(DecodeError::Invalid(format!(
                    "batch offset {} is not after the previous batch (next offset {})",
                    header.base_offset, self.next_offset
                )));
            }
            record::batch_keys(batch, |_, key| hashes.push(key_hash(key)))?;
            self.note_batch(position, &header);
            on_batch(&header);
            Ok(true)
        })?;
        self.keys = KeyFilter::Active(hashes);
        Ok(end)
    }

    /// Records a batch just written at `position` (in memory; the file write is the caller's).
    pub fn note_batch(&mut self, position: u64, header: &BatchHeader) {
        let relative_offset = (header.base_offset - self.base_offset()) as u32;
        if self.offset_index.is_empty() || self.bytes_since_entry >= self.index_interval {
            self.offset_index.push(IndexEntry {
                relative_offset,
                position: position as u32,
            });
            self.time_index.push(TimeEntry {
                timestamp: header.first_timestamp,
                relative_offset,
                position: position as u32,
            });
            self.bytes_since_entry = 0;
        }
        let len = header.total_len() as u64;
        self.bytes_since_entry += len;
        self.size = position + len;
        self.next_offset = header.next_offset();
        if self.first_timestamp == i64::MIN {
            self.first_timestamp = header.first_timestamp;
        }
        self.max_timestamp = self.max_timestamp.max(header.max_timestamp);
    }

    pub fn note_key(&mut self, key: &[u8]) {
        if let KeyFilter::Active(hashes) = &mut self.keys {
            hashes.push(key_hash(key));
        }
    }

    /// Turns the exact key set into a bloom filter and writes the sidecars. The caller has
    /// fsynced the segment file.
    pub fn seal(&mut self, dir: &Path) -> Result<()> {
        if let KeyFilter::Active(hashes) = &self.keys {
            let mut bloom =
                Bloom::new_for_fp_rate_with_seed(hashes.len().max(1), BLOOM_FP_RATE, &BLOOM_SEED)
                    .map_err(|e| Error::InvalidArgument(format!("key filter: {e}")))?;
            for h in hashes {
                bloom.set(h);
            }
            self.keys = KeyFilter::Sealed(bloom);
        }
        self.write_sidecars(dir)
    }

    pub fn write_sidecars(&self, dir: &Path) -> Result<()> {
        let base = self.base_offset();
        let summary = self.summary();
        let mut offsets = Vec::with_capacity(self.offset_index.len() * 8);
        for e in &self.offset_index {
            offsets.extend_from_slice(&e.relative_offset.to_le_bytes());
            offsets.extend_from_slice(&e.position.to_le_bytes());
        }
        let mut times = Vec::with_capacity(self.time_index.len() * 16);
        for e in &self.time_index {
            times.extend_from_slice(&e.timestamp.to_le_bytes());
            times.extend_from_slice(&e.relative_offset.to_le_bytes());
            times.extend_from_slice(&e.position.to_le_bytes());
        }
        sidecar::write(
            &dir.join(file_name(base, "index")),
            sidecar::OFFSET_INDEX_MAGIC,
            &summary,
            &offsets,
        )?;
        sidecar::write(
            &dir.join(file_name(base, "timeindex")),
            sidecar::TIME_INDEX_MAGIC,
            &summary,
            &times,
        )?;
        if let KeyFilter::Sealed(bloom) = &self.keys {
            sidecar::write(
                &dir.join(file_name(base, "bloom")),
                sidecar::BLOOM_MAGIC,
                &summary,
                &bloom.to_bytes(),
            )?;
        }
        Ok(())
    }

    /// Whether the segment may hold `key` (false positives possible once sealed).
    pub fn may_contain(&self, hash: u64) -> bool {
        match &self.keys {
            KeyFilter::Active(hashes) => hashes.contains(&hash),
            KeyFilter::Sealed(bloom) => bloom.check(&hash),
        }
    }

    /// Byte position of a batch at or before `offset`: where a reader looking for `offset`
    /// starts scanning.
    pub fn position_for_offset(&self, offset: u64) -> u64 {
        let relative = offset
            .saturating_sub(self.base_offset())
            .min(u64::from(u32::MAX)) as u32;
        let i = self
            .offset_index
            .partition_point(|e| e.relative_offset <= relative);
        i.checked_sub(1)
            .map_or(0, |i| u64::from(self.offset_index[i].position))
    }

    /// Byte position of a batch before any record with timestamp `>= ts`.
    pub fn position_for_timestamp(&self, ts: i64) -> u64 {
        let i = self.time_index.partition_point(|e| e.timestamp < ts);
        i.checked_sub(1)
            .map_or(0, |i| u64::from(self.time_index[i].position))
    }

    /// Deletes the segment's file and sidecars.
    pub fn delete_files(dir: &Path, base_offset: u64) -> Result<()> {
        for ext in ["log", "index", "timeindex", "bloom", "producers"] {
            let path = dir.join(file_name(base_offset, ext));
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Ok(())
    }
}

pub(crate) fn decode_offset_index(bytes: &[u8]) -> Option<Vec<IndexEntry>> {
    if !bytes.len().is_multiple_of(8) {
        return None;
    }
    let entries: Vec<IndexEntry> = bytes
        .chunks_exact(8)
        .map(|c| IndexEntry {
            relative_offset: u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
            position: u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect();
    let sorted = entries
        .windows(2)
        .all(|w| w[0].relative_offset < w[1].relative_offset && w[0].position < w[1].position);
    sorted.then_some(entries)
}

pub(crate) fn decode_time_index(bytes: &[u8]) -> Option<Vec<TimeEntry>> {
    if !bytes.len().is_multiple_of(16) {
        return None;
    }
    let entries: Vec<TimeEntry> = bytes
        .chunks_exact(16)
        .map(|c| {
            let mut ts = [0u8; 8];
            ts.copy_from_slice(&c[..8]);
            TimeEntry {
                timestamp: i64::from_le_bytes(ts),
                relative_offset: u32::from_le_bytes([c[8], c[9], c[10], c[11]]),
                position: u32::from_le_bytes([c[12], c[13], c[14], c[15]]),
            }
        })
        .collect();
    let sorted = entries
        .windows(2)
        .all(|w| w[0].timestamp <= w[1].timestamp && w[0].position < w[1].position);
    sorted.then_some(entries)
}

/// Reads whole batches from `from` up to `until`, verifying each, and hands each to `visit`
/// with its position. Stops at the first batch that fails to decode (or that `visit` rejects)
/// and reports where; I/O errors are returned as errors.
pub(crate) fn scan(
    file: &SegmentFile,
    from: u64,
    until: u64,
    chunk_size: usize,
    mut visit: impl FnMut(u64, BatchHeader, &Bytes) -> Result<bool, DecodeError>,
) -> Result<ScanEnd> {
    let mut pos = from;
    let mut chunk = Bytes::new();
    let mut chunk_pos = from;
    while pos < until {
        let mut offset_in_chunk = (pos - chunk_pos) as usize;
        if chunk.len() < offset_in_chunk + HEADER_LEN {
            let want = chunk_size.max(HEADER_LEN).min((until - pos) as usize);
            chunk = file.read_at(pos, want)?;
            chunk_pos = pos;
            offset_in_chunk = 0;
        }
        let header = match BatchHeader::parse(&chunk[offset_in_chunk..]) {
            Ok(h) => h,
            Err(err) => {
                return Ok(ScanEnd {
                    failure: Some((pos, err)),
                });
            }
        };
        let total = header.total_len();
        if pos + total as u64 > until {
            return Ok(ScanEnd {
                failure: Some((pos, DecodeError::Truncated)),
            });
        }
        let batch = if offset_in_chunk + total <= chunk.len() {
            chunk.slice(offset_in_chunk..offset_in_chunk + total)
        } else if total > chunk_size {
            file.read_at(pos, total)?
        } else {
            chunk = file.read_at(pos, chunk_size.min((until - pos) as usize))?;
            chunk_pos = pos;
            chunk.slice(0..total)
        };
        match record::verify_batch(&batch).and_then(|h| visit(pos, h, &batch)) {
            Ok(true) => {}
            Ok(false) => return Ok(ScanEnd { failure: None }),
            Err(err) => {
                return Ok(ScanEnd {
                    failure: Some((pos, err)),
                });
            }
        }
        pos += total as u64;
    }
    Ok(ScanEnd { failure: None })
}
