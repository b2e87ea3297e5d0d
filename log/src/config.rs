//! Per-topic configuration: durability, retention, segment sizing, cleanup and limits.
//!
//! Stored as `topic.json` in the topic's directory. Unknown keys are rejected so a typo in a
//! hand-edited file fails loudly instead of silently using a default.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// When an append is acknowledged relative to fsync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Durability {
    /// Acknowledge after the batch is fsynced; concurrent appends share one fsync.
    Always,
    /// Acknowledge after the write; fsync at least every `ms` milliseconds.
    Interval { ms: u64 },
    /// Acknowledge after the write; fsync only when a segment is sealed or the log closes.
    Never,
}

impl Durability {
    pub fn interval(period: Duration) -> Self {
        Durability::Interval {
            ms: period.as_millis().max(1) as u64,
        }
    }
}

/// What happens to old records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cleanup {
    /// Delete whole closed segments past the retention limits.
    Delete,
    /// Keep only the latest record of each key in closed segments (keys required).
    Compact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicConfig {
    pub partitions: u32,
    pub durability: Durability,
    /// Delete closed segments whose newest record is older than this.
    pub retention_ms: Option<u64>,
    /// Delete the oldest closed segments while the partition is larger than this.
    pub retention_bytes: Option<u64>,
    /// Roll the active segment when the next batch would take it past this size.
    pub segment_bytes: u64,
    /// Roll the active segment when it is older than this.
    pub segment_ms: Option<u64>,
    pub cleanup: Cleanup,
    /// Largest encoded record accepted (key, value, headers and 26 bytes of framing).
    pub max_record_bytes: u32,
    /// Bytes between sparse index entries.
    pub index_interval_bytes: u32,
}

pub const MAX_SEGMENT_BYTES: u64 = 1 << 30;
pub const MAX_PARTITIONS: u32 = 4096;

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            partitions: 1,
            durability: Durability::Always,
            retention_ms: None,
            retention_bytes: None,
            segment_bytes: 128 << 20,
            segment_ms: None,
            cleanup: Cleanup::Delete,
            max_record_bytes: 1 << 20,
            index_interval_bytes: 4096,
        }
    }
}

impl TopicConfig {
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        if self.partitions == 0 || self.partitions > MAX_PARTITIONS {
            return bad(format!(
                "partitions must be between 1 and {MAX_PARTITIONS}, got {}",
                self.partitions
            ));
        }
        if !(1024..=MAX_SEGMENT_BYTES).contains(&self.segment_bytes) {
            return bad(format!(
                "segment_bytes must be between 1024 and {MAX_SEGMENT_BYTES}, got {}",
                self.segment_bytes
            ));
        }
        if self.max_record_bytes == 0 || u64::from(self.max_record_bytes) > MAX_SEGMENT_BYTES {
            return bad(format!(
                "max_record_bytes must be between 1 and {MAX_SEGMENT_BYTES}, got {}",
                self.max_record_bytes
            ));
        }
        if self.index_interval_bytes == 0 {
            return bad("index_interval_bytes must be positive".to_string());
        }
        if let Durability::Interval { ms: 0 } = self.durability {
            return bad("durability interval must be at least 1 ms".to_string());
        }
        if self.segment_ms == Some(0) || self.retention_ms == Some(0) {
            return bad("segment_ms and retention_ms must be positive when set".to_string());
        }
        Ok(())
    }
}

/// Topics whose names start with `__` belong to DriftDB itself (`__ledger`,
/// `__consumer_offsets`): clients may read them but not create, delete or write them.
pub fn is_system_topic(name: &str) -> bool {
    name.starts_with("__")
}

/// Checks a topic name: 1 to 249 characters of ASCII letters, digits, `.`, `_` and `-`, and
/// not `.` or `..` (names become directory names).
pub fn validate_topic_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "invalid topic name {name:?}: use 1 to 249 of [A-Za-z0-9._-], not '.' or '..'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_unknown_keys() {
        let c = TopicConfig {
            durability: Durability::Interval { ms: 5 },
            retention_ms: Some(10),
            ..TopicConfig::default()
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<TopicConfig>(&json).unwrap(), c);
        assert!(serde_json::from_str::<TopicConfig>(r#"{"partitons": 3}"#).is_err());
        assert_eq!(
            serde_json::from_str::<TopicConfig>("{}").unwrap(),
            TopicConfig::default()
        );
    }

    #[test]
    fn names_and_limits() {
        assert!(validate_topic_name("orders.v1-x_y").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "é"] {
            assert!(validate_topic_name(bad).is_err(), "{bad:?}");
        }
        assert!(
            TopicConfig {
                partitions: 0,
                ..TopicConfig::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            TopicConfig {
                segment_bytes: 10,
                ..TopicConfig::default()
            }
            .validate()
            .is_err()
        );
    }
}
