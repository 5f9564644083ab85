//! `build_info()`: how this extension was built, captured by `build.rs` at compile time.

use pyo3::prelude::*;
use pyo3::types::PyDict;

fn list(joined: &str) -> Vec<&str> {
    joined.split(',').filter(|s| !s.is_empty()).collect()
}

/// Version, target triple, rustc, cargo profile and features of this build, as a dict.
#[pyfunction]
pub fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let info = PyDict::new(py);
    info.set_item("version", env!("CARGO_PKG_VERSION"))?;
    info.set_item("target", env!("BOLT_BUILD_TARGET"))?;
    info.set_item("host", env!("BOLT_BUILD_HOST"))?;
    info.set_item("rustc", env!("BOLT_BUILD_RUSTC"))?;
    info.set_item("profile", env!("BOLT_BUILD_PROFILE"))?;
    info.set_item("opt_level", env!("BOLT_BUILD_OPT_LEVEL"))?;
    info.set_item("debug_assertions", cfg!(debug_assertions))?;
    info.set_item("features", list(env!("BOLT_BUILD_FEATURES")))?;
    info.set_item("target_features", list(env!("BOLT_BUILD_TARGET_FEATURES")))?;
    info.set_item("rustflags", env!("BOLT_BUILD_RUSTFLAGS"))?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    #[test]
    fn captured_at_build_time() {
        assert!(!env!("BOLT_BUILD_TARGET").is_empty());
        assert!(env!("BOLT_BUILD_RUSTC").starts_with("rustc "));
        assert!(!env!("BOLT_BUILD_PROFILE").is_empty());
        assert_eq!(super::list("a,,b"), vec!["a", "b"]);
        assert!(super::list("").is_empty());
    }
}
