//! What `GET /containers/{id}/json`, its logs and two `systemctl` execs told
//! about one existing container (`sdctr-doctor container NAME|ID`).

use serde::{Deserialize, Serialize};

use super::Probed;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContainerFacts {
    /// The name or id as given on the command line.
    pub reference: String,
    pub id: String,
    /// Without Docker's leading `/`.
    pub name: String,
    pub state: ContainerState,
    /// The settings that matter for systemd, as the daemon reported them.
    pub config: ContainerConfig,
    /// Set when the container is not running: the tail of its output.
    #[serde(default)]
    pub logs: Option<Probed<LogTail>>,
    /// Set when the container is running: what systemd inside says.
    #[serde(default)]
    pub systemd: Option<Probed<SystemdState>>,
    /// Why the settings could not be turned into a run line (the run checks then skip).
    #[serde(default)]
    pub run_line_error: Option<String>,
}

/// `State` of the inspect answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ContainerState {
    /// `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`.
    pub status: String,
    pub running: bool,
    pub exit_code: i64,
    /// The daemon's error when the container could not start (e.g. the OCI runtime's).
    pub error: String,
    pub oom_killed: bool,
    pub started_at: String,
    pub finished_at: String,
}

/// HostConfig and Config fields the run checks judge, plus where PID 1 comes from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ContainerConfig {
    /// `Config.Image`: the image as the user named it.
    pub image: String,
    /// `Image`: the image id.
    pub image_id: String,
    pub tty: bool,
    pub privileged: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub security_opt: Vec<String>,
    pub cgroupns_mode: String,
    pub cgroup_parent: String,
    /// `HostConfig.Binds`, as `src:dst[:opts]`.
    pub binds: Vec<String>,
    /// `HostConfig.Mounts` (`--mount`), rendered as its `--mount` value.
    pub mounts: Vec<String>,
    /// Anonymous volumes from the image's `VOLUME` (destinations), seen in the top-level `Mounts`.
    pub image_volumes: Vec<String>,
    /// `HostConfig.Tmpfs` (`--tmpfs`), sorted by target.
    pub tmpfs: Vec<Tmpfs>,
    pub init: bool,
    pub readonly_rootfs: bool,
    pub user: String,
    pub userns_mode: String,
    pub runtime: String,
    /// The value of `container=` in `Config.Env` (no other variable is kept).
    pub env_container: Option<String>,
    pub stop_signal: String,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Tmpfs {
    pub target: String,
    /// Mount options as given (`size=64m`), empty for none.
    pub options: String,
}

/// The last lines the container printed (stdout and stderr, in order).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LogTail {
    /// At most the last 200 lines, terminal escapes removed, each cut at 1000 characters.
    pub lines: Vec<String>,
    /// The answer was longer than the doctor reads; only its start was kept.
    pub truncated: bool,
}

/// `systemctl is-system-running` and `systemctl --failed` run inside the container.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SystemdState {
    /// What `systemctl is-system-running` printed (`running`, `degraded`, ...),
    /// or its error output when it printed no state.
    pub system_state: String,
    /// The exec's exit code; `None` when the daemon did not tell.
    pub exit_code: Option<i64>,
    /// Unit names from `systemctl --failed --no-legend --plain`.
    pub failed_units: Vec<String>,
    /// How the commands were bounded inside the container, when that is
    /// worth saying (no `timeout` there: a hung one may still run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SystemdState {
    /// The states `systemctl is-system-running` documents.
    pub fn known_state(&self) -> Option<&str> {
        let s = self.system_state.trim();
        [
            "initializing",
            "starting",
            "running",
            "degraded",
            "maintenance",
            "stopping",
            "offline",
            "unknown",
        ]
        .into_iter()
        .find(|k| *k == s)
    }
}
