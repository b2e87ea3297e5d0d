//! The `driftdb` command-line tool, in the spirit of kcat and the Kafka console tools.
//!
//! Every subcommand but `bench log` talks to one broker (`--server`, default
//! `http://127.0.0.1:50051`) through the `driftdb-client` crate. Data goes to stdout (one record per line); progress and errors
//! go to stderr, so the output can be piped.

mod consume;
mod produce;
mod time;
mod topic;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use driftdb_client::Client;

pub use consume::ConsumeArgs;
pub use produce::ProduceArgs;
pub use topic::TopicCommand;

#[derive(Debug, Parser)]
#[command(name = "driftdb", version, about = "DriftDB command-line tool")]
pub struct Cli {
    /// The broker's gRPC address.
    #[arg(
        long,
        global = true,
        env = "DRIFTDB_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    pub server: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, describe and delete topics.
    #[command(subcommand)]
    Topic(TopicCommand),
    /// Append one record per line of standard input.
    Produce(ProduceArgs),
    /// Print records of a topic, one per line.
    Consume(ConsumeArgs),
    /// Run a benchmark and print a Markdown report.
    Bench {
        #[command(subcommand)]
        which: BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
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

/// Runs one command to completion.
pub async fn run(cli: Cli) -> Result<()> {
    if let Command::Bench { which } = cli.command {
        return run_bench(which).await;
    }
    let client = Client::connect(&cli.server)
        .await
        .with_context(|| format!("cannot reach the broker at {}", cli.server))?;
    match cli.command {
        Command::Topic(command) => topic::run(&client, command).await,
        Command::Produce(args) => produce::run(&client, args).await,
        Command::Consume(args) => consume::run(&client, args).await,
        Command::Bench { which } => run_bench(which).await,
    }
}

async fn run_bench(which: BenchCommand) -> Result<()> {
    match which {
        BenchCommand::Log {
            dir,
            seconds,
            batch,
            latency_samples,
        } => {
            let options = crate::bench::LogBench {
                dir,
                seconds,
                batch: batch.max(1),
                latency_samples,
            };
            // The benchmark drives the log's blocking API from its own threads.
            tokio::task::spawn_blocking(move || crate::bench::run_log_bench(&options))
                .await
                .context("the benchmark panicked")?
        }
    }
}
