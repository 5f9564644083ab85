//! A JSON Web Key Set: keys by `kid`, refreshed through a Python fetcher (URL fetching needs TLS,
//! which stays in Python) when a token names an unknown `kid` or the set is older than its TTL.

use super::jwt::JwtError;
use super::keys::{Alg, VerifyKey};
use pyo3::prelude::*;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

pub struct Jwk {
    pub kid: Option<String>,
    pub alg: Option<Alg>,
    pub key: VerifyKey,
}

pub struct KeySet {
    keys: RwLock<Vec<Jwk>>,
    /// `() -> str`: the current JWKS document; `None` for a static set.
    fetcher: Option<Py<PyAny>>,
    fetched_at: Mutex<Instant>,
    last_attempt: Mutex<Option<Instant>>,
    ttl: Duration,
    /// Fetches triggered by unknown `kid`s are at most this frequent, so forged `kid`s cannot
    /// turn into a request flood against the identity provider.
    min_refresh: Duration,
}

/// Parses a JWKS document; keys with `use` other than `sig` or an unsupported type are skipped.
pub fn parse_jwks(doc: &str) -> Result<Vec<Jwk>, String> {
    let v: serde_json::Value =
        serde_json::from_str(doc).map_err(|e| format!("JWKS is not JSON: {e}"))?;
    let list = v
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("JWKS has no \"keys\" array")?;
    let mut out = Vec::new();
    for jwk in list {
        if let Some(u) = jwk.get("use").and_then(|u| u.as_str()) {
            if u != "sig" {
                continue;
            }
        }
        let Ok(key) = VerifyKey::from_jwk(jwk) else {
            continue;
        };
        out.push(Jwk {
            kid: jwk.get("kid").and_then(|k| k.as_str()).map(str::to_owned),
            alg: jwk.get("alg").and_then(|a| a.as_str()).and_then(Alg::parse),
            key,
        });
    }
    Ok(out)
}

impl KeySet {
    pub fn new(
        keys: Vec<Jwk>,
        fetcher: Option<Py<PyAny>>,
        ttl: Duration,
        min_refresh: Duration,
    ) -> KeySet {
        KeySet {
            keys: RwLock::new(keys),
            fetcher,
            fetched_at: Mutex::new(Instant::now()),
            last_attempt: Mutex::new(None),
            ttl,
            min_refresh,
        }
    }

    pub fn verify(
        &self,
        kid: Option<&str>,
        alg: Alg,
        msg: &[u8],
        sig: &[u8],
    ) -> Result<bool, JwtError> {
        let keys = self.keys.read().map_err(|_| JwtError::UnknownKey(None))?;
        let mut candidates = keys.iter().filter(|k| {
            (kid.is_none() || k.kid.as_deref() == kid)
                && k.key.family() == alg.family()
                && k.alg.is_none_or(|a| a == alg)
        });
        let Some(first) = candidates.next() else {
            return Err(JwtError::UnknownKey(kid.map(str::to_owned)));
        };
        if first.key.verify(alg, msg, sig) {
            return Ok(true);
        }
        Ok(candidates.any(|k| k.key.verify(alg, msg, sig)))
    }

    pub fn can_fetch(&self) -> bool {
        self.fetcher.is_some()
    }

    pub fn is_stale(&self) -> bool {
        self.fetcher.is_some()
            && self
                .fetched_at
                .lock()
                .map(|t| t.elapsed() >= self.ttl)
                .unwrap_or(false)
    }

    /// Fetches the set again unless a fetch happened within `min_refresh`. Blocking (Python I/O):
    /// call from a blocking thread. Returns whether the keys changed.
    pub fn refresh(&self) -> bool {
        let Some(fetcher) = &self.fetcher else {
            return false;
        };
        {
            let Ok(mut last) = self.last_attempt.lock() else {
                return false;
            };
            if last.is_some_and(|t| t.elapsed() < self.min_refresh) && !self.is_stale() {
                return false;
            }
            *last = Some(Instant::now());
        }
        let doc: Option<String> =
            Python::attach(|py| fetcher.bind(py).call0().and_then(|d| d.extract()).ok());
        let Some(keys) = doc.and_then(|d| parse_jwks(&d).ok()) else {
            return false;
        };
        if let Ok(mut slot) = self.keys.write() {
            *slot = keys;
        }
        if let Ok(mut t) = self.fetched_at.lock() {
            *t = Instant::now();
        }
        true
    }
}
