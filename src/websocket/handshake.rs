//! The HTTP side of a WebSocket: is this an upgrade, is it well formed, may this origin open
//! one, and the 101 response that switches protocols (RFC 6455 section 4.2).

use crate::config::ServerConfig;
use crate::middleware::cors::CorsPolicy;
use crate::request::{has_token, HttpRequest};
use crate::response::Response;
use base64::Engine;
use sha1::{Digest, Sha1};

/// Appended to the client's key before hashing (RFC 6455 section 1.3).
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// A request that passed the handshake checks.
pub struct Handshake {
    pub accept_key: String,
    /// `Sec-WebSocket-Protocol` values in the client's order of preference.
    pub subprotocols: Vec<String>,
}

pub fn accept_key(client_key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(client_key.as_bytes());
    sha.update(ACCEPT_GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// Checks the upgrade headers; `Err` is the response refusing the upgrade.
pub fn check(req: &HttpRequest) -> Result<Handshake, Response> {
    if !has_token(req.header("connection"), "upgrade") {
        return Err(Response::detail(
            400,
            "WebSocket upgrade needs 'Connection: Upgrade'",
        ));
    }
    if req.header("sec-websocket-version").map(str::trim) != Some("13") {
        return Err(
            Response::detail(426, "Unsupported WebSocket version: only 13 is supported")
                .with_header("sec-websocket-version", "13"),
        );
    }
    let key = req.header("sec-websocket-key").map(str::trim).unwrap_or("");
    let decoded = base64::engine::general_purpose::STANDARD.decode(key);
    if !matches!(decoded, Ok(ref k) if k.len() == 16) {
        return Err(Response::detail(
            400,
            "Sec-WebSocket-Key must be 16 bytes in base64",
        ));
    }
    let subprotocols = req
        .headers
        .iter()
        .filter(|(k, _)| k == "sec-websocket-protocol")
        .flat_map(|(_, v)| v.split(','))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    Ok(Handshake {
        accept_key: accept_key(key),
        subprotocols,
    })
}

/// Browsers send `Origin`; a page from another site may only connect if its origin is allowed.
/// Requests without `Origin` come from non-browser clients, which send any header they like.
/// Allowed: the server's own origin, `BOLT_WS_ALLOWED_ORIGINS`, and what the route's CORS policy
/// (the `CORS_*` settings or `@cors`) allows.
pub fn check_origin(
    req: &HttpRequest,
    config: &ServerConfig,
    cors: Option<&CorsPolicy>,
) -> Result<(), Response> {
    let Some(raw) = req.header("origin") else {
        return Ok(());
    };
    if cors.is_some_and(|policy| policy.allows_origin(raw.trim())) {
        return Ok(());
    }
    let origin = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    let same_origin = req.header("host").is_some_and(|host| {
        let host = host.trim().to_ascii_lowercase();
        origin == format!("{}://{host}", req.scheme)
    });
    let listed = config
        .ws_allowed_origins
        .iter()
        .any(|allowed| allowed == "*" || *allowed == origin);
    if same_origin || listed {
        Ok(())
    } else {
        Err(Response::detail(403, "Origin not allowed"))
    }
}

/// The `101 Switching Protocols` head. `headers` were checked when the handler accepted.
pub fn switching_protocols(
    accept_key: &str,
    subprotocol: Option<&str>,
    headers: &[(String, String)],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(
        b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n",
    );
    out.extend_from_slice(b"sec-websocket-accept: ");
    out.extend_from_slice(accept_key.as_bytes());
    out.extend_from_slice(b"\r\n");
    if let Some(protocol) = subprotocol {
        out.extend_from_slice(b"sec-websocket-protocol: ");
        out.extend_from_slice(protocol.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"server: django-bolt\r\n\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Method;

    #[test]
    fn accept_key_matches_rfc_example() {
        // RFC 6455 section 1.3.
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    fn request(headers: &[(&str, &str)]) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            path: "/ws".into(),
            routing_path: None,
            query: String::new(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Default::default(),
            peer: None,
            scheme: "http",
        }
    }

    #[test]
    fn checks_headers() {
        let good = [
            ("host", "a.test"),
            ("upgrade", "websocket"),
            ("connection", "keep-alive, Upgrade"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("sec-websocket-protocol", "chat, superchat"),
        ];
        let h = check(&request(&good)).ok().unwrap();
        assert_eq!(h.subprotocols, vec!["chat", "superchat"]);
        let mut bad = good;
        bad[3].1 = "8";
        assert_eq!(check(&request(&bad)).err().unwrap().status, 426);
        let mut bad = good;
        bad[4].1 = "short";
        assert_eq!(check(&request(&bad)).err().unwrap().status, 400);
    }

    #[test]
    fn origin_rules() {
        let mut cfg = ServerConfig::default();
        let same = request(&[("host", "a.test"), ("origin", "http://a.test")]);
        let other = request(&[("host", "a.test"), ("origin", "http://evil.test")]);
        assert!(check_origin(&same, &cfg, None).is_ok());
        assert!(check_origin(&request(&[("host", "a.test")]), &cfg, None).is_ok());
        assert_eq!(check_origin(&other, &cfg, None).err().unwrap().status, 403);
        cfg.ws_allowed_origins = vec!["http://evil.test".into()];
        assert!(check_origin(&other, &cfg, None).is_ok());
    }
}
