//! `lint`: a `docker run` line, parsed ([`parse`]), and the corrected one for
//! this host ([`recipe`]). Pure: the facts come in, text goes out.

pub mod context;
pub mod options;
pub mod parse;
pub mod recipe;

use crate::facts::run::RunFacts;

/// The run facts for a `lint` line: words split, then parsed.
pub fn lint_input(line: &[String]) -> Result<RunFacts, parse::ParseError> {
    RunFacts::parse(parse::words(line)?)
}
