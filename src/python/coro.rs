//! Stepping `async def` handlers from Rust.
//!
//! The first `send(None)` happens on the calling thread: a coroutine that finishes without
//! suspending never reaches the event loop. One that suspends is handed, together with the
//! awaitable it is waiting on, to the process's event loop, and its result comes back through a
//! oneshot channel.

use super::refs::PyRefs;
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use std::sync::Mutex;
use tokio::sync::oneshot;

pub type Outcome = PyResult<Py<PyAny>>;

pub enum Step {
    Done(Outcome),
    Pending(oneshot::Receiver<Outcome>),
}

/// Called by the event loop when the handler's task finishes.
#[pyclass(module = "django_bolt._core")]
pub struct Completion {
    sender: Mutex<Option<oneshot::Sender<Outcome>>>,
}

#[pymethods]
impl Completion {
    fn __call__(&self, task: &Bound<'_, PyAny>) {
        let outcome = task.call_method0("result").map(Bound::unbind);
        if let Ok(mut guard) = self.sender.lock() {
            if let Some(sender) = guard.take() {
                // The receiver is gone only when the request was abandoned; nothing to do then.
                let _ = sender.send(outcome);
            }
        }
    }
}

fn completion(py: Python<'_>) -> PyResult<(Bound<'_, Completion>, oneshot::Receiver<Outcome>)> {
    let (tx, rx) = oneshot::channel();
    let done = Bound::new(
        py,
        Completion {
            sender: Mutex::new(Some(tx)),
        },
    )?;
    Ok((done, rx))
}

pub fn start(py: Python<'_>, refs: &PyRefs, coro: Bound<'_, PyAny>) -> Step {
    match step(py, refs, coro) {
        Ok(step) => step,
        Err(e) => Step::Done(Err(e)),
    }
}

fn step(py: Python<'_>, refs: &PyRefs, coro: Bound<'_, PyAny>) -> PyResult<Step> {
    let context = refs.context_cls.bind(py).call0()?;
    let set_running = refs.set_running_loop.bind(py);
    set_running.call1((refs.step_loop.bind(py),))?;
    let sent = context.call_method1("run", (coro.getattr("send")?, py.None()));
    set_running.call1((py.None(),))?;
    match sent {
        Ok(pending) => {
            let (done, rx) = completion(py)?;
            refs.call_soon_threadsafe.bind(py).call1((
                refs.resume.bind(py),
                coro,
                pending,
                context,
                done,
            ))?;
            Ok(Step::Pending(rx))
        }
        Err(e) if e.is_instance_of::<PyStopIteration>(py) => {
            Ok(Step::Done(Ok(e.value(py).getattr("value")?.unbind())))
        }
        Err(e) => Ok(Step::Done(Err(e))),
    }
}
