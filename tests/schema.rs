//! schema/report.schema.json validates the real `--json` output (checked with the `jsonschema`
//! crate, draft 2020-12), and rejects documents that break it.

mod common;

use std::fs;
use std::path::Path;

use common::{assert_valid, copy_fixture, doctor, fixture, json_of, validator, FIXTURES};
use serde_json::{json, Value};

#[test]
fn every_fixture_validates() {
    let v = validator();
    for name in FIXTURES {
        let (_, doc) = json_of(&fixture(name), &[]);
        assert_valid(&v, &doc, name);
        let (_, subset) = json_of(&fixture(name), &["--only", "host.kernel", "--strict"]);
        assert_valid(&v, &subset, name);
    }
}

#[test]
fn live_run_validates() {
    let out = doctor().arg("--json").output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["facts"]["host"]["cgroup"]["statfs"].is_array());
    assert_valid(&validator(), &doc, "live");
}

#[test]
fn error_forms_validate() {
    let tmp = copy_fixture("debian12-v2");
    for file in [
        "proc/self/mountinfo",
        "proc/cmdline",
        "proc/sys/kernel/osrelease",
        "proc/1/comm",
    ] {
        let p = tmp.path().join(file);
        fs::remove_file(&p).unwrap();
        fs::create_dir(&p).unwrap();
    }
    let (_, doc) = json_of(tmp.path(), &[]);
    for probe in ["cgroup", "cmdline", "kernel", "init", "capabilities"] {
        assert!(
            doc["facts"]["host"][probe]["error"].is_string(),
            "{probe}: {}",
            doc["facts"]["host"][probe]
        );
    }
    assert_valid(&validator(), &doc, "errors");

    let tmp = copy_fixture("ubuntu2204-unified");
    let p = tmp.path().join("sys/fs/cgroup/cgroup.controllers");
    fs::remove_file(&p).unwrap();
    fs::create_dir(&p).unwrap();
    fs::write(tmp.path().join("proc/self/cgroup"), "garbage\n").unwrap();
    let (_, doc) = json_of(tmp.path(), &[]);
    let cg = &doc["facts"]["host"]["cgroup"];
    assert!(cg["root_controllers"]["error"].is_string());
    assert!(cg["own_cgroup"]["error"].is_string());
    assert_valid(&validator(), &doc, "nested errors");
}

#[test]
fn schema_rejects_broken_documents() {
    let v = validator();
    let (_, good) = json_of(&fixture("centos7-legacy"), &[]);
    type Breakage = (&'static str, Box<dyn Fn(&mut Value)>);
    let breakages: Vec<Breakage> = vec![
        (
            "schema_version",
            Box::new(|d| d["schema_version"] = json!(2)),
        ),
        ("verdict", Box::new(|d| d["verdict"] = json!("maybe"))),
        ("summary", Box::new(|d| d["summary"]["pass"] = json!(-1))),
        (
            "status",
            Box::new(|d| d["checks"][0]["status"] = json!("ok")),
        ),
        ("id", Box::new(|d| d["checks"][0]["id"] = json!("NoDots"))),
        (
            "missing evidence",
            Box::new(|d| {
                d["checks"][0].as_object_mut().unwrap().remove("evidence");
            }),
        ),
        (
            "mode",
            Box::new(|d| d["facts"]["host"]["cgroup"]["mode"] = json!("v3")),
        ),
        (
            "error form with extras",
            Box::new(|d| d["facts"]["host"]["kernel"] = json!({"error": "x", "release": "6.1"})),
        ),
        (
            "empty error",
            Box::new(|d| d["facts"]["host"]["init"] = json!({"error": ""})),
        ),
        (
            "capability name",
            Box::new(|d| d["facts"]["host"]["capabilities"]["missing"] = json!(["sys_admin"])),
        ),
        ("no host", Box::new(|d| d["facts"] = json!({"docker": {}}))),
        ("extra top-level", Box::new(|d| d["extra"] = json!(1))),
    ];
    assert!(v.is_valid(&good));
    for (what, breaks) in breakages {
        let mut doc = good.clone();
        breaks(&mut doc);
        assert!(!v.is_valid(&doc), "schema accepted a broken {what}");
    }
    // facts stays open for other families.
    let mut doc = good.clone();
    doc["facts"]["docker"] = json!({"version": {"error": "no daemon"}});
    assert!(v.is_valid(&doc));
}

/// The documents of `lint` (a run line, a compose file, a molecule.yml, a
/// Dockerfile) validate too, recipe and targets included.
#[test]
fn lint_documents_validate() {
    let v = validator();
    let root = fixture("debian12-v2");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let runs: Vec<Vec<String>> = vec![
        vec![
            "--".into(),
            "docker".into(),
            "run".into(),
            "--init".into(),
            "IMG".into(),
        ],
        vec![
            "--".into(),
            "docker".into(),
            "run".into(),
            "--privileged".into(),
            "--stop-signal".into(),
            "SIGRTMIN+3".into(),
            "IMG".into(),
        ],
        vec![
            "--compose".into(),
            manifest
                .join("fixtures/compose/reefer-ubuntu.yml")
                .display()
                .to_string(),
            "--service".into(),
            "ubuntu".into(),
            "--service".into(),
            "cache".into(),
        ],
        vec![
            "--molecule".into(),
            manifest
                .join("fixtures/molecule/two-platforms/molecule.yml")
                .display()
                .to_string(),
        ],
        vec![
            "--dockerfile".into(),
            manifest
                .join("fixtures/dockerfile/bad.Dockerfile")
                .display()
                .to_string(),
        ],
    ];
    for args in runs {
        let out = doctor()
            .arg("--root")
            .arg(&root)
            .args(["--json", "--no-docker", "lint"])
            .args(&args)
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_valid(&v, &doc, &args.join(" "));
    }
}
