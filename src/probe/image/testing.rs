//! Synthetic images for tests: in-memory tars, minimal ELF files, a reader
//! that serves gigabytes of zeros without holding them, and one that resolves
//! links inside the root the way the archive API's daemon does.

use std::cell::Cell;
use std::collections::VecDeque;
use std::io::{Read, Seek, SeekFrom};
use std::rc::Rc;

use super::files::{components, join};
use super::{FileKind, ImageFiles, ReadError, Stat, TarFiles};

/// Builds a tar in memory, entry by entry, as `tar` would lay it out.
#[derive(Default)]
pub(super) struct TarBuilder {
    parts: Vec<Part>,
}

#[derive(Clone)]
enum Part {
    Bytes(Vec<u8>),
    Zeros(u64),
}

fn header(path: &str, kind: tar::EntryType, size: u64, mode: u32, link: Option<&str>) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_path(path).expect("test path");
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(1_700_000_000);
    if let Some(l) = link {
        h.set_link_name(l).expect("test link");
    }
    h.set_cksum();
    h.as_bytes().to_vec()
}

fn padding(size: u64) -> u64 {
    (512 - size % 512) % 512
}

impl TarBuilder {
    pub(super) fn new() -> Self {
        Self::default()
    }

    pub(super) fn dir(mut self, path: &str) -> Self {
        self.parts.push(Part::Bytes(header(
            path,
            tar::EntryType::Directory,
            0,
            0o755,
            None,
        )));
        self
    }

    pub(super) fn file(self, path: &str, data: &[u8]) -> Self {
        self.file_mode(path, data, 0o644)
    }

    pub(super) fn exe(self, path: &str, data: &[u8]) -> Self {
        self.file_mode(path, data, 0o755)
    }

    fn file_mode(mut self, path: &str, data: &[u8], mode: u32) -> Self {
        let mut b = header(path, tar::EntryType::Regular, data.len() as u64, mode, None);
        b.extend_from_slice(data);
        b.resize(b.len() + padding(data.len() as u64) as usize, 0);
        self.parts.push(Part::Bytes(b));
        self
    }

    /// A regular file of `size` zero bytes that is never materialised.
    pub(super) fn huge(mut self, path: &str, size: u64) -> Self {
        self.parts.push(Part::Bytes(header(
            path,
            tar::EntryType::Regular,
            size,
            0o755,
            None,
        )));
        self.parts.push(Part::Zeros(size + padding(size)));
        self
    }

    pub(super) fn symlink(mut self, path: &str, target: &str) -> Self {
        self.parts.push(Part::Bytes(header(
            path,
            tar::EntryType::Symlink,
            0,
            0o777,
            Some(target),
        )));
        self
    }

    pub(super) fn hardlink(mut self, path: &str, target: &str) -> Self {
        self.parts.push(Part::Bytes(header(
            path,
            tar::EntryType::Link,
            0,
            0o755,
            Some(target),
        )));
        self
    }

    pub(super) fn reader(mut self) -> SpanReader {
        self.parts.push(Part::Bytes(vec![0; 1024]));
        SpanReader::new(self.parts)
    }

    pub(super) fn files(self) -> TarFiles<SpanReader> {
        TarFiles::new(self.reader()).expect("synthetic tar indexes")
    }
}

/// Read + Seek over byte parts and zero spans; counts the bytes it served.
pub(super) struct SpanReader {
    parts: Vec<(u64, Part)>,
    len: u64,
    pos: u64,
    pub served: Rc<Cell<u64>>,
}

impl SpanReader {
    fn new(parts: Vec<Part>) -> Self {
        let mut at = 0;
        let parts = parts
            .into_iter()
            .map(|p| {
                let start = at;
                at += match &p {
                    Part::Bytes(b) => b.len() as u64,
                    Part::Zeros(n) => *n,
                };
                (start, p)
            })
            .collect();
        SpanReader {
            parts,
            len: at,
            pos: 0,
            served: Rc::default(),
        }
    }
}

impl Read for SpanReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some((start, part)) = self
            .parts
            .iter()
            .rev()
            .find(|(start, _)| *start <= self.pos)
        else {
            return Ok(0);
        };
        let off = self.pos - start;
        let n = match part {
            Part::Bytes(b) => {
                let avail = b.len().saturating_sub(off as usize);
                let n = avail.min(buf.len());
                buf[..n].copy_from_slice(&b[off as usize..off as usize + n]);
                n
            }
            Part::Zeros(z) => {
                let n = (z - off).min(buf.len() as u64) as usize;
                buf[..n].fill(0);
                n
            }
        };
        self.pos += n as u64;
        self.served.set(self.served.get() + n as u64);
        Ok(n)
    }
}

impl Seek for SpanReader {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::End(d) => self.len as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if pos < 0 {
            return Err(std::io::Error::other("seek before start"));
        }
        self.pos = (pos as u64).min(self.len);
        Ok(self.pos)
    }
}

/// A minimal x86-64 ELF: one PT_LOAD at 0x400000 and, with `needed`, a
/// PT_DYNAMIC with those DT_NEEDED names; `tail` is appended (a banner).
pub(super) fn elf(needed: Option<&[&str]>, tail: &[u8]) -> Vec<u8> {
    const BASE: u64 = 0x40_0000;
    let phnum: u16 = if needed.is_some() { 2 } else { 1 };
    let strtab_off = 64 + 56 * phnum as u64;
    let mut strtab = vec![0u8];
    let mut offsets = Vec::new();
    for n in needed.unwrap_or_default() {
        offsets.push(strtab.len() as u64);
        strtab.extend_from_slice(n.as_bytes());
        strtab.push(0);
    }
    let dyn_off = (strtab_off + strtab.len() as u64).next_multiple_of(8);
    let mut dynamic = Vec::new();
    let mut dyn_entry = |tag: i64, val: u64| {
        dynamic.extend_from_slice(&tag.to_le_bytes());
        dynamic.extend_from_slice(&val.to_le_bytes());
    };
    for o in &offsets {
        dyn_entry(1, *o); // DT_NEEDED
    }
    dyn_entry(5, BASE + strtab_off); // DT_STRTAB
    dyn_entry(10, strtab.len() as u64); // DT_STRSZ
    dyn_entry(0, 0); // DT_NULL
    let total = dyn_off + dynamic.len() as u64 + tail.len() as u64;

    let mut f = Vec::new();
    f.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    f.extend_from_slice(&3u16.to_le_bytes()); // ET_DYN
    f.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&BASE.to_le_bytes()); // e_entry
    f.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    f.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    f.extend_from_slice(&0u32.to_le_bytes());
    for v in [64u16, 56, phnum, 64, 0, 0] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    let mut phdr = |ty: u32, flags: u32, off: u64, vaddr: u64, size: u64| {
        f.extend_from_slice(&ty.to_le_bytes());
        f.extend_from_slice(&flags.to_le_bytes());
        for v in [off, vaddr, vaddr, size, size, 8] {
            f.extend_from_slice(&v.to_le_bytes());
        }
    };
    phdr(1, 5, 0, BASE, total); // PT_LOAD
    if needed.is_some() {
        phdr(2, 6, dyn_off, BASE + dyn_off, dynamic.len() as u64); // PT_DYNAMIC
    }
    f.extend_from_slice(&strtab);
    f.resize(dyn_off as usize, 0);
    if needed.is_some() {
        f.extend_from_slice(&dynamic);
    }
    f.extend_from_slice(tail);
    f
}

/// What the archive API's daemon does over `inner`: parents resolved inside
/// the root (moby `FollowSymlinkInScope`: a missing component is kept
/// lexically, `..` stops at the root, at most 255 links), the last component
/// lstat-ed, and a link's `link_end` the end of its chain. A loop makes the
/// daemon answer 500; the archive reader then gives the verbatim link
/// (`link_end` None), which is what this gives.
pub(super) struct InRoot<T>(pub T);

impl<T: ImageFiles> InRoot<T> {
    /// `None` for a loop.
    fn in_scope(&self, path: &str) -> Option<String> {
        let mut todo: VecDeque<String> = components(path).map(str::to_owned).collect();
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(c) = todo.pop_front() {
            if c == ".." {
                done.pop();
                continue;
            }
            done.push(c);
            if let Ok(Some(st)) = self.0.stat(&join(&done)) {
                if st.kind == FileKind::Symlink {
                    links += 1;
                    if links > 255 {
                        return None;
                    }
                    let target = st.link_target.unwrap_or_default();
                    done.pop();
                    if target.starts_with('/') {
                        done.clear();
                    }
                    for t in components(&target).collect::<Vec<_>>().into_iter().rev() {
                        todo.push_front(t.to_owned());
                    }
                }
            }
        }
        Some(join(&done))
    }
}

impl<T: ImageFiles> ImageFiles for InRoot<T> {
    fn stat(&self, path: &str) -> Result<Option<Stat>, ReadError> {
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        let Some(parent) = self.in_scope(parent) else {
            return Err(ReadError::broken(path, "500: too many links"));
        };
        let full = format!("{}/{name}", parent.trim_end_matches('/'));
        let Some(mut st) = self.0.stat(&full)? else {
            return Ok(None);
        };
        if st.kind == FileKind::Symlink {
            st.link_end = self.in_scope(&full);
            if st.link_end.is_some() {
                st.link_target = None;
            }
        }
        Ok(Some(st))
    }

    fn read(&self, path: &str, cap: usize) -> Result<Vec<u8>, ReadError> {
        self.0.read(path, cap)
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError> {
        self.0.list(dir)
    }

    fn resolves_in_root(&self) -> bool {
        true
    }
}
