//! Running projections: one thread per projection consumes its topic and commits each batch
//! of events into the ledger with the source offsets it consumed.
//!
//! What a runner decides (how a batch is read, what each error policy does, how progress
//! commits exactly once, when a rebuild swaps in) is [`Runner`], the projector's state
//! machine with no I/O, documented and tested there. This module performs its commands: it
//! looks at the projection's state in the store, reads the topic's partitions, maps events to
//! row changes ([`mapping::Batch`], with the same strict casts as `INSERT`), appends dead
//! letters, commits, and waits for a partition's end to move when there is nothing to read.
//! It also keeps each projection's counters and lag metrics, which the machine's reports feed.
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
use driftdb_log::{
    AppendOptions, Header, Log, NewRecord, Partition, ReadLimits, Record, Topic, TopicConfig,
};
use driftdb_projector::projection::runner::{
    Command, Commit, Limits, Mapped, PartitionView, Read, Rejection, RunState, Runner, Tally,
};
use driftdb_projector::projection::{ProjectionOp, ProjectionState};
use driftdb_projector::{LedgerOp, Store, Transaction};

use self::mapping::Batch;

use crate::SqlState;
use driftdb_log::sync::Recover;

/// How much one batch (one ledger transaction) reads: at most 20,000 events, and about 8 MiB
/// from each partition.
const LIMITS: Limits = Limits {
    max_events: 20_000,
    max_bytes: 8 << 20,
};

/// How long an idle runner waits before looking at its state again (for pause, drop and
/// topics that appear).
const IDLE_WAIT: Duration = Duration::from_millis(200);

/// How long a runner waits after a failure before it starts the batch over.
const RETRY_WAIT: Duration = Duration::from_secs(1);

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

    /// Counts a committed batch, here and in the metrics.
    fn add(&self, table: &str, tally: &Tally) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        for (counter, outcome, n) in [
            (&self.applied, "applied", tally.applied),
            (&self.ignored, "ignored", tally.ignored),
            (&self.skipped, "skipped", tally.skipped),
            (&self.dead_lettered, "dead_lettered", tally.dead_lettered),
        ] {
            counter.fetch_add(n, Ordering::Relaxed);
            count(table, outcome, n);
        }
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

/// What a runner's thread holds between commands: the projection and its topic as last
/// looked at, and the batch in flight (events read, row changes mapped).
#[derive(Default)]
struct InFlight {
    state: Option<ProjectionState>,
    topic: Option<Arc<Topic>>,
    records: Vec<(u32, Record)>,
    ops: Vec<LedgerOp>,
}

/// One projection's thread: performs its [`Runner`]'s commands until it exits or is stopped.
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
    let mut runner = Runner::new(LIMITS);
    let mut batch = InFlight::default();
    while !stop.load(Ordering::SeqCst) {
        match runner.command() {
            Command::Exit => break,
            Command::Retry => sleep_unless_stopped(stop, RETRY_WAIT),
            Command::Idle { positions } => {
                if let (Some(state), Some(topic)) = (&batch.state, &batch.topic) {
                    publish_lag(table, topic.partitions(), &state.offsets);
                }
                idle(batch.topic.as_deref(), &positions, stop, &clock);
            }
            command => {
                if let Err(e) = perform(runners, table, &mut runner, &mut batch, command, stats) {
                    tracing::warn!(projection = %table, error = %e, "projection batch failed; retrying");
                    runner.failed(e.to_string());
                }
            }
        }
        let (state, error) = runner.state();
        stats.set(state.clone(), error.map(str::to_string));
    }
    if let (RunState::Failed, Some(error)) = runner.state() {
        tracing::error!(projection = %table, %error, "projection stopped at an event that does not fit");
    }
    tracing::info!(projection = %table, "projection stopped");
}

/// Carries out one of the runner's commands and reports its outcome to the runner; an error
/// is the runner's to handle ([`Runner::failed`]).
fn perform(
    runners: &Runners,
    table: &str,
    runner: &mut Runner,
    batch: &mut InFlight,
    command: Command,
    stats: &Stats,
) -> crate::Result<()> {
    match command {
        Command::Observe => {
            *batch = InFlight::default();
            batch.state = runners.store.read().projections().get(table).cloned();
            if let Some(state) = &batch.state {
                batch.topic = match runners.log.topic(&state.def.topic) {
                    Ok(topic) => Some(topic),
                    Err(driftdb_log::Error::UnknownTopic(_)) => None,
                    Err(e) => return Err(crate::error::storage(e)),
                };
            }
            let partitions: Option<Vec<PartitionView>> = batch.topic.as_ref().map(|topic| {
                topic
                    .partitions()
                    .iter()
                    .map(|p| PartitionView {
                        id: p.id(),
                        start: p.start_offset(),
                        end: p.end_offset(),
                    })
                    .collect()
            });
            runner.observed(batch.state.as_ref(), partitions.as_deref());
        }
        Command::Read {
            partition,
            from,
            max_records,
            max_bytes,
        } => {
            let source = batch
                .topic
                .as_ref()
                .ok_or_else(|| out_of_turn("a read"))?
                .partition(partition)
                .map_err(crate::error::storage)?;
            let limits = ReadLimits {
                max_bytes,
                max_records,
            };
            match source.read(from, limits) {
                Ok(records) => {
                    let next = records.last().map_or(from, |r| r.offset + 1);
                    runner.read(Read::Events {
                        count: records.len(),
                        next,
                    });
                    batch
                        .records
                        .extend(records.into_iter().map(|r| (partition, r)));
                }
                Err(driftdb_log::Error::OffsetOutOfRange { .. }) => runner.read(Read::Moved),
                Err(e) => return Err(crate::error::storage(e)),
            }
        }
        Command::Map { stop_at_first } => {
            let def = &batch
                .state
                .as_ref()
                .ok_or_else(|| out_of_turn("a mapping"))?
                .def;
            let table_ref = {
                let db = runners.store.read();
                Arc::clone(db.table(table).map_err(crate::error::projector_error)?)
            };
            let schema = driftdb_projector::database::read(&table_ref)
                .schema()
                .clone();
            // The table's read lock is held only for lookups of current rows: the runner is
            // its only writer, and commits (which take its write lock) do not wait on JSON
            // parsing.
            let mapped = Batch::build(def, &schema, &batch.records, stop_at_first, |key| {
                driftdb_projector::database::read(&table_ref)
                    .get_current(key)
                    .cloned()
            });
            batch.ops = mapped.ops;
            runner.mapped(Mapped {
                applied: mapped.applied,
                ignored: mapped.ignored,
                rejected: mapped.rejected,
            });
        }
        Command::DeadLetter { topic, events } => {
            let source = batch
                .topic
                .as_ref()
                .ok_or_else(|| out_of_turn("a dead letter"))?;
            let count = dead_letter(runners, &topic, source.name(), &batch.records, &events)?;
            runner.dead_lettered(count);
        }
        Command::Commit { progress } => {
            let mut ops = std::mem::take(&mut batch.ops);
            if !progress.is_empty() {
                ops.push(LedgerOp::Projection(Box::new(ProjectionOp::Progress {
                    table: table.to_string(),
                    advances: progress,
                })));
            }
            let outcome = if ops.is_empty() {
                Commit::Done
            } else {
                commit(runners, ops)?
            };
            if let Some(tally) = runner.committed(outcome) {
                runners.notify();
                stats.add(table, &tally);
                if let (Some(topic), Some(now)) =
                    (&batch.topic, runners.store.read().projections().get(table))
                {
                    publish_lag(table, topic.partitions(), &now.offsets);
                }
            }
        }
        Command::Swap { target } => {
            let op = LedgerOp::Projection(Box::new(ProjectionOp::Swap {
                table: target.clone(),
                shadow: table.to_string(),
            }));
            let outcome = commit(runners, vec![op])?;
            if outcome == Commit::Done {
                tracing::info!(projection = %target, "rebuilt projection swapped in");
                runners.notify();
            }
            runner.committed(outcome);
        }
        // The loop performs these: they wait.
        Command::Idle { .. } | Command::Retry | Command::Exit => {}
    }
    Ok(())
}

/// A command the runner gives only after a look that found what it needs.
fn out_of_turn(what: &str) -> crate::Error {
    crate::Error::Internal {
        message: format!("a projection's runner asked for {what} before it looked at its state"),
    }
}

/// Commits `ops` as one transaction. `Refused`: the ledger refused it because the projection
/// was dropped, swapped or rebuilt (or moved on) since the batch was read.
fn commit(runners: &Runners, ops: Vec<LedgerOp>) -> crate::Result<Commit> {
    match runners.store.commit(Transaction { ops }, None, &[]) {
        Ok(_) => Ok(Commit::Done),
        Err(
            driftdb_projector::Error::Conflict { .. } | driftdb_projector::Error::NotFound { .. },
        ) => Ok(Commit::Refused),
        Err(e) => Err(crate::error::projector_error(e)),
    }
}

/// Sleeps until the end of one of the partitions at `positions` moves past its position,
/// `IDLE_WAIT` passes, or the runner stops.
fn idle(
    topic: Option<&Topic>,
    positions: &[(u32, u64)],
    stop: &AtomicBool,
    clock: &tokio::runtime::Runtime,
) {
    let partitions: Vec<(Arc<Partition>, u64)> = positions
        .iter()
        .filter_map(|&(id, from)| Some((topic?.partition(id).ok()?, from)))
        .collect();
    let mut watches: Vec<_> = partitions.iter().map(|(p, _)| p.watch_end()).collect();
    for w in &mut watches {
        w.borrow_and_update();
    }
    // An append between the runner's read and marking the watches seen is not missed: it
    // shows as an end past the position.
    let behind = partitions.iter().any(|(p, from)| p.end_offset() > *from);
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

/// Appends the rejected events to the dead-letter topic (created on first use), each with
/// its reason and source in headers. Returns how many.
fn dead_letter(
    runners: &Runners,
    dlq: &str,
    source_topic: &str,
    records: &[(u32, Record)],
    rejected: &[Rejection],
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
    let by_position: BTreeMap<(u32, u64), &Record> =
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
