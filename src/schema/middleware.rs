//! CORS, rate limit, per-route middleware settings and compression.

use super::{nested_opt, record};

record! {
    /// A CORS policy: the `CORS_*` settings or a route's `@cors`.
    pub struct CorsRecord {
        pub origins: Vec<String>,
        pub origin_regexes: Vec<String>,
        pub allow_all: bool,
        pub credentials: bool,
        pub methods: Vec<String>,
        pub headers: Vec<String>,
        pub expose_headers: Vec<String>,
        /// Seconds a preflight may be cached; `None`: no `Access-Control-Max-Age`.
        pub max_age: Option<u64>,
    }
}

record! {
    /// `@rate_limit`.
    pub struct RateLimitRecord {
        pub rps: f64,
        /// `None`: twice `rps`.
        pub burst: Option<f64>,
        /// `ip`, `user`, `api_key` or a header name.
        pub key: String,
    }
}

record! {
    /// What the middleware decorators recorded on one handler.
    pub struct MiddlewareRecord {
        #[pyo3(from_py_with = nested_opt::<CorsRecord>)]
        pub cors: Option<CorsRecord>,
        #[pyo3(from_py_with = nested_opt::<RateLimitRecord>)]
        pub rate_limit: Option<RateLimitRecord>,
        /// Middleware turned off for the route (`cors`, `rate_limit`, `compression`, `*`).
        pub skip: Vec<String>,
    }
}

record! {
    /// `CompressionConfig`.
    pub struct CompressionRecord {
        /// `brotli`, `gzip` or `zstd`.
        pub backend: String,
        pub minimum_size: usize,
        pub gzip_fallback: bool,
        pub brotli_level: u32,
        pub brotli_lgwin: u32,
        pub gzip_level: u32,
        /// Accepted for compatibility: the zstd encoder always uses its fastest level.
        pub zstd_level: i32,
    }
}
