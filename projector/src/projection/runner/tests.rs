//! Each decision of the runner, fed observations by hand.

use super::*;
use crate::projection::{ProjectionDef, Source, Start};

const LIMITS: Limits = Limits {
    max_events: 5,
    max_bytes: 1 << 20,
};

fn state(on_error: ErrorPolicy, offsets: &[(u32, u64)]) -> ProjectionState {
    ProjectionState {
        def: ProjectionDef {
            name: "orders".into(),
            topic: "events".into(),
            version: 1,
            columns: vec![Source::Key],
            event_type: None,
            rules: vec![],
            start: Start::Beginning,
            on_error,
            text: String::new(),
        },
        offsets: offsets.iter().copied().collect(),
        paused: false,
        replaces: None,
    }
}

fn partitions(spans: &[(u64, u64)]) -> Vec<PartitionView> {
    spans
        .iter()
        .enumerate()
        .map(|(id, &(start, end))| PartitionView {
            id: id as u32,
            start,
            end,
        })
        .collect()
}

fn read(partition: u32, from: u64, max_records: usize) -> Command {
    Command::Read {
        partition,
        from,
        max_records,
        max_bytes: LIMITS.max_bytes,
    }
}

fn advance(partition: u32, from: u64, to: u64) -> Advance {
    Advance {
        partition,
        from,
        to,
    }
}

fn rejection(partition: u32, offset: u64) -> Rejection {
    Rejection {
        partition,
        offset,
        reason: "the value is not JSON".into(),
    }
}

/// A runner that has looked at `state` over `spans` and read `reads` ((partition, from,
/// count) each, as it asks for them), and is now asked for its next command.
fn after_reads(
    state: &ProjectionState,
    spans: &[(u64, u64)],
    reads: &[(u32, u64, usize)],
) -> Runner {
    let mut runner = Runner::new(LIMITS);
    assert_eq!(runner.command(), Command::Observe);
    runner.observed(Some(state), Some(&partitions(spans)));
    let mut events = 0;
    for &(partition, from, count) in reads {
        assert_eq!(
            runner.command(),
            read(partition, from, LIMITS.max_events - events)
        );
        runner.read(Read::Events {
            count,
            next: from + count as u64,
        });
        events += count;
    }
    runner
}

#[test]
fn a_batch_reads_partitions_in_order_until_it_is_full_and_commits_its_progress_with_it() {
    let s = state(ErrorPolicy::Skip, &[(0, 2)]);
    let mut runner = after_reads(&s, &[(0, 5), (0, 9), (0, 4)], &[(0, 2, 3), (1, 0, 2)]);
    // Five events read: partition 2 waits for the next batch.
    assert_eq!(
        runner.command(),
        Command::Map {
            stop_at_first: false
        }
    );
    runner.mapped(Mapped {
        applied: 4,
        ignored: 1,
        rejected: vec![],
    });
    assert_eq!(
        runner.command(),
        Command::Commit {
            progress: vec![advance(0, 2, 5), advance(1, 0, 2)]
        }
    );
    let tally = runner.committed(Commit::Done);
    assert_eq!(
        tally,
        Some(Tally {
            applied: 4,
            ignored: 1,
            ..Tally::default()
        })
    );
    assert_eq!(runner.state(), (&RunState::Running, None));
    assert_eq!(runner.command(), Command::Observe);
}

#[test]
fn a_read_cut_short_leaves_room_for_the_next_partition() {
    // The byte limit can end a read early: the next partition gets what is left.
    let s = state(ErrorPolicy::Skip, &[]);
    let mut runner = after_reads(&s, &[(0, 9), (0, 9)], &[(0, 0, 2)]);
    assert_eq!(runner.command(), read(1, 0, 3));
}

#[test]
fn partitions_with_nothing_new_are_not_read_and_an_empty_batch_idles() {
    let s = state(ErrorPolicy::Skip, &[(0, 3)]);
    let mut runner = Runner::new(LIMITS);
    runner.command();
    runner.observed(Some(&s), Some(&partitions(&[(0, 3), (4, 4)])));
    assert_eq!(
        runner.command(),
        Command::Idle {
            positions: vec![(0, 3), (1, 4)]
        }
    );
    assert_eq!(runner.state(), (&RunState::Running, None));
    assert_eq!(runner.command(), Command::Observe);
}

#[test]
fn retention_past_the_position_moves_the_projection_to_the_oldest_event() {
    let s = state(ErrorPolicy::Skip, &[(0, 2), (1, 1)]);
    let mut runner = Runner::new(LIMITS);
    runner.command();
    runner.observed(Some(&s), Some(&partitions(&[(5, 7), (3, 6)])));
    assert_eq!(runner.command(), read(0, 5, 5));
    runner.read(Read::Events { count: 2, next: 7 });
    // Retention moved again between the look and the read: nothing from this partition.
    assert_eq!(runner.command(), read(1, 3, 3));
    runner.read(Read::Moved);
    assert_eq!(
        runner.command(),
        Command::Map {
            stop_at_first: false
        }
    );
    runner.mapped(Mapped {
        applied: 2,
        ..Mapped::default()
    });
    assert_eq!(
        runner.command(),
        Command::Commit {
            progress: vec![advance(0, 2, 7)]
        }
    );
}

#[test]
fn stop_commits_the_events_before_the_bad_one_and_fails_there() {
    let s = state(ErrorPolicy::Stop, &[]);
    let mut runner = after_reads(
        &s,
        &[(0, 2), (0, 2), (0, 1)],
        &[(0, 0, 2), (1, 0, 2), (2, 0, 1)],
    );
    assert_eq!(
        runner.command(),
        Command::Map {
            stop_at_first: true
        }
    );
    runner.mapped(Mapped {
        applied: 3,
        ignored: 0,
        rejected: vec![rejection(1, 1)],
    });
    // Partition 0 is done, partition 1 stops at the bad event, partition 2 waits.
    assert_eq!(
        runner.command(),
        Command::Commit {
            progress: vec![advance(0, 0, 2), advance(1, 0, 1)]
        }
    );
    assert_eq!(
        runner.committed(Commit::Done),
        Some(Tally {
            applied: 3,
            ..Tally::default()
        })
    );
    assert_eq!(
        runner.state(),
        (&RunState::Failed, Some("events/1@1: the value is not JSON"))
    );
    assert_eq!(runner.command(), Command::Exit);
}

#[test]
fn stop_at_the_very_first_event_commits_nothing_and_fails() {
    let s = state(ErrorPolicy::Stop, &[(0, 4)]);
    let mut runner = after_reads(&s, &[(0, 6)], &[(0, 4, 2)]);
    runner.command();
    runner.mapped(Mapped {
        rejected: vec![rejection(0, 4)],
        ..Mapped::default()
    });
    assert_eq!(runner.command(), Command::Commit { progress: vec![] });
    runner.committed(Commit::Done);
    assert_eq!(runner.state().0, &RunState::Failed);
    assert_eq!(runner.command(), Command::Exit);
}

#[test]
fn skip_counts_what_does_not_fit_and_moves_past_it() {
    let s = state(ErrorPolicy::Skip, &[]);
    let mut runner = after_reads(&s, &[(0, 4)], &[(0, 0, 4)]);
    runner.command();
    runner.mapped(Mapped {
        applied: 2,
        ignored: 0,
        rejected: vec![rejection(0, 1), rejection(0, 3)],
    });
    assert_eq!(
        runner.command(),
        Command::Commit {
            progress: vec![advance(0, 0, 4)]
        }
    );
    assert_eq!(
        runner.committed(Commit::Done),
        Some(Tally {
            applied: 2,
            skipped: 2,
            ..Tally::default()
        })
    );
    // The projection runs on, showing the last event it skipped.
    assert_eq!(
        runner.state(),
        (
            &RunState::Running,
            Some("events/0@3: the value is not JSON")
        )
    );
    assert_eq!(runner.command(), Command::Observe);
}

#[test]
fn dead_letters_are_appended_before_the_batch_commits_and_again_after_a_failure() {
    let s = state(ErrorPolicy::DeadLetter("orders-dlq".into()), &[]);
    for attempt in 0..2 {
        let mut runner = after_reads(&s, &[(0, 3)], &[(0, 0, 3)]);
        runner.command();
        runner.mapped(Mapped {
            applied: 2,
            ignored: 0,
            rejected: vec![rejection(0, 1)],
        });
        assert_eq!(
            runner.command(),
            Command::DeadLetter {
                topic: "orders-dlq".into(),
                events: vec![rejection(0, 1)]
            }
        );
        runner.dead_lettered(1);
        assert_eq!(
            runner.command(),
            Command::Commit {
                progress: vec![advance(0, 0, 3)]
            }
        );
        if attempt == 0 {
            // The commit fails after the dead letter went out: the batch starts over (and
            // the event is dead-lettered again, never lost).
            runner.failed("disk full".into());
            assert_eq!(runner.state(), (&RunState::Running, Some("disk full")));
            assert_eq!(runner.command(), Command::Retry);
            assert_eq!(runner.command(), Command::Observe);
            continue;
        }
        assert_eq!(
            runner.committed(Commit::Done),
            Some(Tally {
                applied: 2,
                dead_lettered: 1,
                ..Tally::default()
            })
        );
    }
}

#[test]
fn a_refused_commit_counts_nothing_and_looks_again() {
    let s = state(ErrorPolicy::Stop, &[]);
    let mut runner = after_reads(&s, &[(0, 3)], &[(0, 0, 3)]);
    runner.command();
    runner.mapped(Mapped {
        rejected: vec![rejection(0, 2)],
        applied: 2,
        ..Mapped::default()
    });
    runner.command();
    // Not even the stop counts: the batch was read before the projection changed.
    assert_eq!(runner.committed(Commit::Refused), None);
    assert_eq!(runner.state(), (&RunState::Starting, None));
    assert_eq!(runner.command(), Command::Observe);
}

#[test]
fn a_projection_gone_or_paused_ends_its_runner_after_a_second_look() {
    let mut runner = Runner::new(LIMITS);
    runner.command();
    runner.observed(None, None);
    // A RESUME or a re-create may have just committed.
    assert_eq!(runner.command(), Command::Observe);
    let s = state(ErrorPolicy::Skip, &[]);
    runner.observed(Some(&s), Some(&partitions(&[(0, 1)])));
    assert_eq!(runner.command(), read(0, 0, 5));

    let paused = ProjectionState { paused: true, ..s };
    let mut runner = Runner::new(LIMITS);
    for _ in 0..2 {
        assert_eq!(runner.command(), Command::Observe);
        runner.observed(Some(&paused), Some(&partitions(&[(0, 1)])));
        assert_eq!(runner.state().0, &RunState::Paused);
    }
    assert_eq!(runner.command(), Command::Exit);
}

#[test]
fn a_projection_whose_topic_does_not_exist_waits() {
    let s = state(ErrorPolicy::Skip, &[]);
    let mut runner = Runner::new(LIMITS);
    runner.command();
    runner.observed(Some(&s), None);
    assert_eq!(runner.command(), Command::Idle { positions: vec![] });
    assert_eq!(runner.state().0, &RunState::WaitingForTopic);
    assert_eq!(runner.command(), Command::Observe);
}

#[test]
fn a_rebuild_that_caught_up_swaps_in_and_its_runner_ends() {
    let rebuild = ProjectionState {
        replaces: Some("orders".into()),
        ..state(ErrorPolicy::Skip, &[(0, 3)])
    };
    let mut runner = after_reads(&rebuild, &[(0, 5)], &[(0, 3, 2)]);
    // Still reading: no swap yet.
    assert_eq!(
        runner.command(),
        Command::Map {
            stop_at_first: false
        }
    );
    runner.mapped(Mapped {
        applied: 2,
        ..Mapped::default()
    });
    runner.command();
    runner.committed(Commit::Done);
    assert_eq!(runner.command(), Command::Observe);
    let caught_up = ProjectionState {
        offsets: [(0, 5)].into(),
        ..rebuild
    };
    runner.observed(Some(&caught_up), Some(&partitions(&[(0, 5)])));
    assert_eq!(
        runner.command(),
        Command::Swap {
            target: "orders".into()
        }
    );
    assert_eq!(runner.committed(Commit::Done), None);
    // The shadow projection is the projection now; this runner finds it gone.
    for _ in 0..2 {
        assert_eq!(runner.command(), Command::Observe);
        runner.observed(None, None);
    }
    assert_eq!(runner.command(), Command::Exit);
}

#[test]
fn a_failure_anywhere_retries_from_a_fresh_look() {
    let s = state(ErrorPolicy::Skip, &[]);
    let mut runner = after_reads(&s, &[(0, 3), (0, 3)], &[(0, 0, 3)]);
    assert_eq!(runner.command(), read(1, 0, 2));
    runner.failed("segment 0 is corrupt".into());
    assert_eq!(runner.command(), Command::Retry);
    assert_eq!(runner.command(), Command::Observe);
    runner.observed(Some(&s), Some(&partitions(&[(0, 3), (0, 3)])));
    // The batch starts over: nothing read before the failure counts.
    assert_eq!(runner.command(), read(0, 0, 5));
    assert_eq!(
        runner.state(),
        (&RunState::Running, Some("segment 0 is corrupt"))
    );
}

#[test]
fn a_command_not_yet_reported_is_asked_again() {
    let s = state(ErrorPolicy::Skip, &[]);
    let mut runner = after_reads(&s, &[(0, 3)], &[]);
    assert_eq!(runner.command(), read(0, 0, 5));
    assert_eq!(runner.command(), read(0, 0, 5));
}
