//! What a statement produced: its command tag, rows, notices, the sequence it committed at,
//! and rows printed as psql prints them. The PostgreSQL wire server, the CLI and the tests
//! read these; nothing here knows how a statement ran.

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;

use crate::SqlState;
use crate::error::Result;

/// The command tag PostgreSQL sends when a statement completes: the command, and for the
/// commands that count rows, how many (`INSERT 0 3`, `SELECT 2`, `COPY 10`). The wire server
/// builds its tag from the fields; the text form is [`std::fmt::Display`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandTag {
    command: String,
    rows: Option<usize>,
}

impl CommandTag {
    /// A command that counts no rows: `BEGIN`, `CREATE TABLE`.
    pub fn new(command: impl Into<String>) -> CommandTag {
        CommandTag {
            command: command.into(),
            rows: None,
        }
    }

    /// A command with its row count: `INSERT`, `UPDATE`, `DELETE`, `SELECT`, `COPY`.
    pub fn rows(command: impl Into<String>, rows: usize) -> CommandTag {
        CommandTag {
            command: command.into(),
            rows: Some(rows),
        }
    }

    /// The command's words: `INSERT`, `CREATE TABLE`.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The row count, for the commands that report one.
    pub fn row_count(&self) -> Option<usize> {
        self.rows
    }
}

impl From<&str> for CommandTag {
    fn from(command: &str) -> CommandTag {
        CommandTag::new(command)
    }
}

impl From<String> for CommandTag {
    fn from(command: String) -> CommandTag {
        CommandTag::new(command)
    }
}

/// PostgreSQL's text: `INSERT` carries the oid PostgreSQL no longer assigns, always 0.
impl std::fmt::Display for CommandTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.rows {
            Some(rows) if self.command == "INSERT" => write!(f, "INSERT 0 {rows}"),
            Some(rows) => write!(f, "{} {rows}", self.command),
            None => f.write_str(&self.command),
        }
    }
}

/// Rows a statement returned, with their schema (known even when there are none).
#[derive(Debug, Clone)]
pub struct Rows {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl Rows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// True if there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A message for the client that is not an error: PostgreSQL's NOTICE or WARNING.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `NOTICE` or `WARNING`.
    pub severity: &'static str,
    pub sqlstate: SqlState,
    pub message: String,
}

/// What the client does next after a `COPY` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyMode {
    /// Send rows in this format, one field per column of these PostgreSQL types (oids; a
    /// binary field is read by its type) (`COPY ... FROM STDIN`).
    In {
        format: crate::copy::CopyFormat,
        types: Vec<crate::pg_types::Oid>,
    },
    /// Receive the outcome's rows in this format (`COPY ... TO STDOUT`).
    Out { format: crate::copy::CopyFormat },
}

/// What one statement produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The PostgreSQL command tag: `SELECT 2`, `INSERT 0 3`, `BEGIN`, `CREATE TABLE`.
    pub tag: CommandTag,
    /// The rows of a query, or of a write's `RETURNING`.
    pub rows: Option<Rows>,
    /// The sequence this statement committed at: an autocommit write, or `COMMIT`.
    pub seq: Option<u64>,
    /// Notices and warnings, as PostgreSQL sends them (`BEGIN` twice, `DROP ... IF EXISTS`
    /// of nothing).
    pub notices: Vec<Notice>,
    /// For `COPY`: what the client does next.
    pub copy: Option<CopyMode>,
}

impl Outcome {
    pub(crate) fn command(tag: impl Into<CommandTag>, seq: Option<u64>) -> Outcome {
        Outcome {
            tag: tag.into(),
            rows: None,
            seq,
            notices: Vec::new(),
            copy: None,
        }
    }

    pub(crate) fn with_notice(
        mut self,
        severity: &'static str,
        sqlstate: SqlState,
        message: String,
    ) -> Outcome {
        self.notices.push(Notice {
            severity,
            sqlstate,
            message,
        });
        self
    }
}

/// Query rows as psql prints them: an aligned table of PostgreSQL text values (numbers
/// right-aligned, NULL empty), then the row count.
pub fn format_rows(batches: &[RecordBatch]) -> Result<String> {
    let Some(schema) = batches.first().map(RecordBatch::schema) else {
        return Ok("(0 rows)".to_string());
    };
    format_table(&schema, batches)
}

/// [`format_rows`] with the schema given, so a result without rows still shows its columns.
pub fn format_table(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<String> {
    use datafusion::arrow::datatypes::DataType as A;
    let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let numeric: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().is_numeric() || matches!(f.data_type(), A::Decimal128(..)))
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for batch in batches {
        for row in 0..batch.num_rows() {
            rows.push(
                batch
                    .columns()
                    .iter()
                    .map(|c| crate::text::format_value(c.as_ref(), row).unwrap_or_default())
                    .collect(),
            );
        }
    }
    Ok(format_text_table(&headers, &numeric, &rows))
}

/// Rows of text as psql's aligned format lays them out: headers centred, cells of the
/// columns marked `numeric` right-aligned, then the row count.
pub fn format_text_table(headers: &[String], numeric: &[bool], rows: &[Vec<String>]) -> String {
    let width = |i: usize| {
        rows.iter()
            .flat_map(|r| r[i].lines().map(|l| l.chars().count()))
            .chain(std::iter::once(headers[i].chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..headers.len()).map(width).collect();
    let mut out = String::new();
    let header: Vec<String> = headers
        .iter()
        .zip(&widths)
        .map(|(h, &w)| {
            let pad = w - h.chars().count();
            format!("{}{h}{}", " ".repeat(pad / 2), " ".repeat(pad - pad / 2))
        })
        .collect();
    out.push_str(&format!(" {} \n", header.join(" | ")));
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w + 2)).collect();
    out.push_str(&rule.join("+"));
    out.push('\n');
    for row in rows {
        // A cell with line breaks (an EXPLAIN plan) continues on the next lines.
        let lines: Vec<Vec<&str>> = row.iter().map(|c| c.lines().collect()).collect();
        let height = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        for line in 0..height {
            let cells: Vec<String> = lines
                .iter()
                .zip(&widths)
                .zip(numeric.iter().chain(std::iter::repeat(&false)))
                .map(|((cell, &w), &right)| {
                    let text = cell.get(line).copied().unwrap_or("");
                    if right {
                        format!("{text:>w$}")
                    } else {
                        format!("{text:<w$}")
                    }
                })
                .collect();
            out.push_str(format!(" {}", cells.join(" | ")).trim_end());
            out.push('\n');
        }
    }
    let n = rows.len();
    out.push_str(&format!("({n} row{})", if n == 1 { "" } else { "s" }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_read_as_postgresql_writes_them() {
        assert_eq!(CommandTag::rows("INSERT", 3).to_string(), "INSERT 0 3");
        assert_eq!(CommandTag::rows("SELECT", 0).to_string(), "SELECT 0");
        assert_eq!(CommandTag::new("CREATE TABLE").to_string(), "CREATE TABLE");
        assert_eq!(CommandTag::rows("COPY", 2).row_count(), Some(2));
        assert_eq!(CommandTag::from("BEGIN").row_count(), None);
    }
}
