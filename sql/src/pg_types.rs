//! PostgreSQL's types, once: the one registry the catalogs (`pg_type`, `pg_attribute`,
//! `information_schema`, `format_type`, `regtype`), the wire server (each result column's
//! type oid and length) and `pg_typeof` read, so that a value's type is named the same
//! everywhere a client can look.
//!
//! - [`TYPES`]: the `pg_type` rows of the types DriftDB's values have, their array types,
//!   the catalogs' vectors and `record` (a row value's type).
//! - [`of_column`]: a column's declared type ([`DataType`], as DDL gives it) as a
//!   [`Typed`], the oid and type modifier `pg_attribute` keeps.
//! - [`of_field`]: the type of query output, from its Arrow field: the [`PG_TYPE`] the field
//!   carries (`json`, `uuid`, `character(n)`, ... share `Utf8`), else its Arrow type's. For
//!   a field made from a column ([`crate::arrow::field`]) it gives the column's oid.
//! - [`format_type`]: a type's SQL name as `format_type(oid, typmod)` writes it.
//! - [`PG_TYPE`]: the Arrow field metadata that tells apart the types that share an Arrow
//!   type (`json`, `jsonb`, `uuid`, `inet`, `cidr`, `character(n)` are all `Utf8`).
//!
//! SQL type names as written in statements are read by `crate::column_type`, which looks
//! `pg_type` names (`int4`, `_int4`, `bpchar(3)`) up here.

use datafusion::arrow::datatypes::{DataType as Arrow, Field};
use driftdb_projector::DataType;

/// A PostgreSQL object id; here, of a type.
pub type Oid = u32;

/// The oids of the types code names (PostgreSQL's fixed, built-in oids).
pub mod oid {
    use super::Oid;

    pub const BOOL: Oid = 16;
    pub const BYTEA: Oid = 17;
    pub const CHAR: Oid = 18;
    pub const NAME: Oid = 19;
    pub const INT8: Oid = 20;
    pub const INT2: Oid = 21;
    pub const INT2VECTOR: Oid = 22;
    pub const INT4: Oid = 23;
    pub const TEXT: Oid = 25;
    pub const OID: Oid = 26;
    pub const OIDVECTOR: Oid = 30;
    pub const JSON: Oid = 114;
    pub const CIDR: Oid = 650;
    pub const FLOAT4: Oid = 700;
    pub const FLOAT8: Oid = 701;
    pub const INET: Oid = 869;
    pub const BPCHAR: Oid = 1042;
    pub const VARCHAR: Oid = 1043;
    pub const DATE: Oid = 1082;
    pub const TIME: Oid = 1083;
    pub const TIMESTAMP: Oid = 1114;
    pub const TIMESTAMPTZ: Oid = 1184;
    pub const INTERVAL: Oid = 1186;
    pub const NUMERIC: Oid = 1700;
    pub const RECORD: Oid = 2249;
    pub const UUID: Oid = 2950;
    pub const JSONB: Oid = 3802;
}

/// A type as `pg_type` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgType {
    /// `oid`.
    pub oid: Oid,
    /// `typname`: `int4`, `bpchar`, `_int4` (arrays are named for their element, with `_`).
    pub name: &'static str,
    /// `typlen`: the bytes of a value, or -1 for a variable length.
    pub length: i16,
    /// `typtype`: `b` a base type, `p` a pseudo-type (`record`).
    pub kind: &'static str,
    /// `typcategory`: `N` numeric, `S` string, `A` array, ...
    pub category: &'static str,
    /// `typelem`: an array's (or vector's) element type; 0 for the others.
    pub element: Oid,
    /// `typarray`: the type of arrays of this one; 0 if there is none.
    pub array: Oid,
    /// The SQL name `format_type` gives it without a modifier; `None` for an array type,
    /// named for its element.
    sql_name: Option<&'static str>,
    /// Whether values take the default collation (`typcollation`); an array's elements say.
    collatable: bool,
}

impl PgType {
    /// The type of oid `oid`, if it is one of [`TYPES`].
    pub fn by_oid(oid: Oid) -> Option<&'static PgType> {
        TYPES.iter().find(|t| t.oid == oid)
    }

    /// The type named `name` (its `typname`), if it is one of [`TYPES`].
    pub fn by_name(name: &str) -> Option<&'static PgType> {
        TYPES.iter().find(|t| t.name == name)
    }

    /// Whether this is an array type (`_int4`, `_record`), not a vector (`int2vector`) or a
    /// scalar.
    pub fn is_array(&self) -> bool {
        self.element != 0 && self.name.starts_with('_')
    }

    /// Whether its values take the default collation; an array collates as its elements.
    pub fn collatable(&self) -> bool {
        match self.is_array() {
            true => PgType::by_oid(self.element).is_some_and(|e| e.collatable),
            false => self.collatable,
        }
    }
}

/// A scalar type's row.
const fn scalar(
    oid: Oid,
    name: &'static str,
    sql_name: &'static str,
    length: i16,
    category: &'static str,
    array: Oid,
    collatable: bool,
) -> PgType {
    PgType {
        oid,
        name,
        length,
        kind: "b",
        category,
        element: 0,
        array,
        sql_name: Some(sql_name),
        collatable,
    }
}

/// An array type's row.
const fn array(oid: Oid, name: &'static str, element: Oid) -> PgType {
    PgType {
        oid,
        name,
        length: -1,
        kind: "b",
        category: "A",
        element,
        array: 0,
        sql_name: None,
        collatable: false,
    }
}

/// The types DriftDB's values have, in oid order, with PostgreSQL 15's oids, names,
/// lengths and categories.
pub static TYPES: &[PgType] = {
    use oid::*;
    &[
        scalar(BOOL, "bool", "boolean", 1, "B", 1000, false),
        scalar(BYTEA, "bytea", "bytea", -1, "U", 1001, false),
        scalar(CHAR, "char", "\"char\"", 1, "Z", 1002, false),
        scalar(NAME, "name", "name", 64, "S", 1003, false),
        scalar(INT8, "int8", "bigint", 8, "N", 1016, false),
        scalar(INT2, "int2", "smallint", 2, "N", 1005, false),
        PgType {
            sql_name: Some("int2vector"),
            ..array(INT2VECTOR, "int2vector", INT2)
        },
        scalar(INT4, "int4", "integer", 4, "N", 1007, false),
        scalar(TEXT, "text", "text", -1, "S", 1009, true),
        scalar(OID, "oid", "oid", 4, "N", 1028, false),
        PgType {
            sql_name: Some("oidvector"),
            ..array(OIDVECTOR, "oidvector", OID)
        },
        scalar(JSON, "json", "json", -1, "U", 199, false),
        array(199, "_json", JSON),
        scalar(CIDR, "cidr", "cidr", -1, "I", 651, false),
        array(651, "_cidr", CIDR),
        scalar(FLOAT4, "float4", "real", 4, "N", 1021, false),
        scalar(FLOAT8, "float8", "double precision", 8, "N", 1022, false),
        scalar(INET, "inet", "inet", -1, "I", 1041, false),
        array(1000, "_bool", BOOL),
        array(1001, "_bytea", BYTEA),
        array(1002, "_char", CHAR),
        array(1003, "_name", NAME),
        array(1005, "_int2", INT2),
        array(1007, "_int4", INT4),
        array(1009, "_text", TEXT),
        array(1014, "_bpchar", BPCHAR),
        array(1015, "_varchar", VARCHAR),
        array(1016, "_int8", INT8),
        array(1021, "_float4", FLOAT4),
        array(1022, "_float8", FLOAT8),
        array(1028, "_oid", OID),
        array(1041, "_inet", INET),
        scalar(BPCHAR, "bpchar", "character", -1, "S", 1014, true),
        scalar(VARCHAR, "varchar", "character varying", -1, "S", 1015, true),
        scalar(DATE, "date", "date", 4, "D", 1182, false),
        scalar(TIME, "time", "time without time zone", 8, "D", 1183, false),
        scalar(
            TIMESTAMP,
            "timestamp",
            "timestamp without time zone",
            8,
            "D",
            1115,
            false,
        ),
        array(1115, "_timestamp", TIMESTAMP),
        array(1182, "_date", DATE),
        array(1183, "_time", TIME),
        scalar(
            TIMESTAMPTZ,
            "timestamptz",
            "timestamp with time zone",
            8,
            "D",
            1185,
            false,
        ),
        array(1185, "_timestamptz", TIMESTAMPTZ),
        scalar(INTERVAL, "interval", "interval", 16, "T", 1187, false),
        array(1187, "_interval", INTERVAL),
        array(1231, "_numeric", NUMERIC),
        scalar(NUMERIC, "numeric", "numeric", -1, "N", 1231, false),
        PgType {
            kind: "p",
            ..scalar(RECORD, "record", "record", -1, "P", 2287, false)
        },
        PgType {
            kind: "p",
            category: "P",
            ..array(2287, "_record", RECORD)
        },
        scalar(UUID, "uuid", "uuid", 16, "U", 2951, false),
        array(2951, "_uuid", UUID),
        scalar(JSONB, "jsonb", "jsonb", -1, "U", 3807, false),
        array(3807, "_jsonb", JSONB),
    ]
};

/// A type with its modifier, as `pg_attribute` keeps a column's (`atttypid`, `atttypmod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Typed {
    pub oid: Oid,
    /// `atttypmod`: -1 for none; PostgreSQL's encodings (`n + 4` for `character(n)`,
    /// `((p << 16) | s) + 4` for `numeric(p,s)`).
    pub modifier: i32,
}

impl Typed {
    const fn plain(oid: Oid) -> Typed {
        Typed { oid, modifier: -1 }
    }

    /// The `pg_type` row of the type.
    pub fn pg_type(&self) -> Option<&'static PgType> {
        PgType::by_oid(self.oid)
    }
}

/// The modifier of `numeric(precision, scale)`.
fn numeric_modifier(precision: u8, scale: u8) -> i32 {
    ((i32::from(precision) << 16) | i32::from(scale)) + 4
}

/// The modifier of `character(n)` or `character varying(n)`.
fn length_modifier(n: u32) -> i32 {
    i32::try_from(n).map_or(-1, |n| n.saturating_add(4))
}

/// A column's declared type.
pub fn of_column(t: &DataType) -> Typed {
    use oid::*;
    match t {
        DataType::Boolean => Typed::plain(BOOL),
        DataType::SmallInt => Typed::plain(INT2),
        DataType::Int => Typed::plain(INT4),
        DataType::BigInt => Typed::plain(INT8),
        DataType::Real => Typed::plain(FLOAT4),
        DataType::Double => Typed::plain(FLOAT8),
        DataType::Decimal { precision, scale } => Typed {
            oid: NUMERIC,
            modifier: numeric_modifier(*precision, *scale),
        },
        DataType::Numeric => Typed::plain(NUMERIC),
        DataType::Text => Typed::plain(TEXT),
        DataType::Varchar(n) => Typed {
            oid: VARCHAR,
            modifier: n.map_or(-1, length_modifier),
        },
        DataType::Char(n) => Typed {
            oid: BPCHAR,
            modifier: length_modifier(*n),
        },
        DataType::Bytea => Typed::plain(BYTEA),
        DataType::Date => Typed::plain(DATE),
        DataType::Time => Typed::plain(TIME),
        DataType::Timestamp => Typed::plain(TIMESTAMP),
        DataType::TimestampTz => Typed::plain(TIMESTAMPTZ),
        DataType::Interval => Typed::plain(INTERVAL),
        DataType::Uuid => Typed::plain(UUID),
        DataType::Inet => Typed::plain(INET),
        DataType::Cidr => Typed::plain(CIDR),
        DataType::Json => Typed::plain(JSON),
        DataType::Jsonb => Typed::plain(JSONB),
        // The array type of the element's, with the element's modifier, as PostgreSQL keeps
        // it (`varchar(10)[]` has typmod 14).
        DataType::Array(element) => {
            let element = of_column(element);
            Typed {
                oid: array_of(element.oid),
                modifier: element.modifier,
            }
        }
    }
}

/// The type of query output `field`: the [`PG_TYPE`] it carries, else its
/// Arrow type's. A list is an array of its element's type (multidimensional arrays have
/// the type of their one-dimensional kin); values no type here describes are `text`, as
/// PostgreSQL gives an output column of unknown type. A decimal's modifier is its Arrow
/// precision and scale, which for a read of an unconstrained `numeric` column are those of
/// the values read.
pub fn of_field(field: &Field) -> Typed {
    use oid::*;
    if let Some(n) = char_length_of(field) {
        return Typed {
            oid: BPCHAR,
            modifier: u32::try_from(n).map_or(-1, length_modifier),
        };
    }
    if let Some(t) = pg_type_of(field).and_then(PgType::by_name) {
        return Typed::plain(t.oid);
    }
    match field.data_type() {
        Arrow::Boolean => Typed::plain(BOOL),
        Arrow::Int8 | Arrow::Int16 | Arrow::UInt8 => Typed::plain(INT2),
        Arrow::Int32 | Arrow::UInt16 => Typed::plain(INT4),
        Arrow::UInt32 => Typed::plain(OID),
        Arrow::Int64 | Arrow::UInt64 => Typed::plain(INT8),
        Arrow::Float16 | Arrow::Float32 => Typed::plain(FLOAT4),
        Arrow::Float64 => Typed::plain(FLOAT8),
        Arrow::Decimal128(p, s) => Typed {
            oid: NUMERIC,
            modifier: u8::try_from(*s).map_or(-1, |s| numeric_modifier(*p, s)),
        },
        Arrow::Decimal256(..) => Typed::plain(NUMERIC),
        Arrow::Binary | Arrow::LargeBinary | Arrow::BinaryView | Arrow::FixedSizeBinary(_) => {
            Typed::plain(BYTEA)
        }
        Arrow::Date32 | Arrow::Date64 => Typed::plain(DATE),
        Arrow::Time32(_) | Arrow::Time64(_) => Typed::plain(TIME),
        Arrow::Timestamp(_, None) => Typed::plain(TIMESTAMP),
        Arrow::Timestamp(_, Some(_)) => Typed::plain(TIMESTAMPTZ),
        Arrow::Interval(_) | Arrow::Duration(_) => Typed::plain(INTERVAL),
        Arrow::Struct(_) => Typed::plain(RECORD),
        Arrow::List(element) | Arrow::LargeList(element) => {
            let element = of_field(element);
            match PgType::by_oid(element.oid) {
                Some(t) if t.is_array() => element,
                Some(t) if t.array != 0 => Typed {
                    oid: t.array,
                    modifier: element.modifier,
                },
                _ => Typed::plain(array_of(TEXT)),
            }
        }
        _ => Typed::plain(TEXT),
    }
}

/// The SQL name (as `format_type` writes it) of the type query output of Arrow type `t`
/// has, for messages that name a value's type (`operator does not exist: bigint + text`).
pub fn name_of_arrow(t: &Arrow) -> Option<String> {
    format_type(of_field(&Field::new("", t.clone(), true)).oid, None)
}

/// The oid of the array type of `element` (0: none).
pub fn array_of(element: Oid) -> Oid {
    PgType::by_oid(element).map_or(0, |t| t.array)
}

/// The element type of array type `array` (not a vector), if it is one.
pub fn element_of(array: Oid) -> Option<Oid> {
    PgType::by_oid(array)
        .filter(|t| t.is_array())
        .map(|t| t.element)
}

/// The SQL type a bound parameter of type `oid` is cast to before its statement runs, as
/// DriftDB's casts spell it. `None` leaves it untyped text, which takes the type its place
/// in the statement gives it: the text types, types DriftDB reads from text by context, and
/// arrays of types whose arrays DriftDB does not have as values (`uuid[]`, `json[]`, ...).
pub fn parameter_cast(oid: Oid) -> Option<String> {
    use oid::*;
    let scalar = |oid| {
        Some(match oid {
            BOOL => "BOOLEAN",
            INT2 => "SMALLINT",
            INT4 => "INT",
            INT8 | OID => "BIGINT",
            FLOAT4 => "REAL",
            FLOAT8 => "DOUBLE PRECISION",
            NUMERIC => "NUMERIC",
            DATE => "DATE",
            TIME => "TIME",
            TIMESTAMP => "TIMESTAMP",
            TIMESTAMPTZ => "TIMESTAMPTZ",
            INTERVAL => "INTERVAL",
            _ => return None,
        })
    };
    match element_of(oid) {
        Some(TEXT | VARCHAR | BPCHAR | NAME) => Some("TEXT[]".to_string()),
        Some(element) => scalar(element).map(|t| format!("{t}[]")),
        None => match oid {
            BYTEA => Some("BYTEA"),
            UUID => Some("UUID"),
            INET => Some("INET"),
            CIDR => Some("CIDR"),
            JSON => Some("JSON"),
            JSONB => Some("JSONB"),
            other => scalar(other),
        }
        .map(str::to_string),
    }
}

/// The precision in bits of integer type `oid` (`int2`, `int4`, `int8`), as
/// `information_schema` shows it.
pub fn integer_bits(oid: Oid) -> Option<i32> {
    match oid {
        oid::INT2 => Some(16),
        oid::INT4 => Some(32),
        oid::INT8 => Some(64),
        _ => None,
    }
}

/// `format_type(oid, typmod)`: the SQL name of a type, as `\d` shows it. `modifier` is
/// `None` when no modifier is given (SQL's `NULL`, and `regtype`'s output): then `bpchar`
/// is `character`, while with the modifier -1 it stays `bpchar`, since `character` alone
/// means `character(1)`; this is PostgreSQL's rule.
pub fn format_type(oid: Oid, modifier: Option<i32>) -> Option<String> {
    if oid == 0 {
        return Some("-".to_string());
    }
    let t = PgType::by_oid(oid)?;
    let declared = modifier.filter(|m| *m >= 4).map(|m| m - 4);
    let Some(name) = t.sql_name else {
        return Some(format!("{}[]", format_type(t.element, modifier)?));
    };
    Some(match (oid, declared) {
        (oid::BPCHAR, Some(n)) => format!("character({n})"),
        (oid::BPCHAR, None) if modifier.is_some() => "bpchar".to_string(),
        (oid::VARCHAR, Some(n)) => format!("character varying({n})"),
        (oid::NUMERIC, Some(m)) => format!("numeric({},{})", m >> 16, m & 0xffff),
        _ => name.to_string(),
    })
}

/// Field metadata naming the PostgreSQL type of a column whose Arrow type it shares with
/// others: `json`, `jsonb`, `uuid` or `bpchar` (all `Utf8`). DataFusion carries it through column
/// references, so a client is told the column's real type; see [`pg_type_of`].
pub const PG_TYPE: &str = "driftdb.pg_type";

/// Field metadata giving the length `n` of a `character(n)` column (a [`PG_TYPE`]
/// `bpchar`): its values are held without trailing blanks and padded to `n` characters
/// when shown (`crate::present`).
pub const CHAR_LENGTH: &str = "driftdb.char_length";

/// `field` (text) marked as `character(n)`.
pub fn bpchar(field: Field, n: usize) -> Field {
    field.with_metadata(
        [
            (PG_TYPE.to_string(), "bpchar".to_string()),
            (CHAR_LENGTH.to_string(), n.to_string()),
        ]
        .into(),
    )
}

/// The `n` of a `character(n)` field.
pub fn char_length_of(field: &Field) -> Option<usize> {
    if pg_type_of(field) != Some("bpchar") {
        return None;
    }
    field.metadata().get(CHAR_LENGTH)?.parse().ok()
}

/// `field` marked as holding the PostgreSQL type `pg_type` ([`PG_TYPE`]): `json`, `jsonb` or
/// `uuid`, the types that share `Utf8`.
pub fn with_pg_type(field: Field, pg_type: &str) -> Field {
    field.with_metadata([(PG_TYPE.to_string(), pg_type.to_string())].into())
}

/// The [`PG_TYPE`] a field carries, if any.
pub fn pg_type_of(field: &Field) -> Option<&str> {
    field.metadata().get(PG_TYPE).map(String::as_str)
}

/// Every column type, with and without modifiers, and arrays of each: what tests of type
/// mappings go through.
#[cfg(test)]
pub(crate) fn every_column_type() -> Vec<DataType> {
    let scalars = [
        DataType::Boolean,
        DataType::SmallInt,
        DataType::Int,
        DataType::BigInt,
        DataType::Real,
        DataType::Double,
        DataType::Decimal {
            precision: 12,
            scale: 2,
        },
        DataType::Numeric,
        DataType::Text,
        DataType::Varchar(None),
        DataType::Varchar(Some(20)),
        DataType::Char(3),
        DataType::Bytea,
        DataType::Date,
        DataType::Time,
        DataType::Timestamp,
        DataType::TimestampTz,
        DataType::Interval,
        DataType::Uuid,
        DataType::Inet,
        DataType::Cidr,
        DataType::Json,
        DataType::Jsonb,
    ];
    let arrays = scalars.iter().map(|t| DataType::Array(Box::new(t.clone())));
    scalars.iter().cloned().chain(arrays).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use driftdb_projector::Column;

    use super::*;

    #[test]
    fn a_column_and_its_arrow_field_have_one_type() {
        // `varchar` is `Utf8` without a length; an unconstrained `numeric` is read with the
        // width of its values: their Arrow fields say less than their declarations.
        let lossy = |t: &DataType| matches!(t, DataType::Varchar(_) | DataType::Numeric);
        let declared = every_column_type().into_iter().filter(|t| match t {
            DataType::Array(element) => !lossy(element),
            t => !lossy(t),
        });
        for t in declared {
            let field = crate::arrow::field(&Column::new("c", t.clone(), true));
            assert_eq!(of_field(&field), of_column(&t), "{t:?}");
        }
        // A declared `varchar` lives in the column, not in its Arrow type.
        for t in [DataType::Varchar(None), DataType::Varchar(Some(5))] {
            let field = crate::arrow::field(&Column::new("c", t.clone(), true));
            assert_eq!(of_field(&field), Typed::plain(oid::TEXT));
            assert_eq!(of_column(&t).oid, oid::VARCHAR);
        }
    }

    #[test]
    fn every_type_has_its_array_and_every_array_its_element() {
        for t in TYPES.iter().filter(|t| t.array != 0) {
            let array = PgType::by_oid(t.array).expect("the array type is registered");
            assert_eq!(array.element, t.oid, "{}", t.name);
            assert_eq!(array.name, format!("_{}", t.name));
            assert_eq!(array.collatable(), t.collatable());
        }
        for t in TYPES.iter().filter(|t| t.is_array()) {
            assert_eq!(array_of(t.element), t.oid, "{}", t.name);
        }
        let mut oids: Vec<Oid> = TYPES.iter().map(|t| t.oid).collect();
        oids.sort_unstable();
        oids.dedup();
        assert_eq!(oids.len(), TYPES.len(), "an oid is registered twice");
    }

    #[test]
    fn format_type_names_types_as_postgresql() {
        let cases = [
            (oid::VARCHAR, Some(24), "character varying(20)"),
            (oid::NUMERIC, Some(((12 << 16) | 2) + 4), "numeric(12,2)"),
            (oid::TIMESTAMPTZ, Some(-1), "timestamp with time zone"),
            (oid::BPCHAR, None, "character"),
            (oid::BPCHAR, Some(-1), "bpchar"),
            (oid::BPCHAR, Some(7), "character(3)"),
            (1014, Some(7), "character(3)[]"),
            (1009, None, "text[]"),
            (oid::INT2VECTOR, None, "int2vector"),
            (oid::RECORD, None, "record"),
            (0, None, "-"),
        ];
        for (oid, modifier, name) in cases {
            assert_eq!(format_type(oid, modifier).as_deref(), Some(name));
        }
        let declared = of_column(&DataType::Decimal {
            precision: 12,
            scale: 2,
        });
        assert_eq!(
            format_type(declared.oid, Some(declared.modifier)).as_deref(),
            Some("numeric(12,2)")
        );
        assert_eq!(format_type(123_456, None), None);
    }

    #[test]
    fn output_of_no_column_type_still_has_a_type() {
        let field = |t: Arrow| Field::new("c", t, true);
        assert_eq!(of_field(&field(Arrow::UInt32)).oid, oid::OID);
        assert_eq!(of_field(&field(Arrow::Null)).oid, oid::TEXT);
        assert_eq!(
            of_field(&field(Arrow::Struct(Vec::<Field>::new().into()))).oid,
            oid::RECORD
        );
        let nested = Arrow::new_list(Arrow::new_list(Arrow::Int32, true), true);
        assert_eq!(of_field(&field(nested)).oid, 1007);
        let records = Arrow::List(Arc::new(field(Arrow::Struct(Vec::<Field>::new().into()))));
        assert_eq!(of_field(&field(records)).oid, 2287);
        let odd = Arrow::new_list(
            Arrow::Dictionary(Box::new(Arrow::Int8), Box::new(Arrow::Utf8)),
            true,
        );
        assert_eq!(of_field(&field(odd)).oid, 1009);
    }

    #[test]
    fn parameters_are_cast_to_the_types_drivers_send() {
        let cast = |oid| parameter_cast(oid);
        assert_eq!(cast(oid::INT4).as_deref(), Some("INT"));
        assert_eq!(cast(oid::OID).as_deref(), Some("BIGINT"));
        assert_eq!(cast(array_of(oid::OID)).as_deref(), Some("BIGINT[]"));
        assert_eq!(cast(array_of(oid::NAME)).as_deref(), Some("TEXT[]"));
        assert_eq!(
            cast(array_of(oid::TIMESTAMPTZ)).as_deref(),
            Some("TIMESTAMPTZ[]")
        );
        // Text stays untyped, to take the type its place in the statement gives it.
        assert_eq!(cast(oid::TEXT), None);
        assert_eq!(cast(oid::BPCHAR), None);
        assert_eq!(cast(array_of(oid::UUID)), None);
    }
}
