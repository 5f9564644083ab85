//! Unit tests of the request-head parser, the framing rules and the chunked decoder
//! (src/server/head.rs), through their public API. A file of its own so that changes to head.rs
//! and to these tests merge independently.

use super::head::*;
use crate::request::Method;
use crate::response::Response;
use bytes::BytesMut;

fn parse(raw: &[u8], max_headers: usize, max_bytes: usize) -> Result<Option<(Head, usize)>, u16> {
    match parse_head(raw, max_headers, max_bytes) {
        Ok(Parsed::Complete(head, n)) => Ok(Some((head, n))),
        Ok(Parsed::Partial) => Ok(None),
        Err(response) => Err(response.status),
    }
}

fn head(raw: &str) -> Head {
    parse(raw.as_bytes(), 100, 64 * 1024)
        .ok()
        .flatten()
        .expect("a complete head")
        .0
}

fn status<T>(result: Result<T, Response>) -> Option<u16> {
    result.err().map(|r| r.status)
}

#[test]
fn a_complete_head_and_what_follows_it() {
    let raw =
        b"POST /items?x=1 HTTP/1.1\r\nHost: a\r\nX-Name: Value\r\nContent-Length: 3\r\n\r\nabcGET";
    let (h, n) = parse(raw, 100, 64 * 1024).ok().flatten().unwrap();
    assert!(matches!(h.method, Method::Post));
    assert_eq!(h.target, "/items?x=1");
    assert_eq!(h.minor_version, 1);
    // Names are lowercased, values kept; `n` ends at the blank line, the body is the caller's.
    assert_eq!(h.headers[1], ("x-name".to_owned(), "Value".to_owned()));
    assert_eq!(&raw[n..], b"abcGET");
}

#[test]
fn partial_heads_wait_until_the_byte_limit() {
    assert_eq!(
        parse(b"GET / HTTP/1.1\r\nHost: a\r\n", 100, 1024)
            .ok()
            .map(|p| p.is_none()),
        Some(true)
    );
    // Still incomplete beyond the limit: refused rather than buffered without end.
    let long = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(2000));
    assert_eq!(parse(long.as_bytes(), 100, 1024).err(), Some(431));
    // Complete, but larger than the limit.
    let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(2000));
    assert_eq!(parse(big.as_bytes(), 100, 1024).err(), Some(431));
}

#[test]
fn header_count_limit_on_the_stack_and_on_the_heap() {
    let with = |count: usize| {
        let mut raw = String::from("GET / HTTP/1.1\r\n");
        for i in 0..count {
            raw.push_str(&format!("X-{i}: v\r\n"));
        }
        raw + "\r\n"
    };
    assert_eq!(parse(with(3).as_bytes(), 2, 64 * 1024).err(), Some(431));
    assert_eq!(
        parse(with(2).as_bytes(), 2, 64 * 1024)
            .ok()
            .flatten()
            .map(|(h, _)| h.headers.len()),
        Some(2)
    );
    // More slots than the stack table holds (128): the heap path.
    let parsed = parse(with(200).as_bytes(), 300, 64 * 1024).ok().flatten();
    assert_eq!(parsed.map(|(h, _)| h.headers.len()), Some(200));
    assert_eq!(parse(with(301).as_bytes(), 300, 64 * 1024).err(), Some(431));
}

#[test]
fn malformed_heads_are_400() {
    for raw in [
        &b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"[..],
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET / FTP/1.1\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n",
    ] {
        assert_eq!(
            parse(raw, 100, 64 * 1024).err(),
            Some(400),
            "{:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[test]
fn header_values_are_latin1() {
    let h = parse(b"GET / HTTP/1.0\r\nX: caf\xe9\r\n\r\n", 100, 1024)
        .ok()
        .flatten()
        .unwrap()
        .0;
    assert_eq!(h.minor_version, 0);
    assert_eq!(h.headers[0].1, "caf\u{e9}");
}

#[test]
fn framing_rules() {
    let framing = |raw: &str| head(raw).framing();
    assert!(matches!(
        framing("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        Ok(Framing::None)
    ));
    assert!(matches!(
        framing("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
        Ok(Framing::None)
    ));
    assert!(matches!(
        framing("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"),
        Ok(Framing::Length(5))
    ));
    // Repeated equal values are one length (RFC 9110 §8.6); different ones are refused.
    assert!(matches!(
        framing("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n"),
        Ok(Framing::Length(5))
    ));
    assert!(matches!(
        framing("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"),
        Ok(Framing::Chunked)
    ));
    for (raw, expected) in [
        (
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            400,
        ),
        ("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400),
        (
            "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            400,
        ),
        (
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            400,
        ),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            501,
        ),
        (
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
            501,
        ),
        (
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            501,
        ),
        // HTTP/1.0 has no chunked coding.
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
    ] {
        assert_eq!(status(framing(raw)), Some(expected), "{raw:?}");
    }
}

#[test]
fn host_keep_alive_and_expect() {
    assert!(head("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .check_host()
        .is_ok());
    assert!(head("GET / HTTP/1.0\r\n\r\n").check_host().is_ok());
    assert_eq!(
        status(head("GET / HTTP/1.1\r\n\r\n").check_host()),
        Some(400)
    );
    assert_eq!(
        status(head("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").check_host()),
        Some(400)
    );

    assert!(head("GET / HTTP/1.1\r\n\r\n").wants_keep_alive());
    assert!(!head("GET / HTTP/1.1\r\nConnection: Keep-Alive, Close\r\n\r\n").wants_keep_alive());
    assert!(!head("GET / HTTP/1.0\r\n\r\n").wants_keep_alive());
    assert!(head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").wants_keep_alive());

    assert!(head("PUT / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n").expects_continue());
    assert!(!head("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").expects_continue());
    assert!(!head("PUT / HTTP/1.1\r\nExpect: something\r\n\r\n").expects_continue());
}

#[test]
fn targets() {
    let split = |target: &str| {
        let mut h = head("GET / HTTP/1.1\r\n\r\n");
        h.target = target.to_owned();
        h.path_and_query().map_err(|r| r.status)
    };
    let ok = |path: &str, query: &str| Ok((path.to_owned(), query.to_owned(), None));
    assert_eq!(
        split("/a%2Fb/%C3%A9?x=%20#frag"),
        Ok((
            "/a/b/\u{e9}".to_owned(),
            "x=%20".to_owned(),
            Some("/a\0b/\u{e9}".to_owned())
        ))
    );
    assert_eq!(split("http://example.com/p?q=1"), ok("/p", "q=1"));
    assert_eq!(split("https://example.com"), ok("/", ""));
    assert_eq!(split("/only#fragment"), ok("/only", ""));
    assert_eq!(split("*"), ok("*", ""));
    assert_eq!(split("relative"), Err(400));
    assert_eq!(split("/nul%00"), Err(400));
    assert_eq!(split("/%E9"), Err(400));
}

/// Feeds `wire` to a decoder in pieces of `step` bytes; returns the decoder's final result and
/// the bytes left in the buffer.
fn decode(wire: &[u8], step: usize, limit: usize) -> (Result<Vec<u8>, u16>, Vec<u8>) {
    let mut decoder = ChunkedDecoder::new();
    let mut buf = BytesMut::new();
    for piece in wire.chunks(step) {
        buf.extend_from_slice(piece);
        match decoder.advance(&mut buf, limit) {
            Ok(ChunkProgress::Done) => return (Ok(decoder.body), buf.to_vec()),
            Ok(ChunkProgress::NeedMore) => {}
            Err(response) => return (Err(response.status), buf.to_vec()),
        }
    }
    (Err(0), buf.to_vec()) // 0: still waiting for more
}

#[test]
fn chunked_bodies_whole_and_in_pieces_leave_the_next_request() {
    let wire =
        b"4\r\nWiki\r\nA;name=value\r\npedia, the\r\n0\r\nX-Trailer: 1\r\n\r\nGET / HTTP/1.1";
    for step in [1, 2, 3, 7, wire.len()] {
        let (body, rest) = decode(wire, step, 1000);
        assert_eq!(body, Ok(b"Wikipedia, the".to_vec()), "step {step}");
        // Pipelined bytes after the body are untouched (only the part fed so far).
        assert!(
            b"GET / HTTP/1.1".starts_with(&rest),
            "step {step}: {rest:?}"
        );
    }
}

#[test]
fn chunked_errors() {
    for (wire, expected) in [
        (&b"zz\r\n"[..], 400),
        (b"-1\r\n", 400),
        (b"11111111111111111\r\nx", 400), // 17 hex digits
        (b"4\r\nWikiXX", 400),            // data not followed by CRLF
        (b"4 x\r\nWiki\r\n0\r\n\r\n", 400),
    ] {
        assert_eq!(
            decode(wire, wire.len(), 1000).0,
            Err(expected),
            "{:?}",
            String::from_utf8_lossy(wire)
        );
    }
    // A size line that never ends is refused once it is longer than 4 KiB.
    let endless = vec![b'0'; 5000];
    assert_eq!(decode(&endless, 1000, 1000).0, Err(400));
    // Trailers are skipped but bounded (8 KiB).
    let mut trailers = b"0\r\n".to_vec();
    for i in 0..1000 {
        trailers.extend_from_slice(format!("X-{i}: vvvvvvvv\r\n").as_bytes());
    }
    trailers.extend_from_slice(b"\r\n");
    assert_eq!(decode(&trailers, 512, 1000).0, Err(431));
    // Incomplete input is not an error: the decoder waits.
    assert_eq!(decode(b"4\r\nWi", 2, 1000).0, Err(0));
}

#[test]
fn chunked_size_limit_counts_every_chunk_even_taken_ones() {
    assert_eq!(
        decode(b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 64, 10).0,
        Ok(b"helloworld".to_vec())
    );
    assert_eq!(
        decode(b"5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", 64, 10).0,
        Err(413)
    );
    // A streaming caller takes the body out as it goes; the limit still counts it.
    let mut decoder = ChunkedDecoder::new();
    let mut buf = BytesMut::from(&b"5\r\nhello\r\n"[..]);
    assert!(matches!(
        decoder.advance(&mut buf, 8),
        Ok(ChunkProgress::NeedMore)
    ));
    assert_eq!(std::mem::take(&mut decoder.body), b"hello");
    buf.extend_from_slice(b"5\r\nworld\r\n");
    assert_eq!(status(decoder.advance(&mut buf, 8)), Some(413));
}

#[test]
fn done_is_final() {
    let mut decoder = ChunkedDecoder::new();
    let mut buf = BytesMut::from(&b"0\r\n\r\nNEXT"[..]);
    assert!(matches!(
        decoder.advance(&mut buf, 8),
        Ok(ChunkProgress::Done)
    ));
    assert!(matches!(
        decoder.advance(&mut buf, 8),
        Ok(ChunkProgress::Done)
    ));
    assert_eq!(&buf[..], b"NEXT");
}

#[test]
fn limits_of_a_head_given_as_parts_match_the_parser() {
    let headers = vec![
        ("host".to_owned(), "a".to_owned()),
        ("x".to_owned(), "b".repeat(40)),
    ];
    let raw = format!(
        "GET /p?q=1 HTTP/1.1\r\nhost: a\r\nx: {}\r\n\r\n",
        "b".repeat(40)
    );
    // At exactly its size both accept the head; one byte less, both refuse it.
    for limit in [raw.len(), raw.len() - 1] {
        let parsed = parse(raw.as_bytes(), 100, limit).err();
        let parts = check_head_limits("GET", "/p?q=1", &headers, 100, limit)
            .err()
            .map(|r| r.status);
        assert_eq!(parsed, parts, "limit {limit}");
    }
    assert_eq!(parse(raw.as_bytes(), 1, 1024).err(), Some(431));
    assert_eq!(
        check_head_limits("GET", "/p?q=1", &headers, 1, 1024)
            .err()
            .map(|r| r.status),
        Some(431)
    );
}
