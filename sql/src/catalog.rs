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
//! are empty catalogs; `crate::rewrite` folds a `SELECT` that inner-joins one of them to an
//! empty result before planning.
//!
//! The parts: `types` (the `pg_type` rows of DriftDB's column types, `format_type`),
//! [`register`] here (the `pg_catalog` and `information_schema` tables of a snapshot),
//! `functions` (the catalog functions, over what [`register`] collected), `constraints`,
//! `views` and `system` (the catalogs' own oids, the always-empty catalogs).
//!

mod constraints;
mod functions;
mod system;
mod types;
mod views;

use self::system::EMPTY;
pub(crate) use self::system::catalog_oid;

pub(crate) use self::views::CatalogView;

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType as Arrow, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider};
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::SessionContext;
use driftdb_projector::security::Role;
use driftdb_projector::{ColumnDefault, DataType, TableSchema};
use sqlparser::ast::{self, Expr, Statement};

use self::functions::register_functions;
use self::types::{
    ARRAY_TYPES, BOOL, INT2, INT4, OID, TEXT, TYPES, align, format_type, int2_array, oid_array,
    type_of,
};
use crate::arrow::with_pg_type;
use crate::rewrite::unqualified;

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

/// What the catalog functions look up by object id.
#[derive(Debug, Default)]
pub(crate) struct Definitions {
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
pub(crate) const BUILT: [&str; 20] = [
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
pub(crate) fn always_empty(name: &str) -> bool {
    EMPTY.iter().any(|(n, _)| *n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

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
