//! Validation errors in the `{"loc": [...], "msg": ..., "type": ...}` shape.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LocPart {
    Key(String),
    Index(usize),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldError {
    pub loc: Vec<LocPart>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The limit and the value that broke it (`File()` checks: `{"max_size": .., "actual_size": ..}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<serde_json::Value>,
    /// The value that failed, as sent (pydantic's `input`): the client sees what was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Box<str>>,
}

impl FieldError {
    pub fn new(source: &str, key: &str, kind: &str, msg: impl Into<String>) -> Self {
        FieldError {
            loc: vec![
                LocPart::Key(source.to_owned()),
                LocPart::Key(key.to_owned()),
            ],
            msg: msg.into(),
            kind: kind.to_owned(),
            ctx: None,
            input: None,
        }
    }

    pub fn with_input(mut self, raw: &str) -> Self {
        self.input = Some(raw.into());
        self
    }

    pub fn with_ctx(mut self, ctx: serde_json::Value) -> Self {
        self.ctx = Some(ctx);
        self
    }

    pub fn at_index(mut self, index: usize) -> Self {
        self.loc.push(LocPart::Index(index));
        self
    }
}

/// Serialises a 422 body listing every error.
pub fn validation_body(errors: &[FieldError]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Body<'a> {
        detail: &'a [FieldError],
    }
    serde_json::to_vec(&Body { detail: errors }).unwrap_or_else(|_| b"{\"detail\":[]}".to_vec())
}
