//! `STATIC_URL` served from disk by Rust with the same validators and ranges as file responses.
//! In DEBUG, Django's staticfiles finders (Python) locate the file instead of the fixed roots.

use crate::request::{HttpRequest, Method};
use crate::response::file::{serve_resolved, Conditions};
use crate::response::Response;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct StaticFiles {
    /// URL prefix with leading and trailing slash, e.g. `/static/`.
    pub prefix: String,
    /// Canonical directories searched in order (`STATIC_ROOT`, then `STATICFILES_DIRS`).
    pub roots: Vec<PathBuf>,
}

/// The path under the prefix as safe relative segments; `None` for anything that could leave
/// the root (`..`, `.`, backslashes, NUL, empty names).
fn relative(rest: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for segment in rest.split('/') {
        if segment.is_empty()
            || segment == "."
            || segment == ".."
            || segment.contains(['\\', '\0'])
            || (cfg!(windows) && segment.contains(':'))
        {
            return None;
        }
        out.push(segment);
    }
    Some(out)
}

fn within_roots(rel: &Path, roots: &[PathBuf]) -> Option<PathBuf> {
    roots.iter().find_map(|root| {
        let canonical = std::fs::canonicalize(root.join(rel)).ok()?;
        (canonical.starts_with(root) && canonical.is_file()).then_some(canonical)
    })
}

/// `Some(response)` when the request is for a static file; `None` lets routing continue.
/// `finder` (Django's staticfiles finders, in DEBUG) locates a file by its path under the prefix
/// instead of the configured roots; it runs on the blocking pool.
pub async fn serve<F>(
    statics: &StaticFiles,
    finder: Option<F>,
    req: &HttpRequest,
) -> Option<Response>
where
    F: FnOnce(&str) -> Option<PathBuf> + Send + 'static,
{
    if !matches!(req.method, Method::Get | Method::Head) {
        return None;
    }
    let rest = req.path.strip_prefix(statics.prefix.as_str())?;
    let Some(rel) = relative(rest) else {
        return Some(Response::detail(404, "Not Found"));
    };
    let conditions = Conditions::capture(req);
    let roots = statics.roots.clone();
    let rest = rest.to_owned();
    let found = tokio::task::spawn_blocking(move || {
        let path = match finder {
            Some(find) => find(&rest),
            None => within_roots(&rel, &roots),
        }?;
        Some(serve_resolved(&path, &conditions))
    })
    .await;
    found.ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::relative;

    #[test]
    fn refuses_escaping_paths() {
        assert!(relative("css/site.css").is_some());
        assert!(relative("../settings.py").is_none());
        assert!(relative("a/./b").is_none());
        assert!(relative("a//b").is_none());
        assert!(relative("a\\..\\b").is_none());
        assert!(relative("a\0").is_none());
        assert!(relative("").is_none());
    }
}
