//! What `lint --dockerfile` read from a Dockerfile: the settings its final
//! stage leaves in the image config, each with the lines that set it, and
//! the init packages its RUN lines install.

use serde::{Deserialize, Serialize};

/// A value and the instruction that set it (1-based lines; a continued
/// instruction spans `line..=last_line`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Setting<T> {
    pub value: T,
    pub line: usize,
    pub last_line: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EnvVar {
    pub name: String,
    /// Substituted; `${NAME}` left for a variable the file does not set
    /// (the base's, resolved when the base is probed).
    pub value: String,
}

/// A RUN line that installs an init system's package.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PackageInstall {
    /// `apt-get`, `dnf`, `apk` …
    pub manager: String,
    /// The init packages named (`systemd`, `systemd-sysv`, `openrc` …).
    pub packages: Vec<String>,
    /// One of them is systemd's.
    pub systemd: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DockerfileFacts {
    /// The file as given on the command line.
    pub path: String,
    /// Its text as read: the fix is a diff of it.
    pub text: String,
    /// The image the final stage starts from, after following `FROM <stage>`
    /// and substituting ARGs; `scratch` for none.
    pub base: String,
    /// How many stages (FROM lines) the file has.
    pub stages: usize,
    /// The final stage's `AS` name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Whether the local daemon has `base`; `None` when it was not asked.
    pub base_present: Option<bool>,
    /// Whether the base has a systemd binary; `None` when not inspected.
    pub base_has_systemd: Option<bool>,
    /// Why the base was not inspected (no daemon, not present, an error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_note: Option<String>,
    /// Every instruction of the final stage and the stages it is built
    /// FROM, in order: the last one counts.
    pub entrypoint: Vec<Setting<Vec<String>>>,
    pub cmd: Vec<Setting<Vec<String>>>,
    /// The line of an ENTRYPOINT that cleared the CMD set before it (BuildKit
    /// resets CMD unless the same stage set one before the ENTRYPOINT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd_cleared_at: Option<usize>,
    pub user: Vec<Setting<String>>,
    pub stop_signal: Vec<Setting<String>>,
    pub env: Vec<Setting<EnvVar>>,
    pub working_dir: Vec<Setting<String>>,
    /// Each VOLUME instruction with its paths.
    pub volumes: Vec<Setting<Vec<String>>>,
    /// RUN lines that install an init system.
    pub installs: Vec<Setting<PackageInstall>>,
}

/// How the image a Dockerfile would build is named among the images.
pub const IMAGE_PREFIX: &str = "Dockerfile:";

impl DockerfileFacts {
    /// The reference the image the file would build is judged under.
    pub fn image_ref(&self) -> String {
        format!("{IMAGE_PREFIX}{}", self.path)
    }

    /// The CMD the final stage leaves: `Some([])` when an ENTRYPOINT cleared
    /// it, `None` when the file does not touch it (the base's stays).
    pub fn final_cmd(&self) -> Option<Vec<String>> {
        let last = self.cmd.last();
        match (last, self.cmd_cleared_at) {
            (Some(c), Some(at)) if c.line > at => Some(c.value.clone()),
            (_, Some(_)) => Some(vec![]),
            (Some(c), None) => Some(c.value.clone()),
            (None, None) => None,
        }
    }

    /// The last value the file sets for `name`.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|e| e.value.name == name)
            .map(|e| e.value.value.as_str())
    }

    /// The installs of systemd's packages.
    pub fn systemd_installs(&self) -> impl Iterator<Item = &Setting<PackageInstall>> {
        self.installs.iter().filter(|i| i.value.systemd)
    }
}
