//! `ServerConfigRecord`: the part of `BoltConfig` the server reads (`BoltConfig.server_dict`).

use super::middleware::CorsRecord;
use super::{nested_opt, record};

record! {
    /// Limits, timeouts and settings of the server.
    pub struct ServerConfigRecord {
        pub debug: bool,
        /// The effective `ALLOWED_HOSTS` (DEBUG defaults applied by Python); required, so a
        /// config without one cannot silently allow every Host.
        pub allowed_hosts: Vec<String>,
        pub max_body_bytes: usize,
        pub max_header_bytes: usize,
        pub max_headers: usize,
        pub max_multipart_parts: usize,
        /// Seconds.
        pub header_timeout: f64,
        pub body_timeout: f64,
        pub keep_alive_timeout: f64,
        pub blocking_threads: usize,
        pub workers: usize,
        pub backlog: i32,
        pub shutdown_grace: f64,
        pub max_connections: usize,
        pub access_log: bool,
        pub ws_max_message_bytes: usize,
        /// Addresses or networks whose `X-Forwarded-*` headers are believed.
        pub trusted_proxies: Vec<String>,
        pub memory_spool_threshold: usize,
        /// `None`: file responses may serve any path.
        pub allowed_file_paths: Option<Vec<String>>,
        /// `STATIC_URL` as a path prefix, or `None`.
        pub static_url: Option<String>,
        pub static_dirs: Vec<String>,
        /// Django's staticfiles finders locate files (DEBUG).
        pub static_finders: bool,
        /// `MEDIA_URL` as a path prefix (`None`: media not served) and `MEDIA_ROOT`.
        pub media_url: Option<String>,
        pub media_root: Option<String>,
        /// `Cache-Control` of a served static / media file (`BOLT_STATIC_MAX_AGE`,
        /// `BOLT_MEDIA_MAX_AGE`), or `None`.
        pub static_cache_control: Option<String>,
        pub media_cache_control: Option<String>,
        /// `Content-Security-Policy` (and `-Report-Only`) of static and media answers
        /// (`SECURE_CSP`), or `None`.
        pub static_csp: Option<String>,
        pub static_csp_report_only: Option<String>,
        pub rate_limit_redis_url: Option<String>,
        /// The global CORS policy.
        #[pyo3(from_py_with = nested_opt::<CorsRecord>)]
        pub cors: Option<CorsRecord>,
        pub ws_allowed_origins: Vec<String>,
        /// Seconds; for the ping interval and the idle timeout 0 means never.
        pub ws_accept_timeout: f64,
        pub ws_ping_interval: f64,
        pub ws_ping_timeout: f64,
        pub ws_idle_timeout: f64,
        pub ws_compression: bool,
        /// Open WebSockets per process; 0: no limit.
        pub ws_max_connections: usize,
    }
}
