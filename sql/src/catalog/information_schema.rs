//! Schema `information_schema` of one snapshot, the SQL standard's catalog:
//! [`InformationSchema`] collects the rows of `tables`, `columns`, `schemata`, `sequences`
//! and `views`; the constraint views are `constraints`'.

use datafusion::catalog::MemorySchemaProvider;
use datafusion::common::ScalarValue;
use datafusion::error::Result;

use super::relation::{Relation, int4, null_text, schema_of, text};
use super::types::{INT4, TEXT};
use super::{CatalogColumn, CatalogTable, Constraints, Namespaces, OWNER, TEMPORARY_SCHEMA};
use crate::pg_types::{format_type, integer_bits, of_column, oid};

/// The catalog (database) name every row names.
const CATALOG: &str = "driftdb";

/// The tables of schema `information_schema` under construction.
pub(super) struct InformationSchema {
    pub(super) tables: Relation,
    columns: Relation,
    schemata: Relation,
    sequences: Relation,
    pub(super) views: Relation,
}

impl InformationSchema {
    pub(super) fn new() -> InformationSchema {
        InformationSchema {
            tables: Relation::new(&[
                ("table_catalog", TEXT),
                ("table_schema", TEXT),
                ("table_name", TEXT),
                ("table_type", TEXT),
                ("is_insertable_into", TEXT),
            ]),
            columns: Relation::new(&[
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
            ]),
            schemata: Relation::new(&[
                ("catalog_name", TEXT),
                ("schema_name", TEXT),
                ("schema_owner", TEXT),
            ]),
            sequences: Relation::new(&[
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
            ]),
            views: Relation::new(&[
                ("table_catalog", TEXT),
                ("table_schema", TEXT),
                ("table_name", TEXT),
                ("view_definition", TEXT),
                ("check_option", TEXT),
                ("is_updatable", TEXT),
                ("is_insertable_into", TEXT),
            ]),
        }
    }

    /// `schemata`: the built-in schemas and the user's.
    pub(super) fn schemata(&mut self, namespaces: &Namespaces<'_>) {
        let built_in = [
            ("pg_catalog", OWNER),
            ("public", "pg_database_owner"),
            ("information_schema", OWNER),
        ];
        let users = namespaces
            .schemas
            .iter()
            .map(|s| (s.name.as_str(), s.owner.as_str()));
        for (name, owner) in built_in.into_iter().chain(users) {
            self.schemata
                .push(vec![text(CATALOG), text(name), text(owner)]);
        }
    }

    /// A table's `tables` row (its columns are [`InformationSchema::column`]'s).
    pub(super) fn table(&mut self, table: &CatalogTable) {
        let (namespace, schema_name) = table.namespace();
        self.tables.push(vec![
            text(CATALOG),
            text(schema_name),
            text(&table.name),
            text(match namespace {
                TEMPORARY_SCHEMA => "LOCAL TEMPORARY",
                _ => "BASE TABLE",
            }),
            text("YES"),
        ]);
    }

    /// A column's `columns` row, of a table or a view.
    pub(super) fn column(&mut self, column: &CatalogColumn<'_>) {
        let typed = column.typed;
        let array = column.element != typed.oid;
        let modifier = (typed.modifier >= 4).then_some(typed.modifier - 4);
        let (precision, scale) = match (typed.oid, modifier) {
            _ if array => (None, None),
            (oid::NUMERIC, Some(m)) => (Some(m >> 16), Some(m & 0xffff)),
            (id, _) => (integer_bits(id), integer_bits(id).map(|_| 0)),
        };
        let max_length = match typed.oid {
            oid::BPCHAR | oid::VARCHAR => modifier,
            _ => None,
        };
        // The SQL standard's names: `format_type`'s without a modifier.
        let data_type = match typed.oid {
            _ if array => "ARRAY".to_string(),
            id => format_type(id, None).unwrap_or_default(),
        };
        let udt_name = typed.pg_type().map_or("", |t| t.name);
        self.columns.push(vec![
            text(CATALOG),
            text(column.schema),
            text(column.table),
            text(column.name),
            int4(i32::from(column.attnum)),
            column.default.as_deref().map_or_else(null_text, text),
            text(if column.nullable { "YES" } else { "NO" }),
            text(&data_type),
            ScalarValue::Int32(max_length),
            ScalarValue::Int32(precision),
            ScalarValue::Int32(scale),
            text(udt_name),
        ]);
    }

    /// `sequences`: the sequences of the schemas. An identity column's sequence is the
    /// column's, not a sequence of the schema's own: it is left out, as PostgreSQL does.
    pub(super) fn sequences(&mut self, sequences: &[crate::sequences::Sequence]) {
        for s in sequences.iter().filter(|s| s.identity.is_none()) {
            let (_, schema_name, own_name) = super::namespace_of(&s.name);
            let type_oid = of_column(&s.kind.column_type()).oid;
            self.sequences.push(vec![
                text(CATALOG),
                text(schema_name),
                text(own_name),
                text(s.kind_name()),
                ScalarValue::Int32(integer_bits(type_oid)),
                int4(2),
                int4(0),
                text(&s.start.to_string()),
                text(&s.min.to_string()),
                text(&s.max.to_string()),
                text(&s.increment.to_string()),
                text(if s.cycle { "YES" } else { "NO" }),
            ]);
        }
    }

    /// Schema `information_schema`: the tables built and the constraint views over
    /// `tables` and `constraints`.
    pub(super) fn into_schema(
        self,
        tables: &[CatalogTable],
        constraints: &Constraints<'_>,
    ) -> Result<MemorySchemaProvider> {
        let mut relations = vec![
            ("tables", self.tables),
            ("columns", self.columns),
            ("schemata", self.schemata),
            ("sequences", self.sequences),
            ("views", self.views),
        ];
        relations.extend(super::constraints::information_schema(tables, constraints));
        schema_of(relations)
    }
}
