//! Entry points for the fuzz targets (`fuzz/`, `docs/design/fuzzing.md`) and the regression
//! tests that replay their corpora: each takes arbitrary bytes as they could come from disk
//! and must return, with an error or a value, and never panic, hang or allocate without
//! bound.
//!
//! Checksums guard every format, so random bytes rarely get past them: each entry point
//! first makes the checksum right for the bytes it was given, and so tests the decoding
//! behind it, which is what a bug in a writer (or a collision) would reach.

use bytes::Bytes;

use crate::record::{self, BatchHeader};
use crate::{producer, segment, sidecar};

/// A record batch as a segment stores it, decoded record by record.
pub fn record_batch(data: &[u8]) {
    let mut buf = data.to_vec();
    if let Ok(header) = BatchHeader::parse(&buf)
        && header.total_len() <= buf.len()
    {
        let crc = crc32fast::hash(&buf[8..header.total_len()]);
        buf[4..8].copy_from_slice(&crc.to_le_bytes());
        buf.truncate(header.total_len());
    }
    let buf = Bytes::from(buf);
    let mut records = 0usize;
    let _ = record::decode_batch(&buf, |r| {
        records += 1;
        let _ = (r.offset, r.timestamp, r.key, r.value, r.headers);
        true
    });
    let _ = record::batch_keys(&buf, |_, _| {});
}

/// A segment's sidecar, with each kind's magic (offset index, time index, Bloom filter,
/// producer state): its header checked and its payload decoded as that kind.
pub fn sidecar(data: &[u8]) {
    for magic in [
        sidecar::OFFSET_INDEX_MAGIC,
        sidecar::TIME_INDEX_MAGIC,
        sidecar::BLOOM_MAGIC,
        sidecar::PRODUCERS_MAGIC,
    ] {
        let mut buf = data.to_vec();
        if buf.len() >= sidecar::HEADER_LEN {
            let payload_len = (buf.len() - sidecar::HEADER_LEN) as u32;
            buf[..8].copy_from_slice(&magic);
            buf[48..52].copy_from_slice(&payload_len.to_le_bytes());
            let mut crc = crc32fast::Hasher::new();
            crc.update(&buf[..52]);
            crc.update(&buf[sidecar::HEADER_LEN..]);
            buf[52..56].copy_from_slice(&crc.finalize().to_le_bytes());
        }
        let Some((_, payload)) = sidecar::verified(&buf, magic) else {
            continue;
        };
        match magic {
            sidecar::OFFSET_INDEX_MAGIC => drop(segment::decode_offset_index(payload)),
            sidecar::TIME_INDEX_MAGIC => drop(segment::decode_time_index(payload)),
            sidecar::BLOOM_MAGIC => drop(bloomfilter::Bloom::<u64>::from_bytes(payload.to_vec())),
            _ => drop(producer::ProducerTable::decode(payload)),
        }
    }
}
