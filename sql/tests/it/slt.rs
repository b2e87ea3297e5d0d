//! The sqllogictest files in `sql/tests/slt/`, run against the embedded database: each file
//! in a fresh database, through one [`Session`]. Values are compared in PostgreSQL's text
//! format ([`driftdb_sql::text`]), NULL as `NULL`, the empty string as `(empty)`; an error
//! reads `SQLSTATE: message`, so `statement error 23505` matches on the code.
//!
//! Records marked `skipif driftdb` are known gaps, each with a comment saying what is
//! missing; every other record must pass. All failures of all files are reported together.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use driftdb_sql::{Database, Session};
use sqllogictest::{DBOutput, DefaultColumnType, Record, Runner};

#[derive(Debug)]
struct SltError(String);

impl std::fmt::Display for SltError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SltError {}

struct Embedded {
    session: Session,
}

#[async_trait]
impl sqllogictest::AsyncDB for Embedded {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let outcomes = self
            .session
            .execute(sql)
            .await
            .map_err(|e| SltError(format!("{}: {e}", e.sqlstate())))?;
        let Some(outcome) = outcomes.into_iter().last() else {
            return Ok(DBOutput::StatementComplete(0));
        };
        match outcome.rows {
            Some(rows) => {
                let types = vec![DefaultColumnType::Any; rows.schema.fields().len()];
                let mut out = Vec::new();
                for batch in &rows.batches {
                    for row in 0..batch.num_rows() {
                        out.push(
                            batch
                                .columns()
                                .iter()
                                .map(|c| match driftdb_sql::text::format_value(c.as_ref(), row) {
                                    None => "NULL".to_string(),
                                    Some(s) if s.is_empty() => "(empty)".to_string(),
                                    Some(s) => s,
                                })
                                .collect(),
                        );
                    }
                }
                Ok(DBOutput::Rows { types, rows: out })
            }
            None => {
                let count = outcome.tag.row_count().unwrap_or(0) as u64;
                Ok(DBOutput::StatementComplete(count))
            }
        }
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "driftdb"
    }
}

fn slt_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("slt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("sql/tests/slt exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    files
}

/// Runs one file; returns its failures.
async fn run_file(path: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path()).expect("open database");
    let mut runner = Runner::new(move || {
        let session = db.session();
        async move { Ok::<_, SltError>(Embedded { session }) }
    });
    runner.add_label("driftdb");
    let records = match sqllogictest::parse_file::<DefaultColumnType>(path) {
        Ok(records) => records,
        Err(e) => return vec![format!("{}: does not parse: {e}", path.display())],
    };
    let mut failures = Vec::new();
    for record in records {
        if let Record::Halt { .. } = record {
            break;
        }
        if let Err(e) = runner.run_async(record).await {
            failures.push(e.display(false).to_string());
        }
    }
    failures
}

#[tokio::test]
async fn slt_files_pass_embedded() {
    let files = slt_files();
    assert!(!files.is_empty(), "no .slt files found");
    let mut failures = Vec::new();
    for file in &files {
        failures.extend(run_file(file).await);
    }
    assert!(
        failures.is_empty(),
        "{} sqllogictest record(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
