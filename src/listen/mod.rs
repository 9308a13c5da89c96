//! Listening tests: building, serving and scoring blinded MUSHRA / A-B / MOS studies.
//!
//! - [`study::build`] (`ferry compare`) renders sentences × conditions ([`render::Render`]),
//!   adds the reference and the 3.5 kHz anchor ([`anchor`]), matches loudness
//!   ([`loudness`], ITU-R BS.1770-4) and writes `study.json` ([`manifest`]) with WAVs and
//!   spectrograms.
//! - [`server::Server`] (`ferry listen`) serves the page ([`web`]) and stores every rating in
//!   an append-only, fsynced log ([`store`]); trial order and blinding come from [`plan`].
//! - [`report`] (`ferry listen report`) post-screens listeners and computes the statistics
//!   ([`stats`]) with plots ([`plot`]).

pub mod anchor;
pub mod loudness;
pub mod manifest;
pub mod plan;
pub mod plot;
pub mod render;
pub mod report;
pub mod server;
pub mod stats;
pub mod store;
pub mod study;
pub mod web;

pub use manifest::Study;
pub use plan::Mode;
