//! Conversions between the projector's SQL values and Apache Arrow, the format DataFusion
//! executes on.
//!
//! Every projector [`DataType`] has exactly one Arrow type ([`arrow_type`]), chosen so that
//! Arrow's comparisons and DataFusion's functions give the SQL answer:
//!
//! | SQL | Arrow |
//! |---|---|
//! | `BOOLEAN`, `SMALLINT`, `INTEGER`, `BIGINT`, `REAL`, `DOUBLE PRECISION` | `Boolean`, `Int16`, `Int32`, `Int64`, `Float32`, `Float64` |
//! | `NUMERIC(p, s)` | `Decimal128(min(p, 38), s)`: exact, never a float; a value of more than 38 digits is refused |
//! | `NUMERIC` | `Decimal128(38, s)`, `s` the largest scale the column's values have as read ([`read_schema`]) |
//! | `TEXT`, `VARCHAR(n)`, `CHAR(n)`, `JSON`, `JSONB` | `Utf8` |
//! | `BYTEA` | `Binary` |
//! | `DATE` | `Date32` (days since 1970-01-01, as stored) |
//! | `TIME` | `Time64(Microsecond)` |
//! | `TIMESTAMP` | `Timestamp(Microsecond, None)` |
//! | `TIMESTAMPTZ` | `Timestamp(Microsecond, Some("+00:00"))` |
//! | `INTERVAL` | `Interval(MonthDayNano)` (microseconds times 1000) |
//! | `UUID` | `Utf8`, canonical lower-case hyphenated text |
//! | `INET`, `CIDR` | `Utf8`, PostgreSQL's output form ([`crate::network`]) |
//! | `T[]` | `List` of `T`'s Arrow type, the element field named `item` and nullable, with `T`'s [`PG_TYPE`](crate::pg_types::PG_TYPE) |
//!
//! `UUID` is text rather than `FixedSizeBinary(16)`: PostgreSQL clients receive text either
//! way, `WHERE id = '…'` then compares without a cast DataFusion does not have, and the
//! canonical lower-case form sorts exactly like the 16 bytes, so `ORDER BY` and range
//! predicates keep UUID semantics. Text coming back is parsed, in any case, with or without
//! hyphens.
//!
//! Conversions never panic: a value that does not fit its column's type, an Arrow array of
//! an unexpected type, or a number out of range is a [`ConversionError`].

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, ArrowPrimitiveType, BinaryArray, BinaryBuilder, BooleanArray, BooleanBuilder,
    Date32Array, Decimal128Array, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array,
    IntervalMonthDayNanoArray, ListArray, PrimitiveArray, PrimitiveBuilder, StringArray,
    StringBuilder, Time64MicrosecondArray, TimestampMicrosecondArray,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{
    self as arrow_types, DataType as ArrowType, Field, IntervalMonthDayNano, IntervalUnit, Schema,
    TimeUnit,
};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use driftdb_projector::{Column, DataType, NumericWidth, Row, Table, TableSchema, Value};

use crate::pg_types::{bpchar, char_length_of, pg_type_of, with_pg_type};

/// The time zone of `TIMESTAMPTZ` columns: values are stored in UTC.
pub const UTC: &str = "+00:00";

/// Nanoseconds per microsecond, for intervals.
const NANOS_PER_MICRO: i64 = 1_000;

/// Why a value could not be converted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConversionError {
    /// A value, scalar or array does not have the type its column needs.
    #[error("a {expected} column cannot hold {found}")]
    TypeMismatch {
        /// The SQL type of the column, as `format_type` names it.
        expected: String,
        /// What was found instead.
        found: String,
    },

    /// A value has the right type but cannot be represented on the other side, such as an
    /// interval with a fraction of a microsecond or malformed UUID text.
    #[error("{0}")]
    OutOfRange(String),

    /// A batch does not have one column per expected type.
    #[error("a batch with {found} columns where {expected} were expected")]
    Width {
        /// Number of expected columns.
        expected: usize,
        /// Number of columns found.
        found: usize,
    },

    /// Arrow refused to build an array or batch.
    #[error(transparent)]
    Arrow(#[from] ArrowError),

    /// DataFusion refused to read a scalar out of an array.
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
}

/// The conversion result type.
pub type Result<T, E = ConversionError> = std::result::Result<T, E>;

/// Text as a column of `data_type` stores it, by SQL's rules for character types: a
/// `character(n)` value without its trailing blanks (they are padding, added back when shown
/// and ignored when compared), and a value longer than a `varchar(n)` or `character(n)`
/// whose excess is all blanks cut to the length (a longer one stays, for the column's check
/// to refuse: 22001).
pub fn fit_text(mut text: String, data_type: &DataType) -> String {
    match data_type {
        DataType::Char(_) => {
            text.truncate(text.trim_end_matches(' ').len());
        }
        DataType::Varchar(Some(n)) => {
            let n = *n as usize;
            if let Some((at, _)) = text.char_indices().nth(n)
                && text[at..].chars().all(|c| c == ' ')
            {
                text.truncate(at);
            }
        }
        _ => {}
    }
    text
}

/// The digits a `Decimal128` holds, and so every `numeric` value DriftDB stores.
pub const MAX_DECIMAL_DIGITS: u8 = 38;

/// The Arrow type that holds values of `data_type`; see the module documentation.
pub fn arrow_type(data_type: &DataType) -> ArrowType {
    match data_type {
        DataType::Boolean => ArrowType::Boolean,
        DataType::SmallInt => ArrowType::Int16,
        DataType::Int => ArrowType::Int32,
        DataType::BigInt => ArrowType::Int64,
        DataType::Real => ArrowType::Float32,
        DataType::Double => ArrowType::Float64,
        // Decimal128 holds 38 digits: a column declared wider (`NUMERIC(65,30)`) holds the
        // values that fit in them. The projector keeps the scale within 0..=38, so the i8
        // cannot wrap.
        DataType::Decimal { precision, scale } => ArrowType::Decimal128(
            (*precision).min(MAX_DECIMAL_DIGITS),
            i8::try_from(*scale).unwrap_or(i8::MAX),
        ),
        // The type of a value whose width is not known: how a parameter is described, say.
        // Reads of a table use the width of its values ([`read_schema`]), and arrays of
        // values the width of theirs ([`to_array`]).
        DataType::Numeric => ArrowType::Decimal128(MAX_DECIMAL_DIGITS, 0),
        DataType::Text
        | DataType::Varchar(_)
        | DataType::Char(_)
        | DataType::Json
        | DataType::Jsonb
        | DataType::Uuid
        | DataType::Inet
        | DataType::Cidr => ArrowType::Utf8,
        DataType::Bytea => ArrowType::Binary,
        DataType::Date => ArrowType::Date32,
        DataType::Time => ArrowType::Time64(TimeUnit::Microsecond),
        DataType::Timestamp => ArrowType::Timestamp(TimeUnit::Microsecond, None),
        DataType::TimestampTz => ArrowType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
        DataType::Interval => ArrowType::Interval(IntervalUnit::MonthDayNano),
        DataType::Array(element) => ArrowType::List(Arc::new(element_field(element))),
    }
}

/// The element field of an array column's `List`: DataFusion's name for it (`item`),
/// nullable, and marked with the element's [`PG_TYPE`](crate::pg_types::PG_TYPE) as a
/// column of it would be.
pub fn element_field(element: &DataType) -> Field {
    field(&Column::new(
        Field::LIST_FIELD_DEFAULT_NAME,
        element.clone(),
        true,
    ))
}

/// The column type that holds the values of query output `field`, for a table made from a
/// query (`CREATE TABLE ... AS`): the inverse of [`field`], and for Arrow types no column
/// has, the column type that holds all their values (`NULL`, PostgreSQL's `unknown`, becomes
/// `text`, as there). `None` for a type no column holds (lists, structs).
pub fn column_type(field: &Field) -> Option<DataType> {
    Some(match field.data_type() {
        ArrowType::Boolean => DataType::Boolean,
        ArrowType::Int8 | ArrowType::Int16 | ArrowType::UInt8 => DataType::SmallInt,
        ArrowType::Int32 | ArrowType::UInt16 => DataType::Int,
        ArrowType::Int64 | ArrowType::UInt32 => DataType::BigInt,
        ArrowType::UInt64 => DataType::Decimal {
            precision: 20,
            scale: 0,
        },
        ArrowType::Float16 | ArrowType::Float32 => DataType::Real,
        ArrowType::Float64 => DataType::Double,
        ArrowType::Decimal128(precision, scale) => DataType::Decimal {
            precision: *precision,
            scale: u8::try_from(*scale).ok()?,
        },
        ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View | ArrowType::Null => {
            match pg_type_of(field) {
                Some("json") => DataType::Json,
                Some("jsonb") => DataType::Jsonb,
                Some("uuid") => DataType::Uuid,
                Some("inet") => DataType::Inet,
                Some("cidr") => DataType::Cidr,
                Some("bpchar") => DataType::Char(u32::try_from(char_length_of(field)?).ok()?),
                _ => DataType::Text,
            }
        }
        ArrowType::Binary | ArrowType::LargeBinary | ArrowType::BinaryView => DataType::Bytea,
        ArrowType::Date32 | ArrowType::Date64 => DataType::Date,
        ArrowType::Time32(_) | ArrowType::Time64(_) => DataType::Time,
        ArrowType::Timestamp(_, None) => DataType::Timestamp,
        ArrowType::Timestamp(_, Some(_)) => DataType::TimestampTz,
        ArrowType::Interval(_) => DataType::Interval,
        ArrowType::List(element) | ArrowType::LargeList(element) => match column_type(element)? {
            // Lists of lists are PostgreSQL's multidimensional arrays, which no column holds.
            DataType::Array(_) => return None,
            element => DataType::Array(Box::new(element)),
        },
        _ => return None,
    })
}

/// The Arrow field of a column, with its name, nullability and, for the types that share
/// `Utf8`, the [`PG_TYPE`](crate::pg_types::PG_TYPE) that tells them apart.
pub fn field(column: &Column) -> Field {
    let field = Field::new(
        column.name.clone(),
        arrow_type(&column.data_type),
        column.nullable,
    );
    let name = match column.data_type {
        DataType::Json => "json",
        DataType::Jsonb => "jsonb",
        DataType::Uuid => "uuid",
        DataType::Inet => "inet",
        DataType::Cidr => "cidr",
        DataType::Char(n) => return bpchar(field, n as usize),
        _ => return field,
    };
    with_pg_type(field, name)
}

/// The Arrow schema of a table's columns, in column order.
pub fn schema(table: &TableSchema) -> Schema {
    Schema::new(table.columns().iter().map(field).collect::<Vec<_>>())
}

/// The SQL name of a column type, for error messages: `format_type`'s.
fn sql_name(data_type: &DataType) -> String {
    let typed = crate::pg_types::of_column(data_type);
    crate::pg_types::format_type(typed.oid, Some(typed.modifier)).unwrap_or_default()
}

fn mismatch(data_type: &DataType, found: impl std::fmt::Debug) -> ConversionError {
    ConversionError::TypeMismatch {
        expected: sql_name(data_type),
        found: format!("{found:?}"),
    }
}

/// Canonical text of a UUID: 8-4-4-4-12 lower-case hex digits.
pub fn format_uuid(bytes: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// Parses UUID text: 32 hex digits, either case, optionally hyphenated as 8-4-4-4-12.
pub fn parse_uuid(text: &str) -> Result<[u8; 16]> {
    let bad =
        || ConversionError::OutOfRange(format!("invalid input syntax for type uuid: {text:?}"));
    let hyphenated = text.len() == 36;
    if hyphenated
        && text
            .char_indices()
            .any(|(i, c)| matches!(i, 8 | 13 | 18 | 23) != (c == '-'))
    {
        return Err(bad());
    }
    let digits: Vec<u8> = text
        .bytes()
        .filter(|&b| !(hyphenated && b == b'-'))
        .collect();
    if digits.len() != 32 {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    for (slot, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let hex = |d: u8| char::from(d).to_digit(16).ok_or_else(bad);
        let (hi, lo) = match pair {
            [hi, lo] => (hex(*hi)?, hex(*lo)?),
            _ => return Err(bad()),
        };
        *slot = u8::try_from(hi * 16 + lo).map_err(|_| bad())?;
    }
    Ok(out)
}

/// Builds a primitive array, `extract` returning `None` for a value of the wrong variant.
fn primitive<'a, T: ArrowPrimitiveType>(
    data_type: &DataType,
    values: impl IntoIterator<Item = &'a Value>,
    extract: impl Fn(&Value) -> Option<T::Native>,
) -> Result<PrimitiveArray<T>> {
    let values = values.into_iter();
    let mut builder = PrimitiveBuilder::<T>::with_capacity(values.size_hint().0);
    for value in values {
        if value.is_null() {
            builder.append_null();
        } else {
            builder.append_value(extract(value).ok_or_else(|| mismatch(data_type, value))?);
        }
    }
    Ok(builder.finish())
}

/// Builds a UTF-8 array from text-like values.
fn text<'a>(
    data_type: &DataType,
    values: impl IntoIterator<Item = &'a Value>,
) -> Result<StringArray> {
    let values = values.into_iter();
    let mut builder = StringBuilder::with_capacity(values.size_hint().0, 0);
    for value in values {
        match (data_type, value) {
            (_, Value::Null) => builder.append_null(),
            (DataType::Json | DataType::Jsonb, Value::Json(s))
            | (
                DataType::Text
                | DataType::Varchar(_)
                | DataType::Char(_)
                | DataType::Inet
                | DataType::Cidr,
                Value::Text(s),
            ) => builder.append_value(s),
            (DataType::Uuid, Value::Uuid(u)) => builder.append_value(format_uuid(u)),
            _ => return Err(mismatch(data_type, value)),
        }
    }
    Ok(builder.finish())
}

/// The type `data_type` is read as from a column whose values are `width` wide: an
/// unconstrained `numeric` as `numeric(38, s)` with `s` its largest scale, any other type as
/// itself.
pub fn read_type(data_type: &DataType, width: NumericWidth) -> DataType {
    match data_type {
        DataType::Numeric => DataType::Decimal {
            precision: MAX_DECIMAL_DIGITS,
            scale: width.scale,
        },
        other => other.clone(),
    }
}

/// The schema of `table` as read at `seq`: each unconstrained `numeric` column typed with
/// the width of the values a read at `seq` sees ([`Table::numeric_width`]), so one decimal
/// type shows them all exactly.
pub fn read_schema(table: &Table, seq: u64) -> TableSchema {
    table
        .schema()
        .with_types(|i, column| read_type(&column.data_type, table.numeric_width(i, seq)))
}

/// `schema` with each unconstrained `numeric` column typed to hold the values `rows` have
/// in it, for a batch of just those rows.
pub fn fitted_schema(schema: &TableSchema, rows: &[Row]) -> TableSchema {
    schema.with_types(|i, column| read_type(&column.data_type, width_of(i, rows)))
}

/// The width of the values of `rows` in column `column`.
pub fn width_of<'a>(column: usize, rows: impl IntoIterator<Item = &'a Row>) -> NumericWidth {
    rows.into_iter()
        .filter_map(|row| row.get(column))
        .map(NumericWidth::of)
        .fold(NumericWidth::default(), NumericWidth::max)
}

/// An Arrow array of type [`arrow_type`]`(data_type)` holding `values` (`Value::Null` as
/// null). Fails if a value does not belong to the type, or a decimal has another scale than
/// its column's (a smaller one is scaled up, exactly). Values of an unconstrained `numeric`
/// come out at the largest scale among them.
pub fn to_array<'a>(
    data_type: &DataType,
    values: impl IntoIterator<Item = &'a Value>,
) -> Result<ArrayRef> {
    let dt = data_type;
    Ok(match dt {
        DataType::Numeric => {
            let values: Vec<&Value> = values.into_iter().collect();
            let width = values
                .iter()
                .map(|v| NumericWidth::of(v))
                .fold(NumericWidth::default(), NumericWidth::max);
            return to_array(&read_type(dt, width), values);
        }
        DataType::Boolean => {
            let values = values.into_iter();
            let mut builder = BooleanBuilder::with_capacity(values.size_hint().0);
            for value in values {
                match value {
                    Value::Null => builder.append_null(),
                    Value::Bool(b) => builder.append_value(*b),
                    _ => return Err(mismatch(dt, value)),
                }
            }
            Arc::new(builder.finish())
        }
        DataType::SmallInt => Arc::new(primitive::<arrow_types::Int16Type>(
            dt,
            values,
            |v| match v {
                Value::Int16(x) => Some(*x),
                _ => None,
            },
        )?),
        DataType::Int => Arc::new(primitive::<arrow_types::Int32Type>(
            dt,
            values,
            |v| match v {
                Value::Int32(x) => Some(*x),
                _ => None,
            },
        )?),
        DataType::BigInt => Arc::new(primitive::<arrow_types::Int64Type>(
            dt,
            values,
            |v| match v {
                Value::Int64(x) => Some(*x),
                _ => None,
            },
        )?),
        DataType::Real => Arc::new(primitive::<arrow_types::Float32Type>(
            dt,
            values,
            |v| match v {
                Value::Float32(x) => Some(*x),
                _ => None,
            },
        )?),
        DataType::Double => Arc::new(primitive::<arrow_types::Float64Type>(
            dt,
            values,
            |v| match v {
                Value::Float64(x) => Some(*x),
                _ => None,
            },
        )?),
        DataType::Decimal { precision, scale } => {
            let array = primitive::<arrow_types::Decimal128Type>(dt, values, |v| match v {
                Value::Decimal { mantissa, scale: s } if s <= scale => {
                    mantissa.checked_mul(10i128.checked_pow(u32::from(scale - s))?)
                }
                _ => None,
            })?;
            Arc::new(
                array.with_precision_and_scale(
                    (*precision).min(MAX_DECIMAL_DIGITS),
                    i8::try_from(*scale).map_err(|_| {
                        ConversionError::OutOfRange(format!("numeric scale {scale}"))
                    })?,
                )?,
            )
        }
        DataType::Text
        | DataType::Varchar(_)
        | DataType::Char(_)
        | DataType::Json
        | DataType::Jsonb
        | DataType::Uuid
        | DataType::Inet
        | DataType::Cidr => Arc::new(text(dt, values)?),
        DataType::Bytea => {
            let values = values.into_iter();
            let mut builder = BinaryBuilder::with_capacity(values.size_hint().0, 0);
            for value in values {
                match value {
                    Value::Null => builder.append_null(),
                    Value::Bytes(b) => builder.append_value(b),
                    _ => return Err(mismatch(dt, value)),
                }
            }
            Arc::new(builder.finish())
        }
        DataType::Date => Arc::new(primitive::<arrow_types::Date32Type>(
            dt,
            values,
            |v| match v {
                Value::Date(x) => Some(*x),
                _ => None,
            },
        )?),
        DataType::Time => Arc::new(primitive::<arrow_types::Time64MicrosecondType>(
            dt,
            values,
            |v| match v {
                Value::Time(x) => Some(*x),
                _ => None,
            },
        )?),
        DataType::Timestamp => Arc::new(primitive::<arrow_types::TimestampMicrosecondType>(
            dt,
            values,
            |v| match v {
                Value::Timestamp(x) => Some(*x),
                _ => None,
            },
        )?),
        DataType::TimestampTz => Arc::new(
            primitive::<arrow_types::TimestampMicrosecondType>(dt, values, |v| match v {
                Value::TimestampTz(x) => Some(*x),
                _ => None,
            })?
            .with_timezone(UTC),
        ),
        DataType::Interval => {
            let values = values.into_iter();
            let mut builder =
                PrimitiveBuilder::<arrow_types::IntervalMonthDayNanoType>::with_capacity(
                    values.size_hint().0,
                );
            for value in values {
                match value {
                    Value::Null => builder.append_null(),
                    Value::Interval {
                        months,
                        days,
                        micros,
                    } => {
                        let nanoseconds = micros.checked_mul(NANOS_PER_MICRO).ok_or_else(|| {
                            ConversionError::OutOfRange(format!(
                                "interval of {micros} microseconds does not fit in nanoseconds"
                            ))
                        })?;
                        builder.append_value(IntervalMonthDayNano::new(
                            *months,
                            *days,
                            nanoseconds,
                        ));
                    }
                    _ => return Err(mismatch(dt, value)),
                }
            }
            Arc::new(builder.finish())
        }
        DataType::Array(element) => Arc::new(list(dt, element, values)?),
    })
}

/// Builds the `List` array of an array column from [`Value::Array`]s.
fn list<'a>(
    data_type: &DataType,
    element: &DataType,
    values: impl IntoIterator<Item = &'a Value>,
) -> Result<ListArray> {
    let mut offsets = vec![0_i32];
    let mut nulls = Vec::new();
    let mut elements: Vec<&Value> = Vec::new();
    for value in values {
        match value {
            Value::Null => nulls.push(false),
            Value::Array(items) => {
                elements.extend(items);
                nulls.push(true);
            }
            _ => return Err(mismatch(data_type, value)),
        }
        let end = i32::try_from(elements.len()).map_err(|_| {
            ConversionError::OutOfRange("more than 2^31 array elements in one batch".into())
        })?;
        offsets.push(end);
    }
    let items = to_array(element, elements)?;
    Ok(ListArray::try_new(
        Arc::new(element_field(element)),
        OffsetBuffer::new(offsets.into()),
        items,
        Some(NullBuffer::from(nulls)),
    )?)
}

/// Downcasts `array` to `A`, or says which SQL type wanted what.
fn downcast<'a, A: 'static>(array: &'a dyn Array, data_type: &DataType) -> Result<&'a A> {
    array
        .as_any()
        .downcast_ref::<A>()
        .ok_or_else(|| mismatch(data_type, array.data_type()))
}

/// The value at `index` of `array`, read as a value of `data_type`. `array` must have type
/// [`arrow_type`]`(data_type)`; `index` must be in bounds.
pub fn value_at(array: &dyn Array, index: usize, data_type: &DataType) -> Result<Value> {
    if index >= array.len() {
        return Err(ConversionError::OutOfRange(format!(
            "row {index} of an array of {} rows",
            array.len()
        )));
    }
    if array.is_null(index) {
        return Ok(Value::Null);
    }
    let dt = data_type;
    Ok(match dt {
        DataType::Boolean => Value::Bool(downcast::<BooleanArray>(array, dt)?.value(index)),
        DataType::SmallInt => Value::Int16(downcast::<Int16Array>(array, dt)?.value(index)),
        DataType::Int => Value::Int32(downcast::<Int32Array>(array, dt)?.value(index)),
        DataType::BigInt => Value::Int64(downcast::<Int64Array>(array, dt)?.value(index)),
        DataType::Real => Value::Float32(downcast::<Float32Array>(array, dt)?.value(index)),
        DataType::Double => Value::Float64(downcast::<Float64Array>(array, dt)?.value(index)),
        DataType::Decimal { scale, .. } => {
            let decimals = downcast::<Decimal128Array>(array, dt)?;
            if i16::from(decimals.scale()) != i16::from(*scale) {
                return Err(mismatch(dt, array.data_type()));
            }
            Value::Decimal {
                mantissa: decimals.value(index),
                scale: *scale,
            }
        }
        // Any scale: the value keeps its array's.
        DataType::Numeric => {
            let decimals = downcast::<Decimal128Array>(array, dt)?;
            Value::Decimal {
                mantissa: decimals.value(index),
                scale: u8::try_from(decimals.scale())
                    .map_err(|_| mismatch(dt, array.data_type()))?,
            }
        }
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) => Value::Text(fit_text(
            downcast::<StringArray>(array, dt)?.value(index).to_owned(),
            dt,
        )),
        DataType::Json | DataType::Jsonb => {
            Value::Json(downcast::<StringArray>(array, dt)?.value(index).to_owned())
        }
        DataType::Uuid => Value::Uuid(parse_uuid(
            downcast::<StringArray>(array, dt)?.value(index),
        )?),
        // Checked, and kept in PostgreSQL's output form, one text per value.
        DataType::Inet | DataType::Cidr => {
            let kind = if *dt == DataType::Inet {
                crate::network::Kind::Inet
            } else {
                crate::network::Kind::Cidr
            };
            let text = downcast::<StringArray>(array, dt)?.value(index);
            let address = crate::network::Address::parse(text, kind)
                .map_err(|e| ConversionError::OutOfRange(e.message))?;
            Value::Text(address.text(kind))
        }
        DataType::Bytea => Value::Bytes(downcast::<BinaryArray>(array, dt)?.value(index).to_vec()),
        DataType::Date => Value::Date(downcast::<Date32Array>(array, dt)?.value(index)),
        DataType::Time => Value::Time(downcast::<Time64MicrosecondArray>(array, dt)?.value(index)),
        DataType::Timestamp | DataType::TimestampTz => {
            let stamps = downcast::<TimestampMicrosecondArray>(array, dt)?;
            let has_zone = matches!(stamps.data_type(), ArrowType::Timestamp(_, Some(_)));
            if has_zone != (*dt == DataType::TimestampTz) {
                return Err(mismatch(dt, array.data_type()));
            }
            let micros = stamps.value(index);
            if has_zone {
                Value::TimestampTz(micros)
            } else {
                Value::Timestamp(micros)
            }
        }
        DataType::Interval => {
            let interval = downcast::<IntervalMonthDayNanoArray>(array, dt)?.value(index);
            if interval.nanoseconds % NANOS_PER_MICRO != 0 {
                return Err(ConversionError::OutOfRange(format!(
                    "interval with {} nanoseconds: DriftDB keeps whole microseconds",
                    interval.nanoseconds
                )));
            }
            Value::Interval {
                months: interval.months,
                days: interval.days,
                micros: interval.nanoseconds / NANOS_PER_MICRO,
            }
        }
        DataType::Array(element) => {
            let items = downcast::<ListArray>(array, dt)?.value(index);
            Value::Array(
                (0..items.len())
                    .map(|i| value_at(items.as_ref(), i, element))
                    .collect::<Result<_>>()?,
            )
        }
    })
}

/// A record batch of `rows` with the given schema, one type per schema field.
pub fn rows_to_batch(schema: Arc<Schema>, types: &[DataType], rows: &[Row]) -> Result<RecordBatch> {
    if types.len() != schema.fields().len() {
        return Err(ConversionError::Width {
            expected: schema.fields().len(),
            found: types.len(),
        });
    }
    let columns = types
        .iter()
        .enumerate()
        .map(|(c, dt)| to_array(dt, rows.iter().map(|r| r.get(c).unwrap_or(&Value::Null))))
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// The rows of `batch`, whose columns hold values of `types` in order.
pub fn batch_to_rows(batch: &RecordBatch, types: &[DataType]) -> Result<Vec<Row>> {
    if types.len() != batch.num_columns() {
        return Err(ConversionError::Width {
            expected: types.len(),
            found: batch.num_columns(),
        });
    }
    (0..batch.num_rows())
        .map(|r| {
            batch
                .columns()
                .iter()
                .zip(types)
                .map(|(array, dt)| value_at(array.as_ref(), r, dt))
                .collect()
        })
        .collect()
}

/// `value` as a DataFusion scalar of type [`arrow_type`]`(data_type)`.
pub fn to_scalar(value: &Value, data_type: &DataType) -> Result<ScalarValue> {
    let array = to_array(data_type, [value])?;
    Ok(ScalarValue::try_from_array(&array, 0)?)
}

/// A DataFusion scalar as a value of `data_type`. The scalar must have type
/// [`arrow_type`]`(data_type)`; cast it first otherwise.
pub fn from_scalar(scalar: &ScalarValue, data_type: &DataType) -> Result<Value> {
    // (A list scalar may have lost its element field's metadata.)
    let numeric =
        *data_type == DataType::Numeric && matches!(scalar.data_type(), ArrowType::Decimal128(..));
    if !numeric && !scalar.data_type().equals_datatype(&arrow_type(data_type)) {
        return Err(mismatch(data_type, scalar.data_type()));
    }
    let array = scalar.to_array_of_size(1)?;
    value_at(array.as_ref(), 0, data_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_text_round_trips_and_rejects_garbage() -> Result<()> {
        let bytes = [
            0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38,
            0x0a, 0x11,
        ];
        let text = format_uuid(&bytes);
        assert_eq!(text, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assert_eq!(parse_uuid(&text)?, bytes);
        assert_eq!(parse_uuid("A0EEBC999C0B4EF8BB6D6BB9BD380A11")?, bytes);
        for bad in [
            "",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
            "a0eebc99x9c0b-4ef8-bb6d-6bb9bd380a11",
            "g0eebc999c0b4ef8bb6d6bb9bd380a11",
        ] {
            assert!(parse_uuid(bad).is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn mismatched_values_are_errors_not_panics() {
        assert!(to_array(&DataType::Int, [&Value::Int64(1)]).is_err());
        let numeric = DataType::Decimal {
            precision: 5,
            scale: 2,
        };
        // A smaller scale is scaled up exactly; a larger one would lose digits.
        let tenth = Value::Decimal {
            mantissa: 1,
            scale: 1,
        };
        assert!(to_array(&numeric, [&tenth]).is_ok_and(|a| a.data_type() == &arrow_type(&numeric)));
        let thousandth = Value::Decimal {
            mantissa: 1,
            scale: 3,
        };
        assert!(to_array(&numeric, [&thousandth]).is_err());
        assert!(from_scalar(&ScalarValue::Int64(Some(1)), &DataType::Int).is_err());
        let tz = ScalarValue::TimestampMicrosecond(Some(1), Some(UTC.into()));
        assert!(from_scalar(&tz, &DataType::Timestamp).is_err());
        let fraction = ScalarValue::IntervalMonthDayNano(Some(IntervalMonthDayNano::new(0, 0, 1)));
        assert!(from_scalar(&fraction, &DataType::Interval).is_err());
    }
}
