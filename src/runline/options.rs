//! The options `docker run` accepts, and whether each takes a value.
//!
//! From the docker CLI reference for `docker container run` (docker/cli
//! `cli/command/container/opts.go` and `run.go`, as listed in the docker-run(1)
//! man page of docker.io 28.2.2), plus the hidden aliases it still accepts
//! (`--net`, `--net-alias`, `--dns-opt`).

/// One `docker run` option.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OptSpec {
    pub long: &'static str,
    pub short: Option<char>,
    pub takes_value: bool,
}

const fn flag(long: &'static str, short: Option<char>) -> OptSpec {
    OptSpec {
        long,
        short,
        takes_value: false,
    }
}

const fn val(long: &'static str, short: Option<char>) -> OptSpec {
    OptSpec {
        long,
        short,
        takes_value: true,
    }
}

pub(crate) const RUN: &[OptSpec] = &[
    val("add-host", None),
    val("annotation", None),
    val("attach", Some('a')),
    val("blkio-weight", None),
    val("blkio-weight-device", None),
    val("cap-add", None),
    val("cap-drop", None),
    val("cgroup-parent", None),
    val("cgroupns", None),
    val("cidfile", None),
    val("cpu-count", None),
    val("cpu-percent", None),
    val("cpu-period", None),
    val("cpu-quota", None),
    val("cpu-rt-period", None),
    val("cpu-rt-runtime", None),
    val("cpu-shares", Some('c')),
    val("cpus", None),
    val("cpuset-cpus", None),
    val("cpuset-mems", None),
    flag("detach", Some('d')),
    val("detach-keys", None),
    val("device", None),
    val("device-cgroup-rule", None),
    val("device-read-bps", None),
    val("device-read-iops", None),
    val("device-write-bps", None),
    val("device-write-iops", None),
    flag("disable-content-trust", None),
    val("dns", None),
    val("dns-opt", None),
    val("dns-option", None),
    val("dns-search", None),
    val("domainname", None),
    val("entrypoint", None),
    val("env", Some('e')),
    val("env-file", None),
    val("expose", None),
    val("gpus", None),
    val("group-add", None),
    val("health-cmd", None),
    val("health-interval", None),
    val("health-retries", None),
    val("health-start-interval", None),
    val("health-start-period", None),
    val("health-timeout", None),
    flag("help", None),
    val("hostname", Some('h')),
    flag("init", None),
    flag("interactive", Some('i')),
    val("io-maxbandwidth", None),
    val("io-maxiops", None),
    val("ip", None),
    val("ip6", None),
    val("ipc", None),
    val("isolation", None),
    val("kernel-memory", None),
    val("label", Some('l')),
    val("label-file", None),
    val("link", None),
    val("link-local-ip", None),
    val("log-driver", None),
    val("log-opt", None),
    val("mac-address", None),
    val("memory", Some('m')),
    val("memory-reservation", None),
    val("memory-swap", None),
    val("memory-swappiness", None),
    val("mount", None),
    val("name", None),
    val("net", None),
    val("net-alias", None),
    val("network", None),
    val("network-alias", None),
    flag("no-healthcheck", None),
    flag("oom-kill-disable", None),
    val("oom-score-adj", None),
    val("pid", None),
    val("pids-limit", None),
    val("platform", None),
    flag("privileged", None),
    val("publish", Some('p')),
    flag("publish-all", Some('P')),
    val("pull", None),
    flag("quiet", Some('q')),
    flag("read-only", None),
    val("restart", None),
    flag("rm", None),
    val("runtime", None),
    val("security-opt", None),
    val("shm-size", None),
    flag("sig-proxy", None),
    val("stop-signal", None),
    val("stop-timeout", None),
    val("storage-opt", None),
    val("sysctl", None),
    val("tmpfs", None),
    flag("tty", Some('t')),
    val("ulimit", None),
    flag("use-api-socket", None),
    val("user", Some('u')),
    val("userns", None),
    val("uts", None),
    val("volume", Some('v')),
    val("volume-driver", None),
    val("volumes-from", None),
    val("workdir", Some('w')),
];

/// Podman-only `run` options the doctor knows (the rest of podman's are not accepted).
pub(crate) const PODMAN_EXTRA: &[OptSpec] = &[
    val("systemd", None),
    val("pod", None),
    flag("replace", None),
    val("tz", None),
];

/// `docker [OPTIONS] run`: the client's own options before the subcommand.
pub(crate) const DOCKER_GLOBAL: &[OptSpec] = &[
    val("config", None),
    val("context", Some('c')),
    flag("debug", Some('D')),
    val("host", Some('H')),
    val("log-level", Some('l')),
    flag("tls", None),
    val("tlscacert", None),
    val("tlscert", None),
    val("tlskey", None),
    flag("tlsverify", None),
];

/// `podman [OPTIONS] run`: the common ones.
pub(crate) const PODMAN_GLOBAL: &[OptSpec] = &[
    val("cgroup-manager", None),
    val("connection", Some('c')),
    val("events-backend", None),
    val("identity", None),
    val("log-level", None),
    flag("remote", Some('r')),
    val("root", None),
    val("runroot", None),
    val("runtime", None),
    val("storage-driver", None),
    val("url", None),
];

pub(crate) fn by_long<'a>(table: &[&'a [OptSpec]], name: &str) -> Option<&'a OptSpec> {
    table.iter().flat_map(|t| t.iter()).find(|o| o.long == name)
}

pub(crate) fn by_short<'a>(table: &[&'a [OptSpec]], c: char) -> Option<&'a OptSpec> {
    table
        .iter()
        .flat_map(|t| t.iter())
        .find(|o| o.short == Some(c))
}
