//! Running projections: one thread per projection consumes its topic and commits each batch
//! of events into the ledger with the source offsets it consumed.
//!
//! Exactly once: a batch's row changes and its `Progress` (the offsets it read from and up
//! to) are one ledger transaction, and `Progress` only applies if the projection is still
//! where the batch started. A crash before the commit loses the batch and the restart reads
//! it again from the offsets the ledger has; a crash after it finds the offsets moved past
//! it. Nothing outside the ledger decides where a projection is.
//!
//! The loop (`run`), for each batch: read the projection's state from the store (gone or
//! paused: stop), read up to [`MAX_BATCH_EVENTS`] events from its partitions, map them
//! ([`mapping::Batch`]), apply the error policy to events that do not fit (`STOP` commits
//! the events before the bad one and stops with the reason; `SKIP` counts it; `DEAD LETTER`
//! appends it to the dead-letter topic, with the reason in the `driftdb-error` header,
//! before the batch commits, so a crash there can copy it twice but never lose it), commit,
//! then publish lag. With nothing to read it waits for any partition's end to move.
//!
//! A rebuild (`ALTER`/`REFRESH PROJECTION`) is a projection into a shadow table that
//! `replaces` the projection: the first time it finds nothing more to read it commits a
//! `Swap`, and the projection's own runner carries on under the new definition.
//!
//! [`Runners`] starts and stops the threads ([`Runners::reconcile`], after every statement
//! that changes projections and at open), keeps counters and state for the system view
//! `driftdb_projections`, and lets sessions wait for a projection to reach a position
//! (`driftdb_wait`).

pub mod mapping;
pub mod view;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use driftdb_log::{AppendOptions, Header, Log, NewRecord, Partition, ReadLimits, TopicConfig};
use driftdb_projector::projection::{Advance, ErrorPolicy, ProjectionOp, ProjectionState};
use driftdb_projector::{LedgerOp, Store, Transaction};

use self::mapping::{Batch, Rejected};

use crate::SqlState;
use driftdb_log::sync::Recover;

/// Most events one batch (one ledger transaction) applies.
pub const MAX_BATCH_EVENTS: usize = 20_000;

/// Most bytes read from one partition for one batch.
const MAX_BATCH_BYTES: usize = 8 << 20;

/// How long an idle runner waits before looking at its state again (for pause, drop and
/// topics that appear).
const IDLE_WAIT: Duration = Duration::from_millis(200);

/// How long a runner waits after a commit failed for a reason other than a race.
const RETRY_WAIT: Duration = Duration::from_secs(1);

/// What a projection is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    /// Not started yet (or the server has just opened).
    Starting,
    Running,
    /// Its topic does not exist yet.
    WaitingForTopic,
    Paused,
    /// Stopped at an event that does not fit (`ON ERROR STOP`), or by an error it cannot
    /// get past; `RESUME`, `ALTER` or `REFRESH` starts it again.
    Failed,
}

impl RunState {
    pub fn as_str(&self) -> &'static str {
        match self {
            RunState::Starting => "starting",
            RunState::Running => "running",
            RunState::WaitingForTopic => "waiting for topic",
            RunState::Paused => "paused",
            RunState::Failed => "failed",
        }
    }
}

/// Counters and state of one projection (by table), kept across runner restarts.
#[derive(Debug)]
pub struct Stats {
    pub applied: AtomicU64,
    pub ignored: AtomicU64,
    pub skipped: AtomicU64,
    pub dead_lettered: AtomicU64,
    pub batches: AtomicU64,
    state: Mutex<(RunState, Option<String>)>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            applied: AtomicU64::new(0),
            ignored: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            state: Mutex::new((RunState::Starting, None)),
        }
    }
}

impl Stats {
    /// The state and the last error.
    pub fn state(&self) -> (RunState, Option<String>) {
        self.state.lock().recover().clone()
    }

    fn set(&self, state: RunState, error: Option<String>) {
        let mut s = self.state.lock().recover();
        s.0 = state;
        if error.is_some() {
            s.1 = error;
        }
    }
}

struct Running {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// The projection runners of one database.
pub struct Runners {
    store: Arc<Store>,
    log: Arc<Log>,
    running: Mutex<HashMap<String, Running>>,
    stats: Mutex<HashMap<String, Arc<Stats>>>,
    /// Bumped after every projection commit; waiters (`driftdb_wait`) sleep on it.
    progress: (Mutex<u64>, Condvar),
    shut: AtomicBool,
}

impl std::fmt::Debug for Runners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runners").finish_non_exhaustive()
    }
}

impl Runners {
    pub fn new(store: Arc<Store>, log: Arc<Log>) -> Arc<Runners> {
        Arc::new(Runners {
            store,
            log,
            running: Mutex::new(HashMap::new()),
            stats: Mutex::new(HashMap::new()),
            progress: (Mutex::new(0), Condvar::new()),
            shut: AtomicBool::new(false),
        })
    }

    /// The counters of the projection writing `table`.
    pub fn stats(&self, table: &str) -> Arc<Stats> {
        let mut stats = self.stats.lock().recover();
        Arc::clone(stats.entry(table.to_string()).or_default())
    }

    /// Forgets the counters and state of the projection writing `table` (it was dropped, or
    /// a new one by that name starts).
    pub fn forget(&self, table: &str) {
        self.stats.lock().recover().remove(table);
    }

    /// Starts a runner for every projection that should run and has none; runners of
    /// projections that are gone or paused stop by themselves. `restart` names projections
    /// to start even if they failed (after `RESUME`, `ALTER`, `REFRESH`).
    pub fn reconcile(self: &Arc<Self>, restart: &[String]) {
        if self.shut.load(Ordering::SeqCst) {
            return;
        }
        let wanted: Vec<String> = {
            let db = self.store.read();
            db.projections()
                .by_table
                .iter()
                .filter(|(_, s)| !s.paused)
                .map(|(t, _)| t.clone())
                .collect()
        };
        let mut running = self.running.lock().recover();
        running.retain(|_, r| !r.thread.is_finished());
        for table in wanted {
            if running.contains_key(&table) {
                continue;
            }
            let stats = self.stats(&table);
            if stats.state().0 == RunState::Failed && !restart.contains(&table) {
                continue;
            }
            stats.set(RunState::Starting, None);
            let stop = Arc::new(AtomicBool::new(false));
            let runner = Arc::clone(self);
            let thread_stop = Arc::clone(&stop);
            let name = table.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("projection-{table}"))
                .spawn(move || {
                    // A bug in one projection must not pass for a running projection.
                    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run(&runner, &name, &thread_stop, &stats)
                    }));
                    if ran.is_err() {
                        stats.set(
                            RunState::Failed,
                            Some("internal error: the projection's runner panicked (see the server log)".into()),
                        );
                    }
                });
            match spawned {
                Ok(thread) => {
                    running.insert(table, Running { stop, thread });
                }
                Err(e) => {
                    tracing::error!(projection = %table, error = %e, "cannot start a projection thread")
                }
            }
        }
    }

    /// Stops every runner and waits for them (before the log closes).
    pub fn shutdown(&self) {
        self.shut.store(true, Ordering::SeqCst);
        let running: Vec<Running> = {
            let mut running = self.running.lock().recover();
            running.drain().map(|(_, r)| r).collect()
        };
        for r in &running {
            r.stop.store(true, Ordering::SeqCst);
        }
        self.notify();
        for r in running {
            let _ = r.thread.join();
        }
    }

    fn notify(&self) {
        let (count, changed) = &self.progress;
        *count.lock().recover() += 1;
        changed.notify_all();
    }

    /// Waits until the projection `name` has applied every event before `positions`
    /// (partition, offset) — that is, its next offset in each partition is past the
    /// offset — or `timeout` passes. Returns the newest committed sequence then, which a
    /// following autocommit statement reads at or after.
    pub fn wait_for(
        &self,
        name: &str,
        positions: &[(u32, u64)],
        timeout: Duration,
    ) -> crate::Result<u64> {
        let deadline = Instant::now() + timeout;
        let (count, changed) = &self.progress;
        let mut seen = count.lock().recover();
        loop {
            {
                let db = self.store.read();
                let state = db
                    .projections()
                    .get(name)
                    .ok_or_else(|| crate::Error::Execution {
                        message: format!("projection \"{name}\" does not exist"),
                        sqlstate: SqlState::UNDEFINED_OBJECT,
                    })?;
                let reached = positions
                    .iter()
                    .all(|(p, o)| state.offsets.get(p).is_some_and(|next| next > o));
                if reached {
                    drop(db);
                    // The commit that got there may still wait for its fsync.
                    self.store.settle().map_err(crate::error::projector_error)?;
                    return Ok(self.store.last().map_or(0, |(seq, _)| seq));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(crate::Error::Execution {
                    message: format!(
                        "canceling wait: projection \"{name}\" did not reach {} within {} ms",
                        format_positions(positions),
                        timeout.as_millis()
                    ),
                    sqlstate: SqlState::QUERY_CANCELED,
                });
            }
            // Re-check at least every IDLE_WAIT: a commit can land between the check above
            // and this wait.
            let wait = (deadline - now).min(IDLE_WAIT);
            seen = changed.wait_timeout(seen, wait).recover().0;
        }
    }

    /// Sets the lag gauges of every projection from the log and the ledger now (paused and
    /// failed projections included, whose runners do not).
    pub fn publish_metrics(&self) {
        let projections: Vec<(String, String, BTreeMap<u32, u64>)> = {
            let db = self.store.read();
            db.projections()
                .by_table
                .iter()
                .map(|(t, s)| (t.clone(), s.def.topic.clone(), s.offsets.clone()))
                .collect()
        };
        for (table, topic, offsets) in projections {
            if let Ok(topic) = self.log.topic(&topic) {
                publish_lag(&table, topic.partitions(), &offsets);
            }
        }
    }

    /// The store the runners write.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The log the runners read.
    pub fn log(&self) -> &Log {
        &self.log
    }
}

/// `0:41,3:7`.
pub fn format_positions(positions: &[(u32, u64)]) -> String {
    positions
        .iter()
        .map(|(p, o)| format!("{p}:{o}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses `0:41,3:7` (partition:offset pairs), as `driftdb_wait` takes them.
pub fn parse_positions(text: &str) -> Option<Vec<(u32, u64)>> {
    text.split(',')
        .map(|pair| {
            let (p, o) = pair.trim().split_once(':')?;
            Some((p.trim().parse().ok()?, o.trim().parse().ok()?))
        })
        .collect()
}

/// What the loop does next.
enum Next {
    Continue,
    Idle,
    /// The projection is gone or paused.
    Exit,
    /// Stopped at an event that does not fit.
    Failed,
}

/// One projection's loop; see the module documentation.
fn run(runners: &Runners, table: &str, stop: &AtomicBool, stats: &Stats) {
    let clock = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(clock) => clock,
        Err(e) => {
            tracing::error!(projection = %table, error = %e, "cannot start a projection's timer");
            stats.set(RunState::Failed, Some(e.to_string()));
            return;
        }
    };
    tracing::info!(projection = %table, "projection started");
    while !stop.load(Ordering::SeqCst) {
        match step(runners, table, stats) {
            Ok(Next::Continue) => {}
            Ok(Next::Idle) => idle(runners, table, stop, &clock),
            Ok(Next::Failed) => break,
            Ok(Next::Exit) => {
                // A RESUME (or a re-create) may have committed after this runner saw the
                // pause, while `reconcile` still counted it as running: look once more.
                let wanted = runners
                    .store
                    .read()
                    .projections()
                    .get(table)
                    .is_some_and(|s| !s.paused);
                if !wanted {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(projection = %table, error = %e, "projection batch failed; retrying");
                stats.set(RunState::Running, Some(e.to_string()));
                sleep_unless_stopped(stop, RETRY_WAIT);
            }
        }
    }
    tracing::info!(projection = %table, "projection stopped");
}

/// Sleeps until any source partition's end moves, `IDLE_WAIT` passes, or the runner stops.
fn idle(runners: &Runners, table: &str, stop: &AtomicBool, clock: &tokio::runtime::Runtime) {
    let state = runners.store.read().projections().get(table).cloned();
    let partitions = state
        .as_ref()
        .and_then(|s| runners.log.topic(&s.def.topic).ok())
        .map(|t| t.partitions().to_vec())
        .unwrap_or_default();
    let mut watches: Vec<_> = partitions.iter().map(|p| p.watch_end()).collect();
    for w in &mut watches {
        w.borrow_and_update();
    }
    // An append between the last read and marking the watches seen is not missed: it shows
    // as an end past the position.
    let behind = state.as_ref().is_some_and(|s| {
        partitions.iter().any(|p| {
            let position = s
                .offsets
                .get(&p.id())
                .copied()
                .unwrap_or_else(|| p.start_offset());
            p.end_offset() > position
        })
    });
    if behind || stop.load(Ordering::SeqCst) {
        return;
    }
    // The log's end watches are tokio channels: wait on all of them at once, on this
    // runner's own small runtime, until one moves or IDLE_WAIT passes.
    // Timers are made inside `block_on`, where the runtime is current.
    if watches.is_empty() {
        clock.block_on(async { tokio::time::sleep(IDLE_WAIT).await });
        return;
    }
    let any = futures::future::select_all(watches.iter_mut().map(|w| Box::pin(w.changed())));
    let _ = clock.block_on(async { tokio::time::timeout(IDLE_WAIT, any).await });
}

fn sleep_unless_stopped(stop: &AtomicBool, total: Duration) {
    let deadline = Instant::now() + total;
    while Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One batch.
fn step(runners: &Runners, table: &str, stats: &Stats) -> crate::Result<Next> {
    let Some(state) = runners.store.read().projections().get(table).cloned() else {
        return Ok(Next::Exit);
    };
    if state.paused {
        stats.set(RunState::Paused, None);
        return Ok(Next::Exit);
    }
    let topic = match runners.log.topic(&state.def.topic) {
        Ok(topic) => topic,
        Err(driftdb_log::Error::UnknownTopic(_)) => {
            stats.set(RunState::WaitingForTopic, None);
            return Ok(Next::Idle);
        }
        Err(e) => return Err(crate::error::storage(e)),
    };
    let partitions = topic.partitions();
    let (records, reads) = read_batch(partitions, &state)?;
    if records.is_empty() {
        stats.set(RunState::Running, None);
        publish_lag(table, partitions, &state.offsets);
        if let Some(target) = &state.replaces {
            swap(runners, target, table)?;
            return Ok(Next::Exit);
        }
        return Ok(Next::Idle);
    }
    let stop_on_error = state.def.on_error == ErrorPolicy::Stop;
    let table_ref = {
        let db = runners.store.read();
        Arc::clone(db.table(table).map_err(crate::error::projector_error)?)
    };
    let schema = driftdb_projector::database::read(&table_ref)
        .schema()
        .clone();
    // The table's read lock is held only for lookups of current rows: the runner is its only
    // writer, and commits (which take its write lock) do not wait on JSON parsing.
    let batch = Batch::build(&state.def, &schema, &records, stop_on_error, |key| {
        driftdb_projector::database::read(&table_ref)
            .get_current(key)
            .cloned()
    });
    // Where each partition's batch ends: after its last record, or at the event that stops
    // a STOP projection (and nothing from later partitions).
    let failure = if stop_on_error {
        batch.rejected.first().cloned()
    } else {
        None
    };
    let mut advances = Vec::new();
    for (partition, from, read_from, to) in reads {
        let to = match &failure {
            Some(f) if f.partition == partition => f.offset,
            Some(f) if partition > f.partition => continue,
            _ => to,
        };
        if to > from || read_from > from {
            advances.push(Advance {
                partition,
                from,
                to: to.max(read_from),
            });
        }
    }
    let mut dead = 0;
    if let ErrorPolicy::DeadLetter(dlq) = &state.def.on_error
        && !batch.rejected.is_empty()
    {
        dead = dead_letter(runners, dlq, &state.def.topic, &records, &batch.rejected)?;
    }
    let mut ops = batch.ops;
    if !advances.is_empty() {
        ops.push(LedgerOp::Projection(Box::new(ProjectionOp::Progress {
            table: table.to_string(),
            advances,
        })));
    }
    if !ops.is_empty() {
        match runners.store.commit(Transaction { ops }, None, &[]) {
            Ok(_) => {}
            // Dropped, swapped or rebuilt while the batch was read: read the state again.
            Err(
                driftdb_projector::Error::Conflict { .. }
                | driftdb_projector::Error::NotFound { .. },
            ) => {
                return Ok(Next::Continue);
            }
            Err(e) => return Err(crate::error::projector_error(e)),
        }
    }
    runners.notify();
    stats.batches.fetch_add(1, Ordering::Relaxed);
    stats.applied.fetch_add(batch.applied, Ordering::Relaxed);
    stats.ignored.fetch_add(batch.ignored, Ordering::Relaxed);
    count(table, "applied", batch.applied);
    count(table, "ignored", batch.ignored);
    match &state.def.on_error {
        ErrorPolicy::Stop => {}
        ErrorPolicy::Skip => {
            stats
                .skipped
                .fetch_add(batch.rejected.len() as u64, Ordering::Relaxed);
            count(table, "skipped", batch.rejected.len() as u64);
        }
        ErrorPolicy::DeadLetter(_) => {
            stats.dead_lettered.fetch_add(dead, Ordering::Relaxed);
            count(table, "dead_lettered", dead);
        }
    }
    if let Some(last) = batch.rejected.last() {
        let error = describe(&state.def.topic, last);
        if failure.is_some() {
            tracing::error!(projection = %table, %error, "projection stopped at an event that does not fit");
            stats.set(RunState::Failed, Some(error));
            return Ok(Next::Failed);
        }
        stats.set(RunState::Running, Some(error));
    } else {
        stats.set(RunState::Running, None);
    }
    if let Some(now) = runners.store.read().projections().get(table) {
        publish_lag(table, partitions, &now.offsets);
    }
    Ok(Next::Continue)
}

/// `orders-events/0@41: the value is not JSON: ...`.
fn describe(topic: &str, r: &Rejected) -> String {
    format!("{topic}/{}@{}: {}", r.partition, r.offset, r.reason)
}

/// Reads up to a batch of records: (partition, record) in partition then offset order, and
/// per partition (id, the projection's position, where reading started, the next offset).
/// Reading starts at the position, or at the partition's oldest event if retention has
/// removed the events there.
#[allow(clippy::type_complexity)]
fn read_batch(
    partitions: &[Arc<Partition>],
    state: &ProjectionState,
) -> crate::Result<(Vec<(u32, driftdb_log::Record)>, Vec<(u32, u64, u64, u64)>)> {
    let mut records = Vec::new();
    let mut reads = Vec::new();
    for partition in partitions {
        let budget = MAX_BATCH_EVENTS.saturating_sub(records.len());
        if budget == 0 {
            break;
        }
        let id = partition.id();
        let start = partition.start_offset();
        let position = state.offsets.get(&id).copied().unwrap_or(start);
        let read_from = position.max(start);
        let read = match partition.read(
            read_from,
            ReadLimits {
                max_bytes: MAX_BATCH_BYTES,
                max_records: budget,
            },
        ) {
            Ok(read) => read,
            // Retention moved the start between the two calls: next time.
            Err(driftdb_log::Error::OffsetOutOfRange { .. }) => continue,
            Err(e) => return Err(crate::error::storage(e)),
        };
        let next = read.last().map_or(read_from, |r| r.offset + 1);
        if read.is_empty() && read_from == position {
            // Nothing to record for this partition unless it is new to the projection.
            if !state.offsets.contains_key(&id) {
                reads.push((id, position, read_from, next));
            }
            continue;
        }
        reads.push((id, position, read_from, next));
        records.extend(read.into_iter().map(|r| (id, r)));
    }
    Ok((records, reads))
}

/// Appends the rejected events to the dead-letter topic (created on first use), each with
/// its reason and source in headers. Returns how many.
fn dead_letter(
    runners: &Runners,
    dlq: &str,
    source_topic: &str,
    records: &[(u32, driftdb_log::Record)],
    rejected: &[Rejected],
) -> crate::Result<u64> {
    let topic = match runners.log.topic(dlq) {
        Ok(t) => t,
        Err(driftdb_log::Error::UnknownTopic(_)) => runners
            .log
            .create_topic(dlq, TopicConfig::default())
            .or_else(|_| runners.log.topic(dlq))
            .map_err(crate::error::storage)?,
        Err(e) => return Err(crate::error::storage(e)),
    };
    let partition = topic.partition(0).map_err(crate::error::storage)?;
    let by_position: BTreeMap<(u32, u64), &driftdb_log::Record> =
        records.iter().map(|(p, r)| ((*p, r.offset), r)).collect();
    let mut out = Vec::new();
    for r in rejected {
        let Some(record) = by_position.get(&(r.partition, r.offset)) else {
            continue;
        };
        let mut headers = record.headers.clone();
        headers.push(Header {
            name: "driftdb-error".to_string(),
            value: Bytes::from(r.reason.clone()),
        });
        headers.push(Header {
            name: "driftdb-source".to_string(),
            value: Bytes::from(format!("{source_topic}/{}@{}", r.partition, r.offset)),
        });
        out.push(NewRecord {
            timestamp: Some(record.timestamp),
            key: record.key.clone(),
            headers,
            value: record.value.clone(),
        });
    }
    let n = out.len() as u64;
    if !out.is_empty() {
        partition
            .append(out, AppendOptions::default())
            .map_err(crate::error::storage)?;
    }
    Ok(n)
}

/// Commits the swap of a caught-up rebuild.
fn swap(runners: &Runners, target: &str, shadow: &str) -> crate::Result<()> {
    let op = LedgerOp::Projection(Box::new(ProjectionOp::Swap {
        table: target.to_string(),
        shadow: shadow.to_string(),
    }));
    match runners
        .store
        .commit(Transaction { ops: vec![op] }, None, &[])
    {
        Ok(commit) => {
            tracing::info!(projection = %target, seq = commit.seq, "rebuilt projection swapped in");
            runners.notify();
            Ok(())
        }
        Err(driftdb_projector::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(crate::error::projector_error(e)),
    }
}

pub const EVENTS_TOTAL: &str = "driftdb_projection_events_total";
pub const LAG_EVENTS: &str = "driftdb_projection_lag_events";
pub const LAG_SECONDS: &str = "driftdb_projection_lag_seconds";

/// Describes the projection metrics to the installed recorder.
pub fn describe_metrics() {
    metrics::describe_counter!(
        EVENTS_TOTAL,
        "Events a projection consumed, by outcome: applied, ignored (no rule for their type), skipped or dead_lettered"
    );
    metrics::describe_gauge!(
        LAG_EVENTS,
        "Events in a source partition the projection has not applied yet"
    );
    metrics::describe_gauge!(
        LAG_SECONDS,
        "Age of the oldest event in a source partition the projection has not applied yet (0 when caught up)"
    );
}

fn count(table: &str, outcome: &'static str, n: u64) {
    if n > 0 {
        metrics::counter!(EVENTS_TOTAL, "projection" => table.to_string(), "outcome" => outcome)
            .increment(n);
    }
}

/// Lag of one partition: (events, seconds).
pub fn lag(partition: &Partition, position: Option<u64>) -> (u64, f64) {
    let position = position
        .unwrap_or_else(|| partition.start_offset())
        .max(partition.start_offset());
    let events = partition.end_offset().saturating_sub(position);
    if events == 0 {
        return (0, 0.0);
    }
    let oldest = partition
        .read(
            position,
            ReadLimits {
                max_bytes: 0,
                max_records: 1,
            },
        )
        .ok()
        .and_then(|r| r.first().map(|r| r.timestamp));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    let seconds = oldest.map_or(0.0, |t| (now - t).max(0) as f64 / 1e6);
    (events, seconds)
}

fn publish_lag(table: &str, partitions: &[Arc<Partition>], offsets: &BTreeMap<u32, u64>) {
    for p in partitions {
        let (events, seconds) = lag(p, offsets.get(&p.id()).copied());
        let labels = [
            ("projection", table.to_string()),
            ("partition", p.id().to_string()),
        ];
        metrics::gauge!(LAG_EVENTS, &labels).set(events as f64);
        metrics::gauge!(LAG_SECONDS, &labels).set(seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_parse_and_print() {
        assert_eq!(parse_positions("0:41, 3:7"), Some(vec![(0, 41), (3, 7)]));
        assert_eq!(format_positions(&[(0, 41), (3, 7)]), "0:41,3:7");
        for bad in ["", "0", "0:x", "a:1", "0:1,", "-1:2"] {
            assert_eq!(parse_positions(bad), None, "{bad}");
        }
    }
}
