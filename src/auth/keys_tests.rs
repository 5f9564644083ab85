//! Unit tests of src/auth/keys.rs: algorithm names, PEM and JWK parsing for every key family,
//! and sign/verify for every algorithm the README documents.
//!
//! The keys below are throwaway test keys made once with Python's `cryptography` (OpenSSL), so the
//! parsers are checked against encodings another implementation wrote, not only their own output.

use super::*;

const ALL: [&str; 12] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "EdDSA",
];

const RSA_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCtmLiF8NRrLYxn
S2ksr88QDEETYf4hrNHbN/UryYUvRl+dYTWqpM/HLveQDunXc0dNvkxTG0deOviJ
wIFYqpNM9Tse9IOyZG05Np/dYUzmP9NJgvFQN9mz05WYG6cmAszV/Aj7DjSiQ4Q0
xDRSXdvlO3EjFse618uc+3J2q8ANKp9pzM2sVSLaWtgvRi9cFykuPSCoVUfZE6sD
NVixegjvT9fa47c6h51dEz/TkreedjtJc72j6TV6BqoAPoYi0eYvPkDDpsTnsQ9s
N+7uRgQMqxHTIZyRSO1c5Rf+EBcwGkHgdHqTAyMT6qjf/OHAlEPcolfHYyX7kH9v
8s4k2L2lAgMBAAECggEABLZXk/M0oPAsloU6hqcDFOlwPslzL5DUZYIAWr7uqZjc
cZY48bfll/+TYsq02E9dySN4SO09o7YwFvUtza1bsEQb5bw3cvk86ces0UKZ5som
vyEZ0daiRzpgHi/p+qMq0kg0KjR5g0oX5aLJ1M6NcIyLhqtQoqbG9SzyL3x8Cx9o
iLlzLG7Ujfr0lFdJuMDuWi7vKt4DXuMX8zkzKmFxtuX5AQV91ccoKF8IZ5iwSmtF
Etdeg/n2fdZuT1mHqWolimNC3X4YH1kPgijgACQgkCvU+WqEYjaPNgPuXr1YPsWe
gd7Ku3xBxcGX7rNzWlMQR9gpgF24EH8vh26OIJhA4QKBgQDvaHJR5u2Lf6ITNjxq
UxWHXrUmQMNYNcF1OjridsidBY9C1V4mMYLduAj3UiqJlTEhceG8pJVgN7gIMVbP
hsr8ol5bmwvWry3BHwnmuehfvNN5Np/GAJEgJ5xR3bJ26MIefbcyN72oGFKFU2/h
K2WV4WONSgtXcZPSvTpB67p9DQKBgQC5oKd8ODy143+PZiJeI9Jq0vGNEX3BdcgW
qCW4VxkEQUoFjZSyYamrIn6WaMlUTGQc2RbqyXCLwRhcMRGWPV4fb7DybtWylQPU
h4xoeNgk6p90Ky+zD4DFNfu7PMFaCcYurvbBoA7CyZujJZs9oRDy7FwY1vYuDupl
O/2KL9qM+QKBgHWDlkHfkZBc2QiHIcaq+7FT6qVZOsnMsSZCq+7HkZeJyBVtOGaU
/QCqOjR0L48THWemR8DaJLxy/TGATnVVW8QAS0K562i42kOmYazQamC8Bi3Eg06k
rpfS+acxpE072TUwTkEnHUAqmC77kro7HAUi+kO7KbAFfyL9YWBEPmjtAoGAOq9G
o+fnkZ1Vo5EnhlmO2UTNJssD1diVpEwOeMPYXdcCPtUu0GI90KO8H3MLS0JHWDNt
olaC5TvrpqHArJ3EFu4po8tUdfvUVSlxQ0oJE0q1lHVexB4/mJljdyNTAVMbu4CG
9FnUsNIqCR8HgClegV4mE5hKBe+jPNQFaN2OG4kCgYBrcBexVUdSBoJHTVbMnSYQ
LxRjZy79WqCYHVXYT9xwFh8Q6gzuaMUpAETBkwTZF3JM53jAmYgpX5dALyF0y04v
dajx3QD2Vogxsow/NsdXCRiEp5Wf8e6501ter9SArxipy1MWGoTIr1WEoCsnIl3t
RnO5osTglHgBRQ0E53kW+Q==
-----END PRIVATE KEY-----
";

const RSA_PKCS1: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEogIBAAKCAQEArZi4hfDUay2MZ0tpLK/PEAxBE2H+IazR2zf1K8mFL0ZfnWE1
qqTPxy73kA7p13NHTb5MUxtHXjr4icCBWKqTTPU7HvSDsmRtOTaf3WFM5j/TSYLx
UDfZs9OVmBunJgLM1fwI+w40okOENMQ0Ul3b5TtxIxbHutfLnPtydqvADSqfaczN
rFUi2lrYL0YvXBcpLj0gqFVH2ROrAzVYsXoI70/X2uO3OoedXRM/05K3nnY7SXO9
o+k1egaqAD6GItHmLz5Aw6bE57EPbDfu7kYEDKsR0yGckUjtXOUX/hAXMBpB4HR6
kwMjE+qo3/zhwJRD3KJXx2Ml+5B/b/LOJNi9pQIDAQABAoIBAAS2V5PzNKDwLJaF
OoanAxTpcD7Jcy+Q1GWCAFq+7qmY3HGWOPG35Zf/k2LKtNhPXckjeEjtPaO2MBb1
Lc2tW7BEG+W8N3L5POnHrNFCmebKJr8hGdHWokc6YB4v6fqjKtJINCo0eYNKF+Wi
ydTOjXCMi4arUKKmxvUs8i98fAsfaIi5cyxu1I369JRXSbjA7lou7yreA17jF/M5
Myphcbbl+QEFfdXHKChfCGeYsEprRRLXXoP59n3Wbk9Zh6lqJYpjQt1+GB9ZD4Io
4AAkIJAr1PlqhGI2jzYD7l69WD7FnoHeyrt8QcXBl+6zc1pTEEfYKYBduBB/L4du
jiCYQOECgYEA72hyUebti3+iEzY8alMVh161JkDDWDXBdTo64nbInQWPQtVeJjGC
3bgI91IqiZUxIXHhvKSVYDe4CDFWz4bK/KJeW5sL1q8twR8J5rnoX7zTeTafxgCR
ICecUd2ydujCHn23Mje9qBhShVNv4StlleFjjUoLV3GT0r06Qeu6fQ0CgYEAuaCn
fDg8teN/j2YiXiPSatLxjRF9wXXIFqgluFcZBEFKBY2UsmGpqyJ+lmjJVExkHNkW
6slwi8EYXDERlj1eH2+w8m7VspUD1IeMaHjYJOqfdCsvsw+AxTX7uzzBWgnGLq72
waAOwsmboyWbPaEQ8uxcGNb2Lg7qZTv9ii/ajPkCgYB1g5ZB35GQXNkIhyHGqvux
U+qlWTrJzLEmQqvux5GXicgVbThmlP0Aqjo0dC+PEx1npkfA2iS8cv0xgE51VVvE
AEtCuetouNpDpmGs0GpgvAYtxINOpK6X0vmnMaRNO9k1ME5BJx1AKpgu+5K6OxwF
IvpDuymwBX8i/WFgRD5o7QKBgDqvRqPn55GdVaORJ4ZZjtlEzSbLA9XYlaRMDnjD
2F3XAj7VLtBiPdCjvB9zC0tCR1gzbaJWguU766ahwKydxBbuKaPLVHX71FUpcUNK
CRNKtZR1XsQeP5iZY3cjUwFTG7uAhvRZ1LDSKgkfB4ApXoFeJhOYSgXvozzUBWjd
jhuJAoGAa3AXsVVHUgaCR01WzJ0mEC8UY2cu/VqgmB1V2E/ccBYfEOoM7mjFKQBE
wZME2RdyTOd4wJmIKV+XQC8hdMtOL3Wo8d0A9laIMbKMPzbHVwkYhKeVn/HuudNb
Xq/UgK8YqctTFhqEyK9VhKArJyJd7UZzuaLE4JR4AUUNBOd5Fvk=
-----END RSA PRIVATE KEY-----
";

const RSA_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArZi4hfDUay2MZ0tpLK/P
EAxBE2H+IazR2zf1K8mFL0ZfnWE1qqTPxy73kA7p13NHTb5MUxtHXjr4icCBWKqT
TPU7HvSDsmRtOTaf3WFM5j/TSYLxUDfZs9OVmBunJgLM1fwI+w40okOENMQ0Ul3b
5TtxIxbHutfLnPtydqvADSqfaczNrFUi2lrYL0YvXBcpLj0gqFVH2ROrAzVYsXoI
70/X2uO3OoedXRM/05K3nnY7SXO9o+k1egaqAD6GItHmLz5Aw6bE57EPbDfu7kYE
DKsR0yGckUjtXOUX/hAXMBpB4HR6kwMjE+qo3/zhwJRD3KJXx2Ml+5B/b/LOJNi9
pQIDAQAB
-----END PUBLIC KEY-----
";

const RSA_PKCS1_PUBLIC: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEArZi4hfDUay2MZ0tpLK/PEAxBE2H+IazR2zf1K8mFL0ZfnWE1qqTP
xy73kA7p13NHTb5MUxtHXjr4icCBWKqTTPU7HvSDsmRtOTaf3WFM5j/TSYLxUDfZ
s9OVmBunJgLM1fwI+w40okOENMQ0Ul3b5TtxIxbHutfLnPtydqvADSqfaczNrFUi
2lrYL0YvXBcpLj0gqFVH2ROrAzVYsXoI70/X2uO3OoedXRM/05K3nnY7SXO9o+k1
egaqAD6GItHmLz5Aw6bE57EPbDfu7kYEDKsR0yGckUjtXOUX/hAXMBpB4HR6kwMj
E+qo3/zhwJRD3KJXx2Ml+5B/b/LOJNi9pQIDAQAB
-----END RSA PUBLIC KEY-----
";

const RSA_JWK_N: &str = "rZi4hfDUay2MZ0tpLK_PEAxBE2H-IazR2zf1K8mFL0ZfnWE1qqTPxy73kA7p13NHTb5MUxtHXjr4icCBWKqTTPU7HvSDsmRtOTaf3WFM5j_TSYLxUDfZs9OVmBunJgLM1fwI-w40okOENMQ0Ul3b5TtxIxbHutfLnPtydqvADSqfaczNrFUi2lrYL0YvXBcpLj0gqFVH2ROrAzVYsXoI70_X2uO3OoedXRM_05K3nnY7SXO9o-k1egaqAD6GItHmLz5Aw6bE57EPbDfu7kYEDKsR0yGckUjtXOUX_hAXMBpB4HR6kwMjE-qo3_zhwJRD3KJXx2Ml-5B_b_LOJNi9pQ";

const RSA_JWK_E: &str = "AQAB";

const P256_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqweUJZrVqIfeiIi/
pneXJPVoqzGzx2MbQ0dDvCSLvJKhRANCAAQyAQPv/2oGZmYZKGgYbK14DzErMSqF
mdLyisUtg7qpBgTvyfDGqgodb3IFuWh68gSeycfXgcNkwXjackKlFvI0
-----END PRIVATE KEY-----
";

const P256_SEC1: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIKsHlCWa1aiH3oiIv6Z3lyT1aKsxs8djG0NHQ7wki7ySoAoGCCqGSM49
AwEHoUQDQgAEMgED7/9qBmZmGShoGGyteA8xKzEqhZnS8orFLYO6qQYE78nwxqoK
HW9yBbloevIEnsnH14HDZMF42nJCpRbyNA==
-----END EC PRIVATE KEY-----
";

const P256_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMgED7/9qBmZmGShoGGyteA8xKzEq
hZnS8orFLYO6qQYE78nwxqoKHW9yBbloevIEnsnH14HDZMF42nJCpRbyNA==
-----END PUBLIC KEY-----
";

const P256_JWK_X: &str = "MgED7_9qBmZmGShoGGyteA8xKzEqhZnS8orFLYO6qQY";

const P256_JWK_Y: &str = "BO_J8MaqCh1vcgW5aHryBJ7Jx9eBw2TBeNpyQqUW8jQ";

const P384_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDAKrTBYmWoW8DttLI0E
Tp4QZII8MZnjukdIgArAnylHN/Yu/kAL7det7ssQqgJb7tuhZANiAARl0JtJY44b
bHVumh83OmYg3/+p1b7hMKZW3cLVkd/Kv9ybBZt4L895n9jyKfg+OS5GQBEIvcH1
bcoAe190i2Q49SdHYdj/YUnDTABxo1A88lm27hbxzRx/7krCALjb68g=
-----END PRIVATE KEY-----
";

const P384_SEC1: &str = "-----BEGIN EC PRIVATE KEY-----
MIGkAgEBBDAKrTBYmWoW8DttLI0ETp4QZII8MZnjukdIgArAnylHN/Yu/kAL7det
7ssQqgJb7tugBwYFK4EEACKhZANiAARl0JtJY44bbHVumh83OmYg3/+p1b7hMKZW
3cLVkd/Kv9ybBZt4L895n9jyKfg+OS5GQBEIvcH1bcoAe190i2Q49SdHYdj/YUnD
TABxo1A88lm27hbxzRx/7krCALjb68g=
-----END EC PRIVATE KEY-----
";

const P384_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEZdCbSWOOG2x1bpofNzpmIN//qdW+4TCm
Vt3C1ZHfyr/cmwWbeC/PeZ/Y8in4PjkuRkARCL3B9W3KAHtfdItkOPUnR2HY/2FJ
w0wAcaNQPPJZtu4W8c0cf+5KwgC42+vI
-----END PUBLIC KEY-----
";

const P384_JWK_X: &str = "ZdCbSWOOG2x1bpofNzpmIN__qdW-4TCmVt3C1ZHfyr_cmwWbeC_PeZ_Y8in4Pjku";

const P384_JWK_Y: &str = "RkARCL3B9W3KAHtfdItkOPUnR2HY_2FJw0wAcaNQPPJZtu4W8c0cf-5KwgC42-vI";

const ED25519_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIMkrGRsEdwKTRyM/qw46APj2q3RYdS26if/3xtkOVxqU
-----END PRIVATE KEY-----
";

const ED25519_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAvfwJJRou/JsBdKjSNmxsskoaJVamlH2v3MTxzEX6TYg=
-----END PUBLIC KEY-----
";

const ED25519_JWK_X: &str = "vfwJJRou_JsBdKjSNmxsskoaJVamlH2v3MTxzEX6TYg";

/// The private key PEM that signs `alg` in these tests, and the public PEM that verifies it.
fn pair(alg: Alg) -> (&'static str, &'static str) {
    match alg.family() {
        Family::Rsa => (RSA_PKCS8, RSA_SPKI),
        Family::P256 => (P256_PKCS8, P256_SPKI),
        Family::P384 => (P384_PKCS8, P384_SPKI),
        Family::Ed25519 => (ED25519_PKCS8, ED25519_SPKI),
        Family::Hmac => (
            "a secret of thirty-two bytes....",
            "a secret of thirty-two bytes....",
        ),
    }
}

fn verify_key(alg: Alg, public: &str) -> VerifyKey {
    if alg.family() == Family::Hmac {
        VerifyKey::hmac(public.as_bytes()).unwrap()
    } else {
        VerifyKey::from_pem(public, alg.family()).unwrap()
    }
}

#[test]
fn algorithm_names_are_exact() {
    for name in ALL {
        let alg = Alg::parse(name).unwrap_or_else(|| panic!("{name} not parsed"));
        assert_eq!(alg.name(), name);
    }
    for name in [
        "none", "None", "hs256", "HS256 ", "RS1", "ES512", "PS128", "",
    ] {
        assert_eq!(Alg::parse(name), None, "{name:?} must not be an algorithm");
    }
}

#[test]
fn every_algorithm_signs_and_verifies_and_rejects_tampering() {
    for name in ALL {
        let alg = Alg::parse(name).unwrap();
        let (private, public) = pair(alg);
        let signer = SignKey::new(alg, private.as_bytes()).unwrap();
        let key = verify_key(alg, public);
        let sig = signer.sign(alg, b"header.payload").unwrap();
        assert!(
            key.verify(alg, b"header.payload", &sig),
            "{name}: own signature refused"
        );
        assert!(
            !key.verify(alg, b"header.payloaD", &sig),
            "{name}: other message accepted"
        );
        let mut bad = sig.clone();
        bad[0] ^= 1;
        assert!(
            !key.verify(alg, b"header.payload", &bad),
            "{name}: altered signature accepted"
        );
        assert!(
            !key.verify(alg, b"header.payload", &sig[..sig.len() - 1]),
            "{name}: short sig"
        );
    }
}

#[test]
fn hash_sizes_are_not_interchangeable() {
    // A signature made for one hash size never verifies as another of the same family.
    for (a, b) in [
        ("HS256", "HS384"),
        ("RS256", "RS512"),
        ("PS384", "PS512"),
        ("RS256", "PS256"),
    ] {
        let (a, b) = (Alg::parse(a).unwrap(), Alg::parse(b).unwrap());
        let (private, public) = pair(a);
        let sig = SignKey::new(a, private.as_bytes())
            .unwrap()
            .sign(a, b"m")
            .unwrap();
        assert!(
            !verify_key(b, public).verify(b, b"m", &sig),
            "{a:?} signature passed as {b:?}"
        );
    }
}

#[test]
fn a_key_of_another_family_never_verifies() {
    // HS/RS confusion: an HS256 MAC keyed with the RSA public PEM is refused by the RSA key.
    let mac = SignKey::new(Alg::HS256, RSA_SPKI.as_bytes())
        .unwrap()
        .sign(Alg::HS256, b"m")
        .unwrap();
    let rsa = VerifyKey::from_pem(RSA_SPKI, Family::Rsa).unwrap();
    assert!(!rsa.verify(Alg::HS256, b"m", &mac));
    // And a P-256 signature is not checked by a P-384 key under ES256.
    let sig = SignKey::new(Alg::ES256, P256_PKCS8.as_bytes())
        .unwrap()
        .sign(Alg::ES256, b"m")
        .unwrap();
    let p384 = VerifyKey::from_pem(P384_SPKI, Family::P384).unwrap();
    assert!(!p384.verify(Alg::ES256, b"m", &sig));
}

#[test]
fn pem_encodings_accepted_for_each_family() {
    let cases: [(Family, &[&str]); 4] = [
        (
            Family::Rsa,
            &[RSA_SPKI, RSA_PKCS1_PUBLIC, RSA_PKCS8, RSA_PKCS1],
        ),
        (Family::P256, &[P256_SPKI, P256_PKCS8, P256_SEC1]),
        (Family::P384, &[P384_SPKI, P384_PKCS8, P384_SEC1]),
        (Family::Ed25519, &[ED25519_SPKI, ED25519_PKCS8]),
    ];
    for (family, pems) in cases {
        for pem in pems {
            let key = VerifyKey::from_pem(pem, family)
                .unwrap_or_else(|e| panic!("{family:?}: {e}\n{pem}"));
            assert_eq!(key.family(), family);
        }
    }
    // Private keys in either encoding sign, and what they sign verifies with the public PEM.
    for (alg, private) in [
        (Alg::RS256, RSA_PKCS1),
        (Alg::ES256, P256_SEC1),
        (Alg::ES384, P384_SEC1),
    ] {
        let sig = SignKey::new(alg, private.as_bytes())
            .unwrap()
            .sign(alg, b"m")
            .unwrap();
        assert!(
            verify_key(alg, pair(alg).1).verify(alg, b"m", &sig),
            "{alg:?}"
        );
    }
}

#[test]
fn pem_of_the_wrong_kind_or_garbage_is_refused() {
    let wrong = [
        (RSA_SPKI, Family::P256),
        (P256_SPKI, Family::P384),
        (P384_SPKI, Family::P256),
        (ED25519_SPKI, Family::Rsa),
        (P256_SPKI, Family::Ed25519),
        ("not a key", Family::Rsa),
        (
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            Family::P256,
        ),
        ("", Family::Ed25519),
    ];
    for (pem, family) in wrong {
        let err = VerifyKey::from_pem(pem, family)
            .err()
            .unwrap_or_else(|| panic!("{family:?} took {pem}"));
        assert!(err.contains("public_key is not a valid"), "{err}");
    }
    assert!(VerifyKey::from_pem(RSA_SPKI, Family::Hmac).is_err());
    assert!(VerifyKey::hmac(b"").is_err());
    assert!(SignKey::new(Alg::HS256, b"").is_err());
    assert!(SignKey::new(Alg::RS256, P256_PKCS8.as_bytes()).is_err());
    assert!(SignKey::new(Alg::EdDSA, &[0xff, 0xfe]).is_err());
    // A public key cannot sign.
    assert!(SignKey::new(Alg::ES384, P384_SPKI.as_bytes()).is_err());
}

#[test]
fn jwk_keys_verify_what_the_pem_keys_signed() {
    let jwks = [
        (
            Alg::PS512,
            serde_json::json!({"kty": "RSA", "n": RSA_JWK_N, "e": RSA_JWK_E}),
        ),
        (
            Alg::ES256,
            serde_json::json!({"kty": "EC", "crv": "P-256", "x": P256_JWK_X, "y": P256_JWK_Y}),
        ),
        (
            Alg::ES384,
            serde_json::json!({"kty": "EC", "crv": "P-384", "x": P384_JWK_X, "y": P384_JWK_Y}),
        ),
        (
            Alg::EdDSA,
            serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": ED25519_JWK_X}),
        ),
    ];
    for (alg, jwk) in jwks {
        let key = VerifyKey::from_jwk(&jwk).unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        let sig = SignKey::new(alg, pair(alg).0.as_bytes())
            .unwrap()
            .sign(alg, b"m")
            .unwrap();
        assert!(key.verify(alg, b"m", &sig), "{alg:?}");
    }
}

#[test]
fn bad_jwks_are_refused_with_a_reason() {
    let cases = [
        (
            serde_json::json!({"kty": "oct", "k": "c2VjcmV0"}),
            "unsupported JWK",
        ),
        (
            serde_json::json!({"kty": "EC", "crv": "P-521", "x": P256_JWK_X, "y": P256_JWK_Y}),
            "unsupported JWK",
        ),
        (
            serde_json::json!({"kty": "RSA", "e": RSA_JWK_E}),
            "missing \"n\"",
        ),
        (
            serde_json::json!({"kty": "RSA", "n": "!!", "e": RSA_JWK_E}),
            "not base64url",
        ),
        // P-384 coordinates on P-256: the wrong length.
        (
            serde_json::json!({"kty": "EC", "crv": "P-256", "x": P384_JWK_X, "y": P384_JWK_Y}),
            "must be 32 bytes",
        ),
        // A point that is not on the curve (x and y swapped).
        (
            serde_json::json!({"kty": "EC", "crv": "P-256", "x": P256_JWK_Y, "y": P256_JWK_X}),
            "bad P-256 JWK",
        ),
        (
            serde_json::json!({"kty": "OKP", "crv": "Ed25519"}),
            "missing \"x\"",
        ),
    ];
    for (jwk, expected) in cases {
        let err = VerifyKey::from_jwk(&jwk)
            .err()
            .unwrap_or_else(|| panic!("accepted {jwk}"));
        assert!(err.contains(expected), "{jwk}: {err}");
    }
}

#[test]
fn base64url_with_and_without_padding() {
    assert_eq!(b64url("aGk").unwrap(), b"hi");
    assert_eq!(b64url("aGk=").unwrap(), b"hi");
    assert_eq!(b64url_encode(&[0xfb, 0xff]), "-_8");
    assert_eq!(b64url("-_8").unwrap(), [0xfb, 0xff]);
    assert!(
        b64url("+/8").is_none(),
        "standard base64 alphabet is not base64url"
    );
}
