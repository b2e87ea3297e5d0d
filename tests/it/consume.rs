//! Consuming: subscriptions, offsets from time, records of a key.

use driftdb_client::{ProducerConfig, ProducerRecord, Start, TopicConfig};

use crate::server::{fresh, within};

#[tokio::test]
async fn a_subscription_replays_then_follows_live_appends() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    client
        .admin()
        .create_topic("events", TopicConfig::default())
        .await
        .unwrap();
    let producer = client.producer(ProducerConfig::default());
    for i in 0..5 {
        producer
            .send("events", ProducerRecord::new(format!("old {i}")))
            .await
            .unwrap();
    }

    let mut subscription = client
        .consumer()
        .subscribe("events", 0, Start::Earliest)
        .await
        .unwrap();
    for i in 0..5u64 {
        let record = within("replay", subscription.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.offset, i);
        assert_eq!(record.value.as_deref(), Some(format!("old {i}").as_bytes()));
    }

    // Caught up: what is appended now arrives on the open stream.
    let live_producer = tokio::spawn({
        let client = client.clone();
        async move {
            let producer = client.producer(ProducerConfig::default());
            for i in 0..3 {
                producer
                    .send("events", ProducerRecord::new(format!("new {i}")))
                    .await
                    .unwrap();
            }
            producer.close().await.unwrap();
        }
    });
    for i in 0..3u64 {
        let record = within("live record", subscription.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.offset, 5 + i);
        assert_eq!(record.value.as_deref(), Some(format!("new {i}").as_bytes()));
    }
    live_producer.await.unwrap();
    producer.close().await.unwrap();
}

#[tokio::test]
async fn a_latest_subscription_sees_only_new_records() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    client
        .admin()
        .create_topic("ticks", TopicConfig::default())
        .await
        .unwrap();
    let producer = client.producer(ProducerConfig::default());
    producer
        .send("ticks", ProducerRecord::new("before"))
        .await
        .unwrap();

    let mut subscription = client
        .consumer()
        .subscribe("ticks", 0, Start::Latest)
        .await
        .unwrap();
    producer
        .send("ticks", ProducerRecord::new("after"))
        .await
        .unwrap();
    let record = within("live record", subscription.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.offset, record.value.as_deref()),
        (1, Some(&b"after"[..]))
    );
    producer.close().await.unwrap();
}

#[tokio::test]
async fn offsets_resolve_from_time_and_keys_read_back_their_history() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    client
        .admin()
        .create_topic("accounts", TopicConfig::default())
        .await
        .unwrap();
    let producer = client.producer(ProducerConfig::default());
    let base = 1_700_000_000_000_000i64;
    for i in 0..10i64 {
        let record = ProducerRecord::new(format!("v{i}"))
            .key(if i % 2 == 0 { "even" } else { "odd" })
            .timestamp_micros(base + i * 1_000_000);
        producer.send("accounts", record).await.unwrap();
    }
    producer.close().await.unwrap();

    let consumer = client.consumer();
    assert_eq!(
        consumer
            .offset_for("accounts", 0, Start::Earliest)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        consumer
            .offset_for("accounts", 0, Start::Latest)
            .await
            .unwrap(),
        10
    );
    let at = consumer
        .offset_for("accounts", 0, Start::Timestamp(base + 4_500_000))
        .await
        .unwrap();
    assert_eq!(at, 5);

    let odd = consumer.read_key("accounts", "odd", 0, 0).await.unwrap();
    let values: Vec<_> = odd.iter().map(|r| r.value.clone().unwrap()).collect();
    assert_eq!(values, ["v1", "v3", "v5", "v7", "v9"]);

    let mut from_time = consumer
        .subscribe("accounts", 0, Start::Timestamp(base + 8_000_000))
        .await
        .unwrap();
    let first = within("replay from time", from_time.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.offset, 8);
}

#[tokio::test]
async fn a_subscriber_that_stops_reading_holds_back_only_itself() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    let never = TopicConfig {
        durability: driftdb_client::Durability::Never.into(),
        ..Default::default()
    };
    client
        .admin()
        .create_topic("firehose", never)
        .await
        .unwrap();

    // Subscribed, but not reading while 20 MiB are produced.
    let mut stalled = client
        .consumer()
        .subscribe("firehose", 0, Start::Earliest)
        .await
        .unwrap();
    let producer = client.producer(ProducerConfig::default());
    let value = vec![b'x'; 1024];
    let mut pending = Vec::new();
    for i in 0..20_000u32 {
        let mut record = value.clone();
        record[..4].copy_from_slice(&i.to_be_bytes());
        pending.push(
            producer
                .enqueue("firehose", ProducerRecord::new(record))
                .await
                .unwrap(),
        );
    }
    for ack in pending {
        within("producing past a stalled subscriber", ack)
            .await
            .unwrap();
    }
    producer.close().await.unwrap();

    // The stalled subscriber then gets everything, in order, nothing skipped.
    for i in 0..20_000u32 {
        let record = within("catching up", stalled.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.offset, u64::from(i));
        assert_eq!(
            record.value.as_deref().map(|v| &v[..4]),
            Some(&i.to_be_bytes()[..])
        );
    }
}

#[tokio::test]
async fn deleting_a_topic_ends_its_subscriptions() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    client
        .admin()
        .create_topic("doomed", TopicConfig::default())
        .await
        .unwrap();
    client
        .admin()
        .create_topic("kept", TopicConfig::default())
        .await
        .unwrap();
    let mut doomed = client
        .consumer()
        .subscribe("doomed", 0, Start::Latest)
        .await
        .unwrap();
    let mut kept = client
        .consumer()
        .subscribe("kept", 0, Start::Latest)
        .await
        .unwrap();

    client.admin().delete_topic("doomed").await.unwrap();
    let ended = within("the deleted topic's stream to end", doomed.next()).await;
    assert_eq!(
        ended.unwrap_err().code(),
        Some(driftdb_client::Code::NotFound)
    );

    // Other subscriptions carry on.
    let producer = client.producer(ProducerConfig::default());
    producer
        .send("kept", ProducerRecord::new("still here"))
        .await
        .unwrap();
    let record = within("the other stream", kept.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.value.as_deref(), Some(&b"still here"[..]));
    producer.close().await.unwrap();
}
