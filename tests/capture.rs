//! `capture DIR` then `--root DIR` must describe the same host as the run it was captured from.

mod common;

use std::fs;

use common::{doctor, fixture, json_of, FIXTURES};
use serde_json::Value;

/// The facts a capture must reproduce. Left out on purpose, because they legitimately differ:
/// `root` (the directory read through) and `live`; and in the cgroup facts `statfs`,
/// `detected_by` and `reason` — the live run asks the kernel with statfs(2), a captured tree
/// can only be judged from mountinfo (the mode itself must still agree).
fn comparable(doc: &Value) -> Value {
    let host = &doc["facts"]["host"];
    let cg = &host["cgroup"];
    serde_json::json!({
        "mode": cg["mode"],
        "mountinfo_path": cg["mountinfo_path"],
        "top_mount": cg["top_mount"],
        "cgroup2": cg["cgroup2"],
        "v1_hierarchies": cg["v1_hierarchies"],
        "root_controllers": cg["root_controllers"],
        "root_subtree_control": cg["root_subtree_control"],
        "v1_bound_controllers": cg["v1_bound_controllers"],
        "own_cgroup": cg["own_cgroup"],
        "own_controllers": cg["own_controllers"],
        "kernel": host["kernel"],
        "cmdline": host["cmdline"],
        "init": host["init"],
        "container": host["container"],
        "capabilities": host["capabilities"],
        "checks": doc["checks"].as_array().unwrap().iter()
            .map(|c| (c["id"].clone(), c["status"].clone())).collect::<Vec<_>>(),
    })
}

#[test]
fn live_capture_round_trip() {
    let live = doctor().args(["--json", "--no-docker"]).output().unwrap();
    let live: Value = serde_json::from_slice(&live.stdout).unwrap();
    assert_eq!(live["facts"]["host"]["live"], true);

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("host");
    let out = doctor().arg("capture").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(
        note.starts_with("captured ") && note.contains(" files into "),
        "{note}"
    );
    assert!(dir.join("proc/self/mountinfo").is_file());
    assert!(dir.join("CAPTURE.txt").is_file());

    let (_, replay) = json_of(&dir, &[]);
    assert_eq!(replay["facts"]["host"]["live"], false);
    assert_eq!(
        replay["facts"]["host"]["cgroup"]["detected_by"],
        "mountinfo"
    );
    assert_eq!(comparable(&replay), comparable(&live));
    // The live run decided by statfs on this machine (a Linux host with /sys/fs/cgroup).
    assert_eq!(live["facts"]["host"]["cgroup"]["detected_by"], "statfs");
}

#[test]
fn capturing_a_fixture_reproduces_it() {
    for name in FIXTURES {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(name);
        let out = doctor()
            .arg("--root")
            .arg(fixture(name))
            .arg("capture")
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {out:?}");
        let (_, original) = json_of(&fixture(name), &[]);
        let (_, copy) = json_of(&dir, &[]);
        let mut a = original["facts"].clone();
        let mut b = copy["facts"].clone();
        a["host"]["root"] = Value::Null;
        b["host"]["root"] = Value::Null;
        assert_eq!(a, b, "{name}");
        assert_eq!(original["checks"], copy["checks"], "{name}");
    }
}

#[test]
fn capture_keeps_only_container_from_pid1_environ() {
    let tmp = common::copy_fixture("debian12-v2");
    fs::write(
        tmp.path().join("proc/1/environ"),
        b"HOME=/\0SECRET_TOKEN=hunter2\0container=podman\0TERM=linux\0",
    )
    .unwrap();
    let dir = tmp.path().join("out");
    let out = doctor()
        .arg("--root")
        .arg(tmp.path())
        .arg("capture")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        fs::read(dir.join("proc/1/environ")).unwrap(),
        b"container=podman\0"
    );
    let (_, doc) = json_of(&dir, &[]);
    assert_eq!(doc["facts"]["host"]["container"]["inside"], true);
}

#[test]
fn capture_refuses_a_non_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("keep.txt"), "mine").unwrap();
    let out = doctor().arg("capture").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("exists and is not an empty directory"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "nothing written"
    );
}

#[test]
fn capture_names_files_it_could_not_read() {
    // Root reads anything, so "unreadable" is a directory where a file belongs.
    let tmp = common::copy_fixture("debian12-v2");
    fs::remove_file(tmp.path().join("proc/cmdline")).unwrap();
    fs::create_dir(tmp.path().join("proc/cmdline")).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let dir = out_dir.path().join("host");
    let out = doctor()
        .arg("--root")
        .arg(tmp.path())
        .arg("capture")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let note = fs::read_to_string(dir.join("CAPTURE.txt")).unwrap();
    let line = note
        .lines()
        .find(|l| l.starts_with("Present but not readable: "))
        .unwrap_or_else(|| panic!("{note}"));
    assert!(line.contains("/proc/cmdline"), "{line}");
    assert!(!dir.join("proc/cmdline").exists());
}
