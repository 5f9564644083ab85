//! `_core.resolve_response_file(path, allowed_roots)`: the check a `File`/`FileResponse` path gets
//! before it is served (`response::file::resolve`), for Python code that names a file to send.

use crate::response::file::{file_roots, resolve, Refusal};
use pyo3::exceptions::{PyFileNotFoundError, PyPermissionError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;

/// The real path of a regular file allowed by `allowed_roots` (any file when None).
/// `FileNotFoundError` when it does not exist, `PermissionError` when it is outside the roots or
/// has a `..` component, `ValueError` for a NUL byte, a symlink loop or a directory.
#[pyfunction]
#[pyo3(signature = (path, allowed_roots=None))]
pub fn resolve_response_file(
    path: PathBuf,
    allowed_roots: Option<Vec<PathBuf>>,
) -> PyResult<String> {
    let Some(text) = path.to_str() else {
        return Err(PyValueError::new_err(format!(
            "Invalid file path (not UTF-8): {path:?}"
        )));
    };
    if text.contains('\0') {
        return Err(PyValueError::new_err(
            "Invalid file path: it contains a NUL byte",
        ));
    }
    let roots = allowed_roots.map(|roots| {
        let names: Vec<String> = roots
            .iter()
            .map(|r| r.to_string_lossy().into_owned())
            .collect();
        file_roots(&names)
    });
    match resolve(text, roots.as_deref()) {
        Ok(real) if real.is_file() => Ok(real.to_string_lossy().into_owned()),
        Ok(real) => Err(PyValueError::new_err(format!(
            "{} is not a regular file",
            real.display()
        ))),
        Err(Refusal::Forbidden) => Err(PyPermissionError::new_err(format!(
            "File path is not allowed: {text}"
        ))),
        // The name exists but does not lead to a file: a symlink loop, or a file used as a folder.
        Err(Refusal::NotFound) if std::fs::symlink_metadata(&path).is_ok() => Err(
            PyValueError::new_err(format!("Invalid file path: {text} cannot be resolved")),
        ),
        Err(Refusal::NotFound) => Err(PyFileNotFoundError::new_err(format!(
            "File not found: {text}"
        ))),
    }
}
