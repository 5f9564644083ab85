//! The in-process WebSocket client's stream: when the server negotiated `permessage-deflate`,
//! its compressed messages are inflated before tungstenite (which reads only plain frames) sees
//! them. The client sends its own messages uncompressed, which the extension allows.

use crate::websocket::deflate::{Inflater, InflatingRead};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};

/// Largest message the test client inflates (the server's own limit is usually far lower).
const CLIENT_LIMIT: usize = 64 * 1024 * 1024;

pub struct ClientWire {
    inner: DuplexStream,
    inflate: Option<Box<InflatingRead>>,
}

impl ClientWire {
    /// `early`: bytes read past the 101's head; with deflate they go through the inflater,
    /// otherwise the caller hands them to tungstenite itself.
    pub fn new(inner: DuplexStream, deflate: bool, early: &[u8]) -> ClientWire {
        let inflate = deflate.then(|| {
            Box::new(InflatingRead::new(
                Inflater::for_client(CLIENT_LIMIT),
                early.to_vec(),
            ))
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
        match this.inflate.as_mut() {
            Some(input) => input.poll_read(&mut this.inner, cx, buf, &mut 0),
            None => Pin::new(&mut this.inner).poll_read(cx, buf),
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
