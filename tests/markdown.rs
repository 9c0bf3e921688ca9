//! `--format markdown` as GitHub would read it: real reports (fixture hosts,
//! lint lines, compose, molecule and Dockerfile fixtures) parsed with a
//! CommonMark parser, their structure compared with the JSON report of the
//! same run, and hostile text that must stay inside its block.

mod common;

use std::path::Path;

use common::{doctor, fixture};

/// Structure is compared with the JSON, so both unredacted (redaction has
/// its own tests in tests/redact.rs).
fn json_of(root: &std::path::Path, extra: &[&str]) -> (i32, serde_json::Value) {
    common::json_of(root, &[&["--no-redact"], extra].concat())
}
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde_json::Value;

/// A top-level block as a reader sees it.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    Heading(u32, String),
    Para(String),
    /// (info string, text)
    Code(String, String),
    /// Rows of cells, the header first.
    Table(Vec<Vec<String>>),
    Html(String),
}

/// Parses `md`; panics on anything the report never writes (lists, quotes,
/// inline HTML, links, emphasis in text): that is user text breaking out.
fn blocks(md: &str) -> Vec<Block> {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut info = String::new();
    let mut bold = 0;
    for e in Parser::new_ext(md, opts) {
        match e {
            Event::Start(Tag::Heading { .. } | Tag::Paragraph | Tag::TableCell) => text.clear(),
            Event::Start(Tag::CodeBlock(kind)) => {
                text.clear();
                info = match kind {
                    CodeBlockKind::Fenced(i) => i.to_string(),
                    CodeBlockKind::Indented => panic!("indented code block in\n{md}"),
                };
            }
            Event::Start(Tag::Table(_)) => rows.clear(),
            Event::Start(Tag::TableHead | Tag::TableRow) => rows.push(Vec::new()),
            Event::Start(Tag::Strong) if bold == 0 => bold += 1,
            Event::End(TagEnd::Strong) => {}
            Event::End(TagEnd::Heading(level)) => {
                out.push(Block::Heading(level as u32, text.clone()))
            }
            Event::End(TagEnd::Paragraph) => {
                out.push(Block::Para(text.clone()));
                bold = 0;
            }
            Event::End(TagEnd::CodeBlock) => out.push(Block::Code(info.clone(), text.clone())),
            Event::End(TagEnd::TableCell) => rows.last_mut().unwrap().push(text.clone()),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {}
            Event::End(TagEnd::Table) => out.push(Block::Table(rows.clone())),
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::Start(Tag::HtmlBlock) => text.clear(),
            Event::Html(h) => text.push_str(&h),
            Event::End(TagEnd::HtmlBlock) => out.push(Block::Html(text.trim_end().to_owned())),
            other => panic!("unexpected {other:?} in\n{md}"),
        }
    }
    out
}

/// Every `<details>` opens with its summary and closes, none nested, and no
/// other HTML: returns the summaries.
fn details_balanced(blocks: &[Block]) -> Vec<String> {
    let mut open = false;
    let mut summaries = Vec::new();
    for b in blocks {
        if let Block::Html(h) = b {
            if h == "</details>" {
                assert!(open, "a </details> closes nothing: {blocks:#?}");
                open = false;
            } else {
                let summary = h
                    .strip_prefix("<details>\n<summary>")
                    .and_then(|s| s.strip_suffix("</summary>"))
                    .unwrap_or_else(|| panic!("HTML that is not ours: {h:?}"));
                assert!(!open, "nested <details>");
                assert!(!summary.contains('<'), "{summary:?}");
                open = true;
                summaries.push(summary.to_owned());
            }
        }
    }
    assert!(!open, "a <details> is not closed");
    summaries
}

fn markdown(args: &[&str]) -> (i32, String) {
    let out = doctor()
        .args(["--format", "markdown", "--color", "always", "--no-redact"])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "escape codes in Markdown");
    (out.status.code().unwrap(), text)
}

fn root_args(host: &str) -> Vec<String> {
    vec![
        "--root".into(),
        fixture(host).display().to_string(),
        "--no-docker".into(),
    ]
}

fn with_root<'a>(root: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
    root.iter()
        .map(String::as_str)
        .chain(extra.iter().copied())
        .collect()
}

/// The position of the first block matching `p`.
fn find(blocks: &[Block], p: impl Fn(&Block) -> bool) -> usize {
    blocks
        .iter()
        .position(p)
        .unwrap_or_else(|| panic!("not found in {blocks:#?}"))
}

fn heading_starting(blocks: &[Block], prefix: &str) -> usize {
    find(
        blocks,
        |b| matches!(b, Block::Heading(_, t) if t.starts_with(prefix)),
    )
}

/// The code block right after block `i` that has info `info`.
fn code_after(blocks: &[Block], i: usize, info: &str) -> String {
    blocks[i..]
        .iter()
        .find_map(|b| match b {
            Block::Code(inf, t) if inf == info => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {info} block after {:?}", blocks[i]))
}

/// The table right after block `i`: its data rows.
fn table_after(blocks: &[Block], i: usize) -> Vec<Vec<String>> {
    match &blocks[i + 1] {
        Block::Table(rows) => rows[1..].to_vec(),
        other => panic!("no table after {:?}: {other:?}", blocks[i]),
    }
}

fn ids_with(checks: &Value, status: &str) -> Vec<String> {
    checks
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == status)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The failing, erring and warning checks in the order of their headings.
fn problem_ids(blocks: &[Block]) -> Vec<(String, String)> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading(_, t) => {
                let (status, rest) = t.split_once(": ")?;
                let status = status.rsplit(' ').next()?;
                let id = rest.split(" — ").next()?;
                ["fail", "warn", "error"]
                    .contains(&status)
                    .then(|| (status.to_owned(), id.to_owned()))
            }
            _ => None,
        })
        .collect()
}

fn verdict_words(doc: &Value) -> String {
    doc["verdict"].as_str().unwrap().replace('-', " ")
}

#[test]
fn every_fixture_host_report_matches_its_json() {
    for host in common::FIXTURES {
        let root = root_args(host);
        let (code, md) = markdown(&with_root(&root, &[]));
        let (json_code, doc) = json_of(&fixture(host), &[]);
        assert_eq!(code, json_code, "{host}");
        let b = blocks(&md);
        // The verdict first.
        assert_eq!(
            b[0],
            Block::Heading(
                2,
                format!(
                    "{} sdctr-doctor: {}",
                    match doc["verdict"].as_str().unwrap() {
                        "ready" => "✓",
                        "ready-with-warnings" => "!",
                        _ => "✗",
                    },
                    verdict_words(&doc)
                )
            ),
            "{host}"
        );
        // Then every problem, failures before warnings.
        let mut want: Vec<(String, String)> = Vec::new();
        for status in ["fail", "error", "warn"] {
            want.extend(
                ids_with(&doc["checks"], status)
                    .into_iter()
                    .map(|id| (status.to_owned(), id)),
            );
        }
        assert_eq!(problem_ids(&b), want, "{host}");
        // One table row per passing check, in report order.
        let pass = ids_with(&doc["checks"], "pass");
        let i = heading_starting(&b, "Passing checks");
        assert_eq!(
            b[i],
            Block::Heading(3, format!("Passing checks ({})", pass.len()))
        );
        let rows = table_after(&b, i);
        let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids, pass, "{host}");
        assert!(rows.iter().all(|r| r.len() == 2 && !r[1].is_empty()));
        // Evidence and facts folded; the facts are the JSON report's.
        let summaries = details_balanced(&b);
        assert_eq!(summaries.last().unwrap(), "Facts (JSON)", "{host}");
        let facts: Value = serde_json::from_str(&code_after(&b, b.len() - 2, "json")).unwrap();
        assert_eq!(facts, doc["facts"], "{host}");
        assert!(summaries.iter().any(|s| s.starts_with("Skipped checks (")));
        // Every problem's evidence is folded under it.
        let evidence = summaries
            .iter()
            .filter(|s| s.starts_with("Evidence ("))
            .count();
        let with_evidence = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| {
                ["fail", "warn", "error"].contains(&c["status"].as_str().unwrap())
                    && !c["evidence"].as_array().unwrap().is_empty()
            })
            .count();
        assert_eq!(evidence, with_evidence, "{host}");
    }
}

#[test]
fn lint_leads_with_the_failure_and_gives_the_corrected_line() {
    let root = root_args("centos7-legacy");
    let (code, md) = markdown(&with_root(&root, common::LINT_INIT));
    assert_eq!(code, 1);
    let (_, doc) = json_of(&fixture("centos7-legacy"), common::LINT_INIT);
    let b = blocks(&md);
    assert_eq!(b[0], Block::Heading(2, "✗ sdctr-doctor: not ready".into()));
    // The line as judged, then the failing check with its fix.
    let judged = code_after(&b, 0, "sh");
    assert_eq!(
        shlex::split(&judged).unwrap(),
        doc["facts"]["run"]["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect::<Vec<_>>()
    );
    let fail = heading_starting(&b, "✗ fail: run.init");
    assert!(
        matches!(&b[fail + 2], Block::Para(p) if p.starts_with("Fix: Remove --init")),
        "{:?}",
        b[fail + 2]
    );
    assert!(problem_ids(&b)[0] == ("fail".into(), "run.init".into()));
    // The corrected line: its text is the recipe, and the compose service follows.
    let fix = heading_starting(&b, "Corrected run line for this host");
    assert!(fix > fail);
    let line = code_after(&b, fix, "sh");
    let argv: Vec<String> = doc["recipe"]["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert_eq!(shlex::split(&line).unwrap(), argv);
    assert_eq!(
        line.trim_end(),
        "docker run -d --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --stop-signal SIGRTMIN+3 --privileged --cgroupns=host centos:7"
    );
    assert_eq!(
        code_after(&b, fix, "yaml"),
        doc["recipe"]["compose"].as_str().unwrap()
    );
    // Passing checks come after the fix, one row each.
    let pass = heading_starting(&b, "Passing checks");
    assert!(pass > fix);
    assert_eq!(
        table_after(&b, pass).len(),
        ids_with(&doc["checks"], "pass").len()
    );
    details_balanced(&b);
}

/// Backticks, pipes, `</details>`, `<script>` and Markdown in a run line
/// stay text in their code block, their table cell, their paragraph.
#[test]
fn hostile_text_in_a_run_line_cannot_break_out() {
    let hostile = "x`y``z``` | </details> <script>alert(1)</script> *b* [l](http://e)";
    let line = [
        "lint",
        "--",
        "docker",
        "run",
        "--name",
        hostile,
        "-e",
        "A=```\n</details>\n# h",
        "--init",
        "--user",
        "1000|`<b>`",
        "img:```",
    ];
    let root = root_args("debian12-v2");
    let (code, md) = markdown(&with_root(&root, &line));
    assert_eq!(code, 1, "{md}");
    let b = blocks(&md);
    let summaries = details_balanced(&b);
    assert_eq!(summaries.last().unwrap(), "Facts (JSON)");
    // The judged line reads back as the words given.
    let judged = code_after(&b, 0, "sh");
    let words = shlex::split(&judged).unwrap();
    assert!(words.iter().any(|w| w == hostile), "{judged}");
    // Every table cell is one cell: two columns in each row.
    for block in &b {
        if let Block::Table(rows) = block {
            assert!(rows.iter().all(|r| r.len() == 2), "{rows:?}");
        }
    }
    // The user check quotes the hostile user as text, in a paragraph or a cell.
    let shown = b.iter().any(|x| match x {
        Block::Para(t) => t.contains("1000|`<b>`"),
        Block::Table(rows) => rows.iter().flatten().any(|c| c.contains("1000|`<b>`")),
        _ => false,
    });
    assert!(shown, "{b:#?}");
    // No heading came from the `# h` inside the env value.
    assert!(!b
        .iter()
        .any(|x| matches!(x, Block::Heading(_, t) if t == "h")));
    // The facts JSON still parses: the fence held the backticks.
    let facts: Value = serde_json::from_str(&code_after(&b, b.len() - 2, "json")).unwrap();
    assert_eq!(facts["run"]["argv"][3], hostile);
}

fn compose(file: &str, extra: &[&str]) -> (Vec<Block>, Value) {
    let root = root_args("debian12-v2");
    let mut args = vec!["lint", "--compose", file];
    args.extend(extra);
    let (_, md) = markdown(&with_root(&root, &args));
    let (_, doc) = json_of(&fixture("debian12-v2"), &args);
    (blocks(&md), doc)
}

#[test]
fn compose_and_molecule_give_the_fix_in_the_files_form() {
    let reefer = "fixtures/compose/reefer-ubuntu.yml";
    let (b, doc) = compose(reefer, &[]);
    details_balanced(&b);
    let t = &doc["targets"][0];
    let i = heading_starting(&b, "✗ service ubuntu: not ready");
    assert_eq!(
        b[i],
        Block::Heading(3, "✗ service ubuntu: not ready".into())
    );
    assert_eq!(
        problem_ids(&b),
        [("fail".to_owned(), "run.cgroup-mount".to_owned())]
    );
    let fix = heading_starting(&b, "Corrected service");
    assert_eq!(
        code_after(&b, fix, "yaml"),
        t["recipe"]["snippet"].as_str().unwrap()
    );
    let pass = heading_starting(&b, "Passing checks (");
    let rows = table_after(&b, pass);
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ids_with(&t["checks"], "pass"));
    // The host's own passing checks get their own table.
    let shared = heading_starting(&b, "Passing host and daemon checks");
    assert_eq!(
        table_after(&b, shared).len(),
        ids_with(&doc["checks"], "pass").len()
    );

    // --diff: the fix as a diff of the file.
    let (b, _) = compose(reefer, &["--diff"]);
    let fix = heading_starting(&b, "Corrected service");
    let diff = code_after(&b, fix, "diff");
    assert!(
        diff.starts_with(&format!("--- a/{reefer}\n+++ b/{reefer}\n")),
        "{diff}"
    );

    // molecule: one section per platform, each with its corrected entry.
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/molecule/two-platforms/molecule.yml");
    let root = root_args("debian12-v2");
    let args = ["lint", "--molecule", file.to_str().unwrap()];
    let out = doctor()
        .env_remove("MOLECULE_DISTRO")
        .env_remove("MOLECULE_DOCKER_COMMAND")
        .args(["--format", "markdown"])
        .args(with_root(&root, &args))
        .output()
        .unwrap();
    let b = blocks(&String::from_utf8(out.stdout).unwrap());
    details_balanced(&b);
    let (_, doc) = json_of(&fixture("debian12-v2"), &args);
    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    for t in targets {
        let name = t["name"].as_str().unwrap();
        let i = find(
            &b,
            |x| matches!(x, Block::Heading(3, h) if h.contains(&format!(" platform {name}: "))),
        );
        match t["recipe"]["snippet"].as_str() {
            Some(snippet) => {
                let fix = i + b[i..]
                    .iter()
                    .position(|x| matches!(x, Block::Heading(4, h) if h == "Corrected platform"))
                    .unwrap();
                assert_eq!(code_after(&b, fix, "yaml"), snippet, "{name}");
            }
            None => panic!("{name}: the fixture's platforms both need a fix on v2"),
        }
    }
}

#[test]
fn a_dockerfile_fix_is_a_diff_block() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dockerfile/bad.Dockerfile");
    let args = ["lint", "--dockerfile", file.to_str().unwrap()];
    let root = root_args("debian12-v2");
    let (code, md) = markdown(&with_root(&root, &args));
    let (json_code, doc) = json_of(&fixture("debian12-v2"), &args);
    assert_eq!(code, json_code);
    let b = blocks(&md);
    details_balanced(&b);
    let i = heading_starting(&b, "Corrected Dockerfile");
    assert_eq!(
        code_after(&b, i, "diff"),
        doc["dockerfile_fix"].as_str().unwrap()
    );
    assert!(i > heading_starting(&b, "✗ fail: "));
}

/// Removes the test's container, however the test ends.
struct Remove(String);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = common::docker(&["rm", "-f", &self.0]);
    }
}

/// `container NAME` on a created, never started container of a test image
/// (needs the daemon and scripts/build-test-images.sh's images).
#[test]
fn a_container_report_matches_its_json() {
    let image = "sdctr-test/bookworm-systemd";
    let (ok, why) = common::docker(&["image", "inspect", "--format", "{{.Id}}", image]);
    let missing =
        (!ok).then(|| format!("{image} is not here ({why}): scripts/build-test-images.sh"));
    if !common::can_run(missing) {
        return;
    }
    let name = format!("sdctr-md-{}", std::process::id());
    let (ok, err) = common::docker(&[
        "create",
        "--name",
        &name,
        "--init",
        "--label",
        "note=a|b`c</details><script>",
        image,
    ]);
    assert!(ok, "{err}");
    let _remove = Remove(name.clone());
    let (code, md) = markdown(&["container", &name, "--image", image]);
    let out = doctor()
        .args([
            "--json",
            "--no-redact",
            "container",
            &name,
            "--image",
            image,
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(Some(code), out.status.code(), "{md}");
    let b = blocks(&md);
    details_balanced(&b);
    assert_eq!(
        b[2],
        Block::Para(format!("Judged: container {name} (created)."))
    );
    let mut want: Vec<(String, String)> = Vec::new();
    for status in ["fail", "error", "warn"] {
        want.extend(
            ids_with(&doc["checks"], status)
                .into_iter()
                .map(|id| (status.to_owned(), id)),
        );
    }
    assert_eq!(problem_ids(&b), want);
    assert!(
        want.contains(&("fail".into(), "run.init".into())),
        "{want:?}"
    );
    let pass = heading_starting(&b, "Passing checks");
    let ids: Vec<String> = table_after(&b, pass)
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(ids, ids_with(&doc["checks"], "pass"));
    match doc["recipe"]["argv"].as_array() {
        Some(argv) => {
            let fix = heading_starting(&b, "Corrected run line for this host");
            let words = shlex::split(&code_after(&b, fix, "sh")).unwrap();
            assert_eq!(
                words,
                argv.iter().map(|w| w.as_str().unwrap()).collect::<Vec<_>>()
            );
        }
        None => {
            let fix = heading_starting(&b, "Corrected run line");
            assert!(
                matches!(&b[fix + 1], Block::Para(p) if p.starts_with("No corrected run line"))
            );
        }
    }
}

#[test]
fn nothing_judged_says_so() {
    let root = root_args("debian12-v2");
    let (code, md) = markdown(&with_root(&root, &["--only", "docker"]));
    assert_eq!(code, 1);
    let b = blocks(&md);
    assert_eq!(b[0], Block::Heading(2, "✗ sdctr-doctor: not ready".into()));
    assert!(b.contains(&Block::Para(
        "Nothing was judged: every selected check skipped (see Skipped checks).".into()
    )));
    assert!(!b
        .iter()
        .any(|x| matches!(x, Block::Heading(_, h) if h.starts_with("Passing"))));
    assert_eq!(details_balanced(&b)[0], "Skipped checks (11)");
}

#[test]
fn redacted_markdown_has_no_links_or_tags() {
    // The markers redaction puts in (`<redacted:ip>`) would be autolinks or
    // tags in text: they must stay text wherever they land.
    let root = root_args("debian12-v2");
    let args = [
        "lint",
        "--",
        "docker",
        "run",
        "--name",
        "web01",
        "--add-host",
        "db.corp:10.1.2.3",
        "-e",
        "TOKEN=s3cr3t_value",
        "-v",
        "/home/alice/x:/x",
        "debian:12",
    ];
    let out = doctor()
        .args(["--format", "markdown"])
        .args(with_root(&root, &args))
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    for secret in [
        "web01",
        "10.1.2.3",
        "s3cr3t_value",
        "s3cr3t\\_value",
        "alice",
    ] {
        assert!(!md.contains(secret), "{secret} in\n{md}");
    }
    assert!(md.contains("redacted"), "{md}");
    // blocks() panics on a link or inline HTML.
    details_balanced(&blocks(&md));
}
