//! `sdctr-doctor lint --molecule FILE` on captured hosts (no daemon): the
//! real-world molecule.yml shapes under fixtures/molecule/, one judgement per
//! platform, the corrected platform read back, and the files it refuses.

mod common;

use std::path::{Path, PathBuf};

use common::{doctor, fixture};
use serde_json::Value;

fn molecule(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/molecule")
        .join(name)
        .join("molecule.yml")
}

/// The doctor without the variables molecule.yml files interpolate.
fn clean() -> assert_cmd::Command {
    let mut c = doctor();
    for v in [
        "MOLECULE_DISTRO",
        "MOLECULE_DOCKER_COMMAND",
        "MOLECULE_PLAYBOOK",
    ] {
        c.env_remove(v);
    }
    c
}

/// `--root HOST --no-docker lint --json --molecule FILE`: (exit code, document).
fn lint_json(host: &str, file: &Path, env: &[(&str, &str)]) -> (i32, Value) {
    let mut c = clean();
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c
        .arg("--root")
        .arg(fixture(host))
        .args(["--no-docker", "lint", "--json", "--molecule"])
        .arg(file)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), doc)
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn status<'a>(target: &'a Value, id: &str) -> &'a str {
    target["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))["status"]
        .as_str()
        .unwrap()
}

#[test]
fn geerlingguy_platform_boots_on_cgroup_v2_and_its_fix_drops_the_host_tree() {
    let (code, doc) = lint_json("debian12-v2", &molecule("geerlingguy-docker"), &[]);
    assert_eq!(code, 0, "{doc:#}");
    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1);
    let t = &targets[0];
    assert_eq!(t["name"], "instance");
    assert_eq!(t["kind"], "platform");
    assert_eq!(t["verdict"], "ready-with-warnings");
    assert_eq!(
        strings(&t["argv"]).join(" "),
        "docker run -d --name instance --hostname instance --cgroupns host --volume /sys/fs/cgroup:/sys/fs/cgroup:rw --privileged geerlingguy/docker-rockylinux8-ansible:latest"
    );
    assert_eq!(status(t, "run.cgroup-mount"), "pass");
    assert_eq!(status(t, "run.cgroupns"), "warn");
    // The fix drops what the warning is about: the host's tree and namespace.
    assert_eq!(
        strings(&t["recipe"]["argv"]).join(" "),
        "docker run -d --name instance --hostname instance --privileged --stop-signal SIGRTMIN+3 geerlingguy/docker-rockylinux8-ansible:latest"
    );
    let snippet = t["recipe"]["snippet"].as_str().unwrap();
    assert!(
        !snippet.contains("volumes") && !snippet.contains("cgroupns_mode"),
        "{snippet}"
    );
    assert!(snippet.contains("\n  privileged: true\n"), "{snippet}");
}

#[test]
fn variables_are_taken_from_the_environment() {
    let (_, doc) = lint_json(
        "debian12-v2",
        &molecule("geerlingguy-docker"),
        &[
            ("MOLECULE_DISTRO", "debian12"),
            (
                "MOLECULE_DOCKER_COMMAND",
                "/lib/systemd/systemd --log-level=debug",
            ),
        ],
    );
    let argv = strings(&doc["targets"][0]["argv"]);
    let image = argv
        .iter()
        .position(|w| *w == "geerlingguy/docker-debian12-ansible:latest")
        .unwrap_or_else(|| panic!("{argv:?}"));
    assert_eq!(
        argv[image + 1..],
        ["/lib/systemd/systemd", "--log-level=debug"]
    );
}

#[test]
fn two_platforms_on_v2_each_get_a_corrected_entry_that_passes_again() {
    let (code, doc) = lint_json("debian12-v2", &molecule("two-platforms"), &[]);
    assert_eq!(code, 1, "{doc:#}");
    let targets = doc["targets"].as_array().unwrap();
    let names: Vec<&str> = targets
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["debian12", "centos"]);
    for t in targets {
        assert_eq!(t["verdict"], "not-ready", "{}", t["name"]);
        assert_eq!(status(t, "run.cgroup-mount"), "fail", "{}", t["name"]);
        let argv = strings(&t["recipe"]["argv"]);
        assert!(
            argv.windows(2)
                .any(|w| w == ["--stop-signal", "SIGRTMIN+3"]),
            "{argv:?}"
        );
        assert!(
            !argv.iter().any(|w| w.starts_with("/sys/fs/cgroup:")),
            "{argv:?}"
        );
    }
    let snippet = targets[0]["recipe"]["snippet"].as_str().unwrap();
    assert!(snippet.starts_with("- name: debian12\n"), "{snippet}");
    // Kept as written, variables and all; only the bind went.
    assert!(
        snippet.contains(
            "  image: \"geerlingguy/docker-${MOLECULE_DISTRO:-debian12}-ansible:latest\"\n"
        ),
        "{snippet}"
    );
    assert!(!snippet.contains("volumes:"), "{snippet}");

    // Both corrected entries, as a molecule.yml of their own, pass here.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("driver:\n  name: docker\nplatforms:\n");
    for t in targets {
        for line in t["recipe"]["snippet"].as_str().unwrap().lines() {
            text.push_str(&format!("  {line}\n"));
        }
    }
    let again = dir.path().join("molecule.yml");
    std::fs::write(&again, &text).unwrap();
    let (code, doc) = lint_json("debian12-v2", &again, &[]);
    assert_eq!(code, 0, "{text}\n{doc:#}");
    for t in doc["targets"].as_array().unwrap() {
        assert_eq!(status(t, "run.cgroup-mount"), "pass", "{text}");
        assert!(t["recipe"].is_null(), "{text}");
    }
}

#[test]
fn two_platforms_on_a_hybrid_host_human_report() {
    let out = clean()
        .arg("--root")
        .arg(fixture("dev-vm-hybrid"))
        .args(["--no-docker", "lint", "--molecule"])
        .arg(molecule("two-platforms"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    for heading in ["── platform debian12 ──", "── platform centos ──"] {
        assert!(text.contains(heading), "{text}");
    }
    // centos has no pre_build_image: molecule builds on top of it.
    assert!(
        text.contains("note: pre_build_image is false: molecule runs molecule_local/quay.io/centos/centos:stream9, built from Dockerfile.j2 FROM quay.io/centos/centos:stream9"),
        "{text}"
    );
    assert!(text.contains("(the worst of 2 platforms)"), "{text}");
}

fn refused(file: &Path) -> String {
    let out = clean()
        .arg("--root")
        .arg(fixture("debian12-v2"))
        .args(["--no-docker", "lint", "--molecule"])
        .arg(file)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

#[test]
fn an_unknown_platform_key_is_a_usage_error() {
    let err = refused(&molecule("unknown-key"));
    assert!(
        err.contains("platform 'instance': unknown key 'cgroup_parent'"),
        "{err}"
    );
}

#[test]
fn a_yaml_error_names_line_and_column() {
    let err = refused(&molecule("bad-yaml"));
    assert!(
        err.contains("not YAML") && err.contains("line 6 column 12"),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let err = refused(Path::new("fixtures/molecule/nowhere/molecule.yml"));
    assert!(err.contains("nowhere/molecule.yml"), "{err}");
}
