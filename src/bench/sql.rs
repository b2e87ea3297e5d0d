//! `driftdb bench sql`: the embedded SQL database, beside SQLite and DuckDB in the same run.
//!
//! Workloads, each through `driftdb_sql::Database`/`Session` with SQL text as a user sends it:
//! - single-row autocommit `INSERT`s (each one fsynced ledger record);
//! - transactions of 1000 single-row `INSERT`s;
//! - point reads by primary key (`SELECT * FROM t WHERE id = k`, parsed and planned each time);
//! - a 1M-row table loaded with `INSERT ... SELECT FROM generate_series`, then 10% of its rows
//!   updated; the same aggregate read now and `FOR SYSTEM_TIME AS OF` the sequence before the
//!   updates;
//! - `GROUP BY` over the 1M rows;
//! - restart (`Database::open`) from a checkpoint, and from the ledger alone;
//! - memory: the table's own estimate and the process's resident set growth.
//!
//! The peers run from `src/bench/sql_peers.py` (SQLite through Python's `sqlite3`, DuckDB
//! through its Python package) with the same sizes; their figures come back as JSON.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use driftdb_sql::{Database, Session};

use super::{load_average, ms, percentiles, thousands};

/// Options of `driftdb bench sql`.
#[derive(Debug, Clone, clap::Args)]
pub struct SqlBench {
    /// Directory for the databases (a fresh subdirectory is made and removed).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Single-row autocommit INSERTs.
    #[arg(long, default_value_t = 2_000)]
    pub inserts: u64,
    /// Transactions of `--rows-per-transaction` single-row INSERTs.
    #[arg(long, default_value_t = 20)]
    pub transactions: u64,
    /// INSERT statements per transaction.
    #[arg(long, default_value_t = 1_000)]
    pub rows_per_transaction: u64,
    /// Point reads by primary key.
    #[arg(long, default_value_t = 5_000)]
    pub lookups: u64,
    /// Rows of the large table (time travel, GROUP BY, restart, memory).
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: u64,
    /// Runs of each large-table query (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// The peer script; skipped if it cannot run.
    #[arg(long, default_value = "src/bench/sql_peers.py")]
    pub peers: PathBuf,
}

#[derive(Debug, Default)]
struct Figures {
    autocommit_inserts_per_s: f64,
    transaction_rows_per_s: f64,
    point_reads_per_s: f64,
    point_read_p50: Duration,
    point_read_p99: Duration,
    load: Duration,
    update_10_percent: Duration,
    current_read: Duration,
    past_read: Duration,
    group_by: Duration,
    /// The first run of each of the three above: full scans convert a chunk's columns
    /// from the version chains once per chunk state, later runs read them from the cache.
    first_runs: [Duration; 3],
    restart_with_checkpoint: Duration,
    restart_from_ledger: Duration,
    table_bytes: usize,
    versions: usize,
    rss_growth: Option<u64>,
}

pub async fn run_sql_bench(opts: &SqlBench) -> Result<()> {
    let root = opts
        .dir
        .join(format!("driftdb-bench-sql-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let result = measure(opts, &root).await;
    let peers = run_peers(opts, &root);
    std::fs::remove_dir_all(&root)?;
    report(opts, &result?, &peers);
    Ok(())
}

async fn measure(opts: &SqlBench, root: &Path) -> Result<Figures> {
    let mut f = Figures::default();
    small_table(opts, &root.join("small"), &mut f).await?;
    large_table(opts, &root.join("large"), &mut f).await?;
    Ok(f)
}

async fn run(session: &mut Session, sql: &str) -> Result<Option<u64>> {
    let outcomes = session
        .execute(sql)
        .await
        .with_context(|| format!("running {sql}"))?;
    Ok(outcomes.last().and_then(|o| o.seq))
}

fn row(i: u64) -> String {
    format!("({i}, {}, {}, 'row {i}')", i % 1000, i * 7 % 10007)
}

const TABLE: &str = "(id BIGINT PRIMARY KEY, g INT NOT NULL, v BIGINT NOT NULL, note TEXT)";

async fn small_table(opts: &SqlBench, dir: &Path, f: &mut Figures) -> Result<()> {
    let db = Database::open(dir)?;
    let mut s = db.session();
    run(&mut s, &format!("CREATE TABLE t {TABLE}")).await?;
    let start = Instant::now();
    for i in 0..opts.inserts {
        run(&mut s, &format!("INSERT INTO t VALUES {}", row(i))).await?;
    }
    f.autocommit_inserts_per_s = opts.inserts as f64 / start.elapsed().as_secs_f64();
    let base = opts.inserts;
    let start = Instant::now();
    for t in 0..opts.transactions {
        run(&mut s, "BEGIN").await?;
        for j in 0..opts.rows_per_transaction {
            let i = base + t * opts.rows_per_transaction + j;
            run(&mut s, &format!("INSERT INTO t VALUES {}", row(i))).await?;
        }
        run(&mut s, "COMMIT").await?;
    }
    f.transaction_rows_per_s =
        (opts.transactions * opts.rows_per_transaction) as f64 / start.elapsed().as_secs_f64();
    let total = base + opts.transactions * opts.rows_per_transaction;
    let mut samples = Vec::with_capacity(opts.lookups as usize);
    for n in 0..opts.lookups {
        let key = (n * 7919) % total;
        let start = Instant::now();
        let rows = db
            .query(&format!("SELECT * FROM t WHERE id = {key}"))
            .await?;
        samples.push(start.elapsed());
        if rows.iter().map(|b| b.num_rows()).sum::<usize>() != 1 {
            bail!("point read of {key} did not return one row");
        }
    }
    f.point_reads_per_s = opts.lookups as f64 / samples.iter().sum::<Duration>().as_secs_f64();
    (f.point_read_p50, f.point_read_p99) = percentiles(&mut samples);
    Ok(())
}

/// The median time of `repeats` runs of `sql`, which must return the same rows each time.
/// The median time of `repeats` runs of `sql`, the first run's time, and its rows.
async fn timed_query(
    db: &Database,
    sql: &str,
    repeats: usize,
) -> Result<(Duration, Duration, String)> {
    let mut times = Vec::with_capacity(repeats);
    let mut shown = String::new();
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        let batches = db.query(sql).await?;
        times.push(start.elapsed());
        shown = driftdb_sql::format_rows(&batches)?;
    }
    let first = times.first().copied().unwrap_or_default();
    Ok((percentiles(&mut times).0, first, shown))
}

async fn large_table(opts: &SqlBench, dir: &Path, f: &mut Figures) -> Result<()> {
    let rss_before = resident_bytes();
    let db = Database::open(dir)?;
    let mut s = db.session();
    run(&mut s, &format!("CREATE TABLE big {TABLE}")).await?;
    let start = Instant::now();
    let chunk = 50_000;
    let mut first = 1;
    while first <= opts.rows {
        let last = (first + chunk - 1).min(opts.rows);
        run(
            &mut s,
            &format!(
                "INSERT INTO big SELECT value, value % 1000, value * 7 % 10007, 'row ' || value \
                 FROM generate_series({first}, {last}) AS s(value)"
            ),
        )
        .await?;
        first = last + 1;
    }
    f.load = start.elapsed();
    let before_updates = db.last_sequence().context("the load committed")?;
    let start = Instant::now();
    run(&mut s, "UPDATE big SET v = v + 1 WHERE id % 10 = 0").await?;
    f.update_10_percent = start.elapsed();
    let aggregate = "SELECT count(*), sum(v) FROM big";
    let (current, current_first, now_rows) = timed_query(&db, aggregate, opts.repeats).await?;
    let (past, past_first, past_rows) = timed_query(
        &db,
        &format!("SELECT count(*), sum(v) FROM big FOR SYSTEM_TIME AS OF @SEQ:{before_updates}"),
        opts.repeats,
    )
    .await?;
    if now_rows == past_rows {
        bail!("the read before the updates saw the updates: {now_rows}");
    }
    f.current_read = current;
    f.past_read = past;
    let group_by_first;
    (f.group_by, group_by_first, _) = timed_query(
        &db,
        "SELECT g, count(*), sum(v), avg(v) FROM big GROUP BY g",
        opts.repeats,
    )
    .await?;
    f.first_runs = [current_first, past_first, group_by_first];
    let memory = db.table_memory("big")?;
    f.table_bytes = memory.bytes;
    f.versions = memory.versions;
    f.rss_growth = resident_bytes()
        .zip(rss_before)
        .map(|(after, before)| after.saturating_sub(before));
    db.checkpoint()?;
    drop(s);
    drop(db);
    let start = Instant::now();
    let reopened = Database::open(dir)?;
    f.restart_with_checkpoint = start.elapsed();
    let check = reopened.query(aggregate).await?;
    drop(reopened);
    // Without a checkpoint: every ledger record replayed.
    std::fs::remove_dir_all(dir.join("sql").join("checkpoints"))?;
    let start = Instant::now();
    let reopened = Database::open(dir)?;
    f.restart_from_ledger = start.elapsed();
    let replayed = reopened.query(aggregate).await?;
    if driftdb_sql::format_rows(&check)? != driftdb_sql::format_rows(&replayed)? {
        bail!("the replayed table differs from the checkpointed one");
    }
    Ok(())
}

/// VmRSS of this process, from /proc.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The peers' figures, or why there are none.
fn run_peers(opts: &SqlBench, root: &Path) -> Result<serde_json::Value, String> {
    let output = Command::new("python3")
        .arg(&opts.peers)
        .arg(root)
        .args([
            opts.inserts.to_string(),
            opts.transactions.to_string(),
            opts.rows_per_transaction.to_string(),
            opts.lookups.to_string(),
            opts.rows.to_string(),
            opts.repeats.to_string(),
        ])
        .output()
        .map_err(|e| format!("python3 did not run: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("peer output: {e}"))
}

fn report(opts: &SqlBench, f: &Figures, peers: &Result<serde_json::Value, String>) {
    let peer = |key: &str| peers.as_ref().ok().and_then(|p| p.get(key)?.as_f64());
    let per_s = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), thousands);
    let millis = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"));
    let version = |key: &str| {
        peers
            .as_ref()
            .ok()
            .and_then(|p| p.get(key)?.as_str().map(str::to_string))
            .unwrap_or_else(|| "n/a".to_string())
    };
    println!("## driftdb bench sql\n");
    println!(
        "Embedded `driftdb_sql::Database`, SQL text per statement. Peers: SQLite {} (WAL, \
         synchronous=FULL), DuckDB {} (in memory). Load average at the end: {}.\n",
        version("sqlite_version"),
        version("duckdb_version"),
        load_average()
    );
    if let Err(why) = peers {
        println!("Peers not measured: {why}\n");
    }
    println!("| workload | DriftDB | peer | peer figure |");
    println!("|---|---:|---|---:|");
    println!(
        "| single-row autocommit INSERT, rows/s ({}) | {} | SQLite | {} |",
        opts.inserts,
        thousands(f.autocommit_inserts_per_s),
        per_s(peer("autocommit_inserts_per_s"))
    );
    println!(
        "| {}-row transactions of single-row INSERTs, rows/s ({} transactions) | {} | SQLite | {} |",
        opts.rows_per_transaction,
        opts.transactions,
        thousands(f.transaction_rows_per_s),
        per_s(peer("transaction_rows_per_s"))
    );
    println!(
        "| point read by key, reads/s ({}) | {} | SQLite | {} |",
        opts.lookups,
        thousands(f.point_reads_per_s),
        per_s(peer("point_reads_per_s"))
    );
    println!(
        "| point read p50 / p99, ms | {:.3} / {:.3} | SQLite | {} / {} |",
        ms(f.point_read_p50),
        ms(f.point_read_p99),
        millis(peer("point_read_p50_ms")),
        millis(peer("point_read_p99_ms"))
    );
    println!(
        "| GROUP BY g over {} rows (1000 groups), ms (median; first run {:.1}) | {:.1} | DuckDB | {} |",
        thousands(opts.rows as f64),
        ms(f.first_runs[2]),
        ms(f.group_by),
        millis(peer("group_by_ms"))
    );
    println!();
    println!(
        "| large table ({} rows) | figure |",
        thousands(opts.rows as f64)
    );
    println!("|---|---:|");
    println!(
        "| load with INSERT ... SELECT FROM generate_series (50k-row statements) | {:.2} s |",
        f.load.as_secs_f64()
    );
    println!(
        "| UPDATE of 10% of the rows (one statement) | {:.2} s |",
        f.update_10_percent.as_secs_f64()
    );
    println!(
        "| `SELECT count(*), sum(v)` now (median; first run) | {:.1} ms ({:.1} ms) |",
        ms(f.current_read),
        ms(f.first_runs[0])
    );
    println!(
        "| the same `FOR SYSTEM_TIME AS OF` before the updates | {:.1} ms ({:.2}x; first run {:.1} ms, {:.2}x) |",
        ms(f.past_read),
        f.past_read.as_secs_f64() / f.current_read.as_secs_f64(),
        ms(f.first_runs[1]),
        f.first_runs[1].as_secs_f64() / f.first_runs[0].as_secs_f64()
    );
    println!(
        "| restart from a checkpoint | {:.2} s |",
        f.restart_with_checkpoint.as_secs_f64()
    );
    println!(
        "| restart replaying the whole ledger | {:.2} s |",
        f.restart_from_ledger.as_secs_f64()
    );
    let per_million = |bytes: f64| bytes / (opts.rows as f64 / 1e6) / (1 << 20) as f64;
    println!(
        "| table memory (own estimate; {} versions) per million rows | {:.0} MiB |",
        thousands(f.versions as f64),
        per_million(f.table_bytes as f64)
    );
    if let Some(rss) = f.rss_growth {
        println!(
            "| process resident set growth per million rows | {:.0} MiB |",
            per_million(rss as f64)
        );
    }
}
