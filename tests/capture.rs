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

/// A crafted tree cannot make `capture` write outside DIR or copy a file of
/// the machine it runs on: a `..` path from /proc/self/cgroup, a link that
/// leaves the root, a link to /etc/shadow.
#[test]
fn capture_stays_inside_its_dir_and_its_root() {
    let src = common::copy_fixture("debian12-v2");
    let root = src.path();
    let outside = tempfile::tempdir().unwrap();
    // A host file the crafted path reaches by climbing: read and then
    // written back through the same `..` below DIR, it would be overwritten.
    let victim = outside.path().join("x");
    fs::create_dir_all(&victim).unwrap();
    fs::write(victim.join("cgroup.controllers"), "victim\n").unwrap();
    let climb = "/..".repeat(16);
    fs::write(
        root.join("proc/self/cgroup"),
        format!("0::{climb}{}\n", victim.display()),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("sys/fs/cgroup/s")).unwrap();
    fs::remove_file(root.join("proc/cmdline")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", root.join("proc/cmdline")).unwrap();
    let secret = fs::read_to_string("/etc/hostname").unwrap_or_default();
    let mtime = || {
        fs::metadata(victim.join("cgroup.controllers"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before = mtime();
    std::thread::sleep(std::time::Duration::from_millis(20));

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cap");
    let out = doctor()
        .arg("--root")
        .arg(root)
        .arg("capture")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(walk(outside.path()), [victim.join("cgroup.controllers")]);
    assert_eq!(mtime(), before, "rewrote a file outside DIR");
    assert!(
        walk(&dir)
            .iter()
            .all(|p| fs::read_to_string(p).unwrap_or_default() != "victim\n"),
        "read a file outside --root"
    );
    assert!(
        !dir.join("proc/cmdline").exists(),
        "copied the link's target"
    );
    for entry in walk(&dir) {
        let text = fs::read_to_string(&entry).unwrap_or_default();
        assert!(
            secret.trim().is_empty()
                || !text.contains(secret.trim())
                || entry.ends_with("CAPTURE.txt"),
            "{} holds /etc/hostname",
            entry.display()
        );
    }
    // The report names the link instead of following it.
    let (_, doc) = json_of(root, &[]);
    let cmdline = doc["facts"]["host"]["cmdline"].to_string();
    assert!(cmdline.contains("leaves --root, not followed"), "{cmdline}");
    assert!(secret.trim().is_empty() || !doc.to_string().contains(secret.trim()));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn capture_needs_a_dir_or_a_bundle_and_never_overwrites() {
    // Neither, or both: a usage error.
    let out = doctor().arg("capture").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let tmp = tempfile::tempdir().unwrap();
    let out = doctor()
        .arg("capture")
        .arg(tmp.path().join("d"))
        .arg("--bundle")
        .arg(tmp.path().join("b.tar.gz"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // --container and a run line belong to --bundle.
    for extra in [&["--container", "x"][..], &["--", "docker", "run", "x"]] {
        let out = doctor()
            .arg("capture")
            .arg(tmp.path().join("d2"))
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(!tmp.path().join("d2").exists());
    }
    // An existing file is left as it was.
    let existing = tmp.path().join("old.tar.gz");
    fs::write(&existing, b"keep me").unwrap();
    let out = doctor()
        .arg("--root")
        .arg(fixture("debian12-v2"))
        .args(["capture", "--bundle"])
        .arg(&existing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists"));
    assert_eq!(fs::read(&existing).unwrap(), b"keep me");
}

#[test]
fn a_bundle_keeps_only_the_container_entry_of_pid1_environ() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("host");
    copy_dir(&fixture("docker-container-v1"), &root);
    fs::create_dir_all(root.join("proc/1")).unwrap();
    fs::write(
        root.join("proc/1/environ"),
        b"PASSWORD=hunter2\0container=docker\0HOME=/root\0",
    )
    .unwrap();
    let bundle = tmp.path().join("b.tar.gz");
    let out = doctor()
        .arg("--root")
        .arg(&root)
        .args(["capture", "--bundle"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let gz = flate2::read::GzDecoder::new(fs::File::open(&bundle).unwrap());
    let mut found = None;
    for e in tar::Archive::new(gz).entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_str() == Some("host/proc/1/environ") {
            let mut s = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut s).unwrap();
            found = Some(s);
        }
    }
    assert_eq!(found.as_deref(), Some(&b"container=docker\0"[..]));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            copy_dir(&e.path(), &t);
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(e.path()).unwrap(), &t).unwrap();
        } else {
            fs::copy(e.path(), &t).unwrap();
        }
    }
}
