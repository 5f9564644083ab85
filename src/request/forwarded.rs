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
    networks.iter().any(|n| n.contains(&canonical(ip)))
}

/// One client, one spelling: an IPv4-mapped IPv6 address is its IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// One forwarding hop: an address, optionally with the port some proxies add
/// (`203.0.113.9:4000`, `[2001:db8::1]:443`); `None` when malformed.
fn hop(part: &str) -> Option<IpAddr> {
    let part = part.trim();
    part.parse::<IpAddr>()
        .or_else(|_| part.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// The client a trusted peer reports: walking `X-Forwarded-For` (all its headers, in wire
/// order) from the right, the first address that is not a trusted proxy; the left-most when
/// every hop is trusted. A malformed hop ends the walk with no answer: what lies left of it
/// was not written by a proxy we trust. Without `X-Forwarded-For`, `X-Real-IP`.
fn forwarded_client(req: &HttpRequest, networks: &[IpNet]) -> Option<IpAddr> {
    let values: Vec<&str> = req
        .headers
        .iter()
        .filter(|(k, _)| k == "x-forwarded-for")
        .map(|(_, v)| v.as_str())
        .collect();
    if values.is_empty() {
        return req.header("x-real-ip").and_then(hop);
    }
    let chain: Vec<Option<IpAddr>> = values.iter().flat_map(|v| v.split(',')).map(hop).collect();
    for entry in chain.iter().rev() {
        match entry {
            None => return None,
            Some(ip) if trusted(networks, *ip) => continue,
            Some(ip) => return Some(*ip),
        }
    }
    chain.first().copied().flatten()
}

/// Rewrites the request's peer and scheme from forwarding headers when the peer is trusted
/// (`forwarded_client`).
pub fn apply_forwarded(req: &mut HttpRequest, networks: &[IpNet]) {
    let Some(peer) = req.peer else { return };
    if networks.is_empty() || !trusted(networks, peer.ip()) {
        return;
    }
    if let Some(client) = forwarded_client(req, networks) {
        req.peer = Some(SocketAddr::new(client, 0));
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
            routing_path: None,
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

    fn client(xff: &[&str], real_ip: Option<&str>) -> String {
        let nets = parse_networks(&["127.0.0.0/8".into()]).unwrap();
        let mut headers: Vec<(String, String)> = xff
            .iter()
            .map(|v| ("x-forwarded-for".to_string(), v.to_string()))
            .collect();
        if let Some(ip) = real_ip {
            headers.push(("x-real-ip".into(), ip.into()));
        }
        let mut req = HttpRequest {
            headers,
            ..request("127.0.0.1:5000", "", "http")
        };
        apply_forwarded(&mut req, &nets);
        req.peer.unwrap().ip().to_string()
    }

    #[test]
    fn a_malformed_hop_hides_everything_left_of_it() {
        assert_eq!(
            client(&["198.51.100.1, not-an-ip, 127.0.0.1"], None),
            "127.0.0.1"
        );
        assert_eq!(client(&["198.51.100.1", "not-an-ip"], None), "127.0.0.1");
        assert_eq!(client(&["198.51.100.1,,127.0.0.1"], None), "127.0.0.1");
        assert_eq!(client(&[""], None), "127.0.0.1");
    }

    #[test]
    fn hops_with_ports_and_mapped_addresses_are_one_client() {
        assert_eq!(client(&["203.0.113.9:4000"], None), "203.0.113.9");
        assert_eq!(client(&["[2001:db8::1]:443"], None), "2001:db8::1");
        assert_eq!(client(&["::ffff:203.0.113.9"], None), "203.0.113.9");
        assert_eq!(
            client(&["198.51.100.1, 203.0.113.9", "127.0.0.7"], None),
            "203.0.113.9"
        );
        assert_eq!(client(&["127.0.0.55, 127.0.0.7"], None), "127.0.0.55");
    }

    #[test]
    fn x_real_ip_only_without_x_forwarded_for() {
        assert_eq!(client(&[], Some("203.0.113.9")), "203.0.113.9");
        assert_eq!(
            client(&["203.0.113.9"], Some("198.51.100.1")),
            "203.0.113.9"
        );
        assert_eq!(client(&[], Some("attacker-chosen")), "127.0.0.1");
    }

    #[test]
    fn bad_entries_are_rejected() {
        assert!(parse_networks(&["not-an-ip".into()]).is_err());
    }
}
