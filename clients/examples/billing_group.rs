//! A member of the consumer group `billing` over the topic `orders`: run several copies and
//! they share the partitions; stop one and the others take over its partitions from the
//! group's committed offsets.
//!
//! `cargo run -p driftdb-client --example billing_group [http://127.0.0.1:50051]`

use driftdb_client::{Client, GroupConfig, GroupConsumer};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:50051".to_string());
    let client = Client::connect(server).await?;
    let mut member = GroupConsumer::join(&client, GroupConfig::new("billing", ["orders"])).await?;
    println!(
        "member {} owns {:?}",
        member.member_id(),
        member.assignment()
    );
    loop {
        tokio::select! {
            records = member.poll() => {
                for (topic, partition, record) in records? {
                    println!("{topic}/{partition}@{}: {}", record.offset,
                        String::from_utf8_lossy(record.value.as_deref().unwrap_or_default()));
                }
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    // Commits what was printed and leaves, so the others rebalance at once.
    member.close().await?;
    Ok(())
}
