//! Conversions between `driftdb.v1` messages and log types. Pure functions: every rule about
//! what a request may contain that the log does not check itself lives here.

use driftdb_proto::v1;

use super::invalid;
use crate::error::Result;
use crate::log::{Cleanup, Durability, Header, NewRecord, Record, Topic, TopicConfig};

/// A topic configuration from a request: absent and zero fields take the log's defaults. The
/// log validates the result when the topic is created.
pub(super) fn topic_config(config: Option<v1::TopicConfig>) -> Result<TopicConfig> {
    let mut out = TopicConfig::default();
    let Some(c) = config else {
        return Ok(out);
    };
    if c.partitions != 0 {
        out.partitions = c.partitions;
    }
    out.durability = match v1::Durability::try_from(c.durability) {
        Ok(v1::Durability::Unspecified) => out.durability,
        Ok(v1::Durability::Always) => Durability::Always,
        Ok(v1::Durability::Never) => Durability::Never,
        Ok(v1::Durability::Interval) if c.durability_interval_ms > 0 => Durability::Interval {
            ms: c.durability_interval_ms,
        },
        Ok(v1::Durability::Interval) => {
            return Err(invalid(
                "durability INTERVAL needs durability_interval_ms greater than 0",
            ));
        }
        Err(_) => return Err(invalid(format!("unknown durability {}", c.durability))),
    };
    out.cleanup = match v1::Cleanup::try_from(c.cleanup) {
        Ok(v1::Cleanup::Unspecified) => out.cleanup,
        Ok(v1::Cleanup::Delete) => Cleanup::Delete,
        Ok(v1::Cleanup::Compact) => Cleanup::Compact,
        Err(_) => return Err(invalid(format!("unknown cleanup policy {}", c.cleanup))),
    };
    out.retention_ms = c.retention_ms;
    out.retention_bytes = c.retention_bytes;
    if let Some(max) = c.max_record_bytes {
        out.max_record_bytes = max;
    }
    if let Some(bytes) = c.segment_bytes {
        out.segment_bytes = bytes;
    }
    out.segment_ms = c.segment_ms;
    Ok(out)
}

/// The effective configuration of a topic, as DescribeTopic reports it.
pub(super) fn topic_config_to_proto(c: &TopicConfig) -> v1::TopicConfig {
    let (durability, durability_interval_ms) = match c.durability {
        Durability::Always => (v1::Durability::Always, 0),
        Durability::Interval { ms } => (v1::Durability::Interval, ms),
        Durability::Never => (v1::Durability::Never, 0),
    };
    v1::TopicConfig {
        partitions: c.partitions,
        durability: durability.into(),
        durability_interval_ms,
        retention_ms: c.retention_ms,
        retention_bytes: c.retention_bytes,
        cleanup: match c.cleanup {
            Cleanup::Delete => v1::Cleanup::Delete,
            Cleanup::Compact => v1::Cleanup::Compact,
        }
        .into(),
        max_record_bytes: Some(c.max_record_bytes),
        segment_bytes: Some(c.segment_bytes),
        segment_ms: c.segment_ms,
    }
}

/// A topic's configuration and the current bounds and size of each partition.
pub(super) fn describe(topic: &Topic) -> v1::TopicDescription {
    v1::TopicDescription {
        name: topic.name().to_string(),
        config: Some(topic_config_to_proto(&topic.config())),
        partitions: topic
            .partitions()
            .iter()
            .map(|p| v1::PartitionDescription {
                partition: p.id(),
                start_offset: p.start_offset(),
                end_offset: p.end_offset(),
                size_bytes: p.size_bytes(),
                segment_count: p.segment_count() as u64,
            })
            .collect(),
    }
}

pub(super) fn new_record(r: v1::NewRecord) -> NewRecord {
    NewRecord {
        timestamp: r.timestamp_micros,
        key: r.key,
        headers: r
            .headers
            .into_iter()
            .map(|h| Header {
                name: h.name,
                value: h.value,
            })
            .collect(),
        value: r.value,
    }
}

pub(super) fn record(r: Record) -> v1::Record {
    v1::Record {
        offset: r.offset,
        timestamp_micros: r.timestamp,
        key: r.key,
        headers: r
            .headers
            .into_iter()
            .map(|h| v1::Header {
                name: h.name,
                value: h.value,
            })
            .collect(),
        value: r.value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn an_absent_config_is_the_log_default() {
        assert_eq!(topic_config(None).ok(), Some(TopicConfig::default()));
        assert_eq!(
            topic_config(Some(v1::TopicConfig::default())).ok(),
            Some(TopicConfig::default())
        );
    }

    #[test]
    fn every_field_is_carried_over_and_round_trips() {
        let asked = v1::TopicConfig {
            partitions: 3,
            durability: v1::Durability::Interval.into(),
            durability_interval_ms: 25,
            retention_ms: Some(60_000),
            retention_bytes: Some(1 << 30),
            cleanup: v1::Cleanup::Compact.into(),
            max_record_bytes: Some(4096),
            segment_bytes: Some(1 << 20),
            segment_ms: Some(3_600_000),
        };
        let config = topic_config(Some(asked)).expect("valid config");
        assert_eq!(config.partitions, 3);
        assert_eq!(config.durability, Durability::Interval { ms: 25 });
        assert_eq!(config.cleanup, Cleanup::Compact);
        assert_eq!(topic_config_to_proto(&config), asked);
    }

    #[test]
    fn interval_without_a_period_and_unknown_enums_are_invalid() {
        let bad = [
            v1::TopicConfig {
                durability: v1::Durability::Interval.into(),
                ..Default::default()
            },
            v1::TopicConfig {
                durability: 42,
                ..Default::default()
            },
            v1::TopicConfig {
                cleanup: -1,
                ..Default::default()
            },
        ];
        for config in bad {
            assert!(matches!(
                topic_config(Some(config)),
                Err(Error::InvalidArgument(_))
            ));
        }
    }
}
