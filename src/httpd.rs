//! The HTTP/1.1 side that Ferry's two servers share (`ferry serve` and `ferry listen`): an
//! accept loop handing each connection to hyper with the limits a server left running needs,
//! and a graceful stop.
//!
//! - A client gets [`Limits::header_timeout`] to send its request head (no slow-loris hold on
//!   a connection), and a head over [`Limits::max_head`] bytes gets hyper's 431.
//! - A client that half-closes its side after the request (`shutdown(SHUT_WR)`, as simple
//!   clients and `curl -T` do) still gets its answer.
//! - On stop the listener closes at once and requests in flight finish (streams included).
//!
//! Routing, bodies and everything else are axum's, given as the [`Router`].

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Per-connection limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a client has to send the request line and headers.
    pub header_timeout: Duration,
    /// Longest request head (hyper's read buffer; at least 8 KiB).
    pub max_head: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { header_timeout: Duration::from_secs(10), max_head: 16 * 1024 }
    }
}

/// Serves `app` on `listener` until `stop` resolves, then waits for the connections still
/// open to finish their requests.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, stop: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_buf_size(limits.max_head.max(8192)).half_close(true);
    let mut stop = std::pin::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone().map_request(|r: hyper::Request<Incoming>| r.map(Body::new)));
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
