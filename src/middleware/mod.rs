//! CORS, rate limits and compression: compiled once per route, applied by the pipeline.

pub mod compression;
pub mod cors;
pub mod rate_limit;

use crate::app::App;
use crate::python::schema::middleware::{CompressionRecord, CorsRecord, MiddlewareRecord};
use crate::request::{HttpRequest, Method};
use crate::response::Response;
use crate::router::Lookup;
use compression::{CompressionConfig, Encoding};
use cors::{CorsPolicy, Preflight};
use pyo3::prelude::*;
use rate_limit::RouteLimit;
use std::borrow::Cow;
use std::sync::Arc;

/// What applies to one route, resolved at startup (route settings over the global ones).
#[derive(Default)]
pub struct RouteMiddleware {
    pub cors: Option<Arc<CorsPolicy>>,
    pub rate_limit: Option<RouteLimit>,
    pub compress: bool,
}

/// App-wide middleware state.
pub struct AppMiddleware {
    /// From the `CORS_*` settings; also answers responses no route produced (404, 405).
    pub cors: Option<Arc<CorsPolicy>>,
    /// Whether any route (or the global settings) has a CORS policy.
    pub any_cors: bool,
    pub compression: Option<CompressionConfig>,
    pub limiter: rate_limit::Limiter,
}

impl AppMiddleware {
    pub fn new(
        global_cors: Option<CorsRecord>,
        compression: Option<CompressionRecord>,
        limiter: rate_limit::Limiter,
    ) -> PyResult<AppMiddleware> {
        let cors = global_cors
            .map(CorsPolicy::from_record)
            .transpose()?
            .map(Arc::new);
        Ok(AppMiddleware {
            any_cors: cors.is_some(),
            cors,
            compression: compression
                .map(CompressionConfig::from_record)
                .transpose()?,
            limiter,
        })
    }

    /// A route's middleware from what its decorators recorded.
    pub fn route(
        &mut self,
        index: usize,
        method: &Method,
        path: &str,
        record: Option<MiddlewareRecord>,
    ) -> PyResult<RouteMiddleware> {
        let record = record.unwrap_or(MiddlewareRecord {
            cors: None,
            rate_limit: None,
            skip: Vec::new(),
        });
        let skip = record.skip;
        let own_cors = record
            .cors
            .map(CorsPolicy::from_record)
            .transpose()?
            .map(Arc::new);
        let limit = record
            .rate_limit
            .map(|r| RouteLimit::from_record(&format!("{} {path}", method.as_str()), index, r))
            .transpose()?;
        let skipped = |name: &str| skip.iter().any(|s| s == name || s == "*");
        let cors = if skipped("cors") {
            None
        } else {
            own_cors.or_else(|| self.cors.clone())
        };
        self.any_cors |= cors.is_some();
        Ok(RouteMiddleware {
            cors,
            rate_limit: if skipped("rate_limit") { None } else { limit },
            compress: !skipped("compression"),
        })
    }
}

/// Adds `token` to `Vary` (one header, no duplicates).
pub fn add_vary(resp: &mut Response, token: &str) {
    for (name, value) in resp.headers.iter_mut() {
        if name == "vary" {
            let present = value
                .split(',')
                .any(|v| v.trim().eq_ignore_ascii_case(token) || v.trim() == "*");
            if !present {
                value.push_str(", ");
                value.push_str(token);
            }
            return;
        }
    }
    resp.headers.push((Cow::Borrowed("vary"), token.to_owned()));
}

/// What the finishing step needs from the request, taken before the pipeline consumes it.
pub struct RequestInfo {
    origin: Option<String>,
    encoding: Option<Encoding>,
    is_head: bool,
}

impl RequestInfo {
    pub fn of(app: &App, req: &HttpRequest) -> RequestInfo {
        let mw = &app.middleware;
        RequestInfo {
            origin: if mw.any_cors {
                req.header("origin").map(str::to_owned)
            } else {
                None
            },
            encoding: match &mw.compression {
                Some(c) if req.method != Method::Head => c.negotiate(req),
                _ => None,
            },
            is_head: req.method == Method::Head,
        }
    }
}

/// Which route (if any) produced a response, for its per-route settings.
#[derive(Clone, Copy)]
pub enum Origin {
    Route(usize),
    Unrouted,
    /// A CORS preflight answered here: nothing more to add.
    Preflight,
}

/// CORS headers and compression on a finished response (every status, errors included).
pub fn finish(app: &App, from: Origin, info: &RequestInfo, resp: &mut Response) {
    let mw = &app.middleware;
    let (cors, compress) = match from {
        Origin::Preflight => return,
        Origin::Route(i) => {
            let r = &app.routes[i].middleware;
            (r.cors.as_deref(), r.compress)
        }
        Origin::Unrouted => (mw.cors.as_deref(), true),
    };
    if let Some(policy) = cors {
        policy.apply(info.origin.as_deref(), resp);
    }
    if let Some(config) = &mw.compression {
        if compress && !info.is_head {
            config.apply(info.encoding, resp);
        }
    }
}

/// Answers a CORS preflight (`OPTIONS` + `Origin` + `Access-Control-Request-Method`) when the
/// target has a policy; `None` lets the request continue as a plain `OPTIONS`.
pub fn preflight(app: &App, req: &HttpRequest) -> Option<Response> {
    if !app.middleware.any_cors || req.method != Method::Options {
        return None;
    }
    let origin = req.header("origin")?;
    let requested = req.header("access-control-request-method")?;
    let policy = match app
        .router
        .lookup(&Method::parse(requested.trim()), &req.path)
    {
        Lookup::Route { route, .. } => app.routes[route].middleware.cors.as_deref(),
        Lookup::MethodNotAllowed { .. } | Lookup::Options { .. } => app.middleware.cors.as_deref(),
        Lookup::NotFound | Lookup::Redirect(_) => None,
    }?;
    Some(match policy.preflight(origin, requested, req) {
        Preflight::Allowed(r) | Preflight::Rejected(r) => r,
    })
}

/// CORS headers for an error answered before the request reached the pipeline (e.g. a 413
/// from `Content-Length`), using the route the request head names.
pub fn early_response(
    app: &App,
    method: &Method,
    path: Option<&str>,
    origin: Option<&str>,
    mut resp: Response,
) -> Response {
    if !app.middleware.any_cors {
        return resp;
    }
    let policy = match path.map(|p| app.router.lookup(method, p)) {
        Some(Lookup::Route { route, .. }) => app.routes[route].middleware.cors.as_deref(),
        _ => app.middleware.cors.as_deref(),
    };
    if let Some(policy) = policy {
        policy.apply(origin, &mut resp);
    }
    resp
}
