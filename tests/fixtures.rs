//! Every fixture through the binary: the cgroup mode, the kernel and the status of every host check.

mod common;

use common::{fixture, json_of, statuses, FIXTURES};

/// fixture, mode, kernel release, verdict, exit code, statuses in report order
/// (cgroup-mode, cgroup2-mount, cgroup-tmpfs, controllers, kernel, cmdline, inside-container).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i32,
    [&'static str; 7],
);

const EXPECTED: &[Row] = &[
    (
        "centos7-legacy",
        "legacy",
        "3.10.0-327.el7.x86_64",
        "ready-with-warnings",
        0,
        ["warn", "skip", "pass", "warn", "warn", "pass", "pass"],
    ),
    (
        "debian12-v2",
        "unified",
        "6.1.0-50-amd64",
        "ready",
        0,
        ["pass", "pass", "skip", "pass", "pass", "pass", "pass"],
    ),
    (
        "dev-vm-hybrid",
        "hybrid",
        "6.18.44-fc-v657",
        "ready-with-warnings",
        0,
        ["warn", "pass", "pass", "pass", "pass", "pass", "pass"],
    ),
    (
        "docker-container-v1",
        "legacy",
        "6.18.44-fc-v657",
        "ready-with-warnings",
        0,
        ["warn", "skip", "pass", "warn", "pass", "pass", "warn"],
    ),
    (
        "rootless-fedora34",
        "unified",
        "5.11.12-300.fc34.x86_64",
        "ready-with-warnings",
        0,
        ["pass", "pass", "skip", "warn", "pass", "pass", "pass"],
    ),
    (
        "ubuntu2204-unified",
        "unified",
        "5.15.0-73-generic",
        "ready",
        0,
        ["pass", "pass", "skip", "pass", "pass", "pass", "pass"],
    ),
    (
        "wsl2-hybrid",
        "hybrid",
        "5.15.133.1-microsoft-standard-WSL2",
        "ready-with-warnings",
        0,
        ["warn", "pass", "pass", "pass", "pass", "pass", "pass"],
    ),
];

const IDS: [&str; 7] = [
    "host.cgroup-mode",
    "host.cgroup2-mount",
    "host.cgroup-tmpfs",
    "host.controllers",
    "host.kernel",
    "host.cmdline",
    "host.inside-container",
];

#[test]
fn every_fixture_is_in_the_table() {
    let names: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    assert_eq!(names, FIXTURES);
    let on_disk = std::fs::read_dir(fixture(""))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_type().unwrap().is_dir())
        .count();
    assert_eq!(on_disk, FIXTURES.len(), "a fixture folder has no table row");
}

#[test]
fn fixture_table() {
    for (name, mode, release, verdict, code, want) in EXPECTED {
        let (got_code, doc) = json_of(&fixture(name), &[]);
        let host = &doc["facts"]["host"];
        assert_eq!(host["cgroup"]["mode"], *mode, "{name}: mode");
        assert_eq!(host["cgroup"]["detected_by"], "mountinfo", "{name}");
        assert_eq!(host["kernel"]["release"], *release, "{name}: kernel");
        assert_eq!(host["live"], false, "{name}");
        let want: Vec<(String, String)> = IDS
            .iter()
            .zip(want)
            .map(|(i, s)| ((*i).to_owned(), (*s).to_owned()))
            .collect();
        let host_statuses: Vec<(String, String)> = statuses(&doc)
            .into_iter()
            .filter(|(i, _)| i.starts_with("host."))
            .collect();
        assert_eq!(host_statuses, want, "{name}: statuses");
        assert_eq!(doc["verdict"], *verdict, "{name}: verdict");
        assert_eq!(got_code, *code, "{name}: exit code");
    }
}

/// Facts that tell the fixtures apart, beyond the mode.
#[test]
fn distinguishing_facts() {
    let (_, wsl) = json_of(&fixture("wsl2-hybrid"), &[]);
    let cg = &wsl["facts"]["host"]["cgroup"];
    assert_eq!(wsl["facts"]["host"]["kernel"]["wsl"], true);
    assert_eq!(cg["cgroup2"]["mount_point"], "/sys/fs/cgroup/unified");
    assert_eq!(cg["cgroup2"]["nsdelegate"], true);
    assert_eq!(cg["v1_hierarchies"].as_array().unwrap().len(), 15);
    assert_eq!(cg["root_controllers"], serde_json::json!([]));
    let fix = wsl["checks"][0]["remediation"]["text"].as_str().unwrap();
    assert!(fix.contains("cgroup_no_v1=all"), "{fix}");

    let (_, rootless) = json_of(&fixture("rootless-fedora34"), &[]);
    let cg = &rootless["facts"]["host"]["cgroup"];
    assert!(cg["own_cgroup"]
        .as_str()
        .unwrap()
        .starts_with("/user.slice/user-1000.slice/user@1000.service/app.slice/"));
    assert_eq!(cg["own_controllers"], serde_json::json!(["memory", "pids"]));
    assert!(cg["cgroup2"]["super_options"]
        .as_array()
        .unwrap()
        .contains(&"seclabel".into()));

    let (_, centos) = json_of(&fixture("centos7-legacy"), &[]);
    let cg = &centos["facts"]["host"]["cgroup"];
    assert_eq!(
        cg["own_cgroup"],
        serde_json::Value::Null,
        "no 0:: line on 3.10"
    );
    assert_eq!(cg["cgroup2"], serde_json::Value::Null);
    let ctl: Vec<&str> = cg["v1_bound_controllers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!ctl.contains(&"pids") && ctl.contains(&"memory"), "{ctl:?}");
    assert_eq!(
        centos["facts"]["host"]["init"]["systemd_version"],
        serde_json::Value::Null
    );

    let (_, ubuntu) = json_of(&fixture("ubuntu2204-unified"), &[]);
    assert_eq!(ubuntu["facts"]["host"]["init"]["systemd_version"], "249");

    let (_, dev) = json_of(&fixture("dev-vm-hybrid"), &[]);
    assert_eq!(dev["facts"]["host"]["init"]["comm"], "process_api");
    assert_eq!(
        dev["facts"]["host"]["capabilities"]["missing"],
        serde_json::json!(["CAP_SYS_RESOURCE"])
    );

    let (_, ctr) = json_of(&fixture("docker-container-v1"), &[]);
    let c = &ctr["facts"]["host"]["container"];
    assert_eq!(c["inside"], true);
    assert!(c["signals"].as_array().unwrap().len() >= 3, "{c}");
    let h = &ctr["facts"]["host"]["cgroup"]["v1_hierarchies"];
    assert!(h.as_array().unwrap().iter().all(|h| h["read_only"] == true));

    let (_, deb) = json_of(&fixture("debian12-v2"), &[]);
    assert!(
        deb["facts"]["host"]["capabilities"]["error"]
            .as_str()
            .unwrap()
            .contains("/proc/self/status"),
        "the capture has no status file"
    );
}
