//! Schema `pg_catalog` of one snapshot: [`PgCatalog`] collects the rows of its tables
//! (`pg_class`, `pg_attribute`, `pg_index`, `pg_type`, `pg_roles` ...) and, in
//! [`Definitions`], what the catalog functions look up by object id. The always-empty
//! catalogs are in `system`.

use std::collections::HashMap;

use datafusion::arrow::datatypes::DataType as Arrow;
use datafusion::catalog::MemorySchemaProvider;
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use driftdb_projector::ColumnDefault;
use driftdb_projector::security::Role;

use super::relation::{
    Relation, boolean, int2, int4, int8, list_of, null_text, oid, schema_of, text,
};
use super::system::EMPTY;
use super::types::{BOOL, INT2, INT4, OID, TEXT, align, int2_array, oid_array};
use super::{
    BTREE, CatalogColumn, CatalogComment, CatalogTable, CatalogView, Constraints, DATABASE_OID,
    DEFAULT_COLLATION, Definitions, FIRST_SEQUENCE_OID, HEAP, INFORMATION_SCHEMA, Namespaces,
    OIDS_PER_TABLE, OWNER, OWNER_OID, PG_ATTRDEF_OID, PG_CATALOG, PG_CLASS_OID, PG_NAMESPACE_OID,
    PUBLIC, PUBLIC_OWNER_OID, TEMPORARY_SCHEMA, UNIQUE_INDEX, namespace_of, namespace_oid,
    role_oid, sequence_of_default,
};
use crate::pg_types::of_column;

/// The columns of `pg_authid` and of `pg_roles`, which show the same rows.
const ROLE_COLUMNS: [(&str, Arrow); 13] = [
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

/// What sets one `pg_constraint` row apart: a key's, a check's or a foreign key's.
pub(super) struct ConstraintRow<'a> {
    pub id: i64,
    pub name: &'a str,
    pub namespace: i64,
    /// `p`, `u`, `c` or `f`.
    pub kind: &'a str,
    pub deferrable: bool,
    pub deferred: bool,
    pub validated: bool,
    /// The constrained table, the index behind the constraint (a foreign key's: the
    /// referenced key's), and the referenced table (0 for none).
    pub relation: i64,
    pub index: i64,
    pub referenced: i64,
    /// A foreign key's update and delete actions and match type (`" "` for none).
    pub actions: [&'a str; 3],
    pub no_inherit: bool,
    /// The constrained columns' numbers, and the referenced ones'.
    pub key: Vec<ScalarValue>,
    pub referenced_key: Option<Vec<ScalarValue>>,
}

/// The tables of schema `pg_catalog` under construction.
pub(super) struct PgCatalog<'a> {
    roles: &'a [Role],
    namespace: Relation,
    pub(super) class: Relation,
    attribute: Relation,
    attrdef: Relation,
    index: Relation,
    constraint: Relation,
    types: Relation,
    am: Relation,
    database: Relation,
    authid: Relation,
    tables: Relation,
    indexes: Relation,
    sequence: Relation,
    sequences: Relation,
    pub(super) views: Relation,
    description: Relation,
    depend: Relation,
}

impl<'a> PgCatalog<'a> {
    /// The catalogs with the rows every snapshot has: the built-in types, access methods,
    /// the database, the roles of `roles` (recorded in `defs`) and the comment on schema
    /// `public`.
    pub(super) fn new(roles: &'a [Role], defs: &mut Definitions) -> PgCatalog<'a> {
        let mut catalog = PgCatalog {
            roles,
            namespace: Relation::new(&[
                ("oid", OID),
                ("nspname", TEXT),
                ("nspowner", OID),
                ("nspacl", TEXT),
            ]),
            class: Relation::new(&[
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
            ]),
            attribute: Relation::new(&[
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
            ]),
            attrdef: Relation::new(&[
                ("oid", OID),
                ("adrelid", OID),
                ("adnum", INT2),
                ("adbin", TEXT),
            ]),
            index: Relation::new(&[
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
            .typed("indoption", "int2vector"),
            constraint: Relation::new(&[
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
            ]),
            types: Relation::new(&[
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
            ]),
            am: Relation::new(&[
                ("oid", OID),
                ("amname", TEXT),
                ("amhandler", OID),
                ("amtype", TEXT),
            ]),
            database: Relation::new(&[
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
            ]),
            authid: Relation::new(&ROLE_COLUMNS),
            tables: Relation::new(&[
                ("schemaname", TEXT),
                ("tablename", TEXT),
                ("tableowner", TEXT),
                ("tablespace", TEXT),
                ("hasindexes", BOOL),
                ("hasrules", BOOL),
                ("hastriggers", BOOL),
                ("rowsecurity", BOOL),
            ]),
            indexes: Relation::new(&[
                ("schemaname", TEXT),
                ("tablename", TEXT),
                ("indexname", TEXT),
                ("tablespace", TEXT),
                ("indexdef", TEXT),
            ]),
            sequence: Relation::new(&[
                ("seqrelid", OID),
                ("seqtypid", OID),
                ("seqstart", Arrow::Int64),
                ("seqincrement", Arrow::Int64),
                ("seqmax", Arrow::Int64),
                ("seqmin", Arrow::Int64),
                ("seqcache", Arrow::Int64),
                ("seqcycle", BOOL),
            ]),
            sequences: Relation::new(&[
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
            ]),
            views: Relation::new(&[
                ("schemaname", TEXT),
                ("viewname", TEXT),
                ("viewowner", TEXT),
                ("definition", TEXT),
            ]),
            description: Relation::new(&[
                ("objoid", OID),
                ("classoid", OID),
                ("objsubid", INT4),
                ("description", TEXT),
            ]),
            depend: Relation::new(&[
                ("classid", OID),
                ("objid", OID),
                ("objsubid", INT4),
                ("refclassid", OID),
                ("refobjid", OID),
                ("refobjsubid", INT4),
                ("deptype", TEXT),
            ]),
        };
        catalog.built_in_types();
        // The handlers are PostgreSQL's functions `heap_tableam_handler` and `bthandler`.
        catalog
            .am
            .push(vec![oid(HEAP), text("heap"), oid(3), text("t")]);
        catalog
            .am
            .push(vec![oid(BTREE), text("btree"), oid(330), text("i")]);
        catalog.database.push(vec![
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
        catalog.roles(defs);
        // PostgreSQL's comment on schema `public` (`pg_dump` leaves the standard one out).
        defs.descriptions
            .insert((PUBLIC, 0), "standard public schema".to_string());
        catalog.description.push(vec![
            oid(PUBLIC),
            oid(PG_NAMESPACE_OID),
            int4(0),
            text("standard public schema"),
        ]);
        catalog
    }

    /// `pg_type`: the types of [`crate::pg_types::TYPES`].
    fn built_in_types(&mut self) {
        for t in crate::pg_types::TYPES {
            self.types.push(vec![
                oid(i64::from(t.oid)),
                text(t.name),
                oid(PG_CATALOG),
                oid(OWNER_OID),
                int2(t.length),
                boolean(t.length > 0 && t.length <= 8),
                text(t.kind),
                text(t.category),
                boolean(true),
                text(","),
                oid(0),
                oid(i64::from(t.element)),
                oid(i64::from(t.array)),
                boolean(false),
                oid(0),
                int4(-1),
                int4(0),
                oid(if t.collatable() { DEFAULT_COLLATION } else { 0 }),
                null_text(),
                text(if t.length > 0 { "p" } else { "x" }),
                null_text(),
            ]);
        }
    }

    /// `pg_authid` and `pg_roles`: PostgreSQL's `pg_database_owner`, the bootstrap
    /// superuser and the roles made with `CREATE ROLE`.
    fn roles(&mut self, defs: &mut Definitions) {
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
        // PostgreSQL's predefined role that owns schema `public`: clients that check every
        // owner names a role (`pg_dump`) find it.
        self.authid.push(role_row(
            PUBLIC_OWNER_OID,
            "pg_database_owner",
            false,
            false,
        ));
        let mut role_ids = HashMap::new();
        if !self.roles.iter().any(|r| r.name == OWNER) {
            self.authid.push(role_row(OWNER_OID, OWNER, true, true));
            role_ids.insert(OWNER_OID, OWNER.to_string());
        }
        for role in self.roles {
            let id = role_oid(self.roles, &role.name);
            role_ids.insert(id, role.name.clone());
            self.authid
                .push(role_row(id, &role.name, role.superuser, role.login));
        }
        defs.roles = role_ids;
    }

    /// `pg_namespace`: the built-in schemas, the user's, and the session's temporary schema
    /// if `tables` holds a temporary table.
    pub(super) fn namespaces(
        &mut self,
        namespaces: &Namespaces<'_>,
        tables: &[CatalogTable],
        defs: &mut Definitions,
    ) {
        let mut add = |id: i64, name: &str, owner: i64| {
            defs.namespaces.insert(id, name.to_string());
            self.namespace
                .push(vec![oid(id), text(name), oid(owner), null_text()]);
        };
        add(PG_CATALOG, "pg_catalog", OWNER_OID);
        add(PUBLIC, "public", PUBLIC_OWNER_OID);
        add(INFORMATION_SCHEMA, "information_schema", OWNER_OID);
        for schema in namespaces.schemas {
            let owner = role_oid(self.roles, &schema.owner);
            add(namespace_oid(&schema.name), &schema.name, owner);
        }
        if let Some(name) = tables.iter().find_map(|t| t.temporary_schema.as_deref()) {
            add(TEMPORARY_SCHEMA, name, OWNER_OID);
        }
    }

    /// A `pg_class` row: a relation's id, own name, namespace, kind (`r`, `i`, `v`, `S`),
    /// access method, column count and owner.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_class(
        &mut self,
        id: i64,
        name: &str,
        namespace: i64,
        kind: &str,
        am: i64,
        natts: usize,
        owner: &str,
    ) {
        self.class.push(vec![
            oid(id),
            text(name),
            oid(namespace),
            oid(0),
            oid(0),
            oid(role_oid(self.roles, owner)),
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
        ]);
    }

    /// A table's `pg_class` and `pg_tables` rows (its columns' and indexes' are
    /// [`PgCatalog::column`]'s and [`PgCatalog::indexes`]').
    pub(super) fn table(
        &mut self,
        table: &CatalogTable,
        constraints: &Constraints<'_>,
        namespaces: &Namespaces<'_>,
    ) {
        let schema = &table.schema;
        let (namespace, schema_name) = table.namespace();
        let owner = table.owner(namespaces);
        let natts = schema.visible().count();
        self.push_class(table.oid, &table.name, namespace, "r", HEAP, natts, owner);
        // Foreign keys are triggers in PostgreSQL: psql's `\d` looks for them only then.
        if constraints
            .foreign_keys
            .iter()
            .any(|(t, fk)| t == schema.name() || fk.parent == schema.name())
        {
            self.class.set_last("relhastriggers", boolean(true));
        }
        let checks = constraints
            .checks
            .iter()
            .filter(|c| c.table == schema.name())
            .count();
        self.class
            .set_last("relchecks", int2(i16::try_from(checks).unwrap_or(i16::MAX)));
        self.tables.push(vec![
            text(schema_name),
            text(&table.name),
            text(owner),
            null_text(),
            boolean(true),
            boolean(false),
            boolean(false),
            boolean(false),
        ]);
    }

    /// A column's `pg_attribute` row, and its `pg_attrdef` row if it has a default.
    pub(super) fn column(&mut self, column: &CatalogColumn<'_>) {
        let length = column.length();
        self.attribute.push(vec![
            oid(column.relation),
            text(column.name),
            oid(i64::from(column.typed.oid)),
            int4(-1),
            int2(length),
            int2(column.attnum),
            int4(column.dimensions),
            int4(column.typed.modifier),
            boolean(length > 0 && length <= 8),
            text(if length > 0 { "p" } else { "x" }),
            text(""),
            boolean(!column.nullable),
            boolean(column.default.is_some()),
            boolean(false),
            text(column.identity),
            text(""),
            boolean(false),
            boolean(true),
            int4(0),
            oid(if column.collatable() {
                DEFAULT_COLLATION
            } else {
                0
            }),
            null_text(),
            null_text(),
            text(align(length)),
            null_text(),
            null_text(),
        ]);
        if let Some(default) = &column.default {
            self.attrdef.push(vec![
                oid(column.relation + OIDS_PER_TABLE / 2 + i64::from(column.attnum)),
                oid(column.relation),
                int2(column.attnum),
                text(default),
            ]);
        }
    }

    /// A table's indexes: its primary key, then its `UNIQUE` constraints, then its plain
    /// indexes, each a `pg_class` row (kind `i`) with `pg_index` and `pg_indexes` rows,
    /// and the keys a `pg_constraint` row.
    pub(super) fn indexes(
        &mut self,
        table: &CatalogTable,
        namespaces: &Namespaces<'_>,
        defs: &mut Definitions,
    ) -> Result<()> {
        let schema = &table.schema;
        let name = table.name.as_str();
        let (namespace, schema_name) = table.namespace();
        let owner = table.owner(namespaces);
        let columns = schema.columns();
        // (A table declared without a primary key has none to show: its hidden row
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
            let quote = crate::schemas::quote_ident;
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
            self.indexes.push(vec![
                text(schema_name),
                text(name),
                text(index_name),
                null_text(),
                text(&definition),
            ]);
            defs.indexes.insert(index_oid, (definition, names.clone()));
            defs.relations.insert(index_oid, index_name.clone());
            defs.relation_ids.insert(index_name.clone(), index_oid);
            self.push_class(
                index_oid,
                index_name,
                namespace,
                "i",
                BTREE,
                positions.len(),
                owner,
            );
            let key: Vec<ScalarValue> = positions.iter().map(|&p| int2(p as i16 + 1)).collect();
            let zeros = |t: &Arrow| {
                let zero = ScalarValue::new_zero(t)?;
                Ok::<_, DataFusionError>(list_of(vec![zero; positions.len()], t))
            };
            self.index.push(vec![
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
                let what = if *kind == "p" {
                    "PRIMARY KEY"
                } else {
                    "UNIQUE"
                };
                defs.constraints
                    .insert(constraint_oid, format!("{what} ({list})"));
                self.push_constraint(ConstraintRow {
                    id: constraint_oid,
                    name: index_name,
                    namespace,
                    kind,
                    deferrable: false,
                    deferred: false,
                    validated: true,
                    relation: table.oid,
                    index: index_oid,
                    referenced: 0,
                    actions: [" "; 3],
                    no_inherit: true,
                    key,
                    referenced_key: None,
                });
            }
        }
        Ok(())
    }

    /// A `pg_constraint` row.
    pub(super) fn push_constraint(&mut self, c: ConstraintRow<'_>) {
        let no_list = || ScalarValue::try_from(int2_array()).unwrap_or(ScalarValue::Null);
        let [on_update, on_delete, matching] = c.actions;
        self.constraint.push(vec![
            oid(c.id),
            text(c.name),
            oid(c.namespace),
            text(c.kind),
            boolean(c.deferrable),
            boolean(c.deferred),
            boolean(c.validated),
            oid(c.relation),
            oid(0),
            oid(c.index),
            oid(0),
            oid(c.referenced),
            text(on_update),
            text(on_delete),
            text(matching),
            boolean(true),
            int4(0),
            boolean(c.no_inherit),
            list_of(c.key, &INT2),
            c.referenced_key
                .map_or_else(no_list, |key| list_of(key, &INT2)),
            null_text(),
        ]);
    }

    /// Each sequence's `pg_class` (kind `S`), `pg_sequence` and `pg_sequences` rows.
    pub(super) fn sequences(
        &mut self,
        sequences: &[crate::sequences::Sequence],
        namespaces: &Namespaces<'_>,
        defs: &mut Definitions,
    ) {
        for (n, s) in sequences.iter().enumerate() {
            let id = FIRST_SEQUENCE_OID + n as i64;
            let (namespace, schema_name, own_name) = namespace_of(&s.name);
            defs.relations.insert(id, s.name.clone());
            defs.relation_ids.entry(s.name.clone()).or_insert(id);
            let owner = namespaces.owner_of(&s.name);
            self.push_class(id, own_name, namespace, "S", 0, 3, owner);
            self.sequence.push(vec![
                oid(id),
                oid(i64::from(of_column(&s.kind.column_type()).oid)),
                int8(s.start),
                int8(s.increment),
                int8(s.max),
                int8(s.min),
                int8(s.cache),
                boolean(s.cycle),
            ]);
            self.sequences.push(vec![
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
        }
    }

    /// `pg_description`: the comments on relations (and their columns) numbered before.
    pub(super) fn comments(
        &mut self,
        comments: &[CatalogComment],
        tables: &[CatalogTable],
        views: &[CatalogView],
        defs: &mut Definitions,
    ) {
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
            self.description.push(vec![
                oid(id),
                oid(PG_CLASS_OID),
                int4(subid),
                text(&comment.text),
            ]);
        }
    }

    /// `pg_depend`, which `pg_dump` orders its script by: a column default taking a
    /// sequence's values on the sequence (`n`), each sequence on the column that owns it
    /// (`a` for a SERIAL column's, `i` for an identity column's), each view on the
    /// relations it reads (`n`; PostgreSQL records that through the view's rewrite rule).
    pub(super) fn dependencies(
        &mut self,
        tables: &[CatalogTable],
        sequences: &[crate::sequences::Sequence],
        views: &[CatalogView],
        defs: &Definitions,
    ) {
        let mut depends = |class: i64, id: i64, on: i64, column: usize, kind: &str| {
            self.depend.push(vec![
                oid(class),
                oid(id),
                int4(0),
                oid(PG_CLASS_OID),
                oid(on),
                int4(i32::try_from(column).unwrap_or(0)),
                text(kind),
            ]);
        };
        // So `pg_dump` sets such a default after making the sequence, which the table's
        // column owns.
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
                let sequence_oid = FIRST_SEQUENCE_OID + n as i64;
                depends(PG_ATTRDEF_OID, default_oid, sequence_oid, 0, "n");
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
                let id = FIRST_SEQUENCE_OID + n as i64;
                depends(PG_CLASS_OID, id, owner.oid, at + 1, kind);
            }
        }
        for view in views {
            let Some(&id) = defs.relation_ids.get(&view.name) else {
                continue;
            };
            for read in &view.reads {
                if let Some(&on) = defs.relation_ids.get(read) {
                    depends(PG_CLASS_OID, id, on, 0, "n");
                }
            }
        }
    }

    /// Schema `pg_catalog`: the tables built, and the always-empty ones.
    pub(super) fn into_schema(self) -> Result<MemorySchemaProvider> {
        let mut relations = vec![
            ("pg_namespace", self.namespace),
            ("pg_class", self.class),
            ("pg_attribute", self.attribute),
            ("pg_attrdef", self.attrdef),
            ("pg_index", self.index),
            ("pg_constraint", self.constraint),
            ("pg_type", self.types),
            ("pg_am", self.am),
            ("pg_database", self.database),
            ("pg_tables", self.tables),
            ("pg_indexes", self.indexes),
            ("pg_sequence", self.sequence),
            ("pg_sequences", self.sequences),
            ("pg_views", self.views),
            ("pg_description", self.description),
            ("pg_depend", self.depend),
            ("pg_authid", self.authid.clone()),
            ("pg_roles", self.authid),
        ];
        for (name, columns) in EMPTY {
            let columns: Vec<(&str, Arrow)> =
                columns.iter().map(|(n, t)| (*n, t.clone())).collect();
            relations.push((name, Relation::new(&columns)));
        }
        // No partitioned tables either (its `partclass` is a list, which `EMPTY` cannot hold).
        relations.push((
            "pg_partitioned_table",
            Relation::new(&[
                ("partrelid", OID),
                ("partstrat", TEXT),
                ("partnatts", INT2),
                ("partclass", oid_array()),
            ]),
        ));
        schema_of(relations)
    }
}
