//! The passes over `FROM` items ([`super::TABLE_PASSES`]): set-returning functions as derived
//! tables, `pg_options_to_table` (always empty), the column names PostgreSQL gives `unnest`
//! and `generate_series`, and the system catalogs qualified with `pg_catalog`.

use sqlparser::ast::{self, Ident, ObjectNamePart, Statement, TableFactor};

use super::{set_returning_table, unqualified};
use crate::catalog::{BUILT, always_empty};

/// `jsonb_array_elements(x) AS e` and its kin: a derived table of the function's rows (see
/// [`set_returning_table`]); refused over another item's columns.
pub(super) fn set_returning_functions(factor: &mut TableFactor) -> crate::Result<()> {
    if let Some(table) = set_returning_table(factor, false) {
        *factor = table?;
    }
    Ok(())
}

/// `pg_options_to_table(options)`: the options of a foreign server, wrapper or table or a
/// column's, none of which DriftDB has, so every options column it is given is empty and so
/// is its table.
pub(super) fn options_to_table(factor: &mut TableFactor) -> crate::Result<()> {
    let TableFactor::Table {
        name,
        args: Some(_),
        alias,
        ..
    } = factor
    else {
        return Ok(());
    };
    if unqualified(name).is_none_or(|n| n != "pg_options_to_table") {
        return Ok(());
    }
    let empty = "SELECT CAST(NULL AS TEXT) AS option_name, CAST(NULL AS TEXT) AS option_value \
                 WHERE false";
    let query = crate::parse(empty)?
        .pop()
        .and_then(|statement| match statement {
            crate::Statement::Sql(sql) => match sql.statement {
                Statement::Query(query) => Some(query),
                _ => None,
            },
            _ => None,
        });
    if let Some(query) = query {
        *factor = TableFactor::Derived {
            lateral: false,
            subquery: query,
            alias: alias.clone(),
            sample: None,
        };
    }
    Ok(())
}

/// The column of a function of one output column, aliased without a column list, is named
/// after the alias in PostgreSQL: `unnest(a) u` (and `unnest(a)` is `unnest`; DataFusion
/// says `UNNEST(a)`), `generate_series(1, 3) g` (and `generate_series(1, 3)` is
/// `generate_series`; DataFusion: `value`).
pub(super) fn function_columns(factor: &mut TableFactor) -> crate::Result<()> {
    let column_named_after = |alias: &mut ast::TableAlias| {
        if alias.columns.is_empty() {
            alias.columns.push(ast::TableAliasColumnDef {
                name: alias.name.clone(),
                data_type: None,
            });
        }
    };
    match factor {
        TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset: false,
            with_ordinality: false,
            ..
        } if array_exprs.len() == 1 => {
            column_named_after(alias.get_or_insert_with(|| ast::TableAlias {
                explicit: false,
                name: Ident::new("unnest"),
                columns: Vec::new(),
                at: None,
            }));
        }
        TableFactor::Table {
            name,
            args: Some(_),
            alias,
            ..
        } => {
            let series = unqualified(name).filter(|n| n == "generate_series" || n == "range");
            if let Some(function) = series {
                column_named_after(alias.get_or_insert_with(|| ast::TableAlias {
                    explicit: false,
                    name: Ident::new(function),
                    columns: Vec::new(),
                    at: None,
                }));
            }
        }
        _ => {}
    }
    Ok(())
}

/// `pg_catalog` comes first on PostgreSQL's search path: `pg_class` is
/// `pg_catalog.pg_class`, aliased as written so `pg_class.*` still names it.
pub(super) fn catalogs_qualified(factor: &mut TableFactor) -> crate::Result<()> {
    let TableFactor::Table { name, alias, .. } = factor else {
        return Ok(());
    };
    let [part] = name.0.as_slice() else {
        return Ok(());
    };
    let Some(ident) = part.as_ident().filter(|i| i.quote_style.is_none()).cloned() else {
        return Ok(());
    };
    let lower = ident.value.to_lowercase();
    if BUILT.contains(&lower.as_str()) || always_empty(&lower) {
        alias.get_or_insert_with(|| ast::TableAlias {
            explicit: true,
            name: ident,
            columns: Vec::new(),
            at: None,
        });
        name.0
            .insert(0, ObjectNamePart::Identifier(Ident::new("pg_catalog")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::rewritten;

    #[test]
    fn catalogs_are_qualified_and_keep_their_names() {
        assert_eq!(
            rewritten("SELECT pg_class.* FROM pg_class, \"pg_tables\"", true),
            "SELECT pg_class.* FROM pg_catalog.pg_class AS pg_class, \"pg_tables\""
        );
    }

    #[test]
    fn one_column_functions_name_their_column_after_the_alias() {
        assert_eq!(
            rewritten(
                "SELECT * FROM unnest(a), unnest(b) AS u, generate_series(1, 3) AS g, \
                 generate_series(1, 3) AS h (n)",
                false
            ),
            "SELECT * FROM UNNEST(a) unnest (unnest), UNNEST(b) AS u (u), \
             generate_series(1, 3) AS g (g), generate_series(1, 3) AS h (n)"
        );
    }

    #[test]
    fn options_to_table_is_empty() {
        assert_eq!(
            rewritten("SELECT * FROM pg_options_to_table(c.attfdwoptions) o", true),
            "SELECT * FROM (SELECT CAST(NULL AS TEXT) AS option_name, \
             CAST(NULL AS TEXT) AS option_value WHERE false) o"
        );
    }

    #[test]
    fn set_returning_functions_are_derived_tables() {
        assert_eq!(
            rewritten("SELECT * FROM jsonb_array_elements('[1]') AS e", false),
            "SELECT * FROM (SELECT __driftdb_jsonb(unnest(__driftdb_jsonb_array_elements('[1]'))) \
             AS value) AS e"
        );
    }
}
