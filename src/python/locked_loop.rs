//! Starting handler coroutines from the Rust thread on the lock-guarded asyncio loop.
//!
//! `BoltEventLoop` (python/django_bolt/_runtime.py) holds a lock whenever it runs callbacks and
//! releases it only inside `select`. Holding that lock, a Rust thread owns the loop's state for a
//! moment, exactly as if it ran on the loop thread, so it can:
//! - start an eager asyncio task: the first step runs here, inside its own task, and only a
//!   coroutine that suspends is left to the loop thread (before 3.12, which has no eager tasks,
//!   `_runtime._eager_task_before_312` does the same by hand);
//! - run a coroutine that cannot suspend (an `async def` without any `await`, decided from its
//!   bytecode when the route is compiled) to its `return` with one `send(None)` and no task.
//!
//! Both run with the loop set as the running loop and in an empty `contextvars.Context` of their
//! own (a new one, or for a never-suspending step the one the previous step left empty). uvloop's
//! internals cannot be touched from another thread; with it Python's `first_step` is used.

use super::coro::{Completion, Outcome, Step};
use crate::schema::runtime::LockedLoopRecord;
use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::sync::Mutex;
use tokio::sync::oneshot;

pub struct LockedLoop {
    event_loop: Py<PyAny>,
    acquire: Py<PyAny>,
    release: Py<PyAny>,
    /// `asyncio.events._set_running_loop`.
    set_running_loop: Py<PyAny>,
    /// Its arguments, `(loop,)` and `(None,)`, built once: it keeps neither tuple, and two
    /// tuple allocations per request showed in profiles.
    running_args: Py<PyTuple>,
    stopped_args: Py<PyTuple>,
    /// The loop's ready queue (a deque it never replaces).
    ready: Py<PyAny>,
    /// `loop._write_to_self`: wakes the loop thread from its `select`.
    wake: Py<PyAny>,
    context_cls: Py<PyAny>,
    /// An empty `contextvars.Context` left by the last never-suspending step, run in by the
    /// next one instead of creating a new one. A context is only kept while it is empty, so a
    /// variable a handler sets never reaches another request; nothing else can hold it (Python
    /// only hands out copies of a context, never the running one).
    spare_context: Mutex<Option<Py<PyAny>>>,
    /// `contextvars.Context.run`, called unbound as `run(context, fn, *args)`.
    context_run: Py<PyAny>,
    /// `asyncio.Task` on Python 3.12+, a function with its signature before (`eager_start`).
    eager_task: Py<PyAny>,
    /// `send_none` below, as a Python callable for `Context.run`.
    send_none: Py<PyAny>,
    /// Keyword arguments of the eager task: `loop`, `eager_start=True` (`context` added per call).
    task_kwargs: Py<PyDict>,
}

/// `send(coro)`: one `send(None)` through `PyIter_Send`, returning the coroutine's return value
/// without raising `StopIteration`. A coroutine that suspends instead is closed and reported as
/// an error (it was compiled as never suspending).
#[pyfunction]
fn send_none<'py>(coro: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = coro.py();
    let mut result: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: `coro` is a live object and the GIL is held; `result` receives a new reference
    // (or NULL with an exception set), which is taken over exactly once below.
    let status = unsafe { ffi::PyIter_Send(coro.as_ptr(), ffi::Py_None(), &mut result) };
    match status {
        ffi::PySendResult::PYGEN_ERROR => Err(PyErr::fetch(py)),
        // SAFETY: on RETURN `result` is a new, non-NULL reference.
        ffi::PySendResult::PYGEN_RETURN => Ok(unsafe { Bound::from_owned_ptr(py, result) }),
        ffi::PySendResult::PYGEN_NEXT => {
            // SAFETY: on NEXT `result` is a new, non-NULL reference (the awaited value).
            drop(unsafe { Bound::from_owned_ptr(py, result) });
            // Only possible if the bytecode check was wrong: never leave a coroutine half-run.
            let _ = coro.call_method0(intern!(py, "close"));
            Err(PyRuntimeError::new_err(
                "an async handler compiled as never suspending awaited something",
            ))
        }
    }
}

impl LockedLoop {
    pub fn from_record(r: LockedLoopRecord) -> PyResult<LockedLoop> {
        Python::attach(|py| {
            let task_kwargs = PyDict::new(py);
            task_kwargs.set_item("loop", r.event_loop.bind(py))?;
            task_kwargs.set_item("eager_start", true)?;
            Ok(LockedLoop {
                running_args: PyTuple::new(py, [r.event_loop.bind(py)])?.unbind(),
                stopped_args: PyTuple::new(py, [py.None()])?.unbind(),
                acquire: r.lock.bind(py).getattr("acquire")?.unbind(),
                release: r.lock.bind(py).getattr("release")?.unbind(),
                event_loop: r.event_loop,
                set_running_loop: r.set_running_loop,
                ready: r.ready,
                wake: r.wake,
                context_cls: r.context,
                spare_context: Mutex::new(None),
                context_run: r.context_run,
                eager_task: r.eager_task,
                task_kwargs: task_kwargs.unbind(),
                send_none: wrap_pyfunction!(send_none, py)?.into_any().unbind(),
            })
        })
    }

    /// Runs `work` holding the loop's lock with the loop set as running; wakes the loop
    /// afterwards if `work` gave it callbacks or timers.
    fn locked<T>(&self, py: Python<'_>, work: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        // `acquire` waits with the GIL released, as `with lock:` does in Python.
        self.acquire.bind(py).call0()?;
        let result = (|| -> PyResult<(PyResult<T>, bool)> {
            // The step scheduled work if the lengths of the ready queue or the timer heap
            // change: only the loop thread removes entries, and the lock holds it off. The heap
            // is looked up once per step: the loop replaces the list when it purges cancelled
            // timers, which it cannot do while the lock is held.
            let ready = self.ready.bind(py);
            let timers = self
                .event_loop
                .bind(py)
                .getattr(intern!(py, "_scheduled"))?;
            let before = (ready.len()?, timers.len()?);
            let set_running = self.set_running_loop.bind(py);
            set_running.call1(self.running_args.bind(py))?;
            let done = work();
            set_running.call1(self.stopped_args.bind(py))?;
            Ok((done, (ready.len()?, timers.len()?) != before))
        })();
        let released = self.release.bind(py).call0();
        let (done, scheduled) = result?;
        released?;
        if scheduled {
            // Work handed to other threads wakes the loop itself when it completes; callbacks
            // and timers added here wait in the loop's queues until it looks again.
            self.wake.bind(py).call0()?;
        }
        done
    }

    /// Runs `coro`, which must not suspend, to completion and returns its result or exception.
    pub fn run_to_end(&self, py: Python<'_>, coro: Bound<'_, PyAny>) -> Outcome {
        let value = self.locked(py, || {
            let spare = self.spare_context.lock().ok().and_then(|mut s| s.take());
            let context = match spare {
                Some(c) => c.into_bound(py),
                None => self.context_cls.bind(py).call0()?,
            };
            // SAFETY: the GIL is held and every argument is a live object for the call; the
            // NULL-terminated variadic call passes them on the C stack (no argument tuple), and
            // its result is a new reference or NULL with an exception set.
            let value = unsafe {
                let result = ffi::PyObject_CallFunctionObjArgs(
                    self.context_run.as_ptr(),
                    context.as_ptr(),
                    self.send_none.as_ptr(),
                    coro.as_ptr(),
                    std::ptr::null_mut::<ffi::PyObject>(),
                );
                Bound::from_owned_ptr_or_err(py, result)
            };
            // Still empty: as good as a new one for the next step.
            if context.len().is_ok_and(|n| n == 0) {
                if let Ok(mut s) = self.spare_context.lock() {
                    *s = Some(context.unbind());
                }
            }
            value
        })?;
        Ok(value.unbind())
    }

    /// Starts `coro` as an eager task; `Step::Pending` once it suspended (its outcome arrives
    /// through the receiver when the loop finishes it).
    pub fn start(&self, py: Python<'_>, coro: Bound<'_, PyAny>) -> PyResult<Step> {
        let task = self.locked(py, || {
            let kwargs = self.task_kwargs.bind(py).copy()?;
            kwargs.set_item(intern!(py, "context"), self.context_cls.bind(py).call0()?)?;
            let task = self.eager_task.bind(py).call((coro,), Some(&kwargs))?;
            if task.call_method0(intern!(py, "done"))?.is_truthy()? {
                return Ok(Err(task));
            }
            let (tx, rx) = oneshot::channel();
            let done = Bound::new(py, Completion::new(tx))?;
            task.call_method1(intern!(py, "add_done_callback"), (done,))?;
            Ok(Ok(rx))
        })?;
        Ok(match task {
            Ok(rx) => Step::Pending(rx),
            Err(task) => Step::Done(task.call_method0(intern!(py, "result")).map(Bound::unbind)),
        })
    }
}
