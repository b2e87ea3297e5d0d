//! `driftdb bench`: benchmarks that print a Markdown report to stdout.
//!
//! - [`log`]: the log engine in-process, beside the disk's own fdatasync figures.
//! - [`grpc`]: produce and consume through a running `driftdb-server` over gRPC, with the
//!   `driftdb-client` crate, as a service would.
//! - [`redis`]: the same produce and consume workload against Redis Streams, the peer a user
//!   might pick instead, through a minimal RESP client.
//! - [`sql`]: the embedded SQL database, beside SQLite and DuckDB run by a Python script.
//! - [`projection`]: projections applying topic events, rebuilding, and their lag under load.
//! - [`flood`]: the server's memory under a flood of connections that never authenticate.
//!
//! Every measurement is one function that returns its figures; the `run_*` functions print
//! them. Tests never assert speed: these reports do the measuring, and `docs/benchmarks.md`
//! records the figures with the command that produced them.

pub mod flood;
pub mod grpc;
pub mod log;
pub mod projection;
pub mod redis;
pub mod sql;

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;

pub use flood::{FloodBench, run_flood_bench};
pub use grpc::{Broker, ConsumeBench, ProduceBench, run_consume_bench, run_produce_bench};
pub use log::{LogBench, run_log_bench};
pub use projection::{ProjectionBench, run_projection_bench};
pub use redis::{RedisBench, run_redis_bench};
pub use sql::{SqlBench, run_sql_bench};

/// Records and value bytes moved in a measured span of time.
#[derive(Debug, Clone, Copy)]
struct Throughput {
    records: u64,
    bytes: u64,
    elapsed: Duration,
}

impl Throughput {
    fn records_per_s(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64()
    }

    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / self.elapsed.as_secs_f64() / 1e6
    }
}

/// Writes `total` bytes in 1 MiB blocks to a file in `dir` and fdatasyncs once, like
/// `dd bs=1M conv=fdatasync`; returns bytes per second.
fn disk_sequential_bandwidth(dir: &Path, total: usize) -> Result<f64> {
    let path = dir.join(format!("driftdb-bench-disk-{}", std::process::id()));
    let mut file = File::create(&path)?;
    let block = vec![0xa5u8; 1 << 20];
    let start = Instant::now();
    for _ in 0..total / block.len() {
        file.write_all(&block)?;
    }
    file.sync_data()?;
    let elapsed = start.elapsed();
    drop(file);
    std::fs::remove_file(&path)?;
    Ok(total as f64 / elapsed.as_secs_f64())
}

/// Median and p99 of `samples` (sorted in place); zero for no samples.
fn percentiles(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort_unstable();
    if samples.is_empty() {
        return (Duration::ZERO, Duration::ZERO);
    }
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    (at(0.5), at(0.99))
}

/// The 1, 5 and 15 minute load averages, printed with each report because client, server
/// and anything else on the machine share its cores.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `1234567.8` as `1,234,568`, as the report tables print counts.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_median_and_the_99th() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let (p50, p99) = percentiles(&mut samples);
        assert_eq!(p50, Duration::from_millis(51));
        assert_eq!(p99, Duration::from_millis(100));
        assert_eq!(percentiles(&mut []), (Duration::ZERO, Duration::ZERO));
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(1_234_567.8), "1,234,568");
    }
}
