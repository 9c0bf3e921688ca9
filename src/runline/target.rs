//! The containers a file describes (compose services, molecule platforms),
//! each turned into the settings model the run checks judge: a run line.

use crate::facts::run::RunFacts;

use super::{compose, molecule};

/// One container of a file, as the run checks judge it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The service's or platform's name.
    pub name: String,
    /// Its settings as a `docker run` line; `Err` says why they cannot be one.
    pub run: Result<RunFacts, String>,
    /// True when its own settings say it runs systemd (command, tmpfs,
    /// cgroup bind, stop signal…); the image may say so too.
    pub looks_systemd: bool,
    /// The entry as written, for rendering the fix back in the same form.
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Compose(compose::Service),
    Molecule(molecule::Platform),
}

impl Target {
    /// The image its run line names.
    pub fn image(&self) -> Option<&str> {
        self.run.as_ref().ok().map(|r| r.spec.image.as_str())
    }
}
