//! What the daemon or the OCI runtime says when it refuses to start a
//! container (`State.Error` of a container that never ran, or the
//! `Error response from daemon:` line of `docker run`), mapped to cause and
//! fix. None of these is systemd's doing: the container's PID 1 never ran.
//! Each entry has a stable id and names where its message comes from.

use serde::Serialize;

pub(crate) struct Refusal {
    /// Stable, for JSON and tests.
    pub id: &'static str,
    /// Fragments of the exact message, in order (`*` between them).
    pub needle: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub source: &'static str,
}

/// Ordered: the first entry a message matches explains it, so the specific
/// ones come before the runtime's general `OCI runtime create failed`.
pub(crate) const REFUSALS: &[Refusal] = &[
    Refusal {
        id: "runtime.apply-caps",
        needle: "unable to apply caps",
        cause: "the daemon refused to start it: the OCI runtime could not give the container the capabilities asked for (--privileged or --cap-add), because the daemon's own capability bounding set lacks some of them (Docker before 23 asks for every capability the kernel knows when --privileged is given)",
        fix: "drop --privileged (and any --cap-add the daemon lacks) and use the unprivileged line for this host, or give the daemon the full capability set (remove CapabilityBoundingSet= from its unit, or start the VM/container it runs in with all capabilities)",
        source: "opencontainers/runc libcontainer/init_linux.go (\"unable to apply caps: %w\"), moby/moby#42892; seen on the development VM (Docker 20.10.24, runc 1.1.5, dockerd without CAP_SYS_RESOURCE) for every --privileged container",
    },
    Refusal {
        id: "runtime.rlimit",
        needle: "error setting rlimit",
        cause: "the daemon refused to start it: the OCI runtime could not set a resource limit the container asks for (Podman raises nofile and nproc to its own limits, which a runtime without CAP_SYS_RESOURCE may not do)",
        fix: "add --ulimit nofile=1024:1024 --ulimit nproc=4096:4096, or give the daemon CAP_SYS_RESOURCE",
        source: "seen on the development VM (Podman 4.3.1, rootful, runc, podman without CAP_SYS_RESOURCE): runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted (docs/truth-matrix/devvm-podman.md)",
    },
    Refusal {
        id: "podman.init-missing",
        needle: "container-init binary not found on the host",
        cause: "the daemon refused to start it: --init asks Podman for catatonit, which is not installed (and systemd must be PID 1 anyway)",
        fix: "drop --init: systemd must be PID 1",
        source: "seen on the development VM (Podman 4.3.1): container-init binary not found on the host: stat /usr/libexec/podman/catatonit: no such file or directory (docs/truth-matrix/devvm-podman.md)",
    },
    Refusal {
        id: "runtime.cgroupns-kernel",
        needle: "cgroup namespaces aren't enabled in the kernel",
        cause: "the daemon refused to start it: the kernel has no cgroup namespaces (Linux before 4.6), and the container asks for a private one",
        fix: "add --cgroupns=host, or boot a kernel >= 4.6",
        source: "opencontainers/runc libcontainer/configs/validate/validator.go (cgroupnamespace), docker/cli#3853",
    },
    Refusal {
        id: "daemon.privileged-private-cgroupns",
        needle: "privileged mode is incompatible with private cgroup namespaces",
        cause: "the daemon refused to create it: on cgroup v1 Docker does not run a --privileged container in a private cgroup namespace",
        fix: "add --cgroupns=host (or drop --cgroupns=private)",
        source: "moby/moby integration/container/run_cgroupns_linux_test.go, moby/moby#40788",
    },
    Refusal {
        id: "daemon.privileged-userns",
        needle: "ncompatible with user namespace",
        cause: "the daemon refused to create it: it runs with userns-remap, and a --privileged container must use the host's user namespace",
        fix: "add --userns=host to the line (the container then runs without the remapping), or drop --privileged and use the unprivileged line for this host",
        source: "moby/moby daemon/daemon_unix.go verifyPlatformContainerSettings (\"privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode\"); seen on the development VM (Docker 20.10.24 started with --userns-remap=default) for every --privileged cell of the truth matrix",
    },
    Refusal {
        id: "daemon.host-network-userns",
        needle: "cannot share the host's network namespace when user namespaces are enabled",
        cause: "the daemon refused to create it: it runs with userns-remap, and --network host needs the host's user namespace too",
        fix: "add --userns=host to the line, or drop --network host",
        source: "moby/moby daemon/daemon_unix.go verifyPlatformContainerSettings",
    },
    Refusal {
        id: "network.bridge-missing",
        needle: "could not find bridge",
        cause: "the daemon refused to start it: its default bridge (docker0) is gone, so the container's network endpoint cannot be made",
        fix: "restart the daemon so that it creates docker0 again (sudo systemctl restart docker), or run the container with --network host or --network none",
        source: "moby/moby#27426, docker-archive/classicswarm#2197: failed to create endpoint … on network bridge: adding interface veth… to bridge docker0 failed: could not find bridge docker0: route ip+net: no such network interface",
    },
    Refusal {
        id: "network.veth-unsupported",
        needle: "pair interfaces: operation not supported",
        cause: "the daemon refused to start it: the kernel cannot make the veth pair (the veth module is missing, often after a kernel upgrade without a reboot)",
        fix: "reboot into the installed kernel (or sudo modprobe veth), or run the container with --network host or --network none",
        source: "moby/moby#27426, blakeblackshear/frigate#1558",
    },
    Refusal {
        id: "network.not-found",
        needle: "network * not found",
        cause: "the daemon refused to start it: a network it is attached to does not exist (removed, or its compose project was taken down)",
        fix: "create the network (docker network create NAME) or make the container again on an existing network",
        source: "seen on the development VM (Docker 20.10.24): docker run --network nosuchnet …: network nosuchnet not found",
    },
    Refusal {
        id: "network.port-allocated",
        needle: "port is already allocated",
        cause: "the daemon refused to start it: a host port it publishes (-p) is held by another container or process",
        fix: "stop whatever holds the port (docker ps --filter publish=PORT), or publish another host port",
        source: "moby/moby libnetwork portallocator: Bind for 0.0.0.0:PORT failed: port is already allocated",
    },
    Refusal {
        id: "mount.bind-source-missing",
        needle: "bind source path does not exist",
        cause: "the daemon refused it: the host path of a --mount type=bind does not exist (unlike -v, --mount does not create it)",
        fix: "create the path on the daemon's host first, or use -v HOST:CONTAINER",
        source: "moby/moby volume/mounts (errBindSourceDoesNotExist); seen on the development VM (Docker 20.10.24): invalid mount config for type \"bind\": bind source path does not exist: /nonexist",
    },
    Refusal {
        id: "image.missing",
        needle: "No such image",
        cause: "the daemon refused it: the image is not in the daemon's store (the doctor never pulls)",
        fix: "pull it (docker pull IMAGE) or build it, then run again",
        source: "seen on the development VM (Docker 20.10.24): docker run --pull never …: Error response from daemon: No such image: …",
    },
    Refusal {
        id: "apparmor.profile-missing",
        needle: "AppArmor enabled on system but the docker-default profile could not be loaded",
        cause: "the daemon refused to start it: it cannot load its AppArmor profile (apparmor_parser missing)",
        fix: "install apparmor (apparmor_parser) and restart the daemon, or run with --security-opt apparmor=unconfined",
        source: "moby/moby profiles/apparmor, daemon/oci_linux.go",
    },
    Refusal {
        id: "runtime.exec-missing",
        needle: "unable to start container process: exec: *no such file or directory",
        cause: "the daemon refused to start it: the container's command is not in the image (for /sbin/init: systemd-sysv is not installed)",
        fix: "install systemd in the image (Debian/Ubuntu: apt-get install -y systemd systemd-sysv), or run the path where the image has systemd (/lib/systemd/systemd)",
        source: "seen on the development VM (Docker 20.10.24, runc 1.1.5): unable to start container process: exec: \"/nonexistent\": stat /nonexistent: no such file or directory: unknown; LewisGaul/systemd-containers README",
    },
    Refusal {
        id: "runtime.exec-not-in-path",
        needle: "unable to start container process: exec: *executable file not found in $PATH",
        cause: "the daemon refused to start it: the container's command is not in the image's PATH",
        fix: "install systemd in the image (Debian/Ubuntu: apt-get install -y systemd systemd-sysv) and run /sbin/init",
        source: "opencontainers/runc libcontainer/standard_init_linux.go (exec.LookPath)",
    },
    Refusal {
        id: "runtime.create-failed",
        needle: "OCI runtime create failed",
        cause: "the daemon refused to start it: the OCI runtime could not create the container (the text after \"OCI runtime create failed:\" says why)",
        fix: "fix what the runtime names; the container's PID 1 never ran, so systemd's settings are not the cause",
        source: "moby/moby daemon (start: failed to create shim task), containerd/containerd runtime/v2",
    },
];

/// A refusal found in a message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Found {
    pub id: &'static str,
    /// The line of the message that matched.
    pub line: String,
    pub cause: &'static str,
    pub fix: &'static str,
    pub source: &'static str,
}

/// Whether `line` holds the needle's fragments in order.
fn matches(line: &str, needle: &str) -> bool {
    let mut rest = line;
    for part in needle.split('*') {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// The refusal that explains a daemon's or runtime's message (the first
/// line that matches the first entry, by table order), if one does.
pub(crate) fn lookup(message: &str) -> Option<Found> {
    REFUSALS.iter().find_map(|r| {
        message
            .lines()
            .find(|l| matches(l, r.needle))
            .map(|l| Found {
                id: r.id,
                line: l.trim().to_owned(),
                cause: r.cause,
                fix: r.fix,
                source: r.source,
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_map_to_their_refusal() {
        // Exact State.Error / docker run stderr texts; the first five and the
        // Podman ones were produced on the development VM (Docker 20.10.24,
        // Podman 4.3.1), the others are quoted from their sources.
        let cases: &[(&str, &str)] = &[
            ("failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown", "runtime.apply-caps"),
            ("network nosuchnet not found", "network.not-found"),
            ("failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"/nonexistent\": stat /nonexistent: no such file or directory: unknown", "runtime.exec-missing"),
            ("docker: Error response from daemon: invalid mount config for type \"bind\": bind source path does not exist: /nonexist-sdctr", "mount.bind-source-missing"),
            ("docker: Error response from daemon: No such image: sdctr-c/nosuch:1", "image.missing"),
            ("docker: Error response from daemon: failed to create endpoint fervent_elion on network bridge: adding interface veth39cd78e to bridge docker0 failed: could not find bridge docker0: route ip+net: no such network interface.", "network.bridge-missing"),
            ("Error response from daemon: failed to create endpoint x on network bridge: failed to add the host (veth1d85371) <=> sandbox (vethbc264f6) pair interfaces: operation not supported.", "network.veth-unsupported"),
            ("Bind for 0.0.0.0:8000 failed: port is already allocated", "network.port-allocated"),
            ("OCI runtime create failed: container_linux.go:380: starting container process caused: process_linux.go:545: container init caused: cgroup namespaces aren't enabled in the kernel: unknown", "runtime.cgroupns-kernel"),
            ("docker: Error response from daemon: privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode", "daemon.privileged-userns"),
            ("Error response from daemon: Privileged mode is incompatible with user namespace mappings", "daemon.privileged-userns"),
            ("docker: Error response from daemon: cannot share the host's network namespace when user namespaces are enabled.", "daemon.host-network-userns"),
            ("privileged mode is incompatible with private cgroup namespaces.  You must run the container in the host cgroup namespace when running privileged mode", "daemon.privileged-private-cgroupns"),
            ("OCI runtime create failed: runc create failed: unable to start container process: exec: \"systemd\": executable file not found in $PATH: unknown", "runtime.exec-not-in-path"),
            ("Error: runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied", "runtime.rlimit"),
            ("Error: container-init binary not found on the host: stat /usr/libexec/podman/catatonit: no such file or directory", "podman.init-missing"),
            ("failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: something new: unknown", "runtime.create-failed"),
        ];
        for (message, id) in cases {
            let found = lookup(message).unwrap_or_else(|| panic!("nothing for {message}"));
            assert_eq!(found.id, *id, "{message}");
            assert!(found.cause.starts_with("the daemon refused"), "{id}");
        }
    }

    #[test]
    fn systemd_lines_are_not_refusals() {
        for line in [
            "Failed to mount tmpfs at /run: Operation not permitted",
            "Failed to create /init.scope control group: Read-only file system",
            "Welcome to Debian GNU/Linux 12 (bookworm)!",
            "",
        ] {
            assert_eq!(lookup(line), None, "{line}");
        }
    }

    #[test]
    fn ids_are_unique_and_needles_reach_their_entry() {
        for (i, r) in REFUSALS.iter().enumerate() {
            assert!(!REFUSALS[..i].iter().any(|o| o.id == r.id), "{}", r.id);
            // A message that is only the needle is explained by its own entry.
            let text = r.needle.replace('*', " x ");
            assert_eq!(lookup(&text).map(|f| f.id), Some(r.id), "{}", r.id);
        }
    }
}
