//! Parameter specs compiled once per route from the Python-side description.

use pyo3::conversion::FromPyObjectOwned;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use regex::Regex;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Path,
    Query,
    Header,
    Cookie,
    /// JSON body decoded by the route's Python decoder.
    Body,
    /// One form field (url-encoded or multipart).
    Form,
    /// The whole form converted into a model by a Python decoder.
    FormModel,
    /// One or more uploaded files.
    File,
    /// The `Request` object itself.
    Request,
}

impl Source {
    pub fn parse(raw: &str) -> PyResult<Source> {
        Ok(match raw {
            "path" => Source::Path,
            "query" => Source::Query,
            "header" => Source::Header,
            "cookie" => Source::Cookie,
            "body" => Source::Body,
            "form" => Source::Form,
            "form_model" => Source::FormModel,
            "file" => Source::File,
            "request" => Source::Request,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "unknown parameter source {other:?}"
                )))
            }
        })
    }

    /// The first element of an error `loc`.
    pub fn loc_name(self) -> &'static str {
        match self {
            Source::Path => "path",
            Source::Query => "query",
            Source::Header => "header",
            Source::Cookie => "cookie",
            Source::Body | Source::Request => "body",
            Source::Form | Source::FormModel | Source::File => "form",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Float,
    Str,
    Bool,
    Uuid,
    Date,
    DateTime,
    Time,
    Decimal,
    Bytes,
    /// Passed through as a string without coercion.
    Any,
}

impl Kind {
    pub fn parse(raw: &str) -> PyResult<Kind> {
        Ok(match raw {
            "int" => Kind::Int,
            "float" => Kind::Float,
            "str" => Kind::Str,
            "bool" => Kind::Bool,
            "uuid" => Kind::Uuid,
            "date" => Kind::Date,
            "datetime" => Kind::DateTime,
            "time" => Kind::Time,
            "decimal" => Kind::Decimal,
            "bytes" => Kind::Bytes,
            "any" => Kind::Any,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "unknown parameter kind {other:?}"
                )))
            }
        })
    }
}

#[derive(Clone, Debug, Default)]
pub struct Constraints {
    pub gt: Option<f64>,
    pub ge: Option<f64>,
    pub lt: Option<f64>,
    pub le: Option<f64>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<Regex>,
    /// For files: bytes per file.
    pub max_size: Option<usize>,
    pub min_size: Option<usize>,
    pub allowed_types: Vec<String>,
    pub max_files: Option<usize>,
}

pub struct ParamSpec {
    /// The handler's argument name.
    pub name: String,
    /// Where the value is looked up (alias, header name, cookie name).
    pub key: String,
    pub source: Source,
    pub kind: Kind,
    pub is_list: bool,
    pub required: bool,
    pub default: Option<Py<PyAny>>,
    pub constraints: Constraints,
    pub keyword_only: bool,
    /// Body/form-model decoder: `decoder(value) -> object`, raising on invalid input.
    pub decoder: Option<Py<PyAny>>,
}

fn opt<'py, T: FromPyObjectOwned<'py>>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Option<T>> {
    match d.get_item(key)? {
        Some(v) if !v.is_none() => Ok(Some(v.extract::<T>().map_err(Into::into)?)),
        _ => Ok(None),
    }
}

impl ParamSpec {
    pub fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<ParamSpec> {
        let name: String = opt(d, "name")?.unwrap_or_default();
        let key: String = opt(d, "key")?.unwrap_or_else(|| name.clone());
        let pattern: Option<String> = opt(d, "pattern")?;
        let pattern = match pattern {
            Some(p) => Some(Regex::new(&p).map_err(|e| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "invalid pattern for parameter {name:?}: {e}"
                ))
            })?),
            None => None,
        };
        let constraints = Constraints {
            gt: opt(d, "gt")?,
            ge: opt(d, "ge")?,
            lt: opt(d, "lt")?,
            le: opt(d, "le")?,
            min_length: opt(d, "min_length")?,
            max_length: opt(d, "max_length")?,
            pattern,
            max_size: opt(d, "max_size")?,
            min_size: opt(d, "min_size")?,
            allowed_types: opt(d, "allowed_types")?.unwrap_or_default(),
            max_files: opt(d, "max_files")?,
        };
        let default = d.get_item("default")?.map(Bound::unbind);
        Ok(ParamSpec {
            source: Source::parse(&opt::<String>(d, "source")?.unwrap_or_default())?,
            kind: Kind::parse(&opt::<String>(d, "kind")?.unwrap_or_else(|| "any".into()))?,
            is_list: opt(d, "is_list")?.unwrap_or(false),
            required: opt(d, "required")?.unwrap_or(default.is_none()),
            default,
            constraints,
            keyword_only: opt(d, "keyword_only")?.unwrap_or(false),
            decoder: opt::<Bound<'_, PyAny>>(d, "decoder")?.map(Bound::unbind),
            name,
            key,
        })
    }
}
