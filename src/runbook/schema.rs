//! The JSON Schema of the runbook format (for editors via yaml-language-server). Property
//! lists come from `keys.rs`, the same lists the loader enforces.

use serde_json::{Map, Value, json};

use super::keys;

pub const ID: &str = "https://shisa.dev/runbook.schema.json";

fn object(keys: &[&str], props: Value, required: &[&str]) -> Value {
    let props = props.as_object().cloned().unwrap_or_default();
    let ordered: Map<String, Value> = keys
        .iter()
        .map(|k| {
            (
                k.to_string(),
                props.get(*k).cloned().unwrap_or_else(|| json!({})),
            )
        })
        .collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": ordered,
    })
}

pub fn schema() -> Value {
    let string_or_list = json!({ "oneOf": [
        { "type": "string" },
        { "type": "array", "items": { "type": "string" } }
    ]});
    let regex = json!({ "type": "string", "format": "regex" });
    let regex_list = json!({ "oneOf": [regex, { "type": "array", "items": regex }] });
    let duration = json!({
        "type": "string",
        "pattern": "^([0-9]+(ms|s|m|h))+$",
        "description": "e.g. 500ms, 30s, 2m, 1h30m"
    });
    let argv = json!({
        "type": "array", "minItems": 1,
        "items": { "type": ["string", "number"] },
        "description": "A program and its arguments, no shell. A variable is a whole element: '{{ name }}'."
    });
    let run = json!({
        "type": "string",
        "description": "A bash script (bash -euo pipefail -c). Values arrive as environment variables (\"$name\"); `{{ }}` is not allowed here."
    });
    let expect = object(
        keys::EXPECT,
        json!({
            "exit": { "type": "integer", "minimum": 0, "maximum": 255, "default": 0 },
            "stdout_contains": string_or_list,
            "stdout_not_contains": string_or_list,
            "stdout_matches": regex_list,
            "stdout_equals": { "type": "string", "description": "Compared after trimming whitespace" },
        }),
        &[],
    );
    let retry = object(
        keys::RETRY,
        json!({
            "attempts": { "type": "integer", "minimum": 1, "maximum": 100 },
            "delay": duration,
        }),
        &["attempts"],
    );
    let check = json!({
        "allOf": [object(keys::CHECK, json!({
            "run": run, "argv": argv, "expect": expect, "retry": retry, "timeout": duration,
        }), &[])],
        "oneOf": [{ "required": ["run"] }, { "required": ["argv"] }],
    });
    let reason = json!({ "type": "string", "minLength": 1, "description": "Why skipping this guard is safe" });
    let step = json!({
        "allOf": [object(keys::STEP, json!({
            "id": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$" },
            "kind": { "enum": ["precheck", "snapshot", "action", "verify", "manual"] },
            "title": { "type": "string" },
            "instructions": { "type": "string" },
            "run": run,
            "argv": argv,
            "mutating": { "type": "boolean", "description": "Default: true for action, false otherwise" },
            "expect": expect,
            "capture": { "type": "object", "additionalProperties": regex,
                         "propertyNames": { "pattern": "^[a-z_][a-z0-9_]*$" },
                         "description": "name: regex; group 1 (else the whole match) of stdout becomes {{ name }} / $name" },
            "target": object(keys::TARGET, json!({
                "describe": { "oneOf": [run, argv], "description": "Asks the system what will really be touched" },
                "capture": regex,
                "must_match": regex,
                "deny": regex_list,
            }), &["describe"]),
            "approval": { "oneOf": [
                { "enum": ["required", "none"] },
                object(keys::APPROVAL, json!({
                    "required": { "type": "boolean" },
                    "allow_self": { "type": "boolean" },
                }), &[]),
            ]},
            "timeout": duration,
            "retry": retry,
            "verify": { "type": "array", "items": check },
            "rollback": { "type": "array", "items": check },
            "waive": object(keys::WAIVE, json!({
                "snapshot": reason, "target": reason, "verify": reason, "rollback": reason,
            }), &[]),
            "on_failure": { "enum": keys::ON_FAILURE },
            "allow_override": { "type": "boolean", "description": "Prechecks only: the operator may go on with a reason" },
        }), &["id", "kind"])],
    });
    let param = object(
        keys::PARAM,
        json!({
            "description": { "type": "string" },
            "pattern": regex,
            "choices": { "type": "array", "items": { "type": "string" } },
            "deny": regex_list,
            "secret": { "type": "boolean" },
            "from_env": { "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" },
            "default": { "type": "string" },
        }),
        &[],
    );
    let window_span = json!({
        "type": "string",
        "pattern": "^\\S+ [0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$",
        "description": "Days HH:MM-HH:MM, e.g. 'Mon-Thu 10:00-16:00', 'Sat,Sun 00:00-24:00', '* 09:00-17:00'"
    });
    let mut top = object(
        keys::TOP,
        json!({
            "version": { "const": 1 },
            "name": { "type": "string" },
            "description": { "type": "string" },
            "path": { "type": "array", "items": { "type": "string", "pattern": "^[^:]+$" },
                      "description": "Directories, relative to the runbook file, put in front of PATH" },
            "params": { "type": "object",
                        "propertyNames": { "pattern": "^[a-z_][a-z0-9_]*$" },
                        "additionalProperties": { "oneOf": [{ "type": "null" }, param] } },
            "window": object(keys::WINDOW, json!({
                "timezone": { "type": "string", "description": "IANA zone, e.g. Asia/Tokyo" },
                "allow": { "type": "array", "items": window_span },
                "deny": { "type": "array", "items": window_span },
            }), &["timezone"]),
            "steps": { "type": "array", "minItems": 1, "items": step },
        }),
        &["version", "name", "steps"],
    );
    if let Some(map) = top.as_object_mut() {
        let mut head = Map::new();
        head.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        head.insert("$id".into(), json!(ID));
        head.insert("title".into(), json!("shisa runbook (version 1)"));
        head.extend(std::mem::take(map));
        *map = head;
    }
    top
}

/// The schema as committed in `assets/runbook.schema.json`.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_properties_are_exactly_the_loader_keys() {
        let s = schema();
        let props = &s["properties"]["steps"]["items"]["allOf"][0]["properties"];
        let names: Vec<&str> = props
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(names, keys::STEP);
    }
}
