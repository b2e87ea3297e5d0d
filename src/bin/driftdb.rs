//! `driftdb`: the DriftDB command-line tool.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use driftdb::bench::{self, LogBench};

#[derive(Debug, Parser)]
#[command(name = "driftdb", version, about = "DriftDB command-line tool")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a benchmark and print a Markdown report.
    Bench {
        #[command(subcommand)]
        which: BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// The log engine, in-process, beside the disk's own fdatasync figures.
    Log {
        /// Directory on the disk to measure (a temporary subdirectory is created and removed).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Seconds per throughput run.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Records per append call in throughput runs.
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// Appends measured for latency percentiles.
        #[arg(long, default_value_t = 2000)]
        latency_samples: usize,
    },
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Bench {
            which:
                BenchCommand::Log {
                    dir,
                    seconds,
                    batch,
                    latency_samples,
                },
        } => bench::run_log_bench(&LogBench {
            dir,
            seconds,
            batch: batch.max(1),
            latency_samples,
        }),
    }
}
