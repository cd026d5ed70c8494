//! The chart's time axis: where a moment falls, and tick marks whose spacing and labels
//! adapt from milliseconds (a 30-second run) to days (a multi-hour change over midnight).

use std::fmt::Write;

use super::layout::{LABEL, RIGHT, TOP, W};
use super::text::html_escape as esc;
use super::zone::Time;

/// Tick spacings to choose from, in milliseconds.
const STEPS: [i64; 27] = [
    10,
    20,
    50,
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    900_000,
    1_800_000,
    3_600_000,
    7_200_000,
    10_800_000,
    21_600_000,
    43_200_000,
    86_400_000,
    172_800_000,
    604_800_000,
    2_592_000_000,
];

/// The smallest spacing whose labels fit side by side over `span_ms` in `width` pixels.
pub fn tick_step(span_ms: i64, width: f64) -> i64 {
    STEPS
        .iter()
        .copied()
        .find(|&s| (span_ms / s + 1) as f64 * (label_chars(s) as f64 * 6.7 + 24.0) <= width)
        .unwrap_or(STEPS[STEPS.len() - 1])
}

/// `HH:MM:SS.mmm`, `HH:MM:SS` or `HH:MM`, by spacing.
fn tick_format(step: i64) -> &'static str {
    match step {
        s if s < 1_000 => "%H:%M:%S%.3f",
        s if s < 60_000 => "%H:%M:%S",
        s if s < 86_400_000 => "%H:%M",
        _ => "%b %d",
    }
}

fn label_chars(step: i64) -> usize {
    match step {
        s if s < 1_000 => 12,
        s if s < 60_000 => 8,
        s if s < 86_400_000 => 5,
        _ => 6,
    }
}

pub struct Axis {
    pub t0: Time,
    pub span: f64,
}

impl Axis {
    pub fn x(&self, t: Time) -> f64 {
        let ms = t.millis_since(self.t0) as f64;
        LABEL + (ms / self.span).clamp(0.0, 1.0) * (W - LABEL - RIGHT)
    }
}

/// `date` says a day above its first tick when the run crosses midnight.
pub fn ticks(
    o: &mut String,
    axis: &Axis,
    end: Time,
    bottom: f64,
    multi_day: bool,
    date: &dyn Fn(&Time) -> String,
) {
    let step = tick_step(axis.span as i64, W - LABEL - RIGHT);
    let offset_ms = axis.t0.0.offset().local_minus_utc() as i64 * 1000;
    let local0 = axis.t0.0.timestamp_millis() + offset_ms;
    let first = (local0 + step - 1).div_euclid(step) * step;
    let fmt = tick_format(step);
    let mut last_day = None;
    let mut local = first;
    while local <= end.0.timestamp_millis() + offset_ms {
        let t = Time(axis.t0.0 + chrono::Duration::milliseconds(local - local0));
        let x = axis.x(t);
        let label = esc(&t.0.format(fmt).to_string());
        let _ = write!(
            o,
            "<line class=\"tick\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\"/><text class=\"tick-label\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text><text class=\"tick-label\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
            TOP - 6.0,
            TOP - 10.0,
            bottom + 16.0,
        );
        // Over midnight, each new day is dated once, above its first tick.
        let day = t.date();
        if multi_day && step < 86_400_000 && last_day.as_ref() != Some(&day) {
            let _ = write!(
                o,
                "<text class=\"tick-date\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                TOP - 24.0,
                esc(&date(&t))
            );
        }
        last_day = Some(day);
        local += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_adapt_from_a_blink_to_a_day() {
        let w = W - LABEL - RIGHT;
        assert_eq!(tick_step(450, w), 100);
        assert_eq!(tick_step(30_000, w), 5_000);
        assert_eq!(tick_step(3 * 3_600_000 + 1, w), 1_800_000);
        assert_eq!(tick_step(26 * 3_600_000, w), 3 * 3_600_000);
        assert_eq!(tick_step(9 * 86_400_000, w), 86_400_000);
        assert_eq!(tick_step(40 * 86_400_000, w), 7 * 86_400_000);
    }
}
