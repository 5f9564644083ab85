//! The Python side of auth: backends built once from `django_bolt.auth`, route configs compiled
//! from their records, token signing, and claims as Python objects.

use super::guards::{ClaimCheck, Guard, Quantifier};
use super::jwks::{parse_jwks, KeySet};
use super::jwt::{self, JwtVerifier, Keys};
use super::keys::{Alg, Family, SignKey, VerifyKey};
use super::revocation::{PyRevocationSet, Revocation};
use super::{api_key::ApiKeys, Backend, JwtBackend, RouteAuth};
use crate::schema::auth::{AuthRecord, GuardRecord};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

fn algs(names: &[String]) -> PyResult<Vec<Alg>> {
    if names.is_empty() {
        return Err(PyValueError::new_err("algorithms must not be empty"));
    }
    names
        .iter()
        .map(|n| {
            Alg::parse(n)
                .ok_or_else(|| PyValueError::new_err(format!("Unsupported JWT algorithm '{n}'")))
        })
        .collect()
}

/// A compiled JWT backend, built once per `JWTAuthentication`.
#[pyclass(module = "django_bolt._core", name = "JwtBackend", frozen)]
pub struct PyJwtBackend {
    pub inner: Arc<JwtBackend>,
}

#[pymethods]
impl PyJwtBackend {
    #[new]
    #[pyo3(signature = (*, algorithms, secret=None, public_key=None, jwks=None, jwks_fetch=None,
        jwks_ttl=300.0, jwks_min_refresh=30.0, audience=vec![], issuer=vec![], leeway=0,
        required=vec![], require_jti=false, token_type=None, header="authorization",
        cookie=None, csrf=true, revocation=None, user_loader=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        algorithms: Vec<String>,
        secret: Option<Vec<u8>>,
        public_key: Option<String>,
        jwks: Option<String>,
        jwks_fetch: Option<Py<PyAny>>,
        jwks_ttl: f64,
        jwks_min_refresh: f64,
        audience: Vec<String>,
        issuer: Vec<String>,
        leeway: i64,
        required: Vec<String>,
        require_jti: bool,
        token_type: Option<String>,
        header: &str,
        cookie: Option<String>,
        csrf: bool,
        revocation: Option<Bound<'_, PyAny>>,
        user_loader: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let algorithms = algs(&algorithms)?;
        let families: Vec<Family> = algorithms.iter().map(|a| a.family()).collect();
        let keys = if jwks.is_some() || jwks_fetch.is_some() {
            let initial = match jwks {
                Some(doc) => parse_jwks(&doc).map_err(PyValueError::new_err)?,
                None => Vec::new(),
            };
            let set = KeySet::new(
                initial,
                jwks_fetch,
                Duration::from_secs_f64(jwks_ttl.max(0.0)),
                Duration::from_secs_f64(jwks_min_refresh.max(0.0)),
            );
            Keys::Set(Arc::new(set))
        } else if let Some(pem) = public_key {
            let family = families[0];
            if families.iter().any(|f| *f != family) {
                return Err(PyValueError::new_err(
                    "algorithms mix key families: one public key cannot serve them",
                ));
            }
            Keys::One(VerifyKey::from_pem(&pem, family).map_err(PyValueError::new_err)?)
        } else if let Some(secret) = secret {
            if families.iter().any(|f| *f != families[0]) {
                return Err(PyValueError::new_err(
                    "algorithms mix key families: give HS* with a secret, or one asymmetric family with its public key",
                ));
            }
            let kind = match families[0] {
                Family::Hmac => None,
                Family::Rsa => Some("RSA"),
                Family::P256 | Family::P384 => Some("EC"),
                Family::Ed25519 => Some("Ed25519"),
            };
            if let Some(kind) = kind {
                return Err(PyValueError::new_err(format!(
                    "Invalid {kind} public key PEM: a shared secret only verifies HS256/HS384/HS512; \
                     give the public key PEM (public_key=) or a JWKS"
                )));
            }
            Keys::One(VerifyKey::hmac(&secret).map_err(PyValueError::new_err)?)
        } else {
            return Err(PyValueError::new_err(
                "JWT backend needs a secret, public_key or jwks",
            ));
        };
        let revocation = match revocation {
            None => Revocation::None,
            Some(r) => match r.cast::<PyRevocationSet>() {
                Ok(set) => Revocation::Memory(Arc::clone(&set.get().inner)),
                Err(_) => Revocation::Python(Arc::new(r.unbind())),
            },
        };
        Ok(PyJwtBackend {
            inner: Arc::new(JwtBackend {
                verifier: JwtVerifier {
                    algorithms,
                    keys,
                    audience,
                    issuer,
                    leeway: leeway.max(0),
                    required,
                    require_jti,
                    token_type,
                },
                header: header.to_ascii_lowercase(),
                cookie,
                csrf,
                revocation,
                user_loader: user_loader.map(Arc::new),
            }),
        })
    }

    /// Verifies `token` (signature, claims; not revocation) and returns its claims, or raises
    /// `ValueError` with the reason.
    fn decode<'py>(&self, py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyAny>> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let verifier = &self.inner.verifier;
        let mut result = verifier.verify(token, now);
        if let (Err(jwt::JwtError::UnknownKey(_)), Keys::Set(set)) = (&result, &verifier.keys) {
            let set = Arc::clone(set);
            if py.detach(move || set.refresh()) {
                result = verifier.verify(token, now);
            }
        }
        match result {
            Ok(claims) => json_to_py(py, &Value::Object(claims)),
            Err(e) => Err(PyValueError::new_err(e.message())),
        }
    }
}

/// A compiled API-key backend: `keys` is `[(key, key_id, permissions)]`.
#[pyclass(module = "django_bolt._core", name = "ApiKeyBackend", frozen)]
pub struct PyApiKeyBackend {
    pub inner: Arc<ApiKeys>,
}

#[pymethods]
impl PyApiKeyBackend {
    #[new]
    #[pyo3(signature = (keys, header="x-api-key", user_loader=None))]
    fn new(
        keys: Vec<(String, String, Vec<String>)>,
        header: &str,
        user_loader: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        if keys.iter().any(|(k, _, _)| k.is_empty()) {
            return Err(PyValueError::new_err("API keys must not be empty"));
        }
        let mut keys = ApiKeys::new(header.to_ascii_lowercase(), keys);
        keys.user_loader = user_loader.map(Arc::new);
        Ok(PyApiKeyBackend {
            inner: Arc::new(keys),
        })
    }
}

/// Signs `claims_json` (a serialised JSON object) into a compact JWT.
#[pyfunction]
#[pyo3(signature = (claims_json, algorithm, key, kid=None))]
pub fn jwt_encode(
    claims_json: &[u8],
    algorithm: &str,
    key: &[u8],
    kid: Option<&str>,
) -> PyResult<String> {
    let alg = Alg::parse(algorithm)
        .ok_or_else(|| PyValueError::new_err(format!("Unsupported JWT algorithm '{algorithm}'")))?;
    match serde_json::from_slice::<Value>(claims_json) {
        Ok(Value::Object(_)) => {}
        _ => return Err(PyValueError::new_err("claims must be a JSON object")),
    }
    let key = SignKey::new(alg, key).map_err(PyValueError::new_err)?;
    jwt::encode(claims_json, alg, &key, kid).map_err(PyValueError::new_err)
}

pub fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::IntoPyObjectExt;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_bound_py_any(py)?,
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_bound_py_any(py)?
            } else if let Some(u) = n.as_u64() {
                u.into_bound_py_any(py)?
            } else {
                n.as_f64().unwrap_or(0.0).into_bound_py_any(py)?
            }
        }
        Value::String(s) => s.into_bound_py_any(py)?,
        Value::Array(a) => {
            let list = PyList::empty(py);
            for item in a {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, item) in o {
                d.set_item(k, json_to_py(py, item)?)?;
            }
            d.into_any()
        }
    })
}

fn json_values(json: Option<&str>) -> PyResult<Vec<Value>> {
    match serde_json::from_str::<Value>(json.unwrap_or("")) {
        Ok(Value::Array(a)) => Ok(a),
        _ => Err(PyValueError::new_err(
            "GuardRecord.values: guard values must be a JSON array",
        )),
    }
}

fn guard_from_record(g: GuardRecord) -> PyResult<Guard> {
    let missing =
        |key: &str| PyValueError::new_err(format!("GuardRecord.{key}: required by requires"));
    Ok(match g.kind.as_str() {
        "allow_any" => Guard::AllowAny,
        "authenticated" => Guard::IsAuthenticated,
        "requires" => {
            let claim = g.claim.ok_or_else(|| missing("claim"))?;
            let values = json_values(g.values.as_deref())?;
            let quantifier = match g
                .quantifier
                .as_deref()
                .ok_or_else(|| missing("quantifier"))?
            {
                "truthy" => Quantifier::Truthy,
                "any_of" => Quantifier::AnyOf(values),
                "all_of" => Quantifier::AllOf(values),
                "none_of" => Quantifier::NoneOf(values),
                q => {
                    return Err(PyValueError::new_err(format!(
                        "GuardRecord.quantifier: unknown quantifier {q:?}"
                    )))
                }
            };
            Guard::Requires(ClaimCheck {
                claim: claim.split('.').map(str::to_owned).collect(),
                quantifier,
                message: g.message.ok_or_else(|| missing("message"))?,
            })
        }
        other => {
            return Err(PyValueError::new_err(format!(
                "GuardRecord.kind: unknown guard kind {other:?}"
            )))
        }
    })
}

impl RouteAuth {
    pub fn from_record(py: Python<'_>, r: AuthRecord) -> PyResult<RouteAuth> {
        let mut backends = Vec::new();
        for b in &r.backends {
            let b = b.bind(py);
            if let Ok(j) = b.cast::<PyJwtBackend>() {
                backends.push(Backend::Jwt(Arc::clone(&j.get().inner)));
            } else if let Ok(k) = b.cast::<PyApiKeyBackend>() {
                backends.push(Backend::ApiKey(Arc::clone(&k.get().inner)));
            } else {
                return Err(PyTypeError::new_err(
                    "AuthRecord.backends: unknown compiled auth backend",
                ));
            }
        }
        Ok(RouteAuth {
            backends,
            guards: r
                .guards
                .into_iter()
                .map(guard_from_record)
                .collect::<PyResult<_>>()?,
            python_backends: r.python_backends,
            challenge: r.challenge,
        })
    }
}
