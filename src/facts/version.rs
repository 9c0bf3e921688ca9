//! Versions as daemons, runtimes and distributions print them, read into
//! [`semver::Version`] so comparisons follow semver's precedence.

use semver::{BuildMetadata, Prerelease, Version};

/// Words that open a pre-release tag (`25.0.0-rc.1`, `1.0.0-rc91`, Debian's
/// `1.0.0~rc93`); any other suffix (`-ce`, `+dfsg1`, `-1~deb12u1`, `~ds1`)
/// is kept as build metadata, which precedence ignores.
const PRE: &[&str] = &["alpha", "beta", "rc", "pre", "preview", "dev", "tp"];

/// `17.03.1-ce` → 17.3.1+ce, `20.10.24+dfsg1` → 20.10.24+dfsg1,
/// `252.38-1~deb12u1` → 252.38.0+1.deb12u1, `v26.1.5` → 26.1.5,
/// `1.0.0-rc91` → 1.0.0-rc.91; `None` without a leading number (`dev`).
pub(crate) fn lenient(s: &str) -> Option<Version> {
    let s = s.trim();
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let core_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    // Parts past the third (`5.15.153.1-microsoft-standard-WSL2`) are dropped.
    let mut nums = s[..core_end].split('.').map(|p| p.parse::<u64>());
    let major = nums.next()?.ok()?;
    let mut next = || nums.next().map_or(Some(0), Result::ok);
    let (minor, patch) = (next()?, next()?);
    let mut v = Version::new(major, minor, patch);
    let rest = &s[core_end..];
    let (tag, build) = rest.split_once('+').unwrap_or((rest, ""));
    let tag = tag.trim_start_matches(['-', '~', '.']);
    let lower = tag.to_ascii_lowercase();
    let (pre, build) = if PRE.iter().any(|w| lower.starts_with(w)) {
        (tag, build.to_owned())
    } else if build.is_empty() {
        ("", tag.to_owned())
    } else {
        ("", format!("{tag}.{build}"))
    };
    v.pre = Prerelease::new(&identifiers(pre, true)).ok()?;
    v.build = BuildMetadata::new(&identifiers(&build, false)).ok()?;
    Some(v)
}

/// Dot-joined alphanumeric runs; in a pre-release letters and digits are
/// split (`rc91` → `rc.91`) so `rc100` sorts after `rc91`, and numbers lose
/// leading zeros, which semver forbids there.
fn identifiers(s: &str, pre: bool) -> String {
    let mut ids: Vec<String> = Vec::new();
    for run in s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|r| !r.is_empty())
    {
        if !pre {
            ids.push(run.to_owned());
            continue;
        }
        let mut start = 0;
        let bytes = run.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit() {
                let part = &run[start..i];
                ids.push(match part.parse::<u64>() {
                    Ok(n) => n.to_string(),
                    Err(_) => part.to_owned(),
                });
                start = i;
            }
        }
    }
    ids.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Option<String> {
        lenient(s).map(|v| v.to_string())
    }

    #[test]
    fn lenient_front_end() {
        assert_eq!(v("17.03.1-ce").as_deref(), Some("17.3.1+ce"));
        assert_eq!(v("20.10.24+dfsg1").as_deref(), Some("20.10.24+dfsg1"));
        assert_eq!(v("28.2.2").as_deref(), Some("28.2.2"));
        assert_eq!(v("252.38-1~deb12u1").as_deref(), Some("252.38.0+1.deb12u1"));
        assert_eq!(v("v26.1.5").as_deref(), Some("26.1.5"));
        assert_eq!(v("25.0.0-rc.1").as_deref(), Some("25.0.0-rc.1"));
        assert_eq!(v("1.0.0-rc91").as_deref(), Some("1.0.0-rc.91"));
        assert_eq!(v("1.0.0~rc6+dfsg1").as_deref(), Some("1.0.0-rc.6+dfsg1"));
        assert_eq!(v("1.0.0-rc.01").as_deref(), Some("1.0.0-rc.1"));
        assert_eq!(v("1.6.20~ds1").as_deref(), Some("1.6.20+ds1"));
        assert_eq!(v("254.5-2.fc39").as_deref(), Some("254.5.0+2.fc39"));
        assert_eq!(
            v("5.15.153.1-microsoft-standard-WSL2").as_deref(),
            Some("5.15.153+microsoft.standard.WSL2")
        );
        assert_eq!(v("4.9").as_deref(), Some("4.9.0"));
        assert_eq!(v(" 29 ").as_deref(), Some("29.0.0"));
        for none in [
            "dev",
            "",
            "master",
            "v",
            ".1",
            "1..2",
            "99999999999999999999999",
        ] {
            assert_eq!(v(none), None, "{none}");
        }
    }

    #[test]
    fn precedence() {
        let l = |s| lenient(s).unwrap();
        assert!(l("1.0.0-rc92") > l("1.0.0-rc.91"));
        assert!(l("1.0.0-rc100") > l("1.0.0-rc91"));
        assert!(l("1.0.0-rc10") < l("1.0.0-rc91"));
        assert!(l("1.0.0") > l("1.0.0-rc95"));
        assert!(l("1.0.0~rc6+dfsg1") < l("1.0.0-rc91"));
        assert!(l("20.10.24+dfsg1") >= Version::new(20, 10, 0));
        assert!(l("19.03.15") < Version::new(20, 10, 0));
        assert!(l("17.03.1-ce") < Version::new(20, 10, 0));
        // A release candidate comes before its release.
        assert!(l("20.10.0-rc1") < Version::new(20, 10, 0));
        assert_eq!(
            l("252.38-1~deb12u1").cmp_precedence(&Version::new(252, 38, 0)),
            std::cmp::Ordering::Equal
        );
    }
}
