//! Entry points for the fuzz targets (`fuzz/`, `docs/design/fuzzing.md`) and the regression
//! tests that replay their corpora: each takes arbitrary bytes as they could come from the
//! log or the disk and must return, with an error or a value, and never panic, hang or
//! allocate without bound. Checksums are made right for the bytes first, so the decoding
//! behind them is what gets tested.

use rkyv::util::AlignedVec;

use crate::ledger::Transaction;
use crate::snapshot::{self, HEADER_LEN};

/// A `__ledger` record's value: a transaction, decoded and validated.
pub fn ledger_record(data: &[u8]) {
    let _ = Transaction::decode(data);
}

/// A table snapshot file (`<n>.snap`), its header's length and checksums made right,
/// decoded and restored into a table.
pub fn snapshot(data: &[u8]) {
    let mut bytes = AlignedVec::<16>::with_capacity(data.len());
    bytes.extend_from_slice(data);
    if bytes.len() >= HEADER_LEN {
        let payload_len = (bytes.len() - HEADER_LEN) as u64;
        bytes[16..24].copy_from_slice(&payload_len.to_le_bytes());
        let payload_crc = crc32fast::hash(&bytes[HEADER_LEN..]);
        bytes[24..28].copy_from_slice(&payload_crc.to_le_bytes());
        let header_crc = crc32fast::hash(&bytes[0..28]);
        bytes[28..32].copy_from_slice(&header_crc.to_le_bytes());
    }
    let _ = snapshot::decode(bytes);
}
