//! The connection task's own future: what every idle keep-alive connection holds.

use super::*;

/// `size_of` the future an async fn returns, without calling it.
fn future_size<A, B, C, D, F: std::future::Future>(_: &impl Fn(A, B, C, D) -> F) -> usize {
    std::mem::size_of::<F>()
}

/// The request pipeline's state lives in `busy`'s boxed future, not in the task of a waiting
/// connection; this was 4,528 bytes while the whole pipeline was inline. A change that puts it
/// back (or a large local kept across the wait) fails here instead of in an idle-memory bench.
#[test]
fn an_idle_connection_future_stays_small() {
    let size = future_size(&serve);
    eprintln!("conn::serve future: {size} bytes");
    assert!(size <= 1024, "conn::serve's future is {size} bytes");
}
