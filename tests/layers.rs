//! The layers import only downwards (docs/ARCHITECTURE.md): a `use crate::…`
//! (or a `crate::…` path) from a module to one of the same or a higher layer
//! fails this test. Test code (`#[cfg(test)]` items, `testing.rs`,
//! `tests.rs`) may reach any layer for its fixtures.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module of `src/` and its layer; a module may import only
/// from layers with a smaller number.
const LAYERS: &[(&str, u32)] = &[
    ("facts", 0),
    ("diagnose", 0),
    ("probe", 1),
    ("runline", 1),
    ("redact", 1),
    ("checks", 2),
    ("recipe", 3),
    ("report", 4),
    ("app", 5),
    ("cli", 6),
    ("fuzzing", 6),
];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The source without `#[cfg(test)]` items.
fn without_tests(src: &str) -> String {
    let mut out = String::new();
    let mut lines = src.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        // Skip the item: one line ending in `;`, or a block up to its closing brace.
        let mut depth = 0i32;
        for l in lines.by_ref() {
            depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
            if depth <= 0 && (l.trim_end().ends_with(';') || l.trim_end().ends_with('}')) {
                break;
            }
        }
    }
    out
}

/// The top-level modules a source text names through `crate::`.
fn imports(src: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let code: String = src
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (i, _) in code.match_indices("crate::") {
        if i > 0 && code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue; // `sdctr_doctor_crate::` or similar
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

/// `module -> imported` for every import that does not go down.
fn upward(module: &str, imported: &BTreeSet<String>) -> Vec<String> {
    let Some(own) = layer(module) else {
        return vec![format!("{module}: not in LAYERS (give it a layer)")];
    };
    imported
        .iter()
        .filter(|m| *m != module)
        .filter(|m| layer(m).is_none_or(|l| l >= own))
        .map(|m| format!("{module} -> {m}"))
        .collect()
}

fn violations(module: &str, src: &str) -> Vec<String> {
    upward(module, &imports(&without_tests(src)))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every top-level module of `src/` (lib, main and test support aside) with
/// the modules it imports, test code left out.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "read only {} files", files.len());
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let name = f.file_name().unwrap().to_str().unwrap();
        let top = rel.iter().next().unwrap().to_str().unwrap();
        let top = top.strip_suffix(".rs").unwrap_or(top);
        if matches!(top, "lib" | "main" | "testing") || matches!(name, "testing.rs" | "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        let entry = graph.entry(top.to_owned()).or_default();
        entry.extend(
            imports(&without_tests(&text))
                .into_iter()
                .filter(|m| m != top),
        );
    }
    graph
}

#[test]
fn no_module_imports_from_its_own_or_a_higher_layer() {
    let bad: Vec<String> = import_graph()
        .iter()
        .flat_map(|(module, imported)| upward(module, imported))
        .collect();
    assert!(
        bad.is_empty(),
        "imports that do not go down:\n{}",
        bad.join("\n")
    );
}

/// docs/ARCHITECTURE.md lists every module's imports; the list is the code's.
#[test]
fn the_architecture_doc_lists_the_real_imports() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ARCHITECTURE.md"))
            .unwrap();
    let listed: Vec<String> = doc
        .lines()
        .skip_while(|l| !l.contains("<!-- imports -->"))
        .skip(2) // the marker and the fence
        .take_while(|l| !l.starts_with("```"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let real: Vec<String> = import_graph()
        .into_iter()
        .map(|(m, i)| {
            let i: Vec<String> = i.into_iter().collect();
            format!("{m} -> {}", i.join(", "))
                .trim_end_matches(" -> ")
                .to_owned()
        })
        .collect();
    assert_eq!(listed, real, "update the list in docs/ARCHITECTURE.md");
}

#[test]
fn an_upward_import_is_found() {
    let src = "use crate::facts::Facts;\nuse crate::{checks::Finding, recipe};\n";
    assert_eq!(
        violations("runline", src),
        ["runline -> checks", "runline -> recipe"]
    );
    assert_eq!(
        violations("probe", "fn f() { crate::checks::run(x); }"),
        ["probe -> checks"]
    );
    // Peers of one layer do not import each other either.
    assert_eq!(
        violations("probe", "use crate::runline::parse;"),
        ["probe -> runline"]
    );
    // Test code may reach any layer; comments do not count.
    let test_only = "use crate::facts::X;\n#[cfg(test)]\nmod tests {\n    use crate::report::human;\n}\n// crate::cli\n";
    assert!(violations("checks", test_only).is_empty());
    assert_eq!(
        violations("checks", "use crate::facts::X;"),
        Vec::<String>::new()
    );
}
