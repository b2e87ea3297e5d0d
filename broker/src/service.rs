//! The broker's gRPC service: `driftdb.v1` Admin, Produce and Consume over a [`Log`], plus the
//! standard health and reflection services.
//!
//! The service is a thin translation layer. Each handler converts the request into log types
//! ([`convert`]), runs the log call on tokio's blocking pool (appends wait for fsync, reads may
//! touch the disk, and neither may stall the async workers), and converts the answer back.
//! Every failure leaves through [`status`], the one mapping from the broker's [`Error`] to gRPC
//! status codes; request validation done here produces [`Error::InvalidArgument`] so it goes
//! through the same table.
//!
//! Subscriptions ([`subscribe`]) run one task per stream that reads from the partition and
//! sleeps on the partition's end-offset watch channel when caught up, so a live append wakes
//! the subscriber without polling. The task hands batches to the stream through a bounded
//! channel: a subscriber that reads slowly stops the task at `send`, so the broker holds at
//! most [`SUBSCRIBER_BUFFER`] batches for it.
//!
//! [`Handle::begin_shutdown`] marks the services not serving in the health service and ends
//! every subscription with `UNAVAILABLE`, so a graceful server shutdown is not held open by
//! streams that never finish on their own.

mod admin;
pub mod authorize;
mod consume;
mod convert;
pub mod group;
mod produce;
pub mod status;
mod subscribe;

use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use driftdb_proto::MAX_MESSAGE_BYTES;
use driftdb_proto::v1::admin_service_server::AdminServiceServer;
use driftdb_proto::v1::consume_service_server::ConsumeServiceServer;
use driftdb_proto::v1::produce_service_server::ProduceServiceServer;
use tokio::sync::watch;
use tonic::Status;
use tonic::service::Routes;
use tonic_health::server::HealthReporter;

use crate::error::{Error, Result};
use crate::log::{Log, Partition};
use crate::service::authorize::{Authorizer, Permit};
use crate::service::status::status;

/// Batches a subscription may have read ahead of its subscriber.
pub const SUBSCRIBER_BUFFER: usize = 4;

/// Default and largest bytes per fetch response or subscription message.
const DEFAULT_MAX_BYTES: usize = 1 << 20;
const LIMIT_MAX_BYTES: usize = 16 << 20;
/// Default and largest records per fetch response or subscription message.
const DEFAULT_MAX_RECORDS: usize = 1000;
const LIMIT_MAX_RECORDS: usize = 100_000;

/// The state every handler shares. Cloned into each generated tonic server.
#[derive(Debug, Clone)]
pub struct Broker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    log: Arc<Log>,
    /// Flips to `true` when the server begins shutting down.
    shutdown: watch::Receiver<bool>,
    /// Next partition for batches that name neither a partition nor a key.
    round_robin: AtomicU32,
    /// Bumped after each topic deletion, so subscriptions waiting on a deleted partition end.
    deletions: watch::Sender<u64>,
    /// Who may do what; `None`: everyone anything.
    authorizer: Option<Arc<dyn Authorizer>>,
}

/// Lets the server drain the service on shutdown.
#[derive(Debug)]
pub struct Handle {
    health: HealthReporter,
    shutdown: watch::Sender<bool>,
}

impl Handle {
    /// Reports every service as not serving and ends all subscriptions. In-flight unary calls
    /// (appends waiting for fsync) still complete.
    pub async fn begin_shutdown(&self) {
        self.health
            .set_not_serving::<AdminServiceServer<Broker>>()
            .await;
        self.health
            .set_not_serving::<ProduceServiceServer<Broker>>()
            .await;
        self.health
            .set_not_serving::<ConsumeServiceServer<Broker>>()
            .await;
        self.health
            .set_service_status("", tonic_health::ServingStatus::NotServing)
            .await;
        // Nobody listening means no subscription is open, which is fine.
        let _ = self.shutdown.send(true);
    }
}

/// Why the service could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("building the gRPC reflection service failed: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("opening the consumer-group offset store failed: {0}")]
    Groups(#[from] Error),
}

/// Builds every gRPC service the broker serves over `log`: Admin, Produce, Consume, Group,
/// health (all reported serving) and reflection. With an `authorizer`, every call of the
/// first four must carry a [`authorize::Caller`] that it allows.
pub async fn routes(
    log: Arc<Log>,
    authorizer: Option<Arc<dyn Authorizer>>,
) -> Result<(Routes, Handle), BuildError> {
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let groups =
        group::Groups::open(Arc::clone(&log), shutdown_rx.clone(), authorizer.clone()).await?;
    let broker = Broker {
        inner: Arc::new(Inner {
            log,
            shutdown: shutdown_rx,
            round_robin: AtomicU32::new(0),
            deletions: watch::Sender::new(0),
            authorizer,
        }),
    };

    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<AdminServiceServer<Broker>>().await;
    health.set_serving::<ProduceServiceServer<Broker>>().await;
    health.set_serving::<ConsumeServiceServer<Broker>>().await;
    health
        .set_serving::<driftdb_proto::v1::group_service_server::GroupServiceServer<group::Groups>>()
        .await;

    // Both reflection versions: grpcurl and other tools still ask for v1alpha.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(driftdb_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;

    let routes = Routes::new(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(
            AdminServiceServer::new(broker.clone())
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            ProduceServiceServer::new(broker.clone())
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            groups
                .server()
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            ConsumeServiceServer::new(broker)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        );
    Ok((
        routes,
        Handle {
            health,
            shutdown: shutdown_tx,
        },
    ))
}

impl Broker {
    fn log(&self) -> &Arc<Log> {
        &self.inner.log
    }

    fn partition(&self, topic: &str, partition: u32) -> Result<Arc<Partition>> {
        self.inner.log.topic(topic)?.partition(partition)
    }

    /// What the call with these extensions may do.
    fn permit(&self, extensions: &tonic::Extensions) -> Result<Permit, Status> {
        Permit::of(self.inner.authorizer.as_ref(), extensions)
    }
}

/// Runs a log call on the blocking pool and maps its error to a status.
async fn blocking<T, F>(f: F) -> Result<T, Status>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(status),
        Err(join) => {
            tracing::error!(error = %join, "log call panicked or was cancelled");
            Err(Status::internal(
                "the broker failed while serving this request",
            ))
        }
    }
}

/// Read limits from a request's `max_bytes` / `max_records`, 0 meaning the default and large
/// values capped so one response stays well below the message size limit.
fn read_limits(max_bytes: u32, max_records: u32) -> crate::log::ReadLimits {
    let pick = |asked: u32, default: usize, cap: usize| match asked {
        0 => default,
        n => usize::try_from(n).unwrap_or(cap).min(cap),
    };
    crate::log::ReadLimits {
        max_bytes: pick(max_bytes, DEFAULT_MAX_BYTES, LIMIT_MAX_BYTES),
        max_records: pick(max_records, DEFAULT_MAX_RECORDS, LIMIT_MAX_RECORDS),
    }
}

/// Refuses client changes to DriftDB's own topics (their names start with `__`).
fn refuse_system_topic(name: &str, action: &str) -> Result<()> {
    if crate::log::is_system_topic(name) {
        return Err(invalid(format!(
            "cannot {action} {name:?}: topic names starting with \"__\" are reserved for DriftDB's system topics"
        )));
    }
    Ok(())
}

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidArgument(message.into())
}
