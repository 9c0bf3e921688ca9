//! Broken host trees, each a real fixture plus one change: the doctor names the problem in a
//! check in `error` (exit 1: an error cannot vouch for the host) or in one line on stderr
//! (exit 2). Never a panic, never a partial stdout.

mod common;

use std::fs;
use std::path::Path;

use common::{copy_fixture, doctor, json_of, status_of};
use serde_json::Value;

const MOUNTINFO: &str = "proc/self/mountinfo";

fn message(doc: &Value, id: &str) -> String {
    common::check(doc, id)["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The human report must survive too (no panic, exit code as JSON's).
fn human_code(root: &Path) -> i32 {
    let out = doctor()
        .arg("--root")
        .arg(root)
        .args(["--color", "never"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    out.status.code().unwrap()
}

/// Every check that reads the mounts is in `error`, naming the file.
fn assert_mounts_error(root: &Path, needle: &str) {
    let (code, doc) = json_of(root, &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["verdict"], "not-ready");
    for id in ["host.cgroup-mode", "host.cgroup2-mount", "host.controllers"] {
        assert_eq!(status_of(&doc, id), "error", "{id}");
        let m = message(&doc, id);
        assert!(m.contains(needle), "{id}: {m}");
    }
    let err = doc["facts"]["host"]["cgroup"]["error"].as_str().unwrap();
    assert!(err.contains(needle), "{err}");
    // Checks that do not need the mounts still judge.
    assert_eq!(status_of(&doc, "host.kernel"), "pass");
    assert_eq!(human_code(root), 1);
}

#[test]
fn truncated_mountinfo() {
    let tmp = copy_fixture("debian12-v2");
    let path = tmp.path().join(MOUNTINFO);
    let text = fs::read_to_string(&path).unwrap();
    // Cut inside line 10 (the cgroup2 line), before its " - " separator.
    let line10 = text.lines().nth(9).unwrap();
    let cut = text.find(line10).unwrap() + 20;
    fs::write(&path, &text[..cut]).unwrap();
    assert_mounts_error(
        tmp.path(),
        "/proc/self/mountinfo line 10: not a mountinfo entry",
    );
}

#[test]
fn garbled_mountinfo() {
    let tmp = copy_fixture("debian12-v2");
    let path = tmp.path().join(MOUNTINFO);
    let mut lines: Vec<String> = fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines[3] = "25 24 zz:yy this is not a mount".into();
    fs::write(&path, lines.join("\n")).unwrap();
    assert_mounts_error(tmp.path(), "line 4");

    fs::write(&path, b"\x00\x01\x02\xff\xfe garbage \n").unwrap();
    assert_mounts_error(tmp.path(), "line 1");

    fs::write(&path, "").unwrap();
    assert_mounts_error(tmp.path(), "/proc/self/mountinfo: empty");
}

#[test]
fn a_directory_where_a_file_is_expected() {
    // Tests run as root, so chmod 000 would not stop a read; a directory does.
    let cases = [
        (MOUNTINFO, "host.cgroup-mode"),
        ("sys/fs/cgroup/cgroup.controllers", "host.controllers"),
        ("proc/sys/kernel/osrelease", "host.kernel"),
        ("proc/cmdline", "host.cmdline"),
    ];
    for (file, check) in cases {
        let tmp = copy_fixture("debian12-v2");
        let path = tmp.path().join(file);
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        let (code, doc) = json_of(tmp.path(), &[]);
        assert_eq!(code, 1, "{file}");
        assert_eq!(status_of(&doc, check), "error", "{file}");
        let m = message(&doc, check);
        assert!(
            m.contains(&format!("/{file}")) && m.contains("Is a directory"),
            "{file}: {m}"
        );
        assert_eq!(human_code(tmp.path()), 1);
    }
}

#[test]
fn unreadable_side_files_only_mark_their_facts() {
    // Files that only feed evidence: their facts take the {"error": ...} form, checks still judge.
    let tmp = copy_fixture("ubuntu2204-unified");
    for file in ["proc/cgroups", "proc/self/status"] {
        let path = tmp.path().join(file);
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
    }
    fs::write(tmp.path().join("proc/self/cgroup"), "not a cgroup line\n").unwrap();
    let (code, doc) = json_of(tmp.path(), &[]);
    let host = &doc["facts"]["host"];
    assert!(host["cgroup"]["v1_bound_controllers"]["error"]
        .as_str()
        .unwrap()
        .contains("/proc/cgroups: Is a directory"));
    assert!(host["capabilities"]["error"]
        .as_str()
        .unwrap()
        .contains("/proc/self/status"));
    assert_eq!(
        host["cgroup"]["own_cgroup"]["error"],
        "/proc/self/cgroup: not in the kernel's format"
    );
    assert_eq!(code, 0);
    assert_eq!(status_of(&doc, "host.controllers"), "pass");
}

#[test]
fn garbled_status_and_empty_release() {
    let tmp = copy_fixture("ubuntu2204-unified");
    fs::write(
        tmp.path().join("proc/self/status"),
        "Name:\tx\nCapBnd:\tzz\n",
    )
    .unwrap();
    fs::write(tmp.path().join("proc/sys/kernel/osrelease"), "\n").unwrap();
    let (code, doc) = json_of(tmp.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        doc["facts"]["host"]["capabilities"]["error"],
        "/proc/self/status: not in the kernel's format"
    );
    assert_eq!(status_of(&doc, "host.kernel"), "error");
    assert!(message(&doc, "host.kernel").contains("/proc/sys/kernel/osrelease: empty"));
}

#[test]
fn no_cgroup_mount_in_mountinfo() {
    // A valid host state, not a broken probe: the verdict is a fail that says why.
    let tmp = copy_fixture("debian12-v2");
    let path = tmp.path().join(MOUNTINFO);
    let text: String = fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.contains(" /sys/fs/cgroup "))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&path, text).unwrap();
    let (code, doc) = json_of(tmp.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["facts"]["host"]["cgroup"]["mode"], "none");
    assert_eq!(status_of(&doc, "host.cgroup-mode"), "fail");
    assert!(message(&doc, "host.cgroup-mode").contains("nothing is mounted on /sys/fs/cgroup"));
    assert_eq!(status_of(&doc, "host.cgroup2-mount"), "skip");
    assert_eq!(status_of(&doc, "host.controllers"), "skip");
}

#[test]
fn non_utf8_mount_point() {
    let tmp = copy_fixture("debian12-v2");
    let path = tmp.path().join(MOUNTINFO);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(
        b"200 27 0:90 / /mnt/caf\xe9\xff rw,relatime shared:90 - tmpfs tmpfs rw\n",
    );
    fs::write(&path, bytes).unwrap();
    let (code, doc) = json_of(tmp.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(doc["facts"]["host"]["cgroup"]["mode"], "unified");
    assert_eq!(status_of(&doc, "host.cgroup-mode"), "pass");

    // The same bytes in the cgroup mount point itself: still judged, the path shown lossily.
    let tmp = copy_fixture("debian12-v2");
    let path = tmp.path().join(MOUNTINFO);
    let text = fs::read_to_string(&path).unwrap();
    let mut bytes = text
        .replace(" /sys/fs/cgroup ", " /sys/fs/cgroup\u{1}X ")
        .into_bytes();
    let at = bytes.windows(2).position(|w| w == b"\x01X").unwrap();
    bytes[at] = 0xff;
    fs::write(&path, bytes).unwrap();
    let (code, doc) = json_of(tmp.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["facts"]["host"]["cgroup"]["mode"], "none");
}

#[test]
fn root_that_does_not_exist_or_is_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let file = tmp.path().join("file");
    fs::write(&file, "x").unwrap();
    for (root, needle) in [
        (&missing, "No such file or directory"),
        (&file, "not a directory"),
    ] {
        for json in [true, false] {
            let mut cmd = doctor();
            cmd.arg("--root").arg(root);
            if json {
                cmd.arg("--json");
            }
            let out = cmd.output().unwrap();
            assert_eq!(out.status.code(), Some(2));
            assert!(out.stdout.is_empty(), "no partial report");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                err.starts_with("sdctr-doctor: error: --root ") && err.contains(needle),
                "{err}"
            );
        }
    }
}

/// A host running hundreds of containers has a mountinfo of 100 000 lines
/// (15 MB): it is streamed and judged as the host it is; only a captured
/// table over 256 MiB is refused. Whole-file reads keep their 4 MiB cap.
#[test]
fn large_tables_are_judged_and_only_huge_ones_refused() {
    let tmp = copy_fixture("debian12-v2");
    let path = tmp.path().join(MOUNTINFO);
    let text = fs::read_to_string(&path).unwrap();
    let (_, before) = json_of(tmp.path(), &[]);
    let mut big = text.clone();
    for id in 1000..101_000 {
        big.push_str(&format!(
            "{id} 27 0:{} / /var/lib/docker/overlay2/{id:064}/merged rw,relatime shared:{id} - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B,upperdir=/var/lib/docker/overlay2/{id}/diff\n",
            id % 4000
        ));
    }
    assert!(big.len() > 15 << 20, "{}", big.len());
    fs::write(&path, &big).unwrap();
    let (code, after) = json_of(tmp.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(after["checks"], before["checks"]);
    assert_eq!(
        after["facts"]["host"]["cgroup"],
        before["facts"]["host"]["cgroup"]
    );

    // Over the cap for captured tables: refused before reading.
    fs::File::create(&path).unwrap().set_len(300 << 20).unwrap();
    assert_mounts_error(tmp.path(), "larger than 256 MiB, refused");

    // Exactly at the cap of a whole-file read is still read; one byte more is not.
    fs::write(&path, text).unwrap();
    let exact = tmp.path().join("proc/cmdline");
    let mut line = "root=/dev/vda".to_owned();
    line.push_str(&" ".repeat((4 << 20) - line.len()));
    fs::write(&exact, &line).unwrap();
    let (code, doc) = json_of(tmp.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(status_of(&doc, "host.cmdline"), "pass");
    line.push(' ');
    fs::write(&exact, &line).unwrap();
    let (_, doc) = json_of(tmp.path(), &[]);
    assert!(
        message(&doc, "host.cmdline").contains("larger than 4 MiB, refused"),
        "{}",
        message(&doc, "host.cmdline")
    );
}

/// `--root /host` with the host's real /proc mounted there: /proc/self is the doctor's own
/// container, so the host's view comes from PID 1 (mountinfo and cgroup alike).
#[test]
fn host_proc_under_root_uses_pid1() {
    let tmp = copy_fixture("debian12-v2");
    let proc_ = tmp.path().join("proc");
    fs::create_dir_all(proc_.join("1")).unwrap();
    fs::copy(proc_.join("self/mountinfo"), proc_.join("1/mountinfo")).unwrap();
    fs::write(proc_.join("1/cgroup"), "0::/init.scope\n").unwrap();
    fs::write(
        proc_.join("self/cgroup"),
        "0::/system.slice/docker-4b2a0c6f8e1d.scope\n",
    )
    .unwrap();
    let (code, doc) = json_of(tmp.path(), &[]);
    let host = &doc["facts"]["host"];
    assert_eq!(host["cgroup"]["mountinfo_path"], "/proc/1/mountinfo");
    assert_eq!(host["cgroup"]["own_cgroup"], "/init.scope");
    assert_eq!(host["container"]["inside"], false, "{}", host["container"]);
    assert_eq!(status_of(&doc, "host.inside-container"), "pass");
    assert_eq!(code, 0);
}

/// A FIFO or a device where a file belongs is refused at once (it used to
/// block forever on open or read, or read /dev/zero until memory ran out).
#[test]
fn fifos_and_devices_never_hang() {
    use std::time::Duration;
    let mkfifo = |p: &Path| {
        let _ = fs::remove_file(p);
        nix::unistd::mkfifo(p, nix::sys::stat::Mode::S_IRWXU).unwrap();
    };
    // A fixture with a FIFO at `file`, judged under a 20 s guard.
    let judged_with_fifo_at = |file: &str| {
        let tmp = copy_fixture("debian12-v2");
        mkfifo(&tmp.path().join(file));
        doctor()
            .arg("--root")
            .arg(tmp.path())
            .args(["--json", "--no-docker"])
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap()
    };
    let out = judged_with_fifo_at(MOUNTINFO);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        message(&doc, "host.cgroup-mode").contains("not a regular file (a FIFO)"),
        "{}",
        message(&doc, "host.cgroup-mode")
    );

    let out = judged_with_fifo_at("proc/self/cgroup");
    assert!(
        out.status.code().is_some(),
        "killed by the timeout: {out:?}"
    );

    // --facts: a FIFO, /dev/zero and a link to it are one line and exit 2.
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("facts.json");
    mkfifo(&fifo);
    let zero_link = tmp.path().join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &zero_link).unwrap();
    for (file, want) in [
        (fifo.as_path(), "not a regular file (a FIFO)"),
        (Path::new("/dev/zero"), "not a regular file (a device)"),
        (zero_link.as_path(), "not a regular file (a device)"),
    ] {
        let out = doctor()
            .arg("--facts")
            .arg(file)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want) && err.lines().count() == 1, "{err}");
    }

    // The docker CLI's config.json as a FIFO: the endpoint is still found.
    let home = tempfile::tempdir().unwrap();
    fs::create_dir_all(home.path().join(".docker")).unwrap();
    mkfifo(&home.path().join(".docker/config.json"));
    let out = doctor()
        .arg("--root")
        .arg(copy_fixture("debian12-v2").path())
        .args(["--json", "--only", "docker.reachable"])
        .env("HOME", home.path())
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_CONFIG")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some(),
        "killed by the timeout: {out:?}"
    );
}
