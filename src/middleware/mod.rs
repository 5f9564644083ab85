//! CORS, rate limits and compression: compiled once per route, applied by the pipeline's
//! `admit` (rate limits, preflights) and `finish` (CORS headers, compression) stages; and the
//! per-process limit on open WebSockets (`websocket_slots`), taken by the upgrade.

pub mod compression;
pub mod cors;
pub mod rate_limit;
pub mod stream_compression;
pub mod websocket_slots;

use crate::request::Method;
use crate::response::Response;
use crate::schema::middleware::{CompressionRecord, CorsRecord, MiddlewareRecord};
use compression::CompressionConfig;
use cors::CorsPolicy;
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
                value.to_mut().push_str(", ");
                value.to_mut().push_str(token);
            }
            return;
        }
    }
    resp.headers
        .push((Cow::Borrowed("vary"), token.to_owned().into()));
}
