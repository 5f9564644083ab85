//! `X-Forwarded-For` / `X-Forwarded-Proto`, honoured only when the peer is a trusted proxy.
//! Applied once per request, by the pipeline's `route` stage.

use super::HttpRequest;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// Parses `BOLT_TRUSTED_PROXIES` entries: addresses or CIDR networks.
pub fn parse_networks(entries: &[String]) -> Result<Vec<IpNet>, String> {
    entries
        .iter()
        .map(|e| {
            let e = e.trim();
            e.parse::<IpNet>()
                .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("BOLT_TRUSTED_PROXIES: {e:?} is not an IP address or network"))
        })
        .collect()
}

fn trusted(networks: &[IpNet], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    networks.iter().any(|n| n.contains(&ip))
}

/// Rewrites the request's peer and scheme from forwarding headers when the peer is trusted.
/// The client is the right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn apply_forwarded(req: &mut HttpRequest, networks: &[IpNet]) {
    let Some(peer) = req.peer else { return };
    if networks.is_empty() || !trusted(networks, peer.ip()) {
        return;
    }
    let chain: Vec<IpAddr> = req
        .headers
        .iter()
        .filter(|(k, _)| k == "x-forwarded-for")
        .flat_map(|(_, v)| v.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .collect();
    if let Some(client) = chain
        .iter()
        .rev()
        .find(|ip| !trusted(networks, **ip))
        .or(chain.first())
    {
        req.peer = Some(SocketAddr::new(*client, 0));
    }
    let proto = req
        .headers
        .iter()
        .rev()
        .find(|(k, _)| k == "x-forwarded-proto")
        // The trusted proxy appends its value: the right-most one (a client may send the others).
        .and_then(|(_, v)| v.rsplit(',').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match proto.as_deref() {
        Some("https") => req.scheme = "https",
        Some("http") => req.scheme = "http",
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Method;

    fn request(peer: &str, xff: &str, proto: &str) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            path: "/".into(),
            query: String::new(),
            headers: vec![
                ("x-forwarded-for".into(), xff.into()),
                ("x-forwarded-proto".into(), proto.into()),
            ],
            body: Default::default(),
            peer: Some(peer.parse().unwrap()),
            scheme: "http",
        }
    }

    #[test]
    fn trusted_peer_forwards_client_and_scheme() {
        let nets = parse_networks(&["10.0.0.0/8".into(), "127.0.0.1".into()]).unwrap();
        let mut req = request("127.0.0.1:5000", "203.0.113.9, 10.1.2.3", "https");
        apply_forwarded(&mut req, &nets);
        assert_eq!(req.peer.unwrap().ip().to_string(), "203.0.113.9");
        assert_eq!(req.scheme, "https");
    }

    #[test]
    fn the_proxy_s_own_proto_is_the_right_most_value() {
        let nets = parse_networks(&["127.0.0.1".into()]).unwrap();
        let mut req = request("127.0.0.1:5000", "203.0.113.9", "https, http");
        apply_forwarded(&mut req, &nets);
        assert_eq!(req.scheme, "http");
    }

    #[test]
    fn untrusted_peer_is_ignored() {
        let nets = parse_networks(&["10.0.0.0/8".into()]).unwrap();
        let mut req = request("192.0.2.1:5000", "203.0.113.9", "https");
        apply_forwarded(&mut req, &nets);
        assert_eq!(req.peer.unwrap().ip().to_string(), "192.0.2.1");
        assert_eq!(req.scheme, "http");
    }

    #[test]
    fn spoofed_left_entries_do_not_win() {
        let nets = parse_networks(&["127.0.0.1".into()]).unwrap();
        let mut req = request("127.0.0.1:5000", "1.1.1.1, 198.51.100.7", "http");
        apply_forwarded(&mut req, &nets);
        assert_eq!(req.peer.unwrap().ip().to_string(), "198.51.100.7");
    }

    #[test]
    fn bad_entries_are_rejected() {
        assert!(parse_networks(&["not-an-ip".into()]).is_err());
    }
}
