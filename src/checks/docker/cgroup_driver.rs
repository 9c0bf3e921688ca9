use super::daemon;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.cgroup-driver",
    title: "cgroup driver",
    explain: "/info CgroupDriver: `systemd` (the default on cgroup v2 hosts booted by systemd) or \
`cgroupfs` (the v1 default) both run systemd containers; `none` means a rootless daemon without \
cgroups, where limits are ignored and systemd in the container gets no delegated controllers. \
Where the host's PID 1 is systemd and the daemon is on v2 with `cgroupfs`, two managers write one \
tree, which Kubernetes and runc advise against.",
    sources: &[
        "moby daemon/info_unix.go; moby#42151 (CgroupDriver none)",
        "kubernetes.io Container runtimes: cgroup drivers",
        "opencontainers/runc docs/cgroup-v2.md",
    ],
    run,
};

fn run(f: &Facts) -> Outcome {
    let d = match daemon(f) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let Some(driver) = d.cgroup_driver.as_deref() else {
        return Outcome::warn("the daemon does not report its cgroup driver");
    };
    let ev = format!(
        "/info: CgroupDriver {driver}, CgroupVersion {}",
        d.cgroup_version.as_deref().unwrap_or("?")
    );
    let host_systemd = f.host.init.ok().is_some_and(|i| i.is_systemd) && d.local;
    match driver {
        "none" => Outcome::warn("the daemon runs without cgroups (rootless without delegation): container limits are ignored")
            .evidence(ev)
            .fix("Run the rootless daemon on cgroup v2 with controllers delegated (see docker.rootless).", &[]),
        "cgroupfs" if d.cgroup_version_number() == Some(2) && host_systemd => Outcome::warn(
            "cgroupfs driver on a cgroup v2 host whose PID 1 is systemd: two managers write the same tree",
        )
        .evidence(ev)
        .fix(
            "Let systemd manage the daemon's cgroups: set \"exec-opts\": [\"native.cgroupdriver=systemd\"] in /etc/docker/daemon.json and restart the daemon.",
            &["sudo systemctl restart docker"],
        ),
        _ => Outcome::pass(format!("cgroup driver {driver}")).evidence(ev),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{docker_host, fixture_docker, hybrid_host, with_docker};

    #[test]
    fn table() {
        let set = |drv: &str| {
            let mut f = docker_host();
            f.docker.as_mut().unwrap().cgroup_driver = Some(drv.into());
            f
        };
        let cases = [
            (docker_host(), Status::Pass),
            (
                with_docker(hybrid_host(), fixture_docker("devvm-hybrid-20.10")),
                Status::Pass,
            ),
            (set("none"), Status::Warn),
            (set("cgroupfs"), Status::Warn),
        ];
        for (facts, want) in cases {
            assert_eq!(run(&facts).status, want);
        }
    }
}
