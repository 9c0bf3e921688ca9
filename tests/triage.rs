//! `sdctr-doctor triage FILE|-`: real logs (fixtures/logs, saved on the
//! development VM) mapped to the right cause ids; unknown text says so and
//! exits 0; unreadable input is one line and exit 2. The JSON follows
//! schema/report.schema.json, the Markdown parses as CommonMark. One test
//! boots a real failing container (skips, saying why, without the daemon
//! or the test image; fails under CI=true).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{assert_valid, can_run, docker, doctor, validator};
use serde_json::{json, Value};

fn log(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/logs")
        .join(name)
}

/// `triage --json ARGS` on `stdin`: (exit code, document, stderr).
fn triage_json(args: &[&str], stdin: &[u8]) -> (i32, Value, String) {
    let out = doctor()
        .arg("triage")
        .arg("--json")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}"));
    (out.status.code().unwrap(), doc, stderr)
}

fn ids_of(doc: &Value, kind: &str) -> Vec<String> {
    doc["triage"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every fixture log with the failures `triage` must name, first one first.
const FIXTURES: &[(&str, &[&str])] = &[
    (
        "bookworm-252-no-flags.log",
        &["tmpfs-run", "tmpfs-run-lock", "api-filesystems"],
    ),
    (
        "bookworm-252-tmpfs-ro-bind.log",
        &["tmpfs-run-lock", "api-filesystems"],
    ),
    ("bookworm-252-init.log", &["not-pid1"]),
    (
        "bookworm-252-cgroupns-private.log",
        &["cgroup-readonly", "manager-object"],
    ),
    (
        "bookworm-252-cgroupns-host-no-bind.log",
        &["cgroup-docker-path-missing", "manager-object"],
    ),
    ("bookworm-252-boots.log", &[]),
    (
        "bullseye-247-no-flags.log",
        &["tmpfs-run", "tmpfs-run-lock", "api-filesystems"],
    ),
    (
        "bullseye-247-tmpfs-ro-bind.log",
        &["tmpfs-run-lock", "api-filesystems"],
    ),
    ("bullseye-247-init.log", &["not-pid1"]),
    (
        "bullseye-247-cgroupns-private.log",
        &["cgroup-readonly", "manager-object"],
    ),
    ("trixie-257-no-flags.log", &["tmpfs-run", "api-filesystems"]),
    ("trixie-257-init.log", &["not-pid1"]),
    (
        "trixie-257-cgroupns-private.log",
        &["cgroup-readonly", "manager-object"],
    ),
    ("trixie-257-boots-degraded.log", &[]),
    ("docker-run-privileged.txt", &["runtime.apply-caps"]),
    ("docker-exec-no-systemd.txt", &["command-not-found"]),
    (
        "systemctl-not-pid1.txt",
        &["not-booted-with-systemd", "no-bus"],
    ),
];

#[test]
fn every_fixture_log_names_its_causes() {
    let v = validator();
    for (name, want) in FIXTURES {
        let path = log(name);
        let (code, doc, stderr) = triage_json(&[path.to_str().unwrap()], b"");
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_valid(&v, &doc, name);
        assert_eq!(ids_of(&doc, "failure"), *want, "{name}");
        let t = &doc["triage"];
        assert_eq!(t["input"], path.to_str().unwrap());
        assert_eq!(t["known"], t["matches"].as_array().unwrap().len());
        // Colours and carriage returns are gone from the quoted lines.
        for m in t["matches"].as_array().unwrap() {
            let text = m["text"].as_str().unwrap();
            assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
        }
    }
    // Booting containers print only harmless known lines.
    let (_, doc, _) = triage_json(&[log("bookworm-252-boots.log").to_str().unwrap()], b"");
    assert_eq!(
        ids_of(&doc, "harmless"),
        ["cgroup-symlink", "cgroup-id-ignored"]
    );
    // Failures come first among the causes, harmless lines last.
    let path = log("bookworm-252-cgroupns-private.log");
    let (_, doc, _) = triage_json(&[path.to_str().unwrap()], b"");
    let kinds: Vec<&str> = doc["triage"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["failure", "failure", "consequence", "harmless"]);
}

#[test]
fn the_readme_lists_every_fixture() {
    let readme = std::fs::read_to_string(log("README.md")).unwrap();
    let mut on_disk: Vec<String> = std::fs::read_dir(log(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "README.md")
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "fixtures/logs and this test disagree");
    for n in &on_disk {
        assert!(readme.contains(&format!("`{n}`")), "README misses {n}");
    }
}

#[test]
fn human_report_lines_numbers_and_fix() {
    let out = doctor()
        .arg("triage")
        .arg(log("bookworm-252-tmpfs-ro-bind.log"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("(3 lines): 3 known lines, 3 causes"),
        "{text}"
    );
    assert!(text.contains(
        "  line 1  [tmpfs-run-lock] Failed to mount tmpfs at /run/lock: Operation not permitted\n"
    ));
    assert!(text.contains("Start with line 1 [tmpfs-run-lock]"));
    assert!(text.contains("  fix:   add --tmpfs /run/lock (with --tmpfs /run --tmpfs /tmp)\n"));
    assert!(text.contains("pid1-stopped (consequence, line 3)"));
}

#[test]
fn stdin_dash_and_no_argument_read_standard_input() {
    // journalctl's prefix and a CRLF paste.
    let paste = b"Dec 02 10:00:01 h systemd[1]: Refusing to run under cgroup v1, SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 not specified on kernel command line.\r\n\
Dec 02 10:00:01 h systemd[1]: Freezing execution.\r\n";
    for args in [&["-"][..], &[][..]] {
        let (code, doc, stderr) = triage_json(args, paste);
        assert_eq!(code, 0, "{stderr}");
        // Not a terminal: no hint.
        assert_eq!(stderr, "");
        assert_eq!(doc["triage"]["input"], "-");
        let lines: Vec<(u64, &str)> = doc["triage"]["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["line"].as_u64().unwrap(), m["id"].as_str().unwrap()))
            .collect();
        assert_eq!(lines, [(1, "cgroup-v1-refused"), (2, "pid1-stopped")]);
    }
}

#[test]
fn unknown_text_says_nothing_known_and_exits_0() {
    let text = b"Welcome to Debian GNU/Linux 12 (bookworm)!\nhello\n";
    let out = doctor()
        .args(["triage", "-"])
        .write_stdin(&text[..])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let human = String::from_utf8(out.stdout).unwrap();
    assert!(
        human.starts_with("triage of - (2 lines): nothing known found\n"),
        "{human}"
    );
    let (code, doc, _) = triage_json(&[], text);
    assert_eq!(code, 0);
    assert_eq!(doc["triage"]["nothing_known"], true);
    assert_eq!(doc["triage"]["matches"], json!([]));
    assert_valid(&validator(), &doc, "nothing known");
    let md = doctor()
        .args(["triage", "--format", "markdown"])
        .write_stdin(&text[..])
        .output()
        .unwrap();
    assert_eq!(md.status.code(), Some(0));
    assert!(String::from_utf8(md.stdout)
        .unwrap()
        .contains("nothing known found"));
    // An empty input too.
    let (code, doc, _) = triage_json(&[], b"");
    assert_eq!((code, doc["triage"]["lines"].as_u64()), (0, Some(0)));
}

/// One line on stderr, nothing on stdout, exit 2.
fn refused(args: &[&str], stdin: Vec<u8>, says: &str) {
    let out = doctor()
        .arg("triage")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(says), "{args:?}: {stderr}");
}

#[test]
fn unreadable_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // Binary junk: NUL bytes, or bytes that are not UTF-8.
    let junk = dir.path().join("core");
    std::fs::write(&junk, b"\x7fELF\x02\x01\x01\0\0\0\0").unwrap();
    refused(&[junk.to_str().unwrap()], vec![], "binary data");
    refused(
        &["-"],
        vec![0xff, 0xfe, b'a', b'\n'],
        "standard input: not UTF-8 text",
    );
    // 8 MiB and more, from a file and from stdin.
    let big = dir.path().join("big.log");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len((8 << 20) + 1).unwrap();
    refused(&[big.to_str().unwrap()], vec![], "larger than 8 MiB");
    let mut lots = b"Failed to mount tmpfs at /run: Operation not permitted\n".repeat(160_000);
    assert!(lots.len() > 8 << 20);
    lots.truncate((8 << 20) + 10);
    refused(&[], lots, "standard input: larger than 8 MiB");
    // Missing, a directory, a device.
    refused(&["/nonexistent/log.txt"], vec![], "/nonexistent/log.txt:");
    refused(&[dir.path().to_str().unwrap()], vec![], "Is a directory");
    refused(&["/dev/zero"], vec![], "not a regular file");
}

#[test]
fn control_characters_in_a_matched_line_are_shown_escaped() {
    // A bell and a backspace survive the colour stripping: shown, not sent.
    let out = doctor()
        .args(["triage", "-"])
        .write_stdin("\u{1b}[0;1;31mFailed to mount tmpfs at /run: Operation not permitted\u{7}\u{8}\u{1b}[0m\n")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Operation not permitted\\x07\\x08\n"),
        "{text:?}"
    );
    assert!(!text.contains('\u{7}') && !text.contains('\u{1b}'));
}

#[test]
fn markdown_parses_as_commonmark() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    for name in [
        "bookworm-252-cgroupns-host-no-bind.log",
        "docker-exec-no-systemd.txt",
    ] {
        let out = doctor()
            .args(["triage", "--format", "markdown"])
            .arg(log(name))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let md = String::from_utf8(out.stdout).unwrap();
        let mut headings = 0;
        let mut rows = 0;
        let mut code = Vec::new();
        for ev in Parser::new_ext(&md, Options::ENABLE_TABLES) {
            match ev {
                Event::Start(Tag::Heading { .. }) => headings += 1,
                Event::End(TagEnd::TableRow) => rows += 1,
                Event::Code(c) => code.push(c.to_string()),
                Event::Html(h) | Event::InlineHtml(h) => panic!("{name}: raw HTML {h:?}"),
                _ => {}
            }
        }
        let doc = triage_json(&[log(name).to_str().unwrap()], b"").1;
        let matches = doc["triage"]["matches"].as_array().unwrap();
        let causes = doc["triage"]["causes"].as_array().unwrap();
        // The title, one heading per cause; one table row per known line.
        assert_eq!(headings, 1 + causes.len(), "{md}");
        assert_eq!(rows, matches.len(), "{md}");
        // Each quoted line comes back whole from its code span (`$PATH`, `|`, `"`).
        for m in matches {
            assert!(
                code.contains(&m["text"].as_str().unwrap().to_owned()),
                "{md}"
            );
        }
    }
}

#[test]
fn schema_rejects_a_broken_triage_document() {
    let v = validator();
    let (_, good, _) = triage_json(&[log("trixie-257-no-flags.log").to_str().unwrap()], b"");
    assert_valid(&v, &good, "good");
    type Breakage = (&'static str, Box<dyn Fn(&mut Value)>);
    let breakages: Vec<Breakage> = vec![
        (
            "kind",
            Box::new(|d| d["triage"]["matches"][0]["kind"] = json!("fatal")),
        ),
        (
            "id",
            Box::new(|d| d["triage"]["causes"][0]["id"] = json!("Tmpfs Run")),
        ),
        (
            "line 0",
            Box::new(|d| d["triage"]["matches"][0]["line"] = json!(0)),
        ),
        (
            "no source",
            Box::new(|d| {
                d["triage"]["causes"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("source");
            }),
        ),
        ("a verdict", Box::new(|d| d["verdict"] = json!("ready"))),
        (
            "extra member",
            Box::new(|d| d["triage"]["extra"] = json!(1)),
        ),
    ];
    for (what, breakage) in breakages {
        let mut doc = good.clone();
        breakage(&mut doc);
        assert!(!v.is_valid(&doc), "{what} should break the schema");
    }
}

/// The image every failing boot here is made with.
const IMAGE: &str = "sdctr-test/bookworm-systemd";

#[test]
fn a_real_failing_boot_is_triaged() {
    let why_not = match (
        docker(&["version", "-f", "{{.Server.Version}}"]),
        docker(&["image", "inspect", IMAGE]),
    ) {
        ((false, e), _) => Some(format!("no Docker daemon answers: {e}")),
        (_, (false, e)) => Some(format!("{e} (run scripts/build-test-images.sh)")),
        _ => None,
    };
    if !can_run(why_not) {
        return;
    }
    // Cell a of docs/truth-matrix/devvm-machine-daemon.md: no /run/lock tmpfs.
    let name = format!("sdctr-triage-test-{}", std::process::id());
    let (ok, out) = docker(&[
        "run",
        "-d",
        "-t",
        "--name",
        &name,
        "--network",
        "none",
        "--tmpfs",
        "/tmp",
        "--tmpfs",
        "/run",
        "-v",
        "/sys/fs/cgroup:/sys/fs/cgroup:ro",
        IMAGE,
    ]);
    struct Removed(String);
    impl Drop for Removed {
        fn drop(&mut self) {
            let _ = docker(&["rm", "-f", &self.0]);
        }
    }
    let _guard = Removed(name.clone());
    assert!(ok, "{out}");
    let until = Instant::now() + Duration::from_secs(20);
    while docker(&["inspect", "-f", "{{.State.Running}}", &name]).1 == "true" {
        assert!(Instant::now() < until, "{name} still running");
        std::thread::sleep(Duration::from_millis(200));
    }
    let logs = std::process::Command::new("docker")
        .args(["logs", &name])
        .output()
        .unwrap();
    let (code, doc, _) = triage_json(&[], &logs.stdout);
    assert_eq!(code, 0);
    let failures = ids_of(&doc, "failure");
    assert_eq!(
        failures.first().map(String::as_str),
        Some("tmpfs-run-lock"),
        "{doc:#}"
    );
}

#[test]
fn a_terminal_on_stdin_gets_a_one_line_hint() {
    // util-linux `script` gives the doctor a terminal; the paste ends with Ctrl-D.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIP: no `script` (util-linux) to make a terminal");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("sdctr-doctor");
    let cmd = format!("{} triage --color never", bin.display());
    let mut child = std::process::Command::new("script")
        .args(["-qc", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        std::thread::sleep(Duration::from_millis(500));
        stdin
            .write_all(b"Failed to connect to bus: Host is down\n\x04")
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let hint = "sdctr-doctor triage: reading the log from standard input: paste it, then press Ctrl-D (or give a FILE)";
    assert_eq!(text.matches(hint).count(), 1, "{text}");
    assert!(
        text.contains("line 1  [no-bus] Failed to connect to bus: Host is down"),
        "{text}"
    );
}
