//! Group-managed consumption: members of a consumer group share the partitions of their topics
//! and commit their progress, so a restarted or replacement member resumes where the group
//! left off.
//!
//! [`GroupConsumer::join`] joins the group and starts a background heartbeat. [`GroupConsumer::poll`]
//! fetches from the member's partitions starting at the group's committed offsets (or at
//! [`GroupConfig::start`] for partitions the group never committed). When the broker reports a
//! rebalance, the next `poll` commits (with auto-commit) and rejoins before fetching again.
//! Delivery is at least once: records returned by a poll are committed by a later poll (auto
//! commit) or by [`GroupConsumer::commit`], so a member that dies in between leaves them to be
//! read again by whoever takes its partitions.
//!
//! ```no_run
//! # async fn example(client: driftdb_client::Client) -> driftdb_client::Result<()> {
//! use driftdb_client::{GroupConfig, GroupConsumer};
//! let mut consumer = GroupConsumer::join(&client, GroupConfig::new("billing", ["orders"])).await?;
//! loop {
//!     for (topic, partition, record) in consumer.poll().await? {
//!         println!("{topic}/{partition}@{}: {:?}", record.offset, record.value);
//!     }
//! }
//! # }
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::Transport;
use driftdb_proto::v1;
use driftdb_proto::v1::consume_service_client::ConsumeServiceClient;
use driftdb_proto::v1::group_service_client::GroupServiceClient;
use tonic::Code;

use crate::Client;
use crate::consumer::Start;
use crate::error::{Error, Result};

pub use driftdb_proto::v1::AssignmentStrategy;

/// How a [`GroupConsumer`] behaves.
#[derive(Debug, Clone)]
pub struct GroupConfig {
    pub group: String,
    pub topics: Vec<String>,
    pub strategy: AssignmentStrategy,
    /// The broker removes a member it has not heard from for this long.
    pub session_timeout: Duration,
    /// How often the background task heartbeats (keep it well below the session timeout).
    pub heartbeat_interval: Duration,
    /// Commit positions automatically every `auto_commit_interval` and before rejoining.
    pub auto_commit: bool,
    pub auto_commit_interval: Duration,
    /// Where to begin in partitions the group has never committed.
    pub start: Start,
    /// Records per partition per fetch.
    pub max_records: u32,
    /// How long `poll` waits before fetching again when every partition was caught up.
    pub idle_wait: Duration,
}

impl GroupConfig {
    pub fn new<T: Into<String>>(
        group: impl Into<String>,
        topics: impl IntoIterator<Item = T>,
    ) -> Self {
        GroupConfig {
            group: group.into(),
            topics: topics.into_iter().map(Into::into).collect(),
            strategy: AssignmentStrategy::Range,
            session_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(1),
            auto_commit: true,
            auto_commit_interval: Duration::from_secs(1),
            start: Start::Earliest,
            max_records: 500,
            idle_wait: Duration::from_millis(20),
        }
    }
}

/// One member of a consumer group.
#[derive(Debug)]
pub struct GroupConsumer {
    groups: GroupServiceClient<Transport>,
    consume: ConsumeServiceClient<Transport>,
    config: GroupConfig,
    member_id: String,
    generation: u32,
    assignment: Vec<(String, u32)>,
    /// Next offset to read per assigned partition.
    positions: HashMap<(String, u32), u64>,
    /// Positions as of the last successful commit.
    committed: HashMap<(String, u32), u64>,
    rejoin: Arc<AtomicBool>,
    heartbeat: Option<tokio::task::JoinHandle<()>>,
    last_commit: Instant,
}

impl GroupConsumer {
    /// Joins the group, waiting until the group is stable, and loads the committed offsets
    /// of this member's partitions.
    pub async fn join(client: &Client, config: GroupConfig) -> Result<GroupConsumer> {
        if config.topics.is_empty() {
            return Err(Error::InvalidArgument(
                "a group consumer needs at least one topic".to_string(),
            ));
        }
        let mut consumer = GroupConsumer {
            groups: client.group_client(),
            consume: client.consume_client(),
            config,
            member_id: String::new(),
            generation: 0,
            assignment: Vec::new(),
            positions: HashMap::new(),
            committed: HashMap::new(),
            rejoin: Arc::new(AtomicBool::new(false)),
            heartbeat: None,
            last_commit: Instant::now(),
        };
        consumer.rejoin().await?;
        Ok(consumer)
    }

    pub fn member_id(&self) -> &str {
        &self.member_id
    }

    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The partitions this member owns in the current generation.
    pub fn assignment(&self) -> &[(String, u32)] {
        &self.assignment
    }

    /// The next batch of records from the member's partitions, as `(topic, partition,
    /// record)`. Waits (briefly, then fetches again) while every partition is caught up, so the
    /// result is empty only if the member has no partitions.
    pub async fn poll(&mut self) -> Result<Vec<(String, u32, v1::Record)>> {
        loop {
            let records = self.poll_once().await?;
            if !records.is_empty() || self.assignment.is_empty() {
                return Ok(records);
            }
            tokio::time::sleep(self.config.idle_wait).await;
        }
    }

    /// One round of fetches from every partition of the member; empty when all are caught up.
    /// Handles a pending rebalance and auto-commit first.
    pub async fn poll_once(&mut self) -> Result<Vec<(String, u32, v1::Record)>> {
        if self.rejoin.load(Ordering::SeqCst) {
            if self.config.auto_commit {
                // The commit may be refused if the rebalance already fenced this generation;
                // the records are then read again by the new owner.
                let _ = self.commit().await;
            }
            self.rejoin().await?;
        }
        if self.config.auto_commit && self.last_commit.elapsed() >= self.config.auto_commit_interval
        {
            self.commit_or_rejoin().await?;
        }
        if self.assignment.is_empty() {
            tokio::time::sleep(self.config.heartbeat_interval).await;
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for (topic, partition) in self.assignment.clone() {
            let key = (topic.clone(), partition);
            let offset = self.positions.get(&key).copied().unwrap_or(0);
            let response = self
                .consume
                .fetch(v1::FetchRequest {
                    topic: topic.clone(),
                    partition,
                    offset,
                    max_bytes: 0,
                    max_records: self.config.max_records,
                })
                .await;
            let response = match response {
                Ok(r) => r.into_inner(),
                Err(status) if status.code() == Code::OutOfRange => {
                    // Retention moved past our position: continue from the oldest record.
                    let start = self.resolve(&topic, partition, Start::Earliest).await?;
                    self.positions.insert(key, start);
                    continue;
                }
                Err(status) => return Err(status.into()),
            };
            self.positions.insert(key, response.next_offset);
            out.extend(
                response
                    .records
                    .into_iter()
                    .map(|r| (topic.clone(), partition, r)),
            );
        }
        Ok(out)
    }

    /// Commits the current positions (everything returned by `poll` so far) for the member's
    /// partitions. Fails with `FailedPrecondition` if a rebalance took them away.
    pub async fn commit(&mut self) -> Result<()> {
        let offsets: Vec<v1::OffsetCommit> = self
            .assignment
            .iter()
            .filter_map(|(topic, partition)| {
                let key = (topic.clone(), *partition);
                let offset = *self.positions.get(&key)?;
                (self.committed.get(&key) != Some(&offset)).then(|| v1::OffsetCommit {
                    partition: Some(v1::TopicPartition {
                        topic: topic.clone(),
                        partition: *partition,
                    }),
                    offset,
                    metadata: String::new(),
                })
            })
            .collect();
        self.last_commit = Instant::now();
        if offsets.is_empty() {
            return Ok(());
        }
        self.groups
            .commit_offsets(v1::CommitOffsetsRequest {
                group: self.config.group.clone(),
                member_id: self.member_id.clone(),
                generation: i64::from(self.generation),
                offsets: offsets.clone(),
            })
            .await?;
        for c in offsets {
            if let Some(tp) = c.partition {
                self.committed.insert((tp.topic, tp.partition), c.offset);
            }
        }
        Ok(())
    }

    /// Moves this member's position in one of its partitions, e.g. back to the first record
    /// it did not process, so the next `poll` and `commit` start there.
    pub fn seek(&mut self, topic: &str, partition: u32, offset: u64) -> Result<()> {
        let key = (topic.to_string(), partition);
        match self.positions.get_mut(&key) {
            Some(position) => {
                *position = offset;
                Ok(())
            }
            None => Err(Error::InvalidArgument(format!(
                "{topic}/{partition} is not assigned to this member"
            ))),
        }
    }

    /// Commits (with auto-commit) and leaves the group, so the others rebalance at once.
    pub async fn close(mut self) -> Result<()> {
        if self.config.auto_commit {
            self.commit().await?;
        }
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
        self.groups
            .leave_group(v1::LeaveGroupRequest {
                group: self.config.group.clone(),
                member_id: self.member_id.clone(),
            })
            .await?;
        Ok(())
    }

    async fn commit_or_rejoin(&mut self) -> Result<()> {
        match self.commit().await {
            Err(Error::Status(s)) if s.code() == Code::FailedPrecondition => {
                self.rejoin.store(true, Ordering::SeqCst);
                Ok(())
            }
            other => other,
        }
    }

    /// Joins (again), waiting out `pending` answers, then loads committed offsets for the new
    /// assignment and restarts the heartbeat.
    async fn rejoin(&mut self) -> Result<()> {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
        loop {
            let request = v1::JoinGroupRequest {
                group: self.config.group.clone(),
                member_id: self.member_id.clone(),
                topics: self.config.topics.clone(),
                strategy: self.config.strategy as i32,
                session_timeout_ms: u32::try_from(self.config.session_timeout.as_millis())
                    .unwrap_or(u32::MAX),
            };
            let response = match self.groups.join_group(request).await {
                Ok(r) => r.into_inner(),
                Err(s) if s.code() == Code::FailedPrecondition && !self.member_id.is_empty() => {
                    // The broker forgot us (session expired or restart): join as a new member.
                    self.member_id.clear();
                    continue;
                }
                Err(s) => return Err(s.into()),
            };
            self.member_id = response.member_id;
            self.generation = response.generation;
            if !response.pending {
                self.assignment = response
                    .assignment
                    .into_iter()
                    .map(|tp| (tp.topic, tp.partition))
                    .collect();
                break;
            }
        }
        self.rejoin.store(false, Ordering::SeqCst);
        let committed = self
            .groups
            .fetch_offsets(v1::FetchOffsetsRequest {
                group: self.config.group.clone(),
                partitions: Vec::new(),
            })
            .await?
            .into_inner();
        let committed: HashMap<(String, u32), u64> = committed
            .offsets
            .into_iter()
            .filter_map(|c| c.partition.map(|tp| ((tp.topic, tp.partition), c.offset)))
            .collect();
        self.positions.clear();
        self.committed.clear();
        for (topic, partition) in self.assignment.clone() {
            let key = (topic.clone(), partition);
            let position = match committed.get(&key) {
                Some(&offset) => {
                    self.committed.insert(key.clone(), offset);
                    offset
                }
                None => self.resolve(&topic, partition, self.config.start).await?,
            };
            self.positions.insert(key, position);
        }
        self.start_heartbeat();
        Ok(())
    }

    async fn resolve(&mut self, topic: &str, partition: u32, start: Start) -> Result<u64> {
        use driftdb_proto::v1::offset_for_timestamp_request::At;
        let at = match start {
            Start::Offset(o) => return Ok(o),
            Start::Earliest => At::Earliest(true),
            Start::Latest => At::Latest(true),
            Start::Timestamp(t) => At::TimestampMicros(t),
        };
        let response = self
            .consume
            .offset_for_timestamp(v1::OffsetForTimestampRequest {
                topic: topic.to_string(),
                partition,
                at: Some(at),
            })
            .await?;
        Ok(response.into_inner().offset)
    }

    fn start_heartbeat(&mut self) {
        let mut groups = self.groups.clone();
        let rejoin = Arc::clone(&self.rejoin);
        let request = v1::HeartbeatRequest {
            group: self.config.group.clone(),
            member_id: self.member_id.clone(),
            generation: self.generation,
        };
        let interval = self.config.heartbeat_interval;
        self.heartbeat = Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                match groups.heartbeat(request.clone()).await {
                    Ok(r) if !r.get_ref().rejoin => {}
                    Ok(_) => {
                        rejoin.store(true, Ordering::SeqCst);
                        return;
                    }
                    Err(s) if s.code() == Code::FailedPrecondition => {
                        rejoin.store(true, Ordering::SeqCst);
                        return;
                    }
                    // A transient failure: the next heartbeat may get through within the
                    // session timeout.
                    Err(s) => tracing::debug!(error = %s, "heartbeat failed"),
                }
            }
        }));
    }
}

impl Drop for GroupConsumer {
    fn drop(&mut self) {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
    }
}
