//! The corrected line's options, edited one option at a time so that every
//! option the user wrote and the corrector did not touch stays as written.

use crate::facts::run::{RunArg, RunSpec};
use crate::runline::parse;

pub(super) struct OptionEdits {
    options: Vec<RunArg>,
    next_group: usize,
    /// The command after the image, when the corrector replaces it.
    args: Option<Vec<String>>,
}

impl OptionEdits {
    pub(super) fn of(spec: &RunSpec) -> OptionEdits {
        OptionEdits {
            options: spec.options.clone(),
            next_group: spec.options.iter().map(|a| a.group).max().unwrap_or(0),
            args: None,
        }
    }

    /// Replaces the command after the image (empty: the image's own).
    pub(super) fn set_args(&mut self, args: Vec<String>) {
        self.args = Some(args);
    }

    pub(super) fn add(&mut self, tokens: &[&str], name: &str, value: Option<&str>) {
        self.next_group += 1;
        self.options.push(RunArg {
            name: name.to_owned(),
            value: value.map(str::to_owned),
            tokens: tokens.iter().map(|t| (*t).to_owned()).collect(),
            group: self.next_group,
        });
    }

    pub(super) fn drop(&mut self, f: impl Fn(&RunArg) -> bool) {
        parse::remove(&mut self.options, f);
    }

    /// The edited options with the line's client, command, image and arguments.
    pub(super) fn spec(&self, like: &RunSpec) -> Option<RunSpec> {
        parse::build(
            like.client,
            like.command.clone(),
            self.options.clone(),
            like.image.clone(),
            self.args.clone().unwrap_or_else(|| like.args.clone()),
        )
        .ok()
    }
}
