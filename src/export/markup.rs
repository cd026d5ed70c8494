//! How a format writes the few things a document needs besides its timeline — escaped
//! text, code, bold words, headings, tables and lists — so the sections and the words of
//! each language are written once for Markdown and HTML, and the two cannot drift apart.

use std::fmt::Write;

use super::text::{Text, html_escape, md_block, md_code, md_escape};

/// A list item: its text, nested items, and lines shown as a block (an output excerpt).
pub struct Item {
    pub text: String,
    pub sub: Vec<String>,
    pub block: Option<Vec<String>>,
}

impl Item {
    pub fn new(text: String) -> Item {
        Item {
            text,
            sub: Vec::new(),
            block: None,
        }
    }
}

/// How a format writes the few things the sections need. Text arguments are plain unless
/// a method says otherwise; what comes back is markup.
pub trait Markup {
    fn esc(&self, s: &str) -> String;
    /// Inline code; `cell` inside a table cell.
    fn code(&self, s: &str, cell: bool) -> String;
    fn rich(&self, t: &Text) -> String;
    /// A bold marker word (ROLLBACK, ロールバック); `key` is its stable name (`ROLLBACK`).
    fn marker(&self, key: &str, word: &str) -> String;
    fn strong(&self, s: &str) -> String;
    fn h2(&self, o: &mut String, id: &str, title: &str);
    /// `markup` is already escaped.
    fn h3(&self, o: &mut String, markup: &str);
    /// An empty section, in words.
    fn none(&self, o: &mut String, words: &str);
    fn table(&self, o: &mut String, head: &[&str], rows: Vec<Vec<String>>);
    fn list(&self, o: &mut String, items: Vec<Item>);
}

pub struct Markdown;
pub struct Html;

impl Markup for Markdown {
    fn esc(&self, s: &str) -> String {
        md_escape(s)
    }
    fn code(&self, s: &str, cell: bool) -> String {
        md_code(s, cell)
    }
    fn rich(&self, t: &Text) -> String {
        t.to_markdown_inline()
    }
    fn marker(&self, _key: &str, word: &str) -> String {
        format!("**{word}**")
    }
    fn strong(&self, s: &str) -> String {
        format!("**{s}**")
    }
    fn h2(&self, o: &mut String, _id: &str, title: &str) {
        let _ = writeln!(o, "## {title}\n");
    }
    fn h3(&self, o: &mut String, markup: &str) {
        let _ = writeln!(o, "### {markup}\n");
    }
    fn none(&self, o: &mut String, words: &str) {
        let _ = writeln!(o, "{words}\n");
    }
    fn table(&self, o: &mut String, head: &[&str], rows: Vec<Vec<String>>) {
        let _ = writeln!(o, "| {} |", head.join(" | "));
        let _ = writeln!(o, "|{}", "---|".repeat(head.len()));
        for row in rows {
            let _ = writeln!(o, "| {} |", row.join(" | "));
        }
        o.push('\n');
    }
    fn list(&self, o: &mut String, items: Vec<Item>) {
        for item in items {
            let _ = writeln!(o, "- {}", item.text);
            for sub in item.sub {
                let _ = writeln!(o, "  - {sub}");
            }
            if let Some(lines) = item.block {
                // Indented, so the block belongs to the item above it.
                o.push('\n');
                for l in md_block(&lines).lines() {
                    let _ = writeln!(o, "  {l}");
                }
            }
        }
        o.push('\n');
    }
}

impl Markup for Html {
    fn esc(&self, s: &str) -> String {
        html_escape(s)
    }
    fn code(&self, s: &str, _cell: bool) -> String {
        Text::new().code(s).to_html()
    }
    fn rich(&self, t: &Text) -> String {
        t.to_html()
    }
    fn marker(&self, key: &str, word: &str) -> String {
        format!("<strong class=\"m m-{key}\">{word}</strong>")
    }
    fn strong(&self, s: &str) -> String {
        format!("<strong>{s}</strong>")
    }
    fn h2(&self, o: &mut String, id: &str, title: &str) {
        let _ = writeln!(o, "<h2 id=\"{id}\">{title}</h2>");
    }
    fn h3(&self, o: &mut String, markup: &str) {
        let _ = writeln!(o, "<h3>{markup}</h3>");
    }
    fn none(&self, o: &mut String, words: &str) {
        let _ = writeln!(o, "<p>{words}</p>");
    }
    fn table(&self, o: &mut String, head: &[&str], rows: Vec<Vec<String>>) {
        o.push_str("<table><thead><tr>");
        for h in head {
            let _ = write!(o, "<th>{h}</th>");
        }
        o.push_str("</tr></thead><tbody>\n");
        for row in rows {
            o.push_str("<tr>");
            for cell in row {
                let _ = write!(o, "<td>{cell}</td>");
            }
            o.push_str("</tr>\n");
        }
        o.push_str("</tbody></table>\n");
    }
    fn list(&self, o: &mut String, items: Vec<Item>) {
        o.push_str("<ul>\n");
        for item in items {
            let _ = write!(o, "<li>{}", item.text);
            if !item.sub.is_empty() {
                o.push_str("<ul>");
                for sub in item.sub {
                    let _ = write!(o, "<li>{sub}</li>");
                }
                o.push_str("</ul>");
            }
            if let Some(lines) = item.block {
                let _ = write!(o, "<pre>{}</pre>", html_escape(&lines.join("\n")));
            }
            o.push_str("</li>\n");
        }
        o.push_str("</ul>\n");
    }
}
