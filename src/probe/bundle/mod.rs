//! `capture --bundle FILE.tar.gz` and `--from FILE.tar.gz`: one gzip'd tar
//! of the raw answers the probes got (host files, the daemon's answers, image
//! inspects and files, the container's inspect and logs). A replay re-runs the
//! same probe code over these answers, never asking a daemon.
//!
//! Layout: `manifest.json`, `host/<path>`,
//! `docker/{_ping,probe,version,info,context,config}.json`,
//! `images/<n>/{meta,inspect,files}.json` and `images/<n>/files/<path>`,
//! `container/{inspect.json,meta.json,logs}`, `report.json`.

pub(crate) mod image;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::facts::docker::{DaemonConfig, DaemonProcess, DockerFacts, DockerProbe, ProbeOutcome};
use crate::facts::Facts;
use crate::probe::root::io_reason;
use crate::probe::root::HostRoot;

/// Bundle format version; a reader refuses others.
pub(crate) const FORMAT: u32 = 1;
/// The compressed file: a large host with a few images is a few MiB.
pub(crate) const MAX_FILE: u64 = 64 << 20;
/// All entries unpacked: a gzip bomb stops here.
pub(crate) const MAX_UNPACKED: u64 = 256 << 20;
/// One entry (an image file the probe read is capped lower than this).
pub(crate) const MAX_ENTRY: u64 = 16 << 20;
pub(crate) const MAX_ENTRIES: usize = 20_000;

/// Every byte that goes into a bundle passes here, once, by its path in the
/// bundle: the place for redaction. A replay reads what this returned, so
/// whatever it does keeps the replay identical to the capture's own report.
pub(crate) fn bundle_entry(path: &str, bytes: Vec<u8>) -> Vec<u8> {
    // PID 1's environment can hold secrets: keep only what the probe reads.
    super::capture::keep_probed(path.strip_prefix("host").unwrap_or(path), bytes)
}

/// What probes record while they run, shared across their threads.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<BTreeMap<String, Vec<u8>>>>);

impl Recorder {
    pub(crate) fn put(&self, path: &str, bytes: Vec<u8>) {
        let bytes = bundle_entry(path, bytes);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_owned(), bytes);
    }

    pub(crate) fn put_json(&self, path: &str, value: &impl Serialize) {
        self.put(
            path,
            serde_json::to_vec_pretty(value).expect("serializable"),
        );
    }

    pub(crate) fn into_bundle(self) -> Bundle {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Bundle { entries: map }
    }
}

/// A bundle in memory: entry path → bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bundle {
    entries: BTreeMap<String, Vec<u8>>,
}

impl Bundle {
    pub(crate) fn get(&self, path: &str) -> Option<&[u8]> {
        self.entries.get(path).map(Vec::as_slice)
    }

    pub(crate) fn json<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
    ) -> Result<Option<T>, String> {
        self.get(path)
            .map(|b| serde_json::from_slice(b).map_err(|e| format!("bundle: {path}: {e}")))
            .transpose()
    }

    pub(crate) fn add(&mut self, path: &str, bytes: Vec<u8>) {
        let bytes = bundle_entry(path, bytes);
        self.entries.insert(path.to_owned(), bytes);
    }

    /// Entries under `prefix` (`host/`), with the prefix taken off.
    pub(crate) fn under<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a [u8])> {
        self.entries
            .range(prefix.to_owned()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(move |(k, v)| (&k[prefix.len()..], v.as_slice()))
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Every entry through `f` (redaction before the bundle is written).
    pub(crate) fn map_entries(&mut self, mut f: impl FnMut(&str, Vec<u8>) -> Vec<u8>) {
        for (path, bytes) in self.entries.iter_mut() {
            *bytes = f(path, std::mem::take(bytes));
        }
    }

    /// The gzip'd tar: entries sorted, mtime 0, mode 0644, so the same
    /// answers make the same file.
    pub(crate) fn to_targz(&self) -> Result<Vec<u8>, String> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        tar.mode(tar::HeaderMode::Deterministic);
        for (path, bytes) in &self.entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(0);
            h.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut h, path, bytes.as_slice())
                .map_err(|e| format!("bundle: {path}: {}", io_reason(&e)))?;
        }
        let gz = tar.into_inner().map_err(|e| io_reason(&e))?;
        gz.finish().map_err(|e| io_reason(&e))
    }

    /// Reads a gzip'd tar someone sent: regular files only, plain relative
    /// paths, bounded in count and size. Anything else is one line of error.
    pub(crate) fn from_targz(bytes: &[u8]) -> Result<Bundle, String> {
        let gz = flate2::read::GzDecoder::new(bytes);
        let mut archive = tar::Archive::new(gz.take(MAX_UNPACKED + 1));
        let mut entries = BTreeMap::new();
        let mut total = 0u64;
        let reason = |e: std::io::Error| {
            format!("not a sdctr-doctor bundle (gzip'd tar): {}", io_reason(&e))
        };
        for entry in archive.entries().map_err(reason)? {
            let mut entry = entry.map_err(reason)?;
            let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let kind = entry.header().entry_type();
            if kind.is_dir() {
                continue;
            }
            if !(kind.is_file()) {
                return Err(format!(
                    "bundle: {path}: not a regular file (links are refused)"
                ));
            }
            let clean = plain_path(&path)
                .ok_or_else(|| format!("bundle: {path}: not a plain relative path, refused"))?;
            let size = entry.header().size().map_err(reason)?;
            if size > MAX_ENTRY {
                return Err(format!(
                    "bundle: {path}: larger than {} MiB, refused",
                    MAX_ENTRY >> 20
                ));
            }
            if entries.len() >= MAX_ENTRIES {
                return Err(format!("bundle: more than {MAX_ENTRIES} entries, refused"));
            }
            let mut data = Vec::with_capacity(size as usize);
            (&mut entry)
                .take(MAX_ENTRY + 1)
                .read_to_end(&mut data)
                .map_err(reason)?;
            total += data.len() as u64;
            if total > MAX_UNPACKED {
                return Err(format!(
                    "bundle: unpacks to more than {} MiB, refused",
                    MAX_UNPACKED >> 20
                ));
            }
            if entries.insert(clean.clone(), data).is_some() {
                return Err(format!("bundle: {clean}: twice in the archive, refused"));
            }
        }
        let b = Bundle { entries };
        let m: Manifest = b
            .json("manifest.json")?
            .ok_or("not a sdctr-doctor bundle: no manifest.json")?;
        if m.format != FORMAT {
            return Err(format!(
                "bundle format {} is not the format {FORMAT} this sdctr-doctor {} reads",
                m.format,
                env!("CARGO_PKG_VERSION")
            ));
        }
        Ok(b)
    }

    /// Writes the host files below `dest` (a new private directory), so the
    /// host probes read them through a `--root`.
    pub(crate) fn unpack_host(&self, dest: &Path) -> Result<(), String> {
        for (rel, bytes) in self.under("host/") {
            super::capture::write_inside(dest, rel, bytes)
                .map_err(|e| format!("bundle: host/{rel}: {e}"))?;
        }
        // Older bundles have no listings: the files alone, as before.
        let listings: Vec<super::capture::Listing> =
            self.json("host-listings.json")?.unwrap_or_default();
        for l in &listings {
            super::capture::recreate(dest, l)
                .map_err(|e| format!("bundle: host-listings.json: {e}"))?;
        }
        Ok(())
    }
}

/// `a/b/c` without `.`, `..`, empty parts or a leading `/`; else `None`.
fn plain_path(path: &str) -> Option<String> {
    let path = path.strip_prefix("./").unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    if path.is_empty()
        || path.contains('\0')
        || parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return None;
    }
    Some(parts.join("/"))
}

/// What a bundle says about itself and what was asked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: u32,
    /// The sdctr-doctor version that wrote it.
    pub doctor: String,
    /// `host`, `lint` or `container`.
    pub command: String,
    /// `lint`'s run line.
    #[serde(default)]
    pub run_line: Vec<String>,
    /// `container`'s name or id.
    #[serde(default)]
    pub container: Option<String>,
    /// `--image`, in order.
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub only: Vec<String>,
    #[serde(default)]
    pub skip: Vec<String>,
    /// The host directory read (`/` for the live host).
    pub root: String,
    /// Host paths that were present but could not be read.
    #[serde(default)]
    pub unreadable: Vec<String>,
}

/// Where the daemon was and how it was asked (the rest of its facts come
/// from `/version` and `/info`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct DockerContext {
    pub endpoint: String,
    pub local: bool,
    pub negotiated_api_version: Option<String>,
    pub daemon_process: Option<DaemonProcess>,
}

/// What a docker probe recorded: `docker/probe.json` always; the answers
/// when it reached the daemon.
pub(crate) fn record_docker(
    rec: &Recorder,
    version: &[u8],
    info: &[u8],
    ctx: &DockerContext,
    config: Option<&DaemonConfig>,
) {
    rec.put("docker/version.json", version.to_vec());
    rec.put("docker/info.json", info.to_vec());
    rec.put_json("docker/context.json", ctx);
    if let Some(c) = config {
        rec.put_json("docker/config.json", c);
    }
}

/// The daemon's facts again, from the recorded answers through the same
/// code the live probe used.
pub(crate) fn replay_docker(b: &Bundle) -> Result<(Option<DockerFacts>, DockerProbe), String> {
    let probe: DockerProbe = b
        .json("docker/probe.json")?
        .ok_or("bundle: no docker/probe.json")?;
    if probe.outcome != ProbeOutcome::Ok {
        return Ok((None, probe));
    }
    let answer = |name: &str| {
        b.get(name)
            .ok_or_else(|| format!("bundle: no {name} although the daemon answered"))
    };
    let version = serde_json::from_slice(answer("docker/version.json")?)
        .map_err(|e| format!("bundle: docker/version.json: {e}"))?;
    let info = serde_json::from_slice(answer("docker/info.json")?)
        .map_err(|e| format!("bundle: docker/info.json: {e}"))?;
    let ctx: DockerContext = b
        .json("docker/context.json")?
        .ok_or("bundle: no docker/context.json")?;
    let mut facts = super::docker::engine::facts(
        version,
        info,
        super::docker::engine::Context {
            endpoint: ctx.endpoint,
            local: ctx.local,
            negotiated_api_version: ctx.negotiated_api_version,
            daemon_process: ctx.daemon_process,
        },
    );
    facts.config = b.json("docker/config.json")?;
    Ok((Some(facts), probe))
}

/// The facts again from a bundle: the host probes over its host files, the
/// daemon, image and container answers through the probes' own code.
pub(crate) fn replay_facts(b: &Bundle) -> Result<(Facts, Manifest), String> {
    let manifest: Manifest = b
        .json("manifest.json")?
        .ok_or("not a sdctr-doctor bundle: no manifest.json")?;
    let dir = TempDir::new()?;
    b.unpack_host(dir.path())?;
    let mut host = super::host::probe(&HostRoot::new(dir.path())?);
    // The unpacked directory is gone after this run: name what was read.
    host.root = format!("bundle (captured from {})", manifest.root);
    let (docker, docker_probe) = replay_docker(b)?;
    let facts = Facts {
        host,
        docker,
        docker_probe: Some(docker_probe),
        container: super::docker::container::replay(b)?,
        run: None,
        images: image::replay_images(b)?,
        dockerfile: None,
    };
    Ok((facts, manifest))
}

/// Reads a bundle file: bounded, a regular file.
pub fn read(path: &Path) -> Result<Bundle, String> {
    let bytes =
        super::bounded::bytes(path, MAX_FILE).map_err(|e| format!("{}: {e}", path.display()))?;
    Bundle::from_targz(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a bundle to a new file (an existing one is not overwritten).
pub fn write(path: &Path, b: &Bundle) -> Result<(), String> {
    use std::io::Write;
    let bytes = b.to_targz()?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("{}: {}", path.display(), io_reason(&e)))?;
    f.write_all(&bytes)
        .map_err(|e| format!("{}: {}", path.display(), io_reason(&e)))
}

/// A private directory removed when dropped: the replayed host's files.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> Result<TempDir, String> {
        use std::os::unix::fs::DirBuilderExt;
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "sdctr-doctor-bundle-{}-{n}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| format!("{}: {}", dir.display(), io_reason(&e)))?;
        Ok(TempDir(dir))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Vec<u8> {
        serde_json::to_vec(&Manifest {
            format: FORMAT,
            doctor: "0".into(),
            command: "host".into(),
            run_line: vec![],
            container: None,
            images: vec![],
            only: vec![],
            skip: vec![],
            root: "/".into(),
            unreadable: vec![],
        })
        .unwrap()
    }

    #[test]
    fn round_trip_is_deterministic() {
        let mut b = Bundle::default();
        b.add("manifest.json", manifest());
        b.add("host/proc/cmdline", b"quiet\n".to_vec());
        let one = b.to_targz().unwrap();
        assert_eq!(one, b.to_targz().unwrap());
        assert_eq!(Bundle::from_targz(&one).unwrap(), b);
    }

    fn raw_tar(name: &[u8], kind: tar::EntryType, link: Option<&str>) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        let m = manifest();
        let mut h = tar::Header::new_gnu();
        h.set_size(m.len() as u64);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, "manifest.json", m.as_slice())
            .unwrap();
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_entry_type(kind);
        h.set_size(0);
        if let Some(l) = link {
            h.set_link_name(l).unwrap();
        }
        h.set_cksum();
        tar.append(&h, std::io::empty()).unwrap();
        let tar = tar.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn hostile_entries_are_refused() {
        use tar::EntryType::*;
        for (name, kind, link, says) in [
            (
                &b"host/../../etc/passwd"[..],
                Regular,
                None,
                "not a plain relative path",
            ),
            (b"/etc/passwd", Regular, None, "not a plain relative path"),
            (
                b"host/proc/x",
                Symlink,
                Some("/etc/shadow"),
                "links are refused",
            ),
            (
                b"host/proc/y",
                Link,
                Some("manifest.json"),
                "links are refused",
            ),
            (b"host/dev/z", Char, None, "not a regular file"),
        ] {
            let e = Bundle::from_targz(&raw_tar(name, kind, link)).unwrap_err();
            assert!(e.contains(says), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
        let e = Bundle::from_targz(b"not gzip at all").unwrap_err();
        assert!(e.starts_with("not a sdctr-doctor bundle"), "{e}");
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_bound() {
        let mut b = Bundle::default();
        b.add("manifest.json", manifest());
        b.add("big", vec![0; (MAX_ENTRY + 1) as usize]);
        let e = Bundle::from_targz(&b.to_targz().unwrap()).unwrap_err();
        assert!(e.contains("larger than 16 MiB"), "{e}");
    }

    #[test]
    fn pid1_environ_keeps_only_container() {
        let out = bundle_entry(
            "host/proc/1/environ",
            b"A=secret\0container=docker\0".to_vec(),
        );
        assert_eq!(out, b"container=docker\0");
    }
}
