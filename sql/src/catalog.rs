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
//! The parts: `types` (the type registry: the `pg_type` rows of DriftDB's column types,
//! `format_type`), `pg_catalog` and `information_schema` (the builders of each schema's
//! tables, which `register` here feeds a snapshot's tables, views and sequences, one
//! `CatalogColumn` per column for both), `functions` (the catalog functions, over what
//! `register` collected), `constraints`, `views`, `relation` (a catalog table under
//! construction) and `system` (the catalogs' own oids, the always-empty catalogs).
//!

mod constraints;
mod functions;
mod information_schema;
mod pg_catalog;
mod relation;
mod system;
mod types;
mod views;

pub(crate) use self::relation::TABLEOID;
pub(crate) use self::system::catalog_oid;
pub(crate) use self::views::CatalogView;

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::SessionContext;
use driftdb_projector::security::Role;
use driftdb_projector::{ColumnDefault, DataType, TableSchema};
use sqlparser::ast::{self, Expr, Statement};

use self::functions::register_functions;
pub(crate) use self::functions::{
    REGCLASS_NAME, REGCLASS_OID, REGNAMESPACE_NAME, REGTYPE_NAME, REGTYPE_OID,
};
use self::information_schema::InformationSchema;
use self::pg_catalog::PgCatalog;
use self::relation::{Relation, boolean, null_text, text};
use self::system::EMPTY;
use self::types::{BOOL, TEXT};
use crate::pg_types::{Oid, PgType, Typed, of_column};
use crate::schemas::unqualified;

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

    /// Its owner: a temporary table's is [`OWNER`].
    fn owner<'a>(&'a self, namespaces: &'a Namespaces<'_>) -> &'a str {
        match self.temporary_schema {
            Some(_) => OWNER,
            None => namespaces.owner_of(self.schema.name()),
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

/// One column of a table or a view, as `pg_attribute`, `pg_attrdef` and
/// `information_schema.columns` describe it.
pub(super) struct CatalogColumn<'a> {
    /// The relation's `pg_class` id, its schema and its own name.
    relation: i64,
    schema: &'a str,
    table: &'a str,
    name: &'a str,
    attnum: i16,
    typed: Typed,
    /// An array column's element type; any other column's own type.
    element: Oid,
    /// The dimensions the column declares (`attndims`).
    dimensions: i32,
    nullable: bool,
    /// Its default, as `pg_get_expr` shows it.
    default: Option<String>,
    /// `attidentity`: `a` or `d` for an identity column, empty for any other.
    identity: &'static str,
}

impl<'a> CatalogColumn<'a> {
    /// The visible columns of `table`. A hidden row identity is not shown: its attnum is a
    /// gap, as a dropped column's is in PostgreSQL.
    fn of_table(
        table: &'a CatalogTable,
        sequences: &[crate::sequences::Sequence],
        path: &[String],
    ) -> Vec<CatalogColumn<'a>> {
        let schema = &table.schema;
        let (_, schema_name) = table.namespace();
        let columns = schema.columns().iter().enumerate();
        columns
            .filter(|(_, c)| !c.is_hidden())
            .map(|(i, column)| {
                let typed = of_column(&column.data_type);
                let (element, dimensions) = match &column.data_type {
                    DataType::Array(element) => (of_column(element).oid, 1),
                    _ => (typed.oid, 0),
                };
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
                    Some(ColumnDefault::Expr(text)) => Some(visible_default(text, path)),
                    Some(ColumnDefault::Value(v)) => Some(format!("{v:?}")),
                    Some(ColumnDefault::RowId(_)) | None => None,
                };
                CatalogColumn {
                    relation: table.oid,
                    schema: schema_name,
                    table: &table.name,
                    name: &column.name,
                    attnum: i as i16 + 1,
                    typed,
                    element,
                    dimensions,
                    nullable: column.nullable,
                    default,
                    identity,
                }
            })
            .collect()
    }

    /// The length of its values in bytes (`attlen`; -1: variable).
    fn length(&self) -> i16 {
        self.typed.pg_type().map_or(-1, |t| t.length)
    }

    /// Whether its values (an array's elements) take the default collation.
    fn collatable(&self) -> bool {
        PgType::by_oid(self.element).is_some_and(PgType::collatable)
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

/// Whether `statement` reads a system catalog or calls a catalog function (and so needs
/// `register`).
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
const FUNCTIONS: [&str; 21] = [
    "to_regtype",
    "to_regclass",
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
        true => crate::schemas::quote_ident(name),
        false => crate::schemas::qualified(stored),
    }
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
    relation.register(schema.as_ref(), "pg_settings")
}

/// Registers the catalogs of `tables` in `ctx`: schemas `pg_catalog` and
/// `information_schema`, and the catalog functions over what they hold.
pub(crate) fn register(
    ctx: &SessionContext,
    tables: &[CatalogTable],
    constraints: &Constraints<'_>,
    views: &[CatalogView],
    comments: &[CatalogComment],
    sequences: &[crate::sequences::Sequence],
    namespaces: &Namespaces<'_>,
) -> Result<()> {
    let mut defs = Definitions {
        path: namespaces.path.to_vec(),
        ..Definitions::default()
    };
    let mut pg = PgCatalog::new(namespaces.roles, &mut defs);
    let mut is = InformationSchema::new();
    pg.namespaces(namespaces, tables, &mut defs);
    is.schemata(namespaces);
    for table in tables {
        let regclass = table.regclass();
        defs.relations.insert(table.oid, regclass.to_string());
        // A temporary table hides a permanent one of its name, as `pg_temp` comes first.
        if table.temporary_schema.is_some() || !defs.relation_ids.contains_key(regclass) {
            defs.relation_ids.insert(regclass.to_string(), table.oid);
        }
        pg.table(table, constraints, namespaces);
        is.table(table);
        for column in CatalogColumn::of_table(table, sequences, namespaces.path) {
            pg.column(&column);
            is.column(&column);
        }
        pg.indexes(table, namespaces, &mut defs)?;
    }
    self::constraints::pg_constraint_rows(tables, constraints, &mut pg, &mut defs);
    self::views::rows(views, &mut pg, &mut is, &mut defs, namespaces);
    pg.sequences(sequences, namespaces, &mut defs);
    is.sequences(sequences);
    pg.comments(comments, tables, views, &mut defs);
    pg.dependencies(tables, sequences, views, &defs);

    let catalog_name = ctx.state().config_options().catalog.default_catalog.clone();
    let catalog = ctx
        .catalog(&catalog_name)
        .ok_or_else(|| DataFusionError::Internal(format!("no default catalog {catalog_name}")))?;
    catalog.register_schema("pg_catalog", Arc::new(pg.into_schema()?))?;
    let information_schema = is.into_schema(tables, constraints)?;
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
