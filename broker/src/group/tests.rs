//! Coordinator behaviour, driven by hand with explicit times: no sockets, no sleeps.

use std::collections::BTreeSet;

use super::*;

const SESSION: i64 = 10_000_000; // 10 s in µs

fn partitions(topic: &str) -> Option<u32> {
    match topic {
        "orders" => Some(6),
        "payments" => Some(3),
        _ => None,
    }
}

fn req(member: Option<&str>, topics: &[&str], strategy: Strategy) -> JoinRequest {
    JoinRequest {
        member_id: member.map(str::to_string),
        topics: topics
            .iter()
            .map(|t| t.to_string())
            .collect::<BTreeSet<_>>(),
        strategy,
        session_timeout_micros: SESSION,
    }
}

fn member_id(s: &JoinState) -> String {
    match s {
        JoinState::Pending { member_id, .. } | JoinState::Assigned { member_id, .. } => {
            member_id.clone()
        }
    }
}

fn parts(s: &JoinState) -> Vec<TopicPartition> {
    match s {
        JoinState::Assigned { partitions, .. } => partitions.clone(),
        JoinState::Pending { .. } => panic!("expected an assignment, got {s:?}"),
    }
}

/// Joins three members to `orders` and brings the group to a stable state.
fn three_members(c: &mut Coordinator, strategy: Strategy) -> Vec<String> {
    let a = member_id(
        &c.join("g", req(None, &["orders"], strategy), 0, &partitions)
            .unwrap(),
    );
    let b = member_id(
        &c.join("g", req(None, &["orders"], strategy), 1, &partitions)
            .unwrap(),
    );
    let cc = member_id(
        &c.join("g", req(None, &["orders"], strategy), 2, &partitions)
            .unwrap(),
    );
    // Every join started a rebalance; the earlier members rejoin.
    c.join("g", req(Some(&a), &["orders"], strategy), 3, &partitions)
        .unwrap();
    let last = c
        .join("g", req(Some(&b), &["orders"], strategy), 4, &partitions)
        .unwrap();
    assert!(
        matches!(last, JoinState::Assigned { .. }),
        "all rejoined: {last:?}"
    );
    vec![a, b, cc]
}

#[test]
fn a_lone_member_gets_every_partition() {
    let mut c = Coordinator::new();
    let s = c
        .join(
            "g",
            req(None, &["orders", "payments"], Strategy::Range),
            0,
            &partitions,
        )
        .unwrap();
    let JoinState::Assigned {
        generation,
        partitions: p,
        ..
    } = s
    else {
        panic!("{s:?}")
    };
    assert_eq!(generation, 1);
    assert_eq!(p.len(), 9);
}

#[test]
fn range_and_round_robin_split_partitions_evenly_and_disjointly() {
    for strategy in [Strategy::Range, Strategy::RoundRobin] {
        let mut c = Coordinator::new();
        let ids = three_members(&mut c, strategy);
        let mut all = Vec::new();
        for id in &ids {
            let p = parts(&c.poll("g", id, 5, &partitions).unwrap());
            assert_eq!(p.len(), 2, "{strategy:?}: {p:?}");
            all.extend(p);
        }
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 6, "{strategy:?}: every partition exactly once");
    }
    // Range hands out contiguous runs; round-robin deals them out.
    let mut c = Coordinator::new();
    let ids = three_members(&mut c, Strategy::Range);
    let first = parts(&c.poll("g", &ids[0], 5, &partitions).unwrap());
    assert_eq!(
        first.iter().map(|tp| tp.partition).collect::<Vec<_>>(),
        vec![0, 1]
    );
}

#[test]
fn a_leave_rebalances_the_rest_and_fences_the_old_generation() {
    let mut c = Coordinator::new();
    let ids = three_members(&mut c, Strategy::Range);
    let old_gen = match c.poll("g", &ids[1], 5, &partitions).unwrap() {
        JoinState::Assigned { generation, .. } => generation,
        s => panic!("{s:?}"),
    };
    c.leave("g", &ids[2], 6, &partitions).unwrap();
    // The others learn of the rebalance from their heartbeat and rejoin.
    assert_eq!(
        c.heartbeat("g", &ids[0], old_gen, 7).unwrap(),
        Heartbeat::RejoinNeeded {
            generation: old_gen + 1
        }
    );
    // A commit in the old generation is refused.
    let tp = TopicPartition {
        topic: "orders".into(),
        partition: 0,
    };
    assert!(matches!(
        c.authorize_commit("g", &ids[0], i64::from(old_gen), std::slice::from_ref(&tp)),
        Err(Error::StaleGeneration { .. })
    ));
    assert!(matches!(
        c.join(
            "g",
            req(Some(&ids[0]), &["orders"], Strategy::Range),
            8,
            &partitions
        )
        .unwrap(),
        JoinState::Pending { .. }
    ));
    let b = c
        .join(
            "g",
            req(Some(&ids[1]), &["orders"], Strategy::Range),
            9,
            &partitions,
        )
        .unwrap();
    assert_eq!(parts(&b).len(), 3);
    let a = c.poll("g", &ids[0], 10, &partitions).unwrap();
    assert_eq!(parts(&a).len(), 3);
    let new_gen = i64::from(old_gen + 1);
    c.authorize_commit("g", &ids[0], new_gen, &parts(&a))
        .unwrap();
    // Owning a partition is required: a's commit for b's partition is refused.
    assert!(matches!(
        c.authorize_commit("g", &ids[0], new_gen, &parts(&b)[..1]),
        Err(Error::NotAssigned { .. })
    ));
    // The departed member is unknown now.
    assert!(matches!(
        c.heartbeat("g", &ids[2], old_gen, 11),
        Err(Error::UnknownMember { .. })
    ));
}

#[test]
fn a_member_that_stops_heartbeating_is_removed() {
    let mut c = Coordinator::new();
    let ids = three_members(&mut c, Strategy::RoundRobin);
    for t in [SESSION / 2, SESSION] {
        c.heartbeat("g", &ids[0], 4, 4 + t).unwrap();
        c.heartbeat("g", &ids[1], 4, 4 + t).unwrap();
    }
    let changed = c.tick(4 + SESSION + 1_000_000, &partitions);
    assert_eq!(changed, vec!["g".to_string()]);
    let desc = c.describe("g").unwrap();
    assert_eq!(desc.members.len(), 2);
    assert!(!desc.stable);
}

#[test]
fn a_member_that_does_not_rejoin_is_dropped_at_the_deadline() {
    let mut c = Coordinator::new();
    let ids = three_members(&mut c, Strategy::Range);
    let late = c
        .join(
            "g",
            req(None, &["orders"], Strategy::Range),
            100,
            &partitions,
        )
        .unwrap();
    assert!(matches!(late, JoinState::Pending { .. }));
    c.join(
        "g",
        req(Some(&ids[0]), &["orders"], Strategy::Range),
        101,
        &partitions,
    )
    .unwrap();
    c.join(
        "g",
        req(Some(&ids[1]), &["orders"], Strategy::Range),
        102,
        &partitions,
    )
    .unwrap();
    // ids[2] never rejoins but keeps heartbeating, as do the others; the deadline passes.
    let late = member_id(&late);
    for id in [&ids[0], &ids[1], &ids[2], &late] {
        c.heartbeat("g", id, 5, 100 + SESSION).unwrap();
    }
    c.tick(100 + SESSION + 1, &partitions);
    let desc = c.describe("g").unwrap();
    assert!(desc.stable);
    assert_eq!(desc.members.len(), 3);
    assert!(
        desc.members
            .iter()
            .all(|(id, p)| id != &ids[2] && p.len() == 2)
    );
}

#[test]
fn bad_joins_are_refused() {
    let mut c = Coordinator::new();
    assert!(matches!(
        c.join("g", req(None, &["nope"], Strategy::Range), 0, &partitions),
        Err(Error::UnknownTopic(_))
    ));
    assert!(matches!(
        c.join("g", req(None, &[], Strategy::Range), 0, &partitions),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        c.join("", req(None, &["orders"], Strategy::Range), 0, &partitions),
        Err(Error::InvalidArgument(_))
    ));
    c.join("g", req(None, &["orders"], Strategy::Range), 0, &partitions)
        .unwrap();
    assert!(matches!(
        c.join(
            "g",
            req(None, &["orders"], Strategy::RoundRobin),
            0,
            &partitions
        ),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        c.join(
            "g",
            req(Some("ghost"), &["orders"], Strategy::Range),
            0,
            &partitions
        ),
        Err(Error::UnknownMember { .. })
    ));
}

#[test]
fn standalone_consumers_commit_only_to_groups_without_members() {
    let mut c = Coordinator::new();
    let tp = TopicPartition {
        topic: "orders".into(),
        partition: 0,
    };
    c.authorize_commit("solo", "", -1, std::slice::from_ref(&tp))
        .unwrap();
    c.join("g", req(None, &["orders"], Strategy::Range), 0, &partitions)
        .unwrap();
    assert!(c.authorize_commit("g", "", -1, &[tp]).is_err());
}
