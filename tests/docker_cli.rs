//! The whole CLI with the daemon unreachable, hanging or skipped.

use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::check;

fn doctor(args: &[&str], docker_host: &str) -> (i32, Value, Duration) {
    let start = Instant::now();
    let out = Command::cargo_bin("sdctr-doctor")
        .unwrap()
        .env("DOCKER_HOST", docker_host)
        .args(args)
        .output()
        .unwrap();
    let took = start.elapsed();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, took)
}

#[test]
fn unreachable_daemon_is_reported_and_fails() {
    let (code, doc, _) = doctor(&["--json"], "unix:///nonexistent");
    assert_eq!(code, 1);
    assert!(doc["facts"]["docker"].is_null());
    assert_eq!(doc["facts"]["docker_probe"]["outcome"], "unreachable");
    assert_eq!(doc["facts"]["docker_probe"]["error"]["kind"], "no_socket");
    let r = check(&doc, "docker.reachable");
    assert_eq!(r["status"], "fail");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("unix:///nonexistent"),
        "{r}"
    );
    assert_eq!(check(&doc, "docker.version")["status"], "skip");
}

#[test]
fn hanging_daemon_ends_within_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hang.sock");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let mut held = vec![];
        for s in listener.incoming() {
            held.push(s); // accept, never answer
        }
    });
    let host = format!("unix://{}", path.display());
    let (code, doc, took) = doctor(&["--json", "--timeout", "1"], &host);
    assert_eq!(code, 1);
    assert_eq!(doc["facts"]["docker_probe"]["error"]["kind"], "timeout");
    let r = check(&doc, "docker.reachable");
    assert!(
        r["message"].as_str().unwrap().contains("did not answer"),
        "{r}"
    );
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

#[test]
fn no_docker_skips_and_an_unsupported_endpoint_fails() {
    let (_, doc, _) = doctor(&["--json", "--no-docker"], "unix:///nonexistent");
    assert_eq!(doc["facts"]["docker_probe"]["outcome"], "skipped");
    for c in doc["checks"].as_array().unwrap() {
        if c["group"] == "docker" {
            assert_eq!(c["status"], "skip", "{c}");
        }
    }
    // An endpoint the doctor cannot ask never passes with a warning.
    let (code, doc, _) = doctor(
        &["--json", "--only", "docker.reachable"],
        "npipe:////./pipe/docker_engine",
    );
    let r = check(&doc, "docker.reachable");
    assert_eq!((code, r["status"].as_str()), (1, Some("fail")), "{r}");
    assert!(r["message"].as_str().unwrap().contains("named pipe"), "{r}");
}

#[test]
fn facts_without_docker_fields_replay() {
    let (_, doc, _) = doctor(&["--json", "--no-docker"], "unix:///nonexistent");
    let mut facts = doc["facts"].clone();
    let obj = facts.as_object_mut().unwrap();
    obj.remove("docker");
    obj.remove("docker_probe");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.json");
    std::fs::write(&file, facts.to_string()).unwrap();
    let (code, doc, _) = doctor(
        &["--json", "--facts", file.to_str().unwrap()],
        "unix:///nonexistent",
    );
    assert_ne!(code, 2, "{doc}");
    assert_eq!(check(&doc, "docker.reachable")["status"], "skip");
}
