//! The human report: grouped, one line a check, remediation under every warn
//! and fail, a verdict line. Colour is a value passed in, never global.

use std::fmt::Write;

use owo_colors::OwoColorize;

use super::{safe, Summary, Verdict};
use crate::checks::{Check, Finding, Status};

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Show evidence for passing checks too.
    pub verbose: bool,
}

impl Style {
    fn status(&self, s: Status, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        match s {
            Status::Pass => text.green().to_string(),
            Status::Warn => text.yellow().to_string(),
            Status::Fail => text.red().bold().to_string(),
            Status::Skip => text.dimmed().to_string(),
            Status::Error => text.magenta().bold().to_string(),
        }
    }

    fn dim(&self, text: &str) -> String {
        if self.color {
            text.dimmed().to_string()
        } else {
            text.to_owned()
        }
    }

    pub(crate) fn bold(&self, text: &str) -> String {
        if self.color {
            text.bold().to_string()
        } else {
            text.to_owned()
        }
    }
}

pub fn symbol(s: Status) -> &'static str {
    match s {
        Status::Pass => "✓",
        Status::Warn => "!",
        Status::Fail => "✗",
        Status::Skip => "-",
        Status::Error => "?",
    }
}

const GROUPS: &[(&str, &str)] = &[
    ("host", "Host"),
    ("docker", "Docker daemon"),
    ("image", "Image"),
    ("dockerfile", "Dockerfile"),
    ("run", "Run recipe"),
    ("container", "Container"),
];

pub fn render(findings: &[Finding], strict: bool, style: Style) -> String {
    let mut out = groups(findings, style);
    out.push_str(&verdict_line(findings, strict, style, ""));
    out
}

/// The findings, family by family, without the verdict.
pub(crate) fn groups(findings: &[Finding], style: Style) -> String {
    let mut out = String::new();
    // The rows as shown: a family skipped as a whole is one label.
    let width = findings
        .iter()
        .map(|f| {
            let members: Vec<&Finding> = findings.iter().filter(|x| x.group == f.group).collect();
            if all_skipped(&members, 0, style).is_some() {
                skipped_label(&f.group, members.len()).len()
            } else {
                f.id.len()
            }
        })
        .max()
        .unwrap_or(0);
    let mut groups: Vec<&str> = Vec::new();
    for f in findings {
        if !groups.contains(&f.group.as_str()) {
            groups.push(&f.group);
        }
    }
    for group in groups {
        let name = GROUPS
            .iter()
            .find(|(g, _)| *g == group)
            .map_or(group, |(_, n)| n);
        let _ = writeln!(out, "{}", style.bold(name));
        let members: Vec<&Finding> = findings.iter().filter(|f| f.group == group).collect();
        if let Some(line) = all_skipped(&members, width, style) {
            out.push_str(&line);
        } else {
            for f in members {
                finding(&mut out, f, width, style);
            }
        }
        out.push('\n');
    }
    out
}

/// `Verdict: ready. 12 pass, …`; `subject` names what it is about (`for service web`).
pub(crate) fn verdict_line(
    findings: &[Finding],
    strict: bool,
    style: Style,
    subject: &str,
) -> String {
    let mut out = String::new();
    let s = Summary::of(findings);
    let verdict = Verdict::of(findings, strict);
    let status = match verdict {
        Verdict::Ready => Status::Pass,
        Verdict::ReadyWithWarnings => Status::Warn,
        Verdict::NotReady => Status::Fail,
    };
    let why = if super::nothing_judged(findings) {
        " (nothing was judged: every selected check skipped, see why above)"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "{} {} pass, {} warn, {} fail, {} skip, {} error{why}",
        style.status(status, &format!("Verdict{subject}: {}.", verdict.as_str())),
        s.pass,
        s.warn,
        s.fail,
        s.skip,
        s.error
    );
    out
}

/// `docker.* (11 checks)`: the label of a family skipped as a whole.
fn skipped_label(group: &str, n: usize) -> String {
    format!("{group}.* ({n} checks)")
}

/// A family skipped as a whole (`--no-docker`, no `--image`) takes one line.
fn all_skipped(members: &[&Finding], width: usize, style: Style) -> Option<String> {
    let first = members.first()?;
    if style.verbose || members.len() < 2 || members.iter().any(|f| f.status != Status::Skip) {
        return None;
    }
    let label = skipped_label(&first.group, members.len());
    Some(format!(
        "  {} {:<width$}  skipped: {}\n",
        style.status(Status::Skip, symbol(Status::Skip)),
        label,
        safe(&first.message)
    ))
}

fn finding(out: &mut String, f: &Finding, width: usize, style: Style) {
    let _ = writeln!(
        out,
        "  {} {:<width$}  {}",
        style.status(f.status, symbol(f.status)),
        safe(&f.id),
        safe(&f.message)
    );
    let pad = " ".repeat(width + 6);
    if style.verbose || !matches!(f.status, Status::Pass | Status::Skip) {
        for e in &f.evidence {
            let _ = writeln!(out, "{pad}{}", style.dim(&format!("· {}", safe(e))));
        }
    }
    if matches!(f.status, Status::Warn | Status::Fail) {
        if let Some(r) = &f.remediation {
            let _ = writeln!(out, "{pad}→ {}", safe(&r.text));
            for c in &r.commands {
                let _ = writeln!(out, "{pad}  {}", style.bold(&format!("$ {}", safe(c))));
            }
        }
    }
}

/// `--list-checks`: every check id with its title.
pub fn check_list(checks: &[&Check]) -> String {
    checks
        .iter()
        .map(|c| format!("{:<24} {}\n", c.id, c.title))
        .collect()
}

/// `--explain ID`: what a check looks at, why, and its sources.
pub fn explanation(c: &Check) -> String {
    let mut out = format!("{} — {}\n\n{}\n\nSources:\n", c.id, c.title, c.explain);
    for s in c.sources {
        out.push_str(&format!("  - {s}\n"));
    }
    out
}
