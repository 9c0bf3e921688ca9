//! Renders findings and the corrected run line: human text, JSON and the
//! compose service. Nothing else.

pub(crate) mod compose;
pub(crate) mod compose_file;
pub mod dockerfile;
pub mod human;
pub mod json;
pub(crate) mod molecule;
pub mod recipe;
pub mod targets;
pub(crate) mod triage;

use serde::{Deserialize, Serialize};

use crate::checks::{Finding, Status};

pub const SCHEMA_VERSION: u32 = 1;

/// Text from an image, a container, a daemon, a file or the user, made safe
/// for a terminal: control characters (escape sequences that clear the
/// screen or set the title, a carriage return that hides what precedes it)
/// are shown escaped, never sent. JSON escapes them by itself.
pub(crate) fn safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\n' => "\\n".to_owned(),
                '\t' => "\\t".to_owned(),
                '\r' => "\\r".to_owned(),
                c if c.is_control() && (c as u32) < 0x100 => format!("\\x{:02x}", c as u32),
                c if c.is_control() => format!("\\u{{{:x}}}", c as u32),
                c => c.to_string(),
            })
            .collect(),
    )
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Ready,
    ReadyWithWarnings,
    NotReady,
}

impl Verdict {
    /// Any fail or error is not ready (an error means a check could not
    /// vouch for the host); `strict` counts warnings as failures.
    pub fn of(findings: &[Finding], strict: bool) -> Verdict {
        let has = |s: Status| findings.iter().any(|f| f.status == s);
        if has(Status::Fail) || has(Status::Error) || (strict && has(Status::Warn)) {
            Verdict::NotReady
        } else if nothing_judged(findings) {
            // No evidence is not "ready": every selected check skipped.
            Verdict::NotReady
        } else if has(Status::Warn) {
            Verdict::ReadyWithWarnings
        } else {
            Verdict::Ready
        }
    }

    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Ready | Verdict::ReadyWithWarnings => 0,
            Verdict::NotReady => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::ReadyWithWarnings => "ready with warnings",
            Verdict::NotReady => "not ready",
        }
    }
}

/// Every selected check skipped (its probe could not run, or was not
/// asked to): there is nothing to vouch for the host.
pub fn nothing_judged(findings: &[Finding]) -> bool {
    !findings.is_empty() && findings.iter().all(|f| f.status == Status::Skip)
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
    pub error: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            *match f.status {
                Status::Pass => &mut s.pass,
                Status::Warn => &mut s.warn,
                Status::Fail => &mut s.fail,
                Status::Skip => &mut s.skip,
                Status::Error => &mut s.error,
            } += 1;
        }
        s
    }
}
