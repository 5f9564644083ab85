//! Bodies that are not one in-memory buffer: files (checked, conditional, ranged), static files,
//! and chunk streams produced by Python iterators.

pub mod file;
pub mod spool;
pub mod static_files;
pub mod stream;
