//! One `--image` against the daemon: `GET /images/{name}/json` for the
//! config, then the files, either straight from the daemon's layer
//! directories (root, local daemon, overlay-style driver) or through the
//! archive API of a created, never started container. Never pulls, never
//! starts anything. Bounded by the timeout; the container is removed on
//! every way out (see [`super::container`]).

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use tokio::runtime::Runtime;

use super::archive::{query_escape, ArchiveFiles};
use super::client::{Client, Endpoint, Peer};
use super::scratch_container::{self as container, ScratchContainer};
use super::JSON_CAP;
use crate::facts::dockerfile::DockerfileFacts;
use crate::facts::image::OsRelease;
use crate::facts::ImageFacts;
use crate::probe::bundle::image::ImageRecord;
use crate::probe::image::os::os_release;
use crate::probe::image::{analyze, analyze_but_os, ImageFiles, ImageInspect, LayerFiles};

/// How to read an image's files (`--image-reader`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reader {
    /// The layer directories where possible, else the archive API.
    #[default]
    Auto,
    Archive,
    Layers,
}

/// Storage drivers whose layers are plain directories stacked overlay-style.
const OVERLAY_DRIVERS: &[&str] = &["overlay2", "overlay", "fuse-overlayfs"];

/// The facts of `reference`; `endpoint` is where the daemon is (or why it
/// could not be found). Waits until `deadline` at most (`timeout` is what
/// errors name), plus [`super::CLEANUP_GRACE`] for removing a probe container.
pub fn probe(
    reference: &str,
    endpoint: Result<Endpoint, String>,
    (deadline, timeout): (Instant, Duration),
    reader: Reader,
) -> ImageFacts {
    probe_as(reference, endpoint, (deadline, timeout), reader, None, None)
}

/// [`probe`], keeping the raw answers in `rec` for a bundle.
pub(crate) fn probe_recorded(
    reference: &str,
    endpoint: Result<Endpoint, String>,
    bound: (Instant, Duration),
    reader: Reader,
    rec: Option<&ImageRecord>,
) -> ImageFacts {
    probe_as(reference, endpoint, bound, reader, None, rec)
}

/// [`probe`], with a Dockerfile's settings over the image's config: the
/// image that file would build, PID 1 resolved in the base's files.
pub(crate) fn probe_as(
    reference: &str,
    endpoint: Result<Endpoint, String>,
    (deadline, timeout): (Instant, Duration),
    reader: Reader,
    dockerfile: Option<&DockerfileFacts>,
    rec: Option<&ImageRecord>,
) -> ImageFacts {
    let (f, analyzed, notes) = probe_inner(
        reference,
        endpoint,
        (deadline, timeout),
        reader,
        dockerfile,
        rec,
    );
    if let Some(rec) = rec {
        rec.finish(&f, analyzed, &notes);
    }
    f
}

/// The facts; whether the files were analysed; the notes added after that.
fn probe_inner(
    reference: &str,
    endpoint: Result<Endpoint, String>,
    (deadline, timeout): (Instant, Duration),
    reader: Reader,
    dockerfile: Option<&DockerfileFacts>,
    rec: Option<&ImageRecord>,
) -> (ImageFacts, bool, Vec<String>) {
    let no = |f: ImageFacts| (f, false, Vec::new());
    let ep = match endpoint {
        Ok(ep) => ep,
        Err(why) => return no(ImageFacts::unavailable(reference, false, Some(why))),
    };
    let rt = match super::client::runtime() {
        Ok(rt) => rt,
        Err(e) => return no(ImageFacts::unavailable(reference, false, Some(e.message))),
    };
    let client = Client::until(ep, deadline, timeout);
    let path = format!("/images/{}/json", query_escape(reference));
    let resp = match rt.block_on(client.request(Method::GET, &path, None, JSON_CAP)) {
        Ok(r) => r,
        Err(e) => return no(ImageFacts::unavailable(reference, false, Some(e.message))),
    };
    if resp.status == StatusCode::NOT_FOUND {
        return no(ImageFacts::unavailable(reference, false, None));
    }
    let peer = resp.peer;
    if let Some(rec) = rec {
        rec.inspect(&resp.body);
    }
    let inspect = match resp
        .success(&format!("GET {path}"))
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .map_err(|e| e.message)
        .and_then(|text| ImageInspect::from_json(&text))
    {
        Ok(i) => i,
        Err(e) => return no(ImageFacts::unavailable(reference, true, Some(e))),
    };
    let mut inspect = inspect;
    if let Some(df) = dockerfile {
        let mut config = inspect.config();
        config.overlay(df);
        inspect.config = Some(config);
    }

    let direct = match reader {
        Reader::Archive => Err("--image-reader archive".to_owned()),
        _ => layer_files(&inspect, peer),
    };
    match (direct, reader) {
        (Ok(files), _) => {
            let mut f = match rec {
                Some(rec) => analyze(reference, &inspect, &rec.files(&files)),
                None => analyze(reference, &inspect, &files),
            };
            f.read_via = Some("layers".into());
            (f, true, Vec::new())
        }
        (Err(why), Reader::Layers) => no(ImageFacts::unavailable(
            reference,
            true,
            Some(format!("the layer directories cannot be read: {why}")),
        )),
        (Err(_), _) => through_archive(reference, &inspect, &rt, &client, rec),
    }
}

/// The image's layer directories as a stacked reader, when this process can
/// read them as the daemon sees them.
fn layer_files(inspect: &ImageInspect, peer: Option<Peer>) -> Result<LayerFiles, String> {
    let g = inspect
        .graph_driver
        .as_ref()
        .ok_or("the daemon did not say where the layers are (no GraphDriver)")?;
    if !OVERLAY_DRIVERS.contains(&g.name.as_str()) {
        return Err(format!("storage driver {} is not overlay-style", g.name));
    }
    if !nix::unistd::geteuid().is_root() {
        return Err("the layer directories are readable by root only".into());
    }
    // Same root as the daemon: its paths mean the same files here.
    let pid = peer
        .and_then(|p| p.pid)
        .ok_or("the daemon is not a local process visible here")?;
    let theirs = std::fs::metadata(format!("/proc/{pid}/root/"))
        .map_err(|e| format!("the daemon's root: {e}"))?;
    let ours = std::fs::metadata("/").map_err(|e| format!("/: {e}"))?;
    if (theirs.dev(), theirs.ino()) != (ours.dev(), ours.ino()) {
        return Err("the daemon has another root directory (doctor in a container?)".into());
    }
    let dirs: Vec<PathBuf> = g.layer_dirs().into_iter().map(PathBuf::from).collect();
    LayerFiles::new(&dirs)
}

fn through_archive(
    reference: &str,
    inspect: &ImageInspect,
    rt: &Runtime,
    client: &Client,
    rec: Option<&ImageRecord>,
) -> (ImageFacts, bool, Vec<String>) {
    container::install_signal_cleanup();
    // The daemon serves one container's archive requests one at a time:
    // os-release is read through a second probe container, on its own
    // thread, while PID 1 and systemd are read through the first.
    std::thread::scope(|s| {
        let (tx, os) = std::sync::mpsc::channel();
        s.spawn(move || os_release_on_own_container(client, &inspect.id, tx, rec));
        let mut notes = Vec::new();
        for name in rt.block_on(container::sweep_once(client)) {
            let note = format!(
                "removed the probe container {name} left by an sdctr-doctor run that is gone"
            );
            eprintln!("sdctr-doctor: {note}");
            notes.push(note);
        }
        let probe = match ScratchContainer::create(rt, client, &inspect.id) {
            Ok(c) => c,
            Err(e) => {
                let f = ImageFacts::unavailable(
                    reference,
                    true,
                    Some(format!("cannot create the probe container: {e}")),
                );
                return (f, false, Vec::new());
            }
        };
        let archive = ArchiveFiles::new(rt, client, &probe.id);
        let recording = rec.map(|r| r.files(&archive));
        let files: &dyn ImageFiles = match &recording {
            Some(r) => r,
            None => &archive,
        };
        let mut f = analyze_but_os(reference, inspect, files);
        f.os = match os.recv() {
            Ok(os) => os.into(),
            // Its container could not be made: read it here instead.
            Err(_) => os_release(files).into(),
        };
        drop(archive);
        drop(probe);
        f.read_via = Some("archive".into());
        f.notes.extend(notes.iter().cloned());
        (f, true, notes)
    })
}

/// os-release through a probe container of its own, created, read and
/// removed on this thread, bounded by the same deadline. The answer is sent
/// before the removal, which then overlaps the other container's; nothing is
/// sent when that container could not be made.
fn os_release_on_own_container(
    client: &Client,
    image: &str,
    answer: Sender<Result<Option<OsRelease>, String>>,
    rec: Option<&ImageRecord>,
) {
    let Ok(rt) = super::client::runtime() else {
        return;
    };
    let client = client.clone();
    let Ok(probe) = ScratchContainer::create(&rt, &client, image) else {
        return;
    };
    let files = ArchiveFiles::new(&rt, &client, &probe.id);
    let _ = answer.send(match rec {
        Some(r) => os_release(&r.files(&files)),
        None => os_release(&files),
    });
    drop(files);
    drop(probe);
}
