//! Lines a systemd PID 1 (or the runtime starting it) prints when it cannot
//! boot in a container, mapped to cause and fix. Each entry names the public
//! report it comes from in its `source`.

use serde::{Deserialize, Serialize};

pub(crate) struct Pattern {
    /// A fragment of the exact message.
    pub needle: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub source: &'static str,
}

/// Ordered: the first pattern a line matches explains it, so a specific
/// needle comes before the general one it contains.
pub(crate) const PATTERNS: &[Pattern] = &[
    Pattern {
        needle: "Failed to create /docker/",
        cause: "cgroup v1/hybrid without a bind of /sys/fs/cgroup: the container shares the host's cgroup namespace, so /proc/self/cgroup names /docker/<id>, but Docker mounted only the container's own cgroups, where that path does not exist",
        fix: "add -v /sys/fs/cgroup:/sys/fs/cgroup:ro (the v1 recipe)",
        source: "seen on the development VM (systemd 252/247/257, hybrid host, Docker 20.10): Failed to create /docker/<id>/init.scope control group: No such file or directory",
    },
    Pattern {
        needle: "Failed to mount tmpfs at /run/lock",
        cause: "systemd <= 252 mounts its own tmpfs on /run/lock, which an unprivileged container may not do",
        fix: "add --tmpfs /run/lock (with --tmpfs /run --tmpfs /tmp)",
        source: "seen on the development VM (systemd 252 and 247, unprivileged): Failed to mount tmpfs at /run/lock: Operation not permitted",
    },
    Pattern {
        needle: "Failed to create /init.scope control group: Read-only file system",
        cause: "the container's /sys/fs/cgroup is read-only (a :ro bind, or an unprivileged container on cgroup v2)",
        fix: "on cgroup v2 drop the /sys/fs/cgroup bind and run with --privileged, or use --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw",
        source: "moby/moby#42275, systemd/systemd#19245, robertdebock/docker-ubuntu-systemd#4",
    },
    Pattern {
        needle: "Failed to allocate manager object: Read-only file system",
        cause: "the container's /sys/fs/cgroup is read-only",
        fix: "on cgroup v2 drop the /sys/fs/cgroup bind and run with --privileged, or use --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw",
        source: "freeipa/freeipa-container#520",
    },
    Pattern {
        needle: "control group: No such file or directory",
        cause: "the host's whole /sys/fs/cgroup is bound rw into a private cgroup namespace, so the paths in /proc/self/cgroup do not exist there",
        fix: "add --cgroupns=host, or remove the /sys/fs/cgroup bind",
        source: "eniocarboni/docker-ubuntu-systemd#1",
    },
    Pattern {
        needle: "control group: Permission denied",
        cause: "systemd cannot write its cgroup (rootless on cgroup v1, or SELinux denies cgroup writes)",
        fix: "boot the host on cgroup v2 for rootless; with SELinux: setsebool -P container_manage_cgroup true",
        source: "containers/podman#6734",
    },
    Pattern {
        needle: "Failed to mount tmpfs at /run",
        cause: "systemd may not mount (no CAP_SYS_ADMIN, or the AppArmor/seccomp profile forbids it)",
        fix: "add --tmpfs /run --tmpfs /run/lock --tmpfs /tmp",
        source: "AkihiroSuda/containerized-systemd#11, moby/moby#25290",
    },
    Pattern {
        needle: "Failed to mount API filesystems",
        cause: "systemd may not mount its API filesystems (capabilities, seccomp or AppArmor)",
        fix: "add --tmpfs /run --tmpfs /run/lock --tmpfs /tmp, or run with --privileged",
        source: "AkihiroSuda/containerized-systemd#11, CentOS/sig-cloud-instance-images#54",
    },
    Pattern {
        needle: "Failed to create symlink /sys/fs/cgroup/",
        cause: "systemd tries to set up the v1 controller symlinks in a /sys/fs/cgroup it does not own",
        fix: "bind /sys/fs/cgroup read-only (v1 recipe) or let the runtime provide it",
        source: "domain notes §5",
    },
    Pattern {
        needle: "Refusing to run under cgroup v1",
        cause: "systemd >= 256 refuses a cgroup v1 (legacy or hybrid) host by default",
        fix: "boot the host on cgroup v2, or use an image whose systemd is older than 256",
        source: "systemd/systemd#30852, PR #31442",
    },
    Pattern {
        needle: "No medium found",
        cause: "no usable name=systemd hierarchy in the container's cgroup layout",
        fix: "bind /sys/fs/cgroup from a v1 host, or boot the host on cgroup v2",
        source: "systemd/systemd#6477, lxc/lxc#1669",
    },
    Pattern {
        needle: "System has not been booted with systemd as init system",
        cause: "PID 1 is not systemd (a shell, tini or a tool's injected command)",
        fix: "run the image with CMD [\"/sbin/init\"] and without --init",
        source: "eniocarboni/docker-rockylinux-systemd#1, geerlingguy/docker-centos7-ansible#12",
    },
    Pattern {
        needle: "Couldn't find an alternative telinit implementation to spawn",
        cause: "systemd was started but is not PID 1 (--init or a wrapper made another process PID 1)",
        fix: "drop --init and any wrapper: systemd must be PID 1",
        source: "krallin/tini#175; seen on the development VM with --init (systemd 252): Couldn't find an alternative telinit implementation to spawn.",
    },
    Pattern {
        needle: "unable to apply caps: operation not permitted",
        cause: "the daemon itself lacks capabilities that --privileged grants",
        fix: "run the daemon with a full capability bounding set, or avoid --privileged (cgroup v1: the :ro bind recipe)",
        source: "opencontainers/runc (apply caps)",
    },
    Pattern {
        needle: "AppArmor enabled on system but the docker-default profile could not be loaded",
        cause: "the daemon cannot load its AppArmor profile",
        fix: "install apparmor (apparmor_parser), or run with --security-opt apparmor=unconfined",
        source: "moby/moby profiles/apparmor",
    },
    Pattern {
        needle: "stat /sbin/init: no such file or directory",
        cause: "the image has no /sbin/init (systemd-sysv not installed)",
        fix: "install systemd-sysv in the image, or run /lib/systemd/systemd directly",
        source: "LewisGaul/systemd-containers README",
    },
    Pattern {
        needle: "executable file not found in $PATH",
        cause: "the command is not in the image (for systemctl: the image has no systemd)",
        fix: "install systemd in the image (Debian/Ubuntu: apt-get install -y systemd systemd-sysv) and make it the command (CMD [\"/sbin/init\"])",
        source: "seen on the development VM (docker exec C systemctl in an image without systemd)",
    },
    Pattern {
        // The doctor bounds systemctl with coreutils' timeout, which says this.
        needle: "timeout: failed to run command",
        cause: "the command is not in the image (for systemctl: the image has no systemd)",
        fix: "install systemd in the image (Debian/Ubuntu: apt-get install -y systemd systemd-sysv) and make it the command (CMD [\"/sbin/init\"])",
        source: "seen on the development VM (docker exec C timeout 2 systemctl in an image without systemd)",
    },
    Pattern {
        needle: "Failed to connect to bus",
        cause: "no systemd manager answers in the container: PID 1 is not systemd, or it has not started its bus yet",
        fix: "make systemd PID 1 (CMD [\"/sbin/init\"], no --init); if it is, wait for the boot and ask again",
        source: "systemd src/systemctl (bus connection); seen on the development VM right after docker run",
    },
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Diagnosis {
    pub line: String,
    pub cause: String,
    pub fix: String,
    pub source: String,
}

/// Every known failure found in a log tail, in log order: a line is
/// explained by the first pattern it matches, a pattern is reported once.
pub(crate) fn diagnose(log: &str) -> Vec<Diagnosis> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for line in log.lines() {
        let Some(i) = PATTERNS.iter().position(|p| line.contains(p.needle)) else {
            continue;
        };
        if seen.contains(&i) {
            continue;
        }
        seen.push(i);
        let p = &PATTERNS[i];
        out.push(Diagnosis {
            line: line.trim().to_owned(),
            cause: p.cause.to_owned(),
            fix: p.fix.to_owned(),
            source: p.source.to_owned(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_cgroup_boot_log() {
        // The tail of a real failure quoted in moby/moby#42275.
        let log = "systemd 247.3-3 running in system mode.\n\
Detected virtualization docker.\n\
Failed to create /init.scope control group: Read-only file system\n\
Failed to allocate manager object: Read-only file system\n\
[!!!!!!] Failed to allocate manager object.\n\
Exiting PID 1...\n";
        let d = diagnose(log);
        assert_eq!(d.len(), 2);
        assert!(d[0].fix.contains("--privileged"));
    }

    #[test]
    fn lines_seen_on_this_machine() {
        // Real tails (escapes removed) of cells of tests/truth_matrix.rs.
        let cases: &[(&str, &str)] = &[
            (
                "Failed to mount tmpfs at /run/lock: Operation not permitted\n[!!!!!!] Failed to mount API filesystems.\nExiting PID 1...",
                "--tmpfs /run/lock",
            ),
            (
                "Failed to create /docker/34e8ece603c9/init.scope control group: No such file or directory\nFailed to allocate manager object: No such file or directory",
                "-v /sys/fs/cgroup:/sys/fs/cgroup:ro",
            ),
            (
                "Couldn't find an alternative telinit implementation to spawn.",
                "drop --init",
            ),
            (
                "Failed to mount tmpfs at /run: Operation not permitted\n[!!!!!!] Failed to mount API filesystems.",
                "--tmpfs /run --tmpfs /run/lock",
            ),
            (
                "OCI runtime exec failed: exec failed: unable to start container process: exec: \"systemctl\": executable file not found in $PATH: unknown",
                "install systemd",
            ),
            (
                "timeout: failed to run command 'systemctl': No such file or directory",
                "install systemd",
            ),
        ];
        for (log, fix) in cases {
            let d = diagnose(log);
            assert!(!d.is_empty(), "{log}");
            assert!(d[0].fix.contains(fix), "{log}: {}", d[0].fix);
        }
    }

    #[test]
    fn no_match_is_empty() {
        assert!(diagnose("Welcome to Debian GNU/Linux 12 (bookworm)!\n").is_empty());
    }
}
