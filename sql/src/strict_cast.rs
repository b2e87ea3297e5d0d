//! The strict casts of values into a column's type: what `INSERT`, `UPDATE`, `COPY`,
//! `CREATE TABLE AS` and projections store goes through [`rows_of`]. A value that does not
//! convert is an error (22P02 and its kin), never a silent NULL, and text is read as
//! PostgreSQL reads it for the column's type (arrays, `bytea`, JSON, intervals, floats).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, ListArray, StringArray};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use driftdb_projector::{DataType, Row};

use crate::SqlState;
use crate::error::{Error, Result};

/// The rows of `batch`, each column cast strictly to its type in `types`: a value that does
/// not convert is an error (22P02), never a silent NULL.
pub(crate) fn rows_of(batch: &RecordBatch, types: &[DataType]) -> Result<Vec<Row>> {
    let batch = cast_batch(batch, types)?;
    crate::arrow::batch_to_rows(&batch, types).map_err(|e| Error::InvalidValue {
        message: e.to_string(),
    })
}

/// Casts each column of `batch` strictly to the Arrow type of `types`.
fn cast_batch(batch: &RecordBatch, types: &[DataType]) -> Result<RecordBatch> {
    let columns = batch
        .columns()
        .iter()
        .zip(types)
        .map(|(array, t)| cast_column(array, t))
        .collect::<Result<Vec<_>>>()?;
    let fields: Vec<_> = columns
        .iter()
        .enumerate()
        .map(|(i, a)| Field::new(format!("c{i}"), a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| Error::InvalidValue {
        message: e.to_string(),
    })
}

/// `array` cast strictly to the Arrow type of a column of type `t`, reading text as
/// PostgreSQL reads it for that type.
fn cast_column(array: &ArrayRef, t: &DataType) -> Result<ArrayRef> {
    let strict = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    if let DataType::Array(element) = t {
        return array_column(array, element);
    }
    if let Some(bytes) = bytea_from_text(array, t)? {
        return Ok(bytes);
    }
    if matches!(t, DataType::Json | DataType::Jsonb) {
        return json_column(array, *t == DataType::Jsonb);
    }
    if *t == DataType::Numeric {
        return crate::postgres::numeric_column(array).map_err(crate::error::execution);
    }
    if matches!(t, DataType::Real | DataType::Double)
        && matches!(
            array.data_type(),
            ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View
        )
    {
        return crate::postgres::float_in::read(array, &crate::arrow::arrow_type(t))
            .map_err(crate::error::execution);
    }
    // Input PostgreSQL reads and Arrow's parsers do not: an interval's clock part,
    // a timestamp without seconds.
    let normal: Option<crate::interval::Normalizer> = match t {
        DataType::Interval => Some(crate::interval::normalize),
        DataType::Timestamp | DataType::TimestampTz => Some(crate::interval::complete_timestamp),
        _ => None,
    };
    if let Some(normal) = normal
        && let Some(normalized) = crate::interval::normalize_array(array, normal)
    {
        return cast_with_options(&normalized, &crate::arrow::arrow_type(t), &strict)
            .map_err(|e| crate::error::arrow_error(&e));
    }
    let target = crate::arrow::arrow_type(t);
    // numeric and floats into integer columns round, as in PostgreSQL.
    let array = if target.is_integer() {
        crate::postgres::round_for_integer(array).map_err(crate::error::execution)?
    } else {
        Arc::clone(array)
    };
    cast_with_options(&array, &target, &strict).map_err(|e| crate::error::arrow_error(&e))
}

/// Values for an array column of `element`s: text is read as PostgreSQL's array literal
/// (`'{1,2}'`), and a list's elements are cast as a column of `element` casts its values,
/// so `'{"\\x00"}'` into `bytea[]` or `ARRAY['1 day 2:00']` into `interval[]` read as they
/// would alone.
fn array_column(array: &ArrayRef, element: &DataType) -> Result<ArrayRef> {
    let list = if array.data_type().is_null() {
        let texts = ArrowType::new_list(ArrowType::Utf8, true);
        datafusion::arrow::array::new_null_array(&texts, array.len())
    } else if array.as_any().downcast_ref::<StringArray>().is_some() {
        crate::postgres::read_array_literals(array)?
    } else {
        let strict = CastOptions {
            safe: false,
            ..CastOptions::default()
        };
        let target = match array.data_type() {
            ArrowType::List(field)
            | ArrowType::LargeList(field)
            | ArrowType::FixedSizeList(field, _) => ArrowType::List(Arc::clone(field)),
            other => {
                return Err(Error::Execution {
                    message: format!("a value of type {other} is not an array"),
                    sqlstate: SqlState::DATATYPE_MISMATCH,
                });
            }
        };
        cast_with_options(array, &target, &strict).map_err(|e| crate::error::arrow_error(&e))?
    };
    let Some(list) = list.as_any().downcast_ref::<ListArray>() else {
        return Err(Error::Internal {
            message: "an array literal did not read as a list".into(),
        });
    };
    if matches!(
        list.values().data_type(),
        ArrowType::List(_) | ArrowType::LargeList(_) | ArrowType::FixedSizeList(..)
    ) {
        return Err(Error::Execution {
            message: "multidimensional arrays are not supported in columns: DriftDB's array columns have one dimension".into(),
            sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
        });
    }
    let values = cast_column(list.values(), element)?;
    let array = ListArray::try_new(
        Arc::new(crate::arrow::element_field(element)),
        list.offsets().clone(),
        values,
        list.nulls().cloned(),
    )
    .map_err(|e| crate::error::arrow_error(&e))?;
    Ok(Arc::new(array))
}

/// Text into a `bytea` column reads PostgreSQL's hex (`'\\x0102ff'`) and escape formats,
/// as a cast of text to `bytea` does.
fn bytea_from_text(array: &ArrayRef, t: &DataType) -> Result<Option<ArrayRef>> {
    if *t != DataType::Bytea || array.as_any().downcast_ref::<StringArray>().is_none() {
        return Ok(None);
    }
    crate::postgres::bytea_in::read(array).map(Some)
}

/// Text bound for a `json` column, checked (22P02 if it is not JSON, as PostgreSQL), or for
/// a `jsonb` column, in its normal form.
fn json_column(array: &ArrayRef, jsonb: bool) -> Result<ArrayRef> {
    let strict = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    let text = cast_with_options(array, &ArrowType::Utf8, &strict)
        .map_err(|e| crate::error::arrow_error(&e))?;
    let Some(strings) = text.as_any().downcast_ref::<StringArray>() else {
        return Ok(text);
    };
    if !jsonb {
        for value in strings.iter().flatten() {
            crate::json::check_json(value)?;
        }
        return Ok(text);
    }
    let normal = strings
        .iter()
        .map(|v| v.map(crate::json::normalize_jsonb).transpose())
        .collect::<Result<StringArray>>()?;
    Ok(Arc::new(normal))
}
