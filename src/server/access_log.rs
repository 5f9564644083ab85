//! One JSON line per request on stderr, written by a background thread so workers never block
//! on the terminal. Bodies, headers (so `Authorization` and cookies) and query strings are never
//! logged.

use serde::Serialize;
use std::io::Write;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

#[derive(Serialize)]
pub struct Entry {
    pub time: String,
    pub client: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub bytes: usize,
    pub duration_ms: f64,
    /// WebSocket requests only: one line per session, written when it ends (`duration_ms`
    /// spans the session, `bytes` counts what was sent after the 101).
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub websocket: Option<WebSocketSession>,
}

#[derive(Serialize)]
pub struct WebSocketSession {
    pub bytes_in: u64,
    /// The close code the handler saw (1006: the connection broke without a close frame);
    /// `null` when the upgrade was refused.
    pub close_code: Option<u16>,
}

fn sender() -> &'static SyncSender<Entry> {
    static SENDER: OnceLock<SyncSender<Entry>> = OnceLock::new();
    SENDER.get_or_init(|| {
        let (tx, rx) = sync_channel::<Entry>(16 * 1024);
        let spawned = std::thread::Builder::new()
            .name("bolt-access-log".into())
            .spawn(move || {
                let stderr = std::io::stderr();
                let mut lines = Vec::new();
                while let Ok(first) = rx.recv() {
                    encode_line(&mut lines, &first);
                    while lines.len() < WRITE_BATCH_BYTES {
                        match rx.try_recv() {
                            Ok(entry) => encode_line(&mut lines, &entry),
                            Err(_) => break,
                        }
                    }
                    // stderr is unbuffered: one write of whole lines, so neither a reader of
                    // the log nor another writer to fd 2 (Python's logging) sees half a line.
                    let _ = stderr.lock().write_all(&lines);
                    lines.clear();
                }
            });
        if let Err(e) = spawned {
            eprintln!("django-bolt: access log disabled: {e}");
        }
        tx
    })
}

/// Whole lines gathered before one write to stderr.
const WRITE_BATCH_BYTES: usize = 64 * 1024;

/// Appends `entry` as one JSON line.
fn encode_line(lines: &mut Vec<u8>, entry: &Entry) {
    let start = lines.len();
    if serde_json::to_writer(&mut *lines, entry).is_ok() {
        lines.push(b'\n');
    } else {
        lines.truncate(start);
    }
}

pub fn log(entry: Entry) {
    // A full queue drops the line rather than stalling request handling.
    if let Err(TrySendError::Full(_)) = sender().try_send(entry) {
        static WARNED: OnceLock<()> = OnceLock::new();
        WARNED.get_or_init(|| eprintln!("django-bolt: access log queue full; dropping lines"));
    }
}

pub fn now_rfc3339() -> String {
    httpdate_like(SystemTime::now())
}

fn httpdate_like(t: SystemTime) -> String {
    let since = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let (year, month, day) = crate::response::date::civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{:03}Z",
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_entry_is_one_whole_json_line() {
        let entry = |path: &str| Entry {
            time: "t".into(),
            client: "127.0.0.1".into(),
            method: "GET".into(),
            path: path.into(),
            status: 200,
            bytes: 2,
            duration_ms: 0.5,
            websocket: None,
        };
        let mut lines = Vec::new();
        encode_line(&mut lines, &entry("/a"));
        encode_line(&mut lines, &entry("/b\n"));
        let text = String::from_utf8(lines).unwrap();
        let parsed: Vec<serde_json::Value> = text
            .strip_suffix('\n')
            .unwrap()
            .split('\n')
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1]["path"], "/b\n");
    }

    #[test]
    fn formats_utc_timestamps() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(httpdate_like(t), "2023-11-14T22:13:20.123Z");
    }
}
