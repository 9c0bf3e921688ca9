use super::daemon;
use crate::checks::{Check, Outcome};
use crate::facts::docker::Engine;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.engine",
    title: "what the daemon is",
    explain:
        "Docker Engine, Docker Desktop (OperatingSystem \"Docker Desktop\" or Platform.Name), or \
Podman's Docker-compatible API (/version component \"Podman Engine\"). Podman runs systemd images \
natively with `podman run --systemd=always` (tmpfs, writable cgroup, SIGRTMIN+3 stop signal). \
Docker Desktop runs containers in its own VM: the host's cgroups do not matter, the VM's do \
(v2 since Desktop 4.3.0).",
    sources: &[
        "containers/podman pkg/api/handlers/compat/version.go (\"Podman Engine\")",
        "containers/podman docs/source/markdown/options/systemd.md",
        "moby#45303 (Desktop Platform.Name); docker/for-mac#6073 (Desktop 4.3.0 on v2)",
    ],
    run,
};

fn run(f: &Facts) -> Outcome {
    let d = match daemon(f) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let mut ev = vec![];
    if let Some(p) = &d.platform {
        ev.push(format!("/version Platform.Name: {p}"));
    }
    ev.push(format!(
        "/info OperatingSystem: {}, KernelVersion: {}",
        d.operating_system.as_deref().unwrap_or("?"),
        d.kernel_version.as_deref().unwrap_or("?")
    ));
    ev.extend(d.warnings.iter().map(|w| format!("daemon warning: {w}")));
    let o = match d.engine {
        Engine::Docker => Outcome::pass(format!(
            "Docker Engine {}{}",
            d.server_version,
            if d.rootless { " (rootless)" } else { "" }
        )),
        Engine::DockerDesktop => Outcome::pass(format!(
            "Docker Desktop: containers run in its VM ({}, cgroup v{})",
            d.kernel_version.as_deref().unwrap_or("kernel ?"),
            d.cgroup_version.as_deref().unwrap_or("?")
        )),
        Engine::Podman => Outcome::pass(format!(
            "Podman {} behind the Docker-compatible API",
            d.server_version
        ))
        .fix(
            "Podman runs systemd images natively; use it directly:",
            &["podman run --systemd=always IMAGE"],
        ),
    };
    o.evidence_all(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{docker_host, fixture_docker, unified_host, with_docker};

    #[test]
    fn table() {
        let desk = run(&with_docker(
            unified_host(),
            fixture_docker("desktop-29.4-linuxkit"),
        ));
        assert!(
            desk.message.contains("Docker Desktop") && desk.message.contains("linuxkit"),
            "{}",
            desk.message
        );
        let pod = run(&with_docker(
            unified_host(),
            fixture_docker("podman-3.2-version"),
        ));
        assert!(pod.remediation.unwrap().commands[0].contains("--systemd=always"));
        assert!(run(&docker_host())
            .message
            .starts_with("Docker Engine 20.10.24"));
        let desk_v = with_docker(unified_host(), fixture_docker("desktop-4.25-version"));
        assert_eq!(
            desk_v.docker.as_ref().unwrap().engine,
            Engine::DockerDesktop
        );
    }
}
