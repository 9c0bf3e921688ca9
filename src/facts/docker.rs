//! What the Docker Engine API (GET /_ping, /version, /info) and the daemon's
//! process told the docker probe.

use serde::{Deserialize, Serialize};

/// How the docker probe went; `Facts.docker` is set only when `outcome` is `ok`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DockerProbe {
    pub outcome: ProbeOutcome,
    /// The endpoint tried, e.g. `unix:///var/run/docker.sock`.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Where it came from: `--docker-host`, `DOCKER_HOST`, `context NAME`, `default`.
    #[serde(default)]
    pub endpoint_source: Option<String>,
    /// Why the daemon is unreachable (or why the probe was skipped).
    #[serde(default)]
    pub error: Option<DockerError>,
    /// Where `dockerd` was found in PATH (for "installed but not running").
    #[serde(default)]
    pub dockerd_path: Option<String>,
    /// A rootless daemon's socket at `$XDG_RUNTIME_DIR/docker.sock`, when one exists.
    #[serde(default)]
    pub rootless_socket: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProbeOutcome {
    Ok,
    Skipped,
    Unreachable,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DockerError {
    /// `no_socket`, `permission_denied`, `refused`, `timeout`, `bad_answer`,
    /// `unsupported_endpoint`, `tls`, `ssh`, `connect`, `config`, `skipped`.
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    Docker,
    DockerDesktop,
    Podman,
}

impl Engine {
    pub fn describe(self) -> &'static str {
        match self {
            Engine::Docker => "Docker Engine",
            Engine::DockerDesktop => "Docker Desktop",
            Engine::Podman => "Podman (Docker-compatible API)",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DockerFacts {
    pub endpoint: String,
    /// A unix socket on this machine (so the daemon's process can be read).
    pub local: bool,
    pub engine: Engine,
    pub server_version: String,
    /// The newest API version the daemon speaks.
    pub api_version: String,
    pub min_api_version: Option<String>,
    /// The version the doctor's requests used (`None`: unversioned paths).
    pub negotiated_api_version: Option<String>,
    /// `/version` Platform.Name, e.g. `Docker Desktop 4.18.0 (104112)`.
    pub platform: Option<String>,
    pub components: Vec<Component>,
    pub operating_system: Option<String>,
    pub kernel_version: Option<String>,
    /// `"1"` or `"2"` (API >= 1.41), as the daemon reports it.
    pub cgroup_version: Option<String>,
    /// `cgroupfs`, `systemd` or `none`.
    pub cgroup_driver: Option<String>,
    pub security_options: Vec<String>,
    pub security: Security,
    pub rootless: bool,
    pub default_runtime: Option<String>,
    pub runtimes: Vec<String>,
    pub init_binary: Option<String>,
    /// Resource limits the daemon can apply (false when a controller is not delegated).
    pub limits: Limits,
    pub warnings: Vec<String>,
    /// The process serving the socket, where the socket is local.
    pub daemon_process: Option<DaemonProcess>,
    /// Whether a `--privileged` container can start (`None`: cannot tell).
    pub privileged_possible: Option<bool>,
    /// Why `privileged_possible` is what it is.
    pub privileged_reason: String,
    /// Daemon settings that decide a container's fate but that `/info` does
    /// not show, read from the local daemon's command line and config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<DaemonConfig>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DaemonConfig {
    /// The config file read, and why that one: `--config-file` on the daemon's
    /// command line, or the default `/etc/docker/daemon.json`.
    pub file: String,
    pub file_from: String,
    /// Why the file could not be read (a missing default file is no error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `init` (file) or `--init` (command line): every container gets
    /// docker-init as PID 1 unless it is run with `--init=false`.
    pub init: Option<bool>,
    /// Where `init` came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<String>,
}

impl DockerFacts {
    /// The daemon's cgroup version as a number, where it reports one.
    pub fn cgroup_version_number(&self) -> Option<u8> {
        self.cgroup_version
            .as_deref()
            .and_then(|v| v.trim().parse().ok())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Component {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Security {
    pub apparmor: bool,
    pub selinux: bool,
    /// `profile=` of `name=seccomp` (`builtin`, `default`, `unconfined`, a path);
    /// `None` without seccomp.
    pub seccomp_profile: Option<String>,
    pub userns: bool,
    pub rootless: bool,
    /// `name=cgroupns`: containers get a private cgroup namespace by default.
    pub cgroupns_private: bool,
    pub no_new_privileges: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Limits {
    pub memory: bool,
    pub pids: bool,
    pub cpu_cfs_quota: bool,
    pub cpu_shares: bool,
    pub cpuset: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DaemonProcess {
    /// From SO_PEERCRED on the socket; `None` when in another pid namespace.
    pub pid: Option<i32>,
    pub uid: u32,
    pub comm: Option<String>,
    /// CapBnd of /proc/PID/status, hex.
    pub bounding_set: Option<String>,
    /// Capabilities this kernel knows that the daemon's bounding set lacks.
    pub missing_caps: Vec<String>,
    /// Why the process could not be read, if it could not.
    pub error: Option<String>,
    /// The process SO_PEERCRED named, where that was not the daemon but the
    /// socket's listener (socket activation: systemd's docker.socket listens
    /// and hands the socket to `dockerd -H fd://`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_listener: Option<SocketListener>,
    /// How the daemon was found behind that listener.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub found_by: Vec<String>,
    /// Hard limits from /proc/PID/limits (`None`: unlimited or unread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nofile_hard: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nproc_hard: Option<u64>,
}

impl DaemonProcess {
    /// A process known by pid and uid only; the rest is read afterwards.
    pub fn new(pid: Option<i32>, uid: u32) -> DaemonProcess {
        DaemonProcess {
            pid,
            uid,
            comm: None,
            bounding_set: None,
            missing_caps: vec![],
            error: None,
            socket_listener: None,
            found_by: vec![],
            nofile_hard: None,
            nproc_hard: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SocketListener {
    pub pid: Option<i32>,
    pub comm: Option<String>,
}

impl DockerFacts {
    pub fn component(&self, name: &str) -> Option<&str> {
        self.components
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map(|c| c.version.as_str())
    }
}
