//! `pg_catalog` and `information_schema`: the system catalogs PostgreSQL clients read to
//! learn what a database holds. psql's `\d`, `\dt`, `\di`, `\l`, `\dn` and `\du`, and
//! SQLAlchemy's reflection, send the queries PostgreSQL itself answers from these tables.
//!
//! The catalogs are built, for a statement that reads them, from the tables its snapshot
//! sees: each table is a `pg_class` row (kind `r`), its primary key, `UNIQUE` constraints
//! and indexes are `pg_class` rows of kind `i` with `pg_index` (and `pg_constraint`) rows,
//! its columns are `pg_attribute` rows with `pg_type` types and `pg_attrdef` defaults. The
//! functions those queries call are here too: `format_type`, `pg_get_indexdef`,
//! `pg_get_constraintdef`, `pg_get_expr`, `pg_get_userbyid`, `pg_table_is_visible` ...
//!
//! Object ids are stable while a table lives: the tables are numbered by creation (every
//! incarnation the ledger remembers), and each gets a block of 64 ids from 16384 up, as
//! PostgreSQL numbers user objects from 16384: the table, then its primary key, its
//! `UNIQUE` constraints and its indexes.
//!
//! What DriftDB does not have (row-level security policies, publications, inheritance,
//! triggers, extended statistics, collations other than the default, sequences, enums)
//! are empty catalogs, and [`rewrite`] folds a `SELECT` that inner-joins one of them to
//! an empty result before planning: it has no rows whatever its other clauses say, and
//! clauses such as psql's array subscripts over `pg_publication_rel` are beyond DataFusion.
//!
//! [`rewrite`] also turns PostgreSQL's catalog idioms into what DataFusion plans, in every
//! statement: `OPERATOR(pg_catalog.~)` into `~`, `COLLATE pg_catalog.default` (or `"C"`)
//! into nothing, `pg_catalog.`-qualified functions and types into plain ones, casts to
//! `regclass`, `regtype`, `regnamespace` and `oid` into lookups, `x = ANY (ARRAY[...])` into
//! `x IN (...)` and `ARRAY(subquery)` into the array's text. In a statement that reads the
//! catalogs it also wraps correlated scalar subqueries in `max()` and lifts their
//! conditions on outer columns into a `CASE`, which DataFusion needs to decorrelate them.

mod constraints;
mod system;
mod views;

use self::system::EMPTY;
pub(crate) use self::system::catalog_oid;

pub(crate) use self::views::CatalogView;

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType as Arrow, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider};
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarUDF, Signature, SimpleScalarUDF, TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;
use driftdb_projector::security::Role;
use driftdb_projector::{ColumnDefault, DataType, TableSchema};
use sqlparser::ast::{
    self, BinaryOperator, Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr,
    Statement, TableFactor, Value, ValueWithSpan, VisitMut, VisitorMut,
};

use crate::SqlState;
use crate::arrow::with_pg_type;

/// The owner of everything: the bootstrap superuser, as `pg_get_userbyid` names it.
pub const OWNER: &str = "driftdb";
/// The kind of a catalog index entry that is a unique index without a constraint.
const UNIQUE_INDEX: &str = "ui";

const OWNER_OID: i64 = 10;
/// PostgreSQL 15's owner of schema `public`.
const PUBLIC_OWNER_OID: i64 = 6171;
const PG_CATALOG: i64 = 11;
const PUBLIC: i64 = 2200;
const INFORMATION_SCHEMA: i64 = 13_000;
/// The session's temporary schema, `pg_temp_<session>`.
const TEMPORARY_SCHEMA: i64 = 13_500;
const HEAP: i64 = 2;
const BTREE: i64 = 403;
const DEFAULT_COLLATION: i64 = 100;
const DATABASE_OID: i64 = 16_383;
const FIRST_USER_OID: i64 = 16_384;
/// `pg_class`'s own id: the catalog `pg_description` names relations' comments by.
const PG_CLASS_OID: i64 = 1259;
/// `pg_attrdef`'s own oid: the class of a column default in `pg_depend`.
const PG_ATTRDEF_OID: i64 = 2604;
/// `pg_namespace`'s own oid: the class of a schema's comment in `pg_description`.
const PG_NAMESPACE_OID: i64 = 2615;
/// Sequences are numbered from here, far above any table's ids.
const FIRST_SEQUENCE_OID: i64 = 3_000_000_000;
/// Ids per table: the table, its primary key, then its other constraints and indexes.
const OIDS_PER_TABLE: i64 = 64;

/// The constraints the catalogs describe beside the tables' keys: foreign keys by
/// (referencing) table, and checks.
#[derive(Debug)]
pub(crate) struct Constraints<'a> {
    pub foreign_keys: &'a [(String, driftdb_projector::ForeignKey)],
    pub checks: &'a [CatalogCheck],
    /// The constraints added `NOT VALID` and not validated since: table (stored name) and
    /// constraint name.
    pub not_validated: &'a [(String, String)],
}

impl Constraints<'_> {
    /// Whether constraint `name` of `table` (stored name) was validated.
    pub(crate) fn validated(&self, table: &str, name: &str) -> bool {
        !self
            .not_validated
            .iter()
            .any(|(t, n)| t == table && n == name)
    }
}

/// A check constraint of table `table` (its stored name), its expression naming the
/// columns as they are called now.
#[derive(Debug)]
pub(crate) struct CatalogCheck {
    pub table: String,
    pub name: String,
    pub expr: String,
    pub columns: Vec<String>,
}

/// A comment on relation `relation` (by the name the session sees), or on its `column`.
#[derive(Debug)]
pub(crate) struct CatalogComment {
    pub relation: String,
    pub column: Option<String>,
    pub text: String,
}

/// A table the catalogs describe.
#[derive(Debug, Clone)]
pub struct CatalogTable {
    /// The table's `pg_class` id; the next ids are its indexes'.
    pub oid: i64,
    /// Its own name, without its schema (a temporary table's is not its stored name).
    pub name: String,
    /// The schema of a temporary table (`pg_temp_<session>`); `None`: its stored name's.
    pub temporary_schema: Option<String>,
    pub schema: TableSchema,
}

impl CatalogTable {
    /// Its schema's `pg_namespace` id and name.
    pub(crate) fn namespace(&self) -> (i64, &str) {
        match &self.temporary_schema {
            Some(temporary) => (TEMPORARY_SCHEMA, temporary.as_str()),
            None => {
                let schema = crate::schemas::split(self.schema.name()).0;
                (namespace_oid(schema), schema)
            }
        }
    }

    /// The name `regclass` reads and shows: its stored name (`s.t` outside `public`), or a
    /// temporary table's own.
    pub(crate) fn regclass(&self) -> &str {
        match &self.temporary_schema {
            Some(_) => &self.name,
            None => self.schema.name(),
        }
    }
}

/// The roles and schemas the catalogs show, and the session's search path.
#[derive(Debug)]
pub(crate) struct Namespaces<'a> {
    pub roles: &'a [Role],
    /// The user's schemas.
    pub schemas: &'a [CatalogSchema],
    /// The schemas of the search path that exist, in order: the catalog functions qualify
    /// the names of relations outside them.
    pub path: &'a [String],
    /// The owner of each relation (by stored name) `OWNER TO` gave one; the others are
    /// [`OWNER`]'s.
    pub owners: &'a std::collections::BTreeMap<String, String>,
}

impl Namespaces<'_> {
    /// The owner of the relation stored as `stored`.
    fn owner_of(&self, stored: &str) -> &str {
        self.owners.get(stored).map_or(OWNER, String::as_str)
    }
}

/// Column default `text` with the sequence its `nextval` names qualified where the search
/// path `path` does not show it.
fn visible_default(text: &str, path: &[String]) -> String {
    match sequence_of_default(text) {
        Some(sequence) => {
            let visible = visible_name(&sequence, path);
            crate::sequences::renamed_in_default(text, &sequence, &visible)
                .unwrap_or_else(|| text.to_string())
        }
        None => text.to_string(),
    }
}

/// A schema of the user's, as `pg_namespace` shows it.
#[derive(Debug, Clone)]
pub(crate) struct CatalogSchema {
    pub name: String,
    pub owner: String,
}

/// Schemas of the user's are numbered from here.
const FIRST_SCHEMA_OID: i64 = 2_000_000_000;

/// The `pg_namespace` id of schema `name`: the built-in ones' as PostgreSQL numbers them,
/// a user's schema's from a checksum of its name, so it stays the same across statements
/// and points in time (a schema dropped and made again keeps its id).
pub(crate) fn namespace_oid(name: &str) -> i64 {
    match name {
        crate::schemas::PUBLIC => PUBLIC,
        "pg_catalog" => PG_CATALOG,
        "information_schema" => INFORMATION_SCHEMA,
        _ => FIRST_SCHEMA_OID + i64::from(crc32fast::hash(name.as_bytes()) % 1_000_000_000),
    }
}

/// The `pg_authid` id of role `name`: the bootstrap superuser's is PostgreSQL's, the others
/// are below the first user object id, counting down from it.
fn role_oid(roles: &[Role], name: &str) -> i64 {
    match roles.iter().position(|r| r.name == name) {
        _ if name == OWNER => OWNER_OID,
        Some(i) => FIRST_USER_OID - 2 - i as i64,
        None => OWNER_OID,
    }
}

/// The schema and own name of the relation stored as `stored`, with its `pg_namespace` id.
fn namespace_of(stored: &str) -> (i64, &str, &str) {
    let (schema, name) = crate::schemas::split(stored);
    (namespace_oid(schema), schema, name)
}

/// Numbers `tables` (every incarnation ever, as `(created, name)`) by creation; the live
/// ones are then looked up by name and creation.
pub fn number_tables(mut tables: Vec<(u64, String)>) -> BTreeMap<(u64, String), i64> {
    tables.sort();
    tables
        .into_iter()
        .enumerate()
        .map(|(i, key)| (key, FIRST_USER_OID + OIDS_PER_TABLE * i as i64))
        .collect()
}

/// The id a table numbered by none of the ledger's incarnations gets (one a transaction
/// created): after all of them.
pub fn private_oid(numbered: usize, nth: usize) -> i64 {
    FIRST_USER_OID + OIDS_PER_TABLE * (numbered + nth) as i64
}

/// Whether `statement` reads a system catalog or calls a catalog function (and so needs
/// [`register`]).
/// Whether `statement` calls the function `name` (qualified or not) anywhere.
pub fn calls(statement: &Statement, name: &str) -> bool {
    let mut found = false;
    let _ = ast::visit_expressions(statement, |e| {
        if let Expr::Function(f) = e {
            found |= f
                .name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .is_some_and(|i| i.value.eq_ignore_ascii_case(name));
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

pub fn reads_catalogs(statement: &Statement) -> bool {
    let mut found = false;
    let _ = ast::visit_relations(statement, |name| {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(|i| i.value.to_lowercase()))
            .collect();
        found |= match parts.as_slice() {
            [schema, _] => schema == "pg_catalog" || schema == "information_schema",
            [table] => table.starts_with("pg_"),
            _ => false,
        };
        ControlFlow::<()>::Continue(())
    });
    let _ = ast::visit_expressions(statement, |e| {
        found |= match e {
            Expr::Cast {
                data_type: ast::DataType::Regclass,
                ..
            } => true,
            Expr::Cast {
                data_type: ast::DataType::Custom(name, _),
                ..
            } => unqualified(name).is_some_and(|n| n.starts_with("reg")),
            Expr::Function(f) => {
                unqualified(&f.name).is_some_and(|n| FUNCTIONS.contains(&n.as_str()))
            }
            _ => false,
        };
        ControlFlow::<()>::Continue(())
    });
    found
}

/// The catalog functions [`register`] defines.
const FUNCTIONS: [&str; 20] = [
    "to_regtype",
    "acldefault",
    "pg_get_userbyid",
    "pg_table_is_visible",
    "pg_type_is_visible",
    "pg_collation_is_visible",
    "pg_function_is_visible",
    "pg_relation_is_publishable",
    "format_type",
    "pg_get_expr",
    "pg_get_indexdef",
    "pg_get_constraintdef",
    "pg_encoding_to_char",
    "obj_description",
    "col_description",
    "shobj_description",
    "pg_get_statisticsobjdef_columns",
    "array_to_string",
    "pg_partition_ancestors",
    "pg_get_viewdef",
];

/// One catalog relation under construction: its columns and rows.
struct Relation {
    fields: Vec<Field>,
    rows: Vec<Vec<ScalarValue>>,
}

impl Relation {
    fn new(columns: &[(&str, Arrow)]) -> Relation {
        Relation {
            fields: columns
                .iter()
                .map(|(name, t)| Field::new(*name, t.clone(), true))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// The relation with its column `column` sent as the PostgreSQL type `pg_type`
    /// ([`with_pg_type`]): the catalogs' `int2vector` and `oidvector` are lists.
    fn typed(mut self, column: &str, pg_type: &str) -> Relation {
        for field in &mut self.fields {
            if field.name() == column {
                *field = with_pg_type(field.clone(), pg_type);
            }
        }
        self
    }

    /// The relation with PostgreSQL's system column `tableoid` (`*` leaves it out, as it
    /// does a system column: see [`crate::wildcard`]).
    fn with_tableoid(mut self, id: i64) -> Relation {
        self.fields.push(Field::new(TABLEOID, OID, false));
        for row in &mut self.rows {
            row.push(oid(id));
        }
        self
    }

    fn push(&mut self, row: Vec<ScalarValue>) {
        debug_assert_eq!(row.len(), self.fields.len());
        self.rows.push(row);
    }

    /// Sets column `column` of the newest row.
    fn set_last(&mut self, column: &str, value: ScalarValue) {
        let at = self.fields.iter().position(|f| f.name() == column);
        if let (Some(at), Some(row)) = (at, self.rows.last_mut()) {
            row[at] = value;
        }
    }

    fn table(self) -> Result<Arc<MemTable>> {
        let schema = Arc::new(Schema::new(self.fields));
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for (i, field) in schema.fields().iter().enumerate() {
            let values = self.rows.iter().map(|r| r[i].clone());
            columns.push(if self.rows.is_empty() {
                datafusion::arrow::array::new_empty_array(field.data_type())
            } else {
                ScalarValue::iter_to_array(values)?
            });
        }
        let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
        Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))
    }
}

/// The sequence a column default `nextval('name'::regclass)` takes its values from.
fn sequence_of_default(default: &str) -> Option<String> {
    let rest = default.trim().strip_prefix("nextval('")?;
    let name = &rest[..rest.find('\'')?];
    Some(crate::sequences::name_of(name))
}

/// The relation stored as `stored` as PostgreSQL's catalog functions print it under search
/// path `path`: by its own name where its schema is on the path, qualified otherwise (under
/// `pg_dump`'s empty path, always).
pub(crate) fn visible_name(stored: &str, path: &[String]) -> String {
    let (schema, name) = crate::schemas::split(stored);
    match path.iter().any(|s| s == schema) {
        true => crate::postgres::quote_ident(name),
        false => crate::schemas::qualified(stored),
    }
}

/// The system column of a catalog table's rows holding the catalog's own oid.
pub(crate) const TABLEOID: &str = "tableoid";

/// An object id: PostgreSQL's `oid` is an unsigned 32-bit integer, and as `UInt32` it
/// reaches clients as `oid` (and `oid[]`, through `array_agg`), as asyncpg expects.
fn oid(v: i64) -> ScalarValue {
    ScalarValue::UInt32(u32::try_from(v).ok())
}
fn text(v: &str) -> ScalarValue {
    ScalarValue::Utf8(Some(v.to_string()))
}
fn null_text() -> ScalarValue {
    ScalarValue::Utf8(None)
}
fn boolean(v: bool) -> ScalarValue {
    ScalarValue::Boolean(Some(v))
}
fn int2(v: i16) -> ScalarValue {
    ScalarValue::Int16(Some(v))
}
fn int4(v: i32) -> ScalarValue {
    ScalarValue::Int32(Some(v))
}
/// A list of `values` of type `t`.
fn list_of(values: Vec<ScalarValue>, t: &Arrow) -> ScalarValue {
    ScalarValue::List(ScalarValue::new_list_nullable(&values, t))
}

/// `int2[]`, and the lists the catalogs' `int2vector` and `oidvector` are
/// ([`Relation::typed`]).
/// A column's `attalign` (and its type's `typalign`) for values of `length` bytes (-1:
/// variable).
fn align(length: i16) -> &'static str {
    match length {
        1 => "c",
        2 => "s",
        8 => "d",
        _ => "i",
    }
}

fn int2_array() -> Arrow {
    Arrow::new_list(INT2, true)
}
fn oid_array() -> Arrow {
    Arrow::new_list(OID, true)
}

const OID: Arrow = Arrow::UInt32;
const TEXT: Arrow = Arrow::Utf8;
const BOOL: Arrow = Arrow::Boolean;
const INT2: Arrow = Arrow::Int16;
const INT4: Arrow = Arrow::Int32;

/// PostgreSQL's built-in types DriftDB's columns have: oid, name, length, category and
/// whether values take the default collation.
const TYPES: [(i64, &str, i16, &str, bool); 24] = [
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
const ARRAY_TYPES: [(i64, &str, i64); 26] = [
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

/// A column type's `pg_type` id and type modifier (`atttypmod`).
fn type_of(t: &DataType) -> (i64, i32) {
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
            let array = ARRAY_TYPES
                .iter()
                .find(|(_, name, of)| *of == element && name.starts_with('_'))
                .map_or(0, |(id, ..)| *id);
            (array, typmod)
        }
    }
}

/// `format_type(oid, typmod)`: the SQL name of a type, as `\d` shows it.
fn format_type(type_oid: i64, typmod: Option<i32>) -> Option<String> {
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

/// What the catalog functions look up by object id.
#[derive(Debug, Default)]
struct Definitions {
    /// `pg_get_indexdef`: each index's `CREATE INDEX` and its column names.
    indexes: HashMap<i64, (String, Vec<String>)>,
    /// `pg_get_constraintdef`: each constraint's definition.
    constraints: HashMap<i64, String>,
    /// `pg_get_viewdef`: each view's query.
    views: HashMap<i64, String>,
    /// `obj_description` and `col_description`: comments by object id and column number
    /// (0 for the object itself).
    descriptions: HashMap<(i64, i32), String>,
    /// `regclass`: names by id and ids by name.
    relations: HashMap<i64, String>,
    relation_ids: HashMap<String, i64>,
    /// `pg_get_userbyid`: role names by id.
    roles: HashMap<i64, String>,
    /// `regnamespace`: schema names by id.
    namespaces: HashMap<i64, String>,
    /// The session's search path (its schemas that exist): the definitions qualify names
    /// outside it.
    path: Vec<String>,
}

/// A session parameter, as `pg_settings` shows it.
#[derive(Debug, Clone)]
pub(crate) struct Setting {
    pub name: String,
    pub value: String,
    pub default: String,
    /// Whether it reports a fact of the server (`SET` refuses it).
    pub read_only: bool,
}

/// Adds `pg_settings`, the session's parameters, to the catalogs [`register`] made in `ctx`.
pub(crate) fn register_settings(ctx: &SessionContext, settings: &[Setting]) -> Result<()> {
    let mut relation = Relation::new(&[
        ("name", TEXT),
        ("setting", TEXT),
        ("unit", TEXT),
        ("category", TEXT),
        ("short_desc", TEXT),
        ("context", TEXT),
        ("vartype", TEXT),
        ("source", TEXT),
        ("boot_val", TEXT),
        ("reset_val", TEXT),
        ("pending_restart", BOOL),
    ]);
    for setting in settings {
        relation.push(vec![
            text(&setting.name),
            text(&setting.value),
            null_text(),
            null_text(),
            null_text(),
            text(if setting.read_only {
                "internal"
            } else {
                "user"
            }),
            text("string"),
            text(if setting.value == setting.default {
                "default"
            } else {
                "session"
            }),
            text(&setting.default),
            text(&setting.default),
            boolean(false),
        ]);
    }
    let catalog_name = ctx.state().config_options().catalog.default_catalog.clone();
    let schema = ctx
        .catalog(&catalog_name)
        .and_then(|c| c.schema("pg_catalog"))
        .ok_or_else(|| DataFusionError::Internal("no pg_catalog schema".to_string()))?;
    schema.register_table("pg_settings".to_string(), relation.table()?)?;
    Ok(())
}

/// Registers the catalogs of `tables` in `ctx`: schemas `pg_catalog` and
/// `information_schema`, and the catalog functions.
pub(crate) fn register(
    ctx: &SessionContext,
    tables: &[CatalogTable],
    constraints: &Constraints<'_>,
    views: &[CatalogView],
    comments: &[CatalogComment],
    sequences: &[crate::sequences::Sequence],
    namespaces: &Namespaces<'_>,
) -> Result<()> {
    let roles = namespaces.roles;
    let mut defs = Definitions {
        path: namespaces.path.to_vec(),
        ..Definitions::default()
    };
    let mut namespace = Relation::new(&[
        ("oid", OID),
        ("nspname", TEXT),
        ("nspowner", OID),
        ("nspacl", TEXT),
    ]);
    for (id, name, owner) in [
        (PG_CATALOG, "pg_catalog", OWNER_OID),
        (PUBLIC, "public", PUBLIC_OWNER_OID),
        (INFORMATION_SCHEMA, "information_schema", OWNER_OID),
    ] {
        defs.namespaces.insert(id, name.to_string());
        namespace.push(vec![oid(id), text(name), oid(owner), null_text()]);
    }
    for schema in namespaces.schemas {
        let id = namespace_oid(&schema.name);
        defs.namespaces.insert(id, schema.name.clone());
        namespace.push(vec![
            oid(id),
            text(&schema.name),
            oid(role_oid(roles, &schema.owner)),
            null_text(),
        ]);
    }
    if let Some(name) = tables.iter().find_map(|t| t.temporary_schema.as_deref()) {
        defs.namespaces.insert(TEMPORARY_SCHEMA, name.to_string());
        namespace.push(vec![
            oid(TEMPORARY_SCHEMA),
            text(name),
            oid(OWNER_OID),
            null_text(),
        ]);
    }

    let mut class = Relation::new(&[
        ("oid", OID),
        ("relname", TEXT),
        ("relnamespace", OID),
        ("reltype", OID),
        ("reloftype", OID),
        ("relowner", OID),
        ("relam", OID),
        ("relfilenode", OID),
        ("reltablespace", OID),
        ("relpages", INT4),
        ("reltuples", Arrow::Float32),
        ("relallvisible", INT4),
        ("reltoastrelid", OID),
        ("relhasindex", BOOL),
        ("relisshared", BOOL),
        ("relpersistence", TEXT),
        ("relkind", TEXT),
        ("relnatts", INT2),
        ("relchecks", INT2),
        ("relhasrules", BOOL),
        ("relhastriggers", BOOL),
        ("relhassubclass", BOOL),
        ("relrowsecurity", BOOL),
        ("relforcerowsecurity", BOOL),
        ("relispopulated", BOOL),
        ("relreplident", TEXT),
        ("relispartition", BOOL),
        ("reloptions", Arrow::new_list(TEXT, true)),
        ("relpartbound", TEXT),
        ("relacl", TEXT),
        ("relfrozenxid", OID),
        ("relminmxid", OID),
    ]);
    let class_row =
        |id: i64, name: &str, namespace: i64, kind: &str, am: i64, natts: usize, owner: &str| {
            vec![
                oid(id),
                text(name),
                oid(namespace),
                oid(0),
                oid(0),
                oid(role_oid(roles, owner)),
                oid(am),
                oid(id),
                oid(0),
                int4(0),
                ScalarValue::Float32(Some(-1.0)),
                int4(0),
                oid(0),
                boolean(kind == "r"),
                boolean(false),
                text(if namespace == TEMPORARY_SCHEMA {
                    "t"
                } else {
                    "p"
                }),
                text(kind),
                int2(natts as i16),
                int2(0),
                boolean(false),
                boolean(false),
                boolean(false),
                boolean(false),
                boolean(false),
                boolean(true),
                text(if kind == "r" { "d" } else { "n" }),
                boolean(false),
                ScalarValue::try_from(&Arrow::new_list(TEXT, true)).unwrap_or(ScalarValue::Null),
                null_text(),
                null_text(),
                oid(0),
                oid(0),
            ]
        };
    let mut attribute = Relation::new(&[
        ("attrelid", OID),
        ("attname", TEXT),
        ("atttypid", OID),
        ("attstattarget", INT4),
        ("attlen", INT2),
        ("attnum", INT2),
        ("attndims", INT4),
        ("atttypmod", INT4),
        ("attbyval", BOOL),
        ("attstorage", TEXT),
        ("attcompression", TEXT),
        ("attnotnull", BOOL),
        ("atthasdef", BOOL),
        ("atthasmissing", BOOL),
        ("attidentity", TEXT),
        ("attgenerated", TEXT),
        ("attisdropped", BOOL),
        ("attislocal", BOOL),
        ("attinhcount", INT4),
        ("attcollation", OID),
        ("attacl", TEXT),
        ("attoptions", TEXT),
        ("attalign", TEXT),
        ("attmissingval", TEXT),
        ("attfdwoptions", TEXT),
    ]);
    let mut attrdef = Relation::new(&[
        ("oid", OID),
        ("adrelid", OID),
        ("adnum", INT2),
        ("adbin", TEXT),
    ]);
    let mut index = Relation::new(&[
        ("indexrelid", OID),
        ("indrelid", OID),
        ("indnatts", INT2),
        ("indnkeyatts", INT2),
        ("indisunique", BOOL),
        ("indnullsnotdistinct", BOOL),
        ("indisprimary", BOOL),
        ("indisexclusion", BOOL),
        ("indimmediate", BOOL),
        ("indisclustered", BOOL),
        ("indisvalid", BOOL),
        ("indcheckxmin", BOOL),
        ("indisready", BOOL),
        ("indislive", BOOL),
        ("indisreplident", BOOL),
        ("indkey", int2_array()),
        ("indcollation", oid_array()),
        ("indclass", oid_array()),
        ("indoption", int2_array()),
        ("indexprs", TEXT),
        ("indpred", TEXT),
    ])
    .typed("indkey", "int2vector")
    .typed("indcollation", "oidvector")
    .typed("indclass", "oidvector")
    .typed("indoption", "int2vector");
    let mut constraint = Relation::new(&[
        ("oid", OID),
        ("conname", TEXT),
        ("connamespace", OID),
        ("contype", TEXT),
        ("condeferrable", BOOL),
        ("condeferred", BOOL),
        ("convalidated", BOOL),
        ("conrelid", OID),
        ("contypid", OID),
        ("conindid", OID),
        ("conparentid", OID),
        ("confrelid", OID),
        ("confupdtype", TEXT),
        ("confdeltype", TEXT),
        ("confmatchtype", TEXT),
        ("conislocal", BOOL),
        ("coninhcount", INT4),
        ("connoinherit", BOOL),
        ("conkey", int2_array()),
        ("confkey", int2_array()),
        ("conbin", TEXT),
    ]);
    let mut tables_view = Relation::new(&[
        ("schemaname", TEXT),
        ("tablename", TEXT),
        ("tableowner", TEXT),
        ("tablespace", TEXT),
        ("hasindexes", BOOL),
        ("hasrules", BOOL),
        ("hastriggers", BOOL),
        ("rowsecurity", BOOL),
    ]);
    let mut indexes_view = Relation::new(&[
        ("schemaname", TEXT),
        ("tablename", TEXT),
        ("indexname", TEXT),
        ("tablespace", TEXT),
        ("indexdef", TEXT),
    ]);
    let mut is_tables = Relation::new(&[
        ("table_catalog", TEXT),
        ("table_schema", TEXT),
        ("table_name", TEXT),
        ("table_type", TEXT),
        ("is_insertable_into", TEXT),
    ]);
    let mut is_columns = Relation::new(&[
        ("table_catalog", TEXT),
        ("table_schema", TEXT),
        ("table_name", TEXT),
        ("column_name", TEXT),
        ("ordinal_position", INT4),
        ("column_default", TEXT),
        ("is_nullable", TEXT),
        ("data_type", TEXT),
        ("character_maximum_length", INT4),
        ("numeric_precision", INT4),
        ("numeric_scale", INT4),
        ("udt_name", TEXT),
    ]);

    for table in tables {
        let schema = &table.schema;
        let name = table.name.as_str();
        let (namespace, schema_name) = table.namespace();
        let columns = schema.columns();
        let regclass = table.regclass();
        defs.relations.insert(table.oid, regclass.to_string());
        // A temporary table hides a permanent one of its name, as `pg_temp` comes first.
        if table.temporary_schema.is_some() || !defs.relation_ids.contains_key(regclass) {
            defs.relation_ids.insert(regclass.to_string(), table.oid);
        }
        let owner = match table.temporary_schema {
            Some(_) => OWNER,
            None => namespaces.owner_of(schema.name()),
        };
        class.push(class_row(
            table.oid,
            name,
            namespace,
            "r",
            HEAP,
            schema.visible().count(),
            owner,
        ));
        // Foreign keys are triggers in PostgreSQL: psql's `\d` looks for them only then.
        if constraints
            .foreign_keys
            .iter()
            .any(|(t, fk)| t == schema.name() || fk.parent == schema.name())
        {
            class.set_last("relhastriggers", boolean(true));
        }
        let checks = constraints
            .checks
            .iter()
            .filter(|c| c.table == schema.name())
            .count();
        class.set_last("relchecks", int2(i16::try_from(checks).unwrap_or(i16::MAX)));
        tables_view.push(vec![
            text(schema_name),
            text(name),
            text(owner),
            null_text(),
            boolean(true),
            boolean(false),
            boolean(false),
            boolean(false),
        ]);
        is_tables.push(vec![
            text("driftdb"),
            text(schema_name),
            text(name),
            text(match namespace {
                TEMPORARY_SCHEMA => "LOCAL TEMPORARY",
                _ => "BASE TABLE",
            }),
            text("YES"),
        ]);
        // A hidden row identity is not shown: its attnum is a gap, as a dropped column's is
        // in PostgreSQL.
        for (i, column) in columns.iter().enumerate().filter(|(_, c)| !c.is_hidden()) {
            let (type_oid, typmod) = type_of(&column.data_type);
            // An array column collates as its elements do, and has one dimension.
            let (element_oid, dimensions) = match &column.data_type {
                DataType::Array(element) => (type_of(element).0, 1),
                _ => (type_oid, 0),
            };
            let collatable = TYPES
                .iter()
                .any(|(id, _, _, _, collatable)| *id == element_oid && *collatable);
            let length = TYPES
                .iter()
                .find(|(id, ..)| *id == type_oid)
                .map_or(-1, |t| t.2);
            let attnum = i as i16 + 1;
            let identity = sequences
                .iter()
                .find(|s| {
                    s.owner
                        .as_ref()
                        .is_some_and(|(t, c)| t == schema.name() && *c == column.name)
                })
                .and_then(|s| s.identity)
                .map_or("", crate::sequences::Identity::code);
            // An identity column has no default in PostgreSQL's catalogs: `attidentity`
            // says where its values come from.
            let default = match &column.default {
                _ if !identity.is_empty() => None,
                Some(ColumnDefault::Expr(text)) => Some(visible_default(text, namespaces.path)),
                Some(ColumnDefault::Value(v)) => Some(format!("{v:?}")),
                Some(ColumnDefault::RowId(_)) | None => None,
            };
            attribute.push(vec![
                oid(table.oid),
                text(&column.name),
                oid(type_oid),
                int4(-1),
                int2(length),
                int2(attnum),
                int4(dimensions),
                int4(typmod),
                boolean(length > 0 && length <= 8),
                text(if length > 0 { "p" } else { "x" }),
                text(""),
                boolean(!column.nullable),
                boolean(default.is_some()),
                boolean(false),
                text(identity),
                text(""),
                boolean(false),
                boolean(true),
                int4(0),
                oid(if collatable { DEFAULT_COLLATION } else { 0 }),
                null_text(),
                null_text(),
                text(align(length)),
                null_text(),
                null_text(),
            ]);
            if let Some(default) = &default {
                attrdef.push(vec![
                    oid(table.oid + OIDS_PER_TABLE / 2 + i64::from(attnum)),
                    oid(table.oid),
                    int2(attnum),
                    text(default),
                ]);
            }
            let (precision, scale) = match column.data_type {
                DataType::Decimal { precision, scale } => {
                    (Some(i32::from(precision)), Some(i32::from(scale)))
                }
                DataType::SmallInt => (Some(16), Some(0)),
                DataType::Int => (Some(32), Some(0)),
                DataType::BigInt => (Some(64), Some(0)),
                _ => (None, None),
            };
            let max_length = match column.data_type {
                DataType::Varchar(n) => n.map(|n| n as i32),
                DataType::Char(n) => Some(n as i32),
                _ => None,
            };
            is_columns.push(vec![
                text("driftdb"),
                text(schema_name),
                text(name),
                text(&column.name),
                int4(i32::from(attnum)),
                default.map_or_else(null_text, |d| text(&d)),
                text(if column.nullable { "YES" } else { "NO" }),
                // The SQL standard's name (`format_type` says `bpchar` for `character`).
                text(&match type_oid {
                    1042 => "character".to_string(),
                    _ if dimensions > 0 => "ARRAY".to_string(),
                    _ => format_type(type_oid, None).unwrap_or_default(),
                }),
                ScalarValue::Int32(max_length),
                ScalarValue::Int32(precision),
                ScalarValue::Int32(scale),
                text(
                    TYPES
                        .iter()
                        .map(|t| (t.0, t.1))
                        .chain(ARRAY_TYPES.iter().map(|t| (t.0, t.1)))
                        .find(|t| t.0 == type_oid)
                        .map_or("", |t| t.1),
                ),
            ]);
        }

        // The primary key, then UNIQUE constraints, then plain indexes.
        // (A table declared without one has no primary key to show: its hidden row
        // identity is not a constraint a client made.)
        let mut entries: Vec<(String, &[usize], &str)> = Vec::new();
        if schema.row_id().is_none() {
            entries.push((format!("{name}_pkey"), schema.primary_key(), "p"));
        }
        // A unique constraint with an index of its name is a `CREATE UNIQUE INDEX`: one
        // unique index, and no constraint, as in PostgreSQL.
        let is_unique = |name: &str| schema.unique().iter().any(|u| u.name == name);
        let is_indexed = |name: &str| schema.indexes().iter().any(|i| i.name == name);
        entries.extend(schema.unique().iter().map(|u| {
            let kind = if is_indexed(&u.name) {
                UNIQUE_INDEX
            } else {
                "u"
            };
            (u.name.clone(), u.columns.as_slice(), kind)
        }));
        entries.extend(
            schema
                .indexes()
                .iter()
                .filter(|i| !is_unique(&i.name))
                .map(|i| (i.name.clone(), i.columns.as_slice(), "")),
        );
        for (n, (index_name, positions, kind)) in entries.iter().enumerate() {
            let index_oid = table.oid + 1 + n as i64;
            let names: Vec<String> = positions.iter().map(|&p| columns[p].name.clone()).collect();
            let quote = crate::postgres::quote_ident;
            let list = names
                .iter()
                .map(|n| quote(n))
                .collect::<Vec<_>>()
                .join(", ");
            let unique = !kind.is_empty();
            // Qualified, as PostgreSQL prints it, so a script (`pg_dump`'s) reads the same
            // whatever its search path.
            let on = match &table.temporary_schema {
                Some(_) => quote(name),
                None => format!("{}.{}", quote(schema_name), quote(name)),
            };
            let definition = format!(
                "CREATE {}INDEX {} ON {on} USING btree ({list})",
                if unique { "UNIQUE " } else { "" },
                quote(index_name),
            );
            indexes_view.push(vec![
                text(schema_name),
                text(name),
                text(index_name),
                null_text(),
                text(&definition),
            ]);
            defs.indexes.insert(index_oid, (definition, names.clone()));
            defs.relations.insert(index_oid, index_name.clone());
            defs.relation_ids.insert(index_name.clone(), index_oid);
            class.push(class_row(
                index_oid,
                index_name,
                namespace,
                "i",
                BTREE,
                positions.len(),
                owner,
            ));
            let key: Vec<ScalarValue> = positions.iter().map(|&p| int2(p as i16 + 1)).collect();
            let zeros = |t: &Arrow| {
                let zero = ScalarValue::new_zero(t)?;
                Ok::<_, DataFusionError>(list_of(vec![zero; positions.len()], t))
            };
            index.push(vec![
                oid(index_oid),
                oid(table.oid),
                int2(positions.len() as i16),
                int2(positions.len() as i16),
                boolean(unique),
                boolean(false),
                boolean(*kind == "p"),
                boolean(false),
                boolean(true),
                boolean(false),
                boolean(true),
                boolean(false),
                boolean(true),
                boolean(true),
                boolean(false),
                list_of(key.clone(), &INT2),
                zeros(&OID)?,
                zeros(&OID)?,
                zeros(&INT2)?,
                null_text(),
                null_text(),
            ]);
            if unique && *kind != UNIQUE_INDEX {
                let constraint_oid = index_oid + OIDS_PER_TABLE / 4;
                defs.constraints.insert(
                    constraint_oid,
                    format!(
                        "{} ({list})",
                        if *kind == "p" {
                            "PRIMARY KEY"
                        } else {
                            "UNIQUE"
                        }
                    ),
                );
                constraint.push(vec![
                    oid(constraint_oid),
                    text(index_name),
                    oid(namespace),
                    text(kind),
                    boolean(false),
                    boolean(false),
                    boolean(true),
                    oid(table.oid),
                    oid(0),
                    oid(index_oid),
                    oid(0),
                    oid(0),
                    text(" "),
                    text(" "),
                    text(" "),
                    boolean(true),
                    int4(0),
                    boolean(true),
                    list_of(key.clone(), &INT2),
                    ScalarValue::try_from(int2_array())?,
                    null_text(),
                ]);
            }
        }
    }

    self::constraints::pg_constraint_rows(tables, constraints, &mut constraint, &mut defs);

    let mut types = Relation::new(&[
        ("oid", OID),
        ("typname", TEXT),
        ("typnamespace", OID),
        ("typowner", OID),
        ("typlen", INT2),
        ("typbyval", BOOL),
        ("typtype", TEXT),
        ("typcategory", TEXT),
        ("typisdefined", BOOL),
        ("typdelim", TEXT),
        ("typrelid", OID),
        ("typelem", OID),
        ("typarray", OID),
        ("typnotnull", BOOL),
        ("typbasetype", OID),
        ("typtypmod", INT4),
        ("typndims", INT4),
        ("typcollation", OID),
        ("typdefault", TEXT),
        ("typstorage", TEXT),
        ("typacl", TEXT),
    ]);
    let array_of = |element: i64| {
        ARRAY_TYPES
            .iter()
            .find(|(_, name, e)| *e == element && name.starts_with('_'))
            .map_or(0, |a| a.0)
    };
    // A type's row: its id, name, length, category, element type (0 for none) and
    // whether its values take the default collation.
    let type_row = |id: i64, name: &str, length: i16, category: &str, element: i64, collatable| {
        vec![
            oid(id),
            text(name),
            oid(PG_CATALOG),
            oid(OWNER_OID),
            int2(length),
            boolean(length > 0 && length <= 8),
            text("b"),
            text(category),
            boolean(true),
            text(","),
            oid(0),
            oid(element),
            oid(array_of(id)),
            boolean(false),
            oid(0),
            int4(-1),
            int4(0),
            oid(if collatable { DEFAULT_COLLATION } else { 0 }),
            null_text(),
            text(if length > 0 { "p" } else { "x" }),
            null_text(),
        ]
    };
    for (id, name, length, category, collatable) in TYPES {
        types.push(type_row(id, name, length, category, 0, collatable));
    }
    for (id, name, element) in ARRAY_TYPES {
        let collatable = TYPES.iter().any(|t| t.0 == element && t.4);
        types.push(type_row(id, name, -1, "A", element, collatable));
    }

    let mut am = Relation::new(&[
        ("oid", OID),
        ("amname", TEXT),
        ("amhandler", OID),
        ("amtype", TEXT),
    ]);
    // The handlers are PostgreSQL's functions `heap_tableam_handler` and `bthandler`.
    am.push(vec![oid(HEAP), text("heap"), oid(3), text("t")]);
    am.push(vec![oid(BTREE), text("btree"), oid(330), text("i")]);

    let mut database = Relation::new(&[
        ("oid", OID),
        ("datname", TEXT),
        ("datdba", OID),
        ("encoding", INT4),
        ("datlocprovider", TEXT),
        ("datistemplate", BOOL),
        ("datallowconn", BOOL),
        ("datconnlimit", INT4),
        ("datcollate", TEXT),
        ("datctype", TEXT),
        ("daticulocale", TEXT),
        ("datacl", TEXT),
    ]);
    database.push(vec![
        oid(DATABASE_OID),
        text("driftdb"),
        oid(OWNER_OID),
        int4(6),
        text("c"),
        boolean(false),
        boolean(true),
        int4(-1),
        text("C.UTF-8"),
        text("C.UTF-8"),
        null_text(),
        null_text(),
    ]);

    let role_columns = [
        ("oid", OID),
        ("rolname", TEXT),
        ("rolsuper", BOOL),
        ("rolinherit", BOOL),
        ("rolcreaterole", BOOL),
        ("rolcreatedb", BOOL),
        ("rolcanlogin", BOOL),
        ("rolreplication", BOOL),
        ("rolconnlimit", INT4),
        ("rolpassword", TEXT),
        ("rolvaliduntil", TEXT),
        ("rolbypassrls", BOOL),
        ("rolconfig", TEXT),
    ];
    let role_row = |id: i64, name: &str, superuser: bool, login: bool| {
        vec![
            oid(id),
            text(name),
            boolean(superuser),
            boolean(true),
            boolean(superuser),
            boolean(superuser),
            boolean(login),
            boolean(false),
            int4(-1),
            text("********"),
            null_text(),
            boolean(superuser),
            null_text(),
        ]
    };
    let mut role_ids: HashMap<i64, String> = HashMap::new();
    let mut roles_relation = Relation::new(&role_columns);
    // PostgreSQL's predefined role that owns schema `public`: clients that check every
    // owner names a role (`pg_dump`) find it.
    roles_relation.push(role_row(
        PUBLIC_OWNER_OID,
        "pg_database_owner",
        false,
        false,
    ));
    if !roles.iter().any(|r| r.name == OWNER) {
        roles_relation.push(role_row(OWNER_OID, OWNER, true, true));
        role_ids.insert(OWNER_OID, OWNER.to_string());
    }
    for role in roles {
        let id = role_oid(roles, &role.name);
        role_ids.insert(id, role.name.clone());
        roles_relation.push(role_row(id, &role.name, role.superuser, role.login));
    }
    defs.roles = role_ids;
    let roles = roles_relation;
    let mut schemata = Relation::new(&[
        ("catalog_name", TEXT),
        ("schema_name", TEXT),
        ("schema_owner", TEXT),
    ]);
    for (name, owner) in [
        ("pg_catalog", OWNER),
        ("public", "pg_database_owner"),
        ("information_schema", OWNER),
    ] {
        schemata.push(vec![text("driftdb"), text(name), text(owner)]);
    }
    for schema in namespaces.schemas {
        schemata.push(vec![
            text("driftdb"),
            text(&schema.name),
            text(&schema.owner),
        ]);
    }

    let mut sequence = Relation::new(&[
        ("seqrelid", OID),
        ("seqtypid", OID),
        ("seqstart", Arrow::Int64),
        ("seqincrement", Arrow::Int64),
        ("seqmax", Arrow::Int64),
        ("seqmin", Arrow::Int64),
        ("seqcache", Arrow::Int64),
        ("seqcycle", BOOL),
    ]);
    let mut sequences_view = Relation::new(&[
        ("schemaname", TEXT),
        ("sequencename", TEXT),
        ("sequenceowner", TEXT),
        ("data_type", TEXT),
        ("start_value", Arrow::Int64),
        ("min_value", Arrow::Int64),
        ("max_value", Arrow::Int64),
        ("increment_by", Arrow::Int64),
        ("cycle", BOOL),
        ("cache_size", Arrow::Int64),
        ("last_value", Arrow::Int64),
    ]);
    let mut is_sequences = Relation::new(&[
        ("sequence_catalog", TEXT),
        ("sequence_schema", TEXT),
        ("sequence_name", TEXT),
        ("data_type", TEXT),
        ("numeric_precision", INT4),
        ("numeric_precision_radix", INT4),
        ("numeric_scale", INT4),
        ("start_value", TEXT),
        ("minimum_value", TEXT),
        ("maximum_value", TEXT),
        ("increment", TEXT),
        ("cycle_option", TEXT),
    ]);
    let (pg_views, is_views) = self::views::rows(
        views,
        self::views::Into {
            class: &mut class,
            attribute: &mut attribute,
            is_tables: &mut is_tables,
            is_columns: &mut is_columns,
            defs: &mut defs,
            namespaces,
        },
        &class_row,
    );
    for (n, s) in sequences.iter().enumerate() {
        let id = FIRST_SEQUENCE_OID + n as i64;
        let (namespace, schema_name, own_name) = namespace_of(&s.name);
        defs.relations.insert(id, s.name.clone());
        defs.relation_ids.entry(s.name.clone()).or_insert(id);
        let owner = namespaces.owner_of(&s.name);
        class.push(class_row(id, own_name, namespace, "S", 0, 3, owner));
        let (type_oid, bits) = match s.kind {
            crate::sequences::Kind::SmallInt => (21, 16),
            crate::sequences::Kind::Int => (23, 32),
            crate::sequences::Kind::BigInt => (20, 64),
        };
        let int8 = |v: i64| ScalarValue::Int64(Some(v));
        sequence.push(vec![
            oid(id),
            oid(type_oid),
            int8(s.start),
            int8(s.increment),
            int8(s.max),
            int8(s.min),
            int8(s.cache),
            boolean(s.cycle),
        ]);
        sequences_view.push(vec![
            text(schema_name),
            text(own_name),
            text(owner),
            text(s.kind_name()),
            int8(s.start),
            int8(s.min),
            int8(s.max),
            int8(s.increment),
            boolean(s.cycle),
            int8(s.cache),
            ScalarValue::Int64(s.is_called.then_some(s.last_value)),
        ]);
        // An identity column's sequence is the column's, not a sequence of the schema's
        // own: `information_schema.sequences` leaves it out, as PostgreSQL's does.
        if s.identity.is_some() {
            continue;
        }
        is_sequences.push(vec![
            text("driftdb"),
            text(schema_name),
            text(own_name),
            text(s.kind_name()),
            int4(bits),
            int4(2),
            int4(0),
            text(&s.start.to_string()),
            text(&s.min.to_string()),
            text(&s.max.to_string()),
            text(&s.increment.to_string()),
            text(if s.cycle { "YES" } else { "NO" }),
        ]);
    }

    // Comments, on relations (and their columns) the statements above numbered.
    let mut description = Relation::new(&[
        ("objoid", OID),
        ("classoid", OID),
        ("objsubid", INT4),
        ("description", TEXT),
    ]);
    // PostgreSQL's comment on schema `public` (`pg_dump` leaves the standard one out).
    defs.descriptions
        .insert((PUBLIC, 0), "standard public schema".to_string());
    description.push(vec![
        oid(PUBLIC),
        oid(PG_NAMESPACE_OID),
        int4(0),
        text("standard public schema"),
    ]);
    for comment in comments {
        let Some(&id) = defs.relation_ids.get(&comment.relation) else {
            continue;
        };
        let subid = match &comment.column {
            None => 0,
            Some(column) => {
                let position = tables
                    .iter()
                    .find(|t| t.oid == id)
                    .and_then(|t| t.schema.column_index(column))
                    .or_else(|| {
                        views
                            .iter()
                            .find(|v| v.name == comment.relation)
                            .and_then(|v| v.columns.iter().position(|c| c.0 == *column))
                    });
                match position {
                    Some(p) => i32::try_from(p + 1).unwrap_or(0),
                    None => continue,
                }
            }
        };
        defs.descriptions.insert((id, subid), comment.text.clone());
        description.push(vec![
            oid(id),
            oid(PG_CLASS_OID),
            int4(subid),
            text(&comment.text),
        ]);
    }

    // Dependencies, which `pg_dump` orders its script by: each sequence on the column that
    // owns it (`a` for a SERIAL column's, `i` for an identity column's), each view on the
    // relations it reads (`n`; PostgreSQL records that through the view's rewrite rule).
    let mut depend = Relation::new(&[
        ("classid", OID),
        ("objid", OID),
        ("objsubid", INT4),
        ("refclassid", OID),
        ("refobjid", OID),
        ("refobjsubid", INT4),
        ("deptype", TEXT),
    ]);
    let depends = |depend: &mut Relation, id: i64, on: i64, column: usize, kind: &str| {
        depend.push(vec![
            oid(PG_CLASS_OID),
            oid(id),
            int4(0),
            oid(PG_CLASS_OID),
            oid(on),
            int4(i32::try_from(column).unwrap_or(0)),
            text(kind),
        ]);
    };
    // A column default that takes a sequence's values depends on it (so `pg_dump` sets
    // such a default after making the sequence, which the table's column owns).
    for table in tables {
        for (i, column) in table.schema.columns().iter().enumerate() {
            let Some(ColumnDefault::Expr(default)) = &column.default else {
                continue;
            };
            let Some(n) = sequence_of_default(default)
                .and_then(|name| sequences.iter().position(|s| s.name == name))
            else {
                continue;
            };
            let default_oid = table.oid + OIDS_PER_TABLE / 2 + i as i64 + 1;
            depend.push(vec![
                oid(PG_ATTRDEF_OID),
                oid(default_oid),
                int4(0),
                oid(PG_CLASS_OID),
                oid(FIRST_SEQUENCE_OID + n as i64),
                int4(0),
                text("n"),
            ]);
        }
    }
    for (n, s) in sequences.iter().enumerate() {
        let Some((table, column)) = &s.owner else {
            continue;
        };
        let owner = tables.iter().find(|t| t.schema.name() == table);
        if let Some(owner) = owner
            && let Some(at) = owner.schema.column_index(column)
        {
            let kind = if s.identity.is_some() { "i" } else { "a" };
            depends(
                &mut depend,
                FIRST_SEQUENCE_OID + n as i64,
                owner.oid,
                at + 1,
                kind,
            );
        }
    }
    for view in views {
        let Some(&id) = defs.relation_ids.get(&view.name) else {
            continue;
        };
        for read in &view.reads {
            if let Some(&on) = defs.relation_ids.get(read) {
                depends(&mut depend, id, on, 0, "n");
            }
        }
    }

    let pg_catalog = MemorySchemaProvider::new();
    let add = |schema: &MemorySchemaProvider, name: &str, relation: Relation| -> Result<()> {
        // A catalog table's rows carry its oid as `tableoid`, as PostgreSQL's system column.
        let relation = match catalog_oid(name) {
            Some(id) => relation.with_tableoid(id),
            None => relation,
        };
        schema.register_table(name.to_string(), relation.table()?)?;
        Ok(())
    };
    add(&pg_catalog, "pg_namespace", namespace)?;
    add(&pg_catalog, "pg_class", class)?;
    add(&pg_catalog, "pg_attribute", attribute)?;
    add(&pg_catalog, "pg_attrdef", attrdef)?;
    add(&pg_catalog, "pg_index", index)?;
    add(&pg_catalog, "pg_constraint", constraint)?;
    add(&pg_catalog, "pg_type", types)?;
    add(&pg_catalog, "pg_am", am)?;
    add(&pg_catalog, "pg_database", database)?;
    add(&pg_catalog, "pg_tables", tables_view)?;
    add(&pg_catalog, "pg_indexes", indexes_view)?;
    add(&pg_catalog, "pg_sequence", sequence)?;
    add(&pg_catalog, "pg_sequences", sequences_view)?;
    add(&pg_catalog, "pg_views", pg_views)?;
    add(&pg_catalog, "pg_description", description)?;
    add(&pg_catalog, "pg_depend", depend)?;
    let mut authid = Relation::new(&role_columns);
    authid.rows = roles.rows.clone();
    add(&pg_catalog, "pg_authid", authid)?;
    add(&pg_catalog, "pg_roles", roles)?;
    for (name, columns) in EMPTY {
        let columns: Vec<(&str, Arrow)> = columns.iter().map(|(n, t)| (*n, t.clone())).collect();
        add(&pg_catalog, name, Relation::new(&columns))?;
    }
    // No partitioned tables either (its `partclass` is a list, which `EMPTY` cannot hold).
    add(
        &pg_catalog,
        "pg_partitioned_table",
        Relation::new(&[
            ("partrelid", OID),
            ("partstrat", TEXT),
            ("partnatts", INT2),
            ("partclass", oid_array()),
        ]),
    )?;
    let information_schema = MemorySchemaProvider::new();
    add(&information_schema, "tables", is_tables)?;
    add(&information_schema, "columns", is_columns)?;
    add(&information_schema, "schemata", schemata)?;
    add(&information_schema, "sequences", is_sequences)?;
    add(&information_schema, "views", is_views)?;
    for (name, relation) in self::constraints::information_schema(tables, constraints) {
        add(&information_schema, name, relation)?;
    }

    let catalog_name = ctx.state().config_options().catalog.default_catalog.clone();
    let catalog = ctx
        .catalog(&catalog_name)
        .ok_or_else(|| DataFusionError::Internal(format!("no default catalog {catalog_name}")))?;
    catalog.register_schema("pg_catalog", Arc::new(pg_catalog))?;
    catalog.register_schema("information_schema", Arc::new(information_schema))?;
    register_functions(ctx, Arc::new(defs));
    Ok(())
}

/// The catalogs built from the tables, besides [`EMPTY`].
const BUILT: [&str; 20] = [
    "pg_namespace",
    "pg_indexes",
    "pg_partitioned_table",
    "pg_settings",
    "pg_depend",
    "pg_class",
    "pg_attribute",
    "pg_attrdef",
    "pg_index",
    "pg_constraint",
    "pg_type",
    "pg_am",
    "pg_database",
    "pg_tables",
    "pg_sequence",
    "pg_sequences",
    "pg_views",
    "pg_description",
    "pg_authid",
    "pg_roles",
];

/// Whether an unqualified table name names a system catalog (which has no `__sequence`).
pub(crate) fn is_catalog_table(name: &str) -> bool {
    BUILT.contains(&name) || always_empty(name)
}

/// Whether `name` (lower case, unqualified) is one of the always-empty catalogs.
fn always_empty(name: &str) -> bool {
    EMPTY.iter().any(|(n, _)| *n == name)
}

/// A scalar function of as many arguments as `inputs` names (of any types: the catalog
/// functions read ids from any integer or text), computed row by row.
fn row_function(
    name: &str,
    inputs: Vec<Arrow>,
    output: Arrow,
    f: impl Fn(&[Option<ScalarValue>]) -> ScalarValue + Send + Sync + 'static,
) -> ScalarUDF {
    let arities = [inputs.len()];
    function_of_arities(name, &arities, output, f)
}

/// [`row_function`] taking any of `arities` arguments; `f` sees as many as were given.
fn function_of_arities(
    name: &str,
    arities: &[usize],
    output: Arrow,
    f: impl Fn(&[Option<ScalarValue>]) -> ScalarValue + Send + Sync + 'static,
) -> ScalarUDF {
    let signature = Signature::one_of(
        arities.iter().map(|&n| TypeSignature::Any(n)).collect(),
        Volatility::Stable,
    );
    let empty_type = output.clone();
    ScalarUDF::new_from_impl(SimpleScalarUDF::new_with_signature(
        name,
        signature,
        output,
        Arc::new(move |args: &[ColumnarValue]| {
            let rows = args
                .iter()
                .find_map(|a| match a {
                    ColumnarValue::Array(a) => Some(a.len()),
                    ColumnarValue::Scalar(_) => None,
                })
                .unwrap_or(1);
            let scalar_rows = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
            let mut out = Vec::with_capacity(rows);
            for row in 0..rows {
                let values: Vec<Option<ScalarValue>> = args
                    .iter()
                    .map(|a| {
                        let v = match a {
                            ColumnarValue::Scalar(s) => Ok(s.clone()),
                            ColumnarValue::Array(a) => ScalarValue::try_from_array(a, row),
                        };
                        v.ok().filter(|v| !v.is_null())
                    })
                    .collect();
                out.push(f(&values));
            }
            if scalar_rows {
                return Ok(ColumnarValue::Scalar(
                    out.pop().unwrap_or(ScalarValue::Utf8(None)),
                ));
            }
            if out.is_empty() {
                return Ok(ColumnarValue::Array(
                    datafusion::arrow::array::new_empty_array(&empty_type),
                ));
            }
            Ok(ColumnarValue::Array(ScalarValue::iter_to_array(out)?))
        }),
    ))
}

/// The text of every element of `elements`, nested lists flattened, NULLs written as
/// `null` or skipped.
fn array_elements_text(elements: &ArrayRef, null: Option<&str>, out: &mut Vec<String>) {
    for i in 0..elements.len() {
        match elements.data_type() {
            Arrow::List(_) if elements.is_valid(i) => {
                let inner = elements.as_list::<i32>().value(i);
                array_elements_text(&inner, null, out);
            }
            _ => match crate::text::format_value(elements.as_ref(), i) {
                Some(text) => out.push(text),
                None => out.extend(null.map(str::to_string)),
            },
        }
    }
}

fn as_i64(v: &Option<ScalarValue>) -> Option<i64> {
    match v {
        Some(ScalarValue::Int64(Some(n))) => Some(*n),
        Some(ScalarValue::UInt32(Some(n))) => Some(i64::from(*n)),
        Some(ScalarValue::Int32(Some(n))) => Some(i64::from(*n)),
        Some(ScalarValue::Int16(Some(n))) => Some(i64::from(*n)),
        Some(ScalarValue::Utf8(Some(s))) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_text(v: &Option<ScalarValue>) -> Option<String> {
    match v {
        Some(ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s))) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
        None => None,
    }
}

fn register_functions(ctx: &SessionContext, defs: Arc<Definitions>) {
    let role_names = Arc::clone(&defs);
    ctx.register_udf(row_function("pg_get_userbyid", vec![OID], TEXT, move |a| {
        ScalarValue::Utf8(as_i64(&a[0]).map(|id| {
            match id {
                PUBLIC_OWNER_OID => "pg_database_owner".to_string(),
                other => role_names
                    .roles
                    .get(&other)
                    .cloned()
                    .unwrap_or_else(|| format!("unknown (OID={other})")),
            }
        }))
    }));
    // A relation is visible where the search path shows its schema (`\\dt` lists those,
    // SQLAlchemy's `has_table` without a schema asks).
    let visible = Arc::clone(&defs);
    ctx.register_udf(row_function(
        "pg_table_is_visible",
        vec![OID],
        BOOL,
        move |a| {
            ScalarValue::Boolean(as_i64(&a[0]).map(|id| match visible.relations.get(&id) {
                Some(name) => {
                    let schema = crate::schemas::split(name).0;
                    visible.path.iter().any(|s| s == schema)
                }
                // The catalogs' own relations.
                None => true,
            }))
        },
    ));
    for name in ["pg_collation_is_visible", "pg_function_is_visible"] {
        ctx.register_udf(row_function(name, vec![OID], BOOL, |a| {
            ScalarValue::Boolean(a[0].as_ref().map(|_| true))
        }));
    }
    // An object's default privileges. DriftDB shows no `relacl`, `nspacl`... (NULL: the
    // default), so the default has nothing to say either; `pg_dump` then grants nothing.
    ctx.register_udf(row_function("acldefault", vec![TEXT, OID], TEXT, |_| {
        ScalarValue::Utf8(None)
    }));
    ctx.register_udf(row_function(
        "pg_relation_is_publishable",
        vec![OID],
        BOOL,
        |a| ScalarValue::Boolean(a[0].as_ref().map(|_| false)),
    ));
    ctx.register_udf(row_function("format_type", vec![OID, INT4], TEXT, |a| {
        ScalarValue::Utf8(
            as_i64(&a[0])
                .and_then(|t| format_type(t, as_i64(&a[1]).and_then(|m| i32::try_from(m).ok()))),
        )
    }));
    ctx.register_udf(function_of_arities("pg_get_expr", &[2, 3], TEXT, |a| {
        ScalarValue::Utf8(as_text(&a[0]))
    }));
    let indexes = Arc::clone(&defs);
    ctx.register_udf(function_of_arities(
        "pg_get_indexdef",
        &[1, 3],
        TEXT,
        move |a| {
            let column = a.get(1).and_then(as_i64).unwrap_or(0);
            ScalarValue::Utf8(
                as_i64(&a[0])
                    .and_then(|id| indexes.indexes.get(&id))
                    .and_then(|(definition, columns)| match column {
                        0 => Some(definition.clone()),
                        n => usize::try_from(n - 1)
                            .ok()
                            .and_then(|i| columns.get(i))
                            .cloned(),
                    }),
            )
        },
    ));
    let views = Arc::clone(&defs);
    ctx.register_udf(function_of_arities(
        "pg_get_viewdef",
        &[1, 2],
        TEXT,
        move |a| {
            let id = as_i64(&a[0]).or_else(|| {
                // `pg_get_viewdef('name')`: by name.
                match &a[0] {
                    Some(ScalarValue::Utf8(Some(name))) => views.relation_ids.get(name).copied(),
                    _ => None,
                }
            });
            ScalarValue::Utf8(id.and_then(|id| views.views.get(&id).cloned()))
        },
    ));
    let constraints = Arc::clone(&defs);
    ctx.register_udf(function_of_arities(
        "pg_get_constraintdef",
        &[1, 2],
        TEXT,
        move |a| {
            ScalarValue::Utf8(
                as_i64(&a[0]).and_then(|id| constraints.constraints.get(&id).cloned()),
            )
        },
    ));
    // No table is partitioned: a table's only ancestor is itself (psql's `\d` asks, in a
    // context that takes one row).
    ctx.register_udf(row_function(
        "pg_partition_ancestors",
        vec![OID],
        OID,
        |a| ScalarValue::UInt32(as_i64(&a[0]).and_then(|id| u32::try_from(id).ok())),
    ));
    ctx.register_udf(row_function("pg_encoding_to_char", vec![INT4], TEXT, |a| {
        ScalarValue::Utf8(as_i64(&a[0]).map(|e| if e == 6 { "UTF8" } else { "" }.to_string()))
    }));
    // `obj_description(oid[, catalog])` and `col_description(oid, column)`: the comments.
    let descriptions = Arc::clone(&defs);
    ctx.register_udf(function_of_arities(
        "obj_description",
        &[1, 2],
        TEXT,
        move |a| {
            ScalarValue::Utf8(
                as_i64(&a[0]).and_then(|id| descriptions.descriptions.get(&(id, 0)).cloned()),
            )
        },
    ));
    let descriptions = Arc::clone(&defs);
    ctx.register_udf(function_of_arities(
        "col_description",
        &[2],
        TEXT,
        move |a| {
            let column = a
                .get(1)
                .and_then(as_i64)
                .and_then(|c| i32::try_from(c).ok());
            ScalarValue::Utf8(match (as_i64(&a[0]), column) {
                (Some(id), Some(column)) => descriptions.descriptions.get(&(id, column)).cloned(),
                _ => None,
            })
        },
    ));
    for (name, inputs) in [
        ("shobj_description", vec![OID, TEXT]),
        ("pg_get_statisticsobjdef_columns", vec![OID]),
    ] {
        ctx.register_udf(row_function(name, inputs, TEXT, |_| {
            ScalarValue::Utf8(None)
        }));
    }
    // `ARRAY(subquery)` is text here (`array_text`), which is its own text; a real array
    // is its elements' text joined by the delimiter, NULLs skipped or written as the third
    // argument, as in PostgreSQL.
    ctx.register_udf(function_of_arities("array_to_string", &[2, 3], TEXT, |a| {
        ScalarValue::Utf8(match &a[0] {
            Some(ScalarValue::List(list)) => as_text(&a[1]).map(|delimiter| {
                let mut parts = Vec::new();
                let null = a.get(2).and_then(as_text);
                array_elements_text(&list.value(0), null.as_deref(), &mut parts);
                parts.join(&delimiter)
            }),
            other => as_text(other),
        })
    }));
    let relations = Arc::clone(&defs);
    ctx.register_udf(row_function(REGCLASS_NAME, vec![OID], TEXT, move |a| {
        ScalarValue::Utf8(as_i64(&a[0]).map(|id| {
            relations
                .relations
                .get(&id)
                .cloned()
                .unwrap_or_else(|| id.to_string())
        }))
    }));
    let relation_ids = Arc::clone(&defs);
    ctx.register_udf(row_function(REGCLASS_OID, vec![TEXT], OID, move |a| {
        ScalarValue::UInt32(as_text(&a[0]).and_then(|text| {
            let name = match crate::schemas::parts(text.trim()).as_slice() {
                [name] => name.clone(),
                [schema, name] if schema == "pg_catalog" => name.clone(),
                [schema, name] => crate::schemas::stored(schema, name),
                _ => return None,
            };
            name.parse()
                .ok()
                .or_else(|| relation_ids.relation_ids.get(&name).copied())
                // The catalogs themselves (`pg_description.classoid` names `pg_class`).
                .or_else(|| catalog_oid(&name))
                .and_then(|id| u32::try_from(id).ok())
        }))
    }));
    ctx.register_udf(row_function("to_regtype", vec![TEXT], OID, |a| {
        ScalarValue::UInt32(as_text(&a[0]).and_then(|name| {
            let name = name.trim().to_lowercase();
            let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
            TYPES
                .iter()
                .map(|t| t.0)
                .find(|&id| {
                    TYPES.iter().any(|t| t.0 == id && t.1 == name)
                        || format_type(id, None).as_deref() == Some(name)
                })
                .and_then(|id| u32::try_from(id).ok())
        }))
    }));
    ctx.register_udf(row_function(REGTYPE_NAME, vec![OID], TEXT, |a| {
        ScalarValue::Utf8(as_i64(&a[0]).and_then(|t| format_type(t, None)))
    }));
    ctx.register_udf(row_function(REGNAMESPACE_NAME, vec![OID], TEXT, move |a| {
        ScalarValue::Utf8(as_i64(&a[0]).map(|id| {
            match id {
                PG_CATALOG => "pg_catalog",
                PUBLIC => "public",
                INFORMATION_SCHEMA => "information_schema",
                _ => defs.namespaces.get(&id).map_or("-", String::as_str),
            }
            .to_string()
        }))
    }));
}

const REGCLASS_NAME: &str = "__pg_regclass_name";
const REGCLASS_OID: &str = "__pg_regclass_oid";
const REGTYPE_NAME: &str = "__pg_regtype_name";
const REGNAMESPACE_NAME: &str = "__pg_regnamespace_name";

/// Rewrites PostgreSQL's catalog idioms in `statement` into what DataFusion plans (see
/// the module documentation).
///
/// In a statement that reads the catalogs (`catalogs`), a correlated scalar subquery
/// that is not aggregated has its value wrapped in `max()`: DataFusion plans only
/// aggregated ones, and a catalog lookup by key (a column's default, say) returns at most
/// one row, where `max` changes nothing.
///
/// A JSON set-returning function in `FROM` over another `FROM` item's columns (an implicit
/// `LATERAL`) is refused (0A000): DataFusion plans no correlated table functions.
pub fn rewrite(statement: &mut Statement, catalogs: bool) -> crate::Result<()> {
    let mut idioms = Idioms {
        catalogs,
        refused: None,
    };
    let _ = statement.visit(&mut idioms);
    match idioms.refused {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// A statement the rewrite cannot plan (0A000).
fn refusal(message: String) -> crate::Error {
    crate::Error::Execution {
        message,
        sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
    }
}

struct Idioms {
    catalogs: bool,
    /// Why the statement cannot be planned, found while rewriting it.
    refused: Option<crate::Error>,
}

/// A named argument's name and value (`days => 10`).
fn argument_name(arg: &ast::FunctionArg) -> Option<(&str, &ast::FunctionArgExpr)> {
    match arg {
        ast::FunctionArg::Named { name, arg, .. } => Some((name.value.as_str(), arg)),
        ast::FunctionArg::ExprNamed {
            name: Expr::Identifier(name),
            arg,
            ..
        } => Some((name.value.as_str(), arg)),
        _ => None,
    }
}

/// `make_interval`'s arguments by position: the named ones moved to their places, the ones
/// left out 0. A name that is not a parameter stays, for the planner to refuse.
fn make_interval_arguments(args: &mut Vec<ast::FunctionArg>) {
    use crate::interval::functions::MAKE_INTERVAL_PARAMETERS as NAMES;
    let zero = || {
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::value(Value::Number(
            "0".into(),
            false,
        ))))
    };
    let mut positional: Vec<ast::FunctionArg> = Vec::new();
    for arg in std::mem::take(args) {
        match argument_name(&arg) {
            Some((name, value)) => match NAMES.iter().position(|n| name.eq_ignore_ascii_case(n)) {
                Some(at) => {
                    while positional.len() <= at {
                        positional.push(zero());
                    }
                    positional[at] = ast::FunctionArg::Unnamed(value.clone());
                }
                None => args.push(arg),
            },
            None => positional.push(arg),
        }
    }
    positional.append(args);
    *args = positional;
}

/// `jsonb_array_elements(x) AS e` in `FROM`: the function in the `SELECT` list of a derived
/// table, where it is rewritten like any call of it, its column named as in PostgreSQL
/// (`value`, or for `json_object_keys` the alias, else the function's name). `None` for any
/// other table factor; an error for arguments that read columns (`LATERAL`), unless
/// `columns` allows them (`crate::lateral` builds the derived table over them).
pub(crate) fn set_returning_table(
    factor: &TableFactor,
    columns: bool,
) -> Option<crate::Result<TableFactor>> {
    let (name, args, alias) = match factor {
        TableFactor::Table {
            name,
            args: Some(args),
            alias,
            ..
        } => (name, args.args.clone(), alias),
        TableFactor::Function {
            name, args, alias, ..
        } => (name, args.clone(), alias),
        _ => return None,
    };
    let function = unqualified(name)?;
    // DataFusion's table function serves `generate_series` in `FROM`.
    if function == "generate_series" {
        return None;
    }
    let record = crate::json::is_record_function(&function);
    let each = crate::json::each_call(&function);
    if each.is_none() && !record {
        list_of_rows(&function)?;
    }
    if args.iter().any(names_a_column) && !columns {
        return Some(Err(refusal(format!(
            "{function}() in FROM over the columns of another FROM item (LATERAL) is not \
             supported; call it in the SELECT list instead: SELECT {function}(t.x) FROM t"
        ))));
    }
    if record {
        return Some(crate::json::record_table(&function, &args, alias.as_ref()));
    }
    // The column of a function of scalar rows is named after its alias, or the function.
    let scalar_rows =
        function.ends_with("object_keys") || TEXT_ROWS.iter().any(|(f, _)| *f == function);
    let column = match alias {
        Some(alias) if scalar_rows && alias.columns.is_empty() => alias.name.value.clone(),
        _ if scalar_rows => function.clone(),
        _ => "value".to_string(),
    };
    let called = |function: &str| {
        let mut call = call_with(function, vec![]);
        if let Expr::Function(f) = &mut call
            && let ast::FunctionArguments::List(list) = &mut f.args
        {
            list.args = args.clone();
        }
        call
    };
    let projection = match each {
        // The keys and the values, unnested side by side.
        Some((keys, values, typed)) => {
            let values = call("unnest", called(&values));
            vec![
                SelectItem::ExprWithAlias {
                    expr: call("unnest", called(&keys)),
                    alias: Ident::new("key"),
                },
                SelectItem::ExprWithAlias {
                    expr: match typed {
                        Some(json_in) => call(json_in, values),
                        None => values,
                    },
                    alias: Ident::new("value"),
                },
            ]
        }
        None => vec![SelectItem::ExprWithAlias {
            expr: called(&function),
            alias: Ident::new(column),
        }],
    };
    let mut subquery = match sqlparser::parser::Parser::parse_sql(
        &sqlparser::dialect::PostgreSqlDialect {},
        "SELECT NULL AS value",
    )
    .ok()?
    .pop()?
    {
        Statement::Query(query) => query,
        _ => return None,
    };
    if let SetExpr::Select(select) = subquery.body.as_mut() {
        select.projection = projection;
    }
    Some(Ok(TableFactor::Derived {
        lateral: false,
        subquery,
        alias: alias.clone(),
        sample: None,
    }))
}

/// Whether `node` (an expression, a function argument) names a column anywhere in it.
pub(crate) fn names_a_column<V: ast::Visit>(node: &V) -> bool {
    ast::visit_expressions(node, |e| match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

fn call(name: &str, arg: Expr) -> Expr {
    call_with(name, vec![arg])
}

/// Whether `expr` is what a scalar subquery over an always-empty catalog became: a NULL.
fn is_folded_null(expr: &Expr) -> bool {
    matches!(expr, Expr::Cast { expr, data_type: ast::DataType::Text, .. }
        if matches!(expr.as_ref(), Expr::Value(v) if v.value == Value::Null))
}

/// Whether `expr` reads a catalog's `name` column (`typname`, `c.relname` ...).
fn is_catalog_name(expr: &Expr) -> bool {
    let last = match expr {
        Expr::Identifier(ident) => ident,
        Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(ident) => ident,
            None => return false,
        },
        _ => return false,
    };
    last.quote_style.is_none() && last.value.to_lowercase().ends_with("name")
}

/// `function(CAST(value AS TEXT), length)`, taking `value` out of its place.
fn text_with_length(function: &str, value: &mut Expr, length: u64) -> Expr {
    let value = std::mem::replace(value, Expr::value(Value::Null));
    let text = Expr::Cast {
        kind: ast::CastKind::Cast,
        expr: Box::new(value),
        data_type: ast::DataType::Text,
        array: false,
        format: None,
    };
    call_with(
        function,
        vec![text, Expr::value(Value::Number(length.to_string(), false))],
    )
}

/// The functions `CURRENT_USER` (and `CURRENT_ROLE`, `USER`) and `SESSION_USER` become;
/// the session registers them with its role.
pub(crate) const CURRENT_USER: &str = "current_user";
pub(crate) const SESSION_USER: &str = "session_user";

/// What `CURRENT_USER`, `CURRENT_ROLE`, `USER` or `SESSION_USER` (unquoted, without
/// parentheses: sqlparser reads some as identifiers, some as calls without arguments)
/// stands for.
fn session_user_function(expr: &Expr) -> Option<&'static str> {
    let name = match expr {
        Expr::Identifier(ident) if ident.quote_style.is_none() => ident.value.to_lowercase(),
        Expr::Function(f) if matches!(f.args, ast::FunctionArguments::None) => {
            unqualified(&f.name)?
        }
        _ => return None,
    };
    match name.as_str() {
        "current_user" | "current_role" | "user" => Some(CURRENT_USER),
        "session_user" => Some(SESSION_USER),
        _ => None,
    }
}

/// PostgreSQL's functions DataFusion has under another name, with that name.
const SYNONYMS: [(&str, &str); 5] = [
    // DriftDB's arrays start at 1: the upper bound is the length.
    ("array_upper", "array_length"),
    ("sign", "signum"),
    ("ceiling", "ceil"),
    ("variance", "var_samp"),
    ("every", "bool_and"),
];

/// The set-returning functions of text and of numbers, each `unnest` of the array function
/// beside it. (`generate_series` in `FROM` is DataFusion's table function; in a `SELECT`
/// list its rows, where DataFusion's function of that name gives one list.)
const TEXT_ROWS: [(&str, &str); 4] = [
    ("string_to_table", "string_to_array"),
    ("regexp_split_to_table", "regexp_split_to_array"),
    ("regexp_matches", crate::postgres::REGEXP_MATCHES),
    ("generate_series", crate::postgres::SERIES),
];

/// The set-returning functions planned as `unnest` of a list: the function that lists the
/// rows, and the conversion each row goes through (JSON's typed ones). JSON's
/// ([`crate::json::set_returning_call`]) and those of [`TEXT_ROWS`].
fn list_of_rows(name: &str) -> Option<(String, Option<&'static str>)> {
    match TEXT_ROWS.iter().find(|(f, _)| *f == name) {
        Some((_, lister)) => Some((lister.to_string(), None)),
        None => crate::json::set_returning_call(name),
    }
}

/// The unqualified name `name`.
fn object_name(name: &str) -> ObjectName {
    ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))])
}

/// The aggregate call `f` (its arguments, ORDER BY, DISTINCT, FILTER and OVER) as an
/// `array_agg`.
fn as_array_agg(f: &ast::Function) -> ast::Function {
    ast::Function {
        name: object_name("array_agg"),
        ..f.clone()
    }
}

/// Gives each slice of `expr`'s access chain with a bound left out its bound: 1 below, and
/// above the length of the array it slices (0 for an empty one, so the slice is empty).
fn open_slice_bounds(expr: &mut Expr) {
    let Expr::CompoundFieldAccess { root, access_chain } = expr else {
        return;
    };
    for i in 0..access_chain.len() {
        let sliced = match i {
            0 => root.as_ref().clone(),
            _ => Expr::CompoundFieldAccess {
                root: root.clone(),
                access_chain: access_chain[..i].to_vec(),
            },
        };
        if let ast::AccessExpr::Subscript(ast::Subscript::Slice {
            lower_bound,
            upper_bound,
            ..
        }) = &mut access_chain[i]
        {
            let one = || Expr::value(Value::Number("1".into(), false));
            if lower_bound.is_none() {
                *lower_bound = Some(one());
            }
            if upper_bound.is_none() {
                let length = Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(call_with("array_length", vec![sliced, one()])),
                    data_type: ast::DataType::BigInt(None),
                    array: false,
                    format: None,
                };
                let zero = Expr::value(Value::Number("0".into(), false));
                *upper_bound = Some(call_with("coalesce", vec![length, zero]));
            }
        }
    }
}

/// The call `name(args...)`.
pub(crate) fn call_with(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(ast::Function {
        name: object_name(name),
        uses_odbc_syntax: false,
        parameters: ast::FunctionArguments::None,
        args: ast::FunctionArguments::List(ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|arg| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// The function a cast to `json` or `jsonb` becomes.
fn json_in(data_type: &ast::DataType) -> &'static str {
    if matches!(data_type, ast::DataType::JSONB) {
        crate::json::JSONB_IN
    } else {
        crate::json::JSON_IN
    }
}

/// The field of `date_part('f', x)` when it is a constant, as `EXTRACT` takes one.
fn constant_field(f: &ast::Function) -> Option<&str> {
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let [
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(part))),
        _,
    ] = list.args.as_slice()
    else {
        return None;
    };
    match &part.value {
        Value::SingleQuotedString(part) => Some(part),
        _ => None,
    }
}

/// The function a cast to `inet` or `cidr` becomes (DataFusion has no network types; see
/// `crate::network`), for those types.
fn network_in(data_type: &ast::DataType) -> Option<&'static str> {
    let ast::DataType::Custom(name, modifiers) = data_type else {
        return None;
    };
    match unqualified(name)?.as_str() {
        "inet" if modifiers.is_empty() => Some(crate::network::functions::INET_IN),
        "cidr" if modifiers.is_empty() => Some(crate::network::functions::CIDR_IN),
        _ => None,
    }
}

/// The last part of a `pg_catalog.`-qualified (or plain) name, lower case.
pub(crate) fn unqualified(name: &ObjectName) -> Option<String> {
    match name.0.as_slice() {
        [part] => part.as_ident().map(|i| i.value.to_lowercase()),
        [schema, part]
            if schema
                .as_ident()
                .is_some_and(|s| s.value.eq_ignore_ascii_case("pg_catalog")) =>
        {
            part.as_ident().map(|i| i.value.to_lowercase())
        }
        _ => None,
    }
}

/// Whether `expr` is text (a literal, or a function that gives a relation's name), not an
/// object id, where `::regclass` casts it.
fn is_text_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(_),
            ..
        }) => true,
        // The functions that give a relation's name as text (SQLAlchemy reflects identity
        // columns with `pg_get_serial_sequence(...)::regclass`).
        Expr::Function(f) => unqualified(&f.name).is_some_and(|n| {
            matches!(
                n.as_str(),
                "pg_get_serial_sequence" | "quote_ident" | "format" | "concat" | "lower"
            )
        }),
        Expr::Nested(inner) => is_text_literal(inner),
        _ => false,
    }
}

impl VisitorMut for Idioms {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Err(error) = fetch_as_limit(query) {
            self.refused = Some(error);
            return ControlFlow::Break(());
        }
        fold_empty_selects(query.body.as_mut());
        // Nothing to order, and the names ORDER BY used are gone.
        if all_folded(&query.body) {
            query.order_by = None;
        }
        ControlFlow::Continue(())
    }

    /// A `VALUES` column with a `json`, `jsonb`, `uuid`, `inet` or `cidr` value in one row
    /// has that type in every row, as PostgreSQL resolves it: the others go through the same
    /// conversion (DataFusion refuses rows whose types differ in the metadata that marks
    /// these types).
    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let SetExpr::Values(values) = query.body.as_mut() else {
            return ControlFlow::Continue(());
        };
        let typed = [
            crate::json::JSON_IN,
            crate::json::JSONB_IN,
            crate::postgres::UUID_IN,
            crate::network::functions::INET_IN,
            crate::network::functions::CIDR_IN,
        ];
        let conversion = |e: &Expr| match e {
            Expr::Function(f) => unqualified(&f.name).filter(|n| typed.contains(&n.as_str())),
            _ => None,
        };
        let width = values.rows.first().map_or(0, |row| row.content.len());
        for column in 0..width {
            let Some(function) = values
                .rows
                .iter()
                .find_map(|row| row.get(column).and_then(conversion))
            else {
                continue;
            };
            for row in &mut values.rows {
                if let Some(value) = row.get_mut(column)
                    && conversion(value).is_none()
                {
                    let plain = std::mem::replace(value, Expr::value(Value::Null));
                    *value = call(&function, plain);
                }
            }
        }
        ControlFlow::Continue(())
    }

    /// `pg_catalog` comes first on PostgreSQL's search path: `pg_class` is
    /// `pg_catalog.pg_class`.
    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        match set_returning_table(factor, false) {
            Some(Ok(table)) => *factor = table,
            Some(Err(error)) => {
                self.refused = Some(error);
                return ControlFlow::Break(());
            }
            None => {}
        }
        // `pg_options_to_table(options)`: the options of a foreign server, wrapper or table
        // or a column's, none of which DriftDB has, so every options column it is given is
        // empty and so is its table.
        if let TableFactor::Table {
            name,
            args: Some(_),
            alias,
            ..
        } = factor
            && unqualified(name).is_some_and(|n| n == "pg_options_to_table")
        {
            let alias = alias.clone();
            let empty = crate::parse(
                "SELECT CAST(NULL AS TEXT) AS option_name, CAST(NULL AS TEXT) AS option_value WHERE false",
            )
            .ok()
            .and_then(|mut statements| statements.pop())
            .and_then(|statement| match statement {
                crate::Statement::Sql(sql) => match sql.statement {
                    Statement::Query(query) => Some(query),
                    _ => None,
                },
                _ => None,
            });
            if let Some(query) = empty {
                *factor = TableFactor::Derived {
                    lateral: false,
                    subquery: query,
                    alias,
                    sample: None,
                };
            }
            return ControlFlow::Continue(());
        }
        // `unnest(a) u` names its column after the alias, and `unnest(a)` `unnest`, as in
        // PostgreSQL (DataFusion: `UNNEST(a)`).
        if let TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset: false,
            with_ordinality: false,
            ..
        } = factor
            && array_exprs.len() == 1
        {
            let alias = alias.get_or_insert_with(|| ast::TableAlias {
                explicit: false,
                name: Ident::new("unnest"),
                columns: Vec::new(),
                at: None,
            });
            if alias.columns.is_empty() {
                alias.columns.push(ast::TableAliasColumnDef {
                    name: alias.name.clone(),
                    data_type: None,
                });
            }
        }
        // `generate_series(1, 3) g`: a function of one output column, aliased without a
        // column list, names its column after the alias in PostgreSQL (DataFusion: `value`).
        if let TableFactor::Table {
            name,
            args: Some(_),
            alias: Some(alias),
            ..
        } = factor
            && alias.columns.is_empty()
            && unqualified(name).is_some_and(|n| n == "generate_series" || n == "range")
        {
            alias.columns.push(ast::TableAliasColumnDef {
                name: alias.name.clone(),
                data_type: None,
            });
        }
        if let TableFactor::Table { name, alias, .. } = factor
            && let [part] = name.0.as_slice()
            && let Some(ident) = part.as_ident()
            && ident.quote_style.is_none()
        {
            let lower = ident.value.to_lowercase();
            if BUILT.contains(&lower.as_str()) || always_empty(&lower) {
                // Aliased as written, so `pg_tables.*` (what `*` became) still names it.
                if alias.is_none() {
                    *alias = Some(ast::TableAlias {
                        explicit: true,
                        name: ident.clone(),
                        columns: Vec::new(),
                        at: None,
                    });
                }
                name.0
                    .insert(0, ObjectNamePart::Identifier(Ident::new("pg_catalog")));
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if self.catalogs {
            drop_domain_branches(expr);
        }
        match expr {
            // `typname[0]`: a catalog name's character, 0-based (`name` is a fixed array of
            // characters in PostgreSQL).
            Expr::CompoundFieldAccess { root, access_chain }
                if self.catalogs
                    && is_catalog_name(root)
                    && matches!(
                        access_chain.as_slice(),
                        [ast::AccessExpr::Subscript(ast::Subscript::Index { .. })]
                    ) =>
            {
                let root = std::mem::replace(root.as_mut(), Expr::value(Value::Null));
                if let Some(ast::AccessExpr::Subscript(ast::Subscript::Index { index })) =
                    access_chain.pop()
                {
                    let from = Expr::BinaryOp {
                        left: Box::new(Expr::Nested(Box::new(index))),
                        op: BinaryOperator::Plus,
                        right: Box::new(Expr::value(Value::Number("1".into(), false))),
                    };
                    let one = Expr::value(Value::Number("1".into(), false));
                    *expr = call_with("substr", vec![root, from, one]);
                }
            }
            // `~x`, which DataFusion does not plan; see `crate::postgres::bitwise_not`.
            Expr::UnaryOp {
                op: ast::UnaryOperator::BitwiseNot,
                expr: operand,
            } => {
                let operand = std::mem::replace(operand.as_mut(), Expr::value(Value::Null));
                *expr = call(crate::postgres::BITWISE_NOT, operand);
            }
            // `U&'d\0061t\+000061'`: sqlparser has read the escapes; the value is text.
            Expr::Value(v) if matches!(v.value, Value::UnicodeStringLiteral(_)) => {
                if let Value::UnicodeStringLiteral(text) = &v.value {
                    v.value = Value::SingleQuotedString(text.clone());
                }
            }
            // `EXTRACT(f FROM x)`, a `numeric` of the field's scale (`crate::postgres::extract`).
            Expr::Extract {
                field, expr: value, ..
            } => {
                let field = Expr::value(Value::SingleQuotedString(field.to_string()));
                let value = std::mem::replace(value.as_mut(), Expr::value(Value::Null));
                *expr = call_with(crate::postgres::EXTRACT, vec![field, value]);
            }
            // `date_part('f', x)`: `EXTRACT`'s value as a `double precision`, PostgreSQL's
            // type for it (DataFusion's `date_part` dropped the fraction of seconds).
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("date_part")
                    && constant_field(f).is_some() =>
            {
                if let ast::FunctionArguments::List(list) = &f.args
                    && let [
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(field)),
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(value)),
                    ] = list.args.as_slice()
                {
                    let extracted =
                        call_with(crate::postgres::DATE_PART, vec![field.clone(), value.clone()]);
                    *expr = Expr::Cast {
                        kind: ast::CastKind::Cast,
                        expr: Box::new(extracted),
                        data_type: ast::DataType::DoublePrecision,
                        array: false,
                        format: None,
                    };
                }
            }
            // An array slice with a bound left out (`a[:2]`, `a[3:]`, `a[:]`) runs from the
            // array's first element or to its last, as in PostgreSQL (DataFusion wants both).
            Expr::CompoundFieldAccess { access_chain, .. }
                if access_chain.iter().any(|a| {
                    matches!(a, ast::AccessExpr::Subscript(ast::Subscript::Slice { lower_bound, upper_bound, .. })
                        if lower_bound.is_none() || upper_bound.is_none())
                }) =>
            {
                open_slice_bounds(expr);
            }
            // `LOCALTIMESTAMP` and `LOCALTIME` [ (precision) ]: the transaction's start in the
            // session's zone (UTC) as a `timestamp` or `time`.
            Expr::Function(f)
                if matches!(unqualified(&f.name).as_deref(), Some("localtimestamp" | "localtime"))
                    && match &f.args {
                        ast::FunctionArguments::None => true,
                        ast::FunctionArguments::List(l) => l.args.len() == 1,
                        _ => false,
                    } =>
            {
                let precision = match &f.args {
                    ast::FunctionArguments::List(l) => match l.args.first() {
                        Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(v)))) => {
                            match &v.value {
                                Value::Number(n, _) => n.parse::<u64>().ok(),
                                _ => None,
                            }
                        }
                        _ => None,
                    },
                    _ => None,
                };
                let cast = |expr: Expr, data_type: ast::DataType| Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(expr),
                    data_type,
                    array: false,
                    format: None,
                };
                let mut now = cast(
                    call_with("now", vec![]),
                    ast::DataType::Timestamp(None, ast::TimezoneInfo::None),
                );
                // Rounded to `precision` fractional digits, as PostgreSQL rounds it.
                if let Some(digits) = precision.filter(|p| *p < 6) {
                    let unit = 10u64.pow(6 - digits as u32);
                    let interval = |micros: u64| Expr::Interval(ast::Interval {
                        value: Box::new(Expr::value(Value::SingleQuotedString(format!(
                            "{micros} microseconds"
                        )))),
                        leading_field: None,
                        leading_precision: None,
                        last_field: None,
                        fractional_seconds_precision: None,
                    });
                    let shifted = Expr::BinaryOp {
                        left: Box::new(now),
                        op: BinaryOperator::Plus,
                        right: Box::new(interval(unit / 2)),
                    };
                    let epoch = cast(
                        Expr::value(Value::SingleQuotedString("1970-01-01".into())),
                        ast::DataType::Timestamp(None, ast::TimezoneInfo::None),
                    );
                    now = call_with("date_bin", vec![interval(unit), shifted, epoch]);
                }
                *expr = if unqualified(&f.name).as_deref() == Some("localtime") {
                    cast(now, ast::DataType::Time(None, ast::TimezoneInfo::None))
                } else {
                    now
                };
            }
            // SQL's `CURRENT_USER`, `CURRENT_ROLE`, `USER` and `SESSION_USER` are functions
            // without parentheses (reserved words: a column of that name must be quoted).
            Expr::Identifier(_) | Expr::Function(_) if session_user_function(expr).is_some() => {
                if let Some(function) = session_user_function(expr) {
                    *expr = call_with(function, vec![]);
                }
            }
            // `(a lookup in an empty catalog) = ANY (array)`: NULL compared with each element,
            // so false for an empty array and NULL otherwise, whatever the element type.
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } if is_folded_null(left) && !matches!(right.as_ref(), Expr::Array(_)) => {
                let array = std::mem::replace(right.as_mut(), Expr::value(Value::Null));
                *expr = Expr::Case {
                    case_token: ast::helpers::attached_token::AttachedToken::empty(),
                    end_token: ast::helpers::attached_token::AttachedToken::empty(),
                    operand: None,
                    conditions: vec![ast::CaseWhen {
                        condition: Expr::BinaryOp {
                            left: Box::new(call("cardinality", array)),
                            op: BinaryOperator::Eq,
                            right: Box::new(Expr::value(Value::Number("0".into(), false))),
                        },
                        result: Expr::value(Value::Boolean(false)),
                    }],
                    else_result: None,
                };
            }
            // `x = ANY (ARRAY[a, b])` is `x IN (a, b)`, and `x <> ALL (ARRAY[...])` is
            // `x NOT IN (...)`: DataFusion plans no array literals here.
            Expr::AnyOp {
                compare_op: BinaryOperator::Eq,
                right,
                ..
            }
            | Expr::AllOp {
                compare_op: BinaryOperator::NotEq,
                right,
                ..
            } if matches!(right.as_ref(), Expr::Array(_)) => {
                let negated = matches!(expr, Expr::AllOp { .. });
                let (Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. }) =
                    std::mem::replace(expr, Expr::value(Value::Null))
                else {
                    return ControlFlow::Continue(());
                };
                let Expr::Array(array) = *right else {
                    return ControlFlow::Continue(());
                };
                *expr = Expr::InList {
                    expr: left,
                    list: array.elem,
                    negated,
                };
            }
            Expr::Cast {
                expr: inner,
                data_type: ast::DataType::Regclass,
                ..
            } => {
                let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                *expr = if is_text_literal(&value) {
                    call(REGCLASS_OID, value)
                } else {
                    call(REGCLASS_NAME, value)
                };
            }
            // A scalar subquery of no rows is NULL.
            Expr::Subquery(query) if is_folded(query) => {
                *expr = Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(Expr::value(Value::Null)),
                    data_type: ast::DataType::Text,
                    array: false,
                    format: None,
                };
            }
            Expr::Subquery(query) if self.catalogs => {
                // One whose SELECT list reads the outer row (SQLAlchemy's identity options)
                // is left to the session's subquery planner: aggregated, DataFusion cannot
                // plan it.
                if !selects_outer_columns(query) {
                    aggregate_scalar_subquery(query);
                }
                if let Some(guard) = take_outer_conditions(query) {
                    let subquery = std::mem::replace(expr, Expr::value(Value::Null));
                    *expr = Expr::Case {
                        case_token: ast::helpers::attached_token::AttachedToken::empty(),
                        end_token: ast::helpers::attached_token::AttachedToken::empty(),
                        operand: None,
                        conditions: vec![ast::CaseWhen {
                            condition: guard,
                            result: subquery,
                        }],
                        else_result: None,
                    };
                }
            }
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("array")
                    && matches!(f.args, ast::FunctionArguments::Subquery(_)) =>
            {
                if let ast::FunctionArguments::Subquery(query) = &f.args {
                    *expr = array_text(query.as_ref().clone());
                }
            }
            // `substring(s from 'pattern')`: the part of `s` the POSIX regular expression
            // matches, or its first parenthesized part (PostgreSQL's form for a pattern,
            // where an integer `from` is a position).
            Expr::Substring {
                expr: value,
                substring_from: Some(from),
                substring_for: None,
                ..
            } if matches!(
                from.as_ref(),
                Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_))
            ) =>
            {
                let value = std::mem::replace(value.as_mut(), Expr::value(Value::Null));
                let pattern = from.as_ref().clone();
                let matched = call_with("regexp_match", vec![value, pattern]);
                *expr = Expr::CompoundFieldAccess {
                    root: Box::new(Expr::Nested(Box::new(matched))),
                    access_chain: vec![ast::AccessExpr::Subscript(ast::Subscript::Index {
                        index: Expr::value(Value::Number("1".into(), false)),
                    })],
                };
            }
            Expr::BinaryOp { op, .. } => {
                if let BinaryOperator::PGCustomBinaryOperator(parts) = op
                    && let Some(symbol) = parts.last()
                {
                    let plain = match symbol.as_str() {
                        "~" => Some(BinaryOperator::PGRegexMatch),
                        "~*" => Some(BinaryOperator::PGRegexIMatch),
                        "!~" => Some(BinaryOperator::PGRegexNotMatch),
                        "!~*" => Some(BinaryOperator::PGRegexNotIMatch),
                        "=" => Some(BinaryOperator::Eq),
                        "<>" => Some(BinaryOperator::NotEq),
                        "<" => Some(BinaryOperator::Lt),
                        ">" => Some(BinaryOperator::Gt),
                        "<=" => Some(BinaryOperator::LtEq),
                        ">=" => Some(BinaryOperator::GtEq),
                        _ => None,
                    };
                    if let Some(plain) = plain {
                        *op = plain;
                    }
                }
            }
            // DriftDB compares text bytewise, which is the default collation here and "C";
            // any other collation is left for the planner to refuse.
            Expr::Collate {
                expr: inner,
                collation,
            } if unqualified(collation)
                .is_some_and(|c| matches!(c.as_str(), "default" | "c" | "posix")) =>
            {
                *expr = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
            }
            // `json_agg(x ...)` is `array_agg(to_json(x) ...)` laid out as one document; the
            // ORDER BY, DISTINCT, FILTER and OVER stay with the aggregate.
            Expr::Function(f)
                if unqualified(&f.name).is_some_and(|n| n == "json_agg" || n == "jsonb_agg")
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 1) =>
            {
                let jsonb = unqualified(&f.name).as_deref() == Some("jsonb_agg");
                let mut aggregate = as_array_agg(f);
                if let ast::FunctionArguments::List(list) = &mut aggregate.args
                    && let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))) =
                        list.args.first_mut()
                {
                    let value = std::mem::replace(arg, Expr::value(Value::Null));
                    *arg = call(if jsonb { "to_jsonb" } else { "to_json" }, value);
                }
                let list = if jsonb {
                    crate::json::JSONB_AGG
                } else {
                    crate::json::JSON_AGG
                };
                *expr = call(list, Expr::Function(aggregate));
            }
            // `json_object_agg(k, v ...)` is `array_agg(make_array(k::text, to_json(v)) ...)`
            // laid out as one object; the ORDER BY, DISTINCT, FILTER and OVER stay with the
            // aggregate, and each pair stays whole.
            Expr::Function(f)
                if unqualified(&f.name)
                    .is_some_and(|n| n == "json_object_agg" || n == "jsonb_object_agg")
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
            {
                let jsonb = unqualified(&f.name).as_deref() == Some("jsonb_object_agg");
                let mut aggregate = as_array_agg(f);
                if let ast::FunctionArguments::List(list) = &mut aggregate.args
                    && let [
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(key)),
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(value)),
                    ] = list.args.as_slice()
                {
                    let key = Expr::Cast {
                        kind: ast::CastKind::Cast,
                        expr: Box::new(key.clone()),
                        data_type: ast::DataType::Text,
                        array: false,
                        format: None,
                    };
                    let value = call(if jsonb { "to_jsonb" } else { "to_json" }, value.clone());
                    list.args = vec![ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(
                        call_with("make_array", vec![key, value]),
                    ))];
                    let pairs = if jsonb {
                        crate::json::JSONB_OBJECT_AGG
                    } else {
                        crate::json::JSON_OBJECT_AGG
                    };
                    *expr = call(pairs, Expr::Function(aggregate));
                }
            }
            // JSON's and text's set-returning functions are `unnest` of a list of their rows.
            Expr::Function(f)
                if matches!(&f.args, ast::FunctionArguments::List(l) if !l.args.is_empty())
                    && f.over.is_none()
                    && unqualified(&f.name).is_some_and(|n| list_of_rows(&n).is_some()) =>
            {
                let Some((lister, typed)) = unqualified(&f.name).and_then(|n| list_of_rows(&n))
                else {
                    return ControlFlow::Continue(());
                };
                let mut list = f.clone();
                list.name = object_name(&lister);
                let rows = call("unnest", Expr::Function(list));
                *expr = match typed {
                    Some(json_in) => call(json_in, rows),
                    None => rows,
                };
            }
            // `x LIKE p ESCAPE e` is `x LIKE like_escape(p, e)`, escaped by a backslash, the
            // only escape DataFusion takes.
            Expr::Like {
                pattern,
                escape_char: escape @ Some(_),
                ..
            }
            | Expr::ILike {
                pattern,
                escape_char: escape @ Some(_),
                ..
            } if escape.as_ref().is_some_and(|e| {
                !matches!(&e.value, Value::SingleQuotedString(s) if s == "\\")
            }) =>
            {
                let Some(escape) = escape.take() else {
                    return ControlFlow::Continue(());
                };
                let written = std::mem::replace(pattern.as_mut(), Expr::value(Value::Null));
                **pattern = call_with(
                    crate::postgres::LIKE_ESCAPE,
                    vec![written, Expr::Value(escape)],
                );
            }
            // `x SIMILAR TO p` is `x ~ similar_to_escape(p)`, PostgreSQL's own reading.
            Expr::SimilarTo {
                negated,
                expr: value,
                pattern,
                escape_char,
            } => {
                let mut args = vec![std::mem::replace(
                    pattern.as_mut(),
                    Expr::value(Value::Null),
                )];
                if let Some(escape) = escape_char {
                    args.push(Expr::Value(escape.clone()));
                }
                let value = std::mem::replace(value.as_mut(), Expr::value(Value::Null));
                *expr = Expr::BinaryOp {
                    left: Box::new(value),
                    op: if *negated {
                        ast::BinaryOperator::PGRegexNotMatch
                    } else {
                        ast::BinaryOperator::PGRegexMatch
                    },
                    right: Box::new(call_with(crate::postgres::SIMILAR_TO_ESCAPE, args)),
                };
            }
            // `array_lower(a, d)` is 1, DriftDB's arrays starting there, or NULL where the
            // array has no dimension `d` (an empty one has none).
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("array_lower")
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
            {
                let mut length = Expr::Function(f.clone());
                if let Expr::Function(g) = &mut length {
                    g.name = object_name("array_length");
                }
                *expr = Expr::Case {
                    case_token: ast::helpers::attached_token::AttachedToken::empty(),
                    end_token: ast::helpers::attached_token::AttachedToken::empty(),
                    operand: None,
                    conditions: vec![ast::CaseWhen {
                        condition: Expr::IsNotNull(Box::new(length)),
                        result: Expr::value(Value::Number("1".into(), false)),
                    }],
                    else_result: None,
                };
            }
            // `mod(a, b)` is `a % b`.
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("mod")
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
            {
                let ast::FunctionArguments::List(list) = &f.args else {
                    return ControlFlow::Continue(());
                };
                if let [
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a)),
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(b)),
                ] = list.args.as_slice()
                {
                    *expr = Expr::Nested(Box::new(Expr::BinaryOp {
                        left: Box::new(Expr::Nested(Box::new(a.clone()))),
                        op: ast::BinaryOperator::Modulo,
                        right: Box::new(Expr::Nested(Box::new(b.clone()))),
                    }));
                }
            }
            // PostgreSQL's names of functions DataFusion has under others.
            Expr::Function(f)
                if unqualified(&f.name)
                    .is_some_and(|n| SYNONYMS.iter().any(|(name, _)| *name == n)) =>
            {
                if let Some((_, theirs)) =
                    unqualified(&f.name).and_then(|n| SYNONYMS.iter().find(|(name, _)| *name == n))
                {
                    f.name = object_name(theirs);
                }
            }
            // `to_timestamp(text, template)` and `to_date(text, template)` read PostgreSQL's
            // templates (DataFusion's read chrono's; their one-argument forms stay).
            Expr::Function(f)
                if matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2)
                    && matches!(
                        unqualified(&f.name).as_deref(),
                        Some("to_timestamp" | "to_date")
                    ) =>
            {
                let ours = match unqualified(&f.name).as_deref() {
                    Some("to_date") => crate::postgres::TO_DATE,
                    _ => crate::postgres::TO_TIMESTAMP,
                };
                f.name = object_name(ours);
            }
            // `age(t)` is `age(current_date, t)`.
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some(crate::interval::functions::AGE)
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 1) =>
            {
                if let ast::FunctionArguments::List(list) = &mut f.args {
                    let today = Expr::Cast {
                        kind: ast::CastKind::Cast,
                        expr: Box::new(call_with("current_date", vec![])),
                        data_type: ast::DataType::Timestamp(None, ast::TimezoneInfo::None),
                        array: false,
                        format: None,
                    };
                    list.args.insert(
                        0,
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(today)),
                    );
                }
            }
            // `row_to_json(r)` is `to_json(r)`; `row_to_json(r, false)` too (`true` asks for
            // line breaks DriftDB does not write).
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("row_to_json")
                    && matches!(&f.args, ast::FunctionArguments::List(l)
                        if l.args.len() == 1
                            || l.args.len() == 2 && matches!(l.args.get(1),
                                Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(v))))
                                    if matches!(v.value, Value::Boolean(false)))) =>
            {
                if let ast::FunctionArguments::List(list) = &mut f.args {
                    list.args.truncate(1);
                }
                f.name = object_name("to_json");
            }
            // `array_fill(v, ARRAY[a, b])` nests as many lists as the ARRAY has elements;
            // see `crate::postgres::array_fill`.
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("array_fill")
                    && matches!(&f.args, ast::FunctionArguments::List(l)
                        if matches!(l.args.len(), 2 | 3)
                            && matches!(l.args.get(1),
                                Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Array(_)))))) =>
            {
                if let ast::FunctionArguments::List(list) = &mut f.args
                    && let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Array(
                        dims,
                    )))) = list.args.get(1)
                {
                    let count = Expr::value(Value::Number(dims.elem.len().to_string(), false));
                    list.args
                        .push(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(count)));
                    f.name = object_name(crate::postgres::ARRAY_FILL);
                }
            }
            // Dimensions given another way cannot be counted before planning.
            Expr::Function(f) if unqualified(&f.name).as_deref() == Some("array_fill") => {
                self.refused = Some(refusal(
                    "array_fill's dimensions must be written as ARRAY[...]".to_string(),
                ));
                return ControlFlow::Break(());
            }
            // `make_interval(days => 10)`: its parts by position, the missing ones 0.
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("make_interval")
                    && matches!(&f.args, ast::FunctionArguments::List(l)
                        if l.args.iter().any(|a| argument_name(a).is_some())) =>
            {
                if let ast::FunctionArguments::List(list) = &mut f.args {
                    make_interval_arguments(&mut list.args);
                }
            }
            // `generate_subscripts(a, d)` is the subscripts of dimension d, one row each:
            // `unnest(generate_series(1, array_length(a, d)))`.
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("generate_subscripts")
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
            {
                let ast::FunctionArguments::List(list) = &f.args else {
                    return ControlFlow::Continue(());
                };
                let args: Vec<Expr> = list
                    .args
                    .iter()
                    .filter_map(|a| match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e.clone()),
                        _ => None,
                    })
                    .collect();
                if args.len() == 2 {
                    let length = call_with("array_length", args);
                    let one = Expr::value(Value::Number("1".into(), false));
                    *expr = call(
                        "unnest",
                        call_with(crate::postgres::SERIES, vec![one, length]),
                    );
                }
            }
            Expr::Function(f) => {
                if let [schema, _] = f.name.0.as_slice()
                    && schema
                        .as_ident()
                        .is_some_and(|s| s.value.eq_ignore_ascii_case("pg_catalog"))
                {
                    f.name.0.remove(0);
                }
            }
            // Nor a UUID type: a cast to uuid checks the text and gives its normal form.
            Expr::Cast {
                expr: inner,
                data_type: ast::DataType::Uuid,
                ..
            } => {
                let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                *expr = call(crate::postgres::UUID_IN, value);
            }
            // DataFusion has no JSON types: a cast to one checks the text (and for jsonb
            // normalizes it); see `crate::json`.
            Expr::Cast {
                expr: inner,
                data_type: data_type @ (ast::DataType::JSON | ast::DataType::JSONB),
                ..
            } => {
                let function = json_in(data_type);
                let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                *expr = call(function, value);
            }
            // A cast to varchar(n) cuts the text to n characters (storing too long a text
            // is still 22001): `left(CAST(x AS TEXT), n)`.
            Expr::Cast {
                expr: inner,
                data_type:
                    ast::DataType::Varchar(Some(ast::CharacterLength::IntegerLength { length, .. }))
                    | ast::DataType::CharacterVarying(Some(ast::CharacterLength::IntegerLength {
                        length,
                        ..
                    })),
                ..
            } => {
                let length = *length;
                *expr = text_with_length("left", inner, length);
            }
            // A cast to character(n) cuts the text to n characters and types it
            // character(n), which shows blank-padded; see `crate::postgres::bpchar`.
            Expr::Cast {
                expr: inner,
                data_type: ast::DataType::Char(length) | ast::DataType::Character(length),
                ..
            } => {
                let length = match length {
                    Some(ast::CharacterLength::IntegerLength { length, .. }) => *length,
                    None => 1,
                    Some(ast::CharacterLength::Max) => return ControlFlow::Continue(()),
                };
                *expr = text_with_length(crate::postgres::BPCHAR_IN, inner, length);
            }
            // A cast to an unconstrained numeric keeps its value's scale, as PostgreSQL's
            // does; see `crate::postgres::numeric`. A parameter's cast stays, typing it.
            Expr::Cast {
                kind: ast::CastKind::Cast | ast::CastKind::DoubleColon,
                expr: inner,
                data_type:
                    ast::DataType::Numeric(ast::ExactNumberInfo::None)
                    | ast::DataType::Decimal(ast::ExactNumberInfo::None)
                    | ast::DataType::Dec(ast::ExactNumberInfo::None),
                format: None,
                ..
            } if !matches!(inner.as_ref(), Expr::Value(v) if matches!(v.value, Value::Placeholder(_))) =>
            {
                let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                *expr = call(crate::postgres::NUMERIC_IN, value);
            }
            Expr::TypedString(typed)
                if matches!(
                    typed.data_type,
                    ast::DataType::Numeric(ast::ExactNumberInfo::None)
                        | ast::DataType::Decimal(ast::ExactNumberInfo::None)
                ) =>
            {
                *expr = call(
                    crate::postgres::NUMERIC_IN,
                    Expr::Value(typed.value.clone()),
                );
            }
            // `uuid '...'` is a cast of the text, which checks it.
            Expr::TypedString(typed) if matches!(typed.data_type, ast::DataType::Uuid) => {
                *expr = call(crate::postgres::UUID_IN, Expr::Value(typed.value.clone()));
            }
            // So are `inet '...'` and `cidr '...'`.
            Expr::TypedString(typed) if network_in(&typed.data_type).is_some() => {
                if let Some(function) = network_in(&typed.data_type) {
                    *expr = call(function, Expr::Value(typed.value.clone()));
                }
            }
            Expr::TypedString(typed)
                if matches!(typed.data_type, ast::DataType::JSON | ast::DataType::JSONB) =>
            {
                let function = json_in(&typed.data_type);
                *expr = call(function, Expr::Value(typed.value.clone()));
            }
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => {
                // `oid[]` is an array of numbers, as `oid` is a number.
                if let Some(element) = array_element(data_type)
                    && let ast::DataType::Custom(name, modifiers) = element
                    && modifiers.is_empty()
                    && unqualified(name)
                        .is_some_and(|n| matches!(n.as_str(), "oid" | "regproc" | "xid"))
                {
                    *element = ast::DataType::BigInt(None);
                    return ControlFlow::Continue(());
                }
                let ast::DataType::Custom(name, modifiers) = data_type else {
                    return ControlFlow::Continue(());
                };
                if !modifiers.is_empty() {
                    return ControlFlow::Continue(());
                }
                let Some(type_name) = unqualified(name) else {
                    return ControlFlow::Continue(());
                };
                let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                *expr = match type_name.as_str() {
                    "regclass" if is_text_literal(&value) => call(REGCLASS_OID, value),
                    "regclass" => call(REGCLASS_NAME, value),
                    "regtype" => call(REGTYPE_NAME, value),
                    "regnamespace" => call(REGNAMESPACE_NAME, value),
                    // A cast to a network type reads (or converts) the value.
                    "inet" | "cidr" => match network_in(data_type) {
                        Some(function) => call(function, value),
                        None => return ControlFlow::Continue(()),
                    },
                    "oid" | "regproc" | "xid" => Expr::Cast {
                        kind: ast::CastKind::Cast,
                        expr: Box::new(value),
                        data_type: ast::DataType::BigInt(None),
                        array: false,
                        format: None,
                    },
                    "name" | "text" | "char" | "varchar" => Expr::Cast {
                        kind: ast::CastKind::Cast,
                        expr: Box::new(value),
                        data_type: ast::DataType::Text,
                        array: false,
                        format: None,
                    },
                    // `pg_catalog.int2` and the like: the built-in types by their own names.
                    builtin @ ("int2" | "int4" | "int8" | "bool" | "float4" | "float8") => {
                        Expr::Cast {
                            kind: ast::CastKind::Cast,
                            expr: Box::new(value),
                            data_type: match builtin {
                                "int2" => ast::DataType::SmallInt(None),
                                "int4" => ast::DataType::Int(None),
                                "int8" => ast::DataType::BigInt(None),
                                "bool" => ast::DataType::Boolean,
                                "float4" => ast::DataType::Real,
                                _ => ast::DataType::DoublePrecision,
                            },
                            array: false,
                            format: None,
                        }
                    }
                    _ => {
                        **inner = value;
                        return ControlFlow::Continue(());
                    }
                };
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// `pg_type` has no domains (DriftDB has no `CREATE DOMAIN`), so a `CASE` branch taken
/// only for a domain type (`WHEN t.typtype = 'd'`) never runs; it is removed, which spares
/// DataFusion what such branches hold and it cannot plan: asyncpg's type introspection
/// looks a domain's base type up with a recursive CTE correlated to the outer row.
fn drop_domain_branches(expr: &mut Expr) {
    let Expr::Case {
        operand: None,
        conditions,
        else_result,
        ..
    } = expr
    else {
        return;
    };
    let is_domain_test = |e: &Expr| match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            let column = match left.as_ref() {
                Expr::Identifier(i) => Some(i),
                Expr::CompoundIdentifier(parts) => parts.last(),
                _ => None,
            };
            column.is_some_and(|c| c.value.eq_ignore_ascii_case("typtype"))
                && matches!(right.as_ref(), Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(d), ..
                }) if d == "d")
        }
        _ => false,
    };
    conditions.retain(|when| !is_domain_test(&when.condition));
    if conditions.is_empty() {
        *expr = match else_result.take() {
            Some(otherwise) => *otherwise,
            None => Expr::value(Value::Null),
        };
    }
}

/// The element type of an array type (of its innermost arrays, for `t[][]`).
fn array_element(t: &mut ast::DataType) -> Option<&mut ast::DataType> {
    let ast::DataType::Array(
        ast::ArrayElemTypeDef::SquareBracket(element, _)
        | ast::ArrayElemTypeDef::AngleBracket(element)
        | ast::ArrayElemTypeDef::Parenthesis(element),
    ) = t
    else {
        return None;
    };
    if matches!(**element, ast::DataType::Array(_)) {
        array_element(element)
    } else {
        Some(element)
    }
}

/// Whether `query` is a `SELECT` [`fold_empty_selects`] emptied.
fn is_folded(query: &Query) -> bool {
    matches!(query.body.as_ref(), SetExpr::Select(_)) && all_folded(&query.body)
}

/// Whether every `SELECT` of `body` is one [`fold_empty_selects`] emptied.
fn all_folded(body: &SetExpr) -> bool {
    match body {
        SetExpr::Select(select) => {
            select.from.is_empty()
                && matches!(
                    select.selection,
                    Some(Expr::Value(ValueWithSpan {
                        value: Value::Boolean(false),
                        ..
                    }))
                )
        }
        SetExpr::SetOperation { left, right, .. } => all_folded(left) && all_folded(right),
        _ => false,
    }
}

/// `(SELECT max(x) FROM ...)` for `(SELECT x FROM ...)`; see [`rewrite`].
fn aggregate_scalar_subquery(query: &mut Query) {
    // `... ORDER BY k LIMIT 1` is the value of the first row in that order: `first_value`
    // ordered by k.
    let first_in_order = match (&query.order_by, &query.limit_clause) {
        (
            Some(ast::OrderBy {
                kind: ast::OrderByKind::Expressions(order),
                ..
            }),
            Some(ast::LimitClause::LimitOffset {
                limit: Some(limit),
                offset: None,
                limit_by,
            }),
        ) if limit_by.is_empty() && limit.to_string() == "1" => Some(order.clone()),
        (None, None) => None,
        _ => return,
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    if !select.group_by_is_empty() || has_aggregate(select) || select.from.is_empty() {
        return;
    }
    if let [item] = select.projection.as_mut_slice() {
        let (expr, alias) = match item {
            SelectItem::UnnamedExpr(e) => (e.clone(), None),
            SelectItem::ExprWithAlias { expr, alias } => (expr.clone(), Some(alias.clone())),
            _ => return,
        };
        let name = alias.unwrap_or_else(|| {
            Ident::new(crate::naming::figure_name(&expr).unwrap_or_else(|| "?column?".into()))
        });
        let aggregate = match first_in_order {
            None => call("max", expr),
            Some(order) => {
                let mut first = call("first_value", expr);
                if let Expr::Function(f) = &mut first
                    && let ast::FunctionArguments::List(list) = &mut f.args
                {
                    list.clauses
                        .push(ast::FunctionArgumentClause::OrderBy(order));
                }
                query.order_by = None;
                query.limit_clause = None;
                first
            }
        };
        *item = SelectItem::ExprWithAlias {
            expr: aggregate,
            alias: name,
        };
    }
}

/// The names a subquery's `FROM` items go by.
fn local_names(select: &ast::Select) -> Vec<String> {
    select
        .from
        .iter()
        .flat_map(|f| std::iter::once(&f.relation).chain(f.joins.iter().map(|j| &j.relation)))
        .filter_map(|factor| match factor {
            TableFactor::Table { name, alias, .. } => Some(match alias {
                Some(a) => a.name.value.to_lowercase(),
                None => unqualified(name)?,
            }),
            _ => None,
        })
        .collect()
}

/// Whether a subquery's SELECT list names a column of an outer query.
fn selects_outer_columns(query: &Query) -> bool {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return false;
    };
    let local = local_names(select);
    let mut outer = false;
    let _ = ast::visit_expressions(&select.projection, |e| {
        if let Expr::CompoundIdentifier(parts) = e
            && parts.len() >= 2
            && !local.contains(&parts[parts.len() - 2].value.to_lowercase())
        {
            outer = true;
        }
        ControlFlow::<()>::Continue(())
    });
    outer
}

/// Takes out of a subquery's `WHERE` the conditions on outer columns only (psql's
/// `AND a.atthasdef`), which DataFusion cannot decorrelate, and returns them: the
/// subquery then runs only where they hold (`CASE WHEN ... THEN (subquery) END`).
fn take_outer_conditions(query: &mut Query) -> Option<Expr> {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let local = local_names(select);
    let selection = select.selection.take()?;
    let mut conjuncts = Vec::new();
    split_and(selection, &mut conjuncts);
    let (outer, inner): (Vec<Expr>, Vec<Expr>) = conjuncts
        .into_iter()
        .partition(|c| refers_only_outside(c, &local));
    select.selection = join_and(inner);
    join_and(outer)
}

fn split_and(expr: Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(*left, out);
            split_and(*right, out);
        }
        Expr::Nested(inner)
            if matches!(
                inner.as_ref(),
                Expr::BinaryOp {
                    op: BinaryOperator::And,
                    ..
                }
            ) =>
        {
            split_and(*inner, out);
        }
        other => out.push(other),
    }
}

fn join_and(exprs: Vec<Expr>) -> Option<Expr> {
    exprs.into_iter().reduce(|a, b| Expr::BinaryOp {
        left: Box::new(a),
        op: BinaryOperator::And,
        right: Box::new(b),
    })
}

/// Whether every column `expr` names is qualified by a name not in `local`, and it names
/// at least one.
fn refers_only_outside(expr: &Expr, local: &[String]) -> bool {
    let mut columns = 0;
    let mut outside = true;
    let _ = ast::visit_expressions(expr, |e| {
        match e {
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                columns += 1;
                // `t.c` or `schema.t.c`: the table is the part before the column.
                outside &= !local.contains(&parts[parts.len() - 2].value.to_lowercase());
            }
            Expr::Identifier(_) | Expr::Subquery(_) | Expr::Exists { .. } => outside = false,
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    outside && columns > 0
}

/// `ARRAY(subquery)` as PostgreSQL's text form of the array: `{a,b}`.
fn array_text(query: Query) -> Expr {
    let sql = format!(
        "(SELECT '{{' || coalesce(string_agg(CAST(__element AS TEXT), ','), '') || '}}' FROM ({query}) AS __array(__element))"
    );
    match crate::parse(&format!("SELECT {sql}"))
        .ok()
        .and_then(|mut s| s.pop())
    {
        Some(crate::Statement::Sql(parsed)) => match parsed.statement {
            Statement::Query(q) => match *q.body {
                SetExpr::Select(select) => match select.projection.into_iter().next() {
                    Some(SelectItem::UnnamedExpr(e)) => e,
                    _ => Expr::value(Value::SingleQuotedString("{}".into())),
                },
                _ => Expr::value(Value::SingleQuotedString("{}".into())),
            },
            _ => Expr::value(Value::SingleQuotedString("{}".into())),
        },
        _ => Expr::value(Value::SingleQuotedString("{}".into())),
    }
}

/// `FETCH { FIRST | NEXT } [n] { ROW | ROWS } ONLY` (the standard's `LIMIT`, which
/// Hibernate 6 writes for PostgreSQL) as `LIMIT n`, `n` 1 if left out; beside an `OFFSET`,
/// as PostgreSQL allows. `WITH TIES` and `PERCENT` are refused (0A000).
fn fetch_as_limit(query: &mut Query) -> crate::Result<()> {
    let Some(fetch) = query.fetch.take() else {
        return Ok(());
    };
    if fetch.with_ties || fetch.percent {
        return Err(refusal(format!("{fetch} is not supported")));
    }
    let count = fetch
        .quantity
        .unwrap_or_else(|| Expr::value(Value::Number("1".into(), false)));
    match &mut query.limit_clause {
        None => {
            query.limit_clause = Some(ast::LimitClause::LimitOffset {
                limit: Some(count),
                offset: None,
                limit_by: Vec::new(),
            });
        }
        Some(ast::LimitClause::LimitOffset {
            limit: limit @ None,
            ..
        }) => *limit = Some(count),
        Some(_) => {
            return Err(crate::Error::Execution {
                message: "syntax error: LIMIT and FETCH in one query".to_string(),
                sqlstate: SqlState::SYNTAX_ERROR,
            });
        }
    }
    Ok(())
}

/// Replaces each `SELECT` of `body` that inner-joins an always-empty catalog with one of
/// no rows and the same column names.
fn fold_empty_selects(body: &mut SetExpr) {
    match body {
        SetExpr::SetOperation { left, right, .. } => {
            fold_empty_selects(left);
            fold_empty_selects(right);
        }
        SetExpr::Select(select) => {
            let empty_join = select.from.iter().any(|from| {
                is_empty_catalog(&from.relation)
                    || from.joins.iter().any(|join| {
                        matches!(
                            join.join_operator,
                            ast::JoinOperator::Join(_)
                                | ast::JoinOperator::Inner(_)
                                | ast::JoinOperator::CrossJoin(_)
                        ) && is_empty_catalog(&join.relation)
                    })
            });
            if !empty_join || !select.group_by_is_empty() || has_aggregate(select) {
                return;
            }
            // The names the items had, for a query that reads them (a CTE's anchor names its
            // columns); unique, as DataFusion insists, with `columnN` for the rest.
            // PostgreSQL's are put back on the result (`crate::naming`).
            let mut used = std::collections::HashSet::new();
            let projection = select
                .projection
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let named = match item {
                        SelectItem::ExprWithAlias { alias, .. } => Some(alias.clone()),
                        SelectItem::UnnamedExpr(Expr::Identifier(ident)) => Some(ident.clone()),
                        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                            parts.last().cloned()
                        }
                        _ => None,
                    };
                    let alias = named
                        .filter(|ident| used.insert(crate::session::ddl::ident_name(ident)))
                        .unwrap_or_else(|| Ident::new(format!("column{}", i + 1)));
                    SelectItem::ExprWithAlias {
                        expr: Expr::Cast {
                            kind: ast::CastKind::Cast,
                            expr: Box::new(Expr::value(Value::Null)),
                            data_type: ast::DataType::Text,
                            array: false,
                            format: None,
                        },
                        alias,
                    }
                })
                .collect();
            select.projection = projection;
            select.from.clear();
            select.selection = Some(Expr::value(Value::Boolean(false)));
            select.having = None;
            select.distinct = None;
        }
        _ => {}
    }
}

fn is_empty_catalog(factor: &TableFactor) -> bool {
    match factor {
        TableFactor::Table { name, .. } => unqualified(name).is_some_and(|n| always_empty(&n)),
        _ => false,
    }
}

trait GroupBy {
    fn group_by_is_empty(&self) -> bool;
}

impl GroupBy for ast::Select {
    fn group_by_is_empty(&self) -> bool {
        match &self.group_by {
            ast::GroupByExpr::Expressions(exprs, _) => exprs.is_empty(),
            ast::GroupByExpr::All(_) => false,
        }
    }
}

/// Whether the select list calls an aggregate (a `SELECT count(*)` of nothing still has
/// one row).
fn has_aggregate(select: &ast::Select) -> bool {
    const AGGREGATES: [&str; 9] = [
        "count",
        "sum",
        "min",
        "max",
        "avg",
        "array_agg",
        "string_agg",
        "bool_and",
        "bool_or",
    ];
    crate::recursive::calls_aggregate(select, &|name| {
        unqualified(name).is_some_and(|n| AGGREGATES.contains(&n.as_str()))
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

    #[test]
    fn numbering_is_by_creation_and_stable() {
        let numbered = number_tables(vec![(5, "b".into()), (3, "a".into()), (5, "a".into())]);
        assert_eq!(numbered[&(3, "a".into())], FIRST_USER_OID);
        assert_eq!(numbered[&(5, "a".into())], FIRST_USER_OID + OIDS_PER_TABLE);
        assert_eq!(
            numbered[&(5, "b".into())],
            FIRST_USER_OID + 2 * OIDS_PER_TABLE
        );
    }
}
