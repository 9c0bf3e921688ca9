//! The docker probe: find the daemon, negotiate the API version with
//! `/_ping`, then `/version` and `/info` concurrently, all within one deadline;
//! where the socket is local, read the serving process's capability bounding set.

pub(crate) mod activation;
pub(crate) mod archive;
pub mod client;
pub(crate) mod container;
pub(crate) mod daemon_config;
pub mod endpoint;
pub(crate) mod engine;
pub mod image;
pub mod scratch_container;
pub mod ssh;
pub mod tls;

use std::path::{Path, PathBuf};
use std::time::Duration;

use hyper::Method;

use crate::facts::docker::{
    DaemonProcess, DockerError, DockerFacts, DockerProbe, ProbeOutcome, SocketListener,
};
use crate::probe::bundle::{self, DockerContext, Recorder};
use crate::probe::host::process::{bounding_set, last_cap, missing_caps};
use crate::probe::root::HostRoot;
use client::{Client, ClientError, Endpoint, ErrorKind};

/// Bodies of /version and /info are a few KiB; anything past this is not a daemon.
pub const JSON_CAP: usize = 4 << 20;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// What removing probe containers may take past the deadline, so a run ends
/// within `--timeout` + 1 s.
pub const CLEANUP_GRACE: Duration = Duration::from_millis(800);

impl Options {
    /// Asks `host` (or the usual places) within `timeout` from now.
    pub fn new(host: Option<String>, timeout: Duration, skip: bool) -> Options {
        Options {
            host,
            timeout,
            deadline: std::time::Instant::now() + timeout,
            skip,
            skip_reason: None,
            record: None,
        }
    }

    /// Not asking the daemon, for `reason` (said where `--no-docker` would be).
    pub fn skipped_because(mut self, reason: String) -> Options {
        self.skip = true;
        self.skip_reason = Some(reason);
        self
    }

    /// Why the daemon is not asked, as a probe says it.
    fn why_skipped(&self) -> String {
        self.skip_reason
            .clone()
            .unwrap_or_else(|| "--no-docker: the daemon was not asked".into())
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// `--docker-host`.
    pub host: Option<String>,
    /// `--timeout`, as errors name it.
    pub timeout: Duration,
    /// When the run's waiting ends: `--timeout` from its start, shared by
    /// the daemon, image and container probes (clean-up gets [`CLEANUP_GRACE`] more).
    pub deadline: std::time::Instant,
    /// `--no-docker`, or another reason not to ask ([`Options::skipped_because`]).
    pub skip: bool,
    pub skip_reason: Option<String>,
    /// `capture --bundle`: keep the raw answers.
    pub record: Option<super::bundle::Recorder>,
}

/// `Facts.docker` and `Facts.docker_probe`.
pub fn probe(opts: &Options) -> (Option<DockerFacts>, DockerProbe) {
    let mut report = DockerProbe {
        outcome: ProbeOutcome::Skipped,
        endpoint: None,
        endpoint_source: None,
        error: None,
        dockerd_path: None,
        rootless_socket: None,
    };
    if opts.skip {
        report.error = Some(DockerError {
            kind: "skipped".into(),
            message: opts.why_skipped(),
        });
        record_probe(opts, &report);
        return (None, report);
    }
    let result = match resolve(opts) {
        Err(e) => Err(("config", ClientError::new(ErrorKind::Unsupported, e))),
        Ok(r) => {
            report.endpoint = Some(r.host.clone());
            report.endpoint_source = Some(r.source.clone());
            connectable(&r)
                .and_then(|ep| run_until(ep, opts.deadline, opts.timeout, opts.record.as_ref()))
                .map_err(|e| (e.kind.as_str(), e))
        }
    };
    match result {
        Ok(f) => {
            report.outcome = ProbeOutcome::Ok;
            record_probe(opts, &report);
            (Some(f), report)
        }
        Err((kind, e)) => {
            report.outcome = ProbeOutcome::Unreachable;
            if matches!(e.kind, ErrorKind::NoSocket | ErrorKind::Refused) {
                report.dockerd_path = find_in_path("dockerd");
                report.rootless_socket = rootless_socket();
            }
            report.error = Some(DockerError {
                kind: kind.to_owned(),
                message: e.message,
            });
            record_probe(opts, &report);
            (None, report)
        }
    }
}

/// Where the daemon is, as [`probe`] finds it; the error says why it cannot be asked.
pub fn endpoint(opts: &Options) -> Result<Endpoint, String> {
    if opts.skip {
        return Err(match &opts.skip_reason {
            Some(r) => r.clone(),
            None => "the daemon was not asked (--no-docker)".into(),
        });
    }
    connectable(&resolve(opts)?).map_err(|e| e.message)
}

/// The endpoint the docker CLI would pick, from the flag, environment and config.
fn resolve(opts: &Options) -> Result<endpoint::Resolved, String> {
    endpoint::resolve(
        opts.host.as_deref(),
        &endpoint::Env {
            var: &endpoint::live_env,
            home: std::env::var_os("HOME").map(PathBuf::from),
        },
    )
}

/// A resolved endpoint this client can talk to: a known scheme, its TLS material read.
fn connectable(r: &endpoint::Resolved) -> Result<Endpoint, ClientError> {
    let ep = Endpoint::parse(&r.host)?;
    match &r.tls {
        Some(files) => ep.with_tls(files.clone()).map_err(|e| ClientError {
            message: format!("{} (TLS from {})", e.message, r.source),
            ..e
        }),
        None => Ok(ep),
    }
}

/// Asks one endpoint on a private current-thread runtime.
pub fn run(ep: Endpoint, timeout: Duration) -> Result<DockerFacts, ClientError> {
    run_until(ep, std::time::Instant::now() + timeout, timeout, None)
}

/// `docker/probe.json` of a bundle: how the probe went.
fn record_probe(opts: &Options, report: &DockerProbe) {
    if let Some(rec) = &opts.record {
        rec.put_json("docker/probe.json", report);
    }
}

fn run_until(
    ep: Endpoint,
    deadline: std::time::Instant,
    timeout: Duration,
    rec: Option<&Recorder>,
) -> Result<DockerFacts, ClientError> {
    client::runtime()?.block_on(ask(Client::until(ep, deadline, timeout), rec))
}

async fn ask(mut c: Client, rec: Option<&Recorder>) -> Result<DockerFacts, ClientError> {
    let ping = c.negotiate().await?;
    if let Some(rec) = rec {
        let headers: std::collections::BTreeMap<&str, &str> = ping
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
            .collect();
        rec.put_json(
            "docker/_ping.json",
            &serde_json::json!({"status": ping.status.as_u16(), "headers": headers}),
        );
    }
    // Probe containers of killed runs go at the next run of any mode.
    let (version, info, swept) = tokio::join!(
        c.request(Method::GET, "/version", None, JSON_CAP),
        c.request(Method::GET, "/info", None, JSON_CAP),
        scratch_container::sweep_once(&c)
    );
    for name in swept {
        eprintln!(
            "sdctr-doctor: removed the probe container {name} left by an sdctr-doctor run that is gone"
        );
    }
    let version = version?.success("GET /version")?;
    let info = info?.success("GET /info")?;
    let (version_body, info_body) = (version.body.clone(), info.body.clone());
    let version: engine::VersionJson = version.json("GET /version")?;
    let info: engine::InfoJson = info.json("GET /info")?;
    let local = c.endpoint().is_unix();
    let daemon_process = ping.peer.map(|p| {
        let listener = read_process(p.pid, p.uid);
        match c.endpoint() {
            Endpoint::Unix(path) => behind_listener(listener, path),
            _ => listener,
        }
    });
    let config = daemon_process
        .as_ref()
        .filter(|p| p.comm.as_deref() == Some("dockerd") && p.error.is_none())
        .and_then(|p| p.pid)
        .map(daemon_config::read);
    let ctx = DockerContext {
        endpoint: c.endpoint().to_string(),
        local,
        negotiated_api_version: c.api_version().map(str::to_owned),
        daemon_process,
    };
    if let Some(rec) = rec {
        bundle::record_docker(rec, &version_body, &info_body, &ctx, config.as_ref());
    }
    let mut facts = engine::facts(
        version,
        info,
        engine::Context {
            endpoint: ctx.endpoint,
            local: ctx.local,
            negotiated_api_version: ctx.negotiated_api_version,
            daemon_process: ctx.daemon_process,
        },
    );
    facts.config = config;
    Ok(facts)
}

/// Where the socket's listener is not a daemon (socket activation), the
/// daemon that holds the same socket, judged instead; the listener stays named.
fn behind_listener(listener: DaemonProcess, socket: &Path) -> DaemonProcess {
    let is_daemon = listener
        .comm
        .as_deref()
        .is_some_and(|c| activation::DAEMON_COMMS.contains(&c));
    if is_daemon || listener.pid.is_none() {
        return listener;
    }
    let named = SocketListener {
        pid: listener.pid,
        comm: listener.comm.clone(),
    };
    match activation::daemon_behind(socket) {
        Ok(found) => {
            let uid = HostRoot::live()
                .read_text(&format!("/proc/{}/status", found.pid))
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find_map(|l| l.strip_prefix("Uid:"))
                        .and_then(|u| u.split_whitespace().next().and_then(|u| u.parse().ok()))
                })
                .unwrap_or(listener.uid);
            let mut p = read_process(Some(found.pid), uid);
            p.socket_listener = Some(named);
            p.found_by = found.evidence;
            p
        }
        Err(e) => DaemonProcess {
            found_by: vec![format!("no daemon found behind the listener: {e}")],
            ..listener
        },
    }
}

/// The pid is in this process's pid namespace, so it is read in the live /proc.
fn read_process(pid: Option<i32>, uid: u32) -> DaemonProcess {
    let mut p = DaemonProcess::new(pid, uid);
    let Some(pid) = pid else {
        p.error = Some("the daemon is in another pid namespace (SO_PEERCRED gave no pid)".into());
        return p;
    };
    let live = HostRoot::live();
    p.comm = live
        .read_text(&format!("/proc/{pid}/comm"))
        .ok()
        .map(|c| c.trim().to_owned());
    if let Ok(limits) = live.read_text(&format!("/proc/{pid}/limits")) {
        p.nofile_hard = hard_limit(&limits, "Max open files");
        p.nproc_hard = hard_limit(&limits, "Max processes");
    }
    match bounding_set(&live, &format!("/proc/{pid}/status")) {
        Ok(set) => {
            p.bounding_set = Some(format!("{set:016x}"));
            p.missing_caps = missing_caps(set, last_cap(&live));
        }
        Err(e) => p.error = Some(e),
    }
    p
}

/// The hard limit on a `/proc/PID/limits` line (`Max open files  1024  4096  files`).
fn hard_limit(limits: &str, name: &str) -> Option<u64> {
    let rest = limits.lines().find_map(|l| l.strip_prefix(name))?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn find_in_path(name: &str) -> Option<String> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

fn rootless_socket() -> Option<String> {
    let dir = std::env::var_os("XDG_RUNTIME_DIR")?;
    let sock = Path::new(&dir).join("docker.sock");
    sock.exists().then(|| sock.display().to_string())
}
