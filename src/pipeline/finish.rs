//! Stage 5, `finish`: on every answer, whichever stage produced it — CORS headers of the
//! route (or the global policy), compression, and no body for HEAD. Framing (Content-Length,
//! Transfer-Encoding, Connection) is left to the transport that writes the response.

use crate::app::App;
use crate::request::{HttpRequest, Method};
use crate::response::{ErrorOrigin, Response};

/// Which route's settings apply to an answer.
#[derive(Clone, Copy)]
pub enum Scope {
    Route(usize),
    /// 404, 405, redirects, static files: the global settings.
    Unrouted,
    /// A CORS preflight answer is complete as it is.
    Preflight,
}

/// `req` is the request the answer is for (its `Origin`, `Accept-Encoding` and method).
pub fn finish(app: &App, scope: Scope, req: &HttpRequest, mut resp: Response) -> Response {
    if !matches!(resp.error, ErrorOrigin::NotAnError) {
        resp = crate::python::error_format::reformat(&app.refs, req, resp);
    }
    let mw = &app.middleware;
    let (cors, compress) = match scope {
        Scope::Preflight => return resp,
        Scope::Route(i) => {
            let r = &app.routes[i].middleware;
            (r.cors.as_deref(), r.compress)
        }
        Scope::Unrouted => (mw.cors.as_deref(), true),
    };
    if resp.status == 404 {
        resp = file_miss(app, req, resp);
    }
    let is_head = req.method == Method::Head;
    if let Some(policy) = cors {
        policy.apply(req.header("origin"), &mut resp);
    }
    if let Some(config) = &mw.compression {
        if compress && !is_head {
            config.apply(req, &mut resp);
        }
    }
    if is_head {
        resp.omit_body = true;
    }
    resp
}

/// A 404 under `MEDIA_URL` or `STATIC_URL` carries the headers of the directory's answers (no
/// such file; no route, mounted app or Django view had it either).
fn file_miss(app: &App, req: &HttpRequest, resp: Response) -> Response {
    let config = &app.config;
    match (&config.media_files, &config.static_files) {
        (Some(media), _) if req.path.starts_with(&media.prefix) => media.harden_miss(req, resp),
        (_, Some(statics)) => statics.harden_miss(req, resp),
        _ => resp,
    }
}
