//! Redaction by default: distinctive secrets fed through every input the
//! doctor reads (run line, compose file, a captured host, a daemon's
//! answers, a container) never come out of `--json`, and do with
//! `--no-redact`. To cover another format (Markdown, a bundle), add it to
//! [`FORMATS`]: every test below then checks it too.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use common::{copy_fixture, doctor, fixture};

/// The output formats checked: the flags that select one.
const FORMATS: &[&[&str]] = &[&["--json"], &["--format", "markdown"]];

/// The doctor's stdout with `args` and `extra`; any exit code but 2.
fn stdout(args: &[&str], extra: &[&str]) -> String {
    let out = doctor().args(extra).args(args).output().unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{args:?} {extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// For each format: none of `secrets` appears by default, each appears
/// with `--no-redact` (when `shown` says it is a fact the output carries).
fn assert_redacted(args: &[&str], secrets: &[&str], shown: &[&str]) {
    for format in FORMATS {
        let out = stdout(args, format);
        for s in secrets {
            assert!(
                !out.contains(s),
                "{format:?} {args:?}: {s:?} leaked:\n{out}"
            );
        }
        assert!(out.contains("<redacted"), "{format:?}: no marker:\n{out}");
        let raw = stdout(args, &[format, &["--no-redact"][..]].concat());
        for s in shown {
            assert!(
                raw.contains(s),
                "{format:?} --no-redact {args:?}: {s:?} missing:\n{raw}"
            );
        }
    }
}

/// The verdict and every check's status, redacted or not: the same.
fn assert_same_verdict(args: &[&str]) {
    let doc = |extra: &[&str]| -> serde_json::Value {
        serde_json::from_str(&stdout(args, &[&["--json"], extra].concat())).unwrap()
    };
    let statuses = |d: &serde_json::Value| {
        let checks: Vec<(String, String)> = common::statuses(d);
        (d["verdict"].clone(), d["summary"].clone(), checks)
    };
    assert_eq!(
        statuses(&doc(&[])),
        statuses(&doc(&["--no-redact"])),
        "{args:?}"
    );
}

const RUN_SECRETS: &[&str] = &[
    "S3cretDbPass",
    "tok-EnvLong-9",
    "OwnerSecret7",
    "secret-ctname",
    "secret-hostname",
    "secret-db.internal",
    "10.77.1.2",
    "172.30.9.9",
    "secretuser",
];

fn run_line() -> Vec<&'static str> {
    vec![
        "lint",
        "--",
        "docker",
        "run",
        "-d",
        "--name",
        "secret-ctname",
        "--hostname",
        "secret-hostname",
        "-e",
        "DB_PASSWORD=S3cretDbPass",
        "--env=API_TOKEN=tok-EnvLong-9",
        "--label",
        "owner=OwnerSecret7",
        "--add-host",
        "secret-db.internal:10.77.1.2",
        "--ip",
        "172.30.9.9",
        "-v",
        "/home/secretuser/data:/data",
        "-e",
        "container=docker",
        "--init",
        "debian:12",
        "/sbin/init",
    ]
}

#[test]
fn run_line_values_are_redacted() {
    let root = fixture("debian12-v2");
    let mut args = vec!["--root", root.to_str().unwrap(), "--no-docker"];
    args.extend(run_line());
    assert_redacted(&args, RUN_SECRETS, RUN_SECRETS);
    assert_same_verdict(&args);
    // What the checks read stays: `container=` and the shape of the line.
    let out = stdout(&args, &["--json"]);
    for kept in [
        "container=docker",
        "DB_PASSWORD=<redacted>",
        "/home/<user>/data:/data",
    ] {
        assert!(out.contains(kept), "{kept} missing:\n{out}");
    }
}

#[test]
fn compose_environment_and_labels_are_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yml");
    std::fs::write(
        &file,
        [
            "services:",
            "  app:",
            "    image: debian:12",
            "    command: /sbin/init",
            "    hostname: secret-hostname",
            "    container_name: secret-ctname",
            "    environment:",
            "      DB_PASSWORD: S3cretDbPass",
            "      container: docker",
            "    labels:",
            "      - owner=OwnerSecret7",
            "    extra_hosts:",
            "      - \"secret-db.internal:10.77.1.2\"",
            "    volumes:",
            "      - /home/secretuser/data:/data",
            "    tmpfs: [/run, /run/lock]",
            "  worker:",
            "    image: debian:12",
            "    command: /sbin/init",
            "    environment: [API_TOKEN=tok-EnvLong-9]",
            "",
        ]
        .join("\n"),
    )
    .unwrap();
    let root = fixture("debian12-v2");
    let args = [
        "--root",
        root.to_str().unwrap(),
        "--no-docker",
        "lint",
        "--compose",
        file.to_str().unwrap(),
    ];
    let secrets = [
        "S3cretDbPass",
        "tok-EnvLong-9",
        "OwnerSecret7",
        "secret-ctname",
        "secret-hostname",
        "secret-db.internal",
        "10.77.1.2",
        "secretuser",
    ];
    assert_redacted(&args, &secrets, &secrets);
    assert_same_verdict(&args);
    // The services stay named: they tell the sections apart.
    let out = stdout(&args, &["--json"]);
    assert!(
        out.contains("\"name\": \"app\"") && out.contains("\"name\": \"worker\""),
        "{out}"
    );
}

#[test]
fn a_captured_hosts_command_line_keeps_only_the_cgroup_switches() {
    let host = copy_fixture("centos7-legacy");
    let cmdline = host.path().join("proc/cmdline");
    let text = std::fs::read_to_string(&cmdline).unwrap();
    std::fs::write(
        &cmdline,
        format!(
            "{} ip=10.66.5.4::10.66.5.1:255.255.255.0:secret-machine:eth0:off nfsroot=10.66.5.1:/home/secretuser/root \
systemd.unified_cgroup_hierarchy=0 cgroup_no_v1=all\n",
            text.trim()
        ),
    )
    .unwrap();
    // Not read by any probe today; here so a future one is covered.
    for f in ["etc/hostname", "proc/sys/kernel/hostname"] {
        let p = host.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "secret-machine\n").unwrap();
    }
    let args = ["--root", host.path().to_str().unwrap(), "--no-docker"];
    let secrets = [
        "secret-machine",
        "10.66.5.4",
        "10.66.5.1",
        "secretuser",
        "rd.lvm.lv=centos",
    ];
    assert_redacted(&args, &secrets, &secrets);
    assert_same_verdict(&args);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&args, &["--json"])).unwrap();
    let raw = doc["facts"]["host"]["cmdline"]["raw"].as_str().unwrap();
    assert!(
        raw.ends_with("systemd.unified_cgroup_hierarchy=0 cgroup_no_v1=all"),
        "{raw}"
    );
    assert_eq!(common::status_of(&doc, "host.cmdline"), "warn");
}

/// A "daemon" on a unix socket answering with a recorded `/version` and
/// `/info` whose host name, proxies, mirrors and labels hold secrets.
fn fake_daemon(dir: &Path) -> PathBuf {
    let recorded = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docker/devvm-hybrid-20.10");
    let version = std::fs::read_to_string(recorded.join("version.json")).unwrap();
    let mut info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(recorded.join("info.json")).unwrap())
            .unwrap();
    info["Name"] = "secret-daemon-host".into();
    info["HttpProxy"] = "http://proxyuser:ProxyPassSecret@secret-proxy.corp:3128".into();
    info["HttpsProxy"] = "http://proxyuser:ProxyPassSecret@secret-proxy.corp:3128".into();
    info["NoProxy"] = "secret-noproxy.corp".into();
    info["Labels"] = serde_json::json!(["owner=OwnerSecret7"]);
    info["RegistryConfig"] = serde_json::json!({
        "Mirrors": ["https://mirroruser:MirrorPassSecret@secret-mirror.corp/"],
        "IndexConfigs": {}
    });
    info["Warnings"] = serde_json::json!([
        "WARNING: API is accessible on http://10.88.0.5:2375 without encryption."
    ]);
    let info = info.to_string();
    let path = dir.join("fake.sock");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let (version, info) = (version.clone(), info.clone());
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head);
                let path = line.split_whitespace().nth(1).unwrap_or("");
                let (status, body) = if path.ends_with("/_ping") {
                    ("200 OK", "OK".to_owned())
                } else if path.ends_with("/version") {
                    ("200 OK", version)
                } else if path.ends_with("/info") {
                    ("200 OK", info)
                } else if path.contains("/containers/json") {
                    ("200 OK", "[]".to_owned())
                } else {
                    ("404 Not Found", r#"{"message":"not here"}"#.to_owned())
                };
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    path
}

#[test]
fn a_daemons_proxies_mirrors_and_name_do_not_come_out() {
    let dir = tempfile::tempdir().unwrap();
    let sock = fake_daemon(dir.path());
    let host = format!("unix://{}", sock.display());
    let root = fixture("debian12-v2");
    let args = [
        "--root",
        root.to_str().unwrap(),
        "--docker-host",
        &host,
        "--timeout",
        "5",
    ];
    // The daemon answered (its checks ran on it).
    let doc: serde_json::Value = serde_json::from_str(&stdout(&args, &["--json"])).unwrap();
    assert_eq!(doc["facts"]["docker_probe"]["outcome"], "ok", "{doc}");
    let secrets = [
        "secret-daemon-host",
        "ProxyPassSecret",
        "secret-proxy.corp",
        "secret-noproxy.corp",
        "MirrorPassSecret",
        "secret-mirror.corp",
        "OwnerSecret7",
        "10.88.0.5",
    ];
    // Only the warning is a fact the report carries today.
    assert_redacted(&args, &secrets, &["10.88.0.5"]);
    assert_same_verdict(&args);
}

#[test]
fn a_remote_daemons_address_does_not_come_out() {
    let root = fixture("debian12-v2");
    let args = [
        "--root",
        root.to_str().unwrap(),
        "--docker-host",
        "tcp://127.0.0.1:1",
        "--timeout",
        "2",
    ];
    assert_redacted(&args, &["127.0.0.1"], &["127.0.0.1"]);
    assert_same_verdict(&args);
}

/// A created (never started) container with secrets in its settings.
#[test]
fn a_containers_name_env_labels_and_hostname_do_not_come_out() {
    if !common::can_run(common::docker(&["version"]).0.then_some(()).map_or(
        Some("the Docker daemon is not reachable".to_owned()),
        |_| None,
    )) {
        return;
    }
    let image = "sdctr-test/bookworm-systemd:latest";
    if !common::docker(&["image", "inspect", image]).0 {
        let why = format!("{image} is not built here (scripts/build-test-images.sh)");
        if common::in_ci() {
            panic!("{why}");
        }
        eprintln!("skipped: {why}");
        return;
    }
    let name = format!("sdctr-redact-secret-{}", std::process::id());
    let (ok, out) = common::docker(&[
        "create",
        "--name",
        &name,
        "--hostname",
        "secret-hostname",
        "-e",
        "DB_PASSWORD=S3cretDbPass",
        "-e",
        "container=docker",
        "--label",
        "owner=OwnerSecret7",
        "--add-host",
        "secret-db.internal:10.77.1.2",
        "-v",
        "/home/secretuser/data:/data",
        image,
    ]);
    assert!(ok, "docker create: {out}");
    struct Remove(String);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = common::docker(&["rm", "-f", &self.0]);
        }
    }
    let _guard = Remove(name.clone());
    let args = ["container", name.as_str(), "--only", "container,run"];
    let secrets = [
        name.as_str(),
        "S3cretDbPass",
        "OwnerSecret7",
        "secretuser",
        "secret-hostname",
    ];
    assert_redacted(&args, &secrets, &[name.as_str(), "secretuser"]);
    assert_same_verdict(&args);
    let out = stdout(&args, &["--json"]);
    assert!(out.contains("container=docker"), "{out}");
}

#[test]
fn molecule_env_hostname_and_hosts_are_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/molecule/two-platforms/molecule.yml"),
    )
    .unwrap();
    let text = text.replace(
        "    env:\n      container: docker\n",
        "    env:\n      container: docker\n      VAULT_TOKEN: MolSecretTok9\n    hostname: mol-secret-host\n    etc_hosts:\n      \"db.mol-secret\": 10.44.4.4\n",
    );
    assert!(text.contains("MolSecretTok9"), "the fixture changed shape");
    let file = dir.path().join("molecule.yml");
    std::fs::write(&file, text).unwrap();
    let root = fixture("debian12-v2");
    let args = [
        "--root",
        root.to_str().unwrap(),
        "--no-docker",
        "lint",
        "--molecule",
        file.to_str().unwrap(),
    ];
    let secrets = [
        "MolSecretTok9",
        "mol-secret-host",
        "db.mol-secret",
        "10.44.4.4",
    ];
    assert_redacted(&args, &secrets, &secrets);
    assert_same_verdict(&args);
    let out = stdout(&args, &["--json"]);
    assert!(out.contains("container: docker"), "{out}");
}

/// `capture --bundle` with `args`, unpacked: no secret is in any file of
/// the bundle, and `--from` replays it to the report it stores.
fn assert_bundle_redacted(args: &[&str], secrets: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("b.tar.gz");
    let out = doctor()
        .args(["capture", "--bundle", bundle.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unpacked = dir.path().join("x");
    std::fs::create_dir(&unpacked).unwrap();
    let tar = std::process::Command::new("tar")
        .args([
            "-xzf",
            bundle.to_str().unwrap(),
            "-C",
            unpacked.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(tar.success());
    let mut files = vec![unpacked.clone()];
    let mut seen = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        seen += 1;
        let bytes = std::fs::read(&p).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in secrets {
            assert!(
                !text.contains(s),
                "{}: {s:?} leaked into the bundle",
                p.display()
            );
        }
    }
    assert!(seen > 5, "only {seen} files in the bundle");
    let replay = doctor()
        .args(["--from", bundle.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let stored = std::fs::read(unpacked.join("report.json")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&replay.stdout),
        String::from_utf8_lossy(&stored)
    );
}

#[test]
fn a_bundle_of_a_run_line_gives_no_secret_away() {
    let root = fixture("debian12-v2");
    let mut args = vec!["--root", root.to_str().unwrap(), "--no-docker"];
    args.extend(run_line().into_iter().skip(1)); // `--` and the line, after `capture`
    assert_bundle_redacted(&args, RUN_SECRETS);
}

#[test]
fn a_bundle_of_a_host_and_its_daemon_gives_no_secret_away() {
    let host = copy_fixture("centos7-legacy");
    let cmdline = host.path().join("proc/cmdline");
    std::fs::write(
        &cmdline,
        "BOOT_IMAGE=/vmlinuz ip=10.66.5.4::10.66.5.1:255.255.255.0:secret-machine:eth0:off nfsroot=10.66.5.1:/home/secretuser/root systemd.unified_cgroup_hierarchy=0\n",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sock = fake_daemon(dir.path());
    let docker_host = format!("unix://{}", sock.display());
    let args = [
        "--root",
        host.path().to_str().unwrap(),
        "--docker-host",
        &docker_host,
        "--timeout",
        "5",
    ];
    assert_bundle_redacted(
        &args,
        &[
            "secret-machine",
            "10.66.5.4",
            "secretuser",
            "secret-daemon-host",
            "ProxyPassSecret",
            "secret-proxy.corp",
            "MirrorPassSecret",
            "OwnerSecret7",
            "10.88.0.5",
        ],
    );
}
