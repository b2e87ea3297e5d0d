//! `array_remove` and `array_replace` as PostgreSQL defines them.
//!
//! DataFusion's functions of these names act on the *first* match only (its
//! `array_remove_all` and `array_replace_all` act on every one), and compare with `=`, so
//! `array_remove(ARRAY[1, 2, 2, 3], 2)` is `{1,2,3}` and `array_remove(a, NULL)` is NULL.
//! PostgreSQL's act on every element that is *not distinct from* the one given:
//! `array_remove(ARRAY[1, 2, 2, 3], 2)` is `{1,3}` and `array_remove(ARRAY[1, NULL], NULL)`
//! is `{1}`. These replace DataFusion's in the session, keeping their names, signatures and
//! return types, with PostgreSQL's reading.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, GenericListArray, OffsetSizeTrait, Scalar,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::kernels::cmp::not_distinct;
use datafusion::arrow::compute::kernels::zip::zip;
use datafusion::arrow::compute::{concat, filter, not};
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature,
};

use datafusion::logical_expr::type_coercion::binary::comparison_coercion;

use crate::SqlState;
use crate::error::function_error;

/// `array_remove(array, element)`, `array_replace(array, from, to)` and
/// `array_length(array, dimension)`.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    use datafusion::functions_nested::{length, remove, replace};
    vec![
        ScalarUDF::new_from_impl(EveryMatch::new(remove::array_remove_udf(), Action::Remove)),
        ScalarUDF::new_from_impl(EveryMatch::new(
            replace::array_replace_udf(),
            Action::Replace,
        )),
        ScalarUDF::new_from_impl(NoLength {
            inner: length::array_length_udf(),
        }),
    ]
}

/// `array_length` as PostgreSQL answers it: an empty array has no dimensions, so its length
/// in any is NULL (DataFusion's says 0; PostgreSQL's never does).
#[derive(Debug, PartialEq, Eq, Hash)]
struct NoLength {
    inner: Arc<ScalarUDF>,
}

impl ScalarUDFImpl for NoLength {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = args.number_rows;
        let lengths = self.inner.invoke_with_args(args)?.into_array(rows)?;
        let zero = ScalarValue::new_zero(lengths.data_type())?.to_scalar()?;
        let empty = datafusion::arrow::compute::kernels::cmp::eq(&lengths, &zero)?;
        let lengths = datafusion::arrow::compute::nullif(&lengths, &empty)?;
        super::columnar(lengths, scalar)
    }
}

/// What is done to each element not distinct from the one given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Action {
    Remove,
    Replace,
}

/// DataFusion's function `inner` (its name and return type), acting on every match. The
/// elements given are coerced to a type in common with the array's, as PostgreSQL resolves
/// `anyarray, anyelement` (`array_remove(ARRAY[1.5, 2], 2)`).
#[derive(Debug, PartialEq, Eq, Hash)]
struct EveryMatch {
    inner: Arc<ScalarUDF>,
    action: Action,
    signature: Signature,
}

impl EveryMatch {
    fn new(inner: Arc<ScalarUDF>, action: Action) -> EveryMatch {
        EveryMatch {
            signature: Signature::user_defined(inner.signature().volatility),
            inner,
            action,
        }
    }
}

impl ScalarUDFImpl for EveryMatch {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let refuse = || super::no_such_function(self.name(), arg_types);
        let (list, operands) = arg_types.split_first().ok_or_else(refuse)?;
        if operands.len() != self.action.operands() {
            return Err(refuse());
        }
        let element = match list {
            // Multidimensional arrays are refused when called, as PostgreSQL refuses them.
            DataType::List(field) | DataType::LargeList(field) if field.data_type().is_nested() => {
                return Ok(arg_types.to_vec());
            }
            DataType::List(field) | DataType::LargeList(field) => field.data_type().clone(),
            // An untyped NULL array: the result is NULL whatever the elements.
            DataType::Null => return Ok(arg_types.to_vec()),
            _ => return Err(refuse()),
        };
        let common = operands
            .iter()
            .try_fold(element, |common, t| comparison_coercion(&common, t))
            .ok_or_else(refuse)?;
        let list = match list {
            DataType::LargeList(field) => DataType::LargeList(Arc::new(
                field.as_ref().clone().with_data_type(common.clone()),
            )),
            DataType::List(field) => DataType::List(Arc::new(
                field.as_ref().clone().with_data_type(common.clone()),
            )),
            _ => unreachable!("matched above"),
        };
        Ok(std::iter::once(list)
            .chain(operands.iter().map(|_| common.clone()))
            .collect())
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (arrays, _, scalar) = super::argument_arrays(&args)?;
        let (list, operands) = match arrays.split_first() {
            Some((list, operands)) if operands.len() == self.action.operands() => (list, operands),
            _ => {
                return Err(DataFusionError::Plan(format!(
                    "{} takes an array and {} more arguments",
                    self.name(),
                    self.action.operands()
                )));
            }
        };
        let result = match list.data_type() {
            DataType::List(_) => every_match(list.as_list::<i32>(), operands, self.action)?,
            DataType::LargeList(_) => every_match(list.as_list::<i64>(), operands, self.action)?,
            // `array_remove(NULL, 1)`: NULL, as DataFusion answers it.
            _ => return self.inner.invoke_with_args(args),
        };
        super::columnar(result, scalar)
    }
}

impl Action {
    /// How many arguments follow the array.
    fn operands(self) -> usize {
        match self {
            Action::Remove => 1,
            Action::Replace => 2,
        }
    }
}

/// Each row's list, with every element not distinct from the row's `operands[0]` removed or
/// replaced by its `operands[1]`. A NULL list stays NULL.
fn every_match<O: OffsetSizeTrait>(
    lists: &GenericListArray<O>,
    operands: &[ArrayRef],
    action: Action,
) -> Result<ArrayRef> {
    let field = match lists.data_type() {
        DataType::List(field) | DataType::LargeList(field) => Arc::clone(field),
        _ => unreachable!("every_match is called with lists"),
    };
    if field.data_type().is_nested() {
        return Err(function_error(
            "removing or replacing elements of multidimensional arrays is not supported",
            SqlState::FEATURE_NOT_SUPPORTED,
        ));
    }
    let mut pieces: Vec<ArrayRef> = Vec::with_capacity(lists.len());
    let mut lengths = Vec::with_capacity(lists.len());
    for row in 0..lists.len() {
        if lists.is_null(row) {
            lengths.push(0);
            continue;
        }
        let values = lists.value(row);
        let target = Scalar::new(operands[0].slice(row, 1));
        let matches: BooleanArray = not_distinct(&values, &target)?;
        let piece = match action {
            Action::Remove => filter(&values, &not(&matches)?)?,
            Action::Replace => zip(&matches, &Scalar::new(operands[1].slice(row, 1)), &values)?,
        };
        lengths.push(piece.len());
        pieces.push(piece);
    }
    let values = if pieces.is_empty() {
        datafusion::arrow::array::new_empty_array(field.data_type())
    } else {
        concat(&pieces.iter().map(|p| p.as_ref()).collect::<Vec<_>>())?
    };
    let nulls = lists.nulls().cloned();
    Ok(Arc::new(GenericListArray::<O>::try_new(
        field,
        OffsetBuffer::from_lengths(lengths),
        values,
        nulls,
    )?))
}
