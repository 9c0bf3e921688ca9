//! The `--json` document: one object on stdout, described in README and
//! schema/report.schema.json.

use serde::Serialize;

use super::{Summary, Verdict, SCHEMA_VERSION};
use crate::checks::Finding;
use crate::facts::Facts;
use crate::recipe::Recipe;

/// The `tool` member every JSON document carries.
#[derive(Serialize)]
pub(super) struct Tool {
    name: &'static str,
    version: &'static str,
}

pub(super) const TOOL: Tool = Tool {
    name: env!("CARGO_PKG_NAME"),
    version: env!("CARGO_PKG_VERSION"),
};

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    verdict: Verdict,
    summary: Summary,
    facts: &'a Facts,
    checks: &'a [Finding],
    /// `lint` only: the corrected run line, or null when none is needed (or possible).
    #[serde(skip_serializing_if = "Option::is_none")]
    recipe: Option<Option<RecipeJson>>,
    /// `lint --compose` / `--molecule`: one entry per service or platform;
    /// `checks` then holds the host and daemon checks they share, and
    /// `verdict` is the worst target's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    targets: Vec<super::targets::TargetJson<'a>>,
    /// `lint --dockerfile`: the fix as a unified diff of the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    dockerfile_fix: Option<String>,
}

/// The corrected line as words, and the same as a compose file.
#[derive(Serialize)]
struct RecipeJson {
    argv: Vec<String>,
    compose: String,
}

impl RecipeJson {
    fn of(r: &Recipe) -> RecipeJson {
        RecipeJson {
            argv: r.argv.clone(),
            compose: super::compose::service(&r.spec),
        }
    }
}

/// The document; `recipe` is given for `lint` only (`null` when no recipe).
pub fn render<'a>(
    facts: &'a Facts,
    findings: &'a [Finding],
    strict: bool,
    recipe: Option<&Option<Recipe>>,
    targets: &[super::targets::TargetDiagnosis<'a>],
) -> String {
    let verdict = if targets.is_empty() {
        Verdict::of(findings, strict)
    } else {
        super::targets::overall(findings, targets, strict)
    };
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        verdict,
        summary: Summary::of(findings),
        facts,
        checks: findings,
        recipe: recipe.map(|r| r.as_ref().map(RecipeJson::of)),
        targets: targets
            .iter()
            .map(|t| super::targets::json(findings, t, strict))
            .collect(),
        dockerfile_fix: super::dockerfile::fix(facts, findings),
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("report serialises");
    out.push('\n');
    out
}
