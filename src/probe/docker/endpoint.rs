//! Which daemon to talk to, the way the docker CLI picks it:
//! `--docker-host` > `DOCKER_HOST` > `DOCKER_CONTEXT` > `currentContext` of
//! `$DOCKER_CONFIG/config.json` (default `~/.docker`) > `unix:///var/run/docker.sock`.
//! A context's endpoint is `Endpoints.docker.Host` in
//! `contexts/meta/<sha256 hex of the name>/meta.json` under the config dir.
//!
//! TLS as the docker CLI sets it (cli/flags/options.go, cli/context/docker):
//! for the flag, `DOCKER_HOST` and the default context, `DOCKER_TLS_VERIFY`
//! (any non-empty value) means TLS with the daemon verified and `DOCKER_TLS`
//! TLS without verification, the files in `DOCKER_CERT_PATH` (default: the
//! config dir); with either and no host, `tcp://localhost:2376`. A context
//! has TLS when it has material under `contexts/tls/<hash>/docker/` or
//! `SkipTLSVerify` in its meta; only then.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::tls::TlsFiles;

pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// The docker CLI's host when TLS is asked for and no host is named.
pub const DEFAULT_TLS_HOST: &str = "tcp://localhost:2376";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub host: String,
    /// `--docker-host`, `DOCKER_HOST`, `context NAME`, `default`.
    pub source: String,
    /// TLS on a `tcp://` host, and its material.
    pub tls: Option<TlsFiles>,
}

/// What resolution reads from the environment (injectable for tests).
pub struct Env<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub home: Option<PathBuf>,
}

impl Env<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.var)(name).filter(|v| !v.is_empty())
    }
}

pub fn live_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub fn resolve(flag: Option<&str>, env: &Env) -> Result<Resolved, String> {
    let config_dir = env
        .get("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env.home.as_ref().map(|h| h.join(".docker")));
    let verify = env.get("DOCKER_TLS_VERIFY").is_some();
    let tls_env = (verify || env.get("DOCKER_TLS").is_some()).then(|| {
        let dir = env
            .get("DOCKER_CERT_PATH")
            .map(PathBuf::from)
            .or_else(|| config_dir.clone())
            .unwrap_or_default();
        TlsFiles::in_dir(&dir, verify)
    });
    if let Some(h) = flag.filter(|h| !h.is_empty()) {
        return Ok(Resolved {
            host: h.to_owned(),
            source: "--docker-host".into(),
            tls: tls_env,
        });
    }
    if let Some(h) = env.get("DOCKER_HOST") {
        return Ok(Resolved {
            host: h,
            source: "DOCKER_HOST".into(),
            tls: tls_env,
        });
    }
    let context = match env.get("DOCKER_CONTEXT") {
        Some(c) => Some((c, "DOCKER_CONTEXT")),
        None => config_dir
            .as_deref()
            .and_then(current_context)
            .map(|c| (c, "config.json")),
    };
    match (context, config_dir) {
        (Some((name, _)), _) if name == "default" => Ok(default_host(tls_env)),
        (Some((name, from)), Some(dir)) => context_host(&dir, &name, from),
        (Some((name, from)), None) => Err(format!(
            "docker context '{name}' (from {from}): no docker config directory (set HOME or DOCKER_CONFIG)"
        )),
        (None, _) => Ok(default_host(tls_env)),
    }
}

fn default_host(tls: Option<TlsFiles>) -> Resolved {
    Resolved {
        host: if tls.is_some() {
            DEFAULT_TLS_HOST
        } else {
            DEFAULT_HOST
        }
        .into(),
        source: "default".into(),
        tls,
    }
}

fn current_context(config_dir: &Path) -> Option<String> {
    #[derive(Deserialize)]
    struct Config {
        #[serde(rename = "currentContext", default)]
        current_context: Option<String>,
    }
    let bytes = crate::probe::bounded::bytes(
        &config_dir.join("config.json"),
        crate::probe::bounded::MAX_CONFIG,
    )
    .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    serde_json::from_str::<Config>(&text)
        .ok()?
        .current_context
        .filter(|c| !c.is_empty())
}

pub fn context_dir_name(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn context_host(config_dir: &Path, name: &str, from: &str) -> Result<Resolved, String> {
    #[derive(Deserialize)]
    struct Meta {
        #[serde(rename = "Endpoints")]
        endpoints: Endpoints,
    }
    #[derive(Deserialize)]
    struct Endpoints {
        docker: Option<DockerEndpoint>,
    }
    #[derive(Deserialize)]
    struct DockerEndpoint {
        #[serde(rename = "Host")]
        host: Option<String>,
        #[serde(rename = "SkipTLSVerify", default)]
        skip_tls_verify: bool,
    }
    let hash = context_dir_name(name);
    let meta = config_dir
        .join("contexts/meta")
        .join(&hash)
        .join("meta.json");
    let text = crate::probe::bounded::text(&meta, crate::probe::bounded::MAX_CONFIG)
        .map_err(|e| format!("docker context '{name}' (from {from}): cannot read {e}"))?;
    let parsed: Meta = serde_json::from_str(&text).map_err(|e| {
        format!(
            "docker context '{name}': {} is not a context: {e}",
            meta.display()
        )
    })?;
    let skip_verify = parsed
        .endpoints
        .docker
        .as_ref()
        .is_some_and(|d| d.skip_tls_verify);
    let host = parsed
        .endpoints
        .docker
        .and_then(|d| d.host)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            format!(
                "docker context '{name}': {} has no Endpoints.docker.Host",
                meta.display()
            )
        })?;
    // TLS material for a context lives beside its meta, under contexts/tls/<hash>/docker.
    let tls_dir = config_dir.join("contexts/tls").join(&hash).join("docker");
    let tls = (tls_dir.is_dir() || skip_verify).then(|| TlsFiles::in_dir(&tls_dir, !skip_verify));
    Ok(Resolved {
        host,
        source: format!("context {name}"),
        tls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve_with(flag: Option<&str>, vars: &[(&str, &str)], home: Option<&Path>) -> Resolved {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let var = move |k: &str| map.get(k).cloned();
        resolve(
            flag,
            &Env {
                var: &var,
                home: home.map(Path::to_path_buf),
            },
        )
        .unwrap()
    }

    fn write_context(config: &Path, name: &str, host: &str) {
        let dir = config.join("contexts/meta").join(context_dir_name(name));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("meta.json"),
            format!(r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#),
        )
        .unwrap();
    }

    #[test]
    fn context_hash_is_sha256_of_the_name() {
        // `docker context create rootless` stores it under this directory.
        assert_eq!(
            context_dir_name("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }

    #[test]
    fn precedence() {
        let home = tempfile::tempdir().unwrap();
        let cfg = home.path().join(".docker");
        write_context(&cfg, "rootless", "unix:///run/user/1000/docker.sock");
        write_context(&cfg, "remote", "tcp://10.0.0.9:2375");
        std::fs::write(cfg.join("config.json"), r#"{"currentContext":"rootless"}"#).unwrap();
        let h = Some(home.path());

        let r = resolve_with(Some("unix:///x.sock"), &[("DOCKER_HOST", "tcp://a:1")], h);
        assert_eq!(
            (r.host.as_str(), r.source.as_str()),
            ("unix:///x.sock", "--docker-host")
        );
        let r = resolve_with(
            None,
            &[("DOCKER_HOST", "tcp://a:1"), ("DOCKER_CONTEXT", "remote")],
            h,
        );
        assert_eq!(r.source, "DOCKER_HOST");
        let r = resolve_with(None, &[("DOCKER_CONTEXT", "remote")], h);
        assert_eq!(
            (r.host.as_str(), r.source.as_str()),
            ("tcp://10.0.0.9:2375", "context remote")
        );
        let r = resolve_with(None, &[], h);
        assert_eq!(r.host, "unix:///run/user/1000/docker.sock");
        let r = resolve_with(None, &[("DOCKER_CONTEXT", "default")], h);
        assert_eq!(
            (r.host.as_str(), r.source.as_str()),
            (DEFAULT_HOST, "default")
        );
        let r = resolve_with(None, &[], None);
        assert_eq!(r.host, DEFAULT_HOST);
        // DOCKER_CONFIG replaces ~/.docker.
        let r = resolve_with(None, &[("DOCKER_CONFIG", cfg.to_str().unwrap())], None);
        assert_eq!(r.source, "context rootless");
    }

    #[test]
    fn tls_the_way_the_docker_cli_sets_it() {
        let home = tempfile::tempdir().unwrap();
        let h = Some(home.path());
        let certs = home.path().join("certs");
        std::fs::create_dir_all(&certs).unwrap();
        std::fs::write(certs.join("cert.pem"), "").unwrap();
        let dir = certs.to_str().unwrap();

        let r = resolve_with(
            None,
            &[
                ("DOCKER_HOST", "tcp://a:2376"),
                ("DOCKER_TLS_VERIFY", "1"),
                ("DOCKER_CERT_PATH", dir),
            ],
            h,
        );
        let t = r.tls.unwrap();
        assert!(t.verify);
        assert_eq!(t.ca, certs.join("ca.pem"));
        assert_eq!(
            t.client,
            Some((certs.join("cert.pem"), certs.join("key.pem")))
        );
        // Any non-empty value turns verification on, "0" too (os.Getenv != "").
        let r = resolve_with(Some("tcp://a:2376"), &[("DOCKER_TLS_VERIFY", "0")], h);
        assert!(r.tls.unwrap().verify);
        // DOCKER_TLS alone: TLS without verification; default files in ~/.docker.
        let r = resolve_with(
            None,
            &[("DOCKER_HOST", "tcp://a:2376"), ("DOCKER_TLS", "1")],
            h,
        );
        let t = r.tls.unwrap();
        assert!(!t.verify);
        assert_eq!(t.ca, home.path().join(".docker/ca.pem"));
        assert_eq!(t.client, None);
        // Port 2376 alone does not mean TLS: the CLI speaks plain HTTP there.
        let r = resolve_with(None, &[("DOCKER_HOST", "tcp://a:2376")], h);
        assert_eq!(r.tls, None);
        // TLS asked for and no host: tcp://localhost:2376.
        let r = resolve_with(None, &[("DOCKER_TLS_VERIFY", "1")], h);
        assert_eq!((r.host.as_str(), r.tls.is_some()), (DEFAULT_TLS_HOST, true));
    }

    #[test]
    fn context_tls_material() {
        let home = tempfile::tempdir().unwrap();
        let cfg = home.path().join(".docker");
        write_context(&cfg, "plain", "tcp://10.0.0.9:2375");
        write_context(&cfg, "secure", "tcp://10.0.0.9:2376");
        let tls = cfg
            .join("contexts/tls")
            .join(context_dir_name("secure"))
            .join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(tls.join(f), "").unwrap();
        }
        let h = Some(home.path());
        // A context ignores DOCKER_TLS_VERIFY: its own material decides.
        let r = resolve_with(
            None,
            &[("DOCKER_CONTEXT", "plain"), ("DOCKER_TLS_VERIFY", "1")],
            h,
        );
        assert_eq!(r.tls, None);
        let r = resolve_with(None, &[("DOCKER_CONTEXT", "secure")], h);
        let t = r.tls.unwrap();
        assert!(t.verify);
        assert_eq!(t.ca, tls.join("ca.pem"));
        assert_eq!(t.client, Some((tls.join("cert.pem"), tls.join("key.pem"))));
    }

    #[test]
    fn missing_context_is_explained() {
        let home = tempfile::tempdir().unwrap();
        let var = |k: &str| (k == "DOCKER_CONTEXT").then(|| "gone".to_owned());
        let e = resolve(
            None,
            &Env {
                var: &var,
                home: Some(home.path().to_path_buf()),
            },
        )
        .unwrap_err();
        assert!(
            e.contains("docker context 'gone'") && e.contains("meta.json"),
            "{e}"
        );
    }
}
