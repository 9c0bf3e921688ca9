//! The application core: a plain request (what to probe, which checks, which
//! input) → facts → findings → recipe. The CLI and the tests use it; it prints
//! nothing.

use std::path::{Path, PathBuf};

use crate::checks::{self, Finding, Selection};
use crate::facts::Facts;
use crate::probe::{self, root::HostRoot};
use crate::recipe::{self, Recipe};
use crate::runline;

/// What to judge besides the host and the daemon.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The host, the daemon and any `--image`.
    Host,
    /// `lint`: a run line as given (after `--`, or one quoted argument).
    RunLine(Vec<String>),
    /// `container NAME|ID`.
    Container(String),
}

#[derive(Debug, Clone)]
pub struct Request {
    /// Read host files through this directory instead of `/`.
    pub root: Option<PathBuf>,
    /// Judge facts saved by an earlier `--json` run instead of probing.
    pub facts_file: Option<PathBuf>,
    pub docker: probe::docker::Options,
    /// `--image`, in the order given.
    pub images: Vec<String>,
    pub image_reader: probe::docker::image::Reader,
    pub input: Input,
    pub selection: Selection,
}

/// What the doctor concluded.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    pub facts: Facts,
    pub findings: Vec<Finding>,
    /// For a run line or a container: the corrected line, `None` when none
    /// is needed or none can be made. Absent for a host-only run.
    pub recipe: Option<Option<Recipe>>,
}

/// Probes (or replays), judges and corrects. An error is a usage error or a
/// probe that could not start (exit 2); a host that fails is a diagnosis.
pub fn diagnose(req: &Request) -> Result<Diagnosis, String> {
    req.selection.validate()?;
    // A malformed run line is a usage error: refuse it before probing.
    let line = match &req.input {
        Input::RunLine(words) => Some(runline::from_line(words).map_err(|e| e.to_string())?),
        _ => None,
    };
    if matches!(req.input, Input::Container(_)) && (req.facts_file.is_some() || req.docker.skip) {
        return Err("container asks the Docker daemon: it cannot be used with --facts or --no-docker (replay a saved `container --json` with --facts FILE alone)".into());
    }
    // lint judges the image on its run line too.
    let mut images = req.images.clone();
    if let Some(run) = &line {
        if !images.contains(&run.spec.image) {
            images.push(run.spec.image.clone());
        }
    }
    let mut facts = match &req.facts_file {
        Some(path) => load_facts(path)?,
        None => probe::probe_with_images(
            &host_root(req.root.as_deref())?,
            &req.docker,
            &images,
            req.image_reader,
        ),
    };
    if line.is_some() {
        facts.run = line;
    }
    if let Input::Container(reference) = &req.input {
        attach_container(&mut facts, req, reference)?;
    }
    let findings = checks::run(&facts, &req.selection);
    let recipe = facts.run.as_ref().map(|_| recipe::recipe(&facts));
    Ok(Diagnosis {
        facts,
        findings,
        recipe,
    })
}

/// `capture DIR`: copies the host files the probes read; returns how many.
pub fn capture(root: Option<&Path>, dir: &Path) -> Result<usize, String> {
    let root = host_root(root)?;
    probe::capture::capture(&root, dir).map(|files| files.len())
}

fn host_root(root: Option<&Path>) -> Result<HostRoot, String> {
    match root {
        Some(dir) => HostRoot::new(dir),
        None => Ok(HostRoot::live()),
    }
}

/// `container NAME|ID`: the container's facts, and its settings as the run
/// line the run checks judge. A missing container is a usage error.
fn attach_container(facts: &mut Facts, req: &Request, reference: &str) -> Result<(), String> {
    let endpoint = probe::docker::endpoint(&req.docker);
    let timeout = req.docker.timeout;
    let mut c = probe::docker::container::probe(endpoint.clone(), timeout, reference)?;
    // Its image too, so /run/lock and PID 1 are judged with the image's
    // systemd; once, when --image already named it.
    if !facts.images.iter().any(|i| i.reference == c.config.image) {
        facts.images.push(probe::docker::image::probe(
            &c.config.image,
            endpoint,
            timeout,
            req.image_reader,
        ));
    }
    match runline::from_container(&c) {
        Ok(run) => facts.run = Some(run),
        Err(e) => c.run_line_error = Some(e.to_string()),
    }
    facts.container = Some(c);
    Ok(())
}

fn load_facts(path: &Path) -> Result<Facts, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: {}", path.display(), probe::root::io_reason(&e)))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    // Accept a whole --json report or its "facts" object.
    let facts = value.get("facts").cloned().unwrap_or(value);
    serde_json::from_value(facts)
        .map_err(|e| format!("{}: not sdctr-doctor facts: {e}", path.display()))
}
