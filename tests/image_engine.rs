//! `--image` against the real daemon: the test images of
//! scripts/build-test-images.sh through both readers, a missing image, and a
//! hostile image made here with `docker import`. Without a daemon (or the
//! test images) these fail under CI=true and skip, saying why, otherwise.

mod common;

use common::{can_run, check, docker, image_cache};
use serde_json::Value;
use std::process::Command;

const IMAGES: &[&str] = &[
    "bookworm-systemd",
    "trixie-systemd",
    "bullseye-systemd",
    "bookworm-nosystemd",
];

fn daemon_answers() -> Option<String> {
    match Command::new("docker")
        .args(["version", "-f", "{{.Server.Version}}"])
        .output()
    {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "no Docker daemon answers: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Some(format!("no docker CLI: {e}")),
    }
}

/// `sdctr-doctor ARGS --json`: (exit code, report, pid).
fn report(args: &[&str]) -> (i32, Value, u32) {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sdctr-doctor"))
        .args(args)
        .args(["--json", "--timeout", "60"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exited"), doc, pid)
}

fn no_probe_container_of(pids: &[u32]) {
    let (ok, out) = docker(&[
        "ps",
        "-a",
        "--filter",
        "label=sdctr-doctor.probe=1",
        "--format",
        "{{.Names}} {{.Label \"sdctr-doctor.pid\"}}",
    ]);
    assert!(ok, "{out}");
    for line in out.lines() {
        let pid: u32 = line.rsplit(' ').next().unwrap().parse().unwrap_or(0);
        assert!(!pids.contains(&pid), "left behind: {line}");
    }
}

#[test]
fn test_images_through_both_readers() {
    if !can_run(daemon_answers()) {
        return;
    }
    let root = nix::unistd::geteuid().is_root();
    for name in IMAGES {
        let tag = format!("sdctr-test/{name}");
        let printed = image_cache().join(format!("{name}.systemd-version"));
        let (present, cmd0) = docker(&["image", "inspect", "-f", "{{index .Config.Cmd 0}}", &tag]);
        let missing = if !printed.is_file() || !present {
            Some(format!(
                "{tag} or {} missing: run scripts/build-test-images.sh",
                printed.display()
            ))
        } else {
            None
        };
        if !can_run(missing) {
            continue;
        }
        // Ground truth: what the image itself printed, and its own readlink -f.
        let printed = std::fs::read_to_string(printed).unwrap();
        let major: Option<u64> = printed
            .trim()
            .strip_prefix("systemd ")
            .map(|r| r.split(' ').next().unwrap().parse().unwrap());
        let (ok, real_pid1) = docker(&[
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "readlink",
            &tag,
            "-f",
            &cmd0,
        ]);
        assert!(ok, "{real_pid1}");

        let mut pids = vec![];
        for reader in ["auto", "archive"] {
            let (code, doc, pid) = report(&["--image", &tag, "--image-reader", reader]);
            let img = &doc["facts"]["images"][0];
            let via = if reader == "auto" && root {
                "layers"
            } else {
                "archive"
            };
            assert_eq!(img["read_via"], via, "{tag} {reader}");
            assert_eq!(
                img["systemd"]["major"].as_u64(),
                major,
                "{tag} {reader}: {img}"
            );
            assert_eq!(
                img["init"].as_str(),
                Some(real_pid1.as_str()),
                "{tag} {reader}"
            );
            assert_eq!(check(&doc, "image.present")["status"], "pass");
            let init = &check(&doc, "image.init")["status"];
            assert_eq!(init, if major.is_some() { "pass" } else { "fail" }, "{tag}");
            assert!(code == 0 || code == 1, "{tag}: exit {code}");
            println!(
                "{tag} via {via}: init {}, systemd {}",
                img["init"], img["systemd"]
            );
            pids.push(pid);
        }
        no_probe_container_of(&pids);
    }
    // Both readers see the same image: the whole facts agree apart from
    // read_via and how the links were seen. The layer reader walks every
    // verbatim link; through the archive API the daemon resolves a chain
    // inside the container's root and gives only its end (one hop, marked).
    if root && docker(&["image", "inspect", "sdctr-test/bookworm-systemd"]).0 {
        let facts = |r: &str| {
            let (_, doc, _) = report(&[
                "--image",
                "sdctr-test/bookworm-systemd",
                "--image-reader",
                r,
            ]);
            let mut f = doc["facts"]["images"][0].clone();
            f.as_object_mut().unwrap().remove("read_via");
            let links = f["pid1"].as_object_mut().unwrap().remove("links");
            (f, links.unwrap())
        };
        let (layers, walked) = facts("layers");
        let (archive, resolved) = facts("archive");
        assert_eq!(layers, archive);
        assert_eq!(
            walked,
            serde_json::json!([
                {"link": "/sbin", "target": "usr/sbin"},
                {"link": "/usr/sbin/init", "target": "/lib/systemd/systemd"},
                {"link": "/lib", "target": "usr/lib"},
            ])
        );
        assert_eq!(
            resolved,
            serde_json::json!([{
                "link": "/sbin/init",
                "target": "/usr/lib/systemd/systemd",
                "daemon_resolved": true,
            }])
        );
    }
}

#[test]
fn missing_image_is_never_pulled() {
    if !can_run(daemon_answers()) {
        return;
    }
    let tag = "sdctr-test/not-there:never";
    let (code, doc, _) = report(&["--image", tag]);
    assert_eq!(code, 1);
    let img = &doc["facts"]["images"][0];
    assert_eq!(img["present"], false);
    let c = check(&doc, "image.present");
    assert_eq!(c["status"], "fail");
    assert_eq!(
        c["remediation"]["commands"][0],
        format!("docker pull {tag}"),
        "{c}"
    );
    assert_eq!(check(&doc, "image.init")["status"], "skip");
    assert!(
        !docker(&["image", "inspect", tag]).0,
        "the doctor pulled {tag}"
    );
}

#[test]
fn no_daemon_skips_the_image_checks() {
    for args in [
        vec!["--no-docker"],
        vec!["--docker-host", "unix:///nonexistent/docker.sock"],
    ] {
        let mut all = args.clone();
        all.extend(["--image", "sdctr-test/bookworm-systemd"]);
        let (_, doc, _) = report(&all);
        for id in ["image.present", "image.init", "image.systemd-version"] {
            let c = check(&doc, id);
            assert_eq!(c["status"], "skip", "{args:?} {id}");
            assert!(c["message"].as_str().unwrap().contains("daemon"), "{c}");
        }
    }
}

/// Removes the image when the test ends, however it ends.
struct Imported(String);
impl Drop for Imported {
    fn drop(&mut self) {
        let _ = docker(&["rmi", "-f", &self.0]);
    }
}

#[test]
fn hostile_image_no_hang_no_big_memory() {
    if !can_run(daemon_answers()) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    for d in ["sbin", "etc", "usr/lib/systemd"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    use std::os::unix::fs::symlink;
    // A loop at PID 1, a link that climbs out of the root towards a file the
    // host has (and the image has not), a 3 GB sparse "library" that is also
    // the systemd binary.
    symlink("/sbin/init2", root.join("sbin/init")).unwrap();
    symlink("/sbin/init", root.join("sbin/init2")).unwrap();
    symlink(
        "../../../../../../../../../../usr/lib/os-release",
        root.join("etc/os-release"),
    )
    .unwrap();
    let big = root.join("usr/lib/systemd/libsystemd-shared-999.so");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    std::fs::hard_link(&big, root.join("usr/lib/systemd/systemd")).unwrap();
    let tarball = tmp.path().join("hostile.tar");
    // PAX sparse 1.0: moby refuses GNU sparse headers ("unhandled tar header type 83").
    let st = Command::new("tar")
        .args(["--sparse", "--format=pax", "--sparse-version=1.0", "-C"])
        .arg(&root)
        .arg("-cf")
        .arg(&tarball)
        .arg(".")
        .status()
        .unwrap();
    assert!(st.success());
    let tag = format!("sdctr-test/hostile:{}", std::process::id());
    let (ok, out) = docker(&[
        "import",
        "-c",
        "CMD [\"/sbin/init\"]",
        tarball.to_str().unwrap(),
        &tag,
    ]);
    assert!(ok, "docker import: {out}");
    let _cleanup = Imported(tag.clone());

    let host_has_it = std::path::Path::new("/usr/lib/os-release").exists();
    let readers: &[&str] = if nix::unistd::geteuid().is_root() {
        &["layers", "archive"]
    } else {
        &["archive"]
    };
    for reader in readers {
        let rss_file = tmp.path().join(format!("rss-{reader}"));
        let out = Command::new("/usr/bin/time")
            .arg("-o")
            .arg(&rss_file)
            .args(["-f", "%M"])
            .arg(assert_cmd::cargo::cargo_bin("sdctr-doctor"))
            .args([
                "--json",
                "--timeout",
                "60",
                "--image",
                &tag,
                "--image-reader",
                reader,
            ])
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{reader}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        let img = &doc["facts"]["images"][0];
        println!("{reader}: {img}");
        assert_eq!(img["read_via"], *reader);
        let loops: Vec<&Value> = img["link_findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] == "/sbin/init" && f["problem"] == "loop")
            .collect();
        assert_eq!(loops.len(), 1, "{reader}: {img}");
        assert_eq!(img["pid1"]["kind"], "missing", "{reader}");
        assert_eq!(check(&doc, "image.init")["status"], "fail");
        // The climbing link stayed inside the image, where there is no os-release.
        assert!(
            host_has_it && img["os"].is_null(),
            "{reader}: {}",
            img["os"]
        );
        match *reader {
            // The library's name is listed straight from the layer.
            "layers" => assert_eq!(img["systemd"]["major"], 999, "{img}"),
            // Listing the directory through the API means its 3 GB tar: refused at the cap.
            _ => assert!(
                img["systemd"]["major"] == 999
                    || img["systemd"]["error"]
                        .as_str()
                        .unwrap_or("")
                        .contains("larger than"),
                "{img}"
            ),
        }
        let kb: u64 = std::fs::read_to_string(&rss_file)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // A 3 GB read would show here; the reads are capped at a few MiB.
        assert!(kb < 64 * 1024, "{reader}: peak RSS {kb} KB");
    }
    no_probe_container_of(&[]);
    let (_, left) = docker(&["ps", "-a", "--filter", &format!("ancestor={tag}"), "-q"]);
    assert!(left.is_empty(), "containers of {tag} left: {left}");
}

/// `container NAME --image IMG`, where IMG is the container's own image: the
/// image is probed once and judged once.
#[test]
fn container_and_image_naming_the_same_image_probe_it_once() {
    const IMG: &str = "sdctr-test/bookworm-systemd";
    if !can_run(daemon_answers()) {
        return;
    }
    let name = format!("sdctr-test-same-image-{}", std::process::id());
    let (ok, out) = docker(&["create", "--name", &name, "--network", "none", IMG]);
    if !can_run((!ok).then(|| format!("{IMG}: {out} (run scripts/build-test-images.sh)"))) {
        return;
    }
    struct Created(String);
    impl Drop for Created {
        fn drop(&mut self) {
            let _ = docker(&["rm", "-f", &self.0]);
        }
    }
    let _created = Created(name.clone());
    let out = common::doctor()
        .args([
            "--json",
            "--image",
            IMG,
            "--only",
            "image",
            "container",
            &name,
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let present = check(&doc, "image.present")["message"].as_str().unwrap();
    assert_eq!(
        doc["facts"]["images"].as_array().unwrap().len(),
        1,
        "{present}"
    );
    assert_eq!(present.matches(IMG).count(), 1, "{present}");
}
