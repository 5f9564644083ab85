//! Streamed bodies pulled from Python iterators one chunk at a time.
//!
//! The writer asks for the next chunk only after the previous one was written, so a slow client
//! slows the iterator down instead of making the server buffer the stream. Sync iterators are
//! stepped on the shared blocking pool (one pull per task, no thread per stream); async ones are
//! stepped on the event loop like `async def` handlers. The Python side of a source is
//! `django_bolt.streaming.SyncChunks`/`AsyncChunks`: `pull()` gives bytes, or None at the end,
//! and `close()` finalises the iterator (`close()`/`aclose()`, so `finally` blocks run).

use crate::app::App;
use crate::python::coro::{self, Outcome, Step};
use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The SSE comment sent when a stream with a ping interval has been idle that long.
pub const PING: &[u8] = b": ping\n\n";

/// The result of one pull: a chunk, the end, or an exception (already logged).
type Chunk = Result<Option<Bytes>, ()>;

pub enum Next {
    Data(Bytes),
    End,
    Failed,
}

enum Pull {
    Sync(JoinHandle<Chunk>),
    Ready(Option<Chunk>),
    Waiting(oneshot::Receiver<Outcome>),
}

pub struct StreamBody {
    source: Option<Arc<Py<PyAny>>>,
    is_async: bool,
    app: Arc<App>,
    pending: Option<Pull>,
    ping: Option<Duration>,
    next_ping: Option<Instant>,
    finished: bool,
}

impl std::fmt::Debug for StreamBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamBody")
            .field("is_async", &self.is_async)
            .field("ping", &self.ping)
            .finish()
    }
}

fn to_chunk(py: Python<'_>, app: &App, pulled: PyResult<Bound<'_, PyAny>>) -> Chunk {
    match pulled {
        Ok(obj) if obj.is_none() => Ok(None),
        Ok(obj) => match obj.cast::<PyBytes>() {
            Ok(b) => Ok(Some(Bytes::copy_from_slice(b.as_bytes()))),
            Err(_) => {
                log_error(
                    py,
                    app,
                    pyo3::exceptions::PyTypeError::new_err("stream chunk is not bytes"),
                );
                Err(())
            }
        },
        Err(e) => {
            log_error(py, app, e);
            Err(())
        }
    }
}

/// The headers are already sent when an iterator fails: log it; the connection is cut.
fn log_error(py: Python<'_>, app: &App, err: PyErr) {
    let logged = app
        .refs
        .error_body
        .bind(py)
        .call1((err.value(py), err.traceback(py), false));
    if let Err(e) = logged {
        e.print(py);
    }
}

impl StreamBody {
    pub fn new(
        source: Py<PyAny>,
        is_async: bool,
        ping: Option<Duration>,
        app: Arc<App>,
    ) -> StreamBody {
        StreamBody {
            source: Some(Arc::new(source)),
            is_async,
            app,
            pending: None,
            ping,
            next_ping: None,
            finished: false,
        }
    }

    fn start_pull(&self, source: &Arc<Py<PyAny>>) -> Pull {
        let app = Arc::clone(&self.app);
        if !self.is_async {
            let source = Arc::clone(source);
            return Pull::Sync(tokio::task::spawn_blocking(move || {
                Python::attach(|py| {
                    let pulled = source.bind(py).call_method0("pull");
                    to_chunk(py, &app, pulled)
                })
            }));
        }
        Python::attach(|py| {
            let coroutine = match source.bind(py).call_method0("pull") {
                Ok(c) => c,
                Err(e) => return Pull::Ready(Some(to_chunk(py, &app, Err(e)))),
            };
            match coro::start(py, &app.refs, coroutine) {
                Step::Done(outcome) => {
                    Pull::Ready(Some(to_chunk(py, &app, outcome.map(|o| o.into_bound(py)))))
                }
                Step::Pending(rx) => Pull::Waiting(rx),
            }
        })
    }

    async fn wait(app: &App, pull: &mut Pull) -> Chunk {
        match pull {
            Pull::Sync(handle) => handle.await.unwrap_or(Err(())),
            Pull::Ready(chunk) => chunk.take().unwrap_or(Err(())),
            Pull::Waiting(rx) => match rx.await {
                Ok(outcome) => {
                    Python::attach(|py| to_chunk(py, app, outcome.map(|o| o.into_bound(py))))
                }
                Err(_) => Err(()),
            },
        }
    }

    /// The next chunk (or a keep-alive ping when the iterator has been idle for the interval).
    /// Cancel-safe: a pull in flight is kept and awaited by the next call.
    pub async fn next(&mut self) -> Next {
        loop {
            if self.finished {
                return Next::End;
            }
            let Some(source) = self.source.clone() else {
                return Next::End;
            };
            if self.pending.is_none() {
                self.pending = Some(self.start_pull(&source));
            }
            let Some(pull) = self.pending.as_mut() else {
                return Next::Failed;
            };
            let chunk = match self.ping {
                Some(every) => {
                    let at = *self.next_ping.get_or_insert_with(|| Instant::now() + every);
                    tokio::select! {
                        c = Self::wait(&self.app, pull) => c,
                        _ = tokio::time::sleep_until(at) => {
                            self.next_ping = Some(Instant::now() + every);
                            return Next::Data(Bytes::from_static(PING));
                        }
                    }
                }
                None => Self::wait(&self.app, pull).await,
            };
            self.pending = None;
            if let Some(every) = self.ping {
                self.next_ping = Some(Instant::now() + every);
            }
            match chunk {
                Ok(Some(b)) if b.is_empty() => continue,
                Ok(Some(b)) => return Next::Data(b),
                Ok(None) => {
                    self.finished = true;
                    self.source = None;
                    return Next::End;
                }
                Err(()) => {
                    self.finished = true;
                    self.source = None;
                    return Next::Failed;
                }
            }
        }
    }

    /// Finalises the iterator without waiting: a pull in flight finishes first (a running
    /// generator cannot be closed), then `close()` runs on the blocking pool.
    fn close(&mut self) {
        let Some(source) = self.source.take() else {
            return;
        };
        let pending = self.pending.take();
        let close = move || {
            Python::attach(|py| {
                if let Err(e) = source.bind(py).call_method0("close") {
                    e.print(py);
                }
            })
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move {
                    if let Some(Pull::Sync(h)) = pending {
                        let _ = h.await;
                    }
                    let _ = tokio::task::spawn_blocking(close).await;
                });
            }
            Err(_) => close(),
        }
    }
}

impl Drop for StreamBody {
    fn drop(&mut self) {
        if !self.finished {
            self.close();
        }
    }
}
