//! The server's WebSocket frame reader (tungstenite with the limits the server sets) over bytes
//! a client sent: masking, fragmentation, control frames, close codes, UTF-8 checks.
#![no_main]

use _core::websocket::session::frame_limits;
use libfuzzer_sys::fuzz_target;
use std::io::{Cursor, Read, Write};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocket};

/// Reads the fuzz input; writes (pongs, close replies) are discarded.
struct Wire(Cursor<Vec<u8>>);

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let mut ws = WebSocket::from_raw_socket(
        Wire(Cursor::new(data.to_vec())),
        Role::Server,
        Some(frame_limits(4096)),
    );
    // Each successful read consumes at least one frame header, so this ends; the bound is a guard.
    for _ in 0..data.len() + 2 {
        match ws.read() {
            Ok(message) => assert!(message.len() <= 4096),
            Err(_) => break,
        }
    }
});
