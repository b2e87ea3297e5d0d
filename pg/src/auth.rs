//! Authentication: who a connection is. `--auth trust` (the default, for a local server)
//! lets anyone in: as the role of their user name if one exists (and may log in), else as
//! the bootstrap superuser. `--auth scram-sha-256` and `--auth md5` check the password of a
//! role made with `CREATE ROLE ... LOGIN PASSWORD '...'` (or `CREATE USER`), against the
//! SCRAM verifier or MD5 hash the ledger keeps; the session then runs as that role. A
//! failure says only "password authentication failed" (28P01), whether the role exists or
//! not, as PostgreSQL does, and is delayed when its address failed repeatedly
//! ([`crate::throttle`]). `--require-tls` is checked before any of it.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use driftdb_sql::Database;
use driftdb_sql::SqlState;
use futures::Sink;
use pgwire::api::ClientInfo;
use pgwire::api::auth::md5pass::Md5PasswordAuth;
use pgwire::api::auth::mechanism::AuthMechanismFactory;
use pgwire::api::auth::sasl::SaslMechanisms;
use pgwire::api::auth::sasl::scram::{ScramAuth, ScramSecret};
use pgwire::api::auth::{
    AuthDriver, AuthOutcome, AuthSource, DefaultServerParameterProvider, LoginInfo, Password,
    StartupHandler, protocol_negotiation, save_startup_parameters_to_metadata,
};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};

use super::Connection;
use crate::throttle::LoginThrottle;

/// How connections prove who they are (`--auth`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMethod {
    /// Anyone connects, with no password.
    #[default]
    Trust,
    /// SCRAM-SHA-256 challenge and response, as PostgreSQL's default.
    #[value(name = "scram-sha-256")]
    ScramSha256,
    /// MD5 challenge and response (weaker; for old clients).
    Md5,
}

/// The authentication machinery shared by every connection.
pub struct Authenticator {
    method: AuthMethod,
    db: Database,
    throttle: Arc<LoginThrottle>,
    driver: AuthDriver<DefaultServerParameterProvider>,
    scram: Arc<dyn AuthMechanismFactory>,
    md5: Arc<dyn AuthMechanismFactory>,
}

impl Authenticator {
    pub fn new(method: AuthMethod, db: Database, throttle: Arc<LoginThrottle>) -> Authenticator {
        let roles = Arc::new(Roles { db: db.clone() });
        Authenticator {
            method,
            driver: AuthDriver::new(server_parameters()),
            scram: Arc::new(SaslMechanisms::new(vec![Arc::new(ScramAuth::new(
                Arc::clone(&roles) as Arc<dyn AuthSource>,
            ))])),
            md5: Arc::new(Md5PasswordAuth::new(roles)),
            db,
            throttle,
        }
    }
}

impl Authenticator {
    /// Records a login of `role` from `client` in the audit trail, how it proved itself, and
    /// its outcome.
    fn audit<C: ClientInfo>(&self, client: &C, role: &str, outcome: Result<(), String>) {
        use driftdb_sql::audit::{Event, Kind, Origin, Port};
        let origin = Origin {
            port: Port::Postgresql,
            address: Some(client.socket_addr().ip()),
        };
        let method = match self.method {
            AuthMethod::Trust => "trust",
            AuthMethod::ScramSha256 => "scram-sha-256",
            AuthMethod::Md5 => "md5",
        };
        let tls = if client.is_secure() {
            "TLS"
        } else {
            "clear text"
        };
        self.db.audit(
            Event::new(Kind::Authentication, origin, role, "login", None, outcome)
                .with_detail(format!("{method}, {tls}")),
        );
    }
}

/// The parameters every client is sent at start-up: pgwire's, with DriftDB's
/// `server_version` (pgwire's own names a PostgreSQL DriftDB does not follow).
fn server_parameters() -> DefaultServerParameterProvider {
    let mut parameters = DefaultServerParameterProvider::default();
    parameters.server_version = driftdb_sql::SERVER_VERSION.to_string();
    parameters
}

/// The roles in the ledger, as pgwire's password source.
#[derive(Debug)]
struct Roles {
    db: Database,
}

impl Roles {
    /// The role of `login`, if it exists and may log in; a failed login otherwise.
    fn role(&self, login: &LoginInfo) -> PgWireResult<driftdb_projector::security::Role> {
        let user = login.user().unwrap_or_default();
        let failed = || PgWireError::InvalidPassword(user.to_string());
        self.db.role(user).filter(|r| r.login).ok_or_else(failed)
    }
}

#[async_trait]
impl AuthSource for Roles {
    /// For md5: the response the client must send for a fresh salt.
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let role = self.role(login)?;
        let failed = || PgWireError::InvalidPassword(role.name.clone());
        let salt: [u8; 4] = driftdb_sql::session::random_bytes().map_err(|_| failed())?;
        let expected = role
            .md5
            .as_deref()
            .and_then(|stored| driftdb_sql::session::md5_response(stored, &salt))
            .ok_or_else(failed)?;
        Ok(Password::new(Some(salt.to_vec()), expected.into_bytes()))
    }

    async fn get_scram_secret(&self, login: &LoginInfo) -> PgWireResult<(ScramSecret, Option<()>)> {
        let role = self.role(login)?;
        let verifier = role
            .scram
            .as_deref()
            .and_then(driftdb_sql::session::parse_scram_verifier)
            .ok_or_else(|| PgWireError::InvalidPassword(role.name.clone()))?;
        Ok((
            ScramSecret::Verifier {
                salt: verifier.salt,
                iterations: verifier.iterations,
                stored_key: verifier.stored_key,
                server_key: verifier.server_key,
            },
            None,
        ))
    }
}

/// Any failed password check, as PostgreSQL words it (the same whether the role exists,
/// may log in, or gave the wrong password), after the delay the throttle gives its address;
/// other errors as they are.
async fn login_failed<C: ClientInfo>(
    e: PgWireError,
    user: &str,
    client: &C,
    auth: &Authenticator,
) -> PgWireError {
    match e {
        PgWireError::InvalidPassword(_)
        | PgWireError::InvalidScramMessage(_)
        | PgWireError::UnsupportedSASLAuthMethod(_) => {
            auth.audit(
                client,
                user,
                Err("password authentication failed".to_string()),
            );
            let delay = auth
                .throttle
                .failed("postgresql", Some(client.socket_addr().ip()));
            tokio::time::sleep(delay).await;
            fatal(
                SqlState::INVALID_PASSWORD,
                format!("password authentication failed for user \"{user}\""),
            )
        }
        other => other,
    }
}

fn fatal(sqlstate: SqlState, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".to_string(),
        sqlstate.to_string(),
        message,
    )))
}

#[async_trait]
impl StartupHandler for Connection {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let auth = &self.auth;
        match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                let user = client.metadata().get("user").cloned().unwrap_or_default();
                if self.require_tls && !client.is_secure() {
                    auth.audit(
                        client,
                        &user,
                        Err("clear text refused: TLS required".to_string()),
                    );
                    // PostgreSQL's answer when pg_hba.conf has only `hostssl` lines.
                    return Err(fatal(
                        SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                        format!(
                            "no encrypted connection from host \"{}\": this server requires TLS (connect with sslmode=require)",
                            client.socket_addr().ip()
                        ),
                    ));
                }
                match auth.method {
                    AuthMethod::Trust => {
                        let role = match auth.db.role(&user) {
                            Some(role) if !role.login => {
                                auth.audit(client, &user, Err("role may not log in".to_string()));
                                return Err(fatal(
                                    SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                                    format!("role \"{user}\" is not permitted to log in"),
                                ));
                            }
                            Some(role) => Some(role.name),
                            None => None,
                        };
                        let acting = role
                            .as_deref()
                            .unwrap_or(driftdb_sql::session::BOOTSTRAP_ROLE);
                        auth.audit(client, acting, Ok(()));
                        self.session.lock().await.set_role(role);
                        auth.driver.complete_authentication(client, None).await?;
                        self.registered(client);
                    }
                    AuthMethod::ScramSha256 | AuthMethod::Md5 => {
                        let factory = match auth.method {
                            AuthMethod::Md5 => &auth.md5,
                            _ => &auth.scram,
                        };
                        let outcome = match auth
                            .driver
                            .begin_authentication(client, factory.create())
                            .await
                        {
                            Ok(outcome) => outcome,
                            Err(e) => return Err(login_failed(e, &user, client, auth).await),
                        };
                        if let AuthOutcome::Authenticated { final_message, .. } = outcome {
                            self.authenticated(client, final_message).await?;
                        }
                    }
                }
            }
            PgWireFrontendMessage::PasswordMessageFamily(message) => {
                let user = client.metadata().get("user").cloned().unwrap_or_default();
                let outcome = match auth.driver.advance_authentication(client, message).await {
                    Ok(outcome) => outcome,
                    Err(e) => return Err(login_failed(e, &user, client, auth).await),
                };
                if let AuthOutcome::Authenticated { final_message, .. } = outcome {
                    self.authenticated(client, final_message).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl Connection {
    /// The password checked out: the session runs as the role, and startup completes.
    async fn authenticated<C>(
        &self,
        client: &mut C,
        final_message: Option<pgwire::messages::startup::Authentication>,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let user = client.metadata().get("user").cloned().unwrap_or_default();
        self.auth.audit(client, &user, Ok(()));
        self.session.lock().await.set_role(Some(user));
        self.auth
            .driver
            .complete_authentication(client, final_message)
            .await?;
        self.registered(client);
        Ok(())
    }

    /// Registers the connection for cancel requests under the key startup gave it.
    fn registered<C: ClientInfo>(&self, client: &C) {
        let (pid, secret) = client.pid_and_secret_key();
        // Startup completes once per connection, so the cell is always empty here.
        let _ = self.registration.set(self.cancels.register(pid, &secret));
    }
}
