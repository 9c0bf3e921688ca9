//! `sdctr-doctor lint` end to end on the live host: exit codes, JSON recipe,
//! malformed lines. Assertions hold on any host (the run checks that fail
//! here, --init, fail everywhere).

mod common;

use common::{check, doctor};

#[test]
fn init_fails_everywhere_and_the_recipe_drops_it() {
    let out = doctor()
        .args([
            "lint",
            "--json",
            // The name is kept as written only unredacted (tests/redact.rs).
            "--no-redact",
            "--",
            "docker",
            "run",
            "-d",
            "--name",
            "web",
            "-p",
            "8080:80",
            "--init",
            "IMG",
            "/sbin/init",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let init = check(&doc, "run.init");
    assert_eq!(init["status"], "fail");
    assert_eq!(doc["facts"]["run"]["spec"]["init"], true);
    let argv: Vec<&str> = doc["recipe"]["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!argv.contains(&"--init"), "{argv:?}");
    for kept in ["--name", "web", "-p", "8080:80", "IMG", "/sbin/init"] {
        assert!(argv.contains(&kept), "{argv:?}");
    }
    assert!(doc["recipe"]["compose"]
        .as_str()
        .unwrap()
        .starts_with("services:\n  web:\n"));
}

#[test]
fn one_quoted_line_works_too() {
    let out = doctor()
        .args(["lint", "--json", "--", "docker run \\\n  --init \\\n  IMG"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["facts"]["run"]["argv"],
        serde_json::json!(["docker", "run", "--init", "IMG"])
    );
}

#[test]
fn malformed_lines_exit_2_naming_the_token() {
    for (args, token) in [
        (vec!["docker", "run", "--frobnicate", "IMG"], "--frobnicate"),
        (vec!["docker", "run", "-d", "--name"], "--name"),
        (vec!["docker", "run", "-d"], "-d"),
    ] {
        let out = doctor().arg("lint").arg("--").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("'{token}'")), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn without_a_line_run_checks_skip_and_no_recipe_key() {
    let out = doctor().args(["--json", "--only", "run"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "skip"));
    assert!(doc.get("recipe").is_none());
    // Nothing was judged: no evidence is not "ready".
    assert_eq!(doc["verdict"], "not-ready");
    assert_eq!(out.status.code(), Some(1));
}

/// An unreachable daemon with `--only image`: six skips are not "ready".
#[test]
fn a_verdict_needs_evidence() {
    let out = doctor()
        .args(["--docker-host", "unix:///nonexistent/docker.sock"])
        .args([
            "--only",
            "image",
            "--image",
            "debian:12",
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Verdict: not ready.") && text.contains("nothing was judged"),
        "{text}"
    );
}

/// Every option is global: after the subcommand it means what it means before.
#[test]
fn options_after_the_subcommand_are_the_same_options() {
    let line = ["--", "docker", "run", "-d", "--init", "IMG", "/sbin/init"];
    let before = doctor()
        .args(["--no-docker", "--json", "--only", "run", "lint"])
        .args(line)
        .output()
        .unwrap();
    let after = doctor()
        .args(["lint", "--no-docker", "--json", "--only", "run"])
        .args(line)
        .output()
        .unwrap();
    assert_eq!(
        after.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(doc["facts"]["docker_probe"]["outcome"], "skipped");
    let ids: Vec<&str> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.is_empty() && ids.iter().all(|i| i.starts_with("run.")),
        "{ids:?}"
    );
    assert_eq!(before.stdout, after.stdout);
    // The options of a run line after `--` stay the line's own.
    assert_eq!(doc["facts"]["run"]["spec"]["init"], true);
}

/// The corrector is held to the checks: on every fixture host, the corrected
/// line of each of these lines passes `--strict lint` (exit 0), unless the
/// warning left says that no run line avoids it there.
#[test]
fn the_corrected_line_passes_strict_lint_on_every_fixture_host() {
    let lines = [
        "docker run -d --tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:ro IMG",
        "docker run -d --tmpfs /tmp --tmpfs /run --privileged IMG",
        "docker run -d --privileged --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw IMG",
        "docker run -d --cgroupns=private --tmpfs /run --tmpfs /run/lock IMG",
        "docker run -d --init -u 1000 IMG /sbin/init",
        "docker run -d IMG",
    ];
    let mut corrected = 0;
    for host in common::FIXTURES {
        let root = common::fixture(host);
        for line in lines {
            let run = |words: &[String], strict: bool| {
                let mut c = doctor();
                c.arg("--root")
                    .arg(&root)
                    .args(["--no-docker", "--json", "--only", "run"]);
                if strict {
                    c.arg("--strict");
                }
                let out = c.arg("lint").arg("--").args(words).output().unwrap();
                let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                (out.status.code(), doc)
            };
            let words: Vec<String> = line.split(' ').map(str::to_owned).collect();
            let (_, doc) = run(&words, false);
            let argv: Vec<String> = match doc["recipe"]["argv"].as_array() {
                Some(a) => a.iter().map(|w| w.as_str().unwrap().to_owned()).collect(),
                None => words.clone(),
            };
            corrected += usize::from(doc["recipe"]["argv"].is_array());
            let (code, doc) = run(&argv, true);
            if code == Some(0) {
                continue;
            }
            let left: Vec<String> = doc["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["status"] != "pass" && c["status"] != "skip")
                .map(|c| format!("{} {}: {}", c["id"], c["status"], c["message"]))
                .collect();
            assert!(
                left.iter().all(|l| l.contains("no run line avoids this")),
                "{host}: {line}\n-> {}\n{left:#?}",
                argv.join(" ")
            );
        }
    }
    assert!(corrected >= 20, "{corrected}");
}
