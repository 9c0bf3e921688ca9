//! The human report: the verdict and the fix first and last; failing checks
//! before warnings before passing ones, each with its remediation; text
//! wrapped to the width passed in. Colour is a value passed in, never global.

use std::fmt::Write;

use owo_colors::OwoColorize;

use super::{safe, Summary, Verdict};
use crate::checks::{Check, Finding, Status};
use crate::recipe::Recipe;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Show evidence for passing checks too, and their whole message.
    pub verbose: bool,
    /// Columns to wrap text at (the terminal's, or 100 when not a terminal).
    pub width: usize,
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

    /// The width text is wrapped at; never so narrow that nothing fits.
    fn columns(&self) -> usize {
        self.width.max(40)
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

/// What comes after the checks: the fix in the input's own form.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fix<'a> {
    /// `lint` and `container`: the corrected line (`None` inside when none
    /// is needed or none can be made).
    pub recipe: Option<&'a Option<Recipe>>,
    /// The line was made from a container's settings.
    pub from_container: bool,
    /// `lint --dockerfile`: the fix as a diff of the file.
    pub dockerfile: Option<&'a str>,
}

/// The report of one host, run line, container or Dockerfile: the verdict
/// and the fix first (what a first screen shows), then the checks, worst
/// first, then the verdict again and the whole fix, where the eye lands.
pub fn report(findings: &[Finding], strict: bool, style: Style, fix: Fix<'_>) -> String {
    let verdict = verdict_line(findings, strict, style, "");
    let mut out = verdict.clone();
    let line = fix.recipe.and_then(Option::as_ref);
    match (line, fix.dockerfile) {
        (Some(r), _) => {
            out.push_str(&wrap(
                "Use this run line instead (as a compose service at the end):",
                "",
                "",
                style.columns(),
            ));
            out.push_str(&super::recipe::wrapped(&r.argv, style.columns()));
        }
        (None, Some(_)) => out.push_str(&wrap(
            "The corrected Dockerfile is at the end, as a diff.",
            "",
            "",
            style.columns(),
        )),
        (None, None) => {
            if fix.recipe.is_some() {
                if let Some(why) = super::recipe::why_none(findings) {
                    out.push_str(&wrap(&why, "", "", style.columns()));
                }
            }
        }
    }
    out.push('\n');
    out.push_str(&sections(findings, style));
    out.push_str(&verdict);
    if let Some(d) = fix.dockerfile {
        out.push_str(&format!(
            "\nCorrected Dockerfile (apply with: patch -p0 < this.diff):\n{d}"
        ));
    }
    if let Some(r) = fix.recipe {
        out.push_str(&super::recipe::render(
            findings,
            r.as_ref(),
            fix.from_container,
            style.columns(),
        ));
    }
    out
}

/// The checks and the verdict (a host-only run).
pub fn render(findings: &[Finding], strict: bool, style: Style) -> String {
    report(findings, strict, style, Fix::default())
}

/// The findings, failing before warning before passing before skipped, each
/// under its heading, without the verdict.
pub(crate) fn sections(findings: &[Finding], style: Style) -> String {
    let mut out = String::new();
    let shown = findings.iter().filter(|f| f.status != Status::Skip);
    let width = shown.map(|f| f.id.len()).max().unwrap_or(0);
    let of = |wanted: &[Status]| -> Vec<&Finding> {
        findings
            .iter()
            .filter(|f| wanted.contains(&f.status))
            .collect()
    };
    for (title, wanted) in [
        ("Failing", &[Status::Fail, Status::Error][..]),
        ("Warnings", &[Status::Warn][..]),
        ("Passing", &[Status::Pass][..]),
    ] {
        let members = of(wanted);
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}", style.bold(title));
        for f in members {
            finding(&mut out, f, width, style);
        }
        out.push('\n');
    }
    let skipped = skipped(findings, skipped_width(findings, style), style);
    if !skipped.is_empty() {
        let _ = writeln!(out, "{}", style.bold("Skipped"));
        out.push_str(&skipped);
        out.push('\n');
    }
    out
}

/// The id column's width under Skipped: the longest id or family label.
fn skipped_width(findings: &[Finding], style: Style) -> usize {
    findings
        .iter()
        .filter(|f| f.status == Status::Skip)
        .map(|f| {
            if whole_family_skipped(findings, &f.group, style).is_some() {
                skipped_label(&f.group, family(findings, &f.group).len()).len()
            } else {
                f.id.len()
            }
        })
        .max()
        .unwrap_or(0)
}

fn family<'a>(findings: &'a [Finding], group: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.group == group).collect()
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
        " (nothing was judged: every selected check skipped, see why under Skipped)"
    } else {
        ""
    };
    let head = format!("Verdict{subject}: {}.", verdict.as_str());
    let text = format!(
        "{head} {} pass, {} warn, {} fail, {} skip, {} error{why}",
        s.pass, s.warn, s.fail, s.skip, s.error
    );
    let text = wrap(&text, "", "  ", style.columns());
    // The verdict itself in its colour (when the width leaves it whole).
    match text.strip_prefix(&head) {
        Some(rest) => out.push_str(&format!("{}{rest}", style.status(status, &head))),
        None => out.push_str(&text),
    }
    out
}

/// `docker.* (11 checks)`: the label of a family skipped as a whole.
fn skipped_label(group: &str, n: usize) -> String {
    format!("{group}.* ({n} checks)")
}

/// The reason a family is skipped as a whole (`--no-docker`, no `--image`),
/// which then takes one line; `None` when it is not, or with `-v`.
fn whole_family_skipped<'a>(findings: &'a [Finding], group: &str, style: Style) -> Option<&'a str> {
    let members = family(findings, group);
    let first = members.first()?;
    if style.verbose || members.len() < 2 || members.iter().any(|f| f.status != Status::Skip) {
        return None;
    }
    Some(&first.message)
}

/// The skipped checks: a family skipped as a whole is one line.
fn skipped(findings: &[Finding], width: usize, style: Style) -> String {
    let mut out = String::new();
    let mut families: Vec<&str> = Vec::new();
    for f in findings.iter().filter(|f| f.status == Status::Skip) {
        match whole_family_skipped(findings, &f.group, style) {
            Some(why) => {
                if families.contains(&f.group.as_str()) {
                    continue;
                }
                families.push(&f.group);
                let label = skipped_label(&f.group, family(findings, &f.group).len());
                one_line(&mut out, Status::Skip, &label, why, width, style);
            }
            None => one_line(&mut out, Status::Skip, &f.id, &f.message, width, style),
        }
    }
    out
}

/// `  ✓ id   message`, cut to the width (whole and wrapped with `-v`).
fn one_line(out: &mut String, s: Status, id: &str, message: &str, width: usize, style: Style) {
    let head = format!("  {} {:<width$}  ", symbol(s), safe(id));
    let message = safe(message);
    if style.verbose {
        let pad = " ".repeat(width + 6);
        let text = wrap(&message, &head, &pad, style.columns());
        out.push_str(&colour_symbol(&text, s, style));
        return;
    }
    let room = style.columns().saturating_sub(head.chars().count());
    let line = format!("{head}{}", cut(&message, room));
    out.push_str(&colour_symbol(&line, s, style));
    out.push('\n');
}

/// The status symbol (at column 2 of the first line) in its colour.
fn colour_symbol(text: &str, s: Status, style: Style) -> String {
    let sym = symbol(s);
    match text.strip_prefix("  ").and_then(|t| t.strip_prefix(sym)) {
        Some(rest) => format!("  {}{rest}", style.status(s, sym)),
        None => text.to_owned(),
    }
}

/// `text` in at most `room` columns, `…` where it was cut.
fn cut(text: &str, room: usize) -> String {
    if textwrap::core::display_width(text) <= room {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = textwrap::core::display_width(c.encode_utf8(&mut [0; 4]));
        if used + w + 1 > room {
            break;
        }
        used += w;
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// `text` wrapped at `columns`, the first line after `first`, the others
/// after `rest`; words longer than a line (paths, mount lines) are kept whole.
pub(crate) fn wrap(text: &str, first: &str, rest: &str, columns: usize) -> String {
    let opts = textwrap::Options::new(columns)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(false)
        // A flag or a path is one word: `bind-recursive` is not split.
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = String::new();
    for line in textwrap::wrap(text, opts) {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn finding(out: &mut String, f: &Finding, width: usize, style: Style) {
    if f.status == Status::Pass {
        one_line(out, f.status, &f.id, &f.message, width, style);
    } else {
        let head = format!("  {} {:<width$}  ", symbol(f.status), safe(&f.id));
        let pad = " ".repeat(width + 6);
        let text = wrap(&safe(&f.message), &head, &pad, style.columns());
        out.push_str(&colour_symbol(&text, f.status, style));
    }
    let pad = " ".repeat(width + 6);
    if style.verbose || !matches!(f.status, Status::Pass | Status::Skip) {
        for e in &f.evidence {
            let text = wrap(
                &safe(e),
                &format!("{pad}· "),
                &format!("{pad}  "),
                style.columns(),
            );
            for line in text.lines() {
                let _ = writeln!(out, "{}", style.dim(line));
            }
        }
    }
    if matches!(f.status, Status::Warn | Status::Fail) {
        if let Some(r) = &f.remediation {
            out.push_str(&wrap(
                &safe(&r.text),
                &format!("{pad}→ "),
                &format!("{pad}  "),
                style.columns(),
            ));
            // Commands stay whole, to be copied.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{run, Selection};
    use crate::testing::hybrid_host;

    fn style(width: usize, verbose: bool) -> Style {
        Style {
            color: false,
            verbose,
            width,
        }
    }

    /// Every line fits the width it is given, but for one unbreakable word
    /// (a path, a mount line) or a command to copy.
    #[test]
    fn text_fits_the_width_given() {
        let findings = run(&hybrid_host(), &Selection::default());
        for width in [50, 80, 120] {
            for verbose in [false, true] {
                let out = render(&findings, false, style(width, verbose));
                for l in out.lines() {
                    let text = l.trim_start().trim_start_matches(['·', '→']).trim_start();
                    let cols = textwrap::core::display_width(l);
                    assert!(
                        cols <= width || text.starts_with("$ ") || !text.contains(' '),
                        "{width}: {cols} columns: {l}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_cut_line_ends_with_an_ellipsis() {
        assert_eq!(cut("abc def", 10), "abc def");
        assert_eq!(cut("abcdef ghijk", 8), "abcdef…");
        assert_eq!(cut("ab ✓✓✓✓", 5), "ab ✓…");
    }
}
