//! One HTTP/1.1 connection: keep-alive loop, limits and timeouts, framing, writing.

use super::access_log;
use super::head::{parse_head, ChunkProgress, ChunkedDecoder, Framing, Head, Parsed};
use crate::app::App;
use crate::params::form::FormData;
use crate::pipeline::{self, Routed, Target};
use crate::request::HttpRequest;
use crate::response::date::with_http_date;
use crate::response::{write_head_framed, Body, Response};
use crate::response::{ChunkSource, Next};
use bytes::BytesMut;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{timeout_at, Instant};

const READ_CHUNK: usize = 16 * 1024;
/// Reads for a request head start smaller: idle keep-alive connections hold only this much.
const HEAD_CHUNK: usize = 4 * 1024;

thread_local! {
    /// Head buffers of connections that went idle, reused by the next one that receives bytes:
    /// an idle connection holds no buffer, and a busy one allocates none per request.
    static SPARE_HEAD_BUFFERS: std::cell::RefCell<Vec<BytesMut>> =
        const { std::cell::RefCell::new(Vec::new()) };
}
/// How long a connection waiting for its next request keeps its head buffer.
const PARK_AFTER: std::time::Duration = std::time::Duration::from_secs(1);
/// Spares kept per runtime thread; more are freed.
const MAX_SPARE_HEAD_BUFFERS: usize = 64;

fn park_head_buffer(buf: &mut BytesMut) {
    let spare = std::mem::take(buf);
    SPARE_HEAD_BUFFERS.with_borrow_mut(|spares| {
        if spares.len() < MAX_SPARE_HEAD_BUFFERS {
            spares.push(spare);
        }
    });
}

fn take_head_buffer(buf: &mut BytesMut) {
    if let Some(spare) = SPARE_HEAD_BUFFERS.with_borrow_mut(Vec::pop) {
        *buf = spare;
    }
}

enum HeadRead {
    Head(Head),
    /// No byte for PARK_AFTER since the instant given (not returned while the buffer is parked).
    Idle(Instant),
    /// The peer closed, went idle past the keep-alive timeout, or the server is draining.
    Closed,
}

/// What a connection keeps between requests. While it serves requests back to back, the rest
/// of their state lives in the future of [`busy`], boxed once per busy period: an idle
/// connection's task holds only this and the wait for the next head (the whole pipeline's state
/// machine is several KiB).
struct Connection {
    app: Arc<App>,
    stream: TcpStream,
    peer: SocketAddr,
    /// Bytes read past the current request (the next head, pipelined); parked when idle.
    buf: BytesMut,
    /// The response head (and a full body) being written; released when idle.
    out: Vec<u8>,
    shutdown: watch::Receiver<bool>,
}

pub async fn serve(
    app: Arc<App>,
    stream: TcpStream,
    peer: SocketAddr,
    shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let mut conn = Connection {
        app,
        stream,
        peer,
        buf: BytesMut::new(),
        out: Vec::new(),
        shutdown,
    };
    let mut first = true;
    // One wait for the server's drain per connection, kept registered across its requests
    // (a new `changed()` per request registered and removed a waiter each time).
    let mut drain_rx = conn.shutdown.clone();
    let draining = async move {
        let _ = drain_rx.changed().await;
    };
    tokio::pin!(draining);
    let mut waiting_since = Instant::now();
    loop {
        // Idle (or new): the head buffer is parked, and this small future is all the task holds.
        let head = match read_head(&mut conn, first, waiting_since, draining.as_mut()).await {
            Ok(HeadRead::Head(h)) => Ok(h),
            Ok(HeadRead::Closed) => return,
            Ok(HeadRead::Idle(since)) => {
                conn.park();
                waiting_since = since;
                continue;
            }
            Err(resp) => Err(resp),
        };
        first = false;
        // Busy until the connection idles for PARK_AFTER: one allocation for the whole period.
        match Box::pin(busy(conn, head, draining.as_mut())).await {
            Some((idle, since)) => {
                conn = idle;
                waiting_since = since;
            }
            None => return,
        }
        conn.park();
    }
}

/// Serves requests on `conn` from `next` on, as long as the next one follows within
/// PARK_AFTER. `Some`: the connection went idle (waiting since the instant returned); `None`:
/// it ended (closed, refused, or handed to a WebSocket). One request's steps are written out
/// here rather than in an `async fn` of their own, whose future would be moved per request.
async fn busy(
    mut conn: Connection,
    mut next: Result<Head, Response>,
    mut draining: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Option<(Connection, Instant)> {
    loop {
        let head = match next {
            Ok(h) => h,
            Err(resp) => {
                conn.refuse(resp).await;
                return None;
            }
        };
        let keep_alive = head.wants_keep_alive();
        let (mut req, framing, http10, expects_continue) = match request(&conn.app, head, conn.peer)
        {
            Ok(r) => r,
            Err(resp) => {
                conn.refuse(resp).await;
                return None;
            }
        };
        let app = &conn.app;
        let started = std::time::Instant::now();
        // Stages 1 and 2 on the head alone; the body is read only for an admitted request.
        let routed = pipeline::route::route(app, &mut req).await;
        let log_line = app.config.access_log.then(|| {
            let client = req.peer.map(|p| p.ip().to_string()).unwrap_or_default();
            (req.method.as_str().to_owned(), req.path.clone(), client)
        });
        let body = receive(
            app,
            &mut conn.stream,
            &mut conn.buf,
            &routed,
            &mut req,
            framing,
            expects_continue,
        )
        .await;
        let resp = match body {
            Received::WebSocket => {
                // The connection leaves HTTP here, with the bytes read past the request head.
                // Boxed: a session's state is not part of every HTTP connection's future.
                let outcome = Box::pin(crate::websocket::serve(
                    conn.app,
                    conn.stream,
                    conn.buf,
                    req,
                    routed,
                    Some(conn.shutdown),
                ))
                .await;
                if let Some((method, path, client)) = log_line {
                    let session = outcome.session;
                    access_log::log(access_log::Entry {
                        time: access_log::now_rfc3339(),
                        client,
                        method,
                        path,
                        status: outcome.status,
                        bytes: outcome.bytes_out as usize,
                        duration_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
                        websocket: Some(access_log::WebSocketSession {
                            bytes_in: session.map_or(0, |s| s.bytes_in),
                            close_code: session.and_then(|s| s.close_code),
                        }),
                    });
                }
                return None;
            }
            Received::Refused(resp, close) => {
                if close {
                    conn.refuse(resp).await;
                    return None;
                }
                resp
            }
            Received::Body(identity, form) => {
                pipeline::respond(app, routed, identity, req, form).await
            }
        };
        let keep_alive = keep_alive && !*conn.shutdown.borrow();
        let status = resp.status;
        let bytes = if resp.omit_body {
            0
        } else {
            resp.content_length().unwrap_or(0) as usize
        };
        let mut writer = Conn {
            stream: &mut conn.stream,
            out: &mut conn.out,
            pending: &mut conn.buf,
            shutdown: &mut conn.shutdown,
        };
        let written = writer.write_response(resp, keep_alive, http10).await;
        if let Some((method, path, client)) = log_line {
            access_log::log(access_log::Entry {
                time: access_log::now_rfc3339(),
                client,
                method,
                path,
                status,
                bytes,
                duration_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
                websocket: None,
            });
        }
        if !matches!(written, Ok(true)) {
            return None;
        }
        next = match read_head(&mut conn, false, Instant::now(), draining.as_mut()).await {
            Ok(HeadRead::Head(h)) => Ok(h),
            Ok(HeadRead::Closed) => return None,
            Ok(HeadRead::Idle(since)) => return Some((conn, since)),
            Err(resp) => Err(resp),
        };
    }
}

impl Connection {
    /// Gives up the buffers while the connection waits: the head buffer to the spare list, and
    /// a response buffer that grew for a large answer is not kept either.
    fn park(&mut self) {
        park_head_buffer(&mut self.buf);
        self.out = Vec::new();
        super::heap::connection_parked();
    }

    /// Answers an error found before the request was read, then closes.
    async fn refuse(&mut self, resp: Response) {
        let _ = write(&mut self.stream, &mut self.out, resp).await;
        linger(&mut self.stream).await;
    }
}

/// After an error answered before the body was read, reads and discards for a bounded time so
/// the client (still sending) sees the response instead of a connection reset.
async fn linger(stream: &mut TcpStream) {
    const MAX_DRAIN: usize = 4 * 1024 * 1024;
    if stream.shutdown().await.is_err() {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut scratch = vec![0u8; READ_CHUNK];
    let mut drained = 0;
    while drained < MAX_DRAIN {
        match timeout_at(deadline, stream.read(&mut scratch)).await {
            Ok(Ok(n)) if n > 0 => drained += n,
            _ => return,
        }
    }
}

async fn read_head(
    conn: &mut Connection,
    first: bool,
    waiting_since: Instant,
    mut draining: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Result<HeadRead, Response> {
    let Connection {
        app, stream, buf, ..
    } = conn;
    let cfg = &app.config;
    let idle_limit = if first {
        cfg.header_timeout
    } else {
        cfg.keep_alive_timeout
    };
    let idle_deadline = waiting_since + idle_limit;
    // The next request usually follows at once: the head buffer is parked only past this.
    let park_at = waiting_since + PARK_AFTER;
    let mut head_deadline: Option<Instant> = None;
    loop {
        if !buf.is_empty() {
            match parse_head(buf, cfg.max_headers, cfg.max_header_bytes)? {
                Parsed::Complete(head, n) => {
                    let _ = buf.split_to(n);
                    return Ok(HeadRead::Head(head));
                }
                Parsed::Partial => {}
            }
        }
        // The header timeout runs from the first byte of a request, so a client that trickles
        // its headers cannot hold the connection longer than that.
        let deadline = match head_deadline {
            Some(d) => d,
            None if buf.is_empty() => idle_deadline,
            None => {
                let d = Instant::now() + cfg.header_timeout;
                head_deadline = Some(d);
                d
            }
        };
        // Waiting for the next request: after PARK_AFTER without a byte, the head buffer goes
        // to a per-thread spare list (idle keep-alive connections hold none) and comes back with
        // the bytes; a request that follows sooner pays nothing for it.
        let idle = buf.is_empty();
        let parked = idle && buf.capacity() == 0;
        let wait_until = if idle && !parked && park_at < deadline {
            park_at
        } else {
            deadline
        };
        // `biased`: polled in order, without drawing a random start per request.
        let read = tokio::select! {
            biased;
            r = timeout_at(wait_until, async {
                if parked {
                    std::future::poll_fn(|cx| stream.poll_read_ready(cx)).await?;
                    take_head_buffer(buf);
                }
                buf.reserve(HEAD_CHUNK);
                stream.read_buf(buf).await
            }) => r,
            // An idle keep-alive connection is closed at shutdown; a just-accepted one keeps
            // its chance to send its first request (its client is already sending it).
            // Once complete it is never polled again: the connection ends here.
            _ = draining.as_mut(), if idle && !first => return Ok(HeadRead::Closed),
        };
        match read {
            Err(_) if wait_until < deadline => return Ok(HeadRead::Idle(waiting_since)),
            Err(_) if buf.is_empty() => return Ok(HeadRead::Closed),
            Err(_) => {
                return Err(Response::detail(
                    408,
                    "Timed out reading the request headers",
                ))
            }
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(HeadRead::Closed),
            Ok(Ok(_)) => {
                if head_deadline.is_none() {
                    head_deadline = Some(Instant::now() + cfg.header_timeout);
                }
            }
        }
    }
}

pub(super) async fn fill(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    deadline: Instant,
) -> Result<(), Response> {
    buf.reserve(READ_CHUNK);
    match timeout_at(deadline, stream.read_buf(buf)).await {
        Err(_) => Err(Response::detail(408, "Timed out reading the request body")),
        Ok(Ok(0)) | Ok(Err(_)) => Err(Response::detail(
            400,
            "Connection closed before the body was complete",
        )),
        Ok(Ok(_)) => Ok(()),
    }
}

/// The request from its head (the body is read once admitted), its framing, whether it is
/// HTTP/1.0 and whether it expects `100 Continue`.
fn request(
    app: &App,
    mut head: Head,
    peer: SocketAddr,
) -> Result<(HttpRequest, Framing, bool, bool), Response> {
    head.check_host()?;
    let framing = head.framing()?;
    let (path, query, routing_path) = head.path_and_query()?;
    let http10 = head.minor_version == 0;
    let expects_continue = head.expects_continue();
    let req = HttpRequest {
        method: head.method,
        path,
        routing_path,
        query,
        headers: head.headers,
        body: bytes::Bytes::new(),
        peer: Some(peer),
        scheme: "http",
    };
    // ALLOWED_HOSTS, before routing, static files, the pre-body checks and any body byte.
    pipeline::check_host(app, &req)?;
    Ok((req, framing, http10, expects_continue))
}

enum Received {
    /// The body is in `req.body`, or parsed into the form while it arrived.
    Body(pipeline::Admitted, Option<FormData>),
    /// An upgrade to a WebSocket route: the connection is handed over.
    WebSocket,
    /// Answered before (or while) reading the body; `true`: the body was not read, so the
    /// connection closes after the answer.
    Refused(Response, bool),
}

/// Stage 2 (`admit`) and the socket's stage 3: the body limit from `Content-Length`, the checks
/// on the head, `100 Continue`, then the body — streamed into a form for a large multipart body
/// of a form route.
async fn receive(
    app: &App,
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    routed: &Routed,
    req: &mut HttpRequest,
    framing: Framing,
    expects_continue: bool,
) -> Received {
    let cfg = &app.config;
    let limit = cfg.max_body_bytes;
    let has_body = !matches!(framing, Framing::None);
    let early = |resp| pipeline::finish::finish(app, routed.target.scope(), req, resp);
    if let Framing::Length(n) = framing {
        if n > limit {
            return Received::Refused(early(pipeline::body::too_large(limit)), true);
        }
    }
    if let Target::WebSocket { .. } = routed.target {
        if !has_body {
            return Received::WebSocket;
        }
    }
    // Before `100 Continue` and before any body byte is read.
    let identity = match pipeline::admit::admit(app, routed, req).await {
        Ok(identity) => identity,
        Err(resp) => return Received::Refused(resp, has_body),
    };
    if !has_body {
        return Received::Body(identity, None);
    }
    let continued = match expects_continue && buf.is_empty() {
        true => stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await,
        false => Ok(()),
    };
    if continued.is_err() {
        return Received::Refused(Response::detail(400, "Connection closed"), true);
    }
    let deadline = Instant::now() + cfg.body_timeout;
    if let Some(builder) = super::form_body::builder_for(app, routed, req, &framing) {
        let builder = match builder {
            Ok(b) => b,
            Err(r) => return Received::Refused(early(r), true),
        };
        // Boxed: a streamed form's parser state is not part of every request's future.
        return match Box::pin(super::form_body::receive(
            stream,
            buf,
            framing,
            limit,
            cfg.body_timeout,
            builder,
        ))
        .await
        {
            Ok(form) => Received::Body(identity, Some(form)),
            Err(r) => Received::Refused(early(r), true),
        };
    }
    let body = match framing {
        Framing::None => Ok(bytes::Bytes::new()),
        Framing::Length(n) => read_length(stream, buf, n, deadline).await,
        Framing::Chunked => {
            let mut decoder = ChunkedDecoder::new();
            loop {
                match decoder.advance(buf, limit) {
                    Ok(ChunkProgress::Done) => break Ok(bytes::Bytes::from(decoder.body)),
                    Ok(ChunkProgress::NeedMore) => {
                        if let Err(r) = fill(stream, buf, deadline).await {
                            break Err(r);
                        }
                    }
                    Err(r) => break Err(early(r)),
                }
            }
        }
    };
    match body {
        Ok(b) => {
            req.body = b;
            Received::Body(identity, None)
        }
        Err(r) => Received::Refused(r, true),
    }
}

async fn read_length(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    n: usize,
    deadline: Instant,
) -> Result<bytes::Bytes, Response> {
    while buf.len() < n {
        fill(stream, buf, deadline).await?;
    }
    Ok(buf.split_to(n).freeze())
}

/// Writes an error answered before the request was read; the connection closes after it.
async fn write(stream: &mut TcpStream, out: &mut Vec<u8>, resp: Response) -> std::io::Result<()> {
    let mut pending = BytesMut::new();
    let (_tx, mut never) = watch::channel(false);
    let mut conn = Conn {
        stream,
        out,
        pending: &mut pending,
        shutdown: &mut never,
    };
    conn.write_response(resp, false, false).await.map(|_| ())
}

const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// Pipelined request bytes kept while a streamed response is written.
const MAX_PIPELINED: usize = 64 * 1024;

async fn timed_write<W: AsyncWrite + Unpin>(stream: &mut W, data: &[u8]) -> std::io::Result<()> {
    match tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(data)).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "write timed out",
        )),
    }
}

/// Completes when the peer closes its side (or the socket fails). Bytes it sends meanwhile
/// (a pipelined request) are kept for the next request, up to a bound.
async fn peer_closed<R: AsyncRead + Unpin>(stream: &mut R, pending: &mut BytesMut) {
    loop {
        if pending.len() >= MAX_PIPELINED {
            std::future::pending::<()>().await;
        }
        pending.reserve(HEAD_CHUNK);
        match stream.read_buf(pending).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// A streamed body's chunks are gathered into one write up to about this many bytes.
const COALESCE_BYTES: usize = 64 * 1024;

/// A streamed body's writer checks for shutdown and a closed peer before its next chunk at
/// least once every this many chunks.
const FAIRNESS_CHUNKS: u32 = 64;

/// Appends `chunk` to `out`, in chunked transfer coding when `chunked`.
fn frame_chunk(out: &mut Vec<u8>, chunk: &[u8], chunked: bool) {
    if chunked {
        use std::io::Write;
        let _ = write!(out, "{:x}\r\n", chunk.len());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    } else {
        out.extend_from_slice(chunk);
    }
}

struct Conn<'a> {
    stream: &'a mut TcpStream,
    out: &'a mut Vec<u8>,
    pending: &'a mut BytesMut,
    shutdown: &'a mut watch::Receiver<bool>,
}

impl Conn<'_> {
    /// Writes the response; `Ok(true)` when the connection can serve another request.
    async fn write_response(
        &mut self,
        mut resp: Response,
        keep_alive: bool,
        http10: bool,
    ) -> std::io::Result<bool> {
        self.out.clear();
        let sends_body = !resp.omit_body && !resp.forbids_body();
        // HTTP/1.0 has no chunked encoding: a body of unknown length ends with the connection.
        let keep_alive = keep_alive && !(http10 && sends_body && resp.content_length().is_none());
        if http10 && keep_alive {
            resp = resp.with_header("connection", "keep-alive");
        }
        with_http_date(|date| write_head_framed(self.out, &resp, date, keep_alive, !http10));
        // Dropping a body that is not sent closes its iterator or file.
        let body = std::mem::replace(&mut resp.body, Body::Full(bytes::Bytes::new()));
        let result = match body {
            Body::Full(b) if sends_body => {
                self.out.extend_from_slice(&b);
                timed_write(self.stream, self.out).await
            }
            Body::File(mut file) if sends_body => {
                timed_write(self.stream, self.out).await?;
                while let Some(chunk) = file.next_chunk().await {
                    timed_write(self.stream, &chunk?).await?;
                }
                Ok(())
            }
            Body::Stream(body) if sends_body => {
                timed_write(self.stream, self.out).await?;
                self.write_stream(body, !http10).await
            }
            Body::FileRequest(_) if sends_body => {
                self.out.extend_from_slice(b"0\r\n\r\n");
                timed_write(self.stream, self.out).await
            }
            _ => timed_write(self.stream, self.out).await,
        };
        if self.out.capacity() > 256 * 1024 {
            *self.out = Vec::new();
        }
        result.map(|()| keep_alive)
    }

    /// Writes chunks as the iterator produces them. A client that goes away, a write error or
    /// an iterator exception ends the stream (and drops `body`, which closes the iterator); at
    /// server shutdown the stream is ended cleanly.
    async fn write_stream(
        &mut self,
        mut body: Box<dyn ChunkSource>,
        chunked: bool,
    ) -> std::io::Result<()> {
        let gone =
            || std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "client went away");
        // The watch on the peer and on shutdown live for the whole body, not one chunk: an SSE
        // stream writes many small chunks, and re-arming both for each cost more than the write's
        // own user-space work.
        let (mut reader, mut writer) = self.stream.split();
        let closed = peer_closed(&mut reader, self.pending);
        let shutdown = self.shutdown.changed();
        tokio::pin!(closed, shutdown);
        let mut chunk_no: u32 = 0;
        loop {
            chunk_no = chunk_no.wrapping_add(1);
            // The body first: a chunk that is ready goes out without checking the socket and
            // shutdown again (they are checked whenever the body has to wait). Every
            // `FAIRNESS_CHUNKS`-th time they come first, so a body that is always ready cannot
            // keep a shutdown from ending it.
            let next = if !chunk_no.is_multiple_of(FAIRNESS_CHUNKS) {
                tokio::select! {
                    biased;
                    n = body.next() => n,
                    _ = &mut closed => return Err(gone()),
                    _ = &mut shutdown => Next::End,
                }
            } else {
                tokio::select! {
                    biased;
                    _ = &mut closed => return Err(gone()),
                    _ = &mut shutdown => Next::End,
                    n = body.next() => n,
                }
            };
            match next {
                Next::Data(chunk) if !chunked && chunk.len() >= COALESCE_BYTES => {
                    timed_write(&mut writer, &chunk).await?;
                }
                Next::Data(chunk) => {
                    // Chunks already queued behind this one go out in the same write: one
                    // syscall for a burst of small events instead of one each.
                    self.out.clear();
                    frame_chunk(self.out, &chunk, chunked);
                    while self.out.len() < COALESCE_BYTES {
                        let Some(more) = body.ready() else { break };
                        frame_chunk(self.out, &more, chunked);
                    }
                    timed_write(&mut writer, self.out).await?;
                }
                Next::End => {
                    if chunked {
                        timed_write(&mut writer, b"0\r\n\r\n").await?;
                    }
                    return Ok(());
                }
                Next::Failed => {
                    return Err(std::io::Error::other(
                        "the response stream raised an exception",
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "conn_tests.rs"]
mod tests;
