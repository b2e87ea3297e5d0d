//! Snapshot files: a table's whole retained state in one checksummed file.
//!
//! Layout (the contract is `docs/design/snapshot-format.md`): a 32-byte header — magic,
//! format version, flags, payload length, payload CRC-32, header CRC-32 — then the rkyv
//! archive of the payload (schema, newest applied record, horizon, every retained version
//! chain). Secondary indexes and unique maps are not stored: [`load`] rebuilds them.
//! [`write()`] streams the archive from the live table to the file (`PayloadRef`), so a
//! snapshot holds neither a second copy of the rows nor the archive in memory.
//! [`write_point_in_time`] does the same for a shared table as of a captured sequence,
//! locking it a chunk of keys at a time so that commits go on meanwhile ([`PointInTime`]).
//!
//! Invariants:
//! - [`write()`] never leaves a partial file under the final name: it writes `<name>.tmp`,
//!   fsyncs it, renames it over `<name>` and fsyncs the directory, so after a crash the final
//!   name holds either the old snapshot or the new one.
//! - [`load`] accepts only what [`write()`] produced: any wrong magic, version, flag, length or
//!   checksum, any payload rkyv cannot validate, and any payload that breaks a table
//!   invariant (see `Table::restore`) is an [`Error::Corruption`] naming the file. No byte
//!   string makes it panic.

use std::cell::RefCell;
use std::fs::{self, File};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLockReadGuard};

use rkyv::munge::munge;
use rkyv::rancor::{self, Fallible};
use rkyv::ser::writer::IoWriter;
use rkyv::ser::{Allocator, Writer};
use rkyv::util::AlignedVec;
use rkyv::vec::{ArchivedVec, VecResolver};
use rkyv::{Archive, Place, Serialize};

use crate::database::{SharedTable, read};
use crate::error::{Error, Result};
use crate::schema::TableSchema;
use crate::table::{ArchivedEntry, Chain, Entry, Table};
use crate::value::Value;

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

/// Chains archived per hold of a shared table's read lock: a commit to the table waits at
/// most for this many, not for the whole snapshot.
const CHUNK: usize = 1024;

/// How long a snapshot of a shared table stays off its lock between chunks.
const WRITER_PAUSE: std::time::Duration = std::time::Duration::from_micros(200);

/// A table as of the sequence it was captured at, cheap to take (a schema clone), so that
/// its snapshot can be written while later commits go on. Those only append chain entries
/// past the captured sequence and add keys that had none, which the writer skips; the one
/// change that rewrites the past, [`Table::vacuum`], must wait until the snapshot is written
/// (the store makes it), and a snapshot that sees one fails instead of mixing two pasts.
#[derive(Debug)]
pub struct PointInTime {
    table: SharedTable,
    schema: TableSchema,
    last: Option<(u64, i64)>,
    horizon: u64,
}

impl PointInTime {
    /// `table` as it is now.
    pub fn capture(table: &SharedTable) -> Self {
        let t = read(table);
        PointInTime {
            table: Arc::clone(table),
            schema: t.schema().clone(),
            last: t.last(),
            horizon: t.horizon(),
        }
    }
}

/// What [`PayloadRef`] reads chains from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// A table nobody else can change (the caller holds it).
    Owned(&'a Table),
    /// A shared table, read-locked a chunk of chains at a time.
    Shared(&'a SharedTable),
}

enum Guard<'a> {
    Owned(&'a Table),
    Locked(RwLockReadGuard<'a, Table>),
}

impl std::ops::Deref for Guard<'_> {
    type Target = Table;

    fn deref(&self) -> &Table {
        match self {
            Guard::Owned(t) => t,
            Guard::Locked(g) => g,
        }
    }
}

/// Walks a table's chains in key order, as of sequence `seq`, across lock holds.
struct Cursor<'a> {
    source: Source<'a>,
    seq: u64,
    horizon: u64,
    guard: Option<Guard<'a>>,
    held: usize,
    /// The key of the chain visited last; the next visit starts after it.
    after: Option<Vec<Value>>,
    /// Entries of each chain visited, in order.
    lens: Vec<usize>,
}

/// Why a snapshot written during commits gave up.
#[derive(Debug)]
struct ChangedUnderfoot(&'static str);

impl std::fmt::Display for ChangedUnderfoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ChangedUnderfoot {}

impl<'a> Cursor<'a> {
    fn new(source: Source<'a>, seq: u64, horizon: u64) -> Self {
        Cursor {
            source,
            seq,
            horizon,
            guard: None,
            held: 0,
            after: None,
            lens: Vec::new(),
        }
    }

    /// Calls `f` with the next chain (and how many of its entries had begun by `seq`);
    /// `Ok(None)` after the last.
    fn visit<T, E: rancor::Source>(
        &mut self,
        f: impl FnOnce(&Chain, usize) -> std::result::Result<T, E>,
    ) -> std::result::Result<Option<T>, E> {
        if self.held == CHUNK {
            // Let writers in between chunks. Unlocking wakes a waiting writer but does not
            // hand it the lock: read-locking again at once would win the race, every time,
            // and starve the writer for the whole snapshot. A pause longer than a wake-up
            // lets it through.
            self.held = 0;
            if self
                .guard
                .take()
                .is_some_and(|g| matches!(g, Guard::Locked(_)))
            {
                std::thread::sleep(WRITER_PAUSE);
            }
        }
        let source = &self.source;
        let table = self.guard.get_or_insert_with(|| match source {
            Source::Owned(t) => Guard::Owned(t),
            Source::Shared(t) => Guard::Locked(read(t)),
        });
        if table.horizon() != self.horizon {
            return Err(E::new(ChangedUnderfoot(
                "the table was vacuumed while its snapshot was being written",
            )));
        }
        self.held += 1;
        let Some((key, chain)) = table.chain_after(self.after.as_deref(), self.seq) else {
            return Ok(None);
        };
        let len = chain.len_at(self.seq);
        let out = f(chain, len)?;
        self.after = Some(key.as_slice().to_vec());
        self.lens.push(len);
        Ok(Some(out))
    }
}

/// A [`Payload`] read from a table as it serializes, archived exactly as the owned one
/// (same archived type, fields serialized in the same order), so writing a snapshot copies
/// no rows and needs no buffer for the whole archive.
struct PayloadRef<'a> {
    schema: &'a TableSchema,
    last: Option<Position>,
    horizon: u64,
    /// Chains the table had at the snapshot's sequence (counted beforehand: an archived
    /// vector is written after its elements but its length is fixed up front).
    chains: usize,
    cursor: RefCell<Cursor<'a>>,
}

impl Archive for PayloadRef<'_> {
    type Archived = ArchivedPayload;
    type Resolver = PayloadResolver;

    fn resolve(&self, resolver: Self::Resolver, out: Place<Self::Archived>) {
        munge!(let ArchivedPayload { schema, last, horizon, chains } = out);
        self.schema.resolve(resolver.schema, schema);
        self.last.resolve(resolver.last, last);
        // A u64 resolves from nothing (its resolver is `()`).
        self.horizon.resolve((), horizon);
        ArchivedVec::resolve_from_len(self.chains, resolver.chains, chains);
    }
}

impl<S> Serialize<S> for PayloadRef<'_>
where
    S: Fallible + Allocator + Writer + ?Sized,
    S::Error: rancor::Source,
    TableSchema: Serialize<S>,
    Option<Position>: Serialize<S>,
    u64: Serialize<S>,
    Entry: Serialize<S>,
{
    fn serialize(&self, serializer: &mut S) -> std::result::Result<Self::Resolver, S::Error> {
        Ok(PayloadResolver {
            schema: self.schema.serialize(serializer)?,
            last: self.last.serialize(serializer)?,
            horizon: self.horizon.serialize(serializer)?,
            chains: ArchivedVec::<ArchivedVec<ArchivedEntry>>::serialize_from_iter::<
                NextChain<'_, '_>,
                _,
                _,
            >(
                (0..self.chains).map(|i| NextChain {
                    cursor: &self.cursor,
                    i,
                }),
                serializer,
            )?,
        })
    }
}

/// The `i`-th chain, archived as the `Vec<Entry>` of its entries, oldest first. Serializing
/// it visits the cursor's next chain; resolving it (which rkyv does for every element after
/// serializing them all) needs only the length the visit recorded.
#[derive(Clone, Copy)]
struct NextChain<'c, 'a> {
    cursor: &'c RefCell<Cursor<'a>>,
    i: usize,
}

impl Archive for NextChain<'_, '_> {
    type Archived = ArchivedVec<ArchivedEntry>;
    type Resolver = VecResolver;

    fn resolve(&self, resolver: Self::Resolver, out: Place<Self::Archived>) {
        let len = self.cursor.borrow().lens.get(self.i).copied().unwrap_or(0);
        ArchivedVec::resolve_from_len(len, resolver, out);
    }
}

impl<S> Serialize<S> for NextChain<'_, '_>
where
    S: Fallible + Allocator + Writer + ?Sized,
    S::Error: rancor::Source,
    Entry: Serialize<S>,
{
    fn serialize(&self, serializer: &mut S) -> std::result::Result<Self::Resolver, S::Error> {
        let visited = self.cursor.borrow_mut().visit(|chain, len| {
            ArchivedVec::<ArchivedEntry>::serialize_from_iter::<Entry, _, _>(
                (0..len).map(|i| chain.entry_or_newest(i)),
                serializer,
            )
        })?;
        visited.ok_or_else(|| {
            <S::Error as rancor::Source>::new(ChangedUnderfoot(
                "the table lost a version chain while its snapshot was being written",
            ))
        })
    }
}

/// Writes `table` to `path` durably; see the module documentation.
pub fn write(table: &Table, path: &Path) -> Result<()> {
    write_source(
        Source::Owned(table),
        table.schema(),
        table.last(),
        table.horizon(),
        path,
    )
}

/// Writes the table as it was when `view` was captured to `path` durably, read-locking it
/// a chunk of chains at a time; see [`PointInTime`].
pub fn write_point_in_time(view: &PointInTime, path: &Path) -> Result<()> {
    write_source(
        Source::Shared(&view.table),
        &view.schema,
        view.last,
        view.horizon,
        path,
    )
}

fn write_source(
    source: Source<'_>,
    schema: &TableSchema,
    last: Option<(u64, i64)>,
    horizon: u64,
    path: &Path,
) -> Result<()> {
    let failed = |e: rancor::Error| {
        Error::Internal(format!("writing a snapshot of {:?}: {e}", schema.name()))
    };
    // A table with no record has no chains.
    let seq = last.map_or(0, |(seq, _)| seq);
    let mut chains = 0;
    if last.is_some() {
        let mut counter = Cursor::new(source, seq, horizon);
        while counter
            .visit(|_, _| Ok::<_, rancor::Error>(()))
            .map_err(failed)?
            .is_some()
        {
            chains += 1;
        }
    }
    let payload = PayloadRef {
        schema,
        last: last.map(|(seq, time)| Position { seq, time }),
        horizon,
        chains,
        cursor: RefCell::new(Cursor::new(source, seq, horizon)),
    };
    let tmp = tmp_path(path)?;
    let result = write_file(&tmp, &payload, failed)
        .and_then(|()| fs::rename(&tmp, path).map_err(Error::io(path)))
        .and_then(|()| sync_dir(path));
    if result.is_err() {
        // Best effort: the temporary file is garbage either way, and the write's own error
        // is the one worth reporting.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Streams the archive to `path` after a placeholder header, then writes the header (which
/// needs the payload's length and checksum) over it and fsyncs.
fn write_file(
    path: &Path,
    payload: &PayloadRef<'_>,
    failed: impl Fn(rancor::Error) -> Error,
) -> Result<()> {
    let mut file = File::create(path).map_err(Error::io(path))?;
    file.write_all(&[0; HEADER_LEN]).map_err(Error::io(path))?;
    let out = Checksummed {
        inner: BufWriter::with_capacity(1 << 20, file),
        crc: crc32fast::Hasher::new(),
        len: 0,
        unsynced: 0,
    };
    let out = rkyv::api::high::to_bytes_in::<_, rancor::Error>(payload, IoWriter::new(out))
        .map_err(failed)?
        .into_inner();
    let header = encode_header(out.len, out.crc.finalize());
    let mut file = out
        .inner
        .into_inner()
        .map_err(|e| Error::io(path)(e.into_error()))?;
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.write_all(&header))
        .and_then(|()| file.sync_all())
        .map_err(Error::io(path))
}

/// Bytes a snapshot writes between flushes to disk. A large file fsynced only at its end
/// sends all of it to the disk at once, and every small fsync queued meanwhile (each
/// commit's, on the ledger) waits behind it; flushing as it goes bounds that wait, as
/// PostgreSQL's `checkpoint_flush_after` does.
const FLUSH_EVERY: u64 = 8 << 20;

/// A file writer that counts and checksums what passes through it and flushes it to disk
/// every [`FLUSH_EVERY`] bytes.
struct Checksummed {
    inner: BufWriter<File>,
    crc: crc32fast::Hasher,
    len: u64,
    unsynced: u64,
}

impl Write for Checksummed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let written = buf.get(..n).unwrap_or_default();
        self.crc.update(written);
        self.len += written.len() as u64;
        self.unsynced += written.len() as u64;
        if self.unsynced >= FLUSH_EVERY {
            self.inner.flush()?;
            self.inner.get_ref().sync_data()?;
            self.unsynced = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads the table stored at `path`, verifying everything; see the module documentation.
pub fn load(path: &Path) -> Result<Table> {
    // Read once, straight into an aligned buffer: rkyv needs the archive aligned, and the
    // payload starts 32 bytes in, which keeps the buffer's 16-byte alignment.
    let mut file = File::open(path).map_err(Error::io(path))?;
    let size = file.metadata().map_err(Error::io(path))?.len();
    let mut bytes = AlignedVec::<16>::with_capacity(usize::try_from(size).unwrap_or(0) + 1);
    bytes
        .extend_from_reader(&mut file)
        .map_err(Error::io(path))?;
    decode(bytes).map_err(|reason| Error::Corruption {
        path: path.to_owned(),
        reason,
    })
}

/// The table a snapshot file's bytes hold, verifying everything (`Err`: why not), consuming
/// the bytes first so that the table reuses their memory.
pub(crate) fn decode(bytes: AlignedVec<16>) -> std::result::Result<Table, String> {
    let payload = check_header(&bytes)?;
    let payload = rkyv::from_bytes::<Payload, rancor::Error>(payload)
        .map_err(|e| format!("payload does not decode: {e}"))?;
    // The file's bytes go before the table is built, so that it reuses their memory
    // instead of faulting in as much again (most of a restore was the kernel zeroing
    // fresh pages).
    drop(bytes);
    Table::restore(
        payload.schema,
        payload.last.map(|p| (p.seq, p.time)),
        payload.horizon,
        payload.chains,
    )
    .map_err(|reason| format!("inconsistent payload: {reason}"))
}

fn encode_header(payload_len: u64, payload_crc: u32) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[0..8].copy_from_slice(&MAGIC);
    header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    // 12..16: flags, zero in version 1.
    header[16..24].copy_from_slice(&payload_len.to_le_bytes());
    header[24..28].copy_from_slice(&payload_crc.to_le_bytes());
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
