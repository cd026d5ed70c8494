//! Durations as runbooks write them: `500ms`, `30s`, `2m`, `1h30m`.

use std::time::Duration;

pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
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
            "" => return Err(format!("`{text}` needs a unit (ms, s, m or h)")),
            other => {
                return Err(format!(
                    "unknown unit `{other}` in `{text}` (use ms, s, m or h)"
                ));
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
    if total > 7 * 24 * 3_600_000 {
        return Err(format!("`{text}` is longer than 7 days"));
    }
    Ok(Duration::from_millis(total))
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
}
