//! SQL type names, as sqlparser reads them, to DriftDB's column types: what `CREATE TABLE`,
//! `ALTER COLUMN ... TYPE`, projections and casts to a column's type declare.

use driftdb_projector::DataType;
use sqlparser::ast;

use crate::SqlState;
use crate::error::{Error, Result, unsupported};
use crate::pg_types::{PgType, oid};
use crate::schemas::unqualified;

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

/// `numeric(precision[, scale])`.
fn decimal(precision: u64, scale: impl TryInto<u8>) -> Result<DataType> {
    Ok(DataType::Decimal {
        precision: numeric_precision(precision)?,
        scale: scale
            .try_into()
            .ok()
            .filter(|s| *s <= 38)
            .ok_or_else(|| unsupported("numeric scale above 38"))?,
    })
}

/// A declared `character(n)` or `varchar(n)` length: PostgreSQL's 1 to 10485760 (22023
/// outside), named as the statement wrote the type.
fn length(n: u64, type_name: &str) -> Result<u32> {
    let refused = |bound: &str| Error::Execution {
        message: format!("length for type {type_name} {bound}"),
        sqlstate: SqlState::INVALID_PARAMETER_VALUE,
    };
    match u32::try_from(n) {
        Ok(0) => Err(refused("must be at least 1")),
        Ok(n) if n <= 10_485_760 => Ok(n),
        _ => Err(refused("cannot exceed 10485760")),
    }
}

/// SQL type names to the projector's types.
pub(crate) fn data_type(t: &ast::DataType) -> Result<DataType> {
    use ast::DataType as T;
    let len = |l: &Option<ast::CharacterLength>, type_name: &str| match l {
        Some(ast::CharacterLength::IntegerLength { length: n, .. }) => {
            length(*n, type_name).map(Some)
        }
        _ => Ok(None),
    };
    Ok(match t {
        // MySQL's display width (`int(11)`), which sqlparser reads and PostgreSQL refuses.
        T::SmallInt(Some(_))
        | T::Int2(Some(_))
        | T::Int(Some(_))
        | T::Integer(Some(_))
        | T::Int4(Some(_))
        | T::BigInt(Some(_))
        | T::Int8(Some(_)) => {
            return Err(Error::Execution {
                message: format!("type modifier is not allowed for type \"{t}\""),
                sqlstate: SqlState::SYNTAX_ERROR,
            });
        }
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
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => decimal(*p, *s)?,
            ast::ExactNumberInfo::Precision(p) => decimal(*p, 0)?,
            ast::ExactNumberInfo::None => DataType::Numeric,
        },
        T::Text | T::String(_) => DataType::Text,
        T::Varchar(l) | T::CharacterVarying(l) => DataType::Varchar(len(l, "varchar")?),
        T::Char(l) | T::Character(l) => DataType::Char(len(l, "char")?.unwrap_or(1)),
        T::Bytea => DataType::Bytea,
        T::Date => DataType::Date,
        T::Time(..) => DataType::Time,
        T::Timestamp(_, ast::TimezoneInfo::None | ast::TimezoneInfo::WithoutTimeZone) => {
            DataType::Timestamp
        }
        T::Timestamp(..) => DataType::TimestampTz,
        T::Interval { .. } => DataType::Interval,
        T::Uuid => DataType::Uuid,
        // A type by its `pg_type` name, plain or `pg_catalog.`-qualified, as catalogs and
        // dumps write them: `int4`, `bpchar(3)`, `_int4`, `pg_catalog.varchar(3)`.
        T::Custom(name, modifiers) => {
            match unqualified(name).as_deref().and_then(PgType::by_name) {
                Some(pg) => of_pg_type(pg, modifiers)?,
                None => return Err(unsupported(&format!("type {t}"))),
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

/// The column type of PostgreSQL type `pg` with type modifiers `modifiers` (`(3)`,
/// `(12,2)`): the inverse of [`crate::pg_types::of_column`] for the types a column can
/// have. An array type's modifiers are its element's.
fn of_pg_type(pg: &PgType, modifiers: &[String]) -> Result<DataType> {
    if pg.is_array() {
        let element = PgType::by_oid(pg.element).ok_or_else(|| unsupported(pg.name))?;
        return Ok(DataType::Array(Box::new(of_pg_type(element, modifiers)?)));
    }
    let numbers = modifiers
        .iter()
        .map(|m| m.trim().parse::<u64>())
        .collect::<std::result::Result<Vec<u64>, _>>()
        .map_err(|_| Error::Execution {
            message: format!("invalid type modifier for type \"{}\"", pg.name),
            sqlstate: SqlState::INVALID_PARAMETER_VALUE,
        })?;
    let data_type = match (pg.oid, numbers.as_slice()) {
        (oid::NUMERIC, []) => DataType::Numeric,
        (oid::NUMERIC, [p]) => decimal(*p, 0)?,
        (oid::NUMERIC, [p, s]) => decimal(*p, *s)?,
        (oid::VARCHAR, []) => DataType::Varchar(None),
        (oid::VARCHAR, [n]) => DataType::Varchar(Some(length(*n, "varchar")?)),
        (oid::BPCHAR, [n]) => DataType::Char(length(*n, "char")?),
        // `bpchar` alone is blank-padded text of any length, which DriftDB does not have.
        (oid::BPCHAR, []) => return Err(unsupported("type bpchar without a length")),
        (_, [_, ..]) => {
            return Err(Error::Execution {
                message: format!("type modifier is not allowed for type \"{}\"", pg.name),
                sqlstate: SqlState::SYNTAX_ERROR,
            });
        }
        (oid::BOOL, []) => DataType::Boolean,
        (oid::INT2, []) => DataType::SmallInt,
        (oid::INT4, []) => DataType::Int,
        (oid::INT8, []) => DataType::BigInt,
        (oid::FLOAT4, []) => DataType::Real,
        (oid::FLOAT8, []) => DataType::Double,
        (oid::TEXT, []) => DataType::Text,
        (oid::BYTEA, []) => DataType::Bytea,
        (oid::DATE, []) => DataType::Date,
        (oid::TIME, []) => DataType::Time,
        (oid::TIMESTAMP, []) => DataType::Timestamp,
        (oid::TIMESTAMPTZ, []) => DataType::TimestampTz,
        (oid::INTERVAL, []) => DataType::Interval,
        (oid::UUID, []) => DataType::Uuid,
        (oid::INET, []) => DataType::Inet,
        (oid::CIDR, []) => DataType::Cidr,
        (oid::JSON, []) => DataType::Json,
        (oid::JSONB, []) => DataType::Jsonb,
        _ => return Err(unsupported(&format!("type {}", pg.name))),
    };
    Ok(data_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column type and the `pg_type` name and modifiers it is written with.
    fn written(t: &DataType) -> (&'static PgType, Vec<String>) {
        let typed = crate::pg_types::of_column(t);
        let pg = typed.pg_type().expect("a registered type");
        let m = typed.modifier;
        let modifiers = match PgType::by_oid(pg.element).unwrap_or(pg).oid {
            _ if m < 4 => vec![],
            oid::NUMERIC => vec![((m - 4) >> 16).to_string(), ((m - 4) & 0xffff).to_string()],
            _ => vec![(m - 4).to_string()],
        };
        (pg, modifiers)
    }

    #[test]
    fn a_column_type_read_back_from_its_pg_type_is_itself() {
        for t in crate::pg_types::every_column_type() {
            let (pg, modifiers) = written(&t);
            assert_eq!(of_pg_type(pg, &modifiers).ok(), Some(t.clone()), "{t:?}");
        }
    }

    #[test]
    fn types_no_column_has_are_refused() {
        let refused = |name: &str, modifiers: &[&str]| {
            let pg = PgType::by_name(name).expect("registered");
            let modifiers: Vec<String> = modifiers.iter().map(|m| m.to_string()).collect();
            of_pg_type(pg, &modifiers).expect_err(name).sqlstate()
        };
        assert_eq!(refused("oid", &[]), SqlState::FEATURE_NOT_SUPPORTED.code());
        assert_eq!(
            refused("bpchar", &[]),
            SqlState::FEATURE_NOT_SUPPORTED.code()
        );
        assert_eq!(refused("int4", &["3"]), SqlState::SYNTAX_ERROR.code());
        assert_eq!(
            refused("varchar", &["x"]),
            SqlState::INVALID_PARAMETER_VALUE.code()
        );
        assert_eq!(
            refused("bpchar", &["0"]),
            SqlState::INVALID_PARAMETER_VALUE.code()
        );
    }
}
