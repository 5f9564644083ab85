//! `@rate_limit`: token buckets per route and client, in process or shared through Redis.

pub mod bucket;
pub mod memory;
pub mod redis;
mod report;

use crate::request::HttpRequest;
use crate::response::Response;
use crate::schema::middleware::RateLimitRecord;
use memory::MemoryStore;
use pyo3::prelude::*;
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

impl KeyKind {
    pub fn name(&self) -> &str {
        match self {
            KeyKind::Ip => "ip",
            KeyKind::User => "user",
            KeyKind::ApiKey => "api_key",
            KeyKind::Header(h) => h,
        }
    }
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
    /// A route's limit from its record; `id` is `"METHOD /path"`.
    pub fn from_record(id: &str, index: usize, r: RateLimitRecord) -> PyResult<RouteLimit> {
        let rate = r.rps;
        let burst = r.burst;
        let burst = burst.unwrap_or(rate * 2.0);
        if !(rate.is_finite() && rate > 0.0 && burst.is_finite() && burst >= 1.0) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "{id}: rate_limit needs rps > 0 and burst >= 1"
            )));
        }
        let key = r.key;
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

    /// Keyed by who the caller is (`"user"`, `"api_key"`): checked after authentication, with
    /// the verified identity.
    pub fn keyed_by_identity(&self) -> bool {
        matches!(self.key, KeyKind::User | KeyKind::ApiKey)
    }

    /// The client's key. `identity` is the verified user id (`key="user"`) or API key id
    /// (`key="api_key"`); without one the client address is the key, never an unverified
    /// credential (a made-up token per request would otherwise be a fresh budget).
    pub fn client_key(&self, req: &HttpRequest, identity: Option<&str>) -> ClientKey {
        let ip = || {
            req.peer
                .map(|p| ClientKey::Ip(network_of(p.ip())))
                .unwrap_or(ClientKey::Unknown)
        };
        match &self.key {
            KeyKind::Ip => ip(),
            KeyKind::User | KeyKind::ApiKey => identity
                .map(|id| ClientKey::digest(self.key.name(), id.as_bytes()))
                .unwrap_or_else(ip),
            KeyKind::Header(name) => req
                .header(name)
                .filter(|v| !v.is_empty())
                .map(|v| ClientKey::digest("header", v.as_bytes()))
                .unwrap_or_else(ip),
        }
    }
}

/// IPv6 clients are keyed by their /64: one subscriber usually holds a whole /64, so keying
/// by full address would hand out 2^64 budgets.
fn network_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
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

    /// Forgets every bucket of this process (Redis keys are shared, so they stay).
    pub fn clear_local(&self) {
        self.memory.clear();
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
        decision.map_err(|wait| too_many(wait, limit))
    }
}

/// Limits keyed by address or header run before authentication.
pub async fn check_before_auth(
    limiter: &Limiter,
    limit: Option<&RouteLimit>,
    req: &HttpRequest,
) -> Result<(), Response> {
    match limit {
        Some(limit) if !limit.keyed_by_identity() => {
            let client = limit.client_key(req, None);
            limiter.check(limit, &client).await
        }
        _ => Ok(()),
    }
}

/// Limits keyed by user or API key run after authentication, with the verified identity's
/// rate key. `identity` is `Err(())` when authentication failed: the attempt is charged to the
/// client address, so guessing credentials is limited too.
pub async fn check_after_auth(
    limiter: &Limiter,
    limit: Option<&RouteLimit>,
    req: &HttpRequest,
    identity: Result<Option<&str>, ()>,
) -> Result<(), Response> {
    let Some(limit) = limit else {
        return Ok(());
    };
    if !limit.keyed_by_identity() {
        return Ok(());
    }
    let client = limit.client_key(req, identity.ok().flatten());
    limiter.check(limit, &client).await
}

fn too_many(wait: Duration, limit: &RouteLimit) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    // The release's wording, with the wait that `Retry-After` also gives.
    let detail = format!("Rate limit exceeded. Try again in {secs} seconds");
    let key = match &limit.key {
        KeyKind::Ip => "ip",
        KeyKind::User => "user",
        KeyKind::ApiKey => "api_key",
        KeyKind::Header(name) => name,
    };
    report::refusal(&limit.id, key, limit.rate, limit.burst, secs);
    // The route's rate (per second) and burst, as the release tells a client that hit them.
    Response::detail(429, &detail)
        .with_header("retry-after", secs.to_string())
        .with_header("x-ratelimit-limit", limit.rate.to_string())
        .with_header("x-ratelimit-burst", limit.burst.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network_of(a), network_of(b));
        assert_ne!(network_of(a), network_of(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(network_of(mapped).to_string(), "192.0.2.1");
    }
}
