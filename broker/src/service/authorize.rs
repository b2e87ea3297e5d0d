//! Who may do what to which topic or group.
//!
//! The server's authentication layer puts the [`Caller`] of each call into its request's
//! extensions; the broker asks an [`Authorizer`] (the server's answers from SQL's roles and
//! `GRANT ... ON TOPIC`) whether the caller may do the call's [`Operation`] to each topic and
//! group it names, before it looks at whether they exist, so a refusal says nothing about
//! what exists. A broker built without an authorizer (embedded, tests) lets every call
//! through; one built with an authorizer refuses a call that carries no caller.
//!
//! Subscriptions ask again whenever [`Authorizer::changes`] moves, so a `REVOKE` ends the
//! streams it takes away at its commit.

use std::fmt;
use std::sync::Arc;

use tokio::sync::watch;
use tonic::Status;

/// Who makes a call: the role it runs as (`None`: the bootstrap superuser, what trust
/// authentication gives a call naming no role, which may do anything) and its address.
#[derive(Debug, Clone)]
pub struct Caller {
    pub role: Option<String>,
    pub address: Option<std::net::IpAddr>,
}

/// What a call does to a topic or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Append records to a topic.
    Produce,
    /// Read a topic's records; join a group, read and commit its offsets.
    Consume,
    /// Create a topic.
    Create,
    /// Delete a topic.
    Delete,
    /// See it listed or described: any of the others allows it.
    Describe,
}

/// A topic or a consumer group, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object<'a> {
    Topic(&'a str),
    Group(&'a str),
}

/// The broker's question to the server's access control, and where it reports what it
/// decided.
pub trait Authorizer: Send + Sync + fmt::Debug + 'static {
    /// Whether `role` may do `operation` to `object`.
    fn allows(&self, role: &str, operation: Operation, object: Object<'_>) -> bool;

    /// Moves whenever what [`Authorizer::allows`] answers may have changed.
    fn changes(&self) -> watch::Receiver<u64>;

    /// Reports a topic created or deleted (`Ok`), a creation or deletion that failed, or any
    /// call refused for want of a privilege, for the audit trail.
    fn record(
        &self,
        caller: &Caller,
        operation: Operation,
        object: Object<'_>,
        outcome: Result<(), &Status>,
    );
}

/// What one call may do, and whom it reports to.
#[derive(Debug, Clone)]
pub(crate) struct Permit {
    /// `None`: a broker without access control, which allows everything.
    authorizer: Option<Arc<dyn Authorizer>>,
    caller: Caller,
}

impl Permit {
    /// The permit of the call whose extensions are `extensions`, under `authorizer`.
    pub(crate) fn of(
        authorizer: Option<&Arc<dyn Authorizer>>,
        extensions: &tonic::Extensions,
    ) -> Result<Permit, Status> {
        let caller = match authorizer {
            None => Caller {
                role: None,
                address: None,
            },
            Some(_) => extensions.get::<Caller>().cloned().ok_or_else(|| {
                Status::unauthenticated("the call carries no authenticated caller")
            })?,
        };
        Ok(Permit {
            authorizer: authorizer.cloned(),
            caller,
        })
    }

    pub(crate) fn allows(&self, operation: Operation, object: Object<'_>) -> bool {
        match (&self.authorizer, &self.caller.role) {
            (Some(authorizer), Some(role)) => authorizer.allows(role, operation, object),
            _ => true,
        }
    }

    /// `PERMISSION_DENIED` unless the call may do `operation` to `object` (a refusal is
    /// reported).
    pub(crate) fn check(&self, operation: Operation, object: Object<'_>) -> Result<(), Status> {
        if self.allows(operation, object) {
            return Ok(());
        }
        let role = self.caller.role.as_deref().unwrap_or_default();
        let verb = match (operation, object) {
            (Operation::Produce, _) => "produce to",
            (Operation::Consume, Object::Topic(_)) => "consume from",
            (Operation::Consume, Object::Group(_)) => "consume in",
            (Operation::Create, _) => "create",
            (Operation::Delete, _) => "delete",
            (Operation::Describe, _) => "see",
        };
        let (kind, name) = match object {
            Object::Topic(name) => ("topic", name),
            Object::Group(name) => ("consumer group", name),
        };
        let denied = Status::permission_denied(format!(
            "permission denied for {kind} \"{name}\": role \"{role}\" may not {verb} it"
        ));
        self.record(operation, object, Err(&denied));
        Err(denied)
    }

    /// Reports what became of `operation` on `object` (see [`Authorizer::record`]).
    pub(crate) fn record(
        &self,
        operation: Operation,
        object: Object<'_>,
        outcome: Result<(), &Status>,
    ) {
        if let Some(authorizer) = &self.authorizer {
            authorizer.record(&self.caller, operation, object, outcome);
        }
    }

    /// What moves when the permit's answers may have changed; `None` for a permit that
    /// allows everything whatever changes.
    pub(crate) fn changes(&self) -> Option<watch::Receiver<u64>> {
        match (&self.authorizer, &self.caller.role) {
            (Some(authorizer), Some(_)) => Some(authorizer.changes()),
            _ => None,
        }
    }
}
