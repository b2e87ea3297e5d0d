//! The Rust client for DriftDB's broker.
//!
//! Connect once with [`Client::connect`]; the connection is shared by the three roles:
//!
//! - [`Admin`]: create, delete, list and describe topics.
//! - [`Producer`]: batches records per partition (linger and size limits), retries only on
//!   retryable status codes, and is idempotent by default, so a retried batch is written once.
//! - [`Consumer`]: fetch by offset, resolve offsets from time, read all records of a key, and
//!   subscribe to a partition (replay, then follow live appends).
//! - [`Tables`]: follow a SQL table's changes (inserts, updates, deletes with the row before
//!   and after), from a sequence or a time, then live.
//!
//! ```no_run
//! use driftdb_client::{Client, ProducerConfig, ProducerRecord, Start, TopicConfig};
//!
//! # async fn example() -> Result<(), driftdb_client::Error> {
//! let client = Client::connect("http://127.0.0.1:50051").await?;
//! client
//!     .admin()
//!     .create_topic("orders", TopicConfig { partitions: 3, ..Default::default() })
//!     .await?;
//!
//! let producer = client.producer(ProducerConfig::default());
//! let ack = producer
//!     .send("orders", ProducerRecord::new("placed").key("order-42").header("type", "OrderPlaced"))
//!     .await?;
//! producer.close().await?;
//!
//! let mut events = client.consumer().subscribe("orders", ack.partition, Start::Earliest).await?;
//! while let Some(record) = events.next().await? {
//!     println!("{} {:?}", record.offset, record.value);
//! #   break;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! An `https://` address connects in TLS; [`Client::connect_with`] takes the CA to trust, a
//! client certificate for brokers that verify clients, and the role and password a broker
//! under `--auth scram-sha-256` checks ([`Credentials`]).
//!
//! Errors are [`Error`]; [`Error::is_retryable`] tells whether the same request may succeed
//! later. The producer already retries those itself.

mod access;
mod admin;
mod consumer;
mod error;
mod group;
mod producer;
mod tables;

use std::time::Duration;

use driftdb_proto::MAX_MESSAGE_BYTES;
use driftdb_proto::v1::admin_service_client::AdminServiceClient;
use driftdb_proto::v1::consume_service_client::ConsumeServiceClient;
use driftdb_proto::v1::group_service_client::GroupServiceClient;
use driftdb_proto::v1::produce_service_client::ProduceServiceClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

pub use access::{AccessTokens, TokenInfo};
pub use admin::Admin;
pub use consumer::{Consumer, Start, Subscription};
pub use driftdb_proto::partition_for_key;
pub use driftdb_proto::v1 as proto;
pub use driftdb_proto::v1::{
    Cleanup, Durability, Header, PartitionDescription, Record, TopicConfig, TopicDescription,
    TopicSummary,
};
pub use error::{Error, Result};
pub use group::{AssignmentStrategy, GroupConfig, GroupConsumer};
pub use producer::{Ack, Producer, ProducerConfig, ProducerRecord};
pub use tables::{TableChanges, TableStart, Tables};
pub use tonic::Code;

/// Keys, values and header values.
pub use tonic::codegen::Bytes;

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection to one broker, shared by [`Admin`], [`Producer`] and [`Consumer`]. Cheap to
/// clone.
#[derive(Debug, Clone)]
pub struct Client {
    transport: Transport,
}

/// The channel every call goes through, with the client's credentials on each call.
pub type Transport = InterceptedService<Channel, Authorization>;

/// How to connect: TLS settings for an `https://` address, and who the client is.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub tls: TlsOptions,
    /// Sent with every call; `None`: none (a server under `--auth trust`, or one that knows
    /// the client by its certificate).
    pub credentials: Option<Credentials>,
}

/// How to reach a broker over TLS (an `https://` address): the CA its certificate must chain
/// to, and a certificate of the client's own for a broker that verifies clients (mutual TLS).
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM CA certificates the broker's certificate must chain to; `None`: the system's
    /// trusted roots.
    pub ca_certificate: Option<Vec<u8>>,
    /// The client's PEM certificate chain and private key.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
}

/// Who the client is to a broker that checks (`--auth scram-sha-256` or `md5`).
#[derive(Clone)]
pub enum Credentials {
    /// A role and its SQL password (`CREATE ROLE ... LOGIN PASSWORD`), sent with each call as
    /// `authorization: Basic` metadata: use TLS.
    Password { role: String, password: String },
    /// An access token made for a role (`driftdb token create`), sent with each call as
    /// `authorization: Bearer` metadata: use TLS.
    Token(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Password { role, .. } => f
                .debug_struct("Password")
                .field("role", role)
                .finish_non_exhaustive(),
            Credentials::Token(_) => f.write_str("Token(..)"),
        }
    }
}

/// Adds the client's `authorization` metadata to each call.
#[derive(Debug, Clone, Default)]
pub struct Authorization(Option<MetadataValue<Ascii>>);

impl Authorization {
    fn of(credentials: Option<&Credentials>) -> Result<Authorization> {
        let Some(credentials) = credentials else {
            return Ok(Authorization(None));
        };
        let value = match credentials {
            Credentials::Password { role, password } => {
                if role.contains(':') {
                    return Err(Error::InvalidArgument(format!(
                        "a role name with a colon ({role:?}) cannot log in with a password"
                    )));
                }
                use base64::Engine as _;
                let pair =
                    base64::engine::general_purpose::STANDARD.encode(format!("{role}:{password}"));
                format!("Basic {pair}")
            }
            Credentials::Token(token) => format!("Bearer {token}"),
        };
        let mut value = MetadataValue::try_from(value)
            .map_err(|_| Error::InvalidArgument("credentials that no metadata can carry".into()))?;
        value.set_sensitive(true);
        Ok(Authorization(Some(value)))
    }
}

impl Interceptor for Authorization {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

impl Client {
    /// Connects to a broker at `url`, such as `http://127.0.0.1:50051`, or
    /// `https://broker:50051` in TLS with the system's trusted roots.
    pub async fn connect(url: impl Into<String>) -> Result<Client> {
        Client::connect_with(url, ConnectOptions::default()).await
    }

    /// Connects to a broker at `url` with `options`: an `https://` one in TLS with
    /// `options.tls`, and every call with `options.credentials`.
    pub async fn connect_with(url: impl Into<String>, options: ConnectOptions) -> Result<Client> {
        let url = url.into();
        let invalid = |e: &dyn std::fmt::Display| {
            Error::InvalidArgument(format!("invalid server address {url:?}: {e}"))
        };
        let authorization = Authorization::of(options.credentials.as_ref())?;
        let tls = options.tls;
        let mut endpoint = Endpoint::from_shared(url.clone())
            .map_err(|e| invalid(&e))?
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true);
        if endpoint.uri().scheme_str() == Some("https") {
            let mut config = match tls.ca_certificate {
                Some(pem) => ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)),
                None => ClientTlsConfig::new().with_native_roots(),
            };
            if let Some((certificate, key)) = tls.identity {
                config = config.identity(Identity::from_pem(certificate, key));
            }
            endpoint = endpoint.tls_config(config).map_err(|e| invalid(&e))?;
        } else if tls.ca_certificate.is_some() || tls.identity.is_some() {
            return Err(Error::InvalidArgument(format!(
                "TLS settings were given for {url:?}, which is not an https:// address"
            )));
        }
        let channel = endpoint
            .connect()
            .await
            .map_err(|source| Error::Connect { url, source })?;
        Ok(Client {
            transport: InterceptedService::new(channel, authorization),
        })
    }

    pub fn admin(&self) -> Admin {
        Admin::new(self.admin_client())
    }

    /// A producer with its own batching task. Call [`Producer::close`] to flush it.
    pub fn producer(&self, config: ProducerConfig) -> Producer {
        Producer::new(self.produce_client(), self.admin_client(), config)
    }

    pub fn consumer(&self) -> Consumer {
        Consumer::new(self.consume_client())
    }

    /// The broker's access tokens (a superuser's to manage).
    pub fn access_tokens(&self) -> AccessTokens {
        AccessTokens::new(
            driftdb_proto::v1::token_service_client::TokenServiceClient::new(self.channel()),
        )
    }

    pub fn tables(&self) -> Tables {
        Tables::new(
            driftdb_proto::v1::table_service_client::TableServiceClient::new(self.channel())
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
    }

    /// The underlying channel, with the client's credentials, for calling the generated
    /// [`proto`] clients directly (for example to send a hand-built `ProduceRequest`).
    pub fn channel(&self) -> Transport {
        self.transport.clone()
    }

    fn admin_client(&self) -> AdminServiceClient<Transport> {
        AdminServiceClient::new(self.channel())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    fn produce_client(&self) -> ProduceServiceClient<Transport> {
        ProduceServiceClient::new(self.channel())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    pub(crate) fn group_client(&self) -> GroupServiceClient<Transport> {
        GroupServiceClient::new(self.channel())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    pub(crate) fn consume_client(&self) -> ConsumeServiceClient<Transport> {
        ConsumeServiceClient::new(self.channel())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }
}
