//! `capture --bundle FILE` then `--from FILE`: the same JSON report, byte for
//! byte (the report has no timing fields), with no daemon asked during the
//! replay; for every fixture host (with its recorded daemon answers where
//! fixtures/docker has that host's daemon) and live here. Hostile bundles
//! are one line of error, exit 2.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{can_run, docker, doctor, fixture, FIXTURES};
use serde_json::Value;

/// A daemon that answers `/_ping`, `/version` and `/info` from a
/// fixtures/docker directory (`{}` for a missing one), `[]` for container
/// listings, 404 for the rest; it counts the connections made to it.
struct FakeDaemon {
    socket: PathBuf,
    connections: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

impl FakeDaemon {
    fn start(answers: Option<&Path>) -> FakeDaemon {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let read = |name: &str| {
            answers
                .and_then(|d| std::fs::read_to_string(d.join(name)).ok())
                .unwrap_or_else(|| "{}".into())
        };
        let (version, info) = (read("version.json"), read("info.json"));
        let count = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                count.fetch_add(1, Ordering::SeqCst);
                let (version, info) = (version.clone(), info.clone());
                std::thread::spawn(move || common::engine_stub::serve(stream, &version, &info));
            }
        });
        FakeDaemon {
            socket,
            connections,
            _dir: dir,
        }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// fixtures/docker answers recorded from the same machine as a fixture host.
fn paired_daemon(host: &str) -> Option<&'static str> {
    match host {
        "dev-vm-hybrid" => Some("devvm-hybrid-20.10"),
        "debian12-v2" => Some("debian12-v2-20.10"),
        "wsl2-hybrid" => Some("desktop-20.10-wsl2-v1"),
        _ => None,
    }
}

/// The `report.json` inside a bundle.
fn stored_report(bundle: &Path) -> Vec<u8> {
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(bundle).unwrap());
    let mut tar = tar::Archive::new(gz);
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap() == Path::new("report.json") {
            let mut out = Vec::new();
            entry.read_to_end(&mut out).unwrap();
            return out;
        }
    }
    panic!("{}: no report.json", bundle.display());
}

/// `--from BUNDLE --json` with DOCKER_HOST at a daemon that counts: the
/// report bytes, after asserting that nobody connected to it.
fn replay(bundle: &Path) -> (i32, Vec<u8>) {
    let watch = FakeDaemon::start(None);
    let out = doctor()
        .env("DOCKER_HOST", watch.host())
        .arg("--from")
        .arg(bundle)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        watch.connections(),
        0,
        "the replay asked a daemon: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(
        note.starts_with("sdctr-doctor: replaying ") && note.lines().count() == 1,
        "{note}"
    );
    (out.status.code().unwrap(), out.stdout)
}

/// `ARGS capture --bundle BUNDLE AFTER`.
fn capture(args: &[&str], bundle: &Path, after: &[&str]) {
    let out = doctor()
        .args(args)
        .arg("capture")
        .arg("--bundle")
        .arg(bundle)
        .args(after)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(
        note.starts_with("wrote ") && note.contains("--from"),
        "{note}"
    );
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("JSON report")
}

#[test]
fn every_fixture_host_replays_to_the_same_report() {
    for name in FIXTURES {
        let tmp = tempfile::tempdir().unwrap();
        let bundle = tmp.path().join(format!("{name}.tar.gz"));
        let paired = paired_daemon(name);
        let daemon = paired.map(|d| {
            FakeDaemon::start(Some(
                &Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures/docker")
                    .join(d),
            ))
        });
        let root = fixture(name);
        let mut args = vec!["--root", root.to_str().unwrap()];
        let host = daemon.as_ref().map(FakeDaemon::host);
        if let Some(h) = &host {
            args.extend(["--docker-host", h.as_str()]);
        }
        capture(&args, &bundle, &[]);
        drop(daemon);
        let stored = stored_report(&bundle);
        let (code, replayed) = replay(&bundle);
        assert_eq!(
            String::from_utf8_lossy(&replayed),
            String::from_utf8_lossy(&stored),
            "{name}: the replay differs from the report captured"
        );
        let doc = json(&replayed);
        assert_eq!(
            code,
            if doc["verdict"] == "not-ready" { 1 } else { 0 },
            "{name}"
        );
        // The bundle carried the daemon's answers, not just a verdict.
        let docker = &doc["facts"]["docker"];
        match paired {
            Some(_) => assert_eq!(doc["facts"]["docker_probe"]["outcome"], "ok", "{name}"),
            None => assert!(docker.is_null(), "{name}: {docker}"),
        }
        // The host checks are those of the fixture judged directly.
        let (_, direct) = common::json_of(&root, &[]);
        let host_checks = |d: &Value| -> Vec<(Value, Value)> {
            d["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["id"].as_str().unwrap().starts_with("host."))
                .map(|c| (c["id"].clone(), c["status"].clone()))
                .collect()
        };
        assert_eq!(host_checks(&doc), host_checks(&direct), "{name}");
    }
}

#[test]
fn a_recorded_daemon_is_judged_from_its_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("b.tar.gz");
    let daemon = FakeDaemon::start(Some(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docker/devvm-hybrid-20.10"),
    ));
    let root = fixture("dev-vm-hybrid");
    capture(
        &[
            "--root",
            root.to_str().unwrap(),
            "--docker-host",
            &daemon.host(),
        ],
        &bundle,
        &[],
    );
    assert!(
        daemon.connections() > 0,
        "the capture did not ask the daemon named"
    );
    drop(daemon);
    let (_, replayed) = replay(&bundle);
    let doc = json(&replayed);
    assert_eq!(doc["facts"]["docker"]["server_version"], "20.10.24+dfsg1");
    assert_eq!(doc["facts"]["docker"]["cgroup_version"], "1");
    assert_eq!(doc["facts"]["docker"]["negotiated_api_version"], "1.41");
}

#[test]
fn root_without_docker_host_asks_no_daemon_and_says_why() {
    let watch = FakeDaemon::start(Some(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docker/devvm-hybrid-20.10"),
    ));
    let out = doctor()
        .env("DOCKER_HOST", watch.host())
        .arg("--root")
        .arg(fixture("debian12-v2"))
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(watch.connections(), 0, "--root asked the local daemon");
    let doc = json(&out.stdout);
    let reachable = common::check(&doc, "docker.reachable");
    assert_eq!(reachable["status"], "skip");
    let why = reachable["message"].as_str().unwrap();
    assert!(
        why.contains("--root") && why.contains("--docker-host"),
        "{why}"
    );
    // Named explicitly, the daemon is asked.
    let out = doctor()
        .arg("--root")
        .arg(fixture("debian12-v2"))
        .args(["--json", "--docker-host", &watch.host()])
        .output()
        .unwrap();
    assert!(watch.connections() > 0);
    assert_eq!(
        common::status_of(&json(&out.stdout), "docker.reachable"),
        "pass"
    );
}

#[test]
fn a_lint_line_is_recorded_and_replayed() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("lint.tar.gz");
    let root = fixture("ubuntu2204-unified");
    let out = doctor()
        .args(["--root", root.to_str().unwrap(), "capture", "--bundle"])
        .arg(&bundle)
        .args(["--", "docker", "run", "-d", "debian:12", "/sbin/init"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stored = stored_report(&bundle);
    let (code, replayed) = replay(&bundle);
    assert_eq!(replayed, stored);
    let doc = json(&replayed);
    assert_eq!(code, 1, "a line without the cgroup mount fails");
    assert_eq!(doc["facts"]["run"]["spec"]["image"], "debian:12");
    assert!(doc["recipe"].is_object(), "{}", doc["recipe"]);
    // --only at replay time narrows the recorded selection.
    let out = doctor()
        .arg("--from")
        .arg(&bundle)
        .args(["--json", "--only", "host"])
        .output()
        .unwrap();
    let narrowed = json(&out.stdout);
    let ids: Vec<&str> = narrowed["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.is_empty() && ids.iter().all(|i| i.starts_with("host.")),
        "{ids:?}"
    );
    // The human replay prints the corrected line as lint does.
    let out = doctor().arg("--from").arg(&bundle).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("docker run"), "{text}");
}

fn bad_bundle(bytes: &[u8], says: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.tar.gz");
    std::fs::write(&path, bytes).unwrap();
    let out = doctor().arg("--from").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(says), "{err}");
    assert!(out.stdout.is_empty());
}

fn targz(entries: &[(&str, tar::EntryType, &[u8], Option<&str>)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, kind, data, link) in entries {
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        if let Some(l) = link {
            h.set_link_name(l).unwrap();
        }
        h.set_cksum();
        tar.append(&h, *data).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar.into_inner().unwrap()).unwrap();
    gz.finish().unwrap()
}

#[test]
fn hostile_or_garbled_bundles_are_one_line_exit_2() {
    use tar::EntryType::{Regular, Symlink};
    let manifest = br#"{"format":1,"doctor":"0.1.0","command":"host","root":"/"}"#;
    bad_bundle(b"\x1f\x8b garbage", "not a sdctr-doctor bundle");
    bad_bundle(b"", "not a sdctr-doctor bundle");
    bad_bundle(
        &targz(&[("report.json", Regular, b"{}", None)]),
        "no manifest.json",
    );
    bad_bundle(
        &targz(&[(
            "manifest.json",
            Regular,
            br#"{"format":99,"doctor":"9","command":"host","root":"/"}"#,
            None,
        )]),
        "bundle format 99",
    );
    bad_bundle(
        &targz(&[
            ("manifest.json", Regular, manifest, None),
            ("host/../../../tmp/evil", Regular, b"x", None),
        ]),
        "not a plain relative path",
    );
    bad_bundle(
        &targz(&[
            ("manifest.json", Regular, manifest, None),
            ("host/proc/cmdline", Symlink, b"", Some("/etc/shadow")),
        ]),
        "links are refused",
    );
    bad_bundle(
        &targz(&[("manifest.json", Regular, manifest, None)]),
        "no docker/probe.json",
    );
    bad_bundle(
        &targz(&[("manifest.json", Regular, b"{not json", None)]),
        "manifest.json",
    );
    // A directory, not a file.
    let tmp = tempfile::tempdir().unwrap();
    let out = doctor().arg("--from").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn from_refuses_options_that_would_mix_two_machines() {
    for extra in [
        &["--root", "/"][..],
        &["--docker-host", "unix:///x"],
        &["--image", "x"],
        &["lint", "--", "docker", "run", "x"],
    ] {
        let out = doctor()
            .args(["--from", "whatever.tar.gz"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {out:?}");
    }
}

/// Live: this machine's daemon, a test image and a created, never-started
/// container, recorded and replayed with no daemon reachable.
#[test]
fn live_bundle_with_image_and_container_replays_exactly() {
    const IMAGE: &str = "sdctr-test/bookworm-systemd";
    let (ok, why) = docker(&["image", "inspect", "--format", "{{.Id}}", IMAGE]);
    if !can_run((!ok).then(|| format!("the daemon or {IMAGE} is not here: {why}"))) {
        return;
    }
    let name = format!("sdctr-bundle-test-{}", std::process::id());
    let (ok, why) = docker(&[
        "create",
        "--name",
        &name,
        "--cgroupns=host",
        "-v",
        "/sys/fs/cgroup:/sys/fs/cgroup:rw",
        IMAGE,
    ]);
    assert!(ok, "docker create: {why}");
    struct Remove(String);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = docker(&["rm", "-f", &self.0]);
        }
    }
    let _remove = Remove(name.clone());

    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("live.tar.gz");
    capture(&["--image", IMAGE], &bundle, &["--container", &name]);
    let stored = stored_report(&bundle);
    let (_, replayed) = replay(&bundle);
    assert_eq!(
        String::from_utf8_lossy(&replayed),
        String::from_utf8_lossy(&stored)
    );
    let doc = json(&replayed);
    assert_eq!(
        doc["facts"]["container"]["name"], "<redacted:name>",
        "redacted by default"
    );
    assert_eq!(doc["facts"]["docker_probe"]["outcome"], "ok");
    let image = &doc["facts"]["images"][0];
    assert_eq!(image["ref"], IMAGE);
    // PID 1 was resolved from the recorded image files.
    assert_eq!(image["pid1"]["kind"], "systemd", "{image}");
    assert!(image["systemd"]["major"].as_u64().is_some(), "{image}");

    // The same as asking the daemon now: facts of daemon, image and
    // container, and every check's status.
    let out = doctor()
        .args(["--json", "--image", IMAGE, "container", &name])
        .output()
        .unwrap();
    let live = json(&out.stdout);
    for part in ["docker", "images", "container", "run"] {
        assert_eq!(doc["facts"][part], live["facts"][part], "{part}");
    }
    let statuses = |d: &Value| common::statuses(d);
    assert_eq!(statuses(&doc), statuses(&live));
}
