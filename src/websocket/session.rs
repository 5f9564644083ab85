//! An accepted connection: moves frames between the socket and the handler's channels until
//! one side closes. tungstenite does the framing (masking, fragmentation, control frames,
//! UTF-8, size limits) and answers pings and close frames itself. The loop here adds the
//! server's keepalive pings and the idle timeout, and counts the bytes each way.

use super::channel::Outgoing;
use super::deflate::{is_too_big, Deflater, Inflater, InflatingRead};
use super::inbox::{Inbox, Incoming};
use super::Handler;
use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use pyo3::prelude::*;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::error::{Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Bytes read from the socket at a time (and held by an idle connection).
const READ_BUFFER: usize = 8 * 1024;

/// How long a closing connection waits for the peer's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

pub const NORMAL: u16 = 1000;
pub const GOING_AWAY: u16 = 1001;
pub const ABNORMAL: u16 = 1006;
pub const INTERNAL_ERROR: u16 = 1011;

/// The timers of an open connection (from the `BOLT_WS_*` settings).
#[derive(Clone, Copy)]
pub struct Limits {
    pub max_message: usize,
    pub ping_interval: Option<Duration>,
    pub ping_timeout: Duration,
    pub idle_timeout: Option<Duration>,
    /// `permessage-deflate` was negotiated.
    pub deflate: bool,
}

impl Limits {
    pub fn of(config: &crate::config::ServerConfig) -> Limits {
        Limits {
            max_message: config.ws_max_message_bytes,
            ping_interval: config.ws_ping_interval,
            ping_timeout: config.ws_ping_timeout,
            idle_timeout: config.ws_idle_timeout,
            deflate: false,
        }
    }
}

/// How a session went, for the access log.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// The close code the handler saw (1006 when the connection broke without a close frame).
    pub close_code: Option<u16>,
}

/// The socket, counting the bytes read and written (frames and their headers), with
/// `permessage-deflate` done on the way through when negotiated.
struct Wire<S> {
    inner: S,
    read: u64,
    written: u64,
    deflate: Option<Box<Codec>>,
}

/// Buffers of the deflate layer: bytes from the socket not yet inflated, inflated bytes not yet
/// read by tungstenite, tungstenite's bytes not yet deflated, deflated bytes not yet written.
struct Codec {
    input: InflatingRead,
    deflater: Deflater,
    raw_out: Vec<u8>,
    ready_out: Vec<u8>,
}

/// Deflated bytes held for a slow peer before writes wait for it.
const DEFLATED_BACKLOG: usize = 256 * 1024;

impl<S: AsyncWrite + Unpin> Wire<S> {
    /// Writes out what the deflate layer holds; `Pending` (with the waker registered) if the
    /// socket cannot take it all now.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(codec) = self.deflate.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        while !codec.ready_out.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &codec.ready_out) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.written += n as u64;
                    codec.ready_out.drain(..n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Wire<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let Some(codec) = this.deflate.as_mut() else {
            let before = buf.filled().len();
            let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
            this.read += (buf.filled().len() - before) as u64;
            return polled;
        };
        codec
            .input
            .poll_read(&mut this.inner, cx, buf, &mut this.read)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Wire<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.deflate.is_none() {
            let polled = Pin::new(&mut this.inner).poll_write(cx, data);
            if let Poll::Ready(Ok(n)) = polled {
                this.written += n as u64;
            }
            return polled;
        }
        if let Poll::Ready(Err(e)) = this.drain(cx) {
            return Poll::Ready(Err(e));
        }
        let Some(codec) = this.deflate.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        if codec.ready_out.len() > DEFLATED_BACKLOG {
            // `drain` registered the waker: the socket is full.
            return Poll::Pending;
        }
        codec.raw_out.extend_from_slice(data);
        codec
            .deflater
            .transcode(&mut codec.raw_out, &mut codec.ready_out);
        // Written now if the socket takes it: tungstenite does not always flush (its last close
        // frame is only written), and the rest goes out with the next write or flush.
        if let Poll::Ready(Err(e)) = this.drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

/// Keepalive and idle bookkeeping: when the next timer is due and what it means.
struct Timers {
    limits: Limits,
    /// A ping is out: the peer must show itself by then (with `bytes_in` as it was at the ping).
    awaiting: Option<(Instant, u64)>,
    next_ping: Option<Instant>,
    last_message: Instant,
}

enum Due {
    Ping,
    PeerGone,
    Idle,
}

impl Timers {
    fn new(limits: Limits) -> Timers {
        let now = Instant::now();
        Timers {
            limits,
            awaiting: None,
            next_ping: limits.ping_interval.map(|i| now + i),
            last_message: now,
        }
    }

    fn wake_at(&self) -> Option<Instant> {
        let keepalive = match self.awaiting {
            Some((deadline, _)) => Some(deadline),
            None => self.next_ping,
        };
        let idle = self.limits.idle_timeout.map(|t| self.last_message + t);
        match (keepalive, idle) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// What is due now; `bytes_in` so far and whether reading is paused (a full inbox: the
    /// peer's pong may be waiting unread, so it is given the benefit of the doubt).
    fn due(&mut self, now: Instant, bytes_in: u64, paused: bool) -> Option<Due> {
        if let Some(idle) = self.limits.idle_timeout {
            if now >= self.last_message + idle {
                return Some(Due::Idle);
            }
        }
        match self.awaiting {
            Some((deadline, at_ping)) if now >= deadline => {
                if bytes_in > at_ping || paused {
                    self.alive(now);
                    None
                } else {
                    Some(Due::PeerGone)
                }
            }
            Some(_) => None,
            None => match self.next_ping {
                Some(at) if now >= at => {
                    self.awaiting = Some((now + self.limits.ping_timeout, bytes_in));
                    Some(Due::Ping)
                }
                _ => None,
            },
        }
    }

    /// The peer answered (a pong, or anything read since the ping).
    fn alive(&mut self, now: Instant) {
        if self.awaiting.take().is_some() {
            self.next_ping = self.limits.ping_interval.map(|i| now + i);
        }
    }
}

/// The close frame to send for a read error, if one can still be sent.
fn close_for(error: &WsError) -> Option<(u16, &'static str)> {
    match error {
        WsError::Capacity(_) => Some((1009, "Message too big")),
        WsError::Io(e) if is_too_big(e) => Some((1009, "Message too big")),
        WsError::Utf8(_) => Some((1007, "Invalid UTF-8 in a text message")),
        // The peer went away without a close frame: nobody is left to tell.
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
        WsError::Protocol(_) => Some((1002, "Protocol error")),
        _ => None,
    }
}

fn close_message(code: u16, reason: &str) -> Message {
    Outgoing::Close(code, reason.to_owned()).into_message()
}

/// The close code for a finished handler: its returned int, or 1011 after an exception.
fn code_of(outcome: crate::python::coro::Outcome) -> u16 {
    Python::attach(|py| match outcome {
        Ok(value) => value.bind(py).extract::<u16>().unwrap_or(NORMAL),
        Err(e) => {
            e.write_unraisable(py, None);
            INTERNAL_ERROR
        }
    })
}

/// What the loop does next.
enum Next {
    Continue,
    /// We sent a close frame: wait for the peer's, then end.
    Closing(u16, String),
    /// Done with the socket (the peer closed, or it broke).
    End,
}

pub async fn run<S>(
    stream: S,
    buffered: BytesMut,
    limits: Limits,
    incoming: Arc<Inbox>,
    outgoing: mpsc::Receiver<Outgoing>,
    handler: Handler,
    shutdown: Option<watch::Receiver<bool>>,
) -> Summary
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // tungstenite's 128 KiB default read buffer is allocated per connection up front: with
    // thousands of idle connections that is most of their memory. Larger frames still get a
    // buffer of their size when they arrive.
    let config = frame_limits(limits.max_message).read_buffer_size(READ_BUFFER);
    // With deflate, bytes read past the request head go through the inflater like the rest.
    let (deflate, buffered) = match limits.deflate {
        true => (
            Some(Box::new(Codec {
                input: InflatingRead::new(Inflater::new(limits.max_message), buffered.to_vec()),
                deflater: Deflater::new(),
                raw_out: Vec::new(),
                ready_out: Vec::new(),
            })),
            Vec::new(),
        ),
        false => (None, buffered.to_vec()),
    };
    let wire = Wire {
        inner: stream,
        read: buffered.len() as u64,
        written: 0,
        deflate,
    };
    let mut ws =
        WebSocketStream::from_partially_read(wire, buffered, Role::Server, Some(config)).await;
    let inbox = Arc::clone(&incoming);
    let close_code = pump(&mut ws, limits, incoming, outgoing, handler, shutdown).await;
    // However the connection ended, a receive still waiting must hear of it.
    inbox.end();
    // What the deflate layer still holds (the last close frame, say), for a bounded time.
    let _ = tokio::time::timeout(CLOSE_WAIT, ws.get_mut().flush()).await;
    let socket = ws.get_ref();
    Summary {
        bytes_in: socket.read,
        bytes_out: socket.written,
        close_code,
    }
}

/// The frame reader's limits: no frame or message larger than `max_message` is buffered.
/// Public so the fuzz targets (`fuzz/`) read frames exactly as the server does.
pub fn frame_limits(max_message: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(max_message))
        .max_frame_size(Some(max_message))
}

/// Runs the connection; returns the close code the handler was told.
async fn pump<S>(
    ws: &mut WebSocketStream<Wire<S>>,
    limits: Limits,
    incoming: Arc<Inbox>,
    mut outgoing: mpsc::Receiver<Outgoing>,
    handler: Handler,
    shutdown: Option<watch::Receiver<bool>>,
) -> Option<u16>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let incoming = Reported::new(incoming);
    let mut running = match handler {
        Handler::Running(rx) => Some(rx),
        Handler::Done(outcome) => {
            // Accepted and finished in its first step: send what it queued, then close.
            let code = code_of(outcome);
            finish_handler(ws, &mut outgoing, &incoming, code).await;
            return incoming.code();
        }
    };
    let mut shutdown = shutdown;
    let mut timers = Timers::new(limits);
    // One timer, moved as the deadlines move (a new one per loop turn would cost an allocation).
    let far = Instant::now() + Duration::from_secs(86_400 * 365);
    let timer = tokio::time::sleep_until(timers.wake_at().unwrap_or(far));
    tokio::pin!(timer);
    // A write to a peer that stopped reading must not hang the connection past the keepalive.
    let write_limit = limits.ping_interval.map(|i| i + limits.ping_timeout);
    let next = loop {
        if let Some(at) = timers.wake_at() {
            if timer.deadline() != at {
                timer.as_mut().reset(at);
            }
        }
        let step = tokio::select! {
            item = outgoing.recv() => match item {
                Some(item) => {
                    timers.last_message = Instant::now();
                    match write_limit {
                        Some(limit) => tokio::time::timeout(limit, send_batch(ws, item, &mut outgoing))
                            .await
                            .unwrap_or_else(|_| incoming.closed(ABNORMAL, "")),
                        None => send_batch(ws, item, &mut outgoing).await,
                    }
                }
                // The Python side dropped its sender, usually because the handler just returned and
                // its WebSocket was freed: its outcome decides the close code (racing it here
                // used to end the connection without a close frame, seen by the client as 1006).
                None => match running.take() {
                    Some(rx) => {
                        let code = code_of(rx.await.unwrap_or_else(|_| Err(super::lost_handler())));
                        finish_handler(ws, &mut outgoing, &incoming, code).await;
                        Next::End
                    }
                    None => match ws.send(close_message(NORMAL, "")).await {
                        Ok(()) => Next::Closing(NORMAL, String::new()),
                        Err(_) => Next::End,
                    },
                },
            },
            message = ws.next(), if !incoming.is_full() => read(ws, message, &incoming, &mut timers).await,
            // The handler has not taken the queued messages yet: stop reading until it does.
            _ = incoming.room(), if incoming.is_full() => Next::Continue,
            outcome = async {
                match running.as_mut() {
                    Some(rx) => rx.await,
                    None => std::future::pending().await,
                }
            }, if running.is_some() => {
                running = None;
                let code = code_of(outcome.unwrap_or_else(|_| Err(super::lost_handler())));
                finish_handler(ws, &mut outgoing, &incoming, code).await;
                Next::End
            },
            () = &mut timer => {
                let now = Instant::now();
                match timers.due(now, ws.get_ref().read, incoming.is_full()) {
                    None => {
                        if timers.wake_at().is_none() {
                            timer.as_mut().reset(far);
                        }
                        Next::Continue
                    }
                    Some(Due::Ping) => {
                        let ping = ws.send(Message::Ping(Default::default()));
                        match tokio::time::timeout(limits.ping_timeout, ping).await {
                            Ok(Ok(())) => Next::Continue,
                            _ => incoming.closed(ABNORMAL, "keepalive ping timeout"),
                        }
                    }
                    Some(Due::PeerGone) => {
                        // The peer is presumed gone: tell it (in case it is only slow) without
                        // waiting for an answer; the handler hears of a connection lost.
                        let _ = tokio::time::timeout(
                            CLOSE_WAIT,
                            ws.send(close_message(INTERNAL_ERROR, "keepalive ping timeout")),
                        )
                        .await;
                        incoming.closed(ABNORMAL, "keepalive ping timeout")
                    }
                    Some(Due::Idle) => match ws.send(close_message(GOING_AWAY, "Idle timeout")).await {
                        Ok(()) => Next::Closing(GOING_AWAY, "Idle timeout".into()),
                        Err(_) => incoming.closed(ABNORMAL, ""),
                    },
                }
            },
            _ = stopping(&mut shutdown) => {
                shutdown = None;
                match ws.send(close_message(GOING_AWAY, "Server shutting down")).await {
                    Ok(()) => Next::Closing(GOING_AWAY, "Server shutting down".into()),
                    Err(_) => Next::End,
                }
            }
        };
        match step {
            Next::Continue => continue,
            other => break other,
        }
    };
    match next {
        Next::Closing(code, reason) => {
            await_peer_close(ws).await;
            incoming.push(Incoming::Closed { code, reason });
        }
        Next::End | Next::Continue => {}
    }
    incoming.code()
}

/// The inbox, remembering the close code the handler is told.
struct Reported {
    inbox: Arc<Inbox>,
    /// 0 until a close code is reported (0 is no close code).
    code: AtomicU16,
}

impl Reported {
    fn new(inbox: Arc<Inbox>) -> Reported {
        Reported {
            inbox,
            code: AtomicU16::new(0),
        }
    }

    fn push(&self, item: Incoming) {
        if let Incoming::Closed { code, .. } = &item {
            self.code.store(*code, Ordering::Relaxed);
        }
        self.inbox.push(item);
    }

    fn closed(&self, code: u16, reason: &str) -> Next {
        self.push(Incoming::Closed {
            code,
            reason: reason.to_owned(),
        });
        Next::End
    }

    fn is_full(&self) -> bool {
        self.inbox.is_full()
    }

    async fn room(&self) {
        self.inbox.room().await
    }

    fn code(&self) -> Option<u16> {
        Some(self.code.load(Ordering::Relaxed)).filter(|&c| c != 0)
    }
}

/// Resolves when the server starts shutting down; never without a shutdown signal.
async fn stopping(shutdown: &mut Option<watch::Receiver<bool>>) {
    match shutdown {
        Some(rx) => {
            if !*rx.borrow() && rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

async fn read<S>(
    ws: &mut WebSocketStream<S>,
    message: Option<Result<Message, WsError>>,
    incoming: &Reported,
    timers: &mut Timers,
) -> Next
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let closed = |code: u16, reason: String| {
        incoming.push(Incoming::Closed { code, reason });
        Next::End
    };
    let now = Instant::now();
    timers.alive(now);
    match message {
        Some(Ok(Message::Text(text))) => {
            timers.last_message = now;
            incoming.push(Incoming::Text(text));
            Next::Continue
        }
        Some(Ok(Message::Binary(data))) => {
            timers.last_message = now;
            incoming.push(Incoming::Bytes(data));
            Next::Continue
        }
        // tungstenite queued the pong; the next read or write sends it.
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Next::Continue,
        Some(Ok(Message::Close(frame))) => {
            // Sends tungstenite's queued reply to the close frame.
            let _ = ws.flush().await;
            let (code, reason) = match frame {
                Some(f) => (u16::from(f.code), f.reason.as_str().to_owned()),
                None => (u16::from(CloseCode::Status), String::new()),
            };
            closed(code, reason)
        }
        Some(Err(error)) => match close_for(&error) {
            Some((code, reason)) => {
                let _ = ws.send(close_message(code, reason)).await;
                closed(code, reason.to_owned())
            }
            None => closed(ABNORMAL, String::new()),
        },
        None => closed(ABNORMAL, String::new()),
    }
}

/// Sends `first` and whatever else is queued, flushing once. Stops at a close frame.
async fn send_batch<S>(
    ws: &mut WebSocketStream<S>,
    first: Outgoing,
    outgoing: &mut mpsc::Receiver<Outgoing>,
) -> Next
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut item = first;
    loop {
        if let Outgoing::Close(code, reason) = &item {
            let (code, reason) = (*code, reason.clone());
            return match ws.send(item.into_message()).await {
                Ok(()) => Next::Closing(code, reason),
                Err(_) => Next::End,
            };
        }
        if ws.feed(item.into_message()).await.is_err() {
            return Next::End;
        }
        match outgoing.try_recv() {
            Ok(next) => item = next,
            Err(_) => break,
        }
    }
    match ws.flush().await {
        Ok(()) => Next::Continue,
        Err(_) => Next::End,
    }
}

/// The handler returned: send what it queued, close with `code` unless it closed itself.
async fn finish_handler<S>(
    ws: &mut WebSocketStream<S>,
    outgoing: &mut mpsc::Receiver<Outgoing>,
    incoming: &Reported,
    code: u16,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    outgoing.close();
    let mut closing = None;
    while let Ok(item) = outgoing.try_recv() {
        match send_batch(ws, item, outgoing).await {
            Next::Continue => {}
            Next::Closing(c, r) => {
                closing = Some((c, r));
                break;
            }
            Next::End => return,
        }
    }
    if closing.is_none() {
        if ws.send(close_message(code, "")).await.is_err() {
            return;
        }
        closing = Some((code, String::new()));
    }
    await_peer_close(ws).await;
    if let Some((code, reason)) = closing {
        incoming.push(Incoming::Closed { code, reason });
    }
}

/// After our close frame: reads (and drops) until the peer's close frame, for a bounded time.
async fn await_peer_close<S>(ws: &mut WebSocketStream<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(message)) = ws.next().await {
            if message.is_close() {
                break;
            }
        }
    })
    .await;
}
