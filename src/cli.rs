//! Command line: parse, run the pipeline, print, choose the exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::checks::{self, Selection};
use crate::facts::Facts;
use crate::probe::{self, root::HostRoot};
use crate::report::{self, human, Verdict};

/// Exit code when the doctor itself could not run (usage errors too).
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "sdctr-doctor",
    version,
    about = "Will systemd boot as PID 1 in a Docker container here? If not, what to change.",
    after_help = "Exit codes: 0 ready (warnings allowed), 1 not ready, 2 usage error or the doctor could not run."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Read host files through DIR (a captured host, or the host's /proc and /sys mounted in a container).
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,

    /// Same as --format json.
    #[arg(long, global = true)]
    pub json: bool,

    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    pub format: Format,

    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN", global = true)]
    pub color: ColorChoice,

    /// Run only these checks (comma-separated ids or families such as `host`).
    #[arg(long, value_delimiter = ',', value_name = "IDS", global = true)]
    pub only: Vec<String>,

    /// Do not run these checks (ids or families).
    #[arg(long, value_delimiter = ',', value_name = "IDS", global = true)]
    pub skip: Vec<String>,

    /// Count warnings as failures.
    #[arg(long, global = true)]
    pub strict: bool,

    /// Show evidence for passing checks too.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print what a check looks at, why, and its sources.
    #[arg(long, value_name = "ID")]
    pub explain: Option<String>,

    /// List every check id with its title.
    #[arg(long)]
    pub list_checks: bool,

    /// Judge facts saved from an earlier --json run (its "facts" object) instead of probing.
    #[arg(long, value_name = "FILE", conflicts_with = "root")]
    pub facts: Option<PathBuf>,

    /// Docker daemon to ask (unix:///path or tcp://host:port); default: DOCKER_HOST, the docker context, /var/run/docker.sock.
    #[arg(long, value_name = "URL")]
    pub docker_host: Option<String>,

    /// Do not ask the Docker daemon (its checks show skip).
    #[arg(long)]
    pub no_docker: bool,

    /// Judge this image too (repeatable). Looked up in the local daemon, never pulled, never run.
    #[arg(long = "image", value_name = "IMG")]
    pub images: Vec<String>,

    /// How image files are read: the daemon's layer directories (root, local overlay2 or
    /// fuse-overlayfs daemon), the archive API of a created, never started container, or auto.
    #[arg(long, value_enum, default_value_t = ImageReaderChoice::Auto, value_name = "HOW")]
    pub image_reader: ImageReaderChoice,

    /// Bound on the daemon's answers, in seconds (each --image has its own).
    #[arg(long, value_name = "SECS", default_value_t = probe::docker::DEFAULT_TIMEOUT.as_secs_f64(), value_parser = parse_timeout)]
    pub timeout: f64,
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t > 0.0 && t <= 3600.0 => Ok(t),
        _ => Err(format!(
            "'{s}' is not a number of seconds between 0 and 3600"
        )),
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Copy exactly the host files the probes read into DIR (send it with a support ticket).
    Capture {
        /// An empty or new directory.
        dir: PathBuf,
    },
    /// Judge a run line on this host and print one that works here:
    /// `sdctr-doctor lint [--json] -- docker run [OPTIONS] IMAGE [ARG...]`
    /// (also `podman run`, `docker container run`, or just the options and the image).
    Lint {
        /// The line, after `--` (or as one quoted argument).
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true, value_name = "DOCKER RUN LINE")]
        line: Vec<String>,
    },
    /// Judge an existing container: its settings (as the run checks judge a
    /// `lint` line), its state, and what systemd printed or says inside it.
    Container {
        /// The container's name or id.
        #[arg(value_name = "NAME|ID")]
        reference: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ImageReaderChoice {
    Auto,
    Layers,
    Archive,
}

impl From<ImageReaderChoice> for probe::docker::image::Reader {
    fn from(c: ImageReaderChoice) -> Self {
        use probe::docker::image::Reader;
        match c {
            ImageReaderChoice::Auto => Reader::Auto,
            ImageReaderChoice::Layers => Reader::Layers,
            ImageReaderChoice::Archive => Reader::Archive,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
                    && supports_color::on(supports_color::Stream::Stdout).is_some()
            }
        }
    }
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap's own codes: 2 for a usage error (our EXIT_ERROR), 0 for --help.
            let _ = e.print();
            return e.exit_code();
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("sdctr-doctor: error: {msg}");
            EXIT_ERROR
        }
    }
}

fn host_root(cli: &Cli) -> Result<HostRoot, String> {
    match &cli.root {
        Some(dir) => HostRoot::new(dir),
        None => Ok(HostRoot::live()),
    }
}

pub fn run(cli: Cli) -> Result<i32, String> {
    if cli.list_checks {
        let mut out = String::new();
        for c in checks::registry() {
            out.push_str(&format!("{:<24} {}\n", c.id, c.title));
        }
        print(&out);
        return Ok(0);
    }
    if let Some(id) = &cli.explain {
        let c =
            checks::find(id).ok_or_else(|| format!("unknown check '{id}' (see --list-checks)"))?;
        let mut out = format!("{} — {}\n\n{}\n\nSources:\n", c.id, c.title, c.explain);
        for s in c.sources {
            out.push_str(&format!("  - {s}\n"));
        }
        print(&out);
        return Ok(0);
    }
    if let Some(Command::Capture { dir }) = &cli.command {
        let root = host_root(&cli)?;
        let files = crate::capture::capture(&root, dir)?;
        eprintln!("captured {} files into {}", files.len(), dir.display());
        return Ok(0);
    }

    let selection = Selection {
        only: cli.only.clone(),
        skip: cli.skip.clone(),
    };
    selection.validate()?;
    // A malformed run line is a usage error: refuse it before probing.
    let lint = match &cli.command {
        Some(Command::Lint { line }) => {
            Some(crate::run::lint_input(line).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let container = match &cli.command {
        Some(Command::Container { reference }) => Some(reference.clone()),
        _ => None,
    };
    if container.is_some() && (cli.facts.is_some() || cli.no_docker) {
        return Err("container asks the Docker daemon: it cannot be used with --facts or --no-docker (replay a saved `container --json` with --facts FILE alone)".into());
    }
    // lint judges the image on its run line too.
    let mut images = cli.images.clone();
    if let Some(run) = &lint {
        if !images.contains(&run.spec.image) {
            images.push(run.spec.image.clone());
        }
    }
    let mut facts = match &cli.facts {
        Some(path) => load_facts(path)?,
        None => probe::probe_with_images(
            &host_root(&cli)?,
            &docker_options(&cli),
            &images,
            cli.image_reader.into(),
        ),
    };
    if let Some(mut run) = lint {
        let image = facts.images.iter().find(|i| i.reference == run.spec.image);
        crate::run::context::fill(&mut run.context, facts.docker.as_ref(), image);
        facts.run = Some(run);
    }
    if let Some(reference) = &container {
        attach_container(&mut facts, &cli, reference)?;
    }
    let findings = checks::run(&facts, &selection);
    let recipe = facts
        .run
        .as_ref()
        .map(|_| crate::run::recipe::recipe(&facts));
    let out = if cli.json || cli.format == Format::Json {
        report::json::render(&facts, &findings, cli.strict, recipe.as_ref())
    } else {
        let style = human::Style {
            color: cli.color.enabled(),
            verbose: cli.verbose,
        };
        let mut out = human::render(&findings, cli.strict, style);
        if let Some(r) = &recipe {
            out.push_str(&crate::run::recipe::render_human(&findings, r.as_ref()));
            if container.is_some() && r.is_some() {
                out.push_str("  (made from the container's settings that matter to systemd: add its ports, networks, env and other options)\n");
            }
        }
        out
    };
    print(&out);
    Ok(Verdict::of(&findings, cli.strict).exit_code())
}

/// `container NAME|ID`: the container's facts, and its settings as the run
/// line the run checks judge. A missing container is a usage error.
fn attach_container(facts: &mut Facts, cli: &Cli, reference: &str) -> Result<(), String> {
    let opts = docker_options(cli);
    let endpoint = probe::docker::endpoint(&opts);
    let mut c = probe::docker::container::probe(endpoint.clone(), opts.timeout, reference)?;
    // Its image too, so /run/lock and PID 1 are judged with the image's
    // systemd; once, when --image already named it.
    if !facts.images.iter().any(|i| i.reference == c.config.image) {
        facts.images.push(probe::docker::image::probe(
            &c.config.image,
            endpoint,
            opts.timeout,
            cli.image_reader.into(),
        ));
    }
    let image = facts.images.iter().find(|i| i.reference == c.config.image);
    match crate::facts::run::RunFacts::from_container(&c) {
        Ok(mut run) => {
            crate::run::context::fill(&mut run.context, facts.docker.as_ref(), image);
            facts.run = Some(run);
        }
        Err(e) => c.run_line_error = Some(e.to_string()),
    }
    facts.container = Some(c);
    Ok(())
}

fn docker_options(cli: &Cli) -> probe::docker::Options {
    probe::docker::Options {
        host: cli.docker_host.clone(),
        timeout: std::time::Duration::from_secs_f64(cli.timeout),
        skip: cli.no_docker,
    }
}

fn load_facts(path: &PathBuf) -> Result<Facts, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: {}", path.display(), crate::probe::root::io_reason(&e)))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    // Accept a whole --json report or its "facts" object.
    let facts = value.get("facts").cloned().unwrap_or(value);
    serde_json::from_value(facts)
        .map_err(|e| format!("{}: not sdctr-doctor facts: {e}", path.display()))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn print(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes()).and_then(|_| out.flush());
}
