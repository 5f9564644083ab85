//! Received messages waiting for the handler. The connection task appends; the handler takes
//! them on its event loop. A handler waiting on an empty inbox leaves a future that is woken
//! (completed with None) when something arrives, and then takes the message itself: a receive
//! cancelled meanwhile (`asyncio.wait_for`) loses nothing and order is kept.

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// Messages held before the connection stops reading from the socket.
pub const CAPACITY: usize = 64;

pub enum Incoming {
    Text(Utf8Bytes),
    Bytes(Bytes),
    /// The peer closed (or the connection ended). Always the last item.
    Closed {
        code: u16,
        reason: String,
    },
}

#[derive(Default)]
struct State {
    queue: VecDeque<Incoming>,
    waiter: Option<Py<PyAny>>,
    closed: bool,
}

#[derive(Default)]
pub struct Inbox {
    state: Mutex<State>,
    space: Notify,
}

/// What `take` found.
pub enum Taken {
    Item(Incoming),
    /// Nothing more will come (the connection ended without a close frame).
    Ended,
    /// Nothing yet: the future was registered and will be woken.
    Waiting,
}

impl Inbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the queue inconsistent; keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_full(&self) -> bool {
        self.lock().queue.len() >= CAPACITY
    }

    /// Appends (never refused: the connection reads only while there is room, and the final
    /// close item must always fit) and wakes a waiting receive.
    pub fn push(&self, item: Incoming) {
        let waiter = {
            let mut s = self.lock();
            if matches!(item, Incoming::Closed { .. }) {
                s.closed = true;
            }
            s.queue.push_back(item);
            s.waiter.take()
        };
        wake(waiter);
    }

    /// The connection is over; a waiting receive learns it.
    pub fn end(&self) {
        let waiter = {
            let mut s = self.lock();
            s.closed = true;
            s.waiter.take()
        };
        wake(waiter);
    }

    /// Takes the next message, or registers `future` to be woken when one arrives.
    pub fn take(&self, future: Py<PyAny>) -> Taken {
        let mut s = self.lock();
        if let Some(item) = s.queue.pop_front() {
            drop(s);
            self.space.notify_one();
            return Taken::Item(item);
        }
        if s.closed {
            return Taken::Ended;
        }
        s.waiter = Some(future);
        Taken::Waiting
    }

    /// Resolves once the handler has taken a message from a full inbox.
    pub async fn room(&self) {
        loop {
            let notified = self.space.notified();
            if !self.is_full() {
                return;
            }
            notified.await;
        }
    }
}

/// Completes the future with None on its own loop (`django_bolt.websocket._bridge.wake`).
fn wake(waiter: Option<Py<PyAny>>) {
    let Some(future) = waiter else { return };
    static WAKE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Python::attach(|py| {
        let result = WAKE
            .get_or_try_init(py, || {
                py.import("django_bolt.websocket._bridge")?
                    .getattr("wake")
                    .map(Bound::unbind)
            })
            .and_then(|f| f.bind(py).call1((future,)).map(drop));
        if let Err(e) = result {
            e.write_unraisable(py, None);
        }
    });
}
