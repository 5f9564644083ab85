//! `ALLOWED_HOSTS`: the request's `Host` checked the way Django's `HttpRequest.get_host()` checks
//! it (`split_domain_port`, `validate_host`, `is_same_domain`), compiled once at startup.
//!
//! Plain Rust on purpose (no pyo3, no `App`): the pipeline calls [`AllowedHosts::check`] with the
//! header value and turns an error into a 400.

/// One `ALLOWED_HOSTS` entry, lowercased.
#[derive(Clone, Debug, PartialEq)]
enum Pattern {
    /// `example.com`: that domain only.
    Exact(Box<str>),
    /// `.example.com`: `example.com` and every subdomain. Kept with its leading dot.
    Subdomains(Box<str>),
}

/// The compiled list. `*` anywhere makes it "any": no pattern is compared, but the `Host` must
/// still be well formed, as in Django.
#[derive(Clone, Debug, PartialEq)]
pub struct AllowedHosts {
    any: bool,
    patterns: Box<[Pattern]>,
}

impl Default for AllowedHosts {
    /// What a server built without a host list does (Rust-only users; Python always passes one).
    fn default() -> Self {
        AllowedHosts::compile(&["*"])
    }
}

/// Why a `Host` was refused: Django's message, for the 400 body.
#[derive(Debug, PartialEq)]
pub struct DisallowedHost(pub String);

impl AllowedHosts {
    /// Compiles the effective list (DEBUG defaults already applied by the caller).
    pub fn compile<S: AsRef<str>>(entries: &[S]) -> AllowedHosts {
        let mut patterns = Vec::with_capacity(entries.len());
        for entry in entries {
            let entry = entry.as_ref();
            if entry == "*" {
                return AllowedHosts {
                    any: true,
                    patterns: Box::new([]),
                };
            }
            // Django lowercases each pattern; an empty one matches nothing.
            let lowered = entry.to_lowercase();
            if lowered.is_empty() {
                continue;
            }
            patterns.push(if lowered.starts_with('.') {
                Pattern::Subdomains(lowered.into())
            } else {
                Pattern::Exact(lowered.into())
            });
        }
        AllowedHosts {
            any: false,
            patterns: patterns.into(),
        }
    }

    pub fn allows_any(&self) -> bool {
        self.any
    }

    /// Checks a `Host` header value. `None` (an HTTP/1.0 request without `Host`) passes only
    /// when any host is allowed: Django would check its `SERVER_NAME` instead, which this server
    /// does not have.
    pub fn check(&self, host: Option<&str>) -> Result<(), DisallowedHost> {
        let Some(host) = host else {
            if self.any {
                return Ok(());
            }
            return Err(DisallowedHost(
                "Invalid HTTP_HOST header: the request has none (an HTTP/1.0 request without \
                 Host is accepted only when ALLOWED_HOSTS contains '*')."
                    .into(),
            ));
        };
        let Some(domain) = domain_of(host) else {
            return Err(DisallowedHost(format!(
                "Invalid HTTP_HOST header: {}. The domain name provided is not valid according \
                 to RFC 1034/1035.",
                py_repr(host)
            )));
        };
        if self.any || self.patterns.iter().any(|p| p.matches(domain)) {
            return Ok(());
        }
        Err(DisallowedHost(format!(
            "Invalid HTTP_HOST header: {}. You may need to add {} to ALLOWED_HOSTS.",
            py_repr(host),
            py_repr(&domain.to_ascii_lowercase())
        )))
    }
}

impl Pattern {
    /// `domain` is ASCII in any case (checked by [`domain_of`]); patterns are lowercase.
    fn matches(&self, domain: &str) -> bool {
        match self {
            Pattern::Exact(p) => same_name(p.as_bytes(), domain.as_bytes()),
            Pattern::Subdomains(p) => {
                let p = p.as_bytes();
                let d = domain.as_bytes();
                (d.len() >= p.len() && same_name(&d[d.len() - p.len()..], p))
                    || same_name(d, &p[1..])
            }
        }
    }
}

/// Case-insensitive equality, trying the common all-lowercase case with one `memcmp` first.
fn same_name(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && (a == b || a.eq_ignore_ascii_case(b))
}

/// The domain part of a well-formed `Host` (Django's `host_validation_re` on the lowercased
/// value, then one trailing dot removed), without lowercasing or copying it. `None` when the
/// value does not match or the domain is empty.
///
/// The grammar: `([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:[0-9]+)?`.
fn domain_of(host: &str) -> Option<&str> {
    let bytes = host.as_bytes();
    let domain_end = if bytes.first() == Some(&b'[') {
        let close = bytes.iter().position(|&b| b == b']')?;
        if !is_ipv6_literal(&bytes[1..close]) {
            return None;
        }
        close + 1
    } else {
        // One pass, one table load per byte: this runs on every request.
        let name_len = bytes.iter().take_while(|&&b| NAME_BYTE[b as usize]).count();
        if name_len == 0 {
            return None;
        }
        name_len
    };
    match &bytes[domain_end..] {
        [] => {}
        [b':', port @ ..] if !port.is_empty() && port.iter().all(u8::is_ascii_digit) => {}
        _ => return None,
    }
    let domain = &host[..domain_end];
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    (!domain.is_empty()).then_some(domain)
}

/// `[a-zA-Z0-9.-]`: the bytes of a host name (uppercase is lowered by Django before matching).
static NAME_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
        b += 1;
    }
    table
};

/// The inside of `[...]`: hex digits up to a first `:`, then at least one of hex, `.`, `:`.
fn is_ipv6_literal(inside: &[u8]) -> bool {
    let Some(colon) = inside.iter().position(|&b| b == b':') else {
        return false;
    };
    let (head, tail) = (&inside[..colon], &inside[colon + 1..]);
    head.iter().all(u8::is_ascii_hexdigit)
        && !tail.is_empty()
        && tail
            .iter()
            .all(|b| b.is_ascii_hexdigit() || *b == b'.' || *b == b':')
}

/// Python's `repr()` of a string (which Django's message uses), for the characters a header
/// value decoded as Latin-1 can hold.
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            // Python's non-printable characters of the Latin-1 range.
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) || c == '\u{ad}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(list: &[&str], host: &str) -> bool {
        AllowedHosts::compile(list).check(Some(host)).is_ok()
    }

    #[test]
    fn exact_names_ignore_case_port_and_one_trailing_dot() {
        let list = ["example.com", "API.Example.ORG"];
        for host in [
            "example.com",
            "EXAMPLE.com",
            "example.com:8000",
            "example.com.",
            "example.com.:443",
            "api.example.org",
        ] {
            assert!(allowed(&list, host), "{host}");
        }
        for host in [
            "www.example.com",
            "example.com..",
            "example.co",
            "xexample.com",
            "example.org",
        ] {
            assert!(!allowed(&list, host), "{host}");
        }
    }

    #[test]
    fn leading_dot_allows_the_domain_and_its_subdomains() {
        let list = [".example.com"];
        for host in ["example.com", "a.example.com", "a.b.Example.com:81"] {
            assert!(allowed(&list, host), "{host}");
        }
        for host in ["badexample.com", "example.com.evil.net", "com"] {
            assert!(!allowed(&list, host), "{host}");
        }
    }

    #[test]
    fn a_pattern_with_a_port_never_matches_as_in_django() {
        assert!(!allowed(&["example.com:8000"], "example.com:8000"));
    }

    #[test]
    fn ipv6_literals() {
        let list = ["[::1]", "[2001:DB8::1]"];
        for host in ["[::1]", "[::1]:8000", "[2001:db8::1]", "[2001:db8::1]:443"] {
            assert!(allowed(&list, host), "{host}");
        }
        assert!(!allowed(&list, "[::2]"));
        assert!(!allowed(&list, "::1"));
        // Malformed literals are refused even when any host is allowed.
        for host in [
            "[]",
            "[::1",
            "[1.2.3.4]",
            "[::g]",
            "[::1]x",
            "[::1]:",
            "[::1]:8x",
            "[1:]",
        ] {
            assert!(!allowed(&["*"], host), "{host}");
        }
    }

    #[test]
    fn star_allows_any_well_formed_host() {
        for host in ["anything.example", "1.2.3.4:5", "[::1]", "a-b.c", "x."] {
            assert!(allowed(&["a.com", "*"], host), "{host}");
        }
        assert!(AllowedHosts::compile(&["*"]).allows_any());
    }

    #[test]
    fn malformed_hosts_are_refused_even_under_star() {
        for host in [
            "",
            ".",
            ":80",
            "example.com:",
            "example.com:80:80",
            "example.com:-1",
            "exa mple.com",
            "under_score.com",
            "evil.com/path",
            "evil.com?x",
            "evil.com#x",
            "user@evil.com",
            "evil.com\n",
            "b\u{fc}cher.de",
            "example.com,other.com",
        ] {
            assert!(!allowed(&["*"], host), "{host:?}");
        }
    }

    #[test]
    fn debug_defaults() {
        let list = [".localhost", "127.0.0.1", "[::1]"];
        for host in [
            "localhost",
            "localhost:8000",
            "app.localhost",
            "127.0.0.1:8000",
            "[::1]:80",
        ] {
            assert!(allowed(&list, host), "{host}");
        }
        for host in ["127.0.0.2", "testserver", "example.com", "0.0.0.0"] {
            assert!(!allowed(&list, host), "{host}");
        }
    }

    #[test]
    fn an_empty_list_allows_nothing() {
        assert!(!allowed(&[], "localhost"));
        assert!(!allowed(&[""], "localhost"));
    }

    #[test]
    fn a_missing_host_passes_only_under_star() {
        assert!(AllowedHosts::compile(&["*"]).check(None).is_ok());
        assert!(AllowedHosts::compile(&["localhost"]).check(None).is_err());
    }

    #[test]
    fn messages_follow_django() {
        let list = AllowedHosts::compile(&["example.com"]);
        assert_eq!(
            list.check(Some("Evil.COM:80")),
            Err(DisallowedHost(
                "Invalid HTTP_HOST header: 'Evil.COM:80'. You may need to add 'evil.com' to \
                 ALLOWED_HOSTS."
                    .into()
            ))
        );
        assert_eq!(
            list.check(Some("a'b\\c\x01")),
            Err(DisallowedHost(
                "Invalid HTTP_HOST header: \"a'b\\\\c\\x01\". The domain name provided is not \
                 valid according to RFC 1034/1035."
                    .into()
            ))
        );
    }
}
