//! `STATIC_URL` served from disk by Rust with the same validators and ranges as file responses.
//! In DEBUG, Django's staticfiles finders (Python) locate the file instead of the fixed roots.

use crate::request::{HttpRequest, Method};
use crate::response::file::{serve_resolved, Conditions};
use crate::response::Response;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct StaticFiles {
    /// URL prefix with leading and trailing slash, e.g. `/static/`.
    pub prefix: String,
    /// Canonical directories searched in order (`STATIC_ROOT`, then `STATICFILES_DIRS`).
    pub roots: Vec<PathBuf>,
    /// User uploads (`MEDIA_ROOT`): a file of a type a browser runs as script in the site's
    /// origin (HTML, SVG, XML, JavaScript, WebAssembly) is sent as a download, never inline.
    pub uploads: bool,
    /// Headers the configuration adds to this directory's answers.
    pub headers: FileHeaders,
}

/// `Cache-Control` (on a file sent or still fresh: 200, 206, 304) and the content security
/// policies (on every answer, as `nosniff`), from the settings.
#[derive(Clone, Debug, Default)]
pub struct FileHeaders {
    cache_control: Option<Cow<'static, str>>,
    csp: Option<Cow<'static, str>>,
    csp_report_only: Option<Cow<'static, str>>,
}

impl FileHeaders {
    pub fn new(
        cache_control: Option<String>,
        csp: Option<String>,
        csp_report_only: Option<String>,
    ) -> FileHeaders {
        FileHeaders {
            cache_control: cache_control.map(Cow::Owned),
            csp: csp.map(Cow::Owned),
            csp_report_only: csp_report_only.map(Cow::Owned),
        }
    }

    fn apply(&self, resp: &mut Response) {
        if let Some(value) = &self.cache_control {
            // A cached miss would hide a file uploaded later.
            if matches!(resp.status, 200 | 206 | 304) {
                resp.headers.push(("cache-control".into(), value.clone()));
            }
        }
        if let Some(value) = &self.csp {
            resp.headers
                .push(("content-security-policy".into(), value.clone()));
        }
        if let Some(value) = &self.csp_report_only {
            resp.headers
                .push(("content-security-policy-report-only".into(), value.clone()));
        }
    }
}

/// Extensions of files a browser would render or run in the site's origin (stored XSS).
const SCRIPTABLE_EXTENSIONS: &[&str] = &[
    "htm", "html", "shtml", "xhtml", "xht", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs",
    "wasm",
];

fn is_scriptable(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        SCRIPTABLE_EXTENSIONS
            .iter()
            .any(|s| e.eq_ignore_ascii_case(s))
    })
}

/// Headers every answer for a file path gets: `nosniff` (the browser keeps the declared type),
/// the configured ones, and for an upload of a scriptable type an inert type and `attachment`.
fn harden(mut resp: Response, scriptable_upload: bool, headers: &FileHeaders) -> Response {
    headers.apply(&mut resp);
    if scriptable_upload && resp.status < 300 {
        resp.headers
            .retain(|(k, _)| k != "content-type" && k != "content-disposition");
        resp.headers
            .push(("content-type".into(), "application/octet-stream".into()));
        resp.headers
            .push(("content-disposition".into(), "attachment".into()));
    }
    resp.with_header("x-content-type-options", "nosniff")
}

/// The path under the prefix as safe relative segments; `None` for anything that could leave
/// the root (`..`, `.`, backslashes, NUL, empty names) and for dotfiles (`.env`, `.git/config`:
/// never served, as nginx and Apache deny them by default).
fn relative(rest: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for segment in rest.split('/') {
        if segment.is_empty()
            || segment.starts_with('.')
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

impl StaticFiles {
    /// A GET or HEAD under the prefix that found no file and no route: its 404 gets the headers
    /// of the directory's answers (no `Cache-Control`: a cached miss would hide a file added
    /// later).
    pub fn harden_miss(&self, req: &HttpRequest, resp: Response) -> Response {
        // An answer of the file server itself has them already.
        let covered = matches!(req.method, Method::Get | Method::Head)
            && req.path.starts_with(&self.prefix)
            && !resp.has_header("x-content-type-options");
        if covered {
            harden(resp, false, &self.headers)
        } else {
            resp
        }
    }
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
        return Some(harden(
            Response::detail(404, "Not Found"),
            false,
            &statics.headers,
        ));
    };
    let scriptable_upload = statics.uploads && is_scriptable(&rel);
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
    found
        .ok()
        .flatten()
        .map(|resp| harden(resp, scriptable_upload, &statics.headers))
}

#[cfg(test)]
mod tests {
    use super::{is_scriptable, relative};
    use std::path::Path;

    #[test]
    fn scriptable_types_are_known_by_extension() {
        assert!(is_scriptable(Path::new("a/evil.HTML")));
        assert!(is_scriptable(Path::new("evil.svg")));
        assert!(!is_scriptable(Path::new("photo.png")));
        assert!(!is_scriptable(Path::new("README")));
    }

    #[test]
    fn refuses_escaping_paths() {
        assert!(relative("css/site.css").is_some());
        assert!(relative("../settings.py").is_none());
        assert!(relative("a/./b").is_none());
        assert!(relative("a//b").is_none());
        assert!(relative("a\\..\\b").is_none());
        assert!(relative("a\0").is_none());
        assert!(relative("").is_none());
        assert!(relative(".env").is_none());
        assert!(relative("a/.git/config").is_none());
        assert!(relative("a/file.tar.gz").is_some());
    }
}
