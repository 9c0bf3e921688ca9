//! `triage`: a pasted log's known lines with their causes and fixes, as
//! human text, JSON and Markdown. It reports; it does not judge.

use std::fmt::Write;

use serde::Serialize;

use super::markdown::blocks::{code, escape, heading, paragraph, table, Cell};
use super::{human::Style, safe, SCHEMA_VERSION};
use crate::diagnose::{Kind, Triage};

/// Said when no line is known, in every format.
pub(crate) const NOTHING_KNOWN: &str = "nothing known found";

fn heading_line(t: &Triage) -> String {
    let causes = t.causes().len();
    if t.hits.is_empty() {
        format!(
            "{} ({} {}): {NOTHING_KNOWN}",
            t.input,
            t.lines,
            plural(t.lines, "line", "lines")
        )
    } else {
        format!(
            "{} ({} {}): {} known {}, {} {}",
            t.input,
            t.lines,
            plural(t.lines, "line", "lines"),
            t.hits.len(),
            plural(t.hits.len(), "line", "lines"),
            causes,
            plural(causes, "cause", "causes")
        )
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn numbers(lines: &[usize]) -> String {
    let list: Vec<String> = lines.iter().map(usize::to_string).collect();
    format!(
        "{} {}",
        plural(lines.len(), "line", "lines"),
        list.join(", ")
    )
}

const NOTHING_HINT: &str = "No line matches sdctr-doctor's table of systemd boot failures. \
If the container still exists, `sdctr-doctor container NAME` judges its settings too; \
`sdctr-doctor lint -- docker run …` judges the line that started it.";

const HARMLESS_ONLY: &str = "Every known line is harmless: containers that boot print them too.";

pub(crate) fn human(t: &Triage, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!("triage of {}", heading_line(t)))
    );
    if t.hits.is_empty() {
        let _ = writeln!(out, "{NOTHING_HINT}");
        return out;
    }
    out.push('\n');
    let width = t.hits.last().map_or(1, |h| h.number.to_string().len());
    for h in &t.hits {
        let _ = writeln!(
            out,
            "  line {:>width$}  [{}] {}",
            h.number,
            h.entry.id,
            safe(&h.line)
        );
    }
    if let Some(first) = t.first_failure().filter(|_| t.causes().len() > 1) {
        let _ = writeln!(
            out,
            "\nStart with line {} [{}]: the known lines after the first failure are often its consequences.",
            first.number, first.entry.id
        );
    }
    for (p, lines) in t.causes() {
        out.push('\n');
        let _ = writeln!(
            out,
            "{} ({}, {})",
            style.bold(p.id),
            p.kind.as_str(),
            numbers(&lines)
        );
        let _ = writeln!(out, "  cause: {}", p.cause);
        let _ = writeln!(out, "  fix:   {}", p.fix);
        let _ = writeln!(out, "  seen:  {}", p.source);
    }
    if !t.has_failure() {
        let _ = writeln!(out, "\n{HARMLESS_ONLY}");
    }
    out
}

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: super::json::Tool,
    triage: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    input: &'a str,
    lines: usize,
    known: usize,
    /// No line known: the human report says "nothing known found".
    nothing_known: bool,
    matches: Vec<Match<'a>>,
    causes: Vec<Cause>,
}

#[derive(Serialize)]
struct Match<'a> {
    line: usize,
    text: &'a str,
    id: &'static str,
    kind: Kind,
}

#[derive(Serialize)]
struct Cause {
    id: &'static str,
    kind: Kind,
    cause: &'static str,
    fix: &'static str,
    source: &'static str,
    lines: Vec<usize>,
}

pub(crate) fn json(t: &Triage) -> String {
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        tool: super::json::TOOL,
        triage: Body {
            input: &t.input,
            lines: t.lines,
            known: t.hits.len(),
            nothing_known: t.hits.is_empty(),
            matches: t
                .hits
                .iter()
                .map(|h| Match {
                    line: h.number,
                    text: &h.line,
                    id: h.entry.id,
                    kind: h.entry.kind,
                })
                .collect(),
            causes: t
                .causes()
                .into_iter()
                .map(|(p, lines)| Cause {
                    id: p.id,
                    kind: p.kind,
                    cause: p.cause,
                    fix: p.fix,
                    source: p.source,
                    lines,
                })
                .collect(),
        },
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("triage serialises");
    out.push('\n');
    out
}

/// Markdown to paste into an issue or a ticket (CommonMark with GitHub's
/// tables), built from the report's Markdown blocks.
pub(crate) fn markdown(t: &Triage) -> String {
    let mut out = heading(3, "sdctr-doctor triage");
    out.push_str(&paragraph(&heading_line(t)));
    if t.hits.is_empty() {
        out.push_str(&paragraph(NOTHING_HINT));
        return out;
    }
    let rows: Vec<Vec<Cell>> = t
        .hits
        .iter()
        .map(|h| {
            vec![
                Cell::Text(h.number.to_string()),
                Cell::Code(h.entry.id.to_owned()),
                Cell::Text(h.entry.kind.as_str().to_owned()),
                Cell::Code(h.line.clone()),
            ]
        })
        .collect();
    out.push_str(&table(&["line", "cause", "kind", "text"], &rows));
    if let Some(first) = t.first_failure().filter(|_| t.causes().len() > 1) {
        out.push_str(&format!(
            "Start with line {} ({}): the known lines after the first failure are often its consequences.\n\n",
            first.number,
            code(first.entry.id)
        ));
    }
    for (p, lines) in t.causes() {
        out.push_str(&format!(
            "#### {} ({}, {})\n\n",
            code(p.id),
            p.kind.as_str(),
            numbers(&lines)
        ));
        out.push_str(&format!("**Cause:** {}\n\n", escape(p.cause)));
        out.push_str(&format!("**Fix:** {}\n\n", escape(p.fix)));
        out.push_str(&format!("Seen: {}\n\n", escape(p.source)));
    }
    if !t.has_failure() {
        out.push_str(&paragraph(HARMLESS_ONLY));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::triage;

    const LOG: &str = "Failed to mount tmpfs at /run: Operation not permitted\n\
Failed to mount tmpfs at /run/lock: Operation not permitted\n\
[!!!!!!] Failed to mount API filesystems.\n\
Exiting PID 1...\n";

    #[test]
    fn human_lists_lines_then_causes() {
        let out = human(
            &triage("log.txt", LOG),
            Style {
                color: false,
                verbose: false,
                width: 100,
            },
        );
        assert!(out.starts_with("triage of log.txt (4 lines): 4 known lines, 4 causes\n"));
        assert!(out.contains("  line 1  [tmpfs-run] Failed to mount tmpfs at /run:"));
        assert!(out.contains("tmpfs-run-lock (failure, line 2)\n  cause: systemd <= 252"));
        assert!(out.contains("pid1-stopped (consequence, line 4)"));
    }

    #[test]
    fn nothing_known_is_said() {
        let t = triage("-", "hello\nworld\n");
        let style = Style {
            color: false,
            verbose: false,
            width: 100,
        };
        assert!(human(&t, style).starts_with("triage of - (2 lines): nothing known found\n"));
        assert!(markdown(&t).contains(NOTHING_KNOWN));
        let doc: serde_json::Value = serde_json::from_str(&json(&t)).unwrap();
        assert_eq!(doc["triage"]["nothing_known"], true);
        assert_eq!(doc["triage"]["lines"], 2);
    }
}
