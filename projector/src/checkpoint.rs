//! Checkpoints: the whole [`Database`] at one sequence, so a restart replays only the ledger
//! after it.
//!
//! A checkpoint is a directory `<checkpoint dir>/<seq, 20 digits>/` holding one table snapshot
//! per incarnation (`<n>.snap`, the format of `snapshot.rs`) and `catalog.bin`, written last,
//! which names them. A [`Plan`] captures one in a moment and writes it while commits go on.
//! It is built in `<seq>.tmp/`, every file fsynced, then renamed into place
//! and the parent directory fsynced, so a checkpoint directory either is complete or does not
//! exist. The two newest are kept. Loading takes the newest one that verifies, falling back to
//! older ones (and, with none, to replaying the whole ledger).
//!
//! `catalog.bin`: 8 bytes magic `DDBCATL\x01`, `u64` payload length, `u32` CRC-32 of the
//! payload, 4 zero bytes, then the payload: the rkyv encoding of the catalog (see
//! `docs/design/ledger-format.md`). `security.bin`, written before it, holds the roles and
//! grants (`crate::security::Security`) the same way under magic `DDBSECR\x01`; a
//! checkpoint without it (written before roles existed) has none. `projections.bin` holds
//! every projection with its source offsets (`crate::projection::Projections`) under magic
//! `DDBPROJ\x01`; a checkpoint without it has no projections. `constraints.bin` holds every
//! foreign key with the sequences it held in (`crate::constraints::Constraints`) under magic
//! `DDBCONS\x01`; a checkpoint without it has none. `tokens.bin` holds the access tokens
//! (`crate::tokens::Tokens`) under magic `DDBTOKN\x01`; a checkpoint without it has none.
//! `broker_grants.bin` holds the privileges on topics and groups
//! (`crate::broker_grants::BrokerGrants`) under magic `DDBBGRT\x01`; a checkpoint without it
//! has none.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rkyv::rancor;
use rkyv::util::AlignedVec;

use crate::broker_grants::BrokerGrants;
use crate::constraints::Constraints;
use crate::database::{Database, Incarnation};
use crate::error::{Error, Result};
use crate::projection::Projections;
use crate::security::Security;
use crate::snapshot::{self, PointInTime};
use crate::tokens::Tokens;

const MAGIC: [u8; 8] = *b"DDBCATL\x01";
const SECURITY_MAGIC: [u8; 8] = *b"DDBSECR\x01";
const PROJECTIONS_MAGIC: [u8; 8] = *b"DDBPROJ\x01";
const CONSTRAINTS_MAGIC: [u8; 8] = *b"DDBCONS\x01";
const TOKENS_MAGIC: [u8; 8] = *b"DDBTOKN\x01";
const BROKER_GRANTS_MAGIC: [u8; 8] = *b"DDBBGRT\x01";
const HEADER_LEN: usize = 24;
const KEEP: usize = 2;

#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Catalog {
    last_seq: u64,
    last_time: i64,
    tables: Vec<Entry>,
}

#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Entry {
    name: String,
    created: u64,
    ended: Option<u64>,
    history_retention: Option<i64>,
    file: String,
}

/// A checkpoint of a database at one sequence, captured in a moment (no rows are copied)
/// and written afterwards while commits go on: each table is written as of the capture
/// ([`PointInTime`]), and the small parts (catalog, roles, projections) are encoded at
/// capture. Vacuum must wait until it is written.
#[derive(Debug)]
pub struct Plan {
    last_seq: u64,
    last_time: i64,
    tables: Vec<(Entry, PointInTime)>,
    security: AlignedVec,
    tokens: AlignedVec,
    broker_grants: AlignedVec,
    projections: AlignedVec,
    constraints: AlignedVec,
    versions: usize,
}

impl Plan {
    /// `db` as it is now; `None` if it has no commits.
    pub fn capture(db: &Database) -> Result<Option<Plan>> {
        let Some((last_seq, last_time)) = db.last() else {
            return Ok(None);
        };
        let mut versions = 0;
        let mut tables = Vec::new();
        for (i, (table_name, incarnation)) in db.incarnations_all().enumerate() {
            let view = PointInTime::capture(&incarnation.table);
            versions += crate::database::read(&incarnation.table).version_count();
            tables.push((
                Entry {
                    name: table_name.to_string(),
                    created: incarnation.created,
                    ended: incarnation.ended,
                    history_retention: incarnation.history_retention,
                    file: format!("{i}.snap"),
                },
                view,
            ));
        }
        let security = rkyv::to_bytes::<rancor::Error>(db.security())
            .map_err(|e| Error::Internal(format!("encoding the roles: {e}")))?;
        let tokens = rkyv::to_bytes::<rancor::Error>(db.tokens())
            .map_err(|e| Error::Internal(format!("encoding the tokens: {e}")))?;
        let broker_grants = rkyv::to_bytes::<rancor::Error>(db.broker_grants())
            .map_err(|e| Error::Internal(format!("encoding the topic grants: {e}")))?;
        let projections = rkyv::to_bytes::<rancor::Error>(db.projections())
            .map_err(|e| Error::Internal(format!("encoding the projections: {e}")))?;
        let constraints = rkyv::to_bytes::<rancor::Error>(db.constraints())
            .map_err(|e| Error::Internal(format!("encoding the constraints: {e}")))?;
        Ok(Some(Plan {
            last_seq,
            last_time,
            tables,
            security,
            tokens,
            broker_grants,
            projections,
            constraints,
            versions,
        }))
    }

    /// The sequence the checkpoint is at.
    pub fn seq(&self) -> u64 {
        self.last_seq
    }

    /// Row versions (chain entries) the tables held at capture.
    pub fn versions(&self) -> usize {
        self.versions
    }

    /// Writes the checkpoint into `dir`; returns its sequence.
    pub fn write(self, dir: &Path) -> Result<u64> {
        let last_seq = self.last_seq;
        fs::create_dir_all(dir).map_err(Error::io(dir))?;
        let name = format!("{last_seq:020}");
        let target = dir.join(&name);
        if target.exists() {
            return Ok(last_seq);
        }
        let tmp = dir.join(format!("{name}.tmp"));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(Error::io(&tmp))?;
        }
        fs::create_dir(&tmp).map_err(Error::io(&tmp))?;
        let mut tables = Vec::with_capacity(self.tables.len());
        for (entry, view) in self.tables {
            snapshot::write_point_in_time(&view, &tmp.join(&entry.file))?;
            tables.push(entry);
        }
        write_framed(&tmp.join("security.bin"), SECURITY_MAGIC, &self.security)?;
        write_framed(&tmp.join("tokens.bin"), TOKENS_MAGIC, &self.tokens)?;
        write_framed(
            &tmp.join("broker_grants.bin"),
            BROKER_GRANTS_MAGIC,
            &self.broker_grants,
        )?;
        write_framed(
            &tmp.join("projections.bin"),
            PROJECTIONS_MAGIC,
            &self.projections,
        )?;
        write_framed(
            &tmp.join("constraints.bin"),
            CONSTRAINTS_MAGIC,
            &self.constraints,
        )?;
        let payload = rkyv::to_bytes::<rancor::Error>(&Catalog {
            last_seq,
            last_time: self.last_time,
            tables,
        })
        .map_err(|e| Error::Internal(format!("encoding the catalog: {e}")))?;
        write_framed(&tmp.join("catalog.bin"), MAGIC, &payload)?;
        sync_dir(&tmp)?;
        fs::rename(&tmp, &target).map_err(Error::io(&target))?;
        sync_dir(dir)?;
        prune(dir)?;
        tracing::info!(seq = last_seq, "checkpoint written");
        Ok(last_seq)
    }
}

/// Writes `payload` to `path` after the header (magic, length, CRC-32), and fsyncs it.
fn write_framed(path: &Path, magic: [u8; 8], payload: &[u8]) -> Result<()> {
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(&magic);
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    bytes.extend_from_slice(&[0; 4]);
    bytes.extend_from_slice(payload);
    let mut f = fs::File::create(path).map_err(Error::io(path))?;
    f.write_all(&bytes)
        .and_then(|()| f.sync_all())
        .map_err(Error::io(path))
}

/// The payload of a file [`write_framed`] wrote, checked and aligned for rkyv.
fn read_framed(path: &Path, magic: [u8; 8]) -> Result<AlignedVec<16>> {
    let bytes = fs::read(path).map_err(Error::io(path))?;
    let corrupt = |reason: &str| Error::Corruption {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let header = bytes
        .get(..HEADER_LEN)
        .ok_or_else(|| corrupt("shorter than its header"))?;
    if header[..8] != magic {
        return Err(corrupt("bad magic"));
    }
    let len = u64::from_le_bytes(
        header[8..16]
            .try_into()
            .map_err(|_| corrupt("bad length"))?,
    ) as usize;
    let crc = u32::from_le_bytes(header[16..20].try_into().map_err(|_| corrupt("bad crc"))?);
    let payload = &bytes[HEADER_LEN..];
    if payload.len() != len || crc32fast::hash(payload) != crc {
        return Err(corrupt("length or checksum mismatch"));
    }
    let mut aligned = AlignedVec::<16>::with_capacity(len);
    aligned.extend_from_slice(payload);
    Ok(aligned)
}

/// A framed file a checkpoint may lack (written before what it holds existed): its
/// contents, or the empty default.
fn read_optional<T>(path: &Path, magic: [u8; 8]) -> Result<T>
where
    T: Default + rkyv::Archive,
    T::Archived: for<'a> rkyv::bytecheck::CheckBytes<rkyv::api::high::HighValidator<'a, rancor::Error>>
        + rkyv::Deserialize<T, rkyv::api::high::HighDeserializer<rancor::Error>>,
{
    if !path.exists() {
        return Ok(T::default());
    }
    let aligned = read_framed(path, magic)?;
    rkyv::from_bytes::<T, rancor::Error>(&aligned).map_err(|e| Error::Corruption {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Loads the newest checkpoint that verifies; `None` if there is none.
pub fn load_newest(dir: &Path) -> Result<Option<Database>> {
    for path in checkpoints(dir)?.into_iter().rev() {
        match load(&path) {
            Ok(db) => return Ok(Some(db)),
            Err(e) => {
                tracing::warn!(checkpoint = %path.display(), error = %e, "skipping a checkpoint that does not load")
            }
        }
    }
    Ok(None)
}

pub(crate) fn load(path: &Path) -> Result<Database> {
    let catalog_path = path.join("catalog.bin");
    let corrupt = |reason: &str| Error::Corruption {
        path: catalog_path.clone(),
        reason: reason.to_string(),
    };
    let aligned = read_framed(&catalog_path, MAGIC)?;
    let catalog = rkyv::from_bytes::<Catalog, rancor::Error>(&aligned)
        .map_err(|e| corrupt(&e.to_string()))?;
    let security: Security = read_optional(&path.join("security.bin"), SECURITY_MAGIC)?;
    let tokens: Tokens = read_optional(&path.join("tokens.bin"), TOKENS_MAGIC)?;
    let broker_grants: BrokerGrants =
        read_optional(&path.join("broker_grants.bin"), BROKER_GRANTS_MAGIC)?;
    let projections: Projections = read_optional(&path.join("projections.bin"), PROJECTIONS_MAGIC)?;
    let constraints: Constraints = read_optional(&path.join("constraints.bin"), CONSTRAINTS_MAGIC)?;
    let mut tables: BTreeMap<String, Vec<Incarnation>> = BTreeMap::new();
    for entry in catalog.tables {
        if entry.file.contains('/') || entry.file.contains("..") {
            return Err(corrupt("snapshot file name escapes the checkpoint"));
        }
        let table = snapshot::load(&path.join(&entry.file))?;
        tables.entry(entry.name).or_default().push(Incarnation {
            created: entry.created,
            ended: entry.ended,
            history_retention: entry.history_retention,
            table: std::sync::Arc::new(std::sync::RwLock::new(table)),
        });
    }
    Ok(Database::from_parts(
        tables,
        security,
        tokens,
        broker_grants,
        projections,
        constraints,
        (catalog.last_seq, catalog.last_time),
    ))
}

/// Complete checkpoint directories, oldest first.
fn checkpoints(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source: e,
            });
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(Error::io(dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.len() == 20 && name.bytes().all(|b| b.is_ascii_digit()) {
            found.push(entry.path());
        } else if name.ends_with(".tmp") {
            // An interrupted checkpoint.
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(Error::io(&path))?;
        }
    }
    found.sort();
    Ok(found)
}

fn prune(dir: &Path) -> Result<()> {
    let all = checkpoints(dir)?;
    for old in all.iter().take(all.len().saturating_sub(KEEP)) {
        fs::remove_dir_all(old).map_err(Error::io(old))?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io(dir))
}
