use super::effective;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;
use crate::runline::systemd::LOW_ULIMITS;

pub(crate) static CHECK: Check = Check {
    id: "run.privileges",
    title: "privileges systemd is given",
    explain: "--privileged gives systemd every capability, no seccomp/AppArmor confinement and, on cgroup \
v2, a writable cgroup of its own. It is no answer where the daemon cannot grant it (a dockerd whose \
own capability bounding set is short fails with \"unable to apply caps\"). Without it, systemd runs \
with Docker's default capabilities: CONTAINER_INTERFACE asks not to drop CAP_SYS_ADMIN or CAP_MKNOD \
(sandboxing options degrade) and not to pass CAP_AUDIT_*.",
    sources: &[
        "systemd docs/CONTAINER_INTERFACE.md (capabilities)",
        "moby/moby daemon/oci_linux.go (privileged: all caps, rw cgroup)",
        "domain note: dockerd CapBnd without CAP_SYS_RESOURCE on the development VM",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let s = match effective(facts) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let spec = s.spec;
    if let Some(max) = s.rlimit_refused {
        return Outcome::fail(format!(
            "Podman gives every container RLIMIT_NOFILE 1048576 unless --ulimit nofile= says otherwise; podman's own hard limit is {max} and it lacks CAP_SYS_RESOURCE, so runc cannot raise it and the container does not start"
        ))
        .evidence("Podman 4.3.1 on the development VM (rootful, runc, podman without CAP_SYS_RESOURCE): error setting rlimits for ready process: error setting rlimit type 7: operation not permitted")
        .fix_owned(
            "Give the container limits podman can grant (or set default_ulimits in containers.conf).",
            vec![format!(
                "podman run {} ...",
                LOW_ULIMITS.iter().map(|u| format!("--ulimit {u}")).collect::<Vec<_>>().join(" ")
            )],
        );
    }
    if spec.privileged && s.userns_remap {
        return Outcome::fail(
            "--privileged under userns-remap: Docker refuses to create the container (\"privileged mode is incompatible with user namespaces\")",
        )
        .evidence("Docker 20.10.24 with userns-remap: default (tests/truth_matrix.rs daemon variant): privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode")
        .fix("Add --userns=host, or drop --privileged.", &[]);
    }
    if spec.privileged {
        return match s.ctx.privileged_possible {
            Some(false) => Outcome::fail(
                "--privileged is asked for, but this daemon cannot grant it (its own capability set is short): the container will not start",
            )
            .fix(
                "Drop --privileged and use the unprivileged recipe for this host (see the corrected run line).",
                &[],
            ),
            Some(true) => Outcome::pass("--privileged: every capability, no seccomp or AppArmor confinement"),
            None => Outcome::pass(
                "--privileged: every capability, no seccomp or AppArmor confinement (whether the daemon can grant it is not known here)",
            ),
        };
    }
    let mut warns = Vec::new();
    for cap in ["SYS_ADMIN", "MKNOD"] {
        if spec.cap_dropped(cap) {
            warns.push(format!(
                "CAP_{cap} is dropped: systemd's sandboxing options degrade"
            ));
        }
    }
    if ["AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE"]
        .iter()
        .any(|c| {
            spec.cap_add
                .iter()
                .any(|a| crate::facts::run::same_cap(a, c))
        })
    {
        warns.push("a CAP_AUDIT_* capability is added: CONTAINER_INTERFACE asks not to (the host's audit subsystem is not namespaced)".into());
    }
    let added = if spec.cap_add.is_empty() {
        String::new()
    } else {
        format!(" + {}", spec.cap_add.join(","))
    };
    if warns.is_empty() {
        Outcome::pass(format!(
            "unprivileged: Docker's default capabilities{added}"
        ))
    } else {
        Outcome::warn(warns.join("; ")).fix(
            "Keep CAP_SYS_ADMIN and CAP_MKNOD (drop other capabilities instead) and do not add CAP_AUDIT_*.",
            &[],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::testing::{ctx, with_line, with_line_ctx};
    use crate::checks::Status;
    use crate::testing::unified_host;

    #[test]
    fn table() {
        let cases = [
            ("docker run --privileged IMG", None, Status::Pass),
            ("docker run --privileged IMG", Some(true), Status::Pass),
            ("docker run --privileged IMG", Some(false), Status::Fail),
            ("docker run IMG", Some(false), Status::Pass),
            ("docker run --cap-add SYS_ADMIN IMG", None, Status::Pass),
            ("docker run --cap-drop ALL IMG", None, Status::Warn),
            ("docker run --cap-drop=MKNOD IMG", None, Status::Warn),
            ("docker run --cap-add AUDIT_CONTROL IMG", None, Status::Warn),
        ];
        for (line, possible, want) in cases {
            let mut f = unified_host();
            with_line_ctx(&mut f, line, ctx(|c| c.privileged_possible = possible));
            assert_eq!(run(&f).status, want, "{line} {possible:?}");
        }
        assert_eq!(run(&unified_host()).status, Status::Skip);
        let _ = with_line;
    }

    #[test]
    fn podman_that_cannot_raise_nofile_needs_ulimits() {
        // Podman 4.3.1 on the development VM: podman's own nofile hard limit
        // 20000, no CAP_SYS_RESOURCE.
        let mut d = crate::testing::fixture_docker("podman-4.3-devvm");
        let p = d.daemon_process.as_mut().unwrap();
        p.comm = Some("podman".into());
        p.missing_caps = vec!["CAP_SYS_RESOURCE".into()];
        p.nofile_hard = Some(20000);
        let with = |line: &str, d: &crate::facts::DockerFacts| {
            let mut f = crate::testing::hybrid_host();
            f.docker = Some(d.clone());
            f.run = Some(crate::runline::from_line(&[line.to_owned()]).unwrap());
            f
        };
        let o = run(&with("podman run -d IMG", &d));
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(o.message.contains("20000"), "{}", o.message);
        let ok = with(
            "podman run -d --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 IMG",
            &d,
        );
        assert_eq!(run(&ok).status, Status::Pass);
        let r = crate::recipe::recipe(&with("podman run -d IMG", &d)).expect("a recipe");
        assert_eq!(
            r.argv.join(" "),
            "podman run -d --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 IMG"
        );
        // A podman that may raise it (or a limit that is high enough) is no problem.
        let mut high = d.clone();
        high.daemon_process.as_mut().unwrap().nofile_hard = Some(1_048_576);
        assert_eq!(run(&with("podman run -d IMG", &high)).status, Status::Pass);
    }
}
