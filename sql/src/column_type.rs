//! SQL type names, as sqlparser reads them, to DriftDB's column types: what `CREATE TABLE`,
//! `ALTER COLUMN ... TYPE`, projections and casts to a column's type declare.

use driftdb_projector::DataType;
use sqlparser::ast;

use crate::SqlState;
use crate::error::{Error, Result, unsupported};

/// A declared `numeric` precision: PostgreSQL's 1 to 1000 (22023 outside), of which DriftDB
/// takes up to 255; values hold 38 digits whatever the declaration.
fn numeric_precision(p: u64) -> Result<u8> {
    if !(1..=1000).contains(&p) {
        return Err(Error::Execution {
            message: format!("NUMERIC precision {p} must be between 1 and 1000"),
            sqlstate: SqlState::INVALID_PARAMETER_VALUE,
        });
    }
    u8::try_from(p).map_err(|_| unsupported("numeric precision above 255"))
}

/// SQL type names to the projector's types.
pub(crate) fn data_type(t: &ast::DataType) -> Result<DataType> {
    use ast::DataType as T;
    let len = |l: &Option<ast::CharacterLength>| match l {
        Some(ast::CharacterLength::IntegerLength { length, .. }) => u32::try_from(*length).ok(),
        _ => None,
    };
    Ok(match t {
        T::Boolean | T::Bool => DataType::Boolean,
        T::SmallInt(_) | T::Int2(_) => DataType::SmallInt,
        T::Int(_) | T::Integer(_) | T::Int4(_) => DataType::Int,
        T::BigInt(_) | T::Int8(_) => DataType::BigInt,
        T::Real | T::Float4 => DataType::Real,
        T::DoublePrecision | T::Float8 | T::Double(_) => DataType::Double,
        // `FLOAT(p)`: `real` up to 24 binary digits, `double precision` up to 53.
        T::Float(info) => match info {
            ast::ExactNumberInfo::None => DataType::Double,
            ast::ExactNumberInfo::Precision(p) if (1..=24).contains(p) => DataType::Real,
            ast::ExactNumberInfo::Precision(p) if (25..=53).contains(p) => DataType::Double,
            ast::ExactNumberInfo::Precision(0) => {
                return Err(Error::Execution {
                    message: "precision for type float must be at least 1 bit".to_string(),
                    sqlstate: SqlState::INVALID_PARAMETER_VALUE,
                });
            }
            _ => {
                return Err(Error::Execution {
                    message: "precision for type float must be less than 54 bits".to_string(),
                    sqlstate: SqlState::INVALID_PARAMETER_VALUE,
                });
            }
        },
        T::Numeric(info) | T::Decimal(info) | T::Dec(info) => match info {
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => DataType::Decimal {
                precision: numeric_precision(*p)?,
                scale: u8::try_from(*s)
                    .ok()
                    .filter(|s| *s <= 38)
                    .ok_or_else(|| unsupported("numeric scale above 38"))?,
            },
            ast::ExactNumberInfo::Precision(p) => DataType::Decimal {
                precision: numeric_precision(*p)?,
                scale: 0,
            },
            ast::ExactNumberInfo::None => DataType::Numeric,
        },
        T::Text | T::String(_) => DataType::Text,
        T::Varchar(l) | T::CharacterVarying(l) => DataType::Varchar(len(l)),
        T::Char(l) | T::Character(l) => DataType::Char(len(l).unwrap_or(1)),
        T::Bytea => DataType::Bytea,
        T::Date => DataType::Date,
        T::Time(..) => DataType::Time,
        T::Timestamp(_, ast::TimezoneInfo::None | ast::TimezoneInfo::WithoutTimeZone) => {
            DataType::Timestamp
        }
        T::Timestamp(..) => DataType::TimestampTz,
        T::Interval { .. } => DataType::Interval,
        T::Uuid => DataType::Uuid,
        T::Custom(name, modifiers)
            if modifiers.is_empty()
                && matches!(
                    crate::rewrite::unqualified(name).as_deref(),
                    Some("inet" | "cidr")
                ) =>
        {
            match crate::rewrite::unqualified(name).as_deref() {
                Some("inet") => DataType::Inet,
                _ => DataType::Cidr,
            }
        }
        T::JSON => DataType::Json,
        T::JSONB => DataType::Jsonb,
        // `int[]`, `int[3]`, `int[][]`: PostgreSQL gives them all one type, whose sizes and
        // dimensions are not enforced; DriftDB's arrays have one dimension.
        T::Array(
            ast::ArrayElemTypeDef::SquareBracket(element, _)
            | ast::ArrayElemTypeDef::AngleBracket(element),
        ) => match data_type(element)? {
            DataType::Array(element) => DataType::Array(element),
            // The elements of an array share one type, so they cannot each keep their
            // scale: `numeric[]` holds them at scale 10.
            DataType::Numeric => DataType::Array(Box::new(DataType::Decimal {
                precision: 38,
                scale: 10,
            })),
            element => DataType::Array(Box::new(element)),
        },
        other => return Err(unsupported(&format!("type {other}"))),
    })
}
