//! Projection runners driven against a model of the log and the ledger, while events arrive,
//! retention removes old ones, I/O fails, runners crash and two runners race for one
//! projection: whatever happens, every event the projection reads applies exactly once, no
//! event that does not fit ever applies, `DEAD LETTER` loses none of them, and `STOP` never
//! moves past one.

use std::collections::BTreeMap;

use driftdb_projector::projection::runner::{
    Command, Commit, Limits, Mapped, PartitionView, Read, Rejection, RunState, Runner,
};
use driftdb_projector::projection::{
    ErrorPolicy, ProjectionDef, ProjectionOp, Projections, Source, Start,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const TABLE: &str = "orders";
const PARTITIONS: usize = 3;
/// Most events a model read returns, standing in for the byte limit.
const READ_CAP: usize = 3;

#[derive(Debug, Clone)]
enum Event {
    /// An event arrives in a partition; `fits`: it maps to a row.
    Append { partition: usize, fits: bool },
    /// Retention removes a partition's oldest events.
    Retain { partition: usize, count: u64 },
    /// A runner carries out its next command; `fail`: the I/O fails.
    Step { runner: usize, fail: bool },
    /// A runner's thread dies (the server is killed); a new one starts.
    Crash { runner: usize },
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        6 => (0..PARTITIONS, prop::bool::weighted(0.8))
            .prop_map(|(partition, fits)| Event::Append { partition, fits }),
        1 => (0..PARTITIONS, 1..3u64).prop_map(|(partition, count)| Event::Retain { partition, count }),
        12 => (0..2usize, prop::bool::weighted(0.1)).prop_map(|(runner, fail)| Event::Step { runner, fail }),
        1 => (0..2usize).prop_map(|runner| Event::Crash { runner }),
    ]
}

fn policy() -> impl Strategy<Value = ErrorPolicy> {
    prop_oneof![
        Just(ErrorPolicy::Stop),
        Just(ErrorPolicy::Skip),
        Just(ErrorPolicy::DeadLetter("orders-dlq".into())),
    ]
}

/// One source partition: whether each event fits, and the oldest retained offset.
#[derive(Debug, Default)]
struct Partition {
    fits: Vec<bool>,
    start: u64,
}

/// The log, the ledger's view of the projection, and what reached the table and the
/// dead-letter topic.
#[derive(Debug)]
struct World {
    partitions: Vec<Partition>,
    projections: Projections,
    /// How many times each event's row change committed.
    applied: BTreeMap<(u32, u64), u32>,
    dead_lettered: BTreeMap<(u32, u64), u32>,
}

impl World {
    fn new(on_error: ErrorPolicy) -> World {
        let mut projections = Projections::default();
        let def = ProjectionDef {
            name: TABLE.into(),
            topic: "events".into(),
            version: 1,
            columns: vec![Source::Key],
            event_type: None,
            rules: vec![],
            start: Start::Beginning,
            on_error,
            text: String::new(),
        };
        projections
            .apply(&ProjectionOp::Create {
                table: TABLE.into(),
                def: Box::new(def),
                offsets: BTreeMap::new(),
                replaces: None,
            })
            .expect("create");
        World {
            partitions: (0..PARTITIONS).map(|_| Partition::default()).collect(),
            projections,
            applied: BTreeMap::new(),
            dead_lettered: BTreeMap::new(),
        }
    }

    fn views(&self) -> Vec<PartitionView> {
        self.partitions
            .iter()
            .enumerate()
            .map(|(id, p)| PartitionView {
                id: id as u32,
                start: p.start,
                end: p.fits.len() as u64,
            })
            .collect()
    }

    /// Where the projection effectively is in `partition`.
    fn position(&self, partition: u32) -> u64 {
        let start = self.partitions[partition as usize].start;
        self.projections
            .get(TABLE)
            .and_then(|s| s.offsets.get(&partition).copied())
            .map_or(start, |p| p.max(start))
    }
}

/// A runner's thread: the machine and what it holds of the batch in flight.
struct Driver {
    runner: Runner,
    /// Events read: (partition, offset, fits).
    read: Vec<(u32, u64, bool)>,
    /// The row changes mapped, by event.
    rows: Vec<(u32, u64)>,
}

impl Driver {
    fn new(max_events: usize) -> Driver {
        Driver {
            runner: Runner::new(Limits {
                max_events,
                max_bytes: 1 << 20,
            }),
            read: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Carries out the runner's next command against `world`; returns it.
    fn step(&mut self, world: &mut World, fail: bool) -> Result<Command, TestCaseError> {
        let command = self.runner.command();
        let fails = fail
            && matches!(
                command,
                Command::Observe
                    | Command::Read { .. }
                    | Command::DeadLetter { .. }
                    | Command::Commit { .. }
            );
        if fails {
            self.runner.failed("injected I/O error".into());
            return Ok(command);
        }
        match &command {
            Command::Observe => {
                self.read.clear();
                self.rows.clear();
                let state = world.projections.get(TABLE).cloned();
                self.runner.observed(state.as_ref(), Some(&world.views()));
            }
            &Command::Read {
                partition,
                from,
                max_records,
                ..
            } => {
                let p = &world.partitions[partition as usize];
                if from < p.start {
                    self.runner.read(Read::Moved);
                } else {
                    let end = (p.fits.len() as u64).min(from + max_records.min(READ_CAP) as u64);
                    for offset in from..end {
                        self.read.push((partition, offset, p.fits[offset as usize]));
                    }
                    self.runner.read(Read::Events {
                        count: (end.saturating_sub(from)) as usize,
                        next: end.max(from),
                    });
                }
            }
            &Command::Map { stop_at_first } => {
                let mut mapped = Mapped::default();
                for &(partition, offset, fits) in &self.read {
                    if fits {
                        self.rows.push((partition, offset));
                        mapped.applied += 1;
                        continue;
                    }
                    mapped.rejected.push(Rejection {
                        partition,
                        offset,
                        reason: "does not fit".into(),
                    });
                    if stop_at_first {
                        break;
                    }
                }
                self.runner.mapped(mapped);
            }
            Command::DeadLetter { events, .. } => {
                for e in events {
                    *world
                        .dead_lettered
                        .entry((e.partition, e.offset))
                        .or_default() += 1;
                }
                self.runner.dead_lettered(events.len() as u64);
            }
            Command::Commit { progress } => {
                if progress.is_empty() {
                    prop_assert!(self.rows.is_empty(), "row changes without progress");
                    self.runner.committed(Commit::Done);
                } else {
                    let op = ProjectionOp::Progress {
                        table: TABLE.into(),
                        advances: progress.clone(),
                    };
                    match world.projections.apply(&op) {
                        Ok(()) => {
                            for row in self.rows.drain(..) {
                                let times = world.applied.entry(row).or_default();
                                *times += 1;
                                prop_assert_eq!(*times, 1, "event {:?} applied twice", row);
                            }
                            self.runner.committed(Commit::Done);
                        }
                        Err(driftdb_projector::Error::Conflict { .. }) => {
                            self.runner.committed(Commit::Refused);
                        }
                        Err(e) => return Err(TestCaseError::fail(e.to_string())),
                    }
                }
            }
            Command::Swap { .. } => return Err(TestCaseError::fail("no rebuild here")),
            Command::Idle { .. } | Command::Retry | Command::Exit => {}
        }
        Ok(command)
    }
}

fn run(on_error: ErrorPolicy, max_events: usize, events: Vec<Event>) -> Result<(), TestCaseError> {
    let mut world = World::new(on_error.clone());
    let mut drivers = [Driver::new(max_events), Driver::new(max_events)];
    for event in events {
        match event {
            Event::Append { partition, fits } => world.partitions[partition].fits.push(fits),
            Event::Retain { partition, count } => {
                let p = &mut world.partitions[partition];
                p.start = (p.start + count).min(p.fits.len() as u64);
            }
            Event::Step { runner, fail } => {
                drivers[runner].step(&mut world, fail)?;
            }
            Event::Crash { runner } => drivers[runner] = Driver::new(max_events),
        }
    }
    // Quiet now: a fresh runner (the server restarted) runs until it has nothing to read.
    let mut driver = Driver::new(max_events);
    let mut last = Command::Observe;
    for _ in 0..10_000 {
        last = driver.step(&mut world, false)?;
        if matches!(last, Command::Idle { .. } | Command::Exit) {
            break;
        }
    }
    prop_assert!(
        matches!(last, Command::Idle { .. } | Command::Exit),
        "the runner never settled"
    );

    let mut stopped_at_a_bad_event = false;
    for (id, p) in world.partitions.iter().enumerate() {
        let id = id as u32;
        let position = world.position(id);
        let end = p.fits.len() as u64;
        for offset in p.start..end {
            let applied = world.applied.get(&(id, offset)).copied().unwrap_or(0);
            let dead = world.dead_lettered.get(&(id, offset)).copied().unwrap_or(0);
            let fits = p.fits[offset as usize];
            if offset >= position {
                prop_assert_eq!(
                    applied,
                    0,
                    "{}@{} is past the position {}",
                    id,
                    offset,
                    position
                );
            } else if fits {
                prop_assert_eq!(applied, 1, "{}@{} was not applied", id, offset);
            } else {
                prop_assert_eq!(applied, 0, "{}@{} does not fit but applied", id, offset);
                match &on_error {
                    ErrorPolicy::Stop => {
                        prop_assert!(false, "STOP moved past {}@{}", id, offset)
                    }
                    ErrorPolicy::Skip => {}
                    ErrorPolicy::DeadLetter(_) => {
                        prop_assert!(dead >= 1, "{}@{} was not dead-lettered", id, offset)
                    }
                }
            }
        }
        if position < end {
            prop_assert!(
                on_error == ErrorPolicy::Stop,
                "partition {} not caught up",
                id
            );
            stopped_at_a_bad_event |= !p.fits[position as usize];
        }
    }
    let behind = world
        .partitions
        .iter()
        .enumerate()
        .any(|(id, p)| world.position(id as u32) < p.fits.len() as u64);
    if behind {
        prop_assert!(stopped_at_a_bad_event, "behind without a reason");
        prop_assert_eq!(driver.runner.state().0, &RunState::Failed);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_event_applies_once_whatever_the_runners_go_through(
        on_error in policy(),
        max_events in 1..6usize,
        events in prop::collection::vec(event(), 0..200),
    ) {
        run(on_error, max_events, events)?;
    }
}
