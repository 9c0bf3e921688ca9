//! `sdctr-doctor lint --dockerfile FILE` end to end: the fixtures in
//! fixtures/dockerfile on a real cgroup v2 capture and a v1 reconstruction
//! (no daemon), usage errors, the fix diff applied with patch(1), the JSON
//! against the schema, and one run on the local daemon's test image.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{assert_valid, can_run, check, docker, doctor, fixture, status_of, validator};
use serde_json::{json, Value};

fn dockerfile(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/dockerfile")
        .join(name)
}

/// `lint --dockerfile FILE --root HOST --no-docker [--json]`: (code, stdout, stderr).
fn lint(file: &Path, host: &str, json: bool) -> (i32, String, String) {
    let mut c = doctor();
    c.args(["lint", "--no-docker", "--root"])
        .arg(fixture(host))
        .arg("--dockerfile")
        .arg(file);
    if json {
        c.arg("--json");
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn lint_json(file: &Path, host: &str) -> (i32, Value) {
    let (code, out, err) = lint(file, host, true);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, doc)
}

#[test]
fn the_good_file_is_ready_on_v2_and_on_v1() {
    let (code, doc) = lint_json(&dockerfile("good.Dockerfile"), "debian12-v2");
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["verdict"], "ready");
    let df = &doc["facts"]["dockerfile"];
    // FROM debian:${SUITE} with ARG SUITE=bookworm.
    assert_eq!(df["base"], "debian:bookworm");
    assert_eq!(
        df["installs"][0]["value"]["packages"],
        json!(["systemd", "systemd-sysv"])
    );
    let img = &doc["facts"]["images"][0];
    assert!(img["ref"]
        .as_str()
        .unwrap()
        .ends_with("fixtures/dockerfile/good.Dockerfile"));
    assert_eq!(img["pid1"]["kind"], "systemd");
    for id in [
        "image.init",
        "image.stop-signal",
        "image.container-env",
        "image.user",
        "dockerfile.systemd-installed",
        "dockerfile.cgroup-volume",
    ] {
        assert_eq!(status_of(&doc, id), "pass", "{id}");
    }
    assert_eq!(status_of(&doc, "dockerfile.base"), "skip");
    assert!(doc.get("dockerfile_fix").is_none());
    assert_valid(&validator(), &doc, "good on v2");

    let (code, doc) = lint_json(&dockerfile("good.Dockerfile"), "centos7-legacy");
    assert_eq!(code, 0, "{doc:#}");
    let failing: Vec<&Value> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert!(failing.is_empty(), "{failing:#?}");
}

#[test]
fn the_bad_file_fails_and_its_diff_makes_it_pass() {
    let file = dockerfile("bad.Dockerfile");
    let (code, doc) = lint_json(&file, "debian12-v2");
    assert_eq!(code, 1);
    for (id, want) in [
        ("image.init", "fail"),
        ("image.user", "fail"),
        ("image.stop-signal", "warn"),
        ("dockerfile.systemd-installed", "pass"),
        ("dockerfile.cgroup-volume", "fail"),
    ] {
        assert_eq!(status_of(&doc, id), want, "{id}: {:#}", check(&doc, id));
    }
    assert!(check(&doc, "dockerfile.cgroup-volume")["message"]
        .as_str()
        .unwrap()
        .contains("line 11: VOLUME /sys/fs/cgroup"));
    // The image is not built: no `docker run` naming it.
    assert_eq!(
        check(&doc, "image.init")["remediation"]["commands"],
        json!(["CMD [\"/lib/systemd/systemd\"]"])
    );
    assert_valid(&validator(), &doc, "bad on v2");
    let fix = doc["dockerfile_fix"].as_str().expect("dockerfile_fix");
    for line in [
        "-USER app\n",
        "-VOLUME [\"/sys/fs/cgroup\"]\n",
        "-CMD [\"bash\"]\n",
        "+STOPSIGNAL SIGRTMIN+3\n",
        "+CMD [\"/lib/systemd/systemd\"]\n",
    ] {
        assert!(fix.contains(line), "{line:?} not in\n{fix}");
    }
    // The human report ends with the same diff.
    let (_, human, _) = lint(&file, "debian12-v2", false);
    assert!(human.ends_with(fix), "{human}");

    // Applied with patch(1), the corrected file passes every image and Dockerfile check.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("Dockerfile");
    fs::copy(&file, &copy).unwrap();
    let diff = fix.replace(file.to_str().unwrap(), "Dockerfile");
    let mut patch = std::process::Command::new("patch")
        .args(["-p0", "--quiet"])
        .current_dir(tmp.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("patch(1)");
    use std::io::Write;
    patch
        .stdin
        .take()
        .unwrap()
        .write_all(diff.as_bytes())
        .unwrap();
    assert!(patch.wait().unwrap().success(), "{diff}");
    let (code, doc) = lint_json(&copy, "debian12-v2");
    assert_eq!(code, 0, "{}\n{doc:#}", fs::read_to_string(&copy).unwrap());
    assert!(doc.get("dockerfile_fix").is_none());

    // On a v1 host the VOLUME is hidden by the v1 recipe's bind: a warning.
    let (code, doc) = lint_json(&file, "centos7-legacy");
    assert_eq!(code, 1);
    assert_eq!(status_of(&doc, "dockerfile.cgroup-volume"), "warn");
}

#[test]
fn the_upstream_jrei_file_fails_on_v2_for_its_volume_only() {
    let (code, doc) = lint_json(&dockerfile("jrei-debian12.Dockerfile"), "debian12-v2");
    assert_eq!(code, 1);
    let failing: Vec<&str> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["dockerfile.cgroup-volume"]);
    let fix = doc["dockerfile_fix"].as_str().unwrap();
    assert!(fix.contains("-VOLUME [ \"/sys/fs/cgroup\" ]\n"), "{fix}");
    assert!(fix.contains("+STOPSIGNAL SIGRTMIN+3\n"), "{fix}");
    assert!(!fix.contains("+CMD"), "its CMD is right: {fix}");
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let (code, out, err) = lint(&dockerfile("parse-error.Dockerfile"), "debian12-v2", false);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.ends_with("parse-error.Dockerfile:3: unknown instruction 'FRUM'\n"),
        "{err}"
    );

    let (code, out, err) = lint(Path::new("/nonexistent/Dockerfile"), "debian12-v2", false);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "sdctr-doctor: error: /nonexistent/Dockerfile: No such file or directory\n"
    );

    // A directory is not a Dockerfile (the bounded reader refuses it).
    let (code, _, err) = lint(&dockerfile(""), "debian12-v2", false);
    assert_eq!(code, 2);
    assert!(
        err.ends_with(": Is a directory\n") && err.lines().count() == 1,
        "{err}"
    );

    // --dockerfile and a run line are two inputs.
    let out = doctor()
        .args(["lint", "--no-docker", "--dockerfile"])
        .arg(dockerfile("good.Dockerfile"))
        .args(["--", "docker", "run", "img"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}

#[test]
fn the_schema_rejects_a_broken_dockerfile_part() {
    let (_, good) = lint_json(&dockerfile("bad.Dockerfile"), "debian12-v2");
    let v = validator();
    assert!(v.is_valid(&good));
    type Breakage = (&'static str, Box<dyn Fn(&mut Value)>);
    let breakages: Vec<Breakage> = vec![
        ("empty fix", Box::new(|d| d["dockerfile_fix"] = json!(""))),
        (
            "stages 0",
            Box::new(|d| d["facts"]["dockerfile"]["stages"] = json!(0)),
        ),
        (
            "line 0",
            Box::new(|d| d["facts"]["dockerfile"]["user"][0]["line"] = json!(0)),
        ),
        (
            "install without packages",
            Box::new(|d| d["facts"]["dockerfile"]["installs"][0]["value"]["packages"] = json!([])),
        ),
        (
            "env without a name",
            Box::new(|d| {
                d["facts"]["dockerfile"]["env"] =
                    json!([{"value": {"value": "x"}, "line": 1, "last_line": 1}])
            }),
        ),
        (
            "extra member",
            Box::new(|d| d["facts"]["dockerfile"]["surprise"] = json!(1)),
        ),
    ];
    for (what, breaks) in breakages {
        let mut doc = good.clone();
        breaks(&mut doc);
        assert!(!v.is_valid(&doc), "schema accepted a broken {what}");
    }
}

/// The local daemon's sdctr-test/bookworm-systemd (scripts/build-test-images.sh)
/// as the base: its files give systemd 252 and PID 1.
#[test]
fn the_base_from_the_local_daemon_gives_its_systemd() {
    let (ok, why) = docker(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        "sdctr-test/bookworm-systemd",
    ]);
    if !can_run((!ok).then(|| format!("no sdctr-test/bookworm-systemd in the local daemon: {why}")))
    {
        return;
    }
    let out = doctor()
        .args([
            "lint",
            "--json",
            "--only",
            "image,dockerfile",
            "--dockerfile",
        ])
        .arg(dockerfile("live.Dockerfile"))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let img = &doc["facts"]["images"][0];
    assert_eq!(img["systemd"]["major"], 252, "{img:#}");
    assert_eq!(img["pid1"]["kind"], "systemd");
    assert_eq!(img["id"], why.as_str(), "the base's id");
    assert_eq!(doc["facts"]["dockerfile"]["base_present"], true);
    assert_eq!(doc["facts"]["dockerfile"]["base_has_systemd"], true);
    assert_eq!(status_of(&doc, "dockerfile.base"), "pass");
    assert!(check(&doc, "dockerfile.systemd-installed")["message"]
        .as_str()
        .unwrap()
        .contains("has systemd 252"));
    assert_valid(&validator(), &doc, "live");
}
