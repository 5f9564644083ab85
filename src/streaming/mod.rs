//! Bodies that are not one in-memory buffer: files (checked, conditional, ranged), static files,
//! chunk streams produced by Python iterators, and uploads received straight into form data.

pub mod static_files;
pub mod upload;
