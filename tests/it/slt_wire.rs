//! The sqllogictest files of `sql/tests/slt/` over the PostgreSQL wire protocol, each against
//! a fresh server, twice: over the simple query protocol (tokio-postgres' `simple_query`),
//! and over the extended one (each statement as Parse, Bind, Describe, Execute and Sync,
//! results in text format, spoken by [`Extended`]). The expectations are the embedded run's,
//! so what a client sees is what the engine computes. Values arrive as PostgreSQL text (NULL
//! as `NULL`, the empty string as `(empty)`), errors as `SQLSTATE: message`.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sqllogictest::{DBOutput, DefaultColumnType, Record, Runner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_postgres::{NoTls, SimpleQueryMessage};

use crate::server::fresh;

#[derive(Debug)]
struct WireError(String);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

struct Wire {
    client: tokio_postgres::Client,
}

#[async_trait]
impl sqllogictest::AsyncDB for Wire {
    type Error = WireError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, WireError> {
        let messages = self.client.simple_query(sql).await.map_err(|e| {
            let db = e.as_db_error();
            WireError(match db {
                Some(db) => format!("{}: {}", db.code().code(), db.message()),
                None => e.to_string(),
            })
        })?;
        let mut rows = Vec::new();
        let mut columns = None;
        let mut count = 0;
        for message in messages {
            match message {
                SimpleQueryMessage::RowDescription(fields) => columns = Some(fields.len()),
                SimpleQueryMessage::Row(row) => {
                    columns = Some(row.len());
                    rows.push(
                        (0..row.len())
                            .map(|i| match row.get(i) {
                                None => "NULL".to_string(),
                                Some("") => "(empty)".to_string(),
                                Some(s) => s.to_string(),
                            })
                            .collect(),
                    );
                }
                SimpleQueryMessage::CommandComplete(n) => count = n,
                _ => {}
            }
        }
        Ok(output(columns, rows, count))
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "driftdb"
    }
}

/// A minimal client of the extended query protocol: one unnamed statement and portal per
/// SQL statement, every result column in text format.
struct Extended {
    stream: TcpStream,
}

/// A message's type byte and body.
fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn cstring(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

impl Extended {
    async fn connect(addr: &str) -> Result<Extended, WireError> {
        let err = |e: std::io::Error| WireError(e.to_string());
        let mut stream = TcpStream::connect(addr).await.map_err(err)?;
        let mut body = 196_608u32.to_be_bytes().to_vec();
        for (k, v) in [("user", "driftdb"), ("database", "driftdb")] {
            cstring(&mut body, k);
            cstring(&mut body, v);
        }
        body.push(0);
        let mut startup = (body.len() as u32 + 4).to_be_bytes().to_vec();
        startup.extend_from_slice(&body);
        stream.write_all(&startup).await.map_err(err)?;
        let mut this = Extended { stream };
        loop {
            let (kind, body) = this.read().await?;
            match kind {
                b'Z' => return Ok(this),
                b'E' => return Err(WireError(error_text(&body))),
                _ => {}
            }
        }
    }

    async fn read(&mut self) -> Result<(u8, Vec<u8>), WireError> {
        let err = |e: std::io::Error| WireError(e.to_string());
        let kind = self.stream.read_u8().await.map_err(err)?;
        let len = self.stream.read_u32().await.map_err(err)? as usize;
        let mut body = vec![0; len.saturating_sub(4)];
        self.stream.read_exact(&mut body).await.map_err(err)?;
        Ok((kind, body))
    }
}

/// `SQLSTATE: message` of an ErrorResponse body.
fn error_text(body: &[u8]) -> String {
    let (mut code, mut text) = (String::new(), String::new());
    for field in body.split(|&b| b == 0) {
        match field.split_first() {
            Some((b'C', v)) => code = String::from_utf8_lossy(v).to_string(),
            Some((b'M', v)) => text = String::from_utf8_lossy(v).to_string(),
            _ => {}
        }
    }
    format!("{code}: {text}")
}

#[async_trait]
impl sqllogictest::AsyncDB for Extended {
    type Error = WireError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, WireError> {
        let mut out = Vec::new();
        let mut parse = Vec::new();
        cstring(&mut parse, "");
        cstring(&mut parse, sql);
        parse.extend_from_slice(&0u16.to_be_bytes());
        out.extend(message(b'P', &parse));
        // Bind: no parameters, one result format code for all columns: text.
        let mut bind = Vec::new();
        cstring(&mut bind, "");
        cstring(&mut bind, "");
        bind.extend_from_slice(&0u16.to_be_bytes());
        bind.extend_from_slice(&0u16.to_be_bytes());
        bind.extend_from_slice(&1u16.to_be_bytes());
        bind.extend_from_slice(&0u16.to_be_bytes());
        out.extend(message(b'B', &bind));
        out.extend(message(b'D', b"P\0"));
        let mut execute = Vec::new();
        cstring(&mut execute, "");
        execute.extend_from_slice(&0u32.to_be_bytes());
        out.extend(message(b'E', &execute));
        out.extend(message(b'S', &[]));
        self.stream
            .write_all(&out)
            .await
            .map_err(|e| WireError(e.to_string()))?;
        let mut columns = None;
        let mut rows = Vec::new();
        let mut count = 0;
        let mut error = None;
        loop {
            let (kind, body) = self.read().await?;
            match kind {
                b'T' => columns = Some(u16::from_be_bytes([body[0], body[1]]) as usize),
                b'D' => {
                    let n = u16::from_be_bytes([body[0], body[1]]) as usize;
                    let mut at = 2;
                    let mut row = Vec::with_capacity(n);
                    for _ in 0..n {
                        let len = i32::from_be_bytes(body[at..at + 4].try_into().expect("4 bytes"));
                        at += 4;
                        row.push(if len < 0 {
                            "NULL".to_string()
                        } else {
                            let value = String::from_utf8_lossy(&body[at..at + len as usize]);
                            at += len as usize;
                            if value.is_empty() {
                                "(empty)".to_string()
                            } else {
                                value.to_string()
                            }
                        });
                    }
                    rows.push(row);
                }
                b'C' => {
                    let tag = String::from_utf8_lossy(&body[..body.len().saturating_sub(1)]);
                    count = tag
                        .rsplit(' ')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                }
                b'E' => error = Some(error_text(&body)),
                b'Z' => break,
                _ => {}
            }
        }
        if let Some(e) = error {
            return Err(WireError(e));
        }
        Ok(output(columns, rows, count))
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "driftdb"
    }
}

/// A statement's result for the runner: rows if it described columns, else its count.
fn output(
    columns: Option<usize>,
    rows: Vec<Vec<String>>,
    count: u64,
) -> DBOutput<DefaultColumnType> {
    match columns {
        Some(n) => DBOutput::Rows {
            types: vec![DefaultColumnType::Any; n],
            rows,
        },
        None => DBOutput::StatementComplete(count),
    }
}

fn slt_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/tests/slt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("sql/tests/slt exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn slt_files_pass_over_the_wire() {
    let files = slt_files();
    assert!(!files.is_empty(), "no .slt files found");
    let mut failures = Vec::new();
    for file in &files {
        let (_dir, server) = fresh();
        let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
        let config = format!("host={host} port={port} user=driftdb dbname=driftdb");
        let mut runner = Runner::new(move || {
            let config = config.clone();
            async move {
                let (client, connection) = tokio_postgres::connect(&config, NoTls)
                    .await
                    .map_err(|e| WireError(e.to_string()))?;
                tokio::spawn(connection);
                Ok::<_, WireError>(Wire { client })
            }
        });
        runner.add_label("driftdb");
        run_file(&mut runner, file, &mut failures).await;
    }
    assert!(
        failures.is_empty(),
        "{} sqllogictest record(s) failed over the simple protocol:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[tokio::test]
async fn slt_files_pass_over_the_extended_protocol() {
    let files = slt_files();
    assert!(!files.is_empty(), "no .slt files found");
    let mut failures = Vec::new();
    for file in &files {
        let (_dir, server) = fresh();
        let addr = server.pg_addr.clone();
        let mut runner = Runner::new(move || {
            let addr = addr.clone();
            async move { Extended::connect(&addr).await }
        });
        runner.add_label("driftdb");
        run_file(&mut runner, file, &mut failures).await;
    }
    assert!(
        failures.is_empty(),
        "{} sqllogictest record(s) failed over the extended protocol:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Runs every record of `file` (up to a `halt`), collecting failures.
async fn run_file<D, M>(runner: &mut Runner<D, M>, file: &Path, failures: &mut Vec<String>)
where
    D: sqllogictest::AsyncDB<ColumnType = DefaultColumnType>,
    M: sqllogictest::MakeConnection<Conn = D>,
{
    let records = sqllogictest::parse_file::<DefaultColumnType>(file)
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
    for record in records {
        if let Record::Halt { .. } = record {
            break;
        }
        if let Err(e) = runner.run_async(record).await {
            failures.push(format!("{}: {}", file.display(), e.display(false)));
        }
    }
}
