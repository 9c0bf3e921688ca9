//! The CI recipes under examples/ci/ and .pre-commit-hooks.yaml, run as
//! written: the commands are read from the YAML files (never copied here) and
//! run by a shell with the freshly built doctor first in PATH. The install
//! steps (`cargo install --git ...`) are the only ones not run: they download,
//! and the binary under test stands in for what they install.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::daemon::{cannot_start, ExtraDaemon};
use common::pki::{free_port, make_pki};
use common::{can_run, docker};
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn load(rel: &str) -> Yaml {
    let text = fs::read_to_string(repo(rel)).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .remove(0)
}

fn text(y: &Yaml) -> &str {
    y.as_str().unwrap_or_else(|| panic!("not a string: {y:?}"))
}

/// PATH with the doctor under test first.
fn path_env() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_sdctr-doctor"))
        .parent()
        .unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// `prog args` in `cwd` with `env`, the doctor first in PATH and no
/// daemon or colour settings inherited from the test's environment.
fn run(prog: &str, args: &[&str], cwd: &Path, env: &[(String, String)]) -> Output {
    let mut c = Command::new(prog);
    for v in [
        "DOCKER_HOST",
        "DOCKER_TLS_VERIFY",
        "DOCKER_CERT_PATH",
        "DOCKER_CONTEXT",
        "DOCKER_CONFIG",
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "FORCE_COLOR",
        "CI",
    ] {
        c.env_remove(v);
    }
    c.args(args)
        .current_dir(cwd)
        .env("PATH", path_env())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap_or_else(|e| panic!("{prog}: {e}"))
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The exit code the doctor's `--strict` verdict maps to, from its JSON.
fn strict_code(cwd: &Path, env: &[(String, String)]) -> (i32, String) {
    let o = run("sdctr-doctor", &["--strict", "--json"], cwd, env);
    let doc: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&o)));
    let verdict = doc["verdict"].as_str().unwrap().to_owned();
    let code = if verdict == "not-ready" { 1 } else { 0 };
    assert_eq!(o.status.code(), Some(code), "{}", show(&o));
    (code, verdict)
}

#[test]
fn github_actions_steps_write_the_summary_and_fail_with_the_verdict() {
    let wf = load("examples/ci/github-actions.yml");
    let (_, job) = wf["jobs"].as_hash().unwrap().iter().next().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    fs::write(&summary, "").unwrap();
    let env: Vec<(String, String)> = vec![
        ("CI".into(), "true".into()),
        ("GITHUB_ACTIONS".into(), "true".into()),
        ("GITHUB_STEP_SUMMARY".into(), summary.display().to_string()),
    ];
    let (expected, verdict) = strict_code(tmp.path(), &env);

    let mut failed = false;
    let mut codes = BTreeMap::new();
    for step in job["steps"].as_vec().unwrap() {
        let Some(script) = step["run"].as_str() else {
            continue; // `uses:` actions (upload-artifact) are GitHub's own
        };
        if step["id"].as_str() == Some("install") {
            // Downloads and builds from git: the binary under test stands in.
            assert!(script.contains("cargo install --locked --git"), "{script}");
            continue;
        }
        if failed && step["if"].as_str() != Some("always()") {
            continue;
        }
        // GitHub's `shell: bash` default: bash --noprofile --norc -eo pipefail {0}.
        let o = run(
            "bash",
            &["--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            tmp.path(),
            &env,
        );
        let code = o.status.code().unwrap();
        failed |= code != 0;
        codes.insert(text(&step["name"]).to_owned(), (code, show(&o)));
    }

    let (code, out) = &codes["Report to the job summary"];
    assert_eq!(*code, expected, "verdict {verdict}: {out}");
    let md = fs::read_to_string(&summary).unwrap();
    let heading = md.lines().next().unwrap_or("");
    let mark = if expected == 0 { "✓" } else { "✗" };
    assert_eq!(
        heading,
        format!("## {mark} sdctr-doctor: {}", verdict.replace('-', " ")),
        "{md}"
    );
    assert!(
        md.contains("\n### "),
        "a section per check that is not a pass: {md}"
    );

    // The report step runs after a failed one and fails only when the
    // doctor could not run; its file is the default (redacted) JSON.
    let (code, out) = &codes["Save the report"];
    assert_eq!(*code, 0, "{out}");
    let doc: Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("doctor.json")).unwrap()).unwrap();
    assert!(doc["checks"].as_array().is_some_and(|c| !c.is_empty()));
    assert_eq!(
        failed,
        expected != 0,
        "the job fails exactly when not ready"
    );
}

/// The dind certificate volume, laid out as `docker:dind` writes it with
/// DOCKER_TLS_CERTDIR=/certs: `client/` and `server/` each with ca.pem,
/// cert.pem and key.pem.
fn dind_certs(root: &Path) -> PathBuf {
    let pki = make_pki(root, "pki").unwrap_or_else(|e| panic!("{e}"));
    let certs = root.join("certs");
    for (dir, cert, key) in [
        ("client", "cert.pem", "key.pem"),
        ("server", "server-cert.pem", "server-key.pem"),
    ] {
        let d = certs.join(dir);
        fs::create_dir_all(&d).unwrap();
        fs::copy(pki.join("ca.pem"), d.join("ca.pem")).unwrap();
        fs::copy(pki.join(cert), d.join("cert.pem")).unwrap();
        fs::copy(pki.join(key), d.join("key.pem")).unwrap();
    }
    certs
}

#[test]
fn gitlab_dind_job_reaches_the_daemon_over_tls() {
    let ci = load("examples/ci/gitlab-ci.yml");
    let job = &ci["sdctr-doctor"];
    assert!(
        job["services"]
            .as_vec()
            .unwrap()
            .iter()
            .any(|s| s.as_str() == Some("docker:dind")),
        "services: docker:dind"
    );
    let before: Vec<&str> = job["before_script"]
        .as_vec()
        .unwrap()
        .iter()
        .map(text)
        .collect();
    // Downloads and builds from git: the binary under test stands in.
    assert!(
        before
            .iter()
            .all(|l| l.contains("cargo install --locked --git")),
        "{before:?}"
    );
    let script: Vec<&str> = job["script"].as_vec().unwrap().iter().map(text).collect();
    let why = cannot_start().or_else(|| {
        Command::new("openssl")
            .arg("version")
            .output()
            .is_err()
            .then(|| "openssl is not installed".into())
    });
    if !can_run(why) {
        return;
    }

    let tmp = tempfile::tempdir().unwrap();
    let certs = dind_certs(tmp.path());
    let port = free_port();
    let server = |p: &str| certs.join("server").join(p).display().to_string();
    let _d = ExtraDaemon::start_with(
        "ci-dind",
        23,
        r#"{"storage-driver": "fuse-overlayfs"}"#,
        false,
        &[
            "--tlsverify".into(),
            "--tlscacert".into(),
            server("ca.pem"),
            "--tlscert".into(),
            server("cert.pem"),
            "--tlskey".into(),
            server("key.pem"),
            "-H".into(),
            format!("tcp://127.0.0.1:{port}"),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));

    // The job's variables; `docker` (the service's name) is 127.0.0.1:PORT
    // here, and /certs (dind's volume) is the temp dir's certs/.
    let mut env: Vec<(String, String)> = vec![
        ("CI".into(), "true".into()),
        ("GITLAB_CI".into(), "true".into()),
    ];
    for (k, v) in job["variables"].as_hash().unwrap() {
        let (k, v) = (text(k), text(v));
        let v = match k {
            "DOCKER_HOST" => {
                assert_eq!(v, "tcp://docker:2376");
                v.replace("docker:2376", &format!("127.0.0.1:{port}"))
            }
            "DOCKER_CERT_PATH" | "DOCKER_TLS_CERTDIR" => {
                let rest = v.strip_prefix("/certs").expect("under /certs");
                format!("{}{rest}", certs.display())
            }
            _ => v.to_owned(),
        };
        env.push((k.to_owned(), v));
    }
    assert!(env.contains(&("DOCKER_TLS_VERIFY".into(), "1".into())));
    let (expected, verdict) = strict_code(tmp.path(), &env);

    // The runner runs the script lines in one shell that stops at the
    // first failing line.
    let o = run(
        "bash",
        &[
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            "-c",
            &script.join("\n"),
        ],
        tmp.path(),
        &env,
    );
    eprintln!("{}", show(&o)); // the job's log, with --nocapture
    assert_eq!(
        o.status.code(),
        Some(expected),
        "verdict {verdict}: {}",
        show(&o)
    );
    let doc: Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("doctor.json")).unwrap()).unwrap();
    assert_eq!(
        common::status_of(&doc, "docker.reachable"),
        "pass",
        "{:#}",
        common::check(&doc, "docker.reachable")
    );
    // The last line ran too: its human report, with the TLS endpoint.
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("✓ docker.reachable"), "{stdout}");
    assert!(
        stdout.contains(&format!("tcp://127.0.0.1:{port}")),
        "{stdout}"
    );
    assert!(
        stdout
            .trim_end()
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("Verdict: "),
        "{stdout}"
    );
}

#[test]
fn molecule_dependency_hook_stops_a_failing_scenario() {
    let m = load("examples/ci/molecule/molecule.yml");
    assert_eq!(m["dependency"]["name"].as_str(), Some("shell"));
    let command = text(&m["dependency"]["command"]).to_owned();
    let (up, why) = docker(&["version", "--format", "{{.Server.Version}}"]);
    if !can_run((!up).then(|| format!("the hook asks the local daemon: {why}"))) {
        return;
    }
    // The two real-world platforms ask for --privileged: they fail where the
    // daemon cannot grant it (docker.privileged warns), as on the VM the
    // tests were written on; elsewhere their verdict is the host's.
    let tmp = tempfile::tempdir().unwrap();
    let o = run(
        "sdctr-doctor",
        &["--json", "--only", "docker.privileged"],
        tmp.path(),
        &[],
    );
    let doc: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&o)));
    let privileged = common::status_of(&doc, "docker.privileged");
    let mut cases = vec![
        (repo("examples/ci/molecule/molecule.yml"), 0),
        (repo("fixtures/molecule/unknown-key/molecule.yml"), 2),
        (repo("fixtures/molecule/bad-yaml/molecule.yml"), 2),
    ];
    if privileged == "warn" {
        cases.push((repo("fixtures/molecule/geerlingguy-docker/molecule.yml"), 1));
        cases.push((repo("fixtures/molecule/two-platforms/molecule.yml"), 1));
    } else {
        eprintln!(
            "docker.privileged: {privileged}; the --privileged platforms are not asserted to fail"
        );
    }
    for (file, want) in cases {
        // A role checkout: molecule runs the command from the project
        // directory, through the shell (ansible-compat's exec of a string).
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("molecule/default");
        fs::create_dir_all(&dir).unwrap();
        fs::copy(&file, dir.join("molecule.yml")).unwrap();
        let o = run("sh", &["-c", &command], tmp.path(), &[]);
        assert_eq!(
            o.status.code(),
            Some(want),
            "{}: {}",
            file.display(),
            show(&o)
        );
        let out = String::from_utf8_lossy(&o.stdout);
        if want == 1 {
            assert!(out.contains("  ✗ run."), "a failing run check: {out}");
        }
    }
}

#[test]
fn pre_commit_hook_judges_each_compose_file() {
    let hooks = load(".pre-commit-hooks.yaml");
    let hook = hooks
        .as_vec()
        .unwrap()
        .iter()
        .find(|h| h["id"].as_str() == Some("sdctr-doctor-compose"))
        .expect("hook sdctr-doctor-compose");
    assert_eq!(hook["language"].as_str(), Some("system"));
    assert_eq!(hook["pass_filenames"].as_bool(), Some(true));
    let files = regex::Regex::new(text(&hook["files"])).unwrap();
    // pre-commit splits the entry with shlex and appends the file names.
    let entry = shlex::split(text(&hook["entry"])).expect("entry splits");
    assert!(
        entry
            .iter()
            .any(|a| a.contains("sdctr-doctor lint --no-docker --strict --compose")),
        "{entry:?}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let failing = fs::read_to_string(repo("fixtures/compose/reefer-ubuntu.yml")).unwrap();
    // The doctor's own correction of that service for this kind of host:
    // no cgroup bind, --privileged.
    let fixed = failing
        .replace("      - /sys/fs/cgroup:/sys/fs/cgroup:ro\n", "")
        .replace(
            "    command: /lib/systemd/systemd\n",
            "    command: /lib/systemd/systemd\n    privileged: true\n",
        );
    assert_ne!(fixed, failing);
    fs::create_dir_all(tmp.path().join("deploy")).unwrap();
    fs::write(tmp.path().join("compose.yml"), &failing).unwrap();
    fs::write(tmp.path().join("deploy/docker-compose.yaml"), &fixed).unwrap();
    fs::write(
        tmp.path().join("docker-compose.redis.yml"),
        "services:\n  cache:\n    image: redis:7\n",
    )
    .unwrap();
    for f in [
        "compose.yml",
        "deploy/docker-compose.yaml",
        "docker-compose.redis.yml",
    ] {
        assert!(files.is_match(f), "files: matches {f}");
    }
    assert!(!files.is_match("deploy/values.yaml"));

    let hook_run = |names: &[&str]| {
        let mut args: Vec<&str> = entry[1..].iter().map(String::as_str).collect();
        args.extend_from_slice(names);
        run(&entry[0], &args, tmp.path(), &[])
    };
    // The host's own warnings count under --strict too: the fixed file
    // passes only where the host has none (this hybrid host has one).
    let host = run(
        "sdctr-doctor",
        &["--no-docker", "--strict", "--only", "host"],
        tmp.path(),
        &[],
    );
    let host_code = host.status.code().unwrap();

    let o = hook_run(&["compose.yml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("  ! run.cgroup-mount"), "{out}");

    let o = hook_run(&["deploy/docker-compose.yaml"]);
    assert_eq!(o.status.code(), Some(host_code), "{}", show(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        !out.contains("  ! run.") && !out.contains("  ✗ run."),
        "{out}"
    );
    assert!(out.contains("service ubuntu"), "{out}");

    // Several files in one call: each judged, one failure fails the hook.
    for names in [
        ["compose.yml", "deploy/docker-compose.yaml"],
        ["deploy/docker-compose.yaml", "compose.yml"],
    ] {
        let o = hook_run(&names);
        assert_eq!(o.status.code(), Some(1), "{names:?}: {}", show(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(out.matches("── service ubuntu ──").count(), 2, "{out}");
    }

    // A compose file none of whose services runs systemd is refused (2):
    // examples/ci/pre-commit-config.yaml narrows `files:` for that.
    let o = hook_run(&["docker-compose.redis.yml"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let cfg = load("examples/ci/pre-commit-config.yaml");
    let used = &cfg["repos"][0]["hooks"][0];
    assert_eq!(used["id"].as_str(), Some("sdctr-doctor-compose"));
    let narrowed = regex::Regex::new(text(&used["files"])).unwrap();
    assert!(narrowed.is_match("deploy/systemd/compose.yml"));
    assert!(!narrowed.is_match("docker-compose.redis.yml"));
}
