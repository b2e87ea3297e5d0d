//! The batching, retrying, idempotent producer.
//!
//! [`Producer::send`] routes a record to a partition (explicit, by key hash, or round-robin in
//! runs of one batch for records without a key) and hands it to a background task that keeps
//! one queue per partition. A partition's open batch is sealed when it reaches
//! `max_batch_records` or `max_batch_bytes`, or `linger` after its first record arrived.
//! Sealed batches are sent one at a time per partition, so they reach the broker in order.
//!
//! Idempotence: each partition queue has a producer id and the sequence number of its next
//! record. A batch is given its first sequence when it is sent, and keeps it across retries,
//! so a retry of a batch the broker already wrote is acknowledged again (`duplicate`) rather
//! than written twice. When a batch fails for good, the queue takes a fresh producer id and
//! restarts at sequence 0: the broker admits any sequence from a producer id it has not seen,
//! so later batches are not refused because of the failed one's gap.
//!
//! Retries happen only for retryable codes ([`Error::is_retryable`]), with exponential
//! backoff. Without idempotence a retried batch whose first attempt reached the broker may be
//! written twice.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::Transport;
use driftdb_proto::partition_for_key;
use driftdb_proto::v1;
use driftdb_proto::v1::admin_service_client::AdminServiceClient;
use driftdb_proto::v1::produce_service_client::ProduceServiceClient;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::Bytes;
use crate::admin::Admin;
use crate::error::{Error, Result, is_retryable};

/// Longest wait between two retries of a batch.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// How a [`Producer`] batches and retries.
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    /// How long a partition's batch stays open for more records after its first one.
    pub linger: Duration,
    /// Seal a batch at this many records.
    pub max_batch_records: usize,
    /// Seal a batch at this many bytes of keys, values and headers.
    pub max_batch_bytes: usize,
    /// Send a producer id and sequence numbers so retries are written once.
    pub idempotent: bool,
    /// Retries of a batch after a retryable failure.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one (at most 2 s).
    pub retry_backoff: Duration,
    /// Records accepted but not yet handed to a batch before [`Producer::send`] waits.
    pub queue_capacity: usize,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            linger: Duration::from_millis(2),
            max_batch_records: 1000,
            max_batch_bytes: 1 << 20,
            idempotent: true,
            retries: 10,
            retry_backoff: Duration::from_millis(50),
            queue_capacity: 10_000,
        }
    }
}

/// A record to produce.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProducerRecord {
    pub key: Option<Bytes>,
    /// `None` is a tombstone: under compaction it deletes the key.
    pub value: Option<Bytes>,
    pub headers: Vec<v1::Header>,
    /// Microseconds since the Unix epoch; `None`: the broker's clock.
    pub timestamp_micros: Option<i64>,
    /// `None`: the key's partition, or round-robin without a key.
    pub partition: Option<u32>,
}

impl ProducerRecord {
    pub fn new(value: impl Into<Bytes>) -> Self {
        ProducerRecord {
            value: Some(value.into()),
            ..Default::default()
        }
    }

    /// A record with a key and no value.
    pub fn tombstone(key: impl Into<Bytes>) -> Self {
        ProducerRecord {
            key: Some(key.into()),
            ..Default::default()
        }
    }

    pub fn key(mut self, key: impl Into<Bytes>) -> Self {
        self.key = Some(key.into());
        self
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<Bytes>) -> Self {
        self.headers.push(v1::Header {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    pub fn partition(mut self, partition: u32) -> Self {
        self.partition = Some(partition);
        self
    }

    pub fn timestamp_micros(mut self, timestamp: i64) -> Self {
        self.timestamp_micros = Some(timestamp);
        self
    }

    fn size(&self) -> usize {
        self.key.as_ref().map_or(0, Bytes::len)
            + self.value.as_ref().map_or(0, Bytes::len)
            + self
                .headers
                .iter()
                .map(|h| h.name.len() + h.value.len())
                .sum::<usize>()
    }

    fn into_proto(self) -> v1::NewRecord {
        v1::NewRecord {
            key: self.key,
            headers: self.headers,
            value: self.value,
            timestamp_micros: self.timestamp_micros,
        }
    }
}

/// Where an acknowledged record was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    pub partition: u32,
    pub offset: u64,
    /// The timestamp the broker stored on the record's batch.
    pub timestamp_micros: i64,
    /// The record's batch had already been written by an earlier attempt.
    pub duplicate: bool,
}

/// Sends records in batches. Share it by reference (or in an `Arc`) between tasks; call
/// [`close`](Producer::close) to flush what is pending.
///
/// ```no_run
/// # async fn example(client: driftdb_client::Client) -> driftdb_client::Result<()> {
/// use driftdb_client::{ProducerConfig, ProducerRecord};
/// let producer = client.producer(ProducerConfig::default());
/// // Queue many records without waiting for each, then wait for all acknowledgements.
/// let mut pending = Vec::new();
/// for i in 0..1000 {
///     let record = ProducerRecord::new(format!("event {i}")).key(format!("account-{}", i % 10));
///     pending.push(producer.enqueue("ledger", record).await?);
/// }
/// for ack in pending {
///     let ack = ack.await?;
///     assert!(!ack.duplicate);
/// }
/// producer.close().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Producer {
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
    admin: Admin,
    client: ProduceServiceClient<Transport>,
    partition_counts: Mutex<HashMap<String, u32>>,
    round_robin: AtomicU64,
    max_batch_records: u64,
}

/// An acknowledgement not yet received; await it.
#[derive(Debug)]
pub struct PendingAck(oneshot::Receiver<Result<Ack>>);

impl std::future::Future for PendingAck {
    type Output = Result<Ack>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|answer| answer.unwrap_or(Err(Error::ProducerClosed)))
    }
}

impl Producer {
    pub(crate) fn new(
        client: ProduceServiceClient<Transport>,
        admin: AdminServiceClient<Transport>,
        config: ProducerConfig,
    ) -> Self {
        let (commands, receiver) = mpsc::channel(config.queue_capacity.max(1));
        let max_batch_records = config.max_batch_records.max(1) as u64;
        let task = tokio::spawn(Batcher::new(client.clone(), config).run(receiver));
        Producer {
            commands,
            task,
            admin: Admin::new(admin),
            client,
            partition_counts: Mutex::new(HashMap::new()),
            round_robin: AtomicU64::new(0),
            max_batch_records,
        }
    }

    /// Sends one record and waits until the broker acknowledges its batch.
    pub async fn send(&self, topic: &str, record: ProducerRecord) -> Result<Ack> {
        self.enqueue(topic, record).await?.await
    }

    /// Queues one record and returns at once (unless the queue is full) with a future of its
    /// acknowledgement, so one task can have many records in flight.
    pub async fn enqueue(&self, topic: &str, record: ProducerRecord) -> Result<PendingAck> {
        let partition = self.route(topic, &record).await?;
        let (ack, receiver) = oneshot::channel();
        self.commands
            .send(Command::Record {
                topic: topic.to_string(),
                partition,
                record,
                ack,
            })
            .await
            .map_err(|_| Error::ProducerClosed)?;
        Ok(PendingAck(receiver))
    }

    /// Sends every open batch now and waits until all records queued so far are answered.
    pub async fn flush(&self) -> Result<()> {
        let (done, receiver) = oneshot::channel();
        self.commands
            .send(Command::Flush(done))
            .await
            .map_err(|_| Error::ProducerClosed)?;
        receiver.await.map_err(|_| Error::ProducerClosed)
    }

    /// Flushes and stops the batching task.
    pub async fn close(self) -> Result<()> {
        self.flush().await?;
        drop(self.commands);
        self.task.await.map_err(|_| Error::ProducerClosed)
    }

    /// Appends `records` to one partition as one batch, only if the partition's next offset is
    /// `expected_next_offset` (optimistic concurrency for event-sourced aggregates). Bypasses
    /// batching and is not retried: on `FailedPrecondition` re-read and decide.
    pub async fn append_if(
        &self,
        topic: &str,
        partition: u32,
        records: Vec<ProducerRecord>,
        expected_next_offset: u64,
    ) -> Result<v1::ProduceResponse> {
        let response = self
            .client
            .clone()
            .produce(v1::ProduceRequest {
                topic: topic.to_string(),
                partition: Some(partition),
                records: records
                    .into_iter()
                    .map(ProducerRecord::into_proto)
                    .collect(),
                producer_id: None,
                first_sequence: 0,
                expected_next_offset: Some(expected_next_offset),
                expected_key: None,
            })
            .await?;
        Ok(response.into_inner())
    }

    /// Appends `records` to `key`'s partition as one batch, only if the newest record with
    /// `key` is at `last_offset` (`None`: the key has no record yet). This is optimistic
    /// concurrency for one aggregate among many sharing a partition. Bypasses batching and is
    /// not retried: on `FailedPrecondition` re-read the key's history and decide.
    ///
    /// ```no_run
    /// # async fn example(client: driftdb_client::Client) -> driftdb_client::Result<()> {
    /// use driftdb_client::{ProducerConfig, ProducerRecord};
    /// let producer = client.producer(ProducerConfig::default());
    /// let history = client.consumer().read_key("accounts", "acct-42", 0, 0).await?;
    /// let last = history.last().map(|r| r.offset);
    /// let event = ProducerRecord::new(r#"{"type":"Deposited","amount":10}"#).key("acct-42");
    /// producer.append_if_key("accounts", "acct-42", last, vec![event]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn append_if_key(
        &self,
        topic: &str,
        key: impl Into<Bytes>,
        last_offset: Option<u64>,
        records: Vec<ProducerRecord>,
    ) -> Result<v1::ProduceResponse> {
        let response = self
            .client
            .clone()
            .produce(v1::ProduceRequest {
                topic: topic.to_string(),
                partition: None,
                records: records
                    .into_iter()
                    .map(ProducerRecord::into_proto)
                    .collect(),
                producer_id: None,
                first_sequence: 0,
                expected_next_offset: None,
                expected_key: Some(v1::KeyCondition {
                    key: key.into(),
                    last_offset,
                }),
            })
            .await?;
        Ok(response.into_inner())
    }

    async fn route(&self, topic: &str, record: &ProducerRecord) -> Result<u32> {
        if let Some(partition) = record.partition {
            return Ok(partition);
        }
        let count = self.partition_count(topic).await?;
        Ok(match &record.key {
            Some(key) => partition_for_key(key, count),
            // Runs of one full batch per partition keep batches large.
            None => {
                let n = self.round_robin.fetch_add(1, Ordering::Relaxed);
                ((n / self.max_batch_records) % u64::from(count.max(1))) as u32
            }
        })
    }

    async fn partition_count(&self, topic: &str) -> Result<u32> {
        if let Some(&count) = lock(&self.partition_counts).get(topic) {
            return Ok(count);
        }
        let count = self.admin.describe_topic(topic).await?.partitions.len() as u32;
        lock(&self.partition_counts).insert(topic.to_string(), count);
        Ok(count)
    }
}

/// The producer's caches are replaced an entry at a time, so a poisoned lock is taken over
/// (DriftDB's lock policy, `driftdb_log::sync`, class 1; this crate does not depend on it).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Debug)]
enum Command {
    Record {
        topic: String,
        partition: u32,
        record: ProducerRecord,
        ack: oneshot::Sender<Result<Ack>>,
    },
    Flush(oneshot::Sender<()>),
}

#[derive(Debug)]
struct Pending {
    record: v1::NewRecord,
    ack: oneshot::Sender<Result<Ack>>,
}

type PartitionKey = (String, u32);

/// One partition's records: the open batch, sealed batches waiting, and whether one is out.
#[derive(Debug)]
struct Queue {
    open: Vec<Pending>,
    open_bytes: usize,
    opened_at: Instant,
    /// Sealed batches with their byte sizes, oldest first.
    sealed: VecDeque<(Vec<Pending>, usize)>,
    in_flight: bool,
    producer_id: u64,
    next_sequence: u32,
}

impl Queue {
    fn idle(&self) -> bool {
        self.open.is_empty() && self.sealed.is_empty() && !self.in_flight
    }

    fn seal(&mut self) {
        if !self.open.is_empty() {
            self.sealed
                .push_back((std::mem::take(&mut self.open), self.open_bytes));
            self.open_bytes = 0;
        }
    }

    /// The next request's records: the oldest sealed batch, merged with the batches sealed
    /// after it while the result stays within the batch limits. Batches pile up while one is
    /// in flight (a slow fsync, say); sending them as one request keeps the queue from growing
    /// faster than it drains. Sequence numbers are assigned when a request is sent, so merged
    /// batches stay one contiguous run for idempotence.
    fn take_request(&mut self, max_records: usize, max_bytes: usize) -> Option<Vec<Pending>> {
        let (mut batch, mut bytes) = self.sealed.pop_front()?;
        while let Some((next, next_bytes)) = self.sealed.front() {
            if batch.len() + next.len() > max_records || bytes + next_bytes > max_bytes {
                break;
            }
            bytes += next_bytes;
            let Some((next, _)) = self.sealed.pop_front() else {
                break;
            };
            batch.extend(next);
        }
        Some(batch)
    }
}

/// A batch's answer, reported back to the batching task.
#[derive(Debug)]
struct Done {
    key: PartitionKey,
    failed: bool,
}

#[derive(Debug)]
struct Batcher {
    client: ProduceServiceClient<Transport>,
    config: ProducerConfig,
    queues: HashMap<PartitionKey, Queue>,
    flushes: Vec<oneshot::Sender<()>>,
    done_tx: mpsc::UnboundedSender<Done>,
    done_rx: mpsc::UnboundedReceiver<Done>,
}

impl Batcher {
    fn new(client: ProduceServiceClient<Transport>, config: ProducerConfig) -> Self {
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Batcher {
            client,
            config,
            queues: HashMap::new(),
            flushes: Vec::new(),
            done_tx,
            done_rx,
        }
    }

    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut open = true;
        loop {
            let deadline = self.next_deadline();
            tokio::select! {
                command = commands.recv(), if open => match command {
                    Some(command) => self.handle(command),
                    None => {
                        // The producer is gone: send everything that is left.
                        open = false;
                        self.seal_all();
                    }
                },
                Some(done) = self.done_rx.recv() => self.finished(done),
                () = sleep_until(deadline), if deadline.is_some() => self.seal_expired(),
            }
            self.dispatch();
            if self.queues.values().all(Queue::idle) {
                for flush in self.flushes.drain(..) {
                    let _ = flush.send(());
                }
                if !open {
                    return;
                }
            }
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Record {
                topic,
                partition,
                record,
                ack,
            } => {
                let size = record.size();
                let queue = self
                    .queues
                    .entry((topic, partition))
                    .or_insert_with(|| Queue {
                        open: Vec::new(),
                        open_bytes: 0,
                        opened_at: Instant::now(),
                        sealed: VecDeque::new(),
                        in_flight: false,
                        producer_id: random_producer_id(),
                        next_sequence: 0,
                    });
                if queue.open.is_empty() {
                    queue.opened_at = Instant::now();
                }
                // A record that would take the batch past its byte limit starts a new one.
                if !queue.open.is_empty() && queue.open_bytes + size > self.config.max_batch_bytes {
                    queue.seal();
                    queue.opened_at = Instant::now();
                }
                queue.open.push(Pending {
                    record: record.into_proto(),
                    ack,
                });
                queue.open_bytes += size;
                // With no linger there is nothing to wait for: waiting for the timer would add
                // a tick of latency to every record.
                if queue.open.len() >= self.config.max_batch_records
                    || queue.open_bytes >= self.config.max_batch_bytes
                    || self.config.linger.is_zero()
                {
                    queue.seal();
                }
            }
            Command::Flush(done) => {
                self.seal_all();
                self.flushes.push(done);
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.queues
            .values()
            .filter(|q| !q.open.is_empty())
            .map(|q| q.opened_at + self.config.linger)
            .min()
    }

    fn seal_expired(&mut self) {
        let now = Instant::now();
        for queue in self.queues.values_mut() {
            if !queue.open.is_empty() && queue.opened_at + self.config.linger <= now {
                queue.seal();
            }
        }
    }

    fn seal_all(&mut self) {
        self.queues.values_mut().for_each(Queue::seal);
    }

    fn finished(&mut self, done: Done) {
        if let Some(queue) = self.queues.get_mut(&done.key) {
            queue.in_flight = false;
            if done.failed {
                queue.producer_id = random_producer_id();
                queue.next_sequence = 0;
            }
        }
    }

    /// Sends the oldest sealed batch of every partition that has none out.
    fn dispatch(&mut self) {
        for (key, queue) in &mut self.queues {
            if queue.in_flight {
                continue;
            }
            let Some(batch) =
                queue.take_request(self.config.max_batch_records, self.config.max_batch_bytes)
            else {
                continue;
            };
            let count = batch.len() as u32;
            let producer = self
                .config
                .idempotent
                .then_some((queue.producer_id, queue.next_sequence));
            queue.next_sequence = queue.next_sequence.wrapping_add(count);
            queue.in_flight = true;
            tokio::spawn(send_batch(
                self.client.clone(),
                key.clone(),
                batch,
                producer,
                self.config.clone(),
                self.done_tx.clone(),
            ));
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Sends one batch, retrying retryable failures, and answers each record's acknowledgement.
async fn send_batch(
    mut client: ProduceServiceClient<Transport>,
    key: PartitionKey,
    batch: Vec<Pending>,
    producer: Option<(u64, u32)>,
    config: ProducerConfig,
    done: mpsc::UnboundedSender<Done>,
) {
    let (records, acks): (Vec<_>, Vec<_>) = batch.into_iter().map(|p| (p.record, p.ack)).unzip();
    let request = v1::ProduceRequest {
        topic: key.0.clone(),
        partition: Some(key.1),
        records,
        producer_id: producer.map(|(id, _)| id),
        first_sequence: producer.map_or(0, |(_, sequence)| sequence),
        expected_next_offset: None,
        expected_key: None,
    };
    let mut backoff = config.retry_backoff;
    let mut attempt = 0;
    let outcome = loop {
        match client.produce(request.clone()).await {
            Ok(response) => break Ok(response.into_inner()),
            Err(status) if is_retryable(&status) && attempt < config.retries => {
                attempt += 1;
                tracing::debug!(topic = %key.0, partition = key.1, attempt, %status, "retrying batch");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(status) => break Err(status),
        }
    };
    let failed = outcome.is_err();
    match outcome {
        Ok(response) => {
            for (i, ack) in acks.into_iter().enumerate() {
                let _ = ack.send(Ok(Ack {
                    partition: response.partition,
                    offset: response.base_offset + i as u64,
                    timestamp_micros: response.timestamp_micros,
                    duplicate: response.duplicate,
                }));
            }
        }
        Err(status) => {
            for ack in acks {
                let _ = ack.send(Err(Error::Status(status.clone())));
            }
        }
    }
    let _ = done.send(Done { key, failed });
}

/// A producer id unlikely to collide with any other producer's: std's `RandomState` is seeded
/// from the operating system's randomness.
fn random_producer_id() -> u64 {
    use std::hash::BuildHasher;
    std::hash::RandomState::new().hash_one(std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue_with(batches: &[(usize, usize)]) -> Queue {
        let mut q = Queue {
            open: Vec::new(),
            open_bytes: 0,
            opened_at: Instant::now(),
            sealed: VecDeque::new(),
            in_flight: false,
            producer_id: 1,
            next_sequence: 0,
        };
        for &(records, bytes) in batches {
            let batch = (0..records)
                .map(|_| Pending {
                    record: v1::NewRecord::default(),
                    ack: oneshot::channel().0,
                })
                .collect();
            q.sealed.push_back((batch, bytes));
        }
        q
    }

    #[test]
    fn batches_waiting_behind_one_in_flight_go_out_as_one_request() {
        let mut q = queue_with(&[(2, 20), (3, 30), (4, 40), (1, 10)]);
        // Within 10 records and 1000 bytes: the first three merge, the fourth would pass 10.
        assert_eq!(q.take_request(9, 1000).map(|b| b.len()), Some(9));
        assert_eq!(q.take_request(9, 1000).map(|b| b.len()), Some(1));
        assert!(q.take_request(9, 1000).is_none());
        // The byte limit stops merging too; a single batch always goes out.
        let mut q = queue_with(&[(2, 60), (2, 60)]);
        assert_eq!(q.take_request(100, 100).map(|b| b.len()), Some(2));
        assert_eq!(q.take_request(100, 100).map(|b| b.len()), Some(2));
    }
}
