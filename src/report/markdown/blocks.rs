//! Markdown building blocks that stay what they are on GitHub and GitLab
//! whatever text they hold: text from a run line, an image or a file cannot
//! open a code span, a link, an HTML tag or a new table cell, nor close a
//! code block or a `<details>`.
//!
//! Every block returns its text followed by one blank line, so blocks are
//! simply concatenated.

use crate::report::safe;

/// ASCII punctuation with an inline meaning (CommonMark and GFM: emphasis,
/// code, links, HTML, entities, strikethrough, table cells, a heading's
/// closing `#`s). Escaped with a backslash, which CommonMark allows before
/// any ASCII punctuation.
const INLINE: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '<', '>', '&', '|', '~', '#', '!',
];

/// Text for inline use, not at the start of a line: a list item after its
/// marker, a table cell, a heading after its `#`s. Control characters
/// (a newline too) are shown escaped, so the text stays on one line.
pub(crate) fn escape(s: &str) -> String {
    let s = safe(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if INLINE.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A paragraph of one line of text: escaped like [`escape`], and its start
/// cannot open a block. `#`, `>`, `*`, `_`, `` ` ``, `~`, `<` and `|` are
/// escaped anywhere already; left are a list marker (`- `, `+ `, `1. `,
/// `1) `) and a thematic break (`- - -`). The paragraph follows a blank
/// line, so a setext underline (`===`) cannot form.
pub(crate) fn paragraph(s: &str) -> String {
    let text = escape(s.trim_start());
    if text.is_empty() {
        return String::new();
    }
    let marker_then_space = |rest: &str| rest.is_empty() || rest.starts_with([' ', '\t']);
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let break_line = text.chars().filter(|c| *c == '-').count() >= 3
        && text.chars().all(|c| matches!(c, '-' | ' ' | '\t'));
    let mut out = String::with_capacity(text.len() + 4);
    if text.starts_with(['-', '+']) && (marker_then_space(&text[1..]) || break_line) {
        out.push('\\');
        out.push_str(&text);
    } else if (1..=9).contains(&digits)
        && text[digits..].starts_with(['.', ')'])
        && marker_then_space(&text[digits + 1..])
    {
        out.push_str(&text[..digits]);
        out.push('\\');
        out.push_str(&text[digits..]);
    } else {
        out.push_str(&text);
    }
    out.push_str("\n\n");
    out
}

/// `## text`: a heading of `level` (1 to 6) with escaped text.
pub(crate) fn heading(level: usize, s: &str) -> String {
    format!("{} {}\n\n", "#".repeat(level.clamp(1, 6)), escape(s))
}

/// A fenced code block holding `text` exactly (bar control characters other
/// than tab and newline, shown escaped): its fence is longer than any run of
/// backticks inside, so no line of the text can close it. `info` is ours
/// (`sh`, `yaml`, `diff`, `json`), never user text.
pub(crate) fn fence(info: &str, text: &str) -> String {
    let longest = longest_run(text, '`');
    let fence = "`".repeat(longest.max(2) + 1);
    let mut out = format!("{fence}{info}\n");
    for line in text.lines() {
        // A tab is kept; `safe` would show it as `\t`.
        for (i, part) in line.split('\t').enumerate() {
            if i > 0 {
                out.push('\t');
            }
            out.push_str(&safe(part));
        }
        out.push('\n');
    }
    out.push_str(&fence);
    out.push_str("\n\n");
    out
}

/// An inline code span for text not in a table (there use [`Cell::Code`]):
/// its backtick string is longer than any run inside, and padded with a
/// space when the text starts or ends with a backtick or a space.
pub(crate) fn code(s: &str) -> String {
    let s = safe(s);
    if s.is_empty() {
        return String::new();
    }
    let ticks = "`".repeat(longest_run(&s, '`') + 1);
    let pad = if s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

/// A `<details>` block whose body is Markdown (made of these blocks): blank
/// lines around the HTML lines, so GitHub renders the Markdown inside. The
/// summary is HTML-escaped text. Nothing in `body` can close it early: our
/// blocks escape `<` in text and hold code in fences.
pub(crate) fn details(summary: &str, body: &str) -> String {
    format!(
        "<details>\n<summary>{}</summary>\n\n{}\n</details>\n\n",
        html(summary),
        body.trim_end_matches('\n')
    )
}

/// One table cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    /// Escaped text.
    Text(String),
    /// A code span (a check id, a flag).
    Code(String),
}

/// A GFM table; rows shorter than the header get empty cells, longer ones
/// are cut. Every cell is one line of escaped text.
pub(crate) fn table(header: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut out = String::new();
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&line(header.iter().map(|h| escape(h)).collect()));
    out.push_str(&line(header.iter().map(|_| "---".to_owned()).collect()));
    for row in rows {
        let cells = (0..header.len())
            .map(|i| row.get(i).map_or_else(String::new, cell))
            .collect();
        out.push_str(&line(cells));
    }
    out.push('\n');
    out
}

fn cell(c: &Cell) -> String {
    match c {
        // In a table, `\|` is a pipe even inside a code span (GFM); a
        // backslash already before a pipe would be ambiguous: plain text then.
        Cell::Code(s) if !s.contains('\\') && !s.is_empty() => code(s).replace('|', "\\|"),
        Cell::Code(s) | Cell::Text(s) => escape(s),
    }
}

/// Text for an HTML context (a `<summary>`): entities for `&`, `<`, `>`,
/// `"`; control characters shown escaped.
pub(crate) fn html(s: &str) -> String {
    safe(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == ch { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

    fn events(md: &str) -> Vec<Event<'_>> {
        Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).collect()
    }

    /// The text a reader sees, and whether any HTML, link, emphasis or code got in.
    fn rendered_text(md: &str) -> (String, bool) {
        let mut text = String::new();
        let mut markup = false;
        for e in events(md) {
            match e {
                Event::Text(t) => text.push_str(&t),
                Event::Start(Tag::Paragraph | Tag::Heading { .. })
                | Event::End(TagEnd::Paragraph | TagEnd::Heading(_)) => {}
                _ => markup = true,
            }
        }
        (text, markup)
    }

    const HOSTILE: &[&str] = &[
        "`rm -rf /`",
        "a | b",
        "</details><script>alert(1)</script>",
        "*bold* _it_ ~~gone~~ [link](http://x) ![i](y)",
        "&amp; &lt; \\` \\",
        "# not a heading",
        "- not a list",
        "-",
        "+ not a list",
        "- - -",
        "1. not a list",
        "123456789) not a list",
        "--init stays as it is",
        "> not a quote",
        "```",
        "    indented",
        "=====",
        "line\nbreak\r\u{1b}[2J",
    ];

    #[test]
    fn escaped_text_renders_as_itself() {
        for s in HOSTILE {
            let (text, markup) = rendered_text(&paragraph(s));
            assert!(!markup, "{s:?} made markup: {:?}", events(&paragraph(s)));
            assert_eq!(text, safe(s.trim_start()), "{s:?}");
            // Plain punctuation is left as it is, for people who read the text raw.
            if s.starts_with("--") {
                assert_eq!(paragraph(s), format!("{s}\n\n"));
            }
            let (text, markup) = rendered_text(&heading(2, s));
            assert!(!markup, "{s:?} in a heading");
            assert_eq!(text, safe(s).trim(), "{s:?} in a heading");
        }
    }

    #[test]
    fn a_fence_holds_any_text() {
        for s in HOSTILE.iter().chain(&["a ``` b\n````\n```````x"]) {
            let md = fence("sh", s);
            let evs = events(&md);
            assert!(
                matches!(&evs[0], Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(i))) if &**i == "sh"),
                "{evs:?}"
            );
            let text: String = evs
                .iter()
                .filter_map(|e| match e {
                    Event::Text(t) => Some(t.to_string()),
                    _ => None,
                })
                .collect();
            let want: String = s.lines().map(|l| format!("{}\n", safe(l))).collect();
            assert_eq!(text, want, "{s:?}");
            assert!(matches!(evs.last(), Some(Event::End(TagEnd::CodeBlock))));
            let inner = &evs[1..evs.len() - 1];
            assert!(
                inner.iter().all(|e| matches!(e, Event::Text(_))),
                "{s:?}: {evs:?}"
            );
        }
    }

    #[test]
    fn code_spans_hold_backticks() {
        for s in ["a`b", "`x`", "``", "plain", " lead"] {
            let md = code(s);
            let evs = events(&md);
            let got: Vec<String> = evs
                .iter()
                .filter_map(|e| match e {
                    Event::Code(c) => Some(c.to_string()),
                    _ => None,
                })
                .collect();
            assert_eq!(got, [s.to_owned()], "{s:?}: {evs:?}");
        }
    }

    #[test]
    fn details_close_where_they_should() {
        let body = format!(
            "{}{}",
            paragraph("</details> <summary>x</summary>"),
            fence("", "</details>\n<script>")
        );
        let md = format!("{}after\n", details("facts <&> \"q\"", &body));
        let html_lines: Vec<String> = events(&md)
            .iter()
            .filter_map(|e| match e {
                Event::Html(h) => Some(h.trim().to_owned()),
                _ => None,
            })
            .collect();
        assert_eq!(
            html_lines,
            [
                "<details>",
                "<summary>facts &lt;&amp;&gt; &quot;q&quot;</summary>",
                "</details>"
            ]
        );
        // The body is Markdown (a paragraph and a code block), and `after` is outside.
        let evs = events(&md);
        assert!(evs
            .iter()
            .any(|e| matches!(e, Event::Start(Tag::CodeBlock(_)))));
        assert!(matches!(&evs[evs.len() - 2], Event::Text(t) if &**t == "after"));
    }

    #[test]
    fn table_cells_stay_in_their_column() {
        let rows = vec![
            vec![Cell::Code("a|b".into()), Cell::Text("x | y `z` <b>".into())],
            vec![Cell::Code("c\\|d".into()), Cell::Text("ok".into())],
            vec![Cell::Text("short".into())],
        ];
        let md = table(&["id", "message"], &rows);
        let mut cells: Vec<Vec<String>> = Vec::new();
        let mut in_cell = false;
        for e in events(&md) {
            match e {
                Event::Start(Tag::TableRow | Tag::TableHead) => cells.push(Vec::new()),
                Event::Start(Tag::TableCell) => {
                    in_cell = true;
                    cells.last_mut().unwrap().push(String::new());
                }
                Event::End(TagEnd::TableCell) => in_cell = false,
                Event::Text(t) | Event::Code(t) if in_cell => {
                    cells.last_mut().unwrap().last_mut().unwrap().push_str(&t)
                }
                Event::Html(_) | Event::InlineHtml(_) => panic!("HTML in {md}"),
                _ => {}
            }
        }
        assert_eq!(
            cells,
            [
                vec!["id", "message"],
                vec!["a|b", "x | y `z` <b>"],
                vec!["c\\|d", "ok"],
                vec!["short", ""],
            ]
        );
    }
}

/// A rendered document with `<marker…>` words (redaction's) put in after
/// rendering: kept as they are in code blocks and code spans, where they
/// show literally; `\<` in text, where `<x:y>` would be an autolink or a
/// tag; `&lt;` in an HTML line (`<summary>`).
pub(crate) fn escape_inserted(md: &str, marker: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut fence: Option<usize> = None;
    for line in md.split_inclusive('\n') {
        let ticks = line.chars().take_while(|c| *c == '`').count();
        match fence {
            Some(n) if ticks >= n && line.trim_end().chars().all(|c| c == '`') => fence = None,
            Some(_) => {}
            None if ticks >= 3 => fence = Some(ticks),
            None if line.starts_with('<') => {
                out.push_str(&line.replace(marker, &marker.replacen('<', "&lt;", 1)));
                continue;
            }
            None => {
                out.push_str(&outside_code_spans(line, marker));
                continue;
            }
        }
        out.push_str(line);
    }
    out
}

/// `marker` escaped with `\` where it is not inside a code span.
fn outside_code_spans(line: &str, marker: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut open: Option<usize> = None;
    let mut rest = line;
    while !rest.is_empty() {
        let ticks = rest.chars().take_while(|c| *c == '`').count();
        if ticks > 0 {
            open = match open {
                Some(n) if n == ticks => None,
                None => Some(ticks),
                keep => keep,
            };
            out.push_str(&rest[..ticks]);
            rest = &rest[ticks..];
        } else if open.is_none() && rest.starts_with(marker) {
            out.push('\\');
            out.push_str(marker);
            rest = &rest[marker.len()..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
mod inserted_tests {
    use super::*;

    #[test]
    fn markers_are_literal_everywhere() {
        let md = "text <redacted:ip> and `code <redacted>`\n\n```sh\nrun -e A=<redacted>\n```\n\n<summary>at <redacted:ip></summary>\n";
        let got = escape_inserted(md, "<redacted");
        assert_eq!(
            got,
            "text \\<redacted:ip> and `code <redacted>`\n\n```sh\nrun -e A=<redacted>\n```\n\n<summary>at &lt;redacted:ip></summary>\n"
        );
    }
}
