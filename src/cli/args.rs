//! The command line as clap reads it. Every option is global: it may stand
//! before or after the subcommand (`lint --no-docker -- docker run …`).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::probe;

#[derive(Parser, Debug)]
#[command(
    name = "sdctr-doctor",
    version,
    disable_version_flag = true,
    about = "Will systemd boot as PID 1 in a Docker container here? If not, what to change.",
    after_help = "Exit codes: 0 ready (warnings allowed), 1 not ready, 2 usage error or the doctor could not run."
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Read host files through DIR (a captured host, or the host's /proc and /sys mounted in a container);
    /// a daemon is then asked only when --docker-host names one.
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,

    /// Same as --format json.
    #[arg(long, global = true)]
    pub json: bool,

    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    pub format: Format,

    /// Keep hostnames, IP addresses, user names, env and label values, credentials and the
    /// kernel command line in JSON output (redacted by default).
    #[arg(long, global = true)]
    pub no_redact: bool,

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
    #[arg(long, value_name = "ID", global = true)]
    pub explain: Option<String>,

    /// Print the version (with -v: git commit, target, features).
    #[arg(short = 'V', long)]
    pub version: bool,

    /// List every check id with its title.
    #[arg(long, global = true)]
    pub list_checks: bool,

    /// Judge facts saved from an earlier --json run (its "facts" object) instead of probing.
    #[arg(long, value_name = "FILE", conflicts_with = "root", global = true)]
    pub facts: Option<PathBuf>,

    /// Replay a bundle written by `capture --bundle`: offline, no daemon is asked and no file of this machine is judged.
    #[arg(long, value_name = "FILE.tar.gz", conflicts_with_all = ["root", "facts", "docker_host", "images", "no_docker"], global = true)]
    pub from: Option<PathBuf>,

    /// Docker daemon to ask (unix:///path or tcp://host:port); default: DOCKER_HOST, the docker context, /var/run/docker.sock.
    #[arg(long, value_name = "URL", global = true)]
    pub docker_host: Option<String>,

    /// Do not ask the Docker daemon (its checks show skip).
    #[arg(long, global = true)]
    pub no_docker: bool,

    /// Judge this image too (repeatable). Looked up in the local daemon, never pulled, never run.
    #[arg(long = "image", value_name = "IMG", global = true)]
    pub images: Vec<String>,

    /// How image files are read: the daemon's layer directories (root, local overlay2 or
    /// fuse-overlayfs daemon), the archive API of a created, never started container, or auto.
    #[arg(long, value_enum, default_value_t = ImageReaderChoice::Auto, value_name = "HOW", global = true)]
    pub image_reader: ImageReaderChoice,

    /// Bound on the whole run's waiting for the daemon, in seconds; removing probe containers
    /// may take up to 1 s more.
    #[arg(long, value_name = "SECS", default_value_t = probe::docker::DEFAULT_TIMEOUT.as_secs_f64(), value_parser = parse_timeout, global = true)]
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
pub(super) enum Command {
    /// Copy exactly the host files the probes read into DIR; or, with
    /// `--bundle FILE.tar.gz`, record everything a run reads (host files, the
    /// daemon's answers, `--image`s, `--container`, the run line after `--`)
    /// and its JSON report into one file that `--from FILE.tar.gz` replays offline.
    Capture {
        /// An empty or new directory.
        #[arg(required_unless_present = "bundle", conflicts_with = "bundle")]
        dir: Option<PathBuf>,
        /// Write one gzip'd tar bundle (a new file) instead of a directory.
        #[arg(long, value_name = "FILE.tar.gz")]
        bundle: Option<PathBuf>,
        /// Record this container too, as `container NAME` judges it.
        #[arg(
            long,
            value_name = "NAME|ID",
            requires = "bundle",
            conflicts_with = "line"
        )]
        container: Option<String>,
        /// Record this run line too, as `lint` judges it (after `--`).
        #[arg(last = true, requires = "bundle", value_name = "DOCKER RUN LINE")]
        line: Vec<String>,
    },
    /// Judge a run line, compose file, molecule.yml or Dockerfile; print the fix.
    ///
    /// Judge a run line on this host and print one that works here:
    /// `sdctr-doctor lint [--json] -- docker run [OPTIONS] IMAGE [ARG...]`
    /// (also `podman run`, `docker container run`, or just the options and the image).
    /// `sdctr-doctor lint --compose FILE [--service NAME]`, `lint --molecule FILE`:
    /// each service or platform, with the fix in the file's own form.
    /// `sdctr-doctor lint --dockerfile FILE`: the image the file would build,
    /// with the fix as a diff of the file.
    Lint {
        /// The line, after `--` (or as one quoted argument).
        #[arg(required_unless_present_any = ["compose", "molecule", "dockerfile"], num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true, value_name = "DOCKER RUN LINE")]
        line: Vec<String>,
        /// A compose file (repeatable: later files override earlier ones, as `docker compose -f`).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["line", "molecule"])]
        compose: Vec<PathBuf>,
        /// Judge only this service (repeatable); default: each service that runs systemd.
        #[arg(long, value_name = "NAME", requires = "compose")]
        service: Vec<String>,
        /// A molecule.yml: each docker-driver platform.
        #[arg(long, value_name = "FILE", conflicts_with = "line")]
        molecule: Option<PathBuf>,
        /// A Dockerfile: the image it would build (its base from the local daemon, never pulled).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["line", "compose", "molecule"])]
        dockerfile: Option<PathBuf>,
        /// Print the fix as a unified diff of the file.
        #[arg(long, requires = "compose")]
        diff: bool,
    },
    /// Judge an existing container: its settings (as the run checks judge a
    /// `lint` line), its state, and what systemd printed or says inside it.
    Container {
        /// The container's name or id.
        #[arg(value_name = "NAME|ID")]
        reference: String,
    },
    /// Explain a pasted `docker logs` / console / `journalctl` / `docker run`
    /// error output: each known line with its cause, fix and where it was
    /// seen. Reports only: exit 0 unless the input cannot be read (2).
    Triage {
        /// The log file; `-` (the default) reads standard input.
        #[arg(value_name = "FILE|-", default_value = "-")]
        input: PathBuf,
    },
    /// Print a completion script: `source <(sdctr-doctor completions bash)`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `sdctr-doctor man [lint] | man -l -`.
    Man {
        /// A subcommand's page (sdctr-doctor-lint(1)) instead of the main one.
        #[arg(value_name = "SUBCOMMAND")]
        page: Option<String>,
    },
    /// Print the version, git commit, target and features.
    Version,
}

/// The clap definition, for the completion script and the man page.
pub(super) fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(super) enum Format {
    Human,
    Json,
    /// A report to paste into an issue or a ticket (GitHub/GitLab Markdown).
    Markdown,
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
pub(super) enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub(super) fn enabled(self) -> bool {
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
