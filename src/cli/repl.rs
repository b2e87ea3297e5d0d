//! `driftdb sql` without a script: an interactive prompt in the style of psql.
//!
//! Statements may span lines and run when a line ends with `;`. The prompt shows the
//! transaction state as psql does (`=>` idle, `=*>` in a transaction, `=!>` in a failed
//! one). Lines are kept in `~/.driftdb_history`. `\q` (or Ctrl-D) quits; Ctrl-C drops the
//! statement being typed.

use std::path::{Path, PathBuf};

use anyhow::Result;
use driftdb_sql::{Outcome, Session, TransactionStatus};
use rustyline::error::ReadlineError;

/// Prints a statement's notices and warnings to standard error, as psql does.
pub fn print_notices(outcome: &Outcome) {
    for notice in &outcome.notices {
        eprintln!("{}:  {}", notice.severity, notice.message);
    }
}

/// One statement's result as the command line prints it: rows as an aligned table, then the
/// command tag with the sequence it committed at.
pub fn render(outcome: &Outcome) -> Result<String> {
    let mut out = String::new();
    if let Some(rows) = &outcome.rows {
        out.push_str(&driftdb_sql::format_table(&rows.schema, &rows.batches)?);
        if matches!(outcome.tag.command(), "SELECT" | "EXPLAIN") {
            return Ok(out);
        }
        out.push('\n');
    }
    out.push_str(&outcome.tag.to_string());
    if let Some(seq) = outcome.seq {
        out.push_str(&format!(" @SEQ:{seq}"));
    }
    Ok(out)
}

pub async fn run(session: &mut Session, data: &Path) -> Result<()> {
    let mut editor = rustyline::DefaultEditor::new()?;
    let history = history_file();
    if let Some(path) = &history {
        // A missing history file is the normal first run.
        let _ = editor.load_history(path);
    }
    println!(
        "driftdb {} on {} ({}). End statements with ';', \\q quits.",
        env!("CARGO_PKG_VERSION"),
        data.display(),
        super::describe_position(session.database().last_sequence())
    );
    let mut buffer = String::new();
    loop {
        let prompt = match (buffer.is_empty(), session.transaction_status()) {
            (false, _) => "driftdb-> ",
            (true, TransactionStatus::Idle) => "driftdb=> ",
            (true, TransactionStatus::InTransaction) => "driftdb=*> ",
            (true, TransactionStatus::Failed) => "driftdb=!> ",
        };
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        let trimmed = line.trim();
        if buffer.is_empty() && (trimmed == "\\q" || trimmed == "quit" || trimmed == "exit") {
            break;
        }
        if trimmed.is_empty() && buffer.is_empty() {
            continue;
        }
        buffer.push_str(&line);
        buffer.push('\n');
        if !trimmed.ends_with(';') {
            continue;
        }
        let sql = std::mem::take(&mut buffer);
        let _ = editor.add_history_entry(sql.trim_end());
        match session.execute(&sql).await {
            Ok(outcomes) => {
                for outcome in &outcomes {
                    print_notices(outcome);
                    println!("{}\n", render(outcome)?);
                }
            }
            Err(e) => println!("ERROR {}: {e}\n", e.sqlstate()),
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    Ok(())
}

fn history_file() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".driftdb_history"))
}
