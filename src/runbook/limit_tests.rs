//! `impact.at_most: '{{ param }}'`: which parameters it may read, at load; what values a run
//! accepts, when the parameters are resolved. Each mistake with its message, place and hint.

use super::flow_tests::{edit, load, pos_of, refused};
use super::model::Limit;
use super::params;

/// GOOD with an impact count on `disable-alloc`, its limit `at_most`, and `params` added.
fn with(params: &str, at_most: &str) -> String {
    edit(
        "    target: { describe: esctl cluster, capture: 'Name: (\\S+)' }\n    run: esctl alloc off\n",
        &format!(
            "    target:\n      describe: esctl cluster\n      capture: 'Name: (\\S+)'\n      impact: {{ run: esctl count-shards, at_most: {at_most} }}\n    run: esctl alloc off\n"
        ),
    )
    .replace("params:\n", &format!("params:\n{params}"))
}

#[test]
fn at_most_may_read_a_declared_plain_parameter() {
    let text = with(
        "  max_shards: { pattern: '^[0-9]{1,5}$', default: '40' }\n",
        "'{{ max_shards }}'",
    );
    let l = load(&text).unwrap_or_else(|d| panic!("{d:#?}"));
    assert!(l.warnings.is_empty(), "{:#?}", l.warnings);
    let limit = &l
        .runbook
        .step("disable-alloc")
        .unwrap()
        .target
        .as_ref()
        .unwrap();
    let limit = &limit.impact.as_ref().unwrap().at_most;
    assert!(matches!(limit, Limit::Param { name, .. } if name == "max_shards"));
    // A literal stays a literal.
    let l = load(&with("", "7")).unwrap_or_else(|d| panic!("{d:#?}"));
    let t = l
        .runbook
        .step("disable-alloc")
        .unwrap()
        .target
        .clone()
        .unwrap();
    assert_eq!(t.impact.unwrap().at_most, Limit::Fixed(7));
}

#[test]
fn at_most_refuses_what_cannot_hold_one_number() {
    for (params, at_most, message) in [
        (
            "",
            "'{{ max }}'",
            "`at_most` reads parameter `max`, which is not declared",
        ),
        (
            "  max: { secret: true }\n",
            "'{{ max }}'",
            "`at_most` reads secret parameter `max`",
        ),
        (
            "  max: { list: true }\n",
            "'{{ max }}'",
            "`at_most` reads list parameter `max`",
        ),
        (
            "  max: { default: many }\n",
            "'{{ max }}'",
            "`at_most` reads parameter `max`, whose default `many` is not a whole number",
        ),
    ] {
        let text = with(params, at_most);
        refused(
            &text,
            message,
            pos_of(&text, "'{{ max", 0),
            "declare it under `params:`",
        );
    }
    let text = with("  max: {}\n", "'{{ max }} accounts'");
    refused(
        &text,
        "is neither a number nor one parameter",
        pos_of(&text, "'{{ max", 0),
        "write a whole number",
    );
    let text = with("", "-1");
    refused(
        &text,
        "`at_most` is -1",
        pos_of(&text, "-1 }", 0),
        "whole number",
    );
}

#[test]
fn a_run_refuses_a_value_that_is_not_a_whole_number_pointing_at_the_at_most() {
    let text = with("  max: {}\n", "'{{ max }}'");
    let l = load(&text).unwrap_or_else(|d| panic!("{d:#?}"));
    let given = |v: &str| {
        vec![
            ("nodes".to_string(), "es-1".to_string()),
            ("max".to_string(), v.to_string()),
        ]
    };
    assert!(params::resolve(&l.runbook, &given("40"), |_| None).is_ok());
    for bad in ["ten", "-1", "1,000", "4e2", " 3", "1099511627777"] {
        let errs = params::resolve(&l.runbook, &given(bad), |_| None).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:#?}");
        let (line, col) = pos_of(&text, "'{{ max", 0);
        assert_eq!((errs[0].pos.line, errs[0].pos.col), (line, col), "{bad}");
        assert!(
            errs[0].message.contains(&format!(
                "step `disable-alloc`: `at_most` reads parameter `max` = `{bad}`, which is not a whole number"
            )),
            "{}",
            errs[0].message
        );
        assert!(errs[0].hint.as_deref().unwrap_or("").contains("-p max=N"));
    }
    // `plan` without a value shows a stand-in and does not refuse.
    let p = params::resolve_with(&l.runbook, &given("1")[..1], |_| None, true).unwrap();
    assert!(p.missing.contains("max"));
}
