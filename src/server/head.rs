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
        Err(httparse::Error::TooManyHeaders) => Err(Response::detail(
            431,
            &format!("Too many request headers (limit {max_headers})"),
        )),
        Err(e) => Err(Response::detail(
            400,
            &format!("Malformed HTTP request: {e}"),
        )),
    }
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
    pub fn path_and_query(&self) -> Result<(String, String), Response> {
        let mut target = self.target.as_str();
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
        Ok((
            path.into_owned(),
            query.split('#').next().unwrap_or("").to_owned(),
        ))
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

/// `1*HEXDIG [BWS ";" chunk-ext]`: hex digits only, no sign or leading space.
fn parse_chunk_size(line: &str) -> Option<usize> {
    let digits_end = line
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, rest) = line.split_at(digits_end);
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let rest = rest.trim_start_matches([' ', '\t']);
    if !rest.is_empty() && !rest.starts_with(';') {
        return None;
    }
    usize::from_str_radix(digits, 16).ok()
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
                    let line = std::str::from_utf8(&buf[..end])
                        .map_err(|_| Response::detail(400, "Invalid chunk size"))?;
                    let size = parse_chunk_size(line)
                        .ok_or_else(|| Response::detail(400, "Invalid chunk size"))?;
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
                    buf.advance(end + 2);
                    if end == 0 {
                        self.state = ChunkState::Done;
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
        assert_eq!(parse_chunk_size("1f"), Some(31));
        assert_eq!(parse_chunk_size("1F ; ext=1"), Some(31));
        assert_eq!(parse_chunk_size("+1f"), None);
        assert_eq!(parse_chunk_size(" 1f"), None);
        assert_eq!(parse_chunk_size("1g"), None);
        assert_eq!(parse_chunk_size(""), None);
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
            ("/a b".into(), "x=1".into())
        );
        head.target = "/%FF".into();
        assert!(head.path_and_query().is_err());
    }
}
