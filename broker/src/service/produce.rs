//! ProduceService: one request is one atomic batch appended to one partition.
//!
//! Routing: an explicit partition wins; otherwise the batch's keys choose it through
//! [`partition_for_key`] (they must all agree, so a batch stays atomic on one partition); a
//! batch without keys is spread round-robin, which an idempotent producer cannot use because
//! its sequence numbers are per partition.

use std::sync::atomic::Ordering;
use std::time::Instant;

use driftdb_proto::partition_for_key;
use driftdb_proto::v1;
use driftdb_proto::v1::produce_service_server::ProduceService;
use tonic::{Request, Response, Status};

use super::authorize::{Object, Operation};
use super::status::status;
use super::{Broker, blocking, convert, invalid, refuse_system_topic};
use crate::error::Result;
use crate::log::{AppendOptions, KeyCondition, NewRecord};
use crate::metrics;

#[tonic::async_trait]
impl ProduceService for Broker {
    async fn produce(
        &self,
        request: Request<v1::ProduceRequest>,
    ) -> Result<Response<v1::ProduceResponse>, Status> {
        let started = Instant::now();
        let permit = self.permit(request.extensions())?;
        let request = request.into_inner();
        if request.records.is_empty() {
            return Err(status(invalid(
                "a produce request needs at least one record",
            )));
        }
        refuse_system_topic(&request.topic, "write to").map_err(status)?;
        permit.check(Operation::Produce, Object::Topic(&request.topic))?;
        let topic = self.log().topic(&request.topic).map_err(status)?;
        let partition_id = match request.partition {
            Some(id) => id,
            // A key condition names the aggregate, and so its partition.
            None => match &request.expected_key {
                Some(condition) => partition_for_key(&condition.key, topic.partition_count()),
                None => self
                    .route(
                        &request.records,
                        topic.partition_count(),
                        request.producer_id.is_some(),
                    )
                    .map_err(status)?,
            },
        };
        let partition = topic.partition(partition_id).map_err(status)?;
        let records: Vec<NewRecord> = request
            .records
            .into_iter()
            .map(convert::new_record)
            .collect();
        let count = records.len() as u64;
        let bytes: u64 = records.iter().map(|r| r.encoded_len() as u64).sum();
        let options = AppendOptions {
            producer: request.producer_id.map(|id| (id, request.first_sequence)),
            expected_next_offset: request.expected_next_offset,
            ..AppendOptions::default()
        };
        let expected_key = request.expected_key;
        let result = blocking(move || match expected_key {
            None => partition.append(records, options),
            Some(condition) => partition.append_if_key(
                records,
                options,
                KeyCondition {
                    key: &condition.key,
                    last_offset: condition.last_offset,
                },
            ),
        })
        .await?;
        if !result.duplicate {
            metrics::appended(topic.name(), count, bytes);
        }
        metrics::produce_latency(started.elapsed());
        Ok(Response::new(v1::ProduceResponse {
            partition: partition_id,
            base_offset: result.base_offset,
            last_offset: result.last_offset,
            timestamp_micros: result.timestamp,
            duplicate: result.duplicate,
        }))
    }
}

impl Broker {
    /// The partition of a batch that names none.
    fn route(&self, records: &[v1::NewRecord], partitions: u32, idempotent: bool) -> Result<u32> {
        let chosen = route_by_key(records, partitions)?;
        match chosen {
            Some(partition) => Ok(partition),
            None if partitions <= 1 => Ok(0),
            None if idempotent => Err(invalid(
                "an idempotent producer must name the partition of a batch without keys",
            )),
            None => Ok(self.inner.round_robin.fetch_add(1, Ordering::Relaxed) % partitions),
        }
    }
}

/// The one partition every keyed record of the batch maps to, if any record has a key.
fn route_by_key(records: &[v1::NewRecord], partitions: u32) -> Result<Option<u32>> {
    let mut chosen = None;
    for key in records.iter().filter_map(|r| r.key.as_deref()) {
        let partition = partition_for_key(key, partitions);
        match chosen {
            Some(previous) if previous != partition => {
                return Err(invalid(format!(
                    "the batch's keys map to partitions {previous} and {partition}; \
                     send them in separate requests or name a partition"
                )));
            }
            _ => chosen = Some(partition),
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn keyed(key: &'static [u8]) -> v1::NewRecord {
        v1::NewRecord {
            key: Some(key.into()),
            ..Default::default()
        }
    }

    #[test]
    fn keyed_batches_go_to_their_key_partition() {
        let records = [
            keyed(b"order-7"),
            v1::NewRecord::default(),
            keyed(b"order-7"),
        ];
        assert_eq!(
            route_by_key(&records, 8).ok(),
            Some(Some(partition_for_key(b"order-7", 8)))
        );
        assert_eq!(
            route_by_key(&[v1::NewRecord::default()], 8).ok(),
            Some(None)
        );
    }

    #[test]
    fn keys_that_disagree_on_the_partition_are_refused() {
        // Find two keys in different partitions rather than hard-coding hash values.
        let first = b"k0";
        let other = (1..100)
            .map(|i| format!("k{i}"))
            .find(|k| partition_for_key(k.as_bytes(), 4) != partition_for_key(first, 4))
            .expect("100 keys cannot all share one of 4 partitions");
        let records = [
            keyed(first),
            v1::NewRecord {
                key: Some(other.into_bytes().into()),
                ..Default::default()
            },
        ];
        assert!(matches!(
            route_by_key(&records, 4),
            Err(Error::InvalidArgument(_))
        ));
    }
}
