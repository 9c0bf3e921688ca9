//! `--format markdown`: a report to paste into an issue or a ticket.

// Used by the Markdown report (next) and by `triage`.
#[allow(dead_code)]
pub(crate) mod blocks;
