//! Everything the probes learned: plain serde structs, serialisable and replayable.

pub mod container;
pub mod docker;
pub mod dockerfile;
pub mod host;
pub mod image;
pub mod run;
pub(crate) mod version;

use serde::{Deserialize, Serialize};

pub use docker::{DockerFacts, DockerProbe};
pub use host::HostFacts;
pub use image::ImageFacts;

/// The whole input of the checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Facts {
    pub host: HostFacts,
    /// The daemon's facts; null when skipped or unreachable (see `docker_probe`).
    #[serde(default)]
    pub docker: Option<DockerFacts>,
    /// How the docker probe went; null in facts files older than the docker probe.
    #[serde(default)]
    pub docker_probe: Option<DockerProbe>,
    /// The container given to `container NAME|ID`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<container::ContainerFacts>,
    /// The run line given to `lint` (or made from the container's settings);
    /// absent otherwise (the run checks skip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<run::RunFacts>,
    /// One per `--image`, in the order given; for `lint --dockerfile`, the
    /// image the file would build comes first.
    #[serde(default)]
    pub images: Vec<ImageFacts>,
    /// `lint --dockerfile`: what the file sets; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<dockerfile::DockerfileFacts>,
}

/// A probed value, or why the probe could not produce it.
///
/// Serialised as the value itself, or as `{"error": "..."}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Probed<T> {
    Ok(T),
    Err(ProbeError),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProbeError {
    pub error: String,
}

impl<T> Probed<T> {
    pub fn error(msg: impl Into<String>) -> Self {
        Probed::Err(ProbeError { error: msg.into() })
    }

    pub fn ok(&self) -> Option<&T> {
        match self {
            Probed::Ok(v) => Some(v),
            Probed::Err(_) => None,
        }
    }

    pub fn as_result(&self) -> Result<&T, &str> {
        match self {
            Probed::Ok(v) => Ok(v),
            Probed::Err(e) => Err(&e.error),
        }
    }
}

impl<T> From<Result<T, String>> for Probed<T> {
    fn from(r: Result<T, String>) -> Self {
        match r {
            Ok(v) => Probed::Ok(v),
            Err(e) => Probed::error(e),
        }
    }
}
