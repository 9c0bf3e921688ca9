//! `lint`: a `docker run` line, parsed ([`parse`]), and the corrected one for
//! this host ([`recipe`]). Pure: the facts come in, text goes out.

pub mod context;
pub mod options;
pub mod parse;
pub mod recipe;

use crate::facts::run::{RunContext, RunFacts};

/// The run facts for a `lint` line: words split, parsed, no daemon or image
/// facts yet (those fill [`RunContext`] when probed).
pub fn lint_input(line: &[String]) -> Result<RunFacts, parse::ParseError> {
    let argv = parse::words(line)?;
    let spec = parse::parse(&argv)?;
    Ok(RunFacts {
        argv,
        spec,
        context: RunContext::default(),
    })
}
