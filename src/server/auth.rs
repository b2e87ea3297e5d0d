//! Who calls the gRPC port: the same roles as the PostgreSQL port, under the same `--auth`.
//!
//! A call names its role in one of three ways:
//!
//! - `authorization: Bearer <token>` metadata, an access token made for the role
//!   (`TokenService`, `driftdb token create`), checked against the SHA-256 the ledger keeps;
//! - `authorization: Basic base64(role:password)` metadata, the role's SQL password sent as
//!   it is (so over TLS; the server checks it against the role's SCRAM verifier or MD5
//!   hash, and remembers a checked password until the role's password changes, so only the
//!   first call of a client pays for the key derivation);
//! - a client certificate (mutual TLS, `--tls-client-ca`) whose common name is the role.
//!
//! Under `--auth trust` nothing is checked: a call runs as the role it names if that role
//! exists and may log in, else as the bootstrap superuser, as on the PostgreSQL port. Under
//! `scram-sha-256` or `md5` a call must name a role that may log in and prove it; otherwise
//! it fails with `UNAUTHENTICATED` and the same words whether the role exists or not, after
//! the delay the shared [`LoginThrottle`] gives its address. The health service answers
//! everyone (probes send no credentials). The role a call runs as goes into its extensions
//! as a [`Caller`], for the services to check privileges against: the broker's through
//! [`Privileges`], SQL's topic and group grants.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use driftdb_broker::service::authorize::{Authorizer, Caller, Object, Operation};
use driftdb_pg::AuthMethod;
use driftdb_pg::throttle::LoginThrottle;
use driftdb_sql::Database;
use driftdb_sql::audit::{Event, Kind, Origin, Port};
use driftdb_sql::session::BOOTSTRAP_ROLE;
use tonic::Status;

use super::transport::Peer;

/// Checked passwords remembered at once; past it the memory starts afresh.
const REMEMBERED: usize = 4096;

/// The broker's privileges: what SQL's roles and `GRANT ... ON TOPIC | GROUP` allow.
pub(crate) struct Privileges(pub(crate) Database);

impl std::fmt::Debug for Privileges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Privileges")
    }
}

impl Authorizer for Privileges {
    fn allows(&self, role: &str, operation: Operation, object: Object<'_>) -> bool {
        use driftdb_projector::broker_grants::{CONSUME, CREATE, DELETE, PRODUCE};
        let held = match object {
            Object::Topic(name) => self.0.topic_privileges(role, name),
            Object::Group(name) => self.0.group_privileges(role, name),
        };
        let needed = match operation {
            Operation::Produce => PRODUCE,
            Operation::Consume => CONSUME,
            Operation::Create => CREATE,
            Operation::Delete => DELETE,
            Operation::Describe => u8::MAX,
        };
        held & needed != 0
    }

    /// Every commit: grants, revokes and dropped roles are commits.
    fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.watch_commits()
    }

    fn record(
        &self,
        caller: &Caller,
        operation: Operation,
        object: Object<'_>,
        outcome: Result<(), &Status>,
    ) {
        let action = match operation {
            Operation::Produce => "produce",
            Operation::Consume => "consume",
            Operation::Create => "create topic",
            Operation::Delete => "delete topic",
            Operation::Describe => "describe",
        };
        let name = match object {
            Object::Topic(name) => name.to_string(),
            Object::Group(name) => format!("group {name}"),
        };
        self.0.audit(Event::new(
            Kind::Topic,
            grpc_origin(caller.address),
            caller.role.as_deref().unwrap_or(BOOTSTRAP_ROLE),
            action,
            Some(&name),
            outcome.map_err(|status| status.message().to_string()),
        ));
    }
}

fn grpc_origin(address: Option<IpAddr>) -> Origin {
    Origin {
        port: Port::Grpc,
        address,
    }
}

/// The gRPC port's authentication.
pub(crate) struct Authenticator {
    method: AuthMethod,
    db: Database,
    throttle: Arc<LoginThrottle>,
    /// SHA-256 of (role, password, the verifier it matched) for passwords already checked.
    checked: Mutex<HashSet<[u8; 32]>>,
}

/// What a call claims to be.
enum Claim {
    Password { role: String, password: String },
    Token(String),
    Certificate(String),
    Nothing,
}

impl Claim {
    /// For the audit trail: the role claimed (a token's id for a token: its role is known
    /// only if it is valid) and how it is proved.
    fn describe(&self) -> (String, &'static str) {
        match self {
            Claim::Password { role, .. } => (role.clone(), "password"),
            Claim::Certificate(role) => (role.clone(), "client certificate"),
            Claim::Token(token) => {
                let id = token.split('_').nth(1).unwrap_or_default();
                (format!("token {id}"), "access token")
            }
            Claim::Nothing => (String::new(), "none"),
        }
    }
}

impl Authenticator {
    pub(crate) fn new(method: AuthMethod, db: Database, throttle: Arc<LoginThrottle>) -> Self {
        Authenticator {
            method,
            db,
            throttle,
            checked: Mutex::new(HashSet::new()),
        }
    }

    /// The caller making `claim` from `addr`, or the status it is refused with.
    async fn caller(&self, claim: Claim, addr: Option<IpAddr>) -> Result<Caller, Status> {
        let (claimed, method) = claim.describe();
        if self.method == AuthMethod::Trust {
            let role = match claim {
                Claim::Password { role, .. } | Claim::Certificate(role) => Some(role),
                Claim::Token(token) => self.db.token_role(&token),
                Claim::Nothing => None,
            };
            let role = role.filter(|name| self.db.role(name).is_some_and(|r| r.login));
            return Ok(Caller {
                role,
                address: addr,
            });
        }
        let verified = match claim {
            Claim::Nothing => {
                return Err(Status::unauthenticated(
                    "authentication required: send `authorization: Bearer <access token>` or \
                     `authorization: Basic base64(role:password)` metadata, or a client \
                     certificate naming the role",
                ));
            }
            Claim::Certificate(role) => self.db.role(&role).filter(|r| r.login).map(|r| r.name),
            Claim::Password { role, password } => self.check_password(role, password).await,
            Claim::Token(token) => self.db.token_role(&token),
        };
        match verified {
            Some(role) => Ok(Caller {
                role: Some(role),
                address: addr,
            }),
            None => {
                self.db.audit(
                    Event::new(
                        Kind::Authentication,
                        grpc_origin(addr),
                        &claimed,
                        "login",
                        None,
                        Err("authentication failed".to_string()),
                    )
                    .with_detail(method),
                );
                tokio::time::sleep(self.throttle.failed("grpc", addr)).await;
                Err(Status::unauthenticated("authentication failed"))
            }
        }
    }

    /// The role, if it may log in and `password` is its password.
    async fn check_password(&self, role: String, password: String) -> Option<String> {
        let found = self.db.role(&role).filter(|r| r.login)?;
        let key = {
            use ring::digest::{Context, SHA256};
            let mut digest = Context::new(&SHA256);
            for part in [
                role.as_bytes(),
                password.as_bytes(),
                found.scram.as_deref().unwrap_or_default().as_bytes(),
                found.md5.as_deref().unwrap_or_default().as_bytes(),
            ] {
                digest.update(&(part.len() as u64).to_le_bytes());
                digest.update(part);
            }
            let mut key = [0u8; 32];
            key.copy_from_slice(digest.finish().as_ref());
            key
        };
        if self.checked().contains(&key) {
            return Some(found.name);
        }
        // The key derivation takes milliseconds: off the async threads.
        let name = found.name.clone();
        let matches = tokio::task::spawn_blocking(move || {
            driftdb_sql::session::password_matches(&found, &password)
        })
        .await
        .unwrap_or(false);
        if !matches {
            return None;
        }
        let mut checked = self.checked();
        if checked.len() >= REMEMBERED {
            checked.clear();
        }
        checked.insert(key);
        Some(name)
    }

    /// Records a connection's first call as a role in the audit trail (gRPC has no
    /// sessions: a connection's login is its first authenticated call, and a later call as
    /// another role is another login).
    fn audit_login(&self, peer: &Peer, caller: &Caller, method: &'static str) {
        let role = caller.role.as_deref().unwrap_or(BOOTSTRAP_ROLE);
        {
            let mut audited = peer.audited_role.lock().unwrap_or_else(|e| e.into_inner());
            if audited.as_deref() == Some(role) {
                return;
            }
            *audited = Some(role.to_string());
        }
        let method = if self.method == AuthMethod::Trust {
            "trust"
        } else {
            method
        };
        let tls = if peer.tls { "TLS" } else { "clear text" };
        self.db.audit(
            Event::new(
                Kind::Authentication,
                grpc_origin(caller.address),
                role,
                "login",
                None,
                Ok(()),
            )
            .with_detail(format!("{method}, {tls}")),
        );
    }

    fn checked(&self) -> std::sync::MutexGuard<'_, HashSet<[u8; 32]>> {
        self.checked.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What `request` claims: its `authorization` metadata first, else its client certificate.
fn claim(request: &Request, peer: Option<&Peer>) -> Result<Claim, Status> {
    let Some(header) = request.headers().get(axum::http::header::AUTHORIZATION) else {
        return Ok(match peer.and_then(|p| p.certificate_name.clone()) {
            Some(name) => Claim::Certificate(name),
            None => Claim::Nothing,
        });
    };
    let malformed = || Status::unauthenticated("malformed authorization metadata");
    let text = header.to_str().map_err(|_| malformed())?;
    let (scheme, value) = text.split_once(' ').ok_or_else(malformed)?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Ok(Claim::Token(value.trim().to_string()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(Status::unauthenticated(format!(
            "unsupported authorization scheme \"{scheme}\": use Bearer or Basic"
        )));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (role, password) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Claim::Password {
        role: role.to_string(),
        password: password.to_string(),
    })
}

/// The middleware: every call but the health service's gets its [`Caller`], or is refused.
pub(crate) async fn authenticate(
    State(auth): State<Arc<Authenticator>>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/grpc.health.v1.Health/") {
        return next.run(request).await;
    }
    let peer = request.extensions().get::<Peer>();
    let addr = peer.and_then(|p| p.addr);
    let claim = match claim(&request, peer) {
        Ok(claim) => claim,
        Err(status) => return status.into_http(),
    };
    let (_, method) = claim.describe();
    match auth.caller(claim, addr).await {
        Ok(caller) => {
            if let Some(peer) = peer {
                auth.audit_login(peer, &caller, method);
            }
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(status) => status.into_http(),
    }
}
