//! Authentication and guards, compiled per route at startup and checked before any Python runs.
//!
//! `authenticate` is the one entry point: the HTTP pipeline calls it before extracting
//! parameters, and a WebSocket upgrade can call it with the same route config and headers.

pub mod api_key;
pub mod guards;
pub mod jwks;
pub mod jwt;
pub mod keys;
pub mod py;
pub mod revocation;

use crate::request::Method;
use crate::response::Response;
use jwt::{JwtError, JwtVerifier, Keys};
use pyo3::prelude::*;
use revocation::Revocation;
use serde_json::{Map, Value};
use std::sync::Arc;

/// A JWT backend: the verifier plus where the token comes from and what follows verification.
pub struct JwtBackend {
    pub verifier: JwtVerifier,
    /// Lowercase header name; `authorization` expects `Bearer <token>`.
    pub header: String,
    pub cookie: Option<String>,
    /// Cookie-carried tokens on unsafe methods need `X-CSRFToken` equal to the `csrftoken` cookie.
    pub csrf: bool,
    pub revocation: Revocation,
    pub user_loader: Option<Arc<Py<PyAny>>>,
}

pub enum Backend {
    Jwt(Arc<JwtBackend>),
    ApiKey(Arc<api_key::ApiKeys>),
}

/// What a route requires, compiled once.
pub struct RouteAuth {
    pub backends: Vec<Backend>,
    pub guards: Vec<guards::Guard>,
    /// Session authentication (Python) may still identify the caller when Rust backends did not;
    /// the guards then run in Python too.
    pub python_backends: bool,
    /// `WWW-Authenticate` value on 401.
    pub challenge: String,
}

/// Who made the request, as established by a Rust backend.
pub struct Identity {
    pub claims: Map<String, Value>,
    pub backend: &'static str,
    pub user_id: Option<String>,
    pub user_loader: Option<Arc<Py<PyAny>>>,
}

impl Identity {
    fn from_claims(
        claims: Map<String, Value>,
        backend: &'static str,
        loader: Option<Arc<Py<PyAny>>>,
    ) -> Identity {
        let user_id = ["user_id", "sub"]
            .iter()
            .find_map(|k| match claims.get(*k) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            });
        Identity {
            claims,
            backend,
            user_id,
            user_loader: loader,
        }
    }
}

impl Identity {
    /// Whose budget an identity-keyed rate limit charges: for `"api_key"` the key id of an API
    /// key caller (other callers have none and are keyed by address); for `"user"` the user
    /// id, else the key id.
    pub fn rate_key(&self, api_key_only: bool) -> Option<&str> {
        let key_id = || self.claims.get("key_id").and_then(Value::as_str);
        if api_key_only {
            return (self.backend == "api_key").then(key_id).flatten();
        }
        self.user_id.as_deref().or_else(key_id)
    }
}

pub fn unauthorized(auth: &RouteAuth, message: &str) -> Response {
    Response::detail(401, message).with_header("www-authenticate", auth.challenge.clone())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn cookies_named<'a>(
    headers: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = String> + 'a {
    headers
        .iter()
        .filter(|(k, _)| k == "cookie")
        .flat_map(|(_, v)| crate::params::parse_cookies(v))
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v)
}

fn cookie(headers: &[(String, String)], name: &str) -> Option<String> {
    cookies_named(headers, name).next()
}

/// Whether an unsafe request carrying a cookie credential comes from this site: an
/// `X-CSRFToken` header equal to the `csrftoken` cookie (double submit), else the browser's
/// `Sec-Fetch-Site` (`same-origin`, or `none` for a user-typed navigation), else an `Origin`
/// (or `Referer`) equal to this server's origin (`X-Forwarded-Proto`'s scheme when sent, as
/// one origin passes either way). A request with none of these is refused.
fn csrf_passes(headers: &[(String, String)]) -> bool {
    if let (Some(sent), Some(expected)) =
        (header(headers, "x-csrftoken"), cookie(headers, "csrftoken"))
    {
        if !expected.is_empty() && api_key::ct_str_eq(sent, &expected) {
            return true;
        }
    }
    if let Some(site) = header(headers, "sec-fetch-site") {
        let site = site.trim();
        return site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none");
    }
    let Some(host) = header(headers, "host")
        .map(str::trim)
        .filter(|h| !h.is_empty())
    else {
        return false;
    };
    let scheme = header(headers, "x-forwarded-proto")
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or("http");
    let own = format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    );
    if let Some(origin) = header(headers, "origin") {
        return origin.trim().eq_ignore_ascii_case(&own);
    }
    header(headers, "referer").is_some_and(|referer| {
        let referer = referer.trim().to_ascii_lowercase();
        referer
            .strip_prefix(own.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
    })
}

/// `Bearer <token>` (scheme case-insensitive) from `Authorization`; other headers carry the
/// bare credential, with an optional scheme.
fn credential<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let value = value.trim();
    if let Some((s, rest)) = value.split_once(' ') {
        if s.eq_ignore_ascii_case(scheme) {
            let rest = rest.trim();
            return (!rest.is_empty()).then_some(rest);
        }
    }
    None
}

/// Methods that change state and so need a CSRF token when the credential is a cookie. A
/// WebSocket upgrade is protected by the route's origin check instead (browsers cannot add
/// headers to it).
fn is_unsafe(method: &Method) -> bool {
    !matches!(
        method,
        Method::Get | Method::Head | Method::Options | Method::Query | Method::WebSocket
    )
}

enum Attempt {
    /// No credential for this backend in the request.
    Absent,
    Ok(Identity),
    Rejected(Response),
    /// The credential is this backend's (its signature verified) but refused: revoked, or the
    /// revocation check failed. Answered before another backend's refusal of the same token.
    Disowned(Response),
    /// A valid cookie credential on a request that fails the cookie CSRF check: the answer,
    /// whatever a later backend would say (the browser sent the cookie cross-site).
    CsrfRefused(Response),
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

async fn try_jwt(
    backend: &Arc<JwtBackend>,
    auth: &RouteAuth,
    method: &Method,
    headers: &[(String, String)],
) -> Attempt {
    // With `cookie=` the cookie is the only source (the release's rule): a header cannot stand
    // in for it, and two cookies of that name (one may be planted by a sibling subdomain) are
    // refused because nothing tells which one this site set.
    let (token, from_cookie) = if let Some(name) = backend.cookie.as_deref() {
        let mut found = cookies_named(headers, name);
        match (found.next(), found.next()) {
            (Some(t), None) if !t.is_empty() => (t, true),
            (Some(_), Some(_)) => {
                return Attempt::Rejected(unauthorized(auth, "Ambiguous token cookie"))
            }
            _ => return Attempt::Absent,
        }
    } else {
        let from_header = header(headers, &backend.header).and_then(|v| {
            if backend.header == "authorization" {
                credential(v, "bearer").map(str::to_owned)
            } else {
                let v = v.trim();
                Some(credential(v, "bearer").unwrap_or(v).to_owned())
            }
        });
        match from_header {
            Some(t) => (t, false),
            None => return Attempt::Absent,
        }
    };
    let mut result = backend.verifier.verify(&token, now());
    if let Keys::Set(set) = &backend.verifier.keys {
        let unknown = matches!(result, Err(JwtError::UnknownKey(_)));
        if set.can_fetch() && (unknown || set.is_stale()) {
            let set = Arc::clone(set);
            let refreshed = tokio::task::spawn_blocking(move || set.refresh())
                .await
                .unwrap_or(false);
            if refreshed {
                result = backend.verifier.verify(&token, now());
            }
        }
    }
    let claims = match result {
        Ok(c) => c,
        Err(e) => return Attempt::Rejected(unauthorized(auth, &e.message())),
    };
    if let Some(jti) = claims.get("jti").and_then(Value::as_str) {
        match backend.revocation.is_revoked(jti, &claims).await {
            Ok(false) => {}
            Ok(true) => return Attempt::Disowned(unauthorized(auth, "Token has been revoked")),
            Err(()) => {
                return Attempt::Disowned(Response::detail(
                    503,
                    "Token revocation could not be checked",
                ))
            }
        }
    }
    // CSRF follows the credential that authenticates: checked once the cookie proved valid, so a
    // stale cookie does not block a valid header token, and a valid one is never bypassed.
    if from_cookie && backend.csrf && is_unsafe(method) && !csrf_passes(headers) {
        return Attempt::CsrfRefused(Response::detail(403, "CSRF token missing or incorrect"));
    }
    Attempt::Ok(Identity::from_claims(
        claims,
        "jwt",
        backend.user_loader.clone(),
    ))
}

fn try_api_key(keys: &api_key::ApiKeys, auth: &RouteAuth, headers: &[(String, String)]) -> Attempt {
    let Some(raw) = header(headers, &keys.header) else {
        return Attempt::Absent;
    };
    let presented = if keys.header == "authorization" {
        match credential(raw, "bearer").or_else(|| credential(raw, "apikey")) {
            Some(k) => k,
            None => return Attempt::Absent,
        }
    } else {
        raw.trim()
    };
    match keys.find(presented) {
        Some(key) => {
            let mut claims = Map::new();
            claims.insert("key_id".into(), Value::String(key.id.clone()));
            claims.insert("auth_type".into(), Value::String("api_key".into()));
            claims.insert(
                "permissions".into(),
                Value::Array(
                    key.permissions
                        .iter()
                        .map(|p| Value::String(p.clone()))
                        .collect(),
                ),
            );
            let mut identity = Identity::from_claims(claims, "api_key", keys.user_loader.clone());
            // Only a backend that loads users names one; the id carries the key, as the
            // release's does (its `get_user` overrides compare it).
            identity.user_id = keys
                .user_loader
                .as_ref()
                .map(|_| format!("apikey:{presented}"));
            Attempt::Ok(identity)
        }
        None => Attempt::Rejected(unauthorized(auth, "Invalid API key")),
    }
}

/// A request authentication refused: the finished 401/403 response, and whether a presented
/// credential failed (a guess the rate limit charges) rather than none being given or the
/// guards denying a valid one.
pub struct Refused {
    pub response: Response,
    pub credential_failed: bool,
}

/// Authenticates a request and runs the claim guards. `Ok(None)`: anonymous (allowed by the
/// guards, or left to Python session authentication).
pub async fn authenticate(
    auth: &RouteAuth,
    method: &Method,
    headers: &[(String, String)],
) -> Result<Option<Arc<Identity>>, Refused> {
    let mut identity = None;
    let mut rejection = None;
    let mut owner_refused = false;
    for backend in &auth.backends {
        let attempt = match backend {
            Backend::Jwt(b) => try_jwt(b, auth, method, headers).await,
            Backend::ApiKey(k) => try_api_key(k, auth, headers),
        };
        match attempt {
            Attempt::Absent => {}
            Attempt::Ok(id) => {
                identity = Some(id);
                break;
            }
            Attempt::Rejected(resp) => {
                if rejection.is_none() {
                    rejection = Some(resp);
                }
            }
            // Two backends may read the same header: the one that owns the token says why.
            Attempt::Disowned(resp) => {
                if !owner_refused {
                    rejection = Some(resp);
                    owner_refused = true;
                }
            }
            Attempt::CsrfRefused(response) => {
                return Err(Refused {
                    response,
                    credential_failed: false,
                })
            }
        }
    }
    // A presented credential that failed is an error even when another backend found nothing.
    if identity.is_none() {
        if let Some(response) = rejection {
            return Err(Refused {
                response,
                credential_failed: true,
            });
        }
        if auth.python_backends {
            return Ok(None);
        }
    }
    let response = match guards::check(&auth.guards, identity.as_ref().map(|i| &i.claims)) {
        Ok(()) => return Ok(identity.map(Arc::new)),
        Err(guards::Denied::Unauthenticated) => unauthorized(auth, "Authentication required"),
        Err(guards::Denied::Forbidden(message)) => Response::detail(403, &message),
    };
    Err(Refused {
        response,
        credential_failed: false,
    })
}
