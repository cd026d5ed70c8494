//! A JSON Schema (draft 2020-12) check for the keywords shisa's own schemas use, written by
//! hand to keep the dependency tree as it is. It refuses any keyword it does not implement,
//! so the schema cannot say something this check silently ignores.
#![allow(dead_code)]

use serde_json::Value;

/// Every place where `doc` does not match `schema`, as `path: what`.
pub fn errors(schema: &Value, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(schema, schema, doc, "$", &mut out);
    out
}

const IGNORED: [&str; 5] = ["$schema", "$id", "title", "description", "$defs"];

fn check(root: &Value, s: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
    let Some(s) = s.as_object() else {
        panic!("{at}: a schema must be an object");
    };
    for (k, want) in s {
        match k.as_str() {
            k if IGNORED.contains(&k) => {}
            "$ref" => {
                let path = want.as_str().unwrap().trim_start_matches("#/");
                let target = path.split('/').fold(root, |node, part| &node[part]);
                assert!(!target.is_null(), "{at}: $ref {path} resolves to nothing");
                check(root, target, v, at, out);
            }
            "type" => {
                let types: Vec<&str> = match want {
                    Value::String(t) => vec![t],
                    Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                    _ => panic!("{at}: bad type"),
                };
                if !types.iter().any(|t| is(t, v)) {
                    out.push(format!("{at}: {v} is not {types:?}"));
                }
            }
            "const" => {
                if v != want {
                    out.push(format!("{at}: {v} is not {want}"));
                }
            }
            "enum" => {
                if !want.as_array().unwrap().contains(v) {
                    out.push(format!("{at}: {v} is not one of {want}"));
                }
            }
            "minimum" => {
                if let Some(n) = v.as_f64()
                    && n < want.as_f64().unwrap()
                {
                    out.push(format!("{at}: {n} < {want}"));
                }
            }
            "format" => {
                assert_eq!(want, "date-time", "{at}: only date-time is checked");
                if let Some(t) = v.as_str()
                    && chrono::DateTime::parse_from_rfc3339(t).is_err()
                {
                    out.push(format!("{at}: {t} is not an RFC 3339 date-time"));
                }
            }
            "anyOf" => {
                let any = want.as_array().unwrap().iter().any(|alt| {
                    let mut e = Vec::new();
                    check(root, alt, v, at, &mut e);
                    e.is_empty()
                });
                if !any {
                    out.push(format!("{at}: {v} matches none of anyOf"));
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for name in want.as_array().unwrap() {
                        let name = name.as_str().unwrap();
                        if !o.contains_key(name) {
                            out.push(format!("{at}: `{name}` is missing"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (name, sub) in want.as_object().unwrap() {
                        if let Some(x) = o.get(name) {
                            check(root, sub, x, &format!("{at}.{name}"), out);
                        }
                    }
                }
            }
            "additionalProperties" => {
                let Some(o) = v.as_object() else { continue };
                let known = s.get("properties").and_then(Value::as_object);
                for (name, x) in o {
                    if known.is_some_and(|p| p.contains_key(name)) {
                        continue;
                    }
                    match want {
                        Value::Bool(false) => {
                            out.push(format!("{at}: `{name}` is not in the schema"))
                        }
                        Value::Bool(true) => {}
                        sub => check(root, sub, x, &format!("{at}.{name}"), out),
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, x) in a.iter().enumerate() {
                        check(root, want, x, &format!("{at}[{i}]"), out);
                    }
                }
            }
            other => panic!("{at}: the schema uses `{other}`, which this check does not know"),
        }
    }
}

fn is(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "null" => v.is_null(),
        other => panic!("unknown type {other}"),
    }
}
