//! The sqllogictest files of `sql/tests/slt/` over the PostgreSQL wire protocol (simple
//! query protocol), each against a fresh server: the same expectations as the embedded run,
//! so what a psql user sees is what the engine computes. Values arrive as PostgreSQL text
//! (NULL as `NULL`, the empty string as `(empty)`), errors as `SQLSTATE: message`.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sqllogictest::{DBOutput, DefaultColumnType, Record, Runner};
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
        Ok(match columns {
            Some(n) => DBOutput::Rows {
                types: vec![DefaultColumnType::Any; n],
                rows,
            },
            None => DBOutput::StatementComplete(count),
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "driftdb"
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
        let records = sqllogictest::parse_file::<DefaultColumnType>(file)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        for record in records {
            if let Record::Halt { .. } = record {
                break;
            }
            if let Err(e) = runner.run_async(record).await {
                failures.push(e.display(false).to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} sqllogictest record(s) failed over the wire:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
