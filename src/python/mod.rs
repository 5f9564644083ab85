//! The Python side of the boundary: cached objects, value conversion, coroutine stepping.

pub mod chunk_queue;
pub mod convert;
pub mod cookie_date;
pub mod coro;
pub mod db;
pub mod error_format;
pub mod files;
pub mod locked_loop;
pub mod refs;
pub mod request;
pub mod response;
pub mod stream;
pub mod thread;
pub mod wake_batch;
