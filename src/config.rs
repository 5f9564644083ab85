//! Server settings: built once in Python from Django settings and runbolt flags.

use ipnet::IpNet;
use pyo3::conversion::FromPyObjectOwned;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub debug: bool,
    pub max_body_bytes: usize,
    pub max_header_bytes: usize,
    pub max_headers: usize,
    pub max_multipart_parts: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub keep_alive_timeout: Duration,
    /// Upper bound of the thread pool that runs sync handlers.
    pub blocking_threads: usize,
    /// Tokio worker threads (network I/O and async handler steps).
    pub workers: usize,
    pub backlog: i32,
    pub shutdown_grace: Duration,
    /// Connections one process holds at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Peers whose `X-Forwarded-*` headers are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// One JSON line per request on stderr.
    pub access_log: bool,
    /// Largest WebSocket message accepted (close 1009 above it).
    pub ws_max_message_bytes: usize,
    /// Origins allowed to open WebSockets besides the server's own; `*` allows any.
    pub ws_allowed_origins: Vec<String>,
    /// Canonical directories file responses may serve from (`None`: anywhere).
    pub allowed_file_roots: Option<Arc<[PathBuf]>>,
    /// `STATIC_URL` served from disk, when configured.
    pub static_files: Option<crate::streaming::static_files::StaticFiles>,
    /// Uploaded files larger than this are kept in a temporary file instead of memory.
    pub memory_spool_threshold: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            debug: false,
            max_body_bytes: 10 * 1024 * 1024,
            max_header_bytes: 16 * 1024,
            max_headers: 100,
            max_multipart_parts: 1000,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            keep_alive_timeout: Duration::from_secs(5),
            blocking_threads: 16,
            workers: 1,
            backlog: 1024,
            shutdown_grace: Duration::from_secs(30),
            max_connections: 25_000,
            trusted_proxies: Vec::new(),
            access_log: false,
            ws_max_message_bytes: 1024 * 1024,
            ws_allowed_origins: Vec::new(),
            allowed_file_roots: None,
            static_files: None,
            memory_spool_threshold: 1024 * 1024,
        }
    }
}

fn get<'py, T: FromPyObjectOwned<'py>>(
    d: &Bound<'py, PyDict>,
    key: &str,
    into: &mut T,
) -> PyResult<()> {
    if let Some(v) = d.get_item(key)? {
        if !v.is_none() {
            *into = v.extract::<T>().map_err(Into::into)?;
        }
    }
    Ok(())
}

fn secs(d: &Bound<'_, PyDict>, key: &str, into: &mut Duration) -> PyResult<()> {
    let mut s = into.as_secs_f64();
    get(d, key, &mut s)?;
    if !(s.is_finite() && s > 0.0) {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{key} must be a positive number of seconds"
        )));
    }
    *into = Duration::from_secs_f64(s);
    Ok(())
}

/// Directories that exist, canonicalised so containment checks compare real paths.
fn canonical_dirs(paths: &[String]) -> Vec<PathBuf> {
    paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .filter(|p| p.is_dir())
        .collect()
}

impl ServerConfig {
    pub fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<ServerConfig> {
        let mut c = ServerConfig::default();
        get(d, "debug", &mut c.debug)?;
        get(d, "max_body_bytes", &mut c.max_body_bytes)?;
        get(d, "max_header_bytes", &mut c.max_header_bytes)?;
        get(d, "max_headers", &mut c.max_headers)?;
        get(d, "max_multipart_parts", &mut c.max_multipart_parts)?;
        get(d, "blocking_threads", &mut c.blocking_threads)?;
        get(d, "workers", &mut c.workers)?;
        get(d, "backlog", &mut c.backlog)?;
        secs(d, "header_timeout", &mut c.header_timeout)?;
        secs(d, "body_timeout", &mut c.body_timeout)?;
        secs(d, "keep_alive_timeout", &mut c.keep_alive_timeout)?;
        secs(d, "shutdown_grace", &mut c.shutdown_grace)?;
        get(d, "max_connections", &mut c.max_connections)?;
        get(d, "access_log", &mut c.access_log)?;
        get(d, "ws_max_message_bytes", &mut c.ws_max_message_bytes)?;
        get(d, "ws_allowed_origins", &mut c.ws_allowed_origins)?;
        c.ws_allowed_origins = c
            .ws_allowed_origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
            .collect();
        let mut proxies: Vec<String> = Vec::new();
        get(d, "trusted_proxies", &mut proxies)?;
        c.trusted_proxies = crate::request::forwarded::parse_networks(&proxies)
            .map_err(pyo3::exceptions::PyValueError::new_err)?;
        get(d, "memory_spool_threshold", &mut c.memory_spool_threshold)?;
        let mut roots: Option<Vec<String>> = None;
        get(d, "allowed_file_paths", &mut roots)?;
        c.allowed_file_roots = roots.map(|r| canonical_dirs(&r).into());
        let mut static_url: Option<String> = None;
        get(d, "static_url", &mut static_url)?;
        let mut static_dirs: Vec<String> = Vec::new();
        get(d, "static_dirs", &mut static_dirs)?;
        c.static_files = static_url.and_then(|prefix| {
            let roots = canonical_dirs(&static_dirs);
            let finder = d.get_item("static_finders").ok().flatten();
            let uses_finders = finder.is_some_and(|f| f.is_truthy().unwrap_or(false));
            (!roots.is_empty() || uses_finders)
                .then_some(crate::streaming::static_files::StaticFiles { prefix, roots })
        });
        c.max_connections = c.max_connections.max(1);
        c.workers = c.workers.max(1);
        c.blocking_threads = c.blocking_threads.max(1);
        c.max_headers = c.max_headers.clamp(1, 1000);
        Ok(c)
    }
}
