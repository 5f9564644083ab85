//! The socket server: listener, accept loop, signals and graceful shutdown.

pub mod access_log;
pub mod conn;
mod form_body;
pub mod head;
#[cfg(test)]
mod head_tests;
mod heap;

use crate::app::{App, PyApp};
use pyo3::prelude::*;
use socket2::{Domain, Protocol, Socket, Type};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Handlers, msgspec and Django run on these threads. CPython bounds C recursion assuming the
/// 8 MiB stack of a Linux main thread (3.13 allows 10,000 levels, up from 3.12's 1,500), so on
/// tokio's default 2 MiB a deeply nested JSON body overflowed the stack inside msgspec and
/// crashed the process instead of raising `RecursionError`. Untouched stack pages cost no memory.
const THREAD_STACK_BYTES: usize = 16 * 1024 * 1024;

pub fn build_runtime(
    workers: usize,
    blocking_threads: usize,
) -> std::io::Result<tokio::runtime::Runtime> {
    // One worker: everything runs on the serving thread itself, with no cross-thread wake-up
    // between the accept loop and the connection tasks.
    let mut builder = if workers <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(workers);
        b
    };
    builder
        .max_blocking_threads(blocking_threads)
        .thread_stack_size(THREAD_STACK_BYTES)
        .thread_name("bolt-worker")
        .on_thread_start(crate::python::thread::register)
        .on_thread_stop(crate::python::thread::unregister)
        .enable_all()
        .build()
}

fn bind(
    addr: SocketAddr,
    backlog: i32,
    reuse_port: bool,
) -> std::io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    #[cfg(not(all(unix, not(any(target_os = "solaris", target_os = "illumos")))))]
    let _ = reuse_port;
    socket.bind(&addr.into())?;
    socket.listen(backlog)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// A listening socket created by the supervisor and shared by every worker: connections wait in
/// one accept queue, so a worker that stops never takes queued connections down with it.
#[cfg(unix)]
fn inherited(fd: i32) -> std::io::Result<std::net::TcpListener> {
    use std::os::fd::FromRawFd;
    // SAFETY: the supervisor passes this descriptor to us alone for this purpose; we own it now.
    let listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
    listener.set_nonblocking(true)?;
    Ok(listener)
}

#[cfg(not(unix))]
fn inherited(_fd: i32) -> std::io::Result<std::net::TcpListener> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "inherited listening sockets need a Unix system",
    ))
}

/// SIGTERM and SIGINT, listened to from startup: the first starts the drain, a second one (a
/// second Ctrl-C) stops at once. One pair of listeners serves both, so the first signal is
/// never seen twice.
struct StopSignals {
    #[cfg(unix)]
    both: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    fn new() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let both = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(term), Ok(int)) => Some((term, int)),
                _ => None,
            };
            StopSignals { both }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        match &mut self.both {
            Some((term, int)) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = int.recv() => {},
                }
            }
            None => std::future::pending::<()>().await,
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn run(app: Arc<App>, listener: std::net::TcpListener) -> std::io::Result<bool> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let active = Arc::new(AtomicUsize::new(0));
    let slots = Arc::new(tokio::sync::Semaphore::new(app.config.max_connections));
    let mut signals = StopSignals::new();
    // Whether a signal started the drain (else the supervisor shut the socket down, and the
    // SIGTERM it sends next is the first signal, not a second one).
    let signalled = loop {
        // At the connection limit, stop accepting: new clients wait in the kernel's backlog.
        let permit = tokio::select! {
            _ = signals.next() => break true,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break false,
            },
        };
        tokio::select! {
            _ = signals.next() => break true,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    // The supervisor shut the shared socket down (it stops listening in every
                    // process at once, before the workers' SIGTERM arrives): drain now.
                    Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => break false,
                    Err(e) => {
                        // Out of file descriptors and similar: back off instead of spinning.
                        eprintln!("django-bolt: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let app = Arc::clone(&app);
                let rx = stop_rx.clone();
                let active = Arc::clone(&active);
                active.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    conn::serve(app, stream, peer, rx).await;
                    active.fetch_sub(1, Ordering::SeqCst);
                    drop(permit);
                });
            }
        }
    };
    drop(listener);
    let _ = stop_tx.send(true);
    let grace = app.config.shutdown_grace;
    let drained = tokio::time::timeout(grace, async {
        while active.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    // A second Ctrl-C (or SIGTERM) while draining means "stop now": in-flight requests are cut.
    let second_signal = async {
        if !signalled {
            signals.next().await;
        }
        signals.next().await;
    };
    let waited = tokio::select! {
        waited = drained => waited.is_ok(),
        _ = second_signal => {
            let cut = active.load(Ordering::SeqCst);
            eprintln!("django-bolt: stopping now; {cut} connection(s) cut");
            return Ok(cut == 0);
        }
    };
    if !waited {
        eprintln!(
            "django-bolt: {} connection(s) still open after {:?}; exiting",
            active.load(Ordering::SeqCst),
            grace
        );
    }
    Ok(waited)
}

/// Serves `app` on `host:port` until SIGTERM/SIGINT, then drains in-flight requests. Returns
/// whether every connection finished: if not, a sync handler may still be running Python on a
/// blocking-pool thread, and the caller must not finalize the interpreter (that thread would be
/// stopped by `pthread_exit` when it next takes the GIL, which aborts the process).
#[pyfunction]
#[pyo3(signature = (app, host, port, reuse_port=false, on_ready=None, listen_fd=None))]
pub fn serve(
    py: Python<'_>,
    app: &PyApp,
    host: &str,
    port: u16,
    reuse_port: bool,
    on_ready: Option<Py<PyAny>>,
    listen_fd: Option<i32>,
) -> PyResult<bool> {
    let inner = Arc::clone(&app.inner);
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("cannot resolve {host}: {e}")))?
        .next()
        .ok_or_else(|| pyo3::exceptions::PyOSError::new_err(format!("cannot resolve {host}")))?;
    let listener = match listen_fd {
        Some(fd) => inherited(fd)?,
        None => bind(addr, inner.config.backlog, reuse_port)?,
    };
    let runtime = build_runtime(inner.config.workers, inner.config.blocking_threads)?;
    // The socket is listening: connections queue in the backlog from here on.
    if let Some(callback) = on_ready {
        callback.bind(py).call0()?;
    }
    py.detach(move || {
        let result = runtime.block_on(run(inner, listener));
        runtime.shutdown_timeout(Duration::from_secs(1));
        result
    })
    .map_err(Into::into)
}
