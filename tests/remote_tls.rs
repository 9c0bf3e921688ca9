//! A real dockerd listening with `--tlsverify` on 127.0.0.1, certificates
//! made here by the openssl CLI: the doctor reaches it the three ways the
//! docker CLI does (DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH,
//! `--docker-host`, a context made by `docker context create`), and every
//! broken setup (wrong CA, no client certificate, plain HTTP) fails the run,
//! also under `--strict` and CI=true. Needs root, dockerd and openssl.

mod common;

use std::process::Command;

use common::daemon::{cannot_start, ExtraDaemon};
use common::pki::{free_port, make_pki};
use common::{can_run, check, doctor, status_of};
use serde_json::Value;

/// Environment variables for one run.
type Env<'a> = &'a [(&'a str, &'a str)];

/// The doctor asked only whether the daemon answers: (exit code, document).
fn reachable(env: &[(&str, &str)], args: &[&str]) -> (i32, Value) {
    let mut c = doctor();
    for v in [
        "DOCKER_HOST",
        "DOCKER_TLS_VERIFY",
        "DOCKER_TLS",
        "DOCKER_CERT_PATH",
        "DOCKER_CONTEXT",
        "DOCKER_CONFIG",
        "CI",
    ] {
        c.env_remove(v);
    }
    let out = c
        .envs(env.iter().copied())
        .args([
            "--json",
            "--no-redact",
            "--only",
            "docker.reachable",
            "--timeout",
            "10",
        ])
        .args(args)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), doc)
}

fn error_kind(doc: &Value) -> &str {
    doc["facts"]["docker_probe"]["error"]["kind"]
        .as_str()
        .unwrap_or("")
}

#[test]
fn a_tls_daemon_is_reached_and_broken_tls_fails() {
    let why = cannot_start().or_else(|| {
        Command::new("openssl")
            .arg("version")
            .output()
            .is_err()
            .then(|| "openssl is not installed".into())
    });
    if !can_run(why) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let good = make_pki(tmp.path(), "good").unwrap();
    let other = make_pki(tmp.path(), "other").unwrap();
    let port = free_port();
    let s = |p: &str| good.join(p).display().to_string();
    let d = ExtraDaemon::start_with(
        "tls",
        19,
        r#"{"storage-driver": "fuse-overlayfs"}"#,
        false,
        &[
            "--tlsverify".into(),
            "--tlscacert".into(),
            s("ca.pem"),
            "--tlscert".into(),
            s("server-cert.pem"),
            "--tlskey".into(),
            s("server-key.pem"),
            "-H".into(),
            format!("tcp://127.0.0.1:{port}"),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (_, version) = d.docker(&["version", "--format", "{{.Server.Version}}"]);
    let version = version.trim().to_owned();
    let host = format!("tcp://127.0.0.1:{port}");
    let good_dir = good.display().to_string();
    let other_dir = other.display().to_string();

    // DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: verified, client certificate.
    let env = [
        ("DOCKER_HOST", host.as_str()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", good_dir.as_str()),
    ];
    let (code, doc) = reachable(&env, &[]);
    assert_eq!(status_of(&doc, "docker.reachable"), "pass", "{doc:#}");
    assert_eq!(code, 0);
    assert_eq!(doc["facts"]["docker"]["server_version"], version.as_str());
    assert_eq!(
        doc["facts"]["docker"]["endpoint"],
        format!("{host} (TLS, daemon verified)")
    );
    // The name in the daemon's certificate is checked: localhost is in it too.
    let by_name = format!("tcp://localhost:{port}");
    let (code, doc) = reachable(
        &[("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", &good_dir)],
        &["--docker-host", &by_name],
    );
    assert_eq!((code, error_kind(&doc)), (0, ""), "{doc:#}");

    // A context made by the docker CLI itself, its TLS material in the context store.
    let config = tmp.path().join("docker-config");
    let out = Command::new("docker")
        .arg("--config")
        .arg(&config)
        .args(["context", "create", "sdctr-tls", "--docker"])
        .arg(format!(
            "host={host},ca={},cert={},key={}",
            s("ca.pem"),
            s("cert.pem"),
            s("key.pem")
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config_dir = config.display().to_string();
    let (code, doc) = reachable(
        &[
            ("DOCKER_CONFIG", &config_dir),
            ("DOCKER_CONTEXT", "sdctr-tls"),
        ],
        &[],
    );
    assert_eq!((code, error_kind(&doc)), (0, ""), "{doc:#}");
    assert_eq!(
        doc["facts"]["docker_probe"]["endpoint_source"],
        "context sdctr-tls"
    );

    // DOCKER_TLS without DOCKER_TLS_VERIFY: TLS, the daemon not verified (ca.pem of another CA ignored).
    let mixed = tmp.path().join("mixed");
    std::fs::create_dir_all(&mixed).unwrap();
    std::fs::copy(other.join("ca.pem"), mixed.join("ca.pem")).unwrap();
    std::fs::copy(good.join("cert.pem"), mixed.join("cert.pem")).unwrap();
    std::fs::copy(good.join("key.pem"), mixed.join("key.pem")).unwrap();
    let mixed_dir = mixed.display().to_string();
    let (code, doc) = reachable(
        &[
            ("DOCKER_HOST", &host),
            ("DOCKER_TLS", "1"),
            ("DOCKER_CERT_PATH", &mixed_dir),
        ],
        &[],
    );
    assert_eq!((code, error_kind(&doc)), (0, ""), "{doc:#}");
    assert!(doc["facts"]["docker"]["endpoint"]
        .as_str()
        .unwrap()
        .ends_with("(TLS, daemon not verified)"));

    // Broken setups fail the run, in every mode: the CA that did not sign the
    // daemon's certificate, no client certificate, and no TLS at all.
    let no_client = tmp.path().join("no-client");
    std::fs::create_dir_all(&no_client).unwrap();
    std::fs::copy(good.join("ca.pem"), no_client.join("ca.pem")).unwrap();
    let no_client_dir = no_client.display().to_string();
    let cases: [(Env, &str, &str); 3] = [
        (
            &[
                ("DOCKER_HOST", &host),
                ("DOCKER_TLS_VERIFY", "1"),
                ("DOCKER_CERT_PATH", &other_dir),
            ],
            "tls",
            "UnknownIssuer",
        ),
        (
            &[
                ("DOCKER_HOST", &host),
                ("DOCKER_TLS_VERIFY", "1"),
                ("DOCKER_CERT_PATH", &no_client_dir),
            ],
            "tls",
            "alert",
        ),
        (&[("DOCKER_HOST", &host)], "bad_answer", "HTTPS server"),
    ];
    for (env, kind, words) in cases {
        for (extra_env, args) in [
            (None, &[][..]),
            (None, &["--strict"][..]),
            (Some(("CI", "true")), &[][..]),
        ] {
            let mut env = env.to_vec();
            env.extend(extra_env);
            let (code, doc) = reachable(&env, args);
            let c = check(&doc, "docker.reachable");
            assert_eq!(code, 1, "{env:?} {args:?}: {c:#}");
            assert_eq!(error_kind(&doc), kind, "{env:?}: {c:#}");
            assert_eq!(c["status"], "fail", "{c:#}");
            assert!(
                c["message"].as_str().unwrap().contains(words),
                "{env:?}: {c:#}"
            );
        }
    }
    drop(d);
}
