//! The command line's own surface: completion scripts, the man page,
//! `--version` detail, did-you-mean for check ids, and the global options on
//! either side of the subcommand.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command as Process, Stdio};

use common::{can_run, doctor, fixture, LINT_INIT};

const SUBCOMMANDS: &[&str] = &[
    "capture",
    "lint",
    "container",
    "completions",
    "man",
    "version",
];

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("sdctr-doctor")
}

/// (exit code, stdout, stderr)
fn run(args: &[&str]) -> (i32, String, String) {
    let out = doctor().args(args).output().expect("runs");
    (
        out.status.code().expect("exited"),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

fn bash(script: &str) -> String {
    let out = Process::new("bash")
        .arg("-c")
        .arg(script)
        .env("DOCTOR", bin())
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn bash_loads_the_completions_and_completes_subcommands_and_options() {
    let spec = bash(r#"source <("$DOCTOR" completions bash); complete -p sdctr-doctor"#);
    assert!(spec.contains("-F _sdctr__doctor sdctr-doctor"), "{spec}");
    // What bash offers after `sdctr-doctor l<TAB>` and `sdctr-doctor lint --no-d<TAB>`.
    let words = |line: &str| {
        bash(&format!(
            r#"source <("$DOCTOR" completions bash)
COMP_WORDS=({line}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}
_sdctr__doctor sdctr-doctor "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
        ))
    };
    assert_eq!(words("sdctr-doctor l").trim(), "lint");
    assert_eq!(words("sdctr-doctor lint --no-d").trim(), "--no-docker");
    let shells = words("sdctr-doctor completions ''");
    for sh in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(shells.lines().any(|l| l == sh), "{sh} in {shells}");
    }
}

#[test]
fn every_shell_gets_a_script_naming_the_subcommands() {
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for sub in SUBCOMMANDS {
            assert!(out.contains(sub), "{shell} script lacks {sub}");
        }
        assert!(out.contains("no-docker"), "{shell}");
    }
    // Where the shells are installed (not in CI's package list), they load the scripts.
    let shell = |sh: &str, script: &str| {
        let out = Process::new(sh)
            .arg("-c")
            .arg(script)
            .env("DOCTOR", bin())
            .output();
        match out {
            Err(e) => {
                eprintln!("SKIP: {sh}: {e}");
                None
            }
            Ok(o) => {
                assert!(
                    o.status.success(),
                    "{sh}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                Some(String::from_utf8(o.stdout).unwrap())
            }
        }
    };
    if let Some(out) = shell(
        "fish",
        r#"$DOCTOR completions fish | source; complete -C "sdctr-doctor li"; complete -C "sdctr-doctor lint --no-d""#,
    ) {
        let words: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
        assert_eq!(words, ["lint", "--no-docker"], "{out}");
    }
    if let Some(out) = shell(
        "zsh",
        r#"d=$(mktemp -d); "$DOCTOR" completions zsh > $d/_sdctr-doctor; zsh -n $d/_sdctr-doctor &&
fpath=($d $fpath); autoload -U compinit; compinit -u -D; print -r -- ${_comps[sdctr-doctor]}; rm -r $d"#,
    ) {
        assert_eq!(out.trim(), "_sdctr-doctor");
    }

    let (code, out, err) = run(&["completions", "tcsh"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.contains("'tcsh'") && err.contains("possible values"),
        "{err}"
    );
}

fn render(roff: &str) -> String {
    let mut child = Process::new("groff")
        .args(["-man", "-Tutf8", "-ww"])
        .env("GROFF_NO_SGR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("groff runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(roff.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(warnings.is_empty(), "groff warns: {warnings}");
    // Drop the overstrikes (bold, underline) of a tty rendering.
    let text = String::from_utf8(out.stdout).unwrap();
    let mut plain = String::new();
    for c in text.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn man_pages_render() {
    let (code, roff, err) = run(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(roff.starts_with(".ie") || roff.starts_with(".TH"), "{roff}");
    assert!(roff.contains(".TH sdctr-doctor 1"), "{roff}");
    let (code, lint, _) = run(&["man", "lint"]);
    assert_eq!(code, 0);
    assert!(lint.contains(".TH sdctr-doctor-lint 1"), "{lint}");
    let (code, out, err) = run(&["man", "nope"]);
    assert_eq!((code, out.as_str(), err.lines().count()), (2, "", 1));
    assert!(
        err.contains("no man page for 'nope' (pages: capture, lint"),
        "{err}"
    );

    let groff = Process::new("groff").arg("--version").output();
    if !can_run(
        groff
            .is_err()
            .then(|| "groff is not installed (apt groff-base)".into()),
    ) {
        return;
    }
    let page = render(&roff);
    let page = page.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "NAME",
        "SYNOPSIS",
        "OPTIONS",
        "SUBCOMMANDS",
        "--no-docker",
        "Exit codes: 0 ready",
    ] {
        assert!(page.contains(want), "{want} in\n{page}");
    }
    for sub in SUBCOMMANDS {
        assert!(page.contains(&format!("sdctr-doctor-{sub}(1)")), "{sub}");
    }
    // Every check id, in the CHECKS section before the exit codes.
    let (checks, extra) = (
        page.find(" CHECKS ").unwrap(),
        page.find(" EXTRA ").unwrap(),
    );
    assert!(checks < extra, "{page}");
    for c in sdctr_doctor::checks::registry() {
        assert!(
            page[checks..extra].contains(&format!(" {} ", c.id)),
            "{}",
            c.id
        );
    }
    let page = render(&lint);
    assert!(page.contains("--compose <FILE>"), "{page}");
}

#[test]
fn version_short_and_detailed() {
    let short = format!("sdctr-doctor {}\n", env!("CARGO_PKG_VERSION"));
    for args in [&["--version"][..], &["-V"]] {
        assert_eq!(run(args), (0, short.clone(), String::new()), "{args:?}");
    }
    let (code, detail, _) = run(&["--version", "-v"]);
    assert_eq!(code, 0);
    assert_eq!(run(&["version"]).1, detail);
    assert_eq!(run(&["-vV"]).1, detail);
    let lines: Vec<&str> = detail.lines().collect();
    assert_eq!(lines[0], short.trim_end());
    let field = |k: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{k}: ")))
            .unwrap_or_else(|| panic!("no {k}: in {detail}"))
    };
    assert!(
        field("target").starts_with(std::env::consts::ARCH)
            && field("target").contains(std::env::consts::OS),
        "{detail}"
    );
    assert_eq!(field("features"), "none");
    assert!(["debug", "release"].contains(&field("profile")), "{detail}");
    // Built from this checkout: the commit is its HEAD (build.rs reruns when HEAD moves).
    let dir = env!("CARGO_MANIFEST_DIR");
    let head = Process::new("git")
        .args(["-C", dir, "rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success() && Path::new(dir).join(".git").exists());
    match head {
        Some(o) => {
            let head = String::from_utf8(o.stdout).unwrap();
            assert!(head.starts_with(field("commit")), "{detail} vs {head}");
            assert_eq!(field("commit").len(), 12);
        }
        None => assert!(field("commit").starts_with("unknown"), "{detail}"),
    }
}

#[test]
fn unknown_check_ids_get_a_suggestion() {
    let root = fixture("debian12-v2");
    let root = root.to_str().unwrap();
    for (args, want) in [
        (
            &["--explain", "host.cgroup-mod"][..],
            "unknown check 'host.cgroup-mod'; did you mean 'host.cgroup-mode'? (see --list-checks)",
        ),
        (
            &["--root", root, "--no-docker", "--only", "host.cgroup-mod"],
            "unknown check or family 'host.cgroup-mod'; did you mean 'host.cgroup-mode'? (see --list-checks)",
        ),
        (
            &["--root", root, "--no-docker", "--skip", "host,dokcer"],
            "unknown check or family 'dokcer'; did you mean 'docker'? (see --list-checks)",
        ),
        (
            &["--explain", "kernel"],
            "unknown check 'kernel'; did you mean 'host.kernel'? (see --list-checks)",
        ),
        (
            &["--explain", "network"],
            "unknown check 'network' (see --list-checks)",
        ),
    ] {
        let (code, out, err) = run(args);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (2, "", format!("sdctr-doctor: error: {want}\n").as_str()),
            "{args:?}"
        );
    }
}

/// Every subcommand gives the same answer with the global options before or after it.
#[test]
fn global_options_before_or_after_the_subcommand() {
    let root = fixture("centos7-legacy");
    let root = root.to_str().unwrap();
    let opts = ["--root", root, "--no-docker", "--json", "--strict"];
    let file = |f: &str| fixture(&format!("../{f}")).to_str().unwrap().to_owned();
    let (compose, molecule, dockerfile) = (
        file("compose/reefer-ubuntu.yml"),
        file("molecule/two-platforms/molecule.yml"),
        file("dockerfile/bad.Dockerfile"),
    );
    let log = file("logs/bookworm-252-init.log");
    let cap_a = tempfile::tempdir().unwrap();
    let cap_b = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (LINT_INIT[..1].to_vec(), LINT_INIT[1..].to_vec()),
        (vec!["lint"], vec!["--compose", &compose]),
        (vec!["lint", "--molecule", &molecule], vec![]),
        (vec!["lint", "--dockerfile", &dockerfile], vec![]),
        (vec!["container", "some-name"], vec![]),
        (vec!["triage", &log], vec![]),
        (vec![], vec![]),
    ];
    for (sub, rest) in &cases {
        let before: Vec<&str> = opts.iter().chain(sub).chain(rest).copied().collect();
        let after: Vec<&str> = sub.iter().chain(&opts).chain(rest).copied().collect();
        let (a, b) = (run(&before), run(&after));
        assert_eq!(a, b, "{before:?} vs {after:?}");
        assert!(a.0 != 0 || !a.1.is_empty(), "{a:?}");
        if sub.first() == Some(&"container") {
            assert!(
                a.2.contains("cannot be used with --facts or --no-docker"),
                "{a:?}"
            );
        } else {
            assert!(a.1.starts_with('{'), "JSON either way: {a:?}");
        }
    }
    // capture into two fresh directories: the same files either way.
    let a = run(&["--root", root, "capture", cap_a.path().to_str().unwrap()]);
    let b = run(&["capture", cap_b.path().to_str().unwrap(), "--root", root]);
    assert_eq!((a.0, b.0), (0, 0), "{a:?} {b:?}");
    let count = |s: &str| s.split(" files into").next().unwrap().to_owned();
    assert!(
        a.2.starts_with("captured ") && count(&a.2) == count(&b.2),
        "{a:?} {b:?}"
    );
}

/// After the image a word is the container's command, so a doctor option
/// there is refused unless `--` says the line is verbatim.
#[test]
fn doctor_options_after_the_image_are_refused_without_dashdash() {
    let root = fixture("centos7-legacy");
    let root = root.to_str().unwrap();
    let line = &LINT_INIT[2..];
    for extra in [
        &["--no-docker"][..],
        &["--json"],
        &["--root=/x"],
        &["--strict"],
    ] {
        let args: Vec<&str> = ["--root", root, "--no-docker", "lint"]
            .iter()
            .chain(line)
            .chain(extra)
            .copied()
            .collect();
        let (code, out, err) = run(&args);
        assert_eq!(
            (code, out.as_str(), err.lines().count()),
            (2, "", 1),
            "{err}"
        );
        assert!(
            err.contains(&format!("'{}' follows the image", extra[0])),
            "{err}"
        );
    }
    // With `--` the same words stay in the line: the container's command.
    let args: Vec<&str> = ["--root", root, "--no-docker", "--json", "lint", "--"]
        .iter()
        .chain(line)
        .chain(&["--strict"])
        .copied()
        .collect();
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(doc.to_string().contains("--strict"), "{out}");
    // Options of docker run itself (`-v`, `--init`) before the image are never the doctor's.
    let (code, _, err) = run(&["--root", root, "--no-docker", "lint"]
        .iter()
        .chain(line)
        .copied()
        .collect::<Vec<_>>());
    assert_eq!(code, 1, "{err}");
}
