//! The HTTP side: Prometheus metrics and liveness/readiness probes.
//!
//! - `/metrics`: Prometheus text format. Storage gauges and projection lag are sampled just
//!   before rendering, so they are current at scrape time.
//! - `/health/live`: 200 while the process serves HTTP at all.
//! - `/health/ready`: 200 while the broker accepts requests, 503 before start-up completes
//!   and once shutdown has begun, so a load balancer drains the node first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State as Extract;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use driftdb_broker::log::Log;
use metrics_exporter_prometheus::PrometheusHandle;

#[derive(Debug, Clone)]
pub(super) struct State {
    pub log: Arc<Log>,
    pub projections: Arc<driftdb_sql::projection::Runners>,
    pub metrics: PrometheusHandle,
    pub ready: Arc<AtomicBool>,
    pub pg_slots: driftdb_pg::Slots,
}

pub(super) fn router(state: State) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .with_state(state)
}

async fn metrics(Extract(state): Extract<State>) -> impl IntoResponse {
    // Reading sizes takes partition locks that an fsync may hold briefly.
    let log = Arc::clone(&state.log);
    let projections = Arc::clone(&state.projections);
    state.pg_slots.publish_metrics();
    let sampled = tokio::task::spawn_blocking(move || {
        driftdb_broker::metrics::record_storage(&log);
        projections.publish_metrics();
        driftdb_sql::provider::chunked::publish_metrics();
    })
    .await;
    if sampled.is_err() {
        tracing::error!("sampling storage metrics panicked");
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

async fn live() -> &'static str {
    "live\n"
}

async fn ready(Extract(state): Extract<State>) -> (StatusCode, &'static str) {
    if state.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    }
}
