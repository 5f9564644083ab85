//! A large multipart body for a route that reads a form is parsed while it is received instead of
//! being buffered first: the server holds a few socket reads at a time, big parts go straight to
//! temporary files, and a part or body over its limit is refused as soon as it is seen.

use super::conn::fill;
use super::head::{ChunkProgress, ChunkedDecoder, Framing};
use crate::app::App;
use crate::params::form::{FormData, FormKind};
use crate::pipeline::{Routed, Target};
use crate::request::HttpRequest;
use crate::response::Response;
use crate::streaming::upload::{error_response, FormBuilder};
use bytes::{Buf, BytesMut};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// The builder for a body that should be streamed: a multipart body for a form route, larger
/// than the spool threshold or of unknown length. Smaller ones are read into memory as usual.
pub(super) fn builder_for(
    app: &App,
    routed: &Routed,
    req: &HttpRequest,
    framing: &Framing,
) -> Option<Result<FormBuilder, Response>> {
    let large = match framing {
        Framing::None => false,
        Framing::Length(n) => *n > app.config.memory_spool_threshold,
        Framing::Chunked => true,
    };
    if !large {
        return None;
    }
    let Ok(FormKind::Multipart { boundary }) = FormKind::of(req.header("content-type")) else {
        return None;
    };
    let route = match routed.target {
        Target::Route { index, .. } => &app.routes[index],
        _ => return None,
    };
    if !route.needs.form {
        return None;
    }
    let limits = crate::pipeline::body::form_limits(app, route);
    Some(FormBuilder::new(&boundary, limits).map_err(error_response))
}

/// Reads the body into `builder`. On any error the builder is dropped here, which removes the
/// temporary files written so far. `idle` bounds each read, not the whole body: a large upload
/// over a slow but steady link may take longer than that in total.
pub(super) async fn receive(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    framing: Framing,
    limit: usize,
    idle: Duration,
    mut builder: FormBuilder,
) -> Result<FormData, Response> {
    let refuse = error_response;
    match framing {
        Framing::None => {}
        Framing::Length(mut remaining) => loop {
            let take = remaining.min(buf.len());
            if take > 0 {
                builder.push(&buf[..take]).await.map_err(refuse)?;
                buf.advance(take);
                remaining -= take;
            }
            if remaining == 0 {
                break;
            }
            fill(stream, buf, Instant::now() + idle).await?;
        },
        Framing::Chunked => {
            let mut decoder = ChunkedDecoder::new();
            loop {
                let progress = decoder.advance(buf, limit)?;
                let data = std::mem::take(&mut decoder.body);
                builder.push(&data).await.map_err(refuse)?;
                // The buffer is reused for the next read rather than grown anew.
                decoder.body = data;
                decoder.body.clear();
                match progress {
                    ChunkProgress::Done => break,
                    ChunkProgress::NeedMore => fill(stream, buf, Instant::now() + idle).await?,
                }
            }
        }
    }
    builder.finish().map_err(refuse)
}
