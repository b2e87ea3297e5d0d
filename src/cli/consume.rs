//! `driftdb consume TOPIC`: print records, one per line, and optionally follow the topic.
//!
//! Without `--follow` it reads each partition from the start position to the end it had when
//! reading began, then exits. With `--follow` it subscribes to every partition and prints
//! records as they arrive (interleaved across partitions, in order within each) until
//! `--count` records were printed or it is interrupted.
//!
//! `driftdb consume --table T` prints a SQL table's changes instead: one JSON object per
//! insert, update or delete (`sequence`, `commit_time_micros`, `op`, `before`, `after`), from
//! the table's first commit (or `--from-seq`, `--since`), to the newest commit or, with
//! `--follow`, live.

use std::io::Write;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use driftdb_client::proto::{TableChange, table_change};
use driftdb_client::{
    AssignmentStrategy, Client, GroupConfig, GroupConsumer, Record, Start, TableStart,
};
use tokio::sync::mpsc;

use super::time::parse_since;

#[derive(Debug, Args)]
pub struct ConsumeArgs {
    /// The topic to read (or --table).
    #[arg(required_unless_present = "table")]
    pub topic: Option<String>,
    /// Print this SQL table's changes instead of a topic's records.
    #[arg(long, conflicts_with_all = ["topic", "partition", "offset", "group", "format"])]
    pub table: Option<String>,
    /// With --table: start at this sequence (@SEQ:n).
    #[arg(long, requires = "table", group = "start")]
    pub from_seq: Option<u64>,
    /// Read only this partition (default: all).
    #[arg(long)]
    pub partition: Option<u32>,
    /// Start at the oldest record (the default without --follow).
    #[arg(long, group = "start")]
    pub from_beginning: bool,
    /// Start at this offset (needs --partition on a topic with several partitions).
    #[arg(long, group = "start")]
    pub offset: Option<u64>,
    /// Start at the first record at or after this time: RFC 3339, microseconds since the
    /// epoch, or a duration ago such as 15m.
    #[arg(long, group = "start")]
    pub since: Option<String>,
    /// Stop after this many records.
    #[arg(long)]
    pub count: Option<u64>,
    /// Keep printing records as they are appended (default start: new records only).
    #[arg(long)]
    pub follow: bool,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Consume as a member of this consumer group: share the partitions with the group's
    /// other members and commit progress, resuming from the group's committed offsets.
    #[arg(long, conflicts_with_all = ["partition", "offset"])]
    pub group: Option<String>,
    /// How the group spreads partitions over its members.
    #[arg(long, value_enum, default_value_t = GroupStrategy::Range, requires = "group")]
    pub strategy: GroupStrategy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupStrategy {
    Range,
    RoundRobin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per record: partition, offset, timestamp, key, headers, value.
    Json,
    /// The value bytes followed by a newline.
    Raw,
}

pub(super) async fn run(client: &Client, args: ConsumeArgs) -> Result<()> {
    if let Some(table) = &args.table {
        return table_changes(client, table, &args).await;
    }
    let topic_name = args.topic.clone().unwrap_or_default();
    let partitions = match args.partition {
        Some(partition) => vec![partition],
        None => {
            let topic = client.admin().describe_topic(&topic_name).await?;
            topic.partitions.iter().map(|p| p.partition).collect()
        }
    };
    if args.offset.is_some() && partitions.len() > 1 {
        bail!(
            "--offset needs --partition: {} has {} partitions",
            topic_name,
            partitions.len()
        );
    }
    let start = if args.from_beginning {
        Start::Earliest
    } else if let Some(offset) = args.offset {
        Start::Offset(offset)
    } else if let Some(since) = &args.since {
        Start::Timestamp(parse_since(since, now_micros())?)
    } else if args.follow {
        Start::Latest
    } else {
        Start::Earliest
    };
    let limit = args.count.unwrap_or(u64::MAX);
    let mut out = Output::new(args.format);
    if let Some(group) = &args.group {
        return consume_group(client, &args, group, start, limit, &mut out).await;
    }
    if args.follow {
        follow(client, &topic_name, &partitions, start, limit, &mut out).await
    } else {
        read_to_end(client, &topic_name, &partitions, start, limit, &mut out).await
    }
}

/// `--table`: the table's changes as JSON lines, to the newest commit or, with `--follow`,
/// live.
async fn table_changes(client: &Client, table: &str, args: &ConsumeArgs) -> Result<()> {
    let start = if let Some(seq) = args.from_seq {
        TableStart::Sequence(seq)
    } else if let Some(since) = &args.since {
        TableStart::TimestampMicros(parse_since(since, now_micros())?)
    } else if args.follow && !args.from_beginning {
        TableStart::Now
    } else {
        TableStart::Beginning
    };
    let mut changes = client.tables().follow(table, start).await?;
    let limit = args.count.unwrap_or(u64::MAX);
    let mut out = Output::new(Format::Json);
    let mut printed = 0;
    while printed < limit {
        let Some(change) = changes.next().await? else {
            bail!("the server ended the change stream");
        };
        if change.caught_up {
            if !args.follow {
                break;
            }
            continue;
        }
        if !out.line(&json_change(&change))? {
            return Ok(());
        }
        printed += 1;
        if !out.flush()? {
            return Ok(());
        }
    }
    out.flush()?;
    Ok(())
}

/// A table change as JSON: the rows are the server's JSON objects, embedded as JSON.
fn json_change(change: &TableChange) -> serde_json::Value {
    let row = |r: &Option<String>| {
        r.as_deref().map_or(serde_json::Value::Null, |text| {
            serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::from(text))
        })
    };
    let op = match change.kind() {
        table_change::Kind::Insert => "insert",
        table_change::Kind::Update => "update",
        table_change::Kind::Delete => "delete",
        table_change::Kind::Unspecified => "unknown",
    };
    serde_json::json!({
        "table": change.table,
        "sequence": change.sequence,
        "commit_time_micros": change.commit_time_micros,
        "op": op,
        "before": row(&change.before),
        "after": row(&change.after),
    })
}

/// Group-managed: prints records of the member's partitions and commits after each printed
/// batch (at least once). Without `--follow`, stops once every partition is caught up.
async fn consume_group(
    client: &Client,
    args: &ConsumeArgs,
    group: &str,
    start: Start,
    limit: u64,
    out: &mut Output,
) -> Result<()> {
    let mut config = GroupConfig::new(group, args.topic.clone());
    config.auto_commit = false;
    config.start = start;
    config.strategy = match args.strategy {
        GroupStrategy::Range => AssignmentStrategy::Range,
        GroupStrategy::RoundRobin => AssignmentStrategy::RoundRobin,
    };
    let mut consumer = GroupConsumer::join(client, config).await?;
    let mut printed = 0;
    let result = async {
        while printed < limit {
            let records = if args.follow {
                consumer.poll().await?
            } else {
                consumer.poll_once().await?
            };
            if records.is_empty() && !args.follow {
                break;
            }
            for (i, (_, partition, record)) in records.iter().enumerate() {
                if printed >= limit {
                    // Rewind each partition to its first unprinted record, so the commit
                    // below does not skip what was fetched but never printed.
                    let mut rewound = std::collections::HashSet::new();
                    for (topic, partition, record) in &records[i..] {
                        if rewound.insert(*partition) {
                            consumer.seek(topic, *partition, record.offset)?;
                        }
                    }
                    break;
                }
                if !out.record(*partition, record)? {
                    return Ok(());
                }
                printed += 1;
            }
            if !out.flush()? {
                return Ok(());
            }
            consumer.commit().await?;
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
    consumer.close().await?;
    result
}

async fn read_to_end(
    client: &Client,
    topic: &str,
    partitions: &[u32],
    start: Start,
    limit: u64,
    out: &mut Output,
) -> Result<()> {
    let consumer = client.consumer();
    let mut printed = 0;
    for &partition in partitions {
        let mut offset = consumer.offset_for(topic, partition, start).await?;
        let mut end = None;
        while printed < limit {
            let response = consumer.fetch(topic, partition, offset, 0).await?;
            let end = *end.get_or_insert(response.end_offset);
            for record in &response.records {
                if record.offset >= end || printed >= limit {
                    break;
                }
                if !out.record(partition, record)? {
                    return Ok(());
                }
                printed += 1;
            }
            offset = response.next_offset;
            if response.records.is_empty() || offset >= end {
                break;
            }
        }
        if !out.flush()? {
            return Ok(());
        }
    }
    Ok(())
}

async fn follow(
    client: &Client,
    topic: &str,
    partitions: &[u32],
    start: Start,
    limit: u64,
    out: &mut Output,
) -> Result<()> {
    let (tx, mut rx) = mpsc::channel::<Result<(u32, Vec<Record>)>>(partitions.len().max(1) * 2);
    let consumer = client.consumer();
    for &partition in partitions {
        let mut subscription = consumer.subscribe(topic, partition, start).await?;
        let tx = tx.clone();
        tokio::spawn(async move {
            loop {
                let batch = match subscription.next_batch().await {
                    Ok(Some(batch)) => Ok((partition, batch)),
                    Ok(None) => return,
                    Err(e) => Err(e.into()),
                };
                let failed = batch.is_err();
                if tx.send(batch).await.is_err() || failed {
                    return;
                }
            }
        });
    }
    drop(tx);
    let mut printed = 0;
    while printed < limit {
        let Some(batch) = rx.recv().await else {
            bail!("the broker ended the subscription");
        };
        let (partition, records) = batch.context("subscription failed")?;
        for record in &records {
            if printed >= limit {
                break;
            }
            if !out.record(partition, record)? {
                return Ok(());
            }
            printed += 1;
        }
        if !out.flush()? {
            return Ok(());
        }
    }
    Ok(())
}

/// Buffered stdout that treats a closed pipe (`| head`) as the reader being done.
struct Output {
    format: Format,
    stdout: std::io::BufWriter<std::io::Stdout>,
}

impl Output {
    fn new(format: Format) -> Self {
        Output {
            format,
            stdout: std::io::BufWriter::new(std::io::stdout()),
        }
    }

    /// Writes one JSON value as a line; `false` if the reader has gone away.
    fn line(&mut self, value: &serde_json::Value) -> Result<bool> {
        let mut line = serde_json::to_vec(value)?;
        line.push(b'\n');
        self.write(|w| w.write_all(&line))
    }

    /// Writes one record; `false` if the reader has gone away.
    fn record(&mut self, partition: u32, record: &Record) -> Result<bool> {
        let line = match self.format {
            Format::Json => {
                let mut line = serde_json::to_vec(&json_record(partition, record))?;
                line.push(b'\n');
                line
            }
            Format::Raw => {
                let mut line = record.value.as_deref().unwrap_or_default().to_vec();
                line.push(b'\n');
                line
            }
        };
        self.write(|w| w.write_all(&line))
    }

    fn flush(&mut self) -> Result<bool> {
        self.write(|w| w.flush())
    }

    fn write(
        &mut self,
        f: impl FnOnce(&mut std::io::BufWriter<std::io::Stdout>) -> std::io::Result<()>,
    ) -> Result<bool> {
        match f(&mut self.stdout) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(e).context("writing to standard output"),
        }
    }
}

/// A record as JSON. Keys, values and header values are strings when they are UTF-8, and
/// arrays of byte values otherwise; a tombstone's value is `null`.
fn json_record(partition: u32, record: &Record) -> serde_json::Value {
    let bytes = |b: &[u8]| match std::str::from_utf8(b) {
        Ok(s) => serde_json::Value::from(s),
        Err(_) => serde_json::Value::from(b.to_vec()),
    };
    let headers: serde_json::Map<String, serde_json::Value> = record
        .headers
        .iter()
        .map(|h| (h.name.clone(), bytes(&h.value)))
        .collect();
    serde_json::json!({
        "partition": partition,
        "offset": record.offset,
        "timestamp_micros": record.timestamp_micros,
        "key": record.key.as_deref().map(bytes),
        "headers": headers,
        "value": record.value.as_deref().map(bytes),
    })
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use driftdb_client::Header;

    #[test]
    fn json_output_shows_text_as_strings_and_binary_as_bytes() {
        let record = Record {
            offset: 7,
            timestamp_micros: 1,
            key: Some("order-1".into()),
            headers: vec![Header {
                name: "type".into(),
                value: "placed".into(),
            }],
            value: Some(vec![0xff, 0x00].into()),
        };
        let json = json_record(2, &record);
        assert_eq!(json["partition"], 2);
        assert_eq!(json["offset"], 7);
        assert_eq!(json["key"], "order-1");
        assert_eq!(json["headers"]["type"], "placed");
        assert_eq!(json["value"], serde_json::json!([255, 0]));
    }
}
