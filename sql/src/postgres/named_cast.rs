//! Casts that keep expressions' names apart.
//!
//! DataFusion names a cast by what it casts: `sum(x::int8)` is named `sum(t.x)`, as `sum(x)`
//! is. A query holding both (or `GROUP BY x, x::int8`, or two window calls alike) then fails
//! with "duplicate unqualified field name" where PostgreSQL answers (DataFusion issue
//! #18975). When a statement has two such expressions (function calls or `GROUP BY` items
//! whose texts differ only by casts), [`separate`] wraps every cast of the statement in
//! `__driftdb_named(cast, 'type')`, which returns the cast unchanged and shows in the name
//! with the type cast to: the names differ, values and types are the cast's, and an expression written twice (in the
//! select list and in `GROUP BY`) is still one expression. Other statements are left as they
//! are.
//!
//! It runs on the statement as it goes to the planner, after every other rewrite, so none
//! of them meets the wrapper where it looks for a cast.

use std::collections::HashMap;
use std::ops::ControlFlow;

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, internal_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use sqlparser::ast::{self, Expr, GroupByExpr, Query, SetExpr, Statement, Visit, Visitor};

/// The wrapper's name.
const NAMED: &str = "__driftdb_named";

/// The wrapper, for registering in a session.
pub(crate) fn named() -> ScalarUDF {
    ScalarUDF::new_from_impl(Named {
        signature: Signature::any(2, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Named {
    signature: Signature,
}

impl ScalarUDFImpl for Named {
    fn name(&self) -> &str {
        NAMED
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [value, _] => Ok(value.clone()),
            _ => internal_err!("{NAMED} takes two arguments"),
        }
    }

    /// The first argument's field: its type, PostgreSQL type and nullability.
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        match args.arg_fields {
            [value, _] => Ok(value.clone()),
            _ => internal_err!("{NAMED} takes two arguments"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match args.args.into_iter().next() {
            Some(value) => Ok(value),
            None => internal_err!("{NAMED} takes two arguments"),
        }
    }
}

/// Wraps the casts of `statement` that DataFusion would name alike (see the module
/// documentation), if it has two expressions whose names differ only by casts.
pub(crate) fn separate(statement: &mut Statement) {
    let mut names = Names::default();
    let _ = statement.visit(&mut names);
    if names.clash {
        // After its children, so each cast is wrapped once (the wrapper is not visited).
        let _ = ast::visit_expressions_mut(statement, |e| {
            wrap(e);
            ControlFlow::<()>::Continue(())
        });
    }
}

/// The expressions DataFusion names: each function call, and each `GROUP BY` item, by its
/// text without casts (the name DataFusion gives it) and its text.
#[derive(Default)]
struct Names {
    seen: HashMap<String, String>,
    /// Whether two expressions of one name differ.
    clash: bool,
}

impl Names {
    fn note(&mut self, expr: &Expr) {
        use std::collections::hash_map::Entry;
        let text = expr.to_string();
        match self.seen.entry(uncast(expr)) {
            Entry::Occupied(seen) => self.clash |= *seen.get() != text,
            Entry::Vacant(name) => {
                name.insert(text);
            }
        }
    }
}

impl Visitor for Names {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let mut bodies = vec![query.body.as_ref()];
        while let Some(body) = bodies.pop() {
            match body {
                SetExpr::Select(select) => {
                    if let GroupByExpr::Expressions(items, _) = &select.group_by {
                        items.iter().for_each(|item| self.note(item));
                    }
                }
                SetExpr::SetOperation { left, right, .. } => {
                    bodies.push(left);
                    bodies.push(right);
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if matches!(expr, Expr::Function(_)) {
            self.note(expr);
        }
        ControlFlow::Continue(())
    }
}

/// `expr`'s text with every cast left out, as DataFusion names it.
fn uncast(expr: &Expr) -> String {
    let mut bare = expr.clone();
    let _ = ast::visit_expressions_mut(&mut bare, |e| {
        while let Expr::Cast { expr: inner, .. } = e {
            *e = std::mem::replace(inner.as_mut(), Expr::value(ast::Value::Null));
        }
        ControlFlow::<()>::Continue(())
    });
    bare.to_string()
}

/// `expr`, a cast, as the wrapper's argument; anything else as it is.
fn wrap(expr: &mut Expr) {
    if !matches!(expr, Expr::Cast { .. }) {
        return;
    }
    let cast = std::mem::replace(expr, Expr::value(ast::Value::Null));
    let target = match &cast {
        Expr::Cast { data_type, .. } => data_type.to_string(),
        _ => String::new(),
    };
    // The type shows in the name too: `sum(x::int8)` and `sum(x::numeric)` differ.
    let target = Expr::value(ast::Value::SingleQuotedString(target));
    *expr = crate::calls::call_with(NAMED, vec![cast, target]);
}
