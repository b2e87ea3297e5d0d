//! Records and their on-disk batch encoding.
//!
//! A batch is the unit of writing, checksumming and fsync. Its byte layout is the contract in
//! `docs/design/segment-format.md`; every field is little-endian. The header is fixed-size so a
//! reader can skip from batch to batch reading only headers, and the CRC covers everything after
//! the CRC field (the base offset included), so a torn or flipped byte anywhere in the batch is caught.
//!
//! Decoding never trusts a length: every slice is checked against the bytes actually present
//! and a short or inconsistent batch is reported as [`DecodeError`], which the caller turns into
//! a torn tail (at the end of the active segment) or corruption (anywhere else).

use bytes::Bytes;

/// A record header: a name and an opaque value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: Bytes,
}

/// A record as the producer hands it in; the log assigns offset and (by default) timestamp.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRecord {
    /// Producer-supplied time in microseconds since the Unix epoch. The log never lets a
    /// partition's timestamps go backwards: an earlier value is raised to the partition's last.
    pub timestamp: Option<i64>,
    pub key: Option<Bytes>,
    pub headers: Vec<Header>,
    /// `None` is a tombstone: under `compact` cleanup it marks the key deleted.
    pub value: Option<Bytes>,
}

impl NewRecord {
    pub fn value(value: impl Into<Bytes>) -> Self {
        Self {
            value: Some(value.into()),
            ..Self::default()
        }
    }

    pub fn keyed(key: impl Into<Bytes>, value: impl Into<Bytes>) -> Self {
        Self {
            key: Some(key.into()),
            value: Some(value.into()),
            ..Self::default()
        }
    }

    /// The bytes this record occupies inside a batch; the unit of `max_record_bytes`.
    pub fn encoded_len(&self) -> usize {
        record_len(self.key.as_deref(), self.value.as_deref(), &self.headers)
    }
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub offset: u64,
    /// Microseconds since the Unix epoch; never decreasing within a partition.
    pub timestamp: i64,
    pub key: Option<Bytes>,
    pub headers: Vec<Header>,
    pub value: Option<Bytes>,
}

impl Record {
    pub fn encoded_len(&self) -> usize {
        record_len(self.key.as_deref(), self.value.as_deref(), &self.headers)
    }
}

pub(crate) const MAGIC: u8 = 1;
/// Size of the fixed batch header.
pub(crate) const HEADER_LEN: usize = 58;
/// Bytes before the field the `length` counts from.
pub(crate) const LENGTH_PREFIX: usize = 4;
const CRC_START: usize = 8;
/// Fixed bytes per record besides key, value and headers.
const RECORD_OVERHEAD: usize = 4 + 4 + 8 + 4 + 4 + 2;
const HEADER_OVERHEAD: usize = 2 + 4;

fn record_len(key: Option<&[u8]>, value: Option<&[u8]>, headers: &[Header]) -> usize {
    RECORD_OVERHEAD
        + key.map_or(0, <[u8]>::len)
        + value.map_or(0, <[u8]>::len)
        + headers
            .iter()
            .map(|h| HEADER_OVERHEAD + h.name.len() + h.value.len())
            .sum::<usize>()
}

/// The fixed header of a batch, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchHeader {
    pub base_offset: u64,
    /// Bytes after the length field, so the whole batch is `length + LENGTH_PREFIX` bytes.
    pub length: u32,
    pub crc: u32,
    pub record_count: u32,
    pub last_offset_delta: u32,
    pub first_timestamp: i64,
    pub max_timestamp: i64,
    /// 0 when the batch was not written by an idempotent producer.
    pub producer_id: u64,
    pub base_sequence: u32,
}

impl BatchHeader {
    pub fn total_len(&self) -> usize {
        self.length as usize + LENGTH_PREFIX
    }

    pub fn last_offset(&self) -> u64 {
        self.base_offset + u64::from(self.last_offset_delta)
    }

    pub fn next_offset(&self) -> u64 {
        self.last_offset() + 1
    }

    /// Parses a header from the first [`HEADER_LEN`] bytes. Checks only what the header alone
    /// can show; the CRC is checked by [`decode_batch`] once the body is read.
    pub fn parse(buf: &[u8]) -> Result<Self, DecodeError> {
        let h = buf.get(..HEADER_LEN).ok_or(DecodeError::Truncated)?;
        let header = BatchHeader {
            length: u32_at(h, 0),
            crc: u32_at(h, 4),
            base_offset: u64_at(h, 8),
            record_count: u32_at(h, 18),
            last_offset_delta: u32_at(h, 22),
            first_timestamp: u64_at(h, 26) as i64,
            max_timestamp: u64_at(h, 34) as i64,
            producer_id: u64_at(h, 42),
            base_sequence: u32_at(h, 50),
        };
        if h[16] != MAGIC {
            return Err(DecodeError::Invalid(format!(
                "unknown batch magic {}",
                h[16]
            )));
        }
        if header.total_len() < HEADER_LEN {
            return Err(DecodeError::Invalid(format!(
                "batch length {} too small",
                header.length
            )));
        }
        // Every offset of the batch, and the next one after it, must fit in a u64 (records'
        // offsets are the base plus their deltas, which are at most the last one's).
        if header
            .base_offset
            .checked_add(u64::from(header.last_offset_delta) + 1)
            .is_none()
        {
            return Err(DecodeError::Invalid(format!(
                "batch offsets from {} overflow",
                header.base_offset
            )));
        }
        if header.record_count == 0 || header.last_offset_delta < header.record_count - 1 {
            return Err(DecodeError::Invalid(format!(
                "batch claims {} records over {} offsets",
                header.record_count,
                u64::from(header.last_offset_delta) + 1
            )));
        }
        Ok(header)
    }
}

/// Why bytes did not decode as a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// Fewer bytes than the batch says it has: at the end of a file, a torn write.
    Truncated,
    /// Bytes present but wrong (bad magic, CRC mismatch, inconsistent lengths).
    Invalid(String),
}

impl DecodeError {
    pub fn reason(&self) -> String {
        match self {
            DecodeError::Truncated => "batch extends past the end of the file".to_string(),
            DecodeError::Invalid(reason) => reason.clone(),
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// One record ready to encode, with its final offset and timestamp.
pub(crate) struct Stamped<'a> {
    pub offset_delta: u32,
    pub timestamp: i64,
    pub key: Option<&'a [u8]>,
    pub headers: &'a [Header],
    pub value: Option<&'a [u8]>,
}

/// Appends one encoded batch to `out`.
pub(crate) fn encode_batch<'a>(
    out: &mut Vec<u8>,
    base_offset: u64,
    producer: Option<(u64, u32)>,
    records: impl ExactSizeIterator<Item = Stamped<'a>>,
) {
    let start = out.len();
    out.resize(start + HEADER_LEN, 0);
    let mut count = 0u32;
    let mut last_delta = 0u32;
    let mut first_ts = 0i64;
    let mut max_ts = i64::MIN;
    for r in records {
        if count == 0 {
            first_ts = r.timestamp;
        }
        count += 1;
        last_delta = r.offset_delta;
        max_ts = max_ts.max(r.timestamp);
        let len = record_len(r.key, r.value, r.headers) - 4;
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.extend_from_slice(&r.offset_delta.to_le_bytes());
        out.extend_from_slice(&r.timestamp.to_le_bytes());
        put_optional(out, r.key);
        put_optional(out, r.value);
        out.extend_from_slice(&(r.headers.len() as u16).to_le_bytes());
        for h in r.headers {
            out.extend_from_slice(&(h.name.len() as u16).to_le_bytes());
            out.extend_from_slice(h.name.as_bytes());
            out.extend_from_slice(&(h.value.len() as u32).to_le_bytes());
            out.extend_from_slice(&h.value);
        }
    }
    let (producer_id, base_sequence) = producer.unwrap_or((0, 0));
    let total = out.len() - start;
    let h = &mut out[start..start + HEADER_LEN];
    h[0..4].copy_from_slice(&((total - LENGTH_PREFIX) as u32).to_le_bytes());
    h[8..16].copy_from_slice(&base_offset.to_le_bytes());
    h[16] = MAGIC;
    h[17] = 0; // attributes, reserved
    h[18..22].copy_from_slice(&count.to_le_bytes());
    h[22..26].copy_from_slice(&last_delta.to_le_bytes());
    h[26..34].copy_from_slice(&first_ts.to_le_bytes());
    h[34..42].copy_from_slice(&max_ts.to_le_bytes());
    h[42..50].copy_from_slice(&producer_id.to_le_bytes());
    h[50..54].copy_from_slice(&base_sequence.to_le_bytes());
    // 54..58 reserved, zero.
    let crc = crc32fast::hash(&out[start + CRC_START..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

fn put_optional(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        Some(b) => {
            out.extend_from_slice(&(b.len() as i32).to_le_bytes());
            out.extend_from_slice(b);
        }
        None => out.extend_from_slice(&(-1i32).to_le_bytes()),
    }
}

/// Verifies a whole batch (`buf` is exactly one batch) and returns its header.
pub(crate) fn verify_batch(buf: &[u8]) -> Result<BatchHeader, DecodeError> {
    let header = BatchHeader::parse(buf)?;
    if buf.len() < header.total_len() {
        return Err(DecodeError::Truncated);
    }
    let crc = crc32fast::hash(&buf[CRC_START..header.total_len()]);
    if crc != header.crc {
        return Err(DecodeError::Invalid(format!(
            "CRC mismatch: stored {:#010x}, computed {crc:#010x}",
            header.crc
        )));
    }
    Ok(header)
}

/// Decodes a verified batch held in `buf` (exactly one batch), calling `each` with every
/// record. Keys and values are zero-copy slices of `buf`.
pub(crate) fn decode_batch(
    buf: &Bytes,
    mut each: impl FnMut(Record) -> bool,
) -> Result<BatchHeader, DecodeError> {
    let header = verify_batch(buf)?;
    let end = header.total_len();
    let mut pos = HEADER_LEN;
    let mut prev_delta: Option<u32> = None;
    for _ in 0..header.record_count {
        let mut cur = Cursor { buf, pos, end };
        let len = cur.u32()? as usize;
        let record_end = cur
            .pos
            .checked_add(len)
            .filter(|e| *e <= end)
            .ok_or_else(|| DecodeError::Invalid("record length runs past its batch".to_string()))?;
        cur.end = record_end;
        let delta = cur.u32()?;
        if prev_delta.is_some_and(|p| delta <= p) || delta > header.last_offset_delta {
            return Err(DecodeError::Invalid(format!(
                "record offset delta {delta} out of order"
            )));
        }
        prev_delta = Some(delta);
        let timestamp = cur.u64()? as i64;
        let key = cur.optional()?;
        let value = cur.optional()?;
        let header_count = cur.u16()?;
        let mut headers = Vec::with_capacity(usize::from(header_count));
        for _ in 0..header_count {
            let name_len = usize::from(cur.u16()?);
            let name = cur.take(name_len)?;
            let name = std::str::from_utf8(&name)
                .map_err(|_| DecodeError::Invalid("header name is not UTF-8".to_string()))?
                .to_string();
            let value_len = cur.u32()? as usize;
            let value = cur.take(value_len)?;
            headers.push(Header { name, value });
        }
        if cur.pos != record_end {
            return Err(DecodeError::Invalid(
                "record length disagrees with its fields".to_string(),
            ));
        }
        pos = record_end;
        let record = Record {
            offset: header.base_offset + u64::from(delta),
            timestamp,
            key,
            headers,
            value,
        };
        if !each(record) {
            return Ok(header);
        }
    }
    if pos != end || prev_delta != Some(header.last_offset_delta) {
        return Err(DecodeError::Invalid(
            "batch length disagrees with its records".to_string(),
        ));
    }
    Ok(header)
}

/// Collects every key of a verified batch without copying values.
pub(crate) fn batch_keys(
    buf: &Bytes,
    mut each: impl FnMut(u64, &[u8]),
) -> Result<BatchHeader, DecodeError> {
    decode_batch(buf, |r| {
        if let Some(k) = &r.key {
            each(r.offset, k);
        }
        true
    })
}

struct Cursor<'a> {
    buf: &'a Bytes,
    pos: usize,
    end: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<Bytes, DecodeError> {
        let stop = self
            .pos
            .checked_add(n)
            .filter(|s| *s <= self.end)
            .ok_or_else(|| DecodeError::Invalid("field runs past its record".to_string()))?;
        let out = self.buf.slice(self.pos..stop);
        self.pos = stop;
        Ok(out)
    }
    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let b = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(&b);
        Ok(a)
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.fixed()?))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.fixed()?))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.fixed()?))
    }
    fn optional(&mut self) -> Result<Option<Bytes>, DecodeError> {
        let len = i32::from_le_bytes(self.fixed()?);
        match len {
            -1 => Ok(None),
            n if n < 0 => Err(DecodeError::Invalid(format!("negative field length {n}"))),
            n => self.take(n as usize).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let headers = vec![Header {
            name: "type".into(),
            value: Bytes::from_static(b"OrderPlaced"),
        }];
        let records = [
            Stamped {
                offset_delta: 0,
                timestamp: 10,
                key: Some(b"k1"),
                headers: &headers,
                value: Some(b"v1"),
            },
            Stamped {
                offset_delta: 1,
                timestamp: 11,
                key: None,
                headers: &[],
                value: None,
            },
            Stamped {
                offset_delta: 3,
                timestamp: 12,
                key: Some(b""),
                headers: &[],
                value: Some(b""),
            },
        ];
        let mut out = Vec::new();
        encode_batch(&mut out, 100, Some((7, 3)), records.into_iter());
        out
    }

    #[test]
    fn round_trip_preserves_every_field() {
        let buf = Bytes::from(sample());
        let mut got = Vec::new();
        let header = decode_batch(&buf, |r| {
            got.push(r);
            true
        })
        .unwrap();
        assert_eq!(header.base_offset, 100);
        assert_eq!(header.record_count, 3);
        assert_eq!(header.next_offset(), 104);
        assert_eq!((header.producer_id, header.base_sequence), (7, 3));
        assert_eq!((header.first_timestamp, header.max_timestamp), (10, 12));
        assert_eq!(header.total_len(), buf.len());
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].key.as_deref(), Some(&b"k1"[..]));
        assert_eq!(got[0].headers[0].name, "type");
        assert_eq!(got[1].offset, 101);
        assert_eq!(got[1].value, None);
        assert_eq!(got[2].offset, 103);
        assert_eq!(got[2].key.as_deref(), Some(&b""[..]));
        assert_eq!(got[2].value.as_deref(), Some(&b""[..]));
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let good = sample();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x40;
            let buf = Bytes::from(bad);
            assert!(
                decode_batch(&buf, |_| true).is_err(),
                "flip at byte {i} went unnoticed"
            );
        }
    }

    #[test]
    fn every_truncation_is_detected() {
        let good = sample();
        for len in 0..good.len() {
            let buf = Bytes::copy_from_slice(&good[..len]);
            assert!(
                decode_batch(&buf, |_| true).is_err(),
                "truncation to {len} bytes went unnoticed"
            );
        }
    }
}
