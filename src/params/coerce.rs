//! String → typed value coercion and constraint checks, done without the GIL.

use super::errors::FieldError;
use super::spec::{Constraints, Kind, ParamSpec, Source};
use std::cmp::Ordering::{Equal, Greater, Less};

/// A coerced simple value, converted to a Python object later under the GIL.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    /// Integers beyond 64 bits are handed to Python's `int()` as text.
    BigInt(String),
    Float(f64),
    Str(String),
    Bool(bool),
    Uuid(u128),
    Date {
        year: i32,
        month: u8,
        day: u8,
    },
    DateTime(DateTimeParts),
    Time(TimeParts),
    Decimal(String),
    Bytes(Vec<u8>),
    List(Vec<Value>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimeParts {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micro: u32,
    /// Offset from UTC in seconds; `None` for a naive value.
    pub offset: Option<i32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DateTimeParts {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub time: TimeParts,
}

/// Coerces one raw string; `Err` carries (error type, message).
pub fn coerce(kind: Kind, raw: &str) -> Result<Value, (&'static str, String)> {
    match kind {
        Kind::Str | Kind::Any => Ok(Value::Str(raw.to_owned())),
        Kind::Bytes => Ok(Value::Bytes(raw.as_bytes().to_vec())),
        Kind::Int => parse_int(raw),
        Kind::Float => {
            let t = raw.trim();
            match t.parse::<f64>() {
                Ok(f) if !t.is_empty() && (f.is_finite() || t.contains(['i', 'I', 'n', 'N'])) => {
                    Ok(Value::Float(f))
                }
                _ => Err((
                    "float_parsing",
                    "Input should be a valid number, unable to parse string as a number".into(),
                )),
            }
        }
        Kind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => Ok(Value::Bool(true)),
            "false" | "0" | "no" | "off" | "f" | "n" => Ok(Value::Bool(false)),
            _ => Err((
                "bool_parsing",
                "Input should be a valid boolean, unable to interpret input".into(),
            )),
        },
        Kind::Uuid => uuid::Uuid::parse_str(raw.trim())
            .map(|u| Value::Uuid(u.as_u128()))
            .map_err(|_| ("uuid_parsing", "Input should be a valid UUID".into())),
        Kind::Date => parse_date(raw.trim())
            .map(|(year, month, day)| Value::Date { year, month, day })
            .ok_or((
                "date_parsing",
                "Input should be a valid date in the format YYYY-MM-DD".into(),
            )),
        Kind::DateTime => parse_datetime(raw.trim()).map(Value::DateTime).ok_or((
            "datetime_parsing",
            "Input should be a valid datetime in ISO 8601 format".into(),
        )),
        Kind::Time => parse_time(raw.trim()).map(Value::Time).ok_or((
            "time_parsing",
            "Input should be a valid time in the format HH:MM[:SS[.ffffff]]".into(),
        )),
        Kind::Decimal => {
            let t = raw.trim();
            let valid = !t.is_empty()
                && t.parse::<f64>().is_ok()
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
            if !valid {
                Err(("decimal_parsing", "Input should be a valid decimal".into()))
            } else if !decimal_exponent_in_range(t) {
                // Python's Decimal refuses such exponents (InvalidOperation): a 422, not a 500.
                Err((
                    "decimal_parsing",
                    "Input should be a valid decimal (exponent out of range)".into(),
                ))
            } else {
                Ok(Value::Decimal(t.to_owned()))
            }
        }
    }
}

fn parse_int(raw: &str) -> Result<Value, (&'static str, String)> {
    let t = raw.trim();
    let err = || {
        (
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer".to_owned(),
        )
    };
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && digits.len() <= 4300 {
        return Ok(Value::BigInt(t.to_owned()));
    }
    Err(err())
}

fn two(s: &[u8], at: usize) -> Option<u8> {
    let a = s.get(at)?;
    let b = s.get(at + 1)?;
    if a.is_ascii_digit() && b.is_ascii_digit() {
        Some((a - b'0') * 10 + (b - b'0'))
    } else {
        None
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn parse_date(s: &str) -> Option<(i32, u8, u8)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i32 = s[..4].parse().ok()?;
    let month = two(b, 5)?;
    let day = two(b, 8)?;
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some((year, month, day))
}

fn parse_offset(s: &str) -> Option<i32> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = match b.len() {
        6 if b[3] == b':' => (two(b, 1)?, two(b, 4)?),
        5 => (two(b, 1)?, two(b, 3)?),
        3 => (two(b, 1)?, 0),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (i32::from(h) * 3600 + i32::from(m) * 60))
}

fn parse_time(s: &str) -> Option<TimeParts> {
    let split = s
        .char_indices()
        .skip(5)
        .find(|(_, c)| matches!(c, 'Z' | 'z' | '+' | '-'))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (clock, offset) = s.split_at(split);
    let offset = if offset.is_empty() {
        None
    } else {
        Some(parse_offset(offset)?)
    };
    let b = clock.as_bytes();
    if b.len() < 5 || b[2] != b':' {
        return None;
    }
    let hour = two(b, 0)?;
    let minute = two(b, 3)?;
    let (mut second, mut micro) = (0u8, 0u32);
    if b.len() > 5 {
        if b[5] != b':' || b.len() < 8 {
            return None;
        }
        second = two(b, 6)?;
        if b.len() > 8 {
            if b[8] != b'.' && b[8] != b',' {
                return None;
            }
            let frac = &clock[9..];
            if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let padded = format!("{frac:0<6}");
            micro = padded[..6].parse().ok()?;
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(TimeParts {
        hour,
        minute,
        second,
        micro,
        offset,
    })
}

fn parse_datetime(s: &str) -> Option<DateTimeParts> {
    if s.len() == 10 {
        let (year, month, day) = parse_date(s)?;
        return Some(DateTimeParts {
            year,
            month,
            day,
            time: TimeParts {
                hour: 0,
                minute: 0,
                second: 0,
                micro: 0,
                offset: None,
            },
        });
    }
    if s.len() < 16 || !s.is_char_boundary(10) || !s.is_char_boundary(11) {
        return None;
    }
    let sep = s.as_bytes()[10];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return None;
    }
    let (year, month, day) = parse_date(&s[..10])?;
    let time = parse_time(&s[11..])?;
    Some(DateTimeParts {
        year,
        month,
        day,
        time,
    })
}

/// `Literal[...]` and string enums: the raw value must be one of `choices` (when there are any).
fn check_choice(c: &Constraints, text: &str) -> Result<(), (&'static str, String)> {
    if c.choices.is_empty() || c.choices.iter().any(|v| v == text) {
        return Ok(());
    }
    let quoted: Vec<String> = c.choices.iter().map(|v| format!("'{v}'")).collect();
    let expected = match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    Err(("literal_error", format!("Input should be {expected}")))
}

/// Checks numeric bounds, lengths, patterns and choices. `text` is the raw string (for
/// length/pattern/choices).
pub fn check_constraints(
    c: &Constraints,
    value: &Value,
    text: &str,
) -> Result<(), (&'static str, String)> {
    check_item(c, value, text)?;
    if matches!(value, Value::Str(_) | Value::Bytes(_)) {
        let len = text.chars().count();
        if let Some(min) = c.min_length {
            if len < min {
                return Err((
                    "string_too_short",
                    format!("String should have at least {min} characters"),
                ));
            }
        }
        if let Some(max) = c.max_length {
            if len > max {
                return Err((
                    "string_too_long",
                    format!("String should have at most {max} characters"),
                ));
            }
        }
    }
    Ok(())
}

/// The constraints of one value that hold for each item of a sequence too: choices, numeric
/// bounds and the pattern (lengths of a sequence count its items).
fn check_item(c: &Constraints, value: &Value, text: &str) -> Result<(), (&'static str, String)> {
    check_choice(c, text)?;
    let number = match value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Decimal(s) | Value::BigInt(s) => s.parse::<f64>().ok(),
        _ => None,
    };
    if let Some(n) = number {
        if let Some(gt) = c.gt {
            if !matches!(n.partial_cmp(&gt), Some(Greater)) {
                return Err(("greater_than", format!("Input should be > {}", fmt_num(gt))));
            }
        }
        if let Some(ge) = c.ge {
            if !matches!(n.partial_cmp(&ge), Some(Greater | Equal)) {
                return Err((
                    "greater_than_equal",
                    format!("Input should be >= {}", fmt_num(ge)),
                ));
            }
        }
        if let Some(lt) = c.lt {
            if !matches!(n.partial_cmp(&lt), Some(Less)) {
                return Err(("less_than", format!("Input should be < {}", fmt_num(lt))));
            }
        }
        if let Some(le) = c.le {
            if !matches!(n.partial_cmp(&le), Some(Less | Equal)) {
                return Err((
                    "less_than_equal",
                    format!("Input should be <= {}", fmt_num(le)),
                ));
            }
        }
    }
    if matches!(value, Value::Str(_) | Value::Bytes(_)) {
        if let Some(re) = &c.pattern {
            if !re.is_match(text) {
                return Err((
                    "string_pattern_mismatch",
                    format!("String should match pattern '{}'", re.as_str()),
                ));
            }
        }
    }
    Ok(())
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Bytes of one path or query value, or of a typed form field: no identifier, number or date
/// is longer, and a longer one would only cost memory and time to parse (the release's limit).
/// Text form fields (a message, an article) are bounded by the body size limit instead.
pub const MAX_PARAM_LENGTH: usize = 8192;

fn limits_length(spec: &ParamSpec) -> bool {
    match spec.source {
        Source::Path | Source::Query => true,
        Source::Form => !matches!(spec.kind, Kind::Str | Kind::Any | Kind::Bytes),
        _ => false,
    }
}

/// Coerces every raw value of one parameter (one for scalars, all for `list[T]`).
/// Returns `Ok(None)` when the parameter is absent.
pub fn coerce_param(spec: &ParamSpec, raws: &[&str]) -> Result<Option<Value>, Vec<FieldError>> {
    let loc = spec.source.loc_name();
    if limits_length(spec) {
        if let Some(raw) = raws.iter().find(|r| r.len() > MAX_PARAM_LENGTH) {
            return Err(vec![FieldError::new(
                loc,
                &spec.key,
                "parameter_too_long",
                format!(
                    "Parameter too long: {} bytes (max {MAX_PARAM_LENGTH} bytes)",
                    raw.len()
                ),
            )]);
        }
    }
    let one = |raw: &str| -> Result<Value, (&'static str, String)> {
        let v = coerce(spec.kind, raw)?;
        check_constraints(&spec.constraints, &v, raw)?;
        Ok(v)
    };
    if spec.is_list {
        if raws.is_empty() {
            return Ok(None);
        }
        let mut values = Vec::with_capacity(raws.len());
        let mut errors = Vec::new();
        for (i, raw) in raws.iter().enumerate() {
            match coerce(spec.kind, raw)
                .and_then(|v| check_item(&spec.constraints, &v, raw).map(|()| v))
            {
                Ok(v) => values.push(v),
                Err((kind, msg)) => errors.push(
                    FieldError::new(loc, &spec.key, kind, msg)
                        .at_index(i)
                        .with_input(raw),
                ),
            }
        }
        let c = &spec.constraints;
        if let Some(min) = c.min_length {
            if values.len() < min && errors.is_empty() {
                errors.push(FieldError::new(
                    loc,
                    &spec.key,
                    "too_short",
                    format!("List should have at least {min} items"),
                ));
            }
        }
        if let Some(max) = c.max_length {
            if values.len() > max {
                errors.push(FieldError::new(
                    loc,
                    &spec.key,
                    "too_long",
                    format!("List should have at most {max} items"),
                ));
            }
        }
        return if errors.is_empty() {
            Ok(Some(Value::List(values)))
        } else {
            Err(errors)
        };
    }
    match raws.last() {
        None => Ok(None),
        Some(raw) => one(raw).map(Some).map_err(|(kind, msg)| {
            vec![FieldError::new(loc, &spec.key, kind, msg).with_input(raw)]
        }),
    }
}

/// Python's `Decimal` builds the value (64-bit limits): the exponent of the last digit is at
/// least Etiny (-1999999999999999997) and that of the first significant digit at most Emax.
fn decimal_exponent_in_range(t: &str) -> bool {
    const EMAX: i128 = 999_999_999_999_999_999;
    const ETINY: i128 = -1_999_999_999_999_999_997;
    let (mantissa, written) = match t.find(['e', 'E']) {
        None => (t, 0),
        Some(i) => match t[i + 1..].parse::<i128>() {
            Ok(e) => (&t[..i], e),
            Err(_) => return false,
        },
    };
    let mantissa = mantissa.trim_start_matches(['+', '-']);
    let frac = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i128;
    let significant = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip_while(|b| *b == b'0')
        .count()
        .max(1) as i128;
    let exp = written - frac;
    exp >= ETINY && exp + significant - 1 <= EMAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_and_bigints() {
        assert_eq!(coerce(Kind::Int, "42"), Ok(Value::Int(42)));
        assert!(matches!(
            coerce(Kind::Int, "123456789012345678901234567890"),
            Ok(Value::BigInt(_))
        ));
        assert!(coerce(Kind::Int, "4.2").is_err());
        assert!(coerce(Kind::Int, "").is_err());
    }

    #[test]
    fn floats_reject_garbage() {
        assert_eq!(coerce(Kind::Float, "1.5"), Ok(Value::Float(1.5)));
        assert!(coerce(Kind::Float, "abc").is_err());
        assert!(coerce(Kind::Float, "1e999").is_err());
    }

    #[test]
    fn bools() {
        assert_eq!(coerce(Kind::Bool, "Yes"), Ok(Value::Bool(true)));
        assert_eq!(coerce(Kind::Bool, "0"), Ok(Value::Bool(false)));
        assert!(coerce(Kind::Bool, "maybe").is_err());
    }

    #[test]
    fn dates_and_datetimes() {
        assert!(coerce(Kind::Date, "2024-02-29").is_ok());
        assert!(coerce(Kind::Date, "2023-02-29").is_err());
        assert!(coerce(Kind::Date, "2023-2-1").is_err());
        let v = coerce(Kind::DateTime, "2024-01-02T03:04:05.5+02:00").unwrap();
        match v {
            Value::DateTime(dt) => {
                assert_eq!(dt.time.micro, 500_000);
                assert_eq!(dt.time.offset, Some(7200));
            }
            _ => panic!(),
        }
        assert!(coerce(Kind::DateTime, "2024-01-02T25:00").is_err());
        assert!(coerce(Kind::DateTime, "2024-01-02Té00:00").is_err());
    }

    #[test]
    fn constraints() {
        let c = Constraints {
            ge: Some(1.0),
            le: Some(10.0),
            ..Default::default()
        };
        assert!(check_constraints(&c, &Value::Int(0), "0").is_err());
        assert!(check_constraints(&c, &Value::Int(10), "10").is_ok());
        let c = Constraints {
            max_length: Some(3),
            pattern: Some(regex::Regex::new("^a").unwrap()),
            ..Default::default()
        };
        assert!(check_constraints(&c, &Value::Str("abcd".into()), "abcd").is_err());
        assert!(check_constraints(&c, &Value::Str("bc".into()), "bc").is_err());
        assert!(check_constraints(&c, &Value::Str("ab".into()), "ab").is_ok());
        let c = Constraints {
            choices: vec!["a".into(), "b".into(), "c".into()],
            ..Default::default()
        };
        assert!(check_constraints(&c, &Value::Str("b".into()), "b").is_ok());
        let (kind, msg) = check_constraints(&c, &Value::Str("d".into()), "d").unwrap_err();
        assert_eq!(
            (kind, msg.as_str()),
            ("literal_error", "Input should be 'a', 'b' or 'c'")
        );
    }
}
