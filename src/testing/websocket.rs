//! In-process WebSocket connections for `django_bolt.testing.WebSocketTestClient`: the server
//! side is the real [`super::serve`] over an in-memory duplex stream; this side is a
//! tungstenite client that reads the handshake response and speaks masked frames.

use super::client_wire::ClientWire;
use super::{build_request, runtime};
use crate::app::PyApp;
use crate::response::Body;
use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use pyo3::exceptions::{PyConnectionError, PyRuntimeError, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, DuplexStream};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::protocol::frame::coding::OpCode;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Room in each direction of the in-memory stream, like a socket buffer.
const PIPE: usize = 256 * 1024;
/// Time for the server's answer beyond the accept timeout.
const HANDSHAKE_WAIT: Duration = Duration::from_secs(5);

struct ClientState {
    ws: WebSocketStream<ClientWire>,
    /// Data messages read while waiting for a pong.
    pending: VecDeque<Message>,
}

/// The client end of an accepted in-process WebSocket.
#[pyclass(module = "django_bolt._core", name = "TestWebSocket", frozen)]
pub struct TestWebSocket {
    state: Arc<Mutex<ClientState>>,
}

type Handshake = (
    u16,
    Vec<(String, String)>,
    Py<PyBytes>,
    Option<TestWebSocket>,
);

fn value_to_py(py: Python<'_>, message: Message) -> PyResult<Py<PyAny>> {
    Ok(match message {
        Message::Text(t) => PyString::new(py, t.as_str()).into_any().unbind(),
        Message::Binary(b) => PyBytes::new(py, &b).into_any().unbind(),
        Message::Close(frame) => {
            let (code, reason) = frame
                .map(|f| (u16::from(f.code), f.reason.as_str().to_owned()))
                .unwrap_or((1005, String::new()));
            (code, reason).into_pyobject(py)?.into_any().unbind()
        }
        _ => py.None(),
    })
}

/// The answer to a request that did not become a WebSocket.
fn not_upgraded(py: Python<'_>, resp: crate::response::Response) -> Handshake {
    let headers = resp
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let body: &[u8] = match &resp.body {
        Body::Full(b) => b,
        _ => &[],
    };
    (resp.status, headers, PyBytes::new(py, body).unbind(), None)
}

/// Opens a WebSocket on `app` in process. Returns the handshake response; the connection is
/// set when the status is 101. `headers` must carry the upgrade headers. `handshake_timeout`:
/// seconds to wait for the handler to accept or refuse (default: until the server's own
/// accept timeout answers 503); on expiry the client leaves, as a real one gives up.
#[pyfunction]
#[pyo3(signature = (app, path, headers, client=None, handshake_timeout=None))]
pub fn test_websocket(
    py: Python<'_>,
    app: &PyApp,
    path: &str,
    headers: Vec<(String, String)>,
    client: Option<(String, u16)>,
    handshake_timeout: Option<f64>,
) -> PyResult<Handshake> {
    let handshake_timeout = handshake_timeout
        .map(|s| {
            Duration::try_from_secs_f64(s).map_err(|_| {
                PyValueError::new_err("handshake_timeout must be a number of seconds >= 0")
            })
        })
        .transpose()?;
    let request = build_request("GET", path, headers, Vec::new(), client)?;
    let inner = Arc::clone(&app.inner);
    let rt = runtime()?;
    if let Err(refused) = crate::pipeline::check_host(&inner, &request) {
        return Ok(not_upgraded(py, refused));
    }
    // Stage 1 (`route`) decides, as on a socket: a WebSocket route takes the connection,
    // anything else is answered by the rest of the HTTP pipeline.
    let routed = py
        .detach(|| {
            let app = Arc::clone(&inner);
            rt.block_on(rt.spawn(async move {
                let mut request = request;
                let routed = crate::pipeline::route::route(&app, &mut request).await;
                (request, routed)
            }))
        })
        .map_err(|e| PyRuntimeError::new_err(format!("request task failed: {e}")))?;
    let (request, routed) = routed;
    if !matches!(routed.target, crate::pipeline::Target::WebSocket { .. }) {
        let resp = py
            .detach(|| {
                rt.block_on(rt.spawn(async move {
                    let identity =
                        match crate::pipeline::admit::admit(&inner, &routed, &request).await {
                            Ok(identity) => identity,
                            Err(resp) => return resp,
                        };
                    crate::pipeline::respond(&inner, routed, identity, request, None).await
                }))
            })
            .map_err(|e| PyRuntimeError::new_err(format!("request task failed: {e}")))?;
        return Ok(not_upgraded(py, resp));
    };
    let key = request
        .header("sec-websocket-key")
        .unwrap_or("")
        .trim()
        .to_owned();
    let (mut client_io, server_io) = tokio::io::duplex(PIPE);
    // The server answers by its accept timeout (503) at the latest.
    let handshake_wait =
        handshake_timeout.unwrap_or(inner.config.ws_accept_timeout + HANDSHAKE_WAIT);
    let opened = py.detach(|| {
        rt.block_on(async {
            rt.spawn(crate::websocket::serve(
                inner,
                server_io,
                BytesMut::new(),
                request,
                routed,
                None,
            ));
            tokio::time::timeout(handshake_wait, read_response(&mut client_io)).await
        })
    });
    let (status, headers, rest) = opened
        .map_err(|_| PyTimeoutError::new_err("the WebSocket handler neither accepted nor refused"))?
        .map_err(PyConnectionError::new_err)?;
    if status != 101 {
        return Ok((status, headers, PyBytes::new(py, &rest).unbind(), None));
    }
    let expected = crate::websocket::handshake::accept_key(&key);
    if !headers
        .iter()
        .any(|(k, v)| k == "sec-websocket-accept" && *v == expected)
    {
        return Err(PyRuntimeError::new_err(
            "the 101 response carries a wrong Sec-WebSocket-Accept",
        ));
    }
    let deflate = headers.iter().any(|(k, v)| {
        k == "sec-websocket-extensions" && v.trim_start().starts_with("permessage-deflate")
    });
    let early = if deflate { Vec::new() } else { rest.to_vec() };
    let wire = ClientWire::new(client_io, deflate, &rest);
    let ws = py.detach(|| {
        rt.block_on(WebSocketStream::from_partially_read(
            wire,
            early,
            Role::Client,
            None,
        ))
    });
    let conn = TestWebSocket {
        state: Arc::new(Mutex::new(ClientState {
            ws,
            pending: VecDeque::new(),
        })),
    };
    Ok((101, headers, PyBytes::new(py, b"").unbind(), Some(conn)))
}

/// Reads the handshake response: status, lowercase headers, then the body (for a refusal) or
/// the bytes already read past the head (for a 101).
async fn read_response(
    io: &mut DuplexStream,
) -> Result<(u16, Vec<(String, String)>, Bytes), String> {
    let mut buf = BytesMut::with_capacity(4096);
    loop {
        let mut header_slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut header_slots);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(n)) => {
                let status = parsed.code.unwrap_or(0);
                let headers: Vec<(String, String)> = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                let mut rest = buf.split_off(n);
                if status != 101 {
                    let length = headers
                        .iter()
                        .find(|(k, _)| k == "content-length")
                        .and_then(|(_, v)| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    while rest.len() < length {
                        if io.read_buf(&mut rest).await.map_err(|e| e.to_string())? == 0 {
                            break;
                        }
                    }
                }
                return Ok((status, headers, rest.freeze()));
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Err(format!("bad handshake response: {e}")),
        }
        if io.read_buf(&mut buf).await.map_err(|e| e.to_string())? == 0 {
            return Err("the server closed the connection during the handshake".into());
        }
    }
}

fn closed_error() -> PyErr {
    PyConnectionError::new_err("the WebSocket is closed")
}

#[pymethods]
impl TestWebSocket {
    /// Sends a message: `kind` 0 text (str), 1 binary (bytes).
    fn send(&self, py: Python<'_>, kind: u8, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let message = match kind {
            0 => Message::text(data.cast::<PyString>()?.to_str()?),
            1 => Message::binary(data.extract::<Vec<u8>>()?),
            _ => return Err(PyValueError::new_err("unknown message kind")),
        };
        self.write(py, message)
    }

    /// Sends one raw frame, for fragmentation and protocol-error tests.
    fn send_frame(&self, py: Python<'_>, opcode: u8, payload: Vec<u8>, fin: bool) -> PyResult<()> {
        self.write(
            py,
            Message::Frame(Frame::message(payload, OpCode::from(opcode), fin)),
        )
    }

    /// The next data message (str or bytes), or `(code, reason)` when the server closed.
    fn receive(&self, py: Python<'_>, timeout: f64) -> PyResult<Py<PyAny>> {
        let state = Arc::clone(&self.state);
        let got = py.detach(|| {
            runtime()?.block_on(async move {
                let mut s = state.lock().await;
                if let Some(m) = s.pending.pop_front() {
                    return Ok(Some(m));
                }
                let read = tokio::time::timeout(secs(timeout)?, async {
                    loop {
                        match s.ws.next().await {
                            Some(Ok(m)) if m.is_close() => {
                                // Sends tungstenite's queued reply to the server's close.
                                let _ = s.ws.flush().await;
                                return Some(m);
                            }
                            Some(Ok(m)) if m.is_text() || m.is_binary() => return Some(m),
                            Some(Ok(_)) => continue,
                            _ => return None,
                        }
                    }
                })
                .await;
                read.map_err(|_| PyTimeoutError::new_err("no WebSocket message in time"))
            })
        })?;
        match got {
            Some(m) => value_to_py(py, m),
            None => Ok((1006u16, "").into_pyobject(py)?.into_any().unbind()),
        }
    }

    /// Sends a ping and returns the pong's payload. Messages read meanwhile stay queued.
    fn ping(&self, py: Python<'_>, payload: Vec<u8>, timeout: f64) -> PyResult<Py<PyBytes>> {
        let state = Arc::clone(&self.state);
        let pong = py.detach(|| {
            runtime()?.block_on(async move {
                let mut s = state.lock().await;
                s.ws.send(Message::Ping(payload.into()))
                    .await
                    .map_err(|_| closed_error())?;
                let read = tokio::time::timeout(secs(timeout)?, async {
                    loop {
                        match s.ws.next().await {
                            Some(Ok(Message::Pong(data))) => return Ok(data),
                            Some(Ok(m)) => s.pending.push_back(m),
                            _ => return Err(closed_error()),
                        }
                    }
                })
                .await;
                read.map_err(|_| PyTimeoutError::new_err("no pong in time"))?
            })
        })?;
        Ok(PyBytes::new(py, &pong).unbind())
    }

    /// Sends a close frame and waits for the server's; returns its `(code, reason)`.
    fn close(
        &self,
        py: Python<'_>,
        code: u16,
        reason: String,
        timeout: f64,
    ) -> PyResult<Py<PyAny>> {
        let state = Arc::clone(&self.state);
        let reply = py.detach(|| {
            runtime()?.block_on(async move {
                let mut s = state.lock().await;
                let frame = crate::websocket::channel::Outgoing::Close(code, reason).into_message();
                // The server may have closed first; then its close frame is still to be read.
                let _ = s.ws.send(frame).await;
                let wait = tokio::time::timeout(secs(timeout)?, async {
                    while let Some(Ok(m)) = s.ws.next().await {
                        if m.is_close() {
                            return Some(m);
                        }
                    }
                    None
                })
                .await;
                Ok::<_, PyErr>(wait.ok().flatten())
            })
        })?;
        match reply {
            Some(m) => value_to_py(py, m),
            None => Ok((1006u16, "").into_pyobject(py)?.into_any().unbind()),
        }
    }
}

fn secs(timeout: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(timeout).map_err(|_| PyValueError::new_err("invalid timeout"))
}

impl TestWebSocket {
    fn write(&self, py: Python<'_>, message: Message) -> PyResult<()> {
        let state = Arc::clone(&self.state);
        py.detach(|| {
            runtime()?.block_on(async move {
                let mut s = state.lock().await;
                s.ws.send(message).await.map_err(|_| closed_error())
            })
        })
    }
}
