//! The store: the `__ledger` log, the [`Database`] it projects to, and checkpoints.
//!
//! Every commit goes through [`Store::commit`], one at a time (a mutex serialises them):
//! 1. conflict check: a transaction that read at sequence `r` may not write a row some other
//!    transaction changed after `r` (first committer wins; the loser gets
//!    [`Error::Conflict`], SQLSTATE 40001);
//! 2. [`Database::check`]: constraints, existence of tables;
//! 3. the transaction is appended to `__ledger` as one record (one batch, so it is written
//!    atomically), with the expected next offset so no other writer can interleave, and the
//!    commit time `max(now, previous + 1µs)`, strictly increasing. The append does not wait
//!    for its fsync;
//! 4. [`Database::apply`] adds its versions to the tables, so the next commit's checks see
//!    them;
//! 5. the commit lock is released, and the commit waits until an fsync covers its record
//!    (the ledger uses `always` durability). Commits waiting together share one fsync
//!    (group commit): while one fsync runs, the next commits append and apply behind it;
//! 6. the commit becomes visible: [`Store::last`], the sequence every reader reads at,
//!    advances to it (never backwards, so a commit whose fsync an earlier waiter ran is
//!    covered by that waiter's advance or its own), and only then is it acknowledged.
//!
//! Readers never see a commit a crash could take back: every read is at a sequence no later
//! than [`Store::last`], and tables are versioned by sequence, so versions applied in step 4
//! stay out of sight until step 6. A record that is in the ledger is committed even if the
//! process dies before step 6: on open the store loads the newest checkpoint and replays
//! every later record. A failed fsync fences the ledger: that commit and every later one
//! fail, nothing after the last visible commit is ever shown, and the store takes no more
//! writes until it is reopened. So does a commit whose step 4 does not finish (apply fails
//! or panics after its record was appended, leaving the tables out of step with the ledger):
//! readers take the tables' locks over and go on reading visible sequences, which that
//! commit's half-applied versions are not part of (the lock policy of `driftdb_log::sync`,
//! class 2), and the restart that the fence asks for replays the record in full.
//!
//! Checkpoints (`checkpoint.rs`) hold every table incarnation's snapshot and the catalog at one
//! sequence, so a restart replays only the ledger after it. An automatic one is captured in
//! the commit that makes it due (a moment: no rows are copied) and written by a background
//! thread while later commits go on; one runs at a time, and a commit that vacuums (the only
//! change that rewrites the past a checkpoint is reading) waits for it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard};
use std::thread::JoinHandle;

use bytes::Bytes;
use driftdb_log::Clock;
use driftdb_log::{AppendOptions, Durability, Log, NewRecord, Partition, ReadLimits, TopicConfig};

use crate::checkpoint;
use crate::database::{self, Database};
use crate::error::{Error, Result};
use crate::ledger::{LedgerOp, Transaction};
use crate::schema::Key;
use crate::table::VersionFilter;
use driftdb_log::sync::Recover;

/// The system topic holding the SQL database's ledger.
pub const LEDGER_TOPIC: &str = "__ledger";

/// The largest encoded transaction (one ledger record): 64 MiB, a few hundred thousand rows.
pub const MAX_TRANSACTION_BYTES: u32 = 64 << 20;

/// Where a commit landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commit {
    /// The transaction's sequence number (`@SEQ:n`).
    pub seq: u64,
    /// Its commit time, microseconds since the Unix epoch.
    pub time: i64,
}

/// How a [`Store`] runs.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Directory for checkpoints.
    pub checkpoint_dir: PathBuf,
    /// Take a checkpoint automatically after this many row changes (0: never), or after as
    /// many as the last checkpoint held row versions if that is more: a checkpoint writes
    /// the whole history, so spacing them by its size keeps their cost per change constant
    /// while a restart replays at most about as much ledger as the checkpoint holds.
    pub checkpoint_every: u64,
}

#[derive(Debug)]
pub struct Store {
    ledger: Arc<Partition>,
    db: RwLock<Database>,
    commit_lock: Mutex<()>,
    clock: Arc<dyn Clock>,
    options: StoreOptions,
    changes_since_checkpoint: AtomicU64,
    /// Row versions the newest checkpoint held.
    checkpoint_versions: AtomicU64,
    checkpointer: Arc<Checkpointer>,
    visible: Visible,
    /// Times [`Store::seq_at_time`] resolved that lie before the newest visible commit, so
    /// no later commit can change their answer; emptied when full.
    resolved: Mutex<HashMap<i64, u64>>,
    /// Makes the next apply panic, as a bug in it would.
    #[cfg(test)]
    fail_next_apply: std::sync::atomic::AtomicBool,
}

/// A commit's apply in progress: dropped before [`Unfinished::disarm`] (the apply failed, or
/// a panic unwinds through it), it fences the ledger, since the tables no longer match it.
struct Unfinished<'a> {
    ledger: &'a Partition,
    seq: u64,
    armed: bool,
}

impl<'a> Unfinished<'a> {
    fn arm(ledger: &'a Partition, seq: u64) -> Self {
        Unfinished {
            ledger,
            seq,
            armed: true,
        }
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if self.armed {
            let reason = format!("commit {} did not finish applying", self.seq);
            self.ledger.fence(&reason);
        }
    }
}

/// How many resolved times [`Store::seq_at_time`] remembers.
const RESOLVED_TIMES: usize = 4096;

/// The newest commit readers may see: applied and durable.
#[derive(Debug)]
struct Visible {
    last: Mutex<Option<(u64, i64)>>,
    advanced: Condvar,
    /// The sequence after [`Visible::last`], for followers.
    next: tokio::sync::watch::Sender<u64>,
}

impl Visible {
    fn new(last: Option<(u64, i64)>, next: u64) -> Self {
        Visible {
            last: Mutex::new(last),
            advanced: Condvar::new(),
            next: tokio::sync::watch::Sender::new(next),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<(u64, i64)>> {
        self.last.lock().recover()
    }

    /// Makes `commit` and everything before it visible, unless something later already is.
    fn advance(&self, commit: Commit) {
        let mut last = self.lock();
        if last.is_some_and(|(seq, _)| seq >= commit.seq) {
            return;
        }
        *last = Some((commit.seq, commit.time));
        drop(last);
        self.next.send_if_modified(|next| {
            let advance = commit.seq + 1 > *next;
            if advance {
                *next = commit.seq + 1;
            }
            advance
        });
        self.advanced.notify_all();
    }
}

/// The one checkpoint being written, if any.
#[derive(Debug, Default)]
struct Checkpointer {
    busy: Mutex<bool>,
    idle: Condvar,
    /// The newest background writer, joined before the next starts and when the store
    /// is dropped.
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    fn busy(&self) -> MutexGuard<'_, bool> {
        self.busy.lock().recover()
    }

    /// Waits until no checkpoint is being written.
    fn wait_idle(&self) {
        let mut busy = self.busy();
        while *busy {
            busy = self.idle.wait(busy).recover();
        }
    }

    /// Marks a checkpoint as being written; `None` if one already is. Dropping the
    /// returned guard ends it.
    fn start(self: &Arc<Self>) -> Option<Running> {
        let mut busy = self.busy();
        if *busy {
            return None;
        }
        *busy = true;
        Some(Running(Arc::clone(self)))
    }

    fn join(&self) {
        let handle = self.thread.lock().recover().take();
        if let Some(handle) = handle
            && handle.join().is_err()
        {
            tracing::error!("the checkpoint thread panicked");
        }
    }
}

/// A checkpoint being written; dropping it (also by a panic) lets the next one start.
#[derive(Debug)]
struct Running(Arc<Checkpointer>);

impl Drop for Running {
    fn drop(&mut self) {
        *self.0.busy() = false;
        self.0.idle.notify_all();
    }
}

impl Store {
    /// Opens the store over `log`, creating the ledger topic on first use, and rebuilds the
    /// database from the newest checkpoint plus the ledger after it.
    pub fn open(log: &Log, clock: Arc<dyn Clock>, options: StoreOptions) -> Result<Store> {
        let topic = match log.topic(LEDGER_TOPIC) {
            Ok(t) => t,
            Err(driftdb_log::Error::UnknownTopic(_)) => log.create_topic(
                LEDGER_TOPIC,
                TopicConfig {
                    durability: Durability::Always,
                    max_record_bytes: MAX_TRANSACTION_BYTES,
                    ..TopicConfig::default()
                },
            )?,
            Err(e) => return Err(e.into()),
        };
        // Ledgers created before the limit was raised get it too.
        let config = topic.config();
        if config.max_record_bytes < MAX_TRANSACTION_BYTES {
            topic.update_config(TopicConfig {
                max_record_bytes: MAX_TRANSACTION_BYTES,
                ..config
            })?;
        }
        let ledger = topic.partition(0)?;
        let mut db = checkpoint::load_newest(&options.checkpoint_dir)?.unwrap_or_default();
        // Checkpoints keep when an incarnation ended, not at what time: the ledger knows.
        for incarnation in db.incarnations_all_mut() {
            if let Some(ended) = incarnation.ended {
                let time = commit_time(&ledger, ended)?;
                database::write(&incarnation.table).end(ended, time);
            }
        }
        let from = db.last().map_or(0, |(seq, _)| seq + 1);
        let replayed = replay(&ledger, &mut db, from)?;
        tracing::info!(
            checkpoint = ?from.checked_sub(1),
            replayed,
            last = ?db.last(),
            "SQL store opened"
        );
        let last = db.last();
        let visible = Visible::new(last, last.map_or(ledger.end_offset(), |(seq, _)| seq + 1));
        Ok(Store {
            ledger,
            db: RwLock::new(db),
            commit_lock: Mutex::new(()),
            clock,
            options,
            changes_since_checkpoint: AtomicU64::new(replayed),
            checkpoint_versions: AtomicU64::new(0),
            checkpointer: Arc::default(),
            visible,
            resolved: Mutex::default(),
            #[cfg(test)]
            fail_next_apply: Default::default(),
        })
    }

    /// Read access to the database. Its tables may hold versions of commits that are not
    /// visible yet: read them at [`Store::last`] or earlier. Hold it briefly: commits wait
    /// for readers to let go. A lock poisoned by an apply that panicked is taken over: that
    /// commit fenced the ledger and is not visible (see the module).
    pub fn read(&self) -> RwLockReadGuard<'_, Database> {
        self.db.read().recover()
    }

    /// The newest visible commit, its sequence and time: durable, and what readers read at.
    pub fn last(&self) -> Option<(u64, i64)> {
        *self.visible.lock()
    }

    /// Waits until every commit applied so far is visible (a commit that lost a write
    /// conflict to one still waiting for its fsync plans again after it). Fails if the
    /// ledger was fenced, as a commit in flight then never becomes visible.
    pub fn settle(&self) -> Result<()> {
        let Some((applied, _)) = self.read().last() else {
            return Ok(());
        };
        let mut last = self.visible.lock();
        while last.is_none_or(|(seq, _)| seq < applied) {
            if self.ledger.is_fenced() {
                return Err(driftdb_log::Error::Fenced {
                    topic: LEDGER_TOPIC.to_string(),
                    partition: 0,
                }
                .into());
            }
            // A fence wakes no one here: look again now and then.
            last = self
                .visible
                .advanced
                .wait_timeout(last, std::time::Duration::from_millis(50))
                .recover()
                .0;
        }
        Ok(())
    }

    /// Commits `txn`. `read_seq` is the sequence the transaction read at (None: it read
    /// nothing it depends on); `writes` are the (table, primary key) pairs it writes.
    pub fn commit(
        &self,
        txn: Transaction,
        read_seq: Option<u64>,
        writes: &[(String, Key)],
    ) -> Result<Commit> {
        if txn.ops.is_empty() {
            return Err(Error::InvalidInput(
                "an empty transaction has nothing to commit".to_string(),
            ));
        }
        let commit = self.append_and_apply(txn, read_seq, writes)?;
        // Group commit: the lock is free, so later commits append behind this fsync.
        self.ledger.wait_durable(commit.seq + 1)?;
        self.visible.advance(commit);
        Ok(commit)
    }

    /// Steps 1 to 4 of a commit, under the commit lock; see the module documentation.
    fn append_and_apply(
        &self,
        txn: Transaction,
        read_seq: Option<u64>,
        writes: &[(String, Key)],
    ) -> Result<Commit> {
        let vacuums = txn
            .ops
            .iter()
            .any(|op| matches!(op, LedgerOp::Vacuum { .. }));
        let _serial = if vacuums {
            self.lock_commits_idle()
        } else {
            self.lock_commits()
        };
        let (next_seq, time) = {
            let db = self.read();
            if let Some(read_seq) = read_seq {
                check_conflicts(&db, read_seq, writes)?;
            }
            db.check(&txn)?;
            let (next_seq, last_time) = match db.last() {
                Some((seq, time)) => (seq + 1, time),
                None => (self.ledger.end_offset(), i64::MIN),
            };
            (
                next_seq,
                self.clock.now_micros().max(last_time.saturating_add(1)),
            )
        };
        let record = NewRecord {
            timestamp: Some(time),
            value: Some(Bytes::from(txn.encode()?)),
            ..NewRecord::default()
        };
        let appended = self.ledger.append(
            vec![record],
            AppendOptions {
                expected_next_offset: Some(next_seq),
                defer_sync: true,
                ..AppendOptions::default()
            },
        )?;
        let commit = Commit {
            seq: appended.base_offset,
            time: appended.timestamp,
        };
        let rows = txn.ops.iter().filter(|op| op.is_row_change()).count() as u64;
        {
            let unfinished = Unfinished::arm(&self.ledger, commit.seq);
            let mut db = self.db.write().recover();
            #[cfg(test)]
            if self.fail_next_apply.swap(false, Ordering::SeqCst) {
                panic!("apply of commit {} panics (test)", commit.seq);
            }
            db.apply_owned(commit.seq, commit.time, txn)?;
            unfinished.disarm();
        }
        let since = self
            .changes_since_checkpoint
            .fetch_add(rows, Ordering::Relaxed)
            + rows;
        let due = self
            .options
            .checkpoint_every
            .max(self.checkpoint_versions.load(Ordering::Relaxed));
        if self.options.checkpoint_every > 0
            && since >= due
            && let Some(running) = self.checkpointer.start()
        {
            self.checkpoint_in_background(running);
        }
        Ok(commit)
    }

    /// Captures a checkpoint at the newest commit (the caller holds the commit lock) and
    /// starts writing it on a thread. A failed automatic checkpoint loses nothing (the
    /// ledger has every commit); it only makes the next restart replay more.
    fn checkpoint_in_background(&self, running: Running) {
        let plan = match self.capture() {
            Ok(Some(plan)) => plan,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "automatic checkpoint failed");
                return;
            }
        };
        // The previous writer has finished (the checkpoint was idle): reap it.
        self.checkpointer.join();
        let dir = self.options.checkpoint_dir.clone();
        let spawned = std::thread::Builder::new()
            .name("driftdb-checkpoint".into())
            .spawn(move || {
                let _running = running;
                if let Err(e) = plan.write(&dir) {
                    tracing::warn!(error = %e, "automatic checkpoint failed");
                }
            });
        match spawned {
            Ok(handle) => {
                *self.checkpointer.thread.lock().recover() = Some(handle);
            }
            Err(e) => tracing::warn!(error = %e, "cannot start the checkpoint thread"),
        }
    }

    /// The plan of a checkpoint at the newest commit, resetting the automatic schedule.
    /// The caller holds the commit lock. A checkpoint only holds durable commits: one past
    /// the ledger's end would give its sequences to other commits after a crash.
    fn capture(&self) -> Result<Option<checkpoint::Plan>> {
        self.ledger.flush()?;
        let plan = checkpoint::Plan::capture(&self.read())?;
        self.changes_since_checkpoint.store(0, Ordering::Relaxed);
        if let Some(plan) = &plan {
            self.checkpoint_versions
                .store(plan.versions() as u64, Ordering::Relaxed);
        }
        Ok(plan)
    }

    /// Writes a checkpoint of every table at the newest sequence, after any being written
    /// in the background; returns that sequence. Commits go on while it is written.
    pub fn checkpoint(&self) -> Result<Option<u64>> {
        let (plan, _running) = loop {
            self.checkpointer.wait_idle();
            let _serial = self.lock_commits();
            if let Some(running) = self.checkpointer.start() {
                break (self.capture()?, running);
            }
        };
        plan.map(|p| p.write(&self.options.checkpoint_dir))
            .transpose()
    }

    fn lock_commits(&self) -> MutexGuard<'_, ()> {
        self.commit_lock.lock().recover()
    }

    /// The commit lock, at a moment no checkpoint is being written; none starts while it
    /// is held (they start under it). Commits go on while this waits.
    fn lock_commits_idle(&self) -> MutexGuard<'_, ()> {
        loop {
            self.checkpointer.wait_idle();
            let serial = self.lock_commits();
            if !*self.checkpointer.busy() {
                return serial;
            }
        }
    }

    /// Waits until no checkpoint is being written.
    pub fn wait_for_checkpoint(&self) {
        self.checkpointer.wait_idle();
    }

    /// The newest sequence committed at or before `time` (microseconds). A time before the
    /// first commit or after now is an error.
    pub fn seq_at_time(&self, time: i64) -> Result<u64> {
        let Some((last_seq, last_time)) = self.last() else {
            return Err(Error::PointOutOfRange(
                "the database has no commits yet".to_string(),
            ));
        };
        // Commit times strictly increase: a time before the newest visible commit's has
        // its final answer, worth remembering (the ledger's time index is a file read).
        let settled = time < last_time;
        if settled && let Some(seq) = self.resolved().get(&time) {
            return Ok(*seq);
        }
        let seq = self.find_seq_at_time(time, last_seq)?;
        if settled {
            let mut resolved = self.resolved();
            if resolved.len() >= RESOLVED_TIMES {
                resolved.clear();
            }
            resolved.insert(time, seq);
        }
        Ok(seq)
    }

    /// Where `time` (microseconds) falls among the commits, for a range's bound, which
    /// unlike an `AS OF` point may lie outside the history: with `at_or_after` unset, the
    /// newest sequence committed at or before it (`None` before the first commit, the newest
    /// commit for a time after it); set, the oldest sequence committed at or after it
    /// (`None` after the newest commit). Commit times strictly increase, so both are exact.
    pub fn seq_near_time(&self, time: i64, at_or_after: bool) -> Result<Option<u64>> {
        let Some((last_seq, _)) = self.last() else {
            return Err(Error::PointOutOfRange(
                "the database has no commits yet".to_string(),
            ));
        };
        let start = self.ledger.start_offset();
        if at_or_after {
            let first = self.ledger.offset_for_timestamp(time)?.max(start);
            return Ok((first <= last_seq).then_some(first));
        }
        let after = self.ledger.offset_for_timestamp(time.saturating_add(1))?;
        Ok(after
            .checked_sub(1)
            .filter(|seq| *seq >= start)
            .map(|seq| seq.min(last_seq)))
    }

    fn resolved(&self) -> MutexGuard<'_, HashMap<i64, u64>> {
        self.resolved.lock().recover()
    }

    fn find_seq_at_time(&self, time: i64, last_seq: u64) -> Result<u64> {
        if time > self.clock.now_micros() {
            return Err(Error::PointOutOfRange(format!(
                "{} is in the future",
                format_micros(time)
            )));
        }
        // The first ledger offset with a time after `time`, minus one.
        let after = self.ledger.offset_for_timestamp(time.saturating_add(1))?;
        match after.checked_sub(1) {
            Some(seq) if seq >= self.ledger.start_offset() => Ok(seq.min(last_seq)),
            _ => Err(Error::PointOutOfRange(format!(
                "{} is before the database's first commit",
                format_micros(time)
            ))),
        }
    }

    /// The commit time of sequence `seq`.
    pub fn time_of(&self, seq: u64) -> Result<i64> {
        commit_time(&self.ledger, seq)
    }

    /// Committed transactions from sequence `from` on, up to about `max_bytes` of them (at
    /// least one if any), each with its sequence and commit time. Only transactions the
    /// database has applied are returned.
    pub fn transactions(
        &self,
        from: u64,
        max_bytes: usize,
    ) -> Result<Vec<(u64, i64, Transaction)>> {
        let Some((last, _)) = self.last() else {
            return Ok(Vec::new());
        };
        if from > last {
            return Ok(Vec::new());
        }
        let records = self.ledger.read(
            from.max(self.ledger.start_offset()),
            ReadLimits {
                max_bytes,
                max_records: usize::MAX,
            },
        )?;
        let mut out = Vec::with_capacity(records.len());
        for r in records.into_iter().take_while(|r| r.offset <= last) {
            let value = r.value.as_deref().unwrap_or_default();
            let txn = Transaction::decode(value).map_err(|e| Error::Corruption {
                path: PathBuf::from(LEDGER_TOPIC),
                reason: format!("record {}: {e}", r.offset),
            })?;
            out.push((r.offset, r.timestamp, txn));
        }
        Ok(out)
    }

    /// A channel whose value is the sequence after the newest visible commit and which
    /// changes as commits become visible, for followers of table changes.
    pub fn watch_commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.visible.next.subscribe()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // A checkpoint half written when the process ends is harmless (the next start
        // removes it), but one outliving its store could race a reopened one.
        self.checkpointer.join();
    }
}

fn commit_time(ledger: &Partition, seq: u64) -> Result<i64> {
    let records = ledger.read(
        seq,
        ReadLimits {
            max_bytes: 0,
            max_records: 1,
        },
    )?;
    records
        .first()
        .filter(|r| r.offset == seq)
        .map(|r| r.timestamp)
        .ok_or_else(|| Error::PointOutOfRange(format!("@SEQ:{seq} is not a committed sequence")))
}

/// First committer wins: any written key whose newest version is newer than `read_seq`.
/// A check constraint added to a written table after `read_seq` conflicts too: the SQL
/// layer checked the rows against the constraints it saw.
fn check_conflicts(db: &Database, read_seq: u64, writes: &[(String, Key)]) -> Result<()> {
    let mut tables: Vec<&str> = writes.iter().map(|(t, _)| t.as_str()).collect();
    tables.dedup();
    for table in tables {
        if db
            .constraints()
            .newest_check(table)
            .is_some_and(|from| from > read_seq)
        {
            return Err(Error::Conflict {
                table: table.to_string(),
            });
        }
    }
    for (table, key) in writes {
        let Ok(t) = db.table(table) else { continue };
        let newest = crate::database::read(t)
            .key_versions(key, VersionFilter::All)?
            .last()
            .map(|v| v.start_seq);
        if newest.is_some_and(|seq| seq > read_seq) {
            return Err(Error::Conflict {
                table: table.clone(),
            });
        }
    }
    Ok(())
}

/// Applies every ledger record from `from` on; returns how many were applied.
fn replay(ledger: &Partition, db: &mut Database, from: u64) -> Result<u64> {
    let start = ledger.start_offset();
    if from < start {
        return Err(Error::Corruption {
            path: PathBuf::from(LEDGER_TOPIC),
            reason: format!("the ledger starts at {start} but replay needs records from {from}"),
        });
    }
    let mut next = from;
    let mut applied = 0;
    loop {
        let records = ledger.read(
            next,
            ReadLimits {
                max_bytes: 8 << 20,
                max_records: usize::MAX,
            },
        )?;
        let Some(last) = records.last() else { break };
        next = last.offset + 1;
        for r in records {
            let value = r.value.as_deref().unwrap_or_default();
            let txn = Transaction::decode(value).map_err(|e| Error::Corruption {
                path: PathBuf::from(LEDGER_TOPIC),
                reason: format!("record {}: {e}", r.offset),
            })?;
            db.apply(r.offset, r.timestamp, &txn)
                .map_err(|e| Error::Corruption {
                    path: PathBuf::from(LEDGER_TOPIC),
                    reason: format!("record {} does not apply: {e}", r.offset),
                })?;
            applied += 1;
        }
    }
    Ok(applied)
}

/// `2025-10-24 12:00:00.000000 UTC`-style rendering for error messages.
fn format_micros(micros: i64) -> String {
    match chrono::DateTime::from_timestamp_micros(micros) {
        Some(time) => time.format("%Y-%m-%d %H:%M:%S%.6f UTC").to_string(),
        None => format!("{micros} microseconds after the epoch"),
    }
}

#[cfg(test)]
mod tests;
