//! What `ferry serve` was started with: addresses (HTTP, Wyoming), workers, limits, key and
//! CORS origins.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::vocoder::{Family, Precision, VocodeOptions};

/// Bounds on what one request may ask for.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest `input` (or Piper `text`, or one Wyoming synthesis or stream), in characters.
    pub max_input_chars: usize,
    /// Largest request body, in bytes (over Wyoming: the largest event header line, data
    /// and payload).
    pub max_body_bytes: usize,
    /// Longest time from a request's arrival to the start of its response.
    pub timeout: Duration,
    /// Jobs that may wait for a worker; one more is answered 429.
    pub queue: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_input_chars: 4096, max_body_bytes: 64 * 1024, timeout: Duration::from_secs(120), queue: 16 }
    }
}

/// The whole configuration of one server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub host: IpAddr,
    /// TCP port; 0 picks a free one (the chosen port is printed).
    pub port: u16,
    /// TCP port of the Wyoming protocol on the same host (`None` = off; 0 = a free one).
    pub wyoming_port: Option<u16>,
    /// The voice requests get when they name none (or name one of OpenAI's voices).
    pub voice: String,
    /// The vocoder family requests get when they name none (`None` = the voice's default).
    pub vocoder: Option<Family>,
    pub precision: Precision,
    /// Per-family options (steps, sigma, ...) every request starts from.
    pub vocode: VocodeOptions,
    /// Seed of requests that send none.
    pub seed: u64,
    /// Worker threads, each with its own loaded models.
    pub workers: usize,
    pub device: tch::Device,
    pub limits: Limits,
    /// With a key, every request but `/health` and `/ready` needs `Authorization: Bearer KEY`.
    pub api_key: Option<String>,
    /// Origins allowed by CORS (`*` = any); empty = CORS off.
    pub cors: Vec<String>,
    /// Log one line per request (method, path, status, time; never headers or bodies).
    pub access_log: bool,
}

impl ServeConfig {
    /// Checks ranges that clap cannot, with the option to change in each message.
    pub fn validate(&self) -> Result<()> {
        if self.workers == 0 || self.workers > 64 {
            return Err(Error::arg(format!("--workers {} is out of range; use 1 to 64", self.workers)));
        }
        if let Some(w) = self.wyoming_port.filter(|&w| w != 0 && w == self.port) {
            return Err(Error::arg(format!("--wyoming-port {w} is the HTTP --port too; give Wyoming a port of its own (10200 is its usual one)")));
        }
        if self.limits.max_input_chars == 0 {
            return Err(Error::arg("--max-input-chars must be at least 1"));
        }
        if self.limits.max_body_bytes < 1024 {
            return Err(Error::arg(format!("--max-body-bytes {} is too small; use at least 1024", self.limits.max_body_bytes)));
        }
        if self.limits.timeout.is_zero() {
            return Err(Error::arg("--timeout must be at least 1 second"));
        }
        if matches!(&self.api_key, Some(k) if k.trim().is_empty()) {
            return Err(Error::arg("the API key is empty; give --api-key KEY (or FERRY_API_KEY) a non-empty value, or leave it unset"));
        }
        for origin in &self.cors {
            if origin != "*" && origin.parse::<axum::http::HeaderValue>().is_err() {
                return Err(Error::arg(format!("--cors '{origin}' is not a valid origin; use e.g. http://localhost:8080 or *")));
            }
        }
        Ok(())
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

    /// Where the Wyoming protocol listens, when it is on.
    pub fn wyoming_addr(&self) -> Option<SocketAddr> {
        self.wyoming_port.map(|p| SocketAddr::new(self.host, p))
    }

    /// True when the server can be reached from other machines.
    pub fn is_exposed(&self) -> bool {
        !self.host.is_loopback()
    }
}
