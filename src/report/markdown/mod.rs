//! `--format markdown`: a report to paste into an issue or a ticket. The
//! verdict and what fails or warns come first, each with its fix; then the
//! corrected line (or service, or file diff); then the passing checks as a
//! table; evidence, skipped checks and the facts folded in `<details>`.

pub(crate) mod blocks;

use blocks::{code, details, escape, fence, heading, paragraph, table, Cell};

use super::targets::{self, TargetDiagnosis};
use super::{Summary, Verdict};
use crate::checks::{Finding, Status};
use crate::facts::Facts;
use crate::recipe::Recipe;
use crate::runline::target::Origin;

/// How the report was asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Warnings count as failures.
    pub strict: bool,
    /// The run line was made from a container's settings.
    pub from_container: bool,
    /// `lint --compose --diff`: the fix as a diff of the file.
    pub diff: bool,
}

/// The report. `recipe` is given for `lint` and `container` (`None` inside
/// when no line is needed or none can be made), `targets` for a compose
/// file or a molecule.yml.
pub fn render(
    facts: &Facts,
    findings: &[Finding],
    recipe: Option<&Option<Recipe>>,
    targets: &[TargetDiagnosis<'_>],
    opts: Options,
) -> String {
    let mut out = String::new();
    let (verdict, all) = if targets.is_empty() {
        (Verdict::of(findings, opts.strict), findings.to_vec())
    } else {
        let all: Vec<Finding> = targets
            .iter()
            .flat_map(|t| findings.iter().chain(t.findings).cloned())
            .collect();
        (targets::overall(findings, targets, opts.strict), all)
    };
    let worst = match targets.first() {
        Some(t) if targets.len() > 1 => format!(
            " (the worst of {} {}s)",
            targets.len(),
            targets::kind(t.target)
        ),
        _ => String::new(),
    };
    out.push_str(&format!(
        "## {} sdctr-doctor: {}{}\n\n",
        verdict_symbol(verdict),
        verdict.as_str(),
        escape(&worst)
    ));
    out.push_str(&counts(
        &Summary::of(&all),
        if targets.is_empty() { "" } else { " over all" },
    ));
    out.push_str(&subject(facts, targets));
    if super::nothing_judged(&all) {
        out.push_str(&paragraph(
            "Nothing was judged: every selected check skipped (see Skipped checks).",
        ));
    }

    if targets.is_empty() {
        problems(&mut out, findings, 3);
        if let Some(r) = recipe {
            corrected_line(&mut out, findings, r.as_ref(), opts.from_container);
        }
        if let Some(d) = super::dockerfile::fix(facts, findings) {
            out.push_str(&heading(3, "Corrected Dockerfile"));
            out.push_str(&format!(
                "Apply with {}:\n\n",
                code("patch -p0 < this.diff")
            ));
            out.push_str(&fence("diff", &d));
        }
        passing(&mut out, findings, 3, "Passing checks");
    } else {
        if problems_of(findings).next().is_some() {
            out.push_str(&heading(3, "Host and daemon"));
            problems(&mut out, findings, 4);
        }
        for t in targets {
            target(&mut out, findings, t, opts);
        }
        passing(&mut out, findings, 3, "Passing host and daemon checks");
    }
    let mut rows = skipped_rows(findings, "");
    for t in targets {
        let name = format!("{} {}: ", targets::kind(t.target), t.target.name);
        rows.extend(skipped_rows(t.findings, &name));
    }
    if !rows.is_empty() {
        let n = Summary::of(&all).skip;
        out.push_str(&details(
            &format!("Skipped checks ({n})"),
            &table(&["check", "why"], &rows),
        ));
    }
    let mut unique: Vec<&Finding> = findings.iter().collect();
    unique.extend(targets.iter().flat_map(|t| t.findings));
    let evidence = passing_evidence(&unique);
    if !evidence.is_empty() {
        out.push_str(&details("Evidence of the passing checks", &evidence));
    }
    let json = serde_json::to_string_pretty(facts).expect("facts serialise");
    out.push_str(&details("Facts (JSON)", &fence("json", &json)));
    out
}

fn verdict_symbol(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready => "✓",
        Verdict::ReadyWithWarnings => "!",
        Verdict::NotReady => "✗",
    }
}

fn counts(s: &Summary, over_all: &str) -> String {
    format!(
        "{} pass, {} warn, {} fail, {} skip, {} error{over_all} · {} {}\n\n",
        s.pass,
        s.warn,
        s.fail,
        s.skip,
        s.error,
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    )
}

/// What was judged: the run line as given, the container, the file.
fn subject(facts: &Facts, targets: &[TargetDiagnosis<'_>]) -> String {
    if let Some(c) = &facts.container {
        return format!(
            "Judged: container {} ({}).\n\n",
            code(&c.name),
            escape(&c.state.status)
        );
    }
    if let Some(d) = &facts.dockerfile {
        return format!("Judged: {}.\n\n", code(&d.path));
    }
    if let Some(first) = targets.first() {
        let names: Vec<String> = targets.iter().map(|t| code(&t.target.name)).collect();
        return format!(
            "Judged: {} {}.\n\n",
            targets::kind(first.target),
            names.join(", ")
        );
    }
    match &facts.run {
        Some(r) => format!(
            "Judged: the run line\n\n{}",
            fence("sh", &super::recipe::shell_line(&r.argv))
        ),
        None => "Judged: this host.\n\n".into(),
    }
}

fn problems_of(findings: &[Finding]) -> impl Iterator<Item = &Finding> {
    // Failures and errors first, then warnings, each in report order.
    let bad = |f: &&Finding| matches!(f.status, Status::Fail | Status::Error);
    findings
        .iter()
        .filter(bad)
        .chain(findings.iter().filter(|f| f.status == Status::Warn))
}

/// Every failing, erring and warning check with its fix.
fn problems(out: &mut String, findings: &[Finding], level: usize) {
    for f in problems_of(findings) {
        let label = match f.status {
            Status::Fail => "✗ fail",
            Status::Error => "? error",
            _ => "! warn",
        };
        out.push_str(&format!(
            "{} {label}: {} — {}\n\n",
            "#".repeat(level),
            code(&f.id),
            escape(&f.title)
        ));
        out.push_str(&paragraph(&f.message));
        if let Some(r) = &f.remediation {
            out.push_str(&format!("**Fix:** {}\n\n", escape(&r.text)));
            if !r.commands.is_empty() {
                out.push_str(&fence("sh", &r.commands.join("\n")));
            }
        }
        if !f.evidence.is_empty() {
            out.push_str(&details(
                &format!("Evidence ({})", f.evidence.len()),
                &evidence(f),
            ));
        }
    }
}

fn evidence(f: &Finding) -> String {
    let lines: Vec<String> = f
        .evidence
        .iter()
        .map(|e| super::safe(e).into_owned())
        .collect();
    fence("text", &lines.join("\n"))
}

fn corrected_line(out: &mut String, findings: &[Finding], r: Option<&Recipe>, container: bool) {
    match r {
        Some(r) => {
            out.push_str(&heading(3, "Corrected run line for this host"));
            out.push_str(&fence("sh", &super::recipe::shell_line(&r.argv)));
            if container {
                out.push_str(&paragraph(&format!("({})", super::recipe::FROM_CONTAINER)));
                if let Some(note) = super::recipe::keeps_name(r) {
                    out.push_str(&paragraph(&format!("({note})")));
                }
            }
            out.push_str("As a compose service:\n\n");
            out.push_str(&fence("yaml", &super::compose::service(&r.spec)));
        }
        None => {
            if let Some(why) = super::recipe::why_none(findings) {
                out.push_str(&heading(3, "Corrected run line"));
                out.push_str(&paragraph(&why));
            }
        }
    }
}

fn target(out: &mut String, shared: &[Finding], t: &TargetDiagnosis<'_>, opts: Options) {
    let kind = targets::kind(t.target);
    let v = targets::verdict(shared, t, opts.strict);
    out.push_str(&format!(
        "### {} {kind} {}: {}\n\n",
        verdict_symbol(v),
        code(&t.target.name),
        v.as_str()
    ));
    if let Origin::Molecule(p) = &t.target.origin {
        for n in &p.notes {
            out.push_str(&paragraph(&format!("Note: {n}")));
        }
    }
    if let Err(e) = &t.target.run {
        out.push_str(&paragraph(&format!("Cannot be judged as a run line: {e}")));
    }
    problems(out, t.findings, 4);
    match t.recipe {
        Some(r) => {
            out.push_str(&heading(4, &format!("Corrected {kind}")));
            if opts.diff {
                out.push_str(&fence("diff", &targets::fix_in_form(t.target, r, true)));
            } else {
                out.push_str(&fence("yaml", &targets::fix_in_form(t.target, r, false)));
            }
        }
        None => {
            if let Some(why) = super::recipe::why_none(t.findings) {
                out.push_str(&paragraph(&why));
            }
        }
    }
    passing(out, t.findings, 4, "Passing checks");
}

/// The passing checks: one table row each.
fn passing(out: &mut String, findings: &[Finding], level: usize, title: &str) {
    let rows: Vec<Vec<Cell>> = findings
        .iter()
        .filter(|f| f.status == Status::Pass)
        .map(|f| vec![Cell::Code(f.id.clone()), Cell::Text(f.message.clone())])
        .collect();
    if rows.is_empty() {
        return;
    }
    out.push_str(&heading(level, &format!("{title} ({})", rows.len())));
    out.push_str(&table(&["check", "result"], &rows));
}

/// Skipped checks; a family skipped as a whole for one reason is one row.
/// `prefix` names the service or platform they belong to.
fn skipped_rows(findings: &[Finding], prefix: &str) -> Vec<Vec<Cell>> {
    let skipped: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.status == Status::Skip)
        .collect();
    let mut rows = Vec::new();
    let mut i = 0;
    while i < skipped.len() {
        let f = skipped[i];
        let n = skipped[i..]
            .iter()
            .take_while(|g| g.group == f.group && g.message == f.message)
            .count();
        let id = if n > 1 {
            format!("{}.* ({n} checks)", f.group)
        } else {
            f.id.clone()
        };
        rows.push(vec![
            Cell::Code(id),
            Cell::Text(format!("{prefix}{}", f.message)),
        ]);
        i += n;
    }
    rows
}

fn passing_evidence(all: &[&Finding]) -> String {
    let mut out = String::new();
    for f in all
        .iter()
        .filter(|f| f.status == Status::Pass && !f.evidence.is_empty())
    {
        out.push_str(&format!("{}\n\n", code(&f.id)));
        out.push_str(&evidence(f));
    }
    out
}
