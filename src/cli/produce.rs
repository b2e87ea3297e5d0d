//! `driftdb produce TOPIC`: one record per line of standard input.

use std::collections::VecDeque;

use anyhow::{Context, Result, bail};
use clap::Args;
use driftdb_client::{Client, ProducerConfig, ProducerRecord};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Acknowledgements awaited at most this far behind the line being read.
const MAX_IN_FLIGHT: usize = 10_000;

#[derive(Debug, Args)]
pub struct ProduceArgs {
    pub topic: String,
    /// The key of every record.
    #[arg(long, conflicts_with = "key_field")]
    pub key: Option<String>,
    /// Parse each line as a JSON object and use this field as the key.
    #[arg(long)]
    pub key_field: Option<String>,
    /// A header on every record, as `name=value` (repeatable).
    #[arg(long = "header", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// Send to this partition instead of routing by key.
    #[arg(long)]
    pub partition: Option<u32>,
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected name=value, got {s:?}")),
    }
}

pub(super) async fn run(client: &Client, args: ProduceArgs) -> Result<()> {
    let producer = client.producer(ProducerConfig::default());
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut pending = VecDeque::new();
    let mut produced = 0u64;
    let mut last = std::collections::BTreeMap::new();
    let mut line_number = 0u64;
    while let Some(line) = lines.next_line().await.context("reading standard input")? {
        line_number += 1;
        let key = match (&args.key, &args.key_field) {
            (Some(key), _) => Some(key.clone()),
            (None, Some(field)) => {
                Some(key_from_json(&line, field).with_context(|| format!("line {line_number}"))?)
            }
            (None, None) => None,
        };
        let mut record = ProducerRecord::new(line);
        if let Some(key) = key {
            record = record.key(key);
        }
        for (name, value) in &args.headers {
            record = record.header(name.clone(), value.clone());
        }
        if let Some(partition) = args.partition {
            record = record.partition(partition);
        }
        pending.push_back(producer.enqueue(&args.topic, record).await?);
        if pending.len() >= MAX_IN_FLIGHT
            && let Some(ack) = pending.pop_front()
        {
            let ack = ack.await?;
            note(&mut last, ack.partition, ack.offset);
            produced += 1;
        }
    }
    for ack in pending {
        let ack = ack.await?;
        note(&mut last, ack.partition, ack.offset);
        produced += 1;
    }
    producer.close().await?;
    // The newest offset per partition, in the form `driftdb_wait` takes.
    let positions: Vec<String> = last.iter().map(|(p, o)| format!("{p}:{o}")).collect();
    eprintln!(
        "produced {produced} records to {} (last offsets {})",
        args.topic,
        positions.join(",")
    );
    Ok(())
}

fn note(last: &mut std::collections::BTreeMap<u32, u64>, partition: u32, offset: u64) {
    let newest = last.entry(partition).or_default();
    *newest = (*newest).max(offset);
}

/// The key in field `field` of the JSON object `line`: a string as is, anything else as its
/// JSON text.
fn key_from_json(line: &str, field: &str) -> Result<String> {
    let value: serde_json::Value =
        serde_json::from_str(line).context("--key-field needs each line to be a JSON object")?;
    match value.get(field) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(serde_json::Value::Null) | None => bail!("no field {field:?} in {line}"),
        Some(other) => Ok(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_string_and_other_json_fields() {
        assert_eq!(
            key_from_json(r#"{"id":"a-1"}"#, "id").ok().as_deref(),
            Some("a-1")
        );
        assert_eq!(
            key_from_json(r#"{"id":42}"#, "id").ok().as_deref(),
            Some("42")
        );
        assert!(key_from_json(r#"{"other":1}"#, "id").is_err());
        assert!(key_from_json("not json", "id").is_err());
    }

    #[test]
    fn headers_need_a_name_and_an_equals_sign() {
        assert_eq!(
            parse_header("type=placed"),
            Ok(("type".into(), "placed".into()))
        );
        assert_eq!(parse_header("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert!(parse_header("novalue").is_err());
        assert!(parse_header("=v").is_err());
    }
}
