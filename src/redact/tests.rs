use serde_json::{json, Value};

use super::*;
use crate::checks::{self, Selection};
use crate::facts::Probed;
use crate::probe::docker::container::Inspect;
use crate::probe::docker::engine;
use crate::probe::host::kernel::parse_cmdline;
use crate::probe::image::{DirFiles, ImageInspect};

const HOSTS: &[&str] = &[
    "centos7-legacy",
    "debian12-v2",
    "dev-vm-hybrid",
    "docker-container-v1",
    "rootless-fedora34",
    "ubuntu2204-unified",
    "wsl2-hybrid",
];

fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The `--json` document of `facts`, judged, then redacted.
fn judged_redacted(facts: &Facts) -> String {
    let findings = checks::run(facts, &Selection::default());
    let doc = crate::report::json::render(facts, &findings, false, None, &[]);
    let r = Redactor::new(facts);
    let once = r.json_text(&doc).unwrap();
    assert_eq!(r.json_text(&once).unwrap(), once, "redaction is idempotent");
    assert_eq!(
        Redactor::new(&r.facts(facts)).json_text(&once).unwrap(),
        once,
        "redacting with the redacted facts' secrets changes nothing more"
    );
    once
}

#[test]
fn patterns_catch_addresses_homes_and_credentials_but_not_versions() {
    let cases = [
        (
            "ip=10.1.2.3::10.1.2.1:255.255.255.0",
            "ip=<redacted:ip>::<redacted:ip>:<redacted:ip>",
        ),
        ("tcp://192.168.1.20:2376", "tcp://<redacted:ip>:2376"),
        ("addr 10.0.0.0/8,", "addr <redacted:ip>/8,"),
        (
            "fe80::1%eth0 and 2001:db8::42/64",
            "<redacted:ip>%eth0 and <redacted:ip>/64",
        ),
        ("/home/alice/x:/data", "/home/<user>/x:/data"),
        ("/Users/bob", "/Users/<user>"),
        ("/home/<redacted>/x", "/home/<user>/x"),
        (r"C:\Users\carol\proj", r"C:\Users\<user>\proj"),
        (
            "http://u:SECRETPW@proxy:3128",
            "http://<redacted>@proxy:3128",
        ),
        // Not addresses: versions, cgroup paths, clocks, MACs.
        (
            "5.15.153.1-microsoft-standard-WSL2",
            "5.15.153.1-microsoft-standard-WSL2",
        ),
        (
            "0::/user.slice/user-1000.slice",
            "0::/user.slice/user-1000.slice",
        ),
        ("Dec 02 17:22:34 host", "Dec 02 17:22:34 host"),
        ("1.2.3.4.5", "1.2.3.4.5"),
        ("6.1.0-50-amd64", "6.1.0-50-amd64"),
    ];
    for (input, want) in cases {
        let got = scrub::patterns(input);
        assert_eq!(got, want, "{input}");
        assert_eq!(scrub::patterns(&got), got, "idempotent on {input}");
    }
}

#[test]
fn proxy_urls_keep_scheme_and_port() {
    for (input, want) in [
        (
            "http://user:S3CR3T@proxy.corp:3128",
            "http://<redacted>@<redacted:host>:3128",
        ),
        ("https://proxy.corp/path", "https://<redacted:host>/path"),
        ("https://mirror.example.com", "https://<redacted:host>"),
        ("registry.corp:5000", "<redacted:host>:5000"),
        ("http://[fd00::1]:8080", "http://<redacted:host>:8080"),
    ] {
        let got = scrub::url(input);
        assert_eq!(got, want, "{input}");
        assert_eq!(scrub::url(&got), got, "idempotent on {input}");
    }
}

#[test]
fn cmdline_keeps_only_the_switches_the_checks_read() {
    let raw = "BOOT_IMAGE=/vmlinuz root=UUID=abcd ro quiet hostname=SECRETHOST \
systemd.unified_cgroup_hierarchy=0 cgroup_enable=memory SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 \
cgroup_no_v1=all -- systemd.legacy_systemd_cgroup_controller=1 secretarg\n";
    let red = raw::cmdline(raw);
    assert_eq!(
        red,
        "BOOT_IMAGE=<redacted> root=<redacted> <redacted> <redacted> hostname=<redacted> \
systemd.unified_cgroup_hierarchy=0 cgroup_enable=memory SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 \
cgroup_no_v1=all -- systemd.legacy_systemd_cgroup_controller=1 <redacted>\n"
    );
    assert_eq!(raw::cmdline(&red), red);
    let (a, b) = (parse_cmdline(raw.trim()), parse_cmdline(red.trim()));
    assert_eq!(a.unified_cgroup_hierarchy, b.unified_cgroup_hierarchy);
    assert_eq!(
        a.legacy_systemd_cgroup_controller,
        b.legacy_systemd_cgroup_controller
    );
    assert_eq!(a.cgroup_no_v1, b.cgroup_no_v1);
    assert_eq!(a.legacy_force, b.legacy_force);
}

/// For each fixture host: judging the redacted /proc/cmdline and redacting
/// gives the document of judging the original and redacting.
#[test]
fn raw_cmdline_judges_like_the_original_on_every_fixture() {
    for host in HOSTS {
        let text = std::fs::read_to_string(fixture(&format!("fixtures/hosts/{host}/proc/cmdline")))
            .unwrap();
        let text = format!("{} hostname=secret-{host} ip=10.9.8.7\n", text.trim());
        let with = |cmdline: &str| {
            let mut f = crate::testing::hybrid_host();
            f.host.cmdline = Probed::Ok(parse_cmdline(cmdline.trim()));
            f
        };
        let want = judged_redacted(&with(&text));
        let got = judged_redacted(&with(&raw::cmdline(&text)));
        assert_eq!(got, want, "{host}");
        assert!(
            !want.contains("secret-") && !want.contains("10.9.8.7"),
            "{host}: {want}"
        );
    }
}

/// A recorded `/info` with what a daemon host gives away added.
fn info_with_secrets(dir: &str) -> Value {
    let path = fixture(&format!("fixtures/docker/{dir}/info.json"));
    let mut v: Value = std::fs::read_to_string(path)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_else(|_| json!({}));
    let m = v.as_object_mut().unwrap();
    m.insert("Name".into(), json!("secret-daemon-host"));
    m.insert("ID".into(), json!("SECRETID:ABCD"));
    m.insert(
        "HttpProxy".into(),
        json!("http://user:SECRETPROXYPW@proxy.corp:3128"),
    );
    m.insert("HttpsProxy".into(), json!("https://proxy.corp:3129"));
    m.insert("NoProxy".into(), json!("secret.internal,10.0.0.0/8"));
    m.insert("Labels".into(), json!(["owner=SECRETOWNER", "bare"]));
    m.insert(
        "RegistryConfig".into(),
        json!({"Mirrors": ["https://bob:SECRETMIRRORPW@mirror.corp/"],
               "InsecureRegistryCIDRs": ["127.0.0.0/8"],
               "IndexConfigs": {"registry.corp:5000": {"Name": "registry.corp:5000",
                   "Mirrors": ["https://u:SECRETIDX@m.corp"], "Secure": false}}}),
    );
    v
}

#[test]
fn raw_daemon_answers_judge_like_the_originals() {
    for dir in [
        "debian12-v2-20.10",
        "devvm-hybrid-20.10",
        "desktop-20.10-wsl2-v1",
        "desktop-29.4-linuxkit",
        "podman-4.3-devvm",
    ] {
        let info = info_with_secrets(dir);
        let version: Value =
            std::fs::read_to_string(fixture(&format!("fixtures/docker/{dir}/version.json")))
                .map(|t| serde_json::from_str(&t).unwrap())
                .unwrap_or_else(|_| json!({}));
        let judge = |info: &Value, version: &Value| {
            let d = engine::facts(
                serde_json::from_value(version.clone()).unwrap(),
                serde_json::from_value(info.clone()).unwrap(),
                engine::Context {
                    endpoint: "tcp://secret-remote.corp:2376".into(),
                    local: false,
                    negotiated_api_version: None,
                    daemon_process: None,
                },
            );
            judged_redacted(&crate::testing::with_docker(
                crate::testing::hybrid_host(),
                d,
            ))
        };
        let (mut ri, mut rv) = (info.clone(), version.clone());
        raw::info(&mut ri);
        raw::version(&mut rv);
        let text = ri.to_string();
        for secret in [
            "secret-daemon-host",
            "SECRET",
            "proxy.corp",
            "mirror.corp",
            "registry.corp",
            "secret.internal",
        ] {
            assert!(!text.contains(secret), "{dir}: {secret} in {text}");
        }
        let (mut again, mut again_v) = (ri.clone(), rv.clone());
        raw::info(&mut again);
        raw::version(&mut again_v);
        assert_eq!(
            (again, again_v),
            (ri.clone(), rv.clone()),
            "{dir}: idempotent"
        );
        let want = judge(&info, &version);
        assert_eq!(judge(&ri, &rv), want, "{dir}");
        assert!(!want.contains("secret-remote"), "{dir}: {want}");
    }
}

fn inspect_with_secrets() -> Value {
    let mut v: Value = serde_json::from_str(include_str!(
        "../probe/docker/testdata/inspect-exited-v1.json"
    ))
    .unwrap();
    let c = v["Config"].as_object_mut().unwrap();
    c.insert("Hostname".into(), json!("secret-ct-host"));
    c.insert(
        "Env".into(),
        json!([
            "container=docker",
            "DB_PASSWORD=SECRETDBPW",
            "PATH=/usr/bin"
        ]),
    );
    c.insert("Labels".into(), json!({"owner": "SECRETLABEL"}));
    v["HostConfig"]["ExtraHosts"] = json!(["db.secret:10.3.3.3"]);
    v["HostConfig"]["Binds"] = json!(["/home/secretuser/data:/data"]);
    v
}

#[test]
fn raw_container_inspect_judges_like_the_original() {
    let judge = |v: &Value| {
        let mut c = Inspect::from_json(v.to_string().as_bytes())
            .unwrap()
            .facts("sdctr-truth-sample");
        let mut f = crate::testing::hybrid_host();
        match crate::runline::from_container(&c) {
            Ok(run) => f.run = Some(run),
            Err(e) => c.run_line_error = Some(e.to_string()),
        }
        f.container = Some(c);
        judged_redacted(&f)
    };
    let orig = inspect_with_secrets();
    let mut red = orig.clone();
    raw::container_inspect(&mut red);
    let text = red.to_string();
    for secret in [
        "secret-ct-host",
        "SECRET",
        "sdctr-truth-sample",
        "db.secret",
        "10.3.3.3",
        "secretuser",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains("container=docker"), "{text}");
    let mut again = red.clone();
    raw::container_inspect(&mut again);
    assert_eq!(again, red, "idempotent");
    let want = judge(&orig);
    assert_eq!(judge(&red), want);
    assert!(
        !want.contains("sdctr-truth-sample") && !want.contains("secretuser"),
        "{want}"
    );
}

#[test]
fn raw_image_inspect_judges_like_the_original() {
    let orig = json!({
        "Id": "sha256:0123",
        "RepoTags": ["debian:12"],
        "Config": {"Hostname": "secret-build-host", "Env": ["PATH=/usr/sbin:/usr/bin", "container=docker", "TOKEN=SECRETTOKEN"],
                   "Labels": {"maintainer": "SECRETMAINT"}, "Cmd": ["/sbin/init"], "User": ""},
        "ContainerConfig": {"Env": ["TOKEN=SECRETTOKEN"]}
    });
    let root = tempfile::tempdir().unwrap();
    let judge = |v: &Value| {
        let inspect: ImageInspect = serde_json::from_value(v.clone()).unwrap();
        let img = crate::probe::image::analyze("debian:12", &inspect, &DirFiles::new(root.path()));
        judged_redacted(&crate::testing::with_image(
            crate::testing::hybrid_host(),
            img,
        ))
    };
    let mut red = orig.clone();
    raw::image_inspect(&mut red);
    let text = red.to_string();
    assert!(
        !text.contains("SECRET") && !text.contains("secret-build-host"),
        "{text}"
    );
    assert!(
        text.contains("container=docker") && text.contains("PATH=/usr/sbin:/usr/bin"),
        "{text}"
    );
    let mut again = red.clone();
    raw::image_inspect(&mut again);
    assert_eq!(again, red, "idempotent");
    assert_eq!(judge(&red), judge(&orig));
}

#[test]
fn run_line_secrets_go_statuses_stay() {
    let argv: Vec<String> = "docker run -d --name SECRETNAME -h h1 -e DB_PASSWORD=SECRETPW -e X=1 \
--env=container=docker -l owner=secretuser --add-host db.secret:10.2.2.2 -v /home/secretuser/d:/d debian:12 /sbin/init"
        .split(' ')
        .map(str::to_owned)
        .collect();
    let mut f = crate::testing::hybrid_host();
    f.run = Some(crate::runline::from_argv(argv).unwrap());
    let findings = checks::run(&f, &Selection::default());
    let doc = crate::report::json::render(&f, &findings, false, None, &[]);
    let red = judged_redacted(&f);
    for secret in ["SECRET", "db.secret", "10.2.2.2", "secretuser", "\"h1\""] {
        assert!(!red.contains(secret), "{secret} in {red}");
    }
    assert!(
        red.contains("--env=container=docker") && red.contains("X=<redacted>"),
        "{red}"
    );
    // Same statuses and verdict, in the same order.
    let statuses = |d: &str| {
        let v: Value = serde_json::from_str(d).unwrap();
        let s: Vec<(Value, Value)> = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].clone(), c["status"].clone()))
            .collect();
        (v["verdict"].clone(), v["summary"].clone(), s)
    };
    assert_eq!(statuses(&red), statuses(&doc));
    // The short value `1` of `X=1` blanks nothing else.
    assert!(red.contains("\"unified_cgroup_hierarchy\"") || !doc.contains("\"1\""));
    let doc_keys: Vec<&str> = doc.lines().map(|l| l.split(':').next().unwrap()).collect();
    let red_keys: Vec<&str> = red.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(doc_keys.len(), red_keys.len(), "same shape, same key order");
}

#[test]
fn text_redacts_markdown_like_json() {
    let argv: Vec<String> = "docker run --hostname secrethost -e API_KEY=abc debian:12"
        .split(' ')
        .map(str::to_owned)
        .collect();
    let mut f = crate::testing::hybrid_host();
    f.run = Some(crate::runline::from_argv(argv).unwrap());
    let r = Redactor::new(&f);
    let md =
        "```sh\ndocker run --hostname secrethost -e API_KEY=abc debian:12\n```\nseen on 10.0.0.1";
    let out = r.text(md);
    assert_eq!(
        out,
        "```sh\ndocker run --hostname <redacted:host> -e API_KEY=<redacted> debian:12\n```\nseen on <redacted:ip>"
    );
    assert_eq!(r.text(&out), out);
}

#[test]
fn a_hostname_systemd_logged_is_redacted_but_not_the_default_short_id() {
    let mut c = Inspect::from_json(include_bytes!(
        "../probe/docker/testdata/inspect-exited-v1.json"
    ))
    .unwrap()
    .facts("sdctr-truth-sample");
    c.logs = Some(Probed::Ok(crate::facts::container::LogTail {
        lines: vec![
            "Hostname set to <secret-ct-host>.".into(),
            "Set hostname to <262b375244b3>.".into(),
        ],
        truncated: false,
    }));
    let mut f = crate::testing::hybrid_host();
    f.container = Some(c);
    let out = judged_redacted(&f);
    assert!(!out.contains("secret-ct-host"), "{out}");
    assert!(out.contains("Hostname set to <<redacted:host>>."), "{out}");
    assert!(out.contains("Set hostname to <262b375244b3>."), "{out}");
}

/// Copies `from` to `to` with every file through [`raw::host_file`] (links
/// as links).
fn copy_redacted(from: &std::path::Path, to: &std::path::Path, rel: &str) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let (src, dst, rel) = (entry.path(), to.join(&name), format!("{rel}/{name}"));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if kind.is_dir() {
            copy_redacted(&src, &dst, &rel);
        } else {
            let bytes = std::fs::read(&src).unwrap();
            std::fs::write(&dst, raw::host_file(&rel, bytes)).unwrap();
        }
    }
}

/// Every fixture host, each stored file through `raw::host_file`: judged,
/// then redacted, the same document as the original judged and redacted.
#[test]
fn raw_host_files_judge_like_the_originals_on_every_fixture() {
    use crate::probe::root::HostRoot;
    for host in HOSTS {
        let from = fixture(&format!("fixtures/hosts/{host}"));
        let tmp = tempfile::tempdir().unwrap();
        let to = tmp.path().join(host);
        copy_redacted(&from, &to, "");
        let judge = |dir: &std::path::Path| {
            let mut f = crate::testing::hybrid_host();
            f.host = crate::probe::host::probe(&HostRoot::new(dir).unwrap());
            judged_redacted(&f).replace(&dir.display().to_string(), "ROOT")
        };
        assert_eq!(judge(&to), judge(&from), "{host}");
    }
}
