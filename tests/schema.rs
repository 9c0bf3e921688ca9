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
    use std::io::{BufRead, BufReader, Read, Write};
    let socket = dir.join("docker.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let read = |name: &str| fs::read_to_string(answers.join(name)).unwrap_or_else(|_| "{}".into());
    let (version, info) = (read("version.json"), read("info.json"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (version, info) = (version.clone(), info.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut out = stream;
                loop {
                    let mut request = String::new();
                    if reader.read_line(&mut request).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut length = 0usize;
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 {
                            return;
                        }
                        if h == "\r\n" {
                            break;
                        }
                        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    let _ = reader.read_exact(&mut body);
                    let path = request.split_whitespace().nth(1).unwrap_or("").to_owned();
                    let path = path.strip_prefix("/v1.41").unwrap_or(&path);
                    let (status, answer) = match path.split('?').next().unwrap_or("") {
                        "/_ping" => ("200 OK", "OK".to_owned()),
                        "/version" => ("200 OK", version.clone()),
                        "/info" => ("200 OK", info.clone()),
                        "/containers/json" => ("200 OK", "[]".to_owned()),
                        _ => (
                            "404 Not Found",
                            r#"{"message":"not in this fake"}"#.to_owned(),
                        ),
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        answer.len()
                    );
                    if out.write_all(head.as_bytes()).is_err()
                        || out.write_all(answer.as_bytes()).is_err()
                    {
                        return;
                    }
                }
            });
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
