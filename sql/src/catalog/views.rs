//! The catalogs' view of views: `pg_class` rows of kind `v` with their columns in
//! `pg_attribute`, `pg_views`, `pg_get_viewdef`, and `information_schema`'s `views`, `tables`
//! (type `VIEW`) and `columns`.

use std::ops::ControlFlow;

use sqlparser::ast::{self, Statement as Ast};

use super::information_schema::InformationSchema;
use super::pg_catalog::PgCatalog;
use super::relation::text;
use super::{CatalogColumn, Definitions, Namespaces};
use crate::pg_types::{Typed, element_of};

/// View ids are numbered from here, above every table's and below the constraints'.
const FIRST_VIEW_OID: i64 = 1_500_000_000;

/// A view the catalogs describe.
#[derive(Debug)]
pub(crate) struct CatalogView {
    pub name: String,
    /// Its query, as SQL text.
    pub query: String,
    /// Its columns: name and PostgreSQL type.
    pub columns: Vec<(String, Typed)>,
    /// The tables and views it reads, by name.
    pub reads: Vec<String>,
}

/// Adds each view's rows to `pg` and `is`, and its definition and name to `defs`.
pub(super) fn rows(
    views: &[CatalogView],
    pg: &mut PgCatalog<'_>,
    is: &mut InformationSchema,
    defs: &mut Definitions,
    namespaces: &Namespaces<'_>,
) {
    for (n, view) in views.iter().enumerate() {
        let id = FIRST_VIEW_OID + n as i64;
        let definition = format!(" {};", visible_text(&view.query, &defs.path));
        let (namespace, schema_name, own_name) = super::namespace_of(&view.name);
        defs.relations.insert(id, view.name.clone());
        defs.relation_ids.insert(view.name.clone(), id);
        defs.views.insert(id, definition.clone());
        let owner = namespaces.owner_of(&view.name);
        pg.push_class(id, own_name, namespace, "v", 0, view.columns.len(), owner);
        pg.views.push(vec![
            text(schema_name),
            text(own_name),
            text(owner),
            text(&definition),
        ]);
        is.views.push(vec![
            text("driftdb"),
            text(schema_name),
            text(own_name),
            text(&definition),
            text("NONE"),
            text("NO"),
            text("NO"),
        ]);
        is.tables.push(vec![
            text("driftdb"),
            text(schema_name),
            text(own_name),
            text("VIEW"),
            text("NO"),
        ]);
        for (i, (name, typed)) in view.columns.iter().enumerate() {
            // An array column collates as its elements do; a view declares no dimensions.
            let element = element_of(typed.oid).unwrap_or(typed.oid);
            let column = CatalogColumn {
                relation: id,
                schema: schema_name,
                table: own_name,
                name,
                attnum: i as i16 + 1,
                typed: *typed,
                element,
                dimensions: 0,
                nullable: true,
                default: None,
                identity: "",
            };
            pg.column(&column);
            is.column(&column);
        }
    }
}

/// View query `text` as the catalogs print it under search path `path`: each relation of
/// `public` qualified where the path leaves `public` out (`pg_dump`'s empty path does), so
/// the definition reads the same relations in a script whatever its path.
pub(crate) fn visible_text(text: &str, path: &[String]) -> String {
    if path.iter().any(|s| s == crate::schemas::PUBLIC) {
        return text.to_string();
    }
    let Some(crate::parser::Statement::Sql(sql)) =
        crate::parse(text).ok().and_then(|mut s| s.pop())
    else {
        return text.to_string();
    };
    let Ast::Query(mut query) = sql.statement else {
        return text.to_string();
    };
    let ctes = crate::schemas::cte_names(&Ast::Query(query.clone()));
    let _ = ast::visit_relations_mut(&mut *query, |name| {
        if let [ast::ObjectNamePart::Identifier(ident)] = name.0.as_slice()
            && !ident.value.contains('.')
            && !ctes.contains(&crate::schemas::ident_name(ident))
            && !super::is_catalog_table(&crate::schemas::ident_name(ident))
        {
            *name = ast::ObjectName(vec![
                ast::ObjectNamePart::Identifier(ast::Ident::new(crate::schemas::PUBLIC)),
                ast::ObjectNamePart::Identifier(ident.clone()),
            ]);
        }
        ControlFlow::<()>::Continue(())
    });
    crate::views::query_text(&query).unwrap_or_else(|_| text.to_string())
}
