//! `AuthRecord` and `GuardRecord`: a route's Rust-checked authentication.

use super::{nested_list, record};
use pyo3::prelude::*;

record! {
    /// Backends and guards of one route (`auth/compile.py`).
    pub struct AuthRecord {
        /// Compiled backends: `_core.JwtBackend` / `_core.ApiKeyBackend` objects.
        pub backends: Vec<Py<PyAny>>,
        #[pyo3(from_py_with = nested_list::<GuardRecord>)]
        pub guards: Vec<GuardRecord>,
        /// Session authentication may identify the caller in Python when Rust backends did not.
        pub python_backends: bool,
        /// `WWW-Authenticate` value on 401.
        pub challenge: String,
    }
}

record! {
    /// One guard checked in Rust.
    pub struct GuardRecord {
        /// `allow_any`, `authenticated` or `requires`.
        pub kind: String,
        /// `requires`: dotted claim path.
        pub claim: Option<String> = None,
        /// `requires`: `truthy`, `any_of`, `all_of` or `none_of`.
        pub quantifier: Option<String> = None,
        /// `requires`: the values, a JSON array.
        pub values: Option<String> = None,
        /// `requires`: the 403 detail.
        pub message: Option<String> = None,
    }
}
