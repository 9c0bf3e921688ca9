use crate::checks::{Check, Outcome};
use crate::facts::host::CgroupMode;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "host.kernel",
    title: "kernel version",
    explain: "Reads the kernel release (/proc/sys/kernel/osrelease). cgroup namespaces, which Docker \
uses for a private /sys/fs/cgroup, need Linux 4.6. On cgroup v2 runc needs 4.15 (the cpu controller \
and device control through BPF) and recommends 5.2, where cgroup.freeze replaced the v1 freezer.",
    sources: &[
        "opencontainers/runc docs/cgroup-v2.md (4.15 minimum, 5.2 recommended)",
        "cgroups(7) (controller availability by version); docker/cli#3853 (no cgroupns on 4.4)",
    ],
    run,
};

const CGROUPNS: [u32; 3] = [4, 6, 0];
const V2_MIN: [u32; 3] = [4, 15, 0];
const FREEZER: [u32; 3] = [5, 2, 0];

fn run(facts: &Facts) -> Outcome {
    let k = match facts.host.kernel.as_result() {
        Ok(k) => k,
        Err(e) => return Outcome::error(format!("cannot read the kernel release: {e}")),
    };
    let evidence = format!("/proc/sys/kernel/osrelease: {}", k.release);
    let Some(v) = k.version else {
        return Outcome::warn(format!("cannot tell the version of kernel {}", k.release))
            .evidence(evidence);
    };
    let unified = facts
        .host
        .cgroup
        .ok()
        .is_some_and(|c| c.mode == CgroupMode::Unified);
    let upgrade = "Upgrade the kernel (or the distribution release) to 5.2 or newer.";
    let o = if unified && v < V2_MIN {
        Outcome::fail(format!(
            "kernel {} is too old for containers on cgroup v2 (runc needs 4.15)",
            k.release
        ))
        .fix(upgrade, &[])
    } else if v < CGROUPNS {
        // Without cgroup namespaces containers share the host's (Docker's v1
        // default), which still boots systemd on v1: a warning, not a failure.
        Outcome::warn(format!(
            "kernel {} has no cgroup namespaces (4.6): containers must run with --cgroupns=host",
            k.release
        ))
        .fix(
            format!("{upgrade} Until then keep --cgroupns=host (Docker's default on cgroup v1)."),
            &[],
        )
    } else if unified && v < FREEZER {
        Outcome::warn(format!(
            "kernel {} has no cgroup v2 freezer (5.2): docker pause will not work",
            k.release
        ))
        .fix(upgrade, &[])
    } else {
        Outcome::pass(format!("kernel {}", k.release))
    };
    o.evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::facts::Probed;
    use crate::probe::host::kernel::kernel_facts;
    use crate::testing::{hybrid_host, unified_host};

    #[test]
    fn table() {
        let with = |mut f: Facts, release: &str| {
            f.host.kernel = Probed::Ok(kernel_facts(release));
            f
        };
        let cases = [
            (with(unified_host(), "6.1.0-50-amd64"), Status::Pass),
            (with(unified_host(), "5.1.0"), Status::Warn),
            (with(unified_host(), "4.14.0"), Status::Fail),
            (with(hybrid_host(), "4.14.0"), Status::Pass),
            (with(hybrid_host(), "4.4.0-210-generic"), Status::Warn),
            (with(unified_host(), "4.4.0-210-generic"), Status::Fail),
            (with(unified_host(), "weird"), Status::Warn),
        ];
        for (i, (facts, want)) in cases.into_iter().enumerate() {
            assert_eq!(run(&facts).status, want, "case {i}");
        }
    }
}
