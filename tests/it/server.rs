//! Starting and stopping the real server for a test.
//!
//! The server is started with `--grpc-port 0 --http-port 0`, so the operating system picks
//! free ports and no two tests race for one; the server prints the addresses it bound on its
//! ready line, which [`Server::start`] waits for. The child is killed on drop.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use driftdb_client::Client;

/// Longest wait for the ready line: a cold debug binary recovering a data directory.
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Server {
    child: Child,
    pub grpc_url: String,
    pub http_addr: String,
    /// `host:port` of the PostgreSQL wire protocol listener.
    pub pg_addr: String,
}

impl Server {
    /// Starts a server on `data_dir`; its log goes to `data_dir`'s sibling `server.log`.
    pub fn start(data_dir: &Path) -> Server {
        match Server::try_start(data_dir) {
            Ok(server) => server,
            Err(e) => panic!(
                "driftdb-server did not start: {e}\n{}",
                server_log(data_dir)
            ),
        }
    }

    /// Starts a server and returns its error output if it exits before becoming ready.
    pub fn try_start(data_dir: &Path) -> Result<Server, String> {
        Server::try_start_on(data_dir, 0)
    }

    /// Starts a server with its gRPC port set (0: a free one).
    pub fn try_start_on(data_dir: &Path, grpc_port: u16) -> Result<Server, String> {
        Server::try_start_with(data_dir, grpc_port, &[])
    }

    /// Starts a server with its gRPC port set and `extra` flags.
    pub fn try_start_with(
        data_dir: &Path,
        grpc_port: u16,
        extra: &[&std::ffi::OsStr],
    ) -> Result<Server, String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path(data_dir))
            .map_err(|e| e.to_string())?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_driftdb-server"))
            .arg("--data-dir")
            .arg(data_dir)
            .args([
                "--listen",
                "127.0.0.1",
                "--http-port",
                "0",
                "--pg-port",
                "0",
            ])
            .args(["--grpc-port", &grpc_port.to_string()])
            .args(extra)
            .env("DRIFTDB_LOG_LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("spawning driftdb-server: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let line = match ready_line(stdout).recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().map_err(|e| e.to_string())?;
                return Err(format!(
                    "exited with {status} before its ready line: {}",
                    server_log(data_dir)
                ));
            }
        };
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .map(str::to_string)
                .ok_or_else(|| format!("no {name} in ready line {line:?}"))
        };
        Ok(Server {
            grpc_url: format!("http://{}", field("grpc=")?),
            http_addr: field("http=")?,
            pg_addr: field("pg=")?,
            child,
        })
    }

    /// `host:port` of the gRPC listener.
    pub fn grpc_addr(&self) -> String {
        self.grpc_url.trim_start_matches("http://").to_string()
    }

    pub async fn client(&self) -> Client {
        Client::connect(self.grpc_url.clone())
            .await
            .expect("connect to the test server")
    }

    /// Sends the signal `name` (`HUP`, say) to the server.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// SIGKILL: the process gets no chance to flush anything.
    pub fn kill9(&mut self) {
        self.child.kill().expect("kill -9 the server");
        self.child.wait().expect("reap the server");
    }

    /// SIGTERM, then wait for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill -TERM");
        assert!(status.success(), "kill -TERM failed");
        self.child.wait().expect("wait for the server to exit")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A temporary directory holding `data/` and the server's log.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.with_file_name("server.log")
}

pub fn server_log(data_dir: &Path) -> String {
    std::fs::read_to_string(log_path(data_dir)).unwrap_or_default()
}

/// A server on a fresh data directory.
pub fn fresh() -> (TestDir, Server) {
    let dir = TestDir::new();
    let server = Server::start(&dir.data());
    (dir, server)
}

/// Waits for a future with a generous bound, so a bug shows as a failure rather than a hang.
pub async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(30), future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within 30 s"),
    }
}

/// The server's first line of output (its ready line), once it is printed; the rest of its
/// output is read and dropped, so the server never blocks on a full pipe.
pub fn ready_line(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        for _ in lines {}
    });
    rx
}
