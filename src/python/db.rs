//! Which threads used Django's database, so the connection lifecycle (`django_bolt.db`) runs
//! only after requests that touched it.
//!
//! `django_bolt.db` installs an execute wrapper on each connection a runtime thread opens; every
//! query through it calls [`database_touched`] (a thread-local flag). After a sync handler,
//! [`finish_sync`] reads the flag: a route that never queries the database pays one thread-local
//! read and no Python. Async handlers query through asgiref's ORM thread, whose wrapper sets one
//! process-wide flag that [`finish_async`] reads after the async request.

use super::refs::PyRefs;
use pyo3::prelude::*;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

thread_local! {
    /// Whether this thread has its Python name (`bolt_orm_sync_N`) yet.
    static NAMED: Cell<bool> = const { Cell::new(false) };
    static TOUCHED: Cell<bool> = const { Cell::new(false) };
    /// When the earliest connection this thread keeps passes `CONN_MAX_AGE` (Django checks
    /// connections at request start too: an idle one that aged out is closed before use).
    static CLOSE_DUE: Cell<Option<Instant>> = const { Cell::new(None) };
}

static ORM_THREAD_TOUCHED: AtomicBool = AtomicBool::new(false);

/// Marks the calling thread as having used a database connection during this request.
#[pyfunction]
pub fn database_touched() {
    TOUCHED.with(|t| t.set(true));
}

/// Marks asgiref's ORM thread (where `await Model.objects...` runs) as having used one.
#[pyfunction]
pub fn orm_thread_touched() {
    ORM_THREAD_TOUCHED.store(true, Ordering::Relaxed);
}

/// Before a sync handler, on its thread: a kept connection past its `CONN_MAX_AGE` is closed
/// before the handler can use it. A thread that keeps none reads one thread-local.
pub fn start_sync(py: Python<'_>, refs: &PyRefs) {
    if !NAMED.with(|n| n.replace(true)) {
        name_thread(py);
    }
    if let Some(due) = CLOSE_DUE.with(Cell::get) {
        if Instant::now() >= due {
            call(py, &refs.db_request_finished);
        }
    }
}

static THREADS_NAMED: AtomicUsize = AtomicUsize::new(0);

/// Names the calling blocking-pool thread for Python (`threading.current_thread().name`, log
/// records' `threadName`): `bolt_orm_sync_N`, a thread where sync handlers and their ORM queries
/// run, instead of `Dummy-N`. The release names its ORM threads `bolt_orm_*` too.
fn name_thread(py: Python<'_>) {
    let n = THREADS_NAMED.fetch_add(1, Ordering::Relaxed) + 1;
    let named = py
        .import("threading")
        .and_then(|threading| threading.call_method0("current_thread"))
        .and_then(|thread| thread.setattr("name", format!("bolt_orm_sync_{n}")));
    if let Err(e) = named {
        e.print(py);
    }
}

/// After a sync handler, on its thread: Django's end-of-request connection handling when the
/// handler (or anything it called on this thread) queried the database, or when it failed (500):
/// a connection that broke while connecting or opening a cursor ran no query through the wrapper.
pub fn finish_sync(py: Python<'_>, refs: &PyRefs, failed: bool) {
    if TOUCHED.with(|t| t.replace(false)) || failed {
        call(py, &refs.db_request_finished);
    }
}

/// After an async handler: the ORM thread's connections are checked on that thread (queued),
/// when it queried for any request since the last check or this request failed (500).
pub fn finish_async(py: Python<'_>, refs: &PyRefs, failed: bool) {
    let touched = ORM_THREAD_TOUCHED.load(Ordering::Relaxed)
        && ORM_THREAD_TOUCHED.swap(false, Ordering::AcqRel);
    if touched || failed {
        call(py, &refs.orm_request_finished);
    }
}

/// `db_request_finished` for code that has no `PyRefs` (the revocation store's blocking call).
static REQUEST_FINISHED: OnceLock<Py<PyAny>> = OnceLock::new();

/// Registers the hook for [`after_store_call`] (the first compiled app's; it is one function).
pub fn register(py: Python<'_>, refs: &PyRefs) {
    let _ = REQUEST_FINISHED.set(refs.db_request_finished.clone_ref(py));
    let _ = crate::auth::revocation::AFTER_STORE_CALL.set(after_store_call);
}

fn after_store_call(py: Python<'_>, failed: bool) {
    if let Some(hook) = REQUEST_FINISHED.get() {
        if TOUCHED.with(|t| t.replace(false)) || failed {
            call(py, hook);
        }
    }
}

/// Calls a lifecycle hook; it returns the seconds until the earliest connection it kept on this
/// thread is due (`None`: none kept, or kept for ever), remembered for [`start_sync`].
fn call(py: Python<'_>, hook: &Py<PyAny>) {
    match hook.bind(py).call0() {
        Ok(due) => {
            let seconds = due.extract::<Option<f64>>().ok().flatten();
            let due = seconds
                .filter(|s| s.is_finite())
                .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
            CLOSE_DUE.with(|c| c.set(due));
        }
        // The response is already made; the hook's failure is logged, never sent.
        Err(e) => e.write_unraisable(py, Some(hook.bind(py))),
    }
}
