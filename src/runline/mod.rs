//! The run-line layer, below the checks: a `docker run` line parsed into the
//! settings that matter to systemd ([`parse`]), the same settings read back
//! from an existing container ([`container`]), what the daemon and the image
//! add to them ([`context`], [`effective`]), and the small systemd rules the
//! checks and the corrector share ([`systemd`]). Pure: facts in, facts out.

pub mod compose;
pub(crate) mod container;
pub(crate) mod context;
pub(crate) mod dockerfile;
pub(crate) mod effective;
pub mod molecule;
pub(crate) mod options;
pub(crate) mod parse;
pub(crate) mod systemd;
pub mod target;

use crate::facts::container::ContainerFacts;
use crate::facts::run::RunFacts;

pub use parse::ParseError;

/// The run facts of a `lint` line: split into words as a shell would, then parsed.
pub fn from_line(line: &[String]) -> Result<RunFacts, ParseError> {
    from_argv(parse::words(line)?)
}

/// The run facts of an argv that is already split into words.
pub fn from_argv(argv: Vec<String>) -> Result<RunFacts, ParseError> {
    let spec = parse::parse(&argv)?;
    Ok(RunFacts { argv, spec })
}

/// The run facts of an existing container: its settings as the `docker run`
/// line that makes them, parsed like a `lint` line so the same checks judge it.
pub fn from_container(c: &ContainerFacts) -> Result<RunFacts, ParseError> {
    from_argv(container::run_argv(&c.config, &c.name))
}
