//! The connection as Python sees it: `WebSocketConn`, the Rust object behind
//! `django_bolt.websocket.WebSocket`. Python never touches the socket: received messages wait
//! in a bounded channel the connection task fills, and sent messages go into a bounded channel
//! the connection task drains. A `receive` with nothing queued hands Rust an asyncio future,
//! completed on the handler's event loop when a message arrives.

use super::inbox::{Inbox, Incoming, Taken};
use crate::request::HttpRequest;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// Messages the handler may queue before `send_*` waits for the connection to write some.
pub const SEND_QUEUE: usize = 64;

/// What Python hands to the connection task.
pub enum Outgoing {
    Message(Message),
    Close(u16, String),
}

impl Outgoing {
    pub fn into_message(self) -> Message {
        match self {
            Outgoing::Message(m) => m,
            Outgoing::Close(code, reason) => Message::Close(Some(CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            })),
        }
    }
}

/// The handler's answer to the handshake.
pub enum Decision {
    Accept {
        subprotocol: Option<String>,
        headers: Vec<(String, String)>,
    },
    /// `close()` before `accept()`: the upgrade is refused with 403.
    Refuse,
}

/// The connection task's ends of the channels.
pub struct TaskEnds {
    pub decision: oneshot::Receiver<Decision>,
    pub inbox: Arc<Inbox>,
    pub outgoing: mpsc::Receiver<Outgoing>,
}

#[pyclass(module = "django_bolt._core", name = "WebSocketConn", frozen)]
pub struct WebSocketConn {
    decision: Mutex<Option<oneshot::Sender<Decision>>>,
    outgoing: mpsc::Sender<Outgoing>,
    inbox: Arc<Inbox>,
    runtime: tokio::runtime::Handle,
    request: Arc<HttpRequest>,
    path_params: Vec<(String, String)>,
    offered: Vec<String>,
}

impl WebSocketConn {
    pub fn new(
        request: Arc<HttpRequest>,
        path_params: Vec<(String, String)>,
        offered: Vec<String>,
        runtime: tokio::runtime::Handle,
    ) -> (WebSocketConn, TaskEnds) {
        let (decision_tx, decision_rx) = oneshot::channel();
        let inbox = Arc::new(Inbox::default());
        let (out_tx, out_rx) = mpsc::channel(SEND_QUEUE);
        (
            WebSocketConn {
                decision: Mutex::new(Some(decision_tx)),
                outgoing: out_tx,
                inbox: Arc::clone(&inbox),
                runtime,
                request,
                path_params,
                offered,
            },
            TaskEnds {
                decision: decision_rx,
                inbox,
                outgoing: out_rx,
            },
        )
    }

    fn decide(&self, decision: Decision) -> PyResult<()> {
        let sender = self.decision.lock().ok().and_then(|mut d| d.take());
        match sender {
            // The task is gone only when the client left; the next receive reports that.
            Some(s) => {
                let _ = s.send(decision);
                Ok(())
            }
            None => Err(PyRuntimeError::new_err(
                "the WebSocket handshake was already answered",
            )),
        }
    }
}

/// `django_bolt.websocket._bridge.deliver(future, value)`: completes a future on its own loop.
fn deliver(py: Python<'_>, future: Py<PyAny>, value: Bound<'_, PyAny>) {
    static DELIVER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let result = DELIVER
        .get_or_try_init(py, || {
            py.import("django_bolt.websocket._bridge")?
                .getattr("deliver")
                .map(Bound::unbind)
        })
        .and_then(|f| f.bind(py).call1((future, value)).map(drop));
    if let Err(e) = result {
        e.write_unraisable(py, None);
    }
}

fn incoming_to_py(py: Python<'_>, item: Option<Incoming>) -> PyResult<Bound<'_, PyAny>> {
    Ok(match item {
        Some(Incoming::Text(t)) => PyString::new(py, t.as_str()).into_any(),
        Some(Incoming::Bytes(b)) => PyBytes::new(py, &b).into_any(),
        Some(Incoming::Closed { code, reason }) => (code, reason).into_pyobject(py)?.into_any(),
        None => (1006u16, "").into_pyobject(py)?.into_any(),
    })
}

/// `kind`: 0 text (str), 1 binary (bytes-like), 2 close (`(code, reason)`).
fn outgoing_from_py(kind: u8, data: &Bound<'_, PyAny>) -> PyResult<Outgoing> {
    match kind {
        0 => Ok(Outgoing::Message(Message::text(
            data.cast::<PyString>()?.to_str()?,
        ))),
        1 => Ok(Outgoing::Message(Message::binary(
            data.extract::<Vec<u8>>()?,
        ))),
        2 => {
            let (code, reason): (u16, String) = data.extract()?;
            if !CloseCode::from(code).is_allowed() || (1016..3000).contains(&code) {
                return Err(PyValueError::new_err(format!(
                    "{code} is not a close code an endpoint may send"
                )));
            }
            if reason.len() > 123 {
                return Err(PyValueError::new_err(
                    "a close reason is at most 123 bytes of UTF-8",
                ));
            }
            Ok(Outgoing::Close(code, reason))
        }
        _ => Err(PyValueError::new_err("unknown message kind")),
    }
}

#[pymethods]
impl WebSocketConn {
    /// Accepts the handshake; the 101 response goes out before any message.
    #[pyo3(signature = (subprotocol=None, headers=Vec::new()))]
    fn accept(&self, subprotocol: Option<String>, headers: Vec<(String, String)>) -> PyResult<()> {
        if let Some(p) = &subprotocol {
            if !self.offered.contains(p) {
                return Err(PyValueError::new_err(format!(
                    "subprotocol {p:?} was not offered by the client (offered: {:?})",
                    self.offered
                )));
            }
        }
        let mut checked = Vec::with_capacity(headers.len());
        for (name, value) in headers {
            let name = name.to_ascii_lowercase();
            if !crate::response::valid_header(&name, &value)
                || matches!(
                    name.as_str(),
                    "upgrade" | "connection" | "content-length" | "transfer-encoding"
                )
                || name.starts_with("sec-websocket-")
            {
                return Err(PyValueError::new_err(format!(
                    "header {name:?} cannot be set on a WebSocket handshake"
                )));
            }
            checked.push((name, value));
        }
        self.decide(Decision::Accept {
            subprotocol,
            headers: checked,
        })
    }

    /// Refuses the handshake (403). False when it was already answered.
    fn refuse(&self) -> bool {
        self.decide(Decision::Refuse).is_ok()
    }

    /// Queues a message: 0 queued, 1 the queue is full (use `send_wait`), 2 the connection is
    /// closed.
    fn send(&self, kind: u8, data: &Bound<'_, PyAny>) -> PyResult<u8> {
        let item = outgoing_from_py(kind, data)?;
        Ok(match self.outgoing.try_send(item) {
            Ok(()) => 0,
            Err(mpsc::error::TrySendError::Full(_)) => 1,
            Err(mpsc::error::TrySendError::Closed(_)) => 2,
        })
    }

    /// Queues a message once there is room, then completes `future` with True (or False when
    /// the connection closed meanwhile).
    fn send_wait(&self, kind: u8, data: &Bound<'_, PyAny>, future: Py<PyAny>) -> PyResult<()> {
        let item = outgoing_from_py(kind, data)?;
        let tx = self.outgoing.clone();
        self.runtime.spawn(async move {
            let sent = tx.send(item).await.is_ok();
            Python::attach(|py| {
                deliver(
                    py,
                    future,
                    pyo3::types::PyBool::new(py, sent).to_owned().into_any(),
                )
            });
        });
        Ok(())
    }

    /// The next message (str, bytes, or `(code, reason)` once closed), or None when nothing is
    /// queued: then `future` is completed (with None) once there is, and the caller asks again.
    fn receive(&self, py: Python<'_>, future: Py<PyAny>) -> PyResult<Option<Py<PyAny>>> {
        match self.inbox.take(future) {
            Taken::Item(item) => Ok(Some(incoming_to_py(py, Some(item))?.unbind())),
            Taken::Ended => Ok(Some(incoming_to_py(py, None)?.unbind())),
            Taken::Waiting => Ok(None),
        }
    }

    #[getter]
    fn path(&self) -> &str {
        &self.request.path
    }

    #[getter]
    fn query_string(&self) -> &str {
        &self.request.query
    }

    /// `[(name, value)]` with lowercase names, as received.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items: Vec<Bound<'py, PyTuple>> = self
            .request
            .headers
            .iter()
            .map(|(k, v)| PyTuple::new(py, [k.as_str(), v.as_str()]))
            .collect::<PyResult<_>>()?;
        Ok(pyo3::types::PyList::new(py, items)?.into_any())
    }

    #[getter]
    fn path_params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.path_params {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    #[getter]
    fn subprotocols(&self) -> Vec<String> {
        self.offered.clone()
    }

    #[getter]
    fn client(&self) -> Option<(String, u16)> {
        self.request.peer.map(|p| (p.ip().to_string(), p.port()))
    }

    #[getter]
    fn scheme(&self) -> &str {
        if self.request.scheme == "https" {
            "wss"
        } else {
            "ws"
        }
    }
}
