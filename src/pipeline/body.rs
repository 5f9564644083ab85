//! Stage 3, `body`: supplied by the transport — the socket server reads it with its limits and
//! timeouts (a large multipart body for a form route is parsed while it arrives, see
//! `server::form_body`), the in-process client already holds it. What both share is here.

use crate::app::{App, Route};
use crate::config::ServerConfig;
use crate::params::form::FormData;
use crate::request::HttpRequest;
use crate::response::Response;
use crate::streaming::upload::{self, Limits};

pub fn too_large(limit: usize) -> Response {
    Response::detail(
        413,
        &format!("Request body is larger than the limit of {limit} bytes"),
    )
}

/// A body already in memory over the configured limit.
pub fn check_size(config: &ServerConfig, len: usize) -> Result<(), Response> {
    if len > config.max_body_bytes {
        return Err(too_large(config.max_body_bytes));
    }
    Ok(())
}

/// What a route accepts in a multipart body.
pub fn form_limits(app: &App, route: &Route) -> Limits {
    Limits::of(
        app.config.max_multipart_parts,
        app.config.memory_spool_threshold,
        &route.params,
    )
}

/// The form of a route that reads one: parsed by the transport while it was received, or now
/// from the body in memory. `None` for routes without form parameters.
pub async fn form(
    app: &App,
    route: &Route,
    req: &HttpRequest,
    streamed: Option<FormData>,
) -> Result<Option<FormData>, Response> {
    if !route.needs.form {
        return Ok(None);
    }
    if let Some(form) = streamed {
        return Ok(Some(form));
    }
    upload::receive(req, form_limits(app, route))
        .await
        .map(Some)
        .map_err(upload::error_response)
}
