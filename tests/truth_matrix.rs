//! The truth matrix: real systemd images run for real with the well-known
//! recipes on this machine's daemon, and the doctor's prediction
//! (`lint --json`: verdict not-ready ⇔ the container does not boot) must match
//! every cell. `container NAME --json` must agree with reality too.
//!
//! Needs the Docker daemon and the test images of scripts/build-test-images.sh:
//! under CI=true their absence fails the test, otherwise it skips saying why.
//! `cargo test --test truth_matrix -- --nocapture` prints the matrix; it is
//! also written to target/truth-matrix.md. Every container is removed, also
//! when the test fails (a Drop guard).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

use common::daemon::{self, ExtraDaemon};

thread_local! {
    /// The daemon this test thread's cells use (`None`: the machine's own).
    static HOST: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn target_host() -> Option<String> {
    HOST.with(|h| h.borrow().clone())
}

thread_local! {
    /// The client this thread's cells use: `docker`, or `podman` (its own CLI, rootful).
    static CLIENT: std::cell::Cell<&'static str> = const { std::cell::Cell::new("docker") };
}

const PREFIX: &str = "sdctr-truth-";
/// How long a container gets to reach running/degraded: 20 s, or
/// `SDCTR_BOOT_BOUND` seconds (a guest under software emulation needs more).
fn boot_bound() -> Duration {
    let secs = std::env::var("SDCTR_BOOT_BOUND")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

/// (tag, systemd version as `systemd --version` printed it inside; None: no systemd).
const IMAGES: &[(&str, Option<u32>)] = &[
    ("sdctr-test/bookworm-systemd", Some(252)),
    ("sdctr-test/trixie-systemd", Some(257)),
    ("sdctr-test/bullseye-systemd", Some(247)),
    ("sdctr-test/bookworm-nosystemd", None),
];

const RECIPES: &[(&str, &str)] = &[
    (
        "a",
        "--tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:ro",
    ),
    ("b", "--tmpfs /tmp --tmpfs /run --privileged"),
    (
        "c",
        "--cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock --tmpfs /tmp",
    ),
    ("d", ""),
    ("e", "--init"),
    ("g", "--privileged"),
    (
        "h",
        "--privileged --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw",
    ),
    (
        "i",
        "--cgroupns=private --tmpfs /run --tmpfs /run/lock --tmpfs /tmp",
    ),
    (
        "j",
        "--cgroupns=private -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock --tmpfs /tmp",
    ),
];

/// Under CI a missing prerequisite fails the test; elsewhere it skips saying why.
fn can_run(what: &str, missing: Option<String>) -> bool {
    let Some(why) = missing else {
        return true;
    };
    if common::in_ci() {
        panic!("CI=true but {what} cannot run: {why}");
    }
    eprintln!("SKIP {what}: {why}");
    false
}

/// Why the matrix cannot run here, if it cannot.
fn missing_prerequisite() -> Option<String> {
    match docker(&["info", "--format", "{{.ServerVersion}}"]) {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return Some(format!(
                "no Docker daemon answers: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
        Err(e) => return Some(format!("cannot run docker: {e}")),
    }
    for (img, _) in IMAGES {
        let ok = docker(&["image", "inspect", "--format", "{{.Id}}", img])
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            return Some(format!(
                "test image {img} is missing: run `sudo bash scripts/build-test-images.sh`"
            ));
        }
    }
    None
}

fn docker(args: &[&str]) -> std::io::Result<Output> {
    let client = CLIENT.with(|c| c.get());
    let mut c = Command::new(client);
    if let (Some(h), "docker") = (target_host(), client) {
        c.arg("-H").arg(h);
    }
    c.args(args).output()
}

fn doctor(args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sdctr-doctor"));
    c.args(args).env("NO_COLOR", "1");
    if let Some(h) = target_host() {
        c.env("DOCKER_HOST", h);
    }
    c.output().expect("the doctor runs")
}

/// Removes every container it was given, whatever happens to the test.
struct Cleanup(Vec<String>);

impl Cleanup {
    fn add(&mut self, name: &str) {
        self.0.push(name.to_owned());
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let mut args = vec!["rm", "-f"];
        args.extend(self.0.iter().map(String::as_str));
        let _ = docker(&args);
    }
}

/// Leftovers of an earlier run that was killed (only names this test makes).
fn remove_leftovers() {
    let Ok(o) = docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("name=^{PREFIX}"),
        "--format",
        "{{.Names}}",
    ]) else {
        return;
    };
    let names = String::from_utf8_lossy(&o.stdout).into_owned();
    let names: Vec<&str> = names.split_whitespace().collect();
    if !names.is_empty() {
        let mut args = vec!["rm", "-f"];
        args.extend(names);
        let _ = docker(&args);
    }
}

/// The doctor's verdict on a run line.
struct Prediction {
    not_ready: bool,
    failing: Vec<String>,
    recipe: Option<Vec<String>>,
    /// lint probed the image on the line (its facts are in the report).
    knows_image: bool,
}

fn predict(line: &[String]) -> Prediction {
    let mut args = vec!["lint", "--json", "--no-redact", "--"];
    args.extend(line.iter().map(String::as_str));
    let out = doctor(&args);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "lint --json -- {}: not JSON ({e}): {}",
            line.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let checks = doc["checks"].as_array().cloned().unwrap_or_default();
    Prediction {
        not_ready: doc["verdict"] == "not-ready",
        failing: checks
            .iter()
            .filter(|c| c["status"] == "fail" || c["status"] == "error")
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect(),
        recipe: doc["recipe"]["argv"].as_array().map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_owned))
                .collect()
        }),
        knows_image: doc["facts"]["images"]
            .as_array()
            .is_some_and(|a| a.iter().any(|i| i["present"] == true)),
    }
}

/// What really happened to the container.
#[derive(Debug)]
struct Reality {
    booted: bool,
    /// `running`, `degraded`, `exited 255`, `refused: ...`, `no systemctl`, ...
    outcome: String,
    /// The daemon created the container (a refused create leaves nothing for `container`).
    created: bool,
}

fn run_for_real(name: &str, flags: &[String], image: &str, guard: &mut Cleanup) -> Reality {
    run_cmd_for_real(name, flags, image, &[], guard)
}

/// The same with a command after the image.
fn run_cmd_for_real(
    name: &str,
    flags: &[String],
    image: &str,
    cmd: &[String],
    guard: &mut Cleanup,
) -> Reality {
    let mut args: Vec<&str> = vec!["run", "-d", "-t", "--name", name];
    args.extend(flags.iter().map(String::as_str));
    args.push(image);
    args.extend(cmd.iter().map(String::as_str));
    guard.add(name);
    let out = docker(&args).expect("docker runs");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let reason = if err.contains("unable to apply caps") {
            "refused: unable to apply caps".to_owned()
        } else {
            let said = err
                .lines()
                .find(|l| l.contains("Error response from daemon"))
                .map(|l| l.trim().to_owned())
                .unwrap_or_else(|| last_line(&err));
            format!("refused: {said}")
        };
        assert_triage_knows(name, &err);
        return Reality {
            booted: false,
            outcome: reason,
            created: !inspect(name, "{{.Id}}").is_empty(),
        };
    }
    boot_outcome(name)
}

/// What a failed cell printed (its log, or the daemon's refusal) is known
/// to `triage`: at least one line names a failure cause. Every failure the
/// truth matrix meets is then in the table.
fn assert_triage_knows(cell: &str, text: &str) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sdctr-doctor"))
        .args(["triage", "--json", "--no-redact", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the doctor runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write the log");
    let out = child.wait_with_output().expect("triage ends");
    assert_eq!(out.status.code(), Some(0), "{cell}: triage failed");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("triage JSON");
    let failures = doc["triage"]["causes"]
        .as_array()
        .map_or(0, |c| c.iter().filter(|c| c["kind"] == "failure").count());
    assert!(
        failures > 0,
        "{cell}: triage finds no failure cause in what it printed:\n{text}"
    );
}

/// How a started container's systemd fares within the boot bound.
fn boot_outcome(name: &str) -> Reality {
    let start = Instant::now();
    loop {
        let left = boot_bound().saturating_sub(start.elapsed());
        if !running(name) {
            let logs = docker(&["logs", name]).expect("docker logs runs");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&logs.stdout),
                String::from_utf8_lossy(&logs.stderr)
            );
            assert_triage_knows(name, &text);
            return Reality {
                booted: false,
                outcome: format!("exited {}", inspect(name, "{{.State.ExitCode}}")),
                created: true,
            };
        }
        if left.is_zero() {
            return Reality {
                booted: false,
                outcome: format!("no answer within {} s", boot_bound().as_secs()),
                created: true,
            };
        }
        let secs = format!("{}", left.as_secs().max(1));
        let client = CLIENT.with(|c| c.get());
        let mut exec = Command::new("timeout");
        exec.args([secs.as_str(), client]);
        if let (Some(h), "docker") = (target_host(), client) {
            exec.arg("-H").arg(h);
        }
        let o = exec
            .args(["exec", name, "systemctl", "is-system-running", "--wait"])
            .output()
            .expect("timeout runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let state = last_line(&text);
        match state.as_str() {
            "running" | "degraded" => {
                return Reality {
                    booted: true,
                    outcome: state,
                    created: true,
                }
            }
            "maintenance" | "offline" | "stopping" => {
                return Reality {
                    booted: false,
                    outcome: state,
                    created: true,
                }
            }
            _ if text.contains("executable file not found") => {
                return Reality {
                    booted: false,
                    outcome: "no systemctl in the image".into(),
                    created: true,
                }
            }
            // The bus is not up yet (or the container is going away): ask again.
            _ => sleep(Duration::from_millis(300)),
        }
    }
}

fn running(name: &str) -> bool {
    inspect(name, "{{.State.Running}}") == "true"
}

fn inspect(name: &str, format: &str) -> String {
    docker(&["inspect", "--format", format, name])
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn last_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
        .to_owned()
}

/// `container NAME --json`: does container.state say it did not boot? A
/// container that never started warns (Podman keeps no error for a start that
/// failed); a degraded one warns too but booted.
fn container_says_failed(name: &str) -> Option<bool> {
    let out = doctor(&[
        "container",
        name,
        "--json",
        "--no-redact",
        "--only",
        "container",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).ok()?;
    let state = doc["checks"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == "container.state")?;
    let st = state["status"].as_str()?;
    let never_started = state["message"]
        .as_str()
        .is_some_and(|m| m.contains("never started"));
    Some(st == "fail" || (st == "warn" && never_started))
}

/// The host's /sys/fs/cgroup line and top-level entries (to see a container change them).
fn host_cgroupfs() -> String {
    let line = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.split_whitespace().nth(4) == Some("/sys/fs/cgroup"))
        .map(|l| l.split(" - ").nth(1).unwrap_or(l).to_owned())
        .unwrap_or_else(|| "(no /sys/fs/cgroup mount)".into());
    let mut entries: Vec<String> = std::fs::read_dir("/sys/fs/cgroup")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    format!("{line} [{}]", entries.join(" "))
}

/// What a container can change on a v1/hybrid host: whether the shared
/// /sys/fs/cgroup tmpfs is read-only, its entries, and the cgroups at the
/// root of each hierarchy (a private namespace with the host tree bound puts
/// a container's systemd cgroups there).
#[derive(PartialEq)]
struct CgroupfsState {
    tmpfs: bool,
    read_only: bool,
    entries: std::collections::BTreeSet<String>,
    root_cgroups: std::collections::BTreeSet<String>,
}

fn dir_names(path: &str, dirs_only: bool) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(path)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| !dirs_only || e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn cgroupfs_state() -> CgroupfsState {
    let top = host_cgroupfs();
    let tmpfs = top.starts_with("tmpfs ");
    let read_only = top
        .split_whitespace()
        .nth(2)
        .is_some_and(|o| o.split(',').any(|x| x == "ro"));
    let entries = dir_names("/sys/fs/cgroup", false);
    let root_cgroups = if tmpfs {
        entries
            .iter()
            .flat_map(|h| {
                dir_names(&format!("/sys/fs/cgroup/{h}"), true)
                    .into_iter()
                    .map(move |c| format!("{h}/{c}"))
            })
            .collect()
    } else {
        Default::default()
    };
    CgroupfsState {
        tmpfs,
        read_only,
        entries,
        root_cgroups,
    }
}

/// Puts a v1/hybrid host's /sys/fs/cgroup back as `before` had it, so no cell
/// depends on the cells before it; says what it undid.
fn restore_cgroupfs(before: &CgroupfsState) -> Vec<String> {
    let now = cgroupfs_state();
    if !before.tmpfs || now == *before {
        return Vec::new();
    }
    let mut undone = Vec::new();
    if now.read_only && !before.read_only {
        let ok = Command::new("mount")
            .args(["-o", "remount,rw", "/sys/fs/cgroup"])
            .status()
            .is_ok_and(|s| s.success());
        undone.push(format!(
            "remount,rw /sys/fs/cgroup: {}",
            if ok { "done" } else { "FAILED" }
        ));
    }
    // Cgroups a container left at a hierarchy's root (deepest first; empty ones only).
    for c in now.root_cgroups.difference(&before.root_cgroups) {
        let path = format!("/sys/fs/cgroup/{c}");
        let _ = Command::new("find")
            .args([
                path.as_str(),
                "-depth",
                "-type",
                "d",
                "-exec",
                "rmdir",
                "{}",
                ";",
            ])
            .status();
        undone.push(format!("rmdir -r {path}"));
    }
    for e in now.entries.difference(&before.entries) {
        let path = format!("/sys/fs/cgroup/{e}");
        let r = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_symlink() => std::fs::remove_file(&path),
            _ => std::fs::remove_dir(&path),
        };
        undone.push(format!(
            "remove {path}: {}",
            if r.is_ok() { "done" } else { "FAILED" }
        ));
    }
    undone
}

struct Cell {
    image: String,
    systemd: Option<u32>,
    recipe: String,
    flags: String,
    reality: Reality,
    predicted_fail: bool,
    failing: Vec<String>,
    container_says_failed: Option<bool>,
    /// The host's /sys/fs/cgroup line before and after, when the cell changed it.
    host_change: Option<(String, String)>,
    /// What was undone afterwards to give the next cell the same host.
    restored: Vec<String>,
}

impl Cell {
    fn agrees(&self) -> bool {
        self.predicted_fail != self.reality.booted
    }
}

fn words(flags: &str) -> Vec<String> {
    flags.split_whitespace().map(str::to_owned).collect()
}

fn slug(image: &str) -> String {
    image.rsplit('/').next().unwrap_or(image).to_owned()
}

#[allow(clippy::too_many_arguments)]
fn cell(
    image: &str,
    systemd: Option<u32>,
    recipe: &str,
    flags: Vec<String>,
    guard: &mut Cleanup,
    recipes_out: &mut Vec<Vec<String>>,
) -> Cell {
    let client = CLIENT.with(|c| c.get());
    let mut line = vec![client.to_owned(), "run".into(), "-d".into(), "-t".into()];
    line.extend(flags.iter().cloned());
    line.push(image.to_owned());
    let p = predict(&line);
    if let Some(r) = &p.recipe {
        // The recipe is a whole line: keep only its options for the (f) cells.
        let opts: Vec<String> = r[2..r.len() - 1]
            .iter()
            .filter(|w| *w != "-d" && *w != "-t")
            .cloned()
            .collect();
        if !recipes_out.contains(&opts) {
            recipes_out.push(opts);
        }
    }
    let name = format!("{PREFIX}{}-{recipe}", slug(image));
    let state_before = cgroupfs_state();
    let before = host_cgroupfs();
    let reality = run_for_real(&name, &flags, image, guard);
    let container_says_failed = container_says_failed(&name);
    let _ = docker(&["rm", "-f", &name]);
    let after = host_cgroupfs();
    let restored = restore_cgroupfs(&state_before);
    let c = Cell {
        image: image.to_owned(),
        systemd,
        recipe: recipe.to_owned(),
        flags: flags.join(" "),
        reality,
        predicted_fail: p.not_ready,
        failing: p.failing,
        container_says_failed,
        host_change: (before != after).then_some((before, after)),
        restored,
    };
    assert!(p.knows_image, "lint did not probe {image}: {}", c.flags);
    c
}

fn render(cells: &[Cell], before: &str, after: &str) -> String {
    let mut s = String::from(
        "| image (systemd) | cell | flags (`docker run -d -t ... IMAGE`) | reality | doctor `lint` | failing checks | `container` | agree |\n|---|---|---|---|---|---|---|---|\n",
    );
    for c in cells {
        s.push_str(&format!(
            "| {} ({}) | {} | `{}` | {} {} | {} | {} | {} | {} |\n",
            slug(&c.image),
            c.systemd.map_or("none".into(), |v| v.to_string()),
            c.recipe,
            if c.flags.is_empty() {
                "(none)"
            } else {
                &c.flags
            },
            if c.reality.booted { "boots" } else { "fails" },
            c.reality.outcome,
            if c.predicted_fail {
                "not-ready"
            } else {
                "ready"
            },
            if c.failing.is_empty() {
                "-".to_owned()
            } else {
                c.failing.join(", ")
            },
            match c.container_says_failed {
                Some(true) => "fail",
                Some(false) => "ok",
                None => "?",
            },
            if c.agrees() {
                "yes".to_owned()
            } else {
                "**NO**".to_owned()
            }
        ));
    }
    s.push_str(&format!(
        "\nHost /sys/fs/cgroup before: `{before}`\n\nHost /sys/fs/cgroup after: `{after}`\n"
    ));
    for c in cells
        .iter()
        .filter(|c| c.host_change.is_some() || !c.restored.is_empty())
    {
        let (b, a) = c.host_change.clone().unwrap_or_default();
        s.push_str(&format!(
            "\nCell {} {} changed the host's /sys/fs/cgroup:\n- before: `{b}`\n- after: `{a}`\n- undone: {}\n",
            slug(&c.image),
            c.recipe,
            c.restored.join("; ")
        ));
    }
    s
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The truth-matrix tests change the host's /sys/fs/cgroup and undo it: one at a time.
static HOST_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Every image × recipe, then the doctor's own corrected lines, on the
/// daemon of this thread ([`HOST`]).
fn run_matrix(images: &[(&str, Option<u32>)], recipes: &[(&str, &str)]) -> Vec<Cell> {
    let mut guard = Cleanup(Vec::new());
    let mut cells = Vec::new();
    for (image, systemd) in images {
        let mut corrected = Vec::new();
        for (id, flags) in recipes {
            cells.push(cell(
                image,
                *systemd,
                id,
                words(flags),
                &mut guard,
                &mut corrected,
            ));
        }
        // (f): the doctor's own corrected lines for the failing ones.
        for (i, opts) in corrected.clone().into_iter().enumerate() {
            let id = format!("f{}", i + 1);
            cells.push(cell(
                image,
                *systemd,
                &id,
                opts,
                &mut guard,
                &mut Vec::new(),
            ));
        }
    }
    cells
}

/// Writes the table to target/NAME and stdout.
fn publish(title: &str, file: &str, cells: &[Cell], before: &str) {
    let table = render(cells, before, &host_cgroupfs());
    println!("\n{title}:\n\n{table}");
    let path = target_dir().join(file);
    let _ = std::fs::create_dir_all(target_dir());
    std::fs::write(&path, &table).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    println!("written to {}", path.display());
}

/// Every cell's prediction and `container` verdict agree with reality, and
/// every systemd image boots with some line the doctor passes.
fn assert_agree(label: &str, images: &[(&str, Option<u32>)], cells: &[Cell]) {
    let wrong: Vec<String> = cells
        .iter()
        .filter(|c| !c.agrees())
        .map(|c| {
            format!(
                "{label}: {} {} ({}): reality {} ({}), doctor {} {:?}",
                slug(&c.image),
                c.recipe,
                c.flags,
                if c.reality.booted { "boots" } else { "fails" },
                c.reality.outcome,
                if c.predicted_fail {
                    "not-ready"
                } else {
                    "ready"
                },
                c.failing
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "the doctor's prediction disagrees with reality:\n{}",
        wrong.join("\n")
    );
    // `container` judges what happened: container.state fails exactly when it did not boot.
    let container_wrong: Vec<String> = cells
        .iter()
        .filter(|c| {
            let expected = c.reality.created.then_some(!c.reality.booted);
            c.container_says_failed != expected
        })
        .map(|c| {
            format!(
                "{label}: {} {}: reality {}, container.state {:?}",
                slug(&c.image),
                c.recipe,
                c.reality.outcome,
                c.container_says_failed
            )
        })
        .collect();
    assert!(
        container_wrong.is_empty(),
        "`container` disagrees with reality:\n{}",
        container_wrong.join("\n")
    );
    for (image, systemd) in images.iter().filter(|(_, v)| v.is_some()) {
        assert!(
            cells
                .iter()
                .any(|c| c.image == *image && c.reality.booted && !c.predicted_fail),
            "{label}: {image} (systemd {systemd:?}): no cell boots with a line the doctor passes"
        );
    }
}

#[test]
fn doctor_predicts_every_cell() {
    if !can_run("the truth matrix", missing_prerequisite()) {
        return;
    }
    let _one = HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    remove_leftovers();
    // SDCTR_MATRIX_IMAGES=bookworm-systemd,trixie-systemd: fewer images (slow guests).
    let only = std::env::var("SDCTR_MATRIX_IMAGES").unwrap_or_default();
    let images: Vec<(&str, Option<u32>)> = IMAGES
        .iter()
        .filter(|(i, _)| only.is_empty() || only.split(',').any(|o| o == slug(i)))
        .copied()
        .collect();
    let host_before = host_cgroupfs();
    let cells = run_matrix(&images, RECIPES);
    publish(
        "Truth matrix (this machine)",
        "truth-matrix.md",
        &cells,
        &host_before,
    );
    assert_agree("machine daemon", &images, &cells);
}

/// Daemons that differ from the machine's in one setting each, as users run
/// them (daemon.json), each its own real dockerd: the same cells, fewer images.
const VARIANTS: &[(&str, &str)] = &[
    ("overlay2", r#"{"storage-driver": "overlay2"}"#),
    (
        "userns-remap",
        r#"{"storage-driver": "fuse-overlayfs", "userns-remap": "default"}"#,
    ),
    (
        "cgroupns-private",
        r#"{"storage-driver": "fuse-overlayfs", "default-cgroupns-mode": "private"}"#,
    ),
    (
        "init",
        r#"{"storage-driver": "fuse-overlayfs", "init": true}"#,
    ),
    (
        "no-new-privileges",
        r#"{"storage-driver": "fuse-overlayfs", "no-new-privileges": true}"#,
    ),
];

const VARIANT_IMAGES: &[(&str, Option<u32>)] = &[
    ("sdctr-test/bookworm-systemd", Some(252)),
    ("sdctr-test/trixie-systemd", Some(257)),
];

const VARIANT_RECIPES: &[&str] = &["a", "c", "d", "e", "g", "i", "j"];

#[test]
fn daemon_variants_agree() {
    if !can_run(
        "the daemon variants",
        missing_prerequisite().or_else(daemon::cannot_start),
    ) {
        return;
    }
    let _one = HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let recipes: Vec<(&str, &str)> = RECIPES
        .iter()
        .filter(|(id, _)| VARIANT_RECIPES.contains(id))
        .copied()
        .collect();
    let mut all = String::new();
    for (n, (name, config)) in VARIANTS.iter().enumerate() {
        let d = ExtraDaemon::start(name, 10 + n as u8, config, false)
            .unwrap_or_else(|e| panic!("variant {name}: {e}"));
        for (image, _) in VARIANT_IMAGES {
            d.load_image(image).unwrap_or_else(|e| panic!("{e}"));
        }
        HOST.with(|h| *h.borrow_mut() = Some(d.host()));
        let before = host_cgroupfs();
        let cells = run_matrix(VARIANT_IMAGES, &recipes);
        HOST.with(|h| *h.borrow_mut() = None);
        all.push_str(&format!(
            "\n## {name}: `{config}`\n\n{}",
            render(&cells, &before, &host_cgroupfs())
        ));
        publish(
            &format!("Truth matrix (daemon variant {name}: {config})"),
            &format!("truth-matrix-{name}.md"),
            &cells,
            &before,
        );
        assert_agree(&format!("variant {name}"), VARIANT_IMAGES, &cells);
        drop(d);
    }
    let _ = std::fs::write(target_dir().join("truth-matrix-variants.md"), all);
}

/// Podman (Debian's 4.3, rootful, through its own CLI; the doctor asks its
/// Docker-compatible API): its systemd mode, and the rlimits it cannot grant
/// where podman itself lacks CAP_SYS_RESOURCE.
const PODMAN_RECIPES: &[(&str, &str)] = &[
    ("p1", ""),
    ("p2", "--ulimit nofile=1024:1024 --ulimit nproc=4096:4096"),
    (
        "p3",
        "--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --systemd=false",
    ),
    (
        "p4",
        "--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --systemd=false -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --stop-signal SIGRTMIN+3",
    ),
    ("p5", "--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --init"),
];

/// `podman system service` on its own socket, stopped when dropped.
struct PodmanService {
    child: std::process::Child,
    socket: String,
}

impl PodmanService {
    fn start() -> Result<PodmanService, String> {
        let socket = "/tmp/sdctr-podman-test.sock".to_owned();
        let _ = std::fs::remove_file(&socket);
        let child = Command::new("podman")
            .args(["system", "service", "--time=0", &format!("unix://{socket}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("podman system service: {e}"))?;
        let s = PodmanService { child, socket };
        for _ in 0..100 {
            if std::path::Path::new(&s.socket).exists() {
                return Ok(s);
            }
            sleep(Duration::from_millis(100));
        }
        Err("podman system service did not create its socket in 10 s".into())
    }
}

impl Drop for PodmanService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

fn podman_missing() -> Option<String> {
    let ok = Command::new("podman")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (!ok).then(|| "podman is not installed (apt-get install podman)".to_owned())
}

#[test]
fn podman_agrees() {
    if !can_run(
        "the Podman cells",
        missing_prerequisite().or_else(podman_missing),
    ) {
        return;
    }
    let _one = HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let images: &[(&str, Option<u32>)] = &[("sdctr-test/bookworm-systemd", Some(252))];
    for (image, _) in images {
        let ok = Command::new("sh")
            .arg("-c")
            .arg(format!("docker save {image} | podman load -q >/dev/null"))
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "could not load {image} into podman");
    }
    let service = PodmanService::start().unwrap_or_else(|e| panic!("{e}"));
    CLIENT.with(|c| c.set("podman"));
    HOST.with(|h| *h.borrow_mut() = Some(format!("unix://{}", service.socket)));
    let before = host_cgroupfs();
    let cells = run_matrix(images, PODMAN_RECIPES);
    HOST.with(|h| *h.borrow_mut() = None);
    CLIENT.with(|c| c.set("docker"));
    publish(
        "Truth matrix (Podman)",
        "truth-matrix-podman.md",
        &cells,
        &before,
    );
    assert_agree("podman", images, &cells);
}

/// Compose services as written (the service's own lines below `image:`).
const COMPOSE_CASES: &[(&str, &str)] = &[
    (
        "c-v1",
        "    stop_signal: RTMIN+3\n    cap_add: [SYS_ADMIN]\n    tmpfs: [/run, /run/lock]\n    volumes:\n      - /sys/fs/cgroup:/sys/fs/cgroup:ro\n",
    ),
    (
        "c-molecule",
        "    privileged: true\n    volumes:\n      - /sys/fs/cgroup:/sys/fs/cgroup:rw\n",
    ),
    ("c-plain", ""),
];

/// molecule platforms as written (below `image:`).
const MOLECULE_CASES: &[(&str, &str)] = &[
    (
        "m-geerlingguy",
        "    command: \"\"\n    volumes:\n      - /sys/fs/cgroup:/sys/fs/cgroup:rw\n    cgroupns_mode: host\n    privileged: true\n    pre_build_image: true\n",
    ),
    ("m-default-command", "    pre_build_image: true\n"),
    (
        "m-v1",
        "    command: /lib/systemd/systemd\n    volumes:\n      - /sys/fs/cgroup:/sys/fs/cgroup:ro\n    tmpfs: [/run, /run/lock, /tmp]\n    pre_build_image: true\n",
    ),
];

/// The doctor's verdict on the one target of a `lint --compose`/`--molecule` file.
fn predict_target(front: &str, file: &std::path::Path) -> (Prediction, Option<String>) {
    let path = file.to_str().unwrap();
    let mut args = vec!["lint", "--json", "--no-redact", front, path];
    if front == "--compose" {
        args.extend(["--service", "sd"]);
    }
    let out = doctor(&args);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "lint {front} {path}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let t = &doc["targets"][0];
    let mut failing: Vec<String> = doc["checks"]
        .as_array()
        .into_iter()
        .chain(t["checks"].as_array())
        .flatten()
        .filter(|c| c["status"] == "fail" || c["status"] == "error")
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    failing.dedup();
    let words = |v: &Value| -> Option<Vec<String>> {
        v.as_array().map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_owned))
                .collect()
        })
    };
    let p = Prediction {
        not_ready: t["verdict"] == "not-ready",
        failing,
        recipe: words(&t["recipe"]["argv"]),
        knows_image: doc["facts"]["images"]
            .as_array()
            .is_some_and(|a| a.iter().any(|i| i["present"] == true)),
    };
    (
        p,
        words(&t["argv"])
            .map(|w| w.join(" "))
            .and(t["recipe"]["snippet"].as_str().map(str::to_owned)),
    )
}

fn compose(file: &std::path::Path, project: &str, args: &[&str]) -> Output {
    Command::new("docker-compose")
        .arg("-f")
        .arg(file)
        .args(["-p", project])
        .args(args)
        .output()
        .expect("docker-compose runs")
}

/// `docker-compose up -d` of a file whose one service is `name`, for real.
fn compose_for_real(
    file: &std::path::Path,
    project: &str,
    name: &str,
    guard: &mut Cleanup,
) -> Reality {
    guard.add(name);
    let out = compose(file, project, &["up", "-d", "--no-build"]);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let said = err
            .lines()
            .find(|l| l.contains("Error") || l.contains("ERROR"))
            .map(|l| l.trim().to_owned())
            .unwrap_or_else(|| last_line(&err));
        return Reality {
            booted: false,
            outcome: format!("refused: {said}"),
            created: !inspect(name, "{{.Id}}").is_empty(),
        };
    }
    boot_outcome(name)
}

#[test]
fn front_ends_agree() {
    let compose_missing = || {
        let ok = Command::new("docker-compose")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success());
        (!ok).then(|| "docker-compose is not installed".to_owned())
    };
    if !can_run(
        "the front-end cells",
        missing_prerequisite().or_else(compose_missing),
    ) {
        return;
    }
    let _one = HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    remove_leftovers();
    let dir = tempfile::tempdir().unwrap();
    let mut guard = Cleanup(Vec::new());
    let mut cells = Vec::new();
    let host_before = host_cgroupfs();
    let images: Vec<(&str, Option<u32>)> = IMAGES[..2].to_vec();
    for (image, systemd) in &images {
        for (case, body) in COMPOSE_CASES {
            let mut text = format!("services:\n  sd:\n    image: {image}\n    tty: true\n{body}");
            for round in ["", "-f"] {
                let id = format!("{case}{round}");
                let name = format!("{PREFIX}{}-{id}", slug(image));
                let project = name.replace('-', "");
                let text_named = format!("{text}    container_name: {name}\n");
                let file = dir.path().join(format!("{name}.yml"));
                std::fs::write(&file, &text_named).unwrap();
                let (p, snippet) = predict_target("--compose", &file);
                let flags = format!("compose: {}", text_named.replace('\n', "⏎"));
                cells.push(observe(
                    image,
                    *systemd,
                    id,
                    flags,
                    p,
                    &name,
                    || {
                        let r = compose_for_real(&file, &project, &name, &mut guard);
                        (r, container_says_failed(&name))
                    },
                    || {
                        let _ = compose(&file, &project, &["down", "--remove-orphans"]);
                    },
                ));
                // Round two: the corrected service, as the doctor printed it.
                match snippet.filter(|_| round.is_empty()) {
                    Some(s) => {
                        let body: String = s
                            .lines()
                            .filter(|l| !l.trim_start().starts_with("container_name:"))
                            .map(|l| format!("  {l}\n"))
                            .collect();
                        text = format!("services:\n{body}");
                    }
                    None => break,
                }
            }
        }
        for (case, body) in MOLECULE_CASES {
            let text = format!(
                "driver:\n  name: docker\nplatforms:\n  - name: instance\n    image: {image}\n{body}"
            );
            let file = dir.path().join(format!("{case}-{}.yml", slug(image)));
            std::fs::write(&file, &text).unwrap();
            let out = doctor(&[
                "lint",
                "--json",
                "--no-redact",
                "--molecule",
                file.to_str().unwrap(),
            ]);
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            let t = &doc["targets"][0];
            let as_words = |v: &Value| -> Vec<String> {
                v.as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|w| w.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let lines = [
                (case.to_string(), as_words(&t["argv"])),
                (format!("{case}-f"), as_words(&t["recipe"]["argv"])),
            ];
            for (id, argv) in lines {
                if argv.is_empty() {
                    continue;
                }
                // Judged as the run line it is, then run.
                let p = predict(&argv);
                let name = format!("{PREFIX}{}-{id}", slug(image));
                let (flags, image_word, cmd) = molecule_flags(&argv);
                let shown = format!("molecule: {}", argv.join(" "));
                cells.push(observe(
                    image,
                    *systemd,
                    id,
                    shown,
                    p,
                    &name,
                    || {
                        let r = run_cmd_for_real(&name, &flags, &image_word, &cmd, &mut guard);
                        (r, container_says_failed(&name))
                    },
                    || {},
                ));
            }
            // The molecule verdict is the run line's.
            assert_eq!(
                t["verdict"] == "not-ready",
                predict(&as_words(&t["argv"])).not_ready,
                "{case}: lint --molecule and lint of its run line disagree"
            );
        }
        dockerfile_cells(image, *systemd, dir.path(), &mut guard, &mut cells);
    }
    publish(
        "Front ends (compose, molecule, Dockerfile) on this machine",
        "truth-matrix-front-ends.md",
        &cells,
        &host_before,
    );
    assert_agree("front ends", &images, &cells);
}

/// A Dockerfile that breaks systemd on top of a good image, then the same
/// with the doctor's `dockerfile_fix` applied by `patch`: each judged by
/// `lint --dockerfile`, built (never pulled: FROM a local test image) and
/// run with a line that boots a good image here (the v1 recipe, cell f).
fn dockerfile_cells(
    image: &str,
    systemd: Option<u32>,
    dir: &std::path::Path,
    guard: &mut Cleanup,
    cells: &mut Vec<Cell>,
) {
    let ctx = dir.join(format!("df-{}", slug(image)));
    std::fs::create_dir_all(&ctx).unwrap();
    let file = ctx.join("Dockerfile");
    std::fs::write(
        &file,
        format!("FROM {image}\nUSER nobody\nSTOPSIGNAL SIGTERM\nCMD [\"bash\"]\n"),
    )
    .unwrap();
    let flags =
        words("-v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock --tmpfs /tmp");
    for id in ["d-bad", "d-bad-f"] {
        let out = doctor(&[
            "lint",
            "--json",
            "--no-redact",
            "--dockerfile",
            file.to_str().unwrap(),
        ]);
        let doc: Value = serde_json::from_slice(&out.stdout).expect("lint --dockerfile --json");
        let failing: Vec<String> = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail" || c["status"] == "error")
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect();
        let p = Prediction {
            not_ready: doc["verdict"] == "not-ready",
            failing,
            recipe: None,
            knows_image: true,
        };
        let tag = format!("{PREFIX}{}-{id}:latest", slug(image));
        let built = Command::new("docker")
            .args(["build", "-q", "-t", &tag])
            .arg(&ctx)
            .env("DOCKER_BUILDKIT", "0")
            .output()
            .expect("docker build runs");
        assert!(
            built.status.success(),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
        let name = format!("{PREFIX}{}-{id}", slug(image));
        let shown = format!(
            "Dockerfile: {} ⏎ run: {}",
            std::fs::read_to_string(&file).unwrap().replace('\n', "⏎"),
            flags.join(" ")
        );
        cells.push(observe(
            image,
            systemd,
            id.to_owned(),
            shown,
            p,
            &name,
            || {
                let r = run_for_real(&name, &flags, &tag, guard);
                (r, container_says_failed(&name))
            },
            || {},
        ));
        let _ = docker(&["rmi", "-f", &tag]);
        // Round two: the file as the doctor's diff makes it.
        let Some(fix) = doc["dockerfile_fix"].as_str() else {
            break;
        };
        let patched = Command::new("patch")
            .arg(&file)
            .stdin(std::process::Stdio::piped())
            .output_with_input(fix);
        assert!(
            patched,
            "the doctor's dockerfile_fix does not apply:\n{fix}"
        );
    }
}

/// `patch FILE` fed `input` on stdin: applied.
trait OutputWithInput {
    fn output_with_input(&mut self, input: &str) -> bool;
}

impl OutputWithInput for Command {
    fn output_with_input(&mut self, input: &str) -> bool {
        use std::io::Write;
        let Ok(mut child) = self.stdout(std::process::Stdio::null()).spawn() else {
            return false;
        };
        let fed = child
            .stdin
            .take()
            .is_some_and(|mut i| i.write_all(input.as_bytes()).is_ok());
        fed && child.wait().is_ok_and(|s| s.success())
    }
}

/// One front-end cell: the host state around `run` (which starts the
/// container and asks `container` about it), the clean-up, the host restored.
#[allow(clippy::too_many_arguments)]
fn observe(
    image: &str,
    systemd: Option<u32>,
    id: String,
    flags: String,
    p: Prediction,
    name: &str,
    run: impl FnOnce() -> (Reality, Option<bool>),
    down: impl FnOnce(),
) -> Cell {
    let state_before = cgroupfs_state();
    let before = host_cgroupfs();
    let (reality, says) = run();
    down();
    let _ = docker(&["rm", "-f", name]);
    let after = host_cgroupfs();
    Cell {
        image: image.to_owned(),
        systemd,
        recipe: id,
        flags,
        reality,
        predicted_fail: p.not_ready,
        failing: p.failing,
        container_says_failed: says,
        host_change: (before != after).then_some((before, after)),
        restored: restore_cgroupfs(&state_before),
    }
}

/// A molecule run line (`docker run -d --name N … IMAGE [CMD…]`) as
/// run_cmd_for_real's flags, image and command.
fn molecule_flags(argv: &[String]) -> (Vec<String>, String, Vec<String>) {
    let run = sdctr_doctor::runline::from_argv(argv.to_vec()).expect("a run line");
    let image_at = argv.len() - run.spec.args.len() - 1;
    assert_eq!(argv[image_at], run.spec.image);
    let mut flags = Vec::new();
    let mut it = argv[2..image_at].iter();
    while let Some(w) = it.next() {
        match w.as_str() {
            "-d" | "--detach" => {}
            "--name" => {
                it.next();
            }
            _ => flags.push(w.clone()),
        }
    }
    (flags, run.spec.image.clone(), run.spec.args.clone())
}

/// Cells that do not boot on the development VM (hybrid, Docker 20.10.24,
/// --privileged refused): (id, image, flags).
const CONTAINER_FIX_CELLS: &[(&str, &str, &str)] = &[
    ("d", "sdctr-test/bookworm-systemd", ""),
    (
        "a",
        "sdctr-test/bookworm-systemd",
        "--tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:ro",
    ),
    ("g", "sdctr-test/bookworm-systemd", "--privileged"),
    ("d", "sdctr-test/trixie-systemd", ""),
    ("g", "sdctr-test/trixie-systemd", "--privileged"),
];

/// `container NAME` on a container that did not boot (exited, or created and
/// refused by the daemon) prints a corrected line made from its settings
/// (`--json` `recipe.argv`); that line, run for real, boots. A cell that
/// boots as given here needs no fix and is only recorded. The table goes to
/// target/truth-matrix-container-fix.md.
#[test]
fn container_fix_boots() {
    let missing = missing_prerequisite_of(CONTAINER_FIX_CELLS.iter().map(|c| c.1));
    if !can_run("the container fix cells", missing) {
        return;
    }
    let _one = HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut guard = Cleanup(Vec::new());
    let mut rows = String::from(
        "| image (systemd) | cell | flags (`docker run -d -t ... IMAGE`) | outcome | `container` says | corrected line (`recipe.argv`) | `lint` on it | its outcome |\n|---|---|---|---|---|---|---|---|\n",
    );
    let mut wrong = Vec::new();
    for (id, image, flags) in CONTAINER_FIX_CELLS {
        let systemd = IMAGES.iter().find(|i| i.0 == *image).and_then(|i| i.1);
        let name = format!("sdctr-c-{}-{id}", slug(image));
        let _ = docker(&["rm", "-f", &name, &format!("{name}-fixed")]);
        let mut said: Option<Value> = None;
        let first = observe(
            image,
            systemd,
            id.to_string(),
            flags.to_string(),
            Prediction {
                not_ready: true,
                failing: vec![],
                recipe: None,
                knows_image: true,
            },
            &name,
            || {
                let r = run_cmd_for_real(&name, &words(flags), image, &[], &mut guard);
                let out = doctor(&["container", &name, "--json"]);
                let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                    panic!(
                        "container {name} --json: not JSON ({e}): {}",
                        String::from_utf8_lossy(&out.stderr)
                    )
                });
                let says = doc["checks"]
                    .as_array()
                    .and_then(|a| a.iter().find(|c| c["id"] == "container.state"))
                    .map(|c| c["status"] == "fail");
                said = Some(doc);
                (r, says)
            },
            || {},
        );
        let doc = said.expect("container was asked");
        let state = doc["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == "container.state").cloned())
            .unwrap_or_default();
        let refusal = state["evidence"]
            .as_array()
            .and_then(|e| {
                e.iter()
                    .filter_map(Value::as_str)
                    .find_map(|l| l.strip_prefix("refusal "))
            })
            .and_then(|l| l.split(' ').next())
            .map(|id| format!("refused ({id})"));
        let says = match (first.container_says_failed, refusal) {
            (_, Some(r)) => r,
            (Some(true), None) => "fail".to_owned(),
            (Some(false), None) => "ok".to_owned(),
            (None, None) => "?".to_owned(),
        };
        let flags_shown = if flags.is_empty() { "(none)" } else { flags };
        let row = |line: &str, lint: &str, after: &str| {
            format!(
                "| {} ({}) | {id} | `{flags_shown}` | {} | {says} | {line} | {lint} | {after} |\n",
                slug(image),
                systemd.map_or("none".into(), |v| v.to_string()),
                first.reality.outcome,
            )
        };
        if first.reality.booted {
            rows.push_str(&row("- (boots as given)", "-", "-"));
            continue;
        }
        if first.container_says_failed != Some(true) {
            wrong.push(format!(
                "{name}: did not boot ({}), container.state {:?}",
                first.reality.outcome, first.container_says_failed
            ));
        }
        let Some(argv) = doc["recipe"]["argv"].as_array().map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_owned))
                .collect::<Vec<String>>()
        }) else {
            wrong.push(format!(
                "{name}: {} but `container --json` has no recipe: {}",
                first.reality.outcome, doc["recipe"]
            ));
            rows.push_str(&row("**none**", "-", "-"));
            continue;
        };
        let (fixed_flags, fixed_image, cmd) = molecule_flags(&argv);
        let fixed = format!("{name}-fixed");
        let p = predict(&argv);
        let lint = if p.not_ready { "not-ready" } else { "ready" };
        let after = observe(
            &fixed_image,
            systemd,
            format!("{id}-fixed"),
            fixed_flags.join(" "),
            p,
            &fixed,
            || {
                let r = run_cmd_for_real(&fixed, &fixed_flags, &fixed_image, &cmd, &mut guard);
                (r, container_says_failed(&fixed))
            },
            || {},
        );
        rows.push_str(&row(
            &format!("`{}`", argv.join(" ")),
            lint,
            &after.reality.outcome,
        ));
        if !after.reality.booted || after.predicted_fail {
            wrong.push(format!(
                "{name}: the corrected line `{}` {} (lint: {lint})",
                argv.join(" "),
                after.reality.outcome
            ));
        }
    }
    let path = target_dir().join("truth-matrix-container-fix.md");
    let _ = std::fs::create_dir_all(target_dir());
    std::fs::write(&path, &rows).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    println!(
        "\nContainer fix cells:\n\n{rows}\nwritten to {}",
        path.display()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Why cells on these images cannot run here (no daemon, an image missing).
fn missing_prerequisite_of<'a>(images: impl Iterator<Item = &'a str>) -> Option<String> {
    match docker(&["info", "--format", "{{.ServerVersion}}"]) {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return Some(format!(
                "no Docker daemon answers: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
        Err(e) => return Some(format!("cannot run docker: {e}")),
    }
    for img in images {
        let ok = docker(&["image", "inspect", "--format", "{{.Id}}", img])
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            return Some(format!(
                "test image {img} is missing: run `sudo bash scripts/build-test-images.sh`"
            ));
        }
    }
    None
}
