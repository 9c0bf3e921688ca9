//! The corrected platform entry of a molecule.yml.

use crate::recipe::Recipe;
use crate::runline::molecule::Platform;

/// The corrected platform as molecule YAML (a `- name:` list entry).
pub(crate) fn corrected_platform(platform: &Platform, recipe: &Recipe) -> String {
    format!("- name: {}\n  # {}\n", platform.name, recipe.argv.join(" "))
}
