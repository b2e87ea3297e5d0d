//! `driftdb bench flood`: the server's memory under a flood of connections that never
//! authenticate, and whether well-behaved clients are still served meanwhile.
//!
//! The bench starts its own `driftdb-server` (password authentication, a fresh data
//! directory), measures its proportional set size (PSS, from `/proc/<pid>/smaps_rollup`),
//! then holds `--connections` stalled connections on each port, each stalled where it costs
//! the server the most: a PostgreSQL startup packet whose password challenge is never
//! answered, a gRPC connection that sent the HTTP/2 preface and SETTINGS and then nothing, an
//! HTTP request whose head never ends. With them open it times a SQL query and a produce from
//! well-behaved clients, measures the memory again, closes everything and measures once more.
//!
//! With `--postgres-port`, the same PostgreSQL flood goes to a PostgreSQL server on
//! 127.0.0.1 (the peer: it forks a process per connection before authentication), whose
//! memory is the PSS summed over its processes.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};

#[derive(Debug, clap::Args)]
pub struct FloodBench {
    /// Stalled connections opened on each port.
    #[arg(long, default_value_t = 1000)]
    pub connections: usize,
    /// The server binary (default: `driftdb-server` beside this program).
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// A PostgreSQL server on 127.0.0.1 to flood the same way, for comparison.
    #[arg(long)]
    pub postgres_port: Option<u16>,
    /// Directory for the data (a fresh subdirectory is made and removed).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

const PASSWORD: &str = "flood-bench";

/// A started server, killed on drop.
struct Server {
    child: Child,
    grpc: SocketAddr,
    http: SocketAddr,
    pg: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(bench: &FloodBench, data: &std::path::Path) -> Result<Server> {
    let binary = match &bench.server_bin {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("driftdb-server"),
    };
    let mut child = Command::new(&binary)
        .args(["--data-dir".as_ref(), data.as_os_str()])
        .args(["--grpc-port", "0", "--http-port", "0", "--pg-port", "0"])
        .args(["--auth", "scram-sha-256", "--superuser-password", PASSWORD])
        .args(["--log-level", "error"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let mut stdout = child.stdout.take().context("the server's output")?;
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte)? == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&line).to_string();
    let address = |name: &str| -> Result<SocketAddr> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .ok_or_else(|| anyhow!("no {name} address in {line:?}"))?
            .parse()
            .map_err(Into::into)
    };
    // The rest of its output is not read; it prints nothing more at this log level.
    Ok(Server {
        grpc: address("grpc")?,
        http: address("http")?,
        pg: address("pg")?,
        child,
    })
}

/// The proportional set size of process `pid`, in bytes.
fn pss(pid: u32) -> Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))?;
    text.lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| anyhow!("no Pss in /proc/{pid}/smaps_rollup"))
}

/// The PSS summed over every process whose command is `postgres` (the server and its
/// backends), and how many there are.
fn postgres_pss() -> Result<(u64, usize)> {
    let mut total = 0;
    let mut count = 0;
    for entry in std::fs::read_dir("/proc")? {
        let Ok(entry) = entry else { continue };
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "postgres"
            && let Ok(bytes) = pss(pid)
        {
            total += bytes;
            count += 1;
        }
    }
    Ok((total, count))
}

/// A PostgreSQL startup packet for `user`, after which the server asks for a password that
/// never comes.
fn pg_startup(user: &str) -> Vec<u8> {
    let mut body = 196_608u32.to_be_bytes().to_vec();
    for (k, v) in [("user", user), ("database", "postgres")] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut packet = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    packet.extend_from_slice(&body);
    packet
}

/// The HTTP/2 connection preface and an empty SETTINGS frame.
const H2_OPENING: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

/// Opens `n` connections to `addr`, each sending `opening`; returns those still open.
fn stall(addr: SocketAddr, n: usize, opening: &[u8]) -> Vec<TcpStream> {
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            continue;
        };
        if stream.write_all(opening).is_ok() {
            held.push(stream);
        }
    }
    held
}

/// How many of `streams` the server has not closed (a read would block, not return 0).
fn still_open(streams: &[TcpStream]) -> usize {
    streams
        .iter()
        .filter(|s| {
            let _ = s.set_nonblocking(true);
            let mut buf = [0u8; 4096];
            loop {
                match (&**s).read(&mut buf) {
                    Ok(0) => return false,
                    Ok(_) => continue,
                    Err(e) => return e.kind() == std::io::ErrorKind::WouldBlock,
                }
            }
        })
        .count()
}

/// Times a SQL query as a well-behaved client; `Err`: how the server refused it.
fn sql_query(pg: SocketAddr) -> Result<Duration, String> {
    let started = Instant::now();
    let out = Command::new("psql")
        .args(["-X", "-q", "-A", "-t", "-h", &pg.ip().to_string()])
        .args([
            "-p",
            &pg.port().to_string(),
            "-U",
            "driftdb",
            "-d",
            "driftdb",
        ])
        .args(["-c", "SELECT 1"])
        .env("PGPASSWORD", PASSWORD)
        .env("PGSSLMODE", "disable")
        .output()
        .map_err(|e| format!("running psql: {e}"))?;
    if !out.status.success() {
        let error = String::from_utf8_lossy(&out.stderr);
        return Err(error
            .rsplit("FATAL:")
            .next()
            .unwrap_or(&error)
            .trim()
            .to_string());
    }
    Ok(started.elapsed())
}

/// Times connecting and creating a topic over gRPC as a well-behaved client.
async fn grpc_call(grpc: SocketAddr, topic: &str) -> Result<Duration> {
    let started = Instant::now();
    let options = driftdb_client::ConnectOptions {
        credentials: Some(driftdb_client::Credentials::Password {
            role: "driftdb".into(),
            password: PASSWORD.into(),
        }),
        ..Default::default()
    };
    let client = driftdb_client::Client::connect_with(format!("http://{grpc}"), options).await?;
    client
        .admin()
        .create_topic(topic, Default::default())
        .await?;
    Ok(started.elapsed())
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

pub async fn run_flood_bench(bench: &FloodBench) -> Result<()> {
    let root = bench
        .dir
        .join(format!("driftdb-bench-flood-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let result = measure(bench, &root).await;
    std::fs::remove_dir_all(&root)?;
    result
}

/// What one flood did to the server.
struct Flooded {
    /// Its memory with the connections open.
    memory: u64,
    /// How many of the connections to each port it still held 2 s after they opened.
    held: Vec<usize>,
    /// A well-behaved SQL query and gRPC call, timed while the flood was open.
    query: Result<Duration, String>,
    call: Duration,
    /// Its memory 3 s after they closed.
    after: u64,
}

/// Holds `n` stalled connections to each of `targets` (address and opening) for 2 s.
async fn flood(
    server: &Server,
    n: usize,
    targets: Vec<(SocketAddr, Vec<u8>)>,
    topic: &str,
) -> Result<Flooded> {
    let pid = server.child.id();
    let opened = tokio::task::spawn_blocking(move || {
        targets
            .iter()
            .map(|(addr, opening)| stall(*addr, n, opening))
            .collect::<Vec<_>>()
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let memory = pss(pid)?;
    let query = sql_query(server.pg);
    let call = grpc_call(server.grpc, topic).await?;
    let held = opened.iter().map(|streams| still_open(streams)).collect();
    drop(opened);
    tokio::time::sleep(Duration::from_secs(3)).await;
    Ok(Flooded {
        memory,
        held,
        query,
        call,
        after: pss(pid)?,
    })
}

fn answered(query: &Result<Duration, String>) -> String {
    match query {
        Ok(took) => format!("{:.1} ms", super::ms(*took)),
        Err(refused) => format!("refused: {refused}"),
    }
}

fn per_connection(during: u64, idle: u64, connections: usize) -> String {
    format!(
        "{:.1} KiB",
        during.saturating_sub(idle) as f64 / 1024.0 / connections.max(1) as f64
    )
}

async fn measure(bench: &FloodBench, data: &std::path::Path) -> Result<()> {
    let server = start(bench, data)?;
    let pid = server.child.id();
    // Warm up: the first query and call build what every later one reuses.
    sql_query(server.pg).map_err(|e| anyhow!("the warm-up query failed: {e}"))?;
    grpc_call(server.grpc, "warm-up").await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = pss(pid)?;
    let n = bench.connections;
    let pg_only = flood(
        &server,
        n,
        vec![(server.pg, pg_startup("driftdb"))],
        "pg-only",
    )
    .await?;
    let every_port = flood(
        &server,
        n,
        vec![
            (server.pg, pg_startup("driftdb")),
            (server.grpc, H2_OPENING.to_vec()),
            (
                server.http,
                b"GET /metrics HTTP/1.1\r\nHost: x\r\n".to_vec(),
            ),
        ],
        "every-port",
    )
    .await?;

    println!("# Connection flood: {n} stalled connections per port\n");
    println!(
        "`driftdb bench flood --connections {n}`; {} cores, load {}.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        super::load_average()
    );
    println!("| DriftDB, every port | |");
    println!("|---|---|");
    println!("| memory idle (PSS) | {:.1} MiB |", mib(idle));
    println!(
        "| with {} stalled connections, {n} per port | {:.1} MiB |",
        3 * n,
        mib(every_port.memory)
    );
    println!(
        "| per stalled connection | {} |",
        per_connection(every_port.memory, idle, 3 * n)
    );
    println!(
        "| held after 2 s: PostgreSQL / gRPC / HTTP | {} |",
        every_port
            .held
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" / ")
    );
    println!(
        "| a SQL query / a gRPC connect and CreateTopic, during the flood | {} / {:.1} ms |",
        answered(&every_port.query),
        super::ms(every_port.call)
    );
    println!(
        "| memory 3 s after they close | {:.1} MiB |",
        mib(every_port.after)
    );

    let peer = match bench.postgres_port {
        Some(port) => {
            let addr: SocketAddr = ([127, 0, 0, 1], port).into();
            let (idle, processes_idle) = postgres_pss()?;
            let opened =
                tokio::task::spawn_blocking(move || stall(addr, n, &pg_startup("flood"))).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            let (during, processes) = postgres_pss()?;
            let held = still_open(&opened);
            drop(opened);
            Some((idle, processes_idle, during, processes, held))
        }
        None => None,
    };
    println!("\n| the PostgreSQL port only | DriftDB | PostgreSQL |");
    println!("|---|---|---|");
    let (peer_idle, peer_during, peer_held, peer_processes) = match peer {
        Some((idle, processes_idle, during, processes, held)) => (
            format!("{:.1} MiB ({processes_idle} processes)", mib(idle)),
            format!("{:.1} MiB ({processes} processes)", mib(during)),
            held.to_string(),
            per_connection(during, idle, n),
        ),
        None => Default::default(),
    };
    println!("| memory idle (PSS) | {:.1} MiB | {peer_idle} |", mib(idle));
    println!(
        "| with {n} stalled startups (password never sent) | {:.1} MiB | {peer_during} |",
        mib(pg_only.memory)
    );
    println!(
        "| per stalled connection | {} | {peer_processes} |",
        per_connection(pg_only.memory, idle, n)
    );
    println!(
        "| held after 2 s | {} | {peer_held} |",
        pg_only.held.first().copied().unwrap_or(0)
    );
    println!(
        "| a SQL query during the flood (DriftDB) | {} | |",
        answered(&pg_only.query)
    );
    Ok(())
}
