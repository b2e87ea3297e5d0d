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

/// The role a call runs as; `None`: the bootstrap superuser (trust authentication of a call
/// naming no role), which may do anything.
#[derive(Debug, Clone)]
pub struct Caller {
    pub role: Option<String>,
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

/// The broker's question to the server's access control.
pub trait Authorizer: Send + Sync + fmt::Debug + 'static {
    /// Whether `role` may do `operation` to `object`.
    fn allows(&self, role: &str, operation: Operation, object: Object<'_>) -> bool;

    /// Moves whenever what [`Authorizer::allows`] answers may have changed.
    fn changes(&self) -> watch::Receiver<u64>;
}

/// What one call may do: everything, or what its role is allowed.
#[derive(Debug, Clone)]
pub(crate) enum Permit {
    All,
    Role {
        authorizer: Arc<dyn Authorizer>,
        role: String,
    },
}

impl Permit {
    /// The permit of the call whose extensions are `extensions`, under `authorizer`.
    pub(crate) fn of(
        authorizer: Option<&Arc<dyn Authorizer>>,
        extensions: &tonic::Extensions,
    ) -> Result<Permit, Status> {
        let Some(authorizer) = authorizer else {
            return Ok(Permit::All);
        };
        match extensions.get::<Caller>() {
            None => Err(Status::unauthenticated(
                "the call carries no authenticated caller",
            )),
            Some(Caller { role: None }) => Ok(Permit::All),
            Some(Caller { role: Some(role) }) => Ok(Permit::Role {
                authorizer: Arc::clone(authorizer),
                role: role.clone(),
            }),
        }
    }

    pub(crate) fn allows(&self, operation: Operation, object: Object<'_>) -> bool {
        match self {
            Permit::All => true,
            Permit::Role { authorizer, role } => authorizer.allows(role, operation, object),
        }
    }

    /// `PERMISSION_DENIED` unless the call may do `operation` to `object`.
    pub(crate) fn check(&self, operation: Operation, object: Object<'_>) -> Result<(), Status> {
        if self.allows(operation, object) {
            return Ok(());
        }
        let role = match self {
            Permit::All => "",
            Permit::Role { role, .. } => role,
        };
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
        Err(Status::permission_denied(format!(
            "permission denied for {kind} \"{name}\": role \"{role}\" may not {verb} it"
        )))
    }

    /// What moves when the permit's answers may have changed; `None` for a permit that
    /// allows everything whatever changes.
    pub(crate) fn changes(&self) -> Option<watch::Receiver<u64>> {
        match self {
            Permit::All => None,
            Permit::Role { authorizer, .. } => Some(authorizer.changes()),
        }
    }
}
