//! JWT verification: signature with a pinned algorithm, then the registered claims.

use super::jwks::KeySet;
use super::keys::{b64url, b64url_encode, Alg, SignKey, VerifyKey};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Tokens longer than this are refused before any decoding.
pub const MAX_TOKEN_BYTES: usize = 8192;

pub enum Keys {
    One(VerifyKey),
    Set(Arc<KeySet>),
}

pub struct JwtVerifier {
    pub algorithms: Vec<Alg>,
    pub keys: Keys,
    pub audience: Vec<String>,
    pub issuer: Vec<String>,
    pub leeway: i64,
    pub required: Vec<String>,
    pub require_jti: bool,
    pub token_type: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum JwtError {
    Malformed,
    TooLarge,
    Algorithm,
    UnknownKey(Option<String>),
    Signature,
    Expired,
    NotYetValid,
    IssuedInFuture,
    Audience,
    Issuer,
    Missing(String),
    TokenType,
}

impl JwtError {
    pub fn message(&self) -> String {
        match self {
            JwtError::Malformed => "Malformed token".into(),
            JwtError::TooLarge => "Token is too large".into(),
            JwtError::Algorithm => "Token algorithm is not allowed".into(),
            JwtError::UnknownKey(_) => "Token signing key is unknown".into(),
            JwtError::Signature => "Invalid token signature".into(),
            JwtError::Expired => "Token has expired".into(),
            JwtError::NotYetValid => "Token is not yet valid".into(),
            JwtError::IssuedInFuture => "Token was issued in the future".into(),
            JwtError::Audience => "Invalid token audience".into(),
            JwtError::Issuer => "Invalid token issuer".into(),
            JwtError::Missing(c) => format!("Token is missing the {c:?} claim"),
            JwtError::TokenType => "Wrong token type".into(),
        }
    }
}

pub struct Parsed<'a> {
    pub alg: Alg,
    pub kid: Option<String>,
    pub signed: &'a [u8],
    pub signature: Vec<u8>,
    pub payload: Vec<u8>,
}

/// Splits and decodes a compact JWS; checks the algorithm against the pinned list.
pub fn parse<'a>(token: &'a str, allowed: &[Alg]) -> Result<Parsed<'a>, JwtError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(JwtError::TooLarge);
    }
    let mut parts = token.splitn(4, '.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: Value = b64url(h)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(JwtError::Malformed)?;
    let header = header.as_object().ok_or(JwtError::Malformed)?;
    if header.contains_key("crit") {
        // No extensions are understood, so a token demanding one must be refused (RFC 7515 4.1.11).
        return Err(JwtError::Malformed);
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(Alg::parse)
        .ok_or(JwtError::Algorithm)?;
    if !allowed.contains(&alg) {
        return Err(JwtError::Algorithm);
    }
    let kid = match header.get("kid") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => return Err(JwtError::Malformed),
    };
    let signature = b64url(s).ok_or(JwtError::Malformed)?;
    let payload = b64url(p).ok_or(JwtError::Malformed)?;
    Ok(Parsed {
        alg,
        kid,
        signed: &token.as_bytes()[..h.len() + 1 + p.len()],
        signature,
        payload,
    })
}

fn numeric(claims: &Map<String, Value>, name: &str) -> Result<Option<f64>, JwtError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or(JwtError::Malformed),
    }
}

impl JwtVerifier {
    /// Verifies `token` at time `now` (seconds). `UnknownKey` lets the caller refresh a key set.
    pub fn verify(&self, token: &str, now: i64) -> Result<Map<String, Value>, JwtError> {
        let parsed = parse(token, &self.algorithms)?;
        let ok = match &self.keys {
            Keys::One(key) => key.verify(parsed.alg, parsed.signed, &parsed.signature),
            Keys::Set(set) => set.verify(
                parsed.kid.as_deref(),
                parsed.alg,
                parsed.signed,
                &parsed.signature,
            )?,
        };
        if !ok {
            return Err(JwtError::Signature);
        }
        let claims: Value =
            serde_json::from_slice(&parsed.payload).map_err(|_| JwtError::Malformed)?;
        let Value::Object(claims) = claims else {
            return Err(JwtError::Malformed);
        };
        self.validate(&claims, now)?;
        Ok(claims)
    }

    fn validate(&self, claims: &Map<String, Value>, now: i64) -> Result<(), JwtError> {
        let now = now as f64;
        let leeway = self.leeway as f64;
        if let Some(exp) = numeric(claims, "exp")? {
            if now > exp + leeway {
                return Err(JwtError::Expired);
            }
        }
        if let Some(nbf) = numeric(claims, "nbf")? {
            if now + leeway < nbf {
                return Err(JwtError::NotYetValid);
            }
        }
        if let Some(iat) = numeric(claims, "iat")? {
            if now + leeway < iat {
                return Err(JwtError::IssuedInFuture);
            }
        }
        if !self.issuer.is_empty() {
            match claims.get("iss").and_then(Value::as_str) {
                Some(iss) if self.issuer.iter().any(|i| i == iss) => {}
                _ => return Err(JwtError::Issuer),
            }
        }
        if !self.audience.is_empty() {
            let ok = match claims.get("aud") {
                Some(Value::String(a)) => self.audience.contains(a),
                Some(Value::Array(list)) => list
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|a| self.audience.iter().any(|x| x == a)),
                _ => false,
            };
            if !ok {
                return Err(JwtError::Audience);
            }
        }
        for name in &self.required {
            if !claims.contains_key(name) {
                return Err(JwtError::Missing(name.clone()));
            }
        }
        if self.require_jti {
            match claims.get("jti") {
                Some(Value::String(j)) if !j.is_empty() => {}
                _ => return Err(JwtError::Missing("jti".into())),
            }
        }
        check_token_type(claims, self.token_type.as_deref())
    }
}

/// Claims that name a token's type: `typ` (ours and the release's), `type` (tokens this project issued before it used `typ`),
/// `token_type` (djangorestframework-simplejwt), `token_use` (django-allauth, AWS Cognito).
const TYPE_CLAIMS: [&str; 4] = ["typ", "type", "token_type", "token_use"];
/// Types that must never authenticate an ordinary route (Keycloak writes them capitalised).
const NON_ACCESS_TYPES: [&str; 3] = ["refresh", "offline", "id"];

/// With `expected` (a rotation route's `token_type="refresh"`), every type claim present must
/// say exactly that and at least one must be present; without it, a refresh, offline or ID
/// token is refused so it cannot stand in for an access token.
fn check_token_type(claims: &Map<String, Value>, expected: Option<&str>) -> Result<(), JwtError> {
    let mut named = false;
    for name in TYPE_CLAIMS {
        let Some(value) = claims.get(name) else {
            continue;
        };
        match (expected, value.as_str()) {
            (Some(e), Some(v)) if v == e => named = true,
            (Some(_), _) => return Err(JwtError::TokenType),
            (None, Some(v)) if NON_ACCESS_TYPES.iter().any(|t| v.eq_ignore_ascii_case(t)) => {
                return Err(JwtError::TokenType)
            }
            (None, _) => {}
        }
    }
    if expected.is_some() && !named {
        return Err(JwtError::TokenType);
    }
    Ok(())
}

/// A compact JWS over `claims_json` (already-serialised JSON object).
pub fn encode(
    claims_json: &[u8],
    alg: Alg,
    key: &SignKey,
    kid: Option<&str>,
) -> Result<String, String> {
    let mut header = Map::new();
    header.insert("alg".into(), Value::String(alg.name().into()));
    header.insert("typ".into(), Value::String("JWT".into()));
    if let Some(k) = kid {
        header.insert("kid".into(), Value::String(k.into()));
    }
    let header = serde_json::to_vec(&Value::Object(header)).map_err(|e| e.to_string())?;
    let mut out = b64url_encode(&header);
    out.push('.');
    out.push_str(&b64url_encode(claims_json));
    let sig = key.sign(alg, out.as_bytes())?;
    out.push('.');
    out.push_str(&b64url_encode(&sig));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier(secret: &[u8]) -> JwtVerifier {
        JwtVerifier {
            algorithms: vec![Alg::HS256],
            keys: Keys::One(VerifyKey::hmac(secret).expect("key")),
            audience: vec!["api".into()],
            issuer: vec![],
            leeway: 0,
            required: vec![],
            require_jti: false,
            token_type: None,
        }
    }

    fn token(claims: &str, alg: Alg, secret: &[u8]) -> String {
        let key = SignKey::new(alg, secret).expect("key");
        encode(claims.as_bytes(), alg, &key, None).expect("encode")
    }

    #[test]
    fn round_trip_and_claims() {
        let v = verifier(b"s3cret");
        let t = token(
            r#"{"sub":"1","aud":"api","exp":2000}"#,
            Alg::HS256,
            b"s3cret",
        );
        assert!(v.verify(&t, 1000).is_ok());
        assert_eq!(v.verify(&t, 3000), Err(JwtError::Expired));
        let wrong_aud = token(r#"{"sub":"1","aud":"other"}"#, Alg::HS256, b"s3cret");
        assert_eq!(v.verify(&wrong_aud, 1000), Err(JwtError::Audience));
        let forged = token(r#"{"sub":"1","aud":"api"}"#, Alg::HS256, b"other");
        assert_eq!(v.verify(&forged, 1000), Err(JwtError::Signature));
    }

    #[test]
    fn pinned_algorithm() {
        let v = verifier(b"s3cret");
        let t = token(r#"{"aud":"api"}"#, Alg::HS512, b"s3cret");
        assert_eq!(v.verify(&t, 0), Err(JwtError::Algorithm));
        let none = format!(
            "{}.{}.",
            b64url_encode(br#"{"alg":"none"}"#),
            b64url_encode(br#"{"aud":"api"}"#)
        );
        assert_eq!(v.verify(&none, 0), Err(JwtError::Algorithm));
        assert_eq!(
            v.verify(&"a".repeat(MAX_TOKEN_BYTES + 1), 0),
            Err(JwtError::TooLarge)
        );
        assert_eq!(v.verify("a.b", 0), Err(JwtError::Malformed));
    }

    fn claims(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).expect("claims")
    }

    #[test]
    fn token_types() {
        let ordinary = |c: &str| check_token_type(&claims(c), None);
        assert!(ordinary(r#"{"typ":"access"}"#).is_ok());
        assert!(ordinary(r#"{"typ":"Bearer"}"#).is_ok());
        assert!(ordinary(r#"{}"#).is_ok());
        for refused in [
            r#"{"typ":"refresh"}"#,
            r#"{"type":"refresh"}"#,
            r#"{"token_type":"REFRESH"}"#,
            r#"{"token_use":"id"}"#,
            r#"{"typ":"Offline"}"#,
            r#"{"typ":"ID"}"#,
        ] {
            assert_eq!(ordinary(refused), Err(JwtError::TokenType), "{refused}");
        }
        let rotation = |c: &str| check_token_type(&claims(c), Some("refresh"));
        assert!(rotation(r#"{"typ":"refresh"}"#).is_ok());
        assert!(rotation(r#"{"type":"refresh"}"#).is_ok());
        assert_eq!(rotation(r#"{}"#), Err(JwtError::TokenType));
        assert_eq!(rotation(r#"{"typ":"access"}"#), Err(JwtError::TokenType));
        assert_eq!(
            rotation(r#"{"typ":"refresh","token_type":"access"}"#),
            Err(JwtError::TokenType)
        );
        assert_eq!(rotation(r#"{"typ":7}"#), Err(JwtError::TokenType));
    }
}
