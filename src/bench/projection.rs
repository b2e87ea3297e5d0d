//! `driftdb bench projection`: how fast a projection turns events into rows, in-process.
//!
//! Three measurements, each on a fresh data directory with the embedded database and its
//! projection runners (the same code the server runs):
//!
//! 1. throughput: `--events` JSON order events of about 200 bytes (keys spread over
//!    `--keys` orders, so most events update a row) are appended to a topic of 1, then 8,
//!    partitions; then `CREATE PROJECTION ... START FROM BEGINNING` and the clock runs until
//!    the projection has applied the last event;
//! 2. rebuild: `REFRESH PROJECTION` over the 1-partition topic, until the rebuilt version is
//!    swapped in;
//! 3. lag under load: a producer appends `--rate` events per second for `--seconds`, in
//!    batches every 10 ms, while a reader appends a marker event every 100 ms and waits
//!    (`driftdb_wait`'s code path) until the projection has applied it: the read-your-writes
//!    delay a client sees. The projection's lag in events is sampled every 10 ms.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use driftdb_broker::log::{AppendOptions, Log, LogOptions, NewRecord, TopicConfig};
use driftdb_sql::Database;

use super::percentiles;

#[derive(Debug, clap::Args)]
pub struct ProjectionBench {
    /// Events per throughput run (and in the rebuild).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Distinct orders the events are about.
    #[arg(long, default_value_t = 100_000)]
    pub keys: u64,
    /// Events per second the producer appends during the lag run.
    #[arg(long, default_value_t = 50_000)]
    pub rate: u64,
    /// Seconds the lag run lasts.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Directory for the data (a fresh subdirectory is made and removed).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

const TOPIC: &str = "order-events";

const PROJECTION: &str = "CREATE PROJECTION orders FROM TOPIC \"order-events\" (
    id TEXT PRIMARY KEY FROM '$.order_id',
    customer TEXT,
    total NUMERIC(12,2),
    status TEXT,
    note TEXT
)
EVENT TYPE FROM '$.type'
ON 'OrderPlaced' UPSERT
ON 'OrderUpdated' MERGE";

/// One event of about 200 bytes.
fn event(i: u64, keys: u64) -> Bytes {
    let order = i % keys;
    let kind = if i < keys {
        "OrderPlaced"
    } else {
        "OrderUpdated"
    };
    Bytes::from(format!(
        r#"{{"type":"{kind}","order_id":"o{order:08}","customer":"customer-{:05}","total":"{}.{:02}","status":"s{}","note":"{}"}}"#,
        order % 50_000,
        i % 10_000,
        i % 100,
        i % 7,
        "x".repeat(84)
    ))
}

struct Fixture {
    log: Arc<Log>,
    db: Database,
}

fn open(root: &Path, name: &str) -> Result<Fixture> {
    let path = root.join(name);
    std::fs::create_dir_all(&path)?;
    let log = Log::open(&path, LogOptions::default())?;
    let db = Database::with_log(Arc::clone(&log), &path)?;
    Ok(Fixture { log, db })
}

/// Appends `events` events round-robin over the topic's partitions, 1000 per batch.
fn fill(log: &Log, partitions: u32, events: u64, keys: u64) -> Result<Vec<(u32, u64)>> {
    let topic = log.create_topic(
        TOPIC,
        TopicConfig {
            partitions,
            ..TopicConfig::default()
        },
    )?;
    let mut i = 0;
    let mut batch_no = 0u32;
    while i < events {
        let n = 1000.min(events - i);
        let records = (i..i + n)
            .map(|j| NewRecord::value(event(j, keys)))
            .collect();
        topic
            .partition(batch_no % partitions)?
            .append(records, AppendOptions::default())?;
        i += n;
        batch_no += 1;
    }
    Ok(topic
        .partitions()
        .iter()
        .filter(|p| p.end_offset() > 0)
        .map(|p| (p.id(), p.end_offset() - 1))
        .collect())
}

async fn execute(db: &Database, sql: &str) -> Result<()> {
    db.execute(sql)
        .await
        .map_err(|e| anyhow::anyhow!("{sql}: {e}"))?;
    Ok(())
}

fn wait(db: &Database, positions: &[(u32, u64)]) -> Result<()> {
    db.projections()
        .wait_for("orders", positions, Duration::from_secs(3600))
        .map_err(|e| anyhow::anyhow!("waiting for the projection: {e}"))?;
    Ok(())
}

pub async fn run_projection_bench(opts: &ProjectionBench) -> Result<()> {
    let root = opts
        .dir
        .join(format!("driftdb-bench-projection-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let result = measure(opts, &root).await;
    std::fs::remove_dir_all(&root)?;
    result
}

async fn measure(opts: &ProjectionBench, root: &Path) -> Result<()> {
    println!("## Projection benchmark\n");
    println!(
        "{} events of ~{} bytes about {} orders; load average {}\n",
        opts.events,
        event(opts.keys + 1, opts.keys).len(),
        opts.keys,
        super::load_average()
    );
    println!("| measurement | events | seconds | events/s |");
    println!("|---|---:|---:|---:|");
    let mut one_partition = None;
    for partitions in [1u32, 8] {
        let f = open(root, &format!("throughput-{partitions}"))?;
        let (log, events, keys) = (Arc::clone(&f.log), opts.events, opts.keys);
        let ends =
            tokio::task::spawn_blocking(move || fill(&log, partitions, events, keys)).await??;
        let start = Instant::now();
        execute(&f.db, PROJECTION).await?;
        let db = f.db.clone();
        let positions = ends.clone();
        tokio::task::spawn_blocking(move || wait(&db, &positions)).await??;
        let elapsed = start.elapsed();
        println!(
            "| apply, {partitions} partition{} | {} | {:.2} | {:.0} |",
            if partitions == 1 { "" } else { "s" },
            opts.events,
            elapsed.as_secs_f64(),
            opts.events as f64 / elapsed.as_secs_f64()
        );
        if partitions == 1 {
            one_partition = Some(f);
        } else {
            f.db.shutdown();
        }
    }
    let f = one_partition.context("the 1-partition run")?;
    let start = Instant::now();
    execute(&f.db, "REFRESH PROJECTION orders").await?;
    loop {
        let rows =
            f.db.query("SELECT count(*) FROM driftdb_projections WHERE table_name <> 'orders'")
                .await?;
        let building = rows
            .first()
            .map(|b| driftdb_sql::text::format_value(b.column(0).as_ref(), 0))
            .unwrap_or_default();
        if building.as_deref() == Some("0") {
            break;
        }
        if start.elapsed() > Duration::from_secs(3600) {
            bail!("the rebuild did not finish");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = start.elapsed();
    println!(
        "| rebuild (REFRESH), 1 partition | {} | {:.2} | {:.0} |",
        opts.events,
        elapsed.as_secs_f64(),
        opts.events as f64 / elapsed.as_secs_f64()
    );
    f.db.shutdown();
    drop(f);

    let (lag, delays) = lag_run(opts, root).await?;
    let (mut lag_events, mut delays) = (lag, delays);
    lag_events.sort_unstable();
    let at = |q: f64| {
        lag_events
            .get(((lag_events.len() as f64 * q) as usize).min(lag_events.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let (p50, p99) = percentiles(&mut delays);
    println!(
        "\nUnder a steady {} events/s for {} s (1 partition): projection lag p50 {} events, p99 {} events, max {}; \
         produce-to-readable delay (append, then wait until the projection applied it) p50 {:.1} ms, p99 {:.1} ms over {} markers.",
        opts.rate,
        opts.seconds,
        at(0.5),
        at(0.99),
        lag_events.last().copied().unwrap_or(0),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        delays.len()
    );
    Ok(())
}

/// The lag run: returns sampled lags (events) and produce-to-readable delays.
async fn lag_run(opts: &ProjectionBench, root: &Path) -> Result<(Vec<u64>, Vec<Duration>)> {
    let f = open(root, "lag")?;
    f.log.create_topic(TOPIC, TopicConfig::default())?;
    execute(&f.db, PROJECTION).await?;
    let partition = f.log.topic(TOPIC)?.partition(0)?;
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let (partition, stop) = (Arc::clone(&partition), Arc::clone(&stop));
        let (rate, keys) = (opts.rate, opts.keys);
        std::thread::spawn(move || -> Result<()> {
            let per_tick = (rate / 100).max(1);
            let start = Instant::now();
            let mut i = 0u64;
            let mut tick = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let records = (i..i + per_tick)
                    .map(|j| NewRecord::value(event(j, keys)))
                    .collect();
                partition.append(records, AppendOptions::default())?;
                i += per_tick;
                tick += 1;
                let next = start + Duration::from_millis(10 * tick);
                if let Some(sleep) = next.checked_duration_since(Instant::now()) {
                    std::thread::sleep(sleep);
                }
            }
            Ok(())
        })
    };
    let sampler = {
        let (partition, stop, db) = (Arc::clone(&partition), Arc::clone(&stop), f.db.clone());
        std::thread::spawn(move || {
            let mut lags = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let position = db.projection_position("orders", 0).unwrap_or(0);
                lags.push(partition.end_offset().saturating_sub(position));
                std::thread::sleep(Duration::from_millis(10));
            }
            lags
        })
    };
    let mut delays = Vec::new();
    let end = Instant::now() + Duration::from_secs(opts.seconds);
    while Instant::now() < end {
        let marker = NewRecord::value(event(0, opts.keys));
        let sent = Instant::now();
        let offset = {
            let p = Arc::clone(&partition);
            tokio::task::spawn_blocking(move || p.append(vec![marker], AppendOptions::default()))
                .await??
                .base_offset
        };
        let db = f.db.clone();
        tokio::task::spawn_blocking(move || wait(&db, &[(0, offset)])).await??;
        delays.push(sent.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::SeqCst);
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the producer panicked"))??;
    let lags = sampler
        .join()
        .map_err(|_| anyhow::anyhow!("the sampler panicked"))?;
    f.db.shutdown();
    Ok((lags, delays))
}
