//! The probe container never outlives a run: 20 archive-API runs against the
//! real daemon, most of them interrupted with SIGINT or SIGTERM, some at the
//! moment their probe container exists. Afterwards no container carrying a
//! pid of these runs is left. Fails under CI=true without a daemon or the
//! test images; skips (saying why) elsewhere.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{can_run, docker};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// The two tests must not run at once: a sweep could hide the other's leak.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

const IMAGE_A: &str = "sdctr-test/bookworm-systemd";
const IMAGE_B: &str = "sdctr-test/trixie-systemd";

fn ready() -> bool {
    can_run(
        match (
            docker(&["version", "-f", "{{.Server.Version}}"]),
            docker(&["image", "inspect", IMAGE_A, IMAGE_B]),
        ) {
            ((false, e), _) => Some(format!("no Docker daemon answers: {e}")),
            (_, (false, e)) => Some(format!("{e} (run scripts/build-test-images.sh)")),
            _ => None,
        },
    )
}

/// Probe containers labelled with `pid`.
fn containers_of(pid: u32) -> Vec<String> {
    let (ok, out) = docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("label=sdctr-doctor.pid={pid}"),
        "--format",
        "{{.Names}}",
    ]);
    assert!(ok, "{out}");
    out.lines().map(str::to_owned).collect()
}

#[derive(Debug, Clone, Copy)]
enum Stop {
    /// Let it finish.
    Finish,
    /// Signal it after a fixed delay.
    After(Signal, u64),
    /// Signal it as soon as its probe container exists.
    WhileProbing(Signal),
}

#[test]
fn no_probe_container_survives_20_runs_and_signals() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !ready() {
        return;
    }
    use Signal::{SIGINT, SIGTERM};
    let plan: Vec<Stop> = (0..20)
        .map(|i| match i % 5 {
            0 => Stop::Finish,
            1 => Stop::WhileProbing(SIGINT),
            2 => Stop::WhileProbing(SIGTERM),
            3 => Stop::After(SIGINT, 30 + 40 * (i as u64 / 5)),
            _ => Stop::After(SIGTERM, 60 + 60 * (i as u64 / 5)),
        })
        .collect();
    let bin = assert_cmd::cargo::cargo_bin("sdctr-doctor");
    let mut pids = Vec::new();
    let mut interrupted_while_probing = 0;
    let mut caught_by_handler = 0;
    for stop in plan {
        let mut child = Command::new(&bin)
            .args([
                "--json",
                "--image-reader",
                "archive",
                "--image",
                IMAGE_A,
                "--image",
                IMAGE_B,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        pids.push(pid);
        let signal = match stop {
            Stop::Finish => None,
            Stop::After(sig, ms) => {
                std::thread::sleep(Duration::from_millis(ms));
                Some(sig)
            }
            Stop::WhileProbing(sig) => {
                let until = Instant::now() + Duration::from_secs(10);
                while containers_of(pid).is_empty() && Instant::now() < until {
                    if child.try_wait().unwrap().is_some() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                let seen = !containers_of(pid).is_empty();
                interrupted_while_probing += usize::from(seen);
                seen.then_some(sig)
            }
        };
        if let Some(sig) = signal {
            let _ = kill(Pid::from_raw(pid as i32), sig);
        }
        let out = child.wait_with_output().unwrap();
        let code = out.status.code();
        match (stop, signal) {
            // With its container in place the handler is installed: it removes, then
            // exits 128+n (unless the run ended between `docker ps` and the signal).
            (Stop::WhileProbing(sig), Some(_)) => {
                assert!(
                    matches!(code, Some(0 | 1)) || code == Some(128 + sig as i32),
                    "{stop:?}: {out:?}"
                );
                caught_by_handler += usize::from(code == Some(128 + sig as i32));
            }
            (Stop::Finish, _) => assert!(matches!(code, Some(0 | 1)), "{out:?}"),
            // Early signals may land before the handler exists (default action, no container yet).
            _ => {}
        }
        assert_eq!(
            containers_of(pid),
            Vec::<String>::new(),
            "{stop:?} left a container"
        );
        println!("{stop:?}: exit {code:?}");
    }
    assert!(
        caught_by_handler >= 3,
        "only {caught_by_handler} runs were stopped by a signal while probing"
    );
    assert!(
        interrupted_while_probing >= 4,
        "only {interrupted_while_probing} runs were caught while their container existed"
    );
    for pid in pids {
        assert!(containers_of(pid).is_empty());
    }
}

/// A never-started probe container whose creator is gone is swept by the next
/// archive run; one whose creator lives (this test) is left alone.
#[test]
fn leftovers_of_dead_runs_are_swept() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !ready() {
        return;
    }
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let host = nix::unistd::gethostname().unwrap();
    let me = std::process::id();
    let my_start = std::fs::read_to_string(format!("/proc/{me}/stat")).unwrap();
    let my_start = my_start
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(19)
        .unwrap();
    let dead = format!("sdctr-doctor-probe-test-dead-{me}");
    let alive = format!("sdctr-doctor-probe-test-alive-{me}");
    for (name, pid, start) in [
        (&dead, "4000000", "1"),
        (&alive, &me.to_string()[..], my_start),
    ] {
        let (ok, out) = docker(&[
            "create",
            "--name",
            name,
            "--network",
            "none",
            "--entrypoint",
            "/never",
            "--label",
            "sdctr-doctor.probe=1",
            "--label",
            &format!("sdctr-doctor.pid={pid}"),
            "--label",
            &format!("sdctr-doctor.start-time={start}"),
            "--label",
            &format!("sdctr-doctor.boot-id={}", boot.trim()),
            "--label",
            &format!("sdctr-doctor.hostname={}", host.to_string_lossy()),
            IMAGE_A,
        ]);
        assert!(ok, "{out}");
    }
    let out = Command::new(assert_cmd::cargo::cargo_bin("sdctr-doctor"))
        .args(["--json", "--image-reader", "archive", "--image", IMAGE_A])
        .output()
        .unwrap();
    let exists = |n: &str| docker(&["container", "inspect", n]).0;
    let (dead_left, alive_left) = (exists(&dead), exists(&alive));
    let _ = docker(&["rm", "-f", &dead, &alive]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!dead_left, "not swept: {stderr}");
    assert!(alive_left, "a live run's container was removed");
    assert!(stderr.contains(&dead), "{stderr}");
}

/// Two removals of one container race (the signal handler and the guard):
/// the daemon answers the later with 409 "already in progress" at once and
/// lists the container until the earlier ends. The later must not return
/// before that, or the process exits with its probe container still there.
/// An open archive stream holds the container's lock, so both DELETEs queue
/// on it and are certain to overlap; the raw one, queued first, wins it.
#[test]
fn a_removal_racing_another_returns_only_when_gone() {
    use sdctr_doctor::probe::docker::client::{runtime, Client, Endpoint};
    use sdctr_doctor::probe::docker::scratch_container::remove;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !ready() {
        return;
    }
    const SOCKET: &str = "/var/run/docker.sock";
    // Sends one HTTP/1.0 request; returns the connection after the status line.
    let send = |method: &str, path: &str| {
        let mut s = UnixStream::connect(SOCKET).unwrap();
        write!(s, "{method} {path} HTTP/1.0\r\nHost: docker\r\n\r\n").unwrap();
        let mut head = [0u8; 12];
        s.read_exact(&mut head).unwrap();
        let status: u16 = String::from_utf8_lossy(&head[9..12]).parse().unwrap();
        (status, s)
    };
    let mut lost_the_race = 0;
    for round in 0..3 {
        let name = format!("sdctr-doctor-test-race-{}-{round}", std::process::id());
        let (ok, out) = docker(&[
            "create",
            "--name",
            &name,
            "--network",
            "none",
            "--entrypoint",
            "/never",
            IMAGE_A,
        ]);
        assert!(ok, "{out}");
        let (status, lock) = send("GET", &format!("/containers/{name}/archive?path=/usr"));
        assert_eq!(status, 200);
        let (raw_status, gone_after_remove) = std::thread::scope(|s| {
            let raw = s.spawn(|| send("DELETE", &format!("/containers/{name}?force=1")).0);
            std::thread::sleep(Duration::from_millis(200));
            let ours = s.spawn(|| {
                let rt = runtime().unwrap();
                let bound = Duration::from_secs(20);
                let c = Client::new(Endpoint::parse(&format!("unix://{SOCKET}")).unwrap(), bound);
                rt.block_on(remove(&c, &name)).unwrap();
                send("GET", &format!("/containers/{name}/json")).0 == 404
            });
            std::thread::sleep(Duration::from_millis(300));
            drop(lock);
            (raw.join().unwrap(), ours.join().unwrap())
        });
        let _ = docker(&["rm", "-f", &name]);
        assert!(
            gone_after_remove,
            "round {round}: remove() returned while {name} was listed"
        );
        lost_the_race += usize::from(raw_status == 204);
    }
    assert!(
        lost_the_race >= 1,
        "remove() never raced a removal in progress"
    );
}

/// Removes the named containers when dropped, also when a test fails.
struct Removed(Vec<String>);

impl Drop for Removed {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = docker(&["rm", "-f", name]);
        }
    }
}

/// A small xorshift generator: the moments vary per run, the seed is printed.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let seed = t | 1;
        println!("seed {seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn archive_run(timeout: &str) -> std::process::Child {
    Command::new(assert_cmd::cargo::cargo_bin("sdctr-doctor"))
        .args([
            "--json",
            "--image-reader",
            "archive",
            "--image",
            IMAGE_A,
            "--image",
            IMAGE_B,
            "--timeout",
            timeout,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// At timeouts so short that the deadline cuts the create short, the daemon
/// still creates the container after the client gave up; the DELETE must
/// come after that, not before. Each run's probe containers are checked
/// once the next run (an equally short one, which rarely has time to sweep)
/// has ended, the last one's after a run of the default mode.
#[test]
fn fifty_short_timeouts_leave_no_probe_container() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !ready() {
        return;
    }
    let mut previous: Option<u32> = None;
    let mut left = Vec::new();
    let mut left_at_once = 0;
    for i in 0..50u32 {
        // 0.015 s to 0.2 s.
        let timeout = format!("{:.3}", 0.015 + 0.185 * f64::from(i % 10) / 9.0);
        let mut child = archive_run(&timeout);
        let pid = child.id();
        child.wait().unwrap();
        left_at_once += usize::from(!containers_of(pid).is_empty());
        if let Some(p) = previous {
            let c = containers_of(p);
            if !c.is_empty() {
                left.push((p, c));
            }
        }
        previous = Some(pid);
    }
    let next = doctor_mode(Mode::Default, "5");
    if let Some(p) = previous {
        let c = containers_of(p);
        if !c.is_empty() {
            left.push((p, c));
        }
    }
    println!("runs with a container right after they ended: {left_at_once}/50; {next:?}");
    for (_, names) in &left {
        let _ = docker(
            &[
                &["rm", "-f"][..],
                &names.iter().map(String::as_str).collect::<Vec<_>>(),
            ]
            .concat(),
        );
    }
    assert!(left.is_empty(), "left behind after the next run: {left:?}");
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Default,
    Image,
    Lint,
    Container,
}

/// A container `container` mode can judge: created from the test image, never started.
const SWEEP_TARGET: &str = "sdctr-hard-sweep-target";

/// One run of `mode` (no archive reader: whatever is swept, the sweep did it).
fn doctor_mode(mode: Mode, timeout: &str) -> Option<i32> {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("sdctr-doctor"));
    cmd.args(["--json", "--timeout", timeout]);
    match mode {
        Mode::Default => {}
        Mode::Image => {
            cmd.args(["--image-reader", "layers", "--image", IMAGE_A]);
        }
        Mode::Lint => {
            cmd.args([
                "--image-reader",
                "layers",
                "lint",
                "--",
                "docker",
                "run",
                IMAGE_A,
            ]);
        }
        Mode::Container => {
            cmd.args(["--image-reader", "layers", "container", SWEEP_TARGET]);
        }
    }
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .code()
}

/// Archive runs killed at random moments with SIGINT, SIGTERM or SIGKILL
/// (every fourth with SIGKILL once its probe container exists): whatever a killed run
/// leaves is gone once the next run, of any mode, has ended.
#[test]
fn killed_runs_are_swept_by_the_next_run_of_any_mode() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !ready() {
        return;
    }
    let _target = Removed(vec![SWEEP_TARGET.to_owned()]);
    let _ = docker(&["rm", "-f", SWEEP_TARGET]);
    let (ok, out) = docker(&[
        "create",
        "--name",
        SWEEP_TARGET,
        "--network",
        "none",
        IMAGE_A,
    ]);
    assert!(ok, "{out}");
    let mut rng = Rng::seeded();
    let signals = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGKILL];
    let modes = [Mode::Default, Mode::Image, Mode::Lint, Mode::Container];
    let mut left = Vec::new();
    let mut killed_with_container = 0;
    for i in 0..50usize {
        let sig = if i % 4 == 0 {
            Signal::SIGKILL
        } else {
            signals[rng.below(3) as usize]
        };
        let mut child = archive_run("5");
        let pid = child.id();
        if i % 4 == 0 {
            let until = Instant::now() + Duration::from_secs(10);
            while containers_of(pid).is_empty()
                && Instant::now() < until
                && child.try_wait().unwrap().is_none()
            {
                std::thread::sleep(Duration::from_millis(5));
            }
        } else {
            std::thread::sleep(Duration::from_millis(rng.below(700)));
        }
        let had = !containers_of(pid).is_empty();
        let _ = kill(Pid::from_raw(pid as i32), sig);
        child.wait().unwrap();
        killed_with_container += usize::from(had && sig == Signal::SIGKILL);
        let mode = modes[i % modes.len()];
        let code = doctor_mode(mode, "5");
        let c = containers_of(pid);
        if !c.is_empty() {
            let _ = docker(
                &[
                    &["rm", "-f"][..],
                    &c.iter().map(String::as_str).collect::<Vec<_>>(),
                ]
                .concat(),
            );
            left.push((sig, mode, code, c));
        }
    }
    println!("SIGKILLed while a probe container existed: {killed_with_container}");
    assert!(left.is_empty(), "not swept by the next run: {left:?}");
    assert!(
        killed_with_container >= 3,
        "only {killed_with_container} runs were SIGKILLed with a probe container"
    );
}
