use super::daemon;
use crate::checks::{Check, Outcome};
use crate::facts::docker::Engine;
use crate::facts::version::lenient;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.version",
    title: "Docker Engine version",
    explain:
        "cgroup v2 needs Docker Engine >= 20.10 (with containerd >= 1.4 and runc >= 1.0.0-rc91). \
Versions are read leniently (20.10.24+dfsg1, 17.03.1-ce, 25.0.0-rc.1); a version without numbers \
(dev, master) is a warning. Docker 29 deprecates cgroup v1 (removal by May 2029). Podman's compat \
API reports Podman's own version: the Docker floors do not apply.",
    sources: &[
        "Docker docs: Runtime metrics / cgroup v2 support since 20.10 (docker.github.io PR #11042)",
        "moby PR #51360 (v1 deprecation warning in Docker 29)",
        "moby PR #51119 (API floor 1.44 in Docker 29)",
    ],
    run,
};

fn run(f: &Facts) -> Outcome {
    let d = match daemon(f) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let ev = format!(
        "/version: Version {}, ApiVersion {}, MinAPIVersion {}",
        d.server_version,
        d.api_version,
        d.min_api_version.as_deref().unwrap_or("?")
    );
    if d.engine == Engine::Podman {
        return Outcome::pass(format!(
            "Podman {} (Docker-compatible API {})",
            d.server_version, d.api_version
        ))
        .evidence(ev);
    }
    let Some(v) = lenient(&d.server_version) else {
        return Outcome::warn(format!(
            "the daemon's version '{}' has no version number (a development build?): cannot compare it with 20.10",
            d.server_version
        ))
        .evidence(ev);
    };
    let v2 = d.cgroup_version_number() == Some(2);
    if v < semver::Version::new(20, 10, 0) {
        let o = if v2 {
            Outcome::fail(format!("Docker {} is older than 20.10 and this daemon is on cgroup v2, which it does not support", d.server_version))
        } else {
            Outcome::warn(format!("Docker {} is older than 20.10: it cannot run on cgroup v2, where new systemd images need the host to be", d.server_version))
        };
        return o.evidence(ev).fix(
            "Upgrade Docker Engine to a supported release (docs.docker.com/engine/install).",
            &["sudo apt-get install --only-upgrade docker-ce docker.io 2>/dev/null; docker version"],
        );
    }
    if v.major >= 29 && d.cgroup_version_number() == Some(1) {
        return Outcome::warn(format!(
            "Docker {} deprecates cgroup v1, which this daemon runs on (removal by May 2029)",
            d.server_version
        ))
        .evidence(ev);
    }
    Outcome::pass(format!(
        "Docker {} (>= 20.10: cgroup v2 capable)",
        d.server_version
    ))
    .evidence(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{docker_host, fixture_docker, unified_host, with_docker};

    fn with_version(v: &str, cg: &str) -> Facts {
        let mut f = docker_host();
        let d = f.docker.as_mut().unwrap();
        d.server_version = v.into();
        d.cgroup_version = Some(cg.into());
        f
    }

    #[test]
    fn table() {
        let cases = [
            (docker_host(), Status::Pass),
            (with_version("28.2.2", "2"), Status::Pass),
            (with_version("25.0.0-rc.1", "2"), Status::Pass),
            (with_version("17.03.1-ce", "1"), Status::Warn),
            (with_version("19.03.15", "2"), Status::Fail),
            (with_version("dev", "2"), Status::Warn),
            (with_version("29.0.0", "1"), Status::Warn),
            (
                with_docker(unified_host(), fixture_docker("desktop-4.25-version")),
                Status::Warn,
            ),
            (
                with_docker(unified_host(), fixture_docker("podman-3.2-version")),
                Status::Pass,
            ),
            (unified_host(), Status::Skip),
        ];
        for (facts, want) in cases {
            assert_eq!(
                run(&facts).status,
                want,
                "{:?}",
                facts.docker.map(|d| d.server_version)
            );
        }
    }
}
