//! `GET /health` (the process answers) and `GET /ready` (every worker has loaded its
//! models; 503 until then), for load balancers and orchestrators. Neither needs the key.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::json;

use super::router::App;

pub async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

pub async fn ready(State(app): State<Arc<App>>) -> (StatusCode, Json<serde_json::Value>) {
    let (ready, workers) = (app.pool.ready(), app.pool.workers());
    let status = if ready >= workers { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = if status == StatusCode::OK { "ready" } else { "loading" };
    (status, Json(json!({"status": word, "workers": workers, "workers_ready": ready})))
}
