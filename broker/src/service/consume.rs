//! ConsumeService: fetch by offset, offsets from time, records of a key, and subscriptions
//! (in [`super::subscribe`]).

use std::pin::Pin;

use driftdb_proto::partition_for_key;
use driftdb_proto::v1;
use driftdb_proto::v1::consume_service_server::ConsumeService;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::authorize::{Object, Operation};
use super::status::status;
use super::{
    Broker, DEFAULT_MAX_RECORDS, LIMIT_MAX_RECORDS, blocking, convert, invalid, read_limits,
};
use crate::metrics;

#[tonic::async_trait]
impl ConsumeService for Broker {
    async fn fetch(
        &self,
        request: Request<v1::FetchRequest>,
    ) -> Result<Response<v1::FetchResponse>, Status> {
        let request = self.consuming(request, |r| &r.topic)?;
        let partition = self
            .partition(&request.topic, request.partition)
            .map_err(status)?;
        let limits = read_limits(request.max_bytes, request.max_records);
        let offset = request.offset;
        let (records, start_offset, end_offset) = blocking(move || {
            let records = partition.read(offset, limits)?;
            Ok((records, partition.start_offset(), partition.end_offset()))
        })
        .await?;
        metrics::fetched(
            &request.topic,
            records.len() as u64,
            records.iter().map(|r| r.encoded_len() as u64).sum(),
        );
        let next_offset = records.last().map_or(offset, |r| r.offset + 1);
        Ok(Response::new(v1::FetchResponse {
            records: records.into_iter().map(convert::record).collect(),
            start_offset,
            end_offset,
            next_offset,
        }))
    }

    async fn offset_for_timestamp(
        &self,
        request: Request<v1::OffsetForTimestampRequest>,
    ) -> Result<Response<v1::OffsetForTimestampResponse>, Status> {
        use v1::offset_for_timestamp_request::At;
        let request = self.consuming(request, |r| &r.topic)?;
        let partition = self
            .partition(&request.topic, request.partition)
            .map_err(status)?;
        let offset = match request.at {
            Some(At::Earliest(_)) => partition.start_offset(),
            Some(At::Latest(_)) => partition.end_offset(),
            Some(At::TimestampMicros(ts)) => {
                blocking(move || partition.offset_for_timestamp(ts)).await?
            }
            None => {
                return Err(status(invalid(
                    "choose earliest, latest or timestamp_micros",
                )));
            }
        };
        Ok(Response::new(v1::OffsetForTimestampResponse { offset }))
    }

    async fn read_key(
        &self,
        request: Request<v1::ReadKeyRequest>,
    ) -> Result<Response<v1::ReadKeyResponse>, Status> {
        let request = self.consuming(request, |r| &r.topic)?;
        let topic = self.log().topic(&request.topic).map_err(status)?;
        let partition_id = request
            .partition
            .unwrap_or_else(|| partition_for_key(&request.key, topic.partition_count()));
        let partition = topic.partition(partition_id).map_err(status)?;
        let max_records = match request.max_records {
            0 => DEFAULT_MAX_RECORDS,
            n => usize::try_from(n).map_or(LIMIT_MAX_RECORDS, |n| n.min(LIMIT_MAX_RECORDS)),
        };
        let key = request.key;
        let from = request.from_offset;
        let records = blocking(move || {
            let from = from.max(partition.start_offset());
            partition.records_for_key(&key, from, max_records)
        })
        .await?;
        metrics::fetched(
            topic.name(),
            records.len() as u64,
            records.iter().map(|r| r.encoded_len() as u64).sum(),
        );
        Ok(Response::new(v1::ReadKeyResponse {
            partition: partition_id,
            records: records.into_iter().map(convert::record).collect(),
        }))
    }

    type SubscribeStream =
        Pin<Box<dyn Stream<Item = Result<v1::SubscribeResponse, Status>> + Send + 'static>>;

    async fn subscribe(
        &self,
        request: Request<v1::SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let permit = self.permit(request.extensions())?;
        permit.check(Operation::Consume, Object::Topic(&request.get_ref().topic))?;
        let stream = self
            .start_subscription(request.into_inner(), permit)
            .await?;
        Ok(Response::new(Box::pin(stream)))
    }
}

impl Broker {
    /// The request, if its caller may consume from the topic `topic` names.
    fn consuming<T>(
        &self,
        request: Request<T>,
        topic: impl Fn(&T) -> &String,
    ) -> Result<T, Status> {
        let permit = self.permit(request.extensions())?;
        permit.check(Operation::Consume, Object::Topic(topic(request.get_ref())))?;
        Ok(request.into_inner())
    }
}
