use crate::checks::{Check, Outcome};
use crate::facts::host::CgroupMode;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "host.cgroup2-mount",
    title: "cgroup2 mount",
    explain: "Looks at the cgroup2 mount systemd would use (/sys/fs/cgroup on unified hosts, \
/sys/fs/cgroup/unified on hybrid ones) and its options. It must be writable: systemd unconditionally \
needs write access to its cgroup tree. `nsdelegate` makes cgroup namespaces delegation boundaries, so \
a container's private cgroupns root is really its own; systemd mounts cgroup2 with \
nsdelegate,memory_recursiveprot, and its absence on a unified host means something else mounted it.",
    sources: &[
        "systemd docs/CGROUP_DELEGATION.md, docs/CONTAINER_INTERFACE.md",
        "linux Documentation/admin-guide/cgroup-v2.rst (nsdelegate, memory_recursiveprot, favordynmods)",
        "systemd PR #16559 (nsdelegate,memory_recursiveprot)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let c = match facts.host.cgroup.as_result() {
        Ok(c) => c,
        Err(e) => return Outcome::error(format!("cannot read the mounts: {e}")),
    };
    let Some(m) = &c.cgroup2 else {
        return Outcome::skip(format!("{}: no cgroup2 mount to judge", c.mode.describe()));
    };
    let opts = m.super_options.join(",");
    let o = if m.read_only {
        Outcome::fail(format!("cgroup2 on {} is read-only", m.mount_point)).fix(
            "systemd must write its cgroup tree. Remount it read-write from the initial namespaces.",
            &[&format!("sudo mount -o remount,rw {}", m.mount_point)],
        )
    } else if c.mode == CgroupMode::Unified && !m.nsdelegate {
        Outcome::warn(format!(
            "cgroup2 on {} is writable but lacks nsdelegate ({opts}): cgroup namespaces are not delegation boundaries",
            m.mount_point
        ))
        .fix(
            "systemd hosts mount cgroup2 with nsdelegate; whatever mounted it here did not. Remount \
with nsdelegate from the initial namespaces (or fix the init that mounts it).",
            &[&format!("sudo mount -o remount,nsdelegate {}", m.mount_point)],
        )
    } else {
        Outcome::pass(format!("cgroup2 on {} is writable ({opts})", m.mount_point))
    };
    o.evidence(format!("{}: {}", c.mountinfo_path, m.line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{cgroup, hybrid_host, unified_host};

    #[test]
    fn table() {
        let mut ro = unified_host();
        cgroup(&mut ro).cgroup2.as_mut().unwrap().read_only = true;
        let mut no_ns = unified_host();
        cgroup(&mut no_ns).cgroup2.as_mut().unwrap().nsdelegate = false;
        let mut legacy = unified_host();
        cgroup(&mut legacy).mode = CgroupMode::Legacy;
        cgroup(&mut legacy).cgroup2 = None;
        let cases = [
            (unified_host(), Status::Pass),
            (ro, Status::Fail),
            (no_ns, Status::Warn),
            (hybrid_host(), Status::Pass),
            (legacy, Status::Skip),
        ];
        for (facts, want) in cases {
            assert_eq!(run(&facts).status, want);
        }
    }
}
