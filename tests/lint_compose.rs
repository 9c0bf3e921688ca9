//! `sdctr-doctor lint --compose` end to end on captured hosts (no daemon
//! asked): one judgement per service, the fix in compose form, refusals.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{can_run, doctor, fixture};
use serde_json::Value;

const REEFER: &str = "fixtures/compose/reefer-ubuntu.yml";

fn lint(host: &str, args: &[&str]) -> Output {
    doctor()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("lint")
        .args(args)
        .arg("--root")
        .arg(fixture(host))
        .arg("--no-docker")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .unwrap()
}

fn json(host: &str, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = lint(host, &all);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code().unwrap(), doc)
}

fn target<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no target {name}: {doc}"))
}

fn status(t: &Value, id: &str) -> String {
    t["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .map_or_else(
            || panic!("no {id}"),
            |c| c["status"].as_str().unwrap().to_owned(),
        )
}

/// Exit 2 and one line on stderr that contains `want`.
fn refused(out: &Output, want: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(want), "{want:?} not in {err}");
}

#[test]
fn by_default_only_the_systemd_service_is_judged() {
    let (code, doc) = json("debian12-v2", &["--compose", REEFER]);
    let names: Vec<&str> = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ubuntu"]);
    assert_eq!(code, 1);
    // The host checks are judged once, for the file.
    assert!(doc["checks"].as_array().unwrap().iter().all(|c| c["id"]
        .as_str()
        .unwrap()
        .starts_with("host.")
        || c["id"].as_str().unwrap().starts_with("docker.")));
}

#[test]
fn each_service_is_judged_alone_and_the_file_gets_the_worst_verdict() {
    let both = [
        "--compose",
        REEFER,
        "--service",
        "ubuntu",
        "--service",
        "cache",
    ];
    // cgroup v2: the ro bind fails; where the daemon may grant it (not
    // asked here) the fix is --privileged without the bind.
    let (code, doc) = json("debian12-v2", &both);
    assert_eq!(code, 1);
    assert_eq!(doc["verdict"], "not-ready");
    let ubuntu = target(&doc, "ubuntu");
    assert_eq!(ubuntu["kind"], "service");
    assert_eq!(ubuntu["verdict"], "not-ready");
    assert_eq!(ubuntu["summary"]["fail"], 1);
    assert_eq!(status(ubuntu, "run.cgroup-mount"), "fail");
    assert_eq!(status(ubuntu, "run.tmpfs"), "pass");
    assert_eq!(status(ubuntu, "run.stop-signal"), "pass");
    let argv: Vec<&str> = ubuntu["recipe"]["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(argv.contains(&"--privileged"), "{argv:?}");
    assert!(
        !argv.iter().any(|w| w.contains("/sys/fs/cgroup")),
        "{argv:?}"
    );
    let snippet = ubuntu["recipe"]["snippet"].as_str().unwrap();
    assert!(
        snippet.starts_with("ubuntu:\n  image: gialia/ubuntu:latest\n"),
        "{snippet}"
    );
    assert!(snippet.contains("\n  privileged: true\n"), "{snippet}");
    // The emptied `volumes:` goes with the bind.
    assert!(
        !snippet.contains("volumes") && !snippet.contains("cgroup"),
        "{snippet}"
    );
    // Untouched keys keep their text.
    assert!(snippet.contains("\n  stop_signal: RTMIN+3\n"), "{snippet}");
    // The redis service is judged with its own settings: no tmpfs there.
    let cache = target(&doc, "cache");
    assert_eq!(status(cache, "run.tmpfs"), "fail");
    assert_eq!(
        cache["argv"][cache["argv"].as_array().unwrap().len() - 3],
        "redis-server"
    );

    // Hybrid host: the ro bind boots (a warning that --privileged without
    // the bind avoids), redis still fails: the file's verdict is the worst,
    // not the first.
    let (code, doc) = json("dev-vm-hybrid", &both);
    assert_eq!(target(&doc, "ubuntu")["verdict"], "ready-with-warnings");
    let snippet = target(&doc, "ubuntu")["recipe"]["snippet"]
        .as_str()
        .unwrap();
    assert!(
        snippet.contains("\n  privileged: true\n") && !snippet.contains(":ro"),
        "{snippet}"
    );
    assert_eq!(target(&doc, "cache")["verdict"], "not-ready");
    assert_eq!(doc["verdict"], "not-ready");
    assert_eq!(code, 1);
    let (code, doc) = json(
        "dev-vm-hybrid",
        &["--compose", REEFER, "--service", "ubuntu"],
    );
    assert_eq!(doc["verdict"], "ready-with-warnings");
    assert_eq!(code, 0);
}

#[test]
fn diff_is_a_unified_diff_of_the_file() {
    let out = lint("debian12-v2", &["--compose", REEFER, "--diff"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let diff: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("--- a/"))
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim_end)
        .collect();
    assert_eq!(
        diff,
        [
            "--- a/fixtures/compose/reefer-ubuntu.yml",
            "+++ b/fixtures/compose/reefer-ubuntu.yml",
            "@@ -8,11 +8,10 @@",
            "     tmpfs:",
            "       - /run",
            "       - /run/lock",
            "-    volumes:",
            "-      - /sys/fs/cgroup:/sys/fs/cgroup:ro",
            "     tty: true",
            "     stdin_open: true",
            "     command: /lib/systemd/systemd",
            "+    privileged: true",
        ],
        "{text}"
    );
}

/// The diff is printed unindented: `patch` applies it and the file then passes.
#[test]
fn the_diff_applies_with_patch() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yml");
    std::fs::copy(REEFER, &file).unwrap();
    let out = lint(
        "debian12-v2",
        &[
            "--compose",
            file.to_str().unwrap(),
            "--diff",
            "--service",
            "ubuntu",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let diff: String = text
        .lines()
        .skip_while(|l| !l.starts_with("--- "))
        .take_while(|l| !l.starts_with("Verdict"))
        .map(|l| format!("{l}\n"))
        .collect();
    let patched = Command::new("patch")
        .arg(&file)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(diff.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(patched.status.success(), "{diff}\n{patched:?}");
    let (_, doc) = json(
        "debian12-v2",
        &["--compose", file.to_str().unwrap(), "--service", "ubuntu"],
    );
    assert_eq!(target(&doc, "ubuntu")["summary"]["fail"], 0, "{doc}");
}

#[test]
fn refusals_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let out = lint("debian12-v2", &["--compose", REEFER, "--service", "web"]);
    refused(
        &out,
        "no service 'web' in the compose file (it has: ubuntu, cache)",
    );

    let bad = write("bad.yml", "services:\n  s:\n    image: \"unterminated\n");
    refused(&lint("debian12-v2", &["--compose", &bad]), "bad.yml: line ");

    let key = write(
        "key.yml",
        "services:\n  s:\n    image: i\n    stop-signal: RTMIN+3\n",
    );
    refused(
        &lint("debian12-v2", &["--compose", &key]),
        "service 's': `stop-signal` is not a compose service key",
    );

    let none = write("none.yml", "volumes:\n  data: {}\n");
    refused(
        &lint("debian12-v2", &["--compose", &none]),
        "no `services:` mapping",
    );

    let big = dir.path().join("big.yml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(50 << 20)
        .unwrap();
    refused(
        &lint("debian12-v2", &["--compose", big.to_str().unwrap()]),
        "larger than 8 MiB",
    );
}

#[test]
fn dotenv_and_override_files_are_read_as_compose_does() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p(".env"), "# image tag\nTAG=bookworm\n").unwrap();
    std::fs::write(
        p("compose.yml"),
        "services:\n  sd:\n    image: debian:${TAG}\n    command: /sbin/init\n    init: true\n",
    )
    .unwrap();
    std::fs::write(p("override.yml"), "services:\n  sd:\n    init: false\n").unwrap();
    let (first, over) = (p("compose.yml"), p("override.yml"));
    let (_, doc) = json("dev-vm-hybrid", &["--compose", first.to_str().unwrap()]);
    let sd = target(&doc, "sd");
    assert!(
        sd["argv"]
            .as_array()
            .unwrap()
            .contains(&"debian:bookworm".into()),
        "{sd}"
    );
    assert_eq!(status(sd, "run.init"), "fail");
    let (_, doc) = json(
        "dev-vm-hybrid",
        &[
            "--compose",
            first.to_str().unwrap(),
            "--compose",
            over.to_str().unwrap(),
        ],
    );
    assert_eq!(status(target(&doc, "sd"), "run.init"), "pass");
}

fn compose_config(dir: &Path, text: &str) -> Output {
    let file = dir.join("docker-compose.yml");
    std::fs::write(&file, text).unwrap();
    Command::new("docker-compose")
        .arg("-f")
        .arg(&file)
        .arg("config")
        .output()
        .unwrap()
}

fn as_file(snippet: &str) -> String {
    let body: String = snippet.lines().map(|l| format!("  {l}\n")).collect();
    format!("services:\n{body}")
}

#[test]
fn the_corrected_service_is_valid_for_docker_compose() {
    let found = Command::new("docker-compose").arg("version").output();
    let version = match &found {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        _ => {
            if !can_run(Some("docker-compose is not installed".into())) {
                return;
            }
            unreachable!()
        }
    };
    let _ = version;
    let dir = tempfile::tempdir().unwrap();
    // Both hosts: the corrected services (redis judged as a systemd
    // container, and the ubuntu one) are valid for this docker-compose.
    for (host, service) in [("dev-vm-hybrid", "cache"), ("debian12-v2", "ubuntu")] {
        let (_, doc) = json(host, &["--compose", REEFER, "--service", service]);
        let snippet = target(&doc, service)["recipe"]["snippet"]
            .as_str()
            .unwrap()
            .to_owned();
        let out = compose_config(dir.path(), &as_file(&snippet));
        assert!(
            out.status.success(),
            "{host}: {}\n{snippet}",
            String::from_utf8_lossy(&out.stderr)
        );
        let config = String::from_utf8_lossy(&out.stdout);
        assert!(
            config.contains("SIGRTMIN+3") || config.contains("RTMIN+3"),
            "{config}"
        );
        assert!(config.contains("privileged: true"), "{config}");
    }
}

#[test]
fn the_json_document_follows_the_schema() {
    let v = common::validator();
    let dir = tempfile::tempdir().unwrap();
    // A service that cannot be a run line: `error` and a null argv.
    let odd = dir.path().join("odd.yml");
    std::fs::write(&odd, "services:\n  s:\n    restart: always\n").unwrap();
    for (host, args) in [
        (
            "debian12-v2",
            vec![
                "--compose",
                REEFER,
                "--service",
                "ubuntu",
                "--service",
                "cache",
            ],
        ),
        ("dev-vm-hybrid", vec!["--compose", REEFER]),
        (
            "dev-vm-hybrid",
            vec!["--compose", odd.to_str().unwrap(), "--service", "s"],
        ),
    ] {
        let (_, doc) = json(host, &args);
        assert!(!doc["targets"].as_array().unwrap().is_empty());
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{host} {args:?}: {errors:#?}");
    }
    let (_, doc) = json(
        "dev-vm-hybrid",
        &["--compose", odd.to_str().unwrap(), "--service", "s"],
    );
    assert!(doc["targets"][0]["argv"].is_null());
    assert!(doc["targets"][0]["error"]
        .as_str()
        .unwrap()
        .contains("neither `image` nor `build`"));
}

/// The shared host and daemon checks all skipped is not "nothing judged"
/// when a service was judged: the file's verdict is its services'.
#[test]
fn skipping_the_shared_checks_leaves_the_services_verdict() {
    // The doctor's own v2 fix: privileged, no bind, the tmpfs mounts.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yml");
    std::fs::write(
        &file,
        "services:\n  box:\n    image: sdctr-test/bookworm-systemd\n    privileged: true\n    tmpfs: [/run, /run/lock, /tmp]\n    stop_signal: SIGRTMIN+3\n    command: /sbin/init\n",
    )
    .unwrap();
    let root = fixture("debian12-v2");
    let out = doctor()
        .arg("--root")
        .arg(&root)
        .args([
            "--no-docker",
            "--json",
            "--skip",
            "host,docker",
            "lint",
            "--compose",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["targets"][0]["verdict"], "ready", "{doc:#}");
    assert_eq!(doc["verdict"], "ready");
    assert_eq!(out.status.code(), Some(0));
}
