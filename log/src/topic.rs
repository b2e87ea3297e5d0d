//! A topic: a name, a configuration and a fixed set of partitions.
//!
//! On disk a topic is `topics/<name>/` holding `topic.json` and one directory per partition
//! (`0/`, `1/`, ...). A topic is created in a hidden staging directory and renamed into place,
//! so a crash during creation leaves no half-made topic.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::config::{TopicConfig, validate_topic_name};
use super::partition::{Partition, sync_dir};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::sync::Recover;

const CONFIG_FILE: &str = "topic.json";

#[derive(Debug)]
pub struct Topic {
    name: String,
    dir: PathBuf,
    config: Arc<RwLock<TopicConfig>>,
    partitions: Vec<Arc<Partition>>,
}

impl Topic {
    /// Creates the topic's directory tree under `topics_dir` and opens it.
    pub(crate) fn create(
        topics_dir: &Path,
        name: &str,
        config: TopicConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        validate_topic_name(name)?;
        config.validate()?;
        let dir = topics_dir.join(name);
        if dir.exists() {
            return Err(Error::TopicExists(name.to_string()));
        }
        let staging = topics_dir.join(format!(".{name}.creating"));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        write_config(&staging, &config)?;
        for p in 0..config.partitions {
            let pdir = staging.join(p.to_string());
            fs::create_dir(&pdir).map_err(|e| Error::io(&pdir, e))?;
        }
        sync_dir(&staging)?;
        fs::rename(&staging, &dir).map_err(|e| Error::io(&dir, e))?;
        sync_dir(topics_dir)?;
        Self::open(&dir, clock)
    }

    /// Opens an existing topic directory and recovers each partition.
    pub(crate) fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<Self> {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                Error::InvalidArgument(format!("bad topic directory {}", dir.display()))
            })?
            .to_string();
        let path = dir.join(CONFIG_FILE);
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let config: TopicConfig = serde_json::from_str(&text).map_err(|e| {
            Error::corruption(
                &path,
                e.column() as u64,
                format!("bad topic configuration: {e}"),
            )
        })?;
        config
            .validate()
            .map_err(|e| Error::corruption(&path, 0, e.to_string()))?;
        let shared = Arc::new(RwLock::new(config));
        let partitions = (0..config.partitions)
            .map(|p| {
                Partition::open(
                    &name,
                    p,
                    dir.join(p.to_string()),
                    Arc::clone(&shared),
                    Arc::clone(&clock),
                )
                .map(Arc::new)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Topic {
            name,
            dir: dir.to_path_buf(),
            config: shared,
            partitions,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn config(&self) -> TopicConfig {
        *self.config.read().recover()
    }

    /// Changes retention, durability, segment sizing or limits. The partition count is fixed.
    pub fn update_config(&self, config: TopicConfig) -> Result<()> {
        config.validate()?;
        let mut current = self.config.write().recover();
        if config.partitions != current.partitions {
            return Err(Error::InvalidArgument(
                "the partition count of a topic cannot change".to_string(),
            ));
        }
        write_config(&self.dir, &config)?;
        *current = config;
        Ok(())
    }

    pub fn partition_count(&self) -> u32 {
        self.partitions.len() as u32
    }

    pub fn partition(&self, id: u32) -> Result<Arc<Partition>> {
        self.partitions
            .get(id as usize)
            .cloned()
            .ok_or_else(|| Error::UnknownPartition {
                topic: self.name.clone(),
                partition: id,
            })
    }

    pub fn partitions(&self) -> &[Arc<Partition>] {
        &self.partitions
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }
}

fn write_config(dir: &Path, config: &TopicConfig) -> Result<()> {
    let path = dir.join(CONFIG_FILE);
    let tmp = dir.join(format!("{CONFIG_FILE}.tmp"));
    let text = serde_json::to_string_pretty(config)
        .map_err(|e| Error::InvalidArgument(format!("cannot encode topic configuration: {e}")))?;
    fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    sync_dir(dir)
}
