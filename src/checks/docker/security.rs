use super::daemon;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.security",
    title: "AppArmor, SELinux, seccomp",
    explain: "AppArmor's docker-default profile denies mount, so an unprivileged systemd container \
cannot mount its own tmpfs: pre-mount them (--tmpfs /run --tmpfs /run/lock) or run with \
--security-opt apparmor=unconfined (--privileged is unconfined). SELinux denies systemd's cgroup \
writes unless the container_manage_cgroup boolean is on. seccomp's default profile is reported only.",
    sources: &[
        "moby profiles/apparmor/template.go (deny mount)",
        "containers/podman docs/source/markdown/options/systemd.md (container_manage_cgroup)",
        "moby daemon/info_unix.go fillSecurityOptions",
    ],
    run,
};

fn run(f: &Facts) -> Outcome {
    let d = match daemon(f) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let s = &d.security;
    let ev = format!("/info SecurityOptions: {}", d.security_options.join(" "));
    let seccomp = s
        .seccomp_profile
        .as_deref()
        .map_or("no seccomp".to_owned(), |p| format!("seccomp profile {p}"));
    if s.selinux {
        return Outcome::warn(format!("SELinux is enforced on containers ({seccomp}): systemd's cgroup writes are denied by default"))
            .evidence(ev)
            .fix("Allow containers to manage their cgroups:", &["sudo setsebool -P container_manage_cgroup true"]);
    }
    if s.apparmor {
        return Outcome::warn(format!("AppArmor confines containers ({seccomp}): docker-default denies mount, so unprivileged systemd cannot mount /run"))
            .evidence(ev)
            .fix("Pre-mount the tmpfs systemd needs, or unconfine the container (--privileged is unconfined already).", &["docker run --tmpfs /run --tmpfs /run/lock --tmpfs /tmp ...", "docker run --security-opt apparmor=unconfined ..."]);
    }
    Outcome::pass(format!("no AppArmor or SELinux confinement; {seccomp}")).evidence(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{docker_host, fixture_docker, hybrid_host, with_docker};

    #[test]
    fn table() {
        let mut selinux = docker_host();
        selinux.docker.as_mut().unwrap().security.selinux = true;
        let cases = [
            (docker_host(), Status::Warn),
            (
                with_docker(hybrid_host(), fixture_docker("devvm-hybrid-20.10")),
                Status::Pass,
            ),
            (selinux.clone(), Status::Warn),
        ];
        for (facts, want) in cases {
            assert_eq!(run(&facts).status, want);
        }
        assert!(run(&selinux).remediation.unwrap().commands[0].contains("container_manage_cgroup"));
    }
}
