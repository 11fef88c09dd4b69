//! Proxy worker threads, one event loop each (a current-thread Tokio runtime), in the style of
//! nginx's worker processes: the accept loop hands every client connection to the worker with
//! the fewest open connections, and the connection, its requests and its upstream connections
//! stay on that thread for their whole life.
//!
//! Why not one work-stealing runtime: on a proxy every request is two short socket exchanges,
//! and a work-stealing scheduler moves tasks between threads, wakes idle workers to steal and
//! spins while searching. On two cores that cost about a fifth more CPU per request than one
//! event loop per thread, and the spinning competes with the upstream on the same machine.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// One worker thread.
struct Worker {
    handle: Handle,
    /// Connections currently served on this worker.
    open: Arc<AtomicUsize>,
    /// Dropped to stop the worker's runtime (cancelling what still runs on it).
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The proxy's worker threads. Dropping the pool stops them.
pub(crate) struct Workers {
    workers: Vec<Worker>,
}

impl Workers {
    /// Starts `n` workers (0: one per available CPU core).
    pub(crate) fn start(n: usize) -> std::io::Result<Workers> {
        let n = if n == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            n
        };
        let mut workers = Vec::with_capacity(n);
        for i in 0..n {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let handle = rt.handle().clone();
            let (stop, stopped) = oneshot::channel::<()>();
            let thread = std::thread::Builder::new()
                .name(format!("contract-proxy-{i}"))
                .spawn(move || {
                    // Runs the spawned connections until told to stop (or the pool is dropped).
                    let _ = rt.block_on(stopped);
                })?;
            workers.push(Worker {
                handle,
                open: Arc::new(AtomicUsize::new(0)),
                stop: Some(stop),
                thread: Some(thread),
            });
        }
        Ok(Workers { workers })
    }

    /// How many workers run.
    pub(crate) fn len(&self) -> usize {
        self.workers.len()
    }

    /// Runs the future `make()` returns on the least busy worker, counted as one open
    /// connection there until it ends. `make` runs on that worker's thread, so sockets it
    /// registers belong to that worker's event loop.
    pub(crate) fn spawn<F, Fut>(&self, make: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Some(w) = self
            .workers
            .iter()
            .min_by_key(|w| w.open.load(Ordering::Relaxed))
        else {
            return;
        };
        let open = Arc::clone(&w.open);
        open.fetch_add(1, Ordering::Relaxed);
        // A guard, so the count drops also when the worker stops mid-connection.
        let guard = OpenGuard(open);
        w.handle.spawn(async move {
            let _guard = guard;
            make().await;
        });
    }
}

struct OpenGuard(Arc<AtomicUsize>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for w in &mut self.workers {
            drop(w.stop.take());
        }
        let me = std::thread::current().id();
        for w in &mut self.workers {
            if let Some(t) = w.thread.take() {
                // A worker cannot join itself (the pool may be dropped on one of its threads).
                if t.thread().id() != me {
                    let _ = t.join();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn connections_go_to_the_least_busy_worker_and_stay_on_its_thread() {
        let pool = Workers::start(2).unwrap();
        assert_eq!(pool.len(), 2);
        let (tx, rx) = mpsc::channel();
        // Four long-lived "connections": two land on each worker.
        let (hold_tx, hold_rx) = tokio::sync::watch::channel(false);
        for _ in 0..4 {
            let tx = tx.clone();
            let mut hold = hold_rx.clone();
            pool.spawn(move || async move {
                let before = std::thread::current().name().map(str::to_string);
                let _ = hold.changed().await;
                let after = std::thread::current().name().map(str::to_string);
                tx.send((before, after)).unwrap();
            });
        }
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(pool.workers[0].open.load(Ordering::Relaxed), 2);
        assert_eq!(pool.workers[1].open.load(Ordering::Relaxed), 2);
        hold_tx.send(true).unwrap();
        let mut names: Vec<String> = (0..4)
            .map(|_| {
                let (before, after) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
                assert_eq!(before, after, "a connection never changes thread");
                before.unwrap()
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "contract-proxy-0",
                "contract-proxy-0",
                "contract-proxy-1",
                "contract-proxy-1"
            ]
        );
        std::thread::sleep(Duration::from_millis(50));
        assert!(pool
            .workers
            .iter()
            .all(|w| w.open.load(Ordering::Relaxed) == 0));
    }

    #[test]
    fn dropping_the_pool_stops_its_threads_and_cancels_what_runs() {
        let pool = Workers::start(1).unwrap();
        let (tx, rx) = mpsc::channel::<()>();
        pool.spawn(move || async move {
            let _tx = tx; // dropped when the task is cancelled
            std::future::pending::<()>().await;
        });
        std::thread::sleep(Duration::from_millis(20));
        drop(pool);
        assert!(matches!(
            rx.recv_timeout(Duration::from_secs(5)),
            Err(mpsc::RecvTimeoutError::Disconnected)
        ));
    }
}
