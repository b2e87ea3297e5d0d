//! The Arrow types of the catalogs' own columns, and `pg_type`'s alignment codes. The
//! PostgreSQL types themselves are [`crate::pg_types`].

use datafusion::arrow::datatypes::DataType as Arrow;

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
