//! Form bodies: `application/x-www-form-urlencoded` and `multipart/form-data`.

use crate::params::errors::{FieldError, LocPart};
use crate::request::query::parse_urlencoded;
use bytes::Bytes;

#[derive(Clone, Debug)]
pub struct UploadedFile {
    pub filename: String,
    pub content_type: String,
    /// The content, unless it was spooled to a temporary file.
    pub data: Bytes,
    pub headers: Vec<(String, String)>,
    /// Size in bytes (also when spooled).
    pub size: usize,
    /// The temporary file holding the content (see `streaming::upload`).
    pub spooled: Option<std::sync::Arc<tempfile::TempPath>>,
}

#[derive(Clone, Debug, Default)]
pub struct FormData {
    pub fields: Vec<(String, String)>,
    pub files: Vec<(String, UploadedFile)>,
}

impl FormData {
    pub fn field_values(&self, key: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The temporary files of spooled parts: they are removed when the last handle drops.
    pub fn temp_files(&self) -> Vec<std::sync::Arc<tempfile::TempPath>> {
        self.files
            .iter()
            .filter_map(|(_, f)| f.spooled.clone())
            .collect()
    }

    pub fn files_for(&self, key: &str) -> Vec<&UploadedFile> {
        self.files
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, f)| f)
            .collect()
    }
}

/// How a form body is encoded, from its `Content-Type`.
pub enum FormKind {
    UrlEncoded,
    Multipart { boundary: String },
}

impl FormKind {
    pub fn of(content_type: Option<&str>) -> Result<FormKind, FormError> {
        let ct = content_type.unwrap_or("");
        let media = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/x-www-form-urlencoded" | "" => Ok(FormKind::UrlEncoded),
            "multipart/form-data" => {
                let boundary = header_param(ct, "boundary")?.ok_or_else(|| {
                    FormError::Invalid("multipart body has no boundary parameter".into())
                })?;
                Ok(FormKind::Multipart { boundary })
            }
            other => Err(FormError::UnsupportedMediaType(other.to_owned())),
        }
    }
}

/// The most fields an url-encoded form may have (Django's `DATA_UPLOAD_MAX_NUMBER_FIELDS`
/// default): a body of empty fields would otherwise make a Python value of every few bytes.
pub const MAX_FORM_FIELDS: usize = 1000;

/// Parses an `application/x-www-form-urlencoded` body.
pub fn parse_urlencoded_form(body: &[u8]) -> Result<FormData, FormError> {
    // Counted as the parser splits (empty pieces are skipped there too), before decoding any.
    let count = body
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .count();
    if count > MAX_FORM_FIELDS {
        return Err(FormError::TooManyFields(FieldError {
            loc: vec![LocPart::Key("body".to_owned())],
            msg: format!("Too many form fields (max {MAX_FORM_FIELDS})"),
            kind: "too_many_fields".to_owned(),
            ctx: None,
            input: None,
        }));
    }
    let fields = parse_urlencoded(body).map_err(FormError::Invalid)?;
    Ok(FormData {
        fields,
        files: Vec::new(),
    })
}

#[derive(Debug, PartialEq)]
pub enum FormError {
    Invalid(String),
    UnsupportedMediaType(String),
    /// A field over the memory threshold (413).
    TooLarge(String),
    /// A file over its `File(max_size=)`: the body is read no further, and the answer is the 422
    /// the check after parsing gives (`file_too_large`).
    FileTooLarge(crate::params::errors::FieldError),
    /// An url-encoded form of more than `MAX_FORM_FIELDS` fields (a 422).
    TooManyFields(FieldError),
    /// A temporary file could not be written (500; the cause is logged).
    Storage(String),
}

/// Reads `name=value` (optionally quoted) from a header value like `multipart/form-data; boundary=x`.
/// Every parameter is checked, not only `name`: a quoted value must be a complete quoted-string,
/// since an unterminated one leaves where the value ends up to each parser's guess.
pub fn header_param(header: &str, name: &str) -> Result<Option<String>, FormError> {
    let mut found = None;
    for piece in split_params(header).into_iter().skip(1) {
        let (k, v) = match piece.split_once('=') {
            Some(kv) => kv,
            None => continue,
        };
        let value = param_value(v.trim()).ok_or_else(|| {
            FormError::Invalid(format!(
                "malformed header parameter {:?}: unterminated or malformed quoted string",
                k.trim()
            ))
        })?;
        if found.is_none() && k.trim().eq_ignore_ascii_case(name) {
            found = Some(value);
        }
    }
    Ok(found)
}

/// A parameter value: a token as is, or a quoted-string unescaped. `None` when a quoted value
/// is not closed, or has anything after its closing quote. Only `\"` and `\\` are escapes:
/// browsers send Windows paths with bare backslashes, which stay as they are.
fn param_value(v: &str) -> Option<String> {
    let Some(quoted) = v.strip_prefix('"') else {
        return Some(v.to_owned());
    };
    let mut out = String::with_capacity(quoted.len());
    let mut chars = quoted.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('"' | '\\')) => out.extend(chars.next()),
            '"' => return chars.next().is_none().then_some(out),
            c => out.push(c),
        }
    }
    None
}

/// Splits on `;` outside double quotes.
fn split_params(header: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in header.char_indices() {
        match c {
            '\\' if quoted && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => quoted = !quoted,
            ';' if !quoted => {
                out.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        escaped = false;
    }
    out.push(&header[start..]);
    out
}

/// Header text was decoded as Latin-1; browsers send UTF-8 there, so re-read it as UTF-8 when valid.
pub(crate) fn utf8_from_latin1(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    let bytes: Option<Vec<u8>> = s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
    bytes
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_urlencoded_form_has_at_most_max_form_fields() {
        let body = |n: usize| vec!["f="; n].join("&");
        let parsed = parse_urlencoded_form(body(MAX_FORM_FIELDS).as_bytes()).unwrap();
        assert_eq!(parsed.fields.len(), MAX_FORM_FIELDS);
        // Empty pieces are not fields.
        let spaced = format!("{}&&&", body(MAX_FORM_FIELDS));
        assert!(parse_urlencoded_form(spaced.as_bytes()).is_ok());
        match parse_urlencoded_form(body(MAX_FORM_FIELDS + 1).as_bytes()) {
            Err(FormError::TooManyFields(e)) => assert_eq!(e.kind, "too_many_fields"),
            other => panic!("expected TooManyFields, got {other:?}"),
        }
    }

    #[test]
    fn quoted_parameters_must_be_terminated() {
        let disposition = |v: &str| format!("form-data; name=\"f\"; filename={v}");
        let filename = |v: &str| header_param(&disposition(v), "filename");
        assert_eq!(filename("plain.txt"), Ok(Some("plain.txt".into())));
        assert_eq!(filename("\"a;b.txt\""), Ok(Some("a;b.txt".into())));
        assert_eq!(filename(r#""q\"uote""#), Ok(Some("q\"uote".into())));
        assert_eq!(filename(r#""back\\slash""#), Ok(Some("back\\slash".into())));
        assert_eq!(
            filename(r#""C:\dir\x.txt""#),
            Ok(Some(r"C:\dir\x.txt".into()))
        );
        assert_eq!(filename("\"\""), Ok(Some(String::new())));
        for bad in [
            "\"unterminated",
            "\"unterminated; x=1",
            r#""ends in an escaped quote\""#,
            "\"a\"b",
            "\"",
        ] {
            assert!(filename(bad).is_err(), "{bad}");
        }
        // Any malformed parameter spoils the header, not only the one asked for.
        assert!(header_param("form-data; name=\"f\"; other=\"x", "name").is_err());
        assert!(FormKind::of(Some("multipart/form-data; boundary=\"ab")).is_err());
    }

    #[test]
    fn kinds() {
        assert!(matches!(
            FormKind::of(Some("multipart/form-data; boundary=\"a;b\"")),
            Ok(FormKind::Multipart { boundary }) if boundary == "a;b"
        ));
        assert!(matches!(FormKind::of(None), Ok(FormKind::UrlEncoded)));
        assert!(FormKind::of(Some("multipart/form-data")).is_err());
        assert_eq!(
            FormKind::of(Some("application/json")).err(),
            Some(FormError::UnsupportedMediaType("application/json".into()))
        );
    }
}
