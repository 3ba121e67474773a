//! JSON read strictly, for documents a verifier must read exactly as every other reader does.
//!
//! Owns: parsing text into a `serde_json::Value` that refuses an object with the same key
//! twice (`{"total": "100.00", "total": "99.96"}`), which plain parsing accepts by keeping the
//! last value while a person, or a reader that keeps the first, sees the other one. Nesting
//! stays bounded by serde_json's recursion limit. Must not: interpret the document.

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::fmt;

/// Why a text is not strict JSON.
#[derive(Debug, thiserror::Error)]
pub enum StrictError {
    /// Not JSON at all (syntax, nesting too deep, trailing data).
    #[error("{0}")]
    Syntax(serde_json::Error),
    /// Valid JSON syntax, but one object has the same key twice: a document that different
    /// readers read differently.
    #[error("the key `{key}` appears twice in one object ({at})")]
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// Where the parser was (line and column of the second occurrence).
        at: String,
    },
}

/// Parses `text` as one JSON value, refusing duplicate object keys (the error names the key).
pub fn parse(text: &str) -> Result<Value, StrictError> {
    let dup = Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Strict { dup: &dup }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match (parsed, dup.take()) {
        (Ok(v), _) => Ok(v),
        (Err(e), Some(key)) => Err(StrictError::DuplicateKey {
            key,
            at: format!("line {} column {}", e.line(), e.column()),
        }),
        (Err(e), None) => Err(StrictError::Syntax(e)),
    }
}

#[derive(Clone, Copy)]
struct Strict<'a> {
    dup: &'a Cell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                let e = A::Error::custom(format!("the key `{k}` appears twice in one object"));
                self.dup.set(Some(k));
                return Err(e);
            }
            let v = map.next_value_seed(self)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn same_as_serde_json_without_duplicates() {
        let t = r#"{"a": [1, -2, 3.5, "x", null, true, {"b": {}}], "c": "é"}"#;
        assert_eq!(
            parse(t).unwrap(),
            serde_json::from_str::<serde_json::Value>(t).unwrap()
        );
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        let e = parse(r#"{"total": "100.00", "total": "99.96"}"#).unwrap_err();
        assert!(
            matches!(&e, super::StrictError::DuplicateKey { key, .. } if key == "total"),
            "{e}"
        );
        assert!(e.to_string().contains("`total` appears twice"), "{e}");
        assert!(matches!(
            parse(r#"{"a": [{"k": 1, "k": 1}]}"#),
            Err(super::StrictError::DuplicateKey { .. })
        ));
        assert!(matches!(
            parse(r#"{"a": 1} {"b": 2}"#),
            Err(super::StrictError::Syntax(_))
        ));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(parse(&deep).is_err());
    }
}
