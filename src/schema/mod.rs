//! The records Python hands Rust at startup, declared once in `python/django_bolt/_schema.py` and
//! read here by `#[derive(FromPyObject)]` structs of the same names, one file per kind.
//!
//! Records are plain data (strings, numbers, lists and Python objects); the modules that use them
//! build their own types from them (`ParamSpec`, `CorsPolicy`, `ServerConfig`...), so this module
//! depends on nothing else in the crate. Everything here runs when an app is compiled, never per
//! request.
//!
//! Every record refuses keys it does not declare and names the keys it misses, and
//! `record_keys()` lets a test compare these declarations with the Python ones, so the two sides
//! cannot drift apart silently.

pub mod auth;
pub mod config;
pub mod middleware;
pub mod route;
pub mod runtime;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// A record type: its Python name and its keys (`true`: required).
pub trait Record {
    const NAME: &'static str;
    const KEYS: &'static [(&'static str, bool)];
}

/// Declares a record: a `#[derive(FromPyObject)]` struct read from a dict, whose field names are
/// the keys. `field: T = default` makes the key optional (`default` when it is missing).
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty $(= $default:expr)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(pyo3::FromPyObject)]
        #[pyo3(from_item_all)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                $(#[pyo3(default = $default)])?
                pub $field: $ty,
            )*
        }

        impl $crate::schema::Record for $name {
            const NAME: &'static str = stringify!($name);
            const KEYS: &'static [(&'static str, bool)] =
                &[$((stringify!($field), record!(@required $($default)?))),*];
        }
    };
    (@required) => { true };
    (@required $default:expr) => { false };
}
pub(crate) use record;

/// Unknown and missing keys, checked before the derived extraction so the error names them.
fn check_keys<T: Record>(obj: &Bound<'_, PyAny>) -> PyResult<()> {
    let d = obj.cast::<PyDict>().map_err(|_| {
        PyValueError::new_err(format!(
            "expected a dict, got {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    for key in d.keys() {
        let key: String = key.str()?.to_string();
        if !T::KEYS.iter().any(|(k, _)| *k == key) {
            return Err(PyValueError::new_err(format!(
                "{} has no key {key:?} (keys: {})",
                T::NAME,
                T::KEYS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    for (key, required) in T::KEYS {
        if *required && !d.contains(*key)? {
            return Err(PyValueError::new_err(format!(
                "{} is missing the key {key:?}",
                T::NAME
            )));
        }
    }
    Ok(())
}

/// A nested record (`#[pyo3(from_py_with = schema::nested)]`).
pub fn nested<'py, T>(obj: &Bound<'py, PyAny>) -> PyResult<T>
where
    T: Record + for<'a> FromPyObject<'a, 'py, Error = PyErr>,
{
    check_keys::<T>(obj)?;
    obj.extract::<T>()
}

/// A nested record that may be `None`.
pub fn nested_opt<'py, T>(obj: &Bound<'py, PyAny>) -> PyResult<Option<T>>
where
    T: Record + for<'a> FromPyObject<'a, 'py, Error = PyErr>,
{
    if obj.is_none() {
        return Ok(None);
    }
    nested(obj).map(Some)
}

/// A list of nested records; an error names the item.
pub fn nested_list<'py, T>(obj: &Bound<'py, PyAny>) -> PyResult<Vec<T>>
where
    T: Record + for<'a> FromPyObject<'a, 'py, Error = PyErr>,
{
    let list = obj.cast::<PyList>()?;
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        out.push(nested(&item).map_err(|e| {
            let wrapped = PyValueError::new_err(format!("{ITEM}{i}"));
            wrapped.set_cause(obj.py(), Some(e));
            wrapped
        })?);
    }
    Ok(out)
}

/// Any object, `None` included, for keys whose presence matters (a parameter's `default`).
pub fn present(obj: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
    Ok(Some(obj.clone().unbind()))
}

const FIELD: &str = "failed to extract field ";
const ITEM: &str = "item ";

/// The one error path of the boundary: `whose` (e.g. `routes[3] (GET /items)`), the key path
/// into the record, and what is wrong there.
fn schema_error(py: Python<'_>, whose: &str, err: PyErr) -> PyErr {
    let mut path = String::new();
    let mut current = err;
    loop {
        let message = current.value(py).to_string();
        let step = if let Some(field) = message.strip_prefix(FIELD) {
            Some(match (path.is_empty(), field.split_once('.')) {
                (false, Some((_, key))) => format!(".{key}"),
                _ => field.to_owned(),
            })
        } else {
            message
                .strip_prefix(ITEM)
                .filter(|i| i.parse::<usize>().is_ok())
                .map(|i| format!("[{i}]"))
        };
        match (step, current.cause(py)) {
            (Some(step), Some(cause)) => {
                path.push_str(&step);
                current = cause;
            }
            _ => {
                let at = if path.is_empty() {
                    String::new()
                } else {
                    format!(" at {path}")
                };
                let what = current
                    .get_type(py)
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                return PyValueError::new_err(format!("invalid {whose}{at}: {what}: {message}"));
            }
        }
    }
}

/// An error found while building Rust types from a record (an invalid pattern, an unknown
/// source...): the same exception type, with `whose` in front.
pub fn within(py: Python<'_>, whose: &str, err: PyErr) -> PyErr {
    let message = format!("{whose}: {}", err.value(py));
    match err.get_type(py).call1((message,)) {
        Ok(value) => PyErr::from_value(value),
        Err(_) => err,
    }
}

/// Reads a top-level record; any error names `whose()`, the record and the key.
pub fn read<'py, T>(obj: &Bound<'py, PyAny>, whose: impl FnOnce() -> String) -> PyResult<T>
where
    T: Record + for<'a> FromPyObject<'a, 'py, Error = PyErr>,
{
    nested::<T>(obj).map_err(|e| schema_error(obj.py(), &whose(), e))
}

fn keys_of<T: Record>(py: Python<'_>, out: &Bound<'_, PyDict>) -> PyResult<()> {
    let required: Vec<&str> = T::KEYS.iter().filter(|k| k.1).map(|k| k.0).collect();
    let optional: Vec<&str> = T::KEYS.iter().filter(|k| !k.1).map(|k| k.0).collect();
    out.set_item(T::NAME, (required, optional).into_pyobject(py)?)
}

/// `{record name: (required keys, optional keys)}` for every record Rust reads.
#[pyfunction]
pub fn record_keys(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    keys_of::<route::RouteRecord>(py, &out)?;
    keys_of::<route::ParamRecord>(py, &out)?;
    keys_of::<auth::AuthRecord>(py, &out)?;
    keys_of::<auth::GuardRecord>(py, &out)?;
    keys_of::<middleware::CorsRecord>(py, &out)?;
    keys_of::<middleware::RateLimitRecord>(py, &out)?;
    keys_of::<middleware::MiddlewareRecord>(py, &out)?;
    keys_of::<middleware::CompressionRecord>(py, &out)?;
    keys_of::<config::ServerConfigRecord>(py, &out)?;
    keys_of::<runtime::RuntimeRecord>(py, &out)?;
    keys_of::<runtime::LockedLoopRecord>(py, &out)?;
    Ok(out)
}
