//! The `--json` document: one object on stdout, described in README and
//! schema/report.schema.json.

use serde::Serialize;

use super::{Summary, Verdict, SCHEMA_VERSION};
use crate::checks::Finding;
use crate::facts::Facts;
use crate::run::recipe::Recipe;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

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
    recipe: Option<Option<&'a Recipe>>,
}

/// The document; `recipe` is given for `lint` only (`null` when no recipe).
pub fn render(
    facts: &Facts,
    findings: &[Finding],
    strict: bool,
    recipe: Option<&Option<Recipe>>,
) -> String {
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        verdict: Verdict::of(findings, strict),
        summary: Summary::of(findings),
        facts,
        checks: findings,
        recipe: recipe.map(Option::as_ref),
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("report serialises");
    out.push('\n');
    out
}
