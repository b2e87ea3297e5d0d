//! Roles and table privileges: who may connect, with which password, and what each role
//! may do to each table. Like tables, they live in the ledger (`CreateRole`, `AlterRole`,
//! `DropRole`, `Grant`, `Revoke`), so every replica and every restart agrees on them, and a
//! checkpoint stores them beside its tables (`security.bin`).
//!
//! Passwords are never stored: a role keeps PostgreSQL's SCRAM-SHA-256 verifier
//! (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`) and its MD5 hash
//! (`md5` followed by the hex MD5 of password and name), which is what the two
//! authentication methods need.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::ledger::LedgerOp;

/// `SELECT` on a table.
pub const SELECT: u8 = 1;
/// `INSERT` into a table.
pub const INSERT: u8 = 2;
/// `UPDATE` of a table.
pub const UPDATE: u8 = 4;
/// `DELETE` from a table (and `TRUNCATE`).
pub const DELETE: u8 = 8;
/// Every table privilege.
pub const ALL: u8 = SELECT | INSERT | UPDATE | DELETE;

/// `PUBLIC`, the group every role is in, present and future: what is granted to it is
/// granted to all. No role may take its name (PostgreSQL reserves it too).
pub const PUBLIC: &str = "public";

/// One role.
#[derive(Debug, Clone, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Role {
    /// The role's name.
    pub name: String,
    /// Whether the role bypasses privilege checks and may run DDL and manage roles.
    pub superuser: bool,
    /// Whether the role may connect.
    pub login: bool,
    /// PostgreSQL's SCRAM-SHA-256 verifier of the password, if it has one.
    pub scram: Option<String>,
    /// PostgreSQL's MD5 hash of the password, if it has one.
    pub md5: Option<String>,
}

/// Every role, and every grant of table privileges.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize,
)]
pub struct Security {
    roles: BTreeMap<String, Role>,
    /// Privileges by table, then role.
    grants: BTreeMap<String, BTreeMap<String, u8>>,
}

impl Security {
    /// The role called `name`.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(name)
    }

    /// Every role, by name.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }

    /// What `role` may do to `table` (privilege bits), superuser aside: its own grants
    /// and [`PUBLIC`]'s.
    pub fn privileges(&self, table: &str, role: &str) -> u8 {
        let Some(grants) = self.grants.get(table) else {
            return 0;
        };
        let of = |role: &str| grants.get(role).copied().unwrap_or(0);
        of(role) | of(PUBLIC)
    }

    /// Every grant on `table`, by role.
    pub fn grants_on(&self, table: &str) -> impl Iterator<Item = (&str, u8)> {
        self.grants
            .get(table)
            .into_iter()
            .flat_map(|g| g.iter().map(|(r, p)| (r.as_str(), *p)))
    }

    pub(crate) fn check_create(&self, role: &Role) -> Result<()> {
        if role.name == PUBLIC {
            return Err(Error::InvalidInput(format!(
                "role name {PUBLIC:?} is reserved"
            )));
        }
        if self.roles.contains_key(&role.name) {
            return Err(Error::InvalidInput(format!(
                "role {:?} already exists",
                role.name
            )));
        }
        Ok(())
    }

    /// A role called `name` exists.
    pub(crate) fn check_exists(&self, name: &str) -> Result<()> {
        if !self.roles.contains_key(name) {
            return Err(Error::NotFound {
                what: "role",
                name: name.to_string(),
            });
        }
        Ok(())
    }

    pub(crate) fn create(&mut self, role: Role) -> Result<()> {
        self.check_create(&role)?;
        self.roles.insert(role.name.clone(), role);
        Ok(())
    }

    pub(crate) fn alter(&mut self, role: Role) -> Result<()> {
        self.check_exists(&role.name)?;
        self.roles.insert(role.name.clone(), role);
        Ok(())
    }

    /// Drops the role and every grant to it.
    pub(crate) fn drop_role(&mut self, name: &str) -> Result<()> {
        self.check_exists(name)?;
        self.roles.remove(name);
        for grants in self.grants.values_mut() {
            grants.remove(name);
        }
        self.grants.retain(|_, g| !g.is_empty());
        Ok(())
    }

    /// The role a grant or revoke names exists, or is [`PUBLIC`].
    pub(crate) fn check_grantee(&self, role: &str) -> Result<()> {
        if role == PUBLIC {
            return Ok(());
        }
        self.check_exists(role)
    }

    pub(crate) fn grant(&mut self, table: &str, role: &str, privileges: u8) -> Result<()> {
        self.check_grantee(role)?;
        *self
            .grants
            .entry(table.to_string())
            .or_default()
            .entry(role.to_string())
            .or_default() |= privileges & ALL;
        Ok(())
    }

    pub(crate) fn revoke(&mut self, table: &str, role: &str, privileges: u8) -> Result<()> {
        self.check_grantee(role)?;
        if let Some(grants) = self.grants.get_mut(table) {
            if let Some(p) = grants.get_mut(role) {
                *p &= !privileges;
                if *p == 0 {
                    grants.remove(role);
                }
            }
            if grants.is_empty() {
                self.grants.remove(table);
            }
        }
        Ok(())
    }

    /// Applies a role operation (`CreateRole`, `AlterRole`, `DropRole`) or a grant
    /// (`Grant`, `Revoke`, whose table the caller has checked); other operations change
    /// nothing here. A session applies its open transaction's operations to a copy, so that
    /// `CREATE ROLE r; GRANT ... TO r` works in one block.
    pub fn apply(&mut self, op: &LedgerOp) -> Result<()> {
        match op {
            LedgerOp::CreateRole(role) => self.create(role.clone()),
            LedgerOp::AlterRole(role) => self.alter(role.clone()),
            LedgerOp::DropRole { name } => self.drop_role(name),
            LedgerOp::Grant {
                table,
                role,
                privileges,
            } => self.grant(table, role, *privileges),
            LedgerOp::Revoke {
                table,
                role,
                privileges,
            } => self.revoke(table, role, *privileges),
            _ => Ok(()),
        }
    }

    /// A renamed table keeps its grants under its new name.
    pub(crate) fn rename_table(&mut self, table: &str, to: &str) {
        if let Some(grants) = self.grants.remove(table) {
            self.grants.insert(to.to_string(), grants);
        }
    }

    /// A dropped table takes its grants with it: a new table of the same name starts
    /// with none.
    pub(crate) fn forget_table(&mut self, table: &str) {
        self.grants.remove(table);
    }
}

/// Roles `names`, that may log in, for tests of what hangs off roles.
#[cfg(test)]
pub(crate) fn with_roles(names: &[&str]) -> Security {
    let mut security = Security::default();
    for name in names {
        security
            .create(Role {
                name: name.to_string(),
                superuser: false,
                login: true,
                scram: None,
                md5: None,
            })
            .expect("a new role");
    }
    security
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str) -> Role {
        Role {
            name: name.to_string(),
            superuser: false,
            login: true,
            scram: None,
            md5: None,
        }
    }

    #[test]
    fn grants_add_up_revokes_take_away_and_drops_forget() {
        let mut s = Security::default();
        s.create(role("ann")).unwrap();
        assert!(s.create(role("ann")).is_err());
        assert!(s.grant("t", "bob", SELECT).is_err(), "no such role");
        s.grant("t", "ann", SELECT).unwrap();
        s.grant("t", "ann", INSERT | UPDATE).unwrap();
        assert_eq!(s.privileges("t", "ann"), SELECT | INSERT | UPDATE);
        s.revoke("t", "ann", INSERT).unwrap();
        assert_eq!(s.privileges("t", "ann"), SELECT | UPDATE);
        s.forget_table("t");
        assert_eq!(s.privileges("t", "ann"), 0);
        s.grant("u", "ann", ALL).unwrap();
        s.drop_role("ann").unwrap();
        assert_eq!(s.privileges("u", "ann"), 0);
        assert!(s.role("ann").is_none());
    }

    #[test]
    fn what_public_has_every_role_has() {
        let mut s = Security::default();
        s.create(role("ann")).unwrap();
        assert!(s.create(role(PUBLIC)).is_err(), "reserved");
        s.grant("t", PUBLIC, SELECT).unwrap();
        s.grant("t", "ann", INSERT).unwrap();
        assert_eq!(s.privileges("t", "ann"), SELECT | INSERT);
        // A role made after the grant has it too.
        s.create(role("bob")).unwrap();
        assert_eq!(s.privileges("t", "bob"), SELECT);
        assert_eq!(s.privileges("u", "bob"), 0);
        // Revoked from PUBLIC, it is gone from those who had it only through PUBLIC.
        s.revoke("t", PUBLIC, SELECT).unwrap();
        assert_eq!(s.privileges("t", "bob"), 0);
        assert_eq!(s.privileges("t", "ann"), INSERT);
    }
}
