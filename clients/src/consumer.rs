//! Reading records: fetch, offsets from time, records of a key, subscriptions.

use std::collections::VecDeque;

use crate::Transport;
use driftdb_proto::v1;
use driftdb_proto::v1::consume_service_client::ConsumeServiceClient;
use driftdb_proto::v1::start_position::Position;
use tonic::Streaming;

use crate::error::Result;

/// Where to start reading a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The oldest record the partition still holds.
    Earliest,
    /// Only records appended from now on.
    Latest,
    /// A given offset.
    Offset(u64),
    /// The first record at or after a time (microseconds since the Unix epoch).
    Timestamp(i64),
}

/// A standalone consumer: the caller chooses partitions and keeps its own positions.
///
/// ```no_run
/// # async fn example(client: driftdb_client::Client) -> driftdb_client::Result<()> {
/// use driftdb_client::Start;
/// let consumer = client.consumer();
/// // Everything in partition 0 from an hour ago on, then live.
/// let an_hour_ago = 1_700_000_000_000_000;
/// let mut stream = consumer.subscribe("orders", 0, Start::Timestamp(an_hour_ago)).await?;
/// while let Some(record) = stream.next().await? {
///     println!("{}: {:?}", record.offset, record.value);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Consumer {
    client: ConsumeServiceClient<Transport>,
}

impl Consumer {
    pub(crate) fn new(client: ConsumeServiceClient<Transport>) -> Self {
        Consumer { client }
    }

    /// Records from `offset` on, at most `max_records` (0: the broker's default). The answer
    /// carries `next_offset` to continue from and the partition's current bounds.
    pub async fn fetch(
        &self,
        topic: &str,
        partition: u32,
        offset: u64,
        max_records: u32,
    ) -> Result<v1::FetchResponse> {
        let response = self
            .client
            .clone()
            .fetch(v1::FetchRequest {
                topic: topic.to_string(),
                partition,
                offset,
                max_bytes: 0,
                max_records,
            })
            .await?;
        Ok(response.into_inner())
    }

    /// The offset a [`Start`] position resolves to now.
    pub async fn offset_for(&self, topic: &str, partition: u32, start: Start) -> Result<u64> {
        use v1::offset_for_timestamp_request::At;
        let at = match start {
            Start::Earliest => At::Earliest(true),
            Start::Latest => At::Latest(true),
            Start::Offset(offset) => return Ok(offset),
            Start::Timestamp(ts) => At::TimestampMicros(ts),
        };
        let response = self
            .client
            .clone()
            .offset_for_timestamp(v1::OffsetForTimestampRequest {
                topic: topic.to_string(),
                partition,
                at: Some(at),
            })
            .await?;
        Ok(response.into_inner().offset)
    }

    /// Every record of `key` from `from_offset` on (at most `max_records`, 0: the broker's
    /// default), from the key's partition.
    pub async fn read_key(
        &self,
        topic: &str,
        key: impl Into<crate::Bytes>,
        from_offset: u64,
        max_records: u32,
    ) -> Result<Vec<v1::Record>> {
        let response = self
            .client
            .clone()
            .read_key(v1::ReadKeyRequest {
                topic: topic.to_string(),
                key: key.into(),
                partition: None,
                from_offset,
                max_records,
            })
            .await?;
        Ok(response.into_inner().records)
    }

    /// Replays `partition` from `start`, then follows new records as they are appended.
    pub async fn subscribe(
        &self,
        topic: &str,
        partition: u32,
        start: Start,
    ) -> Result<Subscription> {
        let position = match start {
            Start::Earliest => Position::Earliest(true),
            Start::Latest => Position::Latest(true),
            Start::Offset(offset) => Position::Offset(offset),
            Start::Timestamp(ts) => Position::TimestampMicros(ts),
        };
        let response = self
            .client
            .clone()
            .subscribe(v1::SubscribeRequest {
                topic: topic.to_string(),
                partition,
                start: Some(v1::StartPosition {
                    position: Some(position),
                }),
                max_records: 0,
                max_bytes: 0,
            })
            .await?;
        Ok(Subscription {
            stream: response.into_inner(),
            buffered: VecDeque::new(),
        })
    }
}

/// A live subscription to one partition. Records arrive in offset order; the broker sends
/// them only as fast as they are read here.
#[derive(Debug)]
pub struct Subscription {
    stream: Streaming<v1::SubscribeResponse>,
    buffered: VecDeque<v1::Record>,
}

impl Subscription {
    /// The next record, waiting for one to be appended if the subscription is caught up.
    /// `None` when the broker ended the stream.
    pub async fn next(&mut self) -> Result<Option<v1::Record>> {
        loop {
            if let Some(record) = self.buffered.pop_front() {
                return Ok(Some(record));
            }
            match self.next_batch().await? {
                Some(batch) => self.buffered.extend(batch),
                None => return Ok(None),
            }
        }
    }

    /// The next batch of records as the broker sent it.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<v1::Record>>> {
        if !self.buffered.is_empty() {
            return Ok(Some(self.buffered.drain(..).collect()));
        }
        Ok(self.stream.message().await?.map(|m| m.records))
    }
}
