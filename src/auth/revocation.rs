//! Revoked token ids. The in-memory set is checked without Python; other stores (Django cache,
//! database, Redis, a `revoked_token_handler`) are a Python callable `check(jti, claims) -> bool`
//! run on a blocking thread.

use pyo3::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct MemorySet {
    /// jti → expiry (unix seconds; entries past it are dropped on the next revoke).
    entries: Mutex<HashMap<String, f64>>,
}

impl MemorySet {
    pub fn revoke(&self, jti: String, expires_at: f64, now: f64) {
        if let Ok(mut e) = self.entries.lock() {
            e.retain(|_, exp| *exp > now);
            e.insert(jti, expires_at);
        }
    }

    pub fn contains(&self, jti: &str, now: f64) -> bool {
        self.entries
            .lock()
            .map(|e| e.get(jti).is_some_and(|exp| *exp > now))
            .unwrap_or(true)
    }
}

/// Runs on the blocking thread after a Python store answered (`failed`: it raised). Set by
/// `python::db`: a store that queries Django's database gets the connection lifecycle there.
pub static AFTER_STORE_CALL: std::sync::OnceLock<fn(Python<'_>, bool)> = std::sync::OnceLock::new();

pub enum Revocation {
    None,
    Memory(Arc<MemorySet>),
    /// A blocking Python callable `check(jti, claims) -> bool`.
    Python(Arc<Py<PyAny>>),
}

fn now_f64() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Revocation {
    /// `Err(())` when the store failed: callers refuse the token rather than guess.
    pub async fn is_revoked(
        &self,
        jti: &str,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<bool, ()> {
        match self {
            Revocation::None => Ok(false),
            Revocation::Memory(set) => Ok(set.contains(jti, now_f64())),
            Revocation::Python(store) => {
                let store = Arc::clone(store);
                let jti = jti.to_owned();
                let claims = serde_json::Value::Object(claims.clone());
                tokio::task::spawn_blocking(move || {
                    Python::attach(|py| {
                        let answer = super::py::json_to_py(py, &claims)
                            .and_then(|claims| store.bind(py).call1((jti, claims)))
                            .and_then(|r| r.is_truthy())
                            .map_err(|e| {
                                e.display(py);
                            });
                        if let Some(after) = AFTER_STORE_CALL.get() {
                            after(py, answer.is_err());
                        }
                        answer
                    })
                })
                .await
                .map_err(|_| ())?
            }
        }
    }
}

#[pyclass(module = "django_bolt._core", name = "RevocationSet", frozen)]
#[derive(Default)]
pub struct PyRevocationSet {
    pub inner: Arc<MemorySet>,
}

#[pymethods]
impl PyRevocationSet {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Revokes `jti` until `expires_at` (unix seconds).
    fn revoke(&self, jti: String, expires_at: f64) {
        self.inner.revoke(jti, expires_at, now_f64());
    }

    fn is_revoked(&self, jti: &str) -> bool {
        self.inner.contains(jti, now_f64())
    }

    /// Forgets every entry (backends holding this set see it at once).
    fn clear(&self) {
        if let Ok(mut e) = self.inner.entries.lock() {
            e.clear();
        }
    }

    fn __len__(&self) -> usize {
        self.inner.entries.lock().map(|e| e.len()).unwrap_or(0)
    }
}
