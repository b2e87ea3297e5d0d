//! The catalogs' view of views: `pg_class` rows of kind `v` with their columns in
//! `pg_attribute`, `pg_views`, `pg_get_viewdef`, and `information_schema`'s `views`, `tables`
//! (type `VIEW`) and `columns`.

use datafusion::scalar::ScalarValue;

use super::{
    DEFAULT_COLLATION, Definitions, Relation, TEXT, TYPES, align, boolean, format_type, int2, int4,
    null_text, oid, text,
};

/// View ids are numbered from here, above every table's and below the constraints'.
const FIRST_VIEW_OID: i64 = 1_500_000_000;

/// A view the catalogs describe.
#[derive(Debug)]
pub(crate) struct CatalogView {
    pub name: String,
    /// Its query, as SQL text.
    pub query: String,
    /// Its columns: name, PostgreSQL type id and modifier.
    pub columns: Vec<(String, i64, i32)>,
    /// The tables and views it reads, by name.
    pub reads: Vec<String>,
}

/// Makes a `pg_class` row: id, name, namespace, kind, access method, column count.
pub(super) type ClassRow<'a> =
    &'a dyn Fn(i64, &str, i64, &str, i64, usize, &str) -> Vec<ScalarValue>;

/// The relations view rows go into.
pub(super) struct Into<'a> {
    pub class: &'a mut Relation,
    pub attribute: &'a mut Relation,
    pub is_tables: &'a mut Relation,
    pub is_columns: &'a mut Relation,
    pub defs: &'a mut Definitions,
    pub namespaces: &'a super::Namespaces<'a>,
}

/// Adds each view's rows; `class_row` makes a `pg_class` row. Returns `pg_views` and
/// `information_schema.views`.
pub(super) fn rows(
    views: &[CatalogView],
    into: Into<'_>,
    class_row: ClassRow<'_>,
) -> (Relation, Relation) {
    let mut pg_views = Relation::new(&[
        ("schemaname", TEXT),
        ("viewname", TEXT),
        ("viewowner", TEXT),
        ("definition", TEXT),
    ]);
    let mut is_views = Relation::new(&[
        ("table_catalog", TEXT),
        ("table_schema", TEXT),
        ("table_name", TEXT),
        ("view_definition", TEXT),
        ("check_option", TEXT),
        ("is_updatable", TEXT),
        ("is_insertable_into", TEXT),
    ]);
    for (n, view) in views.iter().enumerate() {
        let id = FIRST_VIEW_OID + n as i64;
        let definition = format!(
            " {};",
            crate::views::visible_text(&view.query, &into.defs.path)
        );
        let (namespace, schema_name, own_name) = super::namespace_of(&view.name);
        into.defs.relations.insert(id, view.name.clone());
        into.defs.relation_ids.insert(view.name.clone(), id);
        into.defs.views.insert(id, definition.clone());
        let owner = into.namespaces.owner_of(&view.name);
        into.class.push(class_row(
            id,
            own_name,
            namespace,
            "v",
            0,
            view.columns.len(),
            owner,
        ));
        pg_views.push(vec![
            text(schema_name),
            text(own_name),
            text(owner),
            text(&definition),
        ]);
        is_views.push(vec![
            text("driftdb"),
            text(schema_name),
            text(own_name),
            text(&definition),
            text("NONE"),
            text("NO"),
            text("NO"),
        ]);
        into.is_tables.push(vec![
            text("driftdb"),
            text(schema_name),
            text(own_name),
            text("VIEW"),
            text("NO"),
        ]);
        for (i, (column, type_oid, typmod)) in view.columns.iter().enumerate() {
            let attnum = i as i16 + 1;
            let known = TYPES.iter().find(|t| t.0 == *type_oid);
            let length = known.map_or(-1, |t| t.2);
            let collatable = known.is_some_and(|t| t.4);
            into.attribute.push(vec![
                oid(id),
                text(column),
                oid(*type_oid),
                int4(-1),
                int2(length),
                int2(attnum),
                int4(0),
                int4(*typmod),
                boolean(length > 0 && length <= 8),
                text(if length > 0 { "p" } else { "x" }),
                text(""),
                boolean(false),
                boolean(false),
                boolean(false),
                text(""),
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
            let typmod = (*typmod >= 0).then_some(*typmod);
            let (precision, scale) = match (*type_oid, typmod) {
                (1700, Some(m)) => (Some((m - 4) >> 16), Some((m - 4) & 0xffff)),
                (21, _) => (Some(16), Some(0)),
                (23, _) => (Some(32), Some(0)),
                (20, _) => (Some(64), Some(0)),
                _ => (None, None),
            };
            into.is_columns.push(vec![
                text("driftdb"),
                text(schema_name),
                text(own_name),
                text(column),
                int4(i32::from(attnum)),
                null_text(),
                text("YES"),
                text(&format_type(*type_oid, None).unwrap_or_default()),
                ScalarValue::Int32(None),
                ScalarValue::Int32(precision),
                ScalarValue::Int32(scale),
                text(known.map_or("", |t| t.1)),
            ]);
        }
    }
    (pg_views, is_views)
}
