//! Whether a parameter's `pattern` rules out a value that starts with `-`. A value used as
//! a whole argv element (or at the start of one) that starts with `-` is read by most
//! programs as an option (`ls '{{ x }}'` with `x=-la`); a run refuses such a value unless
//! the pattern already does, and `check` warns about a pattern that lets one through.
//!
//! The answer is conservative: only a pattern anchored at the start (`^…`) whose first
//! character can never be `-` rules it out; anything the analysis does not follow counts
//! as letting it through.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// True when no value matching `pattern` can start with `-`.
pub fn rules_out_leading_dash(pattern: &str) -> bool {
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return false;
    };
    let items: &[Hir] = match hir.kind() {
        HirKind::Concat(items) => items,
        _ => std::slice::from_ref(&hir),
    };
    // Anchored: the match starts where the value starts, so its first character is the
    // value's first character.
    let Some((first, rest)) = items.split_first() else {
        return false;
    };
    if !matches!(first.kind(), HirKind::Look(Look::Start)) {
        return false;
    }
    let mut dash = false;
    for h in rest {
        let f = first_char(h);
        dash |= f.dash;
        if !f.empty {
            return !dash;
        }
    }
    // Everything after `^` can match nothing: an empty value, which is no option.
    !dash
}

struct First {
    /// The first character matched can be `-`.
    dash: bool,
    /// It can match the empty string (so what follows may come first).
    empty: bool,
}

fn first_char(h: &Hir) -> First {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => First {
            dash: false,
            empty: true,
        },
        HirKind::Literal(lit) => First {
            dash: lit.0.first() == Some(&b'-'),
            empty: lit.0.is_empty(),
        },
        HirKind::Class(Class::Unicode(c)) => First {
            dash: c
                .ranges()
                .iter()
                .any(|r| r.start() <= '-' && '-' <= r.end()),
            empty: false,
        },
        HirKind::Class(Class::Bytes(c)) => First {
            dash: c
                .ranges()
                .iter()
                .any(|r| r.start() <= b'-' && b'-' <= r.end()),
            empty: false,
        },
        HirKind::Repetition(r) => {
            let f = first_char(&r.sub);
            First {
                dash: f.dash,
                empty: r.min == 0 || f.empty,
            }
        }
        HirKind::Capture(c) => first_char(&c.sub),
        HirKind::Concat(items) => {
            let mut dash = false;
            for item in items {
                let f = first_char(item);
                dash |= f.dash;
                if !f.empty {
                    return First { dash, empty: false };
                }
            }
            First { dash, empty: true }
        }
        HirKind::Alternation(items) => {
            let all: Vec<First> = items.iter().map(first_char).collect();
            First {
                dash: all.iter().any(|f| f.dash),
                empty: all.iter().any(|f| f.empty),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rules_out_leading_dash as rules_out;

    #[test]
    fn anchored_patterns_whose_first_character_cannot_be_a_dash_rule_it_out() {
        assert!(rules_out("^[a-z0-9][a-z0-9-]*$"));
        assert!(rules_out("^svc-[0-9]+$"));
        assert!(rules_out(r"^[0-9]+\.[0-9]+$"));
        assert!(rules_out("^(web|db)-[0-9]+$"));
        assert!(rules_out(r"^\w+$"));
    }

    #[test]
    fn patterns_that_let_a_dash_first_or_are_not_anchored_do_not() {
        assert!(!rules_out("[a-z]+"));
        assert!(!rules_out("^-?[0-9]+$"));
        assert!(!rules_out("^[a-z-]+$"));
        assert!(!rules_out("^.*$"));
        assert!(!rules_out(r"^\S+$"));
        assert!(!rules_out("^x?-y$"));
        assert!(!rules_out("^(a|-b)$"));
        assert!(!rules_out("^[^a]"));
    }
}
