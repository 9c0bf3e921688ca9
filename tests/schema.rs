//! schema/report.schema.json validates the real `--json` output (checked with the `jsonschema`
//! crate, draft 2020-12), and rejects documents that break it.

mod common;

use std::fs;
use std::path::Path;

use common::{
    assert_valid, can_run, copy_fixture, docker, doctor, fixture, json_of, validator, FIXTURES,
};
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
    // facts is closed: an unknown family, or an unknown field in a family, fails.
    let mut doc = good.clone();
    doc["facts"]["daemon"] = json!({});
    assert!(!v.is_valid(&doc), "schema accepted an unknown facts family");
    let mut doc = good.clone();
    doc["facts"]["docker_probe"]["extra"] = json!(1);
    assert!(
        !v.is_valid(&doc),
        "schema accepted an unknown docker_probe field"
    );
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

/// Every object in `doc` is closed: the document with one unknown key added
/// to any of them fails. So a field added to a facts struct (or a finding, a
/// target, a triage entry) that reaches real output fails these tests until
/// the schema names it.
fn assert_closed(v: &jsonschema::Validator, doc: &Value, what: &str) {
    fn objects(at: &Value, path: String, out: &mut Vec<String>) {
        match at {
            Value::Object(m) => {
                out.push(path.clone());
                for (k, x) in m {
                    objects(x, format!("{path}/{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    objects(x, format!("{path}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut paths = vec![];
    objects(doc, String::new(), &mut paths);
    assert!(paths.len() > 1, "{what}: no objects");
    for p in paths {
        let mut broken = doc.clone();
        broken
            .pointer_mut(&p)
            .and_then(Value::as_object_mut)
            .unwrap()
            .insert("unknown_field_for_schema_test".into(), json!(null));
        assert!(
            !v.is_valid(&broken),
            "{what}: schema accepts an unknown field in the object at {p:?}"
        );
    }
}

/// Valid, and closed everywhere.
fn assert_contract(v: &jsonschema::Validator, doc: &Value, what: &str) {
    assert_valid(v, doc, what);
    assert_closed(v, doc, what);
}

/// The doctor with `args`: the parsed stdout (any exit but 2, bad usage).
fn run_json(args: &[&str]) -> Value {
    let out = doctor().args(args).output().unwrap();
    assert_ne!(out.status.code(), Some(2), "{args:?}: {out:?}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn manifest(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

/// The `report.json` a `capture --bundle` stored.
fn stored_report(bundle: &Path) -> Value {
    use std::io::Read;
    let gz = flate2::read::GzDecoder::new(fs::File::open(bundle).unwrap());
    let mut tar = tar::Archive::new(gz);
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap() == Path::new("report.json") {
            let mut out = Vec::new();
            entry.read_to_end(&mut out).unwrap();
            return serde_json::from_slice(&out).expect("report.json is JSON");
        }
    }
    panic!("{}: no report.json", bundle.display());
}

/// `--facts FILE` with the facts of `doc`: the replayed report.
fn replay_facts(doc: &Value) -> Value {
    let tmp = tempfile::NamedTempFile::new().unwrap();
    fs::write(tmp.path(), serde_json::to_vec(&doc["facts"]).unwrap()).unwrap();
    let path = tmp.path().display().to_string();
    run_json(&["--json", "--facts", &path])
}

const REDACTION: [&[&str]; 2] = [&[], &["--no-redact"]];

/// The runs that need no daemon: `--no-docker`, an unreachable endpoint,
/// fixture hosts, lint of every kind, a fixture bundle and its replay, and
/// `--facts` replays; redacted and not.
#[test]
fn daemonless_outputs_keep_the_contract() {
    let v = validator();
    let root = fixture("debian12-v2").display().to_string();
    let (compose, molecule, dockerfile) = (
        manifest("fixtures/compose/reefer-ubuntu.yml"),
        manifest("fixtures/molecule/two-platforms/molecule.yml"),
        manifest("fixtures/dockerfile/bad.Dockerfile"),
    );
    for extra in REDACTION {
        let runs: Vec<Vec<&str>> = vec![
            vec!["--json", "--no-docker"],
            vec![
                "--json",
                "--docker-host",
                "unix:///nonexistent/sdctr-schema.sock",
            ],
            vec!["--json", "--docker-host", "tcp://127.0.0.1:1"],
            vec!["--json", "--root", &root, "--no-docker"],
            vec!["--json", "--no-docker", "--image", "sdctr-schema/none"],
            vec![
                "--json",
                "--no-docker",
                "lint",
                "--",
                "docker",
                "run",
                "-d",
                "--init",
                "-v",
                "/sys/fs/cgroup:/sys/fs/cgroup:ro",
                "--mount",
                "type=tmpfs,dst=/run",
                "-e",
                "SECRET=x",
                "--name",
                "web",
                "debian:12",
            ],
            vec!["--json", "--no-docker", "lint", "--compose", &compose],
            vec!["--json", "--no-docker", "lint", "--molecule", &molecule],
            vec!["--json", "--no-docker", "lint", "--dockerfile", &dockerfile],
        ];
        for mut args in runs {
            args.extend_from_slice(extra);
            let doc = run_json(&args);
            let what = args.join(" ");
            assert_contract(&v, &doc, &what);
            let replayed = replay_facts(&doc);
            assert_contract(&v, &replayed, &format!("--facts of {what}"));
        }
        let unreachable = run_json(
            &[
                &["--json", "--docker-host", "unix:///nonexistent/x.sock"],
                extra,
            ]
            .concat(),
        );
        assert_eq!(
            unreachable["facts"]["docker_probe"]["outcome"],
            "unreachable"
        );
        assert_eq!(
            unreachable["facts"]["docker_probe"]["error"]["kind"],
            "no_socket"
        );
        assert!(unreachable["facts"]["docker"].is_null());

        let tmp = tempfile::tempdir().unwrap();
        let bundle = tmp.path().join("b.tar.gz");
        let b = bundle.display().to_string();
        let out = doctor()
            .args(["--root", &root, "--no-docker"])
            .args(extra)
            .args([
                "capture",
                "--bundle",
                &b,
                "--",
                "docker",
                "run",
                "--init",
                "debian:12",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert_contract(
            &v,
            &stored_report(&bundle),
            "report.json of a fixture bundle",
        );
        let from = run_json(&[&["--json", "--from", &b], extra].concat());
        assert!(from["facts"]["run"].is_object());
        assert_contract(&v, &from, "--from a fixture bundle");
    }
}

/// `triage --json` of every saved log, redacted and not.
#[test]
fn triage_outputs_keep_the_contract() {
    let v = validator();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/logs");
    let mut n = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "log") {
            continue;
        }
        for extra in REDACTION {
            let p = path.display().to_string();
            let doc = run_json(&[&["triage", &p, "--json"], extra].concat());
            assert_contract(&v, &doc, &p);
            n += 1;
        }
    }
    assert!(n >= 2, "no logs in fixtures/logs");
}

/// With this machine's daemon: the default run, `--image` (a test image and
/// one not here), lint of every kind, `container` (a created container,
/// removed after), a live bundle and its replay, `--facts` replays; each
/// redacted and with `--no-redact`, each valid and closed everywhere.
#[test]
fn daemon_outputs_keep_the_contract() {
    const IMAGE: &str = "sdctr-test/bookworm-systemd";
    let (ok, why) = docker(&["image", "inspect", "--format", "{{.Id}}", IMAGE]);
    if !can_run((!ok).then(|| format!("the daemon or {IMAGE} is not here: {why}"))) {
        return;
    }
    let name = format!("sdctr-schema-test-{}", std::process::id());
    let (ok, why) = docker(&[
        "create",
        "--name",
        &name,
        "--privileged",
        "-v",
        "/tmp:/srv:ro",
        "--tmpfs",
        "/run:size=64m",
        "-e",
        "container=docker",
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
    // One that runs systemd (its state is asked inside) and one that exited
    // (its logs are read).
    let running = format!("{name}-running");
    let _remove_running = Remove(running.clone());
    let (ok, why) = docker(&[
        "run",
        "-d",
        "--name",
        &running,
        "--cgroupns=host",
        "-v",
        "/sys/fs/cgroup:/sys/fs/cgroup:rw",
        "--tmpfs",
        "/run",
        "--tmpfs",
        "/run/lock",
        IMAGE,
    ]);
    assert!(ok, "docker run: {why}");
    let exited = format!("{name}-exited");
    let _remove_exited = Remove(exited.clone());
    let (ok, why) = docker(&[
        "run",
        "--name",
        &exited,
        IMAGE,
        "sh",
        "-c",
        "echo hello; exit 3",
    ]);
    assert!(!ok, "docker run (exit 3) succeeded: {why}");
    for extra in REDACTION {
        let doc = run_json(&[&["--json", "container", &running], extra].concat());
        assert!(
            doc["facts"]["container"]["systemd"]["system_state"].is_string(),
            "{}",
            doc["facts"]["container"]
        );
        assert_contract(&validator(), &doc, "container (running)");
        let doc = run_json(&[&["--json", "container", &exited], extra].concat());
        assert_eq!(doc["facts"]["container"]["logs"]["lines"], json!(["hello"]));
        assert_contract(&validator(), &doc, "container (exited)");
    }

    let v = validator();
    let (compose, molecule, dockerfile) = (
        manifest("fixtures/compose/reefer-ubuntu.yml"),
        manifest("fixtures/molecule/two-platforms/molecule.yml"),
        manifest("fixtures/dockerfile/live.Dockerfile"),
    );
    for extra in REDACTION {
        let runs: Vec<Vec<&str>> = vec![
            vec!["--json"],
            vec![
                "--json",
                "--image",
                IMAGE,
                "--image",
                "sdctr-test/bookworm-nosystemd",
                "--image",
                "sdctr-schema/none:1",
            ],
            vec!["--json", "lint", "--", "docker", "run", "--init", IMAGE],
            vec!["--json", "lint", "--compose", &compose],
            vec!["--json", "lint", "--molecule", &molecule],
            vec!["--json", "lint", "--dockerfile", &dockerfile],
            vec!["--json", "container", &name],
        ];
        for mut args in runs {
            args.extend_from_slice(extra);
            let doc = run_json(&args);
            let what = args.join(" ");
            assert!(
                doc["facts"]["docker"].is_object(),
                "{what}: no daemon facts"
            );
            assert_contract(&v, &doc, &what);
            assert_contract(&v, &replay_facts(&doc), &format!("--facts of {what}"));
        }
        // The families the daemon fills are there, so the checks above saw them.
        let images = run_json(&[&["--json", "--image", IMAGE], extra].concat());
        let image = &images["facts"]["images"][0];
        assert!(
            image["pid1"]["kind"].is_string() && image["systemd"]["major"].is_u64(),
            "{image}"
        );
        let container = run_json(&[&["--json", "container", &name], extra].concat());
        let c = &container["facts"]["container"];
        assert!(
            c["state"].is_object() && container["facts"]["run"]["spec"].is_object(),
            "{c}"
        );
        let shown = if extra.is_empty() {
            "<redacted:name>"
        } else {
            name.as_str()
        };
        assert_eq!(c["name"], shown);

        let tmp = tempfile::tempdir().unwrap();
        let bundle = tmp.path().join("live.tar.gz");
        let b = bundle.display().to_string();
        let out = doctor()
            .args(["--image", IMAGE])
            .args(extra)
            .args(["capture", "--bundle", &b, "--container", &name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let stored = stored_report(&bundle);
        assert!(stored["facts"]["container"].is_object());
        assert_contract(&v, &stored, "report.json of a live bundle");
        assert_contract(
            &v,
            &run_json(&[&["--json", "--from", &b], extra].concat()),
            "--from a live bundle",
        );
    }
}

/// The schema's `schema_version` is the one the report and triage print,
/// and the one docs/schema.md names as current.
#[test]
fn schema_version_is_the_printed_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json");
    let schema: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let version = &schema["properties"]["schema_version"]["const"];
    assert!(version.is_u64(), "{version}");
    let (_, report) = json_of(&fixture("debian12-v2"), &[]);
    assert_eq!(&report["schema_version"], version);
    let log = manifest("fixtures/logs/bookworm-252-init.log");
    assert_eq!(
        &run_json(&["triage", &log, "--json"])["schema_version"],
        version
    );
    let doc =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema.md")).unwrap();
    assert!(
        doc.contains(&format!("Current `schema_version`: **{version}**")),
        "docs/schema.md does not name schema_version {version} as current"
    );
}

/// Serves `/_ping`, `/version` and `/info` from a fixtures/docker directory
/// (`{}` for a missing file), `[]` for container listings, 404 for the rest,
/// on a unix socket in `dir`: daemons other than this machine's (Docker
/// Desktop, Podman, other versions) without a daemon.
fn fake_daemon(answers: &Path, dir: &Path) -> String {
    let socket = dir.join("docker.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let read = |name: &str| fs::read_to_string(answers.join(name)).unwrap_or_else(|_| "{}".into());
    let (version, info) = (read("version.json"), read("info.json"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (version, info) = (version.clone(), info.clone());
            std::thread::spawn(move || common::engine_stub::serve(stream, &version, &info));
        }
    });
    format!("unix://{}", socket.display())
}

/// The daemon facts of every recorded daemon (fixtures/docker), with an
/// image it does not have, redacted and not.
#[test]
fn recorded_daemons_keep_the_contract() {
    let v = validator();
    let root = fixture("debian12-v2").display().to_string();
    let dirs = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docker");
    let mut engines = std::collections::BTreeSet::new();
    for entry in fs::read_dir(dirs).unwrap() {
        let answers = entry.unwrap().path();
        if !answers.is_dir() {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        let host = fake_daemon(&answers, tmp.path());
        for extra in REDACTION {
            let args = [
                &[
                    "--json",
                    "--root",
                    &root,
                    "--docker-host",
                    &host,
                    "--image",
                    "sdctr-schema/none",
                ],
                extra,
            ]
            .concat();
            let doc = run_json(&args);
            let what = format!("{}: {}", answers.display(), args.join(" "));
            assert!(
                doc["facts"]["docker"].is_object(),
                "{what}: {}",
                doc["facts"]["docker_probe"]
            );
            assert_contract(&v, &doc, &what);
            engines.insert(
                doc["facts"]["docker"]["engine"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    assert_eq!(
        engines.into_iter().collect::<Vec<_>>(),
        ["docker", "docker-desktop", "podman"]
    );
}

/// Facts with every optional member set and every list filled, written as
/// struct literals: a field added to a facts struct does not compile here
/// until it is set, and then fails the schema until the schema names it, even
/// when no command above prints it (skip_serializing_if, rare daemons).
fn every_field() -> sdctr_doctor::facts::Facts {
    use sdctr_doctor::facts::container::{
        ContainerConfig, ContainerFacts as Inspected, ContainerState, LogTail, SystemdState, Tmpfs,
    };
    use sdctr_doctor::facts::docker::*;
    use sdctr_doctor::facts::dockerfile::{DockerfileFacts, EnvVar, PackageInstall, Setting};
    use sdctr_doctor::facts::host::*;
    use sdctr_doctor::facts::image::*;
    use sdctr_doctor::facts::run::{Client, Mount, MountKind, RunArg, RunFacts, RunSpec};
    use sdctr_doctor::facts::{Facts, Probed};
    let s = |x: &str| x.to_owned();
    let some = |x: &str| Some(x.to_owned());
    let v = |x: &str| vec![x.to_owned()];
    let line = "35 25 0:30 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate";
    let hop = LinkHop {
        link: s("/sbin/init"),
        target: s("/lib/systemd/systemd"),
        daemon_resolved: true,
    };
    Facts {
        host: HostFacts {
            root: s("/"),
            live: true,
            cgroup: Probed::Ok(CgroupFacts {
                mode: CgroupMode::Hybrid,
                detected_by: s("statfs"),
                reason: s("statfs(/sys/fs/cgroup) is tmpfs"),
                statfs: vec![StatfsEntry {
                    path: s("/sys/fs/cgroup"),
                    fs_type: s("tmpfs"),
                    magic: s("0x1021994"),
                }],
                mountinfo_path: s("/proc/self/mountinfo"),
                top_mount: some(line),
                cgroup2: Some(Cgroup2Mount {
                    mount_point: s("/sys/fs/cgroup/unified"),
                    read_only: false,
                    nsdelegate: true,
                    memory_recursiveprot: false,
                    favordynmods: false,
                    super_options: v("nsdelegate"),
                    line: s(line),
                }),
                v1_hierarchies: vec![V1Hierarchy {
                    mount_point: s("/sys/fs/cgroup/memory"),
                    controllers: v("memory"),
                    read_only: false,
                    line: s(line),
                }],
                root_controllers: Some(Probed::Ok(v("memory"))),
                root_subtree_control: Some(Probed::error("unreadable")),
                v1_bound_controllers: Probed::Ok(v("memory")),
                own_cgroup: Probed::Ok(some("/init.scope")),
                own_controllers: Some(Probed::Ok(v("pids"))),
                tmpfs: Some(CgroupTmpfs {
                    read_only: false,
                    super_options: v("mode=755"),
                    entries: vec![TmpfsEntry {
                        name: s("cpu"),
                        kind: EntryKind::Symlink,
                        target: some("cpu,cpuacct"),
                        mounted: false,
                    }],
                }),
            }),
            kernel: Probed::Ok(KernelFacts {
                release: s("6.1.0-13-amd64"),
                version: Some([6, 1, 0]),
                wsl: false,
            }),
            cmdline: Probed::Ok(CmdlineFacts {
                raw: s("quiet"),
                unified_cgroup_hierarchy: some("0"),
                legacy_systemd_cgroup_controller: some("1"),
                cgroup_no_v1: some("all"),
                legacy_force: false,
            }),
            init: Probed::Ok(InitFacts {
                comm: s("systemd"),
                is_systemd: true,
                systemd_version: some("252"),
            }),
            container: Probed::Ok(ContainerFacts {
                inside: false,
                signals: v("/.dockerenv exists"),
                counter_signals: v("the root filesystem is on a block device"),
            }),
            capabilities: Probed::Ok(CapabilityFacts {
                bounding_set: s("000001ffffffffff"),
                missing: v("CAP_SYS_RESOURCE"),
            }),
        },
        docker: Some(DockerFacts {
            endpoint: s("unix:///var/run/docker.sock"),
            local: true,
            engine: Engine::DockerDesktop,
            server_version: s("24.0.7"),
            api_version: s("1.43"),
            min_api_version: some("1.12"),
            negotiated_api_version: some("1.41"),
            platform: some("Docker Desktop 4.25.0 (126437)"),
            components: vec![Component {
                name: s("runc"),
                version: s("1.1.9"),
            }],
            operating_system: some("Docker Desktop"),
            kernel_version: some("6.4.16-linuxkit"),
            cgroup_version: some("2"),
            cgroup_driver: some("cgroupfs"),
            security_options: v("name=seccomp,profile=builtin"),
            security: Security {
                apparmor: true,
                selinux: true,
                seccomp_profile: some("builtin"),
                userns: true,
                rootless: true,
                cgroupns_private: true,
                no_new_privileges: true,
            },
            rootless: true,
            default_runtime: some("runc"),
            runtimes: v("runc"),
            init_binary: some("docker-init"),
            limits: Limits {
                memory: true,
                pids: true,
                cpu_cfs_quota: true,
                cpu_shares: true,
                cpuset: true,
            },
            warnings: v("WARNING: No swap limit support"),
            daemon_process: Some(DaemonProcess {
                pid: Some(1440),
                uid: 0,
                comm: some("dockerd"),
                bounding_set: some("000001ffffffffff"),
                missing_caps: v("CAP_SYS_RESOURCE"),
                error: some("/proc/1440/status: permission denied"),
                socket_listener: Some(SocketListener {
                    pid: Some(1),
                    comm: some("systemd"),
                }),
                found_by: v("docker.socket"),
                nofile_hard: Some(1_048_576),
                nproc_hard: Some(96_362),
            }),
            privileged_possible: Some(true),
            privileged_reason: s("dockerd has every capability"),
            config: Some(DaemonConfig {
                file: s("/etc/docker/daemon.json"),
                file_from: s("the default (no --config-file)"),
                error: some("not JSON"),
                init: Some(true),
                init_from: some("--init"),
            }),
        }),
        docker_probe: Some(DockerProbe {
            outcome: ProbeOutcome::Unreachable,
            endpoint: some("unix:///var/run/docker.sock"),
            endpoint_source: some("default"),
            error: Some(DockerError {
                kind: s("refused"),
                message: s("connection refused"),
            }),
            dockerd_path: some("/usr/bin/dockerd"),
            rootless_socket: some("/run/user/1000/docker.sock"),
        }),
        container: Some(Inspected {
            reference: s("web"),
            id: s("c3267089"),
            name: s("web"),
            state: ContainerState {
                status: s("running"),
                running: true,
                exit_code: 0,
                error: s(""),
                oom_killed: false,
                started_at: s("2026-01-01T00:00:00Z"),
                finished_at: s("0001-01-01T00:00:00Z"),
            },
            config: ContainerConfig {
                image: s("debian:12"),
                image_id: s("sha256:84bb"),
                tty: true,
                privileged: false,
                cap_add: v("SYS_ADMIN"),
                cap_drop: v("ALL"),
                security_opt: v("seccomp=unconfined"),
                cgroupns_mode: s("private"),
                cgroup_parent: s("docker.slice"),
                binds: v("/sys/fs/cgroup:/sys/fs/cgroup:rw"),
                mounts: v("type=tmpfs,dst=/run"),
                image_volumes: v("/var/lib/data"),
                tmpfs: vec![Tmpfs {
                    target: s("/run"),
                    options: s("size=64m"),
                }],
                init: false,
                readonly_rootfs: false,
                user: s("root"),
                userns_mode: s("host"),
                runtime: s("runc"),
                env_container: some("docker"),
                stop_signal: s("SIGRTMIN+3"),
                entrypoint: v("/sbin/init"),
                cmd: v("--log-level=info"),
            },
            logs: Some(Probed::Ok(LogTail {
                lines: v("Welcome to Debian GNU/Linux 12 (bookworm)!"),
                truncated: true,
            })),
            systemd: Some(Probed::Ok(SystemdState {
                system_state: s("degraded"),
                exit_code: Some(1),
                failed_units: v("systemd-remount-fs.service"),
                note: some("no timeout in the container"),
            })),
            run_line_error: some("an option the run line cannot say"),
        }),
        run: Some(RunFacts {
            argv: vec![s("docker"), s("run"), s("-v"), s("/a:/b"), s("debian:12")],
            spec: RunSpec {
                client: Client::Podman,
                command: vec![s("docker"), s("run")],
                options: vec![RunArg {
                    name: s("volume"),
                    value: some("/a:/b"),
                    tokens: vec![s("-v"), s("/a:/b")],
                    group: 1,
                }],
                image: s("debian:12"),
                args: v("/sbin/init"),
                privileged: true,
                cap_add: v("SYS_ADMIN"),
                cap_drop: v("ALL"),
                security_opt: v("apparmor=unconfined"),
                cgroupns: some("host"),
                cgroup_parent: some("docker.slice"),
                mounts: vec![Mount {
                    kind: MountKind::Bind,
                    source: some("/a"),
                    target: s("/b"),
                    read_only: true,
                    bind_recursive: some("readonly"),
                    flag: s("mount"),
                }],
                init: true,
                stop_signal: some("SIGRTMIN+3"),
                read_only: true,
                user: some("root"),
                userns: some("host"),
                runtime: some("crun"),
                env_container: some("podman"),
                env_files: v("app.env"),
                entrypoint: some("/sbin/init"),
                podman_systemd: some("always"),
            },
        }),
        images: vec![ImageFacts {
            reference: s("debian:12"),
            present: true,
            error: some("inspect failed"),
            id: some("sha256:84bb"),
            entrypoint: Some(v("/sbin/init")),
            cmd: Some(v("--log-level=info")),
            env_container: some("docker"),
            user: s(""),
            working_dir: s("/"),
            volumes: v("/var/lib/data"),
            stop_signal: some("SIGRTMIN+3"),
            os: Probed::Ok(Some(OsRelease {
                source: s("/usr/lib/os-release"),
                id: some("debian"),
                version_id: some("12"),
                version_codename: some("bookworm"),
                pretty_name: some("Debian GNU/Linux 12 (bookworm)"),
            })),
            init: some("/usr/lib/systemd/systemd"),
            pid1: Probed::Ok(Pid1Facts {
                argv: v("/sbin/init"),
                command: some("/sbin/init"),
                resolved: some("/usr/lib/systemd/systemd"),
                kind: Pid1Kind::MiniInit,
                links: vec![hop.clone()],
                shell_execs: some("/sbin/init"),
            }),
            systemd_path: some("/usr/lib/systemd/systemd"),
            systemd: Probed::Ok(Some(SystemdVersion {
                major: 252,
                version: s("252.39-1~deb12u2"),
                source: VersionSource::ElfNeeded,
                version_from: some("dpkg-status"),
            })),
            link_findings: vec![LinkFinding {
                path: s("/sbin/init"),
                problem: LinkProblem::EscapesRoot,
                at: s("/sbin"),
                hops: vec![hop],
            }],
            notes: v("systemd is not ELF"),
            read_via: some("archive"),
        }],
        dockerfile: Some(DockerfileFacts {
            path: s("Dockerfile"),
            text: s("FROM debian:12\n"),
            base: s("debian:12"),
            stages: 2,
            stage: some("final"),
            base_present: Some(true),
            base_has_systemd: Some(false),
            base_note: some("not present"),
            entrypoint: vec![Setting {
                value: v("/sbin/init"),
                line: 2,
                last_line: 3,
            }],
            cmd: vec![Setting {
                value: v("--log-level=info"),
                line: 4,
                last_line: 4,
            }],
            cmd_cleared_at: Some(2),
            user: vec![Setting {
                value: s("root"),
                line: 5,
                last_line: 5,
            }],
            stop_signal: vec![Setting {
                value: s("SIGRTMIN+3"),
                line: 6,
                last_line: 6,
            }],
            env: vec![Setting {
                value: EnvVar {
                    name: s("container"),
                    value: s("docker"),
                },
                line: 7,
                last_line: 7,
            }],
            working_dir: vec![Setting {
                value: s("/"),
                line: 8,
                last_line: 8,
            }],
            volumes: vec![Setting {
                value: v("/data"),
                line: 9,
                last_line: 9,
            }],
            installs: vec![Setting {
                value: PackageInstall {
                    manager: s("apt-get"),
                    packages: v("systemd"),
                    systemd: true,
                },
                line: 10,
                last_line: 11,
            }],
        }),
    }
}

#[test]
fn every_facts_field_is_in_the_schema() {
    let v = validator();
    let facts = serde_json::to_value(every_field()).unwrap();
    // Nothing serialised as absent or empty: each member is really there.
    fn filled(at: &Value, path: &str) {
        match at {
            Value::Array(a) => {
                assert!(!a.is_empty(), "{path} is empty");
                a.iter().for_each(|x| filled(x, path));
            }
            Value::Object(m) => m
                .iter()
                .for_each(|(k, x)| filled(x, &format!("{path}/{k}"))),
            Value::Null => panic!("{path} is null"),
            _ => {}
        }
    }
    filled(&facts, "facts");
    let (_, mut doc) = json_of(&fixture("debian12-v2"), &[]);
    doc["facts"] = facts.clone();
    assert_contract(&v, &doc, "every facts field");
    // The doctor reads them back and judges them into a valid report.
    let tmp = tempfile::NamedTempFile::new().unwrap();
    fs::write(tmp.path(), facts.to_string()).unwrap();
    let path = tmp.path().display().to_string();
    let replayed = run_json(&["--json", "--no-redact", "--facts", &path]);
    assert_eq!(replayed["facts"], facts);
    assert_contract(&v, &replayed, "--facts with every field");
}
