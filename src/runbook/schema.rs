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
    let bound = json!({ "oneOf": [
        { "type": "number" },
        { "type": "string", "pattern": "^(\\s*[-+]?[0-9.eE+-]+\\s*|\\{\\{\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\}\\})$" }
    ], "description": "A number, or one value read as a number: '{{ size_before }}'" });
    let number = object(
        keys::NUMBER,
        Value::Object(
            keys::NUMBER
                .iter()
                .map(|k| (k.to_string(), bound.clone()))
                .collect(),
        ),
        &[],
    );
    let mut number_with_min = number;
    number_with_min["minProperties"] = json!(1);
    number_with_min["description"] = json!("stdout read as a number and compared: lt le gt ge eq");
    let expect = object(
        keys::EXPECT,
        json!({
            "exit": { "type": "integer", "minimum": 0, "maximum": 255, "default": 0 },
            "stdout_contains": string_or_list,
            "stdout_not_contains": string_or_list,
            "stdout_matches": regex_list,
            "stdout_equals": { "type": "string", "description": "Compared after trimming whitespace" },
            "stdout_number": number_with_min,
        }),
        &[],
    );
    let wait_until = object(
        keys::WAIT_UNTIL,
        json!({ "every": duration, "deadline": duration }),
        &["every", "deadline"],
    );
    let mut wait_until = wait_until;
    wait_until["description"] = json!(
        "Poll until the expectations hold: every 30s, fail after the deadline. Not with `retry`."
    );
    let retry = object(
        keys::RETRY,
        json!({
            "attempts": { "type": "integer", "minimum": 1, "maximum": 100 },
            "delay": duration,
        }),
        &["attempts"],
    );
    let on = json!({ "type": "string", "pattern": "^[a-z_][a-z0-9_]*$",
                     "description": "A `hosts:` entry: the command runs there over ssh" });
    let check = json!({
        "allOf": [object(keys::CHECK, json!({
            "run": run, "argv": argv, "on": on, "expect": expect, "retry": retry, "timeout": duration,
            "wait_until": wait_until,
        }), &[])],
        "oneOf": [{ "required": ["run"] }, { "required": ["argv"] }],
    });
    // A rollback command runs once: the loader refuses `wait_until` there with a reason.
    let undo_keys: Vec<&str> = keys::CHECK
        .iter()
        .copied()
        .filter(|k| *k != "wait_until")
        .collect();
    let undo = json!({ "oneOf": [
        {
            "allOf": [object(&undo_keys, json!({
                "run": run, "argv": argv, "on": on, "expect": expect, "retry": retry, "timeout": duration,
            }), &[])],
            "oneOf": [{ "required": ["run"] }, { "required": ["argv"] }],
        },
        object(&["manual"], json!({
            "manual": { "type": "string", "minLength": 1,
                        "description": "Instructions a person carries out to undo the change, then marks done" },
        }), &["manual"]),
    ]});
    let step_id = json!({ "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$" });
    let identifier = "^[A-Za-z_][A-Za-z0-9_]*$";
    let env_name = json!({ "type": "string", "pattern": "^[a-z_][a-z0-9_]*$" });
    let because = |what: &str| json!({ "type": "string", "minLength": 1, "description": what });
    let when = json!({
        "oneOf": [
            object(&["param", "equals"], json!({ "param": env_name, "equals": { "type": ["string", "number", "boolean"] } }), &["param", "equals"]),
            object(&["capture", "matches"], json!({ "capture": env_name, "matches": regex }), &["capture", "matches"]),
            object(&["choice", "equals"], json!({ "choice": step_id, "equals": { "type": "string", "pattern": identifier } }), &["choice", "equals"]),
        ],
        "description": "The step runs only if this holds; otherwise it is skipped and journaled with the condition",
    });
    let link = json!({ "type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://\\S+$" });
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
            "capture": { "type": "object", "additionalProperties": { "oneOf": [regex, object(keys::CAPTURE, json!({
                             "regex": regex,
                             "secret": { "type": "boolean", "description": "Masked like a secret parameter; the command's stdout is kept out of its log and off the screen" },
                         }), &["regex"])] },
                         "propertyNames": { "pattern": "^[a-z_][a-z0-9_]*$" },
                         "description": "name: regex (or { regex, secret: true }); group 1 (else the whole match) of stdout becomes {{ name }} / $name" },
            "target": object(keys::TARGET, json!({
                "describe": { "oneOf": [run, argv], "description": "Asks the system what will really be touched" },
                "on": on,
                "capture": regex,
                "must_match": regex,
                "deny": regex_list,
                "confirm": { "enum": ["echo", "blind"],
                             "description": "echo (default): type back the target shown; blind: name the intended target first, then it is compared and shown" },
                "impact": { "allOf": [object(keys::IMPACT, json!({
                    "run": run,
                    "argv": argv,
                    "at_most": { "oneOf": [
                        { "type": "integer", "minimum": 0, "maximum": 1_099_511_627_776_u64 },
                        { "type": "string", "pattern": "^\\{\\{ *[A-Za-z_][A-Za-z0-9_]* *\\}\\}$" },
                    ], "description": "The most it may touch: a whole number, or '{{ param }}', a parameter whose value is one (refused at run start otherwise)" },
                }), &["at_most"]), { "oneOf": [{ "required": ["run"] }, { "required": ["argv"] }] }],
                    "description": "A read-only count of what the step touches (first line of stdout: the number, optionally followed by what it counts; later lines: what is touched), run after describe where describe runs; above at_most the step is refused with no override" },
            }), &["describe"]),
            "approval": { "oneOf": [
                { "enum": ["required", "none"] },
                object(keys::APPROVAL, json!({
                    "required": { "type": "boolean" },
                    "allow_self": { "type": "boolean" },
                    "reviewers": { "type": "integer", "minimum": 1, "maximum": 9,
                                   "description": "How many distinct people must approve (two sessions of one person count once)" },
                    "group": { "type": "string", "pattern": "^([A-Za-z_][A-Za-z0-9_.-]{0,31}|\\{\\{ *[A-Za-z0-9_]+ *\\}\\})$",
                               "description": "Each approver must be a member of this group on the host that runs the step; or '{{ param }}', a parameter's value" },
                }), &[]),
            ]},
            "timeout": duration,
            "retry": retry,
            "verify": { "type": "array", "items": check },
            "rollback": { "type": "array", "items": undo },
            "waive": object(keys::WAIVE, json!({
                "snapshot": reason, "target": reason, "verify": reason, "rollback": reason,
            }), &[]),
            "on_failure": { "enum": keys::ON_FAILURE },
            "allow_override": { "type": "boolean", "description": "Prechecks only: the operator may go on with a reason" },
            "when": when,
            "choices": { "type": "object", "minProperties": 1,
                         "propertyNames": { "pattern": identifier, "not": { "enum": ["done", "abort", "note"] } },
                         "additionalProperties": { "type": "string", "minLength": 1 },
                         "description": "Manual steps: key: label; the key chosen is journaled and usable in `when`" },
            "links": { "oneOf": [link, { "type": "array", "items": link }],
                       "description": "Dashboards, tickets, docs (http or https) shown with the step" },
            "wait": { "allOf": [duration], "description": "Manual steps: `done` is refused until this has passed" },
            "wait_until": wait_until,
            "closes": { "allOf": [step_id], "description": "An earlier mutating step this one undoes: neither is rolled back once this is done" },
            "checkpoint": because("Ends a phase: a later failure rolls back only the steps after this one"),
            "point_of_no_return": because("Asks for an extra typed confirmation; once started, earlier steps are not rolled back automatically"),
            "read_only": because("Why an action with `mutating: false` changes nothing"),
            "on": on,
        }), &["id", "kind"])],
    });
    let use_step = object(
        keys::USE,
        json!({
            "id": step_id,
            "use": { "type": "string", "description": "A fragment named under `uses:`: its steps are inserted here, ids prefixed `id/`" },
            "with": { "type": "object", "additionalProperties": { "type": "string" },
                      "description": "Values of the fragment's parameters; may read names known here: '{{ node }}'" },
        }),
        &["id", "use"],
    );
    let block = object(
        keys::LOOP,
        json!({
            "id": step_id,
            "title": { "type": "string" },
            "for_each": object(keys::FOR_EACH, json!({
                "var": env_name,
                "in": { "type": "string", "description": "A parameter with `list: true`" },
            }), &["var", "in"]),
            "steps": { "type": "array", "minItems": 1, "items": { "oneOf": [step, use_step] },
                       "description": "Run once per item, in order; one level only" },
        }),
        &["id", "for_each", "steps"],
    );
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
            "list": { "type": "boolean", "description": "One or more items: -p name=a,b or -p name=a -p name=b; each checked against the rules" },
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
            "hosts": { "type": "object",
                       "propertyNames": { "pattern": "^[a-z_][a-z0-9_]*$" },
                       "additionalProperties": object(keys::HOST, json!({
                           "ssh": { "type": "string", "minLength": 1,
                                    "description": "The ssh destination as ~/.ssh/config knows it; may read values: '{{ node }}'" },
                           "user": { "type": "string", "pattern": "^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$" },
                           "sudo": { "type": "boolean", "description": "Run commands as root through `sudo -n` (needs NOPASSWD)" },
                       }), &["ssh"]),
                       "description": "Remote hosts, reached with the system's OpenSSH client (BatchMode, strict host keys)" },
            "uses": { "type": "object",
                      "additionalProperties": { "type": "string", "minLength": 1 },
                      "description": "Fragment files (version, params, steps) by name, relative to this file, beside or below the runbook" },
            "environments": { "type": "object",
                              "propertyNames": { "pattern": "^[a-z][a-z0-9_-]{0,39}$" },
                              "additionalProperties": { "oneOf": [{ "type": "null" }, object(keys::ENVIRONMENT, json!({
                                  "needs_rehearsal": { "type": "string",
                                                       "description": "Another environment: a run here needs a completed run of the same runbook (same SHA-256) there first" },
                                  "within": { "type": "string", "pattern": "^([0-9]+(d|h|m|s|ms))+$",
                                              "description": "How recent that rehearsal must be, e.g. 14d, 36h" },
                              }), &[])] },
                              "description": "Where the runbook runs (`shisa run --env NAME`), and which environments need a rehearsal elsewhere first" },
            "steps": { "type": "array", "minItems": 1, "items": { "oneOf": [step, block, use_step] } },
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

    fn names(v: &Value) -> Vec<&str> {
        v.as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The properties of every object schema in `v`'s `oneOf`, in order, as one list.
    fn union(v: &Value) -> Vec<&str> {
        let mut out = Vec::new();
        for branch in v["oneOf"].as_array().into_iter().flatten() {
            let object = if branch["allOf"].is_array() {
                &branch["allOf"][0]
            } else {
                branch
            };
            for k in names(&object["properties"]) {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
        out
    }

    #[test]
    fn every_mapping_lists_exactly_the_loader_keys() {
        let s = schema();
        let steps = &s["properties"]["steps"]["items"]["oneOf"];
        let step = &steps[0]["allOf"][0]["properties"];
        let block = &steps[1]["properties"];
        assert_eq!(names(step), keys::STEP);
        assert_eq!(names(block), keys::LOOP);
        assert_eq!(names(&steps[2]["properties"]), keys::USE);
        assert_eq!(names(&block["for_each"]["properties"]), keys::FOR_EACH);
        let param = &s["properties"]["params"]["additionalProperties"]["oneOf"][1];
        assert_eq!(names(&param["properties"]), keys::PARAM);
        let env = &s["properties"]["environments"]["additionalProperties"]["oneOf"][1];
        assert_eq!(names(&env["properties"]), keys::ENVIRONMENT);
        assert_eq!(names(&s["properties"]), keys::TOP);
        assert_eq!(names(&step["expect"]["properties"]), keys::EXPECT);
        assert_eq!(
            names(&step["expect"]["properties"]["stdout_number"]["properties"]),
            keys::NUMBER
        );
        assert_eq!(names(&step["wait_until"]["properties"]), keys::WAIT_UNTIL);
        let check = &step["verify"]["items"]["allOf"][0]["properties"];
        assert_eq!(names(check), keys::CHECK);
        assert_eq!(names(&check["wait_until"]["properties"]), keys::WAIT_UNTIL);
        let sorted = |mut v: Vec<&'static str>| {
            v.sort_unstable();
            v
        };
        let mut when = union(&step["when"]);
        when.sort_unstable();
        assert_eq!(when, sorted(keys::WHEN.to_vec()));
        // The loader reads `wait_until` on a rollback entry only to refuse it with a reason.
        let mut undo = union(&step["rollback"]["items"]);
        undo.push("wait_until");
        undo.sort_unstable();
        assert_eq!(undo, sorted(keys::UNDO.to_vec()));
    }
}
