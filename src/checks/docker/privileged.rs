use super::daemon;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.privileged",
    title: "--privileged containers can start",
    explain: "The recipe for systemd on cgroup v2 is --privileged. Where the socket is local, SO_PEERCRED \
gives the daemon's pid and /proc/PID/status its capability bounding set. Docker up to 20.10 asks runc \
for every capability the kernel knows, so a daemon that lacks one (e.g. dockerd started in a container \
or by a unit with CapabilityBoundingSet) fails every --privileged container with \"unable to apply caps: \
operation not permitted\" (verified on Docker 20.10.24 whose dockerd lacks CAP_SYS_RESOURCE; \
--cap-drop does not help). Docker >= 23 (moby PR #42933) and Podman grant only what they have. \
Where systemd's docker.socket listens and hands the socket to `dockerd -H fd://` (Debian, Ubuntu, \
Fedora), SO_PEERCRED names the listener (PID 1): the daemon is then the dockerd or podman process \
holding the same socket inode (/proc/net/unix, /proc/PID/fd), cross-checked with its pidfile.",
    sources: &[
        "moby#42906, moby PR #42933 (oci/caps: limit available capabilities to current environment)",
        "containers/common#481 (Podman: --privileged uses the bounding set)",
        "experiment on the development VM, recorded in docs/notes/docker.md",
        "tests/docker_variants.rs: a socket-activated dockerd 20.10.24 (the listener is the test process, as PID 1 is under docker.socket)",
    ],
    run,
};

fn run(f: &Facts) -> Outcome {
    let d = match daemon(f) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let mut ev = vec![];
    if let Some(p) = &d.daemon_process {
        ev.push(format!(
            "daemon process: pid {}, uid {}, comm {}, CapBnd {}",
            p.pid.map_or("?".into(), |p| p.to_string()),
            p.uid,
            p.comm.as_deref().unwrap_or("?"),
            p.bounding_set.as_deref().unwrap_or("?")
        ));
        if let Some(l) = &p.socket_listener {
            ev.push(format!(
                "the socket's listener (SO_PEERCRED): pid {}, comm {} (socket activation)",
                l.pid.map_or("?".into(), |p| p.to_string()),
                l.comm.as_deref().unwrap_or("?")
            ));
        }
        ev.extend(p.found_by.iter().cloned());
        if !p.missing_caps.is_empty() {
            ev.push(format!(
                "missing from its bounding set: {}",
                p.missing_caps.join(", ")
            ));
        }
    }
    let o = match d.privileged_possible {
        Some(true) => Outcome::pass(format!(
            "--privileged containers can start: {}",
            d.privileged_reason
        )),
        Some(false) => {
            // No --cap-add SYS_ADMIN: with the whole tree bound, systemd then
            // remounts the host's /sys/fs/cgroup tmpfs read-only (Docker 20.10.24, hybrid development VM);
            // both lines boot in the truth matrix (tests/truth_matrix.rs).
            let alt = if d.cgroup_version_number() == Some(2) {
                "docker run --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock --tmpfs /tmp IMAGE"
            } else {
                "docker run -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock --tmpfs /tmp IMAGE"
            };
            Outcome::warn(format!("--privileged containers cannot start here: {}", d.privileged_reason)).fix_owned(
                "Give the daemon the full capability set (remove CapabilityBoundingSet= from its unit, or start \
the VM/container it runs in with all capabilities), or upgrade to Docker >= 23, which grants only what it \
has. Meanwhile run systemd without --privileged, with the tmpfs mounts it cannot make itself:",
                vec![alt.to_owned()],
            )
        }
        None if d.local => Outcome::warn(format!(
            "cannot tell whether --privileged works: {}",
            d.privileged_reason
        )),
        None => Outcome::skip(format!(
            "cannot tell whether --privileged works: {}",
            d.privileged_reason
        )),
    };
    o.evidence_all(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::probe::docker::engine::privileged;
    use crate::testing::{docker_host, fixture_docker, hybrid_host, with_docker};

    #[test]
    fn table() {
        let mut devvm = with_docker(hybrid_host(), fixture_docker("devvm-hybrid-20.10"));
        {
            let d = devvm.docker.as_mut().unwrap();
            let p = d.daemon_process.as_mut().unwrap();
            p.bounding_set = Some("000001fffeffffff".into());
            p.missing_caps = vec!["CAP_SYS_RESOURCE".into()];
            (d.privileged_possible, d.privileged_reason) =
                privileged(d.engine, &d.server_version, true, Some(p));
        }
        let mut remote = docker_host();
        {
            let d = remote.docker.as_mut().unwrap();
            d.local = false;
            d.privileged_possible = None;
        }
        let desktop = with_docker(hybrid_host(), fixture_docker("desktop-29.4-linuxkit"));
        let cases = [
            (docker_host(), Status::Pass),
            (devvm.clone(), Status::Warn),
            (remote, Status::Skip),
            (desktop, Status::Warn),
        ];
        for (facts, want) in cases {
            assert_eq!(run(&facts).status, want);
        }
        let o = run(&devvm);
        assert!(o.message.contains("unable to apply caps"), "{}", o.message);
        assert!(o.evidence.join(" ").contains("CAP_SYS_RESOURCE"));
    }
}
