use super::daemon;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.rootless",
    title: "rootless daemon",
    explain: "A rootless daemon (SecurityOptions name=rootless) can only give containers cgroups on \
cgroup v2, and only the controllers systemd delegated to user@UID.service (by default memory and \
pids). /info's MemoryLimit, PidsLimit, CpuCfsQuota and CPUShares say which the daemon can use; \
systemd in the container needs cpu, memory, pids (and io) delegated via a Delegate= drop-in. Rootless \
Docker still mounts cgroupfs read-only, so systemd images need the rootless-friendly recipe.",
    sources: &[
        "rootlesscontaine.rs getting-started/common/cgroup2 (Delegate=cpu cpuset io memory pids)",
        "podman#6734 (rootless on v1: init.scope Permission denied); moby#42275",
        "kubernetes-sigs/kind validateProvider (rootless needs v2 and cpu/memory/pids)",
    ],
    run,
};

const DELEGATE: &[&str] = &[
    "sudo mkdir -p /etc/systemd/system/user@.service.d",
    "printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf",
    "sudo systemctl daemon-reload   # then log out and in, and restart the rootless daemon",
    "cat /sys/fs/cgroup/user.slice/user-$(id -u).slice/user@$(id -u).service/cgroup.controllers",
];

fn run(f: &Facts) -> Outcome {
    let d = match daemon(f) {
        Ok(d) => d,
        Err(o) => return o,
    };
    if !d.rootless {
        return Outcome::pass("the daemon runs as root (not rootless)");
    }
    if d.cgroup_version_number() != Some(2) {
        return Outcome::fail("rootless daemon on cgroup v1: containers get no cgroups of their own; systemd fails with \"Failed to create .../init.scope control group: Permission denied\"")
            .fix("Boot the host on cgroup v2 (see host.cgroup-mode), or use a rootful daemon.", &[]);
    }
    let l = &d.limits;
    let missing: Vec<&str> = [
        ("cpu", l.cpu_cfs_quota && l.cpu_shares),
        ("memory", l.memory),
        ("pids", l.pids),
    ]
    .iter()
    .filter(|(_, ok)| !ok)
    .map(|(n, _)| *n)
    .collect();
    let ev = format!(
        "/info: MemoryLimit {}, PidsLimit {}, CpuCfsQuota {}, CPUShares {}, CPUSet {}",
        l.memory, l.pids, l.cpu_cfs_quota, l.cpu_shares, l.cpuset
    );
    if missing.is_empty() {
        Outcome::pass("rootless daemon on cgroup v2 with cpu, memory and pids delegated")
            .evidence(ev)
    } else {
        Outcome::warn(format!(
            "rootless daemon on cgroup v2 without {} delegated",
            missing.join(", ")
        ))
        .evidence(ev)
        .evidence_all(d.warnings.iter().cloned())
        .fix(
            "Delegate the controllers to user sessions with a drop-in for user@.service:",
            DELEGATE,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::docker_host;

    #[test]
    fn table() {
        let rootless = |v: &str, cpu: bool| {
            let mut f = docker_host();
            let d = f.docker.as_mut().unwrap();
            d.rootless = true;
            d.cgroup_version = Some(v.into());
            d.limits.memory = true;
            d.limits.pids = true;
            d.limits.cpu_cfs_quota = cpu;
            d.limits.cpu_shares = cpu;
            f
        };
        let cases = [
            (docker_host(), Status::Pass),
            (rootless("2", true), Status::Pass),
            (rootless("2", false), Status::Warn),
            (rootless("1", true), Status::Fail),
        ];
        for (facts, want) in cases {
            assert_eq!(run(&facts).status, want);
        }
    }
}
