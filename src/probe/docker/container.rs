//! One existing container: `GET /containers/{id}/json`; when it is not
//! running, the tail of its logs; when it is, `systemctl is-system-running`
//! and `systemctl --failed` through `POST /containers/{id}/exec`. The only
//! place the doctor runs anything inside a container, and only in the user's
//! own, already running one; under `timeout` there, so that nothing it
//! started outlives the run (the Engine API cannot stop an exec).

use std::collections::HashMap;

use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use super::client::{Client, ClientError, Endpoint, ErrorKind};
use crate::facts::container::{
    ContainerConfig, ContainerFacts, ContainerState, LogTail, SystemdState, Tmpfs,
};
use crate::facts::Probed;
use crate::probe::bundle::{Bundle, Recorder};

/// Inspect answers are a few KiB (more with many mounts or labels).
const INSPECT_CAP: usize = 4 << 20;
/// What is kept of the log answer; `tail=200` normally stays far below.
const LOG_KEEP: usize = 256 << 10;
const LOG_LINES: usize = 200;
const LINE_CHARS: usize = 1000;
const EXEC_OUTPUT_CAP: usize = 64 << 10;

/// The subset of `GET /containers/{id}/json` the doctor reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Inspect {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub state: InspectState,
    #[serde(default)]
    pub host_config: HostConfig,
    #[serde(default)]
    pub config: Config,
    #[serde(default, deserialize_with = "null_default")]
    pub mounts: Vec<MountPoint>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InspectState {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub running: bool,
    #[serde(default)]
    pub exit_code: i64,
    #[serde(default)]
    pub error: String,
    #[serde(default, rename = "OOMKilled")]
    pub oom_killed: bool,
    #[serde(default)]
    pub started_at: String,
    #[serde(default)]
    pub finished_at: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct HostConfig {
    #[serde(default, deserialize_with = "null_default")]
    pub binds: Vec<String>,
    #[serde(default)]
    pub privileged: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub cap_add: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub cap_drop: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub security_opt: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub cgroupns_mode: String,
    #[serde(default, deserialize_with = "null_default")]
    pub cgroup_parent: String,
    #[serde(default, deserialize_with = "null_default")]
    pub mounts: Vec<HostMount>,
    #[serde(default, deserialize_with = "null_default")]
    pub tmpfs: HashMap<String, String>,
    #[serde(default, deserialize_with = "null_default")]
    pub init: bool,
    #[serde(default)]
    pub readonly_rootfs: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub userns_mode: String,
    #[serde(default, deserialize_with = "null_default")]
    pub runtime: String,
}

/// `HostConfig.Mounts[]`: what `--mount` asked for.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct HostMount {
    #[serde(default)]
    pub r#type: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub bind_options: Option<BindOptions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct BindOptions {
    #[serde(default)]
    pub non_recursive: bool,
    #[serde(default)]
    pub read_only_non_recursive: bool,
    #[serde(default)]
    pub read_only_force_recursive: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Config {
    #[serde(default, deserialize_with = "null_default")]
    pub image: String,
    #[serde(default)]
    pub tty: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub env: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub cmd: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub entrypoint: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub user: String,
    #[serde(default, deserialize_with = "null_default")]
    pub stop_signal: String,
}

/// Top-level `Mounts[]`: what the container really got (image volumes included).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct MountPoint {
    #[serde(default)]
    pub r#type: String,
    #[serde(default)]
    pub destination: String,
}

/// The Engine sends `null` for empty lists and maps.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl Inspect {
    pub(crate) fn from_json(body: &[u8]) -> Result<Inspect, String> {
        serde_json::from_slice(body).map_err(|e| {
            format!("GET /containers/{{id}}/json: not the JSON the Engine API documents: {e}")
        })
    }

    /// The facts without logs or exec results.
    pub(crate) fn facts(&self, reference: &str) -> ContainerFacts {
        let h = &self.host_config;
        let c = &self.config;
        let mut mounts: Vec<String> = h.mounts.iter().map(render_mount).collect();
        mounts.retain(|m| !m.is_empty());
        let given: Vec<String> = h
            .binds
            .iter()
            .filter_map(|b| b.split(':').nth(1).map(str::to_owned))
            .chain(h.mounts.iter().map(|m| m.target.clone()))
            .chain(h.tmpfs.keys().cloned())
            .collect();
        let image_volumes = self
            .mounts
            .iter()
            .filter(|m| m.r#type == "volume" && !given.contains(&m.destination))
            .map(|m| m.destination.clone())
            .collect();
        let mut tmpfs: Vec<Tmpfs> = h
            .tmpfs
            .iter()
            .map(|(k, v)| Tmpfs {
                target: k.clone(),
                options: v.clone(),
            })
            .collect();
        tmpfs.sort_by(|a, b| a.target.cmp(&b.target));
        ContainerFacts {
            reference: reference.to_owned(),
            id: self.id.clone(),
            name: self.name.trim_start_matches('/').to_owned(),
            state: ContainerState {
                status: self.state.status.clone(),
                running: self.state.running,
                exit_code: self.state.exit_code,
                error: self.state.error.clone(),
                oom_killed: self.state.oom_killed,
                started_at: self.state.started_at.clone(),
                finished_at: self.state.finished_at.clone(),
            },
            config: ContainerConfig {
                image: c.image.clone(),
                image_id: self.image.clone(),
                tty: c.tty,
                privileged: h.privileged,
                cap_add: h.cap_add.clone(),
                cap_drop: h.cap_drop.clone(),
                security_opt: h.security_opt.clone(),
                cgroupns_mode: h.cgroupns_mode.clone(),
                cgroup_parent: h.cgroup_parent.clone(),
                binds: h.binds.clone(),
                mounts,
                image_volumes,
                tmpfs,
                init: h.init,
                readonly_rootfs: h.readonly_rootfs,
                user: c.user.clone(),
                userns_mode: h.userns_mode.clone(),
                runtime: h.runtime.clone(),
                env_container: c
                    .env
                    .iter()
                    .find_map(|e| e.strip_prefix("container=").map(str::to_owned)),
                stop_signal: c.stop_signal.clone(),
                entrypoint: c.entrypoint.clone(),
                cmd: c.cmd.clone(),
            },
            logs: None,
            systemd: None,
            run_line_error: None,
        }
    }
}

/// A `HostConfig.Mounts[]` entry as the `--mount` value that makes it.
fn render_mount(m: &HostMount) -> String {
    if m.target.is_empty() {
        return String::new();
    }
    let mut parts = vec![format!("type={}", m.r#type)];
    if !m.source.is_empty() {
        parts.push(format!("src={}", m.source));
    }
    parts.push(format!("dst={}", m.target));
    if m.read_only {
        parts.push("readonly".into());
    }
    if let Some(b) = &m.bind_options {
        if b.non_recursive {
            parts.push("bind-recursive=disabled".into());
        } else if b.read_only_non_recursive {
            parts.push("bind-recursive=writable".into());
        } else if b.read_only_force_recursive {
            parts.push("bind-recursive=readonly".into());
        }
    }
    parts.join(",")
}

/// Reads one container, ending by `deadline` (`timeout` is what errors name);
/// `endpoint` is where the daemon is (or why it could not be found). `Err` is
/// a one-line reason (no such container, daemon unreachable).
pub(crate) fn probe(
    endpoint: Result<Endpoint, String>,
    (deadline, timeout): (Instant, Duration),
    reference: &str,
    rec: Option<&Recorder>,
) -> Result<ContainerFacts, String> {
    let ep = endpoint?;
    let rt = super::client::runtime().map_err(|e| e.message)?;
    rt.block_on(ask(Client::until(ep, deadline, timeout), reference, rec))
        .map_err(|e| e.message)
}

/// What a bundle keeps of a container besides its inspect answer and raw logs.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct ContainerRecord {
    pub reference: String,
    pub logs_error: Option<String>,
    pub logs_truncated: bool,
    pub systemd: Option<Probed<SystemdState>>,
}

/// A container again from a bundle's `container/`, through the same code.
pub(crate) fn replay(b: &Bundle) -> Result<Option<ContainerFacts>, String> {
    let Some(meta) = b.json::<ContainerRecord>("container/meta.json")? else {
        return Ok(None);
    };
    let inspect = b
        .get("container/inspect.json")
        .ok_or("bundle: no container/inspect.json")?;
    let inspect =
        Inspect::from_json(inspect).map_err(|e| format!("bundle: container/inspect.json: {e}"))?;
    let mut facts = inspect.facts(&meta.reference);
    if facts.state.running {
        facts.systemd = meta.systemd;
    } else {
        facts.logs = Some(match meta.logs_error {
            Some(e) => Err::<LogTail, String>(e).into(),
            None => {
                let raw = b.get("container/logs").unwrap_or_default();
                Ok::<LogTail, String>(tail_of(raw, facts.config.tty, meta.logs_truncated)).into()
            }
        });
    }
    Ok(Some(facts))
}

async fn ask(
    mut c: Client,
    reference: &str,
    rec: Option<&Recorder>,
) -> Result<ContainerFacts, ClientError> {
    c.negotiate().await?;
    let id = path_segment(reference);
    let resp = c
        .request(
            Method::GET,
            &format!("/containers/{id}/json"),
            None,
            INSPECT_CAP,
        )
        .await?;
    if resp.status == StatusCode::NOT_FOUND {
        return Err(ClientError::new(
            ErrorKind::BadAnswer,
            format!("no such container: {reference} (see docker ps -a)"),
        ));
    }
    let resp = resp.success("GET /containers/{id}/json")?;
    let inspect =
        Inspect::from_json(&resp.body).map_err(|e| ClientError::new(ErrorKind::BadAnswer, e))?;
    let mut facts = inspect.facts(reference);
    let mut record = ContainerRecord {
        reference: reference.to_owned(),
        ..ContainerRecord::default()
    };
    let id = inspect.id.clone();
    if facts.state.running {
        let state: Probed<SystemdState> =
            systemd_state(&c, &id).await.map_err(|e| e.message).into();
        record.systemd = Some(state.clone());
        facts.systemd = Some(state);
    } else {
        let tail = match raw_logs(&c, &id).await {
            Ok((raw, truncated)) => {
                record.logs_truncated = truncated;
                if let Some(rec) = rec {
                    rec.put("container/logs", raw.clone());
                }
                Ok(tail_of(&raw, facts.config.tty, truncated))
            }
            Err(e) => {
                record.logs_error = Some(e.message.clone());
                Err(e.message)
            }
        };
        facts.logs = Some(tail.into());
    }
    if let Some(rec) = rec {
        rec.put("container/inspect.json", resp.body.to_vec());
        rec.put_json("container/meta.json", &record);
    }
    Ok(facts)
}

/// Names and ids are `[a-zA-Z0-9][a-zA-Z0-9_.-]*`; anything else is escaped
/// so it cannot change the request path.
fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The log answer's first [`LOG_KEEP`] bytes, and whether it was longer.
async fn raw_logs(c: &Client, id: &str) -> Result<(Vec<u8>, bool), ClientError> {
    let path = format!("/containers/{id}/logs?stdout=1&stderr=1&tail={LOG_LINES}");
    // The stream cap only guards against a runaway answer; what is kept is LOG_KEEP.
    let mut s = c.stream(Method::GET, &path, None, usize::MAX).await?;
    if !s.status.is_success() {
        return Err(ClientError::new(
            ErrorKind::BadAnswer,
            format!(
                "GET /containers/{{id}}/logs: the daemon answered {}",
                s.status
            ),
        ));
    }
    let mut raw = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = s.next_chunk().await? {
        raw.extend_from_slice(&chunk);
        if raw.len() >= LOG_KEEP {
            raw.truncate(LOG_KEEP);
            truncated = true;
            break;
        }
    }
    Ok((raw, truncated))
}

/// The last lines of a raw log answer (multiplexed unless `tty`).
fn tail_of(raw: &[u8], tty: bool, truncated: bool) -> LogTail {
    let text = if tty { raw.to_vec() } else { demux(raw) };
    LogTail {
        lines: tail_lines(&String::from_utf8_lossy(&text), LOG_LINES),
        truncated,
    }
}

/// Joins the payloads of Docker's multiplexed stream (8-byte headers:
/// stream, 0, 0, 0, big-endian length). Bytes that do not look like a frame
/// are kept as they are, so a tty stream read as multiplexed loses nothing.
pub(crate) fn demux(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    while raw.len() >= 8 {
        let header_ok = raw[0] <= 2 && raw[1..4] == [0, 0, 0];
        if !header_ok {
            break;
        }
        let len = u32::from_be_bytes([raw[4], raw[5], raw[6], raw[7]]) as usize;
        let end = (8 + len).min(raw.len());
        out.extend_from_slice(&raw[8..end]);
        raw = &raw[end..];
    }
    out.extend_from_slice(raw);
    out
}

/// The last `n` non-empty lines, terminal escapes and carriage returns removed.
pub(crate) fn tail_lines(text: &str, n: usize) -> Vec<String> {
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| strip_escapes(l).trim_end().to_owned())
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.chars().take(LINE_CHARS).collect())
        .collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

/// Removes CSI sequences (`ESC [ ... final`), other `ESC x` pairs and `\r`.
pub(crate) fn strip_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(ch) = it.next() {
        match ch {
            '\u{1b}' => {
                if it.next_if_eq(&'[').is_some() {
                    for c in it.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                } else {
                    it.next();
                }
            }
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// `timeout`'s exit codes when it stopped the command (TERM, then KILL).
const TIMED_OUT: [i64; 2] = [124, 137];
/// Left between the command's bound inside the container and the deadline,
/// for the KILL and the answer to come back.
const EXEC_MARGIN: Duration = Duration::from_millis(700);
const KILL_AFTER: &str = "0.3";

async fn systemd_state(c: &Client, id: &str) -> Result<SystemdState, ClientError> {
    // Bounded inside the container too: a systemctl that never ends must not
    // outlive the doctor (the Engine API cannot stop an exec).
    let left = c
        .deadline()
        .saturating_duration_since(std::time::Instant::now());
    let secs = format!(
        "{:.1}",
        left.saturating_sub(EXEC_MARGIN).as_secs_f64().max(0.1)
    );
    let bounded = |cmd: &[&'static str]| -> Vec<String> {
        ["timeout", "-k", KILL_AFTER, &secs]
            .iter()
            .chain(cmd)
            .map(|s| s.to_string())
            .collect()
    };
    let state_cmd = ["systemctl", "is-system-running"];
    let failed_cmd = ["systemctl", "--failed", "--no-legend", "--plain"];
    // Both at once: each exec costs a runc exec (about 60 ms here).
    let (mut state, mut failed) = tokio::join!(
        exec(c, id, bounded(&state_cmd)),
        exec(c, id, bounded(&failed_cmd))
    );
    let mut note = None;
    if matches!(&state, Ok((out, _)) if no_timeout_binary(out)) {
        note = Some(format!(
            "the container has no `timeout`: systemctl ran unbounded inside it, and one that hangs may still run there after the doctor's {} s",
            c.budget().as_secs_f64()
        ));
        let plain = |cmd: &[&str]| cmd.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        (state, failed) = tokio::join!(
            exec(c, id, plain(&state_cmd)),
            exec(c, id, plain(&failed_cmd))
        );
        if let Err(e) = &mut state {
            e.message
                .push_str(&format!(" ({})", note.as_deref().unwrap_or_default()));
        }
    }
    let (state, exit_code) = state?;
    let state = tail_lines(&state, 5);
    let mut s = SystemdState {
        system_state: state.last().cloned().unwrap_or_default(),
        exit_code,
        failed_units: vec![],
        note,
    };
    if s.note.is_none() && exit_code.is_some_and(|c| TIMED_OUT.contains(&c)) && state.is_empty() {
        s.system_state =
            format!("no answer within {secs} s: `timeout` stopped systemctl inside the container");
        return Ok(s);
    }
    if s.known_state().is_some() {
        s.failed_units = tail_lines(&failed?.0, 100)
            .iter()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect();
    } else {
        // Not a state: keep the whole (short) answer, it says why.
        s.system_state = state.join(" / ");
    }
    Ok(s)
}

/// The runtime's answer when the exec's program is not in the container.
fn no_timeout_binary(out: &str) -> bool {
    out.contains("\"timeout\"") && (out.contains("not found") || out.contains("no such file"))
}

/// Runs `cmd` in the container, waits for it (bounded by the client's
/// deadline) and returns its output (stdout and stderr) and exit code.
async fn exec(
    c: &Client,
    id: &str,
    cmd: Vec<String>,
) -> Result<(String, Option<i64>), ClientError> {
    #[derive(Deserialize)]
    struct Created {
        #[serde(rename = "Id")]
        id: String,
    }
    #[derive(Deserialize)]
    struct Inspected {
        #[serde(rename = "ExitCode")]
        exit_code: Option<i64>,
    }
    let body = serde_json::json!({
        "AttachStdout": true, "AttachStderr": true, "Tty": false, "Cmd": cmd,
    });
    let created: Created = c
        .request(
            Method::POST,
            &format!("/containers/{id}/exec"),
            Some(Bytes::from(body.to_string())),
            4096,
        )
        .await?
        .success("POST /containers/{id}/exec")?
        .json("POST /containers/{id}/exec")?;
    let start = serde_json::json!({"Detach": false, "Tty": false});
    let out = c
        .request(
            Method::POST,
            &format!("/exec/{}/start", path_segment(&created.id)),
            Some(Bytes::from(start.to_string())),
            EXEC_OUTPUT_CAP,
        )
        .await?
        .success("POST /exec/{id}/start")?;
    let text = String::from_utf8_lossy(&demux(&out.body)).into_owned();
    let code = c
        .request(
            Method::GET,
            &format!("/exec/{}/json", path_segment(&created.id)),
            None,
            INSPECT_CAP,
        )
        .await
        .ok()
        .and_then(|r| r.success("GET /exec/{id}/json").ok())
        .and_then(|r| r.json::<Inspected>("GET /exec/{id}/json").ok())
        .and_then(|i| i.exit_code);
    Ok((text, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(stream: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![stream, 0, 0, 0];
        v.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn demultiplexes_frames() {
        let mut raw = frame(1, b"systemd 252 running\n");
        raw.extend(frame(2, b"Failed to mount tmpfs at /run/lock\n"));
        assert_eq!(
            String::from_utf8(demux(&raw)).unwrap(),
            "systemd 252 running\nFailed to mount tmpfs at /run/lock\n"
        );
        // A tty stream (no headers) is kept whole.
        assert_eq!(demux(b"Welcome to Debian\n"), b"Welcome to Debian\n");
        // A frame cut short keeps what arrived.
        let mut cut = frame(1, b"abcdef");
        cut.truncate(11);
        assert_eq!(demux(&cut), b"abc");
    }

    #[test]
    fn lines_without_colours() {
        // As systemd 252 prints it on a tty (Docker 20.10.24, hybrid development VM).
        let log = "\u{1b}[0;1;31mFailed to mount tmpfs at /run/lock: Operation not permitted\u{1b}[0m\r\n[\u{1b}[0;1;31m!!!!!!\u{1b}[0m] Failed to mount API filesystems.\r\n\r\n";
        assert_eq!(
            tail_lines(log, 200),
            [
                "Failed to mount tmpfs at /run/lock: Operation not permitted",
                "[!!!!!!] Failed to mount API filesystems."
            ]
        );
        assert_eq!(tail_lines("a\nb\nc\n", 2), ["b", "c"]);
    }

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(path_segment("web-1.a_b"), "web-1.a_b");
        assert_eq!(path_segment("../x?y"), "..%2Fx%3Fy");
    }

    #[test]
    fn inspect_of_a_real_container() {
        let i = Inspect::from_json(INSPECT.as_bytes()).unwrap();
        let f = i.facts("web");
        assert_eq!(f.name, "sdctr-truth-sample");
        assert_eq!(f.state.status, "exited");
        assert_eq!(f.config.binds, ["/sys/fs/cgroup:/sys/fs/cgroup:ro"]);
        assert_eq!(f.config.env_container.as_deref(), Some("docker"));
        assert!(f.config.cap_add.is_empty());
        let t: Vec<&str> = f.config.tmpfs.iter().map(|t| t.target.as_str()).collect();
        assert_eq!(t, ["/run", "/tmp"]);
    }

    #[test]
    fn settings_become_the_run_line_the_checks_judge() {
        let f = Inspect::from_json(INSPECT.as_bytes()).unwrap().facts("x");
        let run = crate::runline::from_container(&f).unwrap();
        let s = &run.spec;
        assert_eq!(s.image, "sdctr-test/bookworm-systemd");
        assert_eq!(s.args, ["/sbin/init"]);
        assert_eq!(s.cgroupns.as_deref(), Some("host"));
        assert_eq!(s.stop_signal.as_deref(), Some("SIGRTMIN+3"));
        assert_eq!(s.env_container.as_deref(), Some("docker"));
        assert!(s.has_tmpfs("/run") && s.has_tmpfs("/tmp") && !s.has_tmpfs("/run/lock"));
        let bind: Vec<_> = s.cgroup_binds().collect();
        assert!(bind.len() == 1 && bind[0].read_only);
        assert!(!s.privileged && !s.init);
        // --mount entries come back as --mount values the parser reads.
        let m = HostMount {
            r#type: "bind".into(),
            source: "/sys/fs/cgroup".into(),
            target: "/sys/fs/cgroup".into(),
            read_only: true,
            bind_options: Some(BindOptions {
                read_only_non_recursive: true,
                ..BindOptions::default()
            }),
        };
        assert_eq!(
            render_mount(&m),
            "type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly,bind-recursive=writable"
        );
    }

    /// Unedited `GET /v1.41/containers/ID/json` on the development VM (Docker 20.10.24).
    const INSPECT: &str = include_str!("testdata/inspect-exited-v1.json");
}
