//! Gives the memory of a burst back to the OS once its connections went idle.
//!
//! A busy connection holds its boxed request future and a head buffer; when thousands of
//! connections go idle at once, glibc keeps what they freed in its arenas (in holes between the
//! small allocations that idle connections keep), so the process stays at the burst's peak RSS.
//! `malloc_trim` releases those free pages. After many connections parked, one trim is scheduled
//! a second later (when the rest of the burst has parked too) on the blocking pool: a server that
//! never idles many connections never calls it, and no request waits for it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Parked connections that schedule a trim.
const TRIM_AFTER_PARKS: usize = 256;
/// How long after the trigger the trim runs (connections of the same burst park meanwhile).
const TRIM_DELAY: Duration = Duration::from_secs(1);

static PARKED_SINCE_TRIM: AtomicUsize = AtomicUsize::new(0);
static TRIM_SCHEDULED: AtomicBool = AtomicBool::new(false);

/// Called by a connection that just gave up its buffers (it went idle).
pub fn connection_parked() {
    if PARKED_SINCE_TRIM.fetch_add(1, Ordering::Relaxed) + 1 < TRIM_AFTER_PARKS
        || TRIM_SCHEDULED.swap(true, Ordering::AcqRel)
    {
        return;
    }
    PARKED_SINCE_TRIM.store(0, Ordering::Relaxed);
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            handle.spawn(async {
                tokio::time::sleep(TRIM_DELAY).await;
                let _ = tokio::task::spawn_blocking(trim).await;
                TRIM_SCHEDULED.store(false, Ordering::Release);
            });
        }
        Err(_) => TRIM_SCHEDULED.store(false, Ordering::Release),
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only walks glibc's own arenas, taking their locks itself.
    unsafe { libc::malloc_trim(0) };
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_parked_connections_schedule_one_trim_that_runs_later() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            for _ in 0..TRIM_AFTER_PARKS - 1 {
                connection_parked();
            }
            assert!(
                !TRIM_SCHEDULED.load(Ordering::Acquire),
                "scheduled before the threshold"
            );
            connection_parked();
            assert!(
                TRIM_SCHEDULED.load(Ordering::Acquire),
                "not scheduled at the threshold"
            );
            // Parks during the delay count toward the next trim but schedule none now.
            connection_parked();
            assert_eq!(PARKED_SINCE_TRIM.load(Ordering::Relaxed), 1);
            let deadline = tokio::time::Instant::now() + TRIM_DELAY * 10;
            while TRIM_SCHEDULED.load(Ordering::Acquire) {
                assert!(tokio::time::Instant::now() < deadline, "the trim never ran");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
    }
}
