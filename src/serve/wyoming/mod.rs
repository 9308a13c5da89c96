//! The Wyoming protocol (Rhasspy / Home Assistant's peer-to-peer protocol for voice
//! services; the `wyoming` Python package is its reference), as a text-to-speech server:
//! `ferry serve --wyoming-port PORT` is a drop-in for wyoming-piper, so Home Assistant's
//! Wyoming integration (and any `wyoming` client) speaks with Ferry's voices.
//!
//! It runs beside the HTTP APIs on the same tokio runtime and the same worker pool and
//! voice catalog, so the bounded queue, the workers and cancellation are shared:
//! - [`framing`]: events on the wire (a JSON header line, JSON data, a binary payload),
//!   every length bounded;
//! - [`events`]: the events, typed (`describe`, `synthesize`, the `synthesize-start` /
//!   `-chunk` / `-stop` stream, `ping`; `info`, `audio-start` / `-chunk` / `-stop`,
//!   `synthesize-stopped`, `error`);
//! - [`info`]: the `info` answer (one `tts` program and its voices);
//! - [`sentences`]: sentences out of streamed text as soon as each is complete;
//! - [`session`]: one connection; [`server`]: the accept loop.

pub mod events;
pub mod framing;
pub mod info;
pub mod sentences;
pub mod server;
pub mod session;

pub use server::serve;
