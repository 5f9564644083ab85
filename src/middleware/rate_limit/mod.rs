//! `@rate_limit`: token buckets per route and client, in process or shared through Redis.

pub mod bucket;
pub mod memory;
pub mod redis;

use crate::request::HttpRequest;
use crate::response::Response;
use memory::MemoryStore;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use redis::RedisStore;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::time::Duration;

/// Whose budget a request spends.
#[derive(Clone, Debug)]
pub enum KeyKind {
    /// The client address (after trusted-proxy resolution).
    Ip,
    /// The authenticated user.
    User,
    /// The API key presented.
    ApiKey,
    /// The value of a request header (lowercase name).
    Header(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClientKey {
    Ip(IpAddr),
    /// A digest, so that credentials are never stored or sent to Redis.
    Digest(u128),
    /// No address known (in-process requests without a client).
    Unknown,
}

impl ClientKey {
    pub fn digest(kind: &str, value: &[u8]) -> ClientKey {
        // Fixed SipHash keys: the same value maps to the same Redis key in every process.
        let half = |salt: u8| {
            #[allow(deprecated)]
            let mut h = std::hash::SipHasher::new_with_keys(0x626f6c74_726c696d, u64::from(salt));
            kind.hash(&mut h);
            value.hash(&mut h);
            h.finish()
        };
        ClientKey::Digest((u128::from(half(1)) << 64) | u128::from(half(2)))
    }

    fn redis_part(&self) -> String {
        match self {
            ClientKey::Ip(ip) => format!("ip:{ip}"),
            ClientKey::Digest(d) => format!("d:{d:032x}"),
            ClientKey::Unknown => "unknown".into(),
        }
    }
}

pub struct RouteLimit {
    /// Route index (memory buckets) and `"METHOD /path"` (Redis keys, stable across processes).
    index: usize,
    id: String,
    pub rate: f64,
    pub burst: f64,
    pub key: KeyKind,
}

impl RouteLimit {
    /// `{"rps": float, "burst": float | None, "key": str}`.
    pub fn from_dict(id: &str, index: usize, d: &Bound<'_, PyDict>) -> PyResult<RouteLimit> {
        let rate: f64 = d
            .get_item("rps")?
            .map(|v| v.extract())
            .transpose()?
            .unwrap_or(100.0);
        let burst: Option<f64> = match d.get_item("burst")? {
            Some(v) if !v.is_none() => Some(v.extract()?),
            _ => None,
        };
        let burst = burst.unwrap_or(rate * 2.0);
        if !(rate.is_finite() && rate > 0.0 && burst.is_finite() && burst >= 1.0) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "{id}: rate_limit needs rps > 0 and burst >= 1"
            )));
        }
        let key: String = d
            .get_item("key")?
            .map(|v| v.extract())
            .transpose()?
            .unwrap_or_else(|| "ip".into());
        let key = match key.to_ascii_lowercase().as_str() {
            "ip" => KeyKind::Ip,
            "user" => KeyKind::User,
            "api_key" => KeyKind::ApiKey,
            header => KeyKind::Header(header.to_owned()),
        };
        Ok(RouteLimit {
            index,
            id: id.to_owned(),
            rate,
            burst,
            key,
        })
    }

    /// The client's key; `identity` is the authenticated user or key id when auth ran.
    /// Keyed by who the caller is (`"user"`, `"api_key"`): on routes with authentication the
    /// check runs after it, with the verified identity.
    pub fn keyed_by_identity(&self) -> bool {
        matches!(self.key, KeyKind::User | KeyKind::ApiKey)
    }

    pub fn client_key(&self, req: &HttpRequest, identity: Option<&str>) -> ClientKey {
        let ip = || {
            req.peer
                .map(|p| ClientKey::Ip(p.ip()))
                .unwrap_or(ClientKey::Unknown)
        };
        let header_digest = |kind: &str, name: &str| {
            req.header(name)
                .filter(|v| !v.is_empty())
                .map(|v| ClientKey::digest(kind, v.as_bytes()))
        };
        match &self.key {
            KeyKind::Ip => ip(),
            KeyKind::User => identity
                .map(|id| ClientKey::digest("user", id.as_bytes()))
                .or_else(|| header_digest("authorization", "authorization"))
                .unwrap_or_else(ip),
            KeyKind::ApiKey => identity
                .map(|id| ClientKey::digest("api_key", id.as_bytes()))
                .or_else(|| header_digest("api_key", "x-api-key"))
                .unwrap_or_else(ip),
            KeyKind::Header(name) => header_digest("header", name).unwrap_or_else(ip),
        }
    }
}

/// Where buckets live: this process, or Redis with this process as the fallback.
#[derive(Default)]
pub struct Limiter {
    memory: MemoryStore,
    redis: Option<RedisStore>,
}

impl Limiter {
    pub fn new(redis_url: Option<&str>) -> Result<Limiter, String> {
        Ok(Limiter {
            memory: MemoryStore::default(),
            redis: redis_url.map(RedisStore::parse).transpose()?,
        })
    }

    /// `Err` is the 429 to send.
    pub async fn check(&self, limit: &RouteLimit, client: &ClientKey) -> Result<(), Response> {
        let decision = match &self.redis {
            Some(redis) => {
                let key = format!("bolt:rl:{}:{}", limit.id, client.redis_part());
                match redis.take(&key, limit.rate, limit.burst).await {
                    Some(d) => d,
                    None => self
                        .memory
                        .take(limit.index, client, limit.rate, limit.burst),
                }
            }
            None => self
                .memory
                .take(limit.index, client, limit.rate, limit.burst),
        };
        decision.map_err(too_many)
    }
}

fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    Response::detail(429, "Too Many Requests").with_header("retry-after", secs.to_string())
}
