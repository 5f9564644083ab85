//! The parsed HTTP request shared by the socket server and the in-process test client.

pub mod cookies;
pub mod forwarded;
pub mod query;

use bytes::Bytes;
use std::net::SocketAddr;

/// An encoded slash in [`HttpRequest::routing_path`]: a decoded path never holds NUL (refused).
pub const ENCODED_SLASH: char = '\0';

/// The routing path of `raw_path` (percent-encoded; valid UTF-8 without NUL once decoded) when it
/// holds an encoded slash: decoded, each `%2F` as [`ENCODED_SLASH`]. `None` otherwise.
pub fn routing_path(raw_path: &str) -> Option<String> {
    let is_encoded_slash =
        |w: &[u8]| w[0] == b'%' && w[1] == b'2' && w[2].eq_ignore_ascii_case(&b'f');
    if !raw_path.as_bytes().windows(3).any(is_encoded_slash) {
        return None;
    }
    let marked = raw_path.replace("%2F", "%00").replace("%2f", "%00");
    Some(
        percent_encoding::percent_decode_str(&marked)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

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
    /// What routes match instead of `path` when the raw path holds an encoded slash (`%2F`):
    /// `path` with each such slash as [`ENCODED_SLASH`], so it stays inside its segment.
    pub routing_path: Option<String>,
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
    use super::{latin1, routing_path};

    #[test]
    fn an_encoded_slash_stays_inside_its_segment_for_routing() {
        assert_eq!(routing_path("/a%20b/c"), None);
        assert_eq!(
            routing_path("/str/a%2Fb%2fc").as_deref(),
            Some("/str/a\0b\0c")
        );
        // `%252F` is a `%` followed by `2F`, not a slash.
        assert_eq!(routing_path("/a%252Fb"), None);
        assert_eq!(routing_path("/%C3%A9%2F").as_deref(), Some("/\u{e9}\0"));
    }

    #[test]
    fn latin1_maps_each_byte_to_its_code_point() {
        assert_eq!(latin1(b"text/html"), "text/html");
        // UTF-8 for "é" is two bytes: decoded as Latin-1 they are two characters.
        assert_eq!(latin1("é".as_bytes()), "\u{c3}\u{a9}");
        assert_eq!(latin1(&[0xff, b'a']), "\u{ff}a");
    }
}
