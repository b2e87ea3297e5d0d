//! `nextval`, `currval`, `setval`, `lastval` and `pg_get_serial_sequence`: functions of a
//! session, over its database's [`super::Allocator`] and the values it took.

use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use sqlparser::ast::{self, Expr, VisitMut};

use super::{SharedTaken, TABLE, name_of};
use crate::Database;
use crate::SqlState;
use driftdb_log::sync::Recover;

/// The names of the functions.
const NAMES: [&str; 5] = [
    "nextval",
    "currval",
    "setval",
    "lastval",
    "pg_get_serial_sequence",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Function {
    Nextval,
    Currval,
    Setval,
    Lastval,
    SerialSequence,
}

/// The functions for a session of `db` that took the values in `taken`; in a read-only
/// transaction (`read_only`), `nextval` and `setval` fail with 25006 as in PostgreSQL.
pub(crate) fn functions(db: &Database, taken: &SharedTaken, read_only: bool) -> Vec<ScalarUDF> {
    [
        Function::Nextval,
        Function::Currval,
        Function::Setval,
        Function::Lastval,
        Function::SerialSequence,
    ]
    .into_iter()
    .map(|function| {
        ScalarUDF::new_from_impl(SequenceFunction {
            function,
            db: db.clone(),
            taken: Arc::clone(taken),
            read_only,
            signature: Signature::user_defined(Volatility::Volatile),
        })
    })
    .collect()
}

/// Readies `statement`'s calls of the sequence functions, and says whether it has any:
/// `nextval('s'::regclass)`, as `SERIAL` defaults and `pg_dump` write it, becomes
/// `nextval('s')` (the name is looked up when the call runs).
pub(crate) fn prepare(statement: &mut ast::Statement) -> bool {
    let mut calls = Calls(false);
    let _ = statement.visit(&mut calls);
    calls.0
}

/// [`prepare`] of one expression (a column's `DEFAULT`).
pub(crate) fn prepare_expr(expr: &mut Expr) {
    let _ = expr.visit(&mut Calls(false));
}

/// Whether a sequence function was called; strips `::regclass` from their names.
struct Calls(bool);

impl sqlparser::ast::VisitorMut for Calls {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let Expr::Function(f) = expr else {
            return ControlFlow::Continue(());
        };
        let Some(name) = f.name.0.last().and_then(|p| p.as_ident()) else {
            return ControlFlow::Continue(());
        };
        let name = name.value.to_lowercase();
        if !NAMES.contains(&name.as_str()) {
            return ControlFlow::Continue(());
        }
        self.0 = true;
        if matches!(name.as_str(), "nextval" | "currval" | "setval")
            && let ast::FunctionArguments::List(list) = &mut f.args
            && let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(first))) =
                list.args.first_mut()
            && let Expr::Cast {
                expr: inner,
                data_type: ast::DataType::Regclass,
                ..
            } = first
        {
            let name = std::mem::replace(inner.as_mut(), Expr::value(ast::Value::Null));
            *first = name;
        }
        ControlFlow::Continue(())
    }
}

struct SequenceFunction {
    function: Function,
    db: Database,
    taken: SharedTaken,
    read_only: bool,
    signature: Signature,
}

impl std::fmt::Debug for SequenceFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SequenceFunction")
            .field("function", &self.function)
            .finish()
    }
}

impl PartialEq for SequenceFunction {
    fn eq(&self, other: &Self) -> bool {
        self.function == other.function
            && self.read_only == other.read_only
            && Arc::ptr_eq(&self.taken, &other.taken)
    }
}

impl Eq for SequenceFunction {}

impl std::hash::Hash for SequenceFunction {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.function.hash(state);
    }
}

fn external(e: crate::Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

impl SequenceFunction {
    fn arity(&self) -> &'static [usize] {
        match self.function {
            Function::Nextval | Function::Currval => &[1],
            Function::Setval => &[2, 3],
            Function::Lastval => &[0],
            Function::SerialSequence => &[2],
        }
    }

    /// The owned sequence of `table`.`column`, qualified by its schema.
    fn serial_sequence(&self, table: &str, column: &str) -> Option<String> {
        let store = self.db.store();
        let seq = store.last()?.0;
        let db = store.read();
        let shared = db.table(TABLE).ok()?;
        let table_name = name_of(table);
        let column = name_of(column);
        super::all_at(&driftdb_projector::database::read(shared), seq)
            .into_iter()
            .find(|s| {
                s.owner
                    .as_ref()
                    .is_some_and(|(t, c)| *t == table_name && *c == column)
            })
            .map(|s| crate::schemas::qualified(&s.name))
    }
}

impl ScalarUDFImpl for SequenceFunction {
    fn name(&self) -> &str {
        match self.function {
            Function::Nextval => "nextval",
            Function::Currval => "currval",
            Function::Setval => "setval",
            Function::Lastval => "lastval",
            Function::SerialSequence => "pg_get_serial_sequence",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if !self.arity().contains(&arg_types.len()) {
            return Err(crate::postgres::no_such_function(self.name(), arg_types));
        }
        Ok(match self.function {
            Function::Setval => {
                let mut types = vec![DataType::Utf8, DataType::Int64];
                if arg_types.len() == 3 {
                    types.push(DataType::Boolean);
                }
                types
            }
            _ => vec![DataType::Utf8; arg_types.len()],
        })
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.function {
            Function::SerialSequence => DataType::Utf8,
            _ => DataType::Int64,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if self.read_only && matches!(self.function, Function::Nextval | Function::Setval) {
            return Err(external(crate::Error::Execution {
                message: format!(
                    "cannot execute {}() in a read-only transaction",
                    self.name()
                ),
                sqlstate: SqlState::READ_ONLY_SQL_TRANSACTION,
            }));
        }
        // A volatile call runs once per row, constant arguments or not.
        let rows = args.number_rows;
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<ArrayRef>>>()?;
        let text = |i: usize| -> Result<ArrayRef> { Ok(cast(&arrays[i], &DataType::Utf8)?) };
        let store = Arc::clone(self.db.store());
        let allocator = self.db.sequences();
        let out: ArrayRef = match self.function {
            Function::Nextval | Function::Currval => {
                let names = text(0)?;
                let names = names.as_string::<i32>();
                let mut values = Vec::with_capacity(rows);
                for row in 0..rows {
                    if names.is_null(row) {
                        values.push(None);
                        continue;
                    }
                    let name = name_of(names.value(row));
                    let value = match self.function {
                        Function::Nextval => {
                            let mut taken = self.taken.lock().recover();
                            let value = match taken.next_pending(&name) {
                                Some(value) => value,
                                None => allocator.next(&store, &name),
                            }
                            .map_err(external)?;
                            taken.record(&name, value);
                            value
                        }
                        _ => self
                            .taken
                            .lock()
                            .recover()
                            .current(&name)
                            .map_err(external)?,
                    };
                    values.push(Some(value));
                }
                Arc::new(Int64Array::from(values))
            }
            Function::Setval => {
                let names = text(0)?;
                let names = names.as_string::<i32>();
                let targets = cast(&arrays[1], &DataType::Int64)?;
                let targets = targets.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
                let called = arrays.get(2).map(|a| a.as_boolean().clone());
                let mut values = Vec::with_capacity(rows);
                for row in 0..rows {
                    if names.is_null(row)
                        || targets.is_null(row)
                        || called.as_ref().is_some_and(|c| c.is_null(row))
                    {
                        values.push(None);
                        continue;
                    }
                    let name = name_of(names.value(row));
                    let is_called = called.as_ref().is_none_or(|c| c.value(row));
                    let mut taken = self.taken.lock().recover();
                    let value = match taken.set_pending(&name, targets.value(row), is_called) {
                        Some(value) => value,
                        None => allocator.set(&store, &name, targets.value(row), is_called),
                    }
                    .map_err(external)?;
                    if is_called {
                        taken.record(&name, value);
                    }
                    values.push(Some(value));
                }
                Arc::new(Int64Array::from(values))
            }
            Function::Lastval => {
                let last = self.taken.lock().recover().last().map_err(external)?;
                Arc::new(Int64Array::from(vec![last; rows]))
            }
            Function::SerialSequence => {
                let (tables, columns) = (text(0)?, text(1)?);
                let (tables, columns) = (tables.as_string::<i32>(), columns.as_string::<i32>());
                Arc::new(
                    (0..rows)
                        .map(|row| {
                            (!tables.is_null(row) && !columns.is_null(row))
                                .then(|| {
                                    self.serial_sequence(tables.value(row), columns.value(row))
                                })
                                .flatten()
                        })
                        .collect::<StringArray>(),
                )
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}
