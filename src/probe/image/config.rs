//! The image's config as the Engine reports it (`GET /images/{name}/json`,
//! the same JSON `docker image inspect` prints one element of).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::facts::dockerfile::DockerfileFacts;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ImageInspect {
    pub id: String,
    #[serde(default)]
    pub config: Option<EngineConfig>,
    /// Where the daemon keeps the layers (`overlay2`: `LowerDir`, `UpperDir`).
    #[serde(default)]
    pub graph_driver: Option<GraphDriver>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct GraphDriver {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub data: Option<BTreeMap<String, String>>,
}

impl GraphDriver {
    /// The image's layer directories on the daemon's host, uppermost first
    /// (`UpperDir`, then `LowerDir`'s `:`-separated list).
    pub fn layer_dirs(&self) -> Vec<String> {
        let data = self.data.as_ref();
        let get = |k: &str| data.and_then(|d| d.get(k)).filter(|v| !v.is_empty());
        let mut dirs: Vec<String> = get("UpperDir").into_iter().cloned().collect();
        if let Some(lower) = get("LowerDir") {
            dirs.extend(
                lower
                    .split(':')
                    .filter(|d| !d.is_empty())
                    .map(str::to_owned),
            );
        }
        dirs
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct EngineConfig {
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    #[serde(default)]
    pub env: Option<Vec<String>>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub working_dir: Option<String>,
    #[serde(default)]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    pub stop_signal: Option<String>,
}

impl ImageInspect {
    /// One image object, or the one-element array `docker image inspect` prints.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("image inspect JSON: {e}"))?;
        let v = match v {
            serde_json::Value::Array(mut a) if a.len() == 1 => a.remove(0),
            v => v,
        };
        serde_json::from_value(v).map_err(|e| format!("image inspect JSON: {e}"))
    }

    pub fn config(&self) -> EngineConfig {
        self.config.clone().unwrap_or_default()
    }
}

impl EngineConfig {
    /// What a Dockerfile's final stage does to this config (its base's).
    pub(crate) fn overlay(&mut self, df: &DockerfileFacts) {
        if let Some(e) = df.entrypoint.last() {
            self.entrypoint = Some(e.value.clone());
        }
        if let Some(cmd) = df.final_cmd() {
            self.cmd = Some(cmd);
        }
        let env = self.env.get_or_insert_with(Vec::new);
        for var in &df.env {
            let value = resolve_base_vars(&var.value.value, env);
            let prefix = format!("{}=", var.value.name);
            env.retain(|e| !e.starts_with(&prefix));
            env.push(format!("{prefix}{value}"));
        }
        if let Some(u) = df.user.last() {
            self.user = Some(u.value.clone());
        }
        if let Some(w) = df.working_dir.last() {
            self.working_dir = Some(w.value.clone());
        }
        if let Some(s) = df.stop_signal.last() {
            self.stop_signal = Some(s.value.clone());
        }
        let volumes = self.volumes.get_or_insert_with(BTreeMap::new);
        for v in df.volumes.iter().flat_map(|v| &v.value) {
            volumes.insert(v.clone(), serde_json::json!({}));
        }
    }

    /// The value of `NAME=` in Env (last one wins, as in execve's environ).
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .as_deref()
            .unwrap_or_default()
            .iter()
            .rev()
            .find_map(|e| e.strip_prefix(name)?.strip_prefix('='))
    }
}

/// `${NAME}` (what the parser leaves for the base's variables) from `env`.
fn resolve_base_vars(value: &str, env: &[String]) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + len];
        out.push_str(&rest[..start]);
        let found = env
            .iter()
            .rev()
            .find_map(|e| e.strip_prefix(name)?.strip_prefix('='));
        out.push_str(found.unwrap_or_default());
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_inspect_output() {
        // Shape of `docker image inspect sdctr-test/bookworm-systemd` (Docker 20.10).
        let text = r#"[{"Id":"sha256:3880","RepoTags":["sdctr-test/bookworm-systemd:latest"],
            "Config":{"Hostname":"","User":"","Env":["container=docker","PATH=/usr/bin"],
            "Cmd":["/sbin/init"],"Entrypoint":null,"Volumes":null,"WorkingDir":"",
            "StopSignal":"SIGRTMIN+3","Labels":{"a":"b"}}}]"#;
        let i = ImageInspect::from_json(text).unwrap();
        let c = i.config();
        assert_eq!(i.id, "sha256:3880");
        assert_eq!(c.cmd.as_deref(), Some(&["/sbin/init".to_owned()][..]));
        assert_eq!(c.entrypoint, None);
        assert_eq!(c.env_var("container"), Some("docker"));
        assert_eq!(c.env_var("PATH"), Some("/usr/bin"));
        assert_eq!(c.stop_signal.as_deref(), Some("SIGRTMIN+3"));
        assert!(ImageInspect::from_json("{").is_err());
        assert_eq!(i.graph_driver, None);
    }

    #[test]
    fn a_dockerfiles_settings_go_over_the_base_config() {
        let df = crate::runline::dockerfile::parse(
            "Dockerfile",
            "FROM b\nENV container=docker PATH=/opt/bin:$PATH X=${Y:-y}$LANG\nUSER 0\nVOLUME /data\n\
             ENTRYPOINT [\"/sbin/init\"]\n",
        )
        .unwrap();
        let mut c = EngineConfig {
            cmd: Some(vec!["bash".into()]),
            env: Some(vec!["PATH=/usr/bin".into(), "LANG=C".into()]),
            user: Some("app".into()),
            stop_signal: Some("SIGRTMIN+3".into()),
            ..EngineConfig::default()
        };
        c.overlay(&df);
        assert_eq!(c.entrypoint, Some(vec!["/sbin/init".to_owned()]));
        // BuildKit: an ENTRYPOINT clears the base's CMD.
        assert_eq!(c.cmd, Some(vec![]));
        // The base's PATH and LANG, as BuildKit substitutes them.
        assert_eq!(c.env_var("PATH"), Some("/opt/bin:/usr/bin"));
        assert_eq!(c.env_var("X"), Some("yC"));
        assert_eq!(c.env_var("LANG"), Some("C"));
        assert_eq!(c.env_var("container"), Some("docker"));
        assert_eq!(c.user.as_deref(), Some("0"));
        assert_eq!(
            c.stop_signal.as_deref(),
            Some("SIGRTMIN+3"),
            "kept from the base"
        );
        assert!(c.volumes.unwrap().contains_key("/data"));
    }

    #[test]
    fn layer_dirs_uppermost_first() {
        // GraphDriver of a two-layer image on this machine's daemon (fuse-overlayfs).
        let text = r#"{"Id":"sha256:9d0f","GraphDriver":{"Data":{
            "LowerDir":"/var/lib/docker/fuse-overlayfs/e1ef/diff",
            "MergedDir":"/var/lib/docker/fuse-overlayfs/34bc/merged",
            "UpperDir":"/var/lib/docker/fuse-overlayfs/34bc/diff",
            "WorkDir":"/var/lib/docker/fuse-overlayfs/34bc/work"},"Name":"fuse-overlayfs"}}"#;
        let g = ImageInspect::from_json(text).unwrap().graph_driver.unwrap();
        assert_eq!(g.name, "fuse-overlayfs");
        assert_eq!(
            g.layer_dirs(),
            [
                "/var/lib/docker/fuse-overlayfs/34bc/diff",
                "/var/lib/docker/fuse-overlayfs/e1ef/diff"
            ]
        );
    }
}
