//! Request-head parsing and body framing rules (RFC 9112), independent of the socket.

use crate::request::{latin1, Method};
use crate::response::Response;
use std::mem::MaybeUninit;

const STACK_HEADERS: usize = 128;

pub struct Head {
    pub method: Method,
    pub target: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    pub headers: Vec<(String, String)>,
}

pub enum Framing {
    None,
    Length(usize),
    Chunked,
}

pub enum Parsed {
    Complete(Head, usize),
    Partial,
}

/// Parses a head from the front of `buf`. `Err` is the response to send before closing.
pub fn parse_head(
    buf: &[u8],
    max_headers: usize,
    max_header_bytes: usize,
) -> Result<Parsed, Response> {
    // Up to STACK_HEADERS slots live on the stack, uninitialised: a request costs no allocation
    // or zeroing for the header table.
    let mut on_stack = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; STACK_HEADERS];
    let mut on_heap;
    let slots = if max_headers <= STACK_HEADERS {
        &mut on_stack[..max_headers]
    } else {
        on_heap = Vec::with_capacity(max_headers);
        on_heap.resize_with(max_headers, MaybeUninit::uninit);
        &mut on_heap[..]
    };
    let mut req = httparse::Request::new(&mut []);
    match req.parse_with_uninit_headers(buf, slots) {
        Ok(httparse::Status::Complete(n)) => {
            if n > max_header_bytes {
                return Err(headers_too_large(max_header_bytes));
            }
            let method = Method::parse(req.method.unwrap_or("GET"));
            let target = req.path.unwrap_or("/").to_owned();
            let headers = req
                .headers
                .iter()
                .map(|h| (h.name.to_ascii_lowercase(), latin1(h.value)))
                .collect();
            Ok(Parsed::Complete(
                Head {
                    method,
                    target,
                    minor_version: req.version.unwrap_or(1),
                    headers,
                },
                n,
            ))
        }
        Ok(httparse::Status::Partial) => {
            if buf.len() > max_header_bytes {
                Err(headers_too_large(max_header_bytes))
            } else {
                Ok(Parsed::Partial)
            }
        }
        Err(httparse::Error::TooManyHeaders) => Err(too_many_headers(max_headers)),
        Err(e) => Err(Response::detail(
            400,
            &format!("Malformed HTTP request: {e}"),
        )),
    }
}

fn too_many_headers(limit: usize) -> Response {
    Response::detail(431, &format!("Too many request headers (limit {limit})"))
}

/// The answers `parse_head` gives for a head over the limits, for a head given as parts (the
/// in-process test client): its size as an HTTP/1.1 head would be.
pub fn check_head_limits(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    max_headers: usize,
    max_header_bytes: usize,
) -> Result<(), Response> {
    if headers.len() > max_headers {
        return Err(too_many_headers(max_headers));
    }
    let request_line = method.len() + 1 + target.len() + " HTTP/1.1\r\n".len();
    let lines: usize = headers
        .iter()
        .map(|(name, value)| name.len() + ": ".len() + value.len() + "\r\n".len())
        .sum();
    if request_line + lines + "\r\n".len() > max_header_bytes {
        return Err(headers_too_large(max_header_bytes));
    }
    Ok(())
}

fn headers_too_large(limit: usize) -> Response {
    Response::detail(
        431,
        &format!("Request headers are larger than the limit of {limit} bytes"),
    )
}

impl Head {
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// How the body is delimited; rejects ambiguous framing (a request-smuggling vector).
    pub fn framing(&self) -> Result<Framing, Response> {
        let te: Vec<&str> = self.values("transfer-encoding").collect();
        let cl: Vec<&str> = self.values("content-length").collect();
        if !te.is_empty() {
            if !cl.is_empty() {
                return Err(Response::detail(
                    400,
                    "Both Content-Length and Transfer-Encoding were sent",
                ));
            }
            // Only `chunked` alone is supported: other codings would reach the handler undecoded.
            let codings: Vec<String> = te
                .iter()
                .flat_map(|v| v.split(','))
                .map(|c| c.trim().to_ascii_lowercase())
                .filter(|c| !c.is_empty())
                .collect();
            if codings != ["chunked"] || self.minor_version == 0 {
                return Err(Response::detail(501, "Unsupported Transfer-Encoding"));
            }
            return Ok(Framing::Chunked);
        }
        let mut length: Option<usize> = None;
        for v in cl.iter().flat_map(|v| v.split(',')) {
            let v = v.trim();
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Response::detail(400, "Invalid Content-Length"));
            }
            let n: usize = v
                .parse()
                .map_err(|_| Response::detail(400, "Invalid Content-Length"))?;
            if length.is_some_and(|l| l != n) {
                return Err(Response::detail(400, "Conflicting Content-Length values"));
            }
            length = Some(n);
        }
        Ok(match length {
            Some(0) | None => Framing::None,
            Some(n) => Framing::Length(n),
        })
    }

    /// RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host header.
    pub fn check_host(&self) -> Result<(), Response> {
        let count = self.values("host").count();
        if count > 1 || (count == 0 && self.minor_version >= 1) {
            return Err(Response::detail(
                400,
                "An HTTP/1.1 request needs exactly one Host header",
            ));
        }
        Ok(())
    }

    pub fn wants_keep_alive(&self) -> bool {
        let has = |token: &str| {
            self.values("connection")
                .flat_map(|v| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.minor_version == 0 {
            has("keep-alive")
        } else {
            !has("close")
        }
    }

    /// HTTP/1.0 clients do not know interim responses, so their expectation is ignored.
    pub fn expects_continue(&self) -> bool {
        self.minor_version >= 1
            && self
                .values("expect")
                .any(|v| v.eq_ignore_ascii_case("100-continue"))
    }

    /// Splits the target into a percent-decoded path and the raw query.
    /// Takes the target (it is empty afterwards): its own buffer becomes the path when the path
    /// needs no decoding and starts it (no extra allocation per request).
    /// The third value is the routing path (see `HttpRequest::routing_path`).
    pub fn path_and_query(&mut self) -> Result<(String, String, Option<String>), Response> {
        let mut whole = std::mem::take(&mut self.target);
        let mut target = whole.as_str();
        // absolute-form: http://host/path
        if let Some(rest) = target
            .strip_prefix("http://")
            .or_else(|| target.strip_prefix("https://"))
        {
            target = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
        }
        let (raw_path, query) = match target.split_once('?') {
            Some((p, q)) => (p, q),
            None => (target, ""),
        };
        let raw_path = raw_path.split('#').next().unwrap_or("");
        if !raw_path.starts_with('/') && raw_path != "*" {
            return Err(Response::detail(
                400,
                "Request target must be an absolute path",
            ));
        }
        let path = percent_encoding::percent_decode_str(raw_path)
            .decode_utf8()
            .map_err(|_| Response::detail(400, "Request path is not valid UTF-8"))?;
        if path.contains('\0') {
            return Err(Response::detail(400, "Request path contains a NUL byte"));
        }
        let query = query.split('#').next().unwrap_or("").to_owned();
        let starts_target = std::ptr::eq(raw_path.as_ptr(), whole.as_ptr());
        let len = raw_path.len();
        let decoded = match path {
            std::borrow::Cow::Borrowed(_) if starts_target => None,
            other => Some(other.into_owned()),
        };
        // Only a path that had something to decode can hold an encoded slash.
        let routing_path = match &decoded {
            Some(_) => crate::request::routing_path(raw_path),
            None => None,
        };
        let path = match decoded {
            Some(p) => p,
            None => {
                whole.truncate(len);
                whole
            }
        };
        Ok((path, query, routing_path))
    }
}

/// Incremental chunked-body decoder over a growing buffer.
pub struct ChunkedDecoder {
    /// Decoded data; a caller that streams the body may take it after each `advance`.
    pub body: Vec<u8>,
    /// Decoded bytes so far, for the size limit (also those taken out of `body`).
    received: usize,
    state: ChunkState,
    trailer_bytes: usize,
}

const MAX_TRAILER_BYTES: usize = 8 * 1024;

/// RFC 9110 `tchar`: the characters of a token.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Skips optional whitespace (`BWS` / `OWS`: spaces and tabs).
fn skip_ows(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &s[n..]
}

/// Splits a leading token off `s`; `None` when `s` does not start with one.
fn take_token(s: &[u8]) -> Option<&[u8]> {
    let n = s.iter().take_while(|&&b| is_tchar(b)).count();
    (n > 0).then(|| &s[n..])
}

/// Splits a leading `quoted-string` off `s`; `None` when it is malformed or unterminated.
fn take_quoted(s: &[u8]) -> Option<&[u8]> {
    let mut i = 1;
    if s.first() != Some(&b'"') {
        return None;
    }
    // qdtext and quoted-pair both exclude control characters other than HTAB.
    let text = |b: u8| b == b'\t' || (b >= 0x20 && b != 0x7f);
    while i < s.len() {
        match s[i] {
            b'"' => return Some(&s[i + 1..]),
            b'\\' if s.get(i + 1).is_some_and(|&b| text(b)) => i += 2,
            b if text(b) && b != b'\\' => i += 1,
            _ => return None,
        }
    }
    None
}

/// `*( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )` (RFC 9112 §7.1.1).
/// A strict check matters: a bare LF or CR here is where a proxy that ends lines differently
/// would see another chunk boundary (request smuggling).
fn valid_chunk_extensions(mut s: &[u8]) -> bool {
    loop {
        s = skip_ows(s);
        if s.is_empty() {
            return true;
        }
        let Some(rest) = s.strip_prefix(b";") else {
            return false;
        };
        let Some(rest) = take_token(skip_ows(rest)) else {
            return false;
        };
        s = rest;
        let after = skip_ows(s);
        if let Some(value) = after.strip_prefix(b"=") {
            let value = skip_ows(value);
            let rest = if value.first() == Some(&b'"') {
                take_quoted(value)
            } else {
                take_token(value)
            };
            let Some(rest) = rest else {
                return false;
            };
            s = rest;
        }
    }
}

/// `1*HEXDIG [chunk-ext]`: hex digits only, no sign or leading space; extensions are checked
/// and ignored.
fn parse_chunk_size(line: &[u8]) -> Option<usize> {
    let digits_end = line
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, rest) = line.split_at(digits_end);
    if digits.is_empty() || digits.len() > 16 || !valid_chunk_extensions(rest) {
        return None;
    }
    // The digits are ASCII hex, so this is valid UTF-8.
    usize::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// A trailer line is a header field (`field-name ":" OWS field-value OWS`); it is checked and
/// dropped. Control characters other than HTAB, and obs-fold continuation lines, are refused.
fn valid_trailer_field(line: &[u8]) -> bool {
    let Some(rest) = take_token(line) else {
        return false;
    };
    let Some(value) = rest.strip_prefix(b":") else {
        return false;
    };
    value
        .iter()
        .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

enum ChunkState {
    Size,
    Data(usize),
    DataEnd,
    Trailers,
    Done,
}

pub enum ChunkProgress {
    NeedMore,
    Done,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedDecoder {
    pub fn new() -> Self {
        ChunkedDecoder {
            body: Vec::new(),
            received: 0,
            state: ChunkState::Size,
            trailer_bytes: 0,
        }
    }

    /// Consumes what it can from `buf`. `Err` is the response to send before closing.
    pub fn advance(
        &mut self,
        buf: &mut bytes::BytesMut,
        limit: usize,
    ) -> Result<ChunkProgress, Response> {
        use bytes::Buf;
        loop {
            match self.state {
                ChunkState::Size => {
                    let Some(end) = memchr::memmem::find(buf, b"\r\n") else {
                        if buf.len() > 4096 {
                            return Err(Response::detail(400, "Chunk size line too long"));
                        }
                        return Ok(ChunkProgress::NeedMore);
                    };
                    let size = parse_chunk_size(&buf[..end]).ok_or_else(|| {
                        Response::detail(400, "Invalid chunk size or chunk extension")
                    })?;
                    buf.advance(end + 2);
                    if size == 0 {
                        self.state = ChunkState::Trailers;
                    } else {
                        if self.received.saturating_add(size) > limit {
                            return Err(crate::pipeline::body::too_large(limit));
                        }
                        self.state = ChunkState::Data(size);
                    }
                }
                ChunkState::Data(remaining) => {
                    if buf.is_empty() {
                        return Ok(ChunkProgress::NeedMore);
                    }
                    let take = remaining.min(buf.len());
                    self.body.extend_from_slice(&buf[..take]);
                    self.received += take;
                    buf.advance(take);
                    self.state = if take == remaining {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(remaining - take)
                    };
                }
                ChunkState::DataEnd => {
                    if buf.len() < 2 {
                        return Ok(ChunkProgress::NeedMore);
                    }
                    if &buf[..2] != b"\r\n" {
                        return Err(Response::detail(400, "Chunk data not followed by CRLF"));
                    }
                    buf.advance(2);
                    self.state = ChunkState::Size;
                }
                ChunkState::Trailers => {
                    let Some(end) = memchr::memmem::find(buf, b"\r\n") else {
                        if self.trailer_bytes + buf.len() > MAX_TRAILER_BYTES {
                            return Err(Response::detail(431, "Trailers too large"));
                        }
                        return Ok(ChunkProgress::NeedMore);
                    };
                    self.trailer_bytes += end + 2;
                    if self.trailer_bytes > MAX_TRAILER_BYTES {
                        return Err(Response::detail(431, "Trailers too large"));
                    }
                    if end == 0 {
                        buf.advance(2);
                        self.state = ChunkState::Done;
                    } else {
                        if !valid_trailer_field(&buf[..end]) {
                            return Err(Response::detail(400, "Malformed chunked trailer field"));
                        }
                        buf.advance(end + 2);
                    }
                }
                ChunkState::Done => return Ok(ChunkProgress::Done),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    #[test]
    fn decodes_chunks_in_pieces() {
        let wire = b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT";
        let mut dec = ChunkedDecoder::new();
        let mut buf = BytesMut::new();
        let mut done = false;
        for &b in wire.iter() {
            buf.extend_from_slice(&[b]);
            if let ChunkProgress::Done = dec.advance(&mut buf, 1000).ok().unwrap() {
                done = true;
                break;
            }
        }
        assert!(done);
        assert_eq!(dec.body, b"Wikipedia");
    }

    #[test]
    fn chunk_sizes_are_strict_hex() {
        assert_eq!(parse_chunk_size(b"1f"), Some(31));
        assert_eq!(parse_chunk_size(b"1F ; ext=1"), Some(31));
        assert_eq!(parse_chunk_size(b"+1f"), None);
        assert_eq!(parse_chunk_size(b" 1f"), None);
        assert_eq!(parse_chunk_size(b"1g"), None);
        assert_eq!(parse_chunk_size(b""), None);
    }

    #[test]
    fn chunk_extensions_are_tokens_or_quoted_strings() {
        for ok in [
            &b"a;x"[..],
            b"a;x=1",
            b"a ; x = 1 ;y;z=\"q s\"",
            b"a;x=\"with \\\" escaped quote\"",
            b"a;x=\"tab\there\"",
            b"a;name=~tok!en",
            b"a;x=\"\xe9 obs-text\"",
        ] {
            assert_eq!(
                parse_chunk_size(ok),
                Some(10),
                "{:?}",
                String::from_utf8_lossy(ok)
            );
        }
        for bad in [
            &b"2;\nxx"[..], // the "funky chunks" smuggling shape: a bare LF in the extension
            b"2;x\n",
            b"2;x\ry",
            b"2;",
            b"2;=1",
            b"2;x=",
            b"2;x=\"unterminated",
            b"2;x=\"a\"b",
            b"2;x=\"nul\0\"",
            b"2;x=\"bad escape \\\n\"",
            b"2;x y",
            b"2;x=a,b",
            b"2;x=\x01",
            b"2 x",
            b"2;x\x7f",
        ] {
            assert_eq!(
                parse_chunk_size(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// Feeds `wire` at once and returns the decoder's verdict.
    fn decode_all(wire: &[u8]) -> Result<Vec<u8>, u16> {
        let mut dec = ChunkedDecoder::new();
        let mut buf = BytesMut::from(wire);
        match dec.advance(&mut buf, 1 << 20) {
            Ok(ChunkProgress::Done) => Ok(dec.body),
            Ok(ChunkProgress::NeedMore) => Err(0),
            Err(resp) => Err(resp.status),
        }
    }

    #[test]
    fn bare_lf_in_a_chunk_extension_is_refused() {
        assert_eq!(decode_all(b"2;\nxx\r\n45\r\n0\r\n\r\n"), Err(400));
        assert_eq!(decode_all(b"2;a=b\r\nxx\r\n0\r\n\r\n"), Ok(b"xx".to_vec()));
    }

    #[test]
    fn trailer_fields_are_checked_and_dropped() {
        assert_eq!(
            decode_all(b"2\r\nxx\r\n0\r\nX-A: 1\r\nX-B:\t two words \r\n\r\n"),
            Ok(b"xx".to_vec())
        );
        for bad in [
            &b"0\r\nno colon\r\n\r\n"[..],
            b"0\r\n: empty name\r\n\r\n",
            b"0\r\nBad Name: x\r\n\r\n",
            b"0\r\nX-A: 1\r\n folded\r\n\r\n",
            b"0\r\nX-A: bare\nLF\r\n\r\n",
            b"0\r\nX-A: nul\0\r\n\r\n",
        ] {
            assert_eq!(
                decode_all(bad),
                Err(400),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn chunk_limit_is_enforced() {
        let mut dec = ChunkedDecoder::new();
        let mut buf = BytesMut::from(&b"ff\r\n"[..]);
        assert!(dec.advance(&mut buf, 10).is_err());
    }

    #[test]
    fn smuggling_shapes_are_rejected() {
        let head = Head {
            method: Method::Post,
            target: "/".into(),
            minor_version: 1,
            headers: vec![
                ("content-length".into(), "5".into()),
                ("transfer-encoding".into(), "chunked".into()),
            ],
        };
        assert!(head.framing().is_err());
        let head = Head {
            headers: vec![
                ("content-length".into(), "5".into()),
                ("content-length".into(), "6".into()),
            ],
            ..head
        };
        assert!(head.framing().is_err());
    }

    #[test]
    fn decodes_path_and_rejects_bad_utf8() {
        let mut head = Head {
            method: Method::Get,
            target: "/a%20b?x=1".into(),
            minor_version: 1,
            headers: vec![],
        };
        assert_eq!(
            head.path_and_query().ok().unwrap(),
            ("/a b".into(), "x=1".into(), None)
        );
        head.target = "/%FF".into();
        assert!(head.path_and_query().is_err());
    }
}
