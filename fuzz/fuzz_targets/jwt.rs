//! The JWT parser and verifier (every algorithm allowed, so each key family's decoding runs) and
//! the JWKS document parser.
#![no_main]

use _core::auth::jwks::parse_jwks;
use _core::auth::jwt::{parse, JwtVerifier, Keys};
use _core::auth::keys::{Alg, VerifyKey};
use libfuzzer_sys::fuzz_target;

const ALGS: [&str; 12] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "EdDSA",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let allowed: Vec<Alg> = ALGS.iter().filter_map(|a| Alg::parse(a)).collect();
    let _ = parse(&text, &allowed);
    let verifier = JwtVerifier {
        algorithms: vec![Alg::parse("HS256").expect("HS256")],
        keys: Keys::One(VerifyKey::hmac(b"fuzzing-secret-key-32-bytes-long").expect("key")),
        audience: vec!["api".into()],
        issuer: vec!["issuer".into()],
        leeway: 5,
        required: vec!["sub".into()],
        require_jti: true,
        token_type: Some("access".into()),
    };
    let _ = verifier.verify(&text, 1_700_000_000);
    if let Ok(keys) = parse_jwks(&text) {
        for jwk in keys {
            let _ = jwk.key.verify(jwk.alg.unwrap_or(allowed[0]), data, data);
        }
    }
});
