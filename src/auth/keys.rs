//! JWT algorithms and keys. Keys are parsed once, when a backend is built; verifying a token only
//! hashes and checks the signature.

use hmac::{Hmac, Mac};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use signature::{Signer, Verifier};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    EdDSA,
}

/// Which kind of key an algorithm needs; a key of another kind never verifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Hmac,
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl Alg {
    /// Exact, case-sensitive names as in RFC 7518; `none` is not an algorithm here.
    pub fn parse(name: &str) -> Option<Alg> {
        Some(match name {
            "HS256" => Alg::HS256,
            "HS384" => Alg::HS384,
            "HS512" => Alg::HS512,
            "RS256" => Alg::RS256,
            "RS384" => Alg::RS384,
            "RS512" => Alg::RS512,
            "PS256" => Alg::PS256,
            "PS384" => Alg::PS384,
            "PS512" => Alg::PS512,
            "ES256" => Alg::ES256,
            "ES384" => Alg::ES384,
            "EdDSA" => Alg::EdDSA,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Alg::HS256 => "HS256",
            Alg::HS384 => "HS384",
            Alg::HS512 => "HS512",
            Alg::RS256 => "RS256",
            Alg::RS384 => "RS384",
            Alg::RS512 => "RS512",
            Alg::PS256 => "PS256",
            Alg::PS384 => "PS384",
            Alg::PS512 => "PS512",
            Alg::ES256 => "ES256",
            Alg::ES384 => "ES384",
            Alg::EdDSA => "EdDSA",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Alg::HS256 | Alg::HS384 | Alg::HS512 => Family::Hmac,
            Alg::RS256 | Alg::RS384 | Alg::RS512 | Alg::PS256 | Alg::PS384 | Alg::PS512 => {
                Family::Rsa
            }
            Alg::ES256 => Family::P256,
            Alg::ES384 => Family::P384,
            Alg::EdDSA => Family::Ed25519,
        }
    }
}

/// One secret keyed for each HS algorithm, so a request only clones the prepared state.
pub struct HmacKeys {
    s256: Hmac<Sha256>,
    s384: Hmac<Sha384>,
    s512: Hmac<Sha512>,
}

/// A verification key, ready to use.
pub enum VerifyKey {
    Hmac(Box<HmacKeys>),
    Rsa(RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

fn hmac_keys(secret: &[u8]) -> Result<VerifyKey, String> {
    let bad = |_| "HMAC key rejected".to_owned();
    Ok(VerifyKey::Hmac(Box::new(HmacKeys {
        s256: Hmac::<Sha256>::new_from_slice(secret).map_err(bad)?,
        s384: Hmac::<Sha384>::new_from_slice(secret).map_err(bad)?,
        s512: Hmac::<Sha512>::new_from_slice(secret).map_err(bad)?,
    })))
}

fn rsa_scheme_digest(alg: Alg, msg: &[u8]) -> Option<(Vec<u8>, bool, u8)> {
    // (digest, is_pss, hash bits / 8 selector)
    Some(match alg {
        Alg::RS256 => (Sha256::digest(msg).to_vec(), false, 0),
        Alg::RS384 => (Sha384::digest(msg).to_vec(), false, 1),
        Alg::RS512 => (Sha512::digest(msg).to_vec(), false, 2),
        Alg::PS256 => (Sha256::digest(msg).to_vec(), true, 0),
        Alg::PS384 => (Sha384::digest(msg).to_vec(), true, 1),
        Alg::PS512 => (Sha512::digest(msg).to_vec(), true, 2),
        _ => return None,
    })
}

fn pkcs1(sel: u8) -> Pkcs1v15Sign {
    match sel {
        0 => Pkcs1v15Sign::new::<Sha256>(),
        1 => Pkcs1v15Sign::new::<Sha384>(),
        _ => Pkcs1v15Sign::new::<Sha512>(),
    }
}

fn pss(sel: u8) -> Pss {
    match sel {
        0 => Pss::new::<Sha256>(),
        1 => Pss::new::<Sha384>(),
        _ => Pss::new::<Sha512>(),
    }
}

impl VerifyKey {
    pub fn hmac(secret: &[u8]) -> Result<VerifyKey, String> {
        if secret.is_empty() {
            return Err("the HMAC secret is empty".into());
        }
        hmac_keys(secret)
    }

    pub fn family(&self) -> Family {
        match self {
            VerifyKey::Hmac(_) => Family::Hmac,
            VerifyKey::Rsa(_) => Family::Rsa,
            VerifyKey::P256(_) => Family::P256,
            VerifyKey::P384(_) => Family::P384,
            VerifyKey::Ed25519(_) => Family::Ed25519,
        }
    }

    /// A PEM public key (SPKI or PKCS#1 RSA) for `family`; a private key PEM is accepted too and
    /// only its public half is kept.
    pub fn from_pem(pem: &str, family: Family) -> Result<VerifyKey, String> {
        let err = |what: &str| {
            format!("Invalid {what} public key PEM: public_key is not a valid {what} PEM key")
        };
        match family {
            Family::Hmac => Err("HMAC algorithms take a secret, not a public key".into()),
            Family::Rsa => RsaPublicKey::from_public_key_pem(pem)
                .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
                .or_else(|_| {
                    RsaPrivateKey::from_pkcs8_pem(pem)
                        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
                        .map(|k| k.to_public_key())
                })
                .map(VerifyKey::Rsa)
                .map_err(|_| err("RSA")),
            Family::P256 => p256::ecdsa::VerifyingKey::from_public_key_pem(pem)
                .or_else(|_| {
                    p256::SecretKey::from_pkcs8_pem(pem)
                        .or_else(|_| p256::SecretKey::from_sec1_pem(pem))
                        .map(|k| p256::ecdsa::VerifyingKey::from(k.public_key()))
                })
                .map(VerifyKey::P256)
                .map_err(|_| err("P-256 EC")),
            Family::P384 => p384::ecdsa::VerifyingKey::from_public_key_pem(pem)
                .or_else(|_| {
                    p384::SecretKey::from_pkcs8_pem(pem)
                        .or_else(|_| p384::SecretKey::from_sec1_pem(pem))
                        .map(|k| p384::ecdsa::VerifyingKey::from(k.public_key()))
                })
                .map(VerifyKey::P384)
                .map_err(|_| err("P-384 EC")),
            Family::Ed25519 => ed25519_dalek::VerifyingKey::from_public_key_pem(pem)
                .or_else(|_| {
                    ed25519_dalek::SigningKey::from_pkcs8_pem(pem).map(|k| k.verifying_key())
                })
                .map(VerifyKey::Ed25519)
                .map_err(|_| err("Ed25519")),
        }
    }

    /// `true` when `sig` is a valid signature of `msg` under `alg`. A key of another family
    /// never verifies (no HS/RS confusion).
    pub fn verify(&self, alg: Alg, msg: &[u8], sig: &[u8]) -> bool {
        if alg.family() != self.family() {
            return false;
        }
        match self {
            VerifyKey::Hmac(k) => match alg {
                Alg::HS256 => {
                    let mut m = k.s256.clone();
                    m.update(msg);
                    m.verify_slice(sig).is_ok()
                }
                Alg::HS384 => {
                    let mut m = k.s384.clone();
                    m.update(msg);
                    m.verify_slice(sig).is_ok()
                }
                _ => {
                    let mut m = k.s512.clone();
                    m.update(msg);
                    m.verify_slice(sig).is_ok()
                }
            },
            VerifyKey::Rsa(key) => match rsa_scheme_digest(alg, msg) {
                Some((digest, false, sel)) => key.verify(pkcs1(sel), &digest, sig).is_ok(),
                Some((digest, true, sel)) => key.verify(pss(sel), &digest, sig).is_ok(),
                None => false,
            },
            VerifyKey::P256(key) => p256::ecdsa::Signature::from_slice(sig)
                .map(|s| key.verify(msg, &s).is_ok())
                .unwrap_or(false),
            VerifyKey::P384(key) => p384::ecdsa::Signature::from_slice(sig)
                .map(|s| key.verify(msg, &s).is_ok())
                .unwrap_or(false),
            VerifyKey::Ed25519(key) => ed25519_dalek::Signature::from_slice(sig)
                .map(|s| key.verify_strict(msg, &s).is_ok())
                .unwrap_or(false),
        }
    }

    /// A key from one JWK (RFC 7517). Symmetric (`oct`) keys are refused: a key set is public.
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<VerifyKey, String> {
        let field = |name: &str| -> Result<Vec<u8>, String> {
            let s = jwk
                .get(name)
                .and_then(|v| v.as_str())
                .ok_or_else(|| format!("JWK is missing {name:?}"))?;
            b64url(s).ok_or_else(|| format!("JWK field {name:?} is not base64url"))
        };
        let kty = jwk.get("kty").and_then(|v| v.as_str()).unwrap_or("");
        let crv = jwk.get("crv").and_then(|v| v.as_str()).unwrap_or("");
        match (kty, crv) {
            ("RSA", _) => {
                let n = BigUint::from_bytes_be(&field("n")?);
                let e = BigUint::from_bytes_be(&field("e")?);
                RsaPublicKey::new(n, e)
                    .map(VerifyKey::Rsa)
                    .map_err(|e| format!("bad RSA JWK: {e}"))
            }
            ("EC", "P-256") => {
                let point = p256::EncodedPoint::from_affine_coordinates(
                    &p256::FieldBytes::from(fixed::<32>(&field("x")?)?),
                    &p256::FieldBytes::from(fixed::<32>(&field("y")?)?),
                    false,
                );
                p256::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map(VerifyKey::P256)
                    .map_err(|_| "bad P-256 JWK".into())
            }
            ("EC", "P-384") => {
                let point = p384::EncodedPoint::from_affine_coordinates(
                    &p384::FieldBytes::from(fixed::<48>(&field("x")?)?),
                    &p384::FieldBytes::from(fixed::<48>(&field("y")?)?),
                    false,
                );
                p384::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map(VerifyKey::P384)
                    .map_err(|_| "bad P-384 JWK".into())
            }
            ("OKP", "Ed25519") => {
                ed25519_dalek::VerifyingKey::from_bytes(&fixed::<32>(&field("x")?)?)
                    .map(VerifyKey::Ed25519)
                    .map_err(|_| "bad Ed25519 JWK".into())
            }
            _ => Err(format!("unsupported JWK kty={kty:?} crv={crv:?}")),
        }
    }
}

fn fixed<const N: usize>(bytes: &[u8]) -> Result<[u8; N], String> {
    bytes
        .try_into()
        .map_err(|_| format!("JWK coordinate must be {N} bytes"))
}

pub fn b64url(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
}

pub fn b64url_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A signing key for creating tokens.
pub enum SignKey {
    Hmac(Vec<u8>),
    Rsa(Box<RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl SignKey {
    pub fn new(alg: Alg, key: &[u8]) -> Result<SignKey, String> {
        if alg.family() == Family::Hmac {
            if key.is_empty() {
                return Err("the HMAC secret is empty".into());
            }
            return Ok(SignKey::Hmac(key.to_vec()));
        }
        let pem = std::str::from_utf8(key).map_err(|_| "private key PEM is not text".to_owned())?;
        let err = |what: &str| format!("not a valid {what} private key PEM");
        Ok(match alg.family() {
            Family::Rsa => SignKey::Rsa(Box::new(
                RsaPrivateKey::from_pkcs8_pem(pem)
                    .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
                    .map_err(|_| err("RSA"))?,
            )),
            Family::P256 => SignKey::P256(
                p256::SecretKey::from_pkcs8_pem(pem)
                    .or_else(|_| p256::SecretKey::from_sec1_pem(pem))
                    .map(p256::ecdsa::SigningKey::from)
                    .map_err(|_| err("P-256 EC"))?,
            ),
            Family::P384 => SignKey::P384(
                p384::SecretKey::from_pkcs8_pem(pem)
                    .or_else(|_| p384::SecretKey::from_sec1_pem(pem))
                    .map(p384::ecdsa::SigningKey::from)
                    .map_err(|_| err("P-384 EC"))?,
            ),
            Family::Ed25519 => SignKey::Ed25519(Box::new(
                ed25519_dalek::SigningKey::from_pkcs8_pem(pem).map_err(|_| err("Ed25519"))?,
            )),
            Family::Hmac => unreachable_hmac()?,
        })
    }

    pub fn sign(&self, alg: Alg, msg: &[u8]) -> Result<Vec<u8>, String> {
        let fail = |e: &dyn std::fmt::Display| format!("signing failed: {e}");
        match self {
            SignKey::Hmac(secret) => {
                let out = match alg {
                    Alg::HS256 => {
                        let mut m = Hmac::<Sha256>::new_from_slice(secret).map_err(|e| fail(&e))?;
                        m.update(msg);
                        m.finalize().into_bytes().to_vec()
                    }
                    Alg::HS384 => {
                        let mut m = Hmac::<Sha384>::new_from_slice(secret).map_err(|e| fail(&e))?;
                        m.update(msg);
                        m.finalize().into_bytes().to_vec()
                    }
                    _ => {
                        let mut m = Hmac::<Sha512>::new_from_slice(secret).map_err(|e| fail(&e))?;
                        m.update(msg);
                        m.finalize().into_bytes().to_vec()
                    }
                };
                Ok(out)
            }
            SignKey::Rsa(key) => match rsa_scheme_digest(alg, msg) {
                Some((digest, false, sel)) => key.sign(pkcs1(sel), &digest).map_err(|e| fail(&e)),
                Some((digest, true, sel)) => key
                    .sign_with_rng(&mut rand_core::OsRng, pss(sel), &digest)
                    .map_err(|e| fail(&e)),
                None => Err("algorithm does not match the key".into()),
            },
            SignKey::P256(key) => {
                let sig: p256::ecdsa::Signature = key.try_sign(msg).map_err(|e| fail(&e))?;
                Ok(sig.to_bytes().to_vec())
            }
            SignKey::P384(key) => {
                let sig: p384::ecdsa::Signature = key.try_sign(msg).map_err(|e| fail(&e))?;
                Ok(sig.to_bytes().to_vec())
            }
            SignKey::Ed25519(key) => Ok(key.sign(msg).to_bytes().to_vec()),
        }
    }
}

fn unreachable_hmac() -> Result<SignKey, String> {
    Err("HMAC keys are handled above".into())
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
