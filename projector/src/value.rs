//! SQL column types and the values stored in rows and index keys.
//!
//! Invariants:
//! - [`Value`] has a total order ([`Ord`]) so any list of values can be a B-tree key. `Eq`,
//!   `Ord` and `Hash` agree: `a == b` exactly when `a.cmp(&b)` is `Equal`, and equal values
//!   hash alike.
//! - Values of different variants order by variant (in declaration order), except that
//!   `Null` is greater than every other value, as in PostgreSQL's default `NULLS LAST` B-tree
//!   order. Within a variant the order is the SQL order of that type:
//!   - floats: `-0.0 == 0.0`, every NaN is equal to every other NaN and greater than `+inf`
//!     (PostgreSQL's rule); otherwise IEEE order;
//!   - decimals compare by numeric value, so `1.50 == 1.5` (and they hash alike);
//!   - intervals compare like PostgreSQL: a month counts as 30 days and a day as 24 hours, so
//!     `1 mon == 30 days`;
//!   - text, JSON and bytes compare bytewise (the `C` collation);
//!   - arrays compare element by element, then the shorter first (`{1,2} < {1,2,0}`).
//! - Nothing here parses SQL text; that belongs to the SQL crate.
//!
//! The rkyv derives make these types part of the snapshot format: changing a variant or field
//! changes the format and needs a new format version (see `docs/design/snapshot-format.md`).

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

/// A column's declared SQL type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
// `Array` holds a `DataType`: the derive's bounds are given by hand, as rkyv's recursive
// types need (see rkyv's `json_like_schema` example).
#[rkyv(serialize_bounds(
    __S: rkyv::ser::Writer + rkyv::ser::Allocator,
    __S::Error: rkyv::rancor::Source,
))]
#[rkyv(deserialize_bounds(__D::Error: rkyv::rancor::Source))]
#[rkyv(bytecheck(bounds(__C: rkyv::validation::ArchiveContext)))]
pub enum DataType {
    /// `BOOLEAN`, stored as [`Value::Bool`].
    Boolean,
    /// `SMALLINT`, stored as [`Value::Int16`].
    SmallInt,
    /// `INTEGER`, stored as [`Value::Int32`].
    Int,
    /// `BIGINT`, stored as [`Value::Int64`].
    BigInt,
    /// `REAL`, stored as [`Value::Float32`].
    Real,
    /// `DOUBLE PRECISION`, stored as [`Value::Float64`].
    Double,
    /// `NUMERIC(precision, scale)`, stored as [`Value::Decimal`] with exactly `scale` decimal
    /// places and at most `precision` digits (`scale` is 0 to 38, `precision` at least `scale`
    /// and 1). A value holds at most 38 digits, however wide the declaration.
    Decimal {
        /// The total number of significant digits.
        precision: u8,
        /// The number of digits after the decimal point.
        scale: u8,
    },
    /// `TEXT`, stored as [`Value::Text`].
    Text,
    /// `VARCHAR(n)` (at most `n` characters) or `VARCHAR` (unbounded).
    Varchar(Option<u32>),
    /// `CHAR(n)`: at most `n` characters (padding is the SQL layer's business).
    Char(u32),
    /// `BYTEA`, stored as [`Value::Bytes`].
    Bytea,
    /// `DATE`, stored as [`Value::Date`].
    Date,
    /// `TIME` (without time zone), stored as [`Value::Time`].
    Time,
    /// `TIMESTAMP` (without time zone), stored as [`Value::Timestamp`].
    Timestamp,
    /// `TIMESTAMPTZ`, stored as [`Value::TimestampTz`] in UTC.
    TimestampTz,
    /// `INTERVAL`, stored as [`Value::Interval`].
    Interval,
    /// `UUID`, stored as [`Value::Uuid`].
    Uuid,
    /// `JSON`, stored as [`Value::Json`] text.
    Json,
    /// `JSONB`, stored as [`Value::Json`] text (normalisation is the SQL layer's business).
    Jsonb,
    /// An array of the element type (`INTEGER[]`), stored as [`Value::Array`]: one
    /// dimension, elements of that type or NULL. The element type is never an array.
    Array(#[rkyv(omit_bounds)] Box<DataType>),
    /// `NUMERIC` without a precision: [`Value::Decimal`]s of any scale up to 38 and at most
    /// 38 digits, each kept with its own scale (`0.5` stays `0.5`, `1.250` keeps its zero).
    /// A table also keeps its values' widths (see `table/numeric.rs`).
    Numeric,
    /// `INET` (an IPv4 or IPv6 host address with an optional netmask), stored as
    /// [`Value::Text`] in PostgreSQL's output form, which the SQL layer checks and writes:
    /// one text per value, so text equality is value equality. Its order is not the text's
    /// (the SQL layer orders by a key of its own).
    Inet,
    /// `CIDR` (an IPv4 or IPv6 network, no bits set right of the mask), stored as
    /// [`Value::Text`] as [`DataType::Inet`] is.
    Cidr,
}

/// The most digits a [`Value::Decimal`] holds: its mantissa is an `i128`, as Arrow's
/// `Decimal128`.
pub const MAX_NUMERIC_DIGITS: u8 = 38;

/// Microseconds in one day.
const MICROS_PER_DAY: i128 = 86_400_000_000;

/// One SQL value.
#[derive(Debug, Clone, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
// Recursive through `Array`: bounds by hand, as for `DataType`.
#[rkyv(serialize_bounds(
    __S: rkyv::ser::Writer + rkyv::ser::Allocator,
    __S::Error: rkyv::rancor::Source,
))]
#[rkyv(deserialize_bounds(__D::Error: rkyv::rancor::Source))]
#[rkyv(bytecheck(bounds(__C: rkyv::validation::ArchiveContext)))]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A `BOOLEAN`.
    Bool(bool),
    /// A `SMALLINT`.
    Int16(i16),
    /// An `INTEGER`.
    Int32(i32),
    /// A `BIGINT`.
    Int64(i64),
    /// A `REAL`.
    Float32(f32),
    /// A `DOUBLE PRECISION`.
    Float64(f64),
    /// An exact decimal: `mantissa * 10^-scale`.
    Decimal {
        /// The digits, as an integer.
        mantissa: i128,
        /// How many of the digits are after the decimal point.
        scale: u8,
    },
    /// `TEXT`, `VARCHAR` or `CHAR`.
    Text(String),
    /// `BYTEA`.
    Bytes(Vec<u8>),
    /// A `DATE`: days since 1970-01-01.
    Date(i32),
    /// A `TIME`: microseconds since midnight.
    Time(i64),
    /// A `TIMESTAMP`: microseconds since 1970-01-01 00:00:00, zone unspecified.
    Timestamp(i64),
    /// A `TIMESTAMPTZ`: microseconds since the Unix epoch, UTC.
    TimestampTz(i64),
    /// An `INTERVAL`, kept in PostgreSQL's three fields.
    Interval {
        /// Whole months.
        months: i32,
        /// Whole days.
        days: i32,
        /// Microseconds.
        micros: i64,
    },
    /// A `UUID`, big-endian bytes.
    Uuid([u8; 16]),
    /// `JSON` or `JSONB` text.
    Json(String),
    /// An array's elements, in order (NULL elements are [`Value::Null`]).
    Array(#[rkyv(omit_bounds)] Vec<Value>),
}

impl Value {
    /// True for SQL `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Bytes this value owns on the heap (string and byte buffers), for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Value::Text(s) | Value::Json(s) => s.capacity(),
            Value::Bytes(b) => b.capacity(),
            Value::Array(elements) => {
                elements.capacity() * std::mem::size_of::<Value>()
                    + elements.iter().map(Value::heap_bytes).sum::<usize>()
            }
            _ => 0,
        }
    }

    /// Position of the variant in the cross-type order; `Null` last.
    fn rank(&self) -> u8 {
        match self {
            Value::Bool(_) => 0,
            Value::Int16(_) => 1,
            Value::Int32(_) => 2,
            Value::Int64(_) => 3,
            Value::Float32(_) => 4,
            Value::Float64(_) => 5,
            Value::Decimal { .. } => 6,
            Value::Text(_) => 7,
            Value::Bytes(_) => 8,
            Value::Date(_) => 9,
            Value::Time(_) => 10,
            Value::Timestamp(_) => 11,
            Value::TimestampTz(_) => 12,
            Value::Interval { .. } => 13,
            Value::Uuid(_) => 14,
            Value::Json(_) => 15,
            Value::Array(_) => 16,
            Value::Null => 17,
        }
    }
}

/// `-0.0` becomes `0.0` and every NaN the one positive quiet NaN, so that `total_cmp` gives
/// PostgreSQL's float order.
fn canonical_f64(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else if x.is_nan() {
        f64::NAN
    } else {
        x
    }
}

fn canonical_f32(x: f32) -> f32 {
    if x == 0.0 {
        0.0
    } else if x.is_nan() {
        f32::NAN
    } else {
        x
    }
}

/// Strips trailing zero digits so that equal numbers have one representation.
fn normalize_decimal(mut mantissa: i128, mut scale: u8) -> (i128, u8) {
    if mantissa == 0 {
        return (0, 0);
    }
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    (mantissa, scale)
}

/// Compares two decimals by numeric value without overflowing.
fn cmp_decimal(a: (i128, u8), b: (i128, u8)) -> Ordering {
    let (am, as_) = normalize_decimal(a.0, a.1);
    let (bm, bs) = normalize_decimal(b.0, b.1);
    match as_.cmp(&bs) {
        Ordering::Equal => am.cmp(&bm),
        // Bring `a` to `b`'s scale. If that overflows, |a| exceeds every i128 and so |b|.
        Ordering::Less => match 10i128
            .checked_pow(u32::from(bs - as_))
            .and_then(|f| am.checked_mul(f))
        {
            Some(scaled) => scaled.cmp(&bm),
            None => 0.cmp(&am).reverse(),
        },
        Ordering::Greater => cmp_decimal(b, a).reverse(),
    }
}

fn interval_key(months: i32, days: i32, micros: i64) -> i128 {
    i128::from(months) * 30 * MICROS_PER_DAY
        + i128::from(days) * MICROS_PER_DAY
        + i128::from(micros)
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        use Value::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Bool(a), Bool(b)) => a.cmp(b),
            (Int16(a), Int16(b)) => a.cmp(b),
            (Int32(a), Int32(b)) => a.cmp(b),
            (Int64(a), Int64(b)) => a.cmp(b),
            (Float32(a), Float32(b)) => canonical_f32(*a).total_cmp(&canonical_f32(*b)),
            (Float64(a), Float64(b)) => canonical_f64(*a).total_cmp(&canonical_f64(*b)),
            (
                Decimal {
                    mantissa: am,
                    scale: as_,
                },
                Decimal {
                    mantissa: bm,
                    scale: bs,
                },
            ) => cmp_decimal((*am, *as_), (*bm, *bs)),
            (Text(a), Text(b)) | (Json(a), Json(b)) => a.cmp(b),
            (Bytes(a), Bytes(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Time(a), Time(b))
            | (Timestamp(a), Timestamp(b))
            | (TimestampTz(a), TimestampTz(b)) => a.cmp(b),
            (
                Interval {
                    months: am,
                    days: ad,
                    micros: au,
                },
                Interval {
                    months: bm,
                    days: bd,
                    micros: bu,
                },
            ) => interval_key(*am, *ad, *au).cmp(&interval_key(*bm, *bd, *bu)),
            (Uuid(a), Uuid(b)) => a.cmp(b),
            // Element by element, then the shorter first, as PostgreSQL orders arrays.
            (Array(a), Array(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u8(self.rank());
        match self {
            Value::Null => {}
            Value::Bool(v) => v.hash(state),
            Value::Int16(v) => v.hash(state),
            Value::Int32(v) => v.hash(state),
            Value::Int64(v) => v.hash(state),
            Value::Float32(v) => canonical_f32(*v).to_bits().hash(state),
            Value::Float64(v) => canonical_f64(*v).to_bits().hash(state),
            Value::Decimal { mantissa, scale } => normalize_decimal(*mantissa, *scale).hash(state),
            Value::Text(s) | Value::Json(s) => s.hash(state),
            Value::Bytes(b) => b.hash(state),
            Value::Date(v) => v.hash(state),
            Value::Time(v) | Value::Timestamp(v) | Value::TimestampTz(v) => v.hash(state),
            Value::Interval {
                months,
                days,
                micros,
            } => interval_key(*months, *days, *micros).hash(state),
            Value::Uuid(u) => u.hash(state),
            Value::Array(elements) => elements.hash(state),
        }
    }
}

impl Value {
    /// This value in a column whose type changed to `to` (`ALTER COLUMN ... TYPE`), where
    /// the change keeps every value exactly: integers to wider integers or to a `numeric`
    /// with room for their digits, `real` to `double precision`, and any value the new type
    /// admits as it is. `None` for any other change, or a value the new type cannot hold.
    pub fn converted(&self, to: &DataType) -> Option<Value> {
        let integer = match self {
            Value::Int16(v) => Some(i64::from(*v)),
            Value::Int32(v) => Some(i64::from(*v)),
            Value::Int64(v) => Some(*v),
            _ => None,
        };
        let value = match (self, to) {
            (Value::Null, _) => Value::Null,
            (value, to) if to.admits(value) => value.clone(),
            (Value::Int16(v), DataType::Int) => Value::Int32(i32::from(*v)),
            (Value::Int16(_) | Value::Int32(_), DataType::BigInt) => Value::Int64(integer?),
            (Value::Float32(v), DataType::Double) => Value::Float64(f64::from(*v)),
            (_, DataType::Decimal { scale, .. }) => Value::Decimal {
                mantissa: i128::from(integer?)
                    .checked_mul(10i128.checked_pow(u32::from(*scale))?)?,
                scale: *scale,
            },
            (_, DataType::Numeric) => Value::Decimal {
                mantissa: i128::from(integer?),
                scale: 0,
            },
            _ => return None,
        };
        (value.is_null() || to.admits(&value)).then_some(value)
    }
}

impl DataType {
    /// Whether a non-NULL `value` may be stored in a column of this type. (Nullability is the
    /// column's business, see [`crate::schema::Column`].)
    pub fn admits(&self, value: &Value) -> bool {
        match (self, value) {
            (DataType::Boolean, Value::Bool(_))
            | (DataType::SmallInt, Value::Int16(_))
            | (DataType::Int, Value::Int32(_))
            | (DataType::BigInt, Value::Int64(_))
            | (DataType::Real, Value::Float32(_))
            | (DataType::Double, Value::Float64(_))
            | (DataType::Text, Value::Text(_))
            | (DataType::Varchar(None), Value::Text(_))
            | (DataType::Inet | DataType::Cidr, Value::Text(_))
            | (DataType::Bytea, Value::Bytes(_))
            | (DataType::Date, Value::Date(_))
            | (DataType::Time, Value::Time(_))
            | (DataType::Timestamp, Value::Timestamp(_))
            | (DataType::TimestampTz, Value::TimestampTz(_))
            | (DataType::Interval, Value::Interval { .. })
            | (DataType::Uuid, Value::Uuid(_))
            | (DataType::Json | DataType::Jsonb, Value::Json(_)) => true,
            (DataType::Array(element), Value::Array(values)) => values
                .iter()
                .all(|v| v.is_null() || (!matches!(v, Value::Array(_)) && element.admits(v))),
            (DataType::Varchar(Some(n)) | DataType::Char(n), Value::Text(s)) => {
                s.chars().count() <= *n as usize
            }
            (
                DataType::Decimal {
                    precision,
                    scale: declared,
                },
                Value::Decimal { mantissa, scale },
            ) => {
                scale == declared
                    && 10u128
                        .checked_pow(u32::from(*precision))
                        .is_none_or(|limit| mantissa.unsigned_abs() < limit)
            }
            (DataType::Numeric, Value::Decimal { mantissa, scale }) => {
                *scale <= MAX_NUMERIC_DIGITS
                    && mantissa.unsigned_abs() < 10u128.pow(u32::from(MAX_NUMERIC_DIGITS))
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn hash_of(v: &Value) -> u64 {
        let mut h = DefaultHasher::new();
        v.hash(&mut h);
        h.finish()
    }

    fn dec(mantissa: i128, scale: u8) -> Value {
        Value::Decimal { mantissa, scale }
    }

    #[test]
    fn null_sorts_after_everything() {
        for v in [
            Value::Bool(true),
            Value::Int64(i64::MAX),
            Value::Float64(f64::NAN),
            Value::Json("z".into()),
        ] {
            assert!(Value::Null > v, "{v:?}");
        }
        assert_eq!(Value::Null, Value::Null);
    }

    #[test]
    fn floats_follow_postgres_order() {
        assert_eq!(Value::Float64(-0.0), Value::Float64(0.0));
        assert_eq!(
            hash_of(&Value::Float64(-0.0)),
            hash_of(&Value::Float64(0.0))
        );
        assert_eq!(Value::Float64(f64::NAN), Value::Float64(-f64::NAN));
        assert!(Value::Float64(f64::NAN) > Value::Float64(f64::INFINITY));
        assert!(Value::Float32(-1.5) < Value::Float32(1.0));
        assert!(Value::Float32(f32::NAN) > Value::Float32(f32::MAX));
    }

    #[test]
    fn decimals_compare_by_value() {
        assert_eq!(dec(150, 2), dec(15, 1));
        assert_eq!(hash_of(&dec(150, 2)), hash_of(&dec(15, 1)));
        assert_eq!(dec(0, 5), dec(0, 0));
        assert!(dec(151, 2) > dec(15, 1));
        assert!(dec(-1, 0) < dec(-99, 2));
        // Scaling 1 by 10^60 overflows i128: the larger magnitude must still win.
        assert!(dec(i128::MAX, 0) > dec(1, 60));
        assert!(dec(1, 0) > dec(i128::MAX, 60));
        assert!(dec(-1, 0) < dec(i128::MIN, 60));
        assert!(dec(2, 0) > dec(1, 255));
    }

    #[test]
    fn intervals_compare_like_postgres() {
        let month = Value::Interval {
            months: 1,
            days: 0,
            micros: 0,
        };
        let thirty_days = Value::Interval {
            months: 0,
            days: 30,
            micros: 0,
        };
        assert_eq!(month, thirty_days);
        assert_eq!(hash_of(&month), hash_of(&thirty_days));
        let day_and_a_bit = Value::Interval {
            months: 0,
            days: 1,
            micros: 1,
        };
        let day = Value::Interval {
            months: 0,
            days: 0,
            micros: 86_400_000_000,
        };
        assert!(day_and_a_bit > day);
    }

    #[test]
    fn different_variants_are_never_equal() {
        assert_ne!(Value::Int32(1), Value::Int64(1));
        assert_ne!(Value::Text("a".into()), Value::Json("a".into()));
        assert!(Value::Int32(i32::MAX) < Value::Int64(i64::MIN));
    }

    #[test]
    fn conversions_keep_values_exactly_or_are_refused() {
        let numeric = DataType::Decimal {
            precision: 12,
            scale: 2,
        };
        assert_eq!(
            Value::Int32(-7).converted(&DataType::BigInt),
            Some(Value::Int64(-7))
        );
        assert_eq!(
            Value::Int16(3).converted(&DataType::Int),
            Some(Value::Int32(3))
        );
        assert_eq!(
            Value::Float32(1.5).converted(&DataType::Double),
            Some(Value::Float64(1.5))
        );
        assert_eq!(
            Value::Int64(12).converted(&numeric),
            Some(Value::Decimal {
                mantissa: 1200,
                scale: 2
            })
        );
        assert_eq!(Value::Null.converted(&DataType::BigInt), Some(Value::Null));
        // Too many digits for the numeric, a narrowing, a change of kind: none.
        assert_eq!(Value::Int64(10_000_000_000).converted(&numeric), None);
        assert_eq!(Value::Int64(1).converted(&DataType::Int), None);
        assert_eq!(Value::Text("1".into()).converted(&DataType::Int), None);
    }

    #[test]
    fn admits_checks_type_and_bounds() {
        assert!(DataType::Int.admits(&Value::Int32(1)));
        assert!(!DataType::Int.admits(&Value::Int64(1)));
        assert!(DataType::Varchar(Some(3)).admits(&Value::Text("äbc".into())));
        assert!(!DataType::Varchar(Some(3)).admits(&Value::Text("abcd".into())));
        assert!(!DataType::Char(1).admits(&Value::Text("ab".into())));
        let numeric = DataType::Decimal {
            precision: 4,
            scale: 2,
        };
        assert!(numeric.admits(&dec(9999, 2)));
        assert!(numeric.admits(&dec(-9999, 2)));
        assert!(!numeric.admits(&dec(10000, 2)));
        assert!(!numeric.admits(&dec(1, 1)));
        assert!(DataType::Jsonb.admits(&Value::Json("{}".into())));
        assert!(!DataType::Boolean.admits(&Value::Null));
    }
}
