use super::daemon;
use crate::checks::{Check, Outcome};
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.userns",
    title: "user namespace remapping",
    explain:
        "With userns-remap (SecurityOptions name=userns) the daemon mounts the container's cgroup \
read-write even without --privileged, which systemd needs; --privileged itself then requires \
--userns=host. Without it, the cgroup mount is read-only unless --privileged.",
    sources: &[
        "moby daemon/oci_linux.go (cgroup mount rw when privileged or userns-remap)",
        "moby#42275 comments; Docker docs: Isolate containers with a user namespace",
    ],
    run,
};

fn run(f: &Facts) -> Outcome {
    let d = match daemon(f) {
        Ok(d) => d,
        Err(o) => return o,
    };
    if d.security.userns {
        Outcome::pass("userns-remap is on: the cgroup mount is writable without --privileged (and --privileged needs --userns=host)")
            .evidence("/info SecurityOptions has name=userns")
    } else {
        Outcome::pass(
            "no userns-remap: the container's cgroup mount is read-only unless --privileged",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{docker_host, unified_host};

    #[test]
    fn table() {
        let mut remap = docker_host();
        remap.docker.as_mut().unwrap().security.userns = true;
        assert_eq!(run(&docker_host()).status, Status::Pass);
        assert!(run(&remap).message.contains("userns-remap is on"));
        assert_eq!(run(&unified_host()).status, Status::Skip);
    }
}
