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
//! - **Casts of `numeric` and floats to integers round** (`CAST(-2.5 AS INT)` is -3, half
//!   away from zero for `numeric`, half to even for floats, as PostgreSQL's `rint`) where
//!   Arrow's cast truncates: the value is rounded first ([`round_for_integer`]).
//!
//! - **Math functions refuse arguments outside their domain** (`ln(0)`, `sqrt(-1)`,
//!   `power(-8, 0.5)`) with PostgreSQL's 2201E and 2201F instead of answering `-Infinity`
//!   or `NaN` ([`domain`]).
//! - **`gcd` and `lcm` of `integer`s are `integer`s**, refusing a result that does not fit
//!   (22003) where DataFusion answers in `bigint` ([`integer`]).
//! - **`array_remove` and `array_replace` act on every element not distinct from the one
//!   given** (DataFusion's act on the first, and never match NULL) ([`arrays`]).
//! - **`row IS [NOT] NULL` tests every field**: a row of NULLs is NULL, a row with one NULL
//!   field is neither NULL nor NOT NULL.
//!
//! Operators whose types DataFusion's coercion would get wrong, or refuse, are planned before
//! it by [`PostgresOperators`]: `date ± interval` is a `timestamp` (DataFusion keeps a date),
//! `timestamp - timestamp` is an interval of days and time (DataFusion: a duration), and
//! `interval * number`, `number * interval` and `interval / number` scale the interval as
//! PostgreSQL does ([`interval_scale`]).

mod array_dims;
mod array_fill;
mod array_in;
mod arrays;
mod at_time_zone;
mod avg;
mod bitwise_not;
mod bpchar;
pub(crate) mod bytea_in;
mod case;
mod cast_like;
mod date_trunc;
mod domain;
pub(crate) mod excluding;
mod extract;
pub(crate) mod float_in;
mod format;
mod integer;
mod integer_literals;
mod make_timestamp;
mod math;
pub(crate) mod named_cast;
mod num_nulls;
mod numeric_divide;
mod numeric_in;
mod numeric_math;
mod numeric_scale;
mod ordered_set;
mod regexp;
mod row;
mod series;
mod set_all;
mod sha;
mod similar;
mod to_number;
mod to_timestamp;
mod type_of;
mod unknown;
mod variance;

use crate::udf::{all_scalar, columnar, infix};
pub(crate) use array_dims::array_dims;
pub(crate) use array_fill::{ARRAY_FILL, array_fill};
pub(crate) use array_in::read_one_dimension as read_array_literals;
pub(crate) use arrays::functions as array_functions;
pub(crate) use at_time_zone::{rewrite as at_time_zone, timezone};
pub(crate) use avg::avg;
pub(crate) use bitwise_not::{BITWISE_NOT, bitwise_not};
pub(crate) use bpchar::{BPCHAR_IN, bpchar_in};
pub(crate) use case::functions as case_functions;
pub(crate) use cast_like::{CAST_LIKE, cast_like};
pub(crate) use date_trunc::date_trunc;
pub(crate) use domain::functions as domain_functions;
pub(crate) use extract::{DATE_PART, EXTRACT, date_part, extract};
pub(crate) use format::functions as format_functions;
pub(crate) use integer::functions as integer_functions;
pub(crate) use make_timestamp::functions as make_timestamp_functions;
pub(crate) use math::functions as math_functions;
pub(crate) use num_nulls::functions as num_nulls_functions;
pub(crate) use numeric_in::{NUMERIC_IN, numeric_column, numeric_in};
pub(crate) use numeric_scale::functions as numeric_scale_functions;
pub(crate) use ordered_set::{mode, percentile_disc};
pub(crate) use regexp::{REGEXP_MATCHES, regexp_matches, regexp_split_to_array, regexp_substr};
pub(crate) use row::{ROW, row};
pub(crate) use series::{series, series_table};
pub(crate) use set_all::rule as multiset_set_operations;
pub(crate) use sha::functions as sha_functions;
pub(crate) use similar::{LIKE_ESCAPE, SIMILAR_TO_ESCAPE, like_escape, similar_to_escape};
pub(crate) use to_number::to_number;
pub(crate) use to_timestamp::{TO_DATE, TO_TIMESTAMP, to_date, to_timestamp};
pub(crate) use type_of::pg_typeof;
pub(crate) use variance::variances;

pub(crate) use integer_literals::has_narrowed_literal;

/// DataFusion's `generate_series` scalar, the list of a series, under the name the front end
/// gives it where PostgreSQL's set-returning `generate_series` becomes `unnest` of that list
/// (a `SELECT` list, `generate_subscripts`).
pub(crate) const SERIES: &str = "__driftdb_generate_series";

/// The rule that types integer literals as PostgreSQL does ([`integer_literals`]).
pub(crate) fn integer_literals() -> Arc<dyn AnalyzerRule + Send + Sync> {
    Arc::new(integer_literals::IntegerLiterals)
}

/// The rule that types a `UNION`'s quoted literals by its other branches ([`unknown`]).
pub(crate) fn unknown_literals() -> Arc<dyn AnalyzerRule + Send + Sync> {
    Arc::new(unknown::UnknownLiterals)
}

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Datum, Decimal128Array, IntervalMonthDayNanoArray, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::compute::kernels::numeric;
use datafusion::arrow::datatypes::{
    DataType, Decimal128Type, DurationMicrosecondType, Field, FieldRef, Float64Type,
    IntervalMonthDayNano, IntervalMonthDayNanoType, IntervalUnit, TimeUnit,
};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::expr::{Cast, Placeholder, TryCast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr, TypePlanner};
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, LogicalPlan, Operator, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, SortExpr, Union, Volatility, lit,
};
use datafusion::optimizer::AnalyzerRule;
use sqlparser::ast::BinaryOperator;

use crate::SqlState;
use crate::error::function_error;

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
            let plan = interval_order(plan)?;
            let schema = merge_schema(&plan.inputs());
            let preserver = NamePreserver::new(&plan);
            let rewritten = plan.map_expressions(|expr| {
                let saved = preserver.save(&expr);
                Ok(expr
                    .transform_up(|e| rewrite(e, &schema))?
                    .update_data(|e| saved.restore(e)))
            })?;
            // A rewritten expression may type its column otherwise (a decimal's scale, a
            // JSON type), here or below: the node's schema says what it now gives.
            rewritten.map_data(|p| union_nullability(p.recompute_schema()?))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "postgres_semantics"
    }
}

/// A `Union`'s column is nullable if any input's is. `recompute_schema` keeps the schema a
/// `Union` was planned with, and a rewrite of an input may have made its column nullable (a
/// cast of a literal, which cannot be NULL, became a function call, which can): the physical
/// plan derives the union's nullability again and would refuse the disagreement.
fn union_nullability(plan: LogicalPlan) -> Result<LogicalPlan> {
    let LogicalPlan::Union(union) = &plan else {
        return Ok(plan);
    };
    let nullable: Vec<bool> = (0..union.schema.fields().len())
        .map(|i| {
            union.inputs.iter().any(|input| {
                input
                    .schema()
                    .fields()
                    .get(i)
                    .is_some_and(|f| f.is_nullable())
            })
        })
        .collect();
    let agrees = union
        .schema
        .fields()
        .iter()
        .zip(&nullable)
        .all(|(field, nullable)| field.is_nullable() == *nullable);
    if agrees {
        return Ok(plan);
    }
    let fields = union
        .schema
        .iter()
        .zip(nullable)
        .map(|((qualifier, field), nullable)| {
            let field = field.as_ref().clone().with_nullable(nullable);
            (qualifier.cloned(), Arc::new(field))
        })
        .collect();
    let schema = DFSchema::new_with_metadata(fields, union.schema.metadata().clone())?;
    Ok(LogicalPlan::Union(Union {
        inputs: union.inputs.clone(),
        schema: Arc::new(schema),
    }))
}

/// Whether `op` compares its operands (`=`, `<`, `IS DISTINCT FROM` ...).
fn is_comparison(op: Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
            | Operator::IsDistinctFrom
            | Operator::IsNotDistinctFrom
    )
}

/// Whether `t` is an interval, which PostgreSQL compares and orders by its length.
fn is_interval(t: &DataType) -> bool {
    matches!(t, DataType::Interval(IntervalUnit::MonthDayNano))
}

/// An interval's length, for comparing and ordering: a month counts as 30 days and a day as
/// 24 hours, PostgreSQL's rule (`interval '1 month' = interval '30 days'`, `interval '1 day'
/// < interval '25 hours'`). Arrow compares the three fields in turn.
fn interval_key() -> ScalarUDF {
    kernel(
        "interval_length",
        |_| DataType::Decimal128(38, 0),
        |array| {
            const DAY: i128 = 86_400_000_000_000;
            let intervals = array.as_primitive::<IntervalMonthDayNanoType>();
            let keys: Decimal128Array = intervals.unary(|i| {
                i128::from(i.months) * 30 * DAY
                    + i128::from(i.days) * DAY
                    + i128::from(i.nanoseconds)
            });
            Ok(Arc::new(keys.with_precision_and_scale(38, 0)?))
        },
    )
}

/// A `Sort` of intervals orders them by their length ([`interval_key`]), of network
/// addresses by their key ([`crate::network::Address::key`]).
fn interval_order(plan: LogicalPlan) -> Result<LogicalPlan> {
    let LogicalPlan::Sort(mut sort) = plan else {
        return Ok(plan);
    };
    let schema = sort.input.schema();
    for order in &mut sort.expr {
        if let Some(key) = order_key(&order.expr, schema) {
            order.expr = key;
        }
    }
    Ok(LogicalPlan::Sort(sort))
}

/// The key a value of `expr`'s type is ordered by where Arrow's order is not PostgreSQL's
/// (an interval's length, an address's key), if it needs one.
fn order_key(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    if expr.get_type(schema).is_ok_and(|t| is_interval(&t)) {
        Some(interval_key().call(vec![expr.clone()]))
    } else if is_address(expr, schema) {
        Some(crate::network::functions::key().call(vec![expr.clone()]))
    } else {
        None
    }
}

/// A window's or an aggregate's `ORDER BY` of intervals or addresses (`row_number() OVER
/// (ORDER BY ip)`, `array_agg(x ORDER BY ip)`) orders by their keys, as `Sort` does
/// ([`interval_order`]).
fn ordered_by_keys(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    let order_by = match expr {
        Expr::WindowFunction(window) => &window.params.order_by,
        Expr::AggregateFunction(aggregate) => &aggregate.params.order_by,
        _ => return None,
    };
    let keys: Vec<Option<Expr>> = order_by
        .iter()
        .map(|sort| order_key(&sort.expr, schema))
        .collect();
    if keys.iter().all(Option::is_none) {
        return None;
    }
    let rekey = |order_by: &mut Vec<SortExpr>| {
        for (sort, key) in order_by.iter_mut().zip(keys) {
            if let Some(key) = key {
                sort.expr = key;
            }
        }
    };
    Some(match expr {
        Expr::WindowFunction(window) => {
            let mut window = window.clone();
            rekey(&mut window.params.order_by);
            Expr::WindowFunction(window)
        }
        Expr::AggregateFunction(aggregate) => {
            let mut aggregate = aggregate.clone();
            rekey(&mut aggregate.params.order_by);
            Expr::AggregateFunction(aggregate)
        }
        _ => return None,
    })
}

/// Whether `expr` is an `inet` or `cidr` value.
fn is_address(expr: &Expr, schema: &DFSchema) -> bool {
    expr.to_field(schema)
        .is_ok_and(|(_, f)| crate::network::Kind::of_field(&f).is_some())
}

fn rewrite(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    // `row IS [NOT] NULL` tests every field, as PostgreSQL's does: a row of NULLs IS NULL,
    // and a row IS NOT NULL only when no field is NULL (DataFusion tested the row value
    // itself, so `ROW(NULL, NULL) IS NULL` was false and `ROW(1, NULL) IS NOT NULL` true).
    if let Expr::IsNull(row) | Expr::IsNotNull(row) = &expr
        && let Ok(DataType::Struct(fields)) = row.get_type(schema)
        && !fields.is_empty()
    {
        let null = matches!(expr, Expr::IsNull(_));
        let tests = fields.iter().map(|f| {
            let field = datafusion::functions::core::expr_fn::get_field(
                row.as_ref().clone(),
                f.name().as_str(),
            );
            if null {
                field.is_null()
            } else {
                field.is_not_null()
            }
        });
        if let Some(all) = datafusion::logical_expr::utils::conjunction(tests) {
            return Ok(Transformed::yes(all));
        }
    }
    // Comparisons whose operands' types DataFusion reads otherwise than PostgreSQL; each
    // side's type is found once.
    if let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &expr
        && is_comparison(*op)
        && let (Ok(l), Ok(r)) = (left.get_type(schema), right.get_type(schema))
    {
        // Intervals compare by their length ([`interval_key`]).
        if is_interval(&l) && is_interval(&r) {
            return Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr {
                left: Box::new(interval_key().call(vec![left.as_ref().clone()])),
                op: *op,
                right: Box::new(interval_key().call(vec![right.as_ref().clone()])),
            })));
        }
        // Two decimals of different types, which a rewrite below made (the result scales
        // of `trunc`, `ceil`, `floor` and `round` are PostgreSQL's, set after type
        // coercion), go to one type that holds either, as coercion would have done (Arrow
        // compares only decimals of one type: `trunc(2.345, 1) = 2.3` was XX000).
        if let (DataType::Decimal128(lp, ls), DataType::Decimal128(rp, rs)) = (l, r)
            && (lp, ls) != (rp, rs)
        {
            let scale = ls.max(rs).max(0);
            let whole = (i16::from(lp) - i16::from(ls)).max(i16::from(rp) - i16::from(rs));
            let precision = (whole + i16::from(scale)).clamp(i16::from(scale).max(1), 38);
            let common = DataType::Decimal128(u8::try_from(precision).unwrap_or(38), scale);
            let to_common = |side: &Expr| {
                Box::new(Expr::Cast(Cast::new(
                    Box::new(side.clone()),
                    common.clone(),
                )))
            };
            return Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr {
                left: to_common(left),
                op: *op,
                right: to_common(right),
            })));
        }
    }
    if let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &expr
        && let Some(op) = Arithmetic::of(*op)
        && let (Ok(l), Ok(r)) = (left.get_type(schema), right.get_type(schema))
        && l == r
        && matches!(l, DataType::Int16 | DataType::Int32 | DataType::Int64)
    {
        let call = checked(op).call(vec![left.as_ref().clone(), right.as_ref().clone()]);
        return Ok(Transformed::yes(call));
    }
    // Text becomes a float by PostgreSQL's rules: out of range is an error, not Infinity
    // or 0 (see `float_in`).
    if let Expr::Cast(Cast { expr: inner, field }) = &expr
        && let Ok(from) = inner.get_type(schema)
        && is_text(&from)
    {
        match field.data_type() {
            DataType::Float64 => {
                return Ok(Transformed::yes(
                    float_in::float_in().call(vec![inner.as_ref().clone()]),
                ));
            }
            DataType::Float32 => {
                return Ok(Transformed::yes(
                    float_in::float4_in().call(vec![inner.as_ref().clone()]),
                ));
            }
            _ => {}
        }
    }
    // A `numeric` becomes the float nearest its value, as PostgreSQL's cast (through its
    // text) makes it; Arrow divides a float mantissa by a power of ten, which can land some
    // units in the last place away (`123456789012345.67::float8` was ...345.69).
    if let Expr::Cast(Cast { expr: inner, field }) = &expr
        && matches!(field.data_type(), DataType::Float32 | DataType::Float64)
        && let Ok(DataType::Decimal128(..)) = inner.get_type(schema)
    {
        let nearest = numeric_to_float().call(vec![inner.as_ref().clone()]);
        return Ok(Transformed::yes(match field.data_type() {
            DataType::Float64 => nearest,
            other => Expr::Cast(Cast::new(Box::new(nearest), other.clone())),
        }));
    }
    // `round` of a float rounds half to even, as PostgreSQL's (C's `rint`) does; DataFusion
    // rounded half away from zero (`round(2.5::float8)` was 3, PostgreSQL's 2).
    if let Expr::ScalarFunction(call) = &expr
        && call.func.name() == "round"
        && let [argument] = call.args.as_slice()
        && let Ok(DataType::Float32 | DataType::Float64) = argument.get_type(schema)
    {
        return Ok(Transformed::yes(
            round_half_even().call(vec![argument.clone()]),
        ));
    }
    // Division: a float by zero is 22012, as in PostgreSQL (Arrow answers Infinity or NaN);
    // numeric by numeric at PostgreSQL's scale (see `numeric_divide`).
    if let Expr::BinaryExpr(BinaryExpr {
        left,
        op: Operator::Divide,
        right,
    }) = &expr
        && let (Ok(l), Ok(r)) = (left.get_type(schema), right.get_type(schema))
    {
        let decimal = |t: &DataType| matches!(t, DataType::Decimal128(..));
        let function = if l == r && matches!(l, DataType::Float32 | DataType::Float64) {
            Some(checked(Arithmetic::FloatDivide))
        } else if decimal(&l) && (r.is_integer() || decimal(&r)) || decimal(&r) && l.is_integer() {
            Some(numeric_divide::numeric_divide())
        } else {
            None
        };
        if let Some(function) = function {
            let call = function.call(vec![left.as_ref().clone(), right.as_ref().clone()]);
            return Ok(Transformed::yes(call));
        }
    }
    // A CASE of JSON values is JSON: DataFusion's CASE drops its branches' PostgreSQL type
    // (SQLAlchemy reflects identity columns with `CASE WHEN ... THEN (SELECT
    // json_build_object(...)) END`, and psycopg decodes only what is sent as json).
    if let Expr::Case(case) = &expr
        && let Some(pg_type) = case_json_type(case, schema)
        && expr
            .to_field(schema)
            .ok()
            .is_some_and(|(_, f)| crate::pg_types::pg_type_of(&f).is_none())
        && let Some(typing) = crate::json::typing(&pg_type)
    {
        return Ok(Transformed::yes(typing.call(vec![expr])));
    }
    if let Expr::Cast(Cast { expr: inner, field }) = &expr
        && is_integer(field.data_type())
        && let Ok(from) = inner.get_type(schema)
        && is_fractional(&from)
    {
        let rounded = round_integer().call(vec![inner.as_ref().clone()]);
        return Ok(Transformed::yes(Expr::Cast(Cast::new(
            Box::new(rounded),
            field.data_type().clone(),
        ))));
    }
    if let Some(rewritten) = ordered_by_keys(&expr, schema) {
        return Ok(Transformed::yes(rewritten));
    }
    if let Some(rewritten) = crate::network::rewrite_comparison(&expr, schema) {
        return Ok(Transformed::yes(rewritten));
    }
    // `min` and `max` of addresses by their order, not their text's.
    if let Expr::AggregateFunction(aggregate) = &expr
        && matches!(aggregate.func.name(), "max" | "min")
        && let [argument] = aggregate.params.args.as_slice()
        && is_address(argument, schema)
    {
        let largest = aggregate.func.name() == "max";
        let mut aggregate = aggregate.clone();
        aggregate.func = Arc::new(crate::network::extremes::extreme(largest));
        return Ok(Transformed::yes(Expr::AggregateFunction(aggregate)));
    }
    if let Some(rewritten) = array_input(&expr, schema) {
        return Ok(Transformed::yes(rewritten));
    }
    if let Some(rewritten) = bpchar_comparison(&expr, schema) {
        return Ok(Transformed::yes(rewritten));
    }
    if let Some(rewritten) = bytea_input(&expr, schema) {
        return Ok(Transformed::yes(rewritten));
    }
    if let Some(rewritten) = numeric_rounding(&expr, schema) {
        return Ok(Transformed::yes(rewritten));
    }
    let (inner, target) = match &expr {
        Expr::Cast(Cast { expr, field }) | Expr::TryCast(TryCast { expr, field })
            if is_text(field.data_type()) =>
        {
            (expr, field.data_type())
        }
        _ => return Ok(Transformed::no(expr)),
    };
    // An address as text always shows its mask (`10.0.0.1/32`).
    if is_address(inner, schema) {
        let text = crate::network::functions::to_text().call(vec![inner.as_ref().clone()]);
        return Ok(Transformed::yes(if *target == DataType::Utf8 {
            text
        } else {
            Expr::Cast(Cast::new(Box::new(text), target.clone()))
        }));
    }
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

/// The JSON type every branch of `case` has (NULL branches aside), if they share one.
fn case_json_type(
    case: &datafusion::logical_expr::expr::Case,
    schema: &DFSchema,
) -> Option<String> {
    let mut found: Option<String> = None;
    let branches = case
        .when_then_expr
        .iter()
        .map(|(_, then)| then.as_ref())
        .chain(case.else_expr.as_deref());
    for branch in branches {
        let null = match branch {
            Expr::Cast(Cast { expr, .. }) | Expr::TryCast(TryCast { expr, .. }) => expr.as_ref(),
            other => other,
        };
        if matches!(null, Expr::Literal(v, _) if v.is_null()) {
            continue;
        }
        let (_, field) = branch.to_field(schema).ok()?;
        let pg_type = crate::pg_types::pg_type_of(&field)?;
        if !matches!(pg_type, "json" | "jsonb") || found.as_deref().is_some_and(|f| f != pg_type) {
            return None;
        }
        found = Some(pg_type.to_string());
    }
    found
}

/// A cast of text to an array type reads the text as PostgreSQL's array literal
/// (`'{1,2}'::bigint[]`); Arrow cannot cast text to a list.
fn array_input(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    let (Expr::Cast(Cast { expr: inner, field }) | Expr::TryCast(TryCast { expr: inner, field })) =
        expr
    else {
        return None;
    };
    let mut depth = 0_i64;
    let mut t = field.data_type();
    while let DataType::List(element) | DataType::LargeList(element) = t {
        depth += 1;
        t = element.data_type();
    }
    if depth == 0 || !is_text(&inner.get_type(schema).ok()?) {
        return None;
    }
    let mut lists = array_in::array_in().call(vec![inner.as_ref().clone(), lit(depth)]);
    // Addresses are read as such, each into its output form.
    if let DataType::List(element) = field.data_type()
        && let Some(kind) = crate::network::Kind::of_field(element)
    {
        lists = crate::network::functions::cast_list_to(kind).call(vec![lists]);
    }
    let lists = Box::new(lists);
    Some(match expr {
        Expr::TryCast(_) => Expr::TryCast(TryCast::new(lists, field.data_type().clone())),
        _ => Expr::Cast(Cast::new(lists, field.data_type().clone())),
    })
}

/// A `character(n)` column compared with a quoted literal (`c = 'ab  '`, `c IN ('x ')`):
/// the literal is a `character` value too, whose trailing blanks mean nothing, as the
/// column's stored values have none. (A literal cast to `text` first is compared as text,
/// as in PostgreSQL, and is left alone.)
fn bpchar_comparison(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    fn padded(expr: &Expr) -> Option<&str> {
        match expr {
            Expr::Literal(ScalarValue::Utf8(Some(s)), _) if s.ends_with(' ') => Some(s),
            _ => None,
        }
    }
    let is_bpchar = |e: &Expr| {
        e.to_field(schema)
            .is_ok_and(|(_, f)| crate::pg_types::pg_type_of(&f) == Some("bpchar"))
    };
    let trimmed = |s: &str| {
        Expr::Literal(
            ScalarValue::Utf8(Some(s.trim_end_matches(' ').to_string())),
            None,
        )
    };
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if is_comparison(*op) => {
            if let Some(s) = padded(right)
                && is_bpchar(left)
            {
                return Some(Expr::BinaryExpr(BinaryExpr::new(
                    left.clone(),
                    *op,
                    Box::new(trimmed(s)),
                )));
            }
            if let Some(s) = padded(left)
                && is_bpchar(right)
            {
                return Some(Expr::BinaryExpr(BinaryExpr::new(
                    Box::new(trimmed(s)),
                    *op,
                    right.clone(),
                )));
            }
            None
        }
        Expr::InList(in_list)
            if in_list.list.iter().any(|e| padded(e).is_some()) && is_bpchar(&in_list.expr) =>
        {
            let list = in_list
                .list
                .iter()
                .map(|e| padded(e).map_or_else(|| e.clone(), trimmed))
                .collect();
            Some(Expr::InList(datafusion::logical_expr::expr::InList::new(
                in_list.expr.clone(),
                list,
                in_list.negated,
            )))
        }
        _ => None,
    }
}

/// A cast of text to `bytea` reads PostgreSQL's formats ([`bytea_in`]), not the text's
/// UTF-8 bytes.
fn bytea_input(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    let (Expr::Cast(Cast { expr: inner, field }) | Expr::TryCast(TryCast { expr: inner, field })) =
        expr
    else {
        return None;
    };
    if !matches!(
        field.data_type(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
    ) || !is_text(&inner.get_type(schema).ok()?)
    {
        return None;
    }
    let bytes = bytea_in::bytea_in().call(vec![inner.as_ref().clone()]);
    Some(match field.data_type() {
        DataType::Binary => bytes,
        other => Expr::Cast(Cast::new(Box::new(bytes), other.clone())),
    })
}

/// `ceil`, `floor`, `trunc` and `round` of a `numeric` with PostgreSQL's result scale:
/// DataFusion keeps the argument's (`ceil(1.2)` was `2.0`, `trunc(2.345, 1)` `2.300`,
/// `trunc(2.345, 5)` `2.345`, `round(42::numeric, 2)` `42`), and `ceil(9.9)` of a
/// `NUMERIC(2,1)` overflowed where PostgreSQL gives `10`. The argument of `ceil` and `floor`
/// gets one more digit of precision first, as does the result of `round` (`round(9.99, 1)`
/// is `10.0`). A comparison above the call is brought to one type again ([`rewrite`]).
fn numeric_rounding(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    let Expr::ScalarFunction(call) = expr else {
        return None;
    };
    let name = call.name();
    if !matches!(name, "ceil" | "floor" | "trunc" | "round") {
        return None;
    }
    let Ok(DataType::Decimal128(precision, scale)) = call.args.first()?.get_type(schema) else {
        return None;
    };
    let decimal = |digits: i16, scale: i8| {
        DataType::Decimal128(u8::try_from(digits.clamp(1, 38)).unwrap_or(38), scale)
    };
    let integer_digits = i16::from(precision) - i16::from(scale);
    match (name, call.args.get(1)) {
        ("ceil" | "floor", None) => {
            let wider = Expr::Cast(Cast::new(
                Box::new(call.args[0].clone()),
                decimal(i16::from(precision) + 1, scale),
            ));
            let rounded = call.func.call(vec![wider]);
            Some(Expr::Cast(Cast::new(
                Box::new(rounded),
                decimal(integer_digits + 1, 0),
            )))
        }
        ("trunc", None) => Some(Expr::Cast(Cast::new(
            Box::new(expr.clone()),
            decimal(integer_digits.max(1), 0),
        ))),
        ("trunc" | "round", Some(digits))
            if integer_literals::integer_constant(digits).is_some() =>
        {
            let digits = integer_literals::integer_constant(digits)?;
            let wanted = i8::try_from(digits.clamp(0, 38)).ok()?;
            let carry = i16::from(name == "round");
            (wanted != scale).then(|| {
                Expr::Cast(Cast::new(
                    Box::new(expr.clone()),
                    decimal(integer_digits + carry + i16::from(wanted), wanted),
                ))
            })
        }
        _ => None,
    }
}

fn is_integer(t: &DataType) -> bool {
    matches!(t, DataType::Int16 | DataType::Int32 | DataType::Int64)
}

fn is_fractional(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Decimal128(..) | DataType::Float16 | DataType::Float32 | DataType::Float64
    )
}

/// `array` rounded to whole numbers as PostgreSQL rounds on the way to an integer: `numeric`
/// half away from zero, floats half to even. Other types come back as they are.
pub(crate) fn round_for_integer(array: &ArrayRef) -> Result<ArrayRef> {
    Ok(match array.data_type() {
        DataType::Decimal128(_, scale) if *scale > 0 => {
            let unit = 10_i128.pow(u32::from(scale.unsigned_abs()));
            let decimals = array.as_primitive::<Decimal128Type>();
            let rounded: Decimal128Array = decimals.unary(|v| {
                let (whole, rest) = (v / unit, v % unit);
                let away = if rest.unsigned_abs() * 2 >= unit.unsigned_abs() {
                    rest.signum()
                } else {
                    0
                };
                (whole + away).saturating_mul(unit)
            });
            Arc::new(rounded.with_data_type(array.data_type().clone()))
        }
        DataType::Float16 | DataType::Float32 => {
            round_for_integer(&cast(array, &DataType::Float64)?)?
        }
        DataType::Float64 => {
            let floats = array.as_primitive::<Float64Type>();
            Arc::new(floats.unary::<_, Float64Type>(f64::round_ties_even))
        }
        _ => Arc::clone(array),
    })
}

/// A `numeric` as the `double precision` nearest its value. Where the digits and the power
/// of ten are both exact floats (at most 2^53, at most 10^22), one IEEE division or
/// multiplication rounds correctly; otherwise Rust's parsing of the decimal's text does.
fn numeric_to_float() -> ScalarUDF {
    kernel(
        "numeric_to_float8",
        |_| DataType::Float64,
        |array| {
            let DataType::Decimal128(_, scale) = array.data_type() else {
                return Ok(cast(array, &DataType::Float64)?);
            };
            let scale = *scale;
            let decimals = array.as_primitive::<Decimal128Type>();
            let floats: datafusion::arrow::array::Float64Array = decimals
                .iter()
                .map(|v| v.map(|m| nearest_float(m, scale)))
                .collect();
            Ok(Arc::new(floats))
        },
    )
}

/// `mantissa × 10^-scale` as the nearest `f64`; see [`numeric_to_float`].
fn nearest_float(mantissa: i128, scale: i8) -> f64 {
    const EXACT: u128 = 1 << 53;
    let exponent = -i32::from(scale);
    if exponent.unsigned_abs() <= 22 && mantissa.unsigned_abs() <= EXACT {
        // Both exact: one operation, rounded once.
        let power = 10f64.powi(exponent.abs());
        return if exponent < 0 {
            mantissa as f64 / power
        } else {
            mantissa as f64 * power
        };
    }
    format!("{mantissa}e{exponent}")
        .parse::<f64>()
        .unwrap_or(f64::NAN)
}

/// `round(x)` of a float: half to even, in the float's own type (the type the statement was
/// described with before this rule ran).
fn round_half_even() -> ScalarUDF {
    kernel(
        "round_half_even",
        |t| t.clone(),
        |array| {
            Ok(match array.data_type() {
                DataType::Float32 => Arc::new(
                    array
                        .as_primitive::<datafusion::arrow::datatypes::Float32Type>()
                        .unary::<_, datafusion::arrow::datatypes::Float32Type>(
                            f32::round_ties_even,
                        ),
                ),
                DataType::Float64 => Arc::new(
                    array
                        .as_primitive::<Float64Type>()
                        .unary::<_, Float64Type>(f64::round_ties_even),
                ),
                _ => Arc::clone(array),
            })
        },
    )
}

/// [`round_for_integer`] as a function, for casts in queries.
fn round_integer() -> ScalarUDF {
    kernel(
        "round_for_integer",
        |t| match t {
            DataType::Float16 | DataType::Float32 => DataType::Float64,
            t => t.clone(),
        },
        round_for_integer,
    )
}

/// A one-argument function computed array by array, shown as its argument (it stands for
/// what an operator or cast means here, not for a function anyone called).
fn kernel(
    name: &'static str,
    output: fn(&DataType) -> DataType,
    apply: fn(&ArrayRef) -> Result<ArrayRef>,
) -> ScalarUDF {
    ScalarUDF::new_from_impl(Kernel {
        name,
        output,
        apply,
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug)]
struct Kernel {
    name: &'static str,
    output: fn(&DataType) -> DataType,
    apply: fn(&ArrayRef) -> Result<ArrayRef>,
    signature: Signature,
}

// Each kernel has a name of its own: the name says which function it is (function pointers
// cannot be compared meaningfully).
impl PartialEq for Kernel {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Kernel {}

impl std::hash::Hash for Kernel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for Kernel {
    fn name(&self) -> &str {
        self.name
    }

    fn display_name(&self, args: &[Expr]) -> Result<String> {
        match args {
            [arg] => Ok(arg.to_string()),
            _ => datafusion::common::plan_err!("{} takes one argument", self.name),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [t] => Ok((self.output)(t)),
            _ => datafusion::common::plan_err!("{} takes one argument", self.name),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match args.args.as_slice() {
            [ColumnarValue::Array(a)] => Ok(ColumnarValue::Array((self.apply)(a)?)),
            [ColumnarValue::Scalar(s)] => columnar((self.apply)(&s.to_array()?)?, true),
            _ => datafusion::common::exec_err!("{} takes one argument", self.name),
        }
    }
}

/// SQL types where a cast's result must say more (or less) than DataFusion's own types.
///
/// A cast to `text` (or an unbounded `varchar`) gives plain text: DataFusion's cast to a
/// bare type keeps its operand's field metadata, so `uuid_column::text` would still reach
/// clients as a `uuid`, and an `inet` as an `inet`. A named target field replaces it.
/// `inet` and `cidr` are text marked with their type (for `$1::inet`; casts of values are
/// rewritten to [`crate::network::functions`] before planning). The target fields are not
/// nullable: a cast's result is NULL where its operand is, which is how DataFusion's
/// logical plan counts it, and its physical plan adds the target field's nullability.
#[derive(Debug, Default)]
pub(crate) struct PostgresTypes;

impl TypePlanner for PostgresTypes {
    fn plan_type_field(&self, sql_type: &sqlparser::ast::DataType) -> Result<Option<FieldRef>> {
        use sqlparser::ast::DataType as T;
        Ok(match sql_type {
            T::Text | T::Varchar(None) | T::CharacterVarying(None) => {
                Some(Arc::new(Field::new("text", DataType::Utf8, false)))
            }
            // An array of such elements: the elements as a list holds them, nullable.
            T::Array(
                sqlparser::ast::ArrayElemTypeDef::SquareBracket(element, _)
                | sqlparser::ast::ArrayElemTypeDef::AngleBracket(element),
            ) => self.plan_type_field(element)?.map(|element| {
                let item = element
                    .as_ref()
                    .clone()
                    .with_name(Field::LIST_FIELD_DEFAULT_NAME)
                    .with_nullable(true);
                Arc::new(Field::new("array", DataType::List(Arc::new(item)), false))
            }),
            T::Custom(name, modifiers) if modifiers.is_empty() => {
                match crate::schemas::unqualified(name).as_deref() {
                    Some(kind @ ("inet" | "cidr")) => {
                        Some(Arc::new(crate::pg_types::with_pg_type(
                            Field::new(kind, DataType::Utf8, false),
                            kind,
                        )))
                    }
                    _ => None,
                }
            }
            _ => None,
        })
    }
}

/// A quoted literal beside a number in arithmetic (`'12'::int + '3'`, `price * '2'`) is a
/// number of the other operand's type, as PostgreSQL resolves the literal's `unknown` type
/// (an unconstrained `numeric` beside a `numeric`); DataFusion refused text in arithmetic.
fn quoted_numbers(expr: RawBinaryExpr, schema: &DFSchema) -> RawBinaryExpr {
    if !matches!(
        expr.op,
        BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
    ) {
        return expr;
    }
    let quoted = |e: &Expr| matches!(e, Expr::Literal(ScalarValue::Utf8(Some(_)), _));
    let number_type = |e: &Expr| e.get_type(schema).ok().filter(DataType::is_numeric);
    let as_number = |literal: Expr, t: DataType| match t {
        DataType::Decimal128(..) => numeric_in().call(vec![literal]),
        t => Expr::Cast(Cast::new(Box::new(literal), t)),
    };
    let RawBinaryExpr { op, left, right } = expr;
    let (left, right) = if quoted(&left)
        && let Some(t) = number_type(&right)
    {
        (as_number(left, t), right)
    } else if quoted(&right)
        && let Some(t) = number_type(&left)
    {
        (left, as_number(right, t))
    } else {
        (left, right)
    };
    RawBinaryExpr { op, left, right }
}

/// Plans `date ± interval`, `timestamp - timestamp` and interval scaling; see the module
/// documentation.
#[derive(Debug, Default)]
pub(crate) struct PostgresOperators;

impl ExprPlanner for PostgresOperators {
    fn plan_binary_op(
        &self,
        expr: RawBinaryExpr,
        schema: &DFSchema,
    ) -> Result<PlannerResult<RawBinaryExpr>> {
        let expr = quoted_numbers(expr, schema);
        // An untyped `$n` beside an interval in `*` or `/` is the factor, a float8 as in
        // PostgreSQL; typed here, so that describing the statement gives its type.
        let factor = |e: &Expr| match e {
            Expr::Placeholder(p) if p.field.is_none() => Some(DataType::Float64),
            e => e.get_type(schema).ok(),
        };
        let left = factor(&expr.left);
        let right = factor(&expr.right);
        let interval = |t: &Option<DataType>| matches!(t, Some(DataType::Interval(_)));
        let number = |t: &Option<DataType>| t.as_ref().is_some_and(DataType::is_numeric);
        let typed = |e: Expr| match e {
            Expr::Placeholder(p) if p.field.is_none() => {
                Expr::Placeholder(Placeholder::new_with_field(
                    p.id,
                    Some(Arc::new(Field::new("", DataType::Float64, true))),
                ))
            }
            e => e,
        };
        let date = |t: &Option<DataType>| matches!(t, Some(DataType::Date32 | DataType::Date64));
        let timestamp = |e: Expr| {
            Expr::Cast(Cast::new(
                Box::new(e),
                DataType::Timestamp(TimeUnit::Microsecond, None),
            ))
        };
        let planned = match expr.op {
            BinaryOperator::Multiply if interval(&left) && number(&right) => {
                interval_scale(false).call(vec![expr.left, typed(expr.right)])
            }
            BinaryOperator::Multiply if number(&left) && interval(&right) => {
                interval_scale(false).call(vec![expr.right, typed(expr.left)])
            }
            BinaryOperator::Divide if interval(&left) && number(&right) => {
                interval_scale(true).call(vec![expr.left, typed(expr.right)])
            }
            BinaryOperator::Plus | BinaryOperator::Minus if date(&left) && interval(&right) => {
                let op = if expr.op == BinaryOperator::Plus {
                    Operator::Plus
                } else {
                    Operator::Minus
                };
                Expr::BinaryExpr(BinaryExpr::new(
                    Box::new(timestamp(expr.left)),
                    op,
                    Box::new(expr.right),
                ))
            }
            BinaryOperator::Minus if is_timestamp(&left) && is_timestamp(&right) => {
                let difference = Expr::BinaryExpr(BinaryExpr::new(
                    Box::new(expr.left),
                    Operator::Minus,
                    Box::new(expr.right),
                ));
                justify_duration().call(vec![difference])
            }
            // `a && b` of arrays: whether they share an element (of addresses, whether
            // the networks overlap, planned before this: `crate::network`).
            BinaryOperator::PGOverlap => {
                datafusion::functions_nested::expr_fn::array_has_any(expr.left, expr.right)
            }
            BinaryOperator::Plus if interval(&left) && date(&right) => {
                Expr::BinaryExpr(BinaryExpr::new(
                    Box::new(expr.left),
                    Operator::Plus,
                    Box::new(timestamp(expr.right)),
                ))
            }
            _ => return Ok(PlannerResult::Original(expr)),
        };
        Ok(PlannerResult::Planned(planned))
    }
}

fn is_timestamp(t: &Option<DataType>) -> bool {
    matches!(t, Some(DataType::Timestamp(..)))
}

/// `timestamp - timestamp` as PostgreSQL gives it: an interval of days and time (24 hours to
/// a day), where DataFusion gives a duration.
fn justify_duration() -> ScalarUDF {
    kernel(
        "justify_duration",
        |_| DataType::Interval(IntervalUnit::MonthDayNano),
        justify,
    )
}

fn justify(durations: &ArrayRef) -> Result<ArrayRef> {
    const MICROS_PER_DAY: i64 = 86_400_000_000;
    let micros = cast(durations, &DataType::Duration(TimeUnit::Microsecond))?;
    let micros = micros.as_primitive::<DurationMicrosecondType>();
    Ok(Arc::new(
        micros
            .iter()
            .map(|m| {
                m.map(|m| {
                    let days = i32::try_from(m / MICROS_PER_DAY).unwrap_or(i32::MAX);
                    IntervalMonthDayNano::new(0, days, (m % MICROS_PER_DAY) * 1_000)
                })
            })
            .collect::<IntervalMonthDayNanoArray>(),
    ))
}

/// `interval * factor` (or `/ factor` when `divide`), as PostgreSQL's `interval_mul`:
/// months and days are multiplied and truncated, and what the truncation leaves cascades
/// down (a month is 30 days, a day 24 hours) into the time, rounded to the microsecond.
fn interval_scale(divide: bool) -> ScalarUDF {
    ScalarUDF::new_from_impl(IntervalScale {
        divide,
        signature: Signature::any(2, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct IntervalScale {
    divide: bool,
    signature: Signature,
}

/// Out of PostgreSQL's interval range (22008).
fn interval_out_of_range() -> datafusion::common::DataFusionError {
    function_error("interval out of range", SqlState::DATETIME_FIELD_OVERFLOW)
}

/// One interval times `factor`; see [`interval_scale`].
fn scale_interval(v: IntervalMonthDayNano, factor: f64) -> Result<IntervalMonthDayNano> {
    const DAYS_PER_MONTH: f64 = 30.0;
    const SECS_PER_DAY: f64 = 86_400.0;
    let micro_round = |x: f64| (x * 1e6).round_ties_even() / 1e6;
    let to_i32 = |x: f64| {
        if x.is_finite() && x >= f64::from(i32::MIN) && x <= f64::from(i32::MAX) {
            Ok(x.trunc() as i32)
        } else {
            Err(interval_out_of_range())
        }
    };
    let months = to_i32(f64::from(v.months) * factor)?;
    let mut days = to_i32(f64::from(v.days) * factor)?;
    let month_remainder_days =
        micro_round((f64::from(v.months) * factor - f64::from(months)) * DAYS_PER_MONTH);
    let mut sec_remainder = micro_round(
        (f64::from(v.days) * factor - f64::from(days) + month_remainder_days
            - month_remainder_days.trunc())
            * SECS_PER_DAY,
    );
    if sec_remainder.abs() >= SECS_PER_DAY {
        let whole = (sec_remainder / SECS_PER_DAY).trunc();
        days = days
            .checked_add(to_i32(whole)?)
            .ok_or_else(interval_out_of_range)?;
        sec_remainder -= whole * SECS_PER_DAY;
    }
    days = days
        .checked_add(to_i32(month_remainder_days)?)
        .ok_or_else(interval_out_of_range)?;
    let micros = ((v.nanoseconds / 1_000) as f64 * factor + sec_remainder * 1e6).round_ties_even();
    if !micros.is_finite() || micros.abs() >= 9.2e18 {
        return Err(interval_out_of_range());
    }
    Ok(IntervalMonthDayNano::new(
        months,
        days,
        (micros as i64)
            .checked_mul(1_000)
            .ok_or_else(interval_out_of_range)?,
    ))
}

impl ScalarUDFImpl for IntervalScale {
    fn name(&self) -> &str {
        if self.divide {
            "interval_div"
        } else {
            "interval_mul"
        }
    }

    fn display_name(&self, args: &[Expr]) -> Result<String> {
        infix(self.name(), if self.divide { "/" } else { "*" }, args)
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Interval(IntervalUnit::MonthDayNano))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = all_scalar(&args.args);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [intervals, factors] = arrays.as_slice() else {
            return datafusion::common::exec_err!("{} takes two arguments", self.name());
        };
        let intervals = cast(intervals, &DataType::Interval(IntervalUnit::MonthDayNano))?;
        let intervals = intervals.as_primitive::<IntervalMonthDayNanoType>();
        let factors = cast(factors, &DataType::Float64)?;
        let factors = factors.as_primitive::<Float64Type>();
        let mut out = Vec::with_capacity(intervals.len());
        for (v, f) in intervals.iter().zip(factors.iter()) {
            out.push(match (v, f) {
                (Some(v), Some(f)) if self.divide => {
                    if f == 0.0 {
                        return Err(datafusion::common::DataFusionError::ArrowError(
                            Box::new(datafusion::arrow::error::ArrowError::DivideByZero),
                            None,
                        ));
                    }
                    Some(scale_interval(v, 1.0 / f)?)
                }
                (Some(v), Some(f)) => Some(scale_interval(v, f)?),
                _ => None,
            });
        }
        let result: ArrayRef = Arc::new(IntervalMonthDayNanoArray::from(out));
        columnar(result, scalar)
    }
}

/// Whether every argument of a call is a scalar (so its result is one too).
/// A function's arguments as arrays, how many rows they hold, and whether they were all
/// scalars (then they are one row, and the result is a scalar: see [`columnar`]).
pub(crate) fn argument_arrays(args: &ScalarFunctionArgs) -> Result<(Vec<ArrayRef>, usize, bool)> {
    let scalar = all_scalar(&args.args);
    let rows = if scalar { 1 } else { args.number_rows };
    let arrays = args
        .args
        .iter()
        .map(|a| a.to_array(rows))
        .collect::<Result<Vec<_>>>()?;
    Ok((arrays, rows, scalar))
}

/// PostgreSQL's error for a call no signature of `name` takes.
pub(crate) fn no_such_function(name: &str, arg_types: &[DataType]) -> DataFusionError {
    DataFusionError::Plan(format!(
        "function {name}({}) does not exist",
        arg_types
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ))
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
        let scalar = crate::udf::all_scalar(&args.args);
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
        columnar(text, scalar)
    }
}

/// An integer operation that PostgreSQL checks for overflow, or a float division it checks
/// for a zero divisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Arithmetic {
    Add,
    Subtract,
    Multiply,
    FloatDivide,
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
            Arithmetic::FloatDivide => "float_div",
        }
    }

    fn display_name(&self, args: &[Expr]) -> Result<String> {
        let op = match self.op {
            Arithmetic::Add => "+",
            Arithmetic::Subtract => "-",
            Arithmetic::Multiply => "*",
            Arithmetic::FloatDivide => "/",
        };
        infix(self.name(), op, args)
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
            Arithmetic::FloatDivide => {
                let divisors = r.to_array(1)?;
                let divisors = datafusion::arrow::compute::cast(&divisors, &DataType::Float64)?;
                if divisors
                    .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
                    .iter()
                    .any(|d| d == Some(0.0))
                {
                    return Err(datafusion::common::DataFusionError::ArrowError(
                        Box::new(datafusion::arrow::error::ArrowError::DivideByZero),
                        None,
                    ));
                }
                numeric::div(ld.as_ref(), rd.as_ref())?
            }
        };
        Ok(match (l, r) {
            (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_)) => {
                ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&result, 0)?)
            }
            _ => ColumnarValue::Array(result),
        })
    }
}

/// `length(x)` and `octet_length(x)` as PostgreSQL has them: of `bytea` too (its bytes),
/// which DataFusion's string-only versions refuse. `length` of text counts characters
/// (DataFusion's `character_length` does it), `octet_length` bytes.
pub(crate) fn length_functions() -> [ScalarUDF; 2] {
    [
        ScalarUDF::new_from_impl(Length::new("length", false)),
        ScalarUDF::new_from_impl(Length::new("octet_length", true)),
    ]
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Length {
    name: &'static str,
    /// Bytes of text too, not characters.
    octets: bool,
    signature: Signature,
}

impl Length {
    fn new(name: &'static str, octets: bool) -> Length {
        Length {
            name,
            octets,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Length {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Binary | DataType::BinaryView | DataType::FixedSizeBinary(_)] => {
                Ok(vec![DataType::Binary])
            }
            [DataType::LargeBinary] => Ok(vec![DataType::LargeBinary]),
            [DataType::LargeUtf8] => Ok(vec![DataType::LargeUtf8]),
            [DataType::Utf8 | DataType::Utf8View | DataType::Null] => Ok(vec![DataType::Utf8]),
            [other] => Err(function_error(
                format!("function {}({}) does not exist", self.name, other),
                SqlState::UNDEFINED_FUNCTION,
            )),
            _ => datafusion::common::plan_err!("{} takes one argument", self.name),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(match arg_types {
            [DataType::LargeUtf8 | DataType::LargeBinary] => DataType::Int64,
            _ => DataType::Int32,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let bytes = match args.args.as_slice() {
            [a] => self.octets || matches!(a.data_type(), DataType::Binary | DataType::LargeBinary),
            _ => return datafusion::common::exec_err!("{} takes one argument", self.name),
        };
        if !bytes {
            return datafusion::functions::unicode::character_length().invoke_with_args(args);
        }
        let scalar = all_scalar(&args.args);
        let array = match &args.args[0] {
            ColumnarValue::Array(a) => Arc::clone(a),
            ColumnarValue::Scalar(s) => s.to_array()?,
        };
        columnar(
            datafusion::arrow::compute::kernels::length::length(&array)?,
            scalar,
        )
    }
}

/// `md5(text)` (PostgreSQL's: the hex digest of the text's bytes; of `bytea` too) and
/// `gen_random_uuid()` (a version 4 UUID, typed `uuid` for clients), which DataFusion has
/// only under other names or behind features this build leaves out.
pub(crate) fn digest_functions() -> [ScalarUDF; 3] {
    [
        ScalarUDF::new_from_impl(Md5 {
            signature: Signature::user_defined(Volatility::Immutable),
        }),
        ScalarUDF::new_from_impl(GenRandomUuid {
            signature: Signature::nullary(Volatility::Volatile),
        }),
        ScalarUDF::new_from_impl(UuidIn {
            signature: Signature::any(1, Volatility::Immutable),
        }),
    ]
}

/// The internal function a cast to `uuid` becomes (DataFusion has no UUID type): the text
/// checked (22P02) and in its normal form, typed `uuid` for clients.
pub(crate) const UUID_IN: &str = "__driftdb_uuid";

#[derive(Debug, PartialEq, Eq, Hash)]
struct UuidIn {
    signature: Signature,
}

impl ScalarUDFImpl for UuidIn {
    fn name(&self) -> &str {
        UUID_IN
    }

    fn display_name(&self, args: &[Expr]) -> Result<String> {
        match args {
            [arg] => Ok(format!("CAST({arg} AS uuid)")),
            _ => datafusion::common::plan_err!("a cast takes one value"),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(
        &self,
        _args: datafusion::logical_expr::ReturnFieldArgs,
    ) -> Result<datafusion::arrow::datatypes::FieldRef> {
        Ok(Arc::new(crate::pg_types::with_pg_type(
            Field::new(self.name(), DataType::Utf8, true),
            "uuid",
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = all_scalar(&args.args);
        let [value] = ColumnarValue::values_to_arrays(&args.args)?
            .try_into()
            .map_err(|_| {
                datafusion::common::DataFusionError::Plan("a cast takes one value".into())
            })?;
        let text = cast(&value, &DataType::Utf8)?;
        let out: StringArray = text
            .as_string::<i32>()
            .iter()
            .map(|t| {
                t.map(|t| {
                    crate::arrow::parse_uuid(t.trim())
                        .map(|u| crate::arrow::format_uuid(&u))
                        .map_err(|_| crate::Error::InvalidValue {
                            message: format!("invalid input syntax for type uuid: \"{t}\""),
                        })
                })
                .transpose()
            })
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| datafusion::common::DataFusionError::External(Box::new(e)))?;
        columnar(Arc::new(out), scalar)
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Md5 {
    signature: Signature,
}

impl ScalarUDFImpl for Md5 {
    fn name(&self) -> &str {
        "md5"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Binary | DataType::LargeBinary | DataType::BinaryView] => {
                Ok(vec![DataType::Binary])
            }
            [_] => Ok(vec![DataType::Utf8]),
            _ => datafusion::common::plan_err!("md5 takes one argument"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = all_scalar(&args.args);
        let [value] = ColumnarValue::values_to_arrays(&args.args)?
            .try_into()
            .map_err(|_| {
                datafusion::common::DataFusionError::Plan("md5 takes one argument".into())
            })?;
        let hex = |bytes: &[u8]| format!("{:x}", md5::compute(bytes));
        let out: StringArray = match value.data_type() {
            DataType::Binary => value
                .as_binary::<i32>()
                .iter()
                .map(|b| b.map(hex))
                .collect(),
            _ => value
                .as_string::<i32>()
                .iter()
                .map(|t| t.map(|t| hex(t.as_bytes())))
                .collect(),
        };
        columnar(Arc::new(out), scalar)
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct GenRandomUuid {
    signature: Signature,
}

impl ScalarUDFImpl for GenRandomUuid {
    fn name(&self) -> &str {
        "gen_random_uuid"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(
        &self,
        _args: datafusion::logical_expr::ReturnFieldArgs,
    ) -> Result<datafusion::arrow::datatypes::FieldRef> {
        Ok(Arc::new(crate::pg_types::with_pg_type(
            Field::new(self.name(), DataType::Utf8, false),
            "uuid",
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        datafusion::functions::string::uuid().invoke_with_args(args)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::QueryEngine;

    #[test]
    fn numerics_become_the_nearest_float_on_either_path() {
        for (mantissa, scale) in [
            (12_345_678_901_234_567_i128, 2_i8),
            (100_000_000_000_000_025, 2),
            (1, 1),
            (3, 1),
            (-25, 1),
            (9_007_199_254_740_993, 0),
            (123_456_789, -3),
            (1, 30),
            (i128::MAX, 10),
        ] {
            let text = format!("{mantissa}e{}", -i32::from(scale));
            assert_eq!(
                super::nearest_float(mantissa, scale),
                text.parse::<f64>().expect("a number"),
                "{text}"
            );
        }
    }

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
