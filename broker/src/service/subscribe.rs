//! Subscriptions: replay a partition from a start position, then follow it live.
//!
//! One task per subscription alternates between reading what is visible and waiting on the
//! partition's end-offset watch. The watch value is marked seen *before* each read, so an
//! append that lands during the read changes it again and the next wait returns at once: no
//! append is missed and nothing polls. Batches go to the gRPC stream through a channel of
//! [`SUBSCRIBER_BUFFER`] slots; when the subscriber reads slowly the task waits in `send`, so
//! memory per subscriber is bounded by the buffer times the per-message byte limit.
//!
//! The task ends when the subscriber goes away (the channel closes), when the server shuts
//! down (the stream ends with `UNAVAILABLE` so clients reconnect elsewhere or later), when its
//! topic is deleted (`NOT_FOUND`; `DeleteTopic` bumps a watch every waiting task checks), or
//! on a read error, which is sent as the stream's final status (for example `OUT_OF_RANGE`
//! when retention deleted records the subscriber had not read yet), or when its caller may no
//! longer consume from the topic (`PERMISSION_DENIED`: the task asks again whenever the
//! authorizer's privileges change, so a `REVOKE` ends the stream at its commit).

use std::sync::Arc;

use driftdb_proto::v1;
use driftdb_proto::v1::start_position::Position;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::authorize::{Object, Operation, Permit};
use super::status::status;
use super::{Broker, SUBSCRIBER_BUFFER, blocking, convert, read_limits};
use crate::error::{Error, Result};
use crate::log::{Log, Partition, ReadLimits};
use crate::metrics;

impl Broker {
    /// Resolves the start position and spawns the subscription task.
    pub(super) async fn start_subscription(
        &self,
        request: v1::SubscribeRequest,
        permit: Permit,
    ) -> Result<ReceiverStream<Result<v1::SubscribeResponse, Status>>, Status> {
        let partition = self
            .partition(&request.topic, request.partition)
            .map_err(status)?;
        let position = request.start.and_then(|s| s.position);
        let resolver = Arc::clone(&partition);
        let next = blocking(move || start_offset(&resolver, position)).await?;
        let limits = read_limits(request.max_bytes, request.max_records);

        let (tx, rx) = mpsc::channel(SUBSCRIBER_BUFFER);
        let subscription = Subscription {
            log: Arc::clone(self.log()),
            topic: request.topic,
            partition,
            limits,
            tx,
            shutdown: self.inner.shutdown.clone(),
            deletions: self.inner.deletions.subscribe(),
            privileges: permit.changes(),
            permit,
        };
        tokio::spawn(subscription.follow(next));
        Ok(ReceiverStream::new(rx))
    }
}

/// The first offset a subscription reads.
fn start_offset(partition: &Partition, position: Option<Position>) -> Result<u64> {
    match position {
        Some(Position::Earliest(_)) => Ok(partition.start_offset()),
        None | Some(Position::Latest(_)) => Ok(partition.end_offset()),
        Some(Position::TimestampMicros(ts)) => partition.offset_for_timestamp(ts),
        Some(Position::Offset(offset)) => {
            let (start, end) = (partition.start_offset(), partition.end_offset());
            if offset < start || offset > end {
                return Err(Error::OffsetOutOfRange {
                    requested: offset,
                    start,
                    end,
                });
            }
            Ok(offset)
        }
    }
}

/// One subscription's task state.
struct Subscription {
    log: Arc<Log>,
    topic: String,
    partition: Arc<Partition>,
    limits: ReadLimits,
    tx: mpsc::Sender<Result<v1::SubscribeResponse, Status>>,
    shutdown: watch::Receiver<bool>,
    /// Changes whenever a topic is deleted through the service.
    deletions: watch::Receiver<u64>,
    permit: Permit,
    /// Changes whenever the permit's answers may have; `None` for a permit of everything.
    privileges: Option<watch::Receiver<u64>>,
}

impl Subscription {
    async fn follow(mut self, mut next: u64) {
        let _active = metrics::Subscriber::start();
        let mut end_watch = self.partition.watch_end();
        loop {
            if let Err(denied) = self.still_allowed() {
                let _ = self.tx.send(Err(denied)).await;
                return;
            }
            let end = *end_watch.borrow_and_update();
            if next < end {
                let reader = Arc::clone(&self.partition);
                let (from, limits) = (next, self.limits);
                let records = match blocking(move || reader.read(from, limits)).await {
                    Ok(records) => records,
                    Err(status) => {
                        let _ = self.tx.send(Err(status)).await;
                        return;
                    }
                };
                let Some(last) = records.last() else {
                    // Nothing readable below the end (cannot happen for a dense log, and a
                    // compacted one keeps the last record): wait for the end to move rather
                    // than spin.
                    next = end;
                    continue;
                };
                next = last.offset + 1;
                metrics::fetched(
                    &self.topic,
                    records.len() as u64,
                    records.iter().map(|r| r.encoded_len() as u64).sum(),
                );
                let message = v1::SubscribeResponse {
                    records: records.into_iter().map(convert::record).collect(),
                    end_offset: end,
                };
                // Waits here while the subscriber's buffer is full: the flow control.
                tokio::select! {
                    sent = self.tx.send(Ok(message)) => if sent.is_err() { return },
                    _ = shutting_down(&mut self.shutdown) => return end_for_shutdown(&self.tx),
                }
                continue;
            }
            tokio::select! {
                // The partition outlives this wait (we hold it), so its sender never drops.
                _ = end_watch.changed() => {}
                deleted = self.deletions.changed() => {
                    if deleted.is_err() {
                        // The service itself is gone: the server is stopping.
                        return end_for_shutdown(&self.tx);
                    }
                    if !self.partition_exists() {
                        let gone = Error::UnknownTopic(self.topic.clone());
                        let _ = self.tx.try_send(Err(status(gone)));
                        return;
                    }
                }
                _ = shutting_down(&mut self.shutdown) => return end_for_shutdown(&self.tx),
                _ = self.tx.closed() => return,
                changed = privileges_changed(&mut self.privileges) => {
                    if changed.is_err() {
                        return end_for_shutdown(&self.tx);
                    }
                    if let Err(denied) = self.allowed() {
                        let _ = self.tx.try_send(Err(denied));
                        return;
                    }
                }
            }
        }
    }

    /// `PERMISSION_DENIED` if privileges changed since last asked and the caller may no
    /// longer consume from the topic.
    fn still_allowed(&mut self) -> Result<(), Status> {
        let Some(changes) = &mut self.privileges else {
            return Ok(());
        };
        if !changes.has_changed().unwrap_or(false) {
            return Ok(());
        }
        changes.borrow_and_update();
        self.allowed()
    }

    fn allowed(&self) -> Result<(), Status> {
        self.permit
            .check(Operation::Consume, Object::Topic(&self.topic))
    }

    /// Whether the log still serves this partition (not deleted, nor deleted and recreated).
    fn partition_exists(&self) -> bool {
        self.log
            .topic(&self.topic)
            .and_then(|topic| topic.partition(self.partition.id()))
            .is_ok_and(|current| Arc::ptr_eq(&current, &self.partition))
    }
}

/// Completes when privileges may have changed (marking the change seen); never for a
/// subscription allowed everything.
async fn privileges_changed(
    privileges: &mut Option<watch::Receiver<u64>>,
) -> Result<(), watch::error::RecvError> {
    match privileges {
        Some(changes) => changes.changed().await,
        None => std::future::pending().await,
    }
}

/// Completes once the server begins shutting down (or its handle is gone, which means the
/// same).
async fn shutting_down(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|down| *down).await;
}

fn end_for_shutdown(tx: &mpsc::Sender<Result<v1::SubscribeResponse, Status>>) {
    // `try_send`: a subscriber whose buffer is full is not waited for during shutdown; its
    // stream simply ends.
    let _ = tx.try_send(Err(Status::unavailable("the server is shutting down")));
}
