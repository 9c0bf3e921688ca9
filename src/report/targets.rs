//! A file with several services or platforms: the shared host and daemon
//! checks once, then one section per target with its fix in the file's form.

use serde::Serialize;

use super::human::{self, Style};
use super::{Summary, Verdict};
use crate::checks::Finding;
use crate::recipe::Recipe;
use crate::runline::target::{Origin, Target};

/// One judged service or platform, as the report needs it.
#[derive(Debug, Clone, Copy)]
pub struct TargetDiagnosis<'a> {
    pub target: &'a Target,
    pub findings: &'a [Finding],
    pub recipe: Option<&'a Recipe>,
}

/// A target's verdict: its own checks with the shared ones.
pub(crate) fn verdict(shared: &[Finding], t: &TargetDiagnosis<'_>, strict: bool) -> Verdict {
    Verdict::of(&all_findings(shared, t), strict)
}

fn all_findings(shared: &[Finding], t: &TargetDiagnosis<'_>) -> Vec<Finding> {
    shared.iter().chain(t.findings).cloned().collect()
}

/// The whole file's verdict: its worst target's.
pub fn overall(shared: &[Finding], targets: &[TargetDiagnosis<'_>], strict: bool) -> Verdict {
    let rank = |v: Verdict| match v {
        Verdict::Ready => 0,
        Verdict::ReadyWithWarnings => 1,
        Verdict::NotReady => 2,
    };
    // Each target's verdict holds the shared checks already; on their own
    // they count only when there is no target (all skipped with `--skip
    // host,docker` is not "nothing judged" when a service was judged).
    if targets.is_empty() {
        return Verdict::of(shared, strict);
    }
    targets
        .iter()
        .map(|t| verdict(shared, t, strict))
        .max_by_key(|v| rank(*v))
        .unwrap_or(Verdict::Ready)
}

/// What kind of entry a target is, for headings.
pub(crate) fn kind(t: &Target) -> &'static str {
    match t.origin {
        Origin::Compose(_) => "service",
        Origin::Molecule(_) => "platform",
    }
}

/// The corrected entry in the file's own form (and the diff, when asked).
pub(crate) fn fix_in_form(t: &Target, recipe: &Recipe, diff: bool) -> String {
    match &t.origin {
        Origin::Compose(s) if diff => super::compose_file::diff(s, recipe),
        Origin::Compose(s) => super::compose_file::corrected_service(s, recipe),
        Origin::Molecule(p) => super::molecule::corrected_platform(p, recipe),
    }
}

/// The human report of a file: the overall verdict with one line per
/// target first; the shared host and daemon checks; each target's checks,
/// verdict and fix in the file's form; the overall verdict last.
pub fn human(
    shared: &[Finding],
    targets: &[TargetDiagnosis<'_>],
    strict: bool,
    style: Style,
    diff: bool,
) -> String {
    let verdict = overall_line(shared, targets, strict);
    let mut out = verdict.clone();
    for t in targets {
        let v = self::verdict(shared, t, strict);
        let what = format!("{} {}", kind(t.target), super::safe(&t.target.name));
        let fix = match t.recipe {
            Some(_) => format!(" (corrected {} below)", kind(t.target)),
            None => String::new(),
        };
        out.push_str(&format!("  {what}: {}{fix}\n", v.as_str()));
    }
    out.push('\n');
    if !shared.is_empty() {
        out.push_str(&style.bold("── host and daemon ──"));
        out.push_str("\n\n");
        out.push_str(&human::sections(shared, style));
    }
    for t in targets {
        let what = format!("{} {}", kind(t.target), super::safe(&t.target.name));
        out.push_str(&style.bold(&format!("── {what} ──")));
        out.push_str("\n\n");
        if let Origin::Molecule(p) = &t.target.origin {
            // Notes stay one line each (tests/lint_molecule.rs reads them whole).
            for n in &p.notes {
                out.push_str(&format!("  note: {}\n\n", super::safe(n)));
            }
        }
        if let Err(e) = &t.target.run {
            out.push_str(&format!(
                "  cannot be judged as a run line: {}\n\n",
                super::safe(e)
            ));
        }
        out.push_str(&human::sections(t.findings, style));
        out.push_str(&human::verdict_line(
            &all_findings(shared, t),
            strict,
            style,
            &format!(" for {what}"),
        ));
        match t.recipe {
            Some(r) => {
                out.push_str(&format!("\nCorrected {}:\n", kind(t.target)));
                // A diff stays unindented, for `patch`.
                let pad = if diff { "" } else { "  " };
                for line in fix_in_form(t.target, r, diff).lines() {
                    out.push_str(&format!("{pad}{}\n", super::safe(line)));
                }
            }
            None => out.push_str(&super::recipe::render(t.findings, None, false, style.width)),
        }
        out.push('\n');
    }
    out.push_str(&verdict);
    out
}

/// `Verdict: not ready (the worst of 2 services). … over all`
fn overall_line(shared: &[Finding], targets: &[TargetDiagnosis<'_>], strict: bool) -> String {
    let all: Vec<Finding> = targets
        .iter()
        .flat_map(|t| all_findings(shared, t))
        .collect();
    let v = overall(shared, targets, strict);
    let s = Summary::of(&all);
    let n = targets.len();
    let what = targets.first().map_or("target", |t| kind(t.target));
    format!(
        "Verdict: {} (the worst of {n} {what}{}). {} pass, {} warn, {} fail, {} skip, {} error over all\n",
        v.as_str(),
        if n == 1 { "" } else { "s" },
        s.pass,
        s.warn,
        s.fail,
        s.skip,
        s.error
    )
}

/// One target in the JSON document.
#[derive(Serialize)]
pub(crate) struct TargetJson<'a> {
    name: &'a str,
    kind: &'static str,
    verdict: Verdict,
    summary: Summary,
    /// Its settings as a run line; null when they cannot be one.
    argv: Option<&'a [String]>,
    /// Why its settings cannot be judged as a run line.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    checks: &'a [Finding],
    recipe: Option<TargetRecipe>,
}

#[derive(Serialize)]
pub(crate) struct TargetRecipe {
    argv: Vec<String>,
    /// The corrected entry in the file's own form (compose service or molecule platform).
    snippet: String,
}

pub(crate) fn json<'a>(
    shared: &[Finding],
    t: &TargetDiagnosis<'a>,
    strict: bool,
) -> TargetJson<'a> {
    TargetJson {
        name: &t.target.name,
        kind: kind(t.target),
        verdict: verdict(shared, t, strict),
        summary: Summary::of(t.findings),
        argv: t.target.run.as_ref().ok().map(|r| r.argv.as_slice()),
        error: t.target.run.as_ref().err().map(String::as_str),
        checks: t.findings,
        recipe: t.recipe.map(|r| TargetRecipe {
            argv: r.argv.clone(),
            snippet: fix_in_form(t.target, r, false),
        }),
    }
}
