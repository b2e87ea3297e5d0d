//! The conversions of other crates' errors into SQL errors, each in one place: the log's
//! ([`storage`]), the projector's ([`projector_error`], with a foreign key's violation in
//! PostgreSQL's words and its key as `DETAIL` prints it, [`key_text`]), DataFusion's
//! ([`execution`]) and Arrow's ([`arrow_error`]).

use datafusion::error::DataFusionError;
use driftdb_projector::Value;
use driftdb_projector::constraints::{ForeignKeyError, Violation};

use super::{Cause, Error, SqlState};

/// A statement DriftDB recognises and does not support (0A000).
pub(crate) fn unsupported(message: &str) -> Error {
    Error::Unsupported {
        message: message.to_string(),
        position: None,
    }
}

/// The log's errors, with the SQLSTATE of their cause: an I/O failure 58030 (the log fences
/// itself; retryable), corruption XX001, a closed or fenced log 57P03 (retryable).
pub(crate) fn storage(e: driftdb_log::Error) -> Error {
    use driftdb_log::ErrorKind as K;
    let sqlstate = match e.kind() {
        K::Io => SqlState::IO_ERROR,
        K::Corruption => SqlState::DATA_CORRUPTED,
        K::Unavailable => SqlState::CANNOT_CONNECT_NOW,
        K::ResourceExhausted => SqlState::PROGRAM_LIMIT_EXCEEDED,
        K::InvalidInput | K::NotFound | K::AlreadyExists | K::Conflict => SqlState::INTERNAL_ERROR,
    };
    Error::Storage {
        sqlstate,
        source: Cause::new(e),
    }
}

/// One mapping from the projector's errors to SQL errors.
pub(crate) fn projector_error(e: driftdb_projector::Error) -> Error {
    use driftdb_projector::Error as P;
    match e {
        P::UniqueViolation { constraint } => Error::UniqueViolation { constraint },
        P::NotNullViolation { column } => Error::NotNullViolation { column },
        P::ForeignKeyViolation(violation) => foreign_key_violation(&violation),
        P::Conflict { table } => Error::SerializationFailure {
            message: format!("concurrent update of {table:?}"),
        },
        P::NotFound {
            what: "table",
            name,
        } => Error::UndefinedTable { name },
        P::NotFound { what, name } => Error::Execution {
            message: format!("{what} \"{name}\" does not exist"),
            sqlstate: SqlState::UNDEFINED_OBJECT,
        },
        P::PointOutOfRange(message) => Error::PointOutOfRange { message },
        P::BeforeHorizon { .. } => Error::PointOutOfRange {
            message: e.to_string(),
        },
        P::InvalidInput(message) => Error::InvalidValue { message },
        P::Log(driftdb_log::Error::RecordTooLarge { size, max }) => Error::Execution {
            message: format!(
                "the transaction encodes to {size} bytes; one transaction may write at most {max}: split it"
            ),
            sqlstate: SqlState::PROGRAM_LIMIT_EXCEEDED,
        },
        P::ValueTooLong { .. } => Error::Execution {
            message: e.to_string(),
            sqlstate: SqlState::STRING_DATA_RIGHT_TRUNCATION,
        },
        P::NumericOverflow { .. } => Error::Execution {
            message: e.to_string(),
            sqlstate: SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        },
        P::Log(log) => storage(log),
        P::Io { .. } => Error::Storage {
            sqlstate: SqlState::IO_ERROR,
            source: Cause::new(e),
        },
        P::Corruption { .. } => Error::Storage {
            sqlstate: SqlState::DATA_CORRUPTED,
            source: Cause::new(e),
        },
        P::Internal(message) => Error::Internal { message },
        other => Error::Storage {
            sqlstate: SqlState::INTERNAL_ERROR,
            source: Cause::new(other),
        },
    }
}

/// DataFusion errors, with the projector's and the store's (wrapped as `External`) mapped
/// through [`projector_error`].
pub(crate) fn execution(e: DataFusionError) -> Error {
    if let DataFusionError::ResourcesExhausted(detail) = e.find_root() {
        // PostgreSQL's words for the same failure; DataFusion's say what asked for how much.
        return Error::Execution {
            message: format!("out of memory: {detail}"),
            sqlstate: SqlState::OUT_OF_MEMORY,
        };
    }
    // One of ours, passed on by another operator (as `unnest` passes its input's).
    if let DataFusionError::External(inner) = e.find_root()
        && let Some(error) = inner.downcast_ref::<Error>()
    {
        return error.clone();
    }
    match e {
        DataFusionError::External(inner) => match inner.downcast::<driftdb_projector::Error>() {
            Ok(p) => projector_error(*p),
            Err(other) => match other.downcast::<Error>() {
                Ok(e) => *e,
                Err(other) => Error::Internal {
                    message: other.to_string(),
                },
            },
        },
        DataFusionError::ArrowError(inner, _) => arrow_error(&inner),
        DataFusionError::SchemaError(inner, _) => Error::Execution {
            message: inner.to_string(),
            // An ambiguous column is 42702, as in PostgreSQL; a missing one 42703.
            sqlstate: match inner.as_ref() {
                datafusion::common::SchemaError::AmbiguousReference { .. } => {
                    SqlState::AMBIGUOUS_COLUMN
                }
                _ => SqlState::UNDEFINED_COLUMN,
            },
        },
        // A function that does not exist, or not for these argument types (DataFusion's
        // texts; the functions DriftDB adds raise 42883 themselves).
        DataFusionError::Plan(message)
            if message.starts_with("Invalid function")
                || message.starts_with("table function '")
                || message.contains("No function matches the given name and argument types") =>
        {
            Error::Execution {
                message,
                sqlstate: SqlState::UNDEFINED_FUNCTION,
            }
        }
        // DataFusion's words for PostgreSQL's rule (`rewrite` has already turned the
        // expressions that are in the list into their positions).
        DataFusionError::Plan(message)
            if message.starts_with("For SELECT DISTINCT, ORDER BY expressions") =>
        {
            Error::Execution {
                message: "for SELECT DISTINCT, ORDER BY expressions must appear in select list"
                    .to_string(),
                sqlstate: SqlState::INVALID_COLUMN_REFERENCE,
            }
        }
        DataFusionError::Plan(message) => match missing_table(&message) {
            Some(name) => Error::UndefinedTable { name },
            None => undefined_operator(&message).unwrap_or(Error::Execution {
                message,
                sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
            }),
        },
        DataFusionError::NotImplemented(message) => Error::Execution {
            message,
            sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
        },
        DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => {
            execution(*inner)
        }
        // Several errors of one statement (two unknown columns): the first, as PostgreSQL
        // reports only the first.
        DataFusionError::Collection(errors) => match errors.into_iter().next() {
            Some(first) => execution(first),
            None => Error::Internal {
                message: "internal error: an empty collection of errors".to_string(),
            },
        },
        other => Error::Internal {
            message: other.to_string(),
        },
    }
}

/// The relation DataFusion found no table for, as PostgreSQL names it: the stored name
/// (`t`, `s.t`) in DriftDB's tables, `information_schema.t` in a system schema.
///
/// DataFusion reports a missing table only as the text `table 'catalog.schema.name' not
/// found`, after its relation planners and table functions had their chance at the name
/// (so a schema provider cannot raise a typed error instead: the name may yet be a table
/// function or a time-travel reference); `slt` records pin the text.
fn missing_table(message: &str) -> Option<String> {
    let reference = message
        .strip_prefix("table '")?
        .strip_suffix("' not found")?;
    let mut parts = reference.splitn(3, '.');
    let (_catalog, schema, name) = (parts.next()?, parts.next()?, parts.next()?);
    Some(match schema {
        "public" => name.to_string(),
        system => format!("{system}.{name}"),
    })
}

/// An operator whose operand types DataFusion's coercion found no operator for, as
/// PostgreSQL reports it: `operator does not exist: bigint + text` (42883, where it was
/// 0A000). DataFusion says this only as text (`BinaryTypeCoercer`'s: `Cannot coerce
/// arithmetic expression Int64 + Utf8 to valid types`, `Cannot infer common argument type
/// for comparison operation Int64 = Utf8`, and the like for logical, regex, bitwise and
/// concatenation operators); the operand types are read back with Arrow's own parser and
/// named by [`crate::pg_types`]. Coercion runs before DriftDB's literal typing, so an integer
/// literal shows as `bigint`.
fn undefined_operator(message: &str) -> Option<Error> {
    const PREFIXES: [&str; 2] = [
        "Cannot coerce arithmetic expression ",
        "Cannot infer common ",
    ];
    let rest = PREFIXES.iter().find_map(|p| message.strip_prefix(p))?;
    let rest = match rest.strip_suffix(" to valid types") {
        Some(operands) => operands,
        // `argument type for comparison operation L op R`: the operands after `operation`.
        None => rest.split_once(" operation ")?.1,
    };
    let name = |text: &str| {
        let t = text
            .trim()
            .parse::<datafusion::arrow::datatypes::DataType>()
            .ok()?;
        crate::pg_types::name_of_arrow(&t)
    };
    // `L op R`, where a type may hold spaces (`Timestamp(ns, "+00:00")`): the split whose
    // both sides read as types.
    let words: Vec<(usize, &str)> = rest.match_indices(' ').collect();
    words.windows(2).find_map(|pair| {
        let (start, end) = (pair[0].0, pair[1].0);
        let op = &rest[start + 1..end];
        let (left, right) = (name(&rest[..start])?, name(&rest[end + 1..])?);
        Some(Error::Execution {
            message: format!("operator does not exist: {left} {op} {right}"),
            sqlstate: SqlState::UNDEFINED_FUNCTION,
        })
    })
}

/// Arrow's compute errors, with the SQLSTATEs PostgreSQL gives the same failures.
pub(crate) fn arrow_error(e: &datafusion::arrow::error::ArrowError) -> Error {
    use datafusion::arrow::error::ArrowError as A;
    if let A::CastError(m) | A::ParseError(m) = e
        && let Some(error) = datetime_input_error(m)
    {
        return error;
    }
    if let A::CastError(m) = e
        && let Some(error) = number_input_error(m)
    {
        return error;
    }
    if let A::CastError(m) | A::InvalidArgumentError(m) = e
        && let Some(message) = decimal_overflow(m)
    {
        return Error::Execution {
            message,
            sqlstate: SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        };
    }
    let message = e.to_string();
    let sqlstate = match e {
        A::DivideByZero => SqlState::DIVISION_BY_ZERO,
        A::ArithmeticOverflow(_) => SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        A::CastError(m) if m.starts_with("Can't cast value") => {
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        }
        A::InvalidArgumentError(m) if m.contains("too large to store") => {
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        }
        A::CastError(_) | A::ParseError(_) => SqlState::INVALID_TEXT_REPRESENTATION,
        _ => return Error::Internal { message },
    };
    Error::Execution { message, sqlstate }
}

/// A value with more digits than the decimal type it goes into holds, as PostgreSQL reports
/// it (22003). Arrow says `Cannot cast to Decimal128(38, 2). Overflowing on 12345` of a cast,
/// and `12345.5 is too large to store in a Decimal128 of precision 38. Max is 9999.9` of a
/// value checked against its type.
fn decimal_overflow(message: &str) -> Option<String> {
    const HOLDS: &str = "DriftDB's numeric holds at most 38 digits";
    if let Some((value, rest)) = message.split_once(" is too large to store in a Decimal") {
        let (_, max) = rest.split_once(". Max is ")?;
        return Some(format!(
            "numeric field overflow: {value} does not fit, the most this field holds is {max} ({HOLDS})"
        ));
    }
    let (target, _) = message.split_once(". Overflowing on ")?;
    let (precision, scale) = target
        .strip_prefix("Cannot cast to Decimal")?
        .split_once('(')?
        .1
        .strip_suffix(')')?
        .split_once(", ")?;
    let (precision, scale) = (precision.parse::<i32>().ok()?, scale.parse::<i32>().ok()?);
    Some(format!(
        "numeric field overflow: a field with precision {precision}, scale {scale} must round to an absolute value less than 10^{} ({HOLDS})",
        precision - scale
    ))
}

/// Text that did not convert to a number or a boolean, as PostgreSQL reports it: digits too
/// many for an integer type are 22003 (`value "99999" is out of range for type smallint`),
/// any other text 22P02 (`invalid input syntax for type integer: "x"`). Arrow says `Cannot
/// cast string 'v' to value of Int16 type` (`Cannot cast value 'v' ...` of a boolean); the
/// type is read back with Arrow's own parser and named by [`crate::pg_types`], as a cast
/// that a `UNION` with a typed column adds to a literal is Arrow's (floats have their own
/// parser, which words its errors itself).
fn number_input_error(message: &str) -> Option<Error> {
    use datafusion::arrow::datatypes::DataType;
    let rest = message
        .strip_prefix("Cannot cast string '")
        .or_else(|| message.strip_prefix("Cannot cast value '"))?;
    let (value, target) = rest.rsplit_once("' to value of ")?;
    let target = target.strip_suffix(" type")?.parse::<DataType>().ok()?;
    if !(target.is_numeric() || target == DataType::Boolean) {
        return None;
    }
    let name = crate::pg_types::name_of_arrow(&target)?;
    Some(
        if target.is_integer() && value.trim().parse::<i128>().is_ok() {
            Error::Execution {
                message: format!("value \"{value}\" is out of range for type {name}"),
                sqlstate: SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            }
        } else {
            Error::Execution {
                message: format!("invalid input syntax for type {name}: \"{value}\""),
                sqlstate: SqlState::INVALID_TEXT_REPRESENTATION,
            }
        },
    )
}

/// Text that did not convert to a date, time or timestamp, reported as PostgreSQL does: a
/// value shaped like one whose fields are out of range (`2025-02-30`, `25:00`) is 22008, any
/// other text 22007. Arrow says `Cannot cast string 'v' to value of Date32 type` (or a `Time`
/// type), `Error parsing timestamp from 'v': ...` and `Invalid input syntax for type interval:
/// "v"`.
fn datetime_input_error(message: &str) -> Option<Error> {
    let (value, kind) = if let Some(rest) = message.strip_prefix("Cannot cast string '") {
        let (value, target) = rest.rsplit_once("' to value of ")?;
        let kind = if target.starts_with("Date") {
            "date"
        } else if target.starts_with("Time") {
            "time"
        } else {
            return None;
        };
        (value, kind)
    } else if let Some(rest) = message.strip_prefix("Invalid input syntax for type interval: \"") {
        // Intervals have no fields to be out of range: any text Arrow cannot read is 22007.
        let value = rest.strip_suffix('"')?;
        return Some(Error::Execution {
            message: format!("invalid input syntax for type interval: \"{value}\""),
            sqlstate: SqlState::INVALID_DATETIME_FORMAT,
        });
    } else {
        let rest = message.strip_prefix("Error parsing timestamp from '")?;
        (rest.rsplit_once("': ")?.0, "timestamp")
    };
    let fields = value
        .split(|c: char| !c.is_ascii_digit())
        .filter(|f| !f.is_empty())
        .count();
    let shaped = value
        .chars()
        .all(|c| c.is_ascii_digit() || "-:./ T+Z".contains(c))
        && fields >= if kind == "time" { 2 } else { 3 };
    Some(if shaped {
        Error::Execution {
            message: format!("date/time field value out of range: \"{value}\""),
            sqlstate: SqlState::DATETIME_FIELD_OVERFLOW,
        }
    } else {
        Error::Execution {
            message: format!("invalid input syntax for type {kind}: \"{value}\""),
            sqlstate: SqlState::INVALID_DATETIME_FORMAT,
        }
    })
}

/// The `DETAIL`-bearing error a foreign key's violation is, in PostgreSQL's words.
fn foreign_key_violation(e: &ForeignKeyError) -> Error {
    let key = || {
        let values: Vec<String> = e.values.iter().map(key_text).collect();
        format!("({})=({})", e.columns.join(", "), values.join(", "))
    };
    match e.violation {
        Violation::NotPresent => Error::ForeignKeyViolation {
            message: format!(
                "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
                e.table, e.constraint
            ),
            detail: format!("Key {} is not present in table \"{}\".", key(), e.parent),
        },
        Violation::MixedNulls => Error::ForeignKeyViolation {
            message: format!(
                "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
                e.table, e.constraint
            ),
            detail: "MATCH FULL does not allow mixing of null and nonnull key values.".into(),
        },
        Violation::StillReferenced => Error::ForeignKeyViolation {
            message: format!(
                "update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"",
                e.parent, e.constraint, e.table
            ),
            detail: format!(
                "Key {} is still referenced from table \"{}\".",
                key(),
                e.table
            ),
        },
    }
}

/// A key value as PostgreSQL's `DETAIL` lines print it.
pub(crate) fn key_text(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "t" } else { "f" }.into(),
        Value::Int16(v) => v.to_string(),
        Value::Int32(v) => v.to_string(),
        Value::Int64(v) => v.to_string(),
        Value::Float32(v) => v.to_string(),
        Value::Float64(v) => v.to_string(),
        Value::Decimal { mantissa, scale } => {
            let digits = mantissa.unsigned_abs().to_string();
            let scale = usize::from(*scale);
            let sign = if *mantissa < 0 { "-" } else { "" };
            if scale == 0 {
                format!("{sign}{digits}")
            } else {
                let padded = format!("{digits:0>width$}", width = scale + 1);
                let (whole, fraction) = padded.split_at(padded.len() - scale);
                format!("{sign}{whole}.{fraction}")
            }
        }
        Value::Text(s) => s.clone(),
        Value::Uuid(bytes) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            )
        }
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::Null => "NULL".into(),
                    v => key_text(v),
                })
                .collect();
            format!("{{{}}}", items.join(","))
        }
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datafusion_operator_texts_read_as_postgresql_words() {
        let read = |text: &str| undefined_operator(text).map(|e| e.to_string());
        assert_eq!(
            read("Cannot coerce arithmetic expression Int64 + Utf8 to valid types").as_deref(),
            Some("operator does not exist: bigint + text")
        );
        assert_eq!(
            read("Cannot infer common argument type for regex operation Int32 ~ List(Int64)")
                .as_deref(),
            Some("operator does not exist: integer ~ bigint[]")
        );
        assert_eq!(
            read(r#"Cannot coerce arithmetic expression Timestamp(ns, "+00:00") - Utf8 to valid types"#)
                .as_deref(),
            Some("operator does not exist: timestamp with time zone - text")
        );
        assert_eq!(read("Cannot coerce arithmetic expression nonsense"), None);
        assert_eq!(read("table 't' not found"), None);
    }
}
