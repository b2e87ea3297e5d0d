//! `driftdb-server`: one DriftDB node.
//!
//! Opens (and recovers) the log in the data directory, keeps its background flushing and
//! maintenance running, and on SIGTERM or Ctrl-C fsyncs every partition and exits 0.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;
use driftdb_broker::log::{Log, LogOptions};

#[derive(Debug, Parser)]
#[command(name = "driftdb-server", version, about = "Run a DriftDB node")]
struct Args {
    /// Data directory (created if missing).
    #[arg(
        long,
        alias = "data-path",
        env = "DRIFTDB_DATA_DIR",
        default_value = "./data"
    )]
    data_dir: PathBuf,
    /// Log filter, e.g. `info` or `driftdb_broker=debug` (RUST_LOG also works).
    #[arg(long, env = "DRIFTDB_LOG_LEVEL", default_value = "info")]
    log_level: String,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| args.log_level.clone());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> Result<()> {
    let dir = args.data_dir.clone();
    let log: Arc<Log> = tokio::task::spawn_blocking(move || Log::open(&dir, LogOptions::default()))
        .await?
        .with_context(|| format!("opening data directory {}", args.data_dir.display()))?;
    tracing::info!(data_dir = %args.data_dir.display(), topics = log.topics().len(), "driftdb-server ready");
    shutdown_signal().await?;
    tracing::info!("shutting down: flushing every partition");
    tokio::task::spawn_blocking(move || log.close()).await??;
    Ok(())
}

async fn shutdown_signal() -> Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}
