//! Schemas (`crate::schemas`): `CREATE SCHEMA`, `DROP SCHEMA`, and the pass that rewrites
//! every relation a statement names into its stored name, through `search_path`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::ControlFlow;

use driftdb_projector::LedgerOp;
use sqlparser::ast::{
    self, AlterTableOperation, ColumnOption, CommentObject, CopySource, GrantObjects, Ident,
    ObjectName, ObjectNamePart, ObjectType, SchemaName, Statement as Ast, TableConstraint,
    TableFactor, TableObject, VisitMut, VisitorMut,
};

use super::{Outcome, Session, Snapshot, Write};
use crate::SqlState;
use crate::error::{Error, Result};
use crate::outcome::{CommandTag, Notice};
use crate::parser::{AlterRelation, RelationChange};
use crate::schemas::ident_name;
use crate::schemas::{self, PUBLIC, SYSTEM, Schema};

impl Session {
    /// The schemas of the user's (not `public`) as `snapshot` (and the open transaction's
    /// writes) has them, by name.
    pub(super) fn schemas_at(&self, snapshot: &Snapshot) -> BTreeMap<String, Schema> {
        self.internal_rows(schemas::TABLE, snapshot, Schema::of_row)
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect()
    }

    /// `CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role]`; `None` when it exists and
    /// `IF NOT EXISTS` says to skip.
    pub(super) fn create_schema(
        &self,
        name: &SchemaName,
        if_not_exists: bool,
        snapshot: &Snapshot,
    ) -> Result<Option<Write>> {
        let (name, owner) = match name {
            SchemaName::Simple(name) => (schema_of(name)?, self.role().to_string()),
            SchemaName::NamedAuthorization(name, role) => (schema_of(name)?, ident_name(role)),
            SchemaName::UnnamedAuthorization(role) => (ident_name(role), ident_name(role)),
        };
        schemas::check_name(&name, "schema")?;
        let owner = self.existing_role(owner)?;
        let existing = self.schemas_at(snapshot);
        if schema_exists(&name, &existing)
            || SYSTEM.contains(&name.as_str())
            || name.starts_with("pg_temp")
        {
            if if_not_exists {
                return Ok(None);
            }
            return Err(Error::Execution {
                message: format!("schema \"{name}\" already exists"),
                sqlstate: SqlState::DUPLICATE_SCHEMA,
            });
        }
        reserved(&name)?;
        let mut ops = Vec::new();
        if self.schema_at(schemas::TABLE, snapshot).is_err() {
            ops.push(schemas::create_table()?);
        }
        ops.push(Schema { name, owner }.upsert());
        Ok(Some(Write {
            ops,
            tag: "CREATE SCHEMA".into(),
            rows: None,
        }))
    }

    /// `ALTER SCHEMA s RENAME TO t`, which renames every relation `s` holds with it (see
    /// [`Session::rename_relations`]), and `ALTER SCHEMA s OWNER TO role`.
    pub(super) fn alter_schema(
        &self,
        alter: &ast::AlterSchema,
        snapshot: &Snapshot,
    ) -> Result<Write> {
        let name = schema_of(&alter.name)?;
        if name == PUBLIC || SYSTEM.contains(&name.as_str()) {
            return Err(Error::Unsupported {
                message: format!(
                    "ALTER SCHEMA {name}: DriftDB's built-in schemas stay as they are"
                ),
                position: None,
            });
        }
        let existing = self.schemas_at(snapshot);
        let Some(schema) = existing.get(&name) else {
            return Err(no_schema(&name));
        };
        let ops = match alter.operations.as_slice() {
            [ast::AlterSchemaOperation::Rename { name: to }] => {
                let to = schema_of(to)?;
                schemas::check_name(&to, "schema")?;
                if schema_exists(&to, &existing)
                    || SYSTEM.contains(&to.as_str())
                    || to.starts_with("pg_temp")
                {
                    return Err(Error::Execution {
                        message: format!("schema \"{to}\" already exists"),
                        sqlstate: SqlState::DUPLICATE_SCHEMA,
                    });
                }
                reserved(&to)?;
                let (tables, views, sequences) = self.relations_in(&name, snapshot);
                let renames: BTreeMap<String, String> = tables
                    .into_iter()
                    .chain(views)
                    .chain(sequences)
                    .map(|relation| {
                        let moved = schemas::stored(&to, schemas::own(&relation));
                        (relation, moved)
                    })
                    .collect();
                let mut ops = vec![
                    Schema::delete(&name),
                    Schema {
                        name: to,
                        owner: schema.owner.clone(),
                    }
                    .upsert(),
                ];
                ops.extend(self.rename_relations(&renames, snapshot)?);
                ops
            }
            [ast::AlterSchemaOperation::OwnerTo { owner }] => {
                let role = self.owner_role(owner)?;
                vec![Schema { name, owner: role }.upsert()]
            }
            _ => {
                return Err(Error::Unsupported {
                    message: format!(
                        "{alter}: DriftDB's ALTER SCHEMA renames a schema or changes its owner"
                    ),
                    position: None,
                });
            }
        };
        Ok(Write {
            ops,
            tag: "ALTER SCHEMA".into(),
            rows: None,
        })
    }

    /// `DROP SCHEMA [IF EXISTS] names [CASCADE | RESTRICT]`: a schema that holds relations
    /// goes only with `CASCADE`, which drops them (and what depends on them) too.
    pub(super) fn drop_schemas(
        &self,
        names: &[ObjectName],
        if_exists: bool,
        cascade: bool,
        snapshot: &Snapshot,
        notices: &mut Vec<Notice>,
    ) -> Result<Write> {
        let existing = self.schemas_at(snapshot);
        let mut dropping = Vec::new();
        for name in names {
            let name = schema_of(name)?;
            if name == PUBLIC || SYSTEM.contains(&name.as_str()) {
                return Err(Error::Unsupported {
                    message: format!("DROP SCHEMA {name}: DriftDB's built-in schemas stay"),
                    position: None,
                });
            }
            if existing.contains_key(&name) {
                dropping.push(name);
            } else if if_exists {
                notices.push(Notice {
                    severity: "NOTICE",
                    sqlstate: SqlState::SUCCESSFUL_COMPLETION,
                    message: format!("schema \"{name}\" does not exist, skipping"),
                });
            } else {
                return Err(Error::Execution {
                    message: format!("schema \"{name}\" does not exist"),
                    sqlstate: SqlState::INVALID_SCHEMA_NAME,
                });
            }
        }
        let mut ops = Vec::new();
        for schema in &dropping {
            let (tables, views, sequences) = self.relations_in(schema, snapshot);
            let holds = tables.len() + views.len() + sequences.len();
            if holds > 0 && !cascade {
                let first = tables
                    .first()
                    .map(|t| format!("table {t}"))
                    .or_else(|| views.first().map(|v| format!("view {v}")))
                    .or_else(|| sequences.first().map(|s| format!("sequence {s}")))
                    .unwrap_or_default();
                return Err(Error::Execution {
                    message: format!(
                        "cannot drop schema {schema} because other objects depend on it ({first} depends on schema {schema})"
                    ),
                    sqlstate: SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                });
            }
            if holds > 0 {
                notices.push(Notice {
                    severity: "NOTICE",
                    sqlstate: SqlState::SUCCESSFUL_COMPLETION,
                    message: format!("drop cascades to {holds} other objects"),
                });
            }
            // Tables first: the views that read them and the sequences they own go with
            // them; then the views and sequences left.
            let mut dropped = self.drop_tables(&tables, false, true, snapshot, notices)?;
            let gone: BTreeSet<String> = dropped
                .iter()
                .filter_map(|op| match op {
                    LedgerOp::Delete { table, key }
                        if table == crate::views::TABLE || table == crate::sequences::TABLE =>
                    {
                        match key.first() {
                            Some(driftdb_projector::Value::Text(name)) => Some(name.clone()),
                            _ => None,
                        }
                    }
                    _ => None,
                })
                .collect();
            let views: Vec<String> = views.into_iter().filter(|v| !gone.contains(v)).collect();
            dropped.extend(self.drop_views(&views, true, true, snapshot, notices)?);
            let sequences: Vec<String> = sequences
                .into_iter()
                .filter(|s| !gone.contains(s))
                .collect();
            dropped.extend(self.drop_sequences(&sequences, true, true, snapshot, notices)?);
            ops.extend(dropped);
            ops.push(Schema::delete(schema));
        }
        Ok(Write {
            ops,
            tag: "DROP SCHEMA".into(),
            rows: None,
        })
    }

    /// The tables (stored names) of the schema `name` names at `snapshot` (3F000 if there is
    /// no such schema).
    pub(super) fn tables_in_schema(
        &self,
        name: &ObjectName,
        snapshot: &Snapshot,
    ) -> Result<Vec<String>> {
        let name = schema_of(name)?;
        if !schema_exists(&name, &self.schemas_at(snapshot)) {
            return Err(no_schema(&name));
        }
        Ok(self.relations_in(&name, snapshot).0)
    }

    /// The tables, views and sequences (stored names) of schema `schema` at `snapshot`.
    fn relations_in(
        &self,
        schema: &str,
        snapshot: &Snapshot,
    ) -> (Vec<String>, Vec<String>, Vec<String>) {
        // Not DriftDB's own tables, nor temporary ones (whose names have no schema either).
        let ours = |name: &str| {
            schemas::split(name).0 == schema
                && !crate::sequences::is_internal(name)
                && crate::temporary::temporary_of(name).is_none()
        };
        let mut tables: Vec<String> = {
            let db = self.db.store().read();
            db.table_names()
                .iter()
                .filter(|n| ours(n) && !snapshot.dropped.contains(**n))
                .map(|n| n.to_string())
                .collect()
        };
        tables.extend(snapshot.created.keys().filter(|n| ours(n)).cloned());
        tables.retain(|t| self.schema_at(t, snapshot).is_ok());
        tables.sort();
        tables.dedup();
        let views = self
            .views_at(snapshot)
            .into_keys()
            .filter(|n| ours(n))
            .collect();
        let sequences = self
            .catalog_sequences(snapshot)
            .into_iter()
            .map(|s| s.name)
            .filter(|n| ours(n))
            .collect();
        (tables, views, sequences)
    }

    /// Rewrites `name`, a relation a DriftDB statement names, into its stored name.
    pub(super) fn resolve_schema_of(&self, name: &mut ObjectName) -> Result<()> {
        let snapshot = self.snapshot_ref();
        self.names(&snapshot).resolve(name, Use::Lookup)
    }

    /// The schemas of `search_path` that exist at `snapshot`, in order.
    pub(super) fn search_schemas(&self, snapshot: &Snapshot) -> Vec<String> {
        self.path_of(&self.schemas_at(snapshot))
    }

    /// The schemas of the session's `search_path` that are `public` or among `schemas`, in
    /// order.
    fn path_of(&self, schemas: &BTreeMap<String, Schema>) -> Vec<String> {
        schemas::search_path(&self.settings.search_path(), self.role())
            .into_iter()
            .filter(|s| schema_exists(s, schemas))
            .collect()
    }

    /// Resolves the names of an `ALTER SEQUENCE`: the sequence, the column that comes to own
    /// it, and its new name (in its schema).
    pub(super) fn resolve_alter_sequence(
        &self,
        alter: &mut crate::parser::AlterSequence,
    ) -> Result<()> {
        let snapshot = self.snapshot_ref();
        let mut names = self.names(&snapshot);
        names.resolve(&mut alter.name, Use::Lookup)?;
        if let Some(owner) = &mut alter.owned_by {
            names.resolve_column_owner(owner)?;
        }
        if let Some(to) = &mut alter.rename_to {
            in_schema_of(&alter.name, to)?;
        }
        Ok(())
    }

    /// Resolves the names of an `ALTER ... SET SCHEMA` or `ALTER VIEW ... RENAME TO`: the
    /// relation, and a new name into the relation's schema.
    pub(super) fn resolve_alter_relation(&self, alter: &mut AlterRelation) -> Result<()> {
        self.resolve_schema_of(&mut alter.name)?;
        if let RelationChange::Name(to) = &mut alter.change {
            in_schema_of(&alter.name, to)?;
        }
        Ok(())
    }

    /// `ALTER { TABLE | VIEW | SEQUENCE } ... SET SCHEMA s` and `ALTER VIEW ... RENAME TO
    /// w`: the relation under its new stored name (see [`Session::rename_relations`]);
    /// `ALTER { VIEW | SEQUENCE } ... OWNER TO r`: its new owner.
    /// `ALTER TABLE` takes any of the three, the others only their own kind (42809), as in
    /// PostgreSQL.
    pub(super) fn alter_relation(&mut self, alter: AlterRelation) -> Result<Outcome> {
        let snapshot = self.snapshot();
        let tag = CommandTag::new(format!("ALTER {}", alter.kind));
        let name = crate::schemas::table_name(&alter.name)?;
        let is_view = self.views_at(&snapshot).contains_key(&name);
        let sequence = self.sequence_at(&name, &snapshot);
        if !self.relation_exists(&name, &snapshot) {
            if alter.if_exists {
                return Ok(Outcome::command(tag.clone(), None).with_notice(
                    "NOTICE",
                    SqlState::SUCCESSFUL_COMPLETION,
                    format!("relation \"{name}\" does not exist, skipping"),
                ));
            }
            return Err(Error::UndefinedTable { name });
        }
        let kind_matches = match alter.kind {
            "VIEW" => is_view,
            "SEQUENCE" => sequence.is_some(),
            _ => true,
        };
        if !kind_matches {
            return Err(Error::Execution {
                message: format!("\"{name}\" is not a {}", alter.kind.to_lowercase()),
                sqlstate: SqlState::WRONG_OBJECT_TYPE,
            });
        }
        let to = match &alter.change {
            RelationChange::Owner(owner) => {
                let write = self.owner_to(&name, owner, tag.command(), &snapshot)?;
                return self.finish_write(write, snapshot.seq);
            }
            RelationChange::Name(to) => crate::schemas::table_name(to)?,
            RelationChange::Schema(schema) => {
                let schema = schema_of(schema)?;
                if schema.starts_with("pg_temp") || SYSTEM.contains(&schema.as_str()) {
                    return Err(crate::error::unsupported(
                        "moving a relation into a system or temporary schema",
                    ));
                }
                if !schema_exists(&schema, &self.schemas_at(&snapshot)) {
                    return Err(no_schema(&schema));
                }
                let own = schemas::own(&name);
                if schemas::split(&name).0 == schema {
                    return Ok(Outcome::command(tag.clone(), None));
                }
                let to = schemas::stored(&schema, own);
                if self.relation_exists(&to, &snapshot) {
                    return Err(Error::Execution {
                        message: format!(
                            "relation \"{own}\" already exists in schema \"{schema}\""
                        ),
                        sqlstate: SqlState::DUPLICATE_TABLE,
                    });
                }
                if let Some(sequence) = &sequence
                    && let Some((table, _)) = &sequence.owner
                {
                    return Err(Error::Execution {
                        message: format!(
                            "cannot move an owned sequence into another schema: sequence \"{name}\" is linked to table \"{table}\"; move the table"
                        ),
                        sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
                    });
                }
                to
            }
        };
        let ops = self.rename_relations(&BTreeMap::from([(name, to)]), &snapshot)?;
        let read_seq = snapshot.seq;
        self.finish_write(
            Write {
                ops,
                tag,
                rows: None,
            },
            read_seq,
        )
    }

    /// What resolving the names of a statement reading `snapshot` needs.
    fn names<'a>(&'a self, snapshot: &'a Snapshot) -> Names<'a> {
        let schemas = self.schemas_at(snapshot);
        let path = self.path_of(&schemas);
        Names {
            session: self,
            snapshot,
            schemas,
            path,
            ctes: BTreeSet::new(),
            exists: HashMap::new(),
        }
    }

    /// Rewrites every relation `statement` names into its stored name (see
    /// [`crate::schemas`]): after it, the statement names each by one quoted identifier.
    pub(super) fn resolve_schemas(&self, statement: &mut Ast, snapshot: &Snapshot) -> Result<()> {
        if let Ast::CreateSchema { .. }
        | Ast::AlterSchema(_)
        | Ast::Set(_)
        | Ast::ShowVariable { .. } = statement
        {
            return Ok(());
        }
        let mut names = self.names(snapshot);
        // A common table expression hides a relation only where names are looked up
        // beyond `public`, which is where they are stored as written.
        if names.path.first().is_some_and(|s| s != PUBLIC) {
            names.ctes = crate::schemas::cte_names(statement);
        }
        // Each name is resolved once (resolving a stored name again could find another
        // relation through the path): the name a CREATE TABLE makes is kept out of the walk,
        // which resolves every name the statement reads or writes.
        let created = match statement {
            Ast::CreateTable(create) => {
                Some(std::mem::replace(&mut create.name, ObjectName(Vec::new())))
            }
            _ => None,
        };
        names.statement(statement)?;
        let mut walk = Walk {
            names: &mut names,
            factors: Vec::new(),
            inserts: Vec::new(),
            error: None,
        };
        let _ = VisitMut::visit(statement, &mut walk);
        if let Some(e) = walk.error {
            return Err(e);
        }
        match (statement, created) {
            (Ast::CreateTable(create), Some(mut name)) => {
                names.resolve(&mut name, Use::Create)?;
                create.name = name;
            }
            (Ast::AlterTable(alter), _) => {
                // A table keeps its schema under its new name.
                let Ok(stored) = crate::schemas::table_name(&alter.name) else {
                    return Ok(());
                };
                let schema = schemas::split(&stored).0;
                for operation in &mut alter.operations {
                    if let AlterTableOperation::RenameTable {
                        table_name:
                            ast::RenameTableNameKind::To(to) | ast::RenameTableNameKind::As(to),
                    } = operation
                        && schema != PUBLIC
                        && let [part] = to.0.as_slice()
                        && let Some(ident) = part.as_ident()
                    {
                        *to = schemas::object_name(schemas::stored(schema, &ident_name(ident)));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Whether schema `name` is among `schemas`, the user's (`public` always exists; the
/// catalogs' schemas hold no relations of the user's and do not count).
fn schema_exists(name: &str, schemas: &BTreeMap<String, Schema>) -> bool {
    name == PUBLIC || schemas.contains_key(name)
}

/// Refuses a new schema name with the prefix PostgreSQL keeps for its own (42939).
fn reserved(name: &str) -> Result<()> {
    if name.starts_with("pg_") {
        return Err(Error::Execution {
            message: format!(
                "unacceptable schema name \"{name}\": the prefix \"pg_\" is reserved for system schemas"
            ),
            sqlstate: SqlState::RESERVED_NAME,
        });
    }
    Ok(())
}

/// Makes `to`, the new name a `RENAME TO` gives relation `relation` (resolved), the stored
/// name of that name in the relation's schema.
fn in_schema_of(relation: &ObjectName, to: &mut ObjectName) -> Result<()> {
    if let [part] = to.0.as_slice()
        && let Some(ident) = part.as_ident()
        && let Ok(stored) = crate::schemas::table_name(relation)
    {
        let new = ident_name(ident);
        schemas::check_name(&new, "relation")?;
        *to = schemas::object_name(schemas::stored(schemas::split(&stored).0, &new));
    }
    Ok(())
}

/// A schema's name as a statement writes it.
fn schema_of(name: &ObjectName) -> Result<String> {
    match name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => Ok(ident_name(ident)),
        _ => Err(Error::Execution {
            message: format!("improper qualified name (too many dotted names): {name}"),
            sqlstate: SqlState::SYNTAX_ERROR,
        }),
    }
}

/// How a name is resolved: as one that must exist, or as one being created.
#[derive(Clone, Copy, PartialEq)]
enum Use {
    Lookup,
    Create,
}

/// What resolving names needs of the statement's snapshot.
struct Names<'a> {
    session: &'a Session,
    snapshot: &'a Snapshot,
    /// The user's schemas.
    schemas: BTreeMap<String, Schema>,
    /// The schemas of `search_path` that exist, in order.
    path: Vec<String>,
    /// The names of the statement's common table expressions, which no schema holds.
    ctes: BTreeSet<String>,
    /// Whether a stored name names a relation, as looked up so far.
    exists: HashMap<String, bool>,
}

impl Names<'_> {
    /// Rewrites `name` into the stored name it resolves to (see [`crate::schemas`]); leaves
    /// alone the names of the catalogs, of common table expressions and already stored.
    fn resolve(&mut self, name: &mut ObjectName, usage: Use) -> Result<()> {
        let Some(parts) = name
            .0
            .iter()
            .map(|p| p.as_ident().cloned())
            .collect::<Option<Vec<Ident>>>()
        else {
            return Ok(());
        };
        let stored = match parts.as_slice() {
            [table] => {
                let table_name = ident_name(table);
                // Already a stored name: a temporary table's, or one resolved before (a
                // prepared statement's).
                let quoted = table.quote_style.is_some();
                if quoted && crate::temporary::temporary_of(&table_name).is_some()
                    || quoted && usage == Use::Lookup && table_name.contains('.')
                {
                    return Ok(());
                }
                if usage == Use::Lookup && self.ctes.contains(&table_name) {
                    return Ok(());
                }
                match self.unqualified(&table_name, usage)? {
                    Some(stored) => stored,
                    None => return Ok(()),
                }
            }
            [schema, table] => {
                let schema_name = ident_name(schema);
                let table_name = ident_name(table);
                if SYSTEM.contains(&schema_name.as_str()) || schema_name.starts_with("pg_temp") {
                    return Ok(());
                }
                if usage == Use::Create {
                    if !schema_exists(&schema_name, &self.schemas) {
                        return Err(no_schema(&schema_name));
                    }
                    schemas::check_name(&table_name, "relation")?;
                }
                schemas::stored(&schema_name, &table_name)
            }
            _ => return Ok(()),
        };
        *name = schemas::object_name(stored);
        Ok(())
    }

    /// The stored name of the unqualified `table`: the first schema of the path holding it
    /// (or, to create it, the first schema of the path). `None` leaves the name as written:
    /// a name no schema of the path holds is looked up in `public` (and the catalogs).
    fn unqualified(&mut self, table: &str, usage: Use) -> Result<Option<String>> {
        if usage == Use::Create {
            schemas::check_name(table, "relation")?;
            return match self.path.first() {
                Some(schema) => Ok(Some(schemas::stored(schema, table))),
                None => Err(Error::Execution {
                    message: "no schema has been selected to create in".to_string(),
                    sqlstate: SqlState::INVALID_SCHEMA_NAME,
                }),
            };
        }
        // The common case: `public` first, where a name is what it is stored as.
        if self.path.first().is_none_or(|s| s == PUBLIC) {
            return Ok(None);
        }
        for schema in self.path.clone() {
            let stored = schemas::stored(&schema, table);
            if self.exists(&stored) {
                return Ok(Some(stored));
            }
        }
        Ok(None)
    }

    fn exists(&mut self, stored: &str) -> bool {
        if let Some(&known) = self.exists.get(stored) {
            return known;
        }
        let found = self.session.relation_exists(stored, self.snapshot);
        self.exists.insert(stored.to_string(), found);
        found
    }

    /// The names of `statement` the walk over its relations does not reach: what it
    /// creates (but a table), drops, references, copies, comments on or grants on.
    fn statement(&mut self, statement: &mut Ast) -> Result<()> {
        match statement {
            Ast::CreateTable(create) => {
                for column in &mut create.columns {
                    for option in &mut column.options {
                        if let ColumnOption::ForeignKey(fk) = &mut option.option {
                            self.resolve(&mut fk.foreign_table, Use::Lookup)?;
                        }
                    }
                }
                for constraint in &mut create.constraints {
                    if let TableConstraint::ForeignKey(fk) = constraint {
                        self.resolve(&mut fk.foreign_table, Use::Lookup)?;
                    }
                }
            }
            Ast::CreateView(create) => {
                self.resolve(&mut create.name, Use::Create)?;
            }
            Ast::CreateSequence { name, owned_by, .. } => {
                self.resolve(name, Use::Create)?;
                if let Some(owner) = owned_by {
                    self.resolve_column_owner(owner)?;
                }
            }
            Ast::Drop {
                object_type: ObjectType::Table | ObjectType::View | ObjectType::Sequence,
                names,
                ..
            } => {
                for name in names {
                    self.resolve(name, Use::Lookup)?;
                }
            }
            Ast::Drop {
                object_type: ObjectType::Index,
                names,
                ..
            } => {
                // Index names are the database's, whatever schema their table is in.
                for name in names {
                    if let [schema, index] = name.0.as_slice()
                        && let (Some(schema), Some(index)) = (schema.as_ident(), index.as_ident())
                    {
                        let schema = ident_name(schema);
                        if !schema_exists(&schema, &self.schemas) {
                            return Err(no_schema(&schema));
                        }
                        *name = schemas::object_name(ident_name(index));
                    }
                }
            }
            Ast::AlterTable(alter) => {
                for operation in &mut alter.operations {
                    match operation {
                        AlterTableOperation::RenameTable {
                            table_name:
                                ast::RenameTableNameKind::To(to) | ast::RenameTableNameKind::As(to),
                        } => {
                            if let [part] = to.0.as_slice()
                                && let Some(ident) = part.as_ident()
                            {
                                schemas::check_name(&ident_name(ident), "relation")?;
                            }
                        }
                        AlterTableOperation::AddConstraint {
                            constraint: TableConstraint::ForeignKey(fk),
                            ..
                        } => {
                            self.resolve(&mut fk.foreign_table, Use::Lookup)?;
                        }
                        AlterTableOperation::AddColumn { column_def, .. } => {
                            for option in &mut column_def.options {
                                if let ColumnOption::ForeignKey(fk) = &mut option.option {
                                    self.resolve(&mut fk.foreign_table, Use::Lookup)?;
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            Ast::Copy {
                source: CopySource::Table { table_name, .. },
                ..
            } => {
                self.resolve(table_name, Use::Lookup)?;
            }
            Ast::Comment {
                object_type,
                object_name,
                ..
            } => match object_type {
                CommentObject::Table | CommentObject::View | CommentObject::Sequence => {
                    self.resolve(object_name, Use::Lookup)?;
                }
                CommentObject::Column => {
                    self.resolve_column_owner(object_name)?;
                }
                _ => {}
            },
            Ast::Grant(grant) => {
                if let Some(GrantObjects::Tables(tables) | GrantObjects::Sequences(tables)) =
                    &mut grant.objects
                {
                    for table in tables {
                        self.resolve(table, Use::Lookup)?;
                    }
                }
            }
            Ast::Revoke(revoke) => {
                if let Some(GrantObjects::Tables(tables) | GrantObjects::Sequences(tables)) =
                    &mut revoke.objects
                {
                    for table in tables {
                        self.resolve(table, Use::Lookup)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Resolves the relation of `relation.column` (or `schema.relation.column`).
    fn resolve_column_owner(&mut self, name: &mut ObjectName) -> Result<()> {
        let Some((column, relation)) = name.0.split_last() else {
            return Ok(());
        };
        let mut relation = ObjectName(relation.to_vec());
        if relation.0.is_empty() {
            return Ok(());
        }
        self.resolve(&mut relation, Use::Lookup)?;
        let mut parts = relation.0;
        parts.push(column.clone());
        *name = ObjectName(parts);
        Ok(())
    }
}

fn no_schema(name: &str) -> Error {
    Error::Execution {
        message: format!("schema \"{name}\" does not exist"),
        sqlstate: SqlState::INVALID_SCHEMA_NAME,
    }
}

/// Rewrites the relations a statement reads and writes (`FROM`, `JOIN`, `INSERT INTO`,
/// `UPDATE`, `DELETE FROM`, `TRUNCATE`, `CREATE INDEX ... ON`, `ALTER TABLE`).
struct Walk<'a, 'b> {
    names: &'a mut Names<'b>,
    /// The names of the table factors being walked, as written.
    factors: Vec<Option<ObjectName>>,
    /// The targets of the INSERTs being walked, as written.
    inserts: Vec<Option<ObjectName>>,
    error: Option<Error>,
}

impl Walk<'_, '_> {
    fn resolve(&mut self, name: &mut ObjectName) -> ControlFlow<()> {
        match self.names.resolve(name, Use::Lookup) {
            Ok(_) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

impl VisitorMut for Walk<'_, '_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        self.factors.push(match factor {
            TableFactor::Table { name, .. } => Some(name.clone()),
            _ => None,
        });
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        // `FROM s.t` reads `FROM "s.t" AS t`, so `t.a` still resolves.
        if let Some(Some(written)) = self.factors.pop()
            && let TableFactor::Table { name, alias, .. } = factor
            && *name != written
            && alias.is_none()
            && let Some(last) = written.0.last().and_then(|p| p.as_ident())
        {
            *alias = Some(ast::TableAlias {
                explicit: true,
                name: last.clone(),
                columns: Vec::new(),
                at: None,
            });
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, statement: &mut Ast) -> ControlFlow<()> {
        if let Ast::Insert(insert) = statement {
            self.inserts.push(match &insert.table {
                TableObject::TableName(name) => Some(name.clone()),
                TableObject::TableFunction(_) | TableObject::TableQuery(_) => None,
            });
        }
        ControlFlow::Continue(())
    }

    fn post_visit_statement(&mut self, statement: &mut Ast) -> ControlFlow<()> {
        // An INSERT's target keeps the name the statement wrote, for `RETURNING t.a`.
        if let Ast::Insert(insert) = statement
            && let Some(Some(written)) = self.inserts.pop()
            && let TableObject::TableName(name) = &insert.table
            && *name != written
            && insert.table_alias.is_none()
            && let Some(last) = written.0.last().and_then(|p| p.as_ident())
        {
            insert.table_alias = Some(ast::TableAliasWithoutColumns {
                explicit: true,
                alias: last.clone(),
            });
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, name: &mut ObjectName) -> ControlFlow<()> {
        self.resolve(name)
    }

    /// `nextval('q')`, `currval`, `setval` and `pg_get_serial_sequence('t', ...)`: a
    /// relation named in text is looked up through the path too, as PostgreSQL reads it as
    /// a `regclass` (the call then names it qualified).
    fn pre_visit_expr(&mut self, expr: &mut ast::Expr) -> ControlFlow<()> {
        let ast::Expr::Function(function) = expr else {
            return ControlFlow::Continue(());
        };
        let takes_relation = function
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .is_some_and(|f| {
                ["nextval", "currval", "setval", "pg_get_serial_sequence"]
                    .contains(&f.value.to_lowercase().as_str())
            });
        let ast::FunctionArguments::List(list) = &mut function.args else {
            return ControlFlow::Continue(());
        };
        let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(first))) =
            list.args.first_mut()
        else {
            return ControlFlow::Continue(());
        };
        let literal = match first {
            ast::Expr::Cast { expr, .. } => expr.as_mut(),
            other => other,
        };
        if let (true, ast::Expr::Value(value)) = (takes_relation, literal)
            && let ast::Value::SingleQuotedString(text) = &mut value.value
            && let [name] = schemas::parts(text).as_slice()
        {
            match self.names.unqualified(name, Use::Lookup) {
                Ok(Some(stored)) => *text = schemas::written(&stored),
                Ok(None) => {}
                Err(e) => {
                    self.error = Some(e);
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    }
}
