//! Parameter specs, coercion and extraction of every handler argument from a request.

pub mod coerce;
pub mod errors;
pub mod form;
pub mod multipart;
pub mod spec;

use crate::request::query::parse_urlencoded_borrowed;
use crate::request::HttpRequest;
use coerce::{coerce_param, Value};
use errors::FieldError;
use form::{FormData, UploadedFile};
use spec::{ParamSpec, Source};

/// What a route reads from the request, computed once from its specs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Needs {
    pub query: bool,
    pub cookies: bool,
    pub form: bool,
    pub json_body: bool,
    pub request: bool,
}

impl Needs {
    pub fn of(params: &[ParamSpec]) -> Needs {
        let has = |s: Source| params.iter().any(|p| p.source == s);
        Needs {
            query: has(Source::Query),
            cookies: has(Source::Cookie),
            form: has(Source::Form) || has(Source::FormModel) || has(Source::File),
            json_body: has(Source::Body),
            request: has(Source::Request),
        }
    }
}

/// One handler argument after the Rust-side work; the rest happens under the GIL.
#[derive(Debug)]
pub enum Slot {
    Value(Value),
    /// Absent and optional: the spec's default is used.
    Default,
    /// The raw JSON body, decoded by the spec's decoder under the GIL.
    JsonBody,
    /// The whole form, converted by the spec's decoder under the GIL.
    FormModel,
    Files(Vec<UploadedFile>),
    Request,
    /// A query/header/cookie model: the coerced values of its present fields (by field index),
    /// built into the model by the spec's decoder under the GIL.
    Model(Vec<(usize, Value)>),
}

pub struct Extracted {
    pub slots: Vec<Slot>,
    pub errors: Vec<FieldError>,
    pub form: Option<FormData>,
}

/// A request problem that is not a per-field validation error.
#[derive(Debug, PartialEq)]
pub enum ExtractError {
    BadRequest(String),
    UnsupportedMediaType(String),
}

fn is_json_media(media: &str) -> bool {
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// The pairs of a `Cookie` header, read as Django reads them (`request::cookies`).
pub fn parse_cookies(header: &str) -> Vec<(String, String)> {
    crate::request::cookies::parse(header)
}

/// `form` is the parsed form body, for routes that need one (see `streaming::upload`).
pub fn extract(
    specs: &[ParamSpec],
    needs: Needs,
    req: &HttpRequest,
    path_params: &[(String, String)],
    form: Option<FormData>,
) -> Result<Extracted, ExtractError> {
    let query = if needs.query {
        parse_urlencoded_borrowed(req.query.as_bytes()).map_err(|_| {
            ExtractError::BadRequest(
                "Query string is not valid UTF-8 after percent-decoding".into(),
            )
        })?
    } else {
        Vec::new()
    };
    let cookies = if needs.cookies {
        req.headers
            .iter()
            .filter(|(k, _)| k == "cookie")
            .flat_map(|(_, v)| parse_cookies(v))
            .collect()
    } else {
        Vec::new()
    };
    let media = req.media_type();
    if needs.json_body && !req.body.is_empty() {
        if let Some(m) = media.as_deref() {
            if !is_json_media(m) {
                return Err(ExtractError::UnsupportedMediaType(format!(
                    "Unsupported media type {m:?}; expected application/json"
                )));
            }
        }
    }

    let mut slots = Vec::with_capacity(specs.len());
    let mut errors = Vec::new();
    for spec in specs {
        if !spec.fields.is_empty() {
            let mut values = Vec::new();
            let before = errors.len();
            for (i, field) in spec.fields.iter().enumerate() {
                match coerce_param(
                    field,
                    simple_raws(field, &query, &cookies, req, path_params).as_slice(),
                ) {
                    Ok(Some(v)) => values.push((i, v)),
                    Ok(None) if field.required => errors.push(FieldError::new(
                        field.source.loc_name(),
                        &field.key,
                        "missing",
                        "Field required",
                    )),
                    Ok(None) => {}
                    Err(mut errs) => errors.append(&mut errs),
                }
            }
            // A failed field means no model: the decoder would only repeat the error.
            slots.push(if errors.len() > before {
                Slot::Default
            } else {
                Slot::Model(values)
            });
            continue;
        }
        let raws = match spec.source {
            Source::Path | Source::Query | Source::Cookie | Source::Header => {
                simple_raws(spec, &query, &cookies, req, path_params)
            }
            Source::Form => Raws::Many(
                form.as_ref()
                    .map(|f| f.field_values(&spec.key))
                    .unwrap_or_default(),
            ),
            Source::Request => {
                slots.push(Slot::Request);
                continue;
            }
            Source::Body => {
                if req.body.is_empty() && spec.required {
                    errors.push(FieldError::new(
                        "body",
                        &spec.key,
                        "missing",
                        "Field required",
                    ));
                    slots.push(Slot::Default);
                } else if req.body.is_empty() {
                    slots.push(Slot::Default);
                } else {
                    slots.push(Slot::JsonBody);
                }
                continue;
            }
            Source::FormModel => {
                slots.push(Slot::FormModel);
                continue;
            }
            Source::File => {
                let files: Vec<UploadedFile> = form
                    .as_ref()
                    .map(|f| f.files_for(&spec.key).into_iter().cloned().collect())
                    .unwrap_or_default();
                match check_files(spec, &files) {
                    Err(e) => {
                        errors.push(e);
                        slots.push(Slot::Default);
                    }
                    Ok(()) if files.is_empty() => {
                        if spec.required {
                            errors.push(FieldError::new(
                                "body",
                                &spec.key,
                                "file_missing",
                                "Missing required file",
                            ));
                        }
                        slots.push(Slot::Default);
                    }
                    Ok(()) => slots.push(Slot::Files(files)),
                }
                continue;
            }
        };
        match coerce_param(spec, raws.as_slice()) {
            Ok(Some(v)) => slots.push(Slot::Value(v)),
            Ok(None) => {
                if spec.required {
                    errors.push(FieldError::new(
                        spec.source.loc_name(),
                        &spec.key,
                        "missing",
                        "Field required",
                    ));
                }
                slots.push(Slot::Default);
            }
            Err(mut errs) => {
                errors.append(&mut errs);
                slots.push(Slot::Default);
            }
        }
    }
    Ok(Extracted {
        slots,
        errors,
        form,
    })
}

/// The raw values of a path, query, cookie or header parameter.
fn simple_raws<'a, K: AsRef<str>, V: AsRef<str>>(
    spec: &'a ParamSpec,
    query: &'a [(K, V)],
    cookies: &'a [(String, String)],
    req: &'a HttpRequest,
    path_params: &'a [(String, String)],
) -> Raws<'a> {
    match spec.source {
        Source::Path => Raws::gather(
            path_params
                .iter()
                .filter(|(k, _)| *k == spec.key)
                .map(|(_, v)| v.as_str()),
        ),
        Source::Query => Raws::gather(values_for(query, &spec.key)),
        Source::Cookie => Raws::gather(values_for(cookies, &spec.key)),
        _ => Raws::gather(
            req.headers
                .iter()
                .filter(|(k, _)| *k == spec.key)
                .map(|(_, v)| v.as_str()),
        ),
    }
}

fn values_for<'a, K: AsRef<str>, V: AsRef<str>>(
    pairs: &'a [(K, V)],
    key: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    pairs
        .iter()
        .filter(move |(k, _)| k.as_ref() == key)
        .map(|(_, v)| v.as_ref())
}

/// The raw values of one parameter. Nearly always there is one: it is kept without a vector
/// (an allocation per parameter per request otherwise).
enum Raws<'a> {
    One([&'a str; 1]),
    Many(Vec<&'a str>),
}

impl<'a> Raws<'a> {
    fn gather(mut values: impl Iterator<Item = &'a str>) -> Raws<'a> {
        let Some(first) = values.next() else {
            return Raws::Many(Vec::new());
        };
        match values.next() {
            None => Raws::One([first]),
            Some(second) => {
                let mut all = vec![first, second];
                all.extend(values);
                Raws::Many(all)
            }
        }
    }

    fn as_slice(&self) -> &[&'a str] {
        match self {
            Raws::One(one) => one,
            Raws::Many(all) => all,
        }
    }
}

fn check_files(spec: &ParamSpec, files: &[UploadedFile]) -> Result<(), FieldError> {
    let c = &spec.constraints;
    let err = |kind: &str, msg: String| FieldError::new("body", &spec.key, kind, msg);
    if let Some(max) = c.max_files {
        if files.len() > max {
            let count = files.len();
            return Err(err(
                "file_too_many",
                format!("At most {max} files are allowed, got {count}"),
            )
            .with_ctx(serde_json::json!({"max_files": max, "actual_count": count})));
        }
    }
    for f in files {
        if let Some(max) = c.max_size {
            if f.size > max {
                return Err(file_too_large(&spec.key, &f.filename, max, f.size));
            }
        }
        if let Some(min) = c.min_size {
            if f.size < min {
                return Err(err(
                    "file_too_small",
                    format!(
                        "File {:?} is under the minimum size of {min} bytes ({} bytes)",
                        f.filename, f.size
                    ),
                )
                .with_ctx(serde_json::json!({"min_size": min, "actual_size": f.size})));
            }
        }
        if !c.allowed_types.is_empty() {
            let media = f
                .content_type
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            let ok = c.allowed_types.iter().any(|allowed| {
                let allowed = allowed.to_ascii_lowercase();
                match allowed.strip_suffix("/*") {
                    Some(prefix) => media.starts_with(&format!("{prefix}/")),
                    None => allowed == media,
                }
            });
            if !ok {
                return Err(err(
                    "file_invalid_content_type",
                    format!("File type {media:?} is not allowed"),
                )
                .with_ctx(serde_json::json!({
                    "allowed_types": c.allowed_types,
                    "actual_type": media,
                })));
            }
        }
    }
    Ok(())
}

/// A file over its `File(max_size=)`; `size` is what was received when it was refused (the
/// streaming parser stops reading there).
pub fn file_too_large(key: &str, filename: &str, max: usize, size: usize) -> FieldError {
    FieldError::new(
        "body",
        key,
        "file_too_large",
        format!("File {filename:?} exceeds the maximum size of {max} bytes ({size} bytes)"),
    )
    .with_ctx(serde_json::json!({"max_size": max, "actual_size": size}))
}

#[cfg(test)]
mod cookie_tests {
    use super::parse_cookies;

    fn pairs(raw: &str) -> Vec<(String, String)> {
        parse_cookies(raw)
    }

    #[test]
    fn reads_a_header_as_django_parse_cookie() {
        let own = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(pairs("a=1; b = 2 ;;"), vec![own("a", "1"), own("b", "2")]);
        // A piece without `=` is a value with an empty name.
        assert_eq!(pairs("solo; a=1"), vec![own("", "solo"), own("a", "1")]);
        // Quoted values are unquoted with their escapes.
        assert_eq!(pairs(r#"a="x\054y\"z""#), vec![own("a", "x,y\"z")]);
        assert_eq!(pairs(r#"a="\x""#), vec![own("a", "x")]);
        assert_eq!(pairs(r#"a=""#), vec![own("a", "\"")]);
        assert_eq!(pairs("\t=\t"), Vec::<(String, String)>::new());
    }
}
