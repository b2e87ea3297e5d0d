//! `driftdb bench log` measures the log engine in-process: append throughput for each
//! durability policy, record size and writer count; read throughput; the latency of one
//! acknowledged append under `always`. In the same run it measures the disk it writes to
//! (sequential write + fdatasync, and one 4 KiB write + fdatasync) so our figures can be read
//! as fractions of what the hardware allows.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use driftdb_broker::log::{
    AppendOptions, Durability, Log, LogOptions, NewRecord, ReadLimits, TopicConfig,
};

use super::{disk_sequential_bandwidth, ms, percentiles};

/// Options of `driftdb bench log`.
#[derive(Debug, Clone, clap::Args)]
pub struct LogBench {
    /// Directory on the disk to measure (a temporary subdirectory is created and removed).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Seconds per throughput run.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Records per append call in throughput runs.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch: u64,
    /// Appends measured for latency percentiles.
    #[arg(long, default_value_t = 2000)]
    pub latency_samples: usize,
}

struct Run {
    label: String,
    records: u64,
    bytes: u64,
    elapsed: Duration,
}

impl Run {
    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / self.elapsed.as_secs_f64() / 1e6
    }
    fn records_per_s(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64()
    }
}

pub fn run_log_bench(opts: &LogBench) -> Result<()> {
    let root = opts
        .dir
        .join(format!("driftdb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    let result = log_bench(opts, &root);
    let _ = std::fs::remove_dir_all(&root);
    result
}

fn log_bench(opts: &LogBench, root: &Path) -> Result<()> {
    println!("# driftdb bench log\n");
    println!(
        "directory: {}, {} s per run, {} records per append\n",
        root.display(),
        opts.seconds,
        opts.batch
    );

    let disk_bw = disk_sequential_bandwidth(root, 512 << 20)?;
    let disk_lat = disk_sync_latency(root, opts.latency_samples)?;
    println!("## Disk\n");
    println!("| measurement | value |\n|---|---|");
    println!(
        "| sequential write 512 MiB + fdatasync | {:.1} MB/s |",
        disk_bw / 1e6
    );
    println!(
        "| 4 KiB write + fdatasync, median | {:.3} ms |",
        ms(disk_lat.0)
    );
    println!(
        "| 4 KiB write + fdatasync, p99 | {:.3} ms |\n",
        ms(disk_lat.1)
    );

    let log = Log::open(root.join("log"), LogOptions::default())?;
    let mut runs = Vec::new();
    let policies = [
        ("always", Durability::Always),
        ("interval 10ms", Durability::Interval { ms: 10 }),
        ("never", Durability::Never),
    ];
    let mut topic_id = 0;
    for (name, durability) in policies {
        for size in [100usize, 1024] {
            for writers in [1usize, 16] {
                topic_id += 1;
                let topic = format!("bench-{topic_id}");
                let cfg = TopicConfig {
                    durability,
                    segment_bytes: 512 << 20,
                    ..TopicConfig::default()
                };
                log.create_topic(&topic, cfg)?;
                let label = format!(
                    "{name}, {size} B, {writers} writer(s), batch {}",
                    opts.batch
                );
                runs.push(append_run(
                    &log,
                    &topic,
                    label,
                    size,
                    writers,
                    opts.batch as usize,
                    opts.seconds,
                )?);
                log.delete_topic(&topic)?;
            }
        }
    }
    for writers in [1usize, 16] {
        topic_id += 1;
        let topic = format!("bench-{topic_id}");
        log.create_topic(
            &topic,
            TopicConfig {
                durability: Durability::Always,
                ..TopicConfig::default()
            },
        )?;
        let label = format!("always, 1024 B, {writers} writer(s), batch 1");
        runs.push(append_run(
            &log,
            &topic,
            label,
            1024,
            writers,
            1,
            opts.seconds,
        )?);
        log.delete_topic(&topic)?;
    }

    println!("## Append throughput\n");
    println!("| run | records/s | MB/s | fraction of disk bandwidth |\n|---|---:|---:|---:|");
    for r in &runs {
        println!(
            "| {} | {:.0} | {:.1} | {:.0}% |",
            r.label,
            r.records_per_s(),
            r.mb_per_s(),
            100.0 * r.mb_per_s() * 1e6 / disk_bw
        );
    }

    // Latency of a lone acknowledged append under `always`.
    log.create_topic("latency", TopicConfig::default())?;
    let p = log.topic("latency")?.partition(0)?;
    let value = Bytes::from(vec![b'x'; 100]);
    let mut samples = Vec::with_capacity(opts.latency_samples);
    for _ in 0..opts.latency_samples {
        let start = Instant::now();
        p.append(
            vec![NewRecord {
                value: Some(value.clone()),
                ..NewRecord::default()
            }],
            AppendOptions::default(),
        )?;
        samples.push(start.elapsed());
    }
    let (p50, p99) = percentiles(&mut samples);
    println!("\n## Latency of one acknowledged append (`always`, 100 B, one writer)\n");
    println!("| measurement | value | relative to one 4 KiB write + fdatasync |\n|---|---:|---:|");
    println!(
        "| median | {:.3} ms | {:.2}x |",
        ms(p50),
        ms(p50) / ms(disk_lat.0)
    );
    println!(
        "| p99 | {:.3} ms | {:.2}x |",
        ms(p99),
        ms(p99) / ms(disk_lat.1)
    );

    // Read throughput over a freshly written topic.
    log.create_topic(
        "read",
        TopicConfig {
            durability: Durability::Never,
            ..TopicConfig::default()
        },
    )?;
    let p = log.topic("read")?.partition(0)?;
    let value = Bytes::from(vec![b'r'; 100]);
    let batch: Vec<NewRecord> = (0..1000)
        .map(|_| NewRecord {
            value: Some(value.clone()),
            ..NewRecord::default()
        })
        .collect();
    for _ in 0..2000 {
        p.append(batch.clone(), AppendOptions::default())?;
    }
    let start = Instant::now();
    let (mut next, mut records, mut bytes) = (0u64, 0u64, 0u64);
    loop {
        let got = p.read(
            next,
            ReadLimits {
                max_bytes: 1 << 20,
                max_records: usize::MAX,
            },
        )?;
        let Some(last) = got.last() else { break };
        next = last.offset + 1;
        records += got.len() as u64;
        bytes += got.iter().map(|r| r.encoded_len() as u64).sum::<u64>();
    }
    let elapsed = start.elapsed();
    println!("\n## Read throughput (100 B records, 1 MiB reads, page cache warm)\n");
    println!("| records/s | MB/s |\n|---:|---:|");
    println!(
        "| {:.0} | {:.1} |",
        records as f64 / elapsed.as_secs_f64(),
        bytes as f64 / elapsed.as_secs_f64() / 1e6
    );
    log.close()?;
    Ok(())
}

fn append_run(
    log: &Arc<Log>,
    topic: &str,
    label: String,
    size: usize,
    writers: usize,
    batch: usize,
    seconds: f64,
) -> Result<Run> {
    let p = log.topic(topic)?.partition(0)?;
    let value = Bytes::from(vec![b'v'; size]);
    let records: Vec<NewRecord> = (0..batch)
        .map(|_| NewRecord {
            value: Some(value.clone()),
            ..NewRecord::default()
        })
        .collect();
    let deadline = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let counts = std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|_| {
                let (p, records) = (&p, &records);
                s.spawn(move || -> Result<u64> {
                    let mut n = 0u64;
                    while start.elapsed() < deadline {
                        p.append(records.clone(), AppendOptions::default())?;
                        n += records.len() as u64;
                    }
                    Ok(n)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench writer panicked"))
            .collect::<Result<Vec<u64>>>()
    })?;
    let elapsed = start.elapsed();
    let records: u64 = counts.iter().sum();
    Ok(Run {
        label,
        records,
        bytes: records * size as u64,
        elapsed,
    })
}

/// Median and p99 of one 4 KiB append + fdatasync.
fn disk_sync_latency(dir: &Path, samples: usize) -> Result<(Duration, Duration)> {
    let path = dir.join("disk-lat");
    let file = File::create(&path)?;
    let block = vec![0x5au8; 4096];
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples {
        let start = Instant::now();
        file.write_all_at(&block, (i * block.len()) as u64)?;
        file.sync_data()?;
        times.push(start.elapsed());
    }
    drop(file);
    std::fs::remove_file(&path)?;
    Ok(percentiles(&mut times))
}
