//! The routes of both APIs and the layers around them.
//!
//! From the outside in: access log → CORS (only with `--cors`) → metrics → timeout → API
//! key → body limit → the handler. Unknown paths and methods get OpenAI-shaped 404 and 405.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::config::ServeConfig;
use super::error::ApiError;
use super::voices::Catalog;
use super::workers::Pool;
use super::{health, metrics, middleware, openai, piper};

/// What every handler shares.
pub struct App {
    pub config: ServeConfig,
    pub catalog: Catalog,
    pub pool: Pool,
}

pub fn router(app: Arc<App>) -> Router {
    let mut r = Router::new()
        .route("/v1/audio/speech", post(openai::speech))
        .route("/v1/models", get(openai::models))
        .route("/v1/audio/models", get(openai::audio_models))
        .route("/v1/audio/voices", get(openai::audio_voices))
        .route("/", post(piper::synthesize))
        .route("/synthesize", post(piper::synthesize))
        .route("/voices", get(piper::voices))
        .route("/info", get(piper::info))
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/metrics", get(metrics::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(app.config.limits.max_body_bytes))
        .layer(from_fn_with_state(app.clone(), middleware::require_key))
        .layer(from_fn_with_state(app.clone(), middleware::timeout))
        .layer(from_fn_with_state(app.pool.metrics().clone(), metrics::record));
    if let Some(cors) = cors_layer(&app.config.cors) {
        r = r.layer(cors);
    }
    r.layer(from_fn_with_state(app.clone(), middleware::access_log)).with_state(app)
}

/// CORS for the given origins (`*` = any); none = no CORS headers at all.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow =
        if origins.iter().any(|o| o == "*") { AllowOrigin::any() } else { AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok())) };
    Some(CorsLayer::new().allow_origin(allow).allow_methods([Method::GET, Method::POST]).allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]))
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; ferry serve answers POST /v1/audio/speech, GET /v1/models, POST / (Piper) and GET /health").code("unknown_url")
}

async fn method_not_allowed() -> ApiError {
    ApiError::invalid("this endpoint does not take that method (speech is POST, listings are GET)")
        .with_status(StatusCode::METHOD_NOT_ALLOWED)
        .code("method_not_allowed")
}
