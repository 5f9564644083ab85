//! Server settings: built once in Python from Django settings and runbolt flags, read from
//! their record.

use crate::schema::config::ServerConfigRecord;
use ipnet::IpNet;
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub debug: bool,
    /// `ALLOWED_HOSTS` (with Django's DEBUG defaults), checked before routing.
    pub allowed_hosts: crate::hosts::AllowedHosts,
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
    /// Time a WebSocket handler has to `accept()` before the upgrade is answered with 503.
    pub ws_accept_timeout: Duration,
    /// Server pings on an open WebSocket (`None`: never).
    pub ws_ping_interval: Option<Duration>,
    /// Time the peer has to show it is there (a pong or any bytes) after a ping.
    pub ws_ping_timeout: Duration,
    /// A WebSocket with no message either way for this long is closed (`None`: never).
    pub ws_idle_timeout: Option<Duration>,
    /// `permessage-deflate` is negotiated when the client offers it (and the route allows it).
    pub ws_compression: bool,
    /// Open WebSockets (handshakes included) this process holds at most; `None`: no limit.
    pub ws_max_connections: Option<usize>,
    /// Canonical directories file responses may serve from (`None`: anywhere).
    pub allowed_file_roots: Option<Arc<[PathBuf]>>,
    /// `STATIC_URL` served from disk, when configured.
    pub static_files: Option<crate::streaming::static_files::StaticFiles>,
    /// `MEDIA_URL` files from `MEDIA_ROOT` (no finders: uploads live only there).
    pub media_files: Option<crate::streaming::static_files::StaticFiles>,
    /// Uploaded files larger than this are kept in a temporary file instead of memory.
    pub memory_spool_threshold: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            debug: false,
            allowed_hosts: Default::default(),
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
            ws_accept_timeout: Duration::from_secs(10),
            ws_ping_interval: Some(Duration::from_secs(20)),
            ws_ping_timeout: Duration::from_secs(20),
            ws_idle_timeout: None,
            ws_compression: true,
            ws_max_connections: None,
            allowed_file_roots: None,
            static_files: None,
            media_files: None,
            memory_spool_threshold: 1024 * 1024,
        }
    }
}

/// Seconds → a duration; `key` names the setting in the error.
fn secs(key: &str, s: f64) -> PyResult<Duration> {
    if !(s.is_finite() && s > 0.0) {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "ServerConfigRecord.{key}: {key} must be a positive number of seconds"
        )));
    }
    Ok(Duration::from_secs_f64(s))
}

/// Seconds → a duration, where 0 turns the feature off.
fn optional_secs(key: &str, s: f64) -> PyResult<Option<Duration>> {
    if s == 0.0 {
        return Ok(None);
    }
    secs(key, s).map(Some)
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
    pub fn from_record(r: ServerConfigRecord) -> PyResult<ServerConfig> {
        let trusted_proxies = crate::request::forwarded::parse_networks(&r.trusted_proxies)
            .map_err(|e| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "ServerConfigRecord.trusted_proxies: {e}"
                ))
            })?;
        let headers = |cache_control: Option<String>| {
            crate::streaming::static_files::FileHeaders::new(
                cache_control,
                r.static_csp.clone(),
                r.static_csp_report_only.clone(),
            )
        };
        let static_headers = headers(r.static_cache_control);
        let media_headers = headers(r.media_cache_control);
        let static_files = r.static_url.and_then(|prefix| {
            let roots = canonical_dirs(&r.static_dirs);
            (!roots.is_empty() || r.static_finders).then_some(
                crate::streaming::static_files::StaticFiles {
                    prefix,
                    roots,
                    uploads: false,
                    headers: static_headers,
                },
            )
        });
        let media_files = r.media_url.zip(r.media_root).and_then(|(prefix, root)| {
            let roots = canonical_dirs(&[root]);
            (!roots.is_empty()).then_some(crate::streaming::static_files::StaticFiles {
                prefix,
                roots,
                uploads: true,
                headers: media_headers,
            })
        });
        Ok(ServerConfig {
            debug: r.debug,
            allowed_hosts: crate::hosts::AllowedHosts::compile(&r.allowed_hosts),
            max_body_bytes: r.max_body_bytes,
            max_header_bytes: r.max_header_bytes,
            max_headers: r.max_headers.clamp(1, 1000),
            max_multipart_parts: r.max_multipart_parts,
            header_timeout: secs("header_timeout", r.header_timeout)?,
            body_timeout: secs("body_timeout", r.body_timeout)?,
            keep_alive_timeout: secs("keep_alive_timeout", r.keep_alive_timeout)?,
            blocking_threads: r.blocking_threads.max(1),
            workers: r.workers.max(1),
            backlog: r.backlog,
            shutdown_grace: secs("shutdown_grace", r.shutdown_grace)?,
            max_connections: r.max_connections.max(1),
            trusted_proxies,
            access_log: r.access_log,
            ws_max_message_bytes: r.ws_max_message_bytes,
            ws_allowed_origins: r
                .ws_allowed_origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
            ws_accept_timeout: secs("ws_accept_timeout", r.ws_accept_timeout)?,
            ws_ping_interval: optional_secs("ws_ping_interval", r.ws_ping_interval)?,
            ws_ping_timeout: secs("ws_ping_timeout", r.ws_ping_timeout)?,
            ws_idle_timeout: optional_secs("ws_idle_timeout", r.ws_idle_timeout)?,
            ws_compression: r.ws_compression,
            ws_max_connections: (r.ws_max_connections > 0).then_some(r.ws_max_connections),
            allowed_file_roots: r
                .allowed_file_paths
                .map(|p| crate::response::file::file_roots(&p).into()),
            static_files,
            media_files,
            memory_spool_threshold: r.memory_spool_threshold,
        })
    }
}
