use super::effective;
use crate::checks::{Check, Outcome};
use crate::facts::host::CgroupMode;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "run.cgroupns",
    title: "cgroup namespace",
    explain: "Docker gives a container a private cgroup namespace on cgroup v2 and the host's on v1 \
(daemon `default-cgroupns-mode` or --cgroupns override it). --cgroupns=host with a writable \
/sys/fs/cgroup lets systemd boot, but the container can write the host's whole cgroup tree and \
`docker top` breaks. Private namespaces need kernel >= 4.6 (\"cgroup namespaces aren't enabled in \
the kernel\"). On v1, Docker rejected --privileged with a private namespace, and a private namespace \
does not match a bind of the host tree.",
    sources: &[
        "Docker docs \"Runtime metrics\"; moby daemon/config/config_linux.go defaultCgroupNamespaceMode()",
        "LewisGaul/systemd-containers README; moby/moby#42275 (docker top)",
        "docker/cli#3853 (kernel 4.4); moby/moby#40788 (privileged + private on v1)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let s = match effective(facts) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if let Some(v) = s.spec.cgroupns.as_deref() {
        if v != "host" && v != "private" {
            return Outcome::fail(format!(
                "--cgroupns={v}: Docker accepts only host or private"
            ))
            .fix("Use --cgroupns=host or --cgroupns=private.", &[]);
        }
    }
    let ns = if s.cgroupns_host { "host" } else { "private" };
    let from = format!("cgroup namespace: {ns} ({})", s.cgroupns_from);
    if !s.cgroupns_host && s.kernel.is_some_and(|k| k < [4, 6, 0]) {
        return Outcome::fail(format!("{from}, but the kernel is older than 4.6: cgroup namespaces aren't enabled in the kernel"))
            .fix("Use --cgroupns=host (or a kernel >= 4.6).", &[]);
    }
    let bind_rw = s
        .spec
        .cgroup_binds()
        .any(|m| m.is_whole_cgroupfs() && !m.read_only);
    let whole_bind = s.spec.cgroup_binds().any(|m| m.is_whole_cgroupfs());
    if s.mode == CgroupMode::Unified && s.cgroupns_host && (bind_rw || s.privileged) {
        return Outcome::warn(format!(
            "{from} with a writable /sys/fs/cgroup: the container can write the host's whole cgroup tree, outside its own unit, and `docker top` fails{}",
            super::no_line_avoids(&s)
        ))
        .fix("Where the daemon can grant it, prefer --privileged with a private namespace and no /sys/fs/cgroup bind.", &[]);
    }
    if s.mode.is_v1() && !s.cgroupns_host {
        if whole_bind && s.host_systemd {
            return Outcome::fail(format!(
                "{from} on {} with the host's /sys/fs/cgroup bound: the container's systemd sees / as its cgroup, where the host's systemd keeps its own init.scope, and stops",
                s.mode.describe()
            ))
            .evidence("systemd 252 and 257, bookworm hybrid lab guest (host systemd 252, Docker 20.10.24): exited 255 (tests/truth_matrix.rs cell j); the same line boots where PID 1 is not systemd (development VM)")
            .fix("Use --cgroupns=host on cgroup v1 hosts.", &[]);
        }
        if whole_bind {
            return Outcome::warn(format!(
                "{from} on {}: /proc/self/cgroup shows / while the bound tree is the host's, so systemd's cgroups land at the host's root",
                s.mode.describe()
            ))
            .fix("Use --cgroupns=host on cgroup v1 hosts.", &[]);
        }
        if s.spec.privileged {
            return Outcome::warn(format!(
                "{from} with --privileged on {}: Docker rejected this combination (\"privileged mode is incompatible with private cgroup namespaces\")",
                s.mode.describe()
            ))
            .fix("Use --cgroupns=host on cgroup v1 hosts.", &[]);
        }
    }
    Outcome::pass(from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::testing::{ctx, with_line, with_line_ctx};
    use crate::checks::Status;
    use crate::facts::Probed;
    use crate::testing::{hybrid_host, unified_host};

    #[test]
    fn table() {
        let hostns = "docker run --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw IMG";
        let cases = [
            (unified_host(), "docker run --privileged IMG", Status::Pass),
            (unified_host(), hostns, Status::Warn),
            (
                unified_host(),
                "docker run --cgroupns=shared IMG",
                Status::Fail,
            ),
            (
                hybrid_host(),
                "docker run -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG",
                Status::Pass,
            ),
            // The host's PID 1 is systemd here: its init.scope is in the way (bookworm lab guest).
            (
                hybrid_host(),
                "docker run --cgroupns=private -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG",
                Status::Fail,
            ),
            // Under another init it boots (the development VM, PID 1 process_api).
            (
                non_systemd_hybrid(),
                "docker run --cgroupns=private -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG",
                Status::Warn,
            ),
            (
                hybrid_host(),
                "docker run --cgroupns=private --privileged IMG",
                Status::Warn,
            ),
        ];
        for (facts, line, want) in cases {
            let o = run(&with_line(facts, line));
            assert_eq!(o.status, want, "{line}: {}", o.message);
        }
    }

    #[test]
    fn old_kernel_and_daemon_default() {
        let mut f = with_line(unified_host(), "docker run --privileged IMG");
        f.host.kernel = Probed::Ok(crate::probe::host::kernel::kernel_facts(
            "4.4.0-210-generic",
        ));
        assert_eq!(run(&f).status, Status::Fail);
        let mut f = hybrid_host();
        with_line_ctx(
            &mut f,
            "docker run -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG",
            ctx(|c| c.default_cgroupns_private = Some(true)),
        );
        assert_eq!(run(&f).status, Status::Fail);
        let mut f = non_systemd_hybrid();
        with_line_ctx(
            &mut f,
            "docker run -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG",
            ctx(|c| c.default_cgroupns_private = Some(true)),
        );
        assert_eq!(run(&f).status, Status::Warn);
    }

    fn non_systemd_hybrid() -> crate::facts::Facts {
        let mut f = hybrid_host();
        f.host.init = Probed::Ok(crate::facts::host::InitFacts {
            comm: "process_api".into(),
            is_systemd: false,
            systemd_version: None,
        });
        f
    }
}
