//! File responses: the path is confined to the allowed roots, then answered with validators
//! (ETag, Last-Modified), conditional 304s, single byte ranges (206/416) and a body read from disk.

use crate::request::{HttpRequest, Method};
use crate::response::{Body, Response};
use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::borrow::Cow;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// Files up to this size are read in one go and sent like any buffered body.
const READ_WHOLE_UP_TO: u64 = 256 * 1024;
/// Larger files are read and written this much at a time, so memory stays flat.
const CHUNK: u64 = 256 * 1024;

/// What a handler's `File`/`FileResponse` asked for, before the file is opened.
#[derive(Debug)]
pub struct FileRequest {
    pub path: String,
    pub filename: Option<String>,
    pub media_type: Option<String>,
    /// `File`: read into memory. `FileResponse`: streamed from disk.
    pub in_memory: bool,
}

/// A region of an open file, read as it is written.
#[derive(Debug)]
pub struct FileBody {
    file: Arc<std::fs::File>,
    offset: u64,
    pub len: u64,
}

impl FileBody {
    /// The next piece of the region; `None` once it has all been read.
    pub async fn next_chunk(&mut self) -> Option<io::Result<Bytes>> {
        if self.len == 0 {
            return None;
        }
        let want = self.len.min(CHUNK);
        let file = Arc::clone(&self.file);
        let offset = self.offset;
        let read = tokio::task::spawn_blocking(move || read_at(&file, offset, want)).await;
        let chunk = match read {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => return Some(Err(e)),
            Err(e) => return Some(Err(io::Error::other(e))),
        };
        self.offset += want;
        self.len -= want;
        Some(Ok(chunk))
    }
}

/// Reads exactly `len` bytes at `offset` (a file that shrank meanwhile is an error).
fn read_at(file: &std::fs::File, offset: u64, len: u64) -> io::Result<Bytes> {
    let mut buf = vec![0u8; len as usize];
    let mut done = 0usize;
    while done < buf.len() {
        let n = positional_read(file, &mut buf[done..], offset + done as u64)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file shrank while it was being sent",
            ));
        }
        done += n;
    }
    Ok(Bytes::from(buf))
}

#[cfg(unix)]
fn positional_read(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn positional_read(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// The request headers file responses look at, captured before the request is handed on.
#[derive(Debug, Default, Clone)]
pub struct Conditions {
    /// GET or HEAD: only these get 304s and ranges.
    safe: bool,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    range: Option<String>,
    if_range: Option<String>,
}

impl Conditions {
    pub fn capture(req: &HttpRequest) -> Conditions {
        let mut c = Conditions {
            safe: matches!(req.method, Method::Get | Method::Head),
            ..Conditions::default()
        };
        for (name, value) in &req.headers {
            let slot = match name.as_str() {
                "if-none-match" => &mut c.if_none_match,
                "if-modified-since" => &mut c.if_modified_since,
                "range" => &mut c.range,
                "if-range" => &mut c.if_range,
                _ => continue,
            };
            *slot = Some(value.clone());
        }
        c
    }
}

/// Why a path is not served.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    Forbidden,
    NotFound,
}

impl Refusal {
    pub fn response(&self) -> Response {
        match self {
            Refusal::Forbidden => Response::detail(403, "File path is not allowed"),
            Refusal::NotFound => Response::detail(404, "File not found"),
        }
    }
}

/// File roots: canonical when they exist, else absolute as written, so a directory created
/// after startup (an upload or media folder, say) is allowed once it exists (`resolve`
/// canonicalises such a root again per request).
pub fn file_roots(paths: &[String]) -> Vec<PathBuf> {
    paths
        .iter()
        .filter_map(|p| match std::fs::canonicalize(p) {
            Ok(canonical) => canonical.is_dir().then_some(canonical),
            Err(_) => std::path::absolute(p).ok(),
        })
        .collect()
}

/// Canonical path of a regular file inside one of `roots` (any file when `roots` is `None`).
/// NUL bytes and `..` components are refused outright, with or without roots: a path built
/// from user input (`os.path.join(DIR, name)`) must not climb out of its directory. Symlinks
/// are followed and, under roots, the target must still lie inside one.
pub fn resolve(path: &str, roots: Option<&[PathBuf]>) -> Result<PathBuf, Refusal> {
    if path.is_empty() {
        return Err(Refusal::NotFound);
    }
    if path.contains('\0') {
        return Err(Refusal::Forbidden);
    }
    let raw = Path::new(path);
    if raw.components().any(|c| c == Component::ParentDir) {
        return Err(Refusal::Forbidden);
    }
    let canonical = std::fs::canonicalize(raw).map_err(|_| Refusal::NotFound)?;
    if let Some(roots) = roots {
        // A root that did not exist at startup is kept as written; once it exists, its real
        // path is what a file inside it resolves under.
        let inside = |root: &PathBuf| {
            canonical.starts_with(root)
                || std::fs::canonicalize(root).is_ok_and(|real| canonical.starts_with(real))
        };
        if !roots.iter().any(inside) {
            return Err(Refusal::Forbidden);
        }
    }
    Ok(canonical)
}

/// Completes a response whose body is a `FileRequest`: checks, opens and describes the file.
pub async fn respond(
    resp: Response,
    request: FileRequest,
    conditions: Conditions,
    roots: Option<Arc<[PathBuf]>>,
) -> Response {
    let joined =
        tokio::task::spawn_blocking(move || match resolve(&request.path, roots.as_deref()) {
            Ok(path) => serve_path(resp, &path, &request, &conditions),
            Err(refusal) => refusal.response(),
        })
        .await;
    joined.unwrap_or_else(|_| Response::detail(500, "Internal Server Error"))
}

/// A file already known to be allowed (static files): 404 when it is not a regular file.
pub fn serve_resolved(path: &Path, conditions: &Conditions) -> Response {
    let request = FileRequest {
        path: String::new(),
        filename: None,
        media_type: None,
        in_memory: false,
    };
    serve_path(Response::empty(200), path, &request, conditions)
}

fn serve_path(
    mut resp: Response,
    path: &Path,
    request: &FileRequest,
    conditions: &Conditions,
) -> Response {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            return Refusal::Forbidden.response()
        }
        Err(_) => return Refusal::NotFound.response(),
    };
    let meta = match file.metadata() {
        Ok(m) if m.is_file() => m,
        _ => return Refusal::NotFound.response(),
    };
    let size = meta.len();
    if size == 0 && has_content_past(&file, 0) {
        return unknown_size();
    }
    let modified = meta.modified().ok();
    let etag = entity_tag(size, modified);
    let last_modified = modified.map(httpdate::fmt_http_date);

    if !resp.has_header("content-type") {
        let media = match &request.media_type {
            Some(m) => m.clone(),
            None => mime_guess::from_path(path)
                .first_raw()
                .unwrap_or("application/octet-stream")
                .to_owned(),
        };
        resp.headers
            .push((Cow::Borrowed("content-type"), media.into()));
    }
    if let Some(name) = &request.filename {
        if !resp.has_header("content-disposition") {
            resp.headers.push((
                Cow::Borrowed("content-disposition"),
                content_disposition(name).into(),
            ));
        }
    }
    resp.headers
        .push((Cow::Borrowed("etag"), etag.clone().into()));
    if let Some(lm) = &last_modified {
        resp.headers
            .push((Cow::Borrowed("last-modified"), lm.clone().into()));
    }

    let applies = conditions.safe && resp.status == 200;
    if applies && not_modified(conditions, &etag, modified) {
        resp.status = 304;
        resp.headers
            .retain(|(k, _)| k != "content-type" && k != "content-disposition");
        resp.body = Body::Full(Bytes::new());
        return resp;
    }
    resp.headers
        .push((Cow::Borrowed("accept-ranges"), "bytes".to_owned().into()));
    let (start, len) = match conditions.range.as_deref() {
        Some(range) if applies && if_range_holds(conditions, &etag, last_modified.as_deref()) => {
            match parse_range(range, size) {
                RangeSpec::Whole => (0, size),
                RangeSpec::Part(first, last) => {
                    resp.status = 206;
                    resp.headers.push((
                        Cow::Borrowed("content-range"),
                        format!("bytes {first}-{last}/{size}").into(),
                    ));
                    (first, last - first + 1)
                }
                RangeSpec::Unsatisfiable => {
                    let mut out = Response::detail(416, "Range Not Satisfiable");
                    out.headers.push((
                        Cow::Borrowed("content-range"),
                        format!("bytes */{size}").into(),
                    ));
                    return out;
                }
            }
        }
        _ => (0, size),
    };
    let file = Arc::new(file);
    if request.in_memory || len <= READ_WHOLE_UP_TO {
        resp.body = match read_at(&file, start, len) {
            Ok(b) => Body::Full(b),
            // Shorter than its reported size (sysfs files say 4096): as unknown as /proc's 0.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return unknown_size(),
            Err(_) => return Response::detail(500, "Internal Server Error"),
        };
    } else {
        resp.body = Body::File(FileBody {
            file,
            offset: start,
            len,
        });
    }
    resp
}

/// Pseudo-files (/proc, /sys) are regular files whose reported size is not their content's:
/// sending `size` bytes would be an empty or cut 200, so they are refused instead.
fn unknown_size() -> Response {
    Response::detail(
        403,
        "File is not served: its size is not known (a /proc or /sys pseudo-file)",
    )
}

/// True when a read at `offset` still yields data, i.e. the file is longer than it says.
fn has_content_past(file: &std::fs::File, offset: u64) -> bool {
    matches!(positional_read(file, &mut [0u8; 1], offset), Ok(n) if n > 0)
}

/// Size and modification time (nanoseconds) in hex: changes whenever either does.
fn entity_tag(size: u64, modified: Option<SystemTime>) -> String {
    let nanos = modified
        .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("\"{size:x}-{nanos:x}\"")
}

fn strip_weak(tag: &str) -> &str {
    tag.trim().strip_prefix("W/").unwrap_or(tag.trim())
}

fn not_modified(c: &Conditions, etag: &str, modified: Option<SystemTime>) -> bool {
    if let Some(inm) = &c.if_none_match {
        // If-None-Match takes precedence over If-Modified-Since (RFC 9110 13.2.2).
        return inm.trim() == "*" || inm.split(',').any(|t| strip_weak(t) == etag);
    }
    match (&c.if_modified_since, modified) {
        (Some(ims), Some(mtime)) => match httpdate::parse_http_date(ims.trim()) {
            // HTTP dates have whole seconds: compare at that precision.
            Ok(since) => truncate_secs(mtime) <= since,
            Err(_) => false,
        },
        _ => false,
    }
}

fn truncate_secs(t: SystemTime) -> SystemTime {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(d.as_secs()),
        Err(_) => t,
    }
}

/// `If-Range` names the representation the client has: a range applies only to that one.
fn if_range_holds(c: &Conditions, etag: &str, last_modified: Option<&str>) -> bool {
    match c.if_range.as_deref().map(str::trim) {
        None => true,
        // Weak tags never match for ranges (strong comparison).
        Some(v) if v.starts_with("W/") => false,
        Some(v) if v.starts_with('"') => v == etag,
        Some(v) => last_modified == Some(v),
    }
}

#[derive(Debug, PartialEq)]
pub enum RangeSpec {
    /// No usable single range: the whole file is sent (RFC 9110 allows ignoring Range).
    Whole,
    /// First and last byte, inclusive.
    Part(u64, u64),
    Unsatisfiable,
}

/// Parses a single `bytes=` range. Several ranges and other units are answered with the whole
/// file; a syntactically valid range outside the file is unsatisfiable.
pub fn parse_range(header: &str, size: u64) -> RangeSpec {
    let header = header.trim();
    let Some((unit, spec)) = header.split_once('=') else {
        return RangeSpec::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return RangeSpec::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeSpec::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // bytes=-N: the last N bytes.
        (true, _, Some(n)) => {
            if n == 0 || size == 0 {
                RangeSpec::Unsatisfiable
            } else {
                RangeSpec::Part(size.saturating_sub(n), size - 1)
            }
        }
        (false, Some(a), None) if last.trim().is_empty() => {
            if a >= size {
                RangeSpec::Unsatisfiable
            } else {
                RangeSpec::Part(a, size - 1)
            }
        }
        (false, Some(a), Some(b)) if a <= b => {
            if a >= size {
                RangeSpec::Unsatisfiable
            } else {
                RangeSpec::Part(a, b.min(size - 1))
            }
        }
        _ => RangeSpec::Whole,
    }
}

/// RFC 5987 `attr-char`s stay as they are; everything else is percent-encoded.
const ATTR_CHAR_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / RFC 5987).
/// Any directory part of the name is dropped.
pub fn content_disposition(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let fallback: String = base
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() || c == ' ') && !matches!(c, '"' | '\\' | '%' | ';') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(base, ATTR_CHAR_ESCAPE);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), RangeSpec::Part(0, 9));
        assert_eq!(parse_range("bytes=90-", 100), RangeSpec::Part(90, 99));
        assert_eq!(parse_range("bytes=-10", 100), RangeSpec::Part(90, 99));
        assert_eq!(parse_range("bytes=-200", 100), RangeSpec::Part(0, 99));
        assert_eq!(parse_range("bytes=50-500", 100), RangeSpec::Part(50, 99));
        assert_eq!(parse_range("bytes=100-", 100), RangeSpec::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), RangeSpec::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 100), RangeSpec::Whole);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeSpec::Whole);
        assert_eq!(parse_range("items=0-1", 100), RangeSpec::Whole);
        assert_eq!(parse_range("bytes=x-1", 100), RangeSpec::Whole);
        assert_eq!(parse_range("bytes=+1-2", 100), RangeSpec::Whole);
    }

    #[test]
    fn disposition_is_safe() {
        assert_eq!(
            content_disposition("r\u{e9}sum\u{e9} \"x\".pdf"),
            "attachment; filename=\"r_sum_ _x_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22x%22.pdf"
        );
        assert_eq!(
            content_disposition("../../etc/passwd"),
            "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
        );
        assert!(!content_disposition("a\r\nb").contains('\r'));
    }

    #[test]
    fn empty_files_are_served_and_pseudo_files_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.txt");
        std::fs::write(&empty, b"").unwrap();
        let resp = serve_resolved(&empty, &Conditions::default());
        assert_eq!(resp.status, 200);
        assert!(matches!(&resp.body, Body::Full(b) if b.is_empty()));
        #[cfg(target_os = "linux")]
        for pseudo in [
            "/proc/self/status",
            "/sys/kernel/mm/transparent_hugepage/enabled",
        ] {
            if Path::new(pseudo).exists() {
                assert_eq!(
                    serve_resolved(Path::new(pseudo), &Conditions::default()).status,
                    403
                );
            }
        }
    }

    #[test]
    fn refuses_nul_and_parent_with_or_without_roots() {
        let roots = [std::env::temp_dir()];
        assert_eq!(resolve("a\0b", None), Err(Refusal::Forbidden));
        assert_eq!(resolve("/etc/../etc/passwd", None), Err(Refusal::Forbidden));
        assert_eq!(resolve("../../etc/passwd", None), Err(Refusal::Forbidden));
        // `..` inside a name is not a component.
        assert_eq!(resolve("/nonexistent/a..b", None), Err(Refusal::NotFound));
        assert_eq!(
            resolve("/tmp/../etc/passwd", Some(&roots)),
            Err(Refusal::Forbidden)
        );
        let elsewhere = [PathBuf::from("/nonexistent-root")];
        assert_eq!(resolve("/", Some(&elsewhere)), Err(Refusal::Forbidden));
    }

    #[test]
    fn a_root_created_after_startup_is_allowed_once_it_exists() {
        let base = tempfile::tempdir().unwrap();
        let later = base.path().join("media");
        let roots = file_roots(&[later.to_string_lossy().into_owned()]);
        assert_eq!(roots.len(), 1, "a missing root is kept, not dropped");
        std::fs::create_dir(&later).unwrap();
        let file = later.join("a.txt");
        std::fs::write(&file, b"x").unwrap();
        let resolved = resolve(file.to_str().unwrap(), Some(&roots)).unwrap();
        assert_eq!(resolved, std::fs::canonicalize(&file).unwrap());
        let outside = base.path().join("b.txt");
        std::fs::write(&outside, b"y").unwrap();
        assert_eq!(
            resolve(outside.to_str().unwrap(), Some(&roots)),
            Err(Refusal::Forbidden)
        );
    }
}
