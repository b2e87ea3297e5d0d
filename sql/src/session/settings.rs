//! `SET`, `SHOW` and `RESET` of session parameters: the ones drivers set or ask for when
//! they connect, and DriftDB's own:
//! - `driftdb.as_of`: `'@SEQ:n'` or a timestamp pins every read of the session to that
//!   point (a read-only view of the past; writes fail with 25006); `''` or `RESET` unpins;
//! - `SHOW driftdb.last_sequence`: the sequence of the session's latest commit (NULL before
//!   its first), so a client learns where its write landed;
//! - `SHOW driftdb.current_sequence`: the database's newest sequence.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType as Arrow, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use sqlparser::ast::{self, Expr, ObjectName, Reset, Set};

use super::Session;
use crate::SqlState;
use crate::error::function_error;
use crate::error::{Error, Result};
use crate::error::{projector_error, unsupported};
use crate::outcome::{Outcome, Rows};
use crate::schemas::ident_name;
use crate::temporal::Timestamp;
use driftdb_log::sync::Recover;

/// Parameters and their defaults. Those marked read-only report the server's facts.
const PARAMETERS: &[(&str, &str, bool)] = &[
    ("application_name", "", false),
    // There are no function bodies to check (pg_dump turns it off before its DDL).
    ("check_function_bodies", "on", false),
    ("client_encoding", "UTF8", false),
    ("client_min_messages", "notice", false),
    ("datestyle", "ISO, MDY", false),
    ("default_table_access_method", "heap", false),
    // There are no tablespaces: only the default ('') is taken.
    ("default_tablespace", "", false),
    ("default_transaction_isolation", "repeatable read", false),
    ("default_transaction_read_only", "off", false),
    ("driftdb.as_of", "", false),
    ("extra_float_digits", "1", false),
    // No timer ends an idle transaction: only 0 (none) is taken.
    ("idle_in_transaction_session_timeout", "0", false),
    ("integer_datetimes", "on", true),
    ("intervalstyle", "postgres", false),
    ("is_superuser", "on", true),
    // There is no JIT compiler to turn on.
    ("jit", "off", false),
    // A statement never waits for a lock (reads see a snapshot; writes conflict at commit), so
    // no lock timeout is ever reached.
    ("lock_timeout", "0", false),
    ("max_identifier_length", "63", true),
    // There are no row security policies, so on and off read the same rows.
    ("row_security", "on", false),
    ("search_path", "\"$user\", public", false),
    ("server_encoding", "UTF8", true),
    ("server_version", crate::SERVER_VERSION, true),
    ("server_version_num", "150000", true),
    ("standard_conforming_strings", "on", false),
    ("statement_timeout", "0", false),
    // Scans are not shared between sessions either way.
    ("synchronize_seqscans", "on", false),
    ("timezone", "UTC", false),
    ("transaction_isolation", "repeatable read", true),
    // There is no xml type for it to govern; pg_dump sets it.
    ("xmloption", "content", false),
];

/// A session's parameter values.
#[derive(Debug, Clone, Default)]
pub(super) struct Settings {
    values: BTreeMap<String, String>,
    /// The point `driftdb.as_of` pins reads to.
    pub(super) as_of: Option<u64>,
    /// The sequence of the session's latest commit.
    pub(super) last_commit: Option<u64>,
    /// What `set_config` calls of the running query assign, for the session to take when
    /// the query succeeds ([`Session::take_set_config`]).
    assigned: Arc<Mutex<Vec<(String, String)>>>,
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

impl Settings {
    /// Every parameter as `pg_settings` lists it: name, value, default, and whether it is
    /// read-only.
    pub(super) fn all(&self) -> Vec<crate::catalog::Setting> {
        PARAMETERS
            .iter()
            .map(|&(name, default, read_only)| crate::catalog::Setting {
                name: name.to_string(),
                value: self.get(name).unwrap_or_default(),
                default: default.to_string(),
                read_only,
            })
            .collect()
    }

    /// `statement_timeout`: how long a statement may run before it is cancelled; `None` for
    /// no limit (0).
    pub(super) fn statement_timeout(&self) -> Option<std::time::Duration> {
        self.get("statement_timeout")
            .and_then(|v| milliseconds(&v))
            .filter(|ms| *ms > 0)
            .map(std::time::Duration::from_millis)
    }

    /// `search_path`, as set (see [`crate::schemas::search_path`] for how it reads).
    pub(super) fn search_path(&self) -> String {
        self.get("search_path").unwrap_or_default()
    }

    /// How results are shown under these settings.
    pub(super) fn presentation(&self) -> crate::present::Presentation {
        let extra_float_digits = self
            .get("extra_float_digits")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(1);
        crate::present::Presentation { extra_float_digits }
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

/// The text of one schema of a `SET search_path` list, as PostgreSQL keeps it: an unquoted
/// name folded to lower case, a quoted one quoted where it needs to be (`"Sales"`,
/// `"$user"`), so the list reads back as the same schemas.
fn schema_text(expr: &Expr) -> Result<String> {
    match expr {
        Expr::Identifier(ident) if ident.quote_style.is_none() => Ok(ident.value.to_lowercase()),
        Expr::Identifier(ident) => Ok(crate::schemas::quote_ident(&ident.value)),
        other => value_text(other),
    }
}

/// Whether the parameter `name` may be set: 55P02 for a read-only one, 42704 for an unknown
/// one (a name with a dot is a custom parameter, which any session may set).
fn settable(name: &str) -> Result<()> {
    match PARAMETERS.iter().find(|(n, _, _)| *n == name) {
        Some((_, _, true)) => Err(Error::Execution {
            message: format!("parameter \"{name}\" cannot be changed"),
            sqlstate: SqlState::CANT_CHANGE_RUNTIME_PARAM,
        }),
        None if !name.contains('.') => Err(Error::Execution {
            message: format!("unrecognized configuration parameter \"{name}\""),
            sqlstate: SqlState::UNDEFINED_OBJECT,
        }),
        _ => Ok(()),
    }
}

/// Whether DriftDB does what setting `name` to `value` asks. The parameters that change how
/// values are shown take only the values whose output DriftDB gives: a session runs in UTC,
/// writes dates in ISO style and intervals in `postgres` style; other values are refused
/// (0A000) rather than taken and ignored. `extra_float_digits` is applied
/// ([`crate::present`]).
fn applicable(name: &str, value: &str) -> Result<()> {
    let folded = value.trim().to_ascii_lowercase();
    let unsupported = |what: &str| {
        Err(Error::Execution {
            message: format!("DriftDB does not support {name} = '{value}': {what}"),
            sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
        })
    };
    match name {
        "timezone" => {
            let utc = matches!(
                folded.as_str(),
                "utc"
                    | "etc/utc"
                    | "gmt"
                    | "etc/gmt"
                    | "uct"
                    | "etc/uct"
                    | "universal"
                    | "etc/universal"
                    | "zulu"
                    | "etc/zulu"
                    | "z"
                    | "0"
                    | "+0"
                    | "-0"
                    | "00"
                    | "+00"
                    | "-00"
                    | "00:00"
                    | "+00:00"
                    | "-00:00"
                    | "interval '0'"
            );
            if utc {
                Ok(())
            } else {
                unsupported("sessions run in UTC (timestamptz values are shown in UTC)")
            }
        }
        "datestyle" => {
            let iso = folded.split(',').map(str::trim).all(|part| {
                matches!(
                    part,
                    "iso" | "mdy" | "dmy" | "ymd" | "us" | "noneuropean" | "european" | "default"
                )
            });
            if iso {
                Ok(())
            } else {
                unsupported("dates are shown in ISO style")
            }
        }
        "idle_in_transaction_session_timeout"
            if !matches!(folded.as_str(), "0" | "0ms" | "0s" | "0min") =>
        {
            unsupported("idle transactions are not ended by a timer")
        }
        "default_tablespace" if !folded.is_empty() => {
            unsupported("tablespaces: DriftDB keeps every table in its data directory")
        }
        "check_function_bodies" if !is_boolean(&folded) => Err(Error::Execution {
            message: "parameter \"check_function_bodies\" requires a Boolean value".to_string(),
            sqlstate: SqlState::INVALID_PARAMETER_VALUE,
        }),
        "xmloption" if !matches!(folded.as_str(), "content" | "document") => {
            Err(Error::Execution {
                message: format!("invalid value for parameter \"xmloption\": \"{value}\""),
                sqlstate: SqlState::INVALID_PARAMETER_VALUE,
            })
        }
        "statement_timeout" if milliseconds(&folded).is_none() => Err(Error::Execution {
            message: format!("invalid value for parameter \"statement_timeout\": \"{value}\""),
            sqlstate: SqlState::INVALID_PARAMETER_VALUE,
        }),
        "intervalstyle" if folded != "postgres" => {
            unsupported("intervals are shown in postgres style")
        }
        "extra_float_digits" => match folded.parse::<i32>() {
            Ok(-15..=3) => Ok(()),
            Ok(_) => Err(Error::Execution {
                message: format!(
                    "{value} is outside the valid range for parameter \"extra_float_digits\" \
                     (-15 .. 3)"
                ),
                sqlstate: SqlState::INVALID_PARAMETER_VALUE,
            }),
            Err(_) => Err(Error::Execution {
                message: format!("invalid value for parameter \"extra_float_digits\": \"{value}\""),
                sqlstate: SqlState::INVALID_PARAMETER_VALUE,
            }),
        },
        _ => Ok(()),
    }
}

/// A time parameter's value in milliseconds, read as PostgreSQL reads one: a whole number
/// in milliseconds, or with a unit (`ms`, `s`, `min`, `h`, `d`), rounded to a millisecond;
/// `None` if it is not one or is out of the parameter's range (0 to 2147483647 ms).
fn milliseconds(value: &str) -> Option<u64> {
    let value = value.trim();
    let digits = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(digits);
    let number: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "" | "ms" => 1.0,
        "s" => 1_000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    let ms = (number * scale).round();
    (0.0..=f64::from(i32::MAX))
        .contains(&ms)
        .then_some(ms as u64)
}

/// Whether `folded` (lower case) is one of PostgreSQL's spellings of a Boolean parameter value.
fn is_boolean(folded: &str) -> bool {
    matches!(
        folded,
        "on" | "off" | "true" | "false" | "yes" | "no" | "1" | "0" | "t" | "f" | "y" | "n"
    )
}

impl Session {
    pub(super) fn set(&mut self, set: &Set) -> Result<Outcome> {
        match set {
            Set::SingleAssignment {
                variable, values, ..
            } => {
                let name = parameter_name(variable);
                let text = match name.as_str() {
                    "search_path" => schema_text,
                    _ => value_text,
                };
                let value = values
                    .iter()
                    .map(text)
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
                if value.eq_ignore_ascii_case("local") || value.eq_ignore_ascii_case("default") {
                    self.reset(Some("timezone"))?;
                } else {
                    self.assign("timezone", value)?;
                }
            }
            Set::SetNames { charset_name, .. } => {
                self.assign("client_encoding", charset_name.value.clone())?;
            }
            other => return Err(unsupported(&format!("{other}"))),
        }
        Ok(Outcome::command("SET", None))
    }

    fn assign(&mut self, name: &str, value: String) -> Result<()> {
        settable(name)?;
        applicable(name, &value)?;
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
                        sqlstate: SqlState::UNDEFINED_OBJECT,
                    });
                }
            },
        };
        let schema = Arc::new(Schema::new(vec![Field::new(column, Arrow::Utf8, true)]));
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![Arc::new(StringArray::from(values))],
        )
        .map_err(|e| crate::error::arrow_error(&e))?;
        Ok(Outcome {
            tag: "SHOW".into(),
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

/// `current_setting(name [, missing_ok])`: a parameter's value as `SHOW` gives it, from the
/// values the session had when the statement was planned. An unknown name is 42704, or NULL
/// with `missing_ok`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct CurrentSetting {
    values: BTreeMap<String, String>,
    signature: Signature,
}

impl ScalarUDFImpl for CurrentSetting {
    fn name(&self) -> &str {
        "current_setting"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[Arrow]) -> datafusion::common::Result<Arrow> {
        Ok(Arrow::Utf8)
    }

    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::common::Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let names = arrays[0].as_string::<i32>();
        let missing_ok = arrays.get(1).map(|a| a.as_boolean());
        let values = (0..args.number_rows)
            .map(|row| {
                if names.is_null(row) {
                    return Ok(None);
                }
                let name = names.value(row).to_lowercase();
                match self.values.get(&name) {
                    Some(value) => Ok(Some(value.clone())),
                    None if missing_ok.is_some_and(|m| m.is_valid(row) && m.value(row)) => Ok(None),
                    None => Err(function_error(
                        format!("unrecognized configuration parameter \"{name}\""),
                        SqlState::UNDEFINED_OBJECT,
                    )),
                }
            })
            .collect::<datafusion::common::Result<StringArray>>()?;
        Ok(ColumnarValue::Array(Arc::new(values)))
    }
}

impl Session {
    /// [`CurrentSetting`] over the session's values now.
    pub(super) fn current_setting(&self) -> ScalarUDF {
        let mut values: BTreeMap<String, String> = PARAMETERS
            .iter()
            .filter_map(|(name, _, _)| Some((name.to_string(), self.settings.get(name)?)))
            .collect();
        values.extend(self.settings.values.clone());
        if let Some(seq) = self.settings.last_commit {
            values.insert("driftdb.last_sequence".to_string(), seq.to_string());
        }
        ScalarUDF::new_from_impl(CurrentSetting {
            values,
            signature: Signature::one_of(
                vec![
                    TypeSignature::Exact(vec![Arrow::Utf8]),
                    TypeSignature::Exact(vec![Arrow::Utf8, Arrow::Boolean]),
                ],
                Volatility::Stable,
            ),
        })
    }

    /// [`SetConfig`], assigning to this session.
    pub(super) fn set_config(&self) -> ScalarUDF {
        ScalarUDF::new_from_impl(SetConfig {
            assigned: ByAddress(Arc::clone(&self.settings.assigned)),
            signature: Signature::exact(
                vec![Arrow::Utf8, Arrow::Utf8, Arrow::Boolean],
                Volatility::Volatile,
            ),
        })
    }

    /// Takes what the `set_config` calls of the query that just succeeded assigned.
    pub(super) fn take_set_config(&mut self) -> Result<()> {
        let assigned = std::mem::take(&mut *lock(&self.settings.assigned));
        for (name, value) in assigned {
            self.assign(&name, value)?;
        }
        Ok(())
    }

    /// Forgets what the `set_config` calls of a query that failed assigned.
    pub(super) fn drop_set_config(&self) {
        lock(&self.settings.assigned).clear();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().recover()
}

/// A shared value compared and hashed by its address, as a function's identity is.
#[derive(Debug)]
struct ByAddress<T>(Arc<T>);

impl<T> PartialEq for ByAddress<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl<T> Eq for ByAddress<T> {}
impl<T> std::hash::Hash for ByAddress<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.0).hash(state);
    }
}

/// `set_config(name, value, is_local)`: sets a parameter as `SET` does, when the query
/// calling it succeeds, and returns the value. A transaction-local setting
/// (`is_local = true`, `SET LOCAL`) is not supported (0A000).
#[derive(Debug, PartialEq, Eq, Hash)]
struct SetConfig {
    assigned: ByAddress<Mutex<Vec<(String, String)>>>,
    signature: Signature,
}

impl ScalarUDFImpl for SetConfig {
    fn name(&self) -> &str {
        "set_config"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[Arrow]) -> datafusion::common::Result<Arrow> {
        Ok(Arrow::Utf8)
    }

    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::common::Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let (names, values, local) = (
            arrays[0].as_string::<i32>(),
            arrays[1].as_string::<i32>(),
            arrays[2].as_boolean(),
        );
        let external = |e: Error| DataFusionError::External(Box::new(e));
        let mut out = Vec::with_capacity(args.number_rows);
        for row in 0..args.number_rows {
            if names.is_null(row) {
                return Err(external(Error::Execution {
                    message: "SET requires parameter name".to_string(),
                    sqlstate: SqlState::NULL_VALUE_NOT_ALLOWED,
                }));
            }
            if local.is_valid(row) && local.value(row) {
                return Err(external(crate::error::unsupported(
                    "set_config with is_local = true (SET LOCAL)",
                )));
            }
            let name = names.value(row).to_lowercase();
            settable(&name).map_err(external)?;
            let value = if values.is_null(row) {
                ""
            } else {
                values.value(row)
            };
            lock(&self.assigned.0).push((name, value.to_string()));
            out.push(Some(value.to_string()));
        }
        Ok(ColumnarValue::Array(Arc::new(StringArray::from(out))))
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
        tag: "SHOW".into(),
        rows: Some(Rows {
            schema,
            batches: batch.into_iter().collect(),
        }),
        seq: None,
        notices: Vec::new(),
        copy: None,
    }
}
