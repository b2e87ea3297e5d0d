//! PostgreSQL's types as the catalogs show them: the `pg_type` rows of the types DriftDB's
//! columns have (and their array types), a column type's `pg_type` oid and type modifier,
//! `format_type`'s names, and the Arrow types of the catalogs' own columns.

use datafusion::arrow::datatypes::DataType as Arrow;
use driftdb_projector::DataType;

/// A column's `attalign` (and its type's `typalign`) for values of `length` bytes (-1:
/// variable).
pub(crate) fn align(length: i16) -> &'static str {
    match length {
        1 => "c",
        2 => "s",
        8 => "d",
        _ => "i",
    }
}

/// `int2[]`, and the lists the catalogs' `int2vector` and `oidvector` are
/// ([`Relation::typed`]).
pub(crate) fn int2_array() -> Arrow {
    Arrow::new_list(INT2, true)
}
pub(crate) fn oid_array() -> Arrow {
    Arrow::new_list(OID, true)
}

pub(crate) const OID: Arrow = Arrow::UInt32;
pub(crate) const TEXT: Arrow = Arrow::Utf8;
pub(crate) const BOOL: Arrow = Arrow::Boolean;
pub(crate) const INT2: Arrow = Arrow::Int16;
pub(crate) const INT4: Arrow = Arrow::Int32;

/// PostgreSQL's built-in types DriftDB's columns have: oid, name, length, category and
/// whether values take the default collation.
pub(crate) const TYPES: [(i64, &str, i16, &str, bool); 24] = [
    (16, "bool", 1, "B", false),
    (17, "bytea", -1, "U", false),
    (18, "char", 1, "Z", false),
    (19, "name", 64, "S", false),
    (20, "int8", 8, "N", false),
    (21, "int2", 2, "N", false),
    (23, "int4", 4, "N", false),
    (25, "text", -1, "S", true),
    (26, "oid", 4, "N", false),
    (114, "json", -1, "U", false),
    (650, "cidr", -1, "I", false),
    (700, "float4", 4, "N", false),
    (701, "float8", 8, "N", false),
    (869, "inet", -1, "I", false),
    (1042, "bpchar", -1, "S", true),
    (1043, "varchar", -1, "S", true),
    (1082, "date", 4, "D", false),
    (1083, "time", 8, "D", false),
    (1114, "timestamp", 8, "D", false),
    (1184, "timestamptz", 8, "D", false),
    (1186, "interval", 16, "T", false),
    (1700, "numeric", -1, "N", false),
    (2950, "uuid", 16, "U", false),
    (3802, "jsonb", -1, "U", false),
];

/// The array types of [`TYPES`] (id, name, element id), and the catalogs' vectors, which
/// are arrays too.
pub(crate) const ARRAY_TYPES: [(i64, &str, i64); 26] = [
    (22, "int2vector", 21),
    (30, "oidvector", 26),
    (199, "_json", 114),
    (651, "_cidr", 650),
    (1000, "_bool", 16),
    (1001, "_bytea", 17),
    (1002, "_char", 18),
    (1003, "_name", 19),
    (1005, "_int2", 21),
    (1007, "_int4", 23),
    (1009, "_text", 25),
    (1014, "_bpchar", 1042),
    (1015, "_varchar", 1043),
    (1016, "_int8", 20),
    (1021, "_float4", 700),
    (1022, "_float8", 701),
    (1028, "_oid", 26),
    (1041, "_inet", 869),
    (1115, "_timestamp", 1114),
    (1182, "_date", 1082),
    (1183, "_time", 1083),
    (1185, "_timestamptz", 1184),
    (1187, "_interval", 1186),
    (1231, "_numeric", 1700),
    (2951, "_uuid", 2950),
    (3807, "_jsonb", 3802),
];

/// The `pg_type` id of the array type of `element` (0: none).
pub(crate) fn array_of(element: i64) -> i64 {
    ARRAY_TYPES
        .iter()
        .find(|(_, name, of)| *of == element && name.starts_with('_'))
        .map_or(0, |(id, ..)| *id)
}

/// The element type of array type `array`, if it is one of [`ARRAY_TYPES`]' arrays (not a
/// vector).
pub(crate) fn element_of(array: i64) -> Option<i64> {
    ARRAY_TYPES
        .iter()
        .find(|(id, name, _)| *id == array && name.starts_with('_'))
        .map(|(.., element)| *element)
}

/// A column type's `pg_type` id and type modifier (`atttypmod`).
pub(crate) fn type_of(t: &DataType) -> (i64, i32) {
    match t {
        DataType::Boolean => (16, -1),
        DataType::SmallInt => (21, -1),
        DataType::Int => (23, -1),
        DataType::BigInt => (20, -1),
        DataType::Real => (700, -1),
        DataType::Double => (701, -1),
        DataType::Decimal { precision, scale } => (
            1700,
            ((i32::from(*precision) << 16) | i32::from(*scale)) + 4,
        ),
        DataType::Numeric => (1700, -1),
        DataType::Text => (25, -1),
        DataType::Varchar(n) => (1043, n.map_or(-1, |n| n as i32 + 4)),
        DataType::Char(n) => (1042, *n as i32 + 4),
        DataType::Bytea => (17, -1),
        DataType::Date => (1082, -1),
        DataType::Time => (1083, -1),
        DataType::Timestamp => (1114, -1),
        DataType::TimestampTz => (1184, -1),
        DataType::Interval => (1186, -1),
        DataType::Uuid => (2950, -1),
        DataType::Inet => (869, -1),
        DataType::Cidr => (650, -1),
        DataType::Json => (114, -1),
        DataType::Jsonb => (3802, -1),
        // The array type of the element's, with the element's modifier, as PostgreSQL keeps
        // it (`varchar(10)[]` has typmod 14).
        DataType::Array(element) => {
            let (element, typmod) = type_of(element);
            (array_of(element), typmod)
        }
    }
}

/// The precision in bits of integer type `type_oid` (`int2`, `int4`, `int8`), as
/// `information_schema` shows it.
pub(crate) fn integer_bits(type_oid: i64) -> Option<i32> {
    match type_oid {
        21 => Some(16),
        23 => Some(32),
        20 => Some(64),
        _ => None,
    }
}

/// `format_type(oid, typmod)`: the SQL name of a type, as `\d` shows it.
pub(crate) fn format_type(type_oid: i64, typmod: Option<i32>) -> Option<String> {
    let modifier = typmod.filter(|m| *m >= 4).map(|m| m - 4);
    Some(match type_oid {
        16 => "boolean".to_string(),
        17 => "bytea".to_string(),
        18 => "\"char\"".to_string(),
        19 => "name".to_string(),
        20 => "bigint".to_string(),
        21 => "smallint".to_string(),
        23 => "integer".to_string(),
        25 => "text".to_string(),
        26 => "oid".to_string(),
        114 => "json".to_string(),
        650 => "cidr".to_string(),
        869 => "inet".to_string(),
        700 => "real".to_string(),
        701 => "double precision".to_string(),
        1042 => match modifier {
            Some(n) => format!("character({n})"),
            None => "bpchar".to_string(),
        },
        1043 => match modifier {
            Some(n) => format!("character varying({n})"),
            None => "character varying".to_string(),
        },
        1082 => "date".to_string(),
        1083 => "time without time zone".to_string(),
        1114 => "timestamp without time zone".to_string(),
        1184 => "timestamp with time zone".to_string(),
        1186 => "interval".to_string(),
        1700 => match modifier {
            Some(m) => format!("numeric({},{})", m >> 16, m & 0xffff),
            None => "numeric".to_string(),
        },
        2950 => "uuid".to_string(),
        3802 => "jsonb".to_string(),
        22 => "int2vector".to_string(),
        30 => "oidvector".to_string(),
        0 => "-".to_string(),
        array => {
            let (_, _, element) = ARRAY_TYPES.iter().find(|a| a.0 == array)?;
            format!("{}[]", format_type(*element, typmod)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_type_names_types_as_psql_shows_them() {
        assert_eq!(
            format_type(1043, Some(24)).as_deref(),
            Some("character varying(20)")
        );
        assert_eq!(
            format_type(1700, Some(((12 << 16) | 2) + 4)).as_deref(),
            Some("numeric(12,2)")
        );
        assert_eq!(
            format_type(1184, Some(-1)).as_deref(),
            Some("timestamp with time zone")
        );
        let (t, m) = type_of(&DataType::Decimal {
            precision: 12,
            scale: 2,
        });
        assert_eq!(format_type(t, Some(m)).as_deref(), Some("numeric(12,2)"));
    }
}
