//! Form bodies: `application/x-www-form-urlencoded` and `multipart/form-data`.

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
                let boundary = header_param(ct, "boundary").ok_or_else(|| {
                    FormError::Invalid("multipart body has no boundary parameter".into())
                })?;
                Ok(FormKind::Multipart { boundary })
            }
            other => Err(FormError::UnsupportedMediaType(other.to_owned())),
        }
    }
}

/// Parses an `application/x-www-form-urlencoded` body.
pub fn parse_urlencoded_form(body: &[u8]) -> Result<FormData, FormError> {
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
    /// A part over its `File(max_size=)`, or a field over the memory threshold (413).
    TooLarge(String),
    /// A temporary file could not be written (500; the cause is logged).
    Storage(String),
}

/// Reads `name=value` (optionally quoted) from a header value like `multipart/form-data; boundary=x`.
pub fn header_param(header: &str, name: &str) -> Option<String> {
    for piece in split_params(header).into_iter().skip(1) {
        let (k, v) = match piece.split_once('=') {
            Some(kv) => kv,
            None => continue,
        };
        if k.trim().eq_ignore_ascii_case(name) {
            let v = v.trim();
            let v = if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
                v[1..v.len() - 1]
                    .replace("\\\"", "\"")
                    .replace("\\\\", "\\")
            } else {
                v.to_owned()
            };
            return Some(v);
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
