//! `driftdb.v1.GroupService`: consumer groups over gRPC.
//!
//! The decisions live in [`Coordinator`] (a state machine without I/O); this layer feeds it
//! the time and the topics' partition counts, runs a ticker that expires silent members, and
//! wakes joiners waiting for a rebalance to finish through a watch channel that changes on
//! every group state change. Commits are authorized and written under the coordinator's lock,
//! so no rebalance can slip between the check and the durable write of a commit.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use driftdb_proto::v1;
use driftdb_proto::v1::group_service_server::{GroupService, GroupServiceServer};
use tokio::sync::watch;
use tonic::{Request, Response, Status};

use super::authorize::{Authorizer, Object, Operation, Permit};
use super::status::status;
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::group::offsets::OffsetStore;
use crate::group::{Coordinator, Heartbeat, JoinRequest, JoinState, Strategy, TopicPartition};
use crate::log::Log;

const DEFAULT_SESSION_TIMEOUT_MS: u32 = 10_000;
const MAX_SESSION_TIMEOUT_MS: u32 = 300_000;
/// How often silent members are looked for.
const TICK: Duration = Duration::from_millis(100);

/// The consumer-group service's shared state.
#[derive(Debug, Clone)]
pub struct Groups {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    log: Arc<Log>,
    clock: Arc<dyn Clock>,
    coordinator: Mutex<Coordinator>,
    offsets: OffsetStore,
    /// Bumped whenever any group's state changes; joiners wait on it.
    changed: watch::Sender<u64>,
    /// Who may do what; `None`: everyone anything.
    authorizer: Option<Arc<dyn Authorizer>>,
}

impl Groups {
    /// Opens the offset store (creating `__consumer_offsets` on first use) and starts the
    /// session ticker, which stops when `shutdown` flips to true. With an `authorizer`, a call
    /// must be allowed to consume in its group (and from the topics it joins for or commits
    /// offsets of).
    pub async fn open(
        log: Arc<Log>,
        mut shutdown: watch::Receiver<bool>,
        authorizer: Option<Arc<dyn Authorizer>>,
    ) -> Result<Groups> {
        let store_log = Arc::clone(&log);
        let offsets = tokio::task::spawn_blocking(move || OffsetStore::open(&store_log))
            .await
            .map_err(|e| {
                Error::InvalidArgument(format!("opening the offset store failed: {e}"))
            })??;
        let groups = Groups {
            inner: Arc::new(Inner {
                log,
                clock: Arc::new(SystemClock),
                coordinator: Mutex::new(Coordinator::new()),
                offsets,
                changed: watch::Sender::new(0),
                authorizer,
            }),
        };
        let ticker = groups.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(TICK);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = interval.tick() => ticker.tick(),
                    _ = shutdown.changed() => return,
                }
            }
        });
        Ok(groups)
    }

    pub fn server(self) -> GroupServiceServer<Groups> {
        GroupServiceServer::new(self)
    }

    /// The request, if its caller may consume in its group and from each of its topics.
    fn allowed<T>(
        &self,
        request: Request<T>,
        group: impl Fn(&T) -> &str,
        topics: impl Fn(&T) -> Vec<&str>,
    ) -> Result<T, Status> {
        let permit = self.permit(&request)?;
        let inner = request.get_ref();
        permit.check(Operation::Consume, Object::Group(group(inner)))?;
        for topic in topics(inner) {
            permit.check(Operation::Consume, Object::Topic(topic))?;
        }
        Ok(request.into_inner())
    }

    fn permit<T>(&self, request: &Request<T>) -> Result<Permit, Status> {
        Permit::of(self.inner.authorizer.as_ref(), request.extensions())
    }

    fn now(&self) -> i64 {
        self.inner.clock.now_micros()
    }

    fn coordinator(&self) -> MutexGuard<'_, Coordinator> {
        lock_coordinator(&self.inner.coordinator)
    }

    fn partitions_of(&self) -> impl Fn(&str) -> Option<u32> + '_ {
        |topic| {
            self.inner
                .log
                .topic(topic)
                .ok()
                .map(|t| t.partition_count())
        }
    }

    fn tick(&self) {
        let now = self.now();
        let changed = {
            let partitions = self.partitions_of();
            self.coordinator().tick(now, &partitions)
        };
        if !changed.is_empty() {
            self.inner.changed.send_modify(|v| *v += 1);
        }
        self.record_lag();
    }

    fn notify(&self) {
        self.inner.changed.send_modify(|v| *v += 1);
    }

    /// Publishes each group's lag per partition (end offset minus committed offset).
    fn record_lag(&self) {
        let groups = self.coordinator().groups();
        for group in groups {
            for (tp, committed) in self.inner.offsets.group_offsets(&group) {
                if let Ok(end) = self
                    .inner
                    .log
                    .topic(&tp.topic)
                    .and_then(|t| t.partition(tp.partition))
                {
                    let lag = end.end_offset().saturating_sub(committed.offset);
                    metrics::gauge!(
                        crate::metrics::CONSUMER_LAG,
                        "group" => group.clone(),
                        "topic" => tp.topic.clone(),
                        "partition" => tp.partition.to_string()
                    )
                    .set(lag as f64);
                }
            }
        }
    }

    fn lag_of(&self, group: &str) -> Vec<v1::PartitionLag> {
        self.inner
            .offsets
            .group_offsets(group)
            .into_iter()
            .map(|(tp, c)| {
                let end = self
                    .inner
                    .log
                    .topic(&tp.topic)
                    .and_then(|t| t.partition(tp.partition))
                    .map(|p| p.end_offset())
                    .unwrap_or(c.offset);
                v1::PartitionLag {
                    partition: Some(to_proto(&tp)),
                    committed: c.offset,
                    end_offset: end,
                    lag: end.saturating_sub(c.offset),
                }
            })
            .collect()
    }
}

fn to_proto(tp: &TopicPartition) -> v1::TopicPartition {
    v1::TopicPartition {
        topic: tp.topic.clone(),
        partition: tp.partition,
    }
}

fn from_proto(tp: Option<v1::TopicPartition>) -> Result<TopicPartition> {
    let tp =
        tp.ok_or_else(|| Error::InvalidArgument("a topic partition is required".to_string()))?;
    Ok(TopicPartition {
        topic: tp.topic,
        partition: tp.partition,
    })
}

fn strategy_from(raw: i32) -> Result<Strategy> {
    match v1::AssignmentStrategy::try_from(raw) {
        Ok(v1::AssignmentStrategy::Unspecified | v1::AssignmentStrategy::Range) => {
            Ok(Strategy::Range)
        }
        Ok(v1::AssignmentStrategy::RoundRobin) => Ok(Strategy::RoundRobin),
        Err(_) => Err(Error::InvalidArgument(format!(
            "unknown assignment strategy {raw}"
        ))),
    }
}

fn strategy_to(s: Strategy) -> v1::AssignmentStrategy {
    match s {
        Strategy::Range => v1::AssignmentStrategy::Range,
        Strategy::RoundRobin => v1::AssignmentStrategy::RoundRobin,
    }
}

fn join_response(state: JoinState) -> v1::JoinGroupResponse {
    match state {
        JoinState::Pending {
            member_id,
            generation,
        } => v1::JoinGroupResponse {
            member_id,
            generation,
            pending: true,
            assignment: Vec::new(),
        },
        JoinState::Assigned {
            member_id,
            generation,
            partitions,
        } => v1::JoinGroupResponse {
            member_id,
            generation,
            pending: false,
            assignment: partitions.iter().map(to_proto).collect(),
        },
    }
}

#[tonic::async_trait]
impl GroupService for Groups {
    async fn join_group(
        &self,
        request: Request<v1::JoinGroupRequest>,
    ) -> Result<Response<v1::JoinGroupResponse>, Status> {
        let req = self.allowed(
            request,
            |r| &r.group,
            |r| r.topics.iter().map(String::as_str).collect(),
        )?;
        let timeout_ms = match req.session_timeout_ms {
            0 => DEFAULT_SESSION_TIMEOUT_MS,
            n => n.min(MAX_SESSION_TIMEOUT_MS),
        };
        let join = JoinRequest {
            member_id: (!req.member_id.is_empty()).then_some(req.member_id),
            topics: req.topics.into_iter().collect::<BTreeSet<_>>(),
            strategy: strategy_from(req.strategy).map_err(status)?,
            session_timeout_micros: i64::from(timeout_ms) * 1000,
        };
        let mut changed = self.inner.changed.subscribe();
        let state = {
            let partitions = self.partitions_of();
            self.coordinator()
                .join(&req.group, join, self.now(), &partitions)
                .map_err(status)?
        };
        self.notify();
        let JoinState::Pending { member_id, .. } = &state else {
            return Ok(Response::new(join_response(state)));
        };
        // Wait for the other members to rejoin, at most one session timeout; the ticker ends
        // the rebalance by then by dropping members that did not come back.
        let member_id = member_id.clone();
        let deadline =
            tokio::time::Instant::now() + Duration::from_millis(u64::from(timeout_ms)) + TICK * 2;
        loop {
            let state = {
                let partitions = self.partitions_of();
                self.coordinator()
                    .poll(&req.group, &member_id, self.now(), &partitions)
                    .map_err(status)?
            };
            if matches!(state, JoinState::Assigned { .. })
                || tokio::time::Instant::now() >= deadline
            {
                return Ok(Response::new(join_response(state)));
            }
            let _ = tokio::time::timeout_at(deadline, changed.changed()).await;
        }
    }

    async fn heartbeat(
        &self,
        request: Request<v1::HeartbeatRequest>,
    ) -> Result<Response<v1::HeartbeatResponse>, Status> {
        let req = self.allowed(request, |r| &r.group, |_| Vec::new())?;
        let answer = self
            .coordinator()
            .heartbeat(&req.group, &req.member_id, req.generation, self.now())
            .map_err(status)?;
        Ok(Response::new(match answer {
            Heartbeat::Stable => v1::HeartbeatResponse {
                rejoin: false,
                generation: req.generation,
            },
            Heartbeat::RejoinNeeded { generation } => v1::HeartbeatResponse {
                rejoin: true,
                generation,
            },
        }))
    }

    async fn leave_group(
        &self,
        request: Request<v1::LeaveGroupRequest>,
    ) -> Result<Response<v1::LeaveGroupResponse>, Status> {
        let req = self.allowed(request, |r| &r.group, |_| Vec::new())?;
        {
            let partitions = self.partitions_of();
            self.coordinator()
                .leave(&req.group, &req.member_id, self.now(), &partitions)
                .map_err(status)?;
        }
        self.notify();
        Ok(Response::new(v1::LeaveGroupResponse {}))
    }

    async fn commit_offsets(
        &self,
        request: Request<v1::CommitOffsetsRequest>,
    ) -> Result<Response<v1::CommitOffsetsResponse>, Status> {
        let req = self.allowed(
            request,
            |r| &r.group,
            |r| {
                r.offsets
                    .iter()
                    .filter_map(|c| c.partition.as_ref())
                    .map(|p| p.topic.as_str())
                    .collect()
            },
        )?;
        if req.group.is_empty() {
            return Err(status(Error::InvalidArgument(
                "a group name is required".to_string(),
            )));
        }
        let offsets = req
            .offsets
            .into_iter()
            .map(|c| Ok((from_proto(c.partition)?, c.offset, c.metadata)))
            .collect::<Result<Vec<_>>>()
            .map_err(status)?;
        for (tp, _, _) in &offsets {
            self.inner
                .log
                .topic(&tp.topic)
                .map_err(status)?
                .partition(tp.partition)
                .map_err(status)?;
        }
        let groups = self.clone();
        tokio::task::spawn_blocking(move || {
            // Authorize and write under one lock: no rebalance can come in between.
            let coordinator = groups.coordinator();
            let partitions: Vec<TopicPartition> =
                offsets.iter().map(|(tp, _, _)| tp.clone()).collect();
            coordinator.authorize_commit(
                &req.group,
                &req.member_id,
                req.generation,
                &partitions,
            )?;
            groups.inner.offsets.commit(&req.group, &offsets)
        })
        .await
        .map_err(|e| Status::internal(format!("commit failed: {e}")))?
        .map_err(status)?;
        Ok(Response::new(v1::CommitOffsetsResponse {}))
    }

    async fn fetch_offsets(
        &self,
        request: Request<v1::FetchOffsetsRequest>,
    ) -> Result<Response<v1::FetchOffsetsResponse>, Status> {
        let req = self.allowed(request, |r| &r.group, |_| Vec::new())?;
        let wanted = req
            .partitions
            .into_iter()
            .map(|tp| from_proto(Some(tp)))
            .collect::<Result<Vec<_>>>()
            .map_err(status)?;
        let offsets = self
            .inner
            .offsets
            .group_offsets(&req.group)
            .into_iter()
            .filter(|(tp, _)| wanted.is_empty() || wanted.contains(tp))
            .map(|(tp, c)| v1::CommittedOffset {
                partition: Some(to_proto(&tp)),
                offset: c.offset,
                metadata: c.metadata,
                commit_time_micros: c.timestamp,
            })
            .collect();
        Ok(Response::new(v1::FetchOffsetsResponse { offsets }))
    }

    async fn describe_group(
        &self,
        request: Request<v1::DescribeGroupRequest>,
    ) -> Result<Response<v1::DescribeGroupResponse>, Status> {
        let group = self.allowed(request, |r| &r.group, |_| Vec::new())?.group;
        let description = self.coordinator().describe(&group);
        let lag = self.lag_of(&group);
        if description.is_none() && lag.is_empty() {
            return Err(Status::not_found(format!("no consumer group {group:?}")));
        }
        let mut response = v1::DescribeGroupResponse {
            group: group.clone(),
            lag,
            ..Default::default()
        };
        if let Some(d) = description {
            response.generation = d.generation;
            response.stable = d.stable;
            response.strategy = strategy_to(d.strategy) as i32;
            response.members = d
                .members
                .into_iter()
                .map(|(member_id, parts)| v1::GroupMember {
                    member_id,
                    assignment: parts.iter().map(to_proto).collect(),
                })
                .collect();
        }
        Ok(Response::new(response))
    }

    async fn list_groups(
        &self,
        request: Request<v1::ListGroupsRequest>,
    ) -> Result<Response<v1::ListGroupsResponse>, Status> {
        // Only the groups the caller may consume in, as Kafka lists them.
        let permit = self.permit(&request)?;
        let mut groups = self.coordinator().groups();
        groups.retain(|g| permit.allows(Operation::Consume, Object::Group(g)));
        Ok(Response::new(v1::ListGroupsResponse { groups }))
    }
}

/// Locks the coordinator. Its state is several maps that one call updates together, so a
/// call that panicked may have left it half-updated: it then starts over, empty, as after a
/// restart. Its members are unknown to it and rejoin when their next heartbeat is refused;
/// the committed offsets are durable and stay (`driftdb_log::sync`, class 3).
fn lock_coordinator(coordinator: &Mutex<Coordinator>) -> MutexGuard<'_, Coordinator> {
    coordinator.lock().unwrap_or_else(|poisoned| {
        tracing::error!(
            "a consumer group call panicked: every group starts over, its members rejoin"
        );
        let mut guard = poisoned.into_inner();
        *guard = Coordinator::new();
        coordinator.clear_poison();
        guard
    })
}

#[cfg(test)]
mod lock_tests {
    use super::*;

    #[test]
    fn a_coordinator_a_panic_left_behind_starts_over() {
        let coordinator = Arc::new(Mutex::new(Coordinator::new()));
        let join = JoinRequest {
            member_id: None,
            topics: BTreeSet::from(["orders".to_string()]),
            strategy: Strategy::Range,
            session_timeout_micros: 10_000_000,
        };
        lock_coordinator(&coordinator)
            .join("billing", join, 0, &|_| Some(2))
            .expect("joins");
        assert!(lock_coordinator(&coordinator).describe("billing").is_some());
        let panicking = Arc::clone(&coordinator);
        let _ = std::thread::spawn(move || {
            let _held = lock_coordinator(&panicking);
            panic!("a group call panics half-way");
        })
        .join();
        assert!(coordinator.is_poisoned());
        let fresh = lock_coordinator(&coordinator);
        assert!(
            fresh.describe("billing").is_none(),
            "the group started over"
        );
        assert!(fresh.groups().is_empty());
        drop(fresh);
        assert!(!coordinator.is_poisoned());
    }
}
