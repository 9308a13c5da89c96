//! The Wyoming listener: accepts connections and serves each on a task of its own until
//! the server stops; then it stops accepting and waits for the answers in progress.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::session;
use crate::serve::router::App;

/// Pause after a failed `accept` (out of file descriptors, say) before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `listener` until `stop` turns true.
pub async fn serve(listener: TcpListener, app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut live = JoinSet::new();
    let for_sessions = stop.clone(); // `stop` is borrowed by the select below
    loop {
        tokio::select! {
            _ = stop.wait_for(|stopping| *stopping) => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, _peer)) => {
                    live.spawn(session::run(socket, app.clone(), for_sessions.clone()));
                }
                Err(e) => {
                    eprintln!("ferry serve: wyoming: cannot accept a connection: {e}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            Some(done) = live.join_next(), if !live.is_empty() => report(done),
        }
    }
    drop(listener);
    while let Some(done) = live.join_next().await {
        report(done);
    }
}

/// A connection's task ended; a panic in one (a bug) is logged and costs only that client.
fn report(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        if e.is_panic() {
            eprintln!("ferry serve: wyoming: a connection failed: {}", crate::error::panic_message(&*e.into_panic()));
        }
    }
}
