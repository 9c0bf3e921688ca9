//! Reading a file whole, but only a regular file and only up to a size: a
//! FIFO where a file belongs must not hang the doctor, nor `/dev/zero` or a
//! link to it exhaust its memory. Every file the doctor reads goes through here.

use std::fs;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::root::io_reason;

/// Files the user names (compose, molecule.yml, Dockerfile, `.env`): no
/// real one comes near it.
pub(crate) const MAX_INPUT: u64 = 8 << 20;
/// `--facts FILE`: a whole `--json` report of a large host.
pub(crate) const MAX_FACTS: u64 = 64 << 20;
/// The docker CLI's `config.json` and a context's `meta.json`.
pub(crate) const MAX_CONFIG: u64 = 1 << 20;

/// The bytes of a regular file of at most `cap` bytes; else one line saying
/// why (without the path: callers name the file as the user knows it).
pub(crate) fn bytes(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let file = open(path, cap)?;
    let too_large = || format!("larger than {}, refused", size(cap));
    let mut buf = Vec::new();
    // /proc and /sys files say 0 or 4096 whatever they hold: the cap holds.
    file.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| io_reason(&e))?;
    if buf.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(buf)
}

/// A regular file opened for reading, whose size (as stat says) is at most
/// `cap`; the caller bounds what it reads by `cap` too.
pub(crate) fn open(path: &Path, cap: u64) -> Result<fs::File, String> {
    // O_NONBLOCK: opening a FIFO with no writer must not block.
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| io_reason(&e))?;
    let meta = file.metadata().map_err(|e| io_reason(&e))?;
    if meta.is_dir() {
        // The OS's own words, as a read() would have said.
        return Err("Is a directory".into());
    }
    if !meta.is_file() {
        return Err(format!("not a regular file ({})", kind(&meta.file_type())));
    }
    if meta.len() > cap {
        return Err(format!("larger than {}, refused", size(cap)));
    }
    Ok(file)
}

/// A user's file as UTF-8 text; the error names it.
pub(crate) fn text(path: &Path, cap: u64) -> Result<String, String> {
    let name = path.display();
    let b = bytes(path, cap).map_err(|e| format!("{name}: {e}"))?;
    String::from_utf8(b).map_err(|_| format!("{name}: not UTF-8 text"))
}

/// A user's input file (compose, molecule.yml, Dockerfile).
pub(crate) fn input(path: &Path) -> Result<String, String> {
    text(path, MAX_INPUT)
}

fn kind(t: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a file"
    }
}

fn size(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{} KiB", n >> 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert_eq!(
            input(&fifo).unwrap_err(),
            format!("{}: not a regular file (a FIFO)", fifo.display())
        );
        assert!(input(Path::new("/dev/zero"))
            .unwrap_err()
            .ends_with("not a regular file (a device)"));
        assert!(input(dir.path()).unwrap_err().ends_with("Is a directory"));
        // A link to /dev/zero is followed and refused the same way.
        let link = dir.path().join("config.json");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(bytes(&link, MAX_CONFIG).unwrap_err().contains("a device"));
    }

    #[test]
    fn refuses_a_huge_file_before_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yml");
        let f = fs::File::create(&big).unwrap();
        f.set_len(50 << 20).unwrap();
        assert!(input(&big)
            .unwrap_err()
            .ends_with("larger than 8 MiB, refused"));
    }

    #[test]
    fn proc_files_are_read_whatever_size_they_claim() {
        let b = bytes(Path::new("/proc/self/status"), 1 << 20).unwrap();
        assert!(String::from_utf8_lossy(&b).contains("Pid:"));
        assert!(bytes(Path::new("/proc/self/status"), 16)
            .unwrap_err()
            .starts_with("larger than"));
    }

    #[test]
    fn not_utf8_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x");
        fs::write(&f, [0xff, 0xfe]).unwrap();
        assert!(input(&f).unwrap_err().ends_with("not UTF-8 text"));
    }
}
