//! DriftDB's log engine: a data directory of topics, each a fixed set of partitions, each an
//! ordered run of segment files. Everything DriftDB keeps is in such a log: the topics
//! producers write and the SQL ledger. This crate has no network code (the broker serves it
//! over gRPC; the projector and the SQL database use it in process), so a crate that only
//! needs the log does not compile tonic.
//!
//! Layout under the data directory:
//!
//! ```text
//! .lock                              held (flock) while a process has the log open
//! topics/<topic>/topic.json          the topic's configuration
//! topics/<topic>/<partition>/<base>.log        segment: CRC-framed batches
//! topics/<topic>/<partition>/<base>.index      sparse offset index
//! topics/<topic>/<partition>/<base>.timeindex  sparse time index
//! topics/<topic>/<partition>/<base>.bloom      key filter (sealed segments)
//! topics/<topic>/<partition>/<base>.producers  idempotent-producer snapshot (sealed segments)
//! ```
//!
//! [`Log::open`] takes the directory lock, recovers every topic (see `partition`), and starts
//! two background threads: a flusher for topics with `interval` durability and a maintenance
//! thread that rolls segments by age, applies retention and compacts. [`Log::close`] (or drop)
//! stops them and fsyncs every partition.

pub mod clock;
mod compact;
mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
pub mod metrics;
mod partition;
mod producer;
mod record;
mod segment;
mod sidecar;
pub mod sync;
mod topic;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

pub use compact::TOMBSTONE_RETENTION_MICROS;
pub use config::{
    Cleanup, Durability, MAX_PARTITIONS, MAX_SEGMENT_BYTES, TopicConfig, is_system_topic,
    validate_topic_name,
};
pub use partition::{
    AppendOptions, AppendResult, KeyCondition, MAX_BATCH_BYTES, MaintenanceReport, Partition,
    ReadLimits,
};
pub use record::{Header, NewRecord, Record};
pub use topic::Topic;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, ErrorKind, Result};

use crate::sync::Recover;
use partition::{lock, sync_dir};

/// How a [`Log`] runs.
#[derive(Debug, Clone)]
pub struct LogOptions {
    pub clock: Arc<dyn Clock>,
    /// Run the flusher and maintenance threads. Tests that drive maintenance by hand turn
    /// this off and call [`Log::maintain`].
    pub background: bool,
    /// How often the maintenance thread rolls, applies retention and compacts.
    pub maintenance_interval: Duration,
    /// How often the flusher looks for `interval`-durability partitions that are due.
    pub flush_tick: Duration,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            clock: Arc::new(SystemClock),
            background: true,
            maintenance_interval: Duration::from_secs(30),
            flush_tick: Duration::from_millis(5),
        }
    }
}

#[derive(Debug)]
pub struct Log {
    dir: PathBuf,
    topics_dir: PathBuf,
    clock: Arc<dyn Clock>,
    topics: RwLock<BTreeMap<String, Arc<Topic>>>,
    /// Serialises topic creation and deletion (directory renames).
    admin: Mutex<()>,
    closed: AtomicBool,
    stop: Arc<(Mutex<bool>, Condvar)>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    _lock_file: File,
}

impl Log {
    /// Opens the log in `dir`, creating it if needed, and recovers every topic.
    pub fn open(dir: impl AsRef<Path>, options: LogOptions) -> Result<Arc<Log>> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let lock_path = dir.join(".lock");
        let lock_file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        match lock_file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(Error::Locked { path: dir }),
            Err(fs::TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        }
        let topics_dir = dir.join("topics");
        fs::create_dir_all(&topics_dir).map_err(|e| Error::io(&topics_dir, e))?;

        let mut topics = BTreeMap::new();
        for entry in fs::read_dir(&topics_dir).map_err(|e| Error::io(&topics_dir, e))? {
            let entry = entry.map_err(|e| Error::io(&topics_dir, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                // A topic whose creation or deletion was interrupted.
                fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
                continue;
            }
            if !path.is_dir() {
                continue;
            }
            let topic = Topic::open(&path, Arc::clone(&options.clock))?;
            topics.insert(topic.name().to_string(), Arc::new(topic));
        }
        tracing::info!(dir = %dir.display(), topics = topics.len(), "log opened");

        let log = Arc::new(Log {
            dir,
            topics_dir,
            clock: Arc::clone(&options.clock),
            topics: RwLock::new(topics),
            admin: Mutex::new(()),
            closed: AtomicBool::new(false),
            stop: Arc::new((Mutex::new(false), Condvar::new())),
            threads: Mutex::new(Vec::new()),
            _lock_file: lock_file,
        });
        if options.background {
            let flusher = spawn_periodic(&log, "driftdb-flush", options.flush_tick, |log| {
                log.flush_due()
            })?;
            lock(&log.threads).push(flusher);
            let maintenance = spawn_periodic(
                &log,
                "driftdb-maintenance",
                options.maintenance_interval,
                |log| {
                    if let Err(e) = log.maintain() {
                        tracing::error!(error = %e, "log maintenance failed");
                    }
                },
            )?;
            lock(&log.threads).push(maintenance);
        }
        Ok(log)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::SeqCst) {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    pub fn create_topic(&self, name: &str, config: TopicConfig) -> Result<Arc<Topic>> {
        self.check_open()?;
        let _admin = lock(&self.admin);
        if self.read_topics().contains_key(name) {
            return Err(Error::TopicExists(name.to_string()));
        }
        let topic = Arc::new(Topic::create(
            &self.topics_dir,
            name,
            config,
            Arc::clone(&self.clock),
        )?);
        self.topics
            .write()
            .recover()
            .insert(name.to_string(), Arc::clone(&topic));
        tracing::info!(
            topic = name,
            partitions = config.partitions,
            "topic created"
        );
        Ok(topic)
    }

    /// Deletes a topic and all its data. Readers already holding its partitions finish
    /// reading from files that are unlinked but still open.
    pub fn delete_topic(&self, name: &str) -> Result<()> {
        self.check_open()?;
        let _admin = lock(&self.admin);
        let topic = self
            .topics
            .write()
            .recover()
            .remove(name)
            .ok_or_else(|| Error::UnknownTopic(name.to_string()))?;
        for p in topic.partitions() {
            if let Err(e) = p.close() {
                tracing::warn!(topic = name, partition = p.id(), error = %e, "flush before delete failed");
            }
        }
        let graveyard = self.topics_dir.join(format!(".{name}.deleting"));
        fs::rename(topic.dir(), &graveyard).map_err(|e| Error::io(topic.dir(), e))?;
        sync_dir(&self.topics_dir)?;
        fs::remove_dir_all(&graveyard).map_err(|e| Error::io(&graveyard, e))?;
        tracing::info!(topic = name, "topic deleted");
        Ok(())
    }

    pub fn topic(&self, name: &str) -> Result<Arc<Topic>> {
        self.read_topics()
            .get(name)
            .cloned()
            .ok_or_else(|| Error::UnknownTopic(name.to_string()))
    }

    pub fn topics(&self) -> Vec<Arc<Topic>> {
        self.read_topics().values().cloned().collect()
    }

    fn read_topics(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Topic>>> {
        self.topics.read().recover()
    }

    /// Runs one maintenance pass (roll by age, retention, compaction) over every partition.
    pub fn maintain(&self) -> Result<Vec<(String, u32, MaintenanceReport)>> {
        let mut reports = Vec::new();
        for topic in self.topics() {
            for p in topic.partitions() {
                reports.push((topic.name().to_string(), p.id(), p.maintain()?));
            }
        }
        Ok(reports)
    }

    fn flush_due(&self) {
        for topic in self.topics() {
            if !matches!(topic.config().durability, Durability::Interval { .. }) {
                continue;
            }
            for p in topic.partitions() {
                if let Err(e) = p.flush_if_due() {
                    tracing::error!(topic = topic.name(), partition = p.id(), error = %e, "interval fsync failed");
                }
            }
        }
    }

    /// Stops background work, refuses further appends and fsyncs every partition. Idempotent.
    pub fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        {
            let (stopped, cv) = &*self.stop;
            *lock(stopped) = true;
            cv.notify_all();
        }
        let current = std::thread::current().id();
        for handle in lock(&self.threads).drain(..) {
            // The last Arc may be dropped on a background thread; it must not join itself.
            if handle.thread().id() != current {
                let _ = handle.join();
            }
        }
        let mut first_error = None;
        for topic in self.topics() {
            for p in topic.partitions() {
                if let Err(e) = p.close() {
                    tracing::error!(topic = topic.name(), partition = p.id(), error = %e, "flush on close failed");
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            tracing::error!(error = %e, "closing the log failed");
        }
    }
}

/// Runs `work` every `period` on a named thread until the log closes or is dropped.
fn spawn_periodic(
    log: &Arc<Log>,
    name: &str,
    period: Duration,
    work: fn(&Log),
) -> Result<JoinHandle<()>> {
    let weak: Weak<Log> = Arc::downgrade(log);
    let stop = Arc::clone(&log.stop);
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            loop {
                {
                    let (stopped, cv) = &*stop;
                    let guard = lock(stopped);
                    // Checked before waiting too: a stop that came before this thread first
                    // took the lock would otherwise be missed for a whole period.
                    if *guard {
                        return;
                    }
                    let (guard, _) = cv.wait_timeout(guard, period).recover();
                    if *guard {
                        return;
                    }
                }
                match weak.upgrade() {
                    Some(log) => work(&log),
                    None => return,
                }
            }
        })
        .map_err(|e| Error::io(&log.dir, e))
}
