//! [`ImageFiles`] over a tar (a root tarball, `docker export`, or a test's
//! in-memory archive). One pass over the headers builds an index; file data is
//! skipped with `seek` and read later only up to the caller's cap.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Seek, SeekFrom};

use tar::EntryType;

use super::files::{components, join, FileKind, ImageFiles, ReadError, Stat, MAX_LIST};

#[derive(Debug, Clone)]
struct Entry {
    kind: FileKind,
    size: u64,
    mode: u32,
    link_target: Option<String>,
    /// Where the data starts in the archive (regular files).
    data_offset: u64,
    /// A hard link: the data is that entry's.
    hard_link: Option<String>,
    /// GNU sparse data is not laid out plainly: not read.
    sparse: bool,
}

pub struct TarFiles<R> {
    reader: RefCell<R>,
    entries: HashMap<String, Entry>,
    children: HashMap<String, BTreeSet<String>>,
}

/// `./usr/lib/` → `/usr/lib`.
fn normalise(name: &str) -> String {
    join(&components(name).collect::<Vec<_>>())
}

fn implied_dir() -> Entry {
    Entry {
        kind: FileKind::Dir,
        size: 0,
        mode: 0o755,
        link_target: None,
        data_offset: 0,
        hard_link: None,
        sparse: false,
    }
}

impl<R: Read + Seek> TarFiles<R> {
    pub fn new(reader: R) -> Result<Self, ReadError> {
        let broken = |e: std::io::Error| ReadError::broken("(tar)", e);
        let mut archive = tar::Archive::new(reader);
        let mut entries = HashMap::new();
        let mut children: HashMap<String, BTreeSet<String>> = HashMap::new();
        entries.insert("/".to_owned(), implied_dir());
        for entry in archive.entries_with_seek().map_err(broken)? {
            let entry = entry.map_err(broken)?;
            let path = normalise(&String::from_utf8_lossy(&entry.path_bytes()));
            let header = entry.header();
            let link = entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned());
            let (kind, hard_link, sparse) = match header.entry_type() {
                EntryType::Regular | EntryType::Continuous => (FileKind::File, None, false),
                EntryType::GNUSparse => (FileKind::File, None, true),
                EntryType::Directory => (FileKind::Dir, None, false),
                EntryType::Symlink => (FileKind::Symlink, None, false),
                EntryType::Link => (FileKind::File, link.as_deref().map(normalise), false),
                _ => (FileKind::Other, None, false),
            };
            let e = Entry {
                kind,
                size: entry.size(),
                mode: header.mode().unwrap_or(0) & 0o7777,
                link_target: if kind == FileKind::Symlink {
                    link
                } else {
                    None
                },
                data_offset: entry.raw_file_position(),
                hard_link,
                sparse,
            };
            // Parents a tar may leave implicit are directories.
            let parts: Vec<&str> = components(&path).collect();
            for i in 0..parts.len() {
                let parent = join(&parts[..i]);
                children
                    .entry(parent.clone())
                    .or_default()
                    .insert(parts[i].to_owned());
                if i > 0 {
                    entries.entry(parent).or_insert_with(implied_dir);
                }
            }
            entries.insert(path, e);
        }
        Ok(TarFiles {
            reader: RefCell::new(archive.into_inner()),
            entries,
            children,
        })
    }

    /// The entry holding the data of `path` (hard links followed once).
    fn data_entry(&self, path: &str) -> Option<&Entry> {
        let e = self.entries.get(path)?;
        match &e.hard_link {
            Some(target) => self.entries.get(target).filter(|t| t.hard_link.is_none()),
            None => Some(e),
        }
    }
}

impl<R: Read + Seek> ImageFiles for TarFiles<R> {
    fn stat(&self, path: &str) -> Result<Option<Stat>, ReadError> {
        let Some(e) = self.entries.get(path) else {
            return Ok(None);
        };
        let data = self.data_entry(path).unwrap_or(e);
        Ok(Some(Stat {
            kind: e.kind,
            size: data.size,
            mode: e.mode,
            link_target: e.link_target.clone(),
            link_end: None,
        }))
    }

    fn read(&self, path: &str, cap: usize) -> Result<Vec<u8>, ReadError> {
        let e = self
            .entries
            .get(path)
            .ok_or_else(|| ReadError::NotFound(path.to_owned()))?;
        if e.kind != FileKind::File {
            return Err(ReadError::NotAFile(path.to_owned()));
        }
        let data = self
            .data_entry(path)
            .ok_or_else(|| ReadError::broken(path, "hard link to a missing entry"))?;
        if data.sparse {
            return Err(ReadError::broken(
                path,
                "GNU sparse tar entries are not read",
            ));
        }
        let mut reader = self.reader.borrow_mut();
        reader
            .seek(SeekFrom::Start(data.data_offset))
            .map_err(|e| ReadError::broken(path, e))?;
        let want = data.size.min(cap as u64);
        let mut buf = Vec::with_capacity(want as usize);
        (&mut *reader)
            .take(want)
            .read_to_end(&mut buf)
            .map_err(|e| ReadError::broken(path, e))?;
        Ok(buf)
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError> {
        match self.entries.get(dir) {
            None => Err(ReadError::NotFound(dir.to_owned())),
            Some(e) if e.kind != FileKind::Dir => Err(ReadError::NotADir(dir.to_owned())),
            Some(_) => Ok(self
                .children
                .get(dir)
                .map(|c| c.iter().take(MAX_LIST).cloned().collect())
                .unwrap_or_default()),
        }
    }
}
