use crate::checks::{Check, Outcome};
use crate::facts::docker::ProbeOutcome;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.reachable",
    title: "Docker daemon answers",
    explain: "Asks the Docker Engine API directly (not the docker CLI): --docker-host, else DOCKER_HOST, \
else the current docker context (DOCKER_CONTEXT, then currentContext in ~/.docker/config.json, whose \
endpoint is in ~/.docker/contexts/meta/<sha256 of the name>/meta.json), else \
unix:///var/run/docker.sock. It negotiates the API version with GET /_ping, then reads GET /version \
and GET /info concurrently, all within --timeout (5 s). No socket, permission denied, a refused \
connection, a daemon that does not answer in time, or a garbled answer each get their own remedy. \
ssh:// and TLS endpoints are not supported yet.",
    sources: &[
        "Docker Engine API reference: /_ping (API-Version header), /version, /info",
        "docker/cli cli/context/store (context meta stored under contexts/meta/<sha256(name)>)",
        "Docker docs: Linux post-installation steps (docker group); rootless mode ($XDG_RUNTIME_DIR/docker.sock)",
    ],
    run,
};

fn run(f: &Facts) -> Outcome {
    let Some(p) = &f.docker_probe else {
        return Outcome::skip("no docker facts (recorded without the docker probe)");
    };
    let ep = p.endpoint.as_deref().unwrap_or("?");
    let src = p.endpoint_source.as_deref().unwrap_or("?");
    let where_ = format!("endpoint: {ep} (from {src})");
    match p.outcome {
        ProbeOutcome::Skipped => {
            Outcome::skip(super::not_asked(p).unwrap_or("--no-docker: the daemon was not asked"))
        }
        ProbeOutcome::Ok => match &f.docker {
            Some(d) => Outcome::pass(format!(
                "{} {} answers at {} (API {}, requests used {})",
                d.engine.describe(),
                d.server_version,
                d.endpoint,
                d.api_version,
                d.negotiated_api_version
                    .as_deref()
                    .unwrap_or("unversioned paths"),
            ))
            .evidence(where_),
            None => Outcome::error("the docker probe reported success without facts"),
        },
        ProbeOutcome::Unreachable => {
            let (kind, msg) = p
                .error
                .as_ref()
                .map(|e| (e.kind.as_str(), e.message.as_str()))
                .unwrap_or(("connect", "unknown error"));
            unreachable(
                kind,
                msg,
                p.dockerd_path.as_deref(),
                p.rootless_socket.as_deref(),
            )
            .evidence(where_)
        }
    }
}

fn unreachable(kind: &str, msg: &str, dockerd: Option<&str>, rootless: Option<&str>) -> Outcome {
    match kind {
        "no_socket" | "refused" => {
            let o = Outcome::fail(format!("no Docker daemon answers: {msg}"));
            let o = match dockerd {
                Some(p) => o.evidence(format!("dockerd is installed at {p} but does not serve this socket")),
                None => o.evidence("dockerd was not found in PATH, /usr/sbin or /usr/local/sbin"),
            };
            if let Some(sock) = rootless {
                return o.fix_owned(
                    format!("A rootless daemon's socket exists at {sock}: point the doctor (and docker) at it."),
                    vec![format!("export DOCKER_HOST=unix://{sock}")],
                );
            }
            match dockerd {
                Some(_) => o.fix(
                    "Start the daemon (systemd hosts), or run it in the foreground to see why it does not start.",
                    &["sudo systemctl enable --now docker", "sudo dockerd   # without systemd: see its errors"],
                ),
                None => o.fix(
                    "Install Docker Engine (docs.docker.com/engine/install), or the distribution's package, then start it.",
                    &["sudo apt-get install docker.io   # Debian/Ubuntu; Fedora: sudo dnf install moby-engine", "sudo systemctl enable --now docker"],
                ),
            }
        }
        "permission_denied" => Outcome::fail(format!("the daemon's socket refuses this user: {msg}")).fix(
            "Join the docker group (root-equivalent), then log in again; or use a rootless daemon's socket \
at $XDG_RUNTIME_DIR/docker.sock.",
            &[
                "sudo usermod -aG docker \"$USER\" && newgrp docker",
                "export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock   # rootless daemon",
            ],
        ),
        "timeout" => Outcome::fail(format!("the daemon does not answer: {msg}")).fix(
            "The daemon accepted the connection but did not answer in time: it is hung or overloaded. \
Look at its log and restart it; raise --timeout only for a slow remote daemon.",
            &["sudo journalctl -u docker --since -10min", "sudo systemctl restart docker"],
        ),
        "unsupported_endpoint" => Outcome::warn(format!("cannot ask this daemon yet: {msg}")).fix(
            "The doctor speaks plain HTTP over unix:// and tcp:// only. Forward the remote socket over ssh \
and point the doctor at the local end.",
            &[
                "ssh -nNT -L /tmp/remote-docker.sock:/var/run/docker.sock user@host &",
                "sdctr-doctor --docker-host unix:///tmp/remote-docker.sock",
            ],
        ),
        "config" => Outcome::fail(format!("the docker configuration names no usable daemon: {msg}")).fix(
            "Pick an existing context, or name the daemon directly.",
            &["docker context ls", "docker context use default"],
        ),
        _ => Outcome::error(format!("the daemon's answer could not be used: {msg}")).fix(
            "Something answers on this endpoint, but not as the Docker Engine API does. Check that the \
endpoint is a Docker (or Podman) API socket and not a proxy that rewrites it.",
            &["curl -s --unix-socket /var/run/docker.sock http://localhost/_ping"],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{docker_host, unified_host, unreachable as down};

    #[test]
    fn table() {
        let cases = [
            (docker_host(), Status::Pass),
            (
                down("no_socket", "cannot connect to unix:///x: no such socket"),
                Status::Fail,
            ),
            (down("refused", "connection refused"), Status::Fail),
            (down("permission_denied", "permission denied"), Status::Fail),
            (
                down("timeout", "no complete answer within 5.0 s"),
                Status::Fail,
            ),
            (
                down("unsupported_endpoint", "ssh://h: not supported yet"),
                Status::Warn,
            ),
            (down("bad_answer", "not an HTTP answer"), Status::Error),
            (unified_host(), Status::Skip),
        ];
        for (facts, want) in cases {
            assert_eq!(run(&facts).status, want, "{:?}", facts.docker_probe);
        }
    }

    #[test]
    fn permission_denied_names_the_docker_group() {
        let o = run(&down("permission_denied", "permission denied"));
        let cmds = o.remediation.unwrap().commands.join("\n");
        assert!(
            cmds.contains("usermod -aG docker") && cmds.contains("XDG_RUNTIME_DIR/docker.sock")
        );
    }
}
