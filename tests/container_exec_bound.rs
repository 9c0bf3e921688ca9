//! `container NAME` runs systemctl inside the user's running container: a
//! systemctl that never ends must not outlive the doctor. Uses the real
//! daemon and sdctr-test/bookworm-nosystemd; fails under CI=true without
//! them, skips (saying why) elsewhere.

use std::process::Command;
use std::time::{Duration, Instant};

mod common;

use common::{can_run, docker};
use serde_json::Value;

const IMAGE: &str = "sdctr-test/bookworm-nosystemd";

/// Removes the container when dropped, also when the test fails.
struct Removed(String);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.0]);
    }
}

fn ready() -> bool {
    can_run(
        match (
            docker(&["version", "-f", "{{.Server.Version}}"]),
            docker(&["image", "inspect", IMAGE]),
        ) {
            ((false, e), _) => Some(format!("no Docker daemon answers: {e}")),
            (_, (false, e)) => Some(format!("{e} (run scripts/build-test-images.sh)")),
            _ => None,
        },
    )
}

/// A running container whose `systemctl` (first in PATH: /usr/local/bin
/// comes before /usr/bin) runs forever; `extra` runs before it sleeps.
fn hanging_systemctl(name: &str, extra: &str) -> Removed {
    let _ = docker(&["rm", "-f", name]);
    let script = format!(
        "printf '#!/bin/sh\\nexec yes >/dev/null\\n' > /usr/local/bin/systemctl; chmod +x /usr/local/bin/systemctl; {extra} touch /ready; exec sleep 300"
    );
    let (ok, out) = docker(&[
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        &script,
    ]);
    let guard = Removed(name.to_owned());
    assert!(ok, "{out}");
    let until = Instant::now() + Duration::from_secs(10);
    while !docker(&["exec", name, "test", "-e", "/ready"]).0 {
        assert!(Instant::now() < until, "{name} did not get ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, which) = docker(&["exec", name, "sh", "-c", "command -v systemctl"]);
    assert_eq!(which, "/usr/local/bin/systemctl");
    guard
}

/// `container NAME --timeout 2 --json`: the document and how long it took.
fn judge(name: &str) -> (Value, Duration) {
    let start = Instant::now();
    let out = Command::new(assert_cmd::cargo::cargo_bin("sdctr-doctor"))
        .args(["container", name, "--timeout", "2", "--json"])
        .output()
        .unwrap();
    let took = start.elapsed();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (doc, took)
}

/// The commands of the container's processes (`docker top … -eo pid,comm`).
fn processes(name: &str) -> Vec<String> {
    let (ok, out) = docker(&["top", name, "-eo", "pid,comm"]);
    assert!(ok, "{out}");
    out.lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .collect()
}

fn check<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .and_then(|f| f.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no {id} in {doc}"))
}

#[test]
fn a_systemctl_that_never_ends_is_stopped_inside_the_container() {
    if !ready() {
        return;
    }
    let name = format!("sdctr-hard-hang-{}", std::process::id());
    let _c = hanging_systemctl(&name, "");
    let (doc, took) = judge(&name);
    let left = processes(&name);
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(left.iter().any(|p| p == "sleep"), "{left:?}");
    assert!(
        !left.iter().any(|p| p == "yes" || p == "systemctl"),
        "still running in {name}: {left:?}"
    );
    let state = &doc["facts"]["container"]["systemd"];
    assert!(
        state["system_state"]
            .as_str()
            .is_some_and(|s| s.contains("`timeout` stopped systemctl")),
        "{state}"
    );
    assert_eq!(check(&doc, "container.state")["status"], "fail");
}

#[test]
fn without_timeout_in_the_image_the_evidence_says_it_may_still_run() {
    if !ready() {
        return;
    }
    let name = format!("sdctr-hard-notimeout-{}", std::process::id());
    let _c = hanging_systemctl(&name, "rm /usr/bin/timeout;");
    let (doc, took) = judge(&name);
    assert!(took < Duration::from_secs(3), "took {took:?}");
    let c = check(&doc, "container.state");
    let text = c.to_string();
    assert!(
        text.contains("no `timeout`") && text.contains("may still run"),
        "{c}"
    );
}
