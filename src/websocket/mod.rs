//! WebSockets: `@api.websocket` routes. The upgrade is checked in Rust (headers, origin,
//! parameters) before the handler runs; the handler's `accept()` sends the 101; frames,
//! ping/pong, fragmentation, size and UTF-8 limits and the close handshake stay in Rust.
//! The socket server and the in-process test client both enter through [`serve`].

pub mod channel;
pub mod handshake;
pub mod inbox;
pub mod session;
pub mod testing;

use crate::app::App;
use crate::params::{self, ExtractError};
use crate::python::coro::{self, Outcome, Step};
use crate::request::{HttpRequest, Method};
use crate::response::convert::from_error;
use crate::response::Response;
use crate::router::Lookup;
use bytes::BytesMut;
use channel::{Decision, WebSocketConn};
use pyo3::prelude::*;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, watch};

/// The WebSocket route an upgrade request reached.
pub struct Target {
    pub route: usize,
    pub params: Vec<(String, String)>,
}

/// The route to hand the connection to, when `req` asks to upgrade on a WebSocket path.
/// Other upgrade requests are answered as plain HTTP.
pub fn upgrade_target(app: &App, req: &HttpRequest) -> Option<Target> {
    if !handshake::is_upgrade(req) {
        return None;
    }
    match app.router.lookup(&Method::WebSocket, &req.path) {
        Lookup::Route { route, params } => Some(Target { route, params }),
        _ => None,
    }
}

/// A WebSocket route exists at this request's path (asked when no HTTP route matched).
pub fn is_websocket_path(app: &App, req: &HttpRequest) -> bool {
    matches!(req.method, Method::Get | Method::Head)
        && matches!(
            app.router.lookup(&Method::WebSocket, &req.path),
            Lookup::Route { .. }
        )
}

pub fn upgrade_required() -> Response {
    Response::detail(426, "This path only accepts WebSocket connections")
        .with_header("upgrade", "websocket")
        .with_header("connection", "Upgrade")
}

/// The handler's task: still running, or finished with its outcome.
pub enum Handler {
    Running(oneshot::Receiver<Outcome>),
    Done(Outcome),
}

struct Accepted {
    accept_key: String,
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
    mut req: HttpRequest,
    target: Target,
    shutdown: Option<watch::Receiver<bool>>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    crate::server::proxy::apply_forwarded(&mut req, &app.config.trusted_proxies);
    match open(&app, req, target).await {
        Err(resp) => {
            let mut out = Vec::new();
            crate::server::date::with_http_date(|date| {
                crate::response::write_head(&mut out, &resp, date, false)
            });
            // Handshake refusals are always buffered bodies.
            if let crate::response::Body::Full(body) = &resp.body {
                out.extend_from_slice(body);
            }
            let _ = stream.write_all(&out).await;
            let _ = stream.shutdown().await;
        }
        Ok(accepted) => {
            let head = handshake::switching_protocols(
                &accepted.accept_key,
                accepted.subprotocol.as_deref(),
                &accepted.headers,
            );
            if stream.write_all(&head).await.is_err() {
                return;
            }
            session::run(
                stream,
                buffered,
                app.config.ws_max_message_bytes,
                accepted.inbox,
                accepted.outgoing,
                accepted.handler,
                shutdown,
            )
            .await;
        }
    }
}

/// Everything before the 101: checks, then the handler until it accepts or refuses.
async fn open(app: &Arc<App>, req: HttpRequest, target: Target) -> Result<Accepted, Response> {
    let shake = handshake::check(&req)?;
    let route = &app.routes[target.route];
    handshake::check_origin(&req, &app.config, route.middleware.cors.as_deref())?;
    // Rate limit and auth in the HTTP pipeline's order: identity-keyed limits after auth.
    let limit = route.middleware.rate_limit.as_ref();
    let after_auth = route.auth.is_some() && limit.is_some_and(|l| l.keyed_by_identity());
    if let (Some(limit), false) = (limit, after_auth) {
        let client = limit.client_key(&req, None);
        app.middleware.limiter.check(limit, &client).await?;
    }
    // The route's `auth=`/`guards=`, answered with 401/403 before the upgrade as for HTTP routes.
    let identity = match &route.auth {
        Some(auth) => crate::auth::authenticate(auth, &req.method, &req.headers).await?,
        None => None,
    };
    if let (Some(limit), true) = (limit, after_auth) {
        let client = limit.client_key(&req, identity.as_ref().and_then(|i| i.rate_key()));
        app.middleware.limiter.check(limit, &client).await?;
    }
    let extracted = match params::extract(&route.params, route.needs, &req, &target.params, None) {
        Ok(e) => e,
        Err(ExtractError::BadRequest(m)) => return Err(Response::detail(400, &m)),
        Err(ExtractError::UnsupportedMediaType(m)) => return Err(Response::detail(415, &m)),
    };
    let req = Arc::new(req);
    let (conn, ends) = WebSocketConn::new(
        Arc::clone(&req),
        target.params.clone(),
        shake.subprotocols,
        tokio::runtime::Handle::current(),
    );
    let step = Python::attach(|py| {
        let conn = Bound::new(py, conn)
            .map_err(|e| from_error(py, app, e))?
            .into_any();
        let coroutine = crate::pipeline::call_handler(
            py,
            app,
            route,
            &req,
            target.params,
            extracted,
            Some(conn),
            identity,
        )?;
        Ok::<_, Response>(coro::start(py, &app.refs, coroutine))
    })?;
    let mut handler = match step {
        Step::Done(outcome) => Handler::Done(outcome),
        Step::Pending(rx) => Handler::Running(rx),
    };
    let mut decision_rx = ends.decision;
    let mut decision = decision_rx.try_recv().ok();
    if decision.is_none() {
        if let Handler::Running(rx) = &mut handler {
            tokio::select! {
                d = &mut decision_rx => decision = d.ok(),
                outcome = rx => {
                    handler = Handler::Done(outcome.unwrap_or_else(|_| Err(lost_handler())));
                    decision = decision_rx.try_recv().ok();
                }
            }
        }
    }
    match decision {
        Some(Decision::Accept {
            subprotocol,
            headers,
        }) => Ok(Accepted {
            accept_key: shake.accept_key,
            subprotocol,
            headers,
            inbox: ends.inbox,
            outgoing: ends.outgoing,
            handler,
        }),
        _ => Err(match handler {
            // An exception before accept() answers the upgrade as it would answer a request.
            Handler::Done(Err(e)) => Python::attach(|py| from_error(py, app, e)),
            _ => Response::detail(403, "WebSocket connection refused"),
        }),
    }
}

fn lost_handler() -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err("the WebSocket handler's task was lost")
}
