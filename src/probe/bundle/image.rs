//! An image in a bundle: its inspect answer and every file call the image
//! probe made (stat, read with its cap, list) with the answer it got, so a
//! replay runs the same analysis over the same answers.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{Bundle, Recorder};
use crate::facts::ImageFacts;
use crate::probe::image::{analyze, ImageFiles, ImageInspect, ReadError, Stat};

/// How one image probe ended, beside its raw answers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct ImageMeta {
    pub reference: String,
    /// The inspect answer and the files are recorded: replay analyses them.
    pub analyzed: bool,
    pub present: bool,
    pub error: Option<String>,
    pub read_via: Option<String>,
    pub notes: Vec<String>,
}

/// Every file call and its answer; read bytes live in `files/<path>`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct FileLog {
    stats: BTreeMap<String, Result<Option<Stat>, ReadError>>,
    lists: BTreeMap<String, Result<Vec<String>, ReadError>>,
    /// path → cap → how many bytes came back (or the error).
    reads: BTreeMap<String, BTreeMap<usize, Result<usize, ReadError>>>,
    resolves_in_root: bool,
    #[serde(skip)]
    bytes: BTreeMap<String, Vec<u8>>,
}

/// Where one image's answers go while it is probed.
#[derive(Debug)]
pub(crate) struct ImageRecord {
    rec: Recorder,
    prefix: String,
    log: Mutex<FileLog>,
}

impl ImageRecord {
    pub(crate) fn new(rec: Recorder, index: usize) -> ImageRecord {
        ImageRecord {
            rec,
            prefix: format!("images/{index}/"),
            log: Mutex::default(),
        }
    }

    pub(crate) fn inspect(&self, body: &[u8]) {
        self.rec
            .put(&format!("{}inspect.json", self.prefix), body.to_vec());
    }

    /// The files as the probe reads them, each call noted.
    pub(crate) fn files<'a>(&'a self, inner: &'a dyn ImageFiles) -> Recording<'a> {
        Recording { inner, rec: self }
    }

    /// Stores the outcome and the file log; `notes` are those added after
    /// the analysis (the analysis' own come again in the replay).
    pub(crate) fn finish(&self, f: &ImageFacts, analyzed: bool, notes: &[String]) {
        let meta = ImageMeta {
            reference: f.reference.clone(),
            analyzed,
            present: f.present,
            error: f.error.clone(),
            read_via: f.read_via.clone(),
            notes: notes.to_vec(),
        };
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        for (path, bytes) in &log.bytes {
            self.rec.put(
                &format!("{}files/{}", self.prefix, path.trim_start_matches('/')),
                bytes.clone(),
            );
        }
        self.rec
            .put_json(&format!("{}files.json", self.prefix), &*log);
        self.rec
            .put_json(&format!("{}meta.json", self.prefix), &meta);
    }
}

pub(crate) struct Recording<'a> {
    inner: &'a dyn ImageFiles,
    rec: &'a ImageRecord,
}

impl Recording<'_> {
    fn log(&self) -> std::sync::MutexGuard<'_, FileLog> {
        self.rec.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ImageFiles for Recording<'_> {
    fn stat(&self, path: &str) -> Result<Option<Stat>, ReadError> {
        let r = self.inner.stat(path);
        self.log().stats.insert(path.to_owned(), r.clone());
        r
    }

    fn read(&self, path: &str, cap: usize) -> Result<Vec<u8>, ReadError> {
        let r = self.inner.read(path, cap);
        let mut log = self.log();
        log.reads
            .entry(path.to_owned())
            .or_default()
            .insert(cap, r.as_ref().map(Vec::len).map_err(Clone::clone));
        if let Ok(bytes) = &r {
            let kept = log.bytes.entry(path.to_owned()).or_default();
            if bytes.len() > kept.len() {
                *kept = bytes.clone();
            }
        }
        r
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError> {
        let r = self.inner.list(dir);
        self.log().lists.insert(dir.to_owned(), r.clone());
        r
    }

    fn resolves_in_root(&self) -> bool {
        let r = self.inner.resolves_in_root();
        self.log().resolves_in_root |= r;
        r
    }
}

/// The recorded answers as an image reader; a call not recorded is a broken read.
struct Replay<'a> {
    log: FileLog,
    bundle: &'a Bundle,
    prefix: String,
}

fn not_recorded(path: &str) -> ReadError {
    ReadError::broken(path, "not recorded in the bundle")
}

impl ImageFiles for Replay<'_> {
    fn stat(&self, path: &str) -> Result<Option<Stat>, ReadError> {
        self.log
            .stats
            .get(path)
            .cloned()
            .unwrap_or_else(|| Err(not_recorded(path)))
    }

    fn read(&self, path: &str, cap: usize) -> Result<Vec<u8>, ReadError> {
        let n = match self.log.reads.get(path).and_then(|r| r.get(&cap)) {
            Some(Ok(n)) => *n,
            Some(Err(e)) => return Err(e.clone()),
            None => return Err(not_recorded(path)),
        };
        let name = format!("{}files/{}", self.prefix, path.trim_start_matches('/'));
        match self.bundle.get(&name) {
            Some(b) if b.len() >= n => Ok(b[..n].to_vec()),
            _ => Err(not_recorded(path)),
        }
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError> {
        self.log
            .lists
            .get(dir)
            .cloned()
            .unwrap_or_else(|| Err(not_recorded(dir)))
    }

    fn resolves_in_root(&self) -> bool {
        self.log.resolves_in_root
    }
}

/// Every image of a bundle, in the order probed, through the same analysis.
pub(crate) fn replay_images(b: &Bundle) -> Result<Vec<ImageFacts>, String> {
    let mut out = Vec::new();
    for index in 0.. {
        let prefix = format!("images/{index}/");
        let Some(meta) = b.json::<ImageMeta>(&format!("{prefix}meta.json"))? else {
            break;
        };
        out.push(replay_image(b, &prefix, meta)?);
    }
    Ok(out)
}

fn replay_image(b: &Bundle, prefix: &str, meta: ImageMeta) -> Result<ImageFacts, String> {
    if !meta.analyzed {
        return Ok(ImageFacts::unavailable(
            &meta.reference,
            meta.present,
            meta.error,
        ));
    }
    let inspect = b
        .get(&format!("{prefix}inspect.json"))
        .ok_or_else(|| format!("bundle: no {prefix}inspect.json"))?;
    let inspect = ImageInspect::from_json(&String::from_utf8_lossy(inspect))
        .map_err(|e| format!("bundle: {prefix}inspect.json: {e}"))?;
    let log: FileLog = b
        .json(&format!("{prefix}files.json"))?
        .ok_or_else(|| format!("bundle: no {prefix}files.json"))?;
    let files = Replay {
        log,
        bundle: b,
        prefix: prefix.to_owned(),
    };
    let mut f = analyze(&meta.reference, &inspect, &files);
    f.read_via = meta.read_via;
    f.notes.extend(meta.notes);
    Ok(f)
}
