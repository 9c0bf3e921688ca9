//! [`ImageFiles`] over the image's layer directories as the daemon stores
//! them (overlay2, fuse-overlayfs: `UpperDir` + `LowerDir` of the image
//! inspect), stacked the way overlayfs merges them: the uppermost layer that
//! has a name wins, a non-directory hides everything below it, whiteouts
//! delete a lower name and opaque directories hide lower contents.
//!
//! Whiteouts come in two spellings: overlay's own (a 0/0 character device,
//! `trusted.overlay.opaque=y`) where the daemon extracts layers for kernel
//! overlayfs, and the OCI/AUFS files (`.wh.NAME`, `.wh..wh..opq`) that
//! fuse-overlayfs keeps (seen on this machine's daemon). Both are honoured.
//!
//! Read-only: nothing is ever created or changed there. No host symlink is
//! followed: every directory on the way is lstat-ed and must be a real
//! directory, files are opened with O_NOFOLLOW.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, Metadata};
use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::files::{components, FileKind, ImageFiles, ReadError, Stat, MAX_LIST};

const WHITEOUT: &str = ".wh.";
const OPAQUE: &str = ".wh..wh..opq";
/// The xattrs kernel overlayfs (`trusted.`, `user.` for userxattr) and
/// fuse-overlayfs use to mark a directory opaque.
const OPAQUE_XATTRS: &[&str] = &[
    "trusted.overlay.opaque",
    "user.overlay.opaque",
    "user.fuseoverlayfs.opaque",
];

pub struct LayerFiles {
    /// Uppermost first.
    layers: Vec<PathBuf>,
}

/// What a path is in the merged view.
enum Found {
    Absent,
    /// A directory, and the layers that contribute to it (uppermost first).
    Dir(Vec<usize>, Metadata),
    /// Anything else, from the layer that has it.
    Other(PathBuf, Metadata),
}

impl LayerFiles {
    /// `layers` uppermost first; each must be a real directory.
    pub fn new(layers: &[PathBuf]) -> Result<Self, String> {
        if layers.is_empty() {
            return Err("no layer directories".into());
        }
        for l in layers {
            match fs::symlink_metadata(l) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(format!("{}: not a directory", l.display())),
                Err(e) => return Err(format!("{}: {e}", l.display())),
            }
        }
        Ok(LayerFiles {
            layers: layers.to_vec(),
        })
    }

    fn host(&self, layer: usize, parts: &[&str]) -> PathBuf {
        let mut p = self.layers[layer].clone();
        p.extend(parts);
        p
    }

    /// The layers whose directory at `parts` show through, from `candidates`
    /// (each already known to hold a directory there): stop below an opaque one.
    fn through_opaque(&self, candidates: Vec<usize>, parts: &[&str]) -> Vec<usize> {
        let mut out = Vec::new();
        for l in candidates {
            out.push(l);
            if is_opaque(&self.host(l, parts)) {
                break;
            }
        }
        out
    }

    fn lookup(&self, path: &str) -> Result<Found, ReadError> {
        let parts: Vec<&str> = components(path).collect();
        let root_meta =
            fs::symlink_metadata(&self.layers[0]).map_err(|e| ReadError::broken(path, e))?;
        let mut dirs = self.through_opaque((0..self.layers.len()).collect(), &[]);
        let mut meta = root_meta;
        for (i, name) in parts.iter().enumerate() {
            if *name == ".." {
                return Err(ReadError::broken(
                    path,
                    "'..' in a path given to the reader",
                ));
            }
            // Whiteout markers are not files of the image.
            if name.starts_with(WHITEOUT) {
                return Ok(Found::Absent);
            }
            let here = &parts[..=i];
            let mut next = Vec::new();
            let mut other = None;
            for &l in &dirs {
                let host = self.host(l, here);
                match fs::symlink_metadata(&host) {
                    Ok(m) if is_whiteout_device(&m) => break,
                    Ok(m) if m.is_dir() => {
                        if next.is_empty() {
                            meta = m;
                        }
                        next.push(l);
                    }
                    Ok(m) => {
                        // A non-directory hides everything below it.
                        if next.is_empty() {
                            other = Some((host, m));
                        }
                        break;
                    }
                    Err(e) if e.kind() == ErrorKind::NotFound => {
                        let marker = self.host(l, &parts[..i]).join(format!("{WHITEOUT}{name}"));
                        if fs::symlink_metadata(marker).is_ok() {
                            break;
                        }
                    }
                    Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => break,
                    Err(e) => return Err(ReadError::broken(path, e)),
                }
            }
            let last = i + 1 == parts.len();
            if let Some((host, m)) = other {
                return if last {
                    Ok(Found::Other(host, m))
                } else {
                    Err(ReadError::NotADir(path.to_owned()))
                };
            }
            if next.is_empty() {
                return Ok(Found::Absent);
            }
            dirs = self.through_opaque(next, here);
        }
        Ok(Found::Dir(dirs, meta))
    }
}

/// overlayfs's whiteout: a character device 0/0.
fn is_whiteout_device(m: &Metadata) -> bool {
    m.file_type().is_char_device() && m.rdev() == 0
}

fn is_opaque(dir: &Path) -> bool {
    if fs::symlink_metadata(dir.join(OPAQUE)).is_ok() {
        return true;
    }
    OPAQUE_XATTRS
        .iter()
        .any(|x| matches!(xattr::get(dir, x), Ok(Some(v)) if v == b"y"))
}

impl ImageFiles for LayerFiles {
    fn stat(&self, path: &str) -> Result<Option<Stat>, ReadError> {
        match self.lookup(path)? {
            Found::Absent => Ok(None),
            Found::Dir(_, m) => Ok(Some(Stat {
                kind: FileKind::Dir,
                size: m.len(),
                mode: m.mode() & 0o7777,
                link_target: None,
                link_end: None,
            })),
            Found::Other(host, m) => Ok(Some(super::dir::stat_of(&host, &m))),
        }
    }

    fn read(&self, path: &str, cap: usize) -> Result<Vec<u8>, ReadError> {
        let (host, before) = match self.lookup(path)? {
            Found::Absent => return Err(ReadError::NotFound(path.to_owned())),
            Found::Other(host, m) if m.is_file() => (host, m),
            _ => return Err(ReadError::NotAFile(path.to_owned())),
        };
        super::dir::read_capped(&host, &before, path, cap)
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, ReadError> {
        let layers = match self.lookup(dir)? {
            Found::Absent => return Err(ReadError::NotFound(dir.to_owned())),
            Found::Other(..) => return Err(ReadError::NotADir(dir.to_owned())),
            Found::Dir(layers, _) => layers,
        };
        let parts: Vec<&str> = components(dir).collect();
        // name → visible (false: whited out by an upper layer).
        let mut names: BTreeMap<String, bool> = BTreeMap::new();
        for l in layers {
            let mut this_layer = BTreeSet::new();
            for entry in
                fs::read_dir(self.host(l, &parts)).map_err(|e| ReadError::broken(dir, e))?
            {
                let entry = entry.map_err(|e| ReadError::broken(dir, e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name == OPAQUE {
                    continue;
                }
                if let Some(hidden) = name.strip_prefix(WHITEOUT) {
                    this_layer.insert((hidden.to_owned(), false));
                    continue;
                }
                let whiteout = entry
                    .metadata()
                    .map(|m| is_whiteout_device(&m))
                    .unwrap_or(false);
                this_layer.insert((name, !whiteout));
            }
            for (name, visible) in this_layer {
                names.entry(name).or_insert(visible);
            }
            if names.len() > 4 * MAX_LIST {
                break;
            }
        }
        Ok(names
            .into_iter()
            .filter(|(_, visible)| *visible)
            .map(|(n, _)| n)
            .take(MAX_LIST)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::image::resolve::resolve;
    use std::os::unix::fs::symlink;

    fn write(p: &Path, body: &str) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }

    /// lower: /etc/issue, /etc/os-release, /usr/share/doc/{a,b}, /opt/x (dir), /bin -> usr/bin
    /// upper: deletes /etc/issue (.wh.), replaces /usr/share/doc opaquely with {c},
    ///        replaces the dir /opt/x with a file, changes /etc/os-release.
    fn stack(opaque_by_xattr: bool) -> (tempfile::TempDir, LayerFiles) {
        let tmp = tempfile::tempdir().unwrap();
        let (lower, upper) = (tmp.path().join("lower"), tmp.path().join("upper"));
        write(&lower.join("etc/issue"), "Debian");
        write(&lower.join("etc/os-release"), "ID=old");
        write(&lower.join("usr/share/doc/a"), "");
        write(&lower.join("usr/share/doc/b"), "");
        write(&lower.join("opt/x/inner"), "");
        fs::create_dir_all(lower.join("usr/bin")).unwrap();
        symlink("usr/bin", lower.join("bin")).unwrap();
        write(&upper.join("etc/.wh.issue"), "");
        write(&upper.join("etc/os-release"), "ID=new");
        write(&upper.join("usr/share/doc/c"), "");
        if opaque_by_xattr {
            xattr::set(upper.join("usr/share/doc"), "user.overlay.opaque", b"y").unwrap();
        } else {
            write(&upper.join("usr/share/doc/.wh..wh..opq"), "");
        }
        write(&upper.join("opt/x"), "now a file");
        let files = LayerFiles::new(&[upper, lower]).unwrap();
        (tmp, files)
    }

    #[test]
    fn upper_wins_whiteouts_and_opaque_dirs() {
        for by_xattr in [false, true] {
            let (_tmp, f) = stack(by_xattr);
            assert_eq!(f.stat("/etc/issue").unwrap(), None);
            assert_eq!(f.read("/etc/os-release", 100).unwrap(), b"ID=new");
            assert_eq!(f.list("/etc").unwrap(), ["os-release"]);
            assert_eq!(f.list("/usr/share/doc").unwrap(), ["c"], "xattr {by_xattr}");
            assert_eq!(f.stat("/usr/share/doc/a").unwrap(), None);
            assert_eq!(f.stat("/opt/x").unwrap().unwrap().kind, FileKind::File);
            assert_eq!(
                f.stat("/opt/x/inner"),
                Err(ReadError::NotADir("/opt/x/inner".into()))
            );
            assert_eq!(f.stat("/etc/.wh.issue").unwrap(), None);
            // Links are reported, and followed only by the resolver, inside the image.
            let st = f.stat("/bin").unwrap().unwrap();
            assert_eq!(st.link_target.as_deref(), Some("usr/bin"));
            assert_eq!(resolve(&f, "/bin", true).unwrap().path, "/usr/bin");
        }
    }

    #[test]
    fn overlay_whiteout_device_hides_lower() {
        let tmp = tempfile::tempdir().unwrap();
        let (lower, upper) = (tmp.path().join("lower"), tmp.path().join("upper"));
        write(&lower.join("sbin/init"), "x");
        fs::create_dir_all(upper.join("sbin")).unwrap();
        // mknod c 0 0 needs CAP_MKNOD: where the tests run unprivileged, say so and stop.
        if let Err(e) = nix::sys::stat::mknod(
            &upper.join("sbin/init"),
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::empty(),
            0,
        ) {
            eprintln!("SKIP: cannot mknod a whiteout device here: {e}");
            return;
        }
        let f = LayerFiles::new(&[upper, lower]).unwrap();
        assert_eq!(f.stat("/sbin/init").unwrap(), None);
        assert!(f.list("/sbin").unwrap().is_empty());
    }

    #[test]
    fn host_links_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        write(&outside.path().join("secret"), "host file");
        let layer = tempfile::tempdir().unwrap();
        symlink(outside.path(), layer.path().join("evil")).unwrap();
        let f = LayerFiles::new(&[layer.path().to_owned()]).unwrap();
        // Through the reader the link is a link; the file behind it is never opened.
        assert_eq!(
            f.read("/evil/secret", 100),
            Err(ReadError::NotADir("/evil/secret".into()))
        );
        assert_eq!(
            f.read("/evil", 100),
            Err(ReadError::NotAFile("/evil".into()))
        );
    }
}
