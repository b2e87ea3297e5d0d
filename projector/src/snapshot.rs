//! Snapshot files: a table's whole retained state in one checksummed file.
//!
//! Layout (the contract is `docs/design/snapshot-format.md`): a 32-byte header — magic,
//! format version, flags, payload length, payload CRC-32, header CRC-32 — then the rkyv
//! archive of the payload (schema, newest applied record, horizon, every retained version
//! chain). Secondary indexes and unique maps are not stored: [`load`] rebuilds them.
//! [`write()`] archives straight from the live table (`PayloadRef`), so a snapshot costs the
//! archive's bytes in memory, not a second copy of the rows.
//!
//! Invariants:
//! - [`write()`] never leaves a partial file under the final name: it writes `<name>.tmp`,
//!   fsyncs it, renames it over `<name>` and fsyncs the directory, so after a crash the final
//!   name holds either the old snapshot or the new one.
//! - [`load`] accepts only what [`write()`] produced: any wrong magic, version, flag, length or
//!   checksum, any payload rkyv cannot validate, and any payload that breaks a table
//!   invariant (see `Table::restore`) is an [`Error::Corruption`] naming the file. No byte
//!   string makes it panic.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use rkyv::munge::munge;
use rkyv::rancor::{self, Fallible};
use rkyv::ser::{Allocator, Writer};
use rkyv::util::AlignedVec;
use rkyv::vec::{ArchivedVec, VecResolver};
use rkyv::{Archive, Place, Serialize};

use crate::error::{Error, Result};
use crate::schema::TableSchema;
use crate::table::{ArchivedEntry, Chain, Entry, Table};

/// The first eight bytes of every snapshot file.
pub const MAGIC: [u8; 8] = *b"DRFTSNAP";

/// The payload format this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Bytes before the payload.
pub const HEADER_LEN: usize = 32;

/// The newest applied record.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Position {
    seq: u64,
    time: i64,
}

/// What the payload holds.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Payload {
    schema: TableSchema,
    last: Option<Position>,
    horizon: u64,
    /// Per primary key, in key order: its chain entries, oldest first.
    chains: Vec<Vec<Entry>>,
}

/// A [`Payload`] borrowed from a live table, archived exactly as the owned one (same
/// archived type, fields serialized in the same order), so writing a snapshot does not copy
/// the table's rows.
struct PayloadRef<'a> {
    table: &'a Table,
    last: Option<Position>,
    chains: &'a [&'a Chain],
}

impl Archive for PayloadRef<'_> {
    type Archived = ArchivedPayload;
    type Resolver = PayloadResolver;

    fn resolve(&self, resolver: Self::Resolver, out: Place<Self::Archived>) {
        munge!(let ArchivedPayload { schema, last, horizon, chains } = out);
        self.table.schema().resolve(resolver.schema, schema);
        self.last.resolve(resolver.last, last);
        // A u64 resolves from nothing (its resolver is `()`).
        self.table.horizon().resolve((), horizon);
        ArchivedVec::resolve_from_len(self.chains.len(), resolver.chains, chains);
    }
}

impl<S> Serialize<S> for PayloadRef<'_>
where
    S: Fallible + Allocator + Writer + ?Sized,
    TableSchema: Serialize<S>,
    Option<Position>: Serialize<S>,
    u64: Serialize<S>,
    Entry: Serialize<S>,
{
    fn serialize(&self, serializer: &mut S) -> std::result::Result<Self::Resolver, S::Error> {
        Ok(PayloadResolver {
            schema: self.table.schema().serialize(serializer)?,
            last: self.last.serialize(serializer)?,
            horizon: self.table.horizon().serialize(serializer)?,
            chains: ArchivedVec::<ArchivedVec<ArchivedEntry>>::serialize_from_iter::<
                ChainRef<'_>,
                _,
                _,
            >(self.chains.iter().map(|c| ChainRef(c)), serializer)?,
        })
    }
}

/// One chain, archived as the `Vec<Entry>` of its entries, oldest first.
#[derive(Clone, Copy)]
struct ChainRef<'a>(&'a Chain);

impl Archive for ChainRef<'_> {
    type Archived = ArchivedVec<ArchivedEntry>;
    type Resolver = VecResolver;

    fn resolve(&self, resolver: Self::Resolver, out: Place<Self::Archived>) {
        ArchivedVec::resolve_from_len(self.0.len(), resolver, out);
    }
}

impl<S> Serialize<S> for ChainRef<'_>
where
    S: Fallible + Allocator + Writer + ?Sized,
    Entry: Serialize<S>,
{
    fn serialize(&self, serializer: &mut S) -> std::result::Result<Self::Resolver, S::Error> {
        let chain = self.0;
        ArchivedVec::<ArchivedEntry>::serialize_from_iter::<Entry, _, _>(
            (0..chain.len()).map(|i| chain.entry_or_newest(i)),
            serializer,
        )
    }
}

/// Writes `table` to `path` durably; see the module documentation.
pub fn write(table: &Table, path: &Path) -> Result<()> {
    let chains: Vec<&Chain> = table.chains().collect();
    let payload = PayloadRef {
        table,
        last: table.last().map(|(seq, time)| Position { seq, time }),
        chains: &chains,
    };
    let bytes = rkyv::to_bytes::<rancor::Error>(&payload).map_err(|e| {
        Error::Internal(format!(
            "serializing a snapshot of {:?}: {e}",
            table.schema().name()
        ))
    })?;
    let header = encode_header(&bytes);

    let tmp = tmp_path(path)?;
    let result = write_file(&tmp, &header, &bytes).and_then(|()| {
        fs::rename(&tmp, path).map_err(Error::io(path))?;
        sync_dir(path)
    });
    if result.is_err() {
        // Best effort: the temporary file is garbage either way, and the write's own error
        // is the one worth reporting.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reads the table stored at `path`, verifying everything; see the module documentation.
pub fn load(path: &Path) -> Result<Table> {
    let bytes = fs::read(path).map_err(Error::io(path))?;
    let corrupt = |reason: String| Error::Corruption {
        path: path.to_owned(),
        reason,
    };
    let payload = check_header(&bytes).map_err(corrupt)?;
    // rkyv needs the archive aligned; a slice of a Vec<u8> at offset 32 need not be.
    let mut aligned = AlignedVec::<16>::with_capacity(payload.len());
    aligned.extend_from_slice(payload);
    let payload = rkyv::from_bytes::<Payload, rancor::Error>(&aligned)
        .map_err(|e| corrupt(format!("payload does not decode: {e}")))?;
    Table::restore(
        payload.schema,
        payload.last.map(|p| (p.seq, p.time)),
        payload.horizon,
        payload.chains,
    )
    .map_err(|reason| corrupt(format!("inconsistent payload: {reason}")))
}

fn encode_header(payload: &[u8]) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[0..8].copy_from_slice(&MAGIC);
    header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    // 12..16: flags, zero in version 1.
    header[16..24].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    header[24..28].copy_from_slice(&crc32fast::hash(payload).to_le_bytes());
    let header_crc = crc32fast::hash(&header[0..28]);
    header[28..32].copy_from_slice(&header_crc.to_le_bytes());
    header
}

/// Checks the header against the file and returns the payload bytes.
fn check_header(bytes: &[u8]) -> std::result::Result<&[u8], String> {
    let (header, payload) = bytes.split_at_checked(HEADER_LEN).ok_or_else(|| {
        format!(
            "{} bytes is shorter than the {HEADER_LEN}-byte header",
            bytes.len()
        )
    })?;
    let field = |range: std::ops::Range<usize>| header.get(range).unwrap_or_default();
    let u32_at = |at: usize| {
        field(at..at + 4)
            .try_into()
            .map(u32::from_le_bytes)
            .unwrap_or_default()
    };
    if field(0..8) != MAGIC {
        return Err("bad magic: not a DriftDB snapshot".into());
    }
    let header_crc = crc32fast::hash(field(0..28));
    if u32_at(28) != header_crc {
        return Err(format!(
            "header checksum {:#010x} != computed {header_crc:#010x}",
            u32_at(28)
        ));
    }
    let version = u32_at(8);
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version} is not the supported {FORMAT_VERSION}"
        ));
    }
    if u32_at(12) != 0 {
        return Err(format!("unknown flags {:#x}", u32_at(12)));
    }
    let len = field(16..24)
        .try_into()
        .map(u64::from_le_bytes)
        .unwrap_or_default();
    if len != payload.len() as u64 {
        return Err(format!(
            "header says the payload has {len} bytes, the file holds {}",
            payload.len()
        ));
    }
    let crc = crc32fast::hash(payload);
    if u32_at(24) != crc {
        return Err(format!(
            "payload checksum {:#010x} != computed {crc:#010x}",
            u32_at(24)
        ));
    }
    Ok(payload)
}

/// `<path>.tmp`, beside `path`.
fn tmp_path(path: &Path) -> Result<PathBuf> {
    let mut name = path
        .file_name()
        .ok_or_else(|| {
            Error::InvalidInput(format!("snapshot path {} names no file", path.display()))
        })?
        .to_owned();
    name.push(".tmp");
    Ok(path.with_file_name(name))
}

fn write_file(path: &Path, header: &[u8], payload: &[u8]) -> Result<()> {
    let mut file = File::create(path).map_err(Error::io(path))?;
    file.write_all(header).map_err(Error::io(path))?;
    file.write_all(payload).map_err(Error::io(path))?;
    file.sync_all().map_err(Error::io(path))
}

/// Fsyncs the directory holding `path`, making the rename durable.
fn sync_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io(dir))
}

#[cfg(test)]
mod tests;
