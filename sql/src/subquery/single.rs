//! Scalar subqueries that do not aggregate: `(SELECT name FROM users u WHERE u.id = o.uid)`.
//!
//! PostgreSQL runs such a subquery and fails only if it returns more than one row (21000).
//! DataFusion refuses it before running ("Correlated scalar subquery must be aggregated to
//! return at most one row") whenever it reads the outer query, since it turns correlated
//! subqueries into joins and a join needs the inner side grouped by the correlation. So the
//! front end ([`wrap`]) makes each such subquery aggregate through [`single`]: its one
//! value, NULL for no row, 21000 for a second. That is the subquery's meaning exactly, and
//! DataFusion can then turn it into a join (or [`super::SubPlan`] run it per outer row).

use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use sqlparser::ast::{
    self, Expr, GroupByExpr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr,
    Statement, VisitMut, VisitorMut,
};

use crate::SqlState;
use crate::error::function_error;

/// The aggregate's name, as the front end writes it.
pub(crate) const SINGLE: &str = "__driftdb_single";

/// Makes every scalar subquery of `statement` that does not aggregate (nor group, limit,
/// or use `DISTINCT`, a window or a set-returning function) return
/// `__driftdb_single(expr)`; its `ORDER BY`, which orders at most one row, goes.
/// `is_aggregate` tells an aggregate function's name (lower case).
pub(crate) fn wrap(statement: &mut Statement, is_aggregate: &dyn Fn(&str) -> bool) {
    let _ = statement.visit(&mut Wrapper {
        is_aggregate,
        sets: Vec::new(),
    });
}

struct Wrapper<'a> {
    is_aggregate: &'a dyn Fn(&str) -> bool,
    /// The subqueries of `x op ANY (SELECT ...)` and `x op ALL (SELECT ...)`, which are
    /// sets, not scalars (by address: the visit does not move them).
    sets: Vec<*const Query>,
}

impl VisitorMut for Wrapper<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::AnyOp { right, .. } | Expr::AllOp { right, .. } = expr
            && let Expr::Subquery(query) = right.as_ref()
        {
            self.sets.push(query.as_ref() as *const Query);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Subquery(query) = expr
            && !self.sets.contains(&(query.as_ref() as *const Query))
        {
            self.single(query);
        }
        ControlFlow::Continue(())
    }
}

impl Wrapper<'_> {
    fn single(&self, query: &mut Query) {
        if query.limit_clause.is_some() || query.fetch.is_some() {
            return;
        }
        let SetExpr::Select(select) = query.body.as_mut() else {
            return;
        };
        let grouped = match &select.group_by {
            GroupByExpr::Expressions(exprs, _) => !exprs.is_empty(),
            GroupByExpr::All(_) => true,
        };
        if grouped
            || select.having.is_some()
            || select.distinct.is_some()
            || select.projection.len() != 1
        {
            return;
        }
        let is_aggregate =
            |name: &ObjectName| (self.is_aggregate)(&name.to_string().to_lowercase());
        if crate::recursive::calls_aggregate(select, &is_aggregate) {
            return;
        }
        let value = match &mut select.projection[0] {
            SelectItem::UnnamedExpr(value) | SelectItem::ExprWithAlias { expr: value, .. } => value,
            _ => return,
        };
        if !plain(value) {
            return;
        }
        let inner = std::mem::replace(value, Expr::value(ast::Value::Null));
        *value = Expr::Function(ast::Function {
            name: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(SINGLE))]),
            uses_odbc_syntax: false,
            parameters: ast::FunctionArguments::None,
            args: ast::FunctionArguments::List(ast::FunctionArgumentList {
                duplicate_treatment: None,
                args: vec![ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(inner))],
                clauses: vec![],
            }),
            filter: None,
            null_treatment: None,
            over: None,
            within_group: vec![],
        });
        query.order_by = None;
    }
}

/// Whether `value` may be aggregated: no window function or set-returning function in it
/// (outside its own subqueries).
fn plain(value: &Expr) -> bool {
    !crate::recursive::calls(value, &|f: &ast::Function| {
        let name = f.name.to_string().to_lowercase();
        let set_returning = name == "unnest"
            || name.starts_with("generate_")
            || name.ends_with("_elements")
            || name.ends_with("_elements_text")
            || name.ends_with("object_keys")
            || name == "string_to_table"
            || name == "regexp_split_to_table"
            || name == "regexp_matches";
        f.over.is_some() || set_returning
    })
}

/// `__driftdb_single(x)`: the one value of `x` in its group, NULL for none, and 21000
/// ("more than one row returned by a subquery used as an expression") for a second.
pub(crate) fn single() -> AggregateUDF {
    AggregateUDF::new_from_impl(Single {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Single {
    signature: Signature,
}

fn too_many() -> DataFusionError {
    function_error(
        "more than one row returned by a subquery used as an expression",
        SqlState::CARDINALITY_VIOLATION,
    )
}

impl AggregateUDFImpl for Single {
    fn name(&self) -> &str {
        SINGLE
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types.first().cloned().unwrap_or(DataType::Null))
    }

    /// The value keeps its column's PostgreSQL type (`json` stays `json`).
    fn return_field(
        &self,
        arg_fields: &[datafusion::arrow::datatypes::FieldRef],
    ) -> Result<datafusion::arrow::datatypes::FieldRef> {
        let field = match arg_fields.first() {
            Some(arg) => {
                datafusion::arrow::datatypes::Field::new(self.name(), arg.data_type().clone(), true)
                    .with_metadata(arg.metadata().clone())
            }
            None => datafusion::arrow::datatypes::Field::new(self.name(), DataType::Null, true),
        };
        Ok(std::sync::Arc::new(field))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SingleValue {
            value: ScalarValue::try_from(args.return_field.data_type())?,
            rows: 0,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(
                format_state_name(args.name, "value"),
                args.return_field.data_type().clone(),
                true,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "rows"),
                DataType::Int64,
                true,
            )),
        ])
    }
}

#[derive(Debug)]
struct SingleValue {
    value: ScalarValue,
    rows: i64,
}

impl SingleValue {
    /// Takes in `rows` more rows, of which `array[i]` holds the value if there is one.
    fn take(&mut self, rows: i64, array: &ArrayRef, i: usize) -> Result<()> {
        if rows == 0 {
            return Ok(());
        }
        if self.rows + rows > 1 {
            return Err(too_many());
        }
        self.rows += rows;
        self.value = ScalarValue::try_from_array(array, i)?;
        Ok(())
    }
}

impl Accumulator for SingleValue {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(values) = values.first() else {
            return Ok(());
        };
        match values.len() {
            0 => Ok(()),
            1 => self.take(1, values, 0),
            _ => Err(too_many()),
        }
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [values, rows] = states else {
            return Ok(());
        };
        for i in 0..values.len() {
            let ScalarValue::Int64(Some(n)) = ScalarValue::try_from_array(rows, i)? else {
                continue;
            };
            self.take(n, values, i)?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            self.value.clone(),
            ScalarValue::Int64(Some(self.rows)),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.value.clone())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.value.size() - std::mem::size_of_val(&self.value)
    }
}
