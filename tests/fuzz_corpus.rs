//! The fuzz corpus on stable Rust: every seed and every saved finding under
//! `fuzz/corpus/<target>/` and `fuzz/artifacts/<target>/` goes through the
//! same `sdctr_doctor::fuzzing` entry point its cargo-fuzz target calls, so a
//! fix that regresses shows up without nightly or libFuzzer. Fails when a
//! target has no corpus or an input panics.

use std::path::{Path, PathBuf};

use sdctr_doctor::fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every file under `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The inputs that panic, as `target: file: message`.
fn panics(target: &str, run: fn(&[u8]), inputs: &[PathBuf]) -> Vec<String> {
    let mut bad = Vec::new();
    for path in inputs {
        let data = std::fs::read(path).unwrap();
        if let Err(p) = std::panic::catch_unwind(|| run(&data)) {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            bad.push(format!("{target}: {}: {msg}", path.display()));
        }
    }
    bad
}

#[test]
fn every_corpus_and_artifact_input_runs_without_a_panic() {
    let mut bad = Vec::new();
    let mut total = 0;
    for (target, run) in TARGETS {
        let corpus = files(&fuzz_dir().join("corpus").join(target));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{target} is empty or missing"
        );
        let artifacts = files(&fuzz_dir().join("artifacts").join(target));
        total += corpus.len() + artifacts.len();
        bad.extend(panics(target, *run, &corpus));
        bad.extend(panics(target, *run, &artifacts));
    }
    assert!(total > 100, "only {total} inputs replayed");
    assert!(bad.is_empty(), "inputs that panic:\n{}", bad.join("\n"));
}

/// Each folder of the corpus is a target's, and each target is a binary of
/// the fuzz crate.
#[test]
fn the_corpus_folders_and_the_fuzz_crate_name_the_same_targets() {
    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    for e in std::fs::read_dir(fuzz_dir().join("corpus")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            names.contains(&name.as_str()),
            "fuzz/corpus/{name}: no such target"
        );
    }
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for n in &names {
        assert!(
            manifest.contains(&format!("name = \"{n}\""))
                && fuzz_dir()
                    .join("fuzz_targets")
                    .join(format!("{n}.rs"))
                    .is_file(),
            "{n}: no [[bin]] in fuzz/Cargo.toml or no fuzz_targets/{n}.rs"
        );
    }
}

/// The replay really catches a panic (it is what the first test relies on).
#[test]
fn a_panicking_entry_point_is_reported() {
    fn boom(data: &[u8]) {
        assert!(data.is_empty(), "boom");
    }
    let seed = fuzz_dir().join("corpus/mountinfo");
    let inputs = files(&seed);
    let bad = panics("boom", boom, &inputs[..1]);
    assert_eq!(bad.len(), 1);
    assert!(bad[0].contains("boom"), "{bad:?}");
}
