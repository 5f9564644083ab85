//! An accepted connection: moves frames between the socket and the handler's channels until
//! one side closes. tungstenite does the framing (masking, fragmentation, control frames,
//! UTF-8, size limits) and answers pings and close frames itself.

use super::channel::Outgoing;
use super::inbox::{Inbox, Incoming};
use super::Handler;
use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use pyo3::prelude::*;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::error::{Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// How long a closing connection waits for the peer's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

pub const NORMAL: u16 = 1000;
pub const GOING_AWAY: u16 = 1001;
pub const ABNORMAL: u16 = 1006;
pub const INTERNAL_ERROR: u16 = 1011;

/// The close frame to send for a read error, if one can still be sent.
fn close_for(error: &WsError) -> Option<(u16, &'static str)> {
    match error {
        WsError::Capacity(_) => Some((1009, "Message too big")),
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
    max_message: usize,
    incoming: Arc<Inbox>,
    outgoing: mpsc::Receiver<Outgoing>,
    handler: Handler,
    shutdown: Option<watch::Receiver<bool>>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let inbox = Arc::clone(&incoming);
    pump(
        stream,
        buffered,
        max_message,
        incoming,
        outgoing,
        handler,
        shutdown,
    )
    .await;
    // However the connection ended, a receive still waiting must hear of it.
    inbox.end();
}

/// The frame reader's limits: no frame or message larger than `max_message` is buffered.
/// Public so the fuzz targets (`fuzz/`) read frames exactly as the server does.
pub fn frame_limits(max_message: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(max_message))
        .max_frame_size(Some(max_message))
}

async fn pump<S>(
    stream: S,
    buffered: BytesMut,
    max_message: usize,
    incoming: Arc<Inbox>,
    mut outgoing: mpsc::Receiver<Outgoing>,
    handler: Handler,
    shutdown: Option<watch::Receiver<bool>>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let config = frame_limits(max_message);
    let mut ws =
        WebSocketStream::from_partially_read(stream, buffered.to_vec(), Role::Server, Some(config))
            .await;
    let mut running = match handler {
        Handler::Running(rx) => Some(rx),
        Handler::Done(outcome) => {
            // Accepted and finished in its first step: send what it queued, then close.
            let code = code_of(outcome);
            finish_handler(&mut ws, &mut outgoing, &incoming, code).await;
            return;
        }
    };
    let mut shutdown = shutdown;
    let next = loop {
        let step = tokio::select! {
            item = outgoing.recv() => match item {
                Some(item) => send_batch(&mut ws, item, &mut outgoing).await,
                // The Python side dropped its sender, usually because the handler just returned and
                // its WebSocket was freed: its outcome decides the close code (racing it here
                // used to end the connection without a close frame, seen by the client as 1006).
                None => match running.take() {
                    Some(rx) => {
                        let code = code_of(rx.await.unwrap_or_else(|_| Err(super::lost_handler())));
                        finish_handler(&mut ws, &mut outgoing, &incoming, code).await;
                        Next::End
                    }
                    None => match ws.send(close_message(NORMAL, "")).await {
                        Ok(()) => Next::Closing(NORMAL, String::new()),
                        Err(_) => Next::End,
                    },
                },
            },
            message = ws.next(), if !incoming.is_full() => read(&mut ws, message, &incoming).await,
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
                finish_handler(&mut ws, &mut outgoing, &incoming, code).await;
                Next::End
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
            await_peer_close(&mut ws).await;
            incoming.push(Incoming::Closed { code, reason });
        }
        Next::End | Next::Continue => {}
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
    incoming: &Inbox,
) -> Next
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let closed = |code: u16, reason: String| {
        incoming.push(Incoming::Closed { code, reason });
        Next::End
    };
    match message {
        Some(Ok(Message::Text(text))) => {
            incoming.push(Incoming::Text(text));
            Next::Continue
        }
        Some(Ok(Message::Binary(data))) => {
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
    incoming: &Inbox,
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
