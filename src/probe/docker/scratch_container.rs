//! The scratch container: created from the image so the archive API can read
//! its files, never started, and removed on every way out — normal return,
//! error, timeout and panic (the guard's `Drop`), SIGINT and SIGTERM (a
//! handler thread removes what is registered, then exits 130 / 143). A
//! create the deadline cut short is awaited before the DELETE by name. A run
//! killed with SIGKILL leaves one behind: [`sweep`] removes probe containers
//! whose creator is gone at the next run of any mode that asks the daemon.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde::Deserialize;
use tokio::runtime::Runtime;

use super::client::{Client, ClientError, Endpoint, ErrorKind};

/// Every probe container carries `sdctr-doctor.probe=1`.
pub const LABEL: &str = "sdctr-doctor.probe";
const LABEL_PID: &str = "sdctr-doctor.pid";
const LABEL_START: &str = "sdctr-doctor.start-time";
const LABEL_BOOT: &str = "sdctr-doctor.boot-id";
const LABEL_HOST: &str = "sdctr-doctor.hostname";
/// A create the deadline cut short is still awaited this long past it: the
/// daemon goes on creating after the client gives up, and a DELETE sent
/// before the create ends finds nothing and leaves the container behind.
const LATE_CREATE: Duration = Duration::from_millis(500);
/// The command the container is created with; it is never started, and an
/// image without Entrypoint and Cmd could not be created otherwise.
const NEVER_RUN: &str = "/sdctr-doctor-probe-never-started";

struct Registered {
    endpoint: Endpoint,
    name: String,
    /// The run's deadline plus the clean-up grace.
    until: Instant,
    /// `POST /containers/create` has not come back yet.
    creating: bool,
}

static REGISTRY: Mutex<Vec<Registered>> = Mutex::new(Vec::new());
static TERMINATING: AtomicBool = AtomicBool::new(false);
static SEQ: AtomicUsize = AtomicUsize::new(0);

fn registry() -> std::sync::MutexGuard<'static, Vec<Registered>> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// Identifies this process for [`sweep`]: pid, its start time, boot id,
/// hostname; read once.
fn me() -> &'static BTreeMap<String, String> {
    static ME: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    ME.get_or_init(labels)
}

fn labels() -> BTreeMap<String, String> {
    let pid = std::process::id();
    let mut labels = BTreeMap::from([(LABEL.to_owned(), "1".to_owned())]);
    labels.insert(LABEL_PID.into(), pid.to_string());
    if let Some(t) = start_time(pid) {
        labels.insert(LABEL_START.into(), t.to_string());
    }
    if let Some(b) = boot_id() {
        labels.insert(LABEL_BOOT.into(), b);
    }
    if let Ok(h) = nix::unistd::gethostname() {
        labels.insert(LABEL_HOST.into(), h.to_string_lossy().into_owned());
    }
    labels
}

fn start_time(pid: u32) -> Option<u64> {
    use procfs_core::FromRead;
    let f = std::fs::File::open(format!("/proc/{pid}/stat")).ok()?;
    procfs_core::process::Stat::from_read(f)
        .ok()
        .map(|s| s.starttime)
}

fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_owned())
}

/// Installs the SIGINT/SIGTERM handler once: on a signal, wait briefly for
/// creates in flight, remove every registered container, exit 128+signal.
pub fn install_signal_cleanup() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                TERMINATING.store(true, Ordering::SeqCst);
                remove_all_registered();
                std::process::exit(128 + sig);
            }
        });
    });
}

/// Called when the probes are done: if a signal is being handled, the
/// handler exits the process; its half-finished results must not be printed.
pub fn wait_if_terminating() {
    while TERMINATING.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn remove_all_registered() {
    // A create in flight would leave a container the daemon finishes later;
    // the create itself is bounded by the run's deadline.
    let until = registry().iter().map(|r| r.until).max();
    let Some(until) = until else { return };
    while registry().iter().any(|r| r.creating) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    let targets: Vec<(Endpoint, String, Instant)> = registry()
        .iter()
        .map(|r| (r.endpoint.clone(), r.name.clone(), r.until))
        .collect();
    if targets.is_empty() {
        return;
    }
    let Ok(rt) = super::client::runtime() else {
        return;
    };
    // One container per --image: removing them one after the other is quick.
    rt.block_on(async {
        for (ep, name, until) in targets {
            let c = removal_client(ep, until);
            let _ = remove(&c, &name).await;
        }
    });
}

/// Removal may run past the probe's deadline, by the clean-up grace at most.
fn removal_client(ep: Endpoint, until: Instant) -> Client {
    let budget = until.saturating_duration_since(Instant::now());
    Client::until(ep, until, budget)
}

/// `DELETE /containers/{name}?force=1&v=1` (anonymous volumes of the image's
/// `VOLUME`s too); returns once the container is gone.
pub async fn remove(client: &Client, name: &str) -> Result<(), ClientError> {
    let r = client
        .request(
            Method::DELETE,
            &format!("/containers/{name}?force=1&v=1"),
            None,
            64 << 10,
        )
        .await?;
    if r.status == StatusCode::NOT_FOUND {
        return Ok(());
    }
    // Another thread (the signal handler, or the guard it raced) is removing
    // it: the daemon answers 409 at once and still lists the container until
    // that removal ends, so returning now would let the process exit first.
    if r.status == StatusCode::CONFLICT
        && String::from_utf8_lossy(&r.body).contains("already in progress")
    {
        return wait_gone(client, name).await;
    }
    r.success(&format!("DELETE /containers/{name}")).map(|_| ())
}

/// Polls `GET /containers/{name}/json` until 404, within the client's deadline.
async fn wait_gone(client: &Client, name: &str) -> Result<(), ClientError> {
    loop {
        let r = client
            .request(
                Method::GET,
                &format!("/containers/{name}/json"),
                None,
                1 << 20,
            )
            .await?;
        if r.status == StatusCode::NOT_FOUND {
            return Ok(());
        }
        r.success(&format!("GET /containers/{name}/json"))?;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A created, never started container; removed when dropped.
pub struct ScratchContainer<'a> {
    rt: &'a Runtime,
    endpoint: Endpoint,
    until: Instant,
    pub name: String,
    pub id: String,
}

impl<'a> ScratchContainer<'a> {
    /// `POST /containers/create` from `image` (an id), with the probe labels.
    pub fn create(
        rt: &'a Runtime,
        client: &Client,
        image: &str,
    ) -> Result<ScratchContainer<'a>, ClientError> {
        let name = format!(
            "sdctr-doctor-probe-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        let until = client.deadline() + super::CLEANUP_GRACE;
        {
            let mut reg = registry();
            if TERMINATING.load(Ordering::SeqCst) {
                return Err(ClientError::new(
                    ErrorKind::Connect,
                    "interrupted before the probe container was created",
                ));
            }
            reg.push(Registered {
                endpoint: client.endpoint().clone(),
                name: name.clone(),
                until,
                creating: true,
            });
        }
        // From here on the guard removes the container by name, whatever happens.
        let mut guard = ScratchContainer {
            rt,
            endpoint: client.endpoint().clone(),
            until,
            name,
            id: String::new(),
        };
        let body = serde_json::json!({
            "Image": image,
            "Entrypoint": [NEVER_RUN],
            "Cmd": [],
            "Labels": me(),
            "NetworkDisabled": true,
            "HostConfig": { "NetworkMode": "none" },
        });
        // The request may outlive the deadline by LATE_CREATE, so that the
        // guard's DELETE by name comes after the daemon's create.
        let late = client.deadline() + LATE_CREATE;
        let mut patient = Client::until(client.endpoint().clone(), late, client.budget());
        patient.set_api_version(client.api_version());
        let path = format!("/containers/create?name={}", guard.name);
        let create = patient.request(
            Method::POST,
            &path,
            Some(Bytes::from(body.to_string())),
            1 << 20,
        );
        let marker = mark_pending(&guard.name);
        let (created, answered) = rt.block_on(async {
            tokio::pin!(create);
            let cut = tokio::time::Instant::from_std(client.deadline());
            let no_answer =
                |r: &Result<_, ClientError>| matches!(r, Err(e) if e.kind == ErrorKind::Timeout);
            match tokio::time::timeout_at(cut, &mut create).await {
                Ok(r) => {
                    let answered = !no_answer(&r);
                    (r, answered)
                }
                Err(_) => {
                    let late = create.await;
                    let e = ClientError::new(
                        ErrorKind::Timeout,
                        format!(
                            "POST /containers/create: no answer within {:.1} s",
                            client.budget().as_secs_f64()
                        ),
                    );
                    (Err(e), !no_answer(&late))
                }
            }
        });
        if let Some(r) = registry().iter_mut().find(|r| r.name == guard.name) {
            r.creating = false;
        }
        // Without an answer the daemon may still create it: the marker stays
        // for the next run's sweep.
        if let (Some(m), true) = (marker, answered) {
            let _ = std::fs::remove_file(m);
        }
        #[derive(Deserialize)]
        struct Created {
            #[serde(rename = "Id")]
            id: String,
        }
        let created: Created = created?
            .success("POST /containers/create")?
            .json("POST /containers/create")?;
        guard.id = created.id;
        Ok(guard)
    }
}

impl Drop for ScratchContainer<'_> {
    fn drop(&mut self) {
        let c = removal_client(self.endpoint.clone(), self.until);
        if let Err(e) = self.rt.block_on(remove(&c, &self.name)) {
            eprintln!(
                "sdctr-doctor: warning: could not remove probe container {}: {e} (remove it with: docker rm -f {})",
                self.name, self.name
            );
        }
        registry().retain(|r| r.name != self.name);
    }
}

#[derive(Debug, Deserialize)]
struct Summary {
    #[serde(rename = "Names", default)]
    names: Vec<String>,
    #[serde(rename = "State", default)]
    state: String,
    #[serde(rename = "Labels", default)]
    labels: BTreeMap<String, String>,
}

/// Creates in flight, an empty file each, `NAME@START-TIME`: the daemon
/// finishes a create after its client died, so a run killed during one
/// leaves the name here for the next run to wait for.
fn pending_dir() -> PathBuf {
    std::env::temp_dir().join("sdctr-doctor-creating")
}

/// How long after a create began the next run waits for its container.
const PENDING_WAIT: Duration = Duration::from_secs(2);

fn mark_pending(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = pending_dir();
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir);
    let start = me().get(LABEL_START)?;
    let path = dir.join(format!("{name}@{start}"));
    std::fs::File::create(&path).ok().map(|_| path)
}

/// The containers of dead runs' pending creates: each is waited for while
/// its create may still land, then removed.
async fn sweep_pending(client: &Client) -> Vec<String> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(pending_dir()) else {
        return removed;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some((name, start)) = file.split_once('@') else {
            continue;
        };
        let Some(pid) = name
            .strip_prefix("sdctr-doctor-probe-")
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if start_time(pid).is_some_and(|t| t.to_string() == start) {
            continue;
        }
        let began = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
        // The marker goes only once its container is settled (removed, or
        // never created); a run out of time leaves it to the next one.
        let settled = loop {
            let path = format!("/containers/{name}/json");
            let Ok(r) = client.request(Method::GET, &path, None, 1 << 20).await else {
                break false;
            };
            if r.status.is_success() {
                let gone = remove(client, name).await.is_ok();
                if gone {
                    removed.push(name.to_owned());
                }
                break gone;
            }
            let waited = began.elapsed().unwrap_or(Duration::MAX);
            if r.status != StatusCode::NOT_FOUND {
                break false;
            }
            if waited > PENDING_WAIT {
                break true;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        if settled {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    removed
}

/// Removes never-started probe containers left by dead doctor runs of this
/// machine (same boot and hostname; the creator pid gone or reused), those
/// whose create was still in flight too. Returns their names.
pub async fn sweep(client: &Client) -> Result<Vec<String>, ClientError> {
    let mut removed = sweep_pending(client).await;
    let filter = format!(r#"{{"label":["{LABEL}=1"]}}"#);
    let list = client
        .request(
            Method::GET,
            &format!(
                "/containers/json?all=1&filters={}",
                super::archive::query_escape(&filter)
            ),
            None,
            16 << 20,
        )
        .await?
        .success("GET /containers/json")?;
    let list: Vec<Summary> = list.json("GET /containers/json")?;
    let mine = me();
    for c in list {
        let same_machine = [LABEL_BOOT, LABEL_HOST]
            .iter()
            .all(|k| c.labels.contains_key(*k) && c.labels.get(*k) == mine.get(*k));
        if c.state != "created" || !same_machine {
            continue;
        }
        let Some(pid) = c.labels.get(LABEL_PID).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let alive =
            start_time(pid).is_some_and(|t| c.labels.get(LABEL_START) == Some(&t.to_string()));
        if alive {
            continue;
        }
        let Some(name) = c
            .names
            .first()
            .map(|n| n.trim_start_matches('/').to_owned())
        else {
            continue;
        };
        if remove(client, &name).await.is_ok() {
            removed.push(name);
        }
    }
    Ok(removed)
}

/// [`sweep`], once per run: the first probe to ask does it (the daemon
/// probe, in every mode that asks the daemon), the others do not wait.
pub(crate) async fn sweep_once(client: &Client) -> Vec<String> {
    static SWEPT: AtomicBool = AtomicBool::new(false);
    if SWEPT.swap(true, Ordering::SeqCst) {
        return vec![];
    }
    // Clean-up's grace, as for the run's own probe containers: a run with a
    // very short --timeout still removes what killed runs left.
    let until = client.deadline().max(Instant::now()) + super::CLEANUP_GRACE;
    // A clone: over ssh it shares the run's one connection.
    sweep(&client.until_with(until)).await.unwrap_or_default()
}
