//! The chunked-body decoder, fed the input in pieces (the first byte picks their size) as a
//! socket would deliver it: it must never decode more than the limit, or panic.
#![no_main]

use _core::server::head::{ChunkProgress, ChunkedDecoder};
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Some((&piece, data)) = data.split_first() else {
        return;
    };
    let piece = usize::from(piece).max(1);
    let mut decoder = ChunkedDecoder::new();
    let mut buf = BytesMut::new();
    for chunk in data.chunks(piece) {
        buf.extend_from_slice(chunk);
        match decoder.advance(&mut buf, LIMIT) {
            Ok(ChunkProgress::NeedMore) => {}
            Ok(ChunkProgress::Done) | Err(_) => break,
        }
        assert!(decoder.body.len() <= LIMIT);
    }
});
