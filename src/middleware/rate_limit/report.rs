//! The server-output line of a rate-limit refusal: the route and its limit, never the client's
//! key (an API key or a header value is a credential). At most one line a second per process,
//! with the count of the refusals since the last one, so a flood of 429s cannot flood the log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The second of the last line written.
static LAST_LINE_SECOND: AtomicU64 = AtomicU64::new(0);
/// Refusals not reported by a line yet.
static UNREPORTED: AtomicU64 = AtomicU64::new(0);

/// Counts one refusal of `route` and writes the line when none was written this second.
pub fn refusal(route: &str, key: &str, rate: f64, burst: f64, retry_after: u64) {
    let second = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let last = LAST_LINE_SECOND.load(Ordering::Relaxed);
    let writes = second > last
        && LAST_LINE_SECOND
            .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok();
    if !writes {
        UNREPORTED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let earlier = UNREPORTED.swap(0, Ordering::Relaxed);
    let more = if earlier > 0 {
        format!(" (and {earlier} more refusals since the last line)")
    } else {
        String::new()
    };
    eprintln!(
        "django-bolt: Rate limit exceeded: {route} | key: {key} | limit: {rate} rps (burst: {burst}) | retry after: {retry_after}s{more}"
    );
}
