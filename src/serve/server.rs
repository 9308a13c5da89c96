//! Starting and stopping the server: voices, workers, the listening sockets (HTTP, and
//! Wyoming when asked), and a clean exit on Ctrl-C or SIGTERM (requests in flight finish
//! first, on both).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use super::config::ServeConfig;
use super::metrics::Metrics;
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
    let pool = Pool::start(&workers, voice.clone(), family, Arc::new(Metrics::new()))?;
    if config.is_exposed() {
        eprintln!(
            "ferry serve: warning: listening on {} makes the server reachable from other machines{}",
            config.host,
            if config.api_key.is_none() { "; set --api-key (or FERRY_API_KEY) to require a key" } else { "" }
        );
        if config.wyoming_port.is_some() {
            eprintln!("ferry serve: warning: the Wyoming port takes no key (the protocol has none); anyone who can reach it can use it");
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(ASYNC_THREADS)
        .thread_name("ferry-serve-io")
        .enable_all()
        .build()
        .map_err(|e| Error::External(format!("cannot start the async runtime: {e}")))?;
    let (addr, wyoming_addr) = (config.addr(), config.wyoming_addr());
    let summary = format!("voice {}, vocoder {}, {} worker(s), queue {}", voice.name(), family.key(), config.workers, config.limits.queue);
    let app = Arc::new(App { config, catalog, pool });
    runtime.block_on(async move {
        let (listener, local) = bind(addr, "--port").await?;
        let wyoming = match wyoming_addr {
            Some(a) => Some(bind(a, "--wyoming-port").await?),
            None => None,
        };
        eprintln!("ferry serve: listening on http://{local} ({summary})");
        if let Some((_, local)) = &wyoming {
            eprintln!("ferry serve: wyoming on tcp://{local}");
        }
        // One signal stops both listeners.
        let (stop_tx, stop) = watch::channel(false);
        tokio::spawn(async move {
            crate::httpd::shutdown_signal().await;
            let _ = stop_tx.send(true);
        });
        let mut http_stop = stop.clone();
        let http = crate::httpd::serve(listener, router(app.clone()), crate::httpd::Limits::default(), async move {
            let _ = http_stop.wait_for(|stopping| *stopping).await;
        });
        let wyoming = async move {
            if let Some((listener, _)) = wyoming {
                super::wyoming::serve(listener, app, stop).await;
            }
        };
        tokio::join!(http, wyoming);
        Ok::<(), Error>(())
    })?;
    eprintln!("ferry serve: stopped");
    Ok(())
}

/// A listening socket on `addr` and the address it got (the port chosen for port 0).
async fn bind(addr: SocketAddr, option: &str) -> Result<(TcpListener, SocketAddr)> {
    let listener =
        TcpListener::bind(addr).await.map_err(|e| Error::External(format!("cannot listen on {addr}: {e}; pick another {option} (or stop what uses it)")))?;
    let local = listener.local_addr().map_err(|e| Error::External(format!("listening socket: {e}")))?;
    Ok((listener, local))
}
