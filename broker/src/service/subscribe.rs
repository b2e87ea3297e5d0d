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
//! down (the stream ends with `UNAVAILABLE` so clients reconnect elsewhere or later), or on a
//! read error, which is sent as the stream's final status (for example `OUT_OF_RANGE` when
//! retention deleted records the subscriber had not read yet).

use std::sync::Arc;

use driftdb_proto::v1;
use driftdb_proto::v1::start_position::Position;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::{Broker, SUBSCRIBER_BUFFER, blocking, convert, read_limits};
use crate::error::{Error, Result};
use crate::log::{Partition, ReadLimits};
use crate::metrics;

impl Broker {
    /// Resolves the start position and spawns the subscription task.
    pub(super) async fn start_subscription(
        &self,
        request: v1::SubscribeRequest,
    ) -> Result<ReceiverStream<Result<v1::SubscribeResponse, Status>>, Status> {
        let partition = self.partition(&request.topic, request.partition)?;
        let position = request.start.and_then(|s| s.position);
        let resolver = Arc::clone(&partition);
        let next = blocking(move || start_offset(&resolver, position)).await?;
        let limits = read_limits(request.max_bytes, request.max_records);

        let (tx, rx) = mpsc::channel(SUBSCRIBER_BUFFER);
        let shutdown = self.inner.shutdown.clone();
        tokio::spawn(follow(request.topic, partition, next, limits, tx, shutdown));
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

async fn follow(
    topic: String,
    partition: Arc<Partition>,
    mut next: u64,
    limits: ReadLimits,
    tx: mpsc::Sender<Result<v1::SubscribeResponse, Status>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let _active = metrics::Subscriber::start();
    let mut end_watch = partition.watch_end();
    loop {
        let end = *end_watch.borrow_and_update();
        if next < end {
            let reader = Arc::clone(&partition);
            let from = next;
            let records = match blocking(move || reader.read(from, limits)).await {
                Ok(records) => records,
                Err(status) => {
                    let _ = tx.send(Err(status)).await;
                    return;
                }
            };
            let Some(last) = records.last() else {
                // Nothing readable below the end (cannot happen for a dense log, and a
                // compacted one keeps the last record): wait for the end to move rather than
                // spin.
                next = end;
                continue;
            };
            next = last.offset + 1;
            metrics::fetched(
                &topic,
                records.len() as u64,
                records.iter().map(|r| r.encoded_len() as u64).sum(),
            );
            let message = v1::SubscribeResponse {
                records: records.into_iter().map(convert::record).collect(),
                end_offset: end,
            };
            // Waits here while the subscriber's buffer is full: the flow control.
            tokio::select! {
                sent = tx.send(Ok(message)) => if sent.is_err() { return },
                _ = shutting_down(&mut shutdown) => return end_for_shutdown(&tx).await,
            }
            continue;
        }
        tokio::select! {
            changed = end_watch.changed() => {
                if changed.is_err() {
                    // The partition was closed (topic deleted or log closing).
                    let _ = tx.send(Err(Status::from(Error::Closed))).await;
                    return;
                }
            }
            _ = shutting_down(&mut shutdown) => return end_for_shutdown(&tx).await,
            _ = tx.closed() => return,
        }
    }
}

/// Completes once the server begins shutting down (or its handle is gone, which means the
/// same).
async fn shutting_down(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|down| *down).await;
}

async fn end_for_shutdown(tx: &mpsc::Sender<Result<v1::SubscribeResponse, Status>>) {
    // `try_send`: a subscriber whose buffer is full is not waited for during shutdown; its
    // stream simply ends.
    let _ = tx.try_send(Err(Status::unavailable("the server is shutting down")));
}
