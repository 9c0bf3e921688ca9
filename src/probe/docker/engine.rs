//! From the daemon's `/version` and `/info` JSON (and its process) to [`DockerFacts`].
//! Pure: the fixtures in fixtures/docker/ go through the same functions.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::facts::docker::*;
use crate::facts::version::lenient;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct VersionJson {
    pub version: Option<String>,
    pub api_version: Option<String>,
    #[serde(rename = "MinAPIVersion")]
    pub min_api_version: Option<String>,
    pub kernel_version: Option<String>,
    pub platform: Option<PlatformJson>,
    pub components: Option<Vec<ComponentJson>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct PlatformJson {
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ComponentJson {
    pub name: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct InfoJson {
    pub server_version: Option<String>,
    pub operating_system: Option<String>,
    pub kernel_version: Option<String>,
    pub cgroup_version: Option<String>,
    pub cgroup_driver: Option<String>,
    pub security_options: Option<Vec<String>>,
    pub default_runtime: Option<String>,
    pub runtimes: Option<BTreeMap<String, serde_json::Value>>,
    pub init_binary: Option<String>,
    pub warnings: Option<Vec<String>>,
    pub memory_limit: Option<bool>,
    pub pids_limit: Option<bool>,
    pub cpu_cfs_quota: Option<bool>,
    #[serde(rename = "CPUShares")]
    pub cpu_shares: Option<bool>,
    #[serde(rename = "CPUSet")]
    pub cpu_set: Option<bool>,
}

/// Where the daemon is and how it was asked.
pub(crate) struct Context {
    pub endpoint: String,
    pub local: bool,
    pub negotiated_api_version: Option<String>,
    pub daemon_process: Option<DaemonProcess>,
}

/// A daemon's recorded answers (`version.json`, `info.json` in `dir`; `{}`
/// for one not recorded), as a local daemon at the default socket whose
/// process is `process`: the fixtures the tests and the fuzz targets judge.
pub(crate) fn recorded(dir: &std::path::Path, process: DaemonProcess) -> DockerFacts {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_else(|_| "{}".into());
    facts(
        serde_json::from_str(&read("version.json")).expect("recorded version.json"),
        serde_json::from_str(&read("info.json")).expect("recorded info.json"),
        Context {
            endpoint: "unix:///var/run/docker.sock".into(),
            local: true,
            negotiated_api_version: None,
            daemon_process: Some(process),
        },
    )
}

pub(crate) fn facts(v: VersionJson, i: InfoJson, ctx: Context) -> DockerFacts {
    let components: Vec<Component> = v
        .components
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| {
            Some(Component {
                name: c.name?,
                version: c.version.unwrap_or_default(),
            })
        })
        .collect();
    let platform = v.platform.and_then(|p| p.name).filter(|n| !n.is_empty());
    let security_options = i.security_options.unwrap_or_default();
    let security = security(&security_options);
    let engine = engine(
        &components,
        platform.as_deref(),
        i.operating_system.as_deref(),
    );
    let server_version = v
        .version
        .or(i.server_version)
        .unwrap_or_else(|| "unknown".to_owned());
    let rootless = security.rootless;
    let (privileged_possible, privileged_reason) = privileged(
        engine,
        &server_version,
        ctx.local,
        ctx.daemon_process.as_ref(),
    );
    DockerFacts {
        endpoint: ctx.endpoint,
        local: ctx.local,
        engine,
        server_version,
        api_version: v.api_version.unwrap_or_else(|| "unknown".to_owned()),
        min_api_version: v.min_api_version,
        negotiated_api_version: ctx.negotiated_api_version,
        platform,
        components,
        operating_system: i.operating_system,
        kernel_version: i.kernel_version.or(v.kernel_version),
        cgroup_version: i.cgroup_version.filter(|c| !c.is_empty()),
        cgroup_driver: i.cgroup_driver.filter(|c| !c.is_empty()),
        security_options,
        security,
        rootless,
        default_runtime: i.default_runtime,
        runtimes: i.runtimes.unwrap_or_default().into_keys().collect(),
        init_binary: i.init_binary.filter(|b| !b.is_empty()),
        limits: Limits {
            memory: i.memory_limit.unwrap_or(false),
            pids: i.pids_limit.unwrap_or(false),
            cpu_cfs_quota: i.cpu_cfs_quota.unwrap_or(false),
            cpu_shares: i.cpu_shares.unwrap_or(false),
            cpuset: i.cpu_set.unwrap_or(false),
        },
        warnings: i.warnings.unwrap_or_default(),
        daemon_process: ctx.daemon_process,
        privileged_possible,
        privileged_reason,
        config: None,
    }
}

/// moby `daemon/info_unix.go` fillSecurityOptions: `name=X[,key=value...]`.
pub(crate) fn security(options: &[String]) -> Security {
    let mut s = Security::default();
    for opt in options {
        let mut name = "";
        let mut profile = None;
        for kv in opt.split(',') {
            match kv.split_once('=') {
                Some(("name", v)) => name = v,
                Some(("profile", v)) => profile = Some(v.to_owned()),
                _ => {}
            }
        }
        match name {
            "apparmor" => s.apparmor = true,
            "selinux" => s.selinux = true,
            "seccomp" => s.seccomp_profile = Some(profile.unwrap_or_else(|| "default".into())),
            "userns" => s.userns = true,
            "rootless" => s.rootless = true,
            "cgroupns" => s.cgroupns_private = true,
            "no-new-privileges" => s.no_new_privileges = true,
            _ => {}
        }
    }
    s
}

/// Podman's compat `/version` names its component "Podman Engine"; Desktop
/// says so in Platform.Name (API >= 1.35) or OperatingSystem.
pub(crate) fn engine(components: &[Component], platform: Option<&str>, os: Option<&str>) -> Engine {
    if components.iter().any(|c| c.name == "Podman Engine") {
        Engine::Podman
    } else if platform.is_some_and(|p| p.contains("Docker Desktop"))
        || os.is_some_and(|o| o.contains("Docker Desktop"))
    {
        Engine::DockerDesktop
    } else {
        Engine::Docker
    }
}

use super::activation::DAEMON_COMMS;

/// Can a `--privileged` container start? Docker up to 20.10 asks runc for every
/// capability the kernel knows, so a daemon whose bounding set lacks one fails
/// with "unable to apply caps: operation not permitted" (moby#42906, verified on
/// the development machine with 20.10.24). moby PR #42933 (merged Oct 2021, in
/// 23.0) and Podman (containers/common#481) grant only what the daemon has.
pub(crate) fn privileged(
    engine: Engine,
    server_version: &str,
    local: bool,
    process: Option<&DaemonProcess>,
) -> (Option<bool>, String) {
    if engine == Engine::DockerDesktop {
        return (
            None,
            "the daemon runs in Docker Desktop's VM; the socket is served by Desktop's proxy"
                .into(),
        );
    }
    if !local {
        return (
            None,
            "the daemon is not on a local unix socket: its capabilities cannot be read".into(),
        );
    }
    let Some(p) = process else {
        return (
            None,
            "the socket did not say which process serves it (SO_PEERCRED)".into(),
        );
    };
    if let Some(e) = &p.error {
        return (None, format!("cannot read the daemon's process: {e}"));
    }
    let comm = p.comm.as_deref().unwrap_or("?");
    if !DAEMON_COMMS.contains(&comm) {
        return (
            None,
            format!("the socket is served by `{comm}`, not the daemon itself"),
        );
    }
    let bnd = p.bounding_set.as_deref().unwrap_or("?");
    if p.missing_caps.is_empty() {
        return (
            Some(true),
            format!("{comm} has every capability this kernel knows (CapBnd {bnd})"),
        );
    }
    let missing = p.missing_caps.join(", ");
    let grants_available =
        engine == Engine::Podman || lenient(server_version).is_some_and(|v| v.major >= 23);
    if grants_available {
        (
            Some(true),
            format!(
                "{comm} lacks {missing} (CapBnd {bnd}); this {} version gives --privileged \
containers only the capabilities it has, so they start without {missing}",
                engine.describe()
            ),
        )
    } else {
        (
            Some(false),
            format!(
                "{comm} lacks {missing} (CapBnd {bnd}); Docker {server_version} asks runc for every \
capability the kernel knows, so --privileged containers fail: \"unable to apply caps: operation not permitted\""
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc_missing(missing: &[&str]) -> DaemonProcess {
        DaemonProcess {
            comm: Some("dockerd".into()),
            bounding_set: Some("000001fffeffffff".into()),
            missing_caps: missing.iter().map(|s| (*s).to_owned()).collect(),
            ..DaemonProcess::new(Some(1420), 0)
        }
    }

    #[test]
    fn privileged_by_version_and_caps() {
        let lacking = proc_missing(&["CAP_SYS_RESOURCE"]);
        let full = proc_missing(&[]);
        let p = |e, v, local, proc: Option<&DaemonProcess>| privileged(e, v, local, proc).0;
        assert_eq!(
            p(Engine::Docker, "20.10.24+dfsg1", true, Some(&lacking)),
            Some(false)
        );
        assert_eq!(
            p(Engine::Docker, "28.2.2", true, Some(&lacking)),
            Some(true)
        );
        assert_eq!(p(Engine::Podman, "4.9.3", true, Some(&lacking)), Some(true));
        assert_eq!(
            p(Engine::Docker, "20.10.24+dfsg1", true, Some(&full)),
            Some(true)
        );
        assert_eq!(p(Engine::Docker, "20.10.24", false, None), None);
        assert_eq!(p(Engine::DockerDesktop, "28.0.1", true, Some(&full)), None);
        let mut proxy = full.clone();
        proxy.comm = Some("socat".into());
        assert_eq!(p(Engine::Docker, "28.0.1", true, Some(&proxy)), None);
        let reason = privileged(Engine::Docker, "20.10.24+dfsg1", true, Some(&lacking)).1;
        assert!(reason.contains("unable to apply caps"), "{reason}");
    }

    #[test]
    fn security_options() {
        let s = security(&[
            "name=apparmor".into(),
            "name=seccomp,profile=builtin".into(),
            "name=rootless".into(),
            "name=cgroupns".into(),
        ]);
        assert!(s.apparmor && s.rootless && s.cgroupns_private && !s.selinux && !s.userns);
        assert_eq!(s.seccomp_profile.as_deref(), Some("builtin"));
    }
}
