//! A `docker run` line (given to `lint`, or made from a container's settings),
//! parsed into the settings that matter to systemd. What the daemon and the
//! image add is not copied here: `runline::context` derives it from the other
//! facts when the checks ask.

use serde::{Deserialize, Serialize};

/// The run line given to `lint`, parsed, with what is known about where it runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunFacts {
    /// The line exactly as given (after shell word splitting).
    pub argv: Vec<String>,
    pub spec: RunSpec,
}

/// Which client the line was written for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Client {
    Docker,
    Podman,
}

/// A parsed `docker run` line: every option in order (kept verbatim for the
/// corrected recipe) and the ones that matter for systemd, decoded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunSpec {
    pub client: Client,
    /// The words before the options, e.g. `["docker", "run"]` (empty when only options were given).
    pub command: Vec<String>,
    /// Every option group as written, in order.
    pub options: Vec<RunArg>,
    pub image: String,
    /// COMMAND and ARG... after the image.
    pub args: Vec<String>,

    pub privileged: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    /// `--security-opt` values as written.
    pub security_opt: Vec<String>,
    pub cgroupns: Option<String>,
    pub cgroup_parent: Option<String>,
    /// Every `-v`, `--mount` and `--tmpfs`, decoded.
    pub mounts: Vec<Mount>,
    pub init: bool,
    pub stop_signal: Option<String>,
    pub read_only: bool,
    pub user: Option<String>,
    pub userns: Option<String>,
    pub runtime: Option<String>,
    /// The value of `container=` from `-e`/`--env` (`Some("")` for `-e container` taken from the caller's env).
    pub env_container: Option<String>,
    /// `--env-file` paths: noted, not read (they could hold `container=`).
    pub env_files: Vec<String>,
    pub entrypoint: Option<String>,
    /// Podman's `--systemd=true|false|always`.
    pub podman_systemd: Option<String>,
}

/// One option as given: its canonical long name, its value, and the tokens it came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunArg {
    /// Canonical long name without dashes, e.g. `publish` for `-p`.
    pub name: String,
    /// The value (for flags: `true`/`false` only when written `--flag=value`).
    pub value: Option<String>,
    /// The tokens as written. Options that shared a token (`-dit`) all carry
    /// the same `group` and only the first one carries the tokens.
    pub tokens: Vec<String>,
    pub group: usize,
}

impl RunArg {
    /// A switch that is on: given bare, or with a value Docker reads as true.
    pub fn is_on(&self) -> bool {
        self.value
            .as_deref()
            .is_none_or(|v| parse_bool(v) == Some(true))
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    /// A host path (`-v /abs:/dst`, `--mount type=bind`).
    Bind,
    /// A named or anonymous volume.
    Volume,
    Tmpfs,
    /// Another `--mount type=` (npipe, image, cluster...).
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mount {
    pub kind: MountKind,
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    /// `--mount ...,bind-recursive=writable|readonly|disabled|enabled`.
    pub bind_recursive: Option<String>,
    /// The option that made it: `volume`, `mount` or `tmpfs`.
    pub flag: String,
}

impl Mount {
    /// A bind of the host's `/sys/fs/cgroup` tree (or part of it) into the container's.
    pub fn is_cgroup_bind(&self) -> bool {
        self.kind == MountKind::Bind && under_cgroupfs(&self.target)
    }

    pub fn is_whole_cgroupfs(&self) -> bool {
        self.is_at("/sys/fs/cgroup")
    }

    /// Its target is `path`, trailing slashes aside.
    pub fn is_at(&self, path: &str) -> bool {
        trim_slash(&self.target) == path
    }
}

fn trim_slash(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        "/"
    } else {
        t
    }
}

pub fn under_cgroupfs(path: &str) -> bool {
    let p = trim_slash(path);
    p == "/sys/fs/cgroup" || p.starts_with("/sys/fs/cgroup/")
}

impl RunSpec {
    pub fn cgroup_binds(&self) -> impl Iterator<Item = &Mount> {
        self.mounts.iter().filter(|m| m.is_cgroup_bind())
    }

    /// A tmpfs on `path` (`checks::run::premounted` adds anonymous volumes).
    pub fn has_tmpfs(&self, path: &str) -> bool {
        self.mounts
            .iter()
            .any(|m| m.kind == MountKind::Tmpfs && m.is_at(path))
    }

    /// `--security-opt KEY=VALUE` (also the old `KEY:VALUE` form), last one wins.
    pub fn security(&self, key: &str) -> Option<&str> {
        self.security_opt.iter().rev().find_map(|o| {
            let (k, v) = o.split_once('=').or_else(|| o.split_once(':'))?;
            (k == key).then_some(v)
        })
    }

    /// `--security-opt no-new-privileges[=true]`.
    pub fn no_new_privileges(&self) -> bool {
        self.security_opt.iter().any(|o| {
            o == "no-new-privileges"
                || o.strip_prefix("no-new-privileges")
                    .and_then(|r| r.strip_prefix('=').or_else(|| r.strip_prefix(':')))
                    .is_some_and(|v| v == "true")
        })
    }

    pub fn cap_added(&self, cap: &str) -> bool {
        self.cap_add
            .iter()
            .any(|c| same_cap(c, cap) || same_cap(c, "ALL"))
    }

    pub fn cap_dropped(&self, cap: &str) -> bool {
        self.cap_drop
            .iter()
            .any(|c| same_cap(c, cap) || same_cap(c, "ALL"))
    }
}

/// Docker accepts capabilities with or without `CAP_`, in any case.
pub fn same_cap(given: &str, cap: &str) -> bool {
    let norm = |s: &str| {
        let u = s.to_ascii_uppercase();
        u.strip_prefix("CAP_").map(str::to_owned).unwrap_or(u)
    };
    norm(given) == norm(cap)
}

/// Go's `strconv.ParseBool`, which the docker CLI (pflag) uses for `--flag=value`.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}
