//! Against the Docker daemon of the machine the tests run on. Without a
//! daemon these tests fail under CI=true and skip (saying so) otherwise.

use std::process::Command;
use std::time::Duration;

use sdctr_doctor::facts::DockerFacts;
use sdctr_doctor::probe::docker::client::{parse_api_version, Endpoint, MAX_API_VERSION};
use sdctr_doctor::probe::docker::{endpoint::DEFAULT_HOST, run};

fn real_daemon() -> Option<DockerFacts> {
    match run(
        Endpoint::parse(DEFAULT_HOST).unwrap(),
        Duration::from_secs(5),
    ) {
        Ok(f) => Some(f),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but no Docker daemon answers at {DEFAULT_HOST}: {e}")
        }
        Err(e) => {
            eprintln!("SKIP: no Docker daemon at {DEFAULT_HOST} ({e}); run .ci/run to start one");
            None
        }
    }
}

/// `/info` read with curl, an independent client.
fn curl_info() -> serde_json::Value {
    let out = Command::new("curl")
        .args([
            "-s",
            "--unix-socket",
            "/var/run/docker.sock",
            "http://localhost/info",
        ])
        .output()
        .expect("curl runs");
    serde_json::from_slice(&out.stdout).expect("curl got /info JSON")
}

#[test]
fn facts_match_the_daemon() {
    let Some(d) = real_daemon() else { return };
    let info = curl_info();
    assert_eq!(d.server_version, info["ServerVersion"].as_str().unwrap());
    assert_eq!(d.cgroup_version.as_deref(), info["CgroupVersion"].as_str());
    assert_eq!(d.cgroup_driver.as_deref(), info["CgroupDriver"].as_str());
    assert_eq!(
        d.operating_system.as_deref(),
        info["OperatingSystem"].as_str()
    );
    assert_eq!(
        d.security_options.len(),
        info["SecurityOptions"].as_array().unwrap().len()
    );
    // The negotiated version is one the daemon speaks.
    let neg = d.negotiated_api_version.as_deref().expect("negotiated");
    let v = |s: &str| parse_api_version(s).unwrap();
    assert!(v(neg) <= v(&d.api_version), "{neg} vs {}", d.api_version);
    assert!(v(neg) <= MAX_API_VERSION);
    assert!(d.local && d.component("Engine").is_some());
}

#[test]
fn daemon_process_and_privileged_tell_the_truth() {
    let Some(d) = real_daemon() else { return };
    let p = d.daemon_process.as_ref().expect("local socket has a peer");
    let pid = p.pid.expect("daemon visible in this pid namespace");
    // Read the daemon's CapBnd independently of the probe.
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let capbnd = status
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:"))
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(p.bounding_set.as_deref(), Some(capbnd.as_str()));
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let set = u64::from_str_radix(&capbnd, 16).unwrap();
    let full = (0..=last).all(|b| set & (1 << b) != 0);
    assert_eq!(p.missing_caps.is_empty(), full);
    let major: u32 = d
        .server_version
        .split('.')
        .next()
        .unwrap()
        .parse()
        .unwrap_or(0);
    // Docker <= 20.10 asks for every cap (verified here: "unable to apply caps"); >= 23 grants what it has.
    let expected = full || major >= 23;
    assert_eq!(
        d.privileged_possible,
        Some(expected),
        "{}",
        d.privileged_reason
    );
}
