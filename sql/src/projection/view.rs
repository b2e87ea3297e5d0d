//! What SQL sees of running projections: the system view `driftdb_projections` and the
//! function `driftdb_wait(projection, positions [, timeout_ms])`.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::{
    ArrayRef, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType as Arrow, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{
    ColumnarValue, ScalarUDF, Signature, SimpleScalarUDF, TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;
use sqlparser::ast::{self, Statement};

use driftdb_projector::projection::runner::RunState;

use super::{Runners, lag, parse_positions};
use crate::SqlState;
use crate::error::Result;
use crate::error::function_error;

/// The system view's name.
pub const VIEW: &str = "driftdb_projections";

/// The wait function's name.
pub const WAIT: &str = "driftdb_wait";

/// How long `driftdb_wait` waits when not told.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// Whether `statement` reads the system view.
pub fn reads_view(statement: &Statement) -> bool {
    let mut found = false;
    let _ = ast::visit_relations(statement, |name| {
        found |= name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .is_some_and(|i| i.value.eq_ignore_ascii_case(VIEW));
        ControlFlow::<()>::Continue(())
    });
    found
}

/// Whether `statement` calls `driftdb_wait`.
pub fn calls_wait(statement: &Statement) -> bool {
    crate::catalog::calls(statement, WAIT)
}

/// Registers `driftdb_projections` in `ctx`: one row per projection and source partition
/// (one row with a NULL partition while its topic does not exist), rebuilds included.
pub fn register_view(ctx: &SessionContext, runners: &Runners) -> Result<()> {
    let columns = [
        ("name", Arrow::Utf8),
        ("table_name", Arrow::Utf8),
        ("version", Arrow::Int32),
        ("topic", Arrow::Utf8),
        ("state", Arrow::Utf8),
        ("partition", Arrow::Int32),
        ("position", Arrow::Int64),
        ("end_offset", Arrow::Int64),
        ("lag_events", Arrow::Int64),
        ("lag_seconds", Arrow::Float64),
        ("applied", Arrow::Int64),
        ("ignored", Arrow::Int64),
        ("skipped", Arrow::Int64),
        ("dead_lettered", Arrow::Int64),
        ("last_error", Arrow::Utf8),
        ("definition", Arrow::Utf8),
    ];
    let mut name = StringBuilder::new();
    let mut table_name = StringBuilder::new();
    let mut version = Int32Builder::new();
    let mut topic = StringBuilder::new();
    let mut state = StringBuilder::new();
    let mut partition = Int32Builder::new();
    let mut position = Int64Builder::new();
    let mut end_offset = Int64Builder::new();
    let mut lag_events = Int64Builder::new();
    let mut lag_seconds = Float64Builder::new();
    let mut counters: [Int64Builder; 4] = Default::default();
    let mut last_error = StringBuilder::new();
    let mut definition = StringBuilder::new();
    let projections: Vec<_> = {
        let db = runners.store().read();
        db.projections()
            .by_table
            .iter()
            .map(|(t, s)| (t.clone(), s.clone()))
            .collect()
    };
    // The registry is read as applied, which runs ahead of what readers see (a commit is
    // applied, then made visible after its fsync): wait until what the view shows is
    // visible, so a query after it (of a table a swap just replaced, say) reads it too.
    // A fenced ledger makes nothing visible any more; the view shows the registry anyway.
    let _ = crate::blocking(|| runners.store().settle());
    for (table, p) in projections {
        let stats = runners.stats(&table);
        let (run_state, error) = stats.state();
        let run_state = match (&p.replaces, p.paused) {
            (_, true) => "paused",
            (Some(_), false) if run_state == RunState::Running => "building",
            _ => run_state.as_str(),
        };
        let partitions = runners
            .log()
            .topic(&p.def.topic)
            .map(|t| t.partitions().to_vec())
            .unwrap_or_default();
        let rows: Vec<Option<_>> = if partitions.is_empty() {
            vec![None]
        } else {
            partitions.into_iter().map(Some).collect()
        };
        for part in rows {
            name.append_value(&p.def.name);
            table_name.append_value(&table);
            version.append_value(p.def.version as i32);
            topic.append_value(&p.def.topic);
            state.append_value(run_state);
            match &part {
                Some(part) => {
                    let at = p.offsets.get(&part.id()).copied();
                    let (events, seconds) = lag(part, at);
                    partition.append_value(part.id() as i32);
                    position.append_value(at.unwrap_or_else(|| part.start_offset()) as i64);
                    end_offset.append_value(part.end_offset() as i64);
                    lag_events.append_value(events as i64);
                    lag_seconds.append_value(seconds);
                }
                None => {
                    partition.append_null();
                    position.append_null();
                    end_offset.append_null();
                    lag_events.append_null();
                    lag_seconds.append_null();
                }
            }
            for (builder, counter) in counters.iter_mut().zip([
                &stats.applied,
                &stats.ignored,
                &stats.skipped,
                &stats.dead_lettered,
            ]) {
                builder.append_value(counter.load(std::sync::atomic::Ordering::Relaxed) as i64);
            }
            last_error.append_option(error.as_deref());
            definition.append_value(&p.def.text);
        }
    }
    let [mut applied, mut ignored, mut skipped, mut dead_lettered] = counters;
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(name.finish()),
        Arc::new(table_name.finish()),
        Arc::new(version.finish()),
        Arc::new(topic.finish()),
        Arc::new(state.finish()),
        Arc::new(partition.finish()),
        Arc::new(position.finish()),
        Arc::new(end_offset.finish()),
        Arc::new(lag_events.finish()),
        Arc::new(lag_seconds.finish()),
        Arc::new(applied.finish()),
        Arc::new(ignored.finish()),
        Arc::new(skipped.finish()),
        Arc::new(dead_lettered.finish()),
        Arc::new(last_error.finish()),
        Arc::new(definition.finish()),
    ];
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(n, t)| Field::new(*n, t.clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(Arc::clone(&schema), arrays)
        .map_err(|e| crate::error::arrow_error(&e))?;
    let table = MemTable::try_new(schema, vec![vec![batch]]).map_err(crate::error::execution)?;
    ctx.register_table(VIEW, Arc::new(table))
        .map_err(crate::error::execution)?;
    Ok(())
}

/// Registers `driftdb_wait(projection text, positions text [, timeout_ms bigint])`: waits
/// until the projection has applied the events at `positions` (`'partition:offset,...'`,
/// as produce acknowledgements give them), then returns the newest committed sequence.
/// Past the timeout it fails with 57014.
pub fn register_wait(ctx: &SessionContext, runners: Arc<Runners>) {
    let signature = Signature::one_of(
        vec![TypeSignature::Any(2), TypeSignature::Any(3)],
        Volatility::Volatile,
    );
    let f = move |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
        let scalar = |i: usize| -> Option<ScalarValue> {
            match args.get(i)? {
                ColumnarValue::Scalar(s) => Some(s.clone()),
                ColumnarValue::Array(a) => ScalarValue::try_from_array(a, 0).ok(),
            }
        };
        let text = |i: usize| match scalar(i) {
            Some(ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s))) => Some(s),
            Some(ScalarValue::Utf8View(Some(s))) => Some(s),
            _ => None,
        };
        let fail = |message: String| function_error(message, SqlState::INVALID_PARAMETER_VALUE);
        let name =
            text(0).ok_or_else(|| fail("driftdb_wait: the projection name must be text".into()))?;
        let positions = text(1)
            .as_deref()
            .and_then(parse_positions)
            .ok_or_else(|| {
                fail(
                    "driftdb_wait: positions must be text like '0:41,3:7' (partition:offset)"
                        .into(),
                )
            })?;
        let timeout = match scalar(2) {
            None => DEFAULT_WAIT,
            Some(v) => {
                let ms = v
                    .cast_to(&Arrow::Int64)
                    .ok()
                    .and_then(|v| match v {
                        ScalarValue::Int64(Some(ms)) if ms >= 0 => Some(ms as u64),
                        _ => None,
                    })
                    .ok_or_else(|| {
                        fail("driftdb_wait: the timeout is a number of milliseconds".into())
                    })?;
                Duration::from_millis(ms)
            }
        };
        let wait = || runners.wait_for(&name, &positions, timeout);
        let result = crate::blocking(wait);
        let seq = result.map_err(|e| DataFusionError::External(Box::new(e)))?;
        Ok(ColumnarValue::Scalar(ScalarValue::Int64(Some(seq as i64))))
    };
    ctx.register_udf(ScalarUDF::new_from_impl(
        SimpleScalarUDF::new_with_signature(WAIT, signature, Arrow::Int64, Arc::new(f)),
    ));
}
