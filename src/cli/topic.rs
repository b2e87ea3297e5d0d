//! `driftdb topic create|list|describe|delete`.

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use driftdb_client::{Cleanup, Client, Durability, TopicConfig, TopicDescription};

#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// Create a topic.
    Create {
        name: String,
        /// Number of partitions.
        #[arg(long, default_value_t = 1)]
        partitions: u32,
        /// When an append is acknowledged.
        #[arg(long, value_enum, default_value_t = DurabilityArg::Always)]
        durability: DurabilityArg,
        /// fsync period for `--durability interval`.
        #[arg(long, default_value_t = 100)]
        interval_ms: u64,
        /// Delete closed segments older than this.
        #[arg(long)]
        retention_ms: Option<u64>,
        /// Delete the oldest closed segments while a partition is larger than this.
        #[arg(long)]
        retention_bytes: Option<u64>,
        #[arg(long, value_enum, default_value_t = CleanupArg::Delete)]
        cleanup: CleanupArg,
        /// Largest accepted record in bytes.
        #[arg(long)]
        max_record_bytes: Option<u32>,
        /// Roll to a new segment past this size.
        #[arg(long)]
        segment_bytes: Option<u64>,
    },
    /// List topics.
    List,
    /// Show a topic's configuration and partitions.
    Describe { name: String },
    /// Delete a topic and its data.
    Delete { name: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DurabilityArg {
    Always,
    Interval,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CleanupArg {
    Delete,
    Compact,
}

pub(super) async fn run(client: &Client, command: TopicCommand) -> Result<()> {
    let admin = client.admin();
    match command {
        TopicCommand::Create {
            name,
            partitions,
            durability,
            interval_ms,
            retention_ms,
            retention_bytes,
            cleanup,
            max_record_bytes,
            segment_bytes,
        } => {
            let (durability, durability_interval_ms) = match durability {
                DurabilityArg::Always => (Durability::Always, 0),
                DurabilityArg::Interval => (Durability::Interval, interval_ms),
                DurabilityArg::Never => (Durability::Never, 0),
            };
            let config = TopicConfig {
                partitions,
                durability: durability.into(),
                durability_interval_ms,
                retention_ms,
                retention_bytes,
                cleanup: match cleanup {
                    CleanupArg::Delete => Cleanup::Delete,
                    CleanupArg::Compact => Cleanup::Compact,
                }
                .into(),
                max_record_bytes,
                segment_bytes,
                segment_ms: None,
            };
            let topic = admin.create_topic(&name, config).await?;
            println!("created topic {}", topic.name);
        }
        TopicCommand::List => {
            for topic in admin.list_topics().await? {
                let partitions = topic.config.map_or(0, |c| c.partitions);
                println!("{}\t{partitions} partitions", topic.name);
            }
        }
        TopicCommand::Describe { name } => print_description(&admin.describe_topic(&name).await?),
        TopicCommand::Delete { name } => {
            admin.delete_topic(&name).await?;
            println!("deleted topic {name}");
        }
    }
    Ok(())
}

fn print_description(topic: &TopicDescription) {
    println!("topic: {}", topic.name);
    if let Some(c) = &topic.config {
        let durability = match c.durability() {
            Durability::Interval => format!("interval ({} ms)", c.durability_interval_ms),
            Durability::Never => "never".to_string(),
            Durability::Always | Durability::Unspecified => "always".to_string(),
        };
        let cleanup = match c.cleanup() {
            Cleanup::Compact => "compact",
            Cleanup::Delete | Cleanup::Unspecified => "delete",
        };
        let or_none = |v: Option<u64>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
        println!("durability: {durability}");
        println!("cleanup: {cleanup}");
        println!("retention ms: {}", or_none(c.retention_ms));
        println!("retention bytes: {}", or_none(c.retention_bytes));
        println!(
            "max record bytes: {}",
            or_none(c.max_record_bytes.map(u64::from))
        );
        println!("segment bytes: {}", or_none(c.segment_bytes));
    }
    println!("partition\tstart\tend\tbytes\tsegments");
    for p in &topic.partitions {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            p.partition, p.start_offset, p.end_offset, p.size_bytes, p.segment_count
        );
    }
}
