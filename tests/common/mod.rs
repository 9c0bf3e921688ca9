//! Shared helpers for the integration tests: the binary, fixture paths, tempdir copies.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// Every host fixture, in a fixed order.
pub const FIXTURES: &[&str] = &[
    "centos7-legacy",
    "debian12-v2",
    "dev-vm-hybrid",
    "docker-container-v1",
    "rootless-fedora34",
    "ubuntu2204-unified",
    "wsl2-hybrid",
];

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hosts")
        .join(name)
}

/// A run line that fails one check (`run.init`) on the CentOS 7 fixture: the
/// v1 recipe plus `--init`. Pass after `--root ... --no-docker`.
pub const LINT_INIT: &[&str] = &[
    "lint",
    "--",
    "docker",
    "run",
    "-d",
    "--init",
    "--tmpfs",
    "/run",
    "--tmpfs",
    "/run/lock",
    "--tmpfs",
    "/tmp",
    "-v",
    "/sys/fs/cgroup:/sys/fs/cgroup:ro",
    "--stop-signal",
    "SIGRTMIN+3",
    "centos:7",
];

/// The doctor with a clean environment for colour decisions.
pub fn doctor() -> Command {
    let mut c = Command::cargo_bin("sdctr-doctor").expect("binary built");
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR");
    c
}

/// `--root DIR --json --no-docker` plus `extra`: (exit code, parsed document).
/// A captured host tree has no daemon of its own, so the local one is left out.
pub fn json_of(root: &Path, extra: &[&str]) -> (i32, Value) {
    let out = doctor()
        .arg("--root")
        .arg(root)
        .arg("--json")
        .arg("--no-docker")
        .args(extra)
        .output()
        .expect("runs");
    let code = out.status.code().expect("exited");
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, doc)
}

/// `(id, status)` of every check in a report.
pub fn statuses(doc: &Value) -> Vec<(String, String)> {
    doc["checks"]
        .as_array()
        .expect("checks[]")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn status_of(doc: &Value, id: &str) -> String {
    check(doc, id)["status"].as_str().unwrap().to_owned()
}

/// The check `id` of a report.
pub fn check<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .expect("checks[]")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// True when nothing is missing; else panics under CI=true, or says why
/// it skips and returns false.
pub fn can_run(why_not: Option<String>) -> bool {
    match why_not {
        None => true,
        Some(why) if in_ci() => panic!("CI=true and {why}"),
        Some(why) => {
            eprintln!("SKIP: {why}");
            false
        }
    }
}

/// `docker ARGS`: (success, trimmed stdout on success, else stderr).
pub fn docker(args: &[&str]) -> (bool, String) {
    match std::process::Command::new("docker").args(args).output() {
        Ok(o) => {
            let text = if o.status.success() {
                o.stdout
            } else {
                o.stderr
            };
            (
                o.status.success(),
                String::from_utf8_lossy(&text).trim().to_owned(),
            )
        }
        Err(e) => (false, format!("docker: {e}")),
    }
}

/// Where scripts/build-test-images.sh caches tarballs and printed versions.
pub fn image_cache() -> PathBuf {
    std::env::var_os("SDCTR_IMAGE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/sdctr-doctor/images"))
}

/// A tempdir holding a copy of a fixture, to change one thing in.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(name), tmp.path());
    tmp
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}
pub mod daemon;
pub mod engine_stub;
pub mod pki;

/// schema/report.schema.json, compiled (draft 2020-12).
pub fn validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json");
    let schema: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::draft202012::new(&schema).expect("a valid draft 2020-12 schema")
}

/// `doc` follows the schema; `what` names it in the failure.
pub fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}
