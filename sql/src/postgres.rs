//! Where DataFusion's expressions mean something else than PostgreSQL's, an analyzer rule
//! ([`PostgresSemantics`]) rewrites them after type coercion, so the types (and the implicit
//! casts coercion adds, as for `||`) are known:
//!
//! - **Casts to text** read as PostgreSQL writes: `now()::text` is
//!   `2026-11-24 04:23:52.465569+00`, not Arrow's `2026-11-24T04:23:52.465569060`. Arrow's
//!   cast kernel formats temporal values in ISO 8601 with nanoseconds, floats in plain
//!   notation and bytes as if they were UTF-8, and DataFusion gives it no format to use. A
//!   cast to text of such a type becomes [`pg_text`], which formats each value with the wire
//!   protocol's text formatter ([`crate::text::format_value`]): the text a cast produces is
//!   the text a client would have been sent, and reads back as the same value
//!   (`FOR SYSTEM_TIME AS OF` accepts it too).
//! - **Integer `+`, `-` and `*` fail on overflow** with 22003 ("smallint/integer/bigint out
//!   of range" in PostgreSQL) instead of wrapping around: DataFusion plans them with Arrow's
//!   wrapping kernels, so they become [`checked`] calls of the checked ones.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Datum, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::compute::kernels::numeric;
use datafusion::arrow::datatypes::{DataType, IntervalUnit, TimeUnit};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::expr::{Cast, TryCast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, LogicalPlan, Operator, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

/// The rule; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct PostgresSemantics;

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Types whose Arrow text differs from PostgreSQL's.
fn needs_pg_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Timestamp(..)
            | DataType::Date32
            | DataType::Date64
            | DataType::Time32(_)
            | DataType::Time64(_)
            | DataType::Interval(_)
            | DataType::Float32
            | DataType::Float64
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
    )
}

impl AnalyzerRule for PostgresSemantics {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| {
            let schema = merge_schema(&plan.inputs());
            let preserver = NamePreserver::new(&plan);
            plan.map_expressions(|expr| {
                let saved = preserver.save(&expr);
                Ok(expr
                    .transform_up(|e| rewrite(e, &schema))?
                    .update_data(|e| saved.restore(e)))
            })
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "postgres_semantics"
    }
}

fn rewrite(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    if let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &expr
        && let Some(op) = Arithmetic::of(*op)
        && let (Ok(l), Ok(r)) = (left.get_type(schema), right.get_type(schema))
        && l == r
        && matches!(l, DataType::Int16 | DataType::Int32 | DataType::Int64)
    {
        let call = checked(op).call(vec![left.as_ref().clone(), right.as_ref().clone()]);
        return Ok(Transformed::yes(call));
    }
    let (inner, target) = match &expr {
        Expr::Cast(Cast { expr, field }) | Expr::TryCast(TryCast { expr, field })
            if is_text(field.data_type()) =>
        {
            (expr, field.data_type())
        }
        _ => return Ok(Transformed::no(expr)),
    };
    // An expression whose type cannot be told here (an unbound parameter) keeps its cast.
    match inner.get_type(schema) {
        Ok(t) if needs_pg_text(&t) => {}
        _ => return Ok(Transformed::no(expr)),
    }
    let text = pg_text().call(vec![inner.as_ref().clone()]);
    Ok(Transformed::yes(if *target == DataType::Utf8 {
        text
    } else {
        Expr::Cast(Cast::new(Box::new(text), target.clone()))
    }))
}

/// `pg_text(x)`: `x` in PostgreSQL's text output format.
pub(crate) fn pg_text() -> ScalarUDF {
    ScalarUDF::new_from_impl(PgText {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PgText {
    signature: Signature,
}

/// The unit [`crate::text::format_value`] formats for each type that has several.
fn formatted_type(t: &DataType) -> Option<DataType> {
    Some(match t {
        DataType::Timestamp(unit, tz) if *unit != TimeUnit::Microsecond => {
            DataType::Timestamp(TimeUnit::Microsecond, tz.clone())
        }
        DataType::Time32(_) | DataType::Time64(TimeUnit::Nanosecond) => {
            DataType::Time64(TimeUnit::Microsecond)
        }
        DataType::Date64 => DataType::Date32,
        DataType::Interval(unit) if *unit != IntervalUnit::MonthDayNano => {
            DataType::Interval(IntervalUnit::MonthDayNano)
        }
        DataType::BinaryView => DataType::Binary,
        _ => return None,
    })
}

impl ScalarUDFImpl for PgText {
    fn name(&self) -> &str {
        "pg_text"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let Some(array) = arrays.first() else {
            return datafusion::common::exec_err!("pg_text takes one argument");
        };
        let array: ArrayRef = match formatted_type(array.data_type()) {
            Some(t) => cast(array, &t)?,
            None => Arc::clone(array),
        };
        let text: StringArray = (0..array.len())
            .map(|row| crate::text::format_value(array.as_ref(), row))
            .collect();
        let text: ArrayRef = Arc::new(text);
        Ok(if scalar && text.len() == 1 {
            ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&text, 0)?)
        } else {
            ColumnarValue::Array(text)
        })
    }
}

/// An integer operation that PostgreSQL checks for overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Arithmetic {
    Add,
    Subtract,
    Multiply,
}

impl Arithmetic {
    fn of(op: Operator) -> Option<Self> {
        Some(match op {
            Operator::Plus => Arithmetic::Add,
            Operator::Minus => Arithmetic::Subtract,
            Operator::Multiply => Arithmetic::Multiply,
            _ => return None,
        })
    }
}

/// `op` on two integers of one type, failing with Arrow's `ArithmeticOverflow` (22003).
fn checked(op: Arithmetic) -> ScalarUDF {
    ScalarUDF::new_from_impl(Checked {
        op,
        signature: Signature::any(2, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Checked {
    op: Arithmetic,
    signature: Signature,
}

impl ScalarUDFImpl for Checked {
    fn name(&self) -> &str {
        match self.op {
            Arithmetic::Add => "int_add",
            Arithmetic::Subtract => "int_sub",
            Arithmetic::Multiply => "int_mul",
        }
    }

    fn display_name(&self, args: &[Expr]) -> Result<String> {
        let op = match self.op {
            Arithmetic::Add => "+",
            Arithmetic::Subtract => "-",
            Arithmetic::Multiply => "*",
        };
        match args {
            [l, r] => Ok(format!("{l} {op} {r}")),
            _ => datafusion::common::plan_err!("{} takes two arguments", self.name()),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        arg_types.first().cloned().ok_or_else(|| {
            datafusion::common::DataFusionError::Plan(format!(
                "{} takes two arguments",
                self.name()
            ))
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [l, r] = args.args.as_slice() else {
            return datafusion::common::exec_err!("{} takes two arguments", self.name());
        };
        let datum = |v: &ColumnarValue| -> Result<Box<dyn Datum>> {
            Ok(match v {
                ColumnarValue::Array(a) => Box::new(Arc::clone(a)),
                ColumnarValue::Scalar(s) => Box::new(s.to_scalar()?),
            })
        };
        let (ld, rd) = (datum(l)?, datum(r)?);
        let result = match self.op {
            Arithmetic::Add => numeric::add(ld.as_ref(), rd.as_ref())?,
            Arithmetic::Subtract => numeric::sub(ld.as_ref(), rd.as_ref())?,
            Arithmetic::Multiply => numeric::mul(ld.as_ref(), rd.as_ref())?,
        };
        Ok(match (l, r) {
            (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_)) => {
                ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&result, 0)?)
            }
            _ => ColumnarValue::Array(result),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::QueryEngine;

    async fn one(sql: &str) -> String {
        let engine = QueryEngine::new().expect("engine");
        let batches = engine.sql(sql).await.expect(sql);
        let batch = batches.first().expect("a batch");
        crate::text::format_value(batch.column(0).as_ref(), 0).expect("not null")
    }

    #[tokio::test]
    async fn temporal_casts_to_text_read_as_postgresql_writes() {
        for (sql, expected) in [
            (
                "SELECT CAST(TIMESTAMP '2026-11-24 04:23:52.465569' AS TEXT)",
                "2026-11-24 04:23:52.465569",
            ),
            ("SELECT CAST(DATE '2026-01-02' AS VARCHAR)", "2026-01-02"),
            (
                "SELECT 'at ' || CAST(DATE '2026-01-02' AS DATE)",
                "at 2026-01-02",
            ),
            ("SELECT CAST(CAST(1e20 AS DOUBLE) AS TEXT)", "1e+20"),
            (
                "SELECT CAST(INTERVAL '1 day 2 hours' AS TEXT)",
                "1 day 02:00:00",
            ),
            ("SELECT CAST(42 AS TEXT)", "42"),
        ] {
            assert_eq!(one(sql).await, expected, "{sql}");
        }
    }

    #[tokio::test]
    async fn integer_arithmetic_fails_on_overflow_instead_of_wrapping() {
        let engine = QueryEngine::new().expect("engine");
        for sql in [
            "SELECT CAST(9223372036854775807 AS BIGINT) + CAST(1 AS BIGINT)",
            "SELECT CAST(-2147483648 AS INT) - CAST(1 AS INT)",
            "SELECT CAST(32767 AS SMALLINT) * CAST(2 AS SMALLINT)",
            "SELECT x * x FROM (VALUES (CAST(3037000500 AS BIGINT))) AS t(x)",
        ] {
            let error = engine.sql(sql).await.expect_err(sql).to_string();
            assert!(error.contains("Overflow"), "{sql}: {error}");
        }
        assert_eq!(
            one("SELECT x * 2 - 1 FROM (VALUES (CAST(21 AS BIGINT))) AS t(x)").await,
            "41"
        );
    }
}
