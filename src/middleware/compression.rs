//! Response compression (brotli, gzip, zstd) negotiated from `Accept-Encoding`.

use super::add_vary;
use super::stream_compression::{CompressedStream, StreamEncoder};
use crate::request::HttpRequest;
use crate::response::{Body, Response};
use crate::schema::middleware::CompressionRecord;
use pyo3::prelude::*;
use std::borrow::Cow;
use std::io::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Zstd,
}

impl Encoding {
    /// Case-insensitive, without allocating (it runs for every request).
    fn parse(name: &str) -> Option<Encoding> {
        [
            ("br", Encoding::Brotli),
            ("brotli", Encoding::Brotli),
            ("gzip", Encoding::Gzip),
            ("zstd", Encoding::Zstd),
        ]
        .iter()
        .find(|(token, _)| name.eq_ignore_ascii_case(token))
        .map(|(_, e)| *e)
    }

    fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
            Encoding::Zstd => "zstd",
        }
    }
}

#[derive(Clone, Debug)]
pub struct CompressionConfig {
    backend: Encoding,
    minimum_size: usize,
    gzip_fallback: bool,
    brotli_level: u32,
    brotli_lgwin: u32,
    gzip_level: u32,
}

impl CompressionConfig {
    /// The config from its record (`CompressionConfig` in Python).
    pub fn from_record(r: CompressionRecord) -> PyResult<CompressionConfig> {
        let backend = Encoding::parse(&r.backend).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "CompressionRecord.backend: compression backend must be 'brotli', 'gzip' or \
                 'zstd', not {:?}",
                r.backend
            ))
        })?;
        Ok(CompressionConfig {
            backend,
            minimum_size: r.minimum_size,
            gzip_fallback: r.gzip_fallback,
            brotli_level: r.brotli_level.min(11),
            brotli_lgwin: r.brotli_lgwin.clamp(10, 24),
            gzip_level: r.gzip_level.min(9),
        })
    }

    /// The encoding to use for this client, honouring q-values (`q=0` refuses) and `*`.
    /// Ties go to the configured backend, then gzip.
    pub fn negotiate(&self, req: &HttpRequest) -> Option<Encoding> {
        let values = req
            .headers
            .iter()
            .filter(|(k, _)| k == "accept-encoding")
            .map(|(_, v)| v.as_str());
        let mut offered: [(Encoding, Option<f32>); 2] =
            [(self.backend, None), (Encoding::Gzip, None)];
        let candidates = if self.gzip_fallback && self.backend != Encoding::Gzip {
            2
        } else {
            1
        };
        let mut wildcard: Option<f32> = None;
        let mut any = false;
        for value in values {
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim();
                let q = parts
                    .filter_map(|p| {
                        let p = p.trim();
                        p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))
                    })
                    .filter_map(|v| v.trim().parse::<f32>().ok())
                    .next_back()
                    .unwrap_or(1.0);
                any = true;
                if name == "*" {
                    wildcard = Some(q);
                } else if let Some(enc) = Encoding::parse(name) {
                    for slot in offered.iter_mut().take(candidates) {
                        if slot.0 == enc {
                            slot.1 = Some(q);
                        }
                    }
                }
            }
        }
        if !any {
            return None;
        }
        let mut best: Option<(Encoding, f32)> = None;
        for (enc, q) in offered.iter().take(candidates) {
            let q = q.or(wildcard).unwrap_or(0.0);
            if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((*enc, q));
            }
        }
        best.map(|(e, _)| e)
    }

    /// Compresses the body in place when worthwhile; always marks the response as varying by
    /// `Accept-Encoding` when it could have been compressed. The request's `Accept-Encoding` is
    /// negotiated only for a body worth compressing.
    pub fn apply(&self, req: &HttpRequest, resp: &mut Response) {
        // Files read from disk as they are sent are not compressed (ranges and lengths must hold);
        // streams are compressed chunk by chunk, whatever their size.
        let small = match &resp.body {
            Body::Full(b) => b.len() < self.minimum_size,
            Body::Stream(_) => false,
            _ => return,
        };
        let streamed = matches!(resp.body, Body::Stream(_));
        if small || resp.forbids_body() || resp.status == 206 || !compressible(resp, streamed) {
            return;
        }
        add_vary(resp, "Accept-Encoding");
        let Some(encoding) = self.negotiate(req) else {
            return;
        };
        if streamed {
            let Body::Stream(inner) =
                std::mem::replace(&mut resp.body, Body::Full(Default::default()))
            else {
                return;
            };
            let encoder = self.stream_encoder(encoding);
            resp.body = Body::Stream(Box::new(CompressedStream::new(inner, encoder)));
            mark_encoded(resp, encoding);
            return;
        }
        let Body::Full(body) = &resp.body else { return };
        // A bug in an encoder must not take the worker down: fall back to the plain body.
        let compressed = std::panic::catch_unwind(|| self.encode(encoding, body)).ok();
        let Some(Ok(out)) = compressed else { return };
        if out.len() >= body.len() {
            return;
        }
        resp.body = Body::Full(out.into());
        mark_encoded(resp, encoding);
    }

    /// A streaming encoder with this config's levels.
    fn stream_encoder(&self, encoding: Encoding) -> StreamEncoder {
        match encoding {
            Encoding::Gzip => StreamEncoder::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::new(self.gzip_level),
            )),
            Encoding::Brotli => StreamEncoder::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                4096,
                self.brotli_level,
                self.brotli_lgwin,
            ))),
            Encoding::Zstd => StreamEncoder::Zstd {
                held_checksum: Vec::new(),
            },
        }
    }

    fn encode(&self, encoding: Encoding, body: &[u8]) -> std::io::Result<Vec<u8>> {
        match encoding {
            Encoding::Gzip => {
                let mut enc = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 2),
                    flate2::Compression::new(self.gzip_level),
                );
                enc.write_all(body)?;
                enc.finish()
            }
            Encoding::Brotli => {
                let mut out = Vec::with_capacity(body.len() / 2);
                let params = brotli::enc::BrotliEncoderParams {
                    quality: self.brotli_level as i32,
                    lgwin: self.brotli_lgwin as i32,
                    size_hint: body.len(),
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut &body[..], &mut out, &params)?;
                Ok(out)
            }
            Encoding::Zstd => Ok(ruzstd::encoding::compress_to_vec(
                body,
                ruzstd::encoding::CompressionLevel::Fastest,
            )),
        }
    }
}

/// Names the encoding; the encoded bytes are a different representation of the resource, so a
/// strong validator would lie: it is weakened.
fn mark_encoded(resp: &mut Response, encoding: Encoding) {
    resp.headers.push((
        Cow::Borrowed("content-encoding"),
        Cow::Borrowed(encoding.token()),
    ));
    for (name, value) in resp.headers.iter_mut() {
        if name == "etag" && !value.starts_with("W/") {
            value.to_mut().insert_str(0, "W/");
        }
    }
}

/// False for bodies that are already compressed, marked `no-transform`, or of a type that does
/// not compress (images, archives, unknown binary). An event stream is compressed only when it
/// is streamed, where each event is flushed on its own.
fn compressible(resp: &Response, streamed: bool) -> bool {
    let mut media_type = "";
    for (name, value) in &resp.headers {
        match name.as_ref() {
            "content-encoding" | "content-range" => return false,
            "cache-control" if contains_ignore_case(value, "no-transform") => return false,
            "content-type" => media_type = value.split(';').next().unwrap_or("").trim(),
            _ => {}
        }
    }
    let (kind, sub) = media_type.split_once('/').unwrap_or((media_type, ""));
    let any = |names: &[&str]| names.iter().any(|n| sub.eq_ignore_ascii_case(n));
    if kind.eq_ignore_ascii_case("image") {
        any(&["svg+xml", "bmp", "x-icon"])
    } else if kind.eq_ignore_ascii_case("video") || kind.eq_ignore_ascii_case("audio") {
        false
    } else if kind.eq_ignore_ascii_case("font") {
        !any(&["woff", "woff2"])
    } else if kind.eq_ignore_ascii_case("text") {
        streamed || !any(&["event-stream"])
    } else if kind.eq_ignore_ascii_case("application") {
        !any(&[
            "zip",
            "gzip",
            "x-gzip",
            "zstd",
            "x-bzip2",
            "x-xz",
            "x-7z-compressed",
            "x-rar-compressed",
            "vnd.rar",
            "pdf",
            "octet-stream",
            "wasm",
        ])
    } else {
        true
    }
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Method;

    fn config(backend: Encoding, fallback: bool) -> CompressionConfig {
        CompressionConfig {
            backend,
            minimum_size: 10,
            gzip_fallback: fallback,
            brotli_level: 5,
            brotli_lgwin: 14,
            gzip_level: 6,
        }
    }

    fn req(accept: &str) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            path: "/".into(),
            routing_path: None,
            query: String::new(),
            headers: vec![("accept-encoding".into(), accept.into())],
            body: Default::default(),
            peer: None,
            scheme: "http",
        }
    }

    #[test]
    fn negotiation_follows_q_values() {
        let c = config(Encoding::Brotli, true);
        assert_eq!(c.negotiate(&req("gzip, br")), Some(Encoding::Brotli));
        assert_eq!(c.negotiate(&req("gzip")), Some(Encoding::Gzip));
        assert_eq!(c.negotiate(&req("br;q=0, gzip")), Some(Encoding::Gzip));
        assert_eq!(
            c.negotiate(&req("br;q=0.2, gzip;q=0.9")),
            Some(Encoding::Gzip)
        );
        assert_eq!(c.negotiate(&req("*")), Some(Encoding::Brotli));
        assert_eq!(c.negotiate(&req("*;q=0")), None);
        assert_eq!(c.negotiate(&req("identity")), None);
        assert_eq!(c.negotiate(&req("deflate")), None);
        assert_eq!(config(Encoding::Zstd, false).negotiate(&req("gzip")), None);
    }

    #[test]
    fn skips_compressed_media_types() {
        let mut r = Response::new(200, "image/png", vec![0u8; 100]);
        config(Encoding::Gzip, true).apply(&req("gzip"), &mut r);
        assert!(!r.headers.iter().any(|(k, _)| k == "content-encoding"));
        let mut t = Response::new(200, "text/plain", vec![b'a'; 100]);
        config(Encoding::Gzip, true).apply(&req("gzip"), &mut t);
        assert!(t
            .headers
            .iter()
            .any(|(k, v)| k == "content-encoding" && v == "gzip"));
        assert!(t.content_length().unwrap_or(0) < 100);
    }
}
