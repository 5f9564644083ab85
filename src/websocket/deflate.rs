//! `permessage-deflate` (RFC 7692), as a layer under tungstenite, which speaks only
//! uncompressed frames: compressed frames from the client are inflated into plain frames before
//! tungstenite parses them, and data frames tungstenite writes are deflated on their way out.
//! tungstenite keeps doing every check (UTF-8, control frames, fragmentation, size limits).
//!
//! Both directions negotiate no context takeover, so nothing is kept between messages: an idle
//! connection holds no compression state, and a (de)compressor lives only while one message is
//! processed. Inflating stops at the message size limit, so a small frame that would inflate to
//! gigabytes is refused (1009) after allocating at most the limit.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};

/// What the 101 answers to the client's offer.
pub const RESPONSE: &str =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
/// The same, for an offer that limited the server's window (we use the full 15 bits).
pub const RESPONSE_WINDOW_15: &str =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15";

/// Messages smaller than this go out uncompressed (the frame header would eat the gain).
const MIN_COMPRESS: usize = 64;
/// The four bytes every sync-flushed deflate block ends with, left off on the wire (RFC 7692 7.2.1).
const TAIL: [u8; 4] = [0, 0, 0xff, 0xff];

/// Picks the first acceptable `permessage-deflate` offer from `Sec-WebSocket-Extensions` and
/// returns the response's extension header, or `None` to use no extension. Offers with unknown
/// or malformed parameters, or a server window under 15 bits (deflate here always uses 32 KiB),
/// are declined, as RFC 7692 section 5 says.
pub fn negotiate<'a>(offers: impl Iterator<Item = &'a str>) -> Option<&'static str> {
    offers
        .flat_map(|header| header.split(','))
        .find_map(|offer| accept_offer(offer.trim()))
}

fn accept_offer(offer: &str) -> Option<&'static str> {
    let mut parts = offer.split(';').map(str::trim);
    if !parts.next()?.eq_ignore_ascii_case("permessage-deflate") {
        return None;
    }
    let mut seen: Vec<String> = Vec::new();
    let mut server_window = false;
    for param in parts {
        let (name, value) = match param.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (param, None),
        };
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return None;
        }
        match (name.as_str(), value) {
            ("server_no_context_takeover" | "client_no_context_takeover", None) => {}
            // Any client window is fine: inflating with a 15-bit window reads every smaller one.
            ("client_max_window_bits", None) => {}
            ("client_max_window_bits", Some(v)) => {
                window_bits(v)?;
            }
            ("server_max_window_bits", Some(v)) => {
                if window_bits(v)? != 15 {
                    return None;
                }
                server_window = true;
            }
            _ => return None,
        }
        seen.push(name);
    }
    Some(if server_window {
        RESPONSE_WINDOW_15
    } else {
        RESPONSE
    })
}

fn window_bits(value: &str) -> Option<u8> {
    let bits: u8 = value.parse().ok().filter(|_| value.len() <= 2)?;
    (8..=15).contains(&bits).then_some(bits)
}

/// The error that ends a connection whose inflated message would pass the size limit (1009).
pub fn too_big() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, TooBig)
}

pub fn is_too_big(error: &io::Error) -> bool {
    error.get_ref().is_some_and(|e| e.is::<TooBig>())
}

#[derive(Debug)]
struct TooBig;

impl std::fmt::Display for TooBig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("inflated WebSocket message exceeds the size limit")
    }
}

impl std::error::Error for TooBig {}

/// A frame header as read off the wire.
struct Header {
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    len: u64,
    size: usize,
}

fn parse_header(buf: &[u8]) -> Option<Header> {
    if buf.len() < 2 {
        return None;
    }
    let masked = buf[1] & 0x80 != 0;
    let (len, mut size) = match buf[1] & 0x7f {
        126 => (
            u64::from(u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?)),
            4,
        ),
        127 => (u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?), 10),
        n => (u64::from(n), 2),
    };
    let mask = if masked {
        let key: [u8; 4] = buf.get(size..size + 4)?.try_into().ok()?;
        size += 4;
        Some(key)
    } else {
        None
    };
    Some(Header {
        fin: buf[0] & 0x80 != 0,
        rsv: (buf[0] >> 4) & 0x07,
        opcode: buf[0] & 0x0f,
        mask,
        len,
        size,
    })
}

fn write_header(out: &mut Vec<u8>, first: u8, masked: bool, len: usize) {
    let mask_bit = if masked { 0x80 } else { 0 };
    out.push(first);
    if len < 126 {
        out.push(mask_bit | len as u8);
    } else if len <= usize::from(u16::MAX) {
        out.push(mask_bit | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    if masked {
        // A zero key: the payload goes as it is, and tungstenite still sees a masked frame.
        out.extend_from_slice(&[0, 0, 0, 0]);
    }
}

/// Turns the peer's byte stream into one without compressed frames (the server inflates the
/// client's masked frames; the in-process test client the server's unmasked ones).
pub struct Inflater {
    limit: usize,
    /// The peer masks its frames (it is a client), and so must the frames handed on.
    peer_masks: bool,
    /// Bytes of the current frame still to copy through unchanged.
    passthrough: u64,
    /// A compressed message is open (its continuation frames are compressed too).
    message: Option<(Decompress, usize)>,
    /// Something unexpected came: stop interpreting and let tungstenite report it.
    broken: bool,
}

impl Inflater {
    pub fn new(limit: usize) -> Inflater {
        Inflater {
            limit,
            peer_masks: true,
            passthrough: 0,
            message: None,
            broken: false,
        }
    }

    /// For a client reading a server's frames (unmasked).
    pub fn for_client(limit: usize) -> Inflater {
        Inflater {
            peer_masks: false,
            ..Inflater::new(limit)
        }
    }

    /// Moves what it can from `raw` (bytes read from the socket) to `out` (bytes for
    /// tungstenite). Leaves an incomplete compressed frame in `raw` until more arrives.
    pub fn transcode(&mut self, raw: &mut Vec<u8>, out: &mut Vec<u8>) -> io::Result<()> {
        let mut at = 0;
        loop {
            if self.broken {
                out.extend_from_slice(&raw[at..]);
                at = raw.len();
                break;
            }
            if self.passthrough > 0 {
                if copy_through(&mut self.passthrough, raw, &mut at, out) {
                    continue;
                }
                break;
            }
            let Some(header) = parse_header(&raw[at..]) else {
                break;
            };
            let compressed = match (header.opcode, header.rsv) {
                (1 | 2, 0b100) if self.message.is_none() => true,
                (0, 0) if self.message.is_some() => true,
                (_, 0) => false,
                // RSV1 on a control or continuation frame, or RSV2/RSV3: a protocol error.
                _ => {
                    self.broken = true;
                    continue;
                }
            };
            if !compressed || header.mask.is_some() != self.peer_masks {
                self.broken |= compressed;
                self.passthrough = header.size as u64 + header.len;
                continue;
            }
            // A compressed frame larger than the limit cannot inflate to less than it by much.
            if header.len > self.limit as u64 + 1024 {
                return Err(too_big());
            }
            let end = at + header.size + header.len as usize;
            if raw.len() < end {
                break;
            }
            let key = header.mask.unwrap_or_default();
            let mut payload = raw[at + header.size..end].to_vec();
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= key[i & 3];
            }
            at = end;
            let first = header.opcode != 0;
            let (mut inflater, used) = match self.message.take() {
                Some(open) => open,
                None => (Decompress::new(false), 0),
            };
            if header.fin {
                payload.extend_from_slice(&TAIL);
            }
            let plain = inflate(&mut inflater, &payload, self.limit - used)?;
            let used = used + plain.len();
            let opcode = if first { header.opcode } else { 0 };
            write_header(
                out,
                u8::from(header.fin) << 7 | opcode,
                self.peer_masks,
                plain.len(),
            );
            out.extend_from_slice(&plain);
            if !header.fin {
                self.message = Some((inflater, used));
            }
        }
        raw.drain(..at);
        Ok(())
    }
}

/// The read side of the deflate layer: bytes from the peer not yet inflated, and plain frames
/// not yet read by tungstenite. Shared by the server's socket and the in-process test client.
pub struct InflatingRead {
    inflater: Inflater,
    raw: Vec<u8>,
    ready: Vec<u8>,
    pos: usize,
}

impl InflatingRead {
    /// `early`: bytes already read from the peer, inflated like the rest.
    pub fn new(inflater: Inflater, early: Vec<u8>) -> InflatingRead {
        InflatingRead {
            inflater,
            raw: early,
            ready: Vec::new(),
            pos: 0,
        }
    }

    /// Fills `buf` with plain frames, reading `inner` as needed; `counted` grows by the bytes
    /// read from it.
    pub fn poll_read<R: AsyncRead + Unpin>(
        &mut self,
        inner: &mut R,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
        counted: &mut u64,
    ) -> Poll<io::Result<()>> {
        loop {
            if self.pos < self.ready.len() {
                let n = buf.remaining().min(self.ready.len() - self.pos);
                buf.put_slice(&self.ready[self.pos..self.pos + n]);
                self.pos += n;
                if self.pos == self.ready.len() {
                    self.ready.clear();
                    self.pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if !self.raw.is_empty() {
                self.inflater.transcode(&mut self.raw, &mut self.ready)?;
                if !self.ready.is_empty() {
                    continue;
                }
            }
            let mut chunk = [0u8; 8 * 1024];
            let mut read = ReadBuf::new(&mut chunk);
            match Pin::new(&mut *inner).poll_read(cx, &mut read) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            let got = read.filled();
            *counted += got.len() as u64;
            if got.is_empty() {
                // End of stream: whatever is left goes to tungstenite as it is, to report.
                if self.raw.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                self.ready.append(&mut self.raw);
                continue;
            }
            self.raw.extend_from_slice(got);
        }
    }
}

/// Inflates `input`, refusing to produce more than `room` bytes (so never allocating more).
fn inflate(inflater: &mut Decompress, input: &[u8], room: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 32 * 1024];
    let start = inflater.total_in();
    loop {
        let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
        let consumed = (before_in - start) as usize;
        let status = inflater
            .decompress(&input[consumed..], &mut chunk, FlushDecompress::Sync)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let produced = (inflater.total_out() - before_out) as usize;
        if out.len() + produced > room {
            return Err(too_big());
        }
        out.extend_from_slice(&chunk[..produced]);
        let all_in = (inflater.total_in() - start) as usize >= input.len();
        let stuck = produced == 0 && inflater.total_in() == before_in;
        if matches!(status, Status::StreamEnd) || (all_in && produced < chunk.len()) || stuck {
            return Ok(out);
        }
    }
}

/// Turns tungstenite's output into one whose data messages are compressed.
pub struct Deflater {
    /// Bytes of the current frame still to copy through unchanged.
    passthrough: u64,
}

impl Deflater {
    pub fn new() -> Deflater {
        Deflater { passthrough: 0 }
    }

    /// Moves complete frames from `raw` (tungstenite's output) to `out` (the socket's input).
    pub fn transcode(&mut self, raw: &mut Vec<u8>, out: &mut Vec<u8>) {
        let mut at = 0;
        loop {
            if self.passthrough > 0 {
                if copy_through(&mut self.passthrough, raw, &mut at, out) {
                    continue;
                }
                break;
            }
            let Some(header) = parse_header(&raw[at..]) else {
                break;
            };
            // Only whole (unfragmented) text and binary messages are compressed.
            let eligible = header.fin
                && matches!(header.opcode, 1 | 2)
                && header.rsv == 0
                && header.mask.is_none()
                && header.len >= MIN_COMPRESS as u64;
            if !eligible {
                self.passthrough = header.size as u64 + header.len;
                continue;
            }
            let end = at + header.size + header.len as usize;
            if raw.len() < end {
                break;
            }
            let payload = &raw[at + header.size..end];
            match deflate(payload) {
                Some(packed) if packed.len() < payload.len() => {
                    write_header(out, 0x80 | 0x40 | header.opcode, false, packed.len());
                    out.extend_from_slice(&packed);
                }
                _ => out.extend_from_slice(&raw[at..end]),
            }
            at = end;
        }
        raw.drain(..at);
    }
}

impl Default for Deflater {
    fn default() -> Self {
        Deflater::new()
    }
}

/// One message, deflated and sync-flushed, without the trailing `00 00 ff ff`. No context is
/// kept between messages, so one compressor per thread serves every connection.
fn deflate(payload: &[u8]) -> Option<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Compress> =
            std::cell::RefCell::new(Compress::new(Compression::fast(), false));
    }
    COMPRESSOR.with(|cell| {
        let mut compressor = cell.borrow_mut();
        compressor.reset();
        let mut out = Vec::with_capacity(payload.len() / 2 + 64);
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity());
            }
            let consumed = compressor.total_in() as usize;
            compressor
                .compress_vec(&payload[consumed..], &mut out, FlushCompress::Sync)
                .ok()?;
            if compressor.total_in() as usize >= payload.len() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        Some(out)
    })
}

/// Copies up to `remaining` bytes of `raw` from `at` to `out` unchanged (the rest of a frame
/// already decided on); true once the whole frame has passed, false when `raw` ran out first.
fn copy_through(remaining: &mut u64, raw: &[u8], at: &mut usize, out: &mut Vec<u8>) -> bool {
    let n = (raw.len() - *at).min(*remaining as usize);
    out.extend_from_slice(&raw[*at..*at + n]);
    *at += n;
    *remaining -= n as u64;
    *remaining == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked_frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let key = [1, 2, 3, 4];
        let mut out = Vec::new();
        write_header(&mut out, first, false, payload.len());
        out[1] |= 0x80;
        out.extend_from_slice(&key);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i & 3]));
        out
    }

    #[test]
    fn negotiation_follows_rfc_7692() {
        let one = |h: &str| negotiate(std::iter::once(h));
        assert_eq!(
            one("permessage-deflate; client_max_window_bits"),
            Some(RESPONSE)
        );
        assert_eq!(
            one("permessage-deflate; server_max_window_bits=10, permessage-deflate"),
            Some(RESPONSE)
        );
        assert_eq!(
            one("permessage-deflate; server_max_window_bits=15"),
            Some(RESPONSE_WINDOW_15)
        );
        assert_eq!(one("permessage-deflate; server_max_window_bits=10"), None);
        assert_eq!(one("permessage-deflate; client_max_window_bits=16"), None);
        assert_eq!(one("permessage-deflate; unknown"), None);
        assert_eq!(
            one("permessage-deflate; server_no_context_takeover; server_no_context_takeover"),
            None
        );
        assert_eq!(one("x-webkit-deflate-frame"), None);
    }

    #[test]
    fn round_trip_and_limit() {
        let text = "hello hello hello hello ".repeat(20);
        let packed = deflate(text.as_bytes()).unwrap();
        assert!(packed.len() < text.len());
        let mut raw = masked_frame(0x80 | 0x40 | 1, &packed);
        let mut out = Vec::new();
        Inflater::new(1 << 20)
            .transcode(&mut raw, &mut out)
            .unwrap();
        assert!(raw.is_empty());
        let header = parse_header(&out).unwrap();
        assert_eq!((header.opcode, header.rsv, header.fin), (1, 0, true));
        assert_eq!(&out[header.size..], text.as_bytes());

        let bomb = deflate(&vec![0u8; 10 << 20]).unwrap();
        assert!(bomb.len() * 100 < 10 << 20);
        let mut raw = masked_frame(0x80 | 0x40 | 2, &bomb);
        let error = Inflater::new(1 << 20)
            .transcode(&mut raw, &mut Vec::new())
            .unwrap_err();
        assert!(is_too_big(&error));
    }
}
