//! `driftdb-server`: one process serving the broker over gRPC and metrics and health over
//! HTTP, on one data directory.
//!
//! Start-up order matters for clear failures: the data directory is created and opened (the
//! log locks it and recovers every partition) before any port is bound, and both ports are
//! bound before anything is served, so a second server on the same directory or a port in use
//! fails at once with a message naming the directory or the address. When the listeners are
//! up the server prints one line to stdout, `driftdb-server ready grpc=ADDR http=ADDR pg=ADDR`, which
//! scripts and the end-to-end tests read to learn the ports (port 0 picks free ones).
//!
//! Shutdown ([`run`]'s `shutdown` future, SIGTERM or Ctrl-C in the binary): `/health/ready`
//! turns false, the gRPC health service reports not serving, subscriptions end with
//! `UNAVAILABLE`, both listeners stop accepting, in-flight calls (appends waiting for fsync)
//! finish (connections still busy after a grace period are closed), then the log is closed,
//! which flushes and fsyncs every partition.

mod auth;
mod http;
mod status;
mod tables;
mod tokens;
mod transport;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use driftdb_broker::log::{Log, LogOptions};
use driftdb_broker::metrics::{FSYNC_BATCH, FSYNC_LATENCY, PRODUCE_LATENCY};
use driftdb_pg::tls::{Port, Tls, TlsFiles};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Produce latency buckets, in seconds: from a page-cache append to a slow fsync.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Records per group-commit fsync.
const FSYNC_BATCH_BUCKETS: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0,
];

/// How long shutdown waits for open connections to finish their calls before closing them.
/// Appends already running on the blocking pool still complete before the log closes.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a gauge stays in `/metrics` after it was last set (see [`install_metrics`]).
const GAUGE_IDLE: Duration = Duration::from_secs(5);

/// How often the Prometheus recorder's histograms are compacted.
const METRICS_UPKEEP: Duration = Duration::from_secs(5);

/// The server's configuration: flags, each also read from a `DRIFTDB_*` variable.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "driftdb-server", version, about = "The DriftDB server")]
pub struct Config {
    /// Directory holding the data; created if missing.
    #[arg(
        long,
        visible_alias = "data-path",
        env = "DRIFTDB_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,

    /// Address to listen on.
    #[arg(long, env = "DRIFTDB_LISTEN", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub listen: IpAddr,

    /// Address the HTTP port (/metrics, /health) listens on, if not --listen's: a private
    /// network for monitoring, say, or 127.0.0.1 for a local agent.
    #[arg(long, env = "DRIFTDB_HTTP_LISTEN")]
    pub http_listen: Option<IpAddr>,

    /// gRPC port (0 picks a free one).
    #[arg(long, env = "DRIFTDB_GRPC_PORT", default_value_t = 50051)]
    pub grpc_port: u16,

    /// HTTP port for /metrics and /health (0 picks a free one).
    #[arg(long, env = "DRIFTDB_HTTP_PORT", default_value_t = 8080)]
    pub http_port: u16,

    /// PostgreSQL wire protocol port for SQL (0 picks a free one).
    #[arg(long, env = "DRIFTDB_PG_PORT", default_value_t = 5433)]
    pub pg_port: u16,

    /// PEM certificate chain for TLS on every port (with --tls-key). Each port then takes
    /// TLS and clear text alike, unless --require-tls. Reloaded on SIGHUP.
    #[arg(long, env = "DRIFTDB_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert. Reloaded on SIGHUP.
    #[arg(long, env = "DRIFTDB_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// PEM CA certificates for mutual TLS: a client connecting in TLS on any port must
    /// present a certificate that chains to one of them. Reloaded on SIGHUP.
    #[arg(long, env = "DRIFTDB_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,

    /// Refuse connections that do not use TLS, on every port (needs --tls-cert and
    /// --tls-key).
    #[arg(long, env = "DRIFTDB_REQUIRE_TLS", requires = "tls_cert")]
    pub require_tls: bool,

    /// Most PostgreSQL connections open at once; more are refused with 53300.
    #[arg(long, env = "DRIFTDB_MAX_CONNECTIONS", default_value_t = 100)]
    pub max_connections: usize,

    /// Most MiB one PostgreSQL connection's statement may hold (its sorts, aggregations and
    /// joins, its result rows, its COPY data); past it the statement fails with 53200 and
    /// the connection goes on. 0: no limit.
    #[arg(long, env = "DRIFTDB_CONNECTION_MEMORY_MB", default_value_t = 256)]
    pub connection_memory_mb: usize,

    /// Most MiB of Arrow columns kept for full scans of large tables (per chunk of rows and
    /// the state it was read in); 0 turns the cache off.
    #[arg(long, env = "DRIFTDB_SCAN_CACHE_MB", default_value_t = 512)]
    pub scan_cache_mb: usize,

    /// How clients authenticate, on the PostgreSQL and gRPC ports alike: trust (anyone, no
    /// password), scram-sha-256 or md5 (the password of a role made with CREATE ROLE ...
    /// LOGIN PASSWORD; over gRPC, sent as Basic metadata, or a client certificate naming
    /// the role).
    #[arg(long, env = "DRIFTDB_AUTH", value_enum, default_value_t = driftdb_pg::AuthMethod::Trust)]
    pub auth: driftdb_pg::AuthMethod,

    /// A file holding the password of the bootstrap superuser `driftdb` (a Kubernetes
    /// Secret mounted as a file, say). At start the role is created with it, or given it if
    /// it has no password; a role that has one keeps it. One trailing newline is ignored.
    #[arg(
        long,
        env = "DRIFTDB_SUPERUSER_PASSWORD_FILE",
        conflicts_with = "superuser_password"
    )]
    pub superuser_password_file: Option<PathBuf>,

    /// The bootstrap superuser's password itself, as for --superuser-password-file. Prefer
    /// the file or the variable: a command line is visible to every user of the machine.
    #[arg(long, env = "DRIFTDB_SUPERUSER_PASSWORD", hide_env_values = true)]
    pub superuser_password: Option<String>,

    /// Make the SQL table `driftdb_audit`, a projection of the audit trail (the system topic
    /// `__audit`, always written), if it does not exist. Each audited event then also
    /// becomes a row of it, and so a commit of the ledger.
    #[arg(long, env = "DRIFTDB_AUDIT_TABLE")]
    pub audit_table: bool,

    /// Log filter, e.g. `info` or `driftdb_broker=debug,info`. Without it, `RUST_LOG`, else
    /// `info`.
    #[arg(long, env = "DRIFTDB_LOG_LEVEL")]
    pub log_level: Option<String>,
}

/// Installs the process's tracing subscriber (stderr) from the configured filter.
pub fn init_tracing(config: &Config) -> Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = match &config.log_level {
        Some(level) => {
            EnvFilter::try_new(level).with_context(|| format!("invalid --log-level {level:?}"))?
        }
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init()
        .map_err(|e| anyhow::anyhow!("installing the log subscriber failed: {e}"))
}

/// Installs the global Prometheus recorder. Once per process.
pub fn install_metrics() -> Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(PRODUCE_LATENCY.to_string()), LATENCY_BUCKETS)
        .context("configuring metric buckets")?
        .set_buckets_for_metric(Matcher::Full(FSYNC_LATENCY.to_string()), LATENCY_BUCKETS)
        .context("configuring metric buckets")?
        .set_buckets_for_metric(Matcher::Full(FSYNC_BATCH.to_string()), FSYNC_BATCH_BUCKETS)
        .context("configuring metric buckets")?
        // Every gauge is set at each scrape or more often (see driftdb_broker::metrics), so
        // one unset this long belongs to a topic, group or projection that is gone.
        .idle_timeout(MetricKindMask::GAUGE, Some(GAUGE_IDLE))
        .install_recorder()
        .context("installing the metrics recorder")?;
    driftdb_broker::metrics::describe();
    driftdb_sql::projection::describe_metrics();
    driftdb_sql::provider::chunked::describe_metrics();
    driftdb_pg::describe_metrics();
    driftdb_pg::throttle::describe_metrics();
    Ok(handle)
}

/// Runs the server until `shutdown` completes, then shuts down gracefully.
pub async fn run(
    config: Config,
    metrics: PrometheusHandle,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(Tls::load(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
            client_ca: config.tls_client_ca.clone(),
        })?),
        _ => None,
    };
    let log = open_log(config.data_dir.clone()).await?;

    let grpc_addr = SocketAddr::new(config.listen, config.grpc_port);
    let http_addr = SocketAddr::new(
        config.http_listen.unwrap_or(config.listen),
        config.http_port,
    );
    let pg_addr = SocketAddr::new(config.listen, config.pg_port);
    let grpc_listener = bind(grpc_addr, "gRPC").await?;
    let http_listener = bind(http_addr, "HTTP").await?;
    let pg_listener = bind(pg_addr, "PostgreSQL").await?;
    let pg_addr = pg_listener
        .local_addr()
        .context("reading the PostgreSQL address")?;
    driftdb_sql::provider::chunked::set_budget(config.scan_cache_mb.saturating_mul(1 << 20));
    let database = open_database(Arc::clone(&log), config.data_dir.clone()).await?;
    database
        .start_audit(config.audit_table)
        .await
        .context("cannot start the audit trail")?;
    if let Some(password) = superuser_password(&config)? {
        bootstrap_superuser(&database, password).await?;
    }
    let grpc_addr = grpc_listener
        .local_addr()
        .context("reading the gRPC address")?;
    let http_addr = http_listener
        .local_addr()
        .context("reading the HTTP address")?;

    let privileges: Arc<dyn driftdb_broker::service::authorize::Authorizer> =
        Arc::new(auth::Privileges(database.clone()));
    let (routes, service) =
        driftdb_broker::service::routes(Arc::clone(&log), Some(privileges)).await?;
    let ready = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = watch::channel(false);
    let routes = routes
        .add_service(
            driftdb_proto::v1::table_service_server::TableServiceServer::new(tables::Tables {
                database: database.clone(),
                shutdown: stop_rx.clone(),
            }),
        )
        .add_service(
            driftdb_proto::v1::token_service_server::TokenServiceServer::new(tokens::Tokens {
                database: database.clone(),
            }),
        );
    // Layers run last added first: clear text is refused before credentials are read.
    let throttle = Arc::new(driftdb_pg::throttle::LoginThrottle::default());
    let grpc_auth = Arc::new(auth::Authenticator::new(
        config.auth,
        database.clone(),
        Arc::clone(&throttle),
    ));
    let mut router = routes
        .into_axum_router()
        .layer(axum::middleware::from_fn_with_state(
            grpc_auth,
            auth::authenticate,
        ));
    if config.require_tls {
        router = router.layer(axum::middleware::from_fn(transport::require_tls_grpc));
    }
    let routes = tonic::service::Routes::from(router);

    let grpc_incoming = transport::accept(grpc_listener, tls.clone(), Port::Grpc, stop_rx.clone());
    let grpc_server = tonic::transport::Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(grpc_incoming.into_stream(), stopped(stop_rx.clone()));
    let mut grpc = tokio::spawn(async move { grpc_server.await.context("the gRPC server failed") });
    let pg_slots = driftdb_pg::Slots::new(config.max_connections);
    let mut app = http::router(http::State {
        pg_slots: pg_slots.clone(),
        log: Arc::clone(&log),
        projections: Arc::clone(database.projections()),
        metrics: metrics.clone(),
        ready: Arc::clone(&ready),
    });
    if config.require_tls {
        app = app.layer(axum::middleware::from_fn(transport::require_tls_http));
    }
    let http_incoming = transport::accept(http_listener, tls.clone(), Port::Http, stop_rx.clone());
    let http_server = axum::serve(
        http_incoming,
        app.into_make_service_with_connect_info::<transport::Peer>(),
    )
    .with_graceful_shutdown(stopped(stop_rx.clone()));
    let mut http = tokio::spawn(async move { http_server.await.context("the HTTP server failed") });
    tokio::spawn(reload_on_hangup(tls.clone(), stop_rx.clone()));
    let pg_options = driftdb_pg::Options {
        tls,
        require_tls: config.require_tls,
        auth: config.auth,
        throttle,
        slots: pg_slots.clone(),
        connection_memory: (config.connection_memory_mb > 0)
            .then(|| config.connection_memory_mb.saturating_mul(1 << 20)),
    };
    let projections = database.clone();
    let pg = tokio::spawn(driftdb_pg::serve(
        pg_listener,
        database,
        pg_options,
        stop_rx.clone(),
    ));
    let upkeep = tokio::spawn(upkeep(metrics, stop_rx));

    ready.store(true, Ordering::SeqCst);
    tracing::info!(%grpc_addr, %http_addr, %pg_addr, data_dir = %config.data_dir.display(), "serving");
    println!("driftdb-server ready grpc={grpc_addr} http={http_addr} pg={pg_addr}");

    // A listener that ends on its own (it should not) also shuts the server down.
    let (mut grpc_done, mut http_done) = (None, None);
    tokio::select! {
        () = shutdown => tracing::info!("shutdown requested; draining"),
        result = &mut grpc => grpc_done = Some(result),
        result = &mut http => http_done = Some(result),
    }
    ready.store(false, Ordering::SeqCst);
    service.begin_shutdown().await;
    let _ = stop_tx.send(true);

    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    let grpc_result = match grpc_done {
        Some(result) => result,
        None => drain(&mut grpc, deadline, "gRPC").await,
    };
    let http_result = match http_done {
        Some(result) => result,
        None => drain(&mut http, deadline, "HTTP").await,
    };
    let _ = upkeep.await;
    let _ = pg.await;
    let closed = tokio::task::spawn_blocking(move || {
        // Projection runners commit into the ledger: they stop before the log closes.
        projections.shutdown();
        log.close()
    })
    .await;

    grpc_result.context("the gRPC server task panicked")??;
    http_result.context("the HTTP server task panicked")??;
    closed
        .context("closing the log panicked")?
        .context("closing the log failed; data may not be flushed")?;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// The SQL database over the server's log: replays the `__ledger` from the newest checkpoint.
async fn open_database(log: Arc<Log>, dir: PathBuf) -> Result<driftdb_sql::Database> {
    tokio::task::spawn_blocking(move || {
        driftdb_sql::Database::with_log(log, &dir)
            .with_context(|| format!("cannot open the SQL database in {}", dir.display()))
    })
    .await
    .context("opening the SQL database panicked")?
}

/// The bootstrap superuser's password from the configuration, if one is given.
fn superuser_password(config: &Config) -> Result<Option<String>> {
    if let Some(path) = &config.superuser_password_file {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!("cannot read the superuser password file {}", path.display())
        })?;
        let password = text
            .strip_suffix('\n')
            .map_or(text.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
        return Ok(Some(password.to_string()));
    }
    Ok(config.superuser_password.clone())
}

/// Gives the bootstrap superuser its password (see [`driftdb_sql::Database::bootstrap_superuser`]).
async fn bootstrap_superuser(database: &driftdb_sql::Database, password: String) -> Result<()> {
    let database = database.clone();
    let done = tokio::task::spawn_blocking(move || database.bootstrap_superuser(&password))
        .await
        .context("setting the superuser password panicked")?
        .map_err(|e| anyhow::anyhow!("cannot set the superuser password: {e}"))?;
    let role = driftdb_sql::session::BOOTSTRAP_ROLE;
    match done {
        driftdb_sql::Bootstrap::Created => {
            tracing::info!(
                role,
                "created the bootstrap superuser with the given password"
            );
        }
        driftdb_sql::Bootstrap::PasswordSet => {
            tracing::info!(role, "gave the bootstrap superuser the given password");
        }
        driftdb_sql::Bootstrap::Kept => tracing::info!(
            role,
            "the bootstrap superuser already has a password, which it keeps (change it with ALTER ROLE)"
        ),
    }
    Ok(())
}

async fn open_log(dir: PathBuf) -> Result<Arc<Log>> {
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        Log::open(&dir, LogOptions::default())
            .with_context(|| format!("cannot open the data directory {}", dir.display()))
    })
    .await
    .context("opening the log panicked")?
}

async fn bind(addr: SocketAddr, what: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen for {what} on {addr} (is another process using the port?)")
    })
}

/// Completes when the stop flag is set (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Waits for a server task to finish draining, and aborts it (closing its connections) if a
/// client keeps a connection busy past the deadline.
async fn drain(
    task: &mut tokio::task::JoinHandle<Result<()>>,
    deadline: tokio::time::Instant,
    what: &str,
) -> Result<Result<()>, tokio::task::JoinError> {
    match tokio::time::timeout_at(deadline, &mut *task).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(
                "{what} connections still busy {SHUTDOWN_GRACE:?} after shutdown began; closing them"
            );
            task.abort();
            Ok(Ok(()))
        }
    }
}

/// Reads the TLS files again on each SIGHUP, until the server stops; a reload that fails
/// keeps the certificate in use and logs why. Without TLS, SIGHUP only says so (rather than
/// ending the process, its default).
async fn reload_on_hangup(tls: Option<Tls>, mut stop: watch::Receiver<bool>) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(hangups) => hangups,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for SIGHUP; TLS files will not be reloaded");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = hangups.recv() => match tls.as_ref().map(Tls::reload) {
                Some(Ok(())) => tracing::info!("SIGHUP: reloaded the TLS certificate, key and client CA"),
                Some(Err(e)) => tracing::error!(error = format!("{e:#}"), "SIGHUP: the TLS files did not reload; the ones in use stay"),
                None => tracing::info!("SIGHUP: no TLS files to reload"),
            },
            () = async { let _ = stop.wait_for(|stop| *stop).await; } => return,
        }
    }
}

async fn upkeep(metrics: PrometheusHandle, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(METRICS_UPKEEP);
    loop {
        tokio::select! {
            _ = tick.tick() => metrics.run_upkeep(),
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}
