//! Prefetching on worker threads, so the next batches are ready when a training step
//! (e.g. on a GPU) asks for them.
//!
//! Job `k` (0, 1, 2, …) runs on worker `k mod workers`; each worker has its own bounded
//! channel of `depth` results and the consumer reads the workers in turn. Results
//! therefore come back in job order whatever the thread timing (training stays
//! deterministic), and at most `workers × depth` results wait in memory.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::error::{Error, Result};

/// An ordered stream of job results made ahead of time on worker threads.
pub struct Prefetcher<T: Send + 'static> {
    receivers: Vec<Receiver<Result<T>>>,
    handles: Vec<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    next: u64,
    len: Option<u64>,
}

impl<T: Send + 'static> Prefetcher<T> {
    /// Runs `job(k)` for k = 0, 1, … (`len` jobs, or without end when `None`) on `workers`
    /// threads, keeping up to `depth` results per worker ready.
    pub fn new<F>(workers: usize, depth: usize, len: Option<u64>, job: F) -> Result<Self>
    where
        F: Fn(u64) -> Result<T> + Send + Sync + 'static,
    {
        if workers == 0 || depth == 0 {
            return Err(Error::arg("prefetch needs at least one worker and a depth of at least 1"));
        }
        let job = Arc::new(job);
        let stop = Arc::new(AtomicBool::new(false));
        let mut receivers = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for w in 0..workers {
            let (tx, rx) = sync_channel(depth);
            let (job, stop) = (Arc::clone(&job), Arc::clone(&stop));
            let handle = std::thread::Builder::new()
                .name(format!("ferry-prefetch-{w}"))
                .spawn(move || {
                    let mut k = w as u64;
                    while !stop.load(Ordering::Relaxed) && len.is_none_or(|n| k < n) {
                        let result = job(k);
                        let failed = result.is_err();
                        // The consumer is gone (or stopped): end quietly.
                        if tx.send(result).is_err() || failed {
                            return;
                        }
                        k += workers as u64;
                    }
                })
                .map_err(|e| Error::External(format!("cannot start a prefetch thread: {e}")))?;
            receivers.push(rx);
            handles.push(handle);
        }
        Ok(Self { receivers, handles, stop, next: 0, len })
    }

    /// The result of the next job, in order; `None` after the last job.
    pub fn next_result(&mut self) -> Option<Result<T>> {
        if self.len.is_some_and(|n| self.next >= n) {
            return None;
        }
        let w = (self.next % self.receivers.len() as u64) as usize;
        self.next += 1;
        match self.receivers[w].recv() {
            Ok(r) => Some(r),
            // A worker ends early only after sending an error, or when it panicked.
            Err(_) => Some(Err(Error::External(format!("prefetch worker {w} stopped unexpectedly (it panicked)")))),
        }
    }
}

impl<T: Send + 'static> Iterator for Prefetcher<T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        self.next_result()
    }
}

impl<T: Send + 'static> Drop for Prefetcher<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Dropping the receivers unblocks workers waiting on a full channel.
        self.receivers.clear();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_come_in_job_order() {
        // Odd jobs are slow, so workers finish out of order.
        let p = Prefetcher::new(3, 2, Some(20), |k| {
            if k % 2 == 1 {
                std::thread::sleep(Duration::from_millis(3));
            }
            Ok(k * 10)
        })
        .unwrap();
        let got: Vec<u64> = p.map(|r| r.unwrap()).collect();
        assert_eq!(got, (0..20).map(|k| k * 10).collect::<Vec<_>>());
    }

    #[test]
    fn errors_are_passed_on_and_drop_does_not_hang() {
        let mut p = Prefetcher::new(2, 1, None, |k| if k == 3 { Err(Error::arg("bad job 3")) } else { Ok(k) }).unwrap();
        for k in 0..3 {
            assert_eq!(p.next().unwrap().unwrap(), k);
        }
        assert!(p.next().unwrap().unwrap_err().to_string().contains("bad job 3"));
        // Endless workers blocked on full channels must stop when the prefetcher is dropped.
        let mut endless = Prefetcher::new(2, 1, None, Ok).unwrap();
        assert_eq!(endless.next().unwrap().unwrap(), 0);
        drop(endless);
        drop(p);
    }

    #[test]
    fn bad_sizes_are_refused() {
        assert!(Prefetcher::new(0, 1, None, Ok).is_err());
        assert!(Prefetcher::new(1, 0, None, Ok).is_err());
    }
}
