//! Schemas: `CREATE SCHEMA`, `DROP SCHEMA`, qualified names and `search_path`.
//!
//! # Names
//! A relation (table, view, sequence) lives in one schema. The ledger, the projector and
//! every part of DriftDB past name resolution know it by one string, its *stored name*
//! ([`stored`]): its own name in schema `public`, and `schema.name` in any other. Tables of
//! `public` keep the names they always had, so databases written before schemas read as they
//! did, and a change stream or projection names `analytics.events` as a user would. Names of
//! schemas and relations may not contain `.` (0A000), so a stored name splits back into its
//! schema and name one way only ([`split`]).
//!
//! Before a statement runs, the session rewrites every relation it names into the stored
//! name (`crate::session::schemas`): `s.t` into `s.t`, `public.t` into `t`, and an unqualified
//! `t` into the stored name of the first schema of `search_path` that holds a relation `t`
//! (or, for a name being created, the first schema of the path that exists), as PostgreSQL
//! resolves names.
//!
//! # Storage
//! Every schema other than `public`, `pg_catalog` and `information_schema` is a row of the
//! internal table [`TABLE`], keyed by its name, with its owner. Creating or dropping one
//! writes or deletes its row in the statement's transaction, so schemas are versioned,
//! replayed and snapshotted like rows, and the catalogs read at a past point show the
//! schemas of that point. The table is made by the first `CREATE SCHEMA`.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use driftdb_projector::{LedgerOp, Row};
use sqlparser::ast::{self, Ident, ObjectName};

use crate::error::{Error, Result, unsupported};
use crate::internal_table::TextTable;

/// The internal table of schemas.
pub(crate) const TABLE: &str = "__driftdb_schemas";

/// The schema every database has, and where unqualified names go by default.
pub(crate) const PUBLIC: &str = "public";

/// The schemas of the system catalogs: they hold no relations of the user's.
pub(crate) const SYSTEM: [&str; 2] = ["pg_catalog", "information_schema"];

/// One schema of the user's.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Schema {
    pub(crate) name: String,
    /// The role that owns it.
    pub(crate) owner: String,
}

/// How the schemas are stored: name, owner.
const ROWS: TextTable = TextTable::new(TABLE, &["name", "owner"], 1);

impl Schema {
    pub(crate) fn of_row(row: &Row) -> Option<Schema> {
        let [name, owner] = <[String; 2]>::try_from(ROWS.values(row)?).ok()?;
        Some(Schema { name, owner })
    }

    pub(crate) fn upsert(&self) -> LedgerOp {
        ROWS.upsert(&[&self.name, &self.owner])
    }

    pub(crate) fn delete(name: &str) -> LedgerOp {
        ROWS.delete(&[name])
    }
}

/// The operation that makes [`TABLE`], for the first `CREATE SCHEMA`.
pub(crate) fn create_table() -> Result<LedgerOp> {
    ROWS.create()
}

/// The stored name of relation `name` in schema `schema`.
pub(crate) fn stored(schema: &str, name: &str) -> String {
    match schema {
        PUBLIC => name.to_string(),
        _ => format!("{schema}.{name}"),
    }
}

/// The schema and the name of the relation stored as `stored`.
pub(crate) fn split(stored: &str) -> (&str, &str) {
    stored.split_once('.').unwrap_or((PUBLIC, stored))
}

/// The own name of the relation stored as `stored`, without its schema: what the names of
/// its constraints and indexes start with (`orders_pkey` for `sales.orders`).
pub(crate) fn own(stored: &str) -> &str {
    split(stored).1
}

/// The relation stored as `stored` by its qualified name, as PostgreSQL writes one:
/// `public.t`, `"S"."Order"`.
pub(crate) fn qualified(stored: &str) -> String {
    let quote = crate::schemas::quote_ident;
    let (schema, name) = split(stored);
    format!("{}.{}", quote(schema), quote(name))
}

/// The relation stored as `stored` as a statement names it: `t` in `public`, `s.t` (quoted
/// as needed) elsewhere.
pub(crate) fn written(stored: &str) -> String {
    match split(stored) {
        (PUBLIC, name) => crate::schemas::quote_ident(name),
        _ => qualified(stored),
    }
}

/// The identifiers of a dotted name written as text (`'s.t'::regclass`, `nextval('s')`):
/// quoted ones as they are, the others folded to lower case.
pub(crate) fn parts(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            c if quoted => current.push(c),
            c => current.extend(c.to_lowercase()),
        }
    }
    parts.push(current);
    parts
}

/// A stored name as the one quoted identifier a rewritten statement names it by.
pub(crate) fn object_name(stored: String) -> sqlparser::ast::ObjectName {
    use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};
    ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote(
        '"', stored,
    ))])
}

/// Refuses a name a schema or relation cannot have: one with a `.`, which stored names use
/// to join a schema to a relation.
pub(crate) fn check_name(name: &str, what: &str) -> Result<()> {
    if name.contains('.') {
        return Err(Error::Unsupported {
            message: format!(
                "{what} names containing \".\" (\"{name}\"): DriftDB joins a schema and a relation name with it"
            ),
            position: None,
        });
    }
    Ok(())
}

/// The schemas of a `search_path` value, in order: `"$user"` as the role's name, quoted
/// names unquoted, unquoted names folded to lower case.
pub(crate) fn search_path(value: &str, role: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let name = match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => s.to_lowercase(),
            };
            match name.as_str() {
                "$user" => role.to_string(),
                _ => name,
            }
        })
        .collect()
}

/// An identifier as PostgreSQL resolves it: unquoted ones fold to lower case.
pub(crate) fn ident_name(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// A one-part table (or index) name.
pub(crate) fn table_name(name: &ObjectName) -> Result<String> {
    match name.0.as_slice() {
        [part] => part
            .as_ident()
            .map(ident_name)
            .ok_or_else(|| unsupported("this table name form")),
        [schema, part] if schema.as_ident().is_some_and(|s| ident_name(s) == "public") => part
            .as_ident()
            .map(ident_name)
            .ok_or_else(|| unsupported("this table name form")),
        _ => Err(unsupported("schema-qualified names outside schema public")),
    }
}

/// The names a statement's `WITH` clauses define (references to them are not tables).
pub(crate) fn cte_names(statement: &ast::Statement) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    struct Ctes<'a>(&'a mut BTreeSet<String>);
    impl ast::Visitor for Ctes<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, query: &ast::Query) -> ControlFlow<()> {
            if let Some(with) = &query.with {
                for cte in &with.cte_tables {
                    self.0.insert(ident_name(&cte.alias.name));
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = ast::Visit::visit(statement, &mut Ctes(&mut names));
    names
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

/// An identifier as PostgreSQL's `quote_ident` writes it: as it is when it reads back as
/// itself unquoted (lower case letters, digits, `_` and `$`, not starting with a digit or
/// `$`, and no keyword), else in double quotes with `"` doubled.
pub(crate) fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !KEYWORDS.contains(&name);
    if plain {
        return name.to_string();
    }
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// PostgreSQL's keywords that `quote_ident` quotes: the reserved ones, and those that may
/// not name a function or type, or a column.
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_split_back() {
        assert_eq!(stored("public", "t"), "t");
        assert_eq!(stored("s", "t"), "s.t");
        assert_eq!(split("t"), ("public", "t"));
        assert_eq!(split("s.t"), ("s", "t"));
        assert_eq!(qualified("S.t"), "\"S\".t");
        assert_eq!(qualified("t"), "public.t");
        assert_eq!(written("t"), "t");
        assert_eq!(written("s.Order"), "s.\"Order\"");
        assert_eq!(parts("Sales.\"Or.\"\"der\""), vec!["sales", "Or.\"der"]);
    }

    #[test]
    fn search_paths_read_as_postgresql_reads_them() {
        assert_eq!(
            search_path("\"$user\", public", "alice"),
            vec!["alice", "public"]
        );
        assert_eq!(
            search_path("Sales,\"Mixed\" , public", "alice"),
            vec!["sales", "Mixed", "public"]
        );
        assert!(search_path("", "alice").is_empty());
    }

    #[test]
    fn dots_are_refused_in_names() {
        assert!(check_name("a.b", "schema").is_err());
        assert!(check_name("ab", "schema").is_ok());
    }
}
