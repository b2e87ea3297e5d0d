//! Consumer groups: membership, generations, partition assignment and committed offsets.
//!
//! [`Coordinator`] is a state machine with no I/O and no clock of its own: every call takes
//! the current time, and [`Coordinator::tick`] expires members whose session ran out. The gRPC
//! layer performs what it returns (answering joins, waking waiters); [`offsets::OffsetStore`]
//! keeps commits durably in the compacted system topic `__consumer_offsets`.
//!
//! The protocol follows Kafka's, with assignment done by the coordinator:
//! - A member joins with the topics it wants and the group's strategy. Any change of
//!   membership (a join, a leave, a member whose session expired) starts a rebalance: the
//!   generation goes up and every member must join again. When all have rejoined, or the
//!   rebalance deadline passes (members that did not rejoin are dropped), the coordinator
//!   assigns partitions with the group's strategy and the group is stable.
//! - Heartbeats keep a member alive and tell it when a rebalance started.
//! - A commit is accepted only from a current member, in the current generation of a stable
//!   group, for partitions assigned to it; a stale member's commit is refused, so a member that
//!   lost a partition cannot move its offset back. A group with no members accepts commits
//!   from standalone consumers (generation `-1`).

pub mod offsets;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{Error, Result};

/// How partitions are spread over members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Per topic, contiguous ranges of partitions to members in member-id order (Kafka's
    /// `range`).
    Range,
    /// All partitions of all topics dealt out one by one to the members subscribed to each
    /// (Kafka's `roundrobin`).
    RoundRobin,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: u32,
}

/// What a joining member asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequest {
    /// `None` for a new member; the coordinator assigns an id.
    pub member_id: Option<String>,
    pub topics: BTreeSet<String>,
    pub strategy: Strategy,
    /// A member not heard from for this long is removed.
    pub session_timeout_micros: i64,
}

/// Where a member stands after a join or a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinState {
    /// Waiting for the other members to rejoin; poll again (or wait to be woken).
    Pending { member_id: String, generation: u32 },
    /// The group is stable in `generation`; these partitions are the member's.
    Assigned {
        member_id: String,
        generation: u32,
        partitions: Vec<TopicPartition>,
    },
}

/// The answer to a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heartbeat {
    /// Nothing changed: keep consuming.
    Stable,
    /// A rebalance started: stop, commit what you processed, and join again.
    RejoinNeeded { generation: u32 },
}

#[derive(Debug, Clone)]
struct Member {
    topics: BTreeSet<String>,
    session_timeout: i64,
    last_seen: i64,
    /// Whether the member has joined in the current rebalance.
    rejoined: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Empty,
    Rebalancing { deadline: i64 },
    Stable,
}

#[derive(Debug, Clone)]
struct Group {
    strategy: Strategy,
    generation: u32,
    state: State,
    members: BTreeMap<String, Member>,
    assignment: BTreeMap<String, Vec<TopicPartition>>,
}

/// A snapshot of one group, for describing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    pub name: String,
    pub strategy: Strategy,
    pub generation: u32,
    pub stable: bool,
    pub members: Vec<(String, Vec<TopicPartition>)>,
}

/// The consumer-group coordinator. `partitions_of` tells it how many partitions a topic has
/// (`None` if the topic does not exist); it is asked whenever an assignment is computed.
#[derive(Debug, Default)]
pub struct Coordinator {
    groups: HashMap<String, Group>,
    next_member: u64,
}

impl Coordinator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn join(
        &mut self,
        group: &str,
        req: JoinRequest,
        now: i64,
        partitions_of: &dyn Fn(&str) -> Option<u32>,
    ) -> Result<JoinState> {
        if group.is_empty() {
            return Err(Error::InvalidArgument(
                "a consumer group needs a name".to_string(),
            ));
        }
        if req.topics.is_empty() {
            return Err(Error::InvalidArgument(
                "a group member must subscribe to at least one topic".to_string(),
            ));
        }
        if req.session_timeout_micros <= 0 {
            return Err(Error::InvalidArgument(
                "the session timeout must be positive".to_string(),
            ));
        }
        if let Some(t) = req.topics.iter().find(|t| partitions_of(t).is_none()) {
            return Err(Error::UnknownTopic(t.clone()));
        }
        let member_id = match &req.member_id {
            Some(id) => id.clone(),
            None => {
                self.next_member += 1;
                format!("{group}-{now:x}-{}", self.next_member)
            }
        };
        let g = self
            .groups
            .entry(group.to_string())
            .or_insert_with(|| Group {
                strategy: req.strategy,
                generation: 0,
                state: State::Empty,
                members: BTreeMap::new(),
                assignment: BTreeMap::new(),
            });
        if g.state != State::Empty && g.strategy != req.strategy {
            return Err(Error::InvalidArgument(format!(
                "group {group:?} uses the {:?} strategy, not {:?}",
                g.strategy, req.strategy
            )));
        }
        if req.member_id.is_some() && !g.members.contains_key(&member_id) {
            return Err(Error::UnknownMember {
                group: group.to_string(),
                member: member_id,
            });
        }
        g.strategy = req.strategy;

        let unchanged = g
            .members
            .get(&member_id)
            .is_some_and(|m| m.topics == req.topics);
        let member = Member {
            topics: req.topics,
            session_timeout: req.session_timeout_micros,
            last_seen: now,
            rejoined: true,
        };
        match g.state {
            State::Stable if unchanged => {
                g.members.insert(member_id.clone(), member);
                return Ok(assigned(g, &member_id));
            }
            State::Rebalancing { .. } => {
                g.members.insert(member_id.clone(), member);
            }
            State::Empty | State::Stable => {
                g.members.insert(member_id.clone(), member);
                start_rebalance(g, now, &member_id);
            }
        }
        try_complete(g, now, partitions_of);
        Ok(state_of(g, &member_id))
    }

    /// Asks where a member stands (after a `Pending` join).
    pub fn poll(
        &mut self,
        group: &str,
        member_id: &str,
        now: i64,
        partitions_of: &dyn Fn(&str) -> Option<u32>,
    ) -> Result<JoinState> {
        let g = self.member_group(group, member_id)?;
        if let Some(m) = g.members.get_mut(member_id) {
            m.last_seen = now;
        }
        try_complete(g, now, partitions_of);
        Ok(state_of(g, member_id))
    }

    pub fn heartbeat(
        &mut self,
        group: &str,
        member_id: &str,
        generation: u32,
        now: i64,
    ) -> Result<Heartbeat> {
        let g = self.member_group(group, member_id)?;
        let m = g
            .members
            .get_mut(member_id)
            .ok_or_else(|| unknown(group, member_id))?;
        m.last_seen = now;
        if let State::Rebalancing { .. } = g.state
            && !m.rejoined
        {
            return Ok(Heartbeat::RejoinNeeded {
                generation: g.generation,
            });
        }
        if generation != g.generation {
            return Ok(Heartbeat::RejoinNeeded {
                generation: g.generation,
            });
        }
        Ok(Heartbeat::Stable)
    }

    pub fn leave(
        &mut self,
        group: &str,
        member_id: &str,
        now: i64,
        partitions_of: &dyn Fn(&str) -> Option<u32>,
    ) -> Result<()> {
        let g = self.member_group(group, member_id)?;
        g.members.remove(member_id);
        if g.members.is_empty() {
            g.state = State::Empty;
            g.assignment.clear();
            g.generation += 1;
        } else {
            start_rebalance(g, now, "");
            try_complete(g, now, partitions_of);
        }
        Ok(())
    }

    /// Removes members whose session expired and finishes rebalances past their deadline.
    /// Returns the groups whose state changed (their waiters should be woken).
    pub fn tick(&mut self, now: i64, partitions_of: &dyn Fn(&str) -> Option<u32>) -> Vec<String> {
        let mut changed = Vec::new();
        for (name, g) in &mut self.groups {
            let expired: Vec<String> = g
                .members
                .iter()
                .filter(|(_, m)| now.saturating_sub(m.last_seen) > m.session_timeout)
                .map(|(id, _)| id.clone())
                .collect();
            let before = (g.generation, g.state);
            for id in &expired {
                tracing::info!(group = %name, member = %id, "consumer group member's session expired");
                g.members.remove(id);
            }
            if g.members.is_empty() {
                if g.state != State::Empty {
                    g.state = State::Empty;
                    g.assignment.clear();
                    g.generation += 1;
                }
            } else {
                if !expired.is_empty() {
                    start_rebalance(g, now, "");
                }
                if let State::Rebalancing { deadline } = g.state
                    && now >= deadline
                {
                    g.members.retain(|_, m| m.rejoined);
                }
                try_complete(g, now, partitions_of);
            }
            if (g.generation, g.state) != before {
                changed.push(name.clone());
            }
        }
        changed
    }

    /// Checks that `member_id` in `generation` may commit offsets for `partitions` of `group`.
    pub fn authorize_commit(
        &self,
        group: &str,
        member_id: &str,
        generation: i64,
        partitions: &[TopicPartition],
    ) -> Result<()> {
        let Some(g) = self.groups.get(group) else {
            // No group state: a standalone consumer committing under a group name.
            return if generation < 0 {
                Ok(())
            } else {
                Err(unknown(group, member_id))
            };
        };
        if g.members.is_empty() && generation < 0 {
            return Ok(());
        }
        if !g.members.contains_key(member_id) {
            return Err(unknown(group, member_id));
        }
        if generation != i64::from(g.generation) {
            return Err(Error::StaleGeneration {
                group: group.to_string(),
                current: g.generation,
                received: generation,
            });
        }
        if g.state != State::Stable {
            return Err(Error::RebalanceInProgress {
                group: group.to_string(),
            });
        }
        let owned = g
            .assignment
            .get(member_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if let Some(tp) = partitions.iter().find(|tp| !owned.contains(tp)) {
            return Err(Error::NotAssigned {
                group: group.to_string(),
                member: member_id.to_string(),
                topic: tp.topic.clone(),
                partition: tp.partition,
            });
        }
        Ok(())
    }

    pub fn describe(&self, group: &str) -> Option<GroupDescription> {
        let g = self.groups.get(group)?;
        Some(GroupDescription {
            name: group.to_string(),
            strategy: g.strategy,
            generation: g.generation,
            stable: g.state == State::Stable,
            members: g
                .members
                .keys()
                .map(|id| {
                    (
                        id.clone(),
                        g.assignment.get(id).cloned().unwrap_or_default(),
                    )
                })
                .collect(),
        })
    }

    pub fn groups(&self) -> Vec<String> {
        let mut names: Vec<String> = self.groups.keys().cloned().collect();
        names.sort();
        names
    }

    fn member_group(&mut self, group: &str, member_id: &str) -> Result<&mut Group> {
        match self.groups.get_mut(group) {
            Some(g) if g.members.contains_key(member_id) => Ok(g),
            _ => Err(unknown(group, member_id)),
        }
    }
}

fn unknown(group: &str, member: &str) -> Error {
    Error::UnknownMember {
        group: group.to_string(),
        member: member.to_string(),
    }
}

/// Bumps the generation and asks every member but `rejoined` to join again. The deadline is
/// the longest session timeout: a member that does not rejoin by then is dropped.
fn start_rebalance(g: &mut Group, now: i64, rejoined: &str) {
    g.generation += 1;
    let timeout = g
        .members
        .values()
        .map(|m| m.session_timeout)
        .max()
        .unwrap_or(0);
    g.state = State::Rebalancing {
        deadline: now.saturating_add(timeout),
    };
    g.assignment.clear();
    for (id, m) in &mut g.members {
        m.rejoined = id == rejoined;
    }
}

fn try_complete(g: &mut Group, _now: i64, partitions_of: &dyn Fn(&str) -> Option<u32>) {
    if let State::Rebalancing { .. } = g.state
        && g.members.values().all(|m| m.rejoined)
    {
        g.assignment = assign(g.strategy, &g.members, partitions_of);
        g.state = State::Stable;
    }
}

fn state_of(g: &Group, member_id: &str) -> JoinState {
    match g.state {
        State::Stable => assigned(g, member_id),
        _ => JoinState::Pending {
            member_id: member_id.to_string(),
            generation: g.generation,
        },
    }
}

fn assigned(g: &Group, member_id: &str) -> JoinState {
    JoinState::Assigned {
        member_id: member_id.to_string(),
        generation: g.generation,
        partitions: g.assignment.get(member_id).cloned().unwrap_or_default(),
    }
}

fn assign(
    strategy: Strategy,
    members: &BTreeMap<String, Member>,
    partitions_of: &dyn Fn(&str) -> Option<u32>,
) -> BTreeMap<String, Vec<TopicPartition>> {
    let mut out: BTreeMap<String, Vec<TopicPartition>> =
        members.keys().map(|id| (id.clone(), Vec::new())).collect();
    let topics: BTreeSet<&String> = members.values().flat_map(|m| m.topics.iter()).collect();
    match strategy {
        Strategy::Range => {
            for topic in topics {
                let subscribers: Vec<&String> = members
                    .iter()
                    .filter(|(_, m)| m.topics.contains(topic))
                    .map(|(id, _)| id)
                    .collect();
                let n = partitions_of(topic).unwrap_or(0) as usize;
                let (per, extra) = (n / subscribers.len(), n % subscribers.len());
                let mut next = 0;
                for (i, id) in subscribers.iter().enumerate() {
                    let take = per + usize::from(i < extra);
                    for p in next..next + take {
                        if let Some(v) = out.get_mut(*id) {
                            v.push(TopicPartition {
                                topic: topic.clone(),
                                partition: p as u32,
                            });
                        }
                    }
                    next += take;
                }
            }
        }
        Strategy::RoundRobin => {
            let ids: Vec<&String> = members.keys().collect();
            let mut turn = 0usize;
            for topic in topics {
                for p in 0..partitions_of(topic).unwrap_or(0) {
                    // The next member in turn order that subscribes to this topic.
                    for step in 0..ids.len() {
                        let id = ids[(turn + step) % ids.len()];
                        if members[id].topics.contains(topic) {
                            if let Some(v) = out.get_mut(id) {
                                v.push(TopicPartition {
                                    topic: topic.clone(),
                                    partition: p,
                                });
                            }
                            turn = (turn + step + 1) % ids.len();
                            break;
                        }
                    }
                }
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

#[cfg(test)]
mod tests;
