//! Files the user names (compose, molecule.yml, Dockerfile, --facts): read
//! whole, but only a regular file and only up to a size, so a FIFO or
//! `/dev/zero` cannot hang or exhaust the doctor.

use std::fs;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::root::io_reason;

/// Larger inputs are refused: no real compose or molecule file comes near it.
pub(crate) const MAX_INPUT: u64 = 8 << 20;

/// The file's text; one line saying why not otherwise.
pub(crate) fn read(path: &Path) -> Result<String, String> {
    let name = path.display();
    // O_NONBLOCK: opening a FIFO with no writer must not block.
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("{name}: {}", io_reason(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("{name}: {}", io_reason(&e)))?;
    if !meta.is_file() {
        return Err(format!("{name}: not a regular file"));
    }
    if meta.len() > MAX_INPUT {
        return Err(format!(
            "{name}: {} bytes, larger than {} MiB: refused",
            meta.len(),
            MAX_INPUT >> 20
        ));
    }
    let mut buf = Vec::new();
    file.take(MAX_INPUT + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("{name}: {}", io_reason(&e)))?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(format!(
            "{name}: larger than {} MiB: refused",
            MAX_INPUT >> 20
        ));
    }
    String::from_utf8(buf).map_err(|_| format!("{name}: not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert!(read(&fifo).unwrap_err().ends_with("not a regular file"));
        assert!(read(Path::new("/dev/zero"))
            .unwrap_err()
            .ends_with("not a regular file"));
        assert!(read(dir.path()).unwrap_err().contains("not a regular file"));
    }

    #[test]
    fn refuses_a_huge_file_before_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yml");
        let f = fs::File::create(&big).unwrap();
        f.set_len(50 << 20).unwrap();
        assert!(read(&big).unwrap_err().contains("larger than 8 MiB"));
    }
}
