//! Publish a few order events and read them back.
//!
//! Start a server (`cargo run --bin driftdb-server`), then:
//! `cargo run -p driftdb-client --example orders [http://127.0.0.1:50051]`

use driftdb_client::{Client, ProducerConfig, ProducerRecord, Start, TopicConfig};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:50051".to_string());
    let client = Client::connect(server).await?;

    // Create the topic unless it exists already.
    let admin = client.admin();
    if admin.describe_topic("orders").await.is_err() {
        admin
            .create_topic(
                "orders",
                TopicConfig {
                    partitions: 3,
                    ..TopicConfig::default()
                },
            )
            .await?;
    }

    // Batching, idempotent producer: records of one key go to one partition, in order.
    let producer = client.producer(ProducerConfig::default());
    for (order, event) in [
        ("o-1", "OrderPlaced"),
        ("o-2", "OrderPlaced"),
        ("o-1", "PaymentCaptured"),
    ] {
        let record = ProducerRecord::new(format!(r#"{{"order":"{order}","type":"{event}"}}"#))
            .key(order)
            .header("type", event);
        let ack = producer.send("orders", record).await?;
        println!(
            "{order} {event} -> partition {} offset {}",
            ack.partition, ack.offset
        );
    }
    producer.close().await?;

    // Every event of order o-1, from the partition its key maps to.
    let consumer = client.consumer();
    for record in consumer.read_key("orders", "o-1", 0, 100).await? {
        println!(
            "o-1 @{}: {}",
            record.offset,
            String::from_utf8_lossy(record.value.as_deref().unwrap_or_default())
        );
    }

    // Replay partition 0 from the beginning (a subscription would then follow live appends).
    let start = consumer.offset_for("orders", 0, Start::Earliest).await?;
    let page = consumer.fetch("orders", 0, start, 100).await?;
    println!(
        "partition 0 holds {} records from offset {start}",
        page.records.len()
    );
    Ok(())
}
