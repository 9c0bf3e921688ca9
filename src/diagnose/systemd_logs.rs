//! Lines a systemd PID 1 (or the runtime starting it) prints when it cannot
//! boot in a container, mapped to cause and fix. Each entry names where the
//! line was seen in its `source` and carries one real `example` line.

use serde::{Deserialize, Serialize};

/// What a known line says about the boot.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// Why systemd could not boot: the line to act on.
    Failure,
    /// systemd stopping after a failure that an earlier line names.
    Consequence,
    /// Printed by containers that boot too: not a cause.
    Harmless,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Failure => "failure",
            Kind::Consequence => "consequence",
            Kind::Harmless => "harmless",
        }
    }
}

pub(crate) struct Pattern {
    /// Stable name of the cause, for JSON consumers and tests.
    pub id: &'static str,
    /// Fragments of exact messages: a line matches when it holds any of
    /// them, and `detail` too when that is not empty.
    pub needles: &'static [&'static str],
    pub detail: &'static str,
    pub kind: Kind,
    pub cause: &'static str,
    pub fix: &'static str,
    pub source: &'static str,
    /// A real line this entry explains (its own test).
    #[cfg_attr(not(test), allow(dead_code))]
    pub example: &'static str,
}

impl Pattern {
    pub(crate) fn matches(&self, line: &str) -> bool {
        self.needles.iter().any(|n| line.contains(n))
            && (self.detail.is_empty() || line.contains(self.detail))
    }
}

/// Ordered: the first entry a line matches explains it, so a specific
/// needle comes before the general one it contains.
pub(crate) const PATTERNS: &[Pattern] = &[
    Pattern {
        id: "cgroup-docker-path-missing",
        needles: &["Failed to create /docker/"],
        detail: "No such file or directory",
        kind: Kind::Failure,
        cause: "cgroup v1/hybrid without a bind of /sys/fs/cgroup: the container shares the host's cgroup namespace, so /proc/self/cgroup names /docker/<id>, but Docker mounted only the container's own cgroups, where that path does not exist",
        fix: "add -v /sys/fs/cgroup:/sys/fs/cgroup:ro (the v1 recipe)",
        source: "development VM, Docker 20.10.24, hybrid cgroups, systemd 252/247/257 images, no /sys/fs/cgroup bind",
        example: "Failed to create /docker/34e8ece603c9/init.scope control group: No such file or directory",
    },
    Pattern {
        // An LSM refuses a mount with EACCES, a missing capability with EPERM.
        id: "mount-denied-by-lsm",
        needles: &["Failed to mount "],
        detail: "Permission denied",
        kind: Kind::Failure,
        cause: "a security module (AppArmor or SELinux) denied the mount: a denial by policy says Permission denied (EACCES), where a missing capability says Operation not permitted (EPERM)",
        fix: "find the denial in the host's kernel log (dmesg: apparmor=\"DENIED\" operation=\"mount\", or an SELinux AVC); add --tmpfs /run --tmpfs /run/lock --tmpfs /tmp so systemd need not mount them, and allow the rest in the profile (for a test: --security-opt apparmor=unconfined; SELinux: setsebool -P container_manage_cgroup true)",
        source: "solita/docker-systemd#1 (Failed to mount tmpfs at /run: Permission denied), systemd/systemd#4154 (AppArmor mount mediation returns EACCES, not EPERM; SELinux too), lxc/lxc#1733",
        example: "Failed to mount tmpfs at /run: Permission denied",
    },
    Pattern {
        id: "tmpfs-run-lock",
        needles: &["Failed to mount tmpfs at /run/lock"],
        detail: "",
        kind: Kind::Failure,
        cause: "systemd <= 252 mounts its own tmpfs on /run/lock, which an unprivileged container may not do",
        fix: "add --tmpfs /run/lock (with --tmpfs /run --tmpfs /tmp)",
        source: "development VM, Docker 20.10.24, sdctr-test/bookworm-systemd (252), -t --tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:ro; podman-container-tools/podman#3295",
        example: "Failed to mount tmpfs at /run/lock: Operation not permitted",
    },
    Pattern {
        id: "tmpfs-run",
        needles: &[
            "Failed to mount tmpfs at /run:",
            // systemd 257's wording.
            "Failed to mount tmpfs (type tmpfs) on /run (",
        ],
        detail: "",
        kind: Kind::Failure,
        cause: "no tmpfs on /run and systemd may not mount one (no CAP_SYS_ADMIN; the runtime's seccomp or AppArmor profile forbids mount)",
        fix: "add --tmpfs /run --tmpfs /run/lock --tmpfs /tmp (Podman mounts them itself when the command is /sbin/init or systemd, or with --systemd=always)",
        source: "development VM, Docker 20.10.24, sdctr-test/bookworm-systemd (252) and trixie-systemd (257), -t and no other flags; podman-container-tools/podman#621 (Failed to mount tmpfs at /run: Operation not permitted … freezing); AkihiroSuda/containerized-systemd#11",
        example: "Failed to mount tmpfs (type tmpfs) on /run (MS_NOSUID|MS_NODEV|MS_STRICTATIME \"mode=0755,size=20%,nr_inodes=800k\"): Operation not permitted",
    },
    Pattern {
        id: "cgroup-v1-mount-denied",
        needles: &["Failed to mount cgroup at /sys/fs/cgroup/systemd"],
        detail: "",
        kind: Kind::Failure,
        cause: "systemd wants a cgroup v1 name=systemd hierarchy and may not mount one: no v1 hierarchy is bound in, or the host is on cgroup v2 and the image's systemd (CentOS 7's 219) cannot use cgroup2",
        fix: "on a v1/hybrid host add -v /sys/fs/cgroup:/sys/fs/cgroup:ro; on a cgroup v2 host use an image whose systemd supports cgroup v2 (>= 233), or boot the host with systemd.unified_cgroup_hierarchy=0",
        source: "lxc/lxc#4072 (systemd 219), antmelekhin/docker-systemd#1",
        example: "Failed to mount cgroup at /sys/fs/cgroup/systemd: Operation not permitted",
    },
    Pattern {
        id: "cgroup-readonly",
        needles: &[
            "control group: Read-only file system",
            "Failed to allocate manager object: Read-only file system",
        ],
        detail: "",
        kind: Kind::Failure,
        cause: "the container's /sys/fs/cgroup is read-only where systemd must create its cgroup: a :ro bind or an unprivileged container on cgroup v2, or Docker's own read-only cgroup mount in a private cgroup namespace on a v1/hybrid host",
        fix: "cgroup v2: --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw (or --privileged without a /sys/fs/cgroup bind); v1/hybrid: add -v /sys/fs/cgroup:/sys/fs/cgroup:ro",
        source: "moby/moby#42275, systemd/systemd#19245, freeipa/freeipa-container#520, robertdebock/docker-ubuntu-systemd#4; development VM, Docker 20.10.24, sdctr-test/bookworm-systemd (252) and trixie-systemd (257), -t --cgroupns=private --tmpfs /run --tmpfs /run/lock --tmpfs /tmp",
        example: "Failed to create /init.scope control group: Read-only file system",
    },
    Pattern {
        id: "cgroup-path-missing",
        needles: &["control group: No such file or directory"],
        detail: "",
        kind: Kind::Failure,
        cause: "the host's whole /sys/fs/cgroup is bound rw into a private cgroup namespace, so the paths in /proc/self/cgroup do not exist there",
        fix: "add --cgroupns=host, or remove the /sys/fs/cgroup bind",
        source: "eniocarboni/docker-ubuntu-systemd#1",
        example: "Failed to create /init.scope control group: No such file or directory",
    },
    Pattern {
        id: "cgroup-permission-denied",
        needles: &["control group: Permission denied"],
        detail: "",
        kind: Kind::Failure,
        cause: "systemd cannot write its cgroup (rootless on cgroup v1, or SELinux denies cgroup writes)",
        fix: "boot the host on cgroup v2 for rootless; with SELinux: setsebool -P container_manage_cgroup true",
        source: "containers/podman#6734, projectatomic/oci-systemd-hook#93",
        example: "Failed to create /user.slice/user-1000.slice/session-8.scope/init.scope control group: Permission denied",
    },
    Pattern {
        id: "cgroup-root-hierarchy-denied",
        needles: &["Failed to create root cgroup hierarchy"],
        detail: "",
        kind: Kind::Failure,
        cause: "a rootless container may not create the v1 name=systemd hierarchy that an old systemd (CentOS 7's 219) needs",
        fix: "run the container as root (rootful), or use an image whose systemd supports cgroup v2",
        source: "containers/crun#696",
        example: "Failed to create root cgroup hierarchy: Permission denied",
    },
    Pattern {
        id: "cgroup-v1-refused",
        needles: &["Refusing to run under cgroup v1"],
        detail: "",
        kind: Kind::Failure,
        cause: "systemd 256 refuses a cgroup v1 (legacy or hybrid) host unless SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 is on the kernel command line (257 boots there with a warning; 258 and later have no cgroup v1 support)",
        fix: "boot the host on cgroup v2 (drop systemd.unified_cgroup_hierarchy=0), or use an image whose systemd is 255 or older; for 256 alone, SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 on the host's kernel command line",
        source: "systemd/systemd#30852, systemd/systemd#31442, systemd/systemd#34999 (257 stops refusing), ipaqmaster/vfio#20",
        example: "Refusing to run under cgroup v1, SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 not specified on kernel command line.",
    },
    Pattern {
        id: "no-systemd-hierarchy",
        needles: &["No medium found"],
        detail: "",
        kind: Kind::Failure,
        cause: "no usable name=systemd hierarchy in the container's cgroup layout",
        fix: "bind /sys/fs/cgroup from a v1 host, or boot the host on cgroup v2",
        source: "systemd/systemd#6477, lxc/lxc#1669, balena-io-library/base-images#546",
        example: "Cannot determine cgroup we are running in: No medium found",
    },
    Pattern {
        id: "cgroupns-unsupported",
        needles: &["cgroup namespaces aren't enabled in the kernel"],
        detail: "",
        kind: Kind::Failure,
        cause: "the runtime was asked for a private cgroup namespace (Docker's default on cgroup v2, or --cgroupns=private) and the kernel has none (older than 4.6, or built without CONFIG_CGROUP_NS)",
        fix: "run with --cgroupns=host (or \"default-cgroupns-mode\": \"host\" in daemon.json), or boot a kernel with cgroup namespaces",
        source: "docker/cli#3853, docker/for-linux#1360, moby/moby#46776",
        example: "docker: Error response from daemon: OCI runtime create failed: cgroup namespaces aren't enabled in the kernel: unknown.",
    },
    Pattern {
        id: "not-booted-with-systemd",
        needles: &["System has not been booted with systemd as init system"],
        detail: "",
        kind: Kind::Failure,
        cause: "PID 1 is not systemd (a shell, tini or a tool's injected command)",
        fix: "run the image with CMD [\"/sbin/init\"] and without --init",
        source: "eniocarboni/docker-rockylinux-systemd#1, geerlingguy/docker-centos7-ansible#12, ONLYOFFICE/Docker-CommunityServer#172",
        example: "System has not been booted with systemd as init system (PID 1). Can't operate.",
    },
    Pattern {
        id: "not-pid1",
        needles: &[
            "Couldn't find an alternative telinit implementation to spawn",
            // systemd 257 started as a child says this instead.
            "init: required argument missing",
        ],
        detail: "",
        kind: Kind::Failure,
        cause: "systemd was started but is not PID 1 (--init or a wrapper made another process PID 1)",
        fix: "drop --init and any wrapper: systemd must be PID 1",
        source: "krallin/tini#175; development VM, Docker 20.10.24, sdctr-test/bookworm-systemd (252) and trixie-systemd (257), -t --init",
        example: "init: required argument missing.",
    },
    Pattern {
        id: "api-filesystems",
        needles: &["Failed to mount API filesystems"],
        detail: "",
        kind: Kind::Failure,
        cause: "systemd may not mount its API filesystems (capabilities, seccomp or AppArmor); an earlier line names the mount",
        fix: "add --tmpfs /run --tmpfs /run/lock --tmpfs /tmp, or run with --privileged",
        source: "AkihiroSuda/containerized-systemd#11, CentOS/sig-cloud-instance-images#54, moby/moby#25290, docker-library/docs#846",
        example: "[!!!!!!] Failed to mount API filesystems, freezing.",
    },
    Pattern {
        id: "manager-object",
        needles: &["Failed to allocate manager object"],
        detail: "",
        kind: Kind::Failure,
        cause: "systemd could not set up its manager, almost always its cgroup; the line before it names why",
        fix: "act on the line before it; alone: on a cgroup v1/hybrid host add -v /sys/fs/cgroup:/sys/fs/cgroup:ro, on cgroup v2 --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw",
        source: "w5teams/w5#52 (fixed by -v /sys/fs/cgroup:/sys/fs/cgroup:ro), containers/crun#696, podman-container-tools/podman#1226",
        example: "[!!!!!!] Failed to allocate manager object, freezing.",
    },
    Pattern {
        id: "pid1-stopped",
        needles: &["Freezing execution", "Exiting PID 1"],
        detail: "",
        kind: Kind::Consequence,
        cause: "systemd stopped after a fatal error (older and >= 256 versions freeze, others exit); the line before it names the error",
        fix: "act on the line before it",
        source: "podman-container-tools/podman#621, ipaqmaster/vfio#20; development VM, Docker 20.10.24, sdctr-test/bookworm-systemd (252), -t and no other flags",
        example: "Exiting PID 1...",
    },
    Pattern {
        id: "cgroup-symlink",
        needles: &["Failed to create symlink /sys/fs/cgroup/"],
        detail: "",
        kind: Kind::Harmless,
        cause: "systemd could not add the v1 controller symlinks (cpu, cpuacct, net_cls …) in a /sys/fs/cgroup it does not own; containers that boot print it too",
        fix: "none needed: look at the lines after it",
        source: "development VM, Docker 20.10.24, sdctr-test/bookworm-systemd (252), -t --cgroupns=private -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock --tmpfs /tmp (boots)",
        example: "Failed to create symlink /sys/fs/cgroup/cpu: File exists",
    },
    Pattern {
        id: "cgroup-id-ignored",
        needles: &["Failed to get cgroup ID of cgroup"],
        detail: ", ignoring",
        kind: Kind::Harmless,
        cause: "systemd cannot read a cgroup's ID through a read-only bind and goes on (it says \"ignoring\"); containers that boot print it too",
        fix: "none needed",
        source: "development VM, Docker 20.10.24, sdctr-test/bookworm-systemd (252), -t --cgroupns=private -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock --tmpfs /tmp (boots)",
        example: "-.slice: Failed to get cgroup ID of cgroup /sys/fs/cgroup/unified, ignoring: Operation not permitted",
    },
    Pattern {
        id: "condition-undetermined",
        needles: &["Couldn't determine result for Condition"],
        detail: "",
        kind: Kind::Harmless,
        cause: "systemd could not evaluate a unit's condition (e.g. ConditionKernelCommandLine= when it cannot read the command line), took it as failed and skipped that unit; the boot goes on",
        fix: "none for the boot; if that unit is needed, give it what the condition reads",
        source: "systemd src/shared/condition.c, condition_test_list(): \"Couldn't determine result for %s=%s%s%s, assuming failed: %m\" (the wording; no public report quoting a full line was found)",
        example: "Couldn't determine result for ConditionKernelCommandLine=|rd.modules-load, assuming failed: Permission denied",
    },
    Pattern {
        id: "command-not-found",
        needles: &[
            "executable file not found in $PATH",
            // The doctor bounds systemctl with coreutils' timeout, which says this.
            "timeout: failed to run command",
        ],
        detail: "",
        kind: Kind::Failure,
        cause: "the command is not in the image (for systemctl: the image has no systemd)",
        fix: "install systemd in the image (Debian/Ubuntu: apt-get install -y systemd systemd-sysv) and make it the command (CMD [\"/sbin/init\"])",
        source: "development VM, Docker 20.10.24, sdctr-test/bookworm-nosystemd, docker exec C systemctl (and timeout 2 systemctl)",
        example: "OCI runtime exec failed: exec failed: unable to start container process: exec: \"systemctl\": executable file not found in $PATH: unknown",
    },
    Pattern {
        id: "no-bus",
        needles: &["Failed to connect to bus"],
        detail: "",
        kind: Kind::Failure,
        cause: "no systemd manager answers in the container: PID 1 is not systemd, or it has not started its bus yet",
        fix: "make systemd PID 1 (CMD [\"/sbin/init\"], no --init); if it is, wait for the boot and ask again",
        source: "eniocarboni/docker-rockylinux-systemd#1 (Failed to connect to bus: Host is down); systemd src/systemctl (bus connection)",
        example: "Failed to connect to bus: Host is down",
    },
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Diagnosis {
    pub id: String,
    pub line: String,
    pub cause: String,
    pub fix: String,
    pub source: String,
}

/// Every known failure found in a log tail, in log order: a line is
/// explained by the first pattern it matches (`diagnose::explain`), a
/// pattern is reported once; harmless lines and consequences are left out.
pub(crate) fn diagnose(log: &str) -> Vec<Diagnosis> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for line in log.lines() {
        let Some(p) = super::explain(line) else {
            continue;
        };
        if p.kind != Kind::Failure || seen.contains(&p.id) {
            continue;
        }
        seen.push(p.id);
        out.push(Diagnosis {
            id: p.id.to_owned(),
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
