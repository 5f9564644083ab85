//! CORS, rate limits and compression: compiled once per route, applied by the pipeline's
//! `admit` (rate limits, preflights) and `finish` (CORS headers, compression) stages.

pub mod compression;
pub mod cors;
pub mod rate_limit;

use crate::request::Method;
use crate::response::Response;
use compression::CompressionConfig;
use cors::CorsPolicy;
use pyo3::prelude::*;
use pyo3::types::PyDict;
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
        global_cors: Option<&Bound<'_, PyDict>>,
        compression: Option<&Bound<'_, PyDict>>,
        limiter: rate_limit::Limiter,
    ) -> PyResult<AppMiddleware> {
        let cors = global_cors
            .map(CorsPolicy::from_dict)
            .transpose()?
            .map(Arc::new);
        Ok(AppMiddleware {
            any_cors: cors.is_some(),
            cors,
            compression: compression.map(CompressionConfig::from_dict).transpose()?,
            limiter,
        })
    }

    /// A route's middleware from its `"middleware"` dict (`cors`, `rate_limit`, `skip`).
    pub fn route(
        &mut self,
        index: usize,
        method: &Method,
        path: &str,
        d: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<RouteMiddleware> {
        let mut skip: Vec<String> = Vec::new();
        let mut own_cors = None;
        let mut limit = None;
        if let Some(d) = d {
            if let Some(s) = d.get_item("skip")? {
                skip = s.extract()?;
            }
            if let Some(c) = d.get_item("cors")? {
                if !c.is_none() {
                    own_cors = Some(Arc::new(CorsPolicy::from_dict(c.cast::<PyDict>()?)?));
                }
            }
            if let Some(r) = d.get_item("rate_limit")? {
                if !r.is_none() {
                    limit = Some(RouteLimit::from_dict(
                        &format!("{} {path}", method.as_str()),
                        index,
                        r.cast::<PyDict>()?,
                    )?);
                }
            }
        }
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
