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
    /// The temporary file holding the content (see `streaming::spool`).
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

    pub fn files_for(&self, key: &str) -> Vec<&UploadedFile> {
        self.files
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, f)| f)
            .collect()
    }
}

/// Parses a form body according to its content type. Errors are client errors (400/415).
pub fn parse_form(
    content_type: Option<&str>,
    body: &Bytes,
    max_parts: usize,
) -> Result<FormData, FormError> {
    let ct = content_type.unwrap_or("");
    let media = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/x-www-form-urlencoded" | "" => {
            let fields = parse_urlencoded(body).map_err(FormError::Invalid)?;
            Ok(FormData {
                fields,
                files: Vec::new(),
            })
        }
        "multipart/form-data" => {
            let boundary = header_param(ct, "boundary").ok_or_else(|| {
                FormError::Invalid("multipart body has no boundary parameter".into())
            })?;
            parse_multipart(body, &boundary, max_parts)
        }
        other => Err(FormError::UnsupportedMediaType(other.to_owned())),
    }
}

#[derive(Debug, PartialEq)]
pub enum FormError {
    Invalid(String),
    UnsupportedMediaType(String),
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

fn parse_multipart(body: &Bytes, boundary: &str, max_parts: usize) -> Result<FormData, FormError> {
    if boundary.is_empty() || boundary.len() > 200 {
        return Err(FormError::Invalid("invalid multipart boundary".into()));
    }
    let delimiter = format!("--{boundary}");
    let finder = memchr::memmem::Finder::new(delimiter.as_bytes());
    let mut form = FormData::default();
    let bad = |m: &str| FormError::Invalid(format!("malformed multipart body: {m}"));
    let mut pos = finder
        .find(body)
        .ok_or_else(|| bad("opening boundary not found"))?
        + delimiter.len();
    let mut parts = 0usize;
    loop {
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return Ok(form);
        }
        let rest_start = if rest.starts_with(b"\r\n") {
            pos + 2
        } else if rest.starts_with(b"\n") {
            pos + 1
        } else {
            return Err(bad("boundary not followed by a line break"));
        };
        let next = finder
            .find(&body[rest_start..])
            .ok_or_else(|| bad("closing boundary not found"))?
            + rest_start;
        let mut part_end = next;
        if part_end >= rest_start + 2 && &body[part_end - 2..part_end] == b"\r\n" {
            part_end -= 2;
        } else if part_end > rest_start && body[part_end - 1] == b'\n' {
            part_end -= 1;
        }
        parts += 1;
        if parts > max_parts {
            return Err(bad("too many parts"));
        }
        parse_part(body.slice(rest_start..part_end), &mut form)?;
        pos = next + delimiter.len();
    }
}

fn parse_part(part: Bytes, form: &mut FormData) -> Result<(), FormError> {
    let bad = |m: &str| FormError::Invalid(format!("malformed multipart part: {m}"));
    let (head_len, body_start) = match memchr::memmem::find(&part, b"\r\n\r\n") {
        Some(i) => (i, i + 4),
        None => match memchr::memmem::find(&part, b"\n\n") {
            Some(i) => (i, i + 2),
            None => return Err(bad("no blank line after part headers")),
        },
    };
    let head = crate::request::latin1(&part[..head_len]);
    let mut headers = Vec::new();
    for line in head.lines() {
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let disposition = headers
        .iter()
        .find(|(k, _)| k == "content-disposition")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| bad("missing Content-Disposition"))?;
    let name = header_param(&disposition, "name").ok_or_else(|| bad("part has no name"))?;
    let name = utf8_from_latin1(&name);
    let data = part.slice(body_start..);
    match header_param(&disposition, "filename") {
        Some(filename) => {
            let content_type = headers
                .iter()
                .find(|(k, _)| k == "content-type")
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            form.files.push((
                name,
                UploadedFile {
                    filename: utf8_from_latin1(&filename),
                    content_type,
                    size: data.len(),
                    data,
                    headers,
                    spooled: None,
                },
            ));
        }
        None => {
            let text = String::from_utf8(data.to_vec()).map_err(|_| {
                FormError::Invalid(format!("form field {name:?} is not valid UTF-8"))
            })?;
            form.fields.push((name, text));
        }
    }
    Ok(())
}

/// Header text was decoded as Latin-1; browsers send UTF-8 there, so re-read it as UTF-8 when valid.
fn utf8_from_latin1(s: &str) -> String {
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
    fn parses_fields_and_files() {
        let body = Bytes::from_static(
            b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\nbody\r\n--XX--\r\n",
        );
        let form = parse_form(Some("multipart/form-data; boundary=XX"), &body, 10).unwrap();
        assert_eq!(form.fields, vec![("a".into(), "hello".into())]);
        let f = &form.files[0].1;
        assert_eq!(f.filename, "x.txt");
        assert_eq!(&f.data[..], b"file\r\nbody");
    }

    #[test]
    fn rejects_truncated_multipart() {
        let body =
            Bytes::from_static(b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhel");
        assert!(parse_form(Some("multipart/form-data; boundary=XX"), &body, 10).is_err());
    }

    #[test]
    fn rejects_other_media_types() {
        let body = Bytes::from_static(b"{}");
        assert_eq!(
            parse_form(Some("application/json"), &body, 10).unwrap_err(),
            FormError::UnsupportedMediaType("application/json".into())
        );
    }
}
