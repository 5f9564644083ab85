//! CORS (Fetch standard): preflights answered here, headers added to every finished response.

use super::add_vary;
use crate::request::HttpRequest;
use crate::response::Response;
use crate::schema::middleware::CorsRecord;
use pyo3::prelude::*;
use regex::Regex;
use std::borrow::Cow;

/// One CORS policy (the global settings or a route's `@cors`), compiled once.
#[derive(Debug)]
pub struct CorsPolicy {
    origins: Vec<String>,
    origin_regexes: Vec<Regex>,
    allow_all: bool,
    credentials: bool,
    /// Uppercase; empty with `any_method` when `"*"` was configured.
    methods: Vec<String>,
    any_method: bool,
    methods_value: String,
    /// Lowercase; `any_header` when `"*"` was configured.
    headers: Vec<String>,
    any_header: bool,
    headers_value: String,
    expose_value: Option<String>,
    max_age: Option<String>,
}

pub enum Preflight {
    Allowed(Response),
    Rejected(Response),
}

fn config_error(msg: String) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(msg)
}

impl CorsPolicy {
    /// A policy from its record (`CORS_*` settings or `@cors`).
    pub fn from_record(r: CorsRecord) -> PyResult<CorsPolicy> {
        let mut origins = Vec::new();
        let mut allow_all = r.allow_all;
        for o in r.origins {
            if o == "*" {
                allow_all = true;
            } else {
                origins.push(o.trim_end_matches('/').to_owned());
            }
        }
        let origin_regexes = r
            .origin_regexes
            .iter()
            .map(|re| {
                Regex::new(re).map_err(|e| {
                    config_error(format!(
                        "CorsRecord.origin_regexes: CORS origin regex {re:?}: {e}"
                    ))
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let raw_methods: Vec<String> = r
            .methods
            .iter()
            .map(|m| m.trim().to_ascii_uppercase())
            .collect();
        // Sent as configured (`Content-Type`), matched without regard to case.
        let listed_headers: Vec<&str> = r.headers.iter().map(|h| h.trim()).collect();
        let raw_headers: Vec<String> = listed_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        for value in raw_headers.iter().chain(raw_methods.iter()) {
            if !crate::response::valid_header("x", value) {
                return Err(config_error(format!("invalid CORS entry {value:?}")));
            }
        }
        let any_method = raw_methods.iter().any(|m| m == "*");
        let any_header = raw_headers.iter().any(|h| h == "*");
        Ok(CorsPolicy {
            methods_value: raw_methods.join(", "),
            headers_value: listed_headers.join(", "),
            methods: raw_methods,
            any_method,
            headers: raw_headers,
            any_header,
            origins,
            origin_regexes,
            allow_all,
            credentials: r.credentials,
            expose_value: (!r.expose_headers.is_empty()).then(|| r.expose_headers.join(", ")),
            max_age: r.max_age.map(|s| s.to_string()),
        })
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        if self.allow_all {
            return true;
        }
        // "null" (sandboxed or file: documents) only when listed explicitly.
        self.origins.iter().any(|o| o == origin)
            || self
                .origin_regexes
                .iter()
                .any(|r| r.find(origin).is_some_and(|m| m.start() == 0))
    }

    /// `*` only without credentials: the Fetch standard rejects a wildcard on credentialed
    /// responses, so with credentials the (allowed) origin is echoed instead.
    fn wildcard(&self) -> bool {
        self.allow_all && !self.credentials
    }

    fn allow_origin_headers(&self, origin: &str, resp: &mut Response) {
        let value = if self.wildcard() { "*" } else { origin };
        resp.headers.push((
            Cow::Borrowed("access-control-allow-origin"),
            value.to_owned().into(),
        ));
        if self.credentials {
            resp.headers.push((
                Cow::Borrowed("access-control-allow-credentials"),
                Cow::Borrowed("true"),
            ));
        }
    }

    /// Adds the CORS headers of an actual (non-preflight) response.
    pub fn apply(&self, origin: Option<&str>, resp: &mut Response) {
        if !self.wildcard() {
            // The answer depends on Origin, so caches must key on it even without one.
            add_vary(resp, "Origin");
        }
        let Some(origin) = origin else { return };
        if resp
            .headers
            .iter()
            .any(|(k, _)| k == "access-control-allow-origin")
            || !self.allows_origin(origin)
        {
            return;
        }
        self.allow_origin_headers(origin, resp);
        if let Some(expose) = &self.expose_value {
            resp.headers.push((
                Cow::Borrowed("access-control-expose-headers"),
                expose.clone().into(),
            ));
        }
    }

    /// Answers `OPTIONS` with `Access-Control-Request-Method`.
    pub fn preflight(&self, origin: &str, method: &str, req: &HttpRequest) -> Preflight {
        let reject = |detail: &str| {
            let mut r = Response::detail(403, detail);
            add_vary(&mut r, "Origin");
            Preflight::Rejected(r)
        };
        if !self.allows_origin(origin) {
            return reject("CORS: origin not allowed");
        }
        let method = method.trim();
        if !self.any_method && !self.methods.iter().any(|m| m == method) {
            return reject("CORS: method not allowed");
        }
        let requested: Vec<&str> = req
            .headers
            .iter()
            .filter(|(k, _)| k == "access-control-request-headers")
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        if !self.any_header
            && requested
                .iter()
                .any(|h| !self.headers.iter().any(|l| l.eq_ignore_ascii_case(h)))
        {
            return reject("CORS: request header not allowed");
        }
        let mut resp = Response::empty(204);
        self.allow_origin_headers(origin, &mut resp);
        let methods = if self.any_method {
            method.to_owned()
        } else {
            self.methods_value.clone()
        };
        resp.headers.push((
            Cow::Borrowed("access-control-allow-methods"),
            methods.into(),
        ));
        let headers = if self.any_header {
            // Echoed: a literal `*` does not cover Authorization, and means nothing with credentials.
            requested.join(", ")
        } else {
            self.headers_value.clone()
        };
        if !headers.is_empty() {
            resp.headers.push((
                Cow::Borrowed("access-control-allow-headers"),
                headers.into(),
            ));
        }
        if let Some(age) = &self.max_age {
            resp.headers
                .push((Cow::Borrowed("access-control-max-age"), age.clone().into()));
        }
        add_vary(&mut resp, "Origin");
        add_vary(&mut resp, "Access-Control-Request-Method");
        add_vary(&mut resp, "Access-Control-Request-Headers");
        Preflight::Allowed(resp)
    }
}
