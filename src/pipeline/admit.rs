//! Stage 2, `admit`: the checks made on the request head, before any of the body is read (and
//! before `100 Continue`), so a refused client cannot make the server receive or spool a body it
//! would discard: the rate limit, Rust authentication with claim guards, CORS preflights.

use super::finish::finish;
use super::route::{Routed, Target};
use crate::app::{App, Route};
use crate::auth::Identity;
use crate::middleware::cors::Preflight;
use crate::middleware::rate_limit::{self, Limiter};
use crate::request::HttpRequest;
use crate::response::Response;
use std::sync::Arc;

/// Who the request was admitted as (`None`: anonymous or no authentication on the route).
pub type Admitted = Option<Arc<Identity>>;

/// Admits a routed request. `Err` is the finished answer (CORS headers included).
pub async fn admit(app: &App, routed: &Routed, req: &HttpRequest) -> Result<Admitted, Response> {
    let answer = match &routed.target {
        Target::Route { index, .. } => {
            match check(&app.middleware.limiter, &app.routes[*index], req).await {
                Ok(identity) => return Ok(identity),
                Err(resp) => resp,
            }
        }
        Target::Preflight(index) => preflight(app, *index, req),
        // A WebSocket route is admitted by the upgrade (after its handshake checks); an answer
        // found by `route` needs no admission.
        Target::WebSocket { .. } | Target::Answered(_) => return Ok(None),
    };
    Err(finish(app, routed.target.scope(), req, answer))
}

/// Rate limit, authentication with claim guards, then the identity-keyed rate limit (a failed
/// credential counts too; a request refused for giving none, or by a guard, spends nothing).
/// Static routes stay public.
pub async fn check(
    limiter: &Limiter,
    route: &Route,
    req: &HttpRequest,
) -> Result<Admitted, Response> {
    let limit = route.middleware.rate_limit.as_ref();
    if limit.is_none() && route.auth.is_none() {
        return Ok(None);
    }
    rate_limit::check_before_auth(limiter, limit, req).await?;
    let auth = match &route.fixed_response {
        Some(_) => None,
        None => route.auth.as_ref(),
    };
    let identity = match auth {
        Some(auth) => match crate::auth::authenticate(auth, &req.method, &req.headers).await {
            Ok(identity) => identity,
            Err(refused) => {
                if refused.credential_failed {
                    rate_limit::check_after_auth(limiter, limit, req, Err(())).await?;
                }
                return Err(refused.response);
            }
        },
        None => None,
    };
    let api_key_only = limit.is_some_and(|l| matches!(l.key, rate_limit::KeyKind::ApiKey));
    let key = identity.as_deref().and_then(|i| i.rate_key(api_key_only));
    rate_limit::check_after_auth(limiter, limit, req, Ok(key)).await?;
    Ok(identity)
}

fn preflight(app: &App, index: Option<usize>, req: &HttpRequest) -> Response {
    let policy = match index {
        Some(i) => app.routes[i].middleware.cors.as_deref(),
        None => app.middleware.cors.as_deref(),
    };
    let (Some(policy), Some(origin), Some(requested)) = (
        policy,
        req.header("origin"),
        req.header("access-control-request-method"),
    ) else {
        // `route` only reports a preflight when all three are there.
        return Response::detail(500, "Internal Server Error");
    };
    match policy.preflight(origin, requested, req) {
        Preflight::Allowed(r) | Preflight::Rejected(r) => r,
    }
}
