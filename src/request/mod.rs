//! The parsed HTTP request shared by the socket server and the in-process test client.

pub mod cookies;
pub mod forwarded;
pub mod query;

use bytes::Bytes;
use std::net::SocketAddr;

/// Request methods the router knows; anything else is kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Query,
    /// The route kind of `@api.websocket` routes: reached only by an upgrade request, never
    /// parsed from a request line.
    WebSocket,
    Other(String),
}

impl Method {
    pub fn parse(raw: &str) -> Method {
        match raw {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            "QUERY" => Method::Query,
            other => Method::Other(other.to_ascii_uppercase()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Query => "QUERY",
            Method::WebSocket => "WEBSOCKET",
            Method::Other(s) => s,
        }
    }
}

/// One HTTP request after framing: the body is complete and header names are lowercase.
#[derive(Clone, Debug)]
pub struct HttpRequest {
    pub method: Method,
    /// Percent-decoded path.
    pub path: String,
    /// Query string as received, without the `?`.
    pub query: String,
    /// Lowercase names; values decoded as Latin-1 so any byte sequence is representable.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub peer: Option<SocketAddr>,
    pub scheme: &'static str,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A GET asking to switch to the WebSocket protocol (`Upgrade: websocket`).
    pub fn asks_websocket_upgrade(&self) -> bool {
        self.method == Method::Get && has_token(self.header("upgrade"), "websocket")
    }

    /// The media type of the body without parameters, lowercased.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }
}

/// Whether a comma-separated header value lists `token` (case-insensitive).
pub fn has_token(value: Option<&str>, token: &str) -> bool {
    value.is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

/// Decodes bytes as Latin-1: every byte maps to the code point of the same value.
pub fn latin1(bytes: &[u8]) -> String {
    // ASCII (nearly every header) is copied as is: one check instead of UTF-8 validation.
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        return unsafe { std::str::from_utf8_unchecked(bytes) }.to_owned();
    }
    bytes.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::latin1;

    #[test]
    fn latin1_maps_each_byte_to_its_code_point() {
        assert_eq!(latin1(b"text/html"), "text/html");
        // UTF-8 for "é" is two bytes: decoded as Latin-1 they are two characters.
        assert_eq!(latin1("é".as_bytes()), "\u{c3}\u{a9}");
        assert_eq!(latin1(&[0xff, b'a']), "\u{ff}a");
    }
}
