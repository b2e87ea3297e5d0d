//! `array_fill(value, dimensions [, lower_bounds])`: an array of `value` with the given
//! dimensions (`array_fill(0, ARRAY[2, 3])` is `{{0,0,0},{0,0,0}}`).
//!
//! DriftDB's arrays are nested lists, one level per dimension, so the result's type depends
//! on how many dimensions there are: the front end writes `array_fill(v, ARRAY[a, b])` as
//! `__driftdb_array_fill(v, ARRAY[a, b], 2)`, counting the elements of the `ARRAY[...]`
//! (dimensions given any other way are refused, 0A000). Lower bounds other than 1
//! (PostgreSQL's `[2:4]={7,7,7}`) are refused too: DriftDB's arrays start at 1.

use crate::SqlState;
use crate::error::function_error;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray, UInt32Array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::{cast, take};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

/// What the front end makes of `array_fill`.
pub(crate) const ARRAY_FILL: &str = "__driftdb_array_fill";

/// PostgreSQL's largest array (`MaxArraySize`).
const MAX_ELEMENTS: i64 = 134_217_727;

pub(crate) fn array_fill() -> ScalarUDF {
    ScalarUDF::new_from_impl(ArrayFill {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ArrayFill {
    signature: Signature,
}

/// The dimension count the front end passed.
fn dimensions(value: Option<&ScalarValue>) -> Result<usize> {
    match value.and_then(super::integer_literals::integer_value) {
        Some(n @ 1..=6) => Ok(n as usize),
        _ => plan_err!("{ARRAY_FILL} takes a dimension count from 1 to 6"),
    }
}

/// `element` in `depth` levels of lists.
fn nested(element: &DataType, depth: usize) -> DataType {
    (0..depth).fold(element.clone(), |t, _| {
        DataType::List(Arc::new(Field::new_list_field(t, true)))
    })
}

/// A row's dimensions, checked as PostgreSQL checks them; `None`: the array is empty.
fn row_dimensions(dims: Option<Vec<Option<i64>>>, expected: usize) -> Result<Option<Vec<usize>>> {
    let Some(dims) = dims else {
        return Err(function_error(
            "dimension array or low bound array cannot be null",
            SqlState::NULL_VALUE_NOT_ALLOWED,
        ));
    };
    let dims = dims
        .into_iter()
        .map(|d| {
            d.ok_or_else(|| {
                function_error(
                    "dimension values cannot be null",
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                )
            })
        })
        .collect::<Result<Vec<i64>>>()?;
    if dims.len() != expected {
        return Err(function_error(
            "wrong number of array dimensions",
            SqlState::ARRAY_SUBSCRIPT_ERROR,
        ));
    }
    let too_large = || {
        function_error(
            format!("array size exceeds the maximum allowed ({MAX_ELEMENTS})"),
            SqlState::PROGRAM_LIMIT_EXCEEDED,
        )
    };
    let mut total: i64 = 1;
    for &d in &dims {
        if d < 0 {
            return Err(too_large());
        }
        total = total.saturating_mul(d);
    }
    if total > MAX_ELEMENTS {
        return Err(too_large());
    }
    if total == 0 {
        return Ok(None);
    }
    Ok(Some(
        dims.into_iter()
            .map(|d| usize::try_from(d).unwrap_or(0))
            .collect(),
    ))
}

impl ScalarUDFImpl for ArrayFill {
    fn name(&self) -> &str {
        ARRAY_FILL
    }

    fn display_name(&self, args: &[datafusion::logical_expr::Expr]) -> Result<String> {
        match args {
            [value, dims, ..] => Ok(format!("array_fill({value}, {dims})")),
            _ => Ok("array_fill".to_string()),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let int_list = DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)));
        match arg_types {
            [value, _, count] => Ok(vec![value.clone(), int_list, count.clone()]),
            [value, _, _, count] => Ok(vec![
                value.clone(),
                int_list.clone(),
                int_list,
                count.clone(),
            ]),
            _ => Err(super::no_such_function("array_fill", arg_types)),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        plan_err!("{ARRAY_FILL} types its result from its arguments")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let (Some(value), Some(count)) = (args.arg_fields.first(), args.scalar_arguments.last())
        else {
            return plan_err!("{ARRAY_FILL} takes a value, dimensions and their count");
        };
        let element = match value.data_type() {
            DataType::Null => DataType::Utf8,
            t => t.clone(),
        };
        let depth = dimensions(*count)?;
        Ok(Arc::new(Field::new(
            "array_fill",
            nested(&element, depth),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let depth = match args.args.last() {
            Some(ColumnarValue::Scalar(n)) => dimensions(Some(n))?,
            _ => return plan_err!("{ARRAY_FILL} takes a constant dimension count"),
        };
        let (arrays, rows, scalar) = super::argument_arrays(&args)?;
        let (values, dims) = (&arrays[0], arrays[1].as_list::<i32>());
        let element = match args.return_field.data_type() {
            DataType::List(_) => {
                let mut t = args.return_field.data_type().clone();
                while let DataType::List(inner) = t {
                    t = inner.data_type().clone();
                }
                t
            }
            other => return plan_err!("{ARRAY_FILL} returns a list, not {other}"),
        };
        let values = match values.data_type() {
            DataType::Null => cast(values, &element)?,
            _ => Arc::clone(values),
        };
        if arrays.len() == 4 {
            let bounds = arrays[2].as_list::<i32>();
            for row in 0..rows {
                if bounds.is_null(row) {
                    return Err(function_error(
                        "dimension array or low bound array cannot be null",
                        SqlState::NULL_VALUE_NOT_ALLOWED,
                    ));
                }
                let bounds = bounds.value(row);
                if bounds
                    .as_primitive::<Int64Type>()
                    .iter()
                    .any(|b| b != Some(1))
                {
                    return Err(function_error(
                        "array_fill with lower bounds other than 1 is not supported: DriftDB's arrays start at 1",
                        SqlState::FEATURE_NOT_SUPPORTED,
                    ));
                }
            }
        }
        // Each row's shape; the elements are its value repeated.
        let mut shapes: Vec<Option<Vec<usize>>> = Vec::with_capacity(rows);
        let mut indices: Vec<u32> = Vec::new();
        for row in 0..rows {
            let row_dims = (!dims.is_null(row)).then(|| {
                dims.value(row)
                    .as_primitive::<Int64Type>()
                    .iter()
                    .collect::<Vec<_>>()
            });
            let shape = row_dimensions(row_dims, depth)?;
            if let Some(shape) = &shape {
                let count: usize = shape.iter().product();
                let index = u32::try_from(row).map_err(|_| {
                    function_error("too many rows", SqlState::PROGRAM_LIMIT_EXCEEDED)
                })?;
                indices.extend(std::iter::repeat_n(index, count));
            }
            shapes.push(shape);
        }
        let mut level: ArrayRef = take(&values, &UInt32Array::from(indices), None)?;
        let mut level_type = element;
        // From the innermost dimension out: lists of that dimension's length.
        for d in (0..depth).rev() {
            let mut lengths: Vec<usize> = Vec::new();
            for shape in &shapes {
                match shape {
                    Some(shape) => {
                        let lists: usize = shape[..d].iter().product();
                        lengths.extend(std::iter::repeat_n(shape[d], lists));
                    }
                    // An empty array: one empty outer list.
                    None if d == 0 => lengths.push(0),
                    None => {}
                }
            }
            let field = Arc::new(Field::new_list_field(level_type.clone(), true));
            let list = ListArray::try_new(
                Arc::clone(&field),
                OffsetBuffer::from_lengths(lengths),
                level,
                None,
            )?;
            level_type = DataType::List(field);
            level = Arc::new(list);
        }
        super::columnar(level, scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_are_checked_as_postgresql_checks_them() {
        assert_eq!(
            row_dimensions(Some(vec![Some(2), Some(3)]), 2).ok(),
            Some(Some(vec![2, 3]))
        );
        assert_eq!(
            row_dimensions(Some(vec![Some(2), Some(0)]), 2).ok(),
            Some(None)
        );
        assert!(row_dimensions(Some(vec![Some(-1)]), 1).is_err());
        assert!(row_dimensions(Some(vec![None]), 1).is_err());
        assert!(row_dimensions(None, 1).is_err());
        assert!(row_dimensions(Some(vec![Some(100_000), Some(100_000)]), 2).is_err());
    }
}
