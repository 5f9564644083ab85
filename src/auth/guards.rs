//! Guards compiled from Python: `IsAuthenticated` and `Requires(...)` claim checks run here,
//! before any Python. Custom `BasePermission` classes run in Python (see `Route::chain`).

use serde_json::{Map, Value};

pub enum Quantifier {
    /// `Requires("is_staff")`: the claim is present and truthy.
    Truthy,
    AnyOf(Vec<Value>),
    AllOf(Vec<Value>),
    NoneOf(Vec<Value>),
}

pub struct ClaimCheck {
    /// Dotted path into the claims (`"realm_access.roles"`).
    pub claim: Vec<String>,
    pub quantifier: Quantifier,
    pub message: String,
}

pub enum Guard {
    AllowAny,
    IsAuthenticated,
    Requires(ClaimCheck),
}

pub enum Denied {
    /// No identity: 401.
    Unauthenticated,
    /// Identity without the right claims: 403 with this message.
    Forbidden(String),
}

fn lookup<'a>(claims: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut v = claims.get(first)?;
    for part in rest {
        v = v.as_object()?.get(part)?;
    }
    Some(v)
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The claim's values: a list as is, a space-separated `scope` string split, a scalar alone.
fn values_of(v: &Value, claim: &str) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::String(s) if claim == "scope" || claim == "scp" => s
            .split_whitespace()
            .map(|x| Value::String(x.to_owned()))
            .collect(),
        other => vec![other.clone()],
    }
}

impl ClaimCheck {
    pub fn allows(&self, claims: &Map<String, Value>) -> bool {
        let found = lookup(claims, &self.claim);
        let last = self.claim.last().map(String::as_str).unwrap_or("");
        match (&self.quantifier, found) {
            (Quantifier::Truthy, v) => v.is_some_and(truthy),
            (Quantifier::NoneOf(_), None) => true,
            (_, None) => false,
            (Quantifier::AnyOf(want), Some(v)) => {
                let have = values_of(v, last);
                want.iter().any(|w| have.contains(w))
            }
            (Quantifier::AllOf(want), Some(v)) => {
                let have = values_of(v, last);
                want.iter().all(|w| have.contains(w))
            }
            (Quantifier::NoneOf(bad), Some(v)) => {
                let have = values_of(v, last);
                !bad.iter().any(|b| have.contains(b))
            }
        }
    }
}

/// Runs every guard; all must pass.
pub fn check(guards: &[Guard], claims: Option<&Map<String, Value>>) -> Result<(), Denied> {
    for guard in guards {
        match guard {
            Guard::AllowAny => {}
            Guard::IsAuthenticated => {
                if claims.is_none() {
                    return Err(Denied::Unauthenticated);
                }
            }
            Guard::Requires(check) => match claims {
                None => return Err(Denied::Unauthenticated),
                Some(c) if !check.allows(c) => {
                    return Err(Denied::Forbidden(check.message.clone()))
                }
                Some(_) => {}
            },
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(claim: &str, q: Quantifier) -> ClaimCheck {
        ClaimCheck {
            claim: claim.split('.').map(str::to_owned).collect(),
            quantifier: q,
            message: "no".into(),
        }
    }

    #[test]
    fn quantifiers() {
        let claims = json!({"permissions": ["a", "b"], "role": "admin", "is_staff": true,
                            "scope": "read write", "org": {"tier": 2}});
        let c = claims.as_object().expect("object");
        assert!(req("is_staff", Quantifier::Truthy).allows(c));
        assert!(!req("missing", Quantifier::Truthy).allows(c));
        assert!(req(
            "permissions",
            Quantifier::AnyOf(vec![json!("b"), json!("z")])
        )
        .allows(c));
        assert!(!req(
            "permissions",
            Quantifier::AllOf(vec![json!("b"), json!("z")])
        )
        .allows(c));
        assert!(req("role", Quantifier::NoneOf(vec![json!("banned")])).allows(c));
        assert!(!req("role", Quantifier::NoneOf(vec![json!("admin")])).allows(c));
        assert!(req(
            "scope",
            Quantifier::AllOf(vec![json!("read"), json!("write")])
        )
        .allows(c));
        assert!(req("org.tier", Quantifier::AnyOf(vec![json!(2)])).allows(c));
        assert!(!req("org.tier", Quantifier::AnyOf(vec![json!("2")])).allows(c));
    }
}
