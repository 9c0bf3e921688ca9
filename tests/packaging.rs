//! The packages that scripts/package-static.sh, package-deb.sh and
//! package-image.sh make, tried for real: the release binary is static; it and
//! the .deb run in the oldest Debian root scripts/package-roots.sh could make
//! (chroot, with the host's /proc and /sys); the image judges its host as the
//! native run does. Needs root, the artifacts (SDCTR_PKG_OUT, default
//! target/package), the cached root (SDCTR_PKG_CACHE) and, for the image, the
//! Docker daemon: without them these fail under CI=true and skip, saying why,
//! otherwise.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{can_run, docker};
use serde_json::Value;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pkg_dir() -> PathBuf {
    manifest_dir().join(std::env::var("SDCTR_PKG_OUT").unwrap_or_else(|_| "target/package".into()))
}

fn static_bin() -> Result<PathBuf, String> {
    let p = pkg_dir().join("sdctr-doctor");
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!(
            "no {} (run scripts/package-static.sh)",
            p.display()
        ))
    }
}

fn the_deb() -> Result<PathBuf, String> {
    let dir = pkg_dir();
    let debs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e} (run scripts/package-deb.sh)", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    match debs.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!(
            "no .deb in {} (run scripts/package-deb.sh)",
            dir.display()
        )),
        more => Err(format!("more than one .deb: {more:?}")),
    }
}

fn is_root() -> Result<(), String> {
    if nix::unistd::geteuid().is_root() {
        Ok(())
    } else {
        Err("chroot and mounts need root".into())
    }
}

/// (suite, tarball) of the cached oldest root.
fn oldest_root() -> Result<(String, PathBuf), String> {
    let cache = std::env::var_os("SDCTR_PKG_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/sdctr-doctor/packaging"));
    let suite = std::fs::read_to_string(cache.join("oldest"))
        .map_err(|e| {
            format!(
                "{}/oldest: {e} (run scripts/package-roots.sh)",
                cache.display()
            )
        })?
        .trim()
        .to_owned();
    let tar = cache.join(format!("{suite}.tar"));
    if tar.is_file() {
        Ok((suite, tar))
    } else {
        Err(format!(
            "no {} (run scripts/package-roots.sh)",
            tar.display()
        ))
    }
}

/// A fresh copy of the cached root, removed (without crossing mounts) when dropped.
struct Root {
    dir: tempfile::TempDir,
}

impl Root {
    fn unpack(tar: &Path) -> Root {
        let dir = tempfile::Builder::new()
            .prefix("sdctr-pkg-root.")
            .tempdir()
            .unwrap();
        let st = Command::new("tar")
            .args(["--numeric-owner", "-xf"])
            .arg(tar)
            .arg("-C")
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(st.success(), "tar -xf {}", tar.display());
        Root { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `sh -c SCRIPT` chrooted into the root, in a mount namespace of its own
    /// with a new procfs on /proc and the host's /sys bound on /sys: the
    /// mounts end with the command, nothing is left on the host.
    fn sh(&self, script: &str) -> Output {
        Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(
                r#"set -e; r=$1; shift
mount -t proc proc "$r/proc"
mount --rbind /sys "$r/sys"
exec chroot "$r" /bin/sh -c "$1""#,
            )
            .arg("sh")
            .arg(self.path())
            .arg(script)
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .output()
            .expect("unshare runs")
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = Command::new("rm")
            .args(["-rf", "--one-file-system"])
            .arg(self.path())
            .status();
    }
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// The report on stdout of a run that exited 0 or 1.
fn report_of(what: &str, out: &Output) -> Value {
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "{what}: exit {code:?}\nstdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: not JSON ({e}): {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

fn native(bin: &Path, args: &[&str]) -> Value {
    let out = Command::new(bin).args(args).output().expect("runs");
    report_of("native run", &out)
}

/// A mountinfo line without its mount and parent ids: a bind of /sys in a
/// new mount namespace shows the same mounts under new ids.
fn without_ids(line: &str) -> String {
    line.splitn(3, ' ').nth(2).unwrap_or(line).to_owned()
}

/// `facts.host` with every mountinfo line's ids dropped.
fn host_facts(doc: &Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if let (true, Value::String(s)) = (k == "line" || k == "top_mount", &*x) {
                        *x = Value::String(without_ids(s));
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut h = doc["facts"]["host"].clone();
    walk(&mut h);
    h
}

fn check_statuses(doc: &Value) -> Vec<(String, String)> {
    common::statuses(doc)
}

#[test]
fn release_binary_is_static() {
    let why = static_bin().err();
    if !can_run(why) {
        return;
    }
    let bin = static_bin().unwrap();
    let data = std::fs::read(&bin).unwrap();
    use object::Object;
    let elf = object::File::parse(&*data).expect("an ELF file");
    assert_eq!(elf.architecture(), object::Architecture::X86_64);
    // No program interpreter and no dynamic section with needed libraries:
    // nothing of the host's glibc is asked for, whatever its version.
    assert!(
        elf.section_by_name(".interp").is_none(),
        "{} has a program interpreter",
        bin.display()
    );
    let imports: Vec<String> = elf
        .imports()
        .expect("imports readable")
        .map(|i| format!("{:?}", i.expect("an import").name()))
        .collect();
    assert!(
        imports.is_empty(),
        "{} imports symbols: {:?}",
        bin.display(),
        &imports[..imports.len().min(5)]
    );
    let out = Command::new(&bin).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).lines().next().unwrap(),
        format!("sdctr-doctor {}", env!("CARGO_PKG_VERSION"))
    );
}

/// The static binary in the oldest Debian root made here: it runs, and its
/// verdict and host facts there are the native run's.
#[test]
fn release_binary_runs_in_the_oldest_root() {
    let why = is_root()
        .and_then(|_| static_bin())
        .and_then(|_| oldest_root())
        .err();
    if !can_run(why) {
        return;
    }
    let bin = static_bin().unwrap();
    let (suite, tar) = oldest_root().unwrap();
    let root = Root::unpack(&tar);
    std::fs::copy(&bin, root.path().join("usr/local/bin/sdctr-doctor")).unwrap();

    let out = root.sh(
        "cat /etc/debian_version; ldd --version | head -1; /usr/local/bin/sdctr-doctor --version",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    eprintln!("{suite} root:\n{said}");
    assert!(said.contains(&format!("sdctr-doctor {}", env!("CARGO_PKG_VERSION"))));

    let out = root.sh("/usr/local/bin/sdctr-doctor --root / --no-docker --json --no-redact");
    let there = report_of(&format!("in the {suite} root"), &out);
    let here = native(
        &bin,
        &["--root", "/", "--no-docker", "--json", "--no-redact"],
    );
    same_host_verdict(&here, &there, &format!("the {suite} chroot"));
}

/// What a chroot legitimately changes: the container signals look at the
/// root's own files (/.dockerenv, what the root directory is on); everything
/// else is read from /proc and /sys, which are the host's.
fn same_host_verdict(here: &Value, there: &Value, what: &str) {
    common::assert_valid(&common::validator(), there, what);
    assert_eq!(here["verdict"], there["verdict"], "verdict in {what}");
    let (mut h, mut t) = (host_facts(here), host_facts(there));
    for v in [&mut h, &mut t] {
        v.as_object_mut().unwrap().remove("container");
    }
    assert_eq!(h, t, "facts.host in {what}");
    assert_eq!(
        check_statuses(here),
        check_statuses(there),
        "checks in {what}"
    );
}

/// `dpkg -i` of the .deb in a clean copy of the oldest root: its files are
/// where Debian wants them, the doctor runs from PATH and judges the host as
/// the native run does; the man page and completions, when packaged, load.
#[test]
fn deb_installs_and_runs_in_a_clean_root() {
    let why = is_root()
        .and_then(|_| the_deb())
        .and_then(|_| static_bin())
        .and_then(|_| oldest_root())
        .err();
    if !can_run(why) {
        return;
    }
    let deb = the_deb().unwrap();
    let (suite, tar) = oldest_root().unwrap();
    let root = Root::unpack(&tar);
    std::fs::copy(&deb, root.path().join("tmp/sdctr-doctor.deb")).unwrap();

    let out =
        root.sh("dpkg -i /tmp/sdctr-doctor.deb && dpkg -L sdctr-doctor && command -v sdctr-doctor");
    let said = text(&out.stdout);
    assert!(
        out.status.success(),
        "dpkg -i in {suite}: {said}\n{}",
        text(&out.stderr)
    );
    let files: Vec<&str> = said.lines().collect();
    assert!(files.contains(&"/usr/bin/sdctr-doctor"), "{said}");
    assert_eq!(files.last(), Some(&"/usr/bin/sdctr-doctor"));
    assert!(
        files.contains(&"/usr/share/doc/sdctr-doctor/copyright"),
        "{said}"
    );

    let out = root.sh("sdctr-doctor --version");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with(&format!("sdctr-doctor {}", env!("CARGO_PKG_VERSION"))));

    // Packaged exactly when the binary has `man` and `completions` (package-deb.sh).
    let has_man = Command::new(static_bin().unwrap())
        .arg("man")
        .output()
        .unwrap()
        .status
        .success();
    let packaged = files.contains(&"/usr/share/man/man1/sdctr-doctor.1.gz");
    assert_eq!(packaged, has_man, "man page packaged: {said}");
    if packaged {
        let out = root.sh(
            "zcat /usr/share/man/man1/sdctr-doctor.1.gz | grep -c '^\\.TH' && \
             bash -c 'source /usr/share/bash-completion/completions/sdctr-doctor; complete -p sdctr-doctor'",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("sdctr-doctor"),
            "{}",
            text(&out.stdout)
        );
    }

    let out = root.sh("sdctr-doctor --root / --no-docker --json --no-redact");
    let there = report_of(&format!("installed in {suite}"), &out);
    let here = native(
        &static_bin().unwrap(),
        &["--root", "/", "--no-docker", "--json", "--no-redact"],
    );
    same_host_verdict(&here, &there, &format!("the {suite} root with the .deb"));
}

fn daemon_answers() -> Option<String> {
    let (ok, out) = docker(&["version", "-f", "{{.Server.Version}}"]);
    (!ok).then(|| format!("no Docker daemon answers: {out}"))
}

/// The image, removed when dropped.
struct Image(String);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = docker(&["rmi", "-f", &self.0]);
    }
}

/// The image of packaging/Dockerfile, run as the README says with the host's
/// /proc, /sys and daemon socket: same verdict, same checks, same host and
/// daemon facts as the static binary run natively, but for what is the
/// doctor's own process (see `differs_in_the_image`).
#[test]
fn image_judges_its_host_as_the_native_run() {
    let why = static_bin().err().or_else(daemon_answers);
    if !can_run(why) {
        return;
    }
    let bin = static_bin().unwrap();
    let tag = format!("sdctr-pkg-test/doctor:{}", std::process::id());
    let st = Command::new("bash")
        .arg(manifest_dir().join("scripts/package-image.sh"))
        .env("SDCTR_PKG_TAG", &tag)
        .env("SDCTR_PKG_OUT", pkg_dir())
        .status()
        .unwrap();
    let image = Image(tag);
    assert!(st.success(), "scripts/package-image.sh");

    let sock = "unix:///var/run/docker.sock";
    let run = |extra: &[&str]| {
        let out = Command::new("docker")
            .args(["run", "--rm", "--network", "none"])
            .args(extra)
            .args(["-v", "/proc:/host/proc:ro", "-v", "/sys:/host/sys:ro"])
            .args(["-v", "/var/run/docker.sock:/var/run/docker.sock"])
            .arg(&image.0)
            .args(["--root", "/host", "--docker-host", sock])
            .args(["--json", "--no-redact", "--timeout", "60"])
            .output()
            .unwrap();
        report_of(&format!("the image {extra:?}"), &out)
    };
    let here = native(
        &bin,
        &[
            "--docker-host",
            sock,
            "--json",
            "--no-redact",
            "--timeout",
            "60",
        ],
    );
    let there = run(&[]);
    // What the image prints is the documented report, also with the
    // daemon's process unknown.
    common::assert_valid(&common::validator(), &there, "the image's report");

    assert_eq!(here["verdict"], there["verdict"], "verdict");
    assert_eq!(check_statuses(&here), check_statuses(&there), "checks");
    let (mut h, mut t) = (host_facts(&here), host_facts(&there));
    differs_in_the_image(&mut h, &mut t);
    assert_eq!(h, t, "facts.host");

    // The daemon's process is in another PID namespace: SO_PEERCRED names
    // no pid, so its capabilities are unknown (the check says so).
    let (mut h, mut t) = (
        here["facts"]["docker"].clone(),
        there["facts"]["docker"].clone(),
    );
    assert!(h["daemon_process"]["pid"].is_number(), "{h}");
    assert!(t["daemon_process"]["pid"].is_null(), "{t}");
    assert!(t["privileged_possible"].is_null(), "{t}");
    // Nor its command line, so nothing is said of its config file.
    assert!(h["config"]["file"].is_string(), "{h}");
    assert!(t.get("config").is_none_or(Value::is_null), "{t}");
    for v in [&mut h, &mut t] {
        let m = v.as_object_mut().unwrap();
        for k in [
            "daemon_process",
            "privileged_possible",
            "privileged_reason",
            "config",
        ] {
            m.remove(k);
        }
    }
    assert_eq!(h, t, "facts.docker");

    // With the host's PID namespace the daemon's process is read too.
    let pid_host = run(&["--pid", "host"]);
    assert_eq!(here["verdict"], pid_host["verdict"], "verdict, --pid host");
    assert_eq!(
        check_statuses(&here),
        check_statuses(&pid_host),
        "checks, --pid host"
    );
    for k in ["daemon_process", "privileged_possible", "privileged_reason"] {
        assert_eq!(
            here["facts"]["docker"][k], pid_host["facts"]["docker"][k],
            "{k}, --pid host"
        );
    }
}

/// Host facts that are about where the doctor reads from or about its own
/// process, not about the host: each asserted to be what it must be in the
/// image, then left out of the comparison.
fn differs_in_the_image(here: &mut Value, there: &mut Value) {
    // Where it reads: the live / natively, the mounted /host in the image.
    assert_eq!((&here["root"], &here["live"]), (&"/".into(), &true.into()));
    assert_eq!(
        (&there["root"], &there["live"]),
        (&"/host".into(), &false.into())
    );
    // statfs(2) needs the live tree; under --root the same layout is read
    // from the host's own table, /proc/1/mountinfo (the doctor's
    // /proc/self/mountinfo is its container's).
    assert_eq!(here["cgroup"]["detected_by"], "statfs");
    assert_eq!(there["cgroup"]["detected_by"], "mountinfo");
    assert_eq!(there["cgroup"]["mountinfo_path"], "/proc/1/mountinfo");
    assert!(there["cgroup"].get("statfs").is_none_or(Value::is_null));
    // The bounding set is the doctor's own (/proc/self/status): the image
    // runs with Docker's default capabilities, a subset of the host's.
    let caps = |v: &Value| {
        u64::from_str_radix(v["capabilities"]["bounding_set"].as_str().unwrap(), 16).unwrap()
    };
    assert_eq!(
        caps(there) & !caps(here),
        0,
        "the container has no capability the host lacks"
    );
    // The container signals look at the root's files too (/.dockerenv):
    // the image mounts only the host's /proc and /sys.
    assert_eq!(here["container"]["inside"], there["container"]["inside"]);
    for v in [here, there] {
        let m = v.as_object_mut().unwrap();
        for k in ["root", "live", "capabilities", "container"] {
            m.remove(k);
        }
        let c = m["cgroup"].as_object_mut().unwrap();
        for k in ["detected_by", "reason", "mountinfo_path", "statfs"] {
            c.remove(k);
        }
    }
}
