//! A second real `dockerd` for the tests: its own config file, socket, data
//! root, exec root, pidfile and bridge (a daemon started with
//! `--bridge=none` deletes the host's docker0, which breaks every other
//! container here). Optionally socket-activated the way systemd's
//! docker.socket does it: the test process listens and hands the socket to
//! `dockerd -H fd://` as fd 3 (LISTEN_FDS=1, LISTEN_PID). Stopped and every
//! file, mount and bridge it made removed when dropped, also when a test fails.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ExtraDaemon {
    pub name: String,
    pub dir: PathBuf,
    pub socket: PathBuf,
    bridge: String,
    child: Option<Child>,
    _listener: Option<UnixListener>,
}

/// Why no extra daemon can start here, if none can.
pub fn cannot_start() -> Option<String> {
    if !nix_is_root() {
        return Some("extra daemons need root".into());
    }
    for tool in ["dockerd", "ip"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("{tool} is not installed"));
        }
    }
    None
}

fn nix_is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

impl ExtraDaemon {
    /// Starts `dockerd` with `config` (daemon.json text) as daemon number `n`
    /// (1..=20: its bridge and subnet), and waits until it answers.
    pub fn start(name: &str, n: u8, config: &str, socket_activated: bool) -> Result<Self, String> {
        Self::start_with(name, n, config, socket_activated, &[])
    }

    /// [`Self::start`] with more dockerd arguments (another `-H`, TLS flags).
    pub fn start_with(
        name: &str,
        n: u8,
        config: &str,
        socket_activated: bool,
        extra: &[String],
    ) -> Result<Self, String> {
        let dir = PathBuf::from(format!("/tmp/sdctr-d{n}"));
        cleanup_dir(&dir);
        std::fs::create_dir_all(dir.join("data")).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(dir.join("exec")).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("daemon.json"), config).map_err(|e| e.to_string())?;
        let bridge = format!("sdctr-br{n}");
        let _ = run("ip", &["link", "del", &bridge]);
        run("ip", &["link", "add", &bridge, "type", "bridge"])?;
        run(
            "ip",
            &[
                "addr",
                "add",
                &format!("172.31.{}.1/24", 200 + n),
                "dev",
                &bridge,
            ],
        )?;
        run("ip", &["link", "set", &bridge, "up"])?;
        let socket = dir.join("docker.sock");
        let mut d = ExtraDaemon {
            name: name.to_owned(),
            dir: dir.clone(),
            socket: socket.clone(),
            bridge: bridge.clone(),
            child: None,
            _listener: None,
        };
        let s = |p: &str| dir.join(p).display().to_string();
        let mut args = vec![
            "--config-file".to_owned(),
            s("daemon.json"),
            "--data-root".into(),
            s("data"),
            "--exec-root".into(),
            s("exec"),
            "--pidfile".into(),
            s("docker.pid"),
            "--bridge".into(),
            bridge,
            "--iptables=false".into(),
        ];
        args.extend(extra.iter().cloned());
        let log = std::fs::File::create(dir.join("dockerd.log")).map_err(|e| e.to_string())?;
        let mut cmd = if socket_activated {
            let listener = UnixListener::bind(&socket).map_err(|e| e.to_string())?;
            let fd = listener.as_raw_fd();
            args.insert(0, "fd://".into());
            args.insert(0, "-H".into());
            // `exec` keeps the shell's pid, so LISTEN_PID=$$ is dockerd's pid.
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg("LISTEN_FDS=1 LISTEN_PID=$$ exec dockerd \"$@\"")
                .arg("sh")
                .args(&args);
            // SAFETY: only async-signal-safe calls (dup2, fcntl) between fork and exec.
            unsafe {
                c.pre_exec(move || {
                    if fd == 3 {
                        if fcntl_clear_cloexec(3) < 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                    } else if libc::dup2(fd, 3) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            d._listener = Some(listener);
            c
        } else {
            args.insert(0, format!("unix://{}", socket.display()));
            args.insert(0, "-H".into());
            let mut c = Command::new("dockerd");
            c.args(&args);
            c
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("dockerd: {e}"))?;
        d.child = Some(child);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if d.docker(&["version", "--format", "{{.Server.Version}}"]).0 {
                return Ok(d);
            }
            if let Some(c) = d.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    return Err(format!(
                        "dockerd {name} exited ({status}): {}",
                        d.log_tail()
                    ));
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(format!(
            "dockerd {name} did not answer in 60 s: {}",
            d.log_tail()
        ))
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// `docker -H THIS ARGS`: success and stdout+stderr.
    pub fn docker(&self, args: &[&str]) -> (bool, String) {
        match Command::new("docker")
            .arg("-H")
            .arg(self.host())
            .args(args)
            .output()
        {
            Ok(o) => (
                o.status.success(),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                ),
            ),
            Err(e) => (false, e.to_string()),
        }
    }

    /// Copies an image from the machine's daemon into this one.
    pub fn load_image(&self, image: &str) -> Result<(), String> {
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "docker save {image} | docker -H {} load -q >/dev/null",
                self.host()
            ))
            .status()
            .map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("could not load {image} into {}", self.name))
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join("\n")
    }
}

impl Drop for ExtraDaemon {
    fn drop(&mut self) {
        let (_, ids) = self.docker(&["ps", "-aq"]);
        for id in ids.split_whitespace() {
            let _ = self.docker(&["rm", "-f", id]);
        }
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill").arg(c.id().to_string()).status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(20) {
                if let Ok(Some(_)) = c.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = run("ip", &["link", "del", &self.bridge]);
        cleanup_dir(&self.dir);
    }
}

/// Unmounts what a daemon left under `dir` (deepest first), then removes it.
fn cleanup_dir(dir: &Path) {
    if !dir.exists() {
        return;
    }
    let prefix = format!("{}/", dir.display());
    let mut mounts: Vec<String> = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4).map(str::to_owned))
        .filter(|m| m.starts_with(&prefix))
        .collect();
    mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
    for m in mounts {
        let _ = run("umount", &["-l", &m]);
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn run(prog: &str, args: &[&str]) -> Result<(), String> {
    let o = Command::new(prog)
        .args(args)
        .output()
        .map_err(|e| format!("{prog}: {e}"))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{prog} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ))
    }
}

/// # Safety
/// Async-signal-safe; `fd` must be open.
unsafe fn fcntl_clear_cloexec(fd: i32) -> i32 {
    let flags = libc::fcntl(fd, libc::F_GETFD);
    if flags < 0 {
        return flags;
    }
    libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC)
}
