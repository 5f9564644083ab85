//! Records how this build was made, for `django_bolt.build_info()` and `django-bolt doctor`.
//!
//! Everything here is read from what cargo hands a build script; the values reach
//! `src/build_info.rs` as `BOLT_BUILD_*` compile-time environment variables.

use std::env;
use std::path::Path;
use std::process::Command;

fn var(name: &str) -> String {
    env::var(name).unwrap_or_default()
}

/// `rustc -V` of the compiler cargo is using (the one that builds the extension).
fn rustc_version() -> String {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The cargo profile's name. Cargo only tells a build script `release` or `debug`, so the
/// name is taken from the output directory (`<target>/[<triple>/]<profile>/build/<pkg>/out`),
/// where custom profiles such as `quick-release` get their own folder.
fn profile() -> String {
    let out_dir = var("OUT_DIR");
    let mut parts = Path::new(&out_dir).ancestors().skip(2);
    let build = parts
        .next()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    let dir = parts
        .next()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    match (build, dir) {
        (Some("build"), Some("debug")) => "dev".to_owned(),
        (Some("build"), Some(name)) => name.to_owned(),
        _ => match var("PROFILE").as_str() {
            "debug" => "dev".to_owned(),
            other => other.to_owned(),
        },
    }
}

/// This crate's enabled cargo features, sorted and comma-separated.
fn features() -> String {
    // Newer cargo passes the exact names; older ones only the upper-cased CARGO_FEATURE_* vars.
    let mut names: Vec<String> = match env::var("CARGO_CFG_FEATURE") {
        Ok(list) => list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Err(_) => env::vars()
            .filter_map(|(key, _)| {
                key.strip_prefix("CARGO_FEATURE_")
                    .map(|name| name.to_lowercase().replace('_', "-"))
            })
            .collect(),
    };
    names.sort();
    names.dedup();
    names.join(",")
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let rustflags = var("CARGO_ENCODED_RUSTFLAGS").replace('\x1f', " ");
    let values = [
        ("BOLT_BUILD_TARGET", var("TARGET")),
        ("BOLT_BUILD_HOST", var("HOST")),
        ("BOLT_BUILD_RUSTC", rustc_version()),
        ("BOLT_BUILD_PROFILE", profile()),
        ("BOLT_BUILD_OPT_LEVEL", var("OPT_LEVEL")),
        ("BOLT_BUILD_FEATURES", features()),
        (
            "BOLT_BUILD_TARGET_FEATURES",
            var("CARGO_CFG_TARGET_FEATURE"),
        ),
        ("BOLT_BUILD_RUSTFLAGS", rustflags.trim().to_owned()),
    ];
    for (key, value) in values {
        // rustc-env values are single lines.
        let value = value.replace(['\n', '\r'], " ");
        println!("cargo:rustc-env={key}={value}");
    }
}
