//! A socket-activated daemon (systemd's docker.socket hands the listening
//! socket to `dockerd -H fd://`): SO_PEERCRED names the listener, and the
//! doctor must find and judge the dockerd behind it. Here the listener is
//! this test process, as PID 1 is under docker.socket.

mod common;

use common::daemon::{self, ExtraDaemon};
use common::{check, doctor};

#[test]
fn the_daemon_behind_an_activated_socket_is_judged() {
    let why = daemon::cannot_start();
    if let Some(why) = why {
        assert!(
            !common::in_ci(),
            "CI=true but no extra daemon can start: {why}"
        );
        eprintln!("SKIP: {why}");
        return;
    }
    let d = ExtraDaemon::start(
        "activated",
        9,
        r#"{"storage-driver": "fuse-overlayfs"}"#,
        true,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = doctor()
        .args(["--json", "--only", "docker", "--docker-host", &d.host()])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let p = &doc["facts"]["docker"]["daemon_process"];
    assert_eq!(p["comm"], "dockerd", "{p:#}");
    assert_eq!(p["pid"], d.pid().unwrap(), "{p:#}");
    assert_eq!(p["socket_listener"]["pid"], std::process::id(), "{p:#}");
    let found: Vec<&str> = p["found_by"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str())
        .collect();
    assert!(
        found
            .iter()
            .any(|l| l.contains("holds the listening socket"))
            && found
                .iter()
                .any(|l| l.contains("pidfile") && l.contains("agrees")),
        "{found:?}"
    );
    // Judged like the machine's own daemon: same binary, same bounding set.
    let own = doctor()
        .args(["--json", "--only", "docker.privileged"])
        .output()
        .unwrap();
    let own: serde_json::Value = serde_json::from_slice(&own.stdout).unwrap();
    let privileged = check(&doc, "docker.privileged");
    assert!(
        !privileged["message"]
            .as_str()
            .unwrap()
            .contains("cannot tell"),
        "{privileged:#}"
    );
    assert_eq!(
        doc["facts"]["docker"]["privileged_possible"],
        own["facts"]["docker"]["privileged_possible"]
    );
    // Its config file is read from its command line.
    let config = &doc["facts"]["docker"]["config"];
    assert_eq!(
        config["file"],
        d.dir.join("daemon.json").display().to_string(),
        "{config:#}"
    );
    assert_eq!(config["init"], false, "{config:#}");
}
