//! `SET`, `SHOW` and `RESET` of session parameters: the ones drivers set or ask for when
//! they connect, and DriftDB's own:
//! - `driftdb.as_of`: `'@SEQ:n'` or a timestamp pins every read of the session to that
//!   point (a read-only view of the past; writes fail with 25006); `''` or `RESET` unpins;
//! - `SHOW driftdb.last_sequence`: the sequence of the session's latest commit (NULL before
//!   its first), so a client learns where its write landed;
//! - `SHOW driftdb.current_sequence`: the database's newest sequence.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::StringArray;
use datafusion::arrow::datatypes::{DataType as Arrow, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use sqlparser::ast::{self, Expr, ObjectName, Reset, Set};

use super::Session;
use super::ddl::ident_name;
use crate::database::{Outcome, Rows, projector_error, unsupported};
use crate::error::{Error, Result};
use crate::temporal::Timestamp;

/// Parameters and their defaults. Those marked read-only report the server's facts.
const PARAMETERS: &[(&str, &str, bool)] = &[
    ("application_name", "", false),
    ("client_encoding", "UTF8", false),
    ("client_min_messages", "notice", false),
    ("datestyle", "ISO, MDY", false),
    ("default_transaction_isolation", "repeatable read", false),
    ("default_transaction_read_only", "off", false),
    ("driftdb.as_of", "", false),
    ("extra_float_digits", "1", false),
    ("integer_datetimes", "on", true),
    ("intervalstyle", "postgres", false),
    ("is_superuser", "on", true),
    ("search_path", "\"$user\", public", false),
    ("server_encoding", "UTF8", true),
    ("server_version", "15.0", true),
    ("standard_conforming_strings", "on", false),
    ("statement_timeout", "0", false),
    ("timezone", "UTC", false),
    ("transaction_isolation", "repeatable read", true),
];

/// A session's parameter values.
#[derive(Debug, Clone, Default)]
pub(super) struct Settings {
    values: BTreeMap<String, String>,
    /// The point `driftdb.as_of` pins reads to.
    pub(super) as_of: Option<u64>,
    /// The sequence of the session's latest commit.
    pub(super) last_commit: Option<u64>,
}

impl Settings {
    fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned().or_else(|| {
            PARAMETERS
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, v, _)| (*v).to_string())
        })
    }
}

fn parameter_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .filter_map(|p| p.as_ident())
        .map(ident_name)
        .collect::<Vec<_>>()
        .join(".")
}

/// The text of a `SET` value: `'x'`, `x`, `3`, `on`.
fn value_text(expr: &Expr) -> Result<String> {
    Ok(match expr {
        Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            ast::Value::Number(n, _) => n.clone(),
            ast::Value::Boolean(b) => if *b { "on" } else { "off" }.to_string(),
            other => other.to_string(),
        },
        Expr::Identifier(ident) => ident.value.clone(),
        Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => format!("-{}", value_text(expr)?),
        other => return Err(unsupported(&format!("SET to the expression {other}"))),
    })
}

impl Session {
    pub(super) fn set(&mut self, set: &Set) -> Result<Outcome> {
        match set {
            Set::SingleAssignment {
                variable, values, ..
            } => {
                let name = parameter_name(variable);
                let value = values
                    .iter()
                    .map(value_text)
                    .collect::<Result<Vec<_>>>()?
                    .join(", ");
                if value.eq_ignore_ascii_case("default") {
                    self.reset(Some(&name))?;
                } else {
                    self.assign(&name, value)?;
                }
            }
            Set::SetTimeZone { value, .. } => {
                let value = value_text(value)?;
                self.assign("timezone", value)?;
            }
            Set::SetNames { charset_name, .. } => {
                self.assign("client_encoding", charset_name.value.clone())?;
            }
            other => return Err(unsupported(&format!("{other}"))),
        }
        Ok(Outcome::command("SET", None))
    }

    fn assign(&mut self, name: &str, value: String) -> Result<()> {
        let known = PARAMETERS.iter().find(|(n, _, _)| *n == name);
        match known {
            Some((_, _, true)) => {
                return Err(Error::Execution {
                    message: format!("parameter \"{name}\" cannot be changed"),
                    sqlstate: "55P02",
                });
            }
            None if !name.contains('.') => {
                return Err(Error::Execution {
                    message: format!("unrecognized configuration parameter \"{name}\""),
                    sqlstate: "42704",
                });
            }
            _ => {}
        }
        if name == "driftdb.as_of" {
            self.settings.as_of = self.resolve_point(&value)?;
        }
        self.settings.values.insert(name.to_string(), value);
        Ok(())
    }

    /// `'@SEQ:n'` or a timestamp to a committed sequence; `''` to none.
    fn resolve_point(&self, text: &str) -> Result<Option<u64>> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let store = self.db.store();
        let seq = match text
            .strip_prefix("@SEQ:")
            .or_else(|| text.strip_prefix("@seq:"))
        {
            Some(n) => n.parse::<u64>().map_err(|_| Error::InvalidValue {
                message: format!("invalid sequence point {text:?}: write @SEQ:n"),
            })?,
            None => {
                let ts = Timestamp::parse(text).map_err(|reason| Error::InvalidDatetime {
                    value: text.to_string(),
                    reason,
                    position: None,
                })?;
                store
                    .seq_at_time(ts.unix_micros())
                    .map_err(projector_error)?
            }
        };
        match store.last() {
            Some((last, _)) if seq <= last => Ok(Some(seq)),
            last => Err(Error::PointOutOfRange {
                message: format!(
                    "@SEQ:{seq} is in the future: the newest commit is {}",
                    last.map_or_else(|| "none".to_string(), |(s, _)| format!("@SEQ:{s}"))
                ),
            }),
        }
    }

    pub(super) fn reset(&mut self, name: Option<&str>) -> Result<Outcome> {
        match name {
            None => {
                self.settings.values.clear();
                self.settings.as_of = None;
            }
            Some(name) => {
                self.settings.values.remove(name);
                if name == "driftdb.as_of" {
                    self.settings.as_of = None;
                }
            }
        }
        Ok(Outcome::command("RESET", None))
    }

    pub(super) fn reset_statement(&mut self, reset: &Reset) -> Result<Outcome> {
        match reset {
            Reset::ALL => self.reset(None),
            Reset::ConfigurationParameter(name) => {
                let name = parameter_name(name);
                self.reset(Some(&name))
            }
        }
    }

    pub(super) fn show(&self, variable: &[ast::Ident]) -> Result<Outcome> {
        let name = variable
            .iter()
            .map(ident_name)
            .collect::<Vec<_>>()
            .join(".");
        let (column, values): (String, Vec<Option<String>>) = match name.as_str() {
            "all" => {
                let names: Vec<String> = PARAMETERS.iter().map(|(n, _, _)| n.to_string()).collect();
                let settings = names.iter().map(|n| self.settings.get(n)).collect();
                return Ok(two_columns(names, settings));
            }
            "driftdb.last_sequence" => (
                name.clone(),
                vec![self.settings.last_commit.map(|s| s.to_string())],
            ),
            "driftdb.current_sequence" => (
                name.clone(),
                vec![self.db.last_sequence().map(|s| s.to_string())],
            ),
            "transaction isolation level"
            | "transaction.isolation.level"
            | "transaction_isolation" => (
                "transaction_isolation".to_string(),
                vec![Some("repeatable read".to_string())],
            ),
            _ => match self.settings.get(&name) {
                Some(value) => (name.clone(), vec![Some(value)]),
                None if name.contains('.') => (name.clone(), vec![None]),
                None => {
                    return Err(Error::Execution {
                        message: format!("unrecognized configuration parameter \"{name}\""),
                        sqlstate: "42704",
                    });
                }
            },
        };
        let schema = Arc::new(Schema::new(vec![Field::new(column, Arrow::Utf8, true)]));
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![Arc::new(StringArray::from(values))],
        )
        .map_err(|e| crate::database::arrow_error(&e))?;
        Ok(Outcome {
            tag: "SHOW".to_string(),
            rows: Some(Rows {
                schema,
                batches: vec![batch],
            }),
            seq: None,
            notices: Vec::new(),
            copy: None,
        })
    }
}

fn two_columns(names: Vec<String>, settings: Vec<Option<String>>) -> Outcome {
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", Arrow::Utf8, false),
        Field::new("setting", Arrow::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Arc::new(StringArray::from(names)),
            Arc::new(StringArray::from(settings)),
        ],
    );
    Outcome {
        tag: "SHOW".to_string(),
        rows: Some(Rows {
            schema,
            batches: batch.into_iter().collect(),
        }),
        seq: None,
        notices: Vec::new(),
        copy: None,
    }
}
