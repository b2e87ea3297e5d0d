//! `driftdb-pg`: the PostgreSQL wire protocol server (on the `pgwire` crate), through which
//! `psql`, drivers and ORMs reach the SQL database of the server's data directory. It knows
//! the protocol; what a statement means is `driftdb-sql`'s, and `driftdb-server` starts it
//! ([`serve`]) beside the gRPC and HTTP ports.
//!
//! Each connection owns one [`Session`], so transactions span statements and messages. The
//! parts: startup with TLS and authentication (`auth`: trust, SCRAM-SHA-256 or MD5 against
//! the roles in the ledger); the simple query protocol (here: a `Query` message's statements
//! run in order until the first error) and the extended one (`extended`: prepared
//! statements with parameters, text and binary formats); `COPY` (`copy`); cancel requests
//! (`cancel`); and the connection limit. Results carry each column's PostgreSQL type;
//! command tags and the transaction status in ReadyForQuery (`I`, `T`, `E`, taken from the
//! session) follow PostgreSQL; errors carry their SQLSTATE and, for syntax errors, the
//! position; notices go out as NoticeResponse.

mod auth;
mod cancel;
mod copy;
mod extended;
#[doc(hidden)]
pub mod fuzz;
mod pipeline;
pub mod throttle;
pub mod tls;
mod unflushed;

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
pub use auth::AuthMethod;
use driftdb_sql::SqlState;
use driftdb_sql::{CommandTag, Database, Outcome, Session, TransactionStatus};
use futures::{Sink, SinkExt};
use pgwire::api::auth::StartupHandler;
use pgwire::api::cancel::CancelHandler;
use pgwire::api::copy::CopyHandler;
use pgwire::api::portal::Format;
use pgwire::api::query::{
    ExtendedQueryHandler, SimpleQueryHandler, send_execution_response, send_query_response,
    send_ready_for_query,
};
use pgwire::api::results::{Response, Tag};
use pgwire::api::store::PortalStore;
use pgwire::api::{
    ClientInfo, ClientPortalStore, ErrorHandler, PgWireConnectionState, PgWireServerHandlers, Type,
};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::response::EmptyQueryResponse;
use pgwire::messages::simplequery::Query;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, MutexGuard, watch};

/// How the PostgreSQL port treats connections.
#[derive(Clone)]
#[allow(missing_debug_implementations)] // rustls's acceptor has no Debug.
pub struct Options {
    /// TLS for clients that ask for it (`SSLRequest`), from `--tls-cert` and `--tls-key`.
    pub tls: Option<tls::Tls>,
    /// Refuse connections that did not set up TLS (`--require-tls`).
    pub require_tls: bool,
    /// How connections prove who they are (`--auth`).
    pub auth: AuthMethod,
    /// Failed logins per address, shared with the other ports that check passwords.
    pub throttle: Arc<throttle::LoginThrottle>,
    /// How many connections may be open at once (`--max-connections`); more are refused.
    pub slots: Slots,
    /// The most memory one connection's statement may hold (`--connection-memory-mb`); see
    /// [`Session::set_memory_limit`].
    pub connection_memory: Option<usize>,
}

/// Open connections, a gauge sampled at each scrape of `/metrics`.
pub const CONNECTIONS: &str = "driftdb_pg_connections";
/// Connections refused because `--max-connections` were open.
pub const CONNECTIONS_REFUSED: &str = "driftdb_pg_connections_refused_total";

/// Describes the PostgreSQL port's metrics.
pub fn describe_metrics() {
    metrics::describe_gauge!(CONNECTIONS, "PostgreSQL connections open");
    metrics::describe_counter!(
        CONNECTIONS_REFUSED,
        "PostgreSQL connections refused because --max-connections were open"
    );
}

/// The PostgreSQL port's connection slots (`--max-connections`), shared with `/metrics`.
#[derive(Debug, Clone)]
pub struct Slots {
    limit: usize,
    free: Arc<tokio::sync::Semaphore>,
}

impl Slots {
    /// `limit` slots (at least one).
    pub fn new(limit: usize) -> Slots {
        let limit = limit.max(1);
        Slots {
            limit,
            free: Arc::new(tokio::sync::Semaphore::new(limit)),
        }
    }

    /// How many connections hold a slot now.
    pub fn open(&self) -> usize {
        self.limit - self.free.available_permits()
    }

    /// Sets the connection gauge to what is open now.
    pub fn publish_metrics(&self) {
        metrics::gauge!(CONNECTIONS).set(self.open() as f64);
    }
}

/// A connection over `--max-connections`: refused as PostgreSQL refuses it (FATAL 53300,
/// after answering an SSLRequest with `N`), unless it is a cancel request, which needs no
/// session and is served, so a full server can still be told to stop a query.
async fn refuse(mut socket: tokio::net::TcpStream, cancels: Arc<cancel::Cancels>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const SSL_REQUEST: u32 = 80_877_103;
    const CANCEL_REQUEST: u32 = 80_877_102;
    let exchange = async {
        loop {
            let len = socket.read_u32().await?;
            let code = socket.read_u32().await?;
            match (len, code) {
                (8, SSL_REQUEST) => socket.write_all(b"N").await?,
                (16, CANCEL_REQUEST) => {
                    let pid = socket.read_i32().await?;
                    let key = socket.read_i32().await?;
                    cancels.cancel(pid, key);
                    return Ok(());
                }
                _ => break,
            }
        }
        let mut body = Vec::new();
        for (field, value) in [
            (b'S', "FATAL"),
            (b'V', "FATAL"),
            (b'C', SqlState::TOO_MANY_CONNECTIONS.code()),
            (b'M', "sorry, too many clients already"),
        ] {
            body.push(field);
            body.extend_from_slice(value.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut message = vec![b'E'];
        message.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
        message.extend_from_slice(&body);
        socket.write_all(&message).await?;
        socket.shutdown().await
    };
    // A client that sends nothing is not waited for.
    let _: Result<std::io::Result<()>, _> =
        tokio::time::timeout(std::time::Duration::from_secs(10), exchange).await;
}

/// Accepts connections until `stop` turns true; each gets its own session.
pub async fn serve(
    listener: TcpListener,
    db: Database,
    options: Options,
    mut stop: watch::Receiver<bool>,
) {
    // Cancel requests come on connections of their own, keyed by the process id and
    // secret key each session was given at startup.
    let cancels = Arc::new(cancel::Cancels::default());
    let authenticator = Arc::new(auth::Authenticator::new(
        options.auth,
        db.clone(),
        Arc::clone(&options.throttle),
    ));
    let slots = Arc::clone(&options.slots.free);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, peer)) => {
                    if let Err(e) = socket.set_nodelay(true) {
                        tracing::warn!(%peer, error = %e, "cannot set TCP_NODELAY");
                    }
                    let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                        metrics::counter!(CONNECTIONS_REFUSED).increment(1);
                        tokio::spawn(refuse(socket, Arc::clone(&cancels)));
                        continue;
                    };
                    let mut session = db.session();
                    session.set_origin(driftdb_sql::audit::Origin {
                        port: driftdb_sql::audit::Port::Postgresql,
                        address: Some(peer.ip()),
                    });
                    if let Some(limit) = options.connection_memory
                        && let Err(e) = session.set_memory_limit(limit)
                    {
                        tracing::error!(%peer, error = %e, "cannot set up the connection's memory pool");
                        continue;
                    }
                    let session = Arc::new(Mutex::new(session));
                    let connection = Arc::new(Connection {
                        parser: Arc::new(extended::Parser {
                            session: Arc::clone(&session),
                        }),
                        session,
                        cancels: Arc::clone(&cancels),
                        registration: std::sync::OnceLock::new(),
                        require_tls: options.require_tls,
                        auth: Arc::clone(&authenticator),
                        held: std::sync::Mutex::new(None),
                        binary_in: std::sync::Mutex::new(None),
                    });
                    let tls = options.tls.as_ref().map(|tls| tls.acceptor(tls::Port::Postgres));
                    tokio::spawn(async move {
                        if let Err(e) = pgwire::tokio::process_socket(socket, tls, Handlers(connection)).await {
                            tracing::debug!(%peer, error = %e, "PostgreSQL connection ended with an error");
                        }
                        drop(permit);
                    });
                }
                Err(e) => tracing::warn!(error = %e, "accepting a PostgreSQL connection failed"),
            },
            _ = stop.changed() => {
                if *stop.borrow() {
                    return;
                }
            }
        }
    }
}

/// One client connection: its session.
struct Connection {
    session: Arc<Mutex<Session>>,
    parser: Arc<extended::Parser>,
    cancels: Arc<cancel::Cancels>,
    /// Set once startup gave the session its cancel key.
    registration: std::sync::OnceLock<cancel::Registration>,
    /// Refuse the connection unless it set up TLS.
    require_tls: bool,
    auth: Arc<auth::Authenticator>,
    /// A pipeline's first row write, waiting for the next message (`pipeline.rs`).
    held: std::sync::Mutex<Option<pipeline::Held>>,
    /// The binary `COPY ... FROM STDIN` being read (`copy.rs`).
    binary_in: copy::BinaryIn,
}

impl Connection {
    /// Locks the session for one message's statements, armed so that a cancel request
    /// for this connection stops them (SQLSTATE 57014).
    async fn session_for_query(&self) -> MutexGuard<'_, Session> {
        let mut session = self.session.lock().await;
        if let Some(registration) = self.registration.get() {
            session.interrupt_on(registration.next_cancel());
        }
        session
    }
}

struct Handlers(Arc<Connection>);

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        Arc::clone(&self.0)
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        Arc::clone(&self.0)
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        Arc::clone(&self.0)
    }

    fn copy_handler(&self) -> Arc<impl CopyHandler> {
        Arc::clone(&self.0)
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        Arc::clone(&self.0.cancels)
    }

    fn error_handler(&self) -> Arc<impl ErrorHandler> {
        Arc::clone(&self.0)
    }
}

impl ErrorHandler for Connection {
    /// Every error aborts the open transaction, the implicit block of a pipeline too, as
    /// in PostgreSQL (a Bind whose parameters do not decode, say).
    fn on_error<C: ClientInfo>(&self, _client: &C, _error: &mut PgWireError) {
        // Nothing holds the session between messages.
        if let Ok(mut session) = self.session.try_lock() {
            session.abort_transaction();
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for Connection {
    /// pgwire's flow for a Query message, except that ReadyForQuery reports the session's
    /// own transaction status: pgwire can only infer it from the kinds of responses, and
    /// never leaves the failed state for `ROLLBACK TO SAVEPOINT`, which does.
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.release(client).await?;
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        if query.query.chars().all(|c| c == ';' || c.is_whitespace()) {
            client
                .feed(PgWireBackendMessage::EmptyQueryResponse(
                    EmptyQueryResponse::new(),
                ))
                .await?;
        } else {
            for response in SimpleQueryHandler::do_query(self, client, &query.query).await? {
                match response {
                    Response::EmptyQuery => {
                        client
                            .feed(PgWireBackendMessage::EmptyQueryResponse(
                                EmptyQueryResponse::new(),
                            ))
                            .await?;
                    }
                    Response::Query(rows) => send_query_response(client, rows, true).await?,
                    Response::Execution(tag)
                    | Response::TransactionStart(tag)
                    | Response::TransactionEnd(tag) => {
                        send_execution_response(client, tag).await?;
                    }
                    Response::Error(e) => {
                        client
                            .feed(PgWireBackendMessage::ErrorResponse((*e).into()))
                            .await?;
                    }
                    Response::CopyIn(copy) => {
                        pgwire::api::copy::send_copy_in_response(client, copy).await?;
                        client.set_state(PgWireConnectionState::CopyInProgress(false));
                    }
                    Response::CopyOut(copy) => {
                        pgwire::api::copy::send_copy_out_response(client, copy).await?;
                    }
                    Response::CopyBoth(_) => {
                        return Err(PgWireError::ApiError("COPY BOTH is not served".into()));
                    }
                }
            }
        }
        let status = copy::wire_status(self.session.lock().await.transaction_status());
        client.set_transaction_status(status);
        // During COPY FROM STDIN, ReadyForQuery waits for the data (see `copy`).
        if !matches!(client.state(), PgWireConnectionState::CopyInProgress(_)) {
            client.set_state(PgWireConnectionState::ReadyForQuery);
            send_ready_for_query(client, status).await?;
        }
        Ok(())
    }

    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut session = self.session_for_query().await;
        let statements = match session.parse(query) {
            Ok(statements) => statements,
            Err(e) => return Ok(vec![error(&e)]),
        };
        // The client sends COPY data after the whole message is answered: a COPY FROM
        // STDIN can only come last.
        if let Some((_, earlier)) = statements.split_last()
            && earlier
                .iter()
                .any(driftdb_sql::Statement::is_copy_from_stdin)
        {
            return Ok(vec![error(&driftdb_sql::Error::Unsupported {
                message: "COPY FROM STDIN followed by more statements in one query string; send them separately".to_string(),
                position: None,
            })]);
        }
        // Several statements are one implicit block, as in PostgreSQL, unless one of them
        // cannot run in a block (ALTER TABLE, VACUUM ...): then each commits on its own.
        let implicit =
            session.in_implicit_block() || driftdb_sql::forms_implicit_block(&statements);
        let mut responses = Vec::with_capacity(statements.len());
        let mut failed = false;
        for statement in statements {
            if implicit {
                // Again after a COMMIT among them: the rest form a new block.
                session.begin_implicit();
            }
            let before = session.transaction_status();
            match session.execute_statement(statement).await {
                Ok(outcome) => {
                    let after = session.transaction_status();
                    send_notices(client, &outcome).await?;
                    if let Some(mode) = outcome.copy.clone() {
                        let first = responses.is_empty();
                        responses.push(
                            copy::copy_response(&self.binary_in, client, outcome, mode, first)
                                .await?,
                        );
                        continue;
                    }
                    responses.push(response(outcome, before, after)?);
                }
                Err(e) => {
                    responses.push(error(&e));
                    failed = true;
                    break;
                }
            }
        }
        if let Err(e) = session.end_implicit(failed) {
            responses.push(error(&e));
        }
        Ok(responses)
    }
}

/// The statement's notices and warnings, as NoticeResponse messages. They go out at once,
/// ahead of results still queued from earlier statements of the same Query message.
async fn send_notices<C>(client: &mut C, outcome: &Outcome) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    for notice in &outcome.notices {
        let info = ErrorInfo::new(
            notice.severity.to_string(),
            notice.sqlstate.code().to_string(),
            notice.message.clone(),
        );
        client
            .send(PgWireBackendMessage::NoticeResponse(info.into()))
            .await?;
    }
    Ok(())
}

/// A statement's outcome as pgwire responses: rows, or a command tag that also moves the
/// transaction status pgwire reports in ReadyForQuery.
fn response(
    outcome: Outcome,
    before: TransactionStatus,
    after: TransactionStatus,
) -> PgWireResult<Response> {
    if outcome.rows.is_some() {
        return extended::rows_response(outcome, &Format::UnifiedText);
    }
    let tag = tag(&outcome.tag);
    Ok(match (before, after) {
        (TransactionStatus::Idle, TransactionStatus::InTransaction) => {
            Response::TransactionStart(tag)
        }
        (TransactionStatus::InTransaction | TransactionStatus::Failed, TransactionStatus::Idle) => {
            Response::TransactionEnd(tag)
        }
        _ => Response::Execution(tag),
    })
}

/// `INSERT 0 3` → tag `INSERT`, oid 0, 3 rows; `UPDATE 2`; `CREATE TABLE`.
fn tag(tag: &CommandTag) -> Tag {
    let command = Tag::new(tag.command());
    match tag.row_count() {
        // PostgreSQL's INSERT tag still carries an oid, always 0.
        Some(rows) if tag.command() == "INSERT" => command.with_oid(0).with_rows(rows),
        Some(rows) => command.with_rows(rows),
        None => command,
    }
}

/// An SQL error as an ErrorResponse: severity, SQLSTATE, message, detail and position.
fn error(e: &driftdb_sql::Error) -> Response {
    let mut info = ErrorInfo::new("ERROR".to_string(), e.sqlstate().to_string(), e.to_string());
    info.position = e.position().map(|p| p.to_string());
    info.detail = e.detail().map(str::to_string);
    Response::Error(Box::new(info))
}

/// An SQL error as a pgwire error, for handlers that return one.
fn user_error(e: &driftdb_sql::Error) -> PgWireError {
    match error(e) {
        Response::Error(info) => PgWireError::UserError(info),
        _ => PgWireError::ApiError("an error that is not an error".into()),
    }
}

/// The PostgreSQL type a result column is sent as: the registry's
/// ([`driftdb_sql::pg_types::of_field`]), which the catalogs and `pg_typeof` also give.
fn field_type(field: &datafusion::arrow::datatypes::Field) -> Type {
    let oid = driftdb_sql::pg_types::of_field(field).oid;
    Type::from_oid(oid).unwrap_or(Type::TEXT)
}

/// The length of a value of type `t` (`typlen`) as RowDescription gives it: bytes, or -1
/// for a variable length.
fn type_length(t: &Type) -> i16 {
    driftdb_sql::pg_types::PgType::by_oid(t.oid()).map_or(-1, |t| t.length)
}
