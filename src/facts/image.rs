//! What the image probe learned about one `--image`, without running it.

use serde::{Deserialize, Serialize};

use super::Probed;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImageFacts {
    /// The reference as given (`debian:12`, an id).
    #[serde(rename = "ref")]
    pub reference: String,
    /// False when the local daemon does not have it (the doctor never pulls).
    pub present: bool,
    /// Why the image could not be inspected at all (daemon error): no verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub id: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    /// The value of `container=` in the image's Env, when set.
    pub env_container: Option<String>,
    /// Config.User (`""` = root).
    pub user: String,
    pub working_dir: String,
    pub volumes: Vec<String>,
    /// Config.StopSignal (`None` = Docker's default, SIGTERM).
    pub stop_signal: Option<String>,
    pub os: Probed<Option<OsRelease>>,
    /// The resolved path of what PID 1 would be (all links followed).
    pub init: Option<String>,
    pub pid1: Probed<Pid1Facts>,
    /// Where systemd is in the image (PID 1 or not), links followed.
    pub systemd_path: Option<String>,
    pub systemd: Probed<Option<SystemdVersion>>,
    /// Links that loop, dangle or climb above the root, met on the way.
    pub link_findings: Vec<LinkFinding>,
    /// Other things worth saying (a `systemd` that is not ELF, a capped read).
    pub notes: Vec<String>,
    /// How the files were read: `layers` (the daemon's layer directories,
    /// directly) or `archive` (the Engine archive API on a never-started
    /// container); absent when no file was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_via: Option<String>,
}

impl ImageFacts {
    /// An image the daemon does not have, or could not be asked about.
    pub fn unavailable(reference: &str, present: bool, error: Option<String>) -> Self {
        let why = if present {
            error.clone().unwrap_or_else(|| "not inspected".into())
        } else {
            "image not present".into()
        };
        ImageFacts {
            reference: reference.to_owned(),
            present,
            error,
            id: None,
            entrypoint: None,
            cmd: None,
            env_container: None,
            user: String::new(),
            working_dir: String::new(),
            volumes: vec![],
            stop_signal: None,
            os: Probed::error(why.clone()),
            init: None,
            pid1: Probed::error(why.clone()),
            systemd_path: None,
            systemd: Probed::error(why),
            link_findings: vec![],
            notes: vec![],
            read_via: None,
        }
    }

    /// The image a Dockerfile would build (`lint --dockerfile`): not built,
    /// so `docker run` cannot name it yet.
    pub fn from_dockerfile(&self) -> bool {
        self.reference.starts_with(super::dockerfile::IMAGE_PREFIX)
    }

    /// True when files were read (present and inspected).
    pub fn readable(&self) -> bool {
        self.present && self.error.is_none()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OsRelease {
    /// The file it came from (`/usr/lib/os-release`).
    pub source: String,
    pub id: Option<String>,
    pub version_id: Option<String>,
    pub version_codename: Option<String>,
    pub pretty_name: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Pid1Kind {
    Systemd,
    /// sh, bash, dash, busybox sh …
    Shell,
    /// tini, dumb-init, docker-init, catatonit: reapers that are not systemd.
    MiniInit,
    /// Another init system (sysvinit, busybox init, runit, s6, openrc).
    OtherInit,
    Other,
    /// No command, or it is not in the image.
    Missing,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pid1Facts {
    /// Entrypoint + Cmd, as Docker would exec them.
    pub argv: Vec<String>,
    /// argv[0] looked up (PATH, WorkingDir), before following links.
    pub command: Option<String>,
    /// The file that would run, all links followed.
    pub resolved: Option<String>,
    pub kind: Pid1Kind,
    /// The links followed from `command` to `resolved`.
    pub links: Vec<LinkHop>,
    /// For `sh -c 'exec /sbin/init'`-style commands: what the shell would exec, resolved.
    pub shell_execs: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkHop {
    pub link: String,
    /// The link's own target, verbatim (`../lib/systemd/systemd`) — or, when
    /// `daemon_resolved`, where the whole chain from `link` ends.
    pub target: String,
    /// `target` is the end of the chain as the Docker daemon resolved it
    /// inside the container's root (the archive API's `linkTarget`): the
    /// links in between, and whether one climbed above the root (the daemon
    /// keeps it at the root, as the kernel does), are not seen.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub daemon_resolved: bool,
}

/// `a -> b, b -> c`: a link chain as the report shows it.
pub fn link_chain(hops: &[LinkHop]) -> String {
    hops.iter()
        .map(|h| {
            let by = if h.daemon_resolved {
                " (chain end, resolved by the daemon)"
            } else {
                ""
            };
            format!("{} -> {}{by}", h.link, h.target)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LinkProblem {
    /// More than 40 links (ELOOP).
    Loop,
    /// A link (or path) to nothing.
    Missing,
    /// A link whose target climbs above the image root (`../../..`); the
    /// kernel keeps it at the container's root, so it resolves inside.
    EscapesRoot,
    /// A path goes through a file as if it were a directory.
    NotADirectory,
}

impl LinkProblem {
    pub fn describe(self) -> &'static str {
        match self {
            LinkProblem::Loop => "symlink loop (more than 40 links)",
            LinkProblem::Missing => "no such file",
            LinkProblem::EscapesRoot => "link climbs above the image root",
            LinkProblem::NotADirectory => "a path component is not a directory",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LinkFinding {
    /// The path being resolved (`/sbin/init`).
    pub path: String,
    pub problem: LinkProblem,
    /// Where it went wrong.
    pub at: String,
    pub hops: Vec<LinkHop>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum VersionSource {
    /// DT_NEEDED `libsystemd-shared-<tag>.so` of the systemd binary.
    ElfNeeded,
    /// The `libsystemd-shared-<tag>.so` file in systemd's library directories.
    LibraryName,
    /// The version banner inside the binary (systemd < 231).
    BinaryString,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SystemdVersion {
    pub major: u32,
    /// The fullest version found: the package's (`252.39-1~deb12u2`) or the tag.
    pub version: String,
    /// Where `major` came from.
    pub source: VersionSource,
    /// Where `version` came from when not `source`: `binary-string` (the
    /// banner) or `dpkg-status` (the package database).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_from: Option<String>,
}
