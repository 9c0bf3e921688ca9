use super::daemon;
use crate::checks::{Check, Outcome};
use crate::facts::docker::{DockerFacts, Engine};
use crate::facts::host::CgroupMode;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.cgroup-version",
    title: "cgroup version the daemon uses",
    explain: "Containers get the cgroup version of the machine the daemon runs on (/info CgroupVersion, \
API >= 1.41). On v2 the recipe is --privileged without a /sys/fs/cgroup bind; on v1 systemd 256 refuses \
to boot (257 boots tainted, 258 dropped v1). The daemon's view is compared with the host probe: they differ when the daemon \
runs elsewhere (Docker Desktop's VM, a remote daemon) or when the doctor runs inside a container \
without --root (it then sees the container's cgroups, not the host's).",
    sources: &[
        "moby daemon/info_unix.go (CgroupVersion)",
        "docker/for-mac#6073 (Desktop 4.3.0 VM on cgroup v2)",
        "systemd NEWS 256, v258 release notes (v1 refused, then removed)",
    ],
    run,
};

fn run(f: &Facts) -> Outcome {
    let d = match daemon(f) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let ev = format!(
        "/info: CgroupVersion {}, KernelVersion {}",
        d.cgroup_version.as_deref().unwrap_or("(absent)"),
        d.kernel_version.as_deref().unwrap_or("?")
    );
    let Some(v) = d.cgroup_version_number() else {
        return Outcome::warn("the daemon does not report its cgroup version (API older than 1.41, Docker older than 20.10)").evidence(ev);
    };
    let host = f.host.cgroup.ok().map(|c| c.mode);
    let host_v = host.map(|m| if m == CgroupMode::Unified { 2 } else { 1 });
    let o = match v {
        2 => Outcome::pass("the daemon runs containers on cgroup v2: systemd images of any current version can boot"),
        _ => Outcome::warn("the daemon runs containers on cgroup v1: images with systemd 256 refuse to boot and those with 258 or later cannot (257 boots, tainted cgroupsv1: systemd 257.13 of Debian 13 under Docker 20.10.24 on a hybrid host), older ones need the v1 recipe")
            .fix("Move the daemon's machine to cgroup v2 (see host.cgroup-mode; Docker Desktop: it has used v2 since 4.3.0 unless deprecatedCgroupv1 is set in its settings).", &[]),
    };
    let o = o.evidence(ev);
    match (host, host_v) {
        (Some(m), Some(hv)) if hv != v => o.evidence(format!(
            "the host probe saw {} here: {}",
            m.describe(),
            mismatch(d, f)
        )),
        (Some(m), _) => o.evidence(format!("the host probe agrees: {}", m.describe())),
        _ => o,
    }
}

fn mismatch(d: &DockerFacts, f: &Facts) -> &'static str {
    if d.engine == Engine::DockerDesktop {
        "the daemon runs in Docker Desktop's VM, whose cgroups are what containers get"
    } else if !d.local {
        "the daemon is remote; its machine decides, not this one"
    } else if f.host.container.ok().is_some_and(|c| c.inside) && f.host.live {
        "the doctor runs inside a container: mount the host's / and pass --root to probe the host itself"
    } else {
        "unexplained: the daemon may run in another VM or mount namespace"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{docker_host, fixture_docker, hybrid_host, unified_host, with_docker};

    #[test]
    fn table() {
        let devvm = with_docker(hybrid_host(), fixture_docker("devvm-hybrid-20.10"));
        let desktop = with_docker(hybrid_host(), fixture_docker("desktop-29.4-linuxkit"));
        let wsl_v1 = with_docker(unified_host(), fixture_docker("desktop-20.10-wsl2-v1"));
        let mut old = docker_host();
        old.docker.as_mut().unwrap().cgroup_version = None;
        let cases = [
            (docker_host(), Status::Pass),
            (devvm, Status::Warn),
            (desktop.clone(), Status::Pass),
            (wsl_v1.clone(), Status::Warn),
            (old, Status::Warn),
        ];
        for (facts, want) in cases {
            assert_eq!(run(&facts).status, want);
        }
        let ev = run(&desktop).evidence.join("\n");
        assert!(ev.contains("Docker Desktop's VM"), "{ev}");
        assert!(run(&wsl_v1)
            .evidence
            .join("\n")
            .contains("Docker Desktop's VM"));
    }
}
