//! Roles and privileges: `CREATE ROLE` / `CREATE USER`, `ALTER ROLE` / `ALTER USER`,
//! `DROP ROLE` / `DROP USER`, `GRANT` and `REVOKE` of `SELECT`, `INSERT`, `UPDATE` and
//! `DELETE` on tables, and the checks every statement passes before it runs.
//!
//! A session runs as a role ([`Session::set_role`]) or, by default, as the bootstrap
//! superuser `driftdb` (what trust authentication gives). A superuser may do anything.
//! Any other role may read and write the tables it was granted privileges on, as
//! PostgreSQL checks them: `SELECT` for every table a statement reads, `INSERT`, `UPDATE`
//! or `DELETE` (`TRUNCATE` too) for the table it writes, plus `SELECT` on it when the write
//! reads it (`WHERE`, `RETURNING`, `ON CONFLICT DO UPDATE`). DDL, `VACUUM`, `CHECKPOINT` and
//! role management are for superusers; a role may change its own password.
//!
//! Passwords are stored as PostgreSQL stores them: a SCRAM-SHA-256 verifier (4096
//! iterations, random 16-byte salt) and, for `md5` authentication, `md5` + MD5(password +
//! name). A password given already in either form is kept as given.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use driftdb_projector::LedgerOp;
use driftdb_projector::security::{self, Role};
use sqlparser::ast::{self, Statement as Ast};

use super::{Session, Write};
use crate::SqlState;
use crate::error::{Error, Result};
use crate::error::{projector_error, unsupported};
use crate::schemas::{cte_names, ident_name, table_name};

/// The role trust authentication connects as when no role of the user's name exists.
pub const BOOTSTRAP_ROLE: &str = crate::catalog::OWNER;

/// SCRAM iterations for new verifiers, PostgreSQL's default.
const SCRAM_ITERATIONS: u32 = 4096;

fn denied(message: String) -> Error {
    Error::Execution {
        message,
        sqlstate: SqlState::INSUFFICIENT_PRIVILEGE,
    }
}

pub(super) fn role_missing(name: &str) -> Error {
    Error::Execution {
        message: format!("role \"{name}\" does not exist"),
        sqlstate: SqlState::UNDEFINED_OBJECT,
    }
}

/// PostgreSQL's SCRAM-SHA-256 verifier of `password`.
pub fn scram_verifier(password: &str) -> Result<String> {
    let salt: [u8; 16] = random_bytes()?;
    Ok(scram_verifier_with(password, &salt, SCRAM_ITERATIONS))
}

fn scram_verifier_with(password: &str, salt: &[u8], iterations: u32) -> String {
    let mut salted = [0u8; 32];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(iterations).unwrap_or(std::num::NonZeroU32::MIN),
        salt,
        password.as_bytes(),
        &mut salted,
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &salted);
    let client_key = ring::hmac::sign(&key, b"Client Key");
    let stored_key = ring::digest::digest(&ring::digest::SHA256, client_key.as_ref());
    let server_key = ring::hmac::sign(&key, b"Server Key");
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        BASE64.encode(salt),
        BASE64.encode(stored_key.as_ref()),
        BASE64.encode(server_key.as_ref())
    )
}

/// Whether `password` is the password of `role`, checked against its SCRAM verifier, else its
/// MD5 hash (a role without either has no password that matches). For logins that send the
/// password itself (over TLS), as the gRPC port's do.
pub fn password_matches(role: &driftdb_projector::security::Role, password: &str) -> bool {
    let same = equal_in_constant_time;
    if let Some(verifier) = role.scram.as_deref().and_then(parse_scram_verifier) {
        let iterations = u32::try_from(verifier.iterations).unwrap_or(u32::MAX);
        let computed = scram_verifier_with(password, &verifier.salt, iterations);
        return parse_scram_verifier(&computed)
            .is_some_and(|computed| same(&computed.stored_key, &verifier.stored_key));
    }
    role.md5
        .as_deref()
        .is_some_and(|stored| same(md5_hash(password, &role.name).as_bytes(), stored.as_bytes()))
}

/// Whether two secrets (or their hashes) are equal, in a time that depends on their length
/// only, so a refusal's timing says nothing of how much of a guess was right.
fn equal_in_constant_time(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A SCRAM-SHA-256 verifier's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    pub salt: Vec<u8>,
    pub iterations: usize,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

/// Reads PostgreSQL's text form of a SCRAM verifier.
pub fn parse_scram_verifier(verifier: &str) -> Option<ScramVerifier> {
    let rest = verifier.strip_prefix("SCRAM-SHA-256$")?;
    let (params, keys) = rest.split_once('$')?;
    let (iterations, salt) = params.split_once(':')?;
    let (stored, server) = keys.split_once(':')?;
    Some(ScramVerifier {
        salt: BASE64.decode(salt).ok()?,
        iterations: iterations.parse().ok()?,
        stored_key: BASE64.decode(stored).ok()?,
        server_key: BASE64.decode(server).ok()?,
    })
}

/// PostgreSQL's MD5 password hash: `md5` + hex MD5 of password then name.
pub fn md5_hash(password: &str, name: &str) -> String {
    format!("md5{:x}", md5::compute(format!("{password}{name}")))
}

/// The answer a client proves its password with under `md5` authentication, for a role's
/// stored hash and the server's 4-byte salt: `md5` + MD5(hex of the stored hash + salt).
pub fn md5_response(stored: &str, salt: &[u8]) -> Option<String> {
    let hex = stored.strip_prefix("md5")?;
    let mut input = hex.as_bytes().to_vec();
    input.extend_from_slice(salt);
    Some(format!("md5{:x}", md5::compute(&input)))
}

/// Random bytes (salts), from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Internal {
            message: "the operating system gave no random bytes".to_string(),
        })?;
    Ok(bytes)
}

fn is_md5_hash(text: &str) -> bool {
    text.len() == 35 && text.starts_with("md5") && text[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The stored forms of a password as written in `PASSWORD '...'`.
fn password_forms(
    password: &ast::Password,
    name: &str,
) -> Result<(Option<String>, Option<String>)> {
    let ast::Password::Password(expr) = password else {
        return Ok((None, None));
    };
    let text = match expr {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => s.clone(),
            ast::Value::Null => return Ok((None, None)),
            _ => return Err(unsupported("a password that is not a string literal")),
        },
        _ => return Err(unsupported("a password that is not a string literal")),
    };
    if parse_scram_verifier(&text).is_some() {
        return Ok((Some(text), None));
    }
    if is_md5_hash(&text) {
        return Ok((None, Some(text)));
    }
    Ok((Some(scram_verifier(&text)?), Some(md5_hash(&text, name))))
}

fn role_name(name: &ast::ObjectName) -> Result<String> {
    match name.0.as_slice() {
        [part] => part
            .as_ident()
            .map(ident_name)
            .ok_or_else(|| unsupported("this role name")),
        _ => Err(unsupported("a qualified role name")),
    }
}

/// The privilege bits of a `GRANT` or `REVOKE` list.
fn privilege_bits(privileges: &ast::Privileges) -> Result<u8> {
    match privileges {
        ast::Privileges::All { .. } => Ok(security::ALL),
        ast::Privileges::Actions(actions) => actions.iter().try_fold(0, |bits, action| {
            Ok(bits
                | match action {
                    ast::Action::Select { columns: None } => security::SELECT,
                    ast::Action::Insert { columns: None } => security::INSERT,
                    ast::Action::Update { columns: None } => security::UPDATE,
                    ast::Action::Delete | ast::Action::Truncate => security::DELETE,
                    other => {
                        return Err(unsupported(&format!(
                            "the privilege {other}; DriftDB grants SELECT, INSERT, UPDATE and DELETE on tables"
                        )));
                    }
                })
        }),
    }
}

impl Session {
    /// Runs the session as `role` (after authentication); `None` is the bootstrap
    /// superuser.
    pub fn set_role(&mut self, role: Option<String>) {
        self.role = role;
    }

    /// Where the session's statements come from (its port and client address), for the
    /// audit trail.
    pub fn set_origin(&mut self, origin: crate::audit::Origin) {
        self.origin = origin;
    }

    /// The role the session runs as.
    pub fn role(&self) -> &str {
        self.role.as_deref().unwrap_or(BOOTSTRAP_ROLE)
    }

    /// Whether the session's role is a superuser (the bootstrap one is).
    fn is_superuser(&self) -> Result<bool> {
        let Some(name) = &self.role else {
            return Ok(true);
        };
        let store = self.db.store().read();
        match store.security().role(name) {
            Some(role) => Ok(role.superuser),
            None => Err(denied(format!(
                "role \"{name}\" of this session no longer exists"
            ))),
        }
    }

    /// 42501 unless the session's role is a superuser; `what` names what needs one.
    pub fn require_superuser(&self, what: &str) -> Result<()> {
        if self.is_superuser()? {
            return Ok(());
        }
        Err(denied(format!(
            "permission denied: {what} needs a superuser, and role \"{}\" is not one",
            self.role()
        )))
    }

    /// Checks that the session's role may read `table` (SELECT, as an owner, or as a
    /// superuser): for readers outside SQL, such as the gRPC stream of a table's changes.
    pub fn check_select(&self, table: &str) -> Result<()> {
        if self.is_superuser()? {
            return Ok(());
        }
        self.check_privileges(&[(table.to_string(), security::SELECT)])
    }

    /// Checks that the session's role may run `statement` (see the module documentation).
    pub(super) fn authorize(&self, statement: &Ast) -> Result<()> {
        if self.is_superuser()? || self.only_own_temporary_ddl(statement) {
            return Ok(());
        }
        let mut needed: Vec<(String, u8)> = Vec::new();
        let mut target = None;
        match statement {
            Ast::Query(_) | Ast::Explain { .. } => {}
            Ast::Insert(insert) => {
                if let ast::TableObject::TableName(name) = &insert.table {
                    let table = table_name(name)?;
                    let reads = insert.returning.is_some()
                        || matches!(
                            &insert.on,
                            Some(ast::OnInsert::OnConflict(ast::OnConflict {
                                action: ast::OnConflictAction::DoUpdate(_),
                                ..
                            }))
                        );
                    needed.push((table.clone(), security::INSERT));
                    if reads {
                        needed.push((table.clone(), security::SELECT));
                    }
                    target = Some(table);
                }
            }
            Ast::Update(update) => {
                if let ast::TableFactor::Table { name, .. } = &update.table.relation {
                    let table = table_name(name)?;
                    needed.push((table.clone(), security::UPDATE));
                    if update.selection.is_some() || update.returning.is_some() {
                        needed.push((table.clone(), security::SELECT));
                    }
                    target = Some(table);
                }
            }
            Ast::Delete(delete) => {
                let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
                    &delete.from;
                if let [
                    ast::TableWithJoins {
                        relation: ast::TableFactor::Table { name, .. },
                        ..
                    },
                ] = from.as_slice()
                {
                    let table = table_name(name)?;
                    needed.push((table.clone(), security::DELETE));
                    if delete.selection.is_some() || delete.returning.is_some() {
                        needed.push((table.clone(), security::SELECT));
                    }
                    target = Some(table);
                }
            }
            Ast::Truncate(truncate) => {
                for t in &truncate.table_names {
                    needed.push((table_name(&t.name)?, security::DELETE));
                }
                return self.check_privileges(&needed);
            }
            Ast::Copy { source, to, .. } => {
                if let ast::CopySource::Table {
                    table_name: name, ..
                } = source
                {
                    let table = table_name(name)?;
                    needed.push((
                        table,
                        if *to {
                            security::SELECT
                        } else {
                            security::INSERT
                        },
                    ));
                }
                if !*to {
                    return self.check_privileges(&needed);
                }
            }
            // PostgreSQL's rule for the modes DriftDB takes: SELECT on each table.
            Ast::Lock(lock) => {
                for target in &lock.tables {
                    needed.push((table_name(&target.name)?, security::SELECT));
                }
                return self.check_privileges(&needed);
            }
            Ast::Set(_)
            | Ast::ShowVariable { .. }
            | Ast::Reset(_)
            | Ast::Prepare { .. }
            | Ast::Execute { .. }
            | Ast::Deallocate { .. } => return Ok(()),
            // A role may set its own password, as in PostgreSQL.
            Ast::AlterRole {
                name,
                operation: ast::AlterRoleOperation::WithOptions { options },
            } if ident_name(name) == self.role()
                && options
                    .iter()
                    .all(|o| matches!(o, ast::RoleOption::Password(_))) =>
            {
                return Ok(());
            }
            other => {
                return self.require_superuser(&crate::database::first_words(&other.to_string()));
            }
        }
        // Every other table the statement names is read.
        let ctes: BTreeSet<String> = cte_names(statement);
        let mut first_target = target.clone();
        let _ = ast::visit_relations(statement, |name| {
            if let Ok(table) = table_name(name)
                && !ctes.contains(&table)
            {
                // The write target's own reference is covered above.
                if first_target.as_deref() == Some(table.as_str()) {
                    first_target = None;
                } else {
                    needed.push((table, security::SELECT));
                }
            }
            ControlFlow::<()>::Continue(())
        });
        self.check_privileges(&needed)
    }

    fn check_privileges(&self, needed: &[(String, u8)]) -> Result<()> {
        let lacking: Vec<&String> = {
            let store = self.db.store().read();
            let security = store.security();
            needed
                .iter()
                // Tables that do not exist fail later, with 42P01; a session owns its
                // temporary tables.
                .filter(|(table, privilege)| {
                    store.table(table).is_ok()
                        && !self.owns_temporary(table)
                        && security.privileges(table, self.role()) & privilege == 0
                })
                .map(|(table, _)| table)
                .collect()
        };
        if lacking.is_empty() {
            return Ok(());
        }
        // An owner has every privilege on what it owns (read only when a grant is missing).
        let owners = self.owners_at(&self.snapshot_ref());
        match lacking
            .into_iter()
            .find(|table| owners.get(*table).is_none_or(|owner| owner != self.role()))
        {
            Some(table) => Err(denied(format!("permission denied for table {table}"))),
            None => Ok(()),
        }
    }

    /// The roles and grants as the open transaction leaves them.
    pub(super) fn security_view(&self) -> Result<security::Security> {
        let mut view = self.db.store().read().security().clone();
        for op in self.txn.iter().flat_map(|t| &t.ops) {
            view.apply(op).map_err(projector_error)?;
        }
        Ok(view)
    }

    /// `CREATE ROLE`, `CREATE USER` (which may log in), `ALTER ROLE`, `DROP ROLE`, `GRANT`,
    /// `REVOKE`: the ledger operations, or `None` for any other statement.
    pub(super) fn role_statement(&self, statement: &Ast) -> Result<Option<Write>> {
        if !matches!(
            statement,
            Ast::CreateRole(_)
                | Ast::AlterRole { .. }
                | Ast::Drop {
                    object_type: ast::ObjectType::Role | ast::ObjectType::User,
                    ..
                }
                | Ast::Grant(_)
                | Ast::Revoke(_)
        ) {
            return Ok(None);
        }
        let view = self.security_view()?;
        let security = &view;
        let (ops, tag) = match statement {
            Ast::CreateRole(create) => {
                let mut ops = Vec::new();
                for name in &create.names {
                    let name = role_name(name)?;
                    // PostgreSQL's predefined roles (`pg_database_owner`, in the catalogs)
                    // own the prefix; `public` is every role, `none` no role.
                    if name.starts_with("pg_") || name == security::PUBLIC || name == "none" {
                        return Err(Error::Execution {
                            message: format!("role name \"{name}\" is reserved"),
                            sqlstate: SqlState::RESERVED_NAME,
                        });
                    }
                    if security.role(&name).is_some() {
                        return Err(Error::Execution {
                            message: format!("role \"{name}\" already exists"),
                            sqlstate: SqlState::DUPLICATE_OBJECT,
                        });
                    }
                    let (scram, md5) = match &create.password {
                        Some(p) => password_forms(p, &name)?,
                        None => (None, None),
                    };
                    ops.push(LedgerOp::CreateRole(Role {
                        name,
                        superuser: create.superuser.unwrap_or(false),
                        login: create.login.unwrap_or(false),
                        scram,
                        md5,
                    }));
                }
                (ops, "CREATE ROLE")
            }
            Ast::AlterRole { name, operation } => {
                let name = ident_name(name);
                let mut role = security
                    .role(&name)
                    .cloned()
                    .ok_or_else(|| role_missing(&name))?;
                let ast::AlterRoleOperation::WithOptions { options } = operation else {
                    return Err(unsupported("ALTER ROLE other than WITH options"));
                };
                for option in options {
                    match option {
                        ast::RoleOption::Password(p) => {
                            (role.scram, role.md5) = password_forms(p, &name)?;
                        }
                        ast::RoleOption::Login(on) => role.login = *on,
                        ast::RoleOption::SuperUser(on) => role.superuser = *on,
                        other => {
                            return Err(unsupported(&format!("the role option {other}")));
                        }
                    }
                }
                (vec![LedgerOp::AlterRole(role)], "ALTER ROLE")
            }
            Ast::Drop {
                object_type: ast::ObjectType::Role | ast::ObjectType::User,
                if_exists,
                names,
                ..
            } => {
                let mut ops = Vec::new();
                for name in names {
                    let name = role_name(name)?;
                    if security.role(&name).is_none() {
                        if *if_exists {
                            continue;
                        }
                        return Err(role_missing(&name));
                    }
                    if name == self.role() {
                        return Err(Error::Execution {
                            message: "current user cannot be dropped".to_string(),
                            sqlstate: SqlState::OBJECT_IN_USE,
                        });
                    }
                    if let Some(owned) = self.owned_by(&name, &self.snapshot_ref()) {
                        return Err(Error::Execution {
                            message: format!(
                                "role \"{name}\" cannot be dropped because some objects depend on it (owner of {owned})"
                            ),
                            sqlstate: SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                        });
                    }
                    ops.push(LedgerOp::DropRole { name });
                }
                (ops, "DROP ROLE")
            }
            Ast::Grant(grant) => (
                self.grant_ops(
                    security,
                    &grant.privileges,
                    grant.objects.as_ref(),
                    &grant.grantees,
                    true,
                )?,
                "GRANT",
            ),
            Ast::Revoke(revoke) => (
                self.grant_ops(
                    security,
                    &revoke.privileges,
                    revoke.objects.as_ref(),
                    &revoke.grantees,
                    false,
                )?,
                "REVOKE",
            ),
            _ => return Ok(None),
        };
        Ok(Some(Write {
            ops,
            tag: tag.into(),
            rows: None,
        }))
    }

    fn grant_ops(
        &self,
        security: &security::Security,
        privileges: &ast::Privileges,
        objects: Option<&ast::GrantObjects>,
        grantees: &[ast::Grantee],
        grant: bool,
    ) -> Result<Vec<LedgerOp>> {
        let bits = privilege_bits(privileges)?;
        let snapshot = self.snapshot();
        let tables: Vec<String> = match objects {
            Some(ast::GrantObjects::Tables(tables)) => {
                tables.iter().map(table_name).collect::<Result<_>>()?
            }
            // The tables the schemas hold now, as in PostgreSQL: a table made later gets
            // no grant from it.
            Some(ast::GrantObjects::AllTablesInSchema { schemas }) => {
                let mut all = Vec::new();
                for schema in schemas {
                    all.extend(self.tables_in_schema(schema, &snapshot)?);
                }
                all
            }
            _ => {
                return Err(unsupported(
                    "GRANT and REVOKE on anything but tables (ON [TABLE] t, ..., ON ALL TABLES IN SCHEMA s)",
                ));
            }
        };
        let mut roles = Vec::new();
        for grantee in grantees {
            match (&grantee.grantee_type, &grantee.name) {
                (
                    ast::GranteesType::Role | ast::GranteesType::User | ast::GranteesType::None,
                    Some(ast::GranteeName::ObjectName(name)),
                ) => {
                    let name = role_name(name)?;
                    if name != security::PUBLIC && security.role(&name).is_none() {
                        return Err(role_missing(&name));
                    }
                    roles.push(name);
                }
                (ast::GranteesType::Public, None) => roles.push(security::PUBLIC.to_string()),
                _ => return Err(unsupported("granting to groups; name a role or PUBLIC")),
            }
        }
        let mut ops = Vec::new();
        for table in tables {
            self.schema_at(&table, &snapshot)?;
            for role in &roles {
                ops.push(if grant {
                    LedgerOp::Grant {
                        table: table.clone(),
                        role: role.clone(),
                        privileges: bits,
                    }
                } else {
                    LedgerOp::Revoke {
                        table: table.clone(),
                        role: role.clone(),
                        privileges: bits,
                    }
                });
            }
        }
        Ok(ops)
    }
}

/// What [`Database::bootstrap_superuser`](crate::Database::bootstrap_superuser) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bootstrap {
    /// The role did not exist: it was created, a superuser that may log in.
    Created,
    /// The role existed without a password: it has this one now.
    PasswordSet,
    /// The role already had a password, which it keeps.
    Kept,
}

impl crate::Database {
    /// Gives the bootstrap superuser (`driftdb`, whom trust authentication connects as) a
    /// password, so that it can log in under password authentication: creates the role as
    /// a superuser that may log in, or sets the password of an existing role that has
    /// none. A role that already has a password keeps it (change it with `ALTER ROLE`), as
    /// PostgreSQL's images apply theirs only to a new database. Meant for start-up, before
    /// connections are served.
    pub fn bootstrap_superuser(&self, password: &str) -> Result<Bootstrap> {
        use driftdb_projector::LedgerOp;
        use driftdb_projector::security::Role;
        if password.is_empty() {
            return Err(Error::Execution {
                message: "the bootstrap superuser's password is empty".to_string(),
                sqlstate: SqlState::INVALID_PASSWORD,
            });
        }
        let (op, outcome) = match self.role(BOOTSTRAP_ROLE) {
            Some(role) if role.scram.is_some() || role.md5.is_some() => {
                return Ok(Bootstrap::Kept);
            }
            Some(role) => (
                LedgerOp::AlterRole(Role {
                    scram: Some(scram_verifier(password)?),
                    md5: Some(md5_hash(password, BOOTSTRAP_ROLE)),
                    ..role
                }),
                Bootstrap::PasswordSet,
            ),
            None => (
                LedgerOp::CreateRole(Role {
                    name: BOOTSTRAP_ROLE.to_string(),
                    superuser: true,
                    login: true,
                    scram: Some(scram_verifier(password)?),
                    md5: Some(md5_hash(password, BOOTSTRAP_ROLE)),
                }),
                Bootstrap::Created,
            ),
        };
        self.store()
            .commit(driftdb_projector::Transaction { ops: vec![op] }, None, &[])
            .map_err(projector_error)?;
        Ok(outcome)
    }
}

/// The prefix of every access token's text.
const TOKEN_PREFIX: &str = "ddb_";

impl crate::Database {
    /// Makes an access token for `role` (which must exist), described by `description`:
    /// its text, `ddb_<id>_<secret>`, to hand to the service once (only the secret's SHA-256
    /// is kept), and its record.
    pub fn create_token(
        &self,
        role: &str,
        description: &str,
    ) -> Result<(String, driftdb_projector::tokens::Token)> {
        use driftdb_projector::tokens::{NewToken, TokenOp};
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let id = hex(&random_bytes::<8>()?);
        let secret = hex(&random_bytes::<32>()?);
        let new = NewToken {
            id: id.clone(),
            role: role.to_string(),
            secret_sha256: ring::digest::digest(&ring::digest::SHA256, secret.as_bytes())
                .as_ref()
                .to_vec(),
            description: description.to_string(),
        };
        let op = LedgerOp::Token(Box::new(TokenOp::Create(new)));
        self.store()
            .commit(driftdb_projector::Transaction { ops: vec![op] }, None, &[])
            .map_err(projector_error)?;
        // As the commit made it, with its time.
        let token = self
            .store()
            .read()
            .tokens()
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::Internal {
                message: format!("token {id} is not there after its commit"),
            })?;
        Ok((format!("{TOKEN_PREFIX}{id}_{secret}"), token))
    }

    /// Revokes the token `id`: it stops working for the next call.
    pub fn revoke_token(&self, id: &str) -> Result<()> {
        use driftdb_projector::tokens::TokenOp;
        let op = LedgerOp::Token(Box::new(TokenOp::Revoke { id: id.to_string() }));
        self.store()
            .commit(driftdb_projector::Transaction { ops: vec![op] }, None, &[])
            .map_err(projector_error)?;
        Ok(())
    }

    /// Every access token in force, by id.
    pub fn tokens(&self) -> Vec<driftdb_projector::tokens::Token> {
        self.store().read().tokens().iter().cloned().collect()
    }

    /// The role the token `text` acts as: `None` unless it is a token in force whose role
    /// may log in.
    pub fn token_role(&self, text: &str) -> Option<String> {
        let (id, secret) = text.strip_prefix(TOKEN_PREFIX)?.split_once('_')?;
        let store = self.store().read();
        let token = store.tokens().get(id)?;
        let presented = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
        let same = equal_in_constant_time(presented.as_ref(), &token.secret_sha256);
        let role = store.security().role(&token.role)?;
        (same && role.login).then(|| role.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_match_their_verifier_or_hash() {
        use driftdb_projector::security::Role;
        let role = |scram: Option<String>, md5: Option<String>| Role {
            name: "app".to_string(),
            superuser: false,
            login: true,
            scram,
            md5,
        };
        let scram = role(Some(scram_verifier("s3cret").unwrap()), None);
        assert!(password_matches(&scram, "s3cret"));
        assert!(!password_matches(&scram, "s3cret "));
        let md5 = role(None, Some(md5_hash("s3cret", "app")));
        assert!(password_matches(&md5, "s3cret"));
        assert!(!password_matches(&md5, "other"));
        assert!(!password_matches(&role(None, None), ""));
    }

    #[test]
    fn scram_verifiers_match_postgresql() {
        // The layout PostgreSQL writes (`SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey`,
        // base64); that the keys are right is what logging in with psql checks
        // (tests/it/pg.rs).
        let verifier = scram_verifier_with("secret", b"0123456789abcdef", 4096);
        let parsed = parse_scram_verifier(&verifier).unwrap();
        assert_eq!(parsed.salt, b"0123456789abcdef");
        assert_eq!(parsed.iterations, 4096);
        assert_eq!((parsed.stored_key.len(), parsed.server_key.len()), (32, 32));
        assert!(verifier.starts_with("SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$"));
        assert_ne!(
            verifier,
            scram_verifier_with("secret2", b"0123456789abcdef", 4096)
        );
    }

    #[test]
    fn md5_hashes_match_postgresql() {
        // SELECT 'md5' || md5('secret' || 'ann') in PostgreSQL.
        assert_eq!(
            md5_hash("secret", "ann"),
            format!("md5{:x}", md5::compute("secretann"))
        );
        assert!(is_md5_hash(&md5_hash("x", "y")));
        assert!(!is_md5_hash("md5xyz"));
    }
}
