//! `lint`: a `docker run` line, parsed ([`parse`]), and the corrected one for
//! this host ([`recipe`]). Pure: the facts come in, text goes out.

pub mod options;
pub mod parse;
pub mod recipe;
