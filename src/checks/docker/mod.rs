//! Checks of the Docker daemon (facts from GET /version, /info and its process).

pub mod cgroup_driver;
pub mod cgroup_version;
pub mod cgroupns;
pub mod engine;
pub mod privileged;
pub mod reachable;
pub mod rootless;
pub mod runtime;
pub mod security;
pub mod userns;
pub mod version;

use crate::checks::Outcome;
use crate::facts::docker::{DockerFacts, ProbeOutcome};
use crate::facts::Facts;

/// The daemon's facts, or the skip to report when there are none.
pub fn daemon(f: &Facts) -> Result<&DockerFacts, Outcome> {
    match (&f.docker, &f.docker_probe) {
        (Some(d), _) => Ok(d),
        (None, Some(p)) if p.outcome == ProbeOutcome::Skipped => {
            Err(Outcome::skip("the daemon was not asked (--no-docker)"))
        }
        (None, Some(_)) => Err(Outcome::skip(
            "the daemon could not be asked (see docker.reachable)",
        )),
        (None, None) => Err(Outcome::skip(
            "no docker facts (recorded without the docker probe)",
        )),
    }
}

/// The daemon's cgroup version as a number, where it reports one.
pub fn cgroup_v(d: &DockerFacts) -> Option<u8> {
    d.cgroup_version
        .as_deref()
        .and_then(|v| v.trim().parse().ok())
}
