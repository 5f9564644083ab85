//! WebSockets: `@api.websocket` routes. The upgrade is checked in Rust (headers, origin,
//! parameters) before the handler runs; the handler's `accept()` sends the 101; frames,
//! ping/pong, fragmentation, size and UTF-8 limits and the close handshake stay in Rust.
//! The socket server and the in-process test client both enter through [`serve`], with the
//! request already through the pipeline's `route` stage; the upgrade is then admitted by the
//! same `admit` checks as an HTTP request.

pub mod channel;
pub mod deflate;
pub mod handshake;
pub mod inbox;
pub mod session;

use crate::app::App;
use crate::params::{self, ExtractError};
use crate::pipeline::admit;
use crate::pipeline::{Routed, Target};
use crate::python::coro::{self, Step};
use crate::python::response::from_error;
use crate::request::HttpRequest;
use crate::response::Response;
use bytes::BytesMut;
use channel::{Decision, WebSocketConn};
use pyo3::prelude::*;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, watch};

/// The handler's task: still running, or finished with its outcome.
pub enum Handler {
    Running(oneshot::Receiver<coro::Outcome>),
    Done(coro::Outcome),
}

/// How a WebSocket request went, for the access log: the handshake's status (101, or the
/// refusal's) and, after a 101, the session's bytes and close code.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    pub status: u16,
    /// The refusal's body length for a refused upgrade.
    pub bytes_out: u64,
    pub session: Option<session::Summary>,
}

struct Accepted {
    accept_key: String,
    /// The `Sec-WebSocket-Extensions` answer, when `permessage-deflate` was negotiated.
    extension: Option<&'static str>,
    subprotocol: Option<String>,
    headers: Vec<(String, String)>,
    inbox: Arc<inbox::Inbox>,
    outgoing: mpsc::Receiver<channel::Outgoing>,
    handler: Handler,
}

/// Runs one WebSocket connection: handshake, handler, frames, close. `buffered` holds bytes
/// the HTTP reader already took from the stream after the request head.
pub async fn serve<S>(
    app: Arc<App>,
    mut stream: S,
    buffered: BytesMut,
    req: HttpRequest,
    routed: Routed,
    shutdown: Option<watch::Receiver<bool>>,
) -> Outcome
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let Some(slot) = app.websockets.take(app.config.ws_max_connections) else {
        let busy = Response::detail(503, "Too many WebSocket connections");
        return refuse(&mut stream, busy).await;
    };
    let mut buffered = buffered;
    let opened = match routed.target {
        Target::WebSocket { index, params } => {
            open(&app, req, index, params, &mut stream, &mut buffered).await
        }
        // Not an upgrade to a WebSocket route: the transport answers it as HTTP instead.
        _ => Err(Response::detail(400, "Not a WebSocket upgrade")),
    };
    match opened {
        Err(resp) => {
            // Given back before the answer: a client that reads the refusal may connect again.
            drop(slot);
            refuse(&mut stream, resp).await
        }
        Ok(accepted) => {
            let mut headers = accepted.headers;
            if let Some(extension) = accepted.extension {
                headers.push(("sec-websocket-extensions".into(), extension.into()));
            }
            let head = handshake::switching_protocols(
                &accepted.accept_key,
                accepted.subprotocol.as_deref(),
                &headers,
            );
            let mut outcome = Outcome {
                status: 101,
                bytes_out: 0,
                session: None,
            };
            if stream.write_all(&head).await.is_err() {
                accepted.inbox.end();
                return outcome;
            }
            let summary = session::run(
                stream,
                buffered,
                session::Limits {
                    deflate: accepted.extension.is_some(),
                    ..session::Limits::of(&app.config)
                },
                accepted.inbox,
                accepted.outgoing,
                accepted.handler,
                shutdown,
            )
            .await;
            outcome.bytes_out = summary.bytes_out;
            outcome.session = Some(summary);
            outcome
        }
    }
}

/// Answers the upgrade with `resp` (no 101) and ends the connection.
async fn refuse<S>(stream: &mut S, resp: Response) -> Outcome
where
    S: AsyncWrite + Unpin,
{
    let mut out = Vec::new();
    crate::response::date::with_http_date(|date| {
        crate::response::write_head(&mut out, &resp, date, false)
    });
    // Handshake refusals are always buffered bodies.
    if let crate::response::Body::Full(body) = &resp.body {
        out.extend_from_slice(body);
    }
    let _ = stream.write_all(&out).await;
    let _ = stream.shutdown().await;
    Outcome {
        status: resp.status,
        bytes_out: resp.content_length().unwrap_or(0),
        session: None,
    }
}

/// Bytes a client may send before the 101 (it should send none) that are kept for the session.
const EARLY_BYTES: usize = 64 * 1024;

/// Everything before the 101: checks, then the handler until it accepts or refuses. The stream
/// is watched meanwhile: a client that leaves ends the connection for the handler at once (its
/// `accept()` then finds nobody, its next send or receive raises `WebSocketDisconnect`).
async fn open<S>(
    app: &Arc<App>,
    req: HttpRequest,
    index: usize,
    path_params: Vec<(String, String)>,
    stream: &mut S,
    buffered: &mut BytesMut,
) -> Result<Accepted, Response>
where
    S: AsyncRead + Unpin,
{
    let shake = handshake::check(&req)?;
    let route = &app.routes[index];
    handshake::check_origin(&req, &app.config, route.middleware.cors.as_deref())?;
    // The `admit` stage: rate limit, the route's `auth=`/`guards=` (401/403 before the upgrade).
    let identity = admit::check(&app.middleware.limiter, route, &req).await?;
    // Off by setting, or per route with `@no_compress`.
    let extension = (app.config.ws_compression && route.middleware.compress)
        .then(|| {
            deflate::negotiate(
                req.headers
                    .iter()
                    .filter(|(name, _)| name == "sec-websocket-extensions")
                    .map(|(_, value)| value.as_str()),
            )
        })
        .flatten();
    let extracted = match params::extract(&route.params, route.needs, &req, &path_params, None) {
        Ok(e) => e,
        Err(ExtractError::BadRequest(m)) => return Err(Response::detail(400, &m)),
        Err(ExtractError::UnsupportedMediaType(m)) => return Err(Response::detail(415, &m)),
    };
    let req = Arc::new(req);
    let (conn, ends) = WebSocketConn::new(
        Arc::clone(&req),
        path_params.clone(),
        shake.subprotocols,
        tokio::runtime::Handle::current(),
    );
    let step = Python::attach(|py| {
        let conn = Bound::new(py, conn)
            .map_err(|e| from_error(py, &app.refs, app.config.debug, e, &req))?
            .into_any();
        let coroutine = crate::pipeline::run::call_handler(
            py,
            app,
            route,
            &req,
            path_params,
            extracted,
            Some(conn),
            identity,
            &mut Vec::new(), // a WebSocket handler takes no uploads
        )?;
        Ok::<_, Response>(coro::start(py, &app.refs, coroutine))
    })?;
    let mut handler = match step {
        Step::Done(outcome) => Handler::Done(outcome),
        Step::Pending(rx) => Handler::Running(rx),
    };
    let mut decision_rx = ends.decision;
    // A handler that already returned has dropped its end: the receiver is then spent and must
    // not be polled again (tokio panics), only the handler's outcome is awaited.
    let (mut decision, mut undecided) = match decision_rx.try_recv() {
        Ok(d) => (Some(d), false),
        Err(oneshot::error::TryRecvError::Empty) => (None, true),
        Err(oneshot::error::TryRecvError::Closed) => (None, false),
    };
    let mut timed_out = false;
    let mut client_left = false;
    let mut finished = None;
    if decision.is_none() {
        if let Handler::Running(rx) = &mut handler {
            let deadline = tokio::time::sleep(app.config.ws_accept_timeout);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    d = &mut decision_rx, if undecided => {
                        undecided = false;
                        decision = d.ok();
                        if decision.is_none() {
                            continue; // dropped undecided: the handler's outcome answers
                        }
                    }
                    outcome = &mut *rx => {
                        finished = Some(outcome.unwrap_or_else(|_| Err(lost_handler())));
                        if undecided {
                            decision = decision_rx.try_recv().ok();
                        }
                    }
                    () = &mut deadline => timed_out = true,
                    read = stream.read_buf(buffered), if buffered.len() < EARLY_BYTES => {
                        if matches!(read, Ok(0) | Err(_)) {
                            client_left = true;
                        } else {
                            continue;
                        }
                    }
                }
                break;
            }
        }
    }
    if let Some(outcome) = finished {
        handler = Handler::Done(outcome);
    }
    // The handler may still accept later; it then finds the connection gone (its receive
    // raises WebSocketDisconnect) instead of holding the socket open without a 101.
    if client_left {
        // Nobody reads this answer; it is what the access log records.
        let detail = "The client left before the handshake was answered";
        return Err(abandon(
            &ends.inbox,
            "client left during the handshake",
            400,
            detail,
        ));
    }
    if timed_out {
        let detail = "The WebSocket handler did not accept the connection in time";
        return Err(abandon(&ends.inbox, "accept timeout", 503, detail));
    }
    match decision {
        Some(Decision::Accept {
            subprotocol,
            headers,
        }) => Ok(Accepted {
            accept_key: shake.accept_key,
            extension,
            subprotocol,
            headers,
            inbox: ends.inbox,
            outgoing: ends.outgoing,
            handler,
        }),
        _ => Err(match handler {
            // An exception before accept() answers the upgrade as it would answer a request.
            Handler::Done(Err(e)) => {
                Python::attach(|py| from_error(py, &app.refs, app.config.debug, e, &req))
            }
            _ => Response::detail(403, "WebSocket connection refused"),
        }),
    }
}

/// Ends the connection for a handler that has not accepted; `status`/`detail` answer the upgrade.
fn abandon(inbox: &inbox::Inbox, reason: &str, status: u16, detail: &str) -> Response {
    inbox.push(inbox::Incoming::Closed {
        code: session::ABNORMAL,
        reason: reason.into(),
    });
    inbox.end();
    Response::detail(status, detail)
}

fn lost_handler() -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err("the WebSocket handler's task was lost")
}
