//! The in-process WebSocket client's stream: when the server negotiated `permessage-deflate`,
//! its compressed messages are inflated before tungstenite (which reads only plain frames) sees
//! them. The client sends its own messages uncompressed, which the extension allows.

use crate::websocket::deflate::Inflater;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};

/// Largest message the test client inflates (the server's own limit is usually far lower).
const CLIENT_LIMIT: usize = 64 * 1024 * 1024;

pub struct ClientWire {
    inner: DuplexStream,
    inflate: Option<Box<Inflating>>,
}

struct Inflating {
    inflater: Inflater,
    /// Bytes from the server not yet inflated.
    raw: Vec<u8>,
    /// Plain frames not yet read by tungstenite.
    ready: Vec<u8>,
    pos: usize,
}

impl ClientWire {
    /// `early`: bytes read past the 101's head; with deflate they go through the inflater,
    /// otherwise the caller hands them to tungstenite itself.
    pub fn new(inner: DuplexStream, deflate: bool, early: &[u8]) -> ClientWire {
        let inflate = deflate.then(|| {
            Box::new(Inflating {
                inflater: Inflater::for_client(CLIENT_LIMIT),
                raw: early.to_vec(),
                ready: Vec::new(),
                pos: 0,
            })
        });
        ClientWire { inner, inflate }
    }
}

impl AsyncRead for ClientWire {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let Some(state) = this.inflate.as_mut() else {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        };
        loop {
            if state.pos < state.ready.len() {
                let n = buf.remaining().min(state.ready.len() - state.pos);
                buf.put_slice(&state.ready[state.pos..state.pos + n]);
                state.pos += n;
                if state.pos == state.ready.len() {
                    state.ready.clear();
                    state.pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if !state.raw.is_empty() {
                state.inflater.transcode(&mut state.raw, &mut state.ready)?;
                if !state.ready.is_empty() {
                    continue;
                }
            }
            let mut chunk = [0u8; 8 * 1024];
            let mut read = ReadBuf::new(&mut chunk);
            match Pin::new(&mut this.inner).poll_read(cx, &mut read) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            let got = read.filled();
            if got.is_empty() {
                // End of stream: what is left goes to tungstenite as it is, to report.
                if state.raw.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                state.ready.append(&mut state.raw);
                continue;
            }
            state.raw.extend_from_slice(got);
        }
    }
}

impl AsyncWrite for ClientWire {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
