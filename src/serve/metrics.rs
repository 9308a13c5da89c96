//! `GET /metrics`: what a Prometheus server scrapes, in the OpenMetrics text format (which
//! Prometheus reads natively), written by the `prometheus-client` crate.
//!
//! - `ferry_requests_total{route, status}`: HTTP requests by matched route (`unmatched` for
//!   paths no route knows, so scanners cannot grow the label set) and status code;
//! - `ferry_request_duration_seconds{route}`: time until the response starts (for streamed
//!   speech that is the first sentence, not the whole text);
//! - `ferry_time_to_first_audio_seconds`: from a job entering the queue to its first
//!   sentence of audio, over every front end (HTTP and Wyoming);
//! - `ferry_real_time_factor`: a finished job's synthesis time over its audio's duration;
//! - `ferry_queue_depth` (jobs waiting for a worker) and `ferry_workers_busy`.

use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use super::router::App;

/// The label of a request that matched no route.
const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// 1 ms to about 33 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Real-time factors from 1/1024 (a thousand times faster than real time) to 8.
fn rtf_histogram() -> Histogram {
    Histogram::new(exponential_buckets(1.0 / 1024.0, 2.0, 14))
}

/// Every figure the server keeps, registered once.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    first_audio: Histogram,
    rtf: Histogram,
    queue_depth: Gauge<i64, AtomicI64>,
    workers_busy: Gauge<i64, AtomicI64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("ferry");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        let first_audio = latency_histogram();
        let rtf = rtf_histogram();
        let queue_depth = Gauge::<i64, AtomicI64>::default();
        let workers_busy = Gauge::<i64, AtomicI64>::default();
        registry.register("requests", "HTTP requests by matched route and status", requests.clone());
        registry.register("request_duration_seconds", "Time until the response starts, by route", latency.clone());
        registry.register("time_to_first_audio_seconds", "From a job entering the queue to its first sentence of audio", first_audio.clone());
        registry.register("real_time_factor", "Synthesis time over audio duration of each finished job", rtf.clone());
        registry.register("queue_depth", "Jobs waiting for a synthesis worker", queue_depth.clone());
        registry.register("workers_busy", "Synthesis workers running a job", workers_busy.clone());
        Metrics { registry, requests, latency, first_audio, rtf, queue_depth, workers_busy }
    }

    /// One HTTP request that got `status` after `elapsed`.
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        self.requests.get_or_create(&RequestLabels { route: route.to_string(), status: status.to_string() }).inc();
        self.latency.get_or_create(&RouteLabels { route: route.to_string() }).observe(elapsed.as_secs_f64());
    }

    /// A job's first sentence of audio, `queued` being when it entered the queue.
    pub fn first_audio(&self, queued: Instant) {
        self.first_audio.observe(queued.elapsed().as_secs_f64());
    }

    /// A finished job: `synthesis` of `audio_seconds` of audio.
    pub fn finished(&self, synthesis: Duration, audio_seconds: f64) {
        if audio_seconds > 0.0 {
            self.rtf.observe(synthesis.as_secs_f64() / audio_seconds);
        }
    }

    pub fn queued(&self) {
        self.queue_depth.inc();
    }

    /// A job counted by [`queued`](Self::queued) that the queue refused.
    pub fn unqueued(&self) {
        self.queue_depth.dec();
    }

    /// A worker took a job from the queue and runs it until `done` is called.
    pub fn taken(&self) {
        self.queue_depth.dec();
        self.workers_busy.inc();
    }

    pub fn done(&self) {
        self.workers_busy.dec();
    }

    /// The OpenMetrics text of every figure.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; an encoder error would only mean a bug here.
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            out = format!("# ferry: encoding the metrics failed: {e}\n# EOF\n");
        }
        out
    }
}

/// The middleware that counts and times every request (outside the key check, so refused
/// requests count too).
pub async fn record(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    // axum's fallback may carry its own internal catch-all pattern: that is "unmatched" too.
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str()).filter(|p| !p.contains("__private__axum")).unwrap_or(UNMATCHED).to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    metrics.request(&route, res.status().as_u16(), started.elapsed());
    res
}

/// `GET /metrics`.
pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    let mut res = app.pool.metrics().render().into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_gauges() {
        let m = Metrics::new();
        m.request("/v1/audio/speech", 200, Duration::from_millis(30));
        m.request("/v1/audio/speech", 400, Duration::from_millis(2));
        m.queued();
        m.queued();
        m.taken();
        m.finished(Duration::from_millis(100), 2.0);
        let text = m.render();
        assert!(text.contains(r#"ferry_requests_total{route="/v1/audio/speech",status="200"} 1"#), "{text}");
        assert!(text.contains(r#"ferry_requests_total{route="/v1/audio/speech",status="400"} 1"#), "{text}");
        assert!(text.contains(r#"ferry_request_duration_seconds_count{route="/v1/audio/speech"} 2"#), "{text}");
        assert!(text.contains("ferry_queue_depth 1\n") && text.contains("ferry_workers_busy 1\n"), "{text}");
        // RTF 0.05 falls in the bucket up to 1/16 and every one above it.
        assert!(text.contains(r#"ferry_real_time_factor_bucket{le="0.0625"} 1"#), "{text}");
        assert!(text.contains(r#"ferry_real_time_factor_bucket{le="0.03125"} 0"#), "{text}");
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }
}
