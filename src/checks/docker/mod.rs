//! Checks of the Docker daemon (facts from GET /version, /info and its process).

pub(crate) mod cgroup_driver;
pub(crate) mod cgroup_version;
pub(crate) mod cgroupns;
pub(crate) mod engine;
pub(crate) mod privileged;
pub(crate) mod reachable;
pub(crate) mod rootless;
pub(crate) mod runtime;
pub(crate) mod security;
pub(crate) mod userns;
pub(crate) mod version;

use crate::checks::Outcome;
use crate::facts::docker::{DockerFacts, ProbeOutcome};
use crate::facts::Facts;

/// Why the daemon was not asked, when that was not `--no-docker` (`--root`
/// without `--docker-host`).
pub(crate) fn not_asked(p: &crate::facts::DockerProbe) -> Option<&str> {
    p.error
        .as_ref()
        .map(|e| e.message.as_str())
        .filter(|m| !m.starts_with("--no-docker"))
}

/// The daemon's facts, or the skip to report when there are none.
pub(crate) fn daemon(f: &Facts) -> Result<&DockerFacts, Outcome> {
    match (&f.docker, &f.docker_probe) {
        (Some(d), _) => Ok(d),
        (None, Some(p)) if p.outcome == ProbeOutcome::Skipped => Err(Outcome::skip(
            not_asked(p).unwrap_or("the daemon was not asked (--no-docker)"),
        )),
        (None, Some(_)) => Err(Outcome::skip(
            "the daemon could not be asked (see docker.reachable)",
        )),
        (None, None) => Err(Outcome::skip(
            "no docker facts (recorded without the docker probe)",
        )),
    }
}
