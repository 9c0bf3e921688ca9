use super::daemon;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.cgroupns",
    title: "default cgroup namespace",
    explain: "SecurityOptions `name=cgroupns` means containers get a private cgroup namespace by \
default (the v2 default since 20.10; daemon option default-cgroupns-mode). On v2 that is what the \
recipe wants: --privileged gives systemd its own writable sub-tree. A daemon defaulting to the host \
namespace on v2 needs --cgroupns=private in the recipe (or --cgroupns=host with a rw \
/sys/fs/cgroup bind, which exposes the whole host tree). On v1 the host namespace is the default and \
the v1 recipe expects it.",
    sources: &[
        "moby daemon/info_unix.go fillSecurityOptions (name=cgroupns)",
        "moby daemon/config/config_linux.go defaultCgroupNamespaceMode()",
        "moby#38377 (default-cgroupns-mode); moby#42275 (host namespace trade-offs)",
    ],
    run,
};

fn run(f: &Facts) -> Outcome {
    let d = match daemon(f) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let ev = format!("/info SecurityOptions: {}", d.security_options.join(" "));
    let private = d.security.cgroupns_private;
    let o = match (d.cgroup_version_number(), private) {
        (Some(2), true) => Outcome::pass("containers get a private cgroup namespace by default: `--privileged` (no /sys/fs/cgroup bind) gives systemd its own writable cgroup"),
        (Some(2), false) => Outcome::warn("containers share the host's cgroup namespace by default on cgroup v2")
            .fix("Add --cgroupns=private to the run (or set \"default-cgroupns-mode\": \"private\" in /etc/docker/daemon.json).", &["docker run --cgroupns=private --privileged ..."]),
        (_, false) => Outcome::pass("containers share the host's cgroup namespace (the v1 default; the v1 recipe binds /sys/fs/cgroup read-only)"),
        (_, true) => Outcome::pass("containers get a private cgroup namespace by default"),
    };
    o.evidence(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{docker_host, fixture_docker, hybrid_host, with_docker};

    #[test]
    fn table() {
        let mut host_ns = docker_host();
        host_ns.docker.as_mut().unwrap().security.cgroupns_private = false;
        let cases = [
            (docker_host(), Status::Pass),
            (host_ns, Status::Warn),
            (
                with_docker(hybrid_host(), fixture_docker("devvm-hybrid-20.10")),
                Status::Pass,
            ),
        ];
        for (facts, want) in cases {
            assert_eq!(run(&facts).status, want);
        }
    }
}
