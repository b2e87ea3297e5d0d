//! Privileges on the broker's topics and consumer groups: `GRANT` and `REVOKE ... ON TOPIC`,
//! `ON GROUP`, `ON ALL TOPICS`, `ON ALL GROUPS` (the model is
//! `driftdb_projector::broker_grants`), and the question the broker asks before each call:
//! what may this role do to this topic or group.
//!
//! Topics have no owner in the ledger, so granting on them is for superusers, as role
//! management is. A superuser may do anything to any topic or group without a grant.

use driftdb_projector::LedgerOp;
use driftdb_projector::broker_grants::{
    self, BrokerGrantOp, BrokerGrants, BrokerObject, CONSUME, CREATE, DELETE, PRODUCE,
};
use driftdb_projector::security;

use super::{Session, Write};
use crate::SqlState;
use crate::error::{Error, Result, projector_error};
use crate::parser::broker_grant::{BrokerGrant, BrokerObjects};

/// The privilege a word names, if it names one.
fn privilege(word: &str) -> Option<u8> {
    Some(match word {
        "PRODUCE" => PRODUCE,
        "CONSUME" => CONSUME,
        "CREATE" => CREATE,
        "DELETE" => DELETE,
        _ => return None,
    })
}

impl Session {
    /// The ledger operations of a `GRANT` or `REVOKE` on topics or groups.
    pub(super) fn broker_grant(&self, statement: BrokerGrant) -> Result<Write> {
        let verb = if statement.grant { "GRANT" } else { "REVOKE" };
        self.require_superuser(&format!("{verb} on topics and groups"))?;
        // A name written out is a name, never the `ALL` it is stored as.
        if let BrokerObjects::Topics(written) | BrokerObjects::Groups(written) = &statement.objects
        {
            for name in written {
                broker_grants::check_name(name).map_err(projector_error)?;
            }
        }
        let all = || vec![broker_grants::ALL.to_string()];
        let (kind, object, names): (_, fn(String) -> BrokerObject, _) = match statement.objects {
            BrokerObjects::Topics(names) => ("topic", BrokerObject::Topic, names),
            BrokerObjects::AllTopics => ("topic", BrokerObject::Topic, all()),
            BrokerObjects::Groups(names) => ("group", BrokerObject::Group, names),
            BrokerObjects::AllGroups => ("group", BrokerObject::Group, all()),
        };
        let valid = object(String::new()).valid_privileges();
        let bits = match &statement.privileges {
            None => valid,
            Some(words) => words.iter().try_fold(0, |bits, word| {
                match privilege(word).filter(|bit| bit & valid != 0) {
                    Some(bit) => Ok(bits | bit),
                    None => Err(Error::Execution {
                        message: format!(
                            "invalid privilege type {word} for {kind}: a topic takes PRODUCE, \
                             CONSUME, CREATE and DELETE, a group CONSUME"
                        ),
                        sqlstate: SqlState::INVALID_GRANT_OPERATION,
                    }),
                }
            })?,
        };
        let security = self.security_view()?;
        if let Some(missing) = statement
            .grantees
            .iter()
            .find(|r| *r != security::PUBLIC && security.role(r).is_none())
        {
            return Err(super::roles::role_missing(missing));
        }
        let mut ops = Vec::new();
        for name in names {
            for role in &statement.grantees {
                ops.push(LedgerOp::BrokerGrant(Box::new(BrokerGrantOp {
                    object: object(name.clone()),
                    role: role.clone(),
                    privileges: bits,
                    grant: statement.grant,
                })));
            }
        }
        Ok(Write {
            ops,
            tag: verb.into(),
            rows: None,
        })
    }
}

impl crate::Database {
    /// What `role` may do to the topic `name` (bits of
    /// `driftdb_projector::broker_grants::PRODUCE` ...): every privilege for a superuser,
    /// none for a role that no longer exists.
    pub fn topic_privileges(&self, role: &str, name: &str) -> u8 {
        self.broker_privileges(role, |grants| grants.topic_privileges(name, role))
    }

    /// What `role` may do to the consumer group `name`, as [`Self::topic_privileges`].
    pub fn group_privileges(&self, role: &str, name: &str) -> u8 {
        self.broker_privileges(role, |grants| grants.group_privileges(name, role))
    }

    fn broker_privileges(&self, role: &str, granted: impl Fn(&BrokerGrants) -> u8) -> u8 {
        let store = self.store().read();
        match store.security().role(role) {
            None => 0,
            Some(r) if r.superuser => u8::MAX,
            Some(_) => granted(store.broker_grants()),
        }
    }
}
