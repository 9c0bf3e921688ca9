//! README.md documents every check id and names the test command CI runs.

use std::fs;

fn readme() -> String {
    fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn every_check_id_is_documented() {
    let text = readme();
    let missing: Vec<&str> = sdctr_doctor::checks::registry()
        .iter()
        .map(|c| c.id)
        .filter(|id| !text.contains(&format!("| `{id}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in README's check table: {missing:?}"
    );
}

#[test]
fn ci_runs_the_readme_test_command() {
    let text = readme();
    let ci = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    let command = "cargo test --locked";
    assert!(
        text.contains(&format!("```sh\n{command}\n```")),
        "README names {command}"
    );
    assert!(
        ci.lines().any(|l| l.trim() == command),
        ".ci/run runs {command}"
    );
}
