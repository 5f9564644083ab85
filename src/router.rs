//! Compiled route table: matchit finds the path, then the method picks the route.

use crate::request::Method;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrailingSlash {
    /// Routes are registered without a trailing slash; `/x/` redirects to `/x`.
    Strip,
    /// Routes are registered with a trailing slash; `/x` redirects to `/x/`.
    Append,
    /// Paths are matched exactly as written.
    Keep,
}

impl TrailingSlash {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "strip" => Ok(Self::Strip),
            "append" => Ok(Self::Append),
            "keep" => Ok(Self::Keep),
            other => Err(format!(
                "trailing_slash must be 'strip', 'append' or 'keep', not {other:?}"
            )),
        }
    }

    /// The canonical form of a route path or request path under this policy.
    pub fn normalize(self, path: &str) -> String {
        match self {
            Self::Keep => path.to_owned(),
            Self::Strip => {
                let trimmed = path.trim_end_matches('/');
                if trimmed.is_empty() {
                    "/".to_owned()
                } else {
                    trimmed.to_owned()
                }
            }
            Self::Append => {
                if path.ends_with('/') || path.ends_with('}') && path.contains("{*") {
                    path.to_owned()
                } else {
                    format!("{path}/")
                }
            }
        }
    }
}

/// The routes registered at one path, by method.
pub struct PathEntry {
    by_method: Vec<(Method, usize)>,
    allow: String,
}

impl PathEntry {
    /// The route for `method`; HEAD falls back to GET.
    pub fn route_for(&self, method: &Method) -> Option<usize> {
        find_method(&self.by_method, method).or_else(|| match method {
            Method::Head => find_method(&self.by_method, &Method::Get),
            _ => None,
        })
    }

    /// The `Allow` header value for this path.
    pub fn allow(&self) -> &str {
        &self.allow
    }
}

pub struct Router {
    tree: matchit::Router<usize>,
    entries: Vec<PathEntry>,
    trailing_slash: TrailingSlash,
    /// `(prefix, route)` of mounted apps (`mount_asgi`/`mount_django`), longest prefix first:
    /// asked only when no route matches the path, so routes pay nothing for them.
    mounts: Vec<(String, usize)>,
    /// The same for mounted apps that take WebSocket upgrades (ASGI apps, not Django's).
    websocket_mounts: Vec<(String, usize)>,
}

/// What one tree lookup found for a request path. The method is chosen afterwards from the
/// entry, so every question about a path (its route, `Allow`, a preflight's requested method,
/// a WebSocket route) is answered from this one lookup.
pub enum Lookup<'r> {
    Path {
        entry: &'r PathEntry,
        params: Vec<(String, String)>,
    },
    NotFound,
    Redirect(String),
    /// No route matches; a mounted app at this prefix answers every method.
    Mount(usize),
}

impl Router {
    /// Builds the table from `(method, path, route index)`; fails on duplicates and path conflicts.
    pub fn build(
        routes: &[(Method, String, usize)],
        trailing_slash: TrailingSlash,
    ) -> Result<Router, String> {
        let mut tree = matchit::Router::new();
        let mut entries: Vec<PathEntry> = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        for (method, path, route) in routes {
            let path = trailing_slash.normalize(path);
            let entry_index = match index_of.get(&path) {
                Some(&i) => i,
                None => {
                    tree.insert(path.clone(), entries.len())
                        .map_err(|e| format!("route {path:?} conflicts: {e}"))?;
                    entries.push(PathEntry {
                        by_method: Vec::new(),
                        allow: String::new(),
                    });
                    index_of.insert(path.clone(), entries.len() - 1);
                    entries.len() - 1
                }
            };
            let entry = &mut entries[entry_index];
            if entry.by_method.iter().any(|(m, _)| m == method) {
                return Err(format!(
                    "duplicate route: {} {path} is registered twice",
                    method.as_str()
                ));
            }
            entry.by_method.push((method.clone(), *route));
        }
        for entry in &mut entries {
            entry.allow = allow_header(&entry.by_method);
        }
        Ok(Router {
            tree,
            entries,
            trailing_slash,
            mounts: Vec::new(),
            websocket_mounts: Vec::new(),
        })
    }

    /// Adds mounted apps: `(prefix, route)` for HTTP requests and for WebSocket upgrades; a
    /// prefix is a path without a trailing slash (`/` for the root) and covers itself and
    /// everything below it.
    pub fn with_mounts(
        mut self,
        mounts: Vec<(String, usize)>,
        websocket_mounts: Vec<(String, usize)>,
    ) -> Result<Router, String> {
        self.mounts = longest_first(mounts)?;
        self.websocket_mounts = longest_first(websocket_mounts)?;
        Ok(self)
    }

    fn mount_for(&self, path: &str) -> Option<usize> {
        covering(&self.mounts, path)
    }

    /// The route of the mounted app that takes a WebSocket upgrade to `path` (no route matched
    /// it): the longest prefix among the apps that speak WebSocket.
    pub fn websocket_mount_for(&self, path: &str) -> Option<usize> {
        covering(&self.websocket_mounts, path)
    }

    pub fn find(&self, path: &str) -> Lookup<'_> {
        match self.tree.at(path) {
            Ok(found) => Lookup::Path {
                entry: &self.entries[*found.value],
                params: found
                    .params
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            },
            Err(_) => {
                if self.trailing_slash != TrailingSlash::Keep {
                    let canonical = self.trailing_slash.normalize(path);
                    if canonical != path && self.tree.at(&canonical).is_ok() {
                        return Lookup::Redirect(canonical);
                    }
                }
                match self.mount_for(path) {
                    Some(route) => Lookup::Mount(route),
                    None => Lookup::NotFound,
                }
            }
        }
    }
}

fn longest_first(mut mounts: Vec<(String, usize)>) -> Result<Vec<(String, usize)>, String> {
    // Longest first; equal prefixes end up next to each other.
    mounts.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    if let Some(w) = mounts.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(format!("two apps are mounted at {:?}", w[0].0));
    }
    Ok(mounts)
}

fn covering(mounts: &[(String, usize)], path: &str) -> Option<usize> {
    mounts.iter().find_map(|(prefix, route)| {
        let covered = prefix == "/"
            || path
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        covered.then_some(*route)
    })
}

fn find_method(by_method: &[(Method, usize)], method: &Method) -> Option<usize> {
    by_method
        .iter()
        .find(|(m, _)| m == method)
        .map(|(_, route)| *route)
}

fn allow_header(by_method: &[(Method, usize)]) -> String {
    let mut names: Vec<&str> = by_method
        .iter()
        .filter(|(m, _)| *m != Method::WebSocket)
        .map(|(m, _)| m.as_str())
        .collect();
    if names.contains(&"GET") && !names.contains(&"HEAD") {
        names.push("HEAD");
    }
    if !names.contains(&"OPTIONS") {
        names.push("OPTIONS");
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(policy: TrailingSlash) -> Router {
        Router::build(
            &[
                (Method::Get, "/items/{id}".into(), 0),
                (Method::Post, "/items".into(), 1),
                (Method::Get, "/".into(), 2),
            ],
            policy,
        )
        .unwrap()
    }

    fn route(r: &Router, method: Method, path: &str) -> Option<usize> {
        match r.find(path) {
            Lookup::Path { entry, .. } => entry.route_for(&method),
            _ => None,
        }
    }

    #[test]
    fn finds_route_and_params() {
        match table(TrailingSlash::Strip).find("/items/7") {
            Lookup::Path { entry, params } => {
                assert_eq!(entry.route_for(&Method::Get), Some(0));
                assert_eq!(params, vec![("id".to_owned(), "7".to_owned())]);
            }
            _ => panic!("expected a route"),
        }
    }

    #[test]
    fn an_encoded_slash_of_a_routing_path_is_one_segment() {
        let r = table(TrailingSlash::Strip);
        let path = format!("/items/a{}b", crate::request::ENCODED_SLASH);
        match r.find(&path) {
            Lookup::Path { params, .. } => assert_eq!(params[0].1, "a\0b"),
            _ => panic!("expected a route"),
        }
        // Decoded before routing it would be two segments, which no route has.
        assert!(matches!(r.find("/items/a/b"), Lookup::NotFound));
    }

    #[test]
    fn head_falls_back_to_get_and_allow_is_listed() {
        let r = table(TrailingSlash::Strip);
        assert_eq!(route(&r, Method::Head, "/items/1"), Some(0));
        assert_eq!(route(&r, Method::Delete, "/items"), None);
        match r.find("/items") {
            Lookup::Path { entry, .. } => assert_eq!(entry.allow(), "POST, OPTIONS"),
            _ => panic!("expected the path"),
        }
    }

    #[test]
    fn strip_redirects_trailing_slash() {
        let r = table(TrailingSlash::Strip);
        assert!(matches!(r.find("/items/"), Lookup::Redirect(p) if p == "/items"));
        assert_eq!(route(&r, Method::Get, "/"), Some(2));
    }

    #[test]
    fn mounts_answer_only_paths_no_route_matches() {
        let r = table(TrailingSlash::Strip)
            .with_mounts(vec![("/".into(), 7), ("/admin".into(), 8)], Vec::new())
            .unwrap();
        assert!(matches!(r.find("/admin/login/"), Lookup::Mount(8)));
        assert!(matches!(r.find("/admin"), Lookup::Mount(8)));
        assert!(matches!(r.find("/administrator"), Lookup::Mount(7)));
        assert!(matches!(r.find("/items/7"), Lookup::Path { .. }));
        assert!(matches!(r.find("/items/"), Lookup::Redirect(_)));
        let plain = table(TrailingSlash::Strip);
        assert!(matches!(plain.find("/admin"), Lookup::NotFound));
        assert!(table(TrailingSlash::Strip)
            .with_mounts(
                vec![("/a".into(), 1), ("/b".into(), 2), ("/a".into(), 3)],
                Vec::new()
            )
            .is_err());
    }

    #[test]
    fn websocket_mounts_are_their_own_list() {
        // Django at the root answers HTTP; an ASGI app at /live also takes upgrades.
        let r = table(TrailingSlash::Strip)
            .with_mounts(
                vec![("/".into(), 7), ("/live".into(), 8)],
                vec![("/live".into(), 9)],
            )
            .unwrap();
        assert_eq!(r.websocket_mount_for("/live/feed"), Some(9));
        assert_eq!(r.websocket_mount_for("/live"), Some(9));
        assert_eq!(r.websocket_mount_for("/lively"), None);
        assert_eq!(r.websocket_mount_for("/other"), None);
        assert!(matches!(r.find("/live/feed"), Lookup::Mount(8)));
    }

    #[test]
    fn duplicates_are_rejected() {
        let err = Router::build(
            &[
                (Method::Get, "/a".into(), 0),
                (Method::Get, "/a/".into(), 1),
            ],
            TrailingSlash::Strip,
        );
        assert!(err.is_err());
    }
}
