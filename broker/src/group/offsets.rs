//! Committed consumer offsets, stored in the compacted system topic `__consumer_offsets`.
//!
//! Each commit is one record keyed by (group, topic, partition); compaction keeps the latest.
//! The whole topic is read once on open to rebuild the in-memory table, and every commit is
//! appended (fsynced: the topic uses `always` durability) before the table changes, so a
//! committed offset survives a crash and is fetched after a restart.
//!
//! Key: `u16` group length, group, `u16` topic length, topic, `u32` partition.
//! Value: `u8` version (1), `u64` offset, then the metadata string (UTF-8). A tombstone deletes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::TopicPartition;
use crate::error::{Error, Result};
use crate::log::{
    AppendOptions, Cleanup, Durability, Log, NewRecord, Partition, ReadLimits, TopicConfig,
};
use driftdb_log::sync::Recover;

pub const OFFSETS_TOPIC: &str = "__consumer_offsets";
const VALUE_VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub offset: u64,
    pub metadata: String,
    /// When the commit was written (µs since the Unix epoch).
    pub timestamp: i64,
}

type Key = (String, String, u32);

#[derive(Debug)]
pub struct OffsetStore {
    partition: Arc<Partition>,
    committed: Mutex<BTreeMap<Key, Committed>>,
}

impl OffsetStore {
    /// Opens the store, creating the system topic on first use, and loads every commit.
    pub fn open(log: &Log) -> Result<Self> {
        let topic = match log.topic(OFFSETS_TOPIC) {
            Ok(t) => t,
            Err(Error::UnknownTopic(_)) => log.create_topic(
                OFFSETS_TOPIC,
                TopicConfig {
                    cleanup: Cleanup::Compact,
                    durability: Durability::Always,
                    segment_bytes: 16 << 20,
                    ..TopicConfig::default()
                },
            )?,
            Err(e) => return Err(e),
        };
        let partition = topic.partition(0)?;
        let mut committed = BTreeMap::new();
        let mut next = partition.start_offset();
        loop {
            let records = partition.read(
                next,
                ReadLimits {
                    max_bytes: 4 << 20,
                    max_records: usize::MAX,
                },
            )?;
            let Some(last) = records.last() else { break };
            next = last.offset + 1;
            for r in records {
                let Some(key) = r.key.as_deref().and_then(decode_key) else {
                    tracing::warn!(
                        offset = r.offset,
                        "skipping a malformed key in {OFFSETS_TOPIC}"
                    );
                    continue;
                };
                match r.value.as_deref().map(decode_value) {
                    None => {
                        committed.remove(&key);
                    }
                    Some(Some((offset, metadata))) => {
                        committed.insert(
                            key,
                            Committed {
                                offset,
                                metadata,
                                timestamp: r.timestamp,
                            },
                        );
                    }
                    Some(None) => tracing::warn!(
                        offset = r.offset,
                        "skipping a malformed value in {OFFSETS_TOPIC}"
                    ),
                }
            }
        }
        Ok(OffsetStore {
            partition,
            committed: Mutex::new(committed),
        })
    }

    /// Durably records `offsets` (the next offset to consume, per partition) for `group`.
    /// The caller has checked the committer's membership with the coordinator.
    pub fn commit(&self, group: &str, offsets: &[(TopicPartition, u64, String)]) -> Result<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        let records = offsets
            .iter()
            .map(|(tp, offset, metadata)| {
                Ok(NewRecord {
                    key: Some(encode_key(group, tp)?),
                    value: Some(encode_value(*offset, metadata)),
                    ..NewRecord::default()
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut committed = self.committed.lock().recover();
        let result = self.partition.append(records, AppendOptions::default())?;
        for (tp, offset, metadata) in offsets {
            committed.insert(
                (group.to_string(), tp.topic.clone(), tp.partition),
                Committed {
                    offset: *offset,
                    metadata: metadata.clone(),
                    timestamp: result.timestamp,
                },
            );
        }
        Ok(())
    }

    pub fn fetch(&self, group: &str, tp: &TopicPartition) -> Option<Committed> {
        let committed = self.committed.lock().recover();
        committed
            .get(&(group.to_string(), tp.topic.clone(), tp.partition))
            .cloned()
    }

    /// Every committed offset of `group`.
    pub fn group_offsets(&self, group: &str) -> Vec<(TopicPartition, Committed)> {
        let committed = self.committed.lock().recover();
        committed
            .range((group.to_string(), String::new(), 0)..)
            .take_while(|((g, _, _), _)| g == group)
            .map(|((_, topic, partition), c)| {
                (
                    TopicPartition {
                        topic: topic.clone(),
                        partition: *partition,
                    },
                    c.clone(),
                )
            })
            .collect()
    }

    /// Forgets every offset of `group` (tombstones, so compaction removes them too).
    pub fn delete_group(&self, group: &str) -> Result<()> {
        let offsets = self.group_offsets(group);
        if offsets.is_empty() {
            return Ok(());
        }
        let records = offsets
            .iter()
            .map(|(tp, _)| {
                Ok(NewRecord {
                    key: Some(encode_key(group, tp)?),
                    ..NewRecord::default()
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut committed = self.committed.lock().recover();
        self.partition.append(records, AppendOptions::default())?;
        committed.retain(|(g, _, _), _| g != group);
        Ok(())
    }
}

fn encode_key(group: &str, tp: &TopicPartition) -> Result<Bytes> {
    let too_long =
        |what: &str| Error::InvalidArgument(format!("{what} name longer than {} bytes", u16::MAX));
    let g = u16::try_from(group.len()).map_err(|_| too_long("group"))?;
    let t = u16::try_from(tp.topic.len()).map_err(|_| too_long("topic"))?;
    let mut key = Vec::with_capacity(8 + group.len() + tp.topic.len());
    key.extend_from_slice(&g.to_le_bytes());
    key.extend_from_slice(group.as_bytes());
    key.extend_from_slice(&t.to_le_bytes());
    key.extend_from_slice(tp.topic.as_bytes());
    key.extend_from_slice(&tp.partition.to_le_bytes());
    Ok(Bytes::from(key))
}

fn decode_key(key: &[u8]) -> Option<Key> {
    let mut pos = 0usize;
    let mut take = |n: usize| {
        let s = key.get(pos..pos.checked_add(n)?)?;
        pos += n;
        Some(s)
    };
    let g = u16::from_le_bytes(take(2)?.try_into().ok()?) as usize;
    let group = std::str::from_utf8(take(g)?).ok()?.to_string();
    let t = u16::from_le_bytes(take(2)?.try_into().ok()?) as usize;
    let topic = std::str::from_utf8(take(t)?).ok()?.to_string();
    let partition = u32::from_le_bytes(take(4)?.try_into().ok()?);
    (pos == key.len()).then_some((group, topic, partition))
}

fn encode_value(offset: u64, metadata: &str) -> Bytes {
    let mut v = Vec::with_capacity(9 + metadata.len());
    v.push(VALUE_VERSION);
    v.extend_from_slice(&offset.to_le_bytes());
    v.extend_from_slice(metadata.as_bytes());
    Bytes::from(v)
}

fn decode_value(value: &[u8]) -> Option<(u64, String)> {
    if *value.first()? != VALUE_VERSION {
        return None;
    }
    let offset = u64::from_le_bytes(value.get(1..9)?.try_into().ok()?);
    let metadata = std::str::from_utf8(value.get(9..)?).ok()?.to_string();
    Some((offset, metadata))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::LogOptions;

    #[test]
    fn commits_survive_reopen_and_deletes_stick() {
        let dir = tempfile::tempdir().unwrap();
        let tp = |t: &str, p| TopicPartition {
            topic: t.to_string(),
            partition: p,
        };
        {
            let log = Log::open(dir.path(), LogOptions::default()).unwrap();
            let store = OffsetStore::open(&log).unwrap();
            store
                .commit(
                    "g1",
                    &[
                        (tp("orders", 0), 10, "m".into()),
                        (tp("orders", 1), 20, String::new()),
                    ],
                )
                .unwrap();
            store
                .commit("g1", &[(tp("orders", 0), 15, String::new())])
                .unwrap();
            store
                .commit("g2", &[(tp("orders", 0), 3, String::new())])
                .unwrap();
            store.delete_group("g2").unwrap();
        }
        let log = Log::open(dir.path(), LogOptions::default()).unwrap();
        let store = OffsetStore::open(&log).unwrap();
        assert_eq!(
            store.fetch("g1", &tp("orders", 0)).map(|c| c.offset),
            Some(15)
        );
        assert_eq!(
            store.fetch("g1", &tp("orders", 1)).map(|c| c.offset),
            Some(20)
        );
        assert_eq!(store.fetch("g2", &tp("orders", 0)), None);
        assert_eq!(store.group_offsets("g1").len(), 2);
        assert_eq!(
            decode_key(&encode_key("g", &tp("t", 7)).unwrap()),
            Some(("g".into(), "t".into(), 7))
        );
        assert_eq!(decode_key(b"\x05\x00ab"), None);
        assert_eq!(
            decode_value(&encode_value(9, "meta")),
            Some((9, "meta".into()))
        );
        assert_eq!(decode_value(b"\x02"), None);
    }
}
