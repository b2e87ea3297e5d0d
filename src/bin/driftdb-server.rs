//! `driftdb-server`: see [`driftdb::server`].

use std::process::ExitCode;

/// mimalloc rather than the system allocator: the projector and the SQL engine allocate and
/// free many small rows and values, where glibc's malloc spent a quarter of the time in
/// `driftdb bench projection` (see `docs/benchmarks.md`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use driftdb::server::{self, Config};

fn main() -> ExitCode {
    let config = Config::parse();
    if let Err(e) = server::init_tracing(&config) {
        eprintln!("driftdb-server: {e:#}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(driftdb::THREAD_STACK_BYTES)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("driftdb-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let metrics = server::install_metrics()?;
        server::run(config, metrics, shutdown_signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Plain stderr rather than the log: the reason must show whatever the log filter.
            eprintln!("driftdb-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
