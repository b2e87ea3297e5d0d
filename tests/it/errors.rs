//! Bad requests get the status their cause calls for, and the server keeps serving.

use driftdb_client::proto::produce_service_client::ProduceServiceClient;
use driftdb_client::proto::{NewRecord, ProduceRequest};
use driftdb_client::{Code, Error, ProducerConfig, ProducerRecord, TopicConfig};

use crate::server::fresh;

fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> Code {
    match result {
        Err(e) => e.code().unwrap_or_else(|| panic!("no status code in {e}")),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

#[tokio::test]
async fn bad_requests_get_their_status_and_the_server_keeps_serving() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    let admin = client.admin();
    admin
        .create_topic(
            "small",
            TopicConfig {
                partitions: 2,
                max_record_bytes: Some(1024),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // Admin.
    assert_eq!(
        code(admin.create_topic("small", TopicConfig::default()).await),
        Code::AlreadyExists
    );
    assert_eq!(
        code(admin.create_topic("", TopicConfig::default()).await),
        Code::InvalidArgument
    );
    assert_eq!(
        code(
            admin
                .create_topic("../escape", TopicConfig::default())
                .await
        ),
        Code::InvalidArgument
    );
    let bad_durability = TopicConfig {
        durability: 99,
        ..Default::default()
    };
    assert_eq!(
        code(admin.create_topic("weird", bad_durability).await),
        Code::InvalidArgument
    );
    assert_eq!(code(admin.describe_topic("missing").await), Code::NotFound);
    assert_eq!(code(admin.delete_topic("missing").await), Code::NotFound);

    // Produce.
    let producer = client.producer(ProducerConfig {
        retries: 0,
        ..Default::default()
    });
    let oversized = ProducerRecord::new(vec![b'x'; 4096]).partition(0);
    assert_eq!(
        code(producer.send("small", oversized).await),
        Code::ResourceExhausted
    );
    assert_eq!(
        code(
            producer
                .send("small", ProducerRecord::new("x").partition(7))
                .await
        ),
        Code::NotFound
    );
    assert_eq!(
        code(
            producer
                .send("missing", ProducerRecord::new("x").partition(0))
                .await
        ),
        Code::NotFound
    );
    let mut raw = ProduceServiceClient::new(client.channel());
    let empty = raw
        .produce(ProduceRequest {
            topic: "small".into(),
            partition: Some(0),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    // Keyless and without a partition is fine for a plain producer, not for an idempotent one.
    let keyless = || ProduceRequest {
        topic: "small".into(),
        records: vec![NewRecord {
            value: Some("v".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    raw.produce(keyless()).await.unwrap();
    let idempotent_keyless = ProduceRequest {
        producer_id: Some(1),
        ..keyless()
    };
    assert_eq!(
        raw.produce(idempotent_keyless).await.unwrap_err().code(),
        Code::InvalidArgument
    );

    // Consume.
    let consumer = client.consumer();
    assert_eq!(
        code(consumer.fetch("small", 0, 1000, 0).await),
        Code::OutOfRange
    );
    assert_eq!(code(consumer.fetch("small", 9, 0, 0).await), Code::NotFound);
    assert_eq!(
        code(
            consumer
                .subscribe("small", 0, driftdb_client::Start::Offset(1000))
                .await
        ),
        Code::OutOfRange
    );

    // Still serving.
    let ack = producer
        .send("small", ProducerRecord::new("fine").partition(1))
        .await
        .unwrap();
    let fetched = consumer.fetch("small", 1, ack.offset, 1).await.unwrap();
    assert_eq!(fetched.records[0].value.as_deref(), Some(&b"fine"[..]));
    producer.close().await.unwrap();
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_refused_without_harm() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    client
        .admin()
        .create_topic("big", TopicConfig::default())
        .await
        .unwrap();
    let mut raw = ProduceServiceClient::new(client.channel()).max_encoding_message_size(usize::MAX);
    let huge = ProduceRequest {
        topic: "big".into(),
        partition: Some(0),
        records: vec![NewRecord {
            value: Some(vec![0u8; driftdb_proto::MAX_MESSAGE_BYTES + 1].into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let status = raw.produce(huge).await.unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");

    let producer = client.producer(ProducerConfig::default());
    producer
        .send("big", ProducerRecord::new("small").partition(0))
        .await
        .unwrap();
    producer.close().await.unwrap();
    let described = client.admin().describe_topic("big").await.unwrap();
    assert_eq!(described.partitions[0].end_offset, 1);
}

#[tokio::test]
async fn system_topics_can_be_read_but_not_changed_by_clients() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    let admin = client.admin();
    // The server creates __consumer_offsets for consumer groups at start.
    assert!(admin.describe_topic("__consumer_offsets").await.is_ok());
    assert_eq!(
        code(admin.create_topic("__mine", TopicConfig::default()).await),
        Code::InvalidArgument
    );
    assert_eq!(
        code(admin.delete_topic("__consumer_offsets").await),
        Code::InvalidArgument
    );
    let producer = client.producer(ProducerConfig::default());
    let write = producer
        .send("__consumer_offsets", ProducerRecord::new("forged").key("k"))
        .await;
    assert_eq!(code(write), Code::InvalidArgument);
    // Reading is allowed.
    assert!(
        client
            .consumer()
            .fetch("__consumer_offsets", 0, 0, 10)
            .await
            .is_ok()
    );
}
