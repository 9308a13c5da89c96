//! `ferry serve`: speech for the clients people already have.
//!
//! Three front ends on one tokio runtime (docs/ARCHITECTURE.md, "Serve"):
//! - OpenAI's `POST /v1/audio/speech` (Open WebUI, SillyTavern, the `openai` SDKs), with
//!   `GET /v1/models`, `/v1/audio/models` and `/v1/audio/voices` ([`openai`]);
//! - Piper's HTTP server: `POST /`, `POST /synthesize`, `GET /voices`, `GET /info` ([`piper`]);
//! - with `--wyoming-port`, the Wyoming protocol on its own TCP port, as wyoming-piper
//!   speaks it to Home Assistant ([`wyoming`]).
//!
//! Synthesis is CPU-bound libtorch work, so it never runs on the async executor: a fixed
//! pool of worker threads, each holding its own loaded models, takes jobs from a bounded
//! queue ([`workers`]) that every front end shares; a full queue is a 429 with
//! `Retry-After` (a `queue_full` error event over Wyoming). Audio goes back sentence by
//! sentence over a small channel, so a client that disconnects frees its worker at the next
//! sentence. Every error a client can cause is a 4xx in OpenAI's error shape ([`error`]), or
//! an `error` event with the same code over Wyoming. `GET /metrics` counts and times it all
//! for Prometheus ([`metrics`]).

pub mod config;
pub mod encode;
pub mod error;
pub mod health;
pub mod metrics;
pub mod middleware;
pub mod openai;
pub mod piper;
pub mod request;
pub mod router;
pub mod server;
pub mod speech;
pub mod voices;
pub mod workers;
pub mod wyoming;

pub use config::ServeConfig;
pub use server::run;
