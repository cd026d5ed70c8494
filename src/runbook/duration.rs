//! Durations as runbooks write them: `500ms`, `30s`, `2m`, `1h30m`; and periods, which
//! may count days (`within: 14d`).

use std::time::Duration;

/// The longest a step's timeout, delay or wait may be.
const MAX_DURATION_MS: u64 = 7 * 24 * 3_600_000;
/// The longest period a rehearsal stays evidence: a year.
const MAX_PERIOD_MS: u64 = 366 * 24 * 3_600_000;

pub fn parse(text: &str) -> Result<Duration, String> {
    let total = parse_units(text, false)?;
    if total > MAX_DURATION_MS {
        return Err(format!("`{}` is longer than 7 days", text.trim()));
    }
    Ok(Duration::from_millis(total))
}

/// A period such as `14d` or `36h` (`environments:` … `within`): days allowed, up to a year.
pub fn parse_period(text: &str) -> Result<Duration, String> {
    let total = parse_units(text, true)?;
    if total > MAX_PERIOD_MS {
        return Err(format!("`{}` is longer than 366 days", text.trim()));
    }
    Ok(Duration::from_millis(total))
}

/// Milliseconds, more than zero; `d` is a unit only where `days` allows it.
fn parse_units(text: &str, days: bool) -> Result<u64, String> {
    let text = text.trim();
    let units = if days {
        "d, h, m, s or ms"
    } else {
        "ms, s, m or h"
    };
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("`{text}` is not a duration"));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{text}` is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let millis = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" if days => 24 * 3_600_000,
            "" => return Err(format!("`{text}` needs a unit ({units})")),
            other => {
                return Err(format!("unknown unit `{other}` in `{text}` (use {units})"));
            }
        };
        total = n
            .checked_mul(millis)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("`{text}` is too large"))?;
        rest = &rest[unit_len..];
    }
    if total == 0 {
        return Err("a duration must be longer than zero".into());
    }
    Ok(total)
}

/// The inverse of [`parse`], for plans and journals.
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    for (v, unit) in [(h, "h"), (m, "m"), (s, "s")] {
        if v > 0 {
            out.push_str(&format!("{v}{unit}"));
        }
    }
    out
}

/// The inverse of [`parse_period`]: whole days as days (`14d`, `1d12h`).
pub fn format_period(d: Duration) -> String {
    let secs = d.as_secs();
    let days = secs / 86_400;
    let rest = Duration::from_millis(d.as_millis() as u64 - days * 86_400_000);
    match (days, rest.is_zero()) {
        (0, _) => format(d),
        (n, true) => format!("{n}d"),
        (n, false) => format!("{n}d{}", format(rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_compounds() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(format(Duration::from_secs(5405)), "1h30m5s");
    }

    #[test]
    fn refuses_nonsense() {
        for bad in [
            "",
            "5",
            "5x",
            "m",
            "0s",
            "99999999999999999999s",
            "8d",
            "1.5s",
            "-1s",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn periods_count_days_up_to_a_year() {
        assert_eq!(parse_period("14d"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_period("1d12h"), Ok(Duration::from_secs(36 * 3600)));
        assert_eq!(parse_period("36h"), Ok(Duration::from_secs(36 * 3600)));
        assert_eq!(format_period(Duration::from_secs(14 * 86_400)), "14d");
        assert_eq!(format_period(Duration::from_secs(36 * 3600)), "1d12h");
        assert_eq!(format_period(Duration::from_secs(90 * 60)), "1h30m");
        for bad in ["14", "0d", "367d", "2w", "1.5d", "d"] {
            assert!(parse_period(bad).is_err(), "{bad} should be refused");
        }
        assert!(parse("2d").is_err(), "a step's duration has no days");
    }
}
