//! The comparison, value by value, of a JSON document as stated (a report) with the same
//! document recomputed from the ledger, for `check-proof`: every place they differ, named by its
//! JSON path with both values.
//!
//! Owns: that comparison. Must not: read files or recompute anything (src/report_check.rs does).

use crate::report::{compact, json_kind as kind};
use serde_json::Value;

/// How many differences a refusal lists (the count of the rest is given).
pub const MAX_LISTED: usize = 20;

/// The differences found, the first [`MAX_LISTED`] of them as lines.
#[derive(Default)]
pub struct Differences {
    /// The first differences, each naming its JSON path and both values.
    pub listed: Vec<String>,
    /// How many there are in all.
    pub count: usize,
}

impl Differences {
    fn push(&mut self, line: String) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED {
            self.listed.push(line);
        }
    }
}

/// Appends to `d` every place where the report (`said`) differs from the recomputed report
/// (`gives`), in key order. `path` is the JSON path so far (restored on return).
pub fn compare(path: &mut String, said: &Value, gives: &Value, d: &mut Differences) {
    match (said, gives) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let len = path.len();
                push_key(path, k);
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => compare(path, x, y, d),
                    (Some(x), None) => d.push(format!(
                        "{path}: the report says {}, the ledger gives no such field",
                        compact(x)
                    )),
                    (None, Some(y)) => d.push(format!(
                        "{path}: missing from the report, the ledger gives {}",
                        compact(y)
                    )),
                    (None, None) => {}
                }
                path.truncate(len);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                compare(path, x, y, d);
                path.truncate(len);
            }
            if a.len() != b.len() {
                d.push(format!(
                    "{path}: the report has {} items, the ledger gives {}",
                    a.len(),
                    b.len()
                ));
            }
        }
        (x, y) if x == y => {}
        (x, y) => {
            let what = if std::mem::discriminant(x) == std::mem::discriminant(y) {
                String::new()
            } else {
                format!(" ({} instead of {})", kind(x), kind(y))
            };
            d.push(format!(
                "{path}: the report says {}, the ledger gives {}{what}",
                compact(x),
                compact(y)
            ));
        }
    }
}

fn push_key(path: &mut String, k: &str) {
    if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        path.push('.');
        path.push_str(k);
    } else {
        path.push('[');
        path.push_str(&Value::String(k.to_string()).to_string());
        path.push(']');
    }
}

/// Number of scalar values in `v`.
pub fn leaves(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.values().map(leaves).sum(),
        Value::Array(a) => a.iter().map(leaves).sum(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn diffs(a: Value, b: Value) -> Vec<String> {
        let mut d = Differences::default();
        compare(&mut "$".to_string(), &a, &b, &mut d);
        d.listed
    }

    #[test]
    fn differences_name_the_path_and_both_values() {
        assert_eq!(
            diffs(json!({"total": "100.00"}), json!({"total": "99.96"})),
            [r#"$.total: the report says "100.00", the ledger gives "99.96""#]
        );
        assert_eq!(
            diffs(json!({"n": [{"s": 1}, 2]}), json!({"n": [{"s": 2}]})),
            [
                "$.n[0].s: the report says 1, the ledger gives 2",
                "$.n: the report has 2 items, the ledger gives 1"
            ]
        );
        assert_eq!(
            diffs(json!({"a b": 1}), json!({"c": null})),
            [
                r#"$["a b"]: the report says 1, the ledger gives no such field"#,
                "$.c: missing from the report, the ledger gives null"
            ]
        );
        assert_eq!(
            diffs(json!({"x": "1"}), json!({"x": 1})),
            [r#"$.x: the report says "1", the ledger gives 1 (a string instead of a number)"#]
        );
        assert!(
            diffs(
                json!({"a": [1, {"b": null}]}),
                json!({"a": [1, {"b": null}]})
            )
            .is_empty()
        );
    }
}
