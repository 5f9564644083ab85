//! Stage 1, `route`: once per request, before anything else looks at it. Applies the
//! forwarded headers, does the one router lookup, and answers what needs no route: 404, 405,
//! plain `OPTIONS`, trailing-slash redirects, static and media files, 426 for a WebSocket-only
//! path. A path no route matches goes to a mounted app's route when one covers it.

use crate::app::App;
use crate::request::{HttpRequest, Method, ENCODED_SLASH};
use crate::response::Response;
use crate::router::{Lookup, PathEntry};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// Characters escaped when a decoded path is put back into a `Location` header.
const PATH_ESCAPE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%');

/// What the route stage found; later stages read it instead of looking again.
pub struct Routed {
    pub target: Target,
}

pub enum Target {
    /// A route matched the method and path.
    Route {
        index: usize,
        params: Vec<(String, String)>,
    },
    /// An upgrade request for a WebSocket route.
    WebSocket {
        index: usize,
        params: Vec<(String, String)>,
    },
    /// A CORS preflight, answered by `admit` with the policy of the route it asks about
    /// (`None`: the global policy).
    Preflight(Option<usize>),
    /// Answered here.
    Answered(Response),
}

impl Target {
    /// The route whose settings (CORS, compression) apply to the answer.
    pub fn scope(&self) -> super::finish::Scope {
        use super::finish::Scope;
        match self {
            Target::Route { index, .. } => Scope::Route(*index),
            Target::Preflight(_) => Scope::Preflight,
            Target::WebSocket { .. } | Target::Answered(_) => Scope::Unrouted,
        }
    }
}

pub async fn route(app: &Arc<App>, req: &mut HttpRequest) -> Routed {
    // The transport has already passed `check_host` (ALLOWED_HOSTS): it runs on the bare head,
    // before this stage, so a refused Host closes the connection like other bad heads.
    crate::request::forwarded::apply_forwarded(req, &app.config.trusted_proxies);
    let target = match static_file(app, req).await {
        Some(resp) => Target::Answered(resp),
        None => find(app, req),
    };
    Routed { target }
}

/// `STATIC_URL` files, found in the configured roots or (DEBUG) by Django's finders, and
/// `MEDIA_URL` files from `MEDIA_ROOT`.
async fn static_file(app: &Arc<App>, req: &HttpRequest) -> Option<Response> {
    if let Some(media) = app.config.media_files.as_ref() {
        let no_finder: Option<fn(&str) -> Option<PathBuf>> = None;
        if let Some(resp) = crate::streaming::static_files::serve(media, no_finder, req).await {
            return Some(resp);
        }
    }
    let statics = app.config.static_files.as_ref()?;
    let finder = app.refs.static_finder.as_ref().map(|_| {
        let refs = Arc::clone(&app.refs);
        move |rest: &str| {
            let finder = refs.static_finder.as_ref()?;
            Python::attach(|py| match finder.bind(py).call1((rest,)) {
                Ok(p) if !p.is_none() => p.extract::<PathBuf>().ok(),
                Ok(_) => None,
                Err(e) => {
                    e.print(py);
                    None
                }
            })
        }
    });
    crate::streaming::static_files::serve(statics, finder, req).await
}

fn find(app: &App, req: &HttpRequest) -> Target {
    let routing_path = req.routing_path.as_deref().unwrap_or(&req.path);
    let (entry, params) = match app.router.find(routing_path) {
        Lookup::Path { entry, params } if req.routing_path.is_some() => {
            (entry, with_encoded_slashes_decoded(params))
        }
        Lookup::Path { entry, params } => (entry, params),
        Lookup::NotFound | Lookup::Mount(_) if req.asks_websocket_upgrade() => {
            return mounted_websocket(app, req)
        }
        // A browser refuses a failed preflight before it sends the real request, whose 404
        // (with CORS headers) it could read; so the global policy answers it, as
        // django-cors-headers does for every path.
        Lookup::NotFound if is_global_preflight(app, req) => return Target::Preflight(None),
        Lookup::NotFound => return Target::Answered(Response::detail(404, "Not Found")),
        Lookup::Mount(index) => return mounted(app, index, req),
        Lookup::Redirect(path) => {
            // `%` is escaped, so `%00` can only be an encoded slash (NUL is refused).
            let mut location = utf8_percent_encode(&path, PATH_ESCAPE)
                .to_string()
                .replace("%00", "%2F");
            if !req.query.is_empty() {
                location.push('?');
                location.push_str(&req.query);
            }
            return Target::Answered(Response::empty(308).with_header("location", location));
        }
    };
    if let Some(preflight) = preflight(app, entry, req) {
        return preflight;
    }
    if req.asks_websocket_upgrade() {
        if let Some(index) = entry.route_for(&Method::WebSocket) {
            return Target::WebSocket { index, params };
        }
    }
    match entry.route_for(&req.method) {
        Some(index) => Target::Route { index, params },
        None if req.method == Method::Options => {
            Target::Answered(Response::empty(204).with_header("allow", entry.allow().to_owned()))
        }
        None if matches!(req.method, Method::Get | Method::Head)
            && entry.route_for(&Method::WebSocket).is_some() =>
        {
            Target::Answered(upgrade_required())
        }
        None => Target::Answered(
            Response::detail(405, "Method Not Allowed")
                .with_header("allow", entry.allow().to_owned()),
        ),
    }
}

/// Path values matched on the routing path: an encoded slash reaches the handler as `/`.
fn with_encoded_slashes_decoded(mut params: Vec<(String, String)>) -> Vec<(String, String)> {
    for (_, value) in &mut params {
        if value.contains(ENCODED_SLASH) {
            *value = value.replace(ENCODED_SLASH, "/");
        }
    }
    params
}

/// A path of a mounted app (no route matched it): the app answers every method, except a CORS
/// preflight the global policy answers.
fn mounted(app: &App, index: usize, req: &HttpRequest) -> Target {
    if is_global_preflight(app, req) {
        return Target::Preflight(None);
    }
    Target::Route {
        index,
        params: Vec::new(),
    }
}

/// A CORS preflight (`OPTIONS` + `Origin` + `Access-Control-Request-Method`) that the global
/// CORS policy (the `CORS_*` settings) answers: one for a path no route serves.
fn is_global_preflight(app: &App, req: &HttpRequest) -> bool {
    app.middleware.cors.is_some()
        && req.method == Method::Options
        && req.header("origin").is_some()
        && req.header("access-control-request-method").is_some()
}

/// An upgrade no route takes: a mounted app that speaks WebSocket, else 404 (Django's handler,
/// mounted for HTTP, has no WebSocket side).
fn mounted_websocket(app: &App, req: &HttpRequest) -> Target {
    match app.router.websocket_mount_for(&req.path) {
        Some(index) => Target::WebSocket {
            index,
            params: Vec::new(),
        },
        None => Target::Answered(Response::detail(404, "Not Found")),
    }
}

/// A CORS preflight (`OPTIONS` + `Origin` + `Access-Control-Request-Method`) whose target has
/// a policy; other `OPTIONS` requests are plain ones.
fn preflight(app: &App, entry: &PathEntry, req: &HttpRequest) -> Option<Target> {
    if !app.middleware.any_cors || req.method != Method::Options {
        return None;
    }
    req.header("origin")?;
    let requested = Method::parse(req.header("access-control-request-method")?.trim());
    match entry.route_for(&requested) {
        Some(index) => app.routes[index]
            .middleware
            .cors
            .is_some()
            .then_some(Target::Preflight(Some(index))),
        None => app
            .middleware
            .cors
            .is_some()
            .then_some(Target::Preflight(None)),
    }
}

pub fn upgrade_required() -> Response {
    Response::detail(426, "This path only accepts WebSocket connections")
        .with_header("upgrade", "websocket")
        .with_header("connection", "Upgrade")
}

/// `ALLOWED_HOSTS`: a 400 for a `Host` the settings do not allow. Each transport calls it before
/// anything else looks at the request (routing, static files, auth, the body, an upgrade); the
/// socket server then closes the connection, as for other errors found in the head.
pub fn check_host(app: &App, req: &HttpRequest) -> Result<(), Response> {
    app.config
        .allowed_hosts
        .check(req.header("host"))
        .map_err(|refused| {
            let mut resp = Response::detail(400, &refused.0);
            resp.omit_body = req.method == Method::Head;
            resp
        })
}
