//! The catalogs' view of constraints: `pg_constraint` rows of type `f` and `c` (with their
//! `pg_get_constraintdef` text), and `information_schema`'s `table_constraints`,
//! `key_column_usage`, `referential_constraints`, `constraint_column_usage` and
//! `check_constraints` for every primary key, unique constraint, foreign key and check.

use datafusion::scalar::ScalarValue;
use driftdb_projector::{ForeignKey, RefAction};

use super::pg_catalog::{ConstraintRow, PgCatalog};
use super::relation::{Relation, int2, int4, null_text, text};
use super::types::{INT4, TEXT};
use super::{CatalogTable, Constraints, Definitions, visible_name};

/// Foreign-key constraint ids are numbered from here, above every table's and below the
/// sequences'.
const FIRST_FOREIGN_KEY_OID: i64 = 2_000_000_000;
/// Check constraint ids are numbered from here.
const FIRST_CHECK_OID: i64 = 2_500_000_000;

/// `pg_constraint`'s one-letter code of a referential action.
fn action_code(action: RefAction) -> &'static str {
    match action {
        RefAction::NoAction => "a",
        RefAction::Restrict => "r",
        RefAction::Cascade => "c",
        RefAction::SetNull => "n",
        RefAction::SetDefault => "d",
    }
}

/// `information_schema`'s words for a referential action.
fn action_rule(action: RefAction) -> &'static str {
    match action {
        RefAction::NoAction => "NO ACTION",
        RefAction::Restrict => "RESTRICT",
        RefAction::Cascade => "CASCADE",
        RefAction::SetNull => "SET NULL",
        RefAction::SetDefault => "SET DEFAULT",
    }
}

/// The definition `pg_get_constraintdef` gives a foreign key, as PostgreSQL writes it.
pub(super) fn definition(fk: &ForeignKey, parent: &str) -> String {
    let quote = |names: &[String]| {
        names
            .iter()
            .map(|n| crate::schemas::quote_ident(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The referenced table as PostgreSQL prints it: unqualified where the search path
    // shows it.
    let mut def = format!(
        "FOREIGN KEY ({}) REFERENCES {}({})",
        quote(&fk.columns),
        parent,
        quote(&fk.parent_columns)
    );
    if fk.match_full {
        def.push_str(" MATCH FULL");
    }
    if fk.on_update != RefAction::NoAction {
        def.push_str(" ON UPDATE ");
        def.push_str(action_rule(fk.on_update));
    }
    if fk.on_delete != RefAction::NoAction {
        def.push_str(" ON DELETE ");
        def.push_str(action_rule(fk.on_delete));
    }
    if fk.deferrable {
        def.push_str(" DEFERRABLE");
    }
    if fk.initially_deferred {
        def.push_str(" INITIALLY DEFERRED");
    }
    def
}

/// A constraint's definition as `pg_get_constraintdef` gives it: with `NOT VALID` after it
/// while it is not validated.
fn not_valid(definition: String, validated: bool) -> String {
    match validated {
        true => definition,
        false => format!("{definition} NOT VALID"),
    }
}

/// The table whose stored name is `name`, among those the catalogs describe.
fn stored<'a>(tables: &'a [CatalogTable], name: &str) -> Option<&'a CatalogTable> {
    tables.iter().find(|t| t.schema.name() == name)
}

/// Attribute numbers of `names` in `table`.
fn attnums(table: &CatalogTable, names: &[String]) -> Vec<ScalarValue> {
    names
        .iter()
        .map(|n| {
            let at = table.schema.column_index(n).map_or(0, |i| i + 1);
            int2(i16::try_from(at).unwrap_or(0))
        })
        .collect()
}

/// The `pg_constraint` row of each foreign key (`foreign_keys`: by referencing table's
/// stored name), and its definition for `pg_get_constraintdef`.
pub(super) fn pg_constraint_rows(
    tables: &[CatalogTable],
    constraints: &Constraints<'_>,
    catalog: &mut PgCatalog<'_>,
    defs: &mut Definitions,
) {
    for (n, check) in constraints.checks.iter().enumerate() {
        let Some(table) = stored(tables, &check.table) else {
            continue;
        };
        let id = FIRST_CHECK_OID + n as i64;
        let validated = constraints.validated(&check.table, &check.name);
        defs.constraints
            .insert(id, not_valid(format!("CHECK ({})", check.expr), validated));
        catalog.push_constraint(ConstraintRow {
            id,
            name: &check.name,
            namespace: table.namespace().0,
            kind: "c",
            deferrable: false,
            deferred: false,
            validated,
            relation: table.oid,
            index: 0,
            referenced: 0,
            actions: [" "; 3],
            no_inherit: false,
            key: attnums(table, &check.columns),
            referenced_key: None,
        });
    }
    let foreign_keys = constraints.foreign_keys;
    for (n, (table, fk)) in foreign_keys.iter().enumerate() {
        let (Some(child), Some(parent)) = (stored(tables, table), stored(tables, &fk.parent))
        else {
            continue;
        };
        let id = FIRST_FOREIGN_KEY_OID + n as i64;
        let validated = constraints.validated(table, &fk.name);
        defs.constraints.insert(
            id,
            not_valid(
                definition(fk, &visible_name(&fk.parent, &defs.path)),
                validated,
            ),
        );
        // The referenced side's unique index: its primary key's (the first id after it).
        let index = parent.oid + 1;
        catalog.push_constraint(ConstraintRow {
            id,
            name: &fk.name,
            namespace: child.namespace().0,
            kind: "f",
            deferrable: fk.deferrable,
            deferred: fk.initially_deferred,
            validated,
            relation: child.oid,
            index,
            referenced: parent.oid,
            actions: [
                action_code(fk.on_update),
                action_code(fk.on_delete),
                if fk.match_full { "f" } else { "s" },
            ],
            no_inherit: true,
            key: attnums(child, &fk.columns),
            referenced_key: Some(attnums(parent, &fk.parent_columns)),
        });
    }
}

/// `information_schema`'s constraint views over `tables` and their foreign keys:
/// `table_constraints`, `key_column_usage`, `referential_constraints`,
/// `constraint_column_usage`.
pub(super) fn information_schema(
    tables: &[CatalogTable],
    constraints: &Constraints<'_>,
) -> [(&'static str, Relation); 5] {
    let foreign_keys = constraints.foreign_keys;
    let mut table_constraints = Relation::new(&[
        ("constraint_catalog", TEXT),
        ("constraint_schema", TEXT),
        ("constraint_name", TEXT),
        ("table_catalog", TEXT),
        ("table_schema", TEXT),
        ("table_name", TEXT),
        ("constraint_type", TEXT),
        ("is_deferrable", TEXT),
        ("initially_deferred", TEXT),
        ("enforced", TEXT),
        ("nulls_distinct", TEXT),
    ]);
    let mut key_column_usage = Relation::new(&[
        ("constraint_catalog", TEXT),
        ("constraint_schema", TEXT),
        ("constraint_name", TEXT),
        ("table_catalog", TEXT),
        ("table_schema", TEXT),
        ("table_name", TEXT),
        ("column_name", TEXT),
        ("ordinal_position", INT4),
        ("position_in_unique_constraint", INT4),
    ]);
    let mut referential = Relation::new(&[
        ("constraint_catalog", TEXT),
        ("constraint_schema", TEXT),
        ("constraint_name", TEXT),
        ("unique_constraint_catalog", TEXT),
        ("unique_constraint_schema", TEXT),
        ("unique_constraint_name", TEXT),
        ("match_option", TEXT),
        ("update_rule", TEXT),
        ("delete_rule", TEXT),
    ]);
    let mut column_usage = Relation::new(&[
        ("table_catalog", TEXT),
        ("table_schema", TEXT),
        ("table_name", TEXT),
        ("column_name", TEXT),
        ("constraint_catalog", TEXT),
        ("constraint_schema", TEXT),
        ("constraint_name", TEXT),
    ]);
    let mut check_constraints = Relation::new(&[
        ("constraint_catalog", TEXT),
        ("constraint_schema", TEXT),
        ("constraint_name", TEXT),
        ("check_clause", TEXT),
    ]);
    let yes_no = |b: bool| text(if b { "YES" } else { "NO" });
    for check in constraints.checks {
        let Some(table) = stored(tables, &check.table) else {
            continue;
        };
        let (_, schema_name) = table.namespace();
        check_constraints.push(vec![
            text("driftdb"),
            text(schema_name),
            text(&check.name),
            text(&format!("(({}))", check.expr)),
        ]);
        table_constraints.push(vec![
            text("driftdb"),
            text(schema_name),
            text(&check.name),
            text("driftdb"),
            text(schema_name),
            text(&table.name),
            text("CHECK"),
            yes_no(false),
            yes_no(false),
            yes_no(true),
            null_text(),
        ]);
        for column in &check.columns {
            column_usage.push(vec![
                text("driftdb"),
                text(schema_name),
                text(&table.name),
                text(column),
                text("driftdb"),
                text(schema_name),
                text(&check.name),
            ]);
        }
    }
    for table in tables {
        let (_, schema_name) = table.namespace();
        let schema = &table.schema;
        let name_of = |c: usize| schema.columns()[c].name.clone();
        let mut keys: Vec<(String, &str, Vec<String>)> = Vec::new();
        if schema.row_id().is_none() {
            keys.push((
                format!("{}_pkey", table.name),
                "PRIMARY KEY",
                schema.primary_key().iter().map(|&c| name_of(c)).collect(),
            ));
        }
        keys.extend(
            schema
                .unique()
                .iter()
                .filter(|u| !schema.indexes().iter().any(|i| i.name == u.name))
                .map(|u| {
                    (
                        u.name.clone(),
                        "UNIQUE",
                        u.columns.iter().map(|&c| name_of(c)).collect(),
                    )
                }),
        );
        for (constraint, kind, columns) in keys {
            table_constraints.push(vec![
                text("driftdb"),
                text(schema_name),
                text(&constraint),
                text("driftdb"),
                text(schema_name),
                text(&table.name),
                text(kind),
                yes_no(false),
                yes_no(false),
                yes_no(true),
                if kind == "UNIQUE" {
                    yes_no(true)
                } else {
                    null_text()
                },
            ]);
            for (i, column) in columns.iter().enumerate() {
                key_column_usage.push(vec![
                    text("driftdb"),
                    text(schema_name),
                    text(&constraint),
                    text("driftdb"),
                    text(schema_name),
                    text(&table.name),
                    text(column),
                    int4(i as i32 + 1),
                    ScalarValue::Int32(None),
                ]);
                column_usage.push(vec![
                    text("driftdb"),
                    text(schema_name),
                    text(&table.name),
                    text(column),
                    text("driftdb"),
                    text(schema_name),
                    text(&constraint),
                ]);
            }
        }
    }
    for (table, fk) in foreign_keys {
        let (Some(child), Some(parent)) = (stored(tables, table), stored(tables, &fk.parent))
        else {
            continue;
        };
        let (_, schema_name) = child.namespace();
        let (_, parent_schema) = parent.namespace();
        table_constraints.push(vec![
            text("driftdb"),
            text(schema_name),
            text(&fk.name),
            text("driftdb"),
            text(schema_name),
            text(&child.name),
            text("FOREIGN KEY"),
            yes_no(fk.deferrable),
            yes_no(fk.initially_deferred),
            yes_no(true),
            null_text(),
        ]);
        // The referenced key: the primary key, or the unique constraint over the columns.
        let mut wanted: Vec<&str> = fk.parent_columns.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        let names = |cols: &[usize]| {
            let mut names: Vec<&str> = cols
                .iter()
                .map(|&c| parent.schema.columns()[c].name.as_str())
                .collect();
            names.sort_unstable();
            names
        };
        let (unique_name, unique_columns): (String, Vec<usize>) =
            if names(parent.schema.primary_key()) == wanted {
                (
                    format!("{}_pkey", parent.name),
                    parent.schema.primary_key().to_vec(),
                )
            } else {
                parent
                    .schema
                    .unique()
                    .iter()
                    .find(|u| names(&u.columns) == wanted)
                    .map(|u| (u.name.clone(), u.columns.clone()))
                    .unwrap_or_default()
            };
        referential.push(vec![
            text("driftdb"),
            text(schema_name),
            text(&fk.name),
            text("driftdb"),
            text(parent_schema),
            text(&unique_name),
            text(if fk.match_full { "FULL" } else { "NONE" }),
            text(action_rule(fk.on_update)),
            text(action_rule(fk.on_delete)),
        ]);
        for (i, (column, referenced)) in fk.columns.iter().zip(&fk.parent_columns).enumerate() {
            let position = unique_columns
                .iter()
                .position(|&c| parent.schema.columns()[c].name == *referenced)
                .map(|p| p as i32 + 1);
            key_column_usage.push(vec![
                text("driftdb"),
                text(schema_name),
                text(&fk.name),
                text("driftdb"),
                text(schema_name),
                text(&child.name),
                text(column),
                int4(i as i32 + 1),
                ScalarValue::Int32(position),
            ]);
            column_usage.push(vec![
                text("driftdb"),
                text(parent_schema),
                text(&parent.name),
                text(referenced),
                text("driftdb"),
                text(schema_name),
                text(&fk.name),
            ]);
        }
    }
    [
        ("table_constraints", table_constraints),
        ("key_column_usage", key_column_usage),
        ("referential_constraints", referential),
        ("constraint_column_usage", column_usage),
        ("check_constraints", check_constraints),
    ]
}
