//! The binary as a user and CI see it: golden human output, JSON shape, exit codes, selection,
//! --explain, --list-checks, --facts replay and colour.

mod common;

use std::fs;
use std::path::Path;

use common::{doctor, fixture, json_of, status_of, statuses};
use serde_json::Value;

const ESC: &str = "\u{1b}[";

fn human(name: &str, extra: &[&str]) -> (i32, String) {
    let out = doctor()
        .arg("--root")
        .arg(fixture(name))
        .arg("--no-docker")
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// Compares with tests/golden/NAME; `UPDATE_GOLDEN=1 cargo test` rewrites the files.
fn golden(file: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(&path, actual).unwrap();
    }
    let want = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(actual, want, "differs from {}", path.display());
}

#[test]
fn human_golden_outputs() {
    for (name, code) in [
        ("debian12-v2", 0),
        ("centos7-legacy", 0),
        ("wsl2-hybrid", 0),
        ("rootless-fedora34", 0),
    ] {
        let (got, out) = human(name, &["--color", "never"]);
        assert_eq!(got, code, "{name}");
        assert!(
            !out.contains(ESC),
            "{name}: escape codes with --color never"
        );
        golden(&format!("{name}.txt"), &out);
    }
    let mut args = vec!["--color", "never"];
    args.extend(common::LINT_INIT);
    let (code, lint) = human("centos7-legacy", &args);
    assert_eq!(code, 1, "lint --init is not ready");
    golden("centos7-legacy.lint-init.txt", &lint);
    let (_, verbose) = human("debian12-v2", &["--color", "never", "--verbose"]);
    golden("debian12-v2.verbose.txt", &verbose);
}

#[test]
fn json_shape() {
    let (code, doc) = json_of(&fixture("debian12-v2"), &[]);
    assert_eq!(code, 0);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["tool"]["name"], "sdctr-doctor");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["verdict"], "ready");
    assert_eq!(doc["facts"]["host"]["cgroup"]["mode"], "unified");
    assert_eq!(doc["facts"]["host"]["kernel"]["release"], "6.1.0-50-amd64");
    assert_eq!(
        doc["facts"]["host"]["kernel"]["version"],
        serde_json::json!([6, 1, 0])
    );
    let checks = doc["checks"].as_array().unwrap();
    assert_eq!(checks.len(), sdctr_doctor::checks::registry().len());
    for c in checks {
        for key in ["id", "group", "status", "title", "message"] {
            assert!(c[key].is_string(), "{key} in {c}");
        }
        assert!(c["evidence"].is_array(), "{c}");
        assert!(c["remediation"].is_null() || c["remediation"]["commands"].is_array());
    }
    let s = &doc["summary"];
    let total: u64 = ["pass", "warn", "fail", "skip", "error"]
        .iter()
        .map(|k| s[k].as_u64().unwrap())
        .sum();
    assert_eq!(total, checks.len() as u64);
    assert_eq!(s["pass"], 6);

    // A fail carries its remediation.
    let (_, lint) = json_of(&fixture("centos7-legacy"), common::LINT_INIT);
    let init = common::check(&lint, "run.init");
    assert_eq!(init["status"], "fail");
    assert!(init["remediation"]["text"]
        .as_str()
        .unwrap()
        .contains("Remove --init"));
    assert_eq!(lint["summary"]["fail"], 1);
    assert!(lint["recipe"]["argv"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w != "--init"));

    // --format json is --json.
    let out = doctor()
        .arg("--root")
        .arg(fixture("debian12-v2"))
        .args(["--format", "json", "--no-docker"])
        .output()
        .unwrap();
    let same: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(same, doc);
}

#[test]
fn exit_codes() {
    assert_eq!(human("debian12-v2", &[]).0, 0, "ready");
    assert_eq!(human("wsl2-hybrid", &[]).0, 0, "ready with warnings");
    assert_eq!(human("centos7-legacy", common::LINT_INIT).0, 1, "not ready");
    let usage = doctor().arg("--no-such-flag").output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("--no-such-flag"));
    let bad_color = doctor().args(["--color", "sometimes"]).output().unwrap();
    assert_eq!(bad_color.status.code(), Some(2));
    let help = doctor().arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Exit codes"));
}

#[test]
fn strict_counts_warnings() {
    let (code, doc) = json_of(&fixture("wsl2-hybrid"), &["--strict"]);
    assert_eq!((code, doc["verdict"].as_str()), (1, Some("not-ready")));
    let (code, doc) = json_of(&fixture("debian12-v2"), &["--strict"]);
    assert_eq!((code, doc["verdict"].as_str()), (0, Some("ready")));
    let (code, out) = human("rootless-fedora34", &["--strict", "--color", "never"]);
    assert_eq!(code, 1);
    assert!(out.contains("Verdict: not ready."), "{out}");
}

#[test]
fn only_and_skip() {
    let root = fixture("centos7-legacy");
    let ids = |extra: &[&str]| -> Vec<String> {
        statuses(&json_of(&root, extra).1)
            .into_iter()
            .map(|(i, _)| i)
            .collect()
    };
    assert_eq!(ids(&["--only", "host.kernel"]), ["host.kernel"]);
    assert_eq!(ids(&["--only", "host"]).len(), 7);
    assert_eq!(
        ids(&["--only", "host.kernel,host.cmdline"]),
        ["host.kernel", "host.cmdline"]
    );
    assert_eq!(
        ids(&[
            "--only",
            "host",
            "--skip",
            "host.kernel",
            "--skip",
            "host.cmdline"
        ]),
        [
            "host.cgroup-mode",
            "host.cgroup2-mount",
            "host.cgroup-tmpfs",
            "host.controllers",
            "host.inside-container"
        ]
    );
    assert!(ids(&["--skip", "host"])
        .iter()
        .all(|i| !i.starts_with("host.")));
    // Skipping the only failing check changes the verdict and exit code.
    let with = |sel: &[&str]| {
        let mut args = sel.to_vec();
        args.extend(common::LINT_INIT);
        json_of(&root, &args)
    };
    assert_eq!(with(&[]).0, 1);
    let (code, doc) = with(&["--skip", "run.init"]);
    assert_eq!(
        (code, doc["verdict"].as_str()),
        (0, Some("ready-with-warnings"))
    );
    assert_eq!(with(&["--only", "run.init"]).0, 1);
    assert_eq!(with(&["--only", "host"]).0, 0);

    for bad in [["--only", "host.kernal"], ["--skip", "dockr"]] {
        let out = doctor()
            .arg("--root")
            .arg(&root)
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(bad[1]) && err.lines().count() == 1, "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn explain_and_list_checks() {
    let out = doctor()
        .args(["--explain", "host.controllers"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("host.controllers — cgroup controllers\n"),
        "{text}"
    );
    assert!(text.contains("Sources:\n  - "), "{text}");
    assert!(text.contains("rootlesscontaine.rs"), "{text}");

    let out = doctor().args(["--explain", "host.nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown check 'host.nope'"));

    let out = doctor().arg("--list-checks").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let list = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<&str> = list
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let registry: Vec<&str> = sdctr_doctor::checks::registry()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, registry);
    assert_eq!(
        ids[..7],
        [
            "host.cgroup-mode",
            "host.cgroup2-mount",
            "host.cgroup-tmpfs",
            "host.controllers",
            "host.kernel",
            "host.cmdline",
            "host.inside-container"
        ]
    );
    assert!(list.contains("kernel version"));
}

#[test]
fn facts_replay_gives_the_same_findings() {
    let tmp = tempfile::tempdir().unwrap();
    for name in common::FIXTURES {
        let (code, doc) = json_of(&fixture(name), &[]);
        // A whole report and its bare facts object are both accepted.
        for (i, input) in [doc.clone(), doc["facts"].clone()].iter().enumerate() {
            let file = tmp.path().join(format!("{name}-{i}.json"));
            fs::write(&file, serde_json::to_string(input).unwrap()).unwrap();
            let out = doctor()
                .arg("--facts")
                .arg(&file)
                .arg("--json")
                .output()
                .unwrap();
            let replay: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(out.status.code(), Some(code), "{name}");
            assert_eq!(replay["checks"], doc["checks"], "{name}");
            assert_eq!(replay["facts"], doc["facts"], "{name}");
        }
    }
    // Not facts: exit 2 with one line.
    let junk = tmp.path().join("junk.json");
    fs::write(&junk, r#"{"facts": {"host": 3}}"#).unwrap();
    let out = doctor().arg("--facts").arg(&junk).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not sdctr-doctor facts"));
    let out = doctor()
        .arg("--facts")
        .arg(&junk)
        .arg("--root")
        .arg(fixture("debian12-v2"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--facts conflicts with --root");
}

#[test]
fn colour() {
    // Piped stdout (not a tty): no colour by default.
    let (_, auto) = human("centos7-legacy", common::LINT_INIT);
    assert!(!auto.contains(ESC), "{auto}");
    let out = doctor()
        .env("NO_COLOR", "1")
        .arg("--root")
        .arg(fixture("centos7-legacy"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(ESC));
    let mut args = vec!["--color", "always"];
    args.extend(common::LINT_INIT);
    let (_, always) = human("centos7-legacy", &args);
    assert!(always.contains(ESC), "{always}");
    // Red and bold for the failing check, and the colour does not change the words.
    assert!(
        always.contains("\u{1b}[1m\u{1b}[31m✗") || always.contains("\u{1b}[31m\u{1b}[1m✗"),
        "{always:?}"
    );
    let mut args = vec!["--color", "never"];
    args.extend(common::LINT_INIT);
    let (_, never) = human("centos7-legacy", &args);
    assert_eq!(strip_ansi(&always), never);
    // JSON never carries escapes, even with --color always.
    let mut args = vec!["--color", "always"];
    args.extend(common::LINT_INIT);
    let (_, doc) = json_of(&fixture("centos7-legacy"), &args);
    assert!(!doc.to_string().contains("\\u001b"));
    assert_eq!(status_of(&doc, "run.init"), "fail");
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Text from the user, an image or a file reaches the terminal escaped: an
/// escape sequence in a run line (or replayed from a facts file) cannot clear
/// the screen or set the window title.
#[test]
fn untrusted_text_is_escaped_for_the_terminal() {
    let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[2J";
    let line = [
        "--",
        "docker",
        "run",
        "-d",
        "--name",
        hostile,
        "--init",
        "IMG\r",
        "\u{9b}31m",
    ];
    let human = doctor()
        .args(["--no-docker", "--color", "never", "lint"])
        .args(line)
        .output()
        .unwrap();
    // Unredacted: the name is the hostile text.
    let json = doctor()
        .args(["--no-docker", "--json", "--no-redact", "lint"])
        .args(line)
        .output()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let facts = tmp.path().join("facts.json");
    fs::write(&facts, &json.stdout).unwrap();
    let replayed = doctor()
        .args(["--color", "never", "--facts"])
        .arg(&facts)
        .output()
        .unwrap();
    for out in [&human, &replayed] {
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let text = String::from_utf8(out.stdout.clone()).unwrap();
        let raw: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(raw.is_empty(), "raw control characters {raw:?} in:\n{text}");
    }
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains(r"\x1b]0;pwned\x07\x1b[2J"), "{text}");
    // JSON keeps the text as it was, escaped the JSON way.
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(doc["facts"]["run"]["argv"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w == hostile));
}

/// A first-time user's failing `lint`: the first screen (24 lines) says the
/// line will not boot and gives the line to use, which is the JSON's recipe.
#[test]
fn the_first_screen_of_a_failing_lint_has_the_verdict_and_the_line_to_use() {
    let line = [
        "lint",
        "--",
        "docker",
        "run",
        "-d",
        "--name",
        "web",
        "-p",
        "8080:80",
        "-v",
        "/sys/fs/cgroup:/sys/fs/cgroup:ro",
        "jrei/systemd-debian:12",
    ];
    let (code, out) = human("debian12-v2", &line);
    assert_eq!(code, 1, "{out}");
    let screen: Vec<&str> = out.lines().take(24).collect();
    assert!(screen[0].starts_with("Verdict: not ready."), "{out}");
    let at = screen
        .iter()
        .position(|l| l.starts_with("Use this run line instead"))
        .unwrap_or_else(|| panic!("no corrected line in the first screen:\n{out}"));
    // The line and its continuations (` \`), as a shell reads them.
    let mut words = String::new();
    for l in &screen[at + 1..] {
        words.push_str(l.trim_end_matches('\\'));
        words.push(' ');
        if !l.ends_with('\\') {
            break;
        }
    }
    // The human report is not redacted; the JSON is unless asked.
    let (_, doc) = json_of(
        &fixture("debian12-v2"),
        &[&["--no-redact"], &line[..]].concat(),
    );
    let argv: Vec<&str> = doc["recipe"]["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(shlex::split(&words).unwrap(), argv, "{out}");
    // The same line closes the report, with its compose service.
    assert!(
        out.contains("\nCorrected run line for this host:\n"),
        "{out}"
    );
    let tail = out
        .split("\nCorrected run line for this host:\n")
        .nth(1)
        .unwrap();
    assert_eq!(
        shlex::split(&tail.replace("\\\n", " ")).unwrap()[..argv.len()],
        argv
    );
    assert!(
        tail.contains("\nAs a compose service:\n  services:\n    web:\n"),
        "{out}"
    );
}

/// Failing checks come before warnings, warnings before passing ones,
/// passing before skipped; passing checks are one line each without `-v`.
#[test]
fn the_worst_comes_first_and_passing_checks_are_one_line() {
    let (_, out) = human("centos7-legacy", common::LINT_INIT);
    let at = |heading: &str| {
        out.lines()
            .position(|l| l == heading)
            .unwrap_or_else(|| panic!("no {heading} in\n{out}"))
    };
    assert!(at("Failing") < at("Warnings"));
    assert!(at("Warnings") < at("Passing"));
    assert!(at("Passing") < at("Skipped"));
    let section = |heading: &str, verbose: bool| -> Vec<String> {
        let (_, text) = human(
            "debian12-v2",
            if verbose { &["--verbose"][..] } else { &[] },
        );
        text.lines()
            .skip_while(|l| *l != heading)
            .skip(1)
            .take_while(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (_, doc) = json_of(&fixture("debian12-v2"), &[]);
    let passing = common::statuses(&doc)
        .into_iter()
        .filter(|(_, s)| s == "pass")
        .count();
    let short = section("Passing", false);
    assert_eq!(short.len(), passing, "{short:#?}");
    assert!(short.iter().all(|l| l.starts_with("  ✓ ")));
    // -v: the evidence under each, and whole messages.
    let long = section("Passing", true);
    assert!(long.len() > passing, "{long:#?}");
    assert!(long
        .iter()
        .any(|l| l.trim_start().starts_with("· /proc/cmdline: ")));
    assert!(!long.iter().any(|l| l.ends_with('…')));
}

/// Without a terminal the report is wrapped at 100 columns; a line is
/// longer only when it is one word that cannot be broken, or a command.
#[test]
fn lines_are_wrapped_at_100_columns_when_not_a_terminal() {
    let mut outputs = Vec::new();
    for name in common::FIXTURES {
        outputs.push(human(name, &["--verbose"]).1);
    }
    outputs.push(human("centos7-legacy", common::LINT_INIT).1);
    let mut wrapped = 0;
    for out in &outputs {
        for l in out.lines() {
            let text = l.trim_start().trim_start_matches(['·', '→']).trim_start();
            if l.chars().count() <= 100 {
                wrapped += usize::from(
                    l.starts_with("      ") && !l.trim_start().starts_with(['·', '→', '$']),
                );
                continue;
            }
            assert!(
                text.starts_with("$ ") || !text.contains(' '),
                "{} columns: {l}",
                l.chars().count()
            );
        }
    }
    assert!(wrapped > 0, "nothing was wrapped");
}

/// Commands that print text refuse `--json` rather than ignore it (a CI job
/// would parse text as JSON and fail far from the cause).
#[test]
fn text_commands_refuse_json() {
    for args in [
        &["--list-checks"][..],
        &["--explain", "host.cgroup-mode"],
        &["version"],
        &["completions", "bash"],
        &["man"],
    ] {
        let out = doctor().args(args).arg("--json").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("prints text"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        // Without --json each works.
        assert_eq!(
            doctor().args(args).output().unwrap().status.code(),
            Some(0),
            "{args:?}"
        );
    }
}
