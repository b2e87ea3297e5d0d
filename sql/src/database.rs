//! [`Database`]: the embedded SQL database over one data directory.
//!
//! A `Database` owns the projector's [`Store`] (the `__ledger` log and the tables projected
//! from it). Statements run in a [`crate::Session`], which holds what a connection holds in
//! PostgreSQL: the open transaction, if any. [`Database::execute`] is a shortcut that runs
//! a script in a fresh session.

use std::path::Path;
use std::sync::Arc;

use driftdb_log::SystemClock;
use driftdb_log::{Log, LogOptions};
use driftdb_projector::{Store, StoreOptions};

use crate::error::{Result, projector_error, storage};
use crate::projection::Runners;

/// An embedded DriftDB SQL database. Cheap to clone: clones share the store and the
/// projection runners, which stop when the last clone is dropped (or at [`Database::shutdown`]).
#[derive(Clone)]
pub struct Database {
    _log: Arc<Log>,
    store: Arc<Store>,
    runners: Arc<Runners>,
    _stop_runners: Arc<StopRunners>,
    /// How many sessions were opened: the next one's id.
    sessions: Arc<std::sync::atomic::AtomicU64>,
    /// Hands out sequence values (`nextval`).
    sequences: Arc<crate::sequences::Allocator>,
    /// The audit trail, once [`Database::start_audit`] started it.
    audit: Arc<std::sync::OnceLock<Arc<crate::audit::Audit>>>,
}

/// Stops the projection runners when the last [`Database`] clone goes and, for a database
/// that opened its own log, closes the log there. Closing joins the log's background
/// threads, which hold a reference while they work; without it the last reference could
/// go on one of them, and the data directory would stay locked for a moment after the drop
/// (a reopen right after failed with "in use").
struct StopRunners {
    runners: Arc<Runners>,
    own_log: Option<Arc<Log>>,
}

impl Drop for StopRunners {
    fn drop(&mut self) {
        self.runners.shutdown();
        if let Some(log) = &self.own_log
            && let Err(e) = log.close()
        {
            tracing::error!(error = %e, "closing the database's log failed");
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("last", &self.store.last())
            .finish()
    }
}

impl Database {
    /// Opens (creating if needed) the database in the data directory `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Database> {
        let dir = dir.as_ref();
        let log = Log::open(dir, LogOptions::default()).map_err(storage)?;
        Self::over(log, dir, true)
    }

    /// The database over an already open log (the server's, which closes it).
    pub fn with_log(log: Arc<Log>, dir: &Path) -> Result<Database> {
        Self::over(log, dir, false)
    }

    fn over(log: Arc<Log>, dir: &Path, owns_log: bool) -> Result<Database> {
        let options = StoreOptions {
            checkpoint_dir: dir.join("sql").join("checkpoints"),
            checkpoint_every: 100_000,
        };
        let store =
            Arc::new(Store::open(&log, Arc::new(SystemClock), options).map_err(projector_error)?);
        // Temporary tables die with their sessions; a crash leaves them behind.
        crate::temporary::drop_leftovers(&store).map_err(projector_error)?;
        let runners = Runners::new(Arc::clone(&store), Arc::clone(&log));
        runners.reconcile(&[]);
        let stop = Arc::new(StopRunners {
            runners: Arc::clone(&runners),
            own_log: owns_log.then(|| Arc::clone(&log)),
        });
        Ok(Database {
            _log: log,
            store,
            _stop_runners: stop,
            runners,
            sessions: Arc::default(),
            sequences: Arc::default(),
            audit: Arc::default(),
        })
    }

    /// Stops the projection runners and waits for them, and writes the audit events still
    /// queued; call before closing the log.
    pub fn shutdown(&self) {
        self.runners.shutdown();
        if let Some(audit) = self.audit.get() {
            audit.close();
        }
    }

    /// Starts recording the audit trail (`crate::audit`) in its topic; with `table`, also
    /// makes the projection SQL reads it through, if it does not exist.
    pub async fn start_audit(&self, table: bool) -> Result<()> {
        if self.audit.get().is_none() {
            let audit = crate::audit::Audit::open(&self._log)?;
            // Another clone that started it first keeps its own writer.
            if let Err(ours) = self.audit.set(audit) {
                ours.close();
            }
        }
        if table {
            let mut session = self.session();
            session.execute(crate::audit::PROJECTION).await?;
        }
        Ok(())
    }

    /// Records `event` in the audit trail, if it was started.
    pub fn audit(&self, event: crate::audit::Event) {
        if let Some(audit) = self.audit.get() {
            audit.record(event);
        }
    }

    /// The projection runners.
    pub fn projections(&self) -> &Arc<Runners> {
        &self.runners
    }

    /// The next source offset projection `name` applies in `partition`, as the ledger has
    /// it (None: no such projection, or it has not read that partition yet).
    pub fn projection_position(&self, name: &str, partition: u32) -> Option<u64> {
        let db = self.store.read();
        db.projections().get(name)?.offsets.get(&partition).copied()
    }

    /// The role called `name` (see `CREATE ROLE`), as the ledger has it now.
    pub fn role(&self, name: &str) -> Option<driftdb_projector::security::Role> {
        self.store.read().security().role(name).cloned()
    }

    /// The newest visible (durable) commit's sequence: where reads without a point read.
    pub fn last_sequence(&self) -> Option<u64> {
        self.store.last().map(|(seq, _)| seq)
    }

    /// The allocator of sequence values.
    pub(crate) fn sequences(&self) -> &crate::sequences::Allocator {
        &self.sequences
    }

    /// A number no other session of this database has had since it opened.
    pub(crate) fn next_session_id(&self) -> u64 {
        self.sessions
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }

    /// Approximate memory held by table `name` (rows, history, indexes).
    pub fn table_memory(&self, name: &str) -> Result<driftdb_projector::MemoryUsage> {
        let db = self.store.read();
        let table = db.table(name).map_err(projector_error)?;
        Ok(driftdb_projector::database::read(table).memory())
    }

    /// Writes a checkpoint of every table now; returns its sequence.
    pub fn checkpoint(&self) -> Result<Option<u64>> {
        self.store.checkpoint().map_err(projector_error)
    }

    pub(crate) fn store(&self) -> &Arc<Store> {
        &self.store
    }
}

pub(crate) fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
