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

use serde::{Deserialize, Serialize};

use crate::checks::{Finding, Status};

pub const SCHEMA_VERSION: u32 = 1;

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
