//! The Python side of the boundary: cached objects, value conversion, coroutine stepping.

pub mod convert;
pub mod coro;
pub mod refs;
pub mod thread;
