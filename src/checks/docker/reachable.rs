use crate::checks::{Check, Outcome};
use crate::facts::docker::ProbeOutcome;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "docker.reachable",
    title: "Docker daemon answers",
    explain: "Asks the Docker Engine API directly (not the docker CLI): --docker-host, else DOCKER_HOST, \
else the current docker context (DOCKER_CONTEXT, then currentContext in ~/.docker/config.json, whose \
endpoint is in ~/.docker/contexts/meta/<sha256 of the name>/meta.json), else \
unix:///var/run/docker.sock. tcp:// endpoints use TLS as the docker CLI does: DOCKER_TLS_VERIFY \
(the daemon verified against ca.pem) or DOCKER_TLS, with ca.pem, cert.pem and key.pem from \
DOCKER_CERT_PATH (default ~/.docker), or a context's TLS material; ssh://[user@]host[:port] endpoints \
run `ssh -T -o BatchMode=yes … HOST docker system dial-stdio` per connection. It negotiates the API \
version with GET /_ping, then reads GET /version and GET /info concurrently, all within --timeout \
(5 s). An endpoint that cannot be asked always fails, in any mode: no socket, permission denied, a \
refused connection, a failed TLS handshake or ssh login, an endpoint kind the doctor cannot speak, a \
daemon that does not answer in time each get their own remedy; a garbled answer is an error.",
    sources: &[
        "Docker Engine API reference: /_ping (API-Version header), /version, /info",
        "docker/cli cli/context/store (context meta stored under contexts/meta/<sha256(name)>)",
        "docker/cli cli/flags/options.go (DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH) and cli/connhelper (ssh … docker system dial-stdio)",
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
        // A CI job must not pass without a daemon check: never a warning.
        "unsupported_endpoint" => Outcome::fail(format!("cannot ask this daemon: {msg}")).fix(
            "The doctor speaks to unix://, tcp:// (with TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH) \
and ssh:// endpoints, as the docker CLI does on Linux. Name one of those.",
            &[
                "export DOCKER_HOST=ssh://user@host   # or tcp://host:2376 with DOCKER_TLS_VERIFY=1",
                "docker context ls",
            ],
        ),
        "tls" => Outcome::fail(format!("no TLS session with the daemon: {msg}")).fix(
            "ca.pem must be the CA that signed the daemon's certificate, which must name the host you connect \
to (subjectAltName DNS or IP); cert.pem and key.pem must be a client certificate signed by the daemon's \
--tlscacert. Try the same material with the docker CLI and openssl.",
            &[
                "docker --tlsverify -H \"$DOCKER_HOST\" version",
                "openssl verify -CAfile \"$DOCKER_CERT_PATH/ca.pem\" \"$DOCKER_CERT_PATH/cert.pem\"",
            ],
        ),
        "ssh" => Outcome::fail(format!("no answer over ssh: {msg}")).fix(
            "The doctor runs ssh with BatchMode=yes (no prompts): the host key must be known and the key \
usable without a passphrase prompt (ssh-agent). On the remote host the docker CLI (18.09 or newer) must \
be in PATH and the user allowed to use the daemon's socket.",
            &[
                "ssh -o BatchMode=yes user@host docker version",
                "ssh-add   # load the key into ssh-agent",
            ],
        ),
        "config" => Outcome::fail(format!("the docker configuration names no usable daemon: {msg}")).fix(
            "Pick an existing context, or name the daemon directly.",
            &["docker context ls", "docker context use default"],
        ),
        // dockerd's answer to plain HTTP on its --tlsverify port.
        "bad_answer" if msg.contains("HTTP request to an HTTPS server") => {
            Outcome::fail(format!("the daemon speaks TLS on this port: {msg}")).fix(
                "Ask it over TLS, as the docker CLI would: DOCKER_TLS_VERIFY=1 and the directory with \
ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH.",
                &["export DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=~/.docker"],
            )
        }
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
                down("unsupported_endpoint", "npipe:////./pipe/x: not supported"),
                Status::Fail,
            ),
            (
                down("tls", "invalid peer certificate: UnknownIssuer"),
                Status::Fail,
            ),
            (down("ssh", "Permission denied (publickey)."), Status::Fail),
            (down("bad_answer", "not an HTTP answer"), Status::Error),
            (
                down(
                    "bad_answer",
                    "GET /_ping: the daemon answered 400 Bad Request: Client sent an HTTP request to an HTTPS server.",
                ),
                Status::Fail,
            ),
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
