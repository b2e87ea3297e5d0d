//! Producing: round trips, ordering, idempotence, optimistic concurrency.

use std::collections::HashMap;

use driftdb_client::proto::produce_service_client::ProduceServiceClient;
use driftdb_client::proto::{NewRecord, ProduceRequest};
use driftdb_client::{Code, ProducerConfig, ProducerRecord, TopicConfig, partition_for_key};

use crate::server::{fresh, within};

fn partitions(n: u32) -> TopicConfig {
    TopicConfig {
        partitions: n,
        ..Default::default()
    }
}

#[tokio::test]
async fn records_round_trip_with_keys_headers_and_timestamps() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    client
        .admin()
        .create_topic("orders", partitions(3))
        .await
        .unwrap();

    let producer = client.producer(ProducerConfig::default());
    let mut sent = Vec::new();
    for i in 0..30u32 {
        let key = format!("order-{}", i % 7);
        let record = ProducerRecord::new(format!("event {i}"))
            .key(key.clone())
            .header("type", "OrderPlaced")
            .header("seq", i.to_string())
            .timestamp_micros(1_700_000_000_000_000 + i64::from(i));
        let ack = within("send", producer.send("orders", record))
            .await
            .unwrap();
        assert_eq!(ack.partition, partition_for_key(key.as_bytes(), 3));
        sent.push((ack, key, i));
    }
    producer.close().await.unwrap();

    let consumer = client.consumer();
    for (ack, key, i) in sent {
        let fetched = consumer
            .fetch("orders", ack.partition, ack.offset, 1)
            .await
            .unwrap();
        let record = &fetched.records[0];
        assert_eq!(record.offset, ack.offset);
        assert_eq!(record.key.as_deref(), Some(key.as_bytes()));
        assert_eq!(
            record.value.as_deref(),
            Some(format!("event {i}").as_bytes())
        );
        let headers: Vec<(&str, &[u8])> = record
            .headers
            .iter()
            .map(|h| (h.name.as_str(), &h.value[..]))
            .collect();
        assert_eq!(
            headers,
            [
                ("type", &b"OrderPlaced"[..]),
                ("seq", i.to_string().as_bytes())
            ]
        );
        assert_eq!(
            record.timestamp_micros,
            1_700_000_000_000_000 + i64::from(i)
        );
    }
}

#[tokio::test]
async fn each_partition_keeps_the_order_records_were_sent_in() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    client
        .admin()
        .create_topic("ledger", partitions(4))
        .await
        .unwrap();

    // Many records in flight at once from one producer, small batches so there are many.
    let producer = client.producer(ProducerConfig {
        max_batch_records: 7,
        ..Default::default()
    });
    let mut pending = Vec::new();
    for i in 0..400u32 {
        let record = ProducerRecord::new(i.to_string()).key(format!("account-{}", i % 10));
        pending.push(producer.enqueue("ledger", record).await.unwrap());
    }
    for ack in pending {
        within("ack", ack).await.unwrap();
    }
    producer.close().await.unwrap();

    let consumer = client.consumer();
    let mut last_per_key: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut total = 0;
    for partition in 0..4 {
        let mut offset = 0;
        loop {
            let fetched = consumer
                .fetch("ledger", partition, offset, 50)
                .await
                .unwrap();
            if fetched.records.is_empty() {
                break;
            }
            for record in &fetched.records {
                assert_eq!(record.offset, offset, "offsets are dense");
                offset += 1;
                total += 1;
                let key = record.key.clone().unwrap().to_vec();
                let value: u32 = std::str::from_utf8(record.value.as_deref().unwrap())
                    .unwrap()
                    .parse()
                    .unwrap();
                if let Some(previous) = last_per_key.insert(key, value) {
                    assert!(
                        previous < value,
                        "{value} after {previous} in partition {partition}"
                    );
                }
            }
        }
    }
    assert_eq!(total, 400);
    assert_eq!(last_per_key.len(), 10);
}

#[tokio::test]
async fn a_retried_idempotent_batch_is_written_once() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    client
        .admin()
        .create_topic("payments", partitions(1))
        .await
        .unwrap();

    let mut raw = ProduceServiceClient::new(client.channel());
    let batch = |first_sequence| ProduceRequest {
        topic: "payments".into(),
        partition: Some(0),
        records: vec![
            NewRecord {
                value: Some("captured".into()),
                ..Default::default()
            };
            3
        ],
        producer_id: Some(42),
        first_sequence,
        expected_next_offset: None,
        expected_key: None,
    };
    let first = raw.produce(batch(0)).await.unwrap().into_inner();
    assert!(!first.duplicate);
    // The same batch again, as a producer does when an acknowledgement was lost.
    let retry = raw.produce(batch(0)).await.unwrap().into_inner();
    assert!(retry.duplicate);
    assert_eq!(
        (retry.base_offset, retry.last_offset),
        (first.base_offset, first.last_offset)
    );
    // The next batch continues the sequence and is written.
    let next = raw.produce(batch(3)).await.unwrap().into_inner();
    assert!(!next.duplicate);
    assert_eq!(next.base_offset, 3);
    // A gap in the sequence is a conflict the producer must resolve.
    let gap = raw.produce(batch(100)).await.unwrap_err();
    assert_eq!(gap.code(), Code::FailedPrecondition, "{gap:?}");

    let described = client.admin().describe_topic("payments").await.unwrap();
    assert_eq!(described.partitions[0].end_offset, 6);
}

#[tokio::test]
async fn an_append_at_a_stale_expected_offset_is_refused() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    client
        .admin()
        .create_topic("account-42", partitions(1))
        .await
        .unwrap();
    let producer = client.producer(ProducerConfig::default());

    let opened = producer
        .append_if("account-42", 0, vec![ProducerRecord::new("opened")], 0)
        .await
        .unwrap();
    assert_eq!(opened.base_offset, 0);

    // A second writer that also read the aggregate at offset 0 loses.
    let stale = producer
        .append_if("account-42", 0, vec![ProducerRecord::new("closed")], 0)
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Some(Code::FailedPrecondition), "{stale}");
    assert!(!stale.is_retryable());

    let current = producer
        .append_if("account-42", 0, vec![ProducerRecord::new("deposited")], 1)
        .await
        .unwrap();
    assert_eq!(current.base_offset, 1);
    let all = client
        .consumer()
        .fetch("account-42", 0, 0, 0)
        .await
        .unwrap();
    let values: Vec<_> = all
        .records
        .iter()
        .map(|r| r.value.clone().unwrap())
        .collect();
    assert_eq!(values, ["opened", "deposited"]);
    producer.close().await.unwrap();
}

#[tokio::test]
async fn an_append_conditioned_on_a_stale_key_offset_is_refused() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    client
        .admin()
        .create_topic("accounts", partitions(4))
        .await
        .unwrap();
    let producer = client.producer(ProducerConfig::default());
    let event = |body: &str, key: &str| ProducerRecord::new(body.to_string()).key(key.to_string());

    // Two aggregates share the topic; each is guarded by its own newest offset.
    let opened = producer
        .append_if_key("accounts", "acct-1", None, vec![event("opened", "acct-1")])
        .await
        .unwrap();
    assert_eq!(opened.partition, partition_for_key(b"acct-1", 4));
    producer
        .append_if_key("accounts", "acct-2", None, vec![event("opened", "acct-2")])
        .await
        .unwrap();
    // A writer that still thinks acct-1 is new loses.
    let stale = producer
        .append_if_key(
            "accounts",
            "acct-1",
            None,
            vec![event("opened again", "acct-1")],
        )
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Some(Code::FailedPrecondition), "{stale}");
    // One that read the newest offset wins.
    producer
        .append_if_key(
            "accounts",
            "acct-1",
            Some(opened.last_offset),
            vec![event("deposited", "acct-1")],
        )
        .await
        .unwrap();

    let history = client
        .consumer()
        .read_key("accounts", "acct-1", 0, 0)
        .await
        .unwrap();
    let values: Vec<_> = history.iter().map(|r| r.value.clone().unwrap()).collect();
    assert_eq!(values, ["opened", "deposited"]);
    producer.close().await.unwrap();
}
