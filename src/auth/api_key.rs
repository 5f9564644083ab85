//! API keys. Stored as SHA-256 digests and compared in constant time against every key, so
//! neither the position of the first wrong byte nor which key matched shows in the timing.

use std::sync::Arc;

use pyo3::{Py, PyAny};
use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

pub struct ApiKey {
    digest: [u8; 32],
    /// Shown in `request.context["key_id"]`; never the key itself.
    pub id: String,
    pub permissions: Vec<String>,
}

pub struct ApiKeys {
    pub header: String,
    keys: Vec<ApiKey>,
    /// A backend subclass that loads users (its `get_user`/`get_user_sync`): the identity then
    /// has the user id `apikey:<key>` (the release's), read by this loader.
    pub user_loader: Option<Arc<Py<PyAny>>>,
}

impl ApiKeys {
    pub fn new(header: String, keys: Vec<(String, String, Vec<String>)>) -> ApiKeys {
        ApiKeys {
            header,
            keys: keys
                .into_iter()
                .map(|(key, id, permissions)| ApiKey {
                    digest: Sha256::digest(key.as_bytes()).into(),
                    id,
                    permissions,
                })
                .collect(),
            user_loader: None,
        }
    }

    /// The matching key, if any. Every stored key is compared, whatever matches.
    pub fn find(&self, presented: &str) -> Option<&ApiKey> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = subtle::Choice::from(0u8);
        let mut index = 0u64;
        for (i, key) in self.keys.iter().enumerate() {
            let hit = key.digest.ct_eq(&digest);
            index = u64::conditional_select(&index, &(i as u64), hit);
            found |= hit;
        }
        if bool::from(found) {
            self.keys.get(index as usize)
        } else {
            None
        }
    }
}

/// Constant-time equality of two byte strings of possibly different length (CSRF tokens).
pub fn ct_str_eq(a: &str, b: &str) -> bool {
    let da: [u8; 32] = Sha256::digest(a.as_bytes()).into();
    let db: [u8; 32] = Sha256::digest(b.as_bytes()).into();
    bool::from(da.ct_eq(&db))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_exact_keys() {
        let keys = ApiKeys::new(
            "x-api-key".into(),
            vec![
                ("alpha-key".into(), "a".into(), vec!["read".into()]),
                ("beta-key".into(), "b".into(), vec![]),
            ],
        );
        assert_eq!(keys.find("beta-key").map(|k| k.id.as_str()), Some("b"));
        assert_eq!(keys.find("alpha-key").map(|k| k.id.as_str()), Some("a"));
        assert!(keys.find("alpha-ke").is_none());
        assert!(keys.find("alpha-key ").is_none());
        assert!(keys.find("").is_none());
        assert!(ct_str_eq("tok", "tok"));
        assert!(!ct_str_eq("tok", "tok2"));
    }
}
