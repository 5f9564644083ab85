//! The `Cookie` request header read as Django's `parse_cookie` reads it: `;`-separated pairs,
//! a chunk without `=` is a value with an empty name, and a quoted value is unquoted with
//! Python's `http.cookies` rules (`\ooo` octal and `\c` escapes), so a value Django (or
//! `Response.set_cookie`) wrote quoted reads back unchanged.

use std::borrow::Cow;

/// The pairs of one `Cookie` header in order (a later pair of the same name wins in a dict).
pub fn parse(header: &str) -> Vec<(String, String)> {
    header
        .split(';')
        .filter_map(|chunk| {
            let (name, value) = chunk.split_once('=').unwrap_or(("", chunk));
            let (name, value) = (name.trim(), value.trim());
            if name.is_empty() && value.is_empty() {
                return None;
            }
            Some((name.to_owned(), unquote(value).into_owned()))
        })
        .collect()
}

/// Python's `http.cookies._unquote`: a value in double quotes loses them, `\` + three octal
/// digits (the first 0-3) is that Latin-1 character, `\` + another character is that
/// character; anything else is kept as it is.
fn unquote(value: &str) -> Cow<'_, str> {
    let inner = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) if value.len() >= 2 => inner,
        _ => return Cow::Borrowed(value),
    };
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let chars: Vec<char> = inner.chars().collect();
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let octal = chars.get(i + 1..i + 4).filter(|d| {
            ('0'..='3').contains(&d[0])
                && ('0'..='7').contains(&d[1])
                && ('0'..='7').contains(&d[2])
        });
        if let Some(d) = octal {
            let code = d.iter().fold(0u32, |n, c| n * 8 + (*c as u32 - '0' as u32));
            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            i += 4;
        } else if chars[i + 1] == '\n' {
            // The pattern's `.` does not match a line feed: the backslash stays.
            out.push(c);
            i += 1;
        } else {
            out.push(chars[i + 1]);
            i += 2;
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn pairs(header: &str) -> Vec<(&'static str, String)> {
        parse(header)
            .into_iter()
            .map(|(k, v)| (Box::leak(k.into_boxed_str()) as &str, v))
            .collect()
    }

    #[test]
    fn plain_pairs_and_bare_values() {
        assert_eq!(
            pairs("a=1; b = 2 ;bare; ;="),
            vec![("a", "1".into()), ("b", "2".into()), ("", "bare".into())]
        );
    }

    #[test]
    fn quoted_values_are_unquoted_as_python_does() {
        assert_eq!(pairs(r#"k="a b\073c""#), vec![("k", "a b;c".into())]);
        assert_eq!(
            pairs(r#"k="{\"a\": 1}""#),
            vec![("k", r#"{"a": 1}"#.into())]
        );
        assert_eq!(pairs(r#"k="\351t\351""#), vec![("k", "été".into())]);
        assert_eq!(pairs(r#"k="x\""#), vec![("k", r"x\".into())]);
        assert_eq!(pairs(r#"k="""#), vec![("k", "".into())]);
        assert_eq!(pairs(r#"k=""#), vec![("k", "\"".into())]);
        assert_eq!(pairs(r#"k="a\477""#), vec![("k", "a477".into())]);
    }
}
