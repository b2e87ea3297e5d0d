//! Files that sit beside a segment and can always be rebuilt from it: the sparse offset index
//! (`.index`), the sparse time index (`.timeindex`), the key bloom filter (`.bloom`) and the
//! producer-state snapshot (`.producers`).
//!
//! Each starts with the same 56-byte header naming the segment it describes (base offset, the
//! segment file's length, next offset, timestamps) and ends its header with a CRC over header
//! and payload. A sidecar whose magic, CRC, or description of the segment does not match the
//! segment file on disk is stale or damaged; the caller rebuilds it by scanning the segment.
//! Sidecars are written to a temporary name and renamed into place, so a crash leaves either
//! the old file or the new one.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

pub(crate) const OFFSET_INDEX_MAGIC: [u8; 8] = *b"DDBOIDX\x01";
pub(crate) const TIME_INDEX_MAGIC: [u8; 8] = *b"DDBTIDX\x01";
pub(crate) const BLOOM_MAGIC: [u8; 8] = *b"DDBBLOM\x01";
pub(crate) const PRODUCERS_MAGIC: [u8; 8] = *b"DDBPROD\x01";

pub(crate) const HEADER_LEN: usize = 56;

/// What a sidecar claims about its segment; must equal the segment's own state to be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentSummary {
    pub base_offset: u64,
    pub size: u64,
    pub next_offset: u64,
    pub first_timestamp: i64,
    pub max_timestamp: i64,
}

pub(crate) fn write(
    path: &Path,
    magic: [u8; 8],
    summary: &SegmentSummary,
    payload: &[u8],
) -> Result<()> {
    let mut buf = Vec::with_capacity(HEADER_LEN + payload.len());
    buf.extend_from_slice(&magic);
    buf.extend_from_slice(&summary.base_offset.to_le_bytes());
    buf.extend_from_slice(&summary.size.to_le_bytes());
    buf.extend_from_slice(&summary.next_offset.to_le_bytes());
    buf.extend_from_slice(&summary.first_timestamp.to_le_bytes());
    buf.extend_from_slice(&summary.max_timestamp.to_le_bytes());
    buf.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&buf);
    crc.update(payload);
    buf.extend_from_slice(&crc.finalize().to_le_bytes());
    buf.extend_from_slice(payload);

    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension()
            .and_then(|e| e.to_str())
            .unwrap_or("sidecar")
    ));
    let mut file = fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    file.write_all(&buf).map_err(|e| Error::io(&tmp, e))?;
    drop(file);
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Reads a sidecar and returns its payload if it is intact and describes `expected`;
/// `Ok(None)` when it is missing, damaged or stale (the caller rebuilds it).
pub(crate) fn read(
    path: &Path,
    magic: [u8; 8],
    expected: &SegmentSummary,
) -> Result<Option<Vec<u8>>> {
    let Some(bytes) = read_file(path)? else {
        return Ok(None);
    };
    Ok(verified(&bytes, magic)
        .filter(|(summary, _)| summary == expected)
        .map(|(_, payload)| payload.to_vec()))
}

/// Reads only the summary of a sidecar, trusting it if its CRC holds and it names the segment
/// file as it is (`base_offset`, `size`). Used to learn a sealed segment's next offset and
/// timestamps without scanning it.
pub(crate) fn read_summary(
    path: &Path,
    magic: [u8; 8],
    base_offset: u64,
    size: u64,
) -> Result<Option<SegmentSummary>> {
    let Some(bytes) = read_file(path)? else {
        return Ok(None);
    };
    Ok(verified(&bytes, magic)
        .map(|(summary, _)| summary)
        .filter(|s| s.base_offset == base_offset && s.size == size))
}

fn read_file(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The summary and payload of a sidecar whose magic, length and CRC are right.
pub(crate) fn verified(bytes: &[u8], magic: [u8; 8]) -> Option<(SegmentSummary, &[u8])> {
    let header = bytes.get(..HEADER_LEN)?;
    if header[..8] != magic {
        return None;
    }
    let u64_at = |at: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&header[at..at + 8]);
        u64::from_le_bytes(a)
    };
    let summary = SegmentSummary {
        base_offset: u64_at(8),
        size: u64_at(16),
        next_offset: u64_at(24),
        first_timestamp: u64_at(32) as i64,
        max_timestamp: u64_at(40) as i64,
    };
    let len = u32::from_le_bytes([header[48], header[49], header[50], header[51]]) as usize;
    let stored_crc = u32::from_le_bytes([header[52], header[53], header[54], header[55]]);
    let payload = bytes.get(HEADER_LEN..)?;
    if payload.len() != len {
        return None;
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(&header[..52]);
    crc.update(payload);
    (crc.finalize() == stored_crc).then_some((summary, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> SegmentSummary {
        SegmentSummary {
            base_offset: 10,
            size: 4096,
            next_offset: 20,
            first_timestamp: 1,
            max_timestamp: 9,
        }
    }

    #[test]
    fn round_trip_and_damage_detection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.index");
        write(&path, OFFSET_INDEX_MAGIC, &summary(), b"payload").unwrap();
        assert_eq!(
            read(&path, OFFSET_INDEX_MAGIC, &summary())
                .unwrap()
                .as_deref(),
            Some(&b"payload"[..])
        );
        assert_eq!(
            read_summary(&path, OFFSET_INDEX_MAGIC, 10, 4096).unwrap(),
            Some(summary())
        );
        // Wrong kind of sidecar, stale description, damaged bytes, truncation: all rejected.
        assert_eq!(read(&path, TIME_INDEX_MAGIC, &summary()).unwrap(), None);
        let stale = SegmentSummary {
            size: 5000,
            ..summary()
        };
        assert_eq!(read(&path, OFFSET_INDEX_MAGIC, &stale).unwrap(), None);
        let good = fs::read(&path).unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 1;
            fs::write(&path, &bad).unwrap();
            assert_eq!(
                read(&path, OFFSET_INDEX_MAGIC, &summary()).unwrap(),
                None,
                "flip at {i}"
            );
        }
        fs::write(&path, &good[..good.len() - 1]).unwrap();
        assert_eq!(read(&path, OFFSET_INDEX_MAGIC, &summary()).unwrap(), None);
        assert_eq!(
            read(&dir.path().join("missing"), OFFSET_INDEX_MAGIC, &summary()).unwrap(),
            None
        );
    }
}
