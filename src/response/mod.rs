//! Responses: the typed value every path produces, and its wire form. Plain HTTP: a streamed
//! body is any [`ChunkSource`] (Python iterators implement it in `python::stream`).

pub mod date;
pub mod file;

use bytes::Bytes;
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

pub type HeaderList = Vec<(Cow<'static, str>, Cow<'static, str>)>;

#[derive(Debug)]
pub enum Body {
    Full(Bytes),
    /// A file the handler named; the pipeline checks, opens and sizes it (see [`file`]).
    FileRequest(Box<file::FileRequest>),
    /// A region of an open file, read while it is written.
    File(file::FileBody),
    /// Chunks produced while the response is written; the length is not known in advance.
    Stream(Box<dyn ChunkSource>),
}

/// One pull from a streamed body.
pub enum Next {
    Data(Bytes),
    End,
    /// The producer failed (already logged); the connection is cut.
    Failed,
}

/// The producer of a streamed body. Dropping it unfinished must release what it holds (close
/// the iterator), as a client disconnect does.
pub trait ChunkSource: Send + Sync + std::fmt::Debug {
    /// The next chunk. Cancel-safe: a chunk being produced is kept for the next call.
    fn next(&mut self) -> Pin<Box<dyn Future<Output = Next> + Send + '_>>;

    /// A further chunk that is ready now, without waiting (the writer sends it in the same
    /// write); None when there is none yet or the source cannot tell.
    fn ready(&mut self) -> Option<Bytes> {
        None
    }
}

/// Whether an answer is an error the framework made, which `BoltAPI(error_formatter=)` may
/// reformat (answers a handler built itself are never reformatted).
#[derive(Debug, Default)]
pub enum ErrorOrigin {
    #[default]
    NotAnError,
    /// Made by Rust (routing, limits, parameter coercion, auth...): its `{"detail"}` body says it.
    Core,
    /// Made from the Python exception it holds (a `Py<PyAny>`; kept opaque at this layer).
    Raised(Box<dyn std::any::Any + Send + Sync>),
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Lowercase names. `content-length` is derived from the body, never stored here.
    pub headers: HeaderList,
    pub body: Body,
    /// HEAD: headers describe the body, which is not sent.
    pub omit_body: bool,
    pub error: ErrorOrigin,
}

pub const JSON: &str = "application/json";

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Response {
        Response {
            status,
            headers: vec![(Cow::Borrowed("content-type"), Cow::Borrowed(content_type))],
            body: Body::Full(body.into()),
            omit_body: false,
            error: ErrorOrigin::NotAnError,
        }
    }

    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Full(Bytes::new()),
            omit_body: false,
            error: ErrorOrigin::NotAnError,
        }
    }

    /// `{"detail": "<message>"}` with the given status.
    pub fn detail(status: u16, message: &str) -> Response {
        let body = serde_json::to_vec(&serde_json::json!({ "detail": message }))
            .unwrap_or_else(|_| b"{\"detail\":\"error\"}".to_vec());
        Response::new(status, JSON, body).as_error(ErrorOrigin::Core)
    }

    pub fn as_error(mut self, origin: ErrorOrigin) -> Response {
        self.error = origin;
        self
    }

    pub fn with_header(
        mut self,
        name: &'static str,
        value: impl Into<Cow<'static, str>>,
    ) -> Response {
        self.headers.push((Cow::Borrowed(name), value.into()));
        self
    }

    /// The body's length when it is known before writing (not for streams).
    pub fn content_length(&self) -> Option<u64> {
        match &self.body {
            Body::Full(b) => Some(b.len() as u64),
            Body::File(f) => Some(f.len),
            Body::FileRequest(_) | Body::Stream(_) => None,
        }
    }

    /// A copy of a response with an in-memory body (static routes); other bodies become empty.
    pub fn copy_full(&self) -> Response {
        Response {
            status: self.status,
            headers: self.headers.clone(),
            body: match &self.body {
                Body::Full(b) => Body::Full(b.clone()),
                _ => Body::Full(Bytes::new()),
            },
            omit_body: self.omit_body,
            error: ErrorOrigin::NotAnError,
        }
    }

    /// Status codes whose responses never carry a body.
    pub fn forbids_body(&self) -> bool {
        matches!(self.status, 204 | 205 | 304) || (100..200).contains(&self.status)
    }

    pub fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(k, _)| k == name)
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Rejects header names/values that could split the response (CR, LF, NUL) or are not tokens.
pub fn valid_header(name: &str, value: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
        && !value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)
}

/// Appends the status line and headers (including Content-Length) to `out`.
pub fn write_head(out: &mut Vec<u8>, resp: &Response, date: &str, keep_alive: bool) {
    write_head_framed(out, resp, date, keep_alive, true)
}

/// As `write_head`; a body of unknown length is sent with chunked transfer-encoding when
/// `chunked` (HTTP/1.1), else delimited by closing the connection (HTTP/1.0).
pub fn write_head_framed(
    out: &mut Vec<u8>,
    resp: &Response,
    date: &str,
    keep_alive: bool,
    chunked: bool,
) {
    let mut status_buf = itoa::Buffer::new();
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status_buf.format(resp.status).as_bytes());
    out.push(b' ');
    out.extend_from_slice(reason(resp.status).as_bytes());
    out.extend_from_slice(b"\r\n");
    // A handler's own Server or Date replaces the default rather than duplicating it.
    if !resp.has_header("server") {
        out.extend_from_slice(b"server: django-bolt\r\n");
    }
    if !resp.has_header("date") {
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(date.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for (name, value) in &resp.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !resp.forbids_body() {
        match resp.content_length() {
            Some(n) => {
                let mut len_buf = itoa::Buffer::new();
                out.extend_from_slice(b"content-length: ");
                out.extend_from_slice(len_buf.format(n).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            None if chunked => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
            None => {}
        }
    }
    if !keep_alive {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
}
