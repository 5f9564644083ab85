//! `application/x-www-form-urlencoded` parsing (query strings and url-encoded forms).

use percent_encoding::percent_decode;
use std::borrow::Cow;

/// Splits `a=1&b=2` into decoded pairs. Fails on bytes that are not UTF-8 after decoding.
pub fn parse_urlencoded(raw: &[u8]) -> Result<Vec<(String, String)>, String> {
    Ok(parse_urlencoded_borrowed(raw)?
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// A decoded key and value, borrowed from the input when they needed no decoding.
pub type BorrowedPair<'a> = (Cow<'a, str>, Cow<'a, str>);

/// [`parse_urlencoded`] without copying the keys and values that need no decoding (most of
/// them), for callers that only look at the pairs while `raw` lives.
pub fn parse_urlencoded_borrowed(raw: &[u8]) -> Result<Vec<BorrowedPair<'_>>, String> {
    let mut pairs = Vec::new();
    for piece in raw.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (k, v) = match memchr::memchr(b'=', piece) {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &b""[..]),
        };
        pairs.push((decode_component(k)?, decode_component(v)?));
    }
    Ok(pairs)
}

fn decode_component(raw: &[u8]) -> Result<Cow<'_, str>, String> {
    let has_plus = memchr::memchr(b'+', raw).is_some();
    let has_pct = memchr::memchr(b'%', raw).is_some();
    if !has_plus && !has_pct {
        return std::str::from_utf8(raw)
            .map(Cow::Borrowed)
            .map_err(|_| "value is not valid UTF-8".to_owned());
    }
    let spaced: Vec<u8> = if has_plus {
        raw.iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect()
    } else {
        raw.to_vec()
    };
    // Bytes that are not UTF-8 become U+FFFD, as Django's QueryDict decodes them.
    Ok(Cow::Owned(
        percent_decode(&spaced).decode_utf8_lossy().into_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent() {
        let p = parse_urlencoded(b"a=1+2&b=%C3%A9&c&&d=").unwrap();
        assert_eq!(
            p,
            vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "é".into()),
                ("c".into(), "".into()),
                ("d".into(), "".into())
            ]
        );
    }

    #[test]
    fn replaces_invalid_utf8_as_django_does() {
        let p = parse_urlencoded(b"a=%FF&b%E9=1").unwrap();
        assert_eq!(
            p,
            vec![
                ("a".into(), "\u{fffd}".into()),
                ("b\u{fffd}".into(), "1".into())
            ]
        );
    }
}
