//! The request pipeline. Every request meets these stages in this order, whichever transport
//! brought it — the socket server (`server::conn`), the in-process client (`testing`) or a
//! WebSocket upgrade (`websocket`):
//!
//! 1. [`route`]  — once per request: forwarded headers applied, one router lookup; 404, 405,
//!    `OPTIONS`, redirects and static files are answered here.
//! 2. [`admit`]  — on the head, before the body: rate limit, Rust auth + claim guards, CORS
//!    preflights.
//! 3. [`body`]   — supplied by the transport (socket with limits and streamed multipart, or
//!    bytes in memory).
//! 4. [`run`]    — one GIL hold: the route's Python chain, the handler, the result turned into a
//!    response.
//! 5. [`finish`] — CORS headers, compression, HEAD.
//!
//! The [`Routed`] value the first stage returns is handed from stage to stage; nothing is looked
//! up twice. Any stage may answer early; the answer still goes through `finish`.

pub mod admit;
pub mod body;
pub mod finish;
pub mod route;
pub mod run;

pub use admit::Admitted;
pub use route::{check_host, Routed, Target};

use crate::app::App;
use crate::params::form::FormData;
use crate::request::HttpRequest;
use crate::response::Response;
use std::sync::Arc;

/// All stages for a request whose body is already in memory (the in-process client).
pub async fn handle(app: Arc<App>, mut req: HttpRequest) -> Response {
    let routed = route::route(&app, &mut req).await;
    if !matches!(routed.target, Target::Preflight(_)) {
        if let Err(resp) = body::check_size(&app.config, req.body.len()) {
            return finish::finish(&app, routed.target.scope(), &req, resp);
        }
    }
    let identity = match admit::admit(&app, &routed, &req).await {
        Ok(identity) => identity,
        Err(resp) => return resp,
    };
    respond(&app, routed, identity, req, None).await
}

/// The stages after the body: `run` (or the answer `route` found), then `finish`. `form` is a
/// form body the transport parsed while receiving it.
pub async fn respond(
    app: &Arc<App>,
    routed: Routed,
    identity: Admitted,
    req: HttpRequest,
    form: Option<FormData>,
) -> Response {
    let Routed { target } = routed;
    let scope = target.scope();
    let resp = match target {
        Target::Route { index, params } => match run::fixed(&app.routes[index]) {
            Some(resp) => resp,
            None => {
                // Shared with the handler's `Request`; `finish` still reads the head after it.
                let req = Arc::new(req);
                let resp = run::run(app, index, params, identity, &req, form).await;
                return finish::finish(app, scope, &req, resp);
            }
        },
        Target::Answered(resp) => resp,
        // Only a transport that can switch protocols serves these (see `websocket::serve`).
        Target::WebSocket { .. } => route::upgrade_required(),
        // `admit` answers preflights; nothing reaches here with one.
        Target::Preflight(_) => Response::detail(500, "Internal Server Error"),
    };
    finish::finish(app, scope, &req, resp)
}
