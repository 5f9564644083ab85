//! Stepping `async def` handlers from Rust.
//!
//! The handler's coroutine becomes an asyncio task whose first step runs on the calling Rust
//! thread (`locked_loop.rs`; with uvloop, Python's `first_step` starts it on the loop thread): a
//! coroutine that finishes without suspending never waits for the event loop thread. One that
//! suspends continues on the loop, and its result comes back through a oneshot channel.

use super::refs::PyRefs;
use pyo3::intern;
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

impl Completion {
    pub fn new(sender: oneshot::Sender<Outcome>) -> Completion {
        Completion {
            sender: Mutex::new(Some(sender)),
        }
    }
}

#[pymethods]
impl Completion {
    fn __call__(&self, task: &Bound<'_, PyAny>) {
        let outcome = task
            .call_method0(intern!(task.py(), "result"))
            .map(Bound::unbind);
        if let Ok(mut guard) = self.sender.lock() {
            if let Some(sender) = guard.take() {
                // The receiver is gone only when the request was abandoned; nothing to do then.
                let _ = sender.send(outcome);
            }
        }
    }
}

pub fn start(py: Python<'_>, refs: &PyRefs, coro: Bound<'_, PyAny>) -> Step {
    let started = match &refs.locked_loop {
        Some(locked) => locked.start(py, coro),
        None => step(py, refs, coro),
    };
    match started {
        Ok(step) => step,
        Err(e) => Step::Done(Err(e)),
    }
}

fn step(py: Python<'_>, refs: &PyRefs, coro: Bound<'_, PyAny>) -> PyResult<Step> {
    let (tx, rx) = oneshot::channel();
    let done = Bound::new(py, Completion::new(tx))?;
    let finished = refs.first_step.bind(py).call1((coro, done))?;
    if finished.is_none() {
        Ok(Step::Pending(rx))
    } else {
        Ok(Step::Done(
            finished
                .call_method0(intern!(py, "result"))
                .map(Bound::unbind),
        ))
    }
}
