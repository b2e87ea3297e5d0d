//! Privileges on the broker's topics and consumer groups, granted to roles in SQL
//! (`GRANT PRODUCE, CONSUME ON TOPIC orders TO svc_billing`, `GRANT CONSUME ON GROUP billing
//! TO svc_billing`), as Kafka's ACLs grant them. Like roles they live in the ledger
//! ([`crate::ledger::LedgerOp::BrokerGrant`]), so every restart agrees on them, and a
//! checkpoint keeps them in `broker_grants.bin`.
//!
//! A grant names a topic or group by name, whether or not it exists (as Kafka's ACLs do): a
//! grant of `CREATE` on a topic that does not exist yet is what lets a role create it, and a
//! topic deleted and made again under its name keeps the grants on the name. The name
//! [`ALL`] (`ON ALL TOPICS`, `ON ALL GROUPS`) covers every topic or group, present and future.
//! Superusers need no grant; the broker checks everyone else against [`BrokerGrants`].

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::security::{PUBLIC, Security};

/// Append records to a topic.
pub const PRODUCE: u8 = 1;
/// Read a topic's records (fetch, subscribe, look up keys and offsets); on a group, join it
/// and read and commit its offsets.
pub const CONSUME: u8 = 2;
/// Create a topic of the granted name.
pub const CREATE: u8 = 4;
/// Delete a topic of the granted name.
pub const DELETE: u8 = 8;
/// Every topic privilege.
pub const TOPIC_PRIVILEGES: u8 = PRODUCE | CONSUME | CREATE | DELETE;
/// Every group privilege.
pub const GROUP_PRIVILEGES: u8 = CONSUME;

/// The name a grant on every topic or every group is stored under (no topic or group may
/// be called it). It does not cover DriftDB's own topics (`__ledger`, `__consumer_offsets`):
/// reading those takes a superuser or a grant on the topic by name.
pub const ALL: &str = "*";

/// What a grant is on.
#[derive(Debug, Clone, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum BrokerObject {
    /// A topic by name, or [`ALL`] topics.
    Topic(String),
    /// A consumer group by name, or [`ALL`] groups.
    Group(String),
}

impl BrokerObject {
    /// The privileges that mean something on this kind of object.
    pub fn valid_privileges(&self) -> u8 {
        match self {
            BrokerObject::Topic(_) => TOPIC_PRIVILEGES,
            BrokerObject::Group(_) => GROUP_PRIVILEGES,
        }
    }
}

/// `GRANT` or `REVOKE` of privileges on a topic or group to a role (or [`PUBLIC`]).
#[derive(Debug, Clone, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct BrokerGrantOp {
    pub object: BrokerObject,
    pub role: String,
    /// Bits of [`PRODUCE`] ...; only those valid for the object count.
    pub privileges: u8,
    /// `GRANT` (else `REVOKE`).
    pub grant: bool,
}

/// Privileges by object name, then role.
type ByName = BTreeMap<String, BTreeMap<String, u8>>;

/// Every grant on topics and groups.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize,
)]
pub struct BrokerGrants {
    topics: ByName,
    groups: ByName,
}

impl BrokerGrants {
    /// What `role` may do to the topic `name` (superuser aside): its own grants and
    /// [`PUBLIC`]'s, on the name and, unless it is a system topic, on [`ALL`] topics.
    pub fn topic_privileges(&self, name: &str, role: &str) -> u8 {
        let by_name = privileges(&self.topics, name, role);
        if driftdb_log::is_system_topic(name) {
            return by_name;
        }
        by_name | privileges(&self.topics, ALL, role)
    }

    /// What `role` may do to the consumer group `name`, as [`Self::topic_privileges`].
    pub fn group_privileges(&self, name: &str, role: &str) -> u8 {
        privileges(&self.groups, name, role) | privileges(&self.groups, ALL, role)
    }

    /// Every grant: object, role, privileges; topics first, each kind by name.
    pub fn iter(&self) -> impl Iterator<Item = (BrokerObject, &str, u8)> {
        fn each(
            by_name: &ByName,
            object: fn(String) -> BrokerObject,
        ) -> impl Iterator<Item = (BrokerObject, &str, u8)> {
            by_name.iter().flat_map(move |(name, grants)| {
                grants
                    .iter()
                    .map(move |(role, p)| (object(name.clone()), role.as_str(), *p))
            })
        }
        each(&self.topics, BrokerObject::Topic).chain(each(&self.groups, BrokerObject::Group))
    }

    /// Applies `op`: its role must exist in `security` (or be [`PUBLIC`]).
    pub fn apply(&mut self, op: &BrokerGrantOp, security: &Security) -> Result<()> {
        security.check_grantee(&op.role)?;
        let bits = op.privileges & op.object.valid_privileges();
        let (by_name, name) = match &op.object {
            BrokerObject::Topic(name) => (&mut self.topics, name),
            BrokerObject::Group(name) => (&mut self.groups, name),
        };
        if op.grant {
            *by_name
                .entry(name.clone())
                .or_default()
                .entry(op.role.clone())
                .or_default() |= bits;
            return Ok(());
        }
        if let Some(grants) = by_name.get_mut(name) {
            if let Some(p) = grants.get_mut(&op.role) {
                *p &= !bits;
                if *p == 0 {
                    grants.remove(&op.role);
                }
            }
            if grants.is_empty() {
                by_name.remove(name);
            }
        }
        Ok(())
    }

    /// A dropped role's grants go with it.
    pub(crate) fn drop_role(&mut self, role: &str) {
        for by_name in [&mut self.topics, &mut self.groups] {
            for grants in by_name.values_mut() {
                grants.remove(role);
            }
            by_name.retain(|_, g| !g.is_empty());
        }
    }
}

/// What the grants on `name` give `role`: its own and [`PUBLIC`]'s.
fn privileges(by_name: &ByName, name: &str, role: &str) -> u8 {
    let Some(grants) = by_name.get(name) else {
        return 0;
    };
    let of = |role: &str| grants.get(role).copied().unwrap_or(0);
    of(role) | of(PUBLIC)
}

/// Whether `name` is a valid topic or group name to grant on; [`ALL`] is not one (it is
/// spelled `ALL TOPICS` / `ALL GROUPS`).
pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.contains('*') {
        return Err(Error::InvalidInput(format!(
            "{name:?} is not a topic or group name"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(object: BrokerObject, role: &str, privileges: u8, grant: bool) -> BrokerGrantOp {
        BrokerGrantOp {
            object,
            role: role.to_string(),
            privileges,
            grant,
        }
    }

    fn topic(name: &str) -> BrokerObject {
        BrokerObject::Topic(name.to_string())
    }

    #[test]
    fn grants_are_per_name_add_up_and_revokes_take_away() {
        let security = crate::security::with_roles(&["ann", "bob"]);
        let mut g = BrokerGrants::default();
        g.apply(&op(topic("orders"), "ann", PRODUCE, true), &security)
            .unwrap();
        g.apply(&op(topic("orders"), "ann", CONSUME, true), &security)
            .unwrap();
        assert_eq!(g.topic_privileges("orders", "ann"), PRODUCE | CONSUME);
        assert_eq!(g.topic_privileges("payments", "ann"), 0);
        assert_eq!(g.topic_privileges("orders", "bob"), 0);
        g.apply(&op(topic("orders"), "ann", PRODUCE, false), &security)
            .unwrap();
        assert_eq!(g.topic_privileges("orders", "ann"), CONSUME);
        assert!(
            g.apply(&op(topic("orders"), "nobody", CONSUME, true), &security)
                .is_err()
        );
    }

    #[test]
    fn all_and_public_cover_every_name_and_role_and_groups_are_apart() {
        let security = crate::security::with_roles(&["ann"]);
        let mut g = BrokerGrants::default();
        g.apply(&op(topic(ALL), PUBLIC, CONSUME, true), &security)
            .unwrap();
        g.apply(
            &op(BrokerObject::Group("billing".into()), "ann", ALL_BITS, true),
            &security,
        )
        .unwrap();
        assert_eq!(g.topic_privileges("anything", "ann"), CONSUME);
        assert_eq!(g.topic_privileges("anything", "later"), CONSUME);
        // DriftDB's own topics take a grant by name.
        assert_eq!(g.topic_privileges("__ledger", "ann"), 0);
        g.apply(&op(topic("__ledger"), "ann", CONSUME, true), &security)
            .unwrap();
        assert_eq!(g.topic_privileges("__ledger", "ann"), CONSUME);
        // Only the group privileges stick on a group, and a group is not a topic.
        assert_eq!(g.group_privileges("billing", "ann"), CONSUME);
        assert_eq!(g.group_privileges("other", "ann"), 0);
        assert_eq!(g.topic_privileges("billing", "ann"), CONSUME);
        g.drop_role("ann");
        assert_eq!(g.group_privileges("billing", "ann"), 0);
        assert_eq!(g.iter().count(), 1, "PUBLIC's grant stays");
    }

    const ALL_BITS: u8 = u8::MAX;
}
