//! Waking writer tasks from the event loop thread, one cross-thread wake-up per batch.
//!
//! Waking a tokio task from a thread outside its runtime costs a syscall (the runtime's
//! eventfd) every time; from inside the runtime it is a queue push. So the event loop thread
//! does not wake writers itself: it lists their wakers and wakes one dispatcher task, once for
//! everything listed until that task runs; the dispatcher then wakes them from inside the
//! runtime. While the serving thread is busy, a whole burst of streamed chunks (every SSE
//! stream an event loop iteration fed) costs one wake-up instead of one each.
//!
//! The dispatcher is started by the first writer that waits (it must be inside a runtime). If
//! its runtime goes away, wakers are woken directly again until another writer starts one.
//!
//! The event loop thread holds its wake-ups for the length of a loop pass
//! (`hold_writer_wakes`): the dispatcher is woken once, when the loop is about to wait for I/O
//! (`flush_writer_wakes`), not at the first chunk of the pass. Waking it mid-pass hands the CPU
//! to the serving thread for a few streams at a time when both share one (a context switch each
//! way); at the end of the pass it writes every stream the pass fed in one go.

use pyo3::prelude::*;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

struct Batch {
    wakers: Vec<Waker>,
    /// The dispatcher task, when one is running.
    dispatcher: Option<Waker>,
    /// A dispatcher was spawned and has not ended (it may not have run yet).
    started: bool,
}

static BATCH: Mutex<Batch> = Mutex::new(Batch {
    wakers: Vec::new(),
    dispatcher: None,
    started: false,
});

/// `Batch::started`, readable without the lock (writers check it before every wait).
static STARTED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// This thread's wake-ups wait for its `flush` (the event loop thread, while it runs).
    static HOLDING: Cell<bool> = const { Cell::new(false) };
}

fn batch() -> std::sync::MutexGuard<'static, Batch> {
    BATCH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Wakes `waker` soon: through the dispatcher when one runs, else now.
pub fn wake(waker: Waker) {
    let dispatcher = {
        let mut b = batch();
        if !b.started {
            drop(b);
            waker.wake();
            return;
        }
        let first = b.wakers.is_empty();
        b.wakers.push(waker);
        if first && !HOLDING.get() {
            b.dispatcher.clone()
        } else {
            None
        }
    };
    if let Some(dispatcher) = dispatcher {
        dispatcher.wake();
    }
}

/// From now on (`hold` true) the calling thread's writer wake-ups wait until it calls
/// `flush_writer_wakes`; the event loop thread, which calls that before every wait for I/O.
/// `hold` false ends that, flushing what is held.
#[pyfunction]
pub fn hold_writer_wakes(hold: bool) {
    HOLDING.set(hold);
    if !hold {
        flush_writer_wakes();
    }
}

/// Wakes the writers whose chunks were queued since the last flush (one cross-thread wake-up of
/// the dispatcher, if any are listed).
#[pyfunction]
pub fn flush_writer_wakes() {
    let dispatcher = {
        let b = batch();
        if b.wakers.is_empty() {
            return;
        }
        b.dispatcher.clone()
    };
    if let Some(dispatcher) = dispatcher {
        dispatcher.wake();
    }
}

/// Starts the dispatcher on the current runtime if none is running; called by a writer task
/// before it waits for chunks.
pub fn ensure_dispatcher() {
    if STARTED.load(Ordering::Acquire) {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    {
        let mut b = batch();
        if b.started {
            return;
        }
        b.started = true;
        STARTED.store(true, Ordering::Release);
    }
    runtime.spawn(Dispatcher);
}

struct Dispatcher;

impl Future for Dispatcher {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let wakers = {
            let mut b = batch();
            if !b
                .dispatcher
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                b.dispatcher = Some(cx.waker().clone());
            }
            std::mem::take(&mut b.wakers)
        };
        for waker in wakers {
            waker.wake();
        }
        Poll::Pending
    }
}

impl Drop for Dispatcher {
    /// Its runtime is shutting down: hand back to direct wakes, waking what is listed.
    fn drop(&mut self) {
        let wakers = {
            let mut b = batch();
            b.started = false;
            STARTED.store(false, Ordering::Release);
            b.dispatcher = None;
            std::mem::take(&mut b.wakers)
        };
        for waker in wakers {
            waker.wake();
        }
    }
}
