//! Pure functions from facts to findings. No I/O here.
//!
//! Adding a check: one file with a `pub(crate) static CHECK: Check` and its table
//! test, plus one line in [`registry`].

pub(crate) mod container;
pub(crate) mod docker;
pub(crate) mod dockerfile;
pub(crate) mod host;
pub(crate) mod image;
pub(crate) mod run;

use serde::{Deserialize, Serialize};

use crate::facts::Facts;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
    /// The probe behind the check broke: no verdict on the host.
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Remediation {
    pub text: String,
    pub commands: Vec<String>,
}

/// What a check concluded.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    pub evidence: Vec<String>,
    pub remediation: Option<Remediation>,
}

impl Outcome {
    fn new(status: Status, message: impl Into<String>) -> Self {
        Outcome {
            status,
            message: message.into(),
            evidence: Vec::new(),
            remediation: None,
        }
    }
    pub fn pass(m: impl Into<String>) -> Self {
        Self::new(Status::Pass, m)
    }
    pub fn warn(m: impl Into<String>) -> Self {
        Self::new(Status::Warn, m)
    }
    pub fn fail(m: impl Into<String>) -> Self {
        Self::new(Status::Fail, m)
    }
    pub fn skip(m: impl Into<String>) -> Self {
        Self::new(Status::Skip, m)
    }
    pub fn error(m: impl Into<String>) -> Self {
        Self::new(Status::Error, m)
    }

    pub fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    pub fn evidence_all<I: IntoIterator<Item = S>, S: Into<String>>(mut self, lines: I) -> Self {
        self.evidence.extend(lines.into_iter().map(Into::into));
        self
    }

    pub fn fix(mut self, text: impl Into<String>, commands: &[&str]) -> Self {
        self.remediation = Some(Remediation {
            text: text.into(),
            commands: commands.iter().map(|c| (*c).to_owned()).collect(),
        });
        self
    }

    pub fn fix_owned(mut self, text: impl Into<String>, commands: Vec<String>) -> Self {
        self.remediation = Some(Remediation {
            text: text.into(),
            commands,
        });
        self
    }
}

/// A check: stable id, what it is, and the pure function that judges.
pub struct Check {
    /// Stable dotted id, `family.name`.
    pub id: &'static str,
    pub title: &'static str,
    /// What it looks at and why (for `--explain`).
    pub explain: &'static str,
    pub sources: &'static [&'static str],
    pub run: fn(&Facts) -> Outcome,
}

impl Check {
    pub fn family(&self) -> &'static str {
        family_of(self.id)
    }
}

pub fn family_of(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// A check's outcome with its identity, as reported.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub id: String,
    pub group: String,
    pub status: Status,
    pub title: String,
    pub message: String,
    pub evidence: Vec<String>,
    pub remediation: Option<Remediation>,
}

/// Every check, in report order.
pub fn registry() -> Vec<&'static Check> {
    vec![
        &host::cgroup_mode::CHECK,
        &host::cgroup2_mount::CHECK,
        &host::cgroup_tmpfs::CHECK,
        &host::controllers::CHECK,
        &host::kernel::CHECK,
        &host::cmdline::CHECK,
        &host::inside_container::CHECK,
        &docker::reachable::CHECK,
        &docker::engine::CHECK,
        &docker::version::CHECK,
        &docker::cgroup_version::CHECK,
        &docker::cgroup_driver::CHECK,
        &docker::cgroupns::CHECK,
        &docker::privileged::CHECK,
        &docker::rootless::CHECK,
        &docker::userns::CHECK,
        &docker::security::CHECK,
        &docker::runtime::CHECK,
        &image::present::CHECK,
        &image::init::CHECK,
        &image::systemd_version::CHECK,
        &image::stop_signal::CHECK,
        &image::container_env::CHECK,
        &image::user::CHECK,
        &dockerfile::base::CHECK,
        &dockerfile::systemd_installed::CHECK,
        &dockerfile::cgroup_volume::CHECK,
        &run::cgroup_mount::CHECK,
        &run::cgroupns::CHECK,
        &run::privileges::CHECK,
        &run::tmpfs::CHECK,
        &run::init::CHECK,
        &run::stop_signal::CHECK,
        &run::user::CHECK,
        &run::read_only::CHECK,
        &run::security::CHECK,
        &container::state::CHECK,
        &container::logs::CHECK,
    ]
}

pub fn find(id: &str) -> Option<&'static Check> {
    registry().into_iter().find(|c| c.id == id)
}

/// `--only` / `--skip`: ids or family prefixes such as `host`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

fn matches(pattern: &str, id: &str) -> bool {
    pattern == id || family_of(id) == pattern
}

impl Selection {
    /// Only these ids or families.
    pub fn only(patterns: &[&str]) -> Selection {
        Selection {
            only: patterns.iter().map(|p| (*p).to_owned()).collect(),
            skip: Vec::new(),
        }
    }

    /// Every pattern must name a check or a family.
    pub fn validate(&self) -> Result<(), String> {
        let all = registry();
        for p in self.only.iter().chain(&self.skip) {
            if !all.iter().any(|c| matches(p, c.id)) {
                return Err(unknown("check or family", p));
            }
        }
        Ok(())
    }

    pub fn selects(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|p| matches(p, id)))
            && !self.skip.iter().any(|p| matches(p, id))
    }
}

/// `unknown check 'host.cgroup-mod'; did you mean 'host.cgroup-mode'? (see --list-checks)`
pub(crate) fn unknown(what: &str, word: &str) -> String {
    match suggest(word) {
        Some(s) => format!("unknown {what} '{word}'; did you mean '{s}'? (see --list-checks)"),
        None => format!("unknown {what} '{word}' (see --list-checks)"),
    }
}

/// The nearest id or family: a few typed characters off (edit distance at
/// most a third of the word), or the id a bare check name ends (`kernel`).
fn suggest(word: &str) -> Option<&'static str> {
    let all = registry();
    let names = all
        .iter()
        .flat_map(|c| [c.id, c.family()])
        .collect::<std::collections::BTreeSet<_>>();
    let limit = (word.chars().count() / 3).max(1);
    let near = names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(word, n), *n))
        .filter(|(d, _)| *d <= limit)
        .min();
    if let Some((_, n)) = near {
        return Some(n);
    }
    let mut tail = all
        .iter()
        .filter(|c| c.id.split_once('.').is_some_and(|(_, t)| t == word));
    match (tail.next(), tail.next()) {
        (Some(c), None) => Some(c.id),
        _ => None,
    }
}

pub fn run(facts: &Facts, selection: &Selection) -> Vec<Finding> {
    registry()
        .into_iter()
        .filter(|c| selection.selects(c.id))
        .map(|c| {
            let o = (c.run)(facts);
            Finding {
                id: c.id.to_owned(),
                group: c.family().to_owned(),
                status: o.status,
                title: c.title.to_owned(),
                message: o.message,
                evidence: o.evidence,
                remediation: o.remediation,
            }
        })
        .collect()
}

/// systemd's boolean parsing (`parse_boolean()`); a bare switch means true.
pub fn systemd_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "" | "1" | "yes" | "y" | "true" | "t" | "on" => Some(true),
        "0" | "no" | "n" | "false" | "f" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_dotted_and_explained() {
        let all = registry();
        let mut ids: Vec<_> = all.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        for c in all {
            assert!(c.id.contains('.'), "{}", c.id);
            assert!(!c.explain.is_empty() && !c.sources.is_empty(), "{}", c.id);
        }
    }

    #[test]
    fn selection_by_family_and_id() {
        let s = Selection {
            only: vec!["host".into()],
            skip: vec!["host.kernel".into()],
        };
        assert!(s.validate().is_ok());
        assert!(s.selects("host.cgroup-mode"));
        assert!(!s.selects("host.kernel"));
        let bad = Selection {
            only: vec!["hots".into()],
            skip: vec![],
        };
        assert_eq!(
            bad.validate().unwrap_err(),
            "unknown check or family 'hots'; did you mean 'host'? (see --list-checks)"
        );
    }

    #[test]
    fn did_you_mean() {
        let s = |w| suggest(w);
        assert_eq!(s("host.cgroup-mod"), Some("host.cgroup-mode"));
        assert_eq!(s("host.cgroup2mount"), Some("host.cgroup2-mount"));
        assert_eq!(s("docker.cgroupsn"), Some("docker.cgroupns"));
        assert_eq!(s("dokcer"), Some("docker"));
        assert_eq!(s("kernel"), Some("host.kernel"));
        // `cgroupns` ends a docker and a run id: no guess.
        assert_eq!(s("cgroupns"), None);
        assert_eq!(s("network"), None);
        assert_eq!(s("x"), None);
        assert_eq!(
            unknown("check", "host.nope"),
            "unknown check 'host.nope' (see --list-checks)"
        );
    }
}
