//! A push parser for `multipart/form-data`: bytes go in as they arrive, part events come out.
//! It does no I/O and holds only the bytes it cannot classify yet (a possible boundary, an
//! unfinished part header), so a body of any size passes through in bounded memory.

use super::form::{header_param, utf8_from_latin1, FormError};
use bytes::{Buf, Bytes, BytesMut};

/// Part headers larger than this are refused: they are never legitimately big.
const MAX_PART_HEAD: usize = 16 * 1024;

/// The headers of one part.
#[derive(Debug)]
pub struct PartHead {
    pub name: String,
    /// Present for file parts.
    pub filename: Option<String>,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug)]
pub enum Event {
    Part(PartHead),
    /// The next piece of the current part's content.
    Data(Bytes),
    PartEnd,
}

#[derive(Debug, PartialEq)]
enum State {
    Preamble,
    AfterBoundary,
    Head,
    Body,
    Done,
}

pub struct Parser {
    /// `--boundary`. As before, it is matched anywhere, and a CRLF or LF before it is not content.
    delimiter: Vec<u8>,
    buf: BytesMut,
    state: State,
    parts: usize,
    max_parts: usize,
}

fn bad(m: &str) -> FormError {
    FormError::Invalid(format!("malformed multipart body: {m}"))
}

impl Parser {
    pub fn new(boundary: &str, max_parts: usize) -> Result<Parser, FormError> {
        if boundary.is_empty() || boundary.len() > 200 {
            return Err(FormError::Invalid("invalid multipart boundary".into()));
        }
        Ok(Parser {
            delimiter: format!("--{boundary}").into_bytes(),
            buf: BytesMut::new(),
            state: State::Preamble,
            parts: 0,
            max_parts,
        })
    }

    pub fn push(&mut self, data: &[u8]) {
        // The epilogue after the closing boundary is ignored, not kept.
        if self.state != State::Done {
            self.buf.extend_from_slice(data);
        }
    }

    /// The next event, or `None` when more input is needed (or the body is complete).
    pub fn next_event(&mut self) -> Result<Option<Event>, FormError> {
        loop {
            match self.state {
                State::Preamble => {
                    let Some(i) = self.find_delimiter() else {
                        // Only a possible start of the boundary needs keeping.
                        let keep = self.delimiter.len() - 1;
                        if self.buf.len() > keep {
                            self.buf.advance(self.buf.len() - keep);
                        }
                        return Ok(None);
                    };
                    self.buf.advance(i + self.delimiter.len());
                    self.state = State::AfterBoundary;
                }
                State::AfterBoundary => {
                    match (self.buf.first(), self.buf.get(1)) {
                        (Some(b'-'), Some(b'-')) => {
                            self.state = State::Done;
                            self.buf = BytesMut::new();
                            return Ok(None);
                        }
                        (Some(b'\r'), Some(b'\n')) => self.buf.advance(2),
                        (Some(b'\n'), _) => self.buf.advance(1),
                        (None, _) | (Some(b'-' | b'\r'), None) => return Ok(None),
                        _ => return Err(bad("boundary not followed by a line break")),
                    }
                    self.parts += 1;
                    if self.parts > self.max_parts {
                        return Err(bad("too many parts"));
                    }
                    self.state = State::Head;
                }
                State::Head => {
                    let crlf = memchr::memmem::find(&self.buf, b"\r\n\r\n").map(|i| (i, 4));
                    let lf = memchr::memmem::find(&self.buf, b"\n\n").map(|i| (i, 2));
                    let end = match (crlf, lf) {
                        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
                        (a, b) => a.or(b),
                    };
                    let Some((len, sep)) = end else {
                        if self.buf.len() > MAX_PART_HEAD {
                            return Err(bad("part headers too large"));
                        }
                        return Ok(None);
                    };
                    let head = parse_head(&self.buf[..len])?;
                    self.buf.advance(len + sep);
                    self.state = State::Body;
                    return Ok(Some(Event::Part(head)));
                }
                State::Body => {
                    let dlen = self.delimiter.len();
                    let Some(i) = self.find_delimiter() else {
                        // The last bytes could be a line break and the start of the boundary.
                        let safe = self.buf.len().saturating_sub(dlen + 1);
                        if safe == 0 {
                            return Ok(None);
                        }
                        return Ok(Some(Event::Data(self.buf.split_to(safe).freeze())));
                    };
                    let end = if i >= 2 && &self.buf[i - 2..i] == b"\r\n" {
                        i - 2
                    } else if i >= 1 && self.buf[i - 1] == b'\n' {
                        i - 1
                    } else {
                        i
                    };
                    if end > 0 {
                        return Ok(Some(Event::Data(self.buf.split_to(end).freeze())));
                    }
                    self.buf.advance(i + dlen);
                    self.state = State::AfterBoundary;
                    return Ok(Some(Event::PartEnd));
                }
                State::Done => return Ok(None),
            }
        }
    }

    /// Called when the body has ended: anything but a closing boundary is a truncated body.
    pub fn finish(&self) -> Result<(), FormError> {
        match self.state {
            State::Done => Ok(()),
            State::Preamble => Err(bad("opening boundary not found")),
            _ => Err(bad("closing boundary not found")),
        }
    }

    fn find_delimiter(&self) -> Option<usize> {
        memchr::memmem::find(&self.buf, &self.delimiter)
    }
}

fn parse_head(raw: &[u8]) -> Result<PartHead, FormError> {
    let bad = |m: &str| FormError::Invalid(format!("malformed multipart part: {m}"));
    let text = crate::request::latin1(raw);
    let mut headers = Vec::new();
    for line in text.lines() {
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let disposition =
        find("content-disposition").ok_or_else(|| bad("missing Content-Disposition"))?;
    let name = header_param(&disposition, "name")?.ok_or_else(|| bad("part has no name"))?;
    // The raw name: UploadFile reduces it to a base name and keeps this as `raw_filename`.
    let filename = header_param(&disposition, "filename")?.map(|f| utf8_from_latin1(&f));
    let content_type =
        find("content-type").unwrap_or_else(|| "application/octet-stream".to_owned());
    Ok(PartHead {
        name: utf8_from_latin1(&name),
        filename,
        content_type,
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"preamble\r\n--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\nbody\r\n--XX--\r\nepilogue";

    /// Feeds `body` in pieces of `step` bytes and returns (name, content) per part.
    fn parts(body: &[u8], step: usize) -> Result<Vec<(String, Vec<u8>)>, FormError> {
        let mut p = Parser::new("XX", 10)?;
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        for piece in body.chunks(step) {
            p.push(piece);
            while let Some(ev) = p.next_event()? {
                match ev {
                    Event::Part(h) => out.push((h.name, Vec::new())),
                    Event::Data(d) => match out.last_mut() {
                        Some(last) => last.1.extend_from_slice(&d),
                        None => panic!("data before a part"),
                    },
                    Event::PartEnd => {}
                }
            }
        }
        p.finish()?;
        Ok(out)
    }

    #[test]
    fn same_parts_whatever_the_piece_size() {
        let expected = vec![
            ("a".to_owned(), b"hello".to_vec()),
            ("f".to_owned(), b"file\r\nbody".to_vec()),
        ];
        for step in [1, 2, 3, 5, 7, 16, BODY.len()] {
            assert_eq!(parts(BODY, step).unwrap(), expected, "step {step}");
        }
    }

    #[test]
    fn bare_line_feeds_are_accepted_as_before() {
        let body = b"--XX\nContent-Disposition: form-data; name=\"a\"\n\nhi\n--XX--";
        for step in [1, 3, body.len()] {
            assert_eq!(
                parts(body, step).unwrap(),
                vec![("a".to_owned(), b"hi".to_vec())]
            );
        }
    }

    #[test]
    fn truncated_body_is_an_error() {
        let cut = &BODY[..BODY.len() - 20];
        assert!(parts(cut, 4).is_err());
        assert!(parts(b"no boundary here", 4).is_err());
    }

    #[test]
    fn unterminated_quoted_filename_is_refused_and_the_raw_name_kept() {
        let part = |disposition: &str| {
            format!("--XX\r\nContent-Disposition: {disposition}\r\n\r\nx\r\n--XX--\r\n")
        };
        let bad = part("form-data; name=\"f\"; filename=\"a.txt");
        assert!(
            matches!(parts(bad.as_bytes(), 4), Err(FormError::Invalid(m)) if m.contains("quoted"))
        );
        let bad = part("form-data; name=\"f; filename=\"a.txt\"");
        assert!(parts(bad.as_bytes(), 4).is_err());
        // The parser keeps the client's name as sent; UploadFile reduces it to a base name.
        let mut p = Parser::new("XX", 10).unwrap();
        p.push(part("form-data; name=\"f\"; filename=\"../../x\"").as_bytes());
        match p.next_event() {
            Ok(Some(Event::Part(head))) => assert_eq!(head.filename.as_deref(), Some("../../x")),
            _ => panic!("expected a part"),
        }
    }

    #[test]
    fn too_many_parts() {
        let mut p = Parser::new("XX", 1).unwrap();
        p.push(BODY);
        let mut result = Ok(None);
        for _ in 0..10 {
            result = p.next_event();
            if result.is_err() {
                break;
            }
        }
        assert_eq!(
            result.unwrap_err(),
            FormError::Invalid("malformed multipart body: too many parts".into())
        );
    }
}
