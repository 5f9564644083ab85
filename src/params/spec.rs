//! Parameter specs compiled once per route from the Python-side description.

use crate::schema::route::ParamRecord;
use pyo3::prelude::*;
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
                    "ParamRecord.source: unknown parameter source {other:?}"
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
                    "ParamRecord.kind: unknown parameter kind {other:?}"
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
    /// The accepted values (`Literal[...]`, string enums); empty: any.
    pub choices: Vec<String>,
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
    /// `convert(value) -> object`: the coerced list made into the declared `set`, `frozenset`
    /// or `tuple`, raising on invalid input.
    pub convert: Option<Py<PyAny>>,
    /// The fields of a query/header/cookie model (empty for other parameters).
    pub fields: Vec<ParamSpec>,
}

impl ParamSpec {
    pub fn from_record(r: ParamRecord) -> PyResult<ParamSpec> {
        let pattern = match &r.pattern {
            Some(p) => Some(Regex::new(p).map_err(|e| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "ParamRecord.pattern: invalid pattern for parameter {:?}: {e}",
                    r.name
                ))
            })?),
            None => None,
        };
        let constraints = Constraints {
            gt: r.gt,
            ge: r.ge,
            lt: r.lt,
            le: r.le,
            min_length: r.min_length,
            max_length: r.max_length,
            pattern,
            choices: r.choices.unwrap_or_default(),
            max_size: r.max_size,
            min_size: r.min_size,
            allowed_types: r.allowed_types.unwrap_or_default(),
            max_files: r.max_files,
        };
        let fields = r
            .fields
            .into_iter()
            .map(ParamSpec::from_record)
            .collect::<PyResult<Vec<_>>>()?;
        Ok(ParamSpec {
            fields,
            source: Source::parse(&r.source)?,
            kind: Kind::parse(r.kind.as_deref().unwrap_or("any"))?,
            is_list: r.is_list,
            required: r.required.unwrap_or(r.default.is_none()),
            default: r.default,
            constraints,
            keyword_only: r.keyword_only,
            decoder: r.decoder,
            convert: r.convert,
            key: r.key.unwrap_or_else(|| r.name.clone()),
            name: r.name,
        })
    }
}
