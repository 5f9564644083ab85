//! Streamed bodies produced by Python iterators.
//!
//! A slow client slows the iterator down instead of making the server buffer the stream:
//! - sync iterators are pulled one chunk at a time on the shared blocking pool (no thread per
//!   stream), the next pull starting only once the previous chunk was written;
//! - async iterators are driven by one task on the event loop (`AsyncChunks.pump`) that queues
//!   chunks in a `ChunkSink` (`chunk_queue.rs`) and waits only while that queue is full.
//!
//! The Python side is `django_bolt.streaming.SyncChunks`/`AsyncChunks`; `close()` finalises the
//! iterator (`close()`/`aclose()`, so `finally` blocks run) when the body is dropped unfinished.

use super::chunk_queue::{self, ChunkReader, Received};
use super::coro;
use super::refs::PyRefs;
use crate::response::{ChunkSource, Next};
use bytes::Bytes;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The SSE comment sent when a stream with a ping interval has been idle that long.
pub const PING: &[u8] = b": ping\n\n";

/// The result of one pull: a chunk, the end, or an exception (already logged).
type Chunk = Result<Option<Bytes>, ()>;

enum Pull {
    Sync(JoinHandle<Chunk>),
}

pub struct StreamBody {
    source: Option<Arc<Py<PyAny>>>,
    is_async: bool,
    refs: Arc<PyRefs>,
    pending: Option<Pull>,
    pumped: Option<ChunkReader>,
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

fn to_chunk(py: Python<'_>, refs: &PyRefs, pulled: PyResult<Bound<'_, PyAny>>) -> Chunk {
    match pulled {
        Ok(obj) if obj.is_none() => Ok(None),
        Ok(obj) => match obj.cast::<PyBytes>() {
            Ok(b) => Ok(Some(Bytes::copy_from_slice(b.as_bytes()))),
            Err(_) => {
                log_error(
                    py,
                    refs,
                    pyo3::exceptions::PyTypeError::new_err("stream chunk is not bytes"),
                );
                Err(())
            }
        },
        Err(e) => {
            log_error(py, refs, e);
            Err(())
        }
    }
}

/// The headers are already sent when an iterator fails: log it; the connection is cut.
fn log_error(py: Python<'_>, refs: &PyRefs, err: PyErr) {
    let logged = refs
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
        refs: Arc<PyRefs>,
    ) -> StreamBody {
        StreamBody {
            source: Some(Arc::new(source)),
            is_async,
            refs,
            pending: None,
            pumped: None,
            ping,
            next_ping: None,
            finished: false,
        }
    }

    fn start_pull(&self, source: &Arc<Py<PyAny>>) -> Pull {
        let refs = Arc::clone(&self.refs);
        let source = Arc::clone(source);
        Pull::Sync(tokio::task::spawn_blocking(move || {
            Python::attach(|py| {
                let pulled = source.bind(py).call_method0(intern!(py, "pull"));
                to_chunk(py, &refs, pulled)
            })
        }))
    }

    /// Starts the async iterator's pump task; its first step runs here, like a handler's.
    fn start_pump(&self, source: &Arc<Py<PyAny>>) -> Result<ChunkReader, ()> {
        Python::attach(|py| {
            let src = source.bind(py);
            let call_soon = src
                .getattr("call_soon_threadsafe")
                .map_err(|e| log_error(py, &self.refs, e))?;
            let (sink, reader) = chunk_queue::channel(call_soon.unbind());
            let sink = Bound::new(py, sink).map_err(|e| log_error(py, &self.refs, e))?;
            let pump = src
                .call_method1("pump", (sink,))
                .map_err(|e| log_error(py, &self.refs, e))?;
            // The pump reports through the sink; its own completion carries nothing.
            let _ = coro::start(py, &self.refs, pump);
            Ok(reader)
        })
    }

    async fn wait(pull: &mut Pull) -> Chunk {
        match pull {
            Pull::Sync(handle) => handle.await.unwrap_or(Err(())),
        }
    }

    async fn produce(&mut self, source: &Arc<Py<PyAny>>) -> Chunk {
        if self.is_async {
            if self.pumped.is_none() {
                self.pumped = Some(self.start_pump(source)?);
            }
            let Some(reader) = self.pumped.as_mut() else {
                return Err(());
            };
            return match std::future::poll_fn(|cx| reader.poll_recv(cx)).await {
                Received::Chunk(chunk) => Ok(Some(chunk)),
                Received::End => Ok(None),
                Received::Failed => Err(()),
            };
        }
        if self.pending.is_none() {
            self.pending = Some(self.start_pull(source));
        }
        let chunk = match self.pending.as_mut() {
            Some(pull) => Self::wait(pull).await,
            None => Err(()),
        };
        self.pending = None;
        chunk
    }

    /// The next chunk (or a keep-alive ping when the iterator has been idle for the interval).
    /// Cancel-safe: a pull in flight is kept and awaited by the next call.
    pub async fn next_chunk(&mut self) -> Next {
        loop {
            if self.finished {
                return Next::End;
            }
            let Some(source) = self.source.clone() else {
                return Next::End;
            };
            let chunk = match self.ping {
                Some(every) => {
                    let at = *self.next_ping.get_or_insert_with(|| Instant::now() + every);
                    tokio::select! {
                        c = self.produce(&source) => c,
                        _ = tokio::time::sleep_until(at) => {
                            self.next_ping = Some(Instant::now() + every);
                            return Next::Data(Bytes::from_static(PING));
                        }
                    }
                }
                None => self.produce(&source).await,
            };
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

impl ChunkSource for StreamBody {
    fn next(&mut self) -> std::pin::Pin<Box<dyn std::future::Future<Output = Next> + Send + '_>> {
        Box::pin(self.next_chunk())
    }

    fn ready(&mut self) -> Option<Bytes> {
        let chunk = self.pumped.as_mut()?.ready()?;
        if let Some(every) = self.ping {
            self.next_ping = Some(Instant::now() + every);
        }
        Some(chunk)
    }
}

impl Drop for StreamBody {
    fn drop(&mut self) {
        if !self.finished {
            self.close();
        }
    }
}
