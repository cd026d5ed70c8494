//! Colours in command output: the text has been through `text_safety::sanitize`, so the only
//! escape sequences left are SGR (`ESC [ … m`). This turns them into ratatui styles, carrying the
//! style from one line to the next the way a terminal would.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

/// Splits sanitized text into styled spans, starting from `style`; returns the style in
/// force at the end (for the next line).
pub fn spans(text: &str, mut style: Style) -> (Vec<Span<'static>>, Style) {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('\x1b') {
        if at > 0 {
            out.push(Span::styled(rest[..at].to_string(), style));
        }
        let seq = &rest[at + 1..];
        match seq.find('m') {
            Some(m) => {
                style = apply(style, seq.get(1..m).unwrap_or(""));
                rest = &seq[m + 1..];
            }
            // An unfinished sequence is not drawn and changes nothing.
            None => rest = "",
        }
    }
    if !rest.is_empty() {
        out.push(Span::styled(rest.to_string(), style));
    }
    (out, style)
}

/// The style at the end of `text`, without building spans (for lines never drawn).
pub fn end_style(text: &str, style: Style) -> Style {
    if !text.contains('\x1b') {
        return style;
    }
    spans(text, style).1
}

pub fn line(text: &str, style: Style) -> Line<'static> {
    Line::from(spans(text, style).0)
}

fn apply(mut style: Style, params: &str) -> Style {
    let mut nums = params
        .split(';')
        .map(|p| p.parse::<u16>().unwrap_or(0))
        .peekable();
    if params.is_empty() {
        return Style::default();
    }
    while let Some(n) = nums.next() {
        style = match n {
            0 => Style::default(),
            1 => style.add_modifier(Modifier::BOLD),
            2 => style.add_modifier(Modifier::DIM),
            3 => style.add_modifier(Modifier::ITALIC),
            4 => style.add_modifier(Modifier::UNDERLINED),
            5 | 6 => style.add_modifier(Modifier::SLOW_BLINK),
            7 => style.add_modifier(Modifier::REVERSED),
            9 => style.add_modifier(Modifier::CROSSED_OUT),
            22 => style.remove_modifier(Modifier::BOLD | Modifier::DIM),
            23 => style.remove_modifier(Modifier::ITALIC),
            24 => style.remove_modifier(Modifier::UNDERLINED),
            25 => style.remove_modifier(Modifier::SLOW_BLINK),
            27 => style.remove_modifier(Modifier::REVERSED),
            29 => style.remove_modifier(Modifier::CROSSED_OUT),
            30..=37 => style.fg(Color::Indexed((n - 30) as u8)),
            39 => style.fg(Color::Reset),
            40..=47 => style.bg(Color::Indexed((n - 40) as u8)),
            49 => style.bg(Color::Reset),
            90..=97 => style.fg(Color::Indexed((n - 90 + 8) as u8)),
            100..=107 => style.bg(Color::Indexed((n - 100 + 8) as u8)),
            38 | 48 => match extended(&mut nums) {
                Some(c) if n == 38 => style.fg(c),
                Some(c) => style.bg(c),
                None => style,
            },
            _ => style,
        };
    }
    style
}

/// `5;N` (256 colours) or `2;R;G;B` (true colour) after 38 or 48.
fn extended(nums: &mut impl Iterator<Item = u16>) -> Option<Color> {
    match nums.next()? {
        5 => Some(Color::Indexed(nums.next()?.min(255) as u8)),
        2 => {
            let mut c = || nums.next().map(|v| v.min(255) as u8);
            Some(Color::Rgb(c()?, c()?, c()?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_become_styles_and_carry_over() {
        let (s, end) = spans("a\x1b[1;31mred\x1b[0m b \x1b[32mgreen", Style::default());
        assert_eq!(s.len(), 4);
        assert_eq!(s[1].content, "red");
        assert_eq!(
            s[1].style,
            Style::default()
                .add_modifier(Modifier::BOLD)
                .fg(Color::Indexed(1))
        );
        assert_eq!(s[2].style, Style::default());
        assert_eq!(end, Style::default().fg(Color::Indexed(2)));
        let (next, _) = spans("still green", end);
        assert_eq!(next[0].style.fg, Some(Color::Indexed(2)));
    }

    #[test]
    fn extended_colours_and_nonsense() {
        let (_, s) = spans("\x1b[38;5;200m\x1b[48;2;1;2;3m", Style::default());
        assert_eq!(s.fg, Some(Color::Indexed(200)));
        assert_eq!(s.bg, Some(Color::Rgb(1, 2, 3)));
        let (_, s) = spans("\x1b[38;9m\x1b[m", s);
        assert_eq!(s, Style::default());
        // A truncated sequence at the end of a line is dropped, not drawn.
        let (spans, _) = spans("ok\x1b[3", Style::default());
        assert_eq!(spans.len(), 1);
    }
}
