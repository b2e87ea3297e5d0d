//! `driftdb`: see [`driftdb::cli`].

use std::process::ExitCode;

/// mimalloc rather than the system allocator: the projector and the SQL engine allocate and
/// free many small rows and values, where glibc's malloc spent a quarter of the time in
/// `driftdb bench projection` (see `docs/benchmarks.md`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use driftdb::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(driftdb::THREAD_STACK_BYTES)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("driftdb: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // On a runtime thread, whose stack is sized for SQL, rather than on this one.
    let run = runtime.block_on(async { tokio::spawn(cli::run(cli)).await });
    match run.unwrap_or_else(|e| Err(anyhow::anyhow!("the command stopped: {e}"))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("driftdb: {e:#}");
            ExitCode::FAILURE
        }
    }
}
