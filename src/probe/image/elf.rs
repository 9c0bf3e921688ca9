//! DT_NEEDED of an ELF file from a bounded prefix: program headers →
//! PT_DYNAMIC → DT_STRTAB mapped through PT_LOAD. No section headers needed
//! (they sit at the end of the file, beyond the prefix).

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::read::StringTable;
use object::Endianness;

/// True when `data` starts like an ELF file.
pub(crate) fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

/// The DT_NEEDED names, or why they could not be read from this prefix.
pub(crate) fn needed(data: &[u8]) -> Result<Vec<String>, String> {
    match object::FileKind::parse(data).map_err(|e| e.to_string())? {
        object::FileKind::Elf32 => needed_for::<elf::FileHeader32<Endianness>>(data),
        object::FileKind::Elf64 => needed_for::<elf::FileHeader64<Endianness>>(data),
        other => Err(format!("not an ELF file ({other:?})")),
    }
}

fn needed_for<Elf: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<Vec<String>, String> {
    let header = Elf::parse(data).map_err(|e| e.to_string())?;
    let endian = header.endian().map_err(|e| e.to_string())?;
    let phdrs = header
        .program_headers(endian, data)
        .map_err(|e| e.to_string())?;
    let mut dynamic = None;
    for p in phdrs {
        if let Some(d) = p.dynamic(endian, data).map_err(|e| e.to_string())? {
            dynamic = Some(d);
            break;
        }
    }
    let dynamic = dynamic.ok_or("no PT_DYNAMIC segment (static binary?)")?;
    let (mut strtab, mut strsz) = (None, None);
    for d in dynamic {
        match d.tag(endian) {
            elf::DT_NULL => break,
            elf::DT_STRTAB => strtab = Some(d.val(endian)),
            elf::DT_STRSZ => strsz = Some(d.val(endian)),
            _ => {}
        }
    }
    let (addr, size) = strtab.zip(strsz).ok_or("no DT_STRTAB/DT_STRSZ")?;
    // The string table's address → file offset through the PT_LOAD covering it.
    let offset = phdrs
        .iter()
        .filter(|p| p.p_type(endian) == elf::PT_LOAD)
        .find_map(|p| {
            let (vaddr, filesz) = (p.p_vaddr(endian).into(), p.p_filesz(endian).into());
            (vaddr <= addr && addr < vaddr.saturating_add(filesz))
                .then(|| p.p_offset(endian).into().checked_add(addr - vaddr))
        })
        .ok_or("DT_STRTAB is outside every PT_LOAD")?
        .ok_or("DT_STRTAB maps past the end of any file")?;
    let end = offset.saturating_add(size);
    if end > data.len() as u64 {
        return Err(format!(
            "the dynamic string table ends at byte {end}, beyond the {} bytes read",
            data.len()
        ));
    }
    let strings = StringTable::new(data, offset, end);
    let mut out = Vec::new();
    for d in dynamic {
        match d.tag(endian) {
            elf::DT_NULL => break,
            elf::DT_NEEDED => {
                let name = d.string(endian, strings).map_err(|e| e.to_string())?;
                out.push(String::from_utf8_lossy(name).into_owned());
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The version from systemd's banner inside the binary: `systemd 219 running
/// in %ssystem mode` (preferred) or a lone NUL-terminated `systemd 219`.
pub(crate) fn banner_version(data: &[u8]) -> Option<String> {
    const NEEDLE: &[u8] = b"systemd ";
    let mut lone = None;
    let mut at = 0;
    while let Some(pos) = find(&data[at..], NEEDLE) {
        let start = at + pos + NEEDLE.len();
        at = start;
        let len = data[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || b".~+_-".contains(b))
            .count();
        let token = &data[start..start + len];
        let digits = token.iter().take_while(|b| b.is_ascii_digit()).count();
        // Real majors have three digits (209 … 259); this skips "systemd 1".
        if digits != 3 {
            continue;
        }
        let rest = &data[start + len..];
        let version = String::from_utf8_lossy(token).into_owned();
        if rest.starts_with(b" running in ") {
            return Some(version);
        }
        let preceded_by_nul = start - NEEDLE.len() == 0 || data[start - NEEDLE.len() - 1] == 0;
        if rest.first() == Some(&0) && preceded_by_nul && lone.is_none() {
            lone = Some(version);
        }
    }
    lone
}

/// systemd's manager (not systemctl, which links the same library) logs
/// `… running in %ssystem mode` at boot.
pub(crate) fn is_systemd_manager(data: &[u8]) -> bool {
    find(data, b" running in %ssystem mode").is_some()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::super::testing::elf;
    use super::*;

    #[test]
    fn needed_names_of_a_minimal_elf() {
        let f = elf(Some(&["libsystemd-shared-252.so", "libc.so.6"]), b"");
        assert_eq!(
            needed(&f).unwrap(),
            ["libsystemd-shared-252.so", "libc.so.6"]
        );
    }

    /// Found by the elf_version fuzz target: a PT_LOAD whose file offset
    /// plus the string table's place in it overflows u64.
    #[test]
    fn a_load_offset_that_overflows_is_an_error() {
        let mut f = elf(Some(&["libsystemd-shared-252.so"]), b"");
        // The first program header's p_offset (ELF64: header 64 bytes, p_type
        // and p_flags 4 each).
        f[72..80].copy_from_slice(&(u64::MAX - 8).to_le_bytes());
        let e = needed(&f).unwrap_err();
        assert!(e.contains("past the end"), "{e}");
    }
}
