//! Starting and stopping the server: voices, workers, the listening socket, and a clean
//! exit on Ctrl-C or SIGTERM (requests in flight finish first).

use std::sync::Arc;

use super::config::ServeConfig;
use super::router::{router, App};
use super::voices::{pick_family, Catalog};
use super::workers::{Pool, WorkerConfig};
use crate::error::{Error, Result};

/// Threads of the async side: it only parses, routes and copies bytes.
const ASYNC_THREADS: usize = 2;

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(config: ServeConfig) -> Result<()> {
    config.validate()?;
    let catalog = Catalog::load(&config.voice)?;
    let voice = catalog.default_voice();
    let family = pick_family(&voice, None, config.vocoder).map_err(|e| Error::arg(format!("--vocoder: {}", e.message)))?;
    eprintln!("ferry serve: loading voice {} with the {} vocoder in {} worker(s)", voice.name(), family.key(), config.workers);
    let workers = WorkerConfig { workers: config.workers, queue: config.limits.queue, device: config.device, precision: config.precision };
    let pool = Pool::start(&workers, voice.clone(), family)?;
    if config.is_exposed() {
        eprintln!(
            "ferry serve: warning: listening on {} makes the server reachable from other machines{}",
            config.host,
            if config.api_key.is_none() { "; set --api-key (or FERRY_API_KEY) to require a key" } else { "" }
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(ASYNC_THREADS)
        .thread_name("ferry-serve-io")
        .enable_all()
        .build()
        .map_err(|e| Error::External(format!("cannot start the async runtime: {e}")))?;
    let addr = config.addr();
    let summary = format!("voice {}, vocoder {}, {} worker(s), queue {}", voice.name(), family.key(), config.workers, config.limits.queue);
    let app = Arc::new(App { config, catalog, pool });
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::External(format!("cannot listen on {addr}: {e}; pick another --port (or stop what uses it)")))?;
        let local = listener.local_addr().map_err(|e| Error::External(format!("listening socket: {e}")))?;
        eprintln!("ferry serve: listening on http://{local} ({summary})");
        axum::serve(listener, router(app))
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|e| Error::External(format!("server: {e}")))
    })?;
    eprintln!("ferry serve: stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
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
