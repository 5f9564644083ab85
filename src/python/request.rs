//! The `Request` object handlers receive. Dicts are built on first access only.

use super::refs::PyRefs;
use crate::auth::py::json_to_py;
use crate::auth::Identity;
use crate::request::query::parse_urlencoded;
use crate::request::HttpRequest;
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyType};
use std::sync::{Arc, Mutex, OnceLock};

#[pyclass(module = "django_bolt", name = "Request", dict)]
pub struct PyRequest {
    req: Arc<HttpRequest>,
    refs: Arc<PyRefs>,
    path_params: Vec<(String, String)>,
    headers: OnceLock<Py<PyDict>>,
    query: OnceLock<Py<PyDict>>,
    cookies: OnceLock<Py<PyDict>>,
    params: OnceLock<Py<PyDict>>,
    state: OnceLock<Py<PyDict>>,
    user: Mutex<Option<Py<PyAny>>>,
    context: Mutex<Option<Py<PyAny>>>,
    /// `META` (WSGI-style keys) once built, or as replaced (the Django middleware adapter shares
    /// the Django request's).
    meta: Mutex<Option<Py<PyAny>>>,
    /// `(form, files)` parsed from the body on first access.
    form_files: OnceLock<Py<PyAny>>,
    /// Set when a Rust auth backend identified the caller; `context` and `user` derive from it.
    identity: Option<Arc<Identity>>,
    /// Query keys a sequence parameter of the route reads: `query` holds all their values.
    list_keys: Vec<String>,
}

impl PyRequest {
    pub fn new(
        req: Arc<HttpRequest>,
        refs: Arc<PyRefs>,
        path_params: Vec<(String, String)>,
    ) -> Self {
        PyRequest {
            req,
            refs,
            path_params,
            headers: OnceLock::new(),
            query: OnceLock::new(),
            cookies: OnceLock::new(),
            params: OnceLock::new(),
            state: OnceLock::new(),
            user: Mutex::new(None),
            context: Mutex::new(None),
            meta: Mutex::new(None),
            form_files: OnceLock::new(),
            identity: None,
            list_keys: Vec::new(),
        }
    }

    pub fn with_list_keys(mut self, list_keys: Vec<String>) -> Self {
        self.list_keys = list_keys;
        self
    }

    pub fn with_identity(mut self, identity: Option<Arc<Identity>>) -> Self {
        self.identity = identity;
        self
    }
}

fn cached<'py>(
    py: Python<'py>,
    cell: &OnceLock<Py<PyDict>>,
    build: impl FnOnce() -> PyResult<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    if let Some(d) = cell.get() {
        return Ok(d.bind(py).clone());
    }
    let d = build()?;
    let _ = cell.set(d.clone().unbind());
    Ok(cell.get().map(|d| d.bind(py).clone()).unwrap_or(d))
}

fn dict_of<'py>(py: Python<'py>, pairs: &[(String, String)]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in pairs {
        d.set_item(k, v)?;
    }
    Ok(d)
}

#[pymethods]
impl PyRequest {
    #[getter]
    fn method(&self) -> &str {
        self.req.method.as_str()
    }

    #[getter]
    fn path(&self) -> &str {
        &self.req.path
    }

    #[getter]
    fn query_string(&self) -> &str {
        &self.req.query
    }

    #[getter]
    fn scheme(&self) -> &str {
        self.req.scheme
    }

    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.req.body)
    }

    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        cached(py, &self.headers, || {
            let d = PyDict::new(py);
            for (k, v) in &self.req.headers {
                match d.get_item(k)? {
                    Some(prev) => d.set_item(k, format!("{}, {v}", prev.extract::<String>()?))?,
                    None => d.set_item(k, v)?,
                }
            }
            Ok(d)
        })
    }

    /// Query parameters; a repeated key keeps its last value (`get_list` semantics are in
    /// `query_list`), except a key a sequence parameter of the route reads: all its values.
    #[getter]
    fn query<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        cached(py, &self.query, || {
            let pairs = parse_urlencoded(self.req.query.as_bytes())
                .map_err(pyo3::exceptions::PyValueError::new_err)?;
            let d = dict_of(py, &pairs)?;
            for key in &self.list_keys {
                let values: Vec<&str> = pairs
                    .iter()
                    .filter(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
                    .collect();
                if !values.is_empty() {
                    d.set_item(key, values)?;
                }
            }
            Ok(d)
        })
    }

    /// Every value of a repeated query key.
    fn query_list(&self, key: &str) -> PyResult<Vec<String>> {
        let pairs = parse_urlencoded(self.req.query.as_bytes())
            .map_err(pyo3::exceptions::PyValueError::new_err)?;
        Ok(pairs
            .into_iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect())
    }

    #[getter]
    fn cookies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        cached(py, &self.cookies, || {
            let pairs: Vec<(String, String)> = self
                .req
                .headers
                .iter()
                .filter(|(k, _)| k == "cookie")
                .flat_map(|(_, v)| crate::params::parse_cookies(v))
                .collect();
            dict_of(py, &pairs)
        })
    }

    /// The release's name for `cookies` (the values as sent; signed cookies are not checked).
    #[getter]
    fn raw_cookies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.cookies(py)
    }

    /// Path parameters as matched (strings).
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        cached(py, &self.params, || dict_of(py, &self.path_params))
    }

    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        cached(py, &self.state, || Ok(PyDict::new(py)))
    }

    /// `(host, port)` of the peer, or `None` in-process without one.
    #[getter]
    fn client(&self) -> Option<(String, u16)> {
        self.req.peer.map(|p| (p.ip().to_string(), p.port()))
    }

    /// The verified claims (JWT) or key info (API key), converted on first access; `None`
    /// without authentication.
    #[getter]
    fn context(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Ok(g) = self.context.lock() {
            if let Some(c) = g.as_ref() {
                return Ok(c.clone_ref(py));
            }
        }
        let Some(identity) = &self.identity else {
            return Ok(py.None());
        };
        let claims =
            json_to_py(py, &serde_json::Value::Object(release_context(identity)))?.unbind();
        if let Ok(mut g) = self.context.lock() {
            *g = Some(claims.clone_ref(py));
        }
        Ok(claims)
    }

    /// Which backend authenticated the request (`"jwt"`, `"api_key"`), or `None`.
    #[getter]
    fn auth_backend(&self) -> Option<&'static str> {
        self.identity.as_ref().map(|i| i.backend)
    }

    /// Whether `user` holds a user already (loaded or set), so reading it runs no loader: an
    /// async load of the user keeps the one a sync read loaded meanwhile.
    #[getter]
    fn user_loaded(&self) -> bool {
        self.user.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    /// The user id taken from the token (`user_id` or `sub` claim), or `None`.
    #[getter]
    fn user_id(&self) -> Option<String> {
        self.identity.as_ref().and_then(|i| i.user_id.clone())
    }

    #[setter]
    fn set_context(&self, value: Py<PyAny>) {
        if let Ok(mut g) = self.context.lock() {
            *g = Some(value);
        }
    }

    /// The authenticated user, loaded from the database on first access (sync code; async code
    /// uses `await request.auser()`), or Django's `AnonymousUser` when nobody is authenticated.
    #[getter]
    fn user(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.borrow();
        if let Ok(g) = this.user.lock() {
            if let Some(u) = g.as_ref() {
                return Ok(u.clone_ref(py));
            }
        }
        if let Some((loader, user_id)) = this.pending_user() {
            drop(this);
            let context = slf.getattr("context")?;
            let user = loader
                .bind(py)
                .call_method1("load_user", (user_id, context))?
                .unbind();
            if let Ok(mut g) = slf.borrow().user.lock() {
                *g = Some(user.clone_ref(py));
            }
            return Ok(user);
        }
        let anonymous = this.refs.anonymous_user.bind(py).call0()?.unbind();
        if let Ok(mut g) = this.user.lock() {
            *g = Some(anonymous.clone_ref(py));
        }
        Ok(anonymous)
    }

    #[setter]
    fn set_user(&self, value: Py<PyAny>) {
        if let Ok(mut g) = self.user.lock() {
            *g = Some(value);
        }
    }

    fn auser<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.borrow();
        let loaded = this.user.lock().map(|g| g.is_some()).unwrap_or(false);
        if !loaded {
            if let Some((loader, user_id)) = this.pending_user() {
                drop(this);
                let context = slf.getattr("context")?;
                return loader
                    .bind(py)
                    .call_method1("aload_user", (slf, user_id, context));
            }
        }
        this.refs.auser.bind(py).call1((slf,))
    }

    /// WSGI-style keys (`REQUEST_METHOD`, `PATH_INFO`, `HTTP_*`, ...), built on first access by
    /// `django_bolt._request_extras.build_meta`.
    #[getter(META)]
    fn meta(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if let Ok(g) = slf.borrow().meta.lock() {
            if let Some(m) = g.as_ref() {
                return Ok(m.clone_ref(py));
            }
        }
        let built = extras(py, "build_meta")?.call1((slf,))?.unbind();
        if let Ok(mut g) = slf.borrow().meta.lock() {
            *g = Some(built.clone_ref(py));
        }
        Ok(built)
    }

    #[setter(META)]
    fn set_meta(&self, value: Py<PyAny>) {
        if let Ok(mut g) = self.meta.lock() {
            *g = Some(value);
        }
    }

    /// The urlencoded or multipart form fields of the body (a Django `QueryDict`).
    #[getter]
    fn form(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        Ok(Self::form_files(slf)?.bind(slf.py()).get_item(0)?.unbind())
    }

    /// The uploaded files of a multipart body (a Django `MultiValueDict` of `UploadedFile`s).
    #[getter]
    fn files(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        Ok(Self::form_files(slf)?.bind(slf.py()).get_item(1)?.unbind())
    }

    fn get_full_path(&self) -> String {
        if self.req.query.is_empty() {
            self.req.path.clone()
        } else {
            format!("{}?{}", self.req.path, self.req.query)
        }
    }

    /// As Django's (`django_bolt._request_extras.build_absolute_uri`).
    #[pyo3(signature = (location=None))]
    fn build_absolute_uri(slf: &Bound<'_, Self>, location: Option<&str>) -> PyResult<String> {
        extras(slf.py(), "build_absolute_uri")?
            .call1((slf, location))?
            .extract()
    }

    #[pyo3(signature = (key, default=None))]
    fn get(slf: &Bound<'_, Self>, key: &str, default: Option<Py<PyAny>>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match Self::lookup(slf, key)? {
            // No auth context (unauthenticated): the default, as for a missing key.
            Some(v) if matches!(key, "auth" | "context") && !v.bind(py).is_truthy()? => {
                Ok(default.unwrap_or_else(|| py.None()))
            }
            Some(v) => Ok(v),
            None => Ok(default.unwrap_or_else(|| py.None())),
        }
    }

    fn __getitem__(slf: &Bound<'_, Self>, key: &str) -> PyResult<Py<PyAny>> {
        Self::lookup(slf, key)?.ok_or_else(|| PyKeyError::new_err(key.to_owned()))
    }

    fn __repr__(&self) -> String {
        format!(
            "<Request {} {}>",
            self.req.method.as_str(),
            self.get_full_path()
        )
    }

    /// `Request[User, Claims, State]` is accepted for typing; the runtime class is the same.
    #[classmethod]
    fn __class_getitem__(cls: &Bound<'_, PyType>, _item: &Bound<'_, PyAny>) -> Py<PyType> {
        cls.clone().unbind()
    }
}

/// The claims plus the keys the release's `request.context` has (`user_id`, `is_staff`,
/// `is_superuser`, `auth_backend`, `permissions`, and `auth_claims` for a token); a claim of the
/// same name wins.
fn release_context(identity: &Identity) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value;
    let mut map = identity.claims.clone();
    if identity.backend == "jwt" {
        map.entry("auth_claims")
            .or_insert_with(|| Value::Object(identity.claims.clone()));
    }
    let user_id = identity.user_id.clone().map_or(Value::Null, Value::String);
    map.entry("user_id").or_insert(user_id);
    map.entry("is_staff").or_insert(Value::Bool(false));
    map.entry("is_superuser").or_insert(Value::Bool(false));
    map.entry("auth_backend")
        .or_insert_with(|| Value::String(identity.backend.to_owned()));
    map.entry("permissions")
        .or_insert_with(|| Value::Array(Vec::new()));
    map
}

fn extras<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("django_bolt._request_extras")?.getattr(name)
}

impl PyRequest {
    fn form_files(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if let Some(parsed) = slf.borrow().form_files.get() {
            return Ok(parsed.clone_ref(py));
        }
        let parsed = extras(py, "parse_form")?.call1((slf,))?.unbind();
        let this = slf.borrow();
        let _ = this.form_files.set(parsed);
        Ok(this
            .form_files
            .get()
            .map(|p| p.clone_ref(py))
            .unwrap_or_else(|| py.None()))
    }

    fn pending_user(&self) -> Option<(Arc<Py<PyAny>>, String)> {
        let identity = self.identity.as_ref()?;
        Some((identity.user_loader.clone()?, identity.user_id.clone()?))
    }

    fn lookup(slf: &Bound<'_, Self>, key: &str) -> PyResult<Option<Py<PyAny>>> {
        const KEYS: [&str; 11] = [
            "method", "path", "query", "params", "headers", "cookies", "body", "context", "user",
            "state", "client",
        ];
        if KEYS.contains(&key) {
            Ok(Some(slf.getattr(key)?.unbind()))
        } else if key == "auth" {
            // The release's name for the auth context.
            Ok(Some(slf.getattr("context")?.unbind()))
        } else {
            Ok(None)
        }
    }
}
