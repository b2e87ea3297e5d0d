//! What a projection's runner decides, as a state machine with no I/O.
//!
//! A runner consumes a projection's topic into its table one batch at a time. The thread
//! that does it (the SQL layer's, which owns the casts events go through) performs I/O only:
//! it asks [`Runner::command`] for a [`Command`], carries it out (look at the ledger, read the
//! log, map events to row changes, append dead letters, commit), and reports what came of it
//! with the matching call ([`Runner::observed`], [`Runner::read`], [`Runner::mapped`],
//! [`Runner::dead_lettered`], [`Runner::committed`], or [`Runner::failed`] for any I/O
//! error). The machine holds no lock, file, socket or clock, so its tests feed it
//! observations and check its commands, and a model test crashes a simulated runner at every
//! step.
//!
//! The decisions, batch by batch:
//! - **State.** A projection that is gone or paused ends its runner, after one more look (a
//!   `RESUME` can commit just after the first). One whose topic does not exist yet waits.
//! - **Batching.** Source partitions are read in id order, each from the projection's
//!   position in it, or from its oldest event when retention removed the events there, until
//!   [`Limits::max_events`] are read. A partition whose end is at the position is not read. A
//!   batch with no events waits for an end to move; a rebuild that finds nothing left to read
//!   swaps in (below).
//! - **Error policy.** Under `STOP` the first event that does not fit ends the batch: the
//!   events before it commit, progress stops at it (and covers no later partition), and the
//!   projection fails until `RESUME`, `ALTER` or `REFRESH`. `SKIP` counts it. `DEAD LETTER`
//!   appends it to the dead-letter topic *before* the batch commits: a crash in between can
//!   copy it twice, never lose it.
//! - **Exactly once.** A batch's row changes and its progress (one [`Advance`] per partition
//!   it moved, *from* the position the batch started at) commit as one ledger transaction, and
//!   the ledger refuses progress that does not start where the projection is. A refused
//!   commit (the projection was dropped, swapped or rebuilt meanwhile) is not retried: the
//!   runner looks at the state again. So a crash before a commit reads the batch again, and a
//!   crash after it finds the position moved past it.
//! - **Rebuild swap.** A projection that `replaces` another (a rebuild into a shadow table),
//!   once it finds nothing more to read, commits a `Swap`; its runner then ends, and the
//!   projection's own runner carries on under the new definition.
//! - **Failures.** Any I/O error is reported and retried after a wait, from a fresh look at
//!   the state; nothing half-done is kept.

use std::collections::BTreeMap;

use super::{Advance, ErrorPolicy, ProjectionState};

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

/// How much one batch (one ledger transaction) reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most events in a batch, over all partitions.
    pub max_events: usize,
    /// Most bytes read from one partition for one batch.
    pub max_bytes: usize,
}

/// A source partition as the runner sees it when a batch begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionView {
    pub id: u32,
    /// Its oldest retained offset.
    pub start: u64,
    /// The offset its next event will get.
    pub end: u64,
}

/// What a read of one partition returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// `count` events, the last of them before `next` (`next` is where the read started when
    /// `count` is 0).
    Events { count: usize, next: u64 },
    /// Retention removed the events at the offset between the look and the read.
    Moved,
}

/// An event that does not fit the projection, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub partition: u32,
    pub offset: u64,
    pub reason: String,
}

/// What mapping a batch's events to row changes came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapped {
    /// Events applied (under `STOP`, only those before the first rejection).
    pub applied: u64,
    /// Events whose type has no rule.
    pub ignored: u64,
    /// Events that did not fit, in source order (under `STOP`, only the first).
    pub rejected: Vec<Rejection>,
}

/// How a commit (of a batch or a swap) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commit {
    Done,
    /// The ledger refused it because the projection changed meanwhile (dropped, swapped,
    /// rebuilt, or moved by another runner).
    Refused,
}

/// What a committed batch counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub applied: u64,
    pub ignored: u64,
    pub skipped: u64,
    pub dead_lettered: u64,
}

/// What the runner's thread does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Look up the projection's state in the ledger and its topic's partitions, then call
    /// [`Runner::observed`].
    Observe,
    /// Read events of `partition` from offset `from`, at most `max_records` of them and
    /// about `max_bytes`, keep them for the batch, then call [`Runner::read`].
    Read {
        partition: u32,
        from: u64,
        max_records: usize,
        max_bytes: usize,
    },
    /// Map the batch's events (in partition, then offset order) to row changes, ending at the
    /// first that does not fit if `stop_at_first`, then call [`Runner::mapped`].
    Map { stop_at_first: bool },
    /// Append these events, with their reasons, to the dead-letter topic `topic` (creating
    /// it if needed), then call [`Runner::dead_lettered`].
    DeadLetter {
        topic: String,
        events: Vec<Rejection>,
    },
    /// Commit the mapped row changes and, unless `progress` is empty, a `Progress` of the
    /// projection with it, as one transaction (nothing if both are empty), then call
    /// [`Runner::committed`].
    Commit { progress: Vec<Advance> },
    /// Commit a `Swap` of this rebuild into the projection `target`, then call
    /// [`Runner::committed`].
    Swap { target: String },
    /// Wait until the end of one of these partitions moves past its offset, or a while
    /// passes (with no partitions: just a while).
    Idle { positions: Vec<(u32, u64)> },
    /// Wait a while after a failure.
    Retry,
    /// Stop: the projection is gone, paused or failed.
    Exit,
}

/// One projection's runner; see the module documentation.
#[derive(Debug)]
pub struct Runner {
    limits: Limits,
    phase: Phase,
    state: RunState,
    error: Option<String>,
}

#[derive(Debug)]
enum Phase {
    /// Next: look at the state. `again`: the last look found the projection gone or paused.
    Observe {
        again: bool,
    },
    Reading(Batch),
    Mapping(Batch),
    /// The mapped batch, waiting for its rejected events to reach the dead-letter topic.
    DeadLettering {
        outcome: Outcome,
        topic: String,
    },
    Committing(Outcome),
    Swapping {
        target: String,
    },
    Idle {
        positions: Vec<(u32, u64)>,
    },
    Retry,
    Exited,
}

/// A batch being read.
#[derive(Debug)]
struct Batch {
    topic: String,
    on_error: ErrorPolicy,
    replaces: Option<String>,
    positions: BTreeMap<u32, u64>,
    partitions: Vec<PartitionView>,
    /// The next of `partitions` to consider.
    next: usize,
    /// The read in flight: (partition, position, where the read starts).
    reading: Option<(u32, u64, u64)>,
    reads: Vec<PartitionRead>,
    events: usize,
}

/// What the batch read from one partition.
#[derive(Debug, Clone, Copy)]
struct PartitionRead {
    partition: u32,
    /// The projection's position when the batch began.
    position: u64,
    /// Where reading started: past the position if retention removed events there.
    from: u64,
    /// The offset after the last event read.
    next: u64,
}

/// A mapped batch on its way to the ledger.
#[derive(Debug)]
struct Outcome {
    topic: String,
    progress: Vec<Advance>,
    mapped: Mapped,
    on_error: ErrorPolicy,
    /// Under `STOP`, the event the projection stops at.
    stop: Option<Rejection>,
    dead_lettered: u64,
}

impl Runner {
    pub fn new(limits: Limits) -> Runner {
        Runner {
            limits,
            phase: Phase::Observe { again: false },
            state: RunState::Starting,
            error: None,
        }
    }

    /// What the projection is doing, and the last error it met (kept until another).
    pub fn state(&self) -> (&RunState, Option<&str>) {
        (&self.state, self.error.as_deref())
    }

    /// What to do next. Each command but `Idle`, `Retry` and `Exit` waits for its report;
    /// asked again before it, the runner gives the same command.
    pub fn command(&mut self) -> Command {
        let (phase, command) = match std::mem::replace(&mut self.phase, Phase::Exited) {
            phase @ Phase::Observe { .. } => (phase, Command::Observe),
            Phase::Reading(mut batch) => match batch.next_read(self.limits) {
                Some(read) => (Phase::Reading(batch), read),
                None => self.read_all(batch),
            },
            Phase::Mapping(batch) => {
                let stop_at_first = batch.on_error == ErrorPolicy::Stop;
                (Phase::Mapping(batch), Command::Map { stop_at_first })
            }
            Phase::DeadLettering { outcome, topic } => {
                let command = Command::DeadLetter {
                    topic: topic.clone(),
                    events: outcome.mapped.rejected.clone(),
                };
                (Phase::DeadLettering { outcome, topic }, command)
            }
            Phase::Committing(outcome) => {
                let progress = outcome.progress.clone();
                (Phase::Committing(outcome), Command::Commit { progress })
            }
            Phase::Swapping { target } => {
                let command = Command::Swap {
                    target: target.clone(),
                };
                (Phase::Swapping { target }, command)
            }
            Phase::Idle { positions } => {
                (Phase::Observe { again: false }, Command::Idle { positions })
            }
            Phase::Retry => (Phase::Observe { again: false }, Command::Retry),
            Phase::Exited => (Phase::Exited, Command::Exit),
        };
        self.phase = phase;
        command
    }

    /// Reports the projection's state (`None`: it does not exist) and its topic's partitions
    /// (`None`: the topic does not exist), after [`Command::Observe`].
    pub fn observed(
        &mut self,
        state: Option<&ProjectionState>,
        partitions: Option<&[PartitionView]>,
    ) {
        let Phase::Observe { again } = self.phase else {
            return self.out_of_turn("observed");
        };
        let state = match state {
            Some(state) if !state.paused => state,
            paused_or_gone => {
                if paused_or_gone.is_some() {
                    self.state = RunState::Paused;
                }
                self.phase = if again {
                    Phase::Exited
                } else {
                    Phase::Observe { again: true }
                };
                return;
            }
        };
        let Some(partitions) = partitions else {
            self.state = RunState::WaitingForTopic;
            self.phase = Phase::Idle {
                positions: Vec::new(),
            };
            return;
        };
        self.phase = Phase::Reading(Batch {
            topic: state.def.topic.clone(),
            on_error: state.def.on_error.clone(),
            replaces: state.replaces.clone(),
            positions: state.offsets.clone(),
            partitions: partitions.to_vec(),
            next: 0,
            reading: None,
            reads: Vec::new(),
            events: 0,
        });
    }

    /// Reports what a [`Command::Read`] returned.
    pub fn read(&mut self, read: Read) {
        let Phase::Reading(batch) = &mut self.phase else {
            return self.out_of_turn("read");
        };
        let Some((partition, position, from)) = batch.reading.take() else {
            return self.out_of_turn("read");
        };
        if let Read::Events { count, next } = read {
            batch.events += count;
            batch.record(PartitionRead {
                partition,
                position,
                from,
                next,
            });
        }
    }

    /// Reports what mapping the batch's events came to, after [`Command::Map`].
    pub fn mapped(&mut self, mapped: Mapped) {
        let Phase::Mapping(batch) = std::mem::replace(&mut self.phase, Phase::Exited) else {
            return self.out_of_turn("mapped");
        };
        let stop = match batch.on_error {
            ErrorPolicy::Stop => mapped.rejected.first().cloned(),
            _ => None,
        };
        let progress = batch
            .reads
            .iter()
            .filter_map(|read| {
                let to = match &stop {
                    Some(at) if at.partition == read.partition => at.offset,
                    Some(at) if read.partition > at.partition => return None,
                    _ => read.next,
                };
                (to > read.position || read.from > read.position).then(|| Advance {
                    partition: read.partition,
                    from: read.position,
                    to: to.max(read.from),
                })
            })
            .collect();
        let dead_letter_topic = match &batch.on_error {
            ErrorPolicy::DeadLetter(topic) if !mapped.rejected.is_empty() => Some(topic.clone()),
            _ => None,
        };
        let outcome = Outcome {
            topic: batch.topic,
            progress,
            mapped,
            on_error: batch.on_error,
            stop,
            dead_lettered: 0,
        };
        self.phase = match dead_letter_topic {
            Some(topic) => Phase::DeadLettering { outcome, topic },
            None => Phase::Committing(outcome),
        };
    }

    /// Reports that `count` rejected events are in the dead-letter topic.
    pub fn dead_lettered(&mut self, count: u64) {
        let Phase::DeadLettering { mut outcome, .. } =
            std::mem::replace(&mut self.phase, Phase::Exited)
        else {
            return self.out_of_turn("dead_lettered");
        };
        outcome.dead_lettered = count;
        self.phase = Phase::Committing(outcome);
    }

    /// Reports how a [`Command::Commit`] or [`Command::Swap`] ended; for a committed batch,
    /// returns what it counted.
    pub fn committed(&mut self, commit: Commit) -> Option<Tally> {
        match std::mem::replace(&mut self.phase, Phase::Observe { again: false }) {
            // Either way the shadow projection is gone now (or never will swap): the next
            // look ends this runner.
            Phase::Swapping { .. } => None,
            Phase::Committing(_) if commit == Commit::Refused => None,
            Phase::Committing(outcome) => Some(self.settle(outcome)),
            other => {
                self.phase = other;
                self.out_of_turn("committed");
                None
            }
        }
    }

    /// Reports that carrying out the last command failed: the runner waits, then starts the
    /// batch over from a fresh look at the state.
    pub fn failed(&mut self, error: String) {
        if matches!(self.phase, Phase::Exited) {
            return;
        }
        self.state = RunState::Running;
        self.error = Some(error);
        self.phase = Phase::Retry;
    }

    /// Every partition is read: map what was read, or, with nothing, wait or swap.
    fn read_all(&mut self, batch: Batch) -> (Phase, Command) {
        if batch.events > 0 {
            let stop_at_first = batch.on_error == ErrorPolicy::Stop;
            return (Phase::Mapping(batch), Command::Map { stop_at_first });
        }
        self.state = RunState::Running;
        if let Some(target) = batch.replaces {
            let command = Command::Swap {
                target: target.clone(),
            };
            return (Phase::Swapping { target }, command);
        }
        let positions = batch
            .partitions
            .iter()
            .map(|p| (p.id, batch.from(p).1))
            .collect();
        (Phase::Observe { again: false }, Command::Idle { positions })
    }

    /// The batch committed: count it and say where the projection stands.
    fn settle(&mut self, outcome: Outcome) -> Tally {
        let rejected = outcome.mapped.rejected.len() as u64;
        let tally = Tally {
            applied: outcome.mapped.applied,
            ignored: outcome.mapped.ignored,
            skipped: if outcome.on_error == ErrorPolicy::Skip {
                rejected
            } else {
                0
            },
            dead_lettered: outcome.dead_lettered,
        };
        self.state = RunState::Running;
        if let Some(last) = outcome.mapped.rejected.last() {
            self.error = Some(format!(
                "{}/{}@{}: {}",
                outcome.topic, last.partition, last.offset, last.reason
            ));
            if outcome.stop.is_some() {
                self.state = RunState::Failed;
                self.phase = Phase::Exited;
            }
        }
        tally
    }

    /// A report that does not answer the last command is a bug of the caller's; the runner
    /// keeps its course.
    fn out_of_turn(&self, report: &str) {
        debug_assert!(false, "{report} reported out of turn in {:?}", self.phase);
    }
}

impl Batch {
    /// Where the batch reads `partition`: (the projection's position, where reading starts).
    fn from(&self, partition: &PartitionView) -> (u64, u64) {
        let position = self
            .positions
            .get(&partition.id)
            .copied()
            .unwrap_or(partition.start);
        (position, position.max(partition.start))
    }

    /// The next partition to read, if the batch has room; partitions with nothing past
    /// where reading would start are passed over without a read.
    fn next_read(&mut self, limits: Limits) -> Option<Command> {
        if let Some((partition, _, from)) = self.reading {
            return Some(self.read_command(partition, from, limits));
        }
        while let Some(partition) = self.partitions.get(self.next).copied() {
            if self.events >= limits.max_events {
                return None;
            }
            self.next += 1;
            let (position, from) = self.from(&partition);
            if partition.end <= from {
                self.record(PartitionRead {
                    partition: partition.id,
                    position,
                    from,
                    next: from,
                });
                continue;
            }
            self.reading = Some((partition.id, position, from));
            return Some(self.read_command(partition.id, from, limits));
        }
        None
    }

    fn read_command(&self, partition: u32, from: u64, limits: Limits) -> Command {
        Command::Read {
            partition,
            from,
            max_records: limits.max_events.saturating_sub(self.events),
            max_bytes: limits.max_bytes,
        }
    }

    /// Keeps a partition's read if it moves the projection: it read events, or it starts
    /// past the position.
    fn record(&mut self, read: PartitionRead) {
        if read.next > read.from || read.from > read.position {
            self.reads.push(read);
        }
    }
}

#[cfg(test)]
mod tests;
