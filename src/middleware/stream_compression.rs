//! Compression of streamed bodies: each chunk is encoded and flushed as it arrives, so a
//! Server-Sent Event or a progress line reaches the client as soon as it is produced (the
//! client's decoder can decode everything sent so far).

use crate::response::{ChunkSource, Next};
use bytes::Bytes;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;

/// One stream's encoder state.
pub enum StreamEncoder {
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    /// One zstd frame per chunk (a zstd stream may hold several frames, RFC 8878 §3.1; the
    /// encoder here has no flush). Each frame's 4-byte checksum is held back and sent before the
    /// next frame: the client decodes a chunk's blocks when they arrive, and never sees a frame
    /// end exactly at the end of what it has received, which some decoders (httpx's) cannot
    /// continue from.
    Zstd {
        held_checksum: Vec<u8>,
    },
}

/// `Frame_Header_Descriptor` bit that says the frame ends with a 4-byte content checksum.
const ZSTD_CHECKSUM_FLAG: u8 = 0b100;

impl StreamEncoder {
    /// Encodes and flushes one chunk; the bytes to send now (maybe empty).
    fn encode(&mut self, chunk: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            StreamEncoder::Gzip(enc) => {
                enc.write_all(chunk)?;
                enc.flush()?;
                Ok(std::mem::take(enc.get_mut()))
            }
            StreamEncoder::Brotli(enc) => {
                enc.write_all(chunk)?;
                enc.flush()?;
                Ok(std::mem::take(enc.get_mut()))
            }
            StreamEncoder::Zstd { held_checksum } => {
                if chunk.is_empty() {
                    return Ok(Vec::new());
                }
                let frame = ruzstd::encoding::compress_to_vec(
                    chunk,
                    ruzstd::encoding::CompressionLevel::Fastest,
                );
                let mut out = std::mem::take(held_checksum);
                let has_checksum = frame.get(4).is_some_and(|d| d & ZSTD_CHECKSUM_FLAG != 0);
                if has_checksum && frame.len() > 9 {
                    let (body, checksum) = frame.split_at(frame.len() - 4);
                    out.extend_from_slice(body);
                    *held_checksum = checksum.to_vec();
                } else {
                    out.extend_from_slice(&frame);
                }
                Ok(out)
            }
        }
    }

    /// The end of the stream (gzip's trailer, brotli's last block).
    fn finish(self) -> std::io::Result<Vec<u8>> {
        match self {
            StreamEncoder::Gzip(enc) => enc.finish(),
            StreamEncoder::Brotli(enc) => Ok(enc.into_inner()),
            StreamEncoder::Zstd { held_checksum } => Ok(held_checksum),
        }
    }
}

impl std::fmt::Debug for StreamEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StreamEncoder::Gzip(_) => "Gzip",
            StreamEncoder::Brotli(_) => "Brotli",
            StreamEncoder::Zstd { .. } => "Zstd",
        })
    }
}

/// A streamed body whose chunks are compressed on their way out.
#[derive(Debug)]
pub struct CompressedStream {
    inner: Box<dyn ChunkSource>,
    /// `None` once the end has been written.
    encoder: Option<StreamEncoder>,
    /// An encoder failure met in `ready`, reported by the next `next`.
    failed: bool,
}

impl CompressedStream {
    pub fn new(inner: Box<dyn ChunkSource>, encoder: StreamEncoder) -> CompressedStream {
        CompressedStream {
            inner,
            encoder: Some(encoder),
            failed: false,
        }
    }

    /// What to send for one pulled item; `None` when it encoded to nothing (pull again).
    /// An encoder failure cuts the connection like a failing producer: a truncated body is
    /// what the client sees either way, and the encoding cannot be changed after the head.
    fn encode(&mut self, next: Next) -> Option<Next> {
        let encoder = self.encoder.as_mut()?;
        let out = match next {
            Next::Failed => return Some(Next::Failed),
            Next::Data(chunk) => encoder.encode(&chunk),
            Next::End => {
                let encoder = self.encoder.take()?;
                match encoder.finish() {
                    Ok(tail) if tail.is_empty() => return Some(Next::End),
                    other => other,
                }
            }
        };
        match out {
            Ok(bytes) if bytes.is_empty() => None,
            Ok(bytes) => Some(Next::Data(Bytes::from(bytes))),
            Err(_) => Some(Next::Failed),
        }
    }
}

impl ChunkSource for CompressedStream {
    fn next(&mut self) -> Pin<Box<dyn Future<Output = Next> + Send + '_>> {
        Box::pin(async move {
            loop {
                if self.failed {
                    self.encoder = None;
                    return Next::Failed;
                }
                if self.encoder.is_none() {
                    return Next::End;
                }
                // Cancel-safe: the inner source keeps a chunk it was producing, and nothing
                // here changes until it has been pulled.
                let next = self.inner.next().await;
                if let Some(out) = self.encode(next) {
                    return out;
                }
            }
        })
    }

    fn ready(&mut self) -> Option<Bytes> {
        self.encoder.as_ref()?;
        if self.failed {
            return None;
        }
        loop {
            let chunk = self.inner.ready()?;
            match self.encode(Next::Data(chunk)) {
                Some(Next::Data(bytes)) => return Some(bytes),
                Some(_) => {
                    self.failed = true;
                    return None;
                }
                None => {}
            }
        }
    }
}
