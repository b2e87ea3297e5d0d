//! Access tokens: long-lived credentials issued to a role, for the services that call the
//! gRPC port (`driftdb token create --role svc-orders`), as Kafka's delegation tokens and
//! Iggy's personal access tokens are. Like roles they live in the ledger
//! ([`crate::ledger::LedgerOp::Token`]), so every restart agrees on them, and a checkpoint
//! keeps them in `tokens.bin`.
//!
//! A token is `ddb_<id>_<secret>`; only its id and a SHA-256 of its secret are stored (the
//! secret is random and long, so a fast hash is enough), and the whole token is shown once,
//! when it is made. A token acts as its role, and stops working when it is revoked or its
//! role is dropped (dropping the role revokes its tokens).

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::security::Security;

/// A new token, as the ledger's [`TokenOp::Create`] carries it.
#[derive(Debug, Clone, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct NewToken {
    /// The public part, which names the token (in lists, and to revoke it).
    pub id: String,
    /// The role the token acts as.
    pub role: String,
    /// SHA-256 of the secret part.
    pub secret_sha256: Vec<u8>,
    /// What it is for, as its maker said.
    pub description: String,
}

/// A token in force: as it was made, and when (its commit's time).
#[derive(Debug, Clone, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Token {
    pub id: String,
    pub role: String,
    pub secret_sha256: Vec<u8>,
    pub description: String,
    /// The commit time of the transaction that made it, in microseconds since the epoch.
    pub created_micros: i64,
}

/// A change to the tokens.
#[derive(Debug, Clone, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum TokenOp {
    Create(NewToken),
    Revoke { id: String },
}

/// Every token in force, by id.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize,
)]
pub struct Tokens {
    by_id: BTreeMap<String, Token>,
}

impl Tokens {
    /// The token called `id`.
    pub fn get(&self, id: &str) -> Option<&Token> {
        self.by_id.get(id)
    }

    /// Every token, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Token> {
        self.by_id.values()
    }

    /// Applies `op`, committed at `time`: a new token must have a new id and name a role of
    /// `security`; a revoked one must exist.
    pub(crate) fn apply(&mut self, op: &TokenOp, security: &Security, time: i64) -> Result<()> {
        match op {
            TokenOp::Create(new) => {
                security.check_exists(&new.role)?;
                if self.by_id.contains_key(&new.id) {
                    return Err(Error::InvalidInput(format!(
                        "token {:?} already exists",
                        new.id
                    )));
                }
                let NewToken {
                    id,
                    role,
                    secret_sha256,
                    description,
                } = new.clone();
                let token = Token {
                    id: id.clone(),
                    role,
                    secret_sha256,
                    description,
                    created_micros: time,
                };
                self.by_id.insert(id, token);
            }
            TokenOp::Revoke { id } => {
                if self.by_id.remove(id).is_none() {
                    return Err(Error::NotFound {
                        what: "token",
                        name: id.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// A dropped role's tokens go with it.
    pub(crate) fn drop_role(&mut self, role: &str) {
        self.by_id.retain(|_, token| token.role != role);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: &str, role: &str) -> NewToken {
        NewToken {
            id: id.to_string(),
            role: role.to_string(),
            secret_sha256: vec![7; 32],
            description: "test".to_string(),
        }
    }

    #[test]
    fn tokens_are_made_for_roles_revoked_once_and_dropped_with_their_role() {
        let security = crate::security::with_roles(&["svc"]);
        let mut tokens = Tokens::default();
        tokens
            .apply(&TokenOp::Create(token("a", "svc")), &security, 1)
            .unwrap();
        assert!(matches!(
            tokens.apply(&TokenOp::Create(token("a", "svc")), &security, 1),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            tokens.apply(&TokenOp::Create(token("b", "nobody")), &security, 1),
            Err(Error::NotFound { what: "role", .. })
        ));
        tokens
            .apply(&TokenOp::Create(token("b", "svc")), &security, 1)
            .unwrap();
        tokens
            .apply(&TokenOp::Revoke { id: "a".into() }, &security, 1)
            .unwrap();
        assert!(matches!(
            tokens.apply(&TokenOp::Revoke { id: "a".into() }, &security, 1),
            Err(Error::NotFound { what: "token", .. })
        ));
        assert_eq!(
            tokens.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            ["b"]
        );
        tokens.drop_role("svc");
        assert!(tokens.get("b").is_none());
    }
}
