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
    Command::new("docker").args(args).output()
}

fn doctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sdctr-doctor"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the doctor runs")
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
    let mut args = vec!["lint", "--json", "--"];
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
}

fn run_for_real(name: &str, flags: &[String], image: &str, guard: &mut Cleanup) -> Reality {
    let mut args: Vec<&str> = vec!["run", "-d", "-t", "--name", name];
    args.extend(flags.iter().map(String::as_str));
    args.push(image);
    guard.add(name);
    let out = docker(&args).expect("docker runs");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let reason = if err.contains("unable to apply caps") {
            "refused: unable to apply caps".to_owned()
        } else {
            format!("refused: {}", last_line(&err))
        };
        return Reality {
            booted: false,
            outcome: reason,
        };
    }
    let start = Instant::now();
    loop {
        let left = boot_bound().saturating_sub(start.elapsed());
        if !running(name) {
            return Reality {
                booted: false,
                outcome: format!("exited {}", inspect(name, "{{.State.ExitCode}}")),
            };
        }
        if left.is_zero() {
            return Reality {
                booted: false,
                outcome: format!("no answer within {} s", boot_bound().as_secs()),
            };
        }
        let secs = format!("{}", left.as_secs().max(1));
        let o = Command::new("timeout")
            .args([
                secs.as_str(),
                "docker",
                "exec",
                name,
                "systemctl",
                "is-system-running",
                "--wait",
            ])
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
                }
            }
            "maintenance" | "offline" | "stopping" => {
                return Reality {
                    booted: false,
                    outcome: state,
                }
            }
            _ if text.contains("executable file not found") => {
                return Reality {
                    booted: false,
                    outcome: "no systemctl in the image".into(),
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

/// `container NAME --json`: does container.state say it failed?
fn container_says_failed(name: &str) -> Option<bool> {
    let out = doctor(&["container", name, "--json", "--only", "container"]);
    let doc: Value = serde_json::from_slice(&out.stdout).ok()?;
    let st = doc["checks"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == "container.state")?["status"]
        .as_str()?
        .to_owned();
    Some(st == "fail")
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
    let mut line = vec!["docker".to_owned(), "run".into(), "-d".into(), "-t".into()];
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

#[test]
fn doctor_predicts_every_cell() {
    if let Some(why) = missing_prerequisite() {
        if common::in_ci() {
            panic!("CI=true but the truth matrix cannot run: {why}");
        }
        eprintln!("SKIP truth matrix: {why}");
        return;
    }
    remove_leftovers();
    let mut guard = Cleanup(Vec::new());
    let host_before = host_cgroupfs();
    let mut cells = Vec::new();
    for (image, systemd) in IMAGES {
        let mut recipes = Vec::new();
        for (id, flags) in RECIPES {
            cells.push(cell(
                image,
                *systemd,
                id,
                words(flags),
                &mut guard,
                &mut recipes,
            ));
        }
        // (f): the doctor's own corrected lines for the failing ones.
        for (i, opts) in recipes.clone().into_iter().enumerate() {
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
    let table = render(&cells, &host_before, &host_cgroupfs());
    println!("\nTruth matrix (this machine):\n\n{table}");
    let path = target_dir().join("truth-matrix.md");
    let _ = std::fs::create_dir_all(target_dir());
    std::fs::write(&path, &table).expect("write target/truth-matrix.md");
    println!("written to {}", path.display());

    let wrong: Vec<String> = cells
        .iter()
        .filter(|c| !c.agrees())
        .map(|c| {
            format!(
                "{} {} ({}): reality {} ({}), doctor {}",
                slug(&c.image),
                c.recipe,
                c.flags,
                if c.reality.booted { "boots" } else { "fails" },
                c.reality.outcome,
                if c.predicted_fail {
                    "not-ready"
                } else {
                    "ready"
                }
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
        .filter(|c| c.container_says_failed != Some(!c.reality.booted))
        .map(|c| {
            format!(
                "{} {}: reality {}, container.state {:?}",
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
    // Every systemd image boots with some line the doctor passes.
    for (image, systemd) in IMAGES.iter().filter(|(_, v)| v.is_some()) {
        assert!(
            cells
                .iter()
                .any(|c| c.image == *image && c.reality.booted && !c.predicted_fail),
            "{image} (systemd {systemd:?}): no cell boots with a line the doctor passes"
        );
    }
}
