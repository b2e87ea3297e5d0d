//! The `driftdb` command-line tool, in the spirit of kcat and the Kafka console tools.
//!
//! Every subcommand but `bench log` talks to one broker (`--server`, default
//! `http://127.0.0.1:50051`; an `https://` one in TLS, with `--ca-file` and, for mutual TLS,
//! `--client-cert` and `--client-key`) through the `driftdb-client` crate. Data goes to stdout (one record per line); progress and errors
//! go to stderr, so the output can be piped.

mod consume;
mod produce;
mod remote;
mod repl;
mod time;
mod token;
mod topic;

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use driftdb_client::Client;

use crate::bench;

pub use consume::ConsumeArgs;
pub use produce::ProduceArgs;
pub use token::TokenCommand;
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

    #[command(flatten)]
    pub tls: TlsArgs,

    /// The role to call the broker as, on a server that checks (`--auth scram-sha-256`);
    /// its password from DRIFTDB_PASSWORD. Send it over TLS (`https://`). A service with an
    /// access token gives it in DRIFTDB_TOKEN instead.
    #[arg(long, short = 'U', global = true, env = "DRIFTDB_USER")]
    pub user: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

/// TLS toward a server: an `https://` broker, or `sql --url`.
#[derive(Debug, Clone, clap::Args)]
pub struct TlsArgs {
    /// The CA certificate (PEM) the server's TLS certificate must chain to. Without it an
    /// `https://` broker is checked against the system's roots, and `sql --url` encrypts
    /// without checking (libpq's sslmode=require). `sql` also reads PGSSLROOTCERT.
    #[arg(long, global = true, env = "DRIFTDB_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    /// The client's certificate (PEM), for a server that verifies clients (mutual TLS).
    #[arg(
        long,
        global = true,
        env = "DRIFTDB_CLIENT_CERT",
        requires = "client_key"
    )]
    pub client_cert: Option<PathBuf>,
    /// The private key (PEM) of --client-cert.
    #[arg(
        long,
        global = true,
        env = "DRIFTDB_CLIENT_KEY",
        requires = "client_cert"
    )]
    pub client_key: Option<PathBuf>,
}

impl TlsArgs {
    /// The files read, for the gRPC client.
    fn options(&self) -> Result<driftdb_client::TlsOptions> {
        let read = |path: &PathBuf| {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        };
        Ok(driftdb_client::TlsOptions {
            ca_certificate: self.ca_file.as_ref().map(read).transpose()?,
            identity: match (&self.client_cert, &self.client_key) {
                (Some(cert), Some(key)) => Some((read(cert)?, read(key)?)),
                _ => None,
            },
        })
    }
}

/// How the CLI connects to the broker: TLS, and `--user` with DRIFTDB_PASSWORD, or an
/// access token from DRIFTDB_TOKEN.
fn connect_options(tls: &TlsArgs, role: Option<&str>) -> Result<driftdb_client::ConnectOptions> {
    let token = std::env::var("DRIFTDB_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let credentials = match (role, token) {
        (Some(_), Some(_)) => {
            anyhow::bail!("give --user (with DRIFTDB_PASSWORD) or DRIFTDB_TOKEN, not both")
        }
        (None, Some(token)) => Some(driftdb_client::Credentials::Token(token)),
        (None, None) => None,
        (Some(role), None) => {
            let password = std::env::var("DRIFTDB_PASSWORD").map_err(|_| {
                anyhow::anyhow!("--user {role} needs the role's password in DRIFTDB_PASSWORD")
            })?;
            Some(driftdb_client::Credentials::Password {
                role: role.to_string(),
                password,
            })
        }
    };
    Ok(driftdb_client::ConnectOptions {
        tls: tls.options()?,
        credentials,
    })
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
    /// Make, list and revoke access tokens for services (superusers only).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Create (or open and check) a data directory for the embedded SQL database.
    Init {
        /// The data directory.
        dir: PathBuf,
    },
    /// Run SQL against a data directory, embedded (stop any server using the directory), or
    /// against a running server with --url.
    Sql(SqlArgs),
    /// Run a benchmark and print a Markdown report.
    #[command(subcommand)]
    Bench(BenchCommand),
}

/// `driftdb sql`
#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// The data directory.
    #[arg(long, alias = "data-dir", default_value = "./data")]
    pub data: PathBuf,
    /// Run against a server instead, given as a PostgreSQL connection string
    /// (`postgres://driftdb@127.0.0.1:5433/driftdb?sslmode=require`); the password from it
    /// or PGPASSWORD.
    #[arg(long, env = "DRIFTDB_URL", conflicts_with = "data")]
    pub url: Option<String>,
    /// SQL to run (repeatable; each may hold several statements).
    #[arg(short = 'e', long = "execute")]
    pub execute: Vec<String>,
    /// A file of SQL statements to run after the `-e` ones.
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// The log engine, in-process, beside the disk's own fdatasync figures.
    Log(bench::LogBench),
    /// Produce throughput and latency over gRPC against a running server.
    Produce(bench::ProduceBench),
    /// Subscribe throughput and end-to-end latency over gRPC against a running server.
    Consume(bench::ConsumeBench),
    /// The produce and consume workload against a running Redis, with Redis Streams.
    Redis(bench::RedisBench),
    /// The embedded SQL database beside SQLite and DuckDB (needs no server).
    Sql(bench::SqlBench),
    /// Projections: events applied per second, rebuild time, lag under load (needs no
    /// server).
    Projection(bench::ProjectionBench),
    /// The server's memory under a flood of stalled, unauthenticated connections on every
    /// port, beside PostgreSQL's (starts its own server).
    Flood(bench::FloodBench),
}

/// Runs one command to completion.
pub async fn run(cli: Cli) -> Result<()> {
    let server = cli.server.as_str();
    let tls = &cli.tls;
    let connect = || async { connect(server, connect_options(tls, cli.user.as_deref())?).await };
    match cli.command {
        Command::Topic(command) => topic::run(&connect().await?, command).await,
        Command::Produce(args) => produce::run(&connect().await?, args).await,
        Command::Consume(args) => consume::run(&connect().await?, args).await,
        Command::Token(command) => token::run(&connect().await?, command).await,
        Command::Bench(bench) => {
            let broker = bench::Broker {
                url: server.to_string(),
                options: connect_options(tls, cli.user.as_deref())?,
            };
            run_bench(&broker, bench).await
        }
        Command::Init { dir } => {
            let db = driftdb_sql::Database::open(&dir)?;
            println!(
                "{}: {}, ready",
                dir.display(),
                describe_position(db.last_sequence())
            );
            Ok(())
        }
        Command::Sql(args) => run_sql(args, tls).await,
    }
}

/// Runs `-e` texts, then `-f`, then (with neither) standard input, printing each result:
/// rows as an aligned table, commands as their tag with the sequence they committed at.
async fn run_sql(args: SqlArgs, tls: &TlsArgs) -> Result<()> {
    if let Some(url) = &args.url {
        let mut scripts = Vec::new();
        if let Some(file) = &args.file {
            scripts.push(
                std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?,
            );
        } else if args.execute.is_empty() {
            let mut input = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
            scripts.push(input);
        }
        return remote::run(url, tls, &args.execute, &scripts).await;
    }
    let db = driftdb_sql::Database::open(&args.data)?;
    let mut session = db.session();
    // The `-e` texts come first in `scripts`.
    let execute = args.execute.len();
    let mut scripts = args.execute;
    if let Some(file) = &args.file {
        scripts.push(
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?,
        );
    }
    if scripts.is_empty() {
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return repl::run(&mut session, &args.data).await;
        }
        let mut input = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
        scripts.push(input);
    }
    for (i, sql) in scripts.into_iter().enumerate() {
        let statements = driftdb_sql::parse(&sql).map_err(sql_error)?;
        if i < execute && driftdb_sql::forms_implicit_block(&statements) {
            run_block(&mut session, statements).await?;
            continue;
        }
        // A script's results are printed (and flushed) as each statement finishes, so a long
        // one shows its progress and every printed COMMIT is durable.
        for statement in statements {
            let outcome = session
                .execute_statement(statement)
                .await
                .map_err(sql_error)?;
            print(&outcome)?;
        }
    }
    Ok(())
}

/// Runs statements in one implicit block and prints their results once it has committed,
/// each write with the sequence it committed at; an error rolls all of them back.
async fn run_block(
    session: &mut driftdb_sql::Session,
    statements: Vec<driftdb_sql::Statement>,
) -> Result<()> {
    let mut done: Vec<driftdb_sql::Outcome> = Vec::new();
    // The writes waiting for their block's commit, by index in `done`.
    let mut pending = Vec::new();
    for statement in statements {
        // Again after a COMMIT among them: the rest form a new block.
        session.begin_implicit();
        let before = session.pending_operations();
        let outcome = match session.execute_statement(statement).await {
            Ok(outcome) => outcome,
            Err(e) => {
                session.end_implicit(true).map_err(sql_error)?;
                return Err(sql_error(e));
            }
        };
        if session.in_implicit_block() {
            if session.pending_operations() > before {
                pending.push(done.len());
            }
        } else {
            // A COMMIT (committing the writes so far) or a BEGIN (taking them into its block).
            for i in pending.drain(..) {
                done[i].seq = outcome.seq;
            }
        }
        done.push(outcome);
    }
    let seq = session.end_implicit(false).map_err(sql_error)?;
    for i in pending {
        done[i].seq = seq;
    }
    done.iter().try_for_each(print)
}

/// Where a database stands, as a person says it: `empty database`, or its last change.
fn describe_position(last: Option<u64>) -> String {
    match last {
        None => "empty database".to_string(),
        Some(seq) => format!("last change at @SEQ:{seq}"),
    }
}

/// A SQL error as the command line reports it.
fn sql_error(e: driftdb_sql::Error) -> anyhow::Error {
    anyhow::anyhow!("ERROR {}: {e}", e.sqlstate())
}

fn print(outcome: &driftdb_sql::Outcome) -> Result<()> {
    repl::print_notices(outcome);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", repl::render(outcome)?)?;
    out.flush()?;
    Ok(())
}

async fn connect(server: &str, options: driftdb_client::ConnectOptions) -> Result<Client> {
    // The client's error names the address and, in its sources, why.
    Ok(Client::connect_with(server, options).await?)
}

/// Benchmarks open their own connections (the log and Redis benches none to the broker).
async fn run_bench(server: &bench::Broker, command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Log(opts) => {
            tokio::task::spawn_blocking(move || bench::run_log_bench(&opts)).await?
        }
        BenchCommand::Produce(opts) => bench::run_produce_bench(server, &opts).await,
        BenchCommand::Consume(opts) => bench::run_consume_bench(server, &opts).await,
        BenchCommand::Redis(opts) => bench::run_redis_bench(&opts).await,
        BenchCommand::Sql(opts) => bench::run_sql_bench(&opts).await,
        BenchCommand::Projection(opts) => bench::run_projection_bench(&opts).await,
        BenchCommand::Flood(opts) => bench::run_flood_bench(&opts).await,
    }
}
