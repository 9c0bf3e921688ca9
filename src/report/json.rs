//! The `--json` document: one object on stdout, described in README and
//! schema/report.schema.json.

use serde::Serialize;

use super::{Summary, Verdict, SCHEMA_VERSION};
use crate::checks::Finding;
use crate::facts::Facts;

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
}

pub fn render(facts: &Facts, findings: &[Finding], strict: bool) -> String {
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
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("report serialises");
    out.push('\n');
    out
}
