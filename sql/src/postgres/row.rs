//! `__driftdb_row('a', x, 'b', y, ...)`: a record of named fields, what a whole-row reference
//! (`row_to_json(t)`) is spelled out as (see `crate::wildcard`).
//!
//! It is DataFusion's `named_struct`, except that each field keeps its value's field
//! metadata: a `json` or `jsonb` column (text marked with its PostgreSQL type) stays JSON
//! inside the record, so `row_to_json` writes it as a document, not as a string.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

/// The record function's name.
pub(crate) const ROW: &str = "__driftdb_row";

pub(crate) fn row() -> ScalarUDF {
    ScalarUDF::new_from_impl(Row {
        signature: Signature::variadic_any(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Row {
    signature: Signature,
}

impl ScalarUDFImpl for Row {
    fn name(&self) -> &str {
        ROW
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        plan_err!("{ROW} types its result from its arguments")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if !args.arg_fields.len().is_multiple_of(2) {
            return plan_err!("{ROW} takes names and values in pairs");
        }
        let mut fields = Vec::with_capacity(args.arg_fields.len() / 2);
        for (i, value) in args.arg_fields.iter().enumerate().skip(1).step_by(2) {
            let name = match args.scalar_arguments.get(i - 1).copied().flatten() {
                Some(ScalarValue::Utf8(Some(name))) => name.clone(),
                _ => return plan_err!("{ROW} takes constant field names"),
            };
            fields.push(
                Field::new(name, value.data_type().clone(), true)
                    .with_metadata(value.metadata().clone()),
            );
        }
        Ok(Arc::new(Field::new(
            ROW,
            DataType::Struct(Fields::from(fields)),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let DataType::Struct(fields) = args.return_field.data_type() else {
            return plan_err!("{ROW} returns a record");
        };
        let (arrays, _, scalar) = super::argument_arrays(&args)?;
        let values: Vec<ArrayRef> = arrays.into_iter().skip(1).step_by(2).collect();
        let record = StructArray::try_new(fields.clone(), values, None)?;
        super::columnar(Arc::new(record), scalar)
    }
}
