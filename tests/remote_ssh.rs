//! ssh:// endpoints against a real sshd started here (a high port on
//! 127.0.0.1, a host key and an authorized key made by ssh-keygen in a temp
//! dir): the doctor runs `ssh … docker system dial-stdio` like the docker
//! CLI, reaching this machine's daemon through it. ssh reads no $HOME, so the
//! test points ssh at its own config with a `ssh` shim first in PATH (the
//! doctor has no option of its own for that, like the docker CLI). A failed
//! login, a closed port, a remote dial-stdio that fails, and an ssh that
//! hangs past --timeout each fail the run, also under `--strict` and CI=true.
//! Needs root, sshd (openssh-server), ssh, ssh-keygen and the machine's daemon.

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{can_run, check, docker, doctor, status_of};
use serde_json::Value;

const SSHD: &str = "/usr/sbin/sshd";

fn why_not() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("sshd needs root".into());
    }
    if !Path::new(SSHD).exists() {
        return Some(format!(
            "{SSHD} is not installed (apt-get install openssh-server)"
        ));
    }
    for tool in ["ssh", "ssh-keygen"] {
        if Command::new(tool).arg("-V").output().is_err() && which(tool).is_none() {
            return Some(format!("{tool} is not installed"));
        }
    }
    let (ok, msg) = docker(&["version", "--format", "{{.Server.Version}}"]);
    (!ok).then(|| format!("the machine's daemon does not answer: {msg}"))
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

fn run(prog: &str, args: &[&str]) {
    let o = Command::new(prog).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "{prog} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An sshd on 127.0.0.1:`port` that lets root in with the key `dir/id`;
/// `dir/bin/ssh` is ssh with the matching client config. Stopped on drop.
struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    child: Child,
    made_run_dir: bool,
}

impl Sshd {
    fn start() -> Sshd {
        let dir = tempfile::Builder::new()
            .prefix("sdctr-ssh-")
            .tempdir()
            .unwrap();
        let d = dir.path();
        let p = |name: &str| d.join(name).display().to_string();
        run(
            "ssh-keygen",
            &["-q", "-t", "ed25519", "-N", "", "-f", &p("hostkey")],
        );
        run(
            "ssh-keygen",
            &["-q", "-t", "ed25519", "-N", "", "-f", &p("id")],
        );
        // Only root has the key: authorized_keys.%u.
        std::fs::copy(d.join("id.pub"), d.join("authorized_keys.root")).unwrap();
        let port = free_port();
        std::fs::write(
            d.join("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\n\
                 AuthorizedKeysFile {}\nPubkeyAuthentication yes\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
                 StrictModes no\nUsePAM no\n",
                p("hostkey"),
                p("sshd.pid"),
                p("authorized_keys.%u")
            ),
        )
        .unwrap();
        let host_pub = std::fs::read_to_string(d.join("hostkey.pub")).unwrap();
        std::fs::write(
            d.join("known_hosts"),
            format!("[127.0.0.1]:{port} {host_pub}"),
        )
        .unwrap();
        std::fs::write(
            d.join("ssh_config"),
            format!(
                "Host *\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  \
                 GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n",
                p("id"),
                p("known_hosts")
            ),
        )
        .unwrap();
        shim(
            d,
            &format!(
                "echo $$ >> {}\nexec {} -F {} \"$@\"",
                p("ssh-runs"),
                real_ssh(),
                p("ssh_config")
            ),
        );
        // sshd's privilege separation directory.
        let made_run_dir = !Path::new("/run/sshd").exists();
        if made_run_dir {
            std::fs::create_dir_all("/run/sshd").unwrap();
        }
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f", &p("sshd_config")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("sshd.log")).unwrap())
            .spawn()
            .unwrap();
        let mut s = Sshd {
            dir,
            port,
            child,
            made_run_dir,
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(st)) = s.child.try_wait() {
                panic!("sshd exited ({st}): {}", s.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "sshd did not listen: {}",
                s.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    fn path(&self) -> String {
        path_with(self.dir.path())
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.made_run_dir {
            let _ = std::fs::remove_dir("/run/sshd");
        }
    }
}

fn real_ssh() -> String {
    which("ssh")
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "/usr/bin/ssh".into())
}

/// `dir/bin/ssh`: a shell script with `body`.
fn shim(dir: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let f = bin.join("ssh");
    std::fs::write(&f, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// PATH with `dir/bin` first.
fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The doctor asked only whether the daemon answers: (exit code, document, seconds).
fn reachable(env: &[(&str, &str)], args: &[&str]) -> (i32, Value, f64) {
    let mut c = doctor();
    for v in [
        "DOCKER_HOST",
        "DOCKER_CONTEXT",
        "DOCKER_CONFIG",
        "DOCKER_TLS_VERIFY",
        "CI",
    ] {
        c.env_remove(v);
    }
    let t = Instant::now();
    let out = c
        .envs(env.iter().copied())
        .args(["--json", "--no-redact", "--only", "docker.reachable"])
        // An ssh login or two: ample on a loaded CI machine.
        .args(if args.contains(&"--timeout") {
            &[][..]
        } else {
            &["--timeout", "20"][..]
        })
        .args(args)
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), doc, secs)
}

fn error_kind(doc: &Value) -> &str {
    doc["facts"]["docker_probe"]["error"]["kind"]
        .as_str()
        .unwrap_or("")
}

#[test]
fn an_ssh_endpoint_is_reached_and_broken_ssh_fails() {
    if !can_run(why_not()) {
        return;
    }
    let sshd = Sshd::start();
    let path = sshd.path();
    let (_, version) = docker(&["version", "--format", "{{.Server.Version}}"]);
    let host = format!("ssh://root@127.0.0.1:{}", sshd.port);

    let (code, doc, _) = reachable(&[("PATH", &path), ("DOCKER_HOST", &host)], &[]);
    assert_eq!(
        status_of(&doc, "docker.reachable"),
        "pass",
        "{doc:#}\nsshd: {}",
        sshd.log()
    );
    assert_eq!(code, 0);
    assert_eq!(doc["facts"]["docker"]["server_version"], version.as_str());
    assert_eq!(doc["facts"]["docker"]["endpoint"], host.as_str());
    // /_ping, /version, /info and the sweep share one kept ssh connection
    // (one connection per call made four ssh logins, two after one another).
    let runs = std::fs::read_to_string(sshd.dir.path().join("ssh-runs")).unwrap();
    assert_eq!(
        runs.lines().count(),
        1,
        "ssh started {} times",
        runs.lines().count()
    );

    // A context made by the docker CLI, naming the remote socket (docker --host=unix://…).
    let config = sshd.dir.path().join("docker-config");
    let (ok, msg) = docker(&[
        "--config",
        config.to_str().unwrap(),
        "context",
        "create",
        "sdctr-ssh",
        "--docker",
        &format!("host={host}/var/run/docker.sock"),
    ]);
    assert!(ok, "{msg}");
    let (code, doc, _) = reachable(
        &[
            ("PATH", &path),
            ("DOCKER_CONFIG", config.to_str().unwrap()),
            ("DOCKER_CONTEXT", "sdctr-ssh"),
        ],
        &[],
    );
    assert_eq!((code, error_kind(&doc)), (0, ""), "{doc:#}");

    // Broken: a user without the key, a closed port, a remote socket that is not there.
    let closed = free_port();
    let cases = [
        (
            format!("ssh://nobody@127.0.0.1:{}", sshd.port),
            "Permission denied",
        ),
        (
            format!("ssh://root@127.0.0.1:{closed}"),
            "Connection refused",
        ),
        (
            format!("{host}/run/sdctr-no-such.sock"),
            "sdctr-no-such.sock",
        ),
    ];
    for (url, words) in &cases {
        for (extra_env, args) in [
            (None, &[][..]),
            (None, &["--strict"][..]),
            (Some(("CI", "true")), &[][..]),
        ] {
            let mut env = vec![("PATH", path.as_str()), ("DOCKER_HOST", url.as_str())];
            env.extend(extra_env);
            let (code, doc, _) = reachable(&env, args);
            let c = check(&doc, "docker.reachable");
            assert_eq!(
                (code, c["status"].as_str().unwrap(), error_kind(&doc)),
                (1, "fail", "ssh"),
                "{url} {args:?}: {c:#}"
            );
            assert!(
                c["message"].as_str().unwrap().contains(words),
                "{url}: {c:#}"
            );
        }
    }
}

/// An ssh that never answers is killed at --timeout: the run ends in time
/// and leaves no ssh behind.
#[test]
fn a_hanging_ssh_is_killed_at_the_deadline() {
    if !can_run(why_not()) {
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("sdctr-ssh-")
        .tempdir()
        .unwrap();
    let pids = dir.path().join("pids");
    shim(
        dir.path(),
        &format!("echo $$ >> {}\nexec sleep 60", pids.display()),
    );
    let path = path_with(dir.path());
    let (code, doc, secs) = reachable(
        &[
            ("PATH", &path),
            ("DOCKER_HOST", "ssh://root@sdctr-hangs.invalid"),
        ],
        &["--timeout", "1"],
    );
    let c = check(&doc, "docker.reachable");
    assert_eq!((code, error_kind(&doc)), (1, "timeout"), "{c:#}");
    assert!(secs < 3.0, "took {secs:.1} s");
    let started = std::fs::read_to_string(&pids).unwrap();
    assert!(!started.trim().is_empty());
    for pid in started.split_whitespace() {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie waiting for its new parent to reap it.
        let alive = state
            .rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().next())
            .is_some_and(|st| st != "Z");
        assert!(!alive, "ssh (pid {pid}) still runs: {state}");
    }
}
