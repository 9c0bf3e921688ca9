//! Records what `sdctr-doctor version` prints besides the version: the git
//! commit (only when built from this crate's own git checkout), the target,
//! the profile and the enabled features.

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let dir = Path::new(&dir);
    // A crate unpacked inside some other repository must not report its commit.
    let own = git(dir, &["rev-parse", "--show-toplevel"])
        .and_then(|t| Path::new(&t).canonicalize().ok())
        .zip(dir.canonicalize().ok())
        .is_some_and(|(top, me)| top == me);
    if own {
        if let Some(commit) = git(dir, &["rev-parse", "--short=12", "HEAD"]) {
            println!("cargo:rustc-env=SDCTR_GIT_COMMIT={commit}");
        }
        // HEAD moves on checkout, the branch's ref on commit (loose or packed);
        // the reflog of HEAD grows on both, also when a packed ref turns loose.
        let mut watch = ["HEAD", "logs/HEAD", "packed-refs"]
            .map(String::from)
            .to_vec();
        watch.extend(git(dir, &["symbolic-ref", "-q", "HEAD"]));
        for p in watch {
            if let Some(path) = git(dir, &["rev-parse", "--git-path", &p]) {
                let path = dir.join(path);
                if path.exists() {
                    println!("cargo:rerun-if-changed={}", path.display());
                }
            }
        }
    }
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    println!("cargo:rustc-env=SDCTR_TARGET={}", env("TARGET"));
    println!("cargo:rustc-env=SDCTR_PROFILE={}", env("PROFILE"));
    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| {
            k.strip_prefix("CARGO_FEATURE_")
                .map(|f| f.to_lowercase().replace('_', "-"))
        })
        .collect();
    features.sort();
    println!("cargo:rustc-env=SDCTR_FEATURES={}", features.join(","));
}
