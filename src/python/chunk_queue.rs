//! The queue between an async stream's pump (a task on the event loop thread) and the
//! connection writing it (a tokio task).
//!
//! Chunks are appended to one byte buffer (no allocation per chunk once it has grown), and the
//! reader takes everything queued at once: while the writer is busy, small chunks such as SSE
//! events pile up and go out in one socket write. The pump never waits while the queue holds
//! less than `QUEUE_BYTES` (or fewer than `MIN_CHUNKS` chunks), so a writer that keeps up costs
//! the event loop no wake-up from the tokio side; a client that stops reading makes the pump
//! wait, holding at most that much here beyond the socket's buffers.

use super::wake_batch;
use bytes::Bytes;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Bytes the pump may queue ahead of the writer.
const QUEUE_BYTES: usize = 16 * 1024;
/// Chunks always let in whatever their size, so large chunks still overlap with writing.
const MIN_CHUNKS: usize = 2;

/// Chunks queued back to back in `data`, and each one's length.
#[derive(Default)]
struct Chunks {
    data: Vec<u8>,
    lens: Vec<usize>,
}

#[derive(Default)]
struct Queue {
    queued: Chunks,
    /// How the iterator ended, known once its chunks are taken: normally, or it raised.
    end: Option<Result<(), ()>>,
    /// The reader was dropped (the client went away or the body was not sent).
    reader_gone: bool,
    /// The writer task waiting for a chunk.
    reader: Option<Waker>,
    /// A future the pump awaits while the queue is full.
    room: Option<Py<PyAny>>,
}

impl Queue {
    fn has_room(&self) -> bool {
        self.queued.lens.len() < MIN_CHUNKS || self.queued.data.len() < QUEUE_BYTES
    }
}

type Shared = Arc<Mutex<Queue>>;

fn lock(queue: &Shared) -> std::sync::MutexGuard<'_, Queue> {
    // A panic while holding it leaves nothing half-updated that matters more than the stream.
    queue
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The event-loop end: `push` from the pump task, on the loop thread. Frozen: its state is
/// behind the queue's lock, so calls skip pyo3's borrow check.
#[pyclass(module = "django_bolt._core", frozen)]
pub struct ChunkSink {
    queue: Shared,
}

#[pymethods]
impl ChunkSink {
    /// Queues a chunk; False when the queue is full (then `wait_room`) or the reader is gone.
    fn push(&self, chunk: &Bound<'_, PyBytes>) -> bool {
        let bytes = chunk.as_bytes();
        let reader = {
            let mut q = lock(&self.queue);
            if q.reader_gone || q.end.is_some() || !q.has_room() {
                return false;
            }
            if bytes.is_empty() {
                return true;
            }
            q.queued.data.extend_from_slice(bytes);
            q.queued.lens.push(bytes.len());
            q.reader.take()
        };
        if let Some(reader) = reader {
            wake_batch::wake(reader);
        }
        true
    }

    /// The iterator ended normally (the writer ends the body after the queued chunks).
    fn finish(&self) {
        self.end(Ok(()));
    }

    /// The iterator raised (already logged): the connection is cut after the queued chunks.
    fn fail(&self) {
        self.end(Err(()));
    }

    /// Whether the reader is gone (the client disconnected or the body was dropped).
    fn closed(&self) -> bool {
        lock(&self.queue).reader_gone
    }

    /// Resolves `future` (with None) once a chunk can be queued: now, or when the writer takes
    /// the queued ones. Checked under the lock the writer takes, so no wake-up is lost.
    fn wait_room(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        {
            let mut q = lock(&self.queue);
            if !(q.has_room() || q.reader_gone) {
                q.room = Some(future.clone().unbind());
                return Ok(());
            }
        }
        future.call_method1(intern!(future.py(), "set_result"), (future.py().None(),))?;
        Ok(())
    }
}

impl ChunkSink {
    fn end(&self, how: Result<(), ()>) {
        let reader = {
            let mut q = lock(&self.queue);
            q.end.get_or_insert(how);
            q.reader.take()
        };
        if let Some(reader) = reader {
            wake_batch::wake(reader);
        }
    }
}

/// What the reader gets: a chunk, the end, or the iterator's failure.
pub enum Received {
    Chunk(Bytes),
    End,
    Failed,
}

/// The writer's end: takes all queued chunks at once and hands them out one by one.
pub struct ChunkReader {
    queue: Shared,
    /// `loop.call_soon_threadsafe`, to wake a pump waiting for room.
    call_soon: Py<PyAny>,
    /// Chunks taken from the queue and not handed out yet: `batch` holds them back to back.
    batch: Bytes,
    lens: Vec<usize>,
    next: usize,
}

/// A new queue's two ends.
pub fn channel(call_soon: Py<PyAny>) -> (ChunkSink, ChunkReader) {
    let queue = Shared::default();
    let sink = ChunkSink {
        queue: Arc::clone(&queue),
    };
    let reader = ChunkReader {
        queue,
        call_soon,
        batch: Bytes::new(),
        lens: Vec::new(),
        next: 0,
    };
    (sink, reader)
}

impl ChunkReader {
    fn next_in_batch(&mut self) -> Option<Bytes> {
        let len = *self.lens.get(self.next)?;
        self.next += 1;
        if self.next == self.lens.len() {
            self.lens.clear();
            self.next = 0;
        }
        Some(self.batch.split_to(len))
    }

    /// Takes every queued chunk into the batch; `Err` with the end when nothing is queued
    /// and the iterator has ended, `Ok(false)` when nothing is queued yet.
    fn refill(&mut self, waker: Option<&Waker>) -> Result<bool, Received> {
        let room = {
            let mut q = lock(&self.queue);
            if q.queued.lens.is_empty() {
                return match q.end {
                    Some(Ok(())) => Err(Received::End),
                    Some(Err(())) => Err(Received::Failed),
                    None => {
                        if let Some(waker) = waker {
                            wake_batch::ensure_dispatcher();
                            if !q.reader.as_ref().is_some_and(|w| w.will_wake(waker)) {
                                q.reader = Some(waker.clone());
                            }
                        }
                        Ok(false)
                    }
                };
            }
            let data = &mut q.queued.data;
            // Small batches are copied so the queue keeps its buffer; a large one is moved.
            self.batch = if data.len() >= QUEUE_BYTES {
                Bytes::from(std::mem::take(data))
            } else {
                let copied = Bytes::copy_from_slice(data);
                data.clear();
                copied
            };
            std::mem::swap(&mut self.lens, &mut q.queued.lens);
            self.next = 0;
            q.room.take()
        };
        if let Some(future) = room {
            self.wake_pump(future);
        }
        Ok(true)
    }

    /// Hands `future` its result on the event loop: the queue has room again.
    fn wake_pump(&self, future: Py<PyAny>) {
        Python::attach(|py| {
            let set_result = future.bind(py).getattr(intern!(py, "set_result"));
            let woken = set_result.and_then(|f| self.call_soon.bind(py).call1((f, py.None())));
            if let Err(e) = woken {
                e.print(py);
            }
        });
    }

    /// The next chunk if one is queued now, without waiting.
    pub fn ready(&mut self) -> Option<Bytes> {
        if let Some(chunk) = self.next_in_batch() {
            return Some(chunk);
        }
        match self.refill(None) {
            Ok(true) => self.next_in_batch(),
            _ => None,
        }
    }

    /// The next chunk, or how the stream ended. Cancel-safe: nothing is taken unless returned.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Received> {
        if let Some(chunk) = self.next_in_batch() {
            return Poll::Ready(Received::Chunk(chunk));
        }
        match self.refill(Some(cx.waker())) {
            Ok(true) => match self.next_in_batch() {
                Some(chunk) => Poll::Ready(Received::Chunk(chunk)),
                None => Poll::Ready(Received::Failed),
            },
            Ok(false) => Poll::Pending,
            Err(end) => Poll::Ready(end),
        }
    }
}

impl Drop for ChunkReader {
    fn drop(&mut self) {
        // The pump sees `closed()`; the body's close cancels it if it is waiting for room.
        let mut q = lock(&self.queue);
        q.reader_gone = true;
        q.reader = None;
    }
}
