//! Running `async def` handlers that contain no `await` to completion on the calling thread.
//!
//! Such a coroutine cannot suspend (Python decides that when the route is compiled, from the
//! handler's bytecode), so it needs no asyncio task: one `send(None)` runs it to its `return`.
//! It still runs as if on the event loop: under the loop's lock, with the loop set as the
//! running loop, and in a fresh `contextvars.Context` of its own, so `get_running_loop()`,
//! `create_task()` and context variables behave as in a task. Only `asyncio.current_task()`
//! differs: it is `None` there.

use super::coro::Outcome;
use pyo3::exceptions::{PyRuntimeError, PyStopIteration};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// The loop pieces an inline step needs, looked up once (only for the lock-guarded asyncio loop;
/// uvloop's internals cannot be touched from another thread).
pub struct InlineLoop {
    event_loop: Py<PyAny>,
    acquire: Py<PyAny>,
    release: Py<PyAny>,
    /// `asyncio.events._set_running_loop`.
    set_running_loop: Py<PyAny>,
    /// The loop's ready queue (a deque it never replaces).
    ready: Py<PyAny>,
    /// `loop._write_to_self`: wakes the loop thread from its `select`.
    wake: Py<PyAny>,
    /// `contextvars.Context.run`, called unbound as `run(context, send, coro, None)`.
    context_run: Py<PyAny>,
    context_cls: Py<PyAny>,
    /// `types.CoroutineType.send`, called unbound as `send(coro, None)`.
    coroutine_send: Py<PyAny>,
}

fn field(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Py<PyAny>> {
    d.get_item(key)?.map(Bound::unbind).ok_or_else(|| {
        pyo3::exceptions::PyKeyError::new_err(format!("inline_loop is missing {key:?}"))
    })
}

impl InlineLoop {
    pub fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<InlineLoop> {
        let lock = field(d, "lock")?;
        let py = d.py();
        Ok(InlineLoop {
            event_loop: field(d, "loop")?,
            acquire: lock.bind(py).getattr("acquire")?.unbind(),
            release: lock.bind(py).getattr("release")?.unbind(),
            set_running_loop: field(d, "set_running_loop")?,
            ready: field(d, "ready")?,
            wake: field(d, "wake")?,
            context_run: field(d, "context_run")?,
            context_cls: field(d, "context")?,
            coroutine_send: field(d, "coroutine_send")?,
        })
    }

    /// Lengths of the ready queue and the timer heap: the step scheduled work if they change
    /// (only the loop thread removes entries, and it is held off by the lock meanwhile). The heap
    /// is looked up each time: the loop replaces the list when it purges cancelled timers.
    fn pending_work(&self, py: Python<'_>) -> PyResult<(usize, usize)> {
        let timers = self
            .event_loop
            .bind(py)
            .getattr(intern!(py, "_scheduled"))?;
        Ok((self.ready.bind(py).len()?, timers.len()?))
    }

    /// Runs `coro` (which must not suspend) to completion and returns its result or exception.
    pub fn run(&self, py: Python<'_>, coro: Bound<'_, PyAny>) -> Outcome {
        // `acquire` waits with the GIL released, as `with lock:` does in Python.
        self.acquire.bind(py).call0()?;
        let stepped = self.step_locked(py, &coro);
        let released = self.release.bind(py).call0();
        let (outcome, scheduled) = stepped?;
        released?;
        if scheduled {
            // Work handed to other threads wakes the loop itself when it completes; timers and
            // callbacks this step added wait in the loop's queues until it looks again.
            self.wake.bind(py).call0()?;
        }
        outcome
    }

    fn step_locked(&self, py: Python<'_>, coro: &Bound<'_, PyAny>) -> PyResult<(Outcome, bool)> {
        let before = self.pending_work(py)?;
        let set_running = self.set_running_loop.bind(py);
        set_running.call1((self.event_loop.bind(py),))?;
        let context = self.context_cls.bind(py).call0()?;
        let args = PyTuple::new(
            py,
            [
                context,
                self.coroutine_send.bind(py).clone(),
                coro.clone(),
                py.None().into_bound(py),
            ],
        )?;
        let sent = self.context_run.bind(py).call1(args);
        set_running.call1((py.None(),))?;
        let outcome = match sent {
            Err(e) if e.is_instance_of::<PyStopIteration>(py) => e
                .value(py)
                .getattr(intern!(py, "value"))
                .map(Bound::unbind),
            Err(e) => Err(e),
            Ok(_) => {
                // Only possible if the bytecode check was wrong: never leave it half-run.
                let _ = coro.call_method0(intern!(py, "close"));
                Err(PyRuntimeError::new_err(
                    "an async handler compiled as never suspending awaited something",
                ))
            }
        };
        Ok((outcome, self.pending_work(py)? != before))
    }
}
