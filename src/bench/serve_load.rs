//! `ferry bench serve`: a load run against `ferry serve`'s OpenAI endpoint. N clients send
//! the same request over and over for a bounded time, each on a fresh HTTP/1.1 connection
//! (hyper's client), and every response is checked: status 200 and the very bytes of the
//! first answer (synthesis is deterministic for a given seed). Reported: requests served and
//! failed, latency and time-to-first-audio percentiles, audio produced. Timings are reported,
//! never asserted on.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::Serialize;

use crate::error::{Error, Result};

/// What to send, how hard, for how long.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// The server, `http://host:port`.
    pub url: String,
    pub clients: usize,
    pub seconds: f64,
    pub text: String,
    /// `response_format` (pcm, wav, mp3, ...).
    pub format: String,
    /// Ask for `stream_format: "audio"` (bytes one sentence at a time).
    pub stream: bool,
    pub api_key: Option<String>,
}

/// Nearest-rank percentiles of a set of durations, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Quantiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Quantiles {
    pub fn of(mut v: Vec<f64>) -> Quantiles {
        if v.is_empty() {
            return Quantiles::default();
        }
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Quantiles { p50: at(0.50), p90: at(0.90), p99: at(0.99), max: v[v.len() - 1] }
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub url: String,
    pub clients: usize,
    pub seconds: f64,
    pub format: String,
    pub stream: bool,
    /// Responses that were 200 with the expected bytes.
    pub served: usize,
    pub failed: usize,
    /// The first few failures, one line each.
    pub failures: Vec<String>,
    /// From sending the request to the last byte.
    pub latency_s: Quantiles,
    /// From sending the request to the first byte of audio.
    pub first_audio_s: Quantiles,
    /// Bytes of one response (every served one is identical).
    pub response_bytes: usize,
    pub requests_per_second: f64,
    pub load_average: String,
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let q = |q: &Quantiles| format!("p50 {:.3} s  p90 {:.3} s  p99 {:.3} s  max {:.3} s", q.p50, q.p90, q.p99, q.max);
        writeln!(
            f,
            "ferry bench serve: {} clients for {:.0} s against {} ({}, {})",
            self.clients,
            self.seconds,
            self.url,
            self.format,
            if self.stream { "streamed" } else { "whole file" }
        )?;
        writeln!(f, "  served       {} ({:.2} requests/s), failed {}", self.served, self.requests_per_second, self.failed)?;
        writeln!(f, "  latency      {}", q(&self.latency_s))?;
        writeln!(f, "  first audio  {}", q(&self.first_audio_s))?;
        writeln!(f, "  response     {} bytes each; load average at the end {}", self.response_bytes, self.load_average)?;
        for e in &self.failures {
            writeln!(f, "  failure: {e}")?;
        }
        Ok(())
    }
}

/// One answer: status, body, time to its first body byte and to its last.
struct Answer {
    status: u16,
    body: Vec<u8>,
    first: Duration,
    total: Duration,
}

/// The request line's target, `Host` header and socket address of `url`.
fn target(url: &str) -> Result<(String, String)> {
    let uri: Uri = url.parse().map_err(|e| Error::arg(format!("--url {url}: {e}; give http://HOST:PORT")))?;
    if uri.scheme_str() != Some("http") {
        return Err(Error::arg(format!("--url {url}: only http:// is supported (put TLS in front with a proxy)")));
    }
    let authority = uri.authority().ok_or_else(|| Error::arg(format!("--url {url}: no host; give http://HOST:PORT")))?;
    let port = authority.port_u16().unwrap_or(80);
    Ok((authority.as_str().to_string(), format!("{}:{port}", authority.host())))
}

async fn send(addr: &str, host: &str, body: Bytes, key: Option<&str>) -> std::result::Result<Answer, String> {
    let t0 = Instant::now();
    let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(conn);
    let mut req = Request::post("/v1/audio/speech").header(header::HOST, host).header(header::CONTENT_TYPE, "application/json");
    if let Some(k) = key {
        req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
    }
    let req = req.body(Full::new(body)).map_err(|e| format!("request: {e}"))?;
    let res = sender.send_request(req).await.map_err(|e| format!("send: {e}"))?;
    let status = res.status().as_u16();
    let mut incoming = res.into_body();
    let (mut body, mut first) = (Vec::new(), None);
    while let Some(frame) = incoming.frame().await {
        let frame = frame.map_err(|e| format!("body after {} bytes: {e}", body.len()))?;
        if let Some(d) = frame.data_ref() {
            if first.is_none() && !d.is_empty() {
                first = Some(t0.elapsed());
            }
            body.extend_from_slice(d);
        }
    }
    let total = t0.elapsed();
    Ok(Answer { status, body, first: first.unwrap_or(total), total })
}

fn describe(a: &Answer) -> String {
    format!("status {}: {}", a.status, String::from_utf8_lossy(&a.body[..a.body.len().min(200)]))
}

/// Runs the load: one untimed request for the expected bytes, then `clients` loops until the
/// time is up (a request in flight at the end is waited for and counted).
pub fn run(cfg: &LoadConfig) -> Result<LoadReport> {
    if cfg.clients == 0 || !(cfg.seconds > 0.0) {
        return Err(Error::arg("--clients must be at least 1 and --seconds positive"));
    }
    let (host, addr) = target(&cfg.url)?;
    let mut req = serde_json::json!({ "model": "ferry", "input": cfg.text, "response_format": cfg.format, "seed": 1 });
    if cfg.stream {
        req["stream_format"] = "audio".into();
    }
    let body = Bytes::from(req.to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::External(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let key = cfg.api_key.as_deref();
        let expected = send(&addr, &host, body.clone(), key).await.map_err(|e| Error::External(format!("{}: {e}; is ferry serve running there?", cfg.url)))?;
        if expected.status != 200 || expected.body.is_empty() {
            return Err(Error::External(format!("{}: the first request failed: {}", cfg.url, describe(&expected))));
        }
        let expected = std::sync::Arc::new(expected.body);
        let t0 = Instant::now();
        let deadline = t0 + Duration::from_secs_f64(cfg.seconds);
        let tasks: Vec<_> = (0..cfg.clients)
            .map(|_| {
                let (addr, host, body, expected, key) = (addr.clone(), host.clone(), body.clone(), expected.clone(), cfg.api_key.clone());
                tokio::spawn(async move {
                    let mut out = Vec::new();
                    while Instant::now() < deadline {
                        let r = send(&addr, &host, body.clone(), key.as_deref()).await.and_then(|a| {
                            if a.status != 200 {
                                Err(describe(&a))
                            } else if a.body != *expected {
                                Err(format!("status 200 but {} bytes differ from the first answer's {}", a.body.len(), expected.len()))
                            } else {
                                Ok(a)
                            }
                        });
                        out.push(r);
                    }
                    out
                })
            })
            .collect();
        let mut results = Vec::new();
        for t in tasks {
            results.extend(t.await.map_err(|e| Error::External(format!("a client task failed: {e}")))?);
        }
        let elapsed = t0.elapsed().as_secs_f64();
        let ok: Vec<&Answer> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        let errors: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        Ok(LoadReport {
            url: cfg.url.clone(),
            clients: cfg.clients,
            seconds: elapsed,
            format: cfg.format.clone(),
            stream: cfg.stream,
            served: ok.len(),
            failed: errors.len(),
            failures: errors.iter().take(10).map(|e| e.to_string()).collect(),
            latency_s: Quantiles::of(ok.iter().map(|a| a.total.as_secs_f64()).collect()),
            first_audio_s: Quantiles::of(ok.iter().map(|a| a.first.as_secs_f64()).collect()),
            response_bytes: expected.len(),
            requests_per_second: ok.len() as f64 / elapsed.max(1e-9),
            load_average: std::fs::read_to_string("/proc/loadavg").map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let q = Quantiles::of((1..=100).map(f64::from).collect());
        assert_eq!((q.p50, q.p90, q.p99, q.max), (50.0, 90.0, 99.0, 100.0));
        assert_eq!(Quantiles::of(vec![3.0]).p99, 3.0);
        assert_eq!(Quantiles::of(vec![]), Quantiles::default());
    }

    #[test]
    fn urls_must_be_plain_http_with_a_host() {
        assert_eq!(target("http://127.0.0.1:5000").unwrap(), ("127.0.0.1:5000".to_string(), "127.0.0.1:5000".to_string()));
        assert_eq!(target("http://localhost").unwrap().1, "localhost:80");
        assert!(target("https://x:1").unwrap_err().to_string().contains("only http://"));
        assert!(target("not a url").is_err());
    }
}
